//! IT's tables (see `steward_core::it`): asset categories, models, assets and their events;
//! licences and their seats; consumables and their stock movements; sites, networks and
//! addresses; planned changes and maintenance schedules; the helpdesk's tickets, groups and
//! knowledge base.
pub(crate) mod asset_fields;
pub(crate) mod assets;
pub(crate) mod books;
pub(crate) mod changes;
pub(crate) mod consumables;
pub(crate) mod helpdesk;
pub(crate) mod licences;
pub(crate) mod networks;

use sqlx::any::AnyRow;
use steward_core::ids::CompanyId;
use steward_core::time::Timestamp;
use steward_core::{Error, Result};

use crate::{db, get_i64, opt_i64};

type Tx = sqlx::Transaction<'static, sqlx::Any>;

pub(super) fn a(s: &str) -> sea_query::Alias {
    sea_query::Alias::new(s)
}

/// A stored value of IT's that does not read back (an internal error, never the client's).
pub(super) fn bad(what: &str) -> Error {
    Error::Internal(format!("it: a stored {what} does not parse"))
}

/// A `yyyymmdd` column, or none.
pub(super) fn opt_day(r: &AnyRow, c: &str) -> Result<Option<chrono::NaiveDate>> {
    opt_i64(r, c)?
        .map(|k| steward_core::hr::day_from_key(k).ok_or_else(|| bad(c)))
        .transpose()
}

/// A unique violation of a name is the field's error.
pub(super) fn name_taken(what: &'static str) -> impl Fn(sqlx::Error) -> Error {
    move |e| match db(e) {
        Error::Conflict { .. } => Error::invalid("name", format!("another {what} has this name")),
        e => e,
    }
}

pub(super) use crate::stale;

/// Adds a row of one of IT's named lists (`table` has `company_id, name, created_at`) in
/// `tx`; a name the company uses already is refused on `name`. Its id.
pub(super) async fn insert_named(
    tx: &mut Tx,
    table: &'static str,
    what: &'static str,
    company: CompanyId,
    name: &str,
) -> Result<i64> {
    let r = sqlx::query(&format!(
        "INSERT INTO {table} (company_id, name, created_at) VALUES ($1, $2, $3) RETURNING id"
    ))
    .bind(company.0)
    .bind(name)
    .bind(Timestamp::now().0)
    .fetch_one(&mut **tx)
    .await
    .map_err(name_taken(what))?;
    get_i64(&r, "id")
}

/// Renames row `id` of one of IT's named lists at `version` in `tx` (a taken name on
/// `name`; a stale version is a conflict).
pub(super) async fn rename(
    tx: &mut Tx,
    table: &'static str,
    what: &'static str,
    company: CompanyId,
    id: i64,
    name: &str,
    version: i64,
) -> Result<()> {
    let r = sqlx::query(&format!(
        "UPDATE {table} SET name = $1, version = version + 1 \
         WHERE company_id = $2 AND id = $3 AND version = $4"
    ))
    .bind(name)
    .bind(company.0)
    .bind(id)
    .bind(version)
    .execute(&mut **tx)
    .await
    .map_err(name_taken(what))?;
    if r.rows_affected() == 0 {
        return Err(stale(what));
    }
    Ok(())
}
