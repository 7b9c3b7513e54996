//! Browser tests: the real pages in headless Chromium, driven through chromedriver by the
//! small WebDriver client in `steward_e2e::webdriver`. Without chromium-driver they say
//! `SKIPPED (browser)` and pass, unless `STEWARD_BROWSER_TESTS=1` (CI), where they fail.
//! Screenshots land in `target/browser-screenshots/`.
use serde_json::{json, Value};
use std::time::Duration;
use steward_e2e::webdriver::{browser_or_skip, screenshot_dir, Browser, ENTER};
use steward_e2e::*;

const WAIT: Duration = Duration::from_secs(15);
const NEW_PASSWORD: &str = "ledger lines all day";

/// Signs in through the real form at /login and waits for the layout.
async fn sign_in(b: &Browser, app: &TestApp, login: &str, password: &str) {
    b.sign_in(&app.url("/login"), login, password).await;
}

/// Signs out through the user menu (a `<details>`: open it first).
async fn sign_out(b: &Browser) {
    let summary = b
        .find("details.user-menu > summary")
        .await
        .expect("the user menu");
    b.click(&summary).await.expect("open the user menu");
    let button = b
        .find("details.user-menu form[action='/logout'] button")
        .await
        .expect("the sign-out button");
    assert!(
        b.displayed(&button).await.expect("displayed"),
        "the open menu shows Sign out"
    );
    assert_eq!(b.text(&button).await.expect("text"), "Sign out");
    b.click(&button).await.expect("click sign out");
    b.wait_for("#login", WAIT)
        .await
        .expect("back at the sign-in form");
}

/// `[href, label]` of every link in the main navigation.
async fn nav_links(b: &Browser) -> Vec<(String, String)> {
    let v = b
        .execute(
            "return Array.from(document.querySelectorAll('#nav a')).map(a => [a.getAttribute('href'), a.textContent.trim()]);",
            vec![],
        )
        .await
        .expect("nav links");
    v.as_array()
        .expect("an array")
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap_or_default().to_string(),
                p[1].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The text of the first cell of each row of the users table.
async fn usernames(b: &Browser) -> Vec<String> {
    let v = b
        .execute(
            "return Array.from(document.querySelectorAll('#users-table tbody tr td:first-child')).map(td => td.textContent.trim());",
            vec![],
        )
        .await
        .expect("rows");
    serde_json::from_value(v).expect("strings")
}

async fn aria_sort(b: &Browser, column: usize) -> Option<String> {
    let th = b
        .find(&format!("#users-table thead th:nth-child({column})"))
        .await
        .expect("header cell");
    b.attribute(&th, "aria-sort").await.expect("aria-sort")
}

async fn fill(b: &Browser, css: &str, text: &str) {
    let el = b.find(css).await.unwrap_or_else(|e| panic!("{css}: {e}"));
    b.clear(&el).await.expect("clear");
    b.send_keys(&el, text).await.expect("type");
}

/// Horizontal overflow of the page: `[scrollWidth, innerWidth]`.
async fn page_width(b: &Browser) -> (u64, u64) {
    let v = b
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .expect("widths");
    (
        v[0].as_u64().expect("scrollWidth"),
        v[1].as_u64().expect("innerWidth"),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_creates_an_accountant_who_sees_only_their_navigation() {
    let Some(b) =
        browser_or_skip("admin_creates_an_accountant_who_sees_only_their_navigation").await
    else {
        return;
    };
    let shots = screenshot_dir();
    let app = spawn_app(Db::Sqlite).await;

    sign_in(&b, &app, ADMIN, ADMIN_PASSWORD).await;
    let admin_nav = nav_links(&b).await;
    assert!(
        admin_nav.iter().any(|(h, _)| h == "/users"),
        "the admin sees Users: {admin_nav:?}"
    );

    // Create an accountant through the form.
    b.goto(&app.url("/users/new"))
        .await
        .expect("open /users/new");
    b.wait_for("#username", WAIT)
        .await
        .expect("the new-user form");
    fill(&b, "#username", "pat.ledger").await;
    fill(&b, "#display_name", "Pat Ledger").await;
    fill(&b, "#email", "pat@acme.example").await;
    fill(&b, "#password", NEW_PASSWORD).await;
    let role = b
        .find("input[name=roles][value=accountant]")
        .await
        .expect("the accountant role checkbox");
    b.click(&role).await.expect("tick accountant");
    assert_eq!(
        b.property(&role, "checked").await.expect("checked"),
        Value::Bool(true)
    );
    let submit = b
        .find("form[action='/users'] button[type=submit]")
        .await
        .expect("the create button");
    b.click(&submit).await.expect("submit");
    let flash = b
        .wait_for(".flash.ok", WAIT)
        .await
        .expect("a flash message");
    assert_eq!(
        b.text(&flash).await.expect("flash text"),
        "User pat.ledger created."
    );
    let url = b.current_url().await.expect("url");
    assert!(
        url.starts_with(&app.url("/users/")) && !url.ends_with("/new"),
        "the user's page: {url}"
    );
    let h1 = b.find("h1").await.expect("h1");
    assert!(b.text(&h1).await.expect("h1").contains("Pat Ledger"));
    let roles = b.find("dl.props").await.expect("properties");
    assert!(b.text(&roles).await.expect("props").contains("accountant"));

    // The admin's list, for the record.
    b.goto(&app.url("/users")).await.expect("open /users");
    b.wait_for("#users-table", WAIT)
        .await
        .expect("the users table");
    assert!(usernames(&b).await.contains(&"pat.ledger".to_string()));
    b.screenshot(&shots.join("admin-users-list.png"))
        .await
        .expect("screenshot");

    // The accountant sees only what they may use.
    sign_out(&b).await;
    sign_in(&b, &app, "pat.ledger", NEW_PASSWORD).await;
    let nav = nav_links(&b).await;
    for forbidden in ["/users", "/roles", "/audit"] {
        assert!(
            !nav.iter().any(|(h, _)| h.starts_with(forbidden)),
            "an accountant's nav has no {forbidden}: {nav:?}"
        );
    }
    assert!(
        nav.contains(&("/".to_string(), "Home".to_string())),
        "Home: {nav:?}"
    );
    assert!(
        nav.contains(&("/profile".to_string(), "My profile".to_string())),
        "My profile: {nav:?}"
    );
    b.screenshot(&shots.join("accountant-home-1280.png"))
        .await
        .expect("screenshot");

    // A phone: 360 px wide, no horizontal scroll, the nav behind its toggle.
    b.set_window_size(360, 780).await.expect("resize");
    for path in ["/", "/profile"] {
        b.goto(&app.url(path)).await.expect("open page");
        b.wait_for("#nav", WAIT).await.expect("layout");
        let (scroll, inner) = page_width(&b).await;
        assert_eq!(inner, 360, "the viewport is 360 px wide");
        assert!(
            scroll <= 360,
            "{path} scrolls sideways at 360 px: scrollWidth {scroll}"
        );
    }
    b.goto(&app.url("/")).await.expect("open home");
    let nav = b.wait_for("#nav", WAIT).await.expect("nav");
    let toggle = b
        .find("button[data-nav-toggle]")
        .await
        .expect("the nav toggle");
    assert!(
        b.displayed(&toggle).await.expect("displayed"),
        "the toggle shows at 360 px"
    );
    assert!(
        !b.displayed(&nav).await.expect("displayed"),
        "the nav is folded away at 360 px"
    );
    assert_eq!(
        b.attribute(&toggle, "aria-expanded").await.expect("attr"),
        Some("false".into())
    );
    b.screenshot(&shots.join("accountant-home-360.png"))
        .await
        .expect("screenshot");
    b.click(&toggle).await.expect("open the nav");
    b.wait_until(
        "return document.getElementById('nav').offsetParent !== null;",
        WAIT,
    )
    .await
    .expect("the nav opens");
    assert_eq!(
        b.attribute(&toggle, "aria-expanded").await.expect("attr"),
        Some("true".into())
    );
    let home = b.find("#nav a[href='/']").await.expect("Home link");
    assert!(b.displayed(&home).await.expect("displayed"));
    let (scroll, _) = page_width(&b).await;
    assert!(
        scroll <= 360,
        "the open nav scrolls sideways: scrollWidth {scroll}"
    );
    b.screenshot(&shots.join("accountant-home-360-nav-open.png"))
        .await
        .expect("screenshot");

    b.quit().await.expect("quit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_list_sorts_and_searches_and_the_form_marks_a_bad_email() {
    let Some(b) =
        browser_or_skip("users_list_sorts_and_searches_and_the_form_marks_a_bad_email").await
    else {
        return;
    };
    let shots = screenshot_dir();
    let app = spawn_app(Db::Sqlite).await;
    for name in ["zoe", "carol"] {
        add_user(&app.store, app.company, name, NEW_PASSWORD, &["employee"]).await;
    }
    let bob = add_user(&app.store, app.company, "bob", NEW_PASSWORD, &["employee"]).await;
    sign_in(&b, &app, ADMIN, ADMIN_PASSWORD).await;

    // Sorting: by user name ascending at first; a click on the header turns it around.
    b.goto(&app.url("/users")).await.expect("open /users");
    b.wait_for("#users-table", WAIT)
        .await
        .expect("the users table");
    assert_eq!(usernames(&b).await, ["admin", "bob", "carol", "zoe"]);
    assert_eq!(aria_sort(&b, 1).await.as_deref(), Some("ascending"));
    let by_name = b
        .find("#users-table thead th:nth-child(1) a")
        .await
        .expect("the User name header link");
    b.click(&by_name).await.expect("sort by user name");
    b.wait_until(
        "return document.querySelector('#users-table thead th:nth-child(1)').getAttribute('aria-sort') === 'descending';",
        WAIT,
    )
    .await
    .expect("descending by user name");
    assert_eq!(usernames(&b).await, ["zoe", "carol", "bob", "admin"]);
    let by_email = b
        .find("#users-table thead th:nth-child(3) a")
        .await
        .expect("the E-mail header link");
    b.click(&by_email).await.expect("sort by e-mail");
    b.wait_until(
        "return document.querySelector('#users-table thead th:nth-child(3)').getAttribute('aria-sort') === 'ascending';",
        WAIT,
    )
    .await
    .expect("ascending by e-mail");
    assert_eq!(
        aria_sort(&b, 1).await,
        None,
        "only the sorted column has aria-sort"
    );
    assert_eq!(usernames(&b).await, ["admin", "bob", "carol", "zoe"]);

    // Searching.
    let q = b.find("#q").await.expect("the search box");
    b.send_keys(&q, "car").await.expect("type");
    b.send_keys(&q, ENTER).await.expect("enter");
    b.wait_until("return location.search.includes('q=car');", WAIT)
        .await
        .expect("searched");
    b.wait_for("#users-table", WAIT)
        .await
        .expect("the users table");
    assert_eq!(usernames(&b).await, ["carol"]);
    let q = b.find("#q").await.expect("the search box");
    assert_eq!(
        b.property(&q, "value").await.expect("value"),
        json!("car"),
        "the box keeps the search"
    );
    assert_eq!(
        aria_sort(&b, 3).await.as_deref(),
        Some("ascending"),
        "the search keeps the sort"
    );
    b.clear(&q).await.expect("clear");
    b.send_keys(&q, "nobody").await.expect("type");
    b.send_keys(&q, ENTER).await.expect("enter");
    b.wait_until("return location.search.includes('q=nobody');", WAIT)
        .await
        .expect("searched");
    let empty = b
        .wait_for("#users-table td.empty", WAIT)
        .await
        .expect("no rows");
    assert_eq!(b.text(&empty).await.expect("text"), "No users match.");

    // A bad e-mail is marked beside its field, and the form keeps what was typed.
    b.goto(&app.url("/users/new"))
        .await
        .expect("open /users/new");
    b.wait_for("#username", WAIT).await.expect("the form");
    fill(&b, "#username", "erin").await;
    fill(&b, "#display_name", "Erin Example").await;
    fill(&b, "#email", "not-an-email").await;
    let submit = b
        .find("form[action='/users'] button[type=submit]")
        .await
        .expect("the create button");
    b.click(&submit).await.expect("submit");
    let email = b
        .wait_for("#email[aria-invalid=true]", WAIT)
        .await
        .expect("the e-mail field is marked invalid");
    let described = b
        .attribute(&email, "aria-describedby")
        .await
        .expect("attr")
        .expect("aria-describedby");
    let near = b
        .execute(
            "const f = document.getElementById('email'); const e = f.closest('.field').querySelector('.field-error'); return e ? [e.id, e.textContent.trim()] : null;",
            vec![],
        )
        .await
        .expect("the error");
    assert_eq!(
        near[0],
        json!(described),
        "the error is the one the field points at"
    );
    assert!(
        near[1].as_str().unwrap_or_default().contains("e-mail"),
        "the error says what is wrong: {near}"
    );
    for ok in ["#username", "#display_name"] {
        let el = b.find(ok).await.expect("field");
        assert_eq!(
            b.attribute(&el, "aria-invalid").await.expect("attr"),
            None,
            "{ok} is fine"
        );
    }
    let username = b.find("#username").await.expect("field");
    assert_eq!(
        b.property(&username, "value").await.expect("value"),
        json!("erin")
    );
    b.screenshot(&shots.join("new-user-invalid-email.png"))
        .await
        .expect("screenshot");

    // The admin's pages fit a phone too: wide tables scroll inside their box, not the page.
    b.set_window_size(360, 780).await.expect("resize");
    let bob_page = format!("/users/{bob}");
    for (path, shot) in [
        ("/users", "admin-users-list-360.png"),
        ("/users/new", "admin-new-user-360.png"),
        (bob_page.as_str(), "admin-user-page-360.png"),
    ] {
        b.goto(&app.url(path)).await.expect("open page");
        b.wait_for("#main h1", WAIT).await.expect("the page");
        let (scroll, inner) = page_width(&b).await;
        assert_eq!(inner, 360, "the viewport is 360 px wide");
        assert!(
            scroll <= 360,
            "{path} scrolls sideways at 360 px: scrollWidth {scroll}"
        );
        b.screenshot(&shots.join(shot)).await.expect("screenshot");
    }

    b.quit().await.expect("quit");
}
