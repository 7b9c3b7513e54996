//! Accessibility in headless Chromium. Every browser test runs axe-core on each page it
//! opens (see `tests/src/webdriver/axe.rs`); this file adds what axe cannot see:
//!
//! - a main flow done with the keyboard alone (sign in, create a task, approve a request
//!   from the inbox), where every stop of the Tab key must show a focus ring, sit in the
//!   viewport and not be covered; the skip link comes first and moves focus to the main
//!   content; the user menu and the phone navigation open with Enter and close with
//!   Escape, giving the focus back to their button. (Steward has no modal dialogs: the
//!   only one is the browser's own `confirm()`, which traps focus itself.)
//! - the shell in every variant (demo banner, company switcher) on every page of the main
//!   navigation and the sub-navigations, as an admin and as an employee, so a page added
//!   to the navigation is checked even before it has a browser test of its own;
//! - numbers in lists right-aligned and grouped in the company's style; the bell drawn as
//!   SVG with a text name; the bulk-approve checkboxes named as a group (axe-core 4 has no
//!   rule for that).
//!
//! Without chromium-driver the tests say `SKIPPED (browser)` and pass, unless
//! `STEWARD_BROWSER_TESTS=1`.
use serde_json::{json, Value};
use std::time::Duration;
use steward_core::auth::Actor;
use steward_core::departments;
use steward_e2e::webdriver::{
    browser_or_skip, screenshot_dir, Browser, ARROW_DOWN, ENTER, ESCAPE, SHIFT, SPACE, TAB,
};
use steward_e2e::*;

const WAIT: Duration = Duration::from_secs(15);
const PASSWORD: &str = "a long test password";

/// Why the focused element would not count as visibly focused, or `""`: it needs a focus
/// ring (outline of 2 px or more, or a box shadow), a size, a place in the viewport, and
/// must not be covered by something else (WCAG 2.4.7, 2.4.11).
const FOCUS_PROBLEM: &str = r#"
var e = document.activeElement;
if (!e || e === document.body) return 'nothing has the focus';
var s = getComputedStyle(e), r = e.getBoundingClientRect();
var ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || (s.boxShadow && s.boxShadow !== 'none');
if (!ring) return 'no focus ring';
if (r.width < 2 || r.height < 2) return 'too small to see: ' + r.width + 'x' + r.height;
if (r.bottom <= 0 || r.right <= 0 || r.top >= innerHeight || r.left >= innerWidth) return 'outside the viewport';
var c = document.elementFromPoint(r.left + Math.min(r.width / 2, 8), r.top + r.height / 2);
if (c && !e.contains(c) && !c.contains(e) && !(c.control === e)) return 'covered by ' + c.tagName + '.' + c.className;
return '';
"#;

async fn focus_problem(b: &Browser) -> String {
    b.execute(FOCUS_PROBLEM, vec![])
        .await
        .expect("focus check")
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Presses Tab (Shift+Tab with `back`) until the focused element's description contains
/// `needle`; every stop on the way must be visibly focused. Returns the stops.
async fn tab_to(b: &Browser, needle: &str, back: bool) -> Vec<String> {
    let key = if back {
        format!("{SHIFT}{TAB}")
    } else {
        TAB.to_string()
    };
    let mut stops = Vec::new();
    for _ in 0..60 {
        b.press_keys(&key).await.expect("Tab");
        let now = b.focused().await.expect("focused");
        let problem = focus_problem(b).await;
        assert!(
            problem.is_empty(),
            "{now} on {}: {problem} (stops so far: {stops:#?})",
            b.current_url().await.unwrap_or_default()
        );
        let hit = now.contains(needle);
        stops.push(now);
        if hit {
            return stops;
        }
    }
    panic!("Tab never reached {needle:?}; stops: {stops:#?}");
}

/// Types text where the focus is.
async fn type_keys(b: &Browser, text: &str) {
    b.press_keys(text).await.expect("type");
}

async fn focused(b: &Browser) -> String {
    b.focused().await.expect("focused")
}

/// On a freshly loaded page (nothing focused yet): the first Tab reaches the skip link,
/// which shows itself; Enter moves the focus to the main content.
async fn skip_to_main(b: &Browser) {
    b.wait_until(
        "return document.readyState === 'complete' && !!document.querySelector('#main');",
        WAIT,
    )
    .await
    .expect("the page");
    b.press_keys(TAB).await.expect("Tab");
    let now = focused(b).await;
    assert!(
        now.starts_with("a.skip-link"),
        "the first Tab stop is the skip link, not {now}"
    );
    let problem = focus_problem(b).await;
    assert!(
        problem.is_empty(),
        "the skip link shows when focused: {problem}"
    );
    b.press_keys(ENTER).await.expect("Enter");
    b.wait_until(
        "return document.activeElement && document.activeElement.id === 'main';",
        WAIT,
    )
    .await
    .expect("the skip link moves the focus to the main content");
}

async fn wait_path(b: &Browser, path: &str) {
    b.wait_until(
        &format!(
            "return location.pathname === {} && document.readyState === 'complete';",
            json!(path)
        ),
        WAIT,
    )
    .await
    .unwrap_or_else(|e| panic!("on {path}: {e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keyboard_only_sign_in_create_a_task_and_approve_a_request() {
    let Some(b) =
        browser_or_skip("keyboard_only_sign_in_create_a_task_and_approve_a_request").await
    else {
        return;
    };
    let app = spawn_app(Db::Sqlite).await;
    let emp = add_user(&app.store, app.company, "emp", PASSWORD, &["employee"]).await;
    add_user(&app.store, app.company, "dana", PASSWORD, &["employee"]).await;
    // The admin heads the employee's department: their requests come to the admin.
    let system = Actor::system(app.company, "Acme").with_currency("EUR");
    let ops = departments::create(&app.store, &system, "Operations")
        .await
        .expect("department");
    departments::update(&app.store, &system, ops.id, "Operations", Some(app.admin))
        .await
        .expect("head");
    for u in [app.admin, emp] {
        departments::set_member(&app.store, &system, u, Some(ops.id))
            .await
            .expect("member");
    }
    let emp_web = app.signed_in("emp", PASSWORD).await;
    let mut ids = Vec::new();
    for (title, amount) in [
        ("Taxi to the client", "45.00"),
        ("Standing desk", "1250.00"),
    ] {
        let r = emp_web
            .post(app.url("/api/v1/approvals"))
            .json(&json!({"kind": "expense", "title": title, "amount": amount, "description": "please"}))
            .send()
            .await
            .expect("ask");
        assert_eq!(r.status(), 201);
        ids.push(body(r).await["id"].as_i64().expect("id"));
    }

    // Sign in: the user name field has the focus; Tab to the password, Enter signs in.
    b.goto(&app.url("/login")).await.expect("login page");
    b.wait_for("#login", WAIT).await.expect("the form");
    if !focused(&b).await.contains("#login") {
        tab_to(&b, "#login", false).await;
    }
    type_keys(&b, ADMIN).await;
    b.press_keys(TAB).await.expect("Tab");
    assert!(
        focused(&b).await.contains("#password"),
        "{}",
        focused(&b).await
    );
    type_keys(&b, ADMIN_PASSWORD).await;
    b.press_keys(ENTER).await.expect("Enter");
    b.wait_for("#nav", WAIT).await.expect("signed in");

    // The shell: skip link, then every control of the header, then the navigation, each
    // visibly focused; Tasks is reached and opened with Enter. (Loading a page again
    // starts the Tab order from the top, as it does for a person.)
    skip_to_main(&b).await;
    b.goto(&app.url("/")).await.expect("home again");
    let stops = tab_to(&b, "\"Tasks\"", false).await;
    for control in [
        "a.skip-link",
        "a.brand",
        "a#notif-bell",
        "summary",
        "\"Home\"",
    ] {
        assert!(
            stops.iter().any(|s| s.contains(control)),
            "{control} is a Tab stop before the navigation: {stops:#?}"
        );
    }
    b.press_keys(ENTER).await.expect("open Tasks");
    wait_path(&b, "/tasks").await;

    // The user menu: Enter opens it, Escape closes it and gives the focus back.
    tab_to(&b, "summary", false).await;
    b.press_keys(ENTER).await.expect("open the menu");
    let open = b
        .execute(
            "return document.querySelector('details.user-menu').open;",
            vec![],
        )
        .await
        .expect("open?");
    assert_eq!(open, Value::Bool(true), "Enter opens the user menu");
    tab_to(&b, "My profile", false).await;
    b.press_keys(ESCAPE).await.expect("Escape");
    let state = b
        .execute("return [document.querySelector('details.user-menu').open, document.activeElement.tagName];", vec![])
        .await
        .expect("state");
    assert_eq!(
        state,
        json!([false, "SUMMARY"]),
        "Escape closes the menu and returns the focus"
    );
    // Tabbing out of an open menu closes it (it would cover what comes next).
    b.press_keys(ENTER).await.expect("open again");
    tab_to(&b, "Sign out", false).await;
    b.press_keys(TAB).await.expect("Tab out");
    let open = b
        .execute(
            "return document.querySelector('details.user-menu').open;",
            vec![],
        )
        .await
        .expect("open?");
    assert_eq!(
        open,
        Value::Bool(false),
        "leaving the menu by Tab closes it"
    );

    // A new task, with the keyboard only.
    b.goto(&app.url("/tasks")).await.expect("tasks again");
    skip_to_main(&b).await;
    tab_to(&b, "New task", false).await;
    b.press_keys(ENTER).await.expect("New task");
    wait_path(&b, "/tasks/new").await;
    skip_to_main(&b).await;
    tab_to(&b, "input#title", false).await;
    type_keys(&b, "Book the auditors").await;
    tab_to(&b, "textarea#description", false).await;
    type_keys(&b, "Two days in **March**.").await;
    tab_to(&b, "select#assignee_id", false).await;
    type_keys(&b, "dana").await; // a closed select picks the option typed
    tab_to(&b, "Create task", false).await;
    b.press_keys(ENTER).await.expect("create");
    b.wait_until("return /^\\/tasks\\/\\d+$/.test(location.pathname);", WAIT)
        .await
        .expect("on the new task's page");
    let h1 = b.text_of("#main h1", WAIT).await;
    assert!(h1.contains("Book the auditors"), "{h1}");
    let main = b.text_of("#main", WAIT).await;
    assert!(main.contains("dana (test)"), "assigned to Dana: {main}");

    // A filter that applies itself when picked with the mouse waits for Enter when the
    // arrow keys go through its options (no reload at every step, WCAG 3.2.2).
    b.goto(&app.url("/tasks")).await.expect("tasks");
    skip_to_main(&b).await;
    tab_to(&b, "select#status", false).await;
    b.press_keys(ARROW_DOWN).await.expect("next option");
    tokio::time::sleep(Duration::from_millis(700)).await;
    let still = b
        .execute("return [location.search, document.activeElement.id, document.getElementById('status').value];", vec![])
        .await
        .expect("state");
    assert_eq!(
        still[0], "",
        "the arrow key did not submit the filter: {still}"
    );
    assert_eq!(still[1], "status", "the focus stays on the select: {still}");
    assert_eq!(
        still[2], "active",
        "the arrow key chose the next option: {still}"
    );
    b.press_keys(ENTER).await.expect("apply");
    b.wait_until(
        "return location.search.indexOf('status=active') >= 0;",
        WAIT,
    )
    .await
    .expect("Enter applies the filter");

    // The inbox: amounts right-aligned and grouped (EUR: a no-break space between groups).
    b.goto(&app.url("/approvals")).await.expect("inbox");
    b.wait_for("#approvals-table", WAIT)
        .await
        .expect("the inbox");
    let cells = b
        .execute(
            "var td = Array.from(document.querySelectorAll('#approvals-table tbody td.num')); \
             var th = document.querySelector('#approvals-table thead th:nth-child(' + (td[0].cellIndex + 1) + ')'); \
             return [td.map(c => c.textContent.trim()), getComputedStyle(td[0]).textAlign, getComputedStyle(th).textAlign, th.textContent.trim()];",
            vec![],
        )
        .await
        .expect("amount cells");
    let amounts: Vec<String> = serde_json::from_value(cells[0].clone()).expect("texts");
    assert!(
        amounts.contains(&"1\u{a0}250.00 EUR".to_string()),
        "{amounts:?}"
    );
    assert!(amounts.contains(&"45.00 EUR".to_string()), "{amounts:?}");
    assert_eq!(cells[1], "right", "amounts are right-aligned");
    assert_eq!(cells[2], "right", "so is their header ({})", cells[3]);
    // The checkboxes are a named group (a fieldset and its legend).
    let legend = b
        .execute(
            "var f = document.querySelector('input[name=ids]').closest('fieldset'); return f && f.querySelector('legend').textContent;",
            vec![],
        )
        .await
        .expect("legend");
    assert_eq!(legend, "Requests to approve together");

    // Approve the small one: tick it with Space, comment, Enter on "Approve selected".
    skip_to_main(&b).await;
    tab_to(&b, &format!("Select request #{}", ids[0]), false).await;
    b.press_keys(SPACE).await.expect("tick");
    let ticked = b
        .execute(
            &format!("return document.getElementById('pick-{}').checked;", ids[0]),
            vec![],
        )
        .await
        .expect("checked");
    assert_eq!(ticked, Value::Bool(true), "Space ticks the checkbox");
    tab_to(&b, "input#bulk-comment", false).await;
    type_keys(&b, "fine").await;
    tab_to(&b, "Approve selected", false).await;
    b.press_keys(ENTER).await.expect("approve");
    b.wait_for_text("#main .flash", "Approved 1 of 1", WAIT)
        .await;
    let admin_api = app.signed_in(ADMIN, ADMIN_PASSWORD).await;
    let r = body(
        admin_api
            .get(app.url(&format!("/api/v1/approvals/{}", ids[0])))
            .send()
            .await
            .expect("request"),
    )
    .await;
    assert_eq!(r["status"], "approved", "{r}");

    // On a phone: the navigation opens from its button with Enter, and Escape closes it
    // and gives the focus back to the button.
    b.set_window_size(360, 800).await.expect("narrow");
    b.wait_until("return window.innerWidth === 360;", WAIT)
        .await
        .expect("narrow window");
    b.goto(&app.url("/")).await.expect("home");
    let stops = tab_to(&b, "button.nav-toggle", false).await;
    assert!(stops[0].starts_with("a.skip-link"), "{stops:#?}");
    b.press_keys(ENTER).await.expect("open the navigation");
    b.wait_until(
        "return document.getElementById('nav').offsetParent !== null;",
        WAIT,
    )
    .await
    .expect("the navigation shows");
    tab_to(&b, "\"Approvals\"", false).await;
    b.press_keys(ESCAPE).await.expect("Escape");
    let state = b
        .execute(
            "return [document.getElementById('nav').offsetParent === null, document.activeElement.className];",
            vec![],
        )
        .await
        .expect("state");
    assert_eq!(
        state,
        json!([true, "nav-toggle"]),
        "Escape closes the navigation, focus on its button"
    );
    let bell = b.find("#notif-bell").await.expect("the bell");
    let name = b.accessible_name(&bell).await.expect("name");
    assert!(
        name.starts_with("Notifications"),
        "the bell keeps its name on a phone: {name}"
    );
    b.quit().await.expect("quit");
}

/// Every page of the main navigation and of the sub-navigations on those pages, in the
/// demo shell with the company switcher, as an admin (who sees every page, light colour
/// scheme) and as an employee (dark colour scheme). axe checks each page as it opens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_in_the_navigation_passes_axe() {
    let Some(b) = browser_or_skip("every_page_in_the_navigation_passes_axe").await else {
        return;
    };
    let app = spawn_app_with(
        Db::Sqlite,
        steward_web::WebConfig {
            demo: true,
            ..Default::default()
        },
    )
    .await;
    // A second company shows the company switcher; CHF groups with an apostrophe.
    let globex = steward_core::company::create_company(&app.store, "test", "Globex", "CHF")
        .await
        .expect("second company");
    app.store
        .add_membership(
            app.admin,
            globex,
            steward_core::audit::AuditDraft::system(
                "test",
                None,
                "membership",
                None,
                "create",
                json!({}),
            ),
        )
        .await
        .expect("membership");
    add_user(&app.store, app.company, "emp", PASSWORD, &["employee"]).await;
    let emp_web = app.signed_in("emp", PASSWORD).await;
    let r = emp_web
        .post(app.url("/api/v1/approvals"))
        .json(&json!({"kind": "expense", "title": "Train to Basel", "amount": "1480.00", "description": "fair"}))
        .send()
        .await
        .expect("ask");
    assert_eq!(r.status(), 201);
    let request = body(r).await["id"].as_i64().expect("id");
    let admin_web = app.signed_in(ADMIN, ADMIN_PASSWORD).await;
    let r = admin_web
        .post(app.url("/ledger/setup"))
        .send()
        .await
        .expect("books");
    assert_eq!(r.status(), 303, "the books are set up");
    let r = admin_web
        .post(app.url("/api/v1/tasks"))
        .json(&json!({"title": "Count the chairs", "priority": "high", "checklist": ["hall", "office"]}))
        .send()
        .await
        .expect("task");
    assert_eq!(r.status(), 201);

    // The admin in the light colour scheme, the employee in the dark one.
    for (login, password, dark) in [(ADMIN, ADMIN_PASSWORD, false), ("emp", PASSWORD, true)] {
        b.prefer_dark(dark).await.expect("colour scheme");
        b.sign_in(&app.url("/login"), login, password).await;
        let nav: Vec<String> = serde_json::from_value(
            b.execute(
                "return Array.from(document.querySelectorAll('#nav a')).map(a => a.getAttribute('href'));",
                vec![],
            )
            .await
            .expect("nav"),
        )
        .expect("hrefs");
        let mut seen = std::collections::BTreeSet::new();
        for href in nav {
            // Swagger UI (third-party, not a Steward page) lives there.
            if href.starts_with("/api/") || !seen.insert(href.clone()) {
                continue;
            }
            b.goto(&app.url(&href)).await.expect("page");
            let sub: Vec<String> = serde_json::from_value(
                b.execute(
                    "return Array.from(document.querySelectorAll('#main nav a[href^=\"/\"]')).map(a => a.getAttribute('href').split('?')[0]);",
                    vec![],
                )
                .await
                .expect("sub-navigation"),
            )
            .expect("hrefs");
            for s in sub {
                if seen.insert(s.clone()) {
                    b.goto(&app.url(&s)).await.expect("sub page");
                }
            }
        }
        if dark {
            // A request's steps have colours of their own.
            b.goto(&app.url(&format!("/approvals/{request}")))
                .await
                .expect("the request");
        }
        let checked = b.pages_checked();
        let mine: Vec<&String> = checked
            .iter()
            .filter(|p| p.starts_with(&format!("{login} ")))
            .collect();
        assert!(mine.len() >= seen.len(), "{login}: {mine:?} vs {seen:?}");
        // Sign out through the form (keyboard users reach it in the user menu).
        b.execute(
            "document.querySelector(\"form[action='/logout']\").submit(); return null;",
            vec![],
        )
        .await
        .expect("sign out");
        b.wait_for("#login", WAIT).await.expect("signed out");
    }
    let checked = b.pages_checked();
    assert!(
        checked.len() >= 30,
        "{} pages checked: {checked:#?}",
        checked.len()
    );

    // The fullest header (demo banner, company switcher, bell) fits a 360 px phone.
    b.prefer_dark(false).await.expect("light");
    b.sign_in(&app.url("/login"), ADMIN, ADMIN_PASSWORD).await;
    b.set_window_size(360, 800).await.expect("narrow");
    b.wait_until("return window.innerWidth === 360;", WAIT)
        .await
        .expect("narrow window");
    for (path, shot) in [
        ("/", "shell-demo-360.png"),
        ("/approvals", "approvals-demo-360.png"),
    ] {
        b.goto(&app.url(path)).await.expect("page");
        let v = b
            .execute(
                "return [document.documentElement.scrollWidth, window.innerWidth];",
                vec![],
            )
            .await
            .expect("widths");
        let _ = b.screenshot(&screenshot_dir().join(shot)).await;
        assert!(
            v[0].as_u64().unwrap_or(0) <= v[1].as_u64().unwrap_or(0),
            "{path} scrolls sideways at 360 px: {v:?}"
        );
    }
    b.quit().await.expect("quit");
}

/// The check itself: a page with violations fails the test that opens it, naming rule,
/// impact and element.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn axe_fails_a_page_with_violations() {
    let Some(b) = browser_or_skip("axe_fails_a_page_with_violations").await else {
        return;
    };
    let page = "data:text/html,<title>Broken</title><img src='x.png'><input id='q'>\
                <span id='d'>a</span><span id='d'>b</span><button aria-describedby='d'>Go</button>";
    let outcome = tokio::spawn(async move {
        b.goto(page).await.expect("open the page");
    })
    .await;
    let panic = outcome.expect_err("opening a page with violations fails the test");
    let message = panic
        .into_panic()
        .downcast::<String>()
        .map(|m| *m)
        .unwrap_or_default();
    for needle in [
        "accessibility rule(s) violated on",
        "[critical] image-alt",
        "<img src=\"x.png\">",
        "label",
        "#q",
        "html-has-lang",
        "region",
        "https://dequeuniversity.com/rules/axe/",
        "[serious] id-reference-unique",
        "aria-describedby names id \"d\", used by 2 elements",
    ] {
        assert!(message.contains(needle), "{needle:?} in:\n{message}");
    }
}
