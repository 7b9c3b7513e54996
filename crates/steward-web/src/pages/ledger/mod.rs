//! The general ledger's pages ("Books"): overview, chart of accounts, entries and their
//! workflow (draft, approval, posting, reversal), reports with drill-down, periods and
//! year-end close, journals, commodities, rates, settings and journal import. Every
//! handler goes through `steward_core::ledger::{service, reports}`, which authorize.
mod accounts;
mod books;
mod entries;
mod import;
mod overview;
mod periods;
mod reports;

use axum::Router;
use steward_core::auth::{Action, Actor, Domain, Permission};
use steward_core::error::FieldError;

use crate::state::{AppState, Backend};

pub fn router<S: Backend>() -> Router<AppState<S>> {
    Router::new()
        .merge(overview::router())
        .merge(accounts::router())
        .merge(entries::router())
        .merge(reports::router())
        .merge(periods::router())
        .merge(books::router())
        .merge(import::router())
}

pub(crate) fn perm(action: Action) -> Permission {
    Permission::new(Domain::Accounting, action)
}

/// Whether to offer an action; the service decides for real.
pub(crate) fn can(actor: &Actor, action: Action) -> bool {
    actor.can(perm(action))
}

pub(crate) use super::{field, form_errors, is_invalid, non_empty};

pub(crate) fn find_error(errors: &[FieldError], field: &str) -> Option<String> {
    super::field_error(errors, field)
}

/// Amounts as they are shown: the commodity's places, a minus for negatives.
pub(crate) fn amount(minor: i64, precision: u8) -> String {
    steward_core::money::format_minor(minor, precision)
}

/// A same-site link with a query string.
pub(crate) fn href_with(path: &str, pairs: &[(&str, String)]) -> String {
    let pairs: Vec<(&str, &str)> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (*k, v.as_str()))
        .collect();
    let q = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    if q.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{q}")
    }
}
