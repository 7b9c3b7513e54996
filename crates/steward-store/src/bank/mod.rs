//! The bank's tables (see `steward_core::bank`): accounts, imported statements and their
//! lines (unique per account and identity, so a re-import adds nothing), saved CSV
//! mappings.
mod accounts;
mod mappings;
pub(crate) mod reconcile;
mod statements;

use chrono::NaiveDate;
use sea_query::Alias;
use sqlx::any::AnyRow;
use steward_core::ledger::day_from_key;
use steward_core::{Error, Result};

use crate::{get_i64, opt_i64};

pub(crate) fn a(s: &str) -> Alias {
    Alias::new(s)
}

pub(crate) fn date_of(r: &AnyRow, c: &str) -> Result<NaiveDate> {
    day_from_key(get_i64(r, c)?).ok_or_else(|| Error::internal(format!("bad date in {c}")))
}

pub(crate) fn opt_date(r: &AnyRow, c: &str) -> Result<Option<NaiveDate>> {
    opt_i64(r, c)?
        .map(|k| day_from_key(k).ok_or_else(|| Error::internal(format!("bad date in {c}"))))
        .transpose()
}
