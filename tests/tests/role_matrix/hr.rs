//! HR: documents (and attachments on tasks and cases), time off, org, locations, employees, lifecycle. A new route of this domain gets its row here.
use super::*;

#[rustfmt::skip]
pub(super) const ROWS: &[Row] = &[
    // hr: documents (and attachments on tasks and cases). Attachments follow their record:
    // whoever sees the task or case lists them; adding needs the right to change the task
    // (or to work the case, or to have opened it); an upload without a file is 422 for them.
    // Employee documents and certifications of an id that is no employee are 404 for every
    // signed-in caller (a JSON POST without a body is 422 first); the company list of
    // certifications is for HR read at company scope (admin, hr_lead, auditor).
    row("GET",    "/api/v1/tasks/{id}/attachments",        Id::FreshTask,       Body::None, ["401", "2xx", "404", "404", "404", "404", "404", "404", "2xx", "2xx"]),
    row("POST",   "/api/v1/tasks/{id}/attachments",        Id::FreshTask,       Body::None, ["401", "422", "404", "404", "404", "404", "404", "404", "403", "403"]),
    row("GET",    "/api/v1/cases/{id}/attachments",        Id::FrontOfficeCase, Body::None, ["401", "2xx", "403", "2xx", "2xx", "403", "403", "2xx", "2xx", "2xx"]),
    row("POST",   "/api/v1/cases/{id}/attachments",        Id::FrontOfficeCase, Body::None, ["401", "422", "403", "422", "422", "403", "403", "422", "403", "403"]),
    row("GET",    "/api/v1/attachments/{id}",              Id::TargetUser,      Body::None, ["401", "404", "404", "404", "404", "404", "404", "404", "404", "404"]),
    row("DELETE", "/api/v1/attachments/{id}",              Id::TargetUser,      Body::None, ["401", "404", "404", "404", "404", "404", "404", "404", "404", "404"]),
    row("GET",    "/api/v1/attachments/{id}/download",     Id::TargetUser,      Body::None, ["401", "404", "404", "404", "404", "404", "404", "404", "404", "404"]),
    // An employee's documents are personal data: HR staff (and the employee) only; a
    // read-only token does not open them (HR staff means HR update at company scope). An
    // upload without a file is 422 for HR staff.
    row("GET",    "/api/v1/hr/employees/{id}/documents",   Id::FreshEmployee,   Body::None, ["401", "2xx", "403", "2xx", "403", "403", "403", "403", "403", "403"]),
    row("POST",   "/api/v1/hr/employees/{id}/documents",   Id::FreshEmployee,   Body::None, ["401", "422", "403", "422", "403", "403", "403", "403", "403", "403"]),
    row("GET",    "/api/v1/hr/documents/{id}",             Id::TargetUser,      Body::None, ["401", "404", "404", "404", "404", "404", "404", "404", "404", "404"]),
    row("DELETE", "/api/v1/hr/documents/{id}",             Id::TargetUser,      Body::None, ["401", "404", "404", "404", "404", "404", "404", "404", "404", "404"]),
    row("GET",    "/api/v1/hr/documents/{id}/download",    Id::TargetUser,      Body::None, ["401", "404", "404", "404", "404", "404", "404", "404", "404", "404"]),
    row("GET",    "/api/v1/hr/employees/{id}/certifications", Id::FreshEmployee, Body::None, ["401", "2xx", "403", "2xx", "403", "403", "403", "403", "2xx", "2xx"]),
    row("POST",   "/api/v1/hr/employees/{id}/certifications", Id::TargetUser,   Body::None, ["401", "422", "422", "422", "422", "422", "422", "422", "422", "422"]),
    row("DELETE", "/api/v1/hr/certifications/{id}",        Id::TargetUser,      Body::None, ["401", "404", "404", "404", "404", "404", "404", "404", "404", "404"]),
    row("GET",    "/api/v1/hr/certifications",             Id::None,            Body::None, ["401", "2xx", "403", "2xx", "403", "403", "403", "403", "2xx", "2xx"]),
    // hr: timeoff. Everyone reads policies, their own balances and requests (the matrix
    // users have no employee record: an empty balance list); HR staff (admin, hr_lead)
    // create policies and run accruals; a policy update without a version is 422 for them; a
    // request id that does not exist is 404; a request without a body is 422.
    row("GET",    "/api/v1/hr/timeoff/policies",             Id::None,       Body::None,       EVERYONE_READS),
    row("POST",   "/api/v1/hr/timeoff/policies",             Id::None,       Body::Department, ["401", "2xx", "403", "2xx", "403", "403", "403", "403", "403", "403"]),
    row("PUT",    "/api/v1/hr/timeoff/policies/{id}",        Id::TargetUser, Body::Department, ["401", "422", "403", "422", "403", "403", "403", "403", "403", "403"]),
    row("GET",    "/api/v1/hr/timeoff/balances",             Id::None,       Body::None,       EVERYONE_READS),
    row("GET",    "/api/v1/hr/timeoff/ledger",               Id::None,       Body::None,       ["401", "422", "422", "422", "422", "422", "422", "422", "422", "422"]),
    row("GET",    "/api/v1/hr/timeoff/requests",             Id::None,       Body::None,       EVERYONE_READS),
    row("POST",   "/api/v1/hr/timeoff/requests",             Id::None,       Body::None,       ["401", "422", "422", "422", "422", "422", "422", "422", "422", "422"]),
    row("GET",    "/api/v1/hr/timeoff/requests/{id}",        Id::TargetUser, Body::None,       ["401", "404", "404", "404", "404", "404", "404", "404", "404", "404"]),
    row("POST",   "/api/v1/hr/timeoff/requests/{id}/cancel", Id::TargetUser, Body::None,       ["401", "404", "404", "404", "404", "404", "404", "404", "404", "404"]),
    row("POST",   "/api/v1/hr/timeoff/accrue",               Id::None,       Body::None,       ["401", "2xx", "403", "2xx", "403", "403", "403", "403", "403", "403"]),
    // hr: org. Everyone reads the org chart, the department tree and positions (directory
    // data); HR staff and admins shape the tree and positions (a position id that does not
    // exist is 404 for them); record health and HR reports are for HR staff and auditors,
    // a run now for HR staff.
    row("GET",    "/api/v1/hr/org",                          Id::None,            Body::None,       EVERYONE_READS),
    row("GET",    "/api/v1/hr/departments",                  Id::None,            Body::None,       EVERYONE_READS),
    row("PUT",    "/api/v1/hr/departments/{id}",             Id::FreshDepartment, Body::Department, ["401", "2xx", "403", "2xx", "403", "403", "403", "403", "403", "403"]),
    row("GET",    "/api/v1/hr/positions",                    Id::None,            Body::None,       EVERYONE_READS),
    // hr: locations. Everyone who reads the directory reads locations and calendars; HR
    // staff (admin, hr_lead) create, change and remove locations and calendars.
    row("GET",    "/api/v1/hr/locations",                    Id::None,            Body::None,       EVERYONE_READS),
    row("POST",   "/api/v1/hr/locations",                    Id::None,            Body::Department, ["401", "2xx", "403", "2xx", "403", "403", "403", "403", "403", "403"]),
    row("GET",    "/api/v1/hr/locations/{id}",               Id::FreshLocation,   Body::None,       EVERYONE_READS),
    row("PUT",    "/api/v1/hr/locations/{id}",               Id::FreshLocation,   Body::Department, ["401", "2xx", "403", "2xx", "403", "403", "403", "403", "403", "403"]),
    row("DELETE", "/api/v1/hr/locations/{id}",               Id::FreshLocation,   Body::None,       ["401", "2xx", "403", "2xx", "403", "403", "403", "403", "403", "403"]),
    row("GET",    "/api/v1/hr/timeoff/calendars",            Id::None,            Body::None,       EVERYONE_READS),
    row("POST",   "/api/v1/hr/timeoff/calendars",            Id::None,            Body::Department, ["401", "2xx", "403", "2xx", "403", "403", "403", "403", "403", "403"]),
    row("POST",   "/api/v1/hr/timeoff/calendars/{id}/holidays", Id::FreshCalendar, Body::Holiday,   ["401", "2xx", "403", "2xx", "403", "403", "403", "403", "403", "403"]),
    row("POST",   "/api/v1/hr/positions",                    Id::None,            Body::NewTask,    ["401", "2xx", "403", "2xx", "403", "403", "403", "403", "403", "403"]),
    row("PUT",    "/api/v1/hr/positions/{id}",               Id::TargetUser,      Body::NewTask,    ["401", "404", "403", "404", "403", "403", "403", "403", "403", "403"]),
    row("GET",    "/api/v1/hr/health",                       Id::None,            Body::None,       ["401", "2xx", "403", "2xx", "403", "403", "403", "403", "2xx", "2xx"]),
    row("GET",    "/api/v1/hr/health/issues",                Id::None,            Body::None,       ["401", "2xx", "403", "2xx", "403", "403", "403", "403", "2xx", "2xx"]),
    row("POST",   "/api/v1/hr/health/run",                   Id::None,            Body::None,       ["401", "2xx", "403", "2xx", "403", "403", "403", "403", "403", "403"]),
    row("GET",    "/api/v1/hr/reports/headcount",            Id::None,            Body::None,       ["401", "2xx", "403", "2xx", "403", "403", "403", "403", "2xx", "2xx"]),
    row("GET",    "/api/v1/hr/reports/movements",            Id::None,            Body::None,       ["401", "2xx", "403", "2xx", "403", "403", "403", "403", "2xx", "2xx"]),
    // Time off taken and balances: also a manager over their reporting line; the matrix's
    // users have no employee records, so no reports (403). Manager rows: tests/tests/hr_reports.rs.
    row("GET",    "/api/v1/hr/reports/timeoff",              Id::None,            Body::None,       ["401", "2xx", "403", "2xx", "403", "403", "403", "403", "2xx", "2xx"]),
    // hr: employees. Everyone reads the directory list and the custom field definitions;
    // hiring and the import are for HR staff (admin, hr_lead: a body without the required
    // fields or columns is 422 for them, 403 for everyone else); an employee id that does
    // not exist is 404 for every signed-in caller; a change without a `version` or a body is
    // 422 first. Per-role field visibility is in tests/tests/hr_employees_api.rs.
    row("GET",    "/api/v1/hr/employees",                    Id::None,       Body::None,      EVERYONE_READS),
    row("POST",   "/api/v1/hr/employees",                    Id::None,       Body::Member,    ["401", "422", "403", "422", "403", "403", "403", "403", "403", "403"]),
    row("POST",   "/api/v1/hr/employees/import",             Id::None,       Body::ImportCsv, ["401", "422", "403", "422", "403", "403", "403", "403", "403", "403"]),
    row("GET",    "/api/v1/hr/employees/{id}",               Id::FreshEmployee, Body::None,   EVERYONE_READS),
    row("PATCH",  "/api/v1/hr/employees/{id}",               Id::TargetUser, Body::Member,    ["401", "422", "422", "422", "422", "422", "422", "422", "422", "422"]),
    row("POST",   "/api/v1/hr/employees/{id}/contracts",     Id::TargetUser, Body::None,      ["401", "422", "422", "422", "422", "422", "422", "422", "422", "422"]),
    row("GET",    "/api/v1/hr/fields",                       Id::None,       Body::None,      EVERYONE_READS),
    row("POST",   "/api/v1/hr/fields",                       Id::None,       Body::None,      ["401", "422", "422", "422", "422", "422", "422", "422", "422", "422"]),
    row("PUT",    "/api/v1/hr/fields/{id}",                  Id::TargetUser, Body::None,      ["401", "422", "422", "422", "422", "422", "422", "422", "422", "422"]),
    row("GET",    "/api/v1/hr/changes/{id}",                 Id::TargetUser, Body::None,      ["401", "404", "404", "404", "404", "404", "404", "404", "404", "404"]),
    // hr: lifecycle. HR staff start on- and offboarding; the employee's managers, the
    // employee and company-wide HR readers (the auditor) read it.
    row("GET",    "/api/v1/hr/employees/{id}/lifecycle",   Id::FreshEmployee,   Body::None,        ["401", "2xx", "403", "2xx", "403", "403", "403", "403", "2xx", "2xx"]),
    row("POST",   "/api/v1/hr/employees/{id}/onboarding",  Id::FreshEmployee,   Body::Onboarding,  ["401", "2xx", "403", "2xx", "403", "403", "403", "403", "403", "403"]),
    row("POST",   "/api/v1/hr/employees/{id}/offboarding", Id::FreshEmployee,   Body::Offboarding, ["401", "2xx", "403", "2xx", "403", "403", "403", "403", "403", "403"]),
    row("POST",   "/api/v1/hr/returns/{id}",               Id::FreshReturnItem, Body::Returned,    ["401", "2xx", "403", "2xx", "403", "403", "403", "403", "403", "403"]),
];
