//! Records' tables (see `steward_core::records`): kinds of subject and their fields,
//! record categories, subjects and who is assigned to them, the records of their files
//! (notes, documents and each document's versions), the access log, break-glass
//! openings, legal holds and disposals (retention.rs), consents (consent.rs), full-text search (search.rs).
pub(crate) mod consent;
pub(crate) mod file;
pub(crate) mod retention;
pub(crate) mod search;
pub(crate) mod setup;
pub(crate) mod subjects;

use steward_core::Error;

pub(super) fn a(s: &str) -> sea_query::Alias {
    sea_query::Alias::new(s)
}

/// A stored value of Records' that does not read back (an internal error).
pub(super) fn bad(what: &str) -> Error {
    Error::Internal(format!("records: a stored {what} does not parse"))
}

pub(super) use crate::taken;

pub(super) use crate::stale;
