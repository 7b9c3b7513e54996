//! An escalation as people live it, in headless Chromium: the front office escalates a
//! customer's problem, a back-office person takes it, writes to the customer (a `mail.send`
//! job with the customer's address, which the worker delivers to the SMTP sink), resolves
//! it, and the front office sees it resolved. Without chromium-driver the test says
//! `SKIPPED (browser)` and passes, unless `STEWARD_BROWSER_TESTS=1`.
use serde_json::json;
use std::time::Duration;
use steward_core::jobs::{JobQuery, JobStore};
use steward_e2e::smtp_sink::SmtpSink;
use steward_e2e::webdriver::{browser_or_skip, screenshot_dir, Browser};
use steward_e2e::*;

const WAIT: Duration = Duration::from_secs(15);
const PW: &str = "a long test password";
const CUSTOMER: &str = "dana@customer.example";

async fn sign_in(b: &Browser, app: &TestApp, login: &str, password: &str) {
    // Sign out first (the menu's form), when someone is signed in.
    let signed_out = b
        .execute(
            "const f = document.querySelector(\"form[action='/logout']\"); if (f) { f.submit(); return true; } return false;",
            vec![],
        )
        .await
        .expect("sign out");
    if signed_out == json!(true) {
        b.wait_for("#login", WAIT).await.expect("signed out");
    }
    b.sign_in(&app.url("/login"), login, password).await;
}

async fn type_into(b: &Browser, css: &str, text: &str) {
    let el = b.find(css).await.unwrap_or_else(|e| panic!("{css}: {e}"));
    b.click(&el)
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
    b.clear(&el).await.expect("clear");
    b.send_keys(&el, text)
        .await
        .unwrap_or_else(|e| panic!("type into {css}: {e}"));
}

async fn choose(b: &Browser, css: &str, value: &str) {
    let el = b.find(css).await.unwrap_or_else(|e| panic!("{css}: {e}"));
    b.execute(
        "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change'));",
        vec![el.to_json(), json!(value)],
    )
    .await
    .expect("choose");
}

async fn click(b: &Browser, css: &str) {
    let el = b
        .wait_for(css, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    b.click(&el)
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

/// The element's text; found again when a navigation replaced it between the look-up and
/// the read (a stale element).
async fn text_of(b: &Browser, css: &str) -> String {
    b.text_of(css, WAIT).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn front_office_escalates_back_office_resolves() {
    let Some(b) = browser_or_skip("work_cases_browser").await else {
        return;
    };
    let (app, sink): (TestApp, SmtpSink) = spawn_app_with_mail(Db::Sqlite).await;
    add_user(&app.store, app.company, "fatima", PW, &["front_office"]).await;
    add_user(&app.store, app.company, "jonas", PW, &["hr_lead"]).await;

    // The front office escalates.
    sign_in(&b, &app, "fatima", PW).await;
    b.goto(&app.url("/cases")).await.expect("cases");
    click(&b, "#new-case").await;
    b.wait_for("#case-form", WAIT).await.expect("the form");
    type_into(&b, "#customer_name", "Dana Customer").await;
    type_into(&b, "#customer_email", CUSTOMER).await;
    type_into(&b, "#subject", "Charged twice for March").await;
    choose(&b, "#category", "billing").await;
    choose(&b, "#priority", "high").await;
    type_into(&b, "#description", "The customer was charged **twice**.").await;
    click(&b, "#open-case").await;
    b.wait_for_text(".flash.ok", "opened", WAIT).await;
    let url = b.current_url().await.expect("url");
    let id: i64 = url
        .rsplit('/')
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("a case page: {url}"));
    assert_eq!(text_of(&b, "#case-status").await, "New");
    let _ = b
        .screenshot(&screenshot_dir().join("cases-front-office-new.png"))
        .await;

    // A back-office person takes it and writes to the customer.
    sign_in(&b, &app, "jonas", PW).await;
    b.goto(&app.url("/cases?status=open")).await.expect("queue");
    click(&b, &format!("tr[data-case='{id}'] a")).await;
    click(&b, "#take").await;
    b.wait_for_text(".flash.ok", "took", WAIT).await;
    assert_eq!(text_of(&b, "#case-status").await, "In progress");
    choose(&b, "#log-kind", "message").await;
    type_into(&b, "#log-body", "We refund the second charge today.").await;
    click(&b, "#log-submit").await;
    b.wait_for_text(".flash.ok", "Message", WAIT).await;
    let q = JobQuery {
        kind: Some("mail.send".into()),
        ..Default::default()
    };
    let jobs = app
        .store
        .list_jobs(Some(app.company), &q)
        .await
        .expect("jobs");
    assert!(
        jobs.items
            .iter()
            .any(|j| j.payload.to_string().contains(CUSTOMER)),
        "a mail.send job for the customer: {:?}",
        jobs.items
    );
    // The worker delivers it to the SMTP sink.
    let got = sink.wait_for(1, Duration::from_secs(20)).await;
    let to_customer = got
        .iter()
        .find(|m| m.rcpt_to.iter().any(|r| r.contains(CUSTOMER)))
        .unwrap_or_else(|| panic!("the customer's message arrives: {got:?}"));
    assert!(to_customer
        .body()
        .contains("We refund the second charge today."));
    assert!(to_customer.subject().contains(&format!("Case #{id}")));

    // Resolves it.
    choose(&b, "#resolution_category", "refund").await;
    type_into(&b, "#resolution", "Second charge refunded.").await;
    click(&b, "#resolve").await;
    b.wait_for_text(".flash.ok", "resolved", WAIT).await;
    assert_eq!(text_of(&b, "#case-status").await, "Resolved");

    // The front office sees it resolved, with the message, and no internal entries.
    sign_in(&b, &app, "fatima", PW).await;
    b.goto(&app.url(&format!("/cases/{id}")))
        .await
        .expect("case");
    assert_eq!(text_of(&b, "#case-status").await, "Resolved");
    assert!(text_of(&b, "#case-resolution")
        .await
        .contains("Second charge refunded."));
    let log = text_of(&b, ".case-log").await;
    assert!(log.contains("We refund the second charge today."));
    assert!(!log.contains("internal"), "{log}");
    b.set_window_size(360, 800).await.expect("narrow");
    let v = b
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .expect("widths");
    assert!(
        v[0].as_u64().unwrap_or(0) <= v[1].as_u64().unwrap_or(0),
        "the case page fits 360 px: {v}"
    );
    let _ = b
        .screenshot(&screenshot_dir().join("cases-front-office-resolved-360.png"))
        .await;
    b.quit().await.expect("quit");
}
