//! Record-health issues as a list: the query from the URL and the export. Pages and the API share these.

use crate::list::ListParams;
use steward_core::hr::health::{Issue, IssueQuery, IssueSort};
use steward_core::ids::{DepartmentId, EmployeeId};
use steward_core::Error;

pub const EXPORT_HEADERS: &[&str] = &[
    "employee_id",
    "employee",
    "rule",
    "problem",
    "severity",
    "department",
    "about",
    "fix",
    "found_at",
];

pub fn export_row(i: &Issue) -> Vec<String> {
    vec![
        i.employee_id.map(|e| e.to_string()).unwrap_or_default(),
        i.employee_name.clone().unwrap_or_default(),
        i.rule.clone(),
        i.label().to_string(),
        i.severity().to_string(),
        i.department_name.clone().unwrap_or_default(),
        i.detail.clone(),
        i.fix_link(),
        i.found_at.rfc3339(),
    ]
}

/// The list's query from its parameters (the API shares it).
pub fn query_from(params: &ListParams) -> Result<IssueQuery, Error> {
    let (sort, dir) = params.sort::<IssueSort>();
    let num = |k: &str| -> Result<Option<i64>, Error> {
        params
            .get(k)
            .map(|v| {
                v.parse::<i64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| Error::invalid(k, "must be an id"))
            })
            .transpose()
    };
    Ok(IssueQuery {
        rule: params.get("rule").map(str::to_string),
        employee: num("employee")?.map(EmployeeId),
        department: num("department")?.map(DepartmentId),
        search: params.search(),
        sort,
        dir,
        paging: params.paging(),
    })
}
