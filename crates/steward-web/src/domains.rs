//! What each domain brings to the web layer, in one place per domain: its pages, its API
//! routes, its part of the OpenAPI document, its entries in the navigation and where its
//! records are shown. The binary lists the domains (`steward::app::web_domains`); the
//! router mounts them, the API completes its document with them and the layout builds the
//! navigation from them, so none of these names a domain. Adding a domain adds a function
//! here.
use steward_core::auth::{Action, Domain, Permission};

use crate::state::{nav, nav_either, needs, no_document, Backend, NavEntry, SubNav, WebDomain};

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
        subnav: &[],
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
        subnav: &[],
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
        subnav: &[],
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
    const READ: Option<Permission> = needs(Domain::Accounting, Action::Read);
    // The Books section: every page reads the ledger; the journal import needs `import`.
    const SECTION: &[NavEntry] = &[
        nav(0, "/ledger", "Overview", READ),
        nav(1, "/ledger/accounts", "Accounts", READ),
        nav(2, "/ledger/entries", "Entries", READ),
        nav(3, "/ledger/reports/trial-balance", "Trial balance", READ),
        nav(4, "/ledger/reports/balance-sheet", "Balance sheet", READ),
        nav(
            5,
            "/ledger/reports/income-statement",
            "Income statement",
            READ,
        ),
        nav(6, "/ledger/reports/cash-flow", "Cash flow", READ),
        nav(7, "/ledger/periods", "Periods", READ),
        nav(8, "/ledger/journals", "Journals", READ),
        nav(9, "/ledger/commodities", "Commodities", READ),
        nav(10, "/ledger/rates", "Rates", READ),
        nav(11, "/ledger/settings", "Settings", READ),
        nav(
            12,
            "/ledger/import",
            "Import",
            needs(Domain::Accounting, Action::Import),
        ),
    ];
    const SUBNAV: &[SubNav] = &[SubNav {
        prefix: "/ledger",
        label: "Books",
        entries: SECTION,
    }];
    WebDomain {
        name: "ledger",
        pages: crate::pages::ledger::router::<S>,
        api: crate::api::ledger::routes::<S>,
        document: no_document,
        nav: NAV,
        subnav: SUBNAV,
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
    // Time off's pages: whoever uses time off reads them all (HR staff alone change
    // policies and calendars, on the policies page).
    const TIMEOFF: &[NavEntry] = &[
        nav(
            1,
            "/hr/timeoff",
            "My time off",
            needs(Domain::Hr, Action::Read),
        ),
        nav(
            2,
            "/hr/timeoff/requests",
            "Requests",
            needs(Domain::Hr, Action::Read),
        ),
        nav(
            3,
            "/hr/timeoff/calendar",
            "Team calendar",
            needs(Domain::Hr, Action::Read),
        ),
        nav(
            4,
            "/hr/timeoff/policies",
            "Policies and calendars",
            needs(Domain::Hr, Action::Read),
        ),
    ];
    const SUBNAV: &[SubNav] = &[SubNav {
        prefix: "/hr/timeoff",
        label: "Time off",
        entries: TIMEOFF,
    }];
    WebDomain {
        name: "hr",
        pages: crate::pages::hr::router::<S>,
        api: crate::api::hr::routes::<S>,
        document: no_document,
        nav: NAV,
        subnav: SUBNAV,
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
        subnav: &[],
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
    const RECEIVABLES: Permission = Permission::new(Domain::Receivables, Action::Read);
    const PAYABLES: Permission = Permission::new(Domain::Payables, Action::Read);
    // Each page as its service gates it: a link is shown only to who may open it.
    const SECTION: &[NavEntry] = &[
        nav_either(
            0,
            "/billing/invoices",
            "Invoices and bills",
            RECEIVABLES,
            PAYABLES,
        ),
        nav_either(1, "/billing/payments", "Payments", RECEIVABLES, PAYABLES),
        nav(2, "/billing/recurring", "Recurring", Some(RECEIVABLES)),
        nav(3, "/billing/dunning", "Reminders", Some(RECEIVABLES)),
        nav(4, "/billing/payment-runs", "Payment runs", Some(PAYABLES)),
        nav_either(5, "/billing/aged", "Aged balances", RECEIVABLES, PAYABLES),
        nav(
            6,
            "/billing/reports/tax",
            "Tax report",
            needs(Domain::Accounting, Action::Read),
        ),
        nav_either(
            7,
            "/billing/parties",
            "Customers and vendors",
            RECEIVABLES,
            PAYABLES,
        ),
        nav_either(
            8,
            "/billing/settings",
            "Settings and tax codes",
            RECEIVABLES,
            PAYABLES,
        ),
    ];
    const SUBNAV: &[SubNav] = &[SubNav {
        prefix: "/billing",
        label: "Billing",
        entries: SECTION,
    }];
    WebDomain {
        name: "billing",
        pages: crate::pages::billing::router::<S>,
        api: crate::api::billing::routes::<S>,
        document: no_document,
        nav: NAV,
        subnav: SUBNAV,
        links: &[
            (steward_core::billing::INVOICE, "/billing/invoices/{id}"),
            (steward_core::billing::PARTY, "/billing/parties/{id}"),
        ],
    }
}

/// IT: assets (categories and models; check-out to employees and check-in). Whoever
/// reads IT has the link: IT's staff see every asset, anyone else the assets they hold.
pub fn it<S: Backend>() -> WebDomain<S> {
    const READ: Option<Permission> = needs(Domain::It, Action::Read);
    // Consumables are IT's staff's and the auditor's (a company-wide read). An entry tests
    // a grant at any scope, and self-service holds `it.read` on its own records; `it.export`
    // is held by exactly those who read consumables (no self-service grant has it).
    // Networks, changes and maintenance are IT's staff's (and the auditor's): whoever
    // reads IT company-wide, which `export` marks (an employee reads only what they hold).
    const STAFF: Option<Permission> = needs(Domain::It, Action::Export);
    // Assets in the books (accounts, runs, disposals) are the ledger's readers'.
    const BOOKS: Option<Permission> = needs(Domain::Accounting, Action::Read);
    const NAV: &[NavEntry] = &[nav(50, "/it/assets", "IT assets", READ)];
    const SECTION: &[NavEntry] = &[
        nav(0, "/it/assets", "Assets", READ),
        nav(1, "/it/models", "Models and categories", READ),
        nav(2, "/it/tickets", "Tickets", READ),
        nav(3, "/it/kb", "Knowledge base", READ),
        nav(4, "/it/licences", "Licences", READ),
        nav(5, "/it/consumables", "Consumables", STAFF),
        nav(6, "/it/networks", "Networks", STAFF),
        nav(7, "/it/changes", "Planned changes", STAFF),
        nav(8, "/it/maintenance", "Maintenance", STAFF),
        nav(9, "/it/helpdesk/report", "Helpdesk report", STAFF),
        nav(10, "/it/books", "In the books", BOOKS),
        nav(11, "/it/helpdesk/settings", "Helpdesk settings", STAFF),
    ];
    const SUBNAV: &[SubNav] = &[SubNav {
        prefix: "/it",
        label: "IT",
        entries: SECTION,
    }];
    WebDomain {
        name: "it",
        pages: crate::pages::it::router::<S>,
        api: crate::api::it::routes::<S>,
        document: no_document,
        nav: NAV,
        subnav: SUBNAV,
        links: &[
            (steward_core::it::ASSET, "/it/assets/{id}"),
            (steward_core::it::LICENCE, "/it/licences/{id}"),
            (steward_core::it::CONSUMABLE, "/it/consumables/{id}"),
            (steward_core::it::networks::NETWORK, "/it/networks/{id}"),
            (
                steward_core::it::networks::SITE,
                "/it/networks?site_id={id}",
            ),
            (steward_core::it::changes::CHANGE, "/it/changes/{id}"),
            (
                steward_core::it::maintenance::SCHEDULE,
                "/it/maintenance/{id}",
            ),
            (steward_core::it::helpdesk::TICKET, "/it/tickets/{id}"),
            (steward_core::it::helpdesk_kb::ARTICLE, "/it/kb/{id}"),
        ],
    }
}

/// Records: subjects (patients, clients, customers) and their files, the access log and
/// break-glass. Everyone holds `records.read` on what they own or are assigned to; the
/// privacy office (`records.approve`) keeps the setup and reviews break-glass.
pub fn records<S: Backend>() -> WebDomain<S> {
    const READ: Option<Permission> = needs(Domain::Records, Action::Read);
    const OFFICE: Option<Permission> = needs(Domain::Records, Action::Approve);
    const NAV: &[NavEntry] = &[nav(55, "/records", "Records", READ)];
    const SECTION: &[NavEntry] = &[
        nav(0, "/records", "Subjects", READ),
        nav(1, "/records/search", "Search", READ),
        nav(2, "/records/setup", "Kinds and categories", READ),
        nav(3, "/records/break-glass", "Break-glass review", OFFICE),
        nav(4, "/records/retention", "Retention", OFFICE),
        nav(5, "/records/consents", "Consents", OFFICE),
    ];
    const SUBNAV: &[SubNav] = &[SubNav {
        prefix: "/records",
        label: "Records",
        entries: SECTION,
    }];
    WebDomain {
        name: "records",
        pages: crate::pages::records::router::<S>,
        api: crate::api::records::routes::<S>,
        document: no_document,
        nav: NAV,
        subnav: SUBNAV,
        links: &[(steward_core::records::SUBJECT, "/records/subjects/{id}")],
    }
}
