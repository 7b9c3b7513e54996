//! Fields of an owner (`steward_core::custom_fields::OwnedField`): IT's per asset category
//! (`it_category_fields`, owner column `category_id`) and Records' per kind of subject
//! (`records_kind_fields`, `kind_id`). One table shape, one set of statements; each domain
//! names its table and maps the owner's id.
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};
use steward_core::audit::AuditDraft;
use steward_core::custom_fields::{NewField, OwnedField};
use steward_core::ids::CompanyId;
use steward_core::time::Timestamp;
use steward_core::{Error, Result};

use crate::{append_audit, db, get_i64, get_str, stale, taken, Store};

type Tx = Transaction<'static, Any>;

/// Where an owner's fields live.
pub(crate) struct FieldTable {
    pub table: &'static str,
    /// The owner's id column.
    pub owner: &'static str,
    /// What a key taken within the owner is refused with (on `key`).
    pub key_taken: &'static str,
}

fn field_of<O>(r: &AnyRow, t: &FieldTable, make: fn(i64) -> O) -> Result<OwnedField<O>> {
    Ok(OwnedField {
        id: get_i64(r, "id")?,
        owner: make(get_i64(r, t.owner)?),
        key: get_str(r, "key")?,
        label: get_str(r, "label")?,
        kind: get_str(r, "kind")?,
        choices: serde_json::from_str(&get_str(r, "choices")?)
            .map_err(|_| Error::Internal(format!("{}: stored choices do not parse", t.table)))?,
        required: get_i64(r, "required")? != 0,
        help: get_str(r, "help")?,
        position: get_i64(r, "position")?,
        active: get_i64(r, "active")? != 0,
        version: get_i64(r, "version")?,
    })
}

fn choices(f: &NewField) -> Result<String> {
    serde_json::to_string(&f.choices).map_err(Error::internal)
}

/// The fields (inactive ones too) of one owner, or of all the company's (`None`), by owner,
/// position, then key.
pub(crate) async fn list<O>(
    store: &Store,
    t: &FieldTable,
    company: CompanyId,
    owner: Option<i64>,
    make: fn(i64) -> O,
) -> Result<Vec<OwnedField<O>>> {
    let select = format!(
        "SELECT id, {o}, key, label, kind, choices, required, help, position, active, version \
         FROM {table} WHERE company_id = $1",
        o = t.owner,
        table = t.table
    );
    let rows = match owner {
        Some(o) => {
            sqlx::query(&format!(
                "{select} AND {} = $2 ORDER BY position, key, id",
                t.owner
            ))
            .bind(company.0)
            .bind(o)
            .fetch_all(&store.read)
            .await
        }
        None => {
            sqlx::query(&format!("{select} ORDER BY {}, position, key, id", t.owner))
                .bind(company.0)
                .fetch_all(&store.read)
                .await
        }
    }
    .map_err(db)?;
    rows.iter().map(|r| field_of(r, t, make)).collect()
}

/// Adds a field in `tx`; a key the owner has is refused on `key`. Its id.
pub(crate) async fn insert_in(
    tx: &mut Tx,
    t: &FieldTable,
    company: CompanyId,
    owner: i64,
    f: &NewField,
) -> Result<i64> {
    let r = sqlx::query(&format!(
        "INSERT INTO {} (company_id, {}, key, label, kind, choices, required, help, position, \
         active, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        t.table, t.owner
    ))
    .bind(company.0)
    .bind(owner)
    .bind(&f.key)
    .bind(&f.label)
    .bind(&f.kind)
    .bind(choices(f)?)
    .bind(i64::from(f.required))
    .bind(&f.help)
    .bind(f.position)
    .bind(i64::from(f.active))
    .bind(Timestamp::now().0)
    .fetch_one(&mut **tx)
    .await
    .map_err(taken("key", t.key_taken))?;
    get_i64(&r, "id")
}

/// Adds a field with its audit event. Its id.
pub(crate) async fn insert(
    store: &Store,
    t: &FieldTable,
    company: CompanyId,
    owner: i64,
    f: &NewField,
    mut audit: AuditDraft,
) -> Result<i64> {
    let mut tx = store.begin().await?;
    let id = insert_in(&mut tx, t, company, owner, f).await?;
    audit.entity_id = Some(id.to_string());
    append_audit(&mut tx, audit).await?;
    tx.commit().await.map_err(db)?;
    Ok(id)
}

/// Changes a field's label, choices, required, help, position and active at `version` (the
/// key and kind stay): not found when not the company's, `Conflict` when stale.
pub(crate) async fn update(
    store: &Store,
    t: &FieldTable,
    company: CompanyId,
    id: i64,
    f: &NewField,
    version: i64,
    audit: AuditDraft,
) -> Result<()> {
    let mut tx = store.begin().await?;
    let n = sqlx::query(&format!(
        "UPDATE {} SET label = $1, choices = $2, required = $3, help = $4, position = $5, \
         active = $6, version = version + 1 WHERE company_id = $7 AND id = $8 AND version = $9",
        t.table
    ))
    .bind(&f.label)
    .bind(choices(f)?)
    .bind(i64::from(f.required))
    .bind(&f.help)
    .bind(f.position)
    .bind(i64::from(f.active))
    .bind(company.0)
    .bind(id)
    .bind(version)
    .execute(&mut *tx)
    .await
    .map_err(db)?
    .rows_affected();
    if n != 1 {
        let exists = sqlx::query(&format!(
            "SELECT COUNT(*) AS n FROM {} WHERE company_id = $1 AND id = $2",
            t.table
        ))
        .bind(company.0)
        .bind(id)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        return Err(if get_i64(&exists, "n")? > 0 {
            stale("field")
        } else {
            Error::NotFound { entity: "field" }
        });
    }
    append_audit(&mut tx, audit).await?;
    tx.commit().await.map_err(db)
}
