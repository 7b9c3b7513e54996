//! The pages per role: what each may open, which form posts are refused.
use super::*;

/// The pages, per role: what each may open, and which form posts are refused. Anonymous
/// callers are sent to sign in (303) everywhere.
#[rustfmt::skip]
const PAGES: &[(&str, &str, Expect)] = &[
    //                                   anon   admin  acct   hr     it     buyer  empl   front  audit  (unused)
    ("GET",  "/",                        ["303", "200", "200", "200", "200", "200", "200", "200", "200", ""]),
    ("GET",  "/profile",                 ["303", "200", "200", "200", "200", "200", "200", "200", "200", ""]),
    ("GET",  "/users",                   ["303", "200", "403", "403", "403", "403", "403", "403", "200", ""]),
    ("GET",  "/users?format=csv",        ["303", "200", "403", "403", "403", "403", "403", "403", "200", ""]),
    ("GET",  "/users/new",               ["303", "200", "403", "403", "403", "403", "403", "403", "403", ""]),
    ("GET",  "/users/import",            ["303", "200", "403", "403", "403", "403", "403", "403", "403", ""]),
    ("GET",  "/users/{user}",            ["303", "200", "403", "403", "403", "403", "403", "403", "200", ""]),
    ("GET",  "/roles",                   ["303", "200", "403", "403", "403", "403", "403", "403", "200", ""]),
    ("GET",  "/roles/new",               ["303", "200", "403", "403", "403", "403", "403", "403", "403", ""]),
    ("GET",  "/roles/{role}",            ["303", "200", "403", "403", "403", "403", "403", "403", "200", ""]),
    ("GET",  "/audit",                   ["303", "200", "403", "403", "403", "403", "403", "403", "200", ""]),
    ("GET",  "/audit?format=csv",        ["303", "200", "403", "403", "403", "403", "403", "403", "200", ""]),
    // IT: everyone reads the assets they may see and the catalog; the export is IT's staff's.
    ("GET",  "/it/assets",               ["303", "200", "200", "200", "200", "200", "200", "200", "200", ""]),
    ("GET",  "/it/assets?format=csv",    ["303", "200", "403", "403", "200", "403", "403", "403", "200", ""]),
    ("GET",  "/it/models",               ["303", "200", "200", "200", "200", "200", "200", "200", "200", ""]),
    ("GET",  "/it/books",                ["303", "200", "200", "403", "403", "403", "403", "403", "200", ""]),
    ("POST", "/it/assets",               ["303", "422", "403", "403", "422", "403", "403", "403", "403", ""]),
    ("GET",  "/it/assets/import",        ["303", "200", "403", "403", "200", "403", "403", "403", "403", ""]),
    ("POST", "/it/categories",           ["303", "422", "403", "403", "422", "403", "403", "403", "403", ""]),
    // IT licences: everyone lists those with a seat of theirs; compliance and export are
    // IT's staff's (and the auditor's); only IT's leads add one. Consumables: staff's.
    ("GET",  "/it/licences",             ["303", "200", "200", "200", "200", "200", "200", "200", "200", ""]),
    ("GET",  "/it/licences?expiring=1&usage=over", ["303", "200", "200", "200", "200", "200", "200", "200", "200", ""]),
    ("GET",  "/it/licences?format=csv",  ["303", "200", "403", "403", "200", "403", "403", "403", "200", ""]),
    ("GET",  "/it/licences/compliance",  ["303", "200", "403", "403", "200", "403", "403", "403", "200", ""]),
    ("POST", "/it/licences",             ["303", "422", "403", "403", "422", "403", "403", "403", "403", ""]),
    ("GET",  "/it/consumables",          ["303", "200", "403", "403", "200", "403", "403", "403", "200", ""]),
    ("GET",  "/it/consumables?below_minimum=1&format=xlsx", ["303", "200", "403", "403", "200", "403", "403", "403", "200", ""]),
    ("POST", "/it/consumables",          ["303", "422", "403", "403", "422", "403", "403", "403", "403", ""]),
    // The helpdesk: everyone raises and reads their own tickets and the published articles;
    // the export and the report are IT's staff's (and the auditor's).
    ("GET",  "/it/tickets",              ["303", "200", "200", "200", "200", "200", "200", "200", "200", ""]),
    ("GET",  "/it/tickets?format=csv",   ["303", "200", "403", "403", "200", "403", "403", "403", "200", ""]),
    ("POST", "/it/tickets",              ["303", "422", "422", "422", "422", "422", "422", "422", "403", ""]),
    ("GET",  "/it/kb",                   ["303", "200", "200", "200", "200", "200", "200", "200", "200", ""]),
    ("GET",  "/it/helpdesk/report",      ["303", "200", "403", "403", "200", "403", "403", "403", "200", ""]),
    // The helpdesk's settings: IT's staff and the auditor read them; only IT's leads write.
    ("GET",  "/it/helpdesk/settings",    ["303", "200", "403", "403", "200", "403", "403", "403", "200", ""]),
    ("POST", "/it/helpdesk/settings/categories", ["303", "422", "403", "403", "422", "403", "403", "403", "403", ""]),
    ("POST", "/it/helpdesk/settings/groups", ["303", "422", "403", "403", "422", "403", "403", "403", "403", ""]),
    ("POST", "/it/helpdesk/settings/sla", ["303", "422", "403", "403", "422", "403", "403", "403", "403", ""]),
    // Records: everyone lists the subjects they may see and reads the setup; the export
    // needs `records.export` (the admin, the auditor); the setup's forms and the
    // break-glass review are the privacy office's (the admin here).
    ("GET",  "/records",                 ["303", "200", "200", "200", "200", "200", "200", "200", "200", ""]),
    ("GET",  "/records?format=csv",      ["303", "200", "403", "403", "403", "403", "403", "403", "200", ""]),
    ("GET",  "/records/setup",           ["303", "200", "200", "200", "200", "200", "200", "200", "200", ""]),
    ("GET",  "/records/search?q=matrix", ["303", "200", "200", "200", "200", "200", "200", "200", "200", ""]),
    ("GET",  "/records/break-glass",     ["303", "200", "403", "403", "403", "403", "403", "403", "403", ""]),
    ("GET",  "/records/retention",       ["303", "200", "403", "403", "403", "403", "403", "403", "403", ""]),
    ("GET",  "/records/retention?format=csv", ["303", "200", "403", "403", "403", "403", "403", "403", "403", ""]),
    ("GET",  "/records/consents",        ["303", "200", "403", "403", "403", "403", "403", "403", "403", ""]),
    ("GET",  "/records/consents?format=csv", ["303", "200", "403", "403", "403", "403", "403", "403", "403", ""]),
    ("POST", "/records/holds",           ["303", "422", "403", "403", "403", "403", "403", "403", "403", ""]),
    ("POST", "/records/setup/categories", ["303", "422", "403", "403", "403", "403", "403", "403", "403", ""]),
    // The books: accounting roles and the admin work in them; the auditor reads them but
    // gets none of the forms that write; everyone else sees none of them.
    ("GET",  "/ledger",                  ["303", "200", "200", "403", "403", "403", "403", "403", "200", ""]),
    ("GET",  "/ledger/accounts",         ["303", "200", "200", "403", "403", "403", "403", "403", "200", ""]),
    ("GET",  "/ledger/accounts/new",     ["303", "200", "200", "403", "403", "403", "403", "403", "403", ""]),
    ("GET",  "/ledger/entries",          ["303", "200", "200", "403", "403", "403", "403", "403", "200", ""]),
    ("GET",  "/bank",                    ["303", "200", "200", "403", "403", "403", "403", "403", "200", ""]),
    ("GET",  "/billing/parties/import",  ["303", "200", "200", "403", "403", "403", "403", "403", "403", ""]),
    ("GET",  "/ledger/entries/new",      ["303", "200", "200", "403", "403", "403", "403", "403", "403", ""]),
    ("GET",  "/ledger/reports",          ["303", "303", "303", "403", "403", "403", "403", "403", "303", ""]),
    ("GET",  "/ledger/reports/trial-balance", ["303", "200", "200", "403", "403", "403", "403", "403", "200", ""]),
    ("GET",  "/ledger/reports/balance-sheet", ["303", "200", "200", "403", "403", "403", "403", "403", "200", ""]),
    ("GET",  "/ledger/reports/income-statement", ["303", "200", "200", "403", "403", "403", "403", "403", "200", ""]),
    ("GET",  "/ledger/reports/cash-flow", ["303", "200", "200", "403", "403", "403", "403", "403", "200", ""]),
    ("GET",  "/ledger/reports/cash-flow?format=csv&compare=months", ["303", "200", "200", "403", "403", "403", "403", "403", "200", ""]),
    ("GET",  "/billing/reports/tax",     ["303", "200", "200", "403", "403", "403", "403", "403", "200", ""]),
    ("GET",  "/billing/reports/tax?format=xlsx", ["303", "200", "200", "403", "403", "403", "403", "403", "200", ""]),
    ("GET",  "/ledger/periods",          ["303", "200", "200", "403", "403", "403", "403", "403", "200", ""]),
    ("GET",  "/ledger/journals",         ["303", "200", "200", "403", "403", "403", "403", "403", "200", ""]),
    ("GET",  "/ledger/import",           ["303", "200", "200", "403", "403", "403", "403", "403", "403", ""]),
    ("GET",  "/ledger/settings",         ["303", "200", "200", "403", "403", "403", "403", "403", "200", ""]),
    ("POST", "/users",                   ["303", "303", "403", "403", "403", "403", "403", "403", "403", ""]),
    ("POST", "/users/{user}",            ["303", "303", "403", "403", "403", "403", "403", "403", "403", ""]),
    ("POST", "/users/{user}/roles",      ["303", "303", "403", "403", "403", "403", "403", "403", "403", ""]),
    ("POST", "/users/{user}/disable",    ["303", "303", "403", "403", "403", "403", "403", "403", "403", ""]),
    ("POST", "/users/{user}/enable",     ["303", "303", "403", "403", "403", "403", "403", "403", "403", ""]),
    ("POST", "/users/{user}/password",   ["303", "303", "403", "403", "403", "403", "403", "403", "403", ""]),
    ("POST", "/roles",                   ["303", "303", "403", "403", "403", "403", "403", "403", "403", ""]),
    ("POST", "/roles/{role}",            ["303", "303", "403", "403", "403", "403", "403", "403", "403", ""]),
    ("POST", "/roles/{fresh_role}/delete", ["303", "303", "403", "403", "403", "403", "403", "403", "403", ""]),
    // work: notifications, my work, the dashboard, background jobs
    ("GET",  "/work",                    ["303", "200", "200", "200", "200", "200", "200", "200", "200", ""]),
    ("GET",  "/notifications",           ["303", "200", "200", "200", "200", "200", "200", "200", "200", ""]),
    ("GET",  "/notifications?format=csv", ["303", "200", "200", "200", "200", "200", "200", "200", "200", ""]),
    ("GET",  "/notifications/preferences", ["303", "200", "200", "200", "200", "200", "200", "200", "200", ""]),
    ("POST", "/notifications/preferences", ["303", "303", "303", "303", "303", "303", "303", "303", "303", ""]),
    ("POST", "/notifications/read-all",  ["303", "303", "303", "303", "303", "303", "303", "303", "303", ""]),
    ("GET",  "/dashboard",               ["303", "200", "403", "403", "403", "403", "403", "403", "403", ""]),
    ("GET",  "/jobs",                    ["303", "200", "403", "403", "403", "403", "403", "403", "200", ""]),
    ("GET",  "/jobs?format=xlsx",        ["303", "200", "403", "403", "403", "403", "403", "403", "200", ""]),
    // work: cases (one case's page is covered by tests/tests/work_cases_pages.rs)
    ("GET",  "/cases",                   ["303", "200", "403", "200", "200", "403", "403", "200", "200", ""]),
    ("GET",  "/cases?format=csv",        ["303", "200", "403", "200", "200", "403", "403", "200", "200", ""]),
    ("GET",  "/cases?format=xlsx&status=open", ["303", "200", "403", "200", "200", "403", "403", "200", "200", ""]),
    ("GET",  "/cases/new",               ["303", "200", "403", "200", "200", "403", "403", "200", "403", ""]),
    ("GET",  "/cases/sla",               ["303", "200", "403", "200", "200", "403", "403", "403", "200", ""]),
    ("GET",  "/cases/report",            ["303", "200", "403", "200", "200", "403", "403", "403", "200", ""]),
    ("GET",  "/cases/report?format=csv", ["303", "200", "403", "200", "200", "403", "403", "403", "200", ""]),
    ("POST", "/cases",                   ["303", "422", "403", "422", "422", "403", "403", "422", "403", ""]),
    ("POST", "/cases/sla",               ["303", "422", "403", "403", "403", "403", "403", "403", "403", ""]),
    // work: approvals (one request's page is covered by tests/tests/work_approvals_pages.rs)
    ("GET",  "/approvals",               ["303", "200", "200", "200", "200", "200", "200", "200", "200", ""]),
    ("GET",  "/approvals?format=csv",    ["303", "200", "200", "200", "200", "200", "200", "200", "200", ""]),
    ("GET",  "/approvals/mine",          ["303", "200", "200", "200", "200", "200", "200", "200", "200", ""]),
    ("GET",  "/approvals/mine?format=xlsx", ["303", "200", "200", "200", "200", "200", "200", "200", "200", ""]),
    ("GET",  "/approvals/new",           ["303", "200", "200", "200", "200", "200", "200", "200", "200", ""]),
    ("GET",  "/approvals/policies",      ["303", "200", "200", "200", "200", "200", "200", "200", "200", ""]),
    ("GET",  "/approvals/delegations",   ["303", "200", "200", "200", "200", "200", "200", "200", "200", ""]),
    ("GET",  "/departments",             ["303", "200", "200", "200", "200", "200", "200", "200", "200", ""]),
    ("POST", "/approvals",               ["303", "422", "422", "422", "422", "422", "422", "422", "403", ""]),
    ("POST", "/approvals/policies",      ["303", "422", "403", "403", "403", "403", "403", "403", "403", ""]),
    ("POST", "/departments",             ["303", "422", "403", "403", "403", "403", "403", "403", "403", ""]),
    // work: tasks (one task's page is covered by tests/tests/work_tasks_pages.rs)
    ("GET",  "/tasks",                   ["303", "200", "200", "200", "200", "200", "200", "200", "200", ""]),
    ("GET",  "/tasks?format=csv",        ["303", "200", "200", "200", "200", "200", "200", "200", "200", ""]),
    ("GET",  "/tasks?format=xlsx&status=active", ["303", "200", "200", "200", "200", "200", "200", "200", "200", ""]),
    ("GET",  "/tasks/new",               ["303", "200", "200", "200", "200", "200", "200", "200", "403", ""]),
    ("GET",  "/tasks/workload",          ["303", "200", "200", "200", "200", "200", "200", "200", "200", ""]),
    ("GET",  "/tasks/templates",         ["303", "200", "200", "200", "200", "200", "200", "200", "200", ""]),
    ("GET",  "/tasks/recurring",         ["303", "200", "200", "200", "200", "200", "200", "200", "200", ""]),
    ("POST", "/tasks",                   ["303", "422", "422", "422", "422", "422", "422", "422", "403", ""]),
    ("POST", "/tasks/templates",         ["303", "422", "422", "422", "422", "422", "403", "403", "403", ""]),
    ("POST", "/tasks/recurring",         ["303", "422", "422", "422", "422", "422", "422", "422", "403", ""]),
];

/// A valid form for a page post (by its path template).
fn page_form(template: &str, version: i64) -> Vec<(String, String)> {
    let n = unique();
    let pairs: Vec<(&str, String)> = match template {
        "/users" => vec![
            ("username", format!("page{n}")),
            ("email", format!("page{n}@acme.example")),
            ("display_name", format!("Page {n}")),
            ("roles", "employee".into()),
        ],
        "/users/{user}" => vec![
            ("email", "target@acme.example".into()),
            ("display_name", format!("Target {n}")),
            ("version", version.to_string()),
        ],
        "/users/{user}/roles" => vec![("roles", "employee".into())],
        "/users/{user}/password" => vec![("password", format!("a page set passphrase {n}"))],
        "/roles" | "/roles/{role}" => vec![
            ("key", format!("page_{n}")),
            ("name", format!("Page role {n}")),
            ("description", String::new()),
            ("g.users.read", "company".into()),
        ],
        _ => Vec::new(),
    };
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

both_databases!(each_role_sees_only_its_pages, |db| async move {
    let app = spawn_app(db).await;
    for role in ROLES.iter().skip(1) {
        add_user(&app.store, app.company, role, PASSWORD, &[role]).await;
    }
    let target = add_user(&app.store, app.company, "target", PASSWORD, &["employee"]).await;
    let admin_token = app.token(ADMIN, ADMIN_PASSWORD, false).await;
    let admin = app.api(&admin_token);
    let role = new_role(&admin, &app).await;
    let f = Fixture {
        admin: admin.clone(),
        target: target.0,
        custom_role: role,
        ledger: None,
        it: None,
        licences: None,
        records: None,
    };
    let mut clients = vec![("anonymous".to_string(), app.browser())];
    for r in ROLES {
        let (user, pw) = if r == "admin" {
            (ADMIN, ADMIN_PASSWORD)
        } else {
            (r, PASSWORD)
        };
        clients.push((r.to_string(), app.signed_in(user, pw).await));
    }
    let mut wrong = Vec::new();
    for (method, template, expect) in PAGES {
        for (col, (label, client)) in clients.iter().enumerate() {
            let mut path = template
                .replace("{user}", &target.0.to_string())
                .replace("{role}", &role.to_string());
            if path.contains("{fresh_role}") {
                path = path.replace("{fresh_role}", &new_role(&admin, &app).await.to_string());
            }
            let r = if *method == "GET" {
                client.get(app.url(&path)).send().await.expect("get")
            } else {
                let version = user_version(&f, &app, target.0).await;
                client
                    .post(app.url(&path))
                    .form(&page_form(template, version))
                    .send()
                    .await
                    .expect("post")
            };
            let got = r.status().as_u16().to_string();
            let to = r
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            if got != expect[col] {
                wrong.push(format!(
                    "{method} {path} as {label}: expected {}, got {got} {to}",
                    expect[col]
                ));
            } else if col == 0 && !to.starts_with("/login") {
                wrong.push(format!(
                    "{method} {path} as anonymous: sent to {to}, not to sign in"
                ));
            } else if col == 1 && got == "303" && to.starts_with("/login") {
                wrong.push(format!("{method} {path} as admin: sent to sign in"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
});
