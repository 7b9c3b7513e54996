//! Work: notifications, the dashboard, jobs, cases, approvals, tasks. A new route of this domain gets its row here.
use super::*;

#[rustfmt::skip]
pub(super) const ROWS: &[Row] = &[
    // work: notifications (everyone has their own), the dashboard (the manager), jobs (admins; auditors read)
    row("GET",    "/api/v1/notifications",                 Id::None,            Body::None,        EVERYONE_READS),
    row("GET",    "/api/v1/notifications/unread-count",    Id::None,            Body::None,        EVERYONE_READS),
    row("POST",   "/api/v1/notifications/read-all",        Id::None,            Body::None,        EVERYONE_WRITES),
    row("GET",    "/api/v1/notifications/preferences",     Id::None,            Body::None,        EVERYONE_READS),
    row("PUT",    "/api/v1/notifications/preferences",     Id::None,            Body::NotifyPrefs, EVERYONE_WRITES),
    row("GET",    "/api/v1/notifications/{id}",            Id::OwnNotification, Body::None,        EVERYONE_READS),
    row("POST",   "/api/v1/notifications/{id}/read",       Id::OwnNotification, Body::None,        EVERYONE_WRITES),
    row("GET",    "/api/v1/dashboard",                     Id::None,            Body::None,        ["401", "2xx", "403", "403", "403", "403", "403", "403", "403", "2xx"]),
    row("GET",    "/api/v1/jobs",                          Id::None,            Body::None,        ADMIN_OR_AUDITOR_READS),
    row("GET",    "/api/v1/jobs/stats",                    Id::None,            Body::None,        ADMIN_OR_AUDITOR_READS),
    row("POST",   "/api/v1/jobs/{id}/retry",               Id::DeadJob,         Body::None,        ADMIN_WRITES),
    // work: cases. The back office is the admin and the leads (hr_lead, it_lead here); the
    // front office opens cases and reads its own; the auditor reads; only the manager
    // (escalations.approve: the admin) sets the service levels.
    row("GET",    "/api/v1/cases",                         Id::None,            Body::None,        ["401", "2xx", "403", "2xx", "2xx", "403", "403", "2xx", "2xx", "2xx"]),
    row("POST",   "/api/v1/cases",                         Id::None,            Body::NewCase,     ["401", "2xx", "403", "2xx", "2xx", "403", "403", "2xx", "403", "403"]),
    row("GET",    "/api/v1/cases/{id}",                    Id::FrontOfficeCase, Body::None,        ["401", "2xx", "403", "2xx", "2xx", "403", "403", "2xx", "2xx", "2xx"]),
    row("GET",    "/api/v1/cases/{id}/log",                Id::FrontOfficeCase, Body::None,        ["401", "2xx", "403", "2xx", "2xx", "403", "403", "2xx", "2xx", "2xx"]),
    row("POST",   "/api/v1/cases/{id}/actions",            Id::FrontOfficeCase, Body::CaseNote,    ["401", "2xx", "403", "2xx", "2xx", "403", "403", "403", "403", "403"]),
    row("GET",    "/api/v1/cases/staff",                   Id::None,            Body::None,        ["401", "2xx", "403", "2xx", "2xx", "403", "403", "403", "2xx", "2xx"]),
    row("GET",    "/api/v1/cases/sla",                     Id::None,            Body::None,        ["401", "2xx", "403", "2xx", "2xx", "403", "403", "403", "2xx", "2xx"]),
    row("PUT",    "/api/v1/cases/sla",                     Id::None,            Body::CaseSla,     ADMIN_WRITES),
    row("GET",    "/api/v1/cases/report",                  Id::None,            Body::None,        ["401", "2xx", "403", "2xx", "2xx", "403", "403", "403", "2xx", "2xx"]),
    // work: approvals. Everyone has an inbox and may ask; a request is seen by its
    // requester, its approvers and company-wide readers (404 for the rest: a staff member
    // cannot approve outside their scope), never decided by its requester (422); policies
    // and departments are the admin's.
    row("GET",    "/api/v1/approvals",                     Id::None,             Body::None,        EVERYONE_READS),
    row("POST",   "/api/v1/approvals",                     Id::None,             Body::NewApproval, ["401", "2xx", "2xx", "2xx", "2xx", "2xx", "2xx", "2xx", "403", "403"]),
    row("GET",    "/api/v1/approvals/mine",                Id::None,             Body::None,        EVERYONE_READS),
    row("POST",   "/api/v1/approvals/bulk-approve",        Id::None,             Body::Bulk,        ["401", "2xx", "2xx", "2xx", "2xx", "2xx", "2xx", "2xx", "403", "403"]),
    row("GET",    "/api/v1/approvals/{id}",                Id::EmployeeApproval, Body::None,        ["401", "2xx", "404", "404", "404", "404", "2xx", "404", "2xx", "2xx"]),
    row("POST",   "/api/v1/approvals/{id}/approve",        Id::EmployeeApproval, Body::None,        ["401", "2xx", "404", "404", "404", "404", "422", "404", "403", "403"]),
    row("POST",   "/api/v1/approvals/{id}/reject",         Id::EmployeeApproval, Body::Decision,    ["401", "2xx", "404", "404", "404", "404", "422", "404", "403", "403"]),
    row("GET",    "/api/v1/approvals/policies",            Id::None,             Body::None,        EVERYONE_READS),
    row("PUT",    "/api/v1/approvals/policies",            Id::None,             Body::Policy,      ADMIN_WRITES),
    row("DELETE", "/api/v1/approvals/policies/{id}",       Id::FreshPolicy,      Body::None,        ADMIN_WRITES),
    row("GET",    "/api/v1/approvals/delegations",         Id::None,             Body::None,        EVERYONE_READS),
    row("POST",   "/api/v1/approvals/delegations",         Id::None,             Body::Delegation,  ["401", "2xx", "2xx", "2xx", "2xx", "2xx", "2xx", "2xx", "403", "403"]),
    row("DELETE", "/api/v1/approvals/delegations/{id}",    Id::AdminDelegation,  Body::None,        ["401", "2xx", "404", "404", "404", "404", "404", "404", "404", "403"]),
    row("GET",    "/api/v1/departments",                   Id::None,             Body::None,        EVERYONE_READS),
    row("POST",   "/api/v1/departments",                   Id::None,             Body::Department,  ADMIN_WRITES),
    row("PUT",    "/api/v1/departments/{id}",              Id::FreshDepartment,  Body::Department,  ADMIN_WRITES),
    row("GET",    "/api/v1/departments/members",           Id::None,             Body::None,        ADMIN_OR_AUDITOR_READS),
    row("PUT",    "/api/v1/departments/members/{id}",      Id::TargetUser,       Body::Member,      ADMIN_WRITES),
    // work: tasks. Everyone works on their own tasks (the auditor reads all); leads and
    // staff with department scope see their department's, so the admin's task is 404 to
    // them; templates hand out work to roles (department scope or wider).
    row("GET",    "/api/v1/tasks",                         Id::None,          Body::None,            EVERYONE_READS),
    row("POST",   "/api/v1/tasks",                         Id::None,          Body::NewTask,         ["401", "2xx", "2xx", "2xx", "2xx", "2xx", "2xx", "2xx", "403", "403"]),
    row("GET",    "/api/v1/tasks/workload",                Id::None,          Body::None,            EVERYONE_READS),
    row("GET",    "/api/v1/tasks/templates",               Id::None,          Body::None,            EVERYONE_READS),
    row("POST",   "/api/v1/tasks/templates",               Id::None,          Body::NewTaskTemplate, ["401", "2xx", "2xx", "2xx", "2xx", "2xx", "403", "403", "403", "403"]),
    row("POST",   "/api/v1/tasks/templates/{id}/instantiate", Id::TaskTemplate, Body::TaskInstantiate, ["401", "2xx", "2xx", "2xx", "2xx", "2xx", "403", "403", "403", "403"]),
    row("GET",    "/api/v1/tasks/recurring",               Id::None,          Body::None,            EVERYONE_READS),
    row("POST",   "/api/v1/tasks/recurring",               Id::None,          Body::NewTaskRule,     ["401", "2xx", "2xx", "2xx", "2xx", "2xx", "2xx", "2xx", "403", "403"]),
    row("POST",   "/api/v1/tasks/recurring/{id}/pause",    Id::FreshTaskRule, Body::None,            ["401", "2xx", "404", "404", "404", "404", "404", "404", "403", "403"]),
    row("POST",   "/api/v1/tasks/recurring/{id}/resume",   Id::FreshTaskRule, Body::None,            ["401", "2xx", "404", "404", "404", "404", "404", "404", "403", "403"]),
    row("GET",    "/api/v1/tasks/{id}",                    Id::FreshTask,     Body::None,            ["401", "2xx", "404", "404", "404", "404", "404", "404", "2xx", "2xx"]),
    row("PATCH",  "/api/v1/tasks/{id}",                    Id::FreshTask,     Body::TaskPatch,       ["401", "2xx", "404", "404", "404", "404", "404", "404", "403", "403"]),
    row("POST",   "/api/v1/tasks/{id}/reassign",           Id::FreshTask,     Body::TaskReassign,    ["401", "2xx", "404", "404", "404", "404", "404", "404", "403", "403"]),
    row("GET",    "/api/v1/tasks/{id}/history",            Id::FreshTask,     Body::None,            ["401", "2xx", "404", "404", "404", "404", "404", "404", "2xx", "2xx"]),
    row("GET",    "/api/v1/tasks/{id}/comments",           Id::FreshTask,     Body::None,            ["401", "2xx", "404", "404", "404", "404", "404", "404", "2xx", "2xx"]),
    row("POST",   "/api/v1/tasks/{id}/comments",           Id::FreshTask,     Body::TaskComment,     ["401", "2xx", "404", "404", "404", "404", "404", "404", "403", "403"]),
    row("POST",   "/api/v1/tasks/{id}/checklist",          Id::FreshTask,     Body::TaskItem,        ["401", "2xx", "404", "404", "404", "404", "404", "404", "403", "403"]),
    row("PUT",    "/api/v1/tasks/{id}/checklist/{item}",   Id::FreshTask,     Body::TaskItemDone,    ["401", "2xx", "404", "404", "404", "404", "404", "404", "403", "403"]),
];
