//! A ticket past its service level, in headless Chromium: an employee raises a ticket on
//! the page, the SLA job runs long after, and the technician opening the ticket sees the
//! breach warning; the employee's own page shows no internal note; an IT lead adds a ticket
//! category on the helpdesk's settings page. Without chromium-driver
//! the test says `SKIPPED (browser)` and passes, unless `STEWARD_BROWSER_TESTS=1`.
use serde_json::json;
use std::time::Duration;
use steward_core::it::helpdesk_sla;
use steward_core::time::Timestamp;
use steward_e2e::webdriver::{browser_or_skip, Browser};
use steward_e2e::*;

const WAIT: Duration = Duration::from_secs(15);
const PW: &str = "a long test password";

async fn sign_in(b: &Browser, app: &TestApp, login: &str) {
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
    b.sign_in(&app.url("/login"), login, PW).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_breached_ticket_warns_the_technician() {
    let Some(b) = browser_or_skip("it_helpdesk_browser").await else {
        return;
    };
    let app = spawn_app(Db::Sqlite).await;
    add_user(&app.store, app.company, "sam", PW, &["employee"]).await;
    add_user(&app.store, app.company, "tess", PW, &["it_technician"]).await;
    add_user(&app.store, app.company, "ivy", PW, &["it_lead"]).await;

    // The employee raises a ticket through the page.
    sign_in(&b, &app, "sam").await;
    b.goto(&app.url("/it/tickets")).await.expect("tickets");
    let subject = b.wait_for("#subject", WAIT).await.expect("form");
    b.click(&subject).await.expect("click");
    b.send_keys(&subject, "Laptop will not start")
        .await
        .expect("type");
    let raise = b.find("#raise-ticket").await.expect("button");
    b.click(&raise).await.expect("raise");
    let status = b.text_of("#ticket-status", WAIT).await;
    assert_eq!(status, "New");
    let url = b.current_url().await.expect("url");
    let id: i64 = url
        .rsplit('/')
        .next()
        .and_then(|s| s.split('?').next())
        .and_then(|s| s.parse().ok())
        .expect("ticket id in the address");

    // A technician writes an internal note through the API.
    let tess = app.api(&app.token("tess", PW, false).await);
    let r = tess
        .post(app.url(&format!("/api/v1/it/tickets/{id}/notes")))
        .json(&json!({"body": "INTERNAL-ONLY"}))
        .send()
        .await
        .expect("note");
    assert_eq!(r.status(), 200);

    // Months pass without an answer: the SLA job marks the breach.
    let later = Timestamp(Timestamp::now().0 + 90 * 24 * 3600 * 1_000_000);
    let run = helpdesk_sla::run(&app.store, later).await.expect("sla");
    assert!(run.breaches >= 1);

    // The technician sees the warning on the ticket.
    sign_in(&b, &app, "tess").await;
    b.goto(&app.url(&format!("/it/tickets/{id}")))
        .await
        .expect("ticket");
    let warning = b.text_of("#sla-breach", WAIT).await;
    assert!(warning.contains("breached"), "{warning}");
    assert!(b.text_of("#ticket-sla", WAIT).await.contains("Breached"));
    assert!(b
        .text_of("#conversation", WAIT)
        .await
        .contains("INTERNAL-ONLY"));

    // The employee sees the ticket, never the note or the staff's warning.
    sign_in(&b, &app, "sam").await;
    b.goto(&app.url(&format!("/it/tickets/{id}")))
        .await
        .expect("ticket");
    let conv = b.text_of("#conversation", WAIT).await;
    assert!(!conv.contains("INTERNAL-ONLY"), "{conv}");
    assert!(b.find_all("#sla-breach").await.expect("none").is_empty());

    // An IT lead adds a ticket category on the helpdesk's settings page.
    sign_in(&b, &app, "ivy").await;
    b.goto(&app.url("/it/helpdesk/settings"))
        .await
        .expect("settings");
    let name = b.wait_for("#category-name", WAIT).await.expect("form");
    b.click(&name).await.expect("click");
    b.send_keys(&name, "Printers").await.expect("type");
    let add = b.find("#add-category").await.expect("button");
    b.click(&add).await.expect("add");
    let listed = b.text_of("#categories", WAIT).await;
    assert!(listed.contains("Printers"), "{listed}");
}
