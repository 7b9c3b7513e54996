//! The audit trail as a list: its query from the URL and its export. Pages and the API share these.

use crate::list::ListParams;
use steward_core::audit::{AuditEvent, AuditQuery};
use steward_core::list::SortDir;
use steward_core::Error;

pub const EXPORT_HEADERS: &[&str] = &[
    "seq",
    "at",
    "actor",
    "ip",
    "entity",
    "entity_id",
    "action",
    "changes",
    "hash",
];

pub fn export_row(e: &AuditEvent) -> Vec<String> {
    vec![
        e.seq.to_string(),
        e.at.rfc3339(),
        e.actor.clone(),
        e.ip.clone().unwrap_or_default(),
        e.entity.clone(),
        e.entity_id.clone().unwrap_or_default(),
        e.action.clone(),
        e.changes.to_string(),
        e.hash.clone(),
    ]
}

pub fn query_from(params: &ListParams) -> Result<AuditQuery, Error> {
    let to = day(params.get("to"), "to")?.map(|t| t.plus_secs(86_400));
    Ok(AuditQuery {
        search: params.search(),
        entity: params.get("entity").map(str::to_string),
        action: params.get("action").map(str::to_string),
        actor: params.get("actor").map(str::to_string),
        from: day(params.get("from"), "from")?,
        to,
        dir: params
            .get("dir")
            .and_then(SortDir::parse)
            .unwrap_or(SortDir::Desc),
        paging: params.paging(),
    })
}

/// A `YYYY-MM-DD` filter as the start of that day (UTC): a day as the API declares one
/// (`contract::date_param`: exact, years 1900 to 2999; a page's value comes trimmed).
fn day(s: Option<&str>, field: &str) -> Result<Option<steward_core::time::Timestamp>, Error> {
    Ok(crate::api::contract::parse_date_param(field, s)?
        .map(steward_core::time::Timestamp::start_of))
}
