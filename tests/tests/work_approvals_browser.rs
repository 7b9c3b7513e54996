//! Approvals as people use them, in headless Chromium: an employee asks for a laptop
//! through the form; their manager approves the first step from the inbox, the accounting
//! lead the second, and the employee sees it approved with who decided; a second request
//! is rejected (first without a reason, which the form refuses beside the field). The
//! inbox and a request fit a 360 px screen. Without chromium-driver the test says
//! `SKIPPED (browser)` and passes, unless `STEWARD_BROWSER_TESTS=1`. Screenshots land in
//! `target/browser-screenshots/`.
use std::time::Duration;
use steward_core::auth::Actor;
use steward_core::departments;
use steward_e2e::webdriver::{browser_or_skip, screenshot_dir, Browser, Element};
use steward_e2e::*;

const WAIT: Duration = Duration::from_secs(15);
const PASSWORD: &str = "a long test password";

async fn sign_in(b: &Browser, app: &TestApp, login: &str) {
    b.sign_in(&app.url("/login"), login, PASSWORD).await;
}

async fn sign_out(b: &Browser) {
    b.execute(
        "const f = document.querySelector(\"form[action='/logout']\"); if (f) { f.submit(); return true; } return false;",
        vec![],
    )
    .await
    .expect("sign out");
    b.wait_for("#login", WAIT)
        .await
        .expect("back at the sign-in page");
}

async fn find(b: &Browser, css: &str) -> Element {
    b.find(css).await.unwrap_or_else(|e| panic!("{css}: {e}"))
}

async fn click(b: &Browser, css: &str) {
    let el = find(b, css).await;
    b.click(&el)
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

async fn type_into(b: &Browser, css: &str, text: &str) {
    let el = find(b, css).await;
    b.click(&el).await.expect("click");
    b.clear(&el).await.expect("clear");
    b.send_keys(&el, text)
        .await
        .unwrap_or_else(|e| panic!("type into {css}: {e}"));
}

async fn text_of(b: &Browser, css: &str) -> String {
    b.text_of(css, WAIT).await
}

/// At 360 px nothing scrolls sideways; a screenshot is kept.
async fn fits_a_phone(b: &Browser, name: &str) {
    b.set_window_size(360, 800).await.expect("resize");
    b.wait_until("return window.innerWidth === 360;", WAIT)
        .await
        .expect("the window took its width");
    let v = b
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .expect("widths");
    let (scroll, inner) = (v[0].as_u64().unwrap_or(0), v[1].as_u64().unwrap_or(0));
    assert!(
        scroll <= inner,
        "{name} scrolls sideways: {scroll} > {inner}"
    );
    b.screenshot(&screenshot_dir().join(format!("{name}-360.png")))
        .await
        .expect("screenshot");
    b.set_window_size(1280, 900).await.expect("resize back");
}

/// Opens the inbox and the request titled `title` from it.
async fn open_from_inbox(b: &Browser, app: &TestApp, title: &str) {
    b.goto(&app.url("/approvals")).await.expect("inbox");
    b.wait_for("#approvals-table", WAIT)
        .await
        .expect("the inbox");
    let links = b.find_all("#approvals-table tbody a").await.expect("links");
    let mut target = None;
    for l in links {
        if b.text(&l).await.expect("text") == title {
            target = Some(l);
        }
    }
    let l = target.unwrap_or_else(|| panic!("{title} is in the inbox"));
    b.click(&l).await.expect("open it");
    b.wait_for("#approval-steps", WAIT)
        .await
        .expect("the request");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_two_level_approval_goes_through_and_one_is_rejected() {
    let Some(b) = browser_or_skip("a_two_level_approval_goes_through_and_one_is_rejected").await
    else {
        return;
    };
    let app = spawn_app(Db::Sqlite).await;
    let boss = add_user(&app.store, app.company, "boss", PASSWORD, &["employee"]).await;
    let emp = add_user(&app.store, app.company, "emp", PASSWORD, &["employee"]).await;
    add_user(
        &app.store,
        app.company,
        "lead",
        PASSWORD,
        &["accounting_lead"],
    )
    .await;
    let system = Actor::system(app.company, "Acme").with_currency("EUR");
    let it = departments::create(&app.store, &system, "IT")
        .await
        .expect("dept");
    departments::update(&app.store, &system, it.id, "IT", Some(boss))
        .await
        .expect("head");
    for u in [boss, emp] {
        departments::set_member(&app.store, &system, u, Some(it.id))
            .await
            .expect("member");
    }

    // The employee asks through the form.
    sign_in(&b, &app, "emp").await;
    b.goto(&app.url("/approvals/new")).await.expect("new");
    b.wait_for("#title", WAIT).await.expect("the form");
    b.execute(
        "document.querySelector('#kind').value = 'expense'; return true;",
        vec![],
    )
    .await
    .expect("choose the kind");
    type_into(&b, "#title", "Laptop").await;
    type_into(&b, "#amount", "1500.00").await;
    type_into(&b, "#description", "The old one is five years old.").await;
    click(&b, "form[action='/approvals'] button[type=submit]").await;
    b.wait_for_text(".flash.ok", "sent for approval", WAIT)
        .await;
    assert_eq!(text_of(&b, "#request-status").await, "pending");
    let steps = text_of(&b, "#approval-steps").await;
    assert!(
        steps.contains("boss (test) (manager)") && steps.contains("any Accounting lead"),
        "{steps}"
    );
    fits_a_phone(&b, "approval-request").await;
    // A second one, to be rejected.
    b.goto(&app.url("/approvals/new")).await.expect("new");
    b.wait_for("#title", WAIT).await.expect("the form");
    type_into(&b, "#title", "Espresso machine").await;
    type_into(&b, "#amount", "300.00").await;
    click(&b, "form[action='/approvals'] button[type=submit]").await;
    b.wait_for_text(".flash.ok", "sent for approval", WAIT)
        .await;
    sign_out(&b).await;

    // The manager approves the first step from the inbox.
    sign_in(&b, &app, "boss").await;
    b.goto(&app.url("/approvals")).await.expect("inbox");
    b.wait_for("#approvals-table", WAIT)
        .await
        .expect("the inbox");
    fits_a_phone(&b, "approvals-inbox").await;
    open_from_inbox(&b, &app, "Laptop").await;
    type_into(&b, "#comment", "Agreed, the old one is slow.").await;
    click(&b, "#approve-btn").await;
    b.wait_for_text(".flash.ok", "now waits for any Accounting lead", WAIT)
        .await;
    assert_eq!(text_of(&b, "#request-status").await, "pending");

    // The second request: rejected, first without a reason.
    open_from_inbox(&b, &app, "Espresso machine").await;
    click(&b, "#reject-btn").await;
    let err = b
        .wait_for("#comment-err", WAIT)
        .await
        .expect("the reason is asked for");
    assert!(b.text(&err).await.expect("text").contains("say why"));
    type_into(&b, "#comment", "We have a coffee machine.").await;
    click(&b, "#reject-btn").await;
    b.wait_for_text(".flash.ok", "Rejected", WAIT).await;
    assert_eq!(text_of(&b, "#request-status").await, "rejected");
    sign_out(&b).await;

    // The accounting lead approves the last step.
    sign_in(&b, &app, "lead").await;
    open_from_inbox(&b, &app, "Laptop").await;
    click(&b, "#approve-btn").await;
    b.wait_for_text(".flash.ok", "the request is approved", WAIT)
        .await;
    assert_eq!(text_of(&b, "#request-status").await, "approved");
    sign_out(&b).await;

    // The employee sees who decided, with the comment.
    sign_in(&b, &app, "emp").await;
    b.goto(&app.url("/approvals/mine")).await.expect("mine");
    b.wait_for("#approvals-table", WAIT)
        .await
        .expect("my requests");
    let table = text_of(&b, "#approvals-table").await;
    assert!(
        table.contains("approved") && table.contains("rejected"),
        "{table}"
    );
    let rows = b.find_all("#approvals-table tbody a").await.expect("links");
    for l in rows {
        if b.text(&l).await.expect("text") == "Laptop" {
            b.click(&l).await.expect("open");
            break;
        }
    }
    b.wait_for("#approval-steps", WAIT)
        .await
        .expect("the request");
    let steps = text_of(&b, "#approval-steps").await;
    assert!(
        steps.contains("by boss (test)")
            && steps.contains("Agreed, the old one is slow.")
            && steps.contains("by lead (test)"),
        "{steps}"
    );
    b.quit().await.expect("quit");
}
