//! Background jobs as a list: the query from the URL and the export. Pages and the API share these.

use crate::list::ListParams;
use steward_core::jobs::{Job, JobQuery, JobStatus};
use steward_core::Error;

pub const EXPORT_HEADERS: &[&str] = &[
    "id",
    "kind",
    "status",
    "attempts",
    "max_attempts",
    "run_at",
    "created_at",
    "finished_at",
    "last_error",
];

pub fn export_row(j: &Job) -> Vec<String> {
    vec![
        j.id.to_string(),
        j.kind.clone(),
        j.status.as_str().to_string(),
        j.attempts.to_string(),
        j.max_attempts.to_string(),
        j.run_at.rfc3339(),
        j.created_at.rfc3339(),
        j.finished_at.map(|t| t.rfc3339()).unwrap_or_default(),
        j.last_error.clone().unwrap_or_default(),
    ]
}

/// `status` (queued, running, done, dead), `kind`, `limit`, `offset`; newest first.
pub fn query_from(params: &ListParams) -> Result<JobQuery, Error> {
    let status = params
        .get("status")
        .map(|s| {
            JobStatus::parse(s)
                .ok_or_else(|| Error::invalid("status", "must be queued, running, done or dead"))
        })
        .transpose()?;
    let kind = params.get("kind").map(|k| k.chars().take(64).collect());
    Ok(JobQuery {
        status,
        kind,
        paging: params.paging(),
    })
}
