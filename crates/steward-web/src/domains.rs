//! What each domain brings to the web layer, in one place per domain: its pages, its API
//! routes, its part of the OpenAPI document, its entries in the navigation and where its
//! records are shown. The binary lists the domains (`steward::app::web_domains`); the
//! router mounts them, the API completes its document with them and the layout builds the
//! navigation from them, so none of these names a domain. Adding a domain adds a function
//! here.
use steward_core::auth::{Action, Domain, Permission};

use crate::state::{nav, nav_either, needs, no_document, Backend, NavEntry, WebDomain};

// The platform: home, users, roles, the audit trail, the profile, sign-in, files.
pub fn platform<S: Backend>() -> WebDomain<S> {
    const NAV: &[NavEntry] = &[
        nav(0, "/", "Home", None),
        nav(80, "/users", "Users", needs(Domain::Users, Action::Read)),
        nav(81, "/roles", "Roles", needs(Domain::System, Action::Read)),
        nav(
            82,
            "/audit",
            "Audit trail",
            needs(Domain::Audit, Action::Read),
        ),
        nav(99, "/profile", "My profile", None),
    ];
    WebDomain {
        name: "platform",
        pages: crate::pages::platform_router::<S>,
        api: crate::api::platform_routes::<S>,
        document: crate::api::platform_document,
        nav: NAV,
        links: &[(steward_core::users::RECORD, "/users/{id}")],
    }
}

/// Work: my work, the dashboard, tasks, approvals, cases, notifications, jobs.
pub fn work<S: Backend>() -> WebDomain<S> {
    const NAV: &[NavEntry] = &[
        nav(10, "/work", "My work", None),
        nav(
            11,
            "/dashboard",
            "Dashboard",
            needs(Domain::Work, Action::Approve),
        ),
        nav(12, "/tasks", "Tasks", needs(Domain::Work, Action::Read)),
        nav(13, "/approvals", "Approvals", None),
        nav(
            14,
            "/cases",
            "Cases",
            needs(Domain::Escalations, Action::Read),
        ),
    ];
    WebDomain {
        name: "work",
        pages: crate::pages::work::router::<S>,
        api: crate::api::work::routes::<S>,
        document: crate::api::work::document,
        nav: NAV,
        links: &[
            (steward_core::work::tasks::RECORD, "/tasks/{id}"),
            (steward_core::work::cases::RECORD, "/cases/{id}"),
            (steward_core::work::approvals::RECORD, "/approvals/{id}"),
        ],
    }
}

/// Departments: the tree, heads (the approvers' "manager") and who is in which. One page
/// (`/departments`, HR's old `/hr/departments` redirects to it) and the department API
/// (`/api/v1/departments…` and HR's `/api/v1/hr/departments…`). Not in the main
/// navigation: reached from HR's organisation pages and the approval policies.
pub fn departments<S: Backend>() -> WebDomain<S> {
    WebDomain {
        name: "departments",
        pages: crate::pages::departments::router::<S>,
        api: crate::api::departments::routes::<S>,
        document: no_document,
        nav: &[],
        links: &[],
    }
}

/// The general ledger ("Books").
pub fn ledger<S: Backend>() -> WebDomain<S> {
    const NAV: &[NavEntry] = &[nav(
        40,
        "/ledger",
        "Books",
        needs(Domain::Accounting, Action::Read),
    )];
    WebDomain {
        name: "ledger",
        pages: crate::pages::ledger::router::<S>,
        api: crate::api::ledger::routes::<S>,
        document: no_document,
        nav: NAV,
        links: &[
            (steward_core::ledger::ENTRY, "/ledger/entries/{id}"),
            (steward_core::ledger::ACCOUNT, "/ledger/accounts/{id}"),
        ],
    }
}

/// HR: people, time off, the organisation.
pub fn hr<S: Backend>() -> WebDomain<S> {
    const NAV: &[NavEntry] = &[
        nav(30, "/hr/employees", "People", None),
        nav(
            31,
            "/hr/timeoff",
            "Time off",
            needs(Domain::Hr, Action::Read),
        ),
    ];
    WebDomain {
        name: "hr",
        pages: crate::pages::hr::router::<S>,
        api: crate::api::hr::routes::<S>,
        document: no_document,
        nav: NAV,
        links: &[
            (steward_core::hr::EMPLOYEE, "/hr/employees/{id}"),
            (
                steward_core::hr::TIMEOFF_REQUEST,
                "/hr/timeoff/requests/{id}",
            ),
            (steward_core::hr::CHANGE_REQUEST, "/hr/changes/{id}"),
            (steward_core::hr::DOCUMENT, "/hr/documents/{id}"),
        ],
    }
}

/// Bank: bank accounts, statement imports and their lines.
pub fn bank<S: Backend>() -> WebDomain<S> {
    const NAV: &[NavEntry] = &[nav(
        42,
        "/bank",
        "Bank",
        needs(Domain::Accounting, Action::Read),
    )];
    WebDomain {
        name: "bank",
        pages: crate::pages::bank::router::<S>,
        api: crate::api::bank::routes::<S>,
        document: no_document,
        nav: NAV,
        links: &[(steward_core::bank::STATEMENT, "/bank/statements/{id}")],
    }
}

/// Billing: invoices, credit notes, bills, customers and vendors, tax codes.
pub fn billing<S: Backend>() -> WebDomain<S> {
    const NAV: &[NavEntry] = &[nav_either(
        41,
        "/billing",
        "Billing",
        Permission::new(Domain::Receivables, Action::Read),
        Permission::new(Domain::Payables, Action::Read),
    )];
    WebDomain {
        name: "billing",
        pages: crate::pages::billing::router::<S>,
        api: crate::api::billing::routes::<S>,
        document: no_document,
        nav: NAV,
        links: &[
            (steward_core::billing::INVOICE, "/billing/invoices/{id}"),
            (steward_core::billing::PARTY, "/billing/parties/{id}"),
        ],
    }
}
