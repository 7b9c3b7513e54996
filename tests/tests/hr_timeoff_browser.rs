//! Time off as people do it, in headless Chromium: the employee asks for two days through
//! the form, the manager approves in the approvals inbox, the employee sees the request
//! approved and the balance reduced. The pages fit a 360 px screen (the team calendar
//! scrolls inside its own box). Without chromium-driver the test says `SKIPPED (browser)`
//! and passes, unless `STEWARD_BROWSER_TESTS=1`.
use chrono::{Datelike, Duration, NaiveDate};
use std::time::Duration as Wait;
use steward_core::auth::session::cli_actor;
use steward_core::hr::timeoff::{self, PolicyInput};
use steward_e2e::webdriver::{browser_or_skip, screenshot_dir, Browser, Element};
use steward_e2e::*;
use steward_store::hr::SeedEmployee;

const WAIT: Wait = Wait::from_secs(15);
const PASSWORD: &str = "a long test password";

async fn find(b: &Browser, css: &str) -> Element {
    b.find(css).await.unwrap_or_else(|e| panic!("{css}: {e}"))
}

async fn click(b: &Browser, css: &str) {
    let el = find(b, css).await;
    b.click(&el)
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

async fn set_value(b: &Browser, css: &str, value: &str) {
    b.execute(
        "const e = document.querySelector(arguments[0]); e.value = arguments[1]; return null;",
        vec![serde_json::json!(css), serde_json::json!(value)],
    )
    .await
    .unwrap_or_else(|e| panic!("set {css}: {e}"));
}

async fn sign_out(b: &Browser) {
    click(b, "details.user-menu summary").await;
    click(b, "form[action='/logout'] button").await;
    b.wait_for("#login", WAIT)
        .await
        .expect("back at the sign-in form");
}

async fn fits_small_screens(b: &Browser, name: &str) {
    b.set_window_size(360, 800).await.expect("narrow window");
    let v = b
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .expect("widths");
    let (scroll, inner) = (v[0].as_u64().unwrap_or(0), v[1].as_u64().unwrap_or(0));
    let _ = b
        .screenshot(&screenshot_dir().join(format!("{name}-360.png")))
        .await;
    b.set_window_size(1280, 900).await.expect("wide window");
    assert!(
        scroll <= inner,
        "{name} scrolls sideways at {inner} px: scrollWidth {scroll}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_employee_asks_and_the_manager_approves() {
    let Some(b) = browser_or_skip("the_employee_asks_and_the_manager_approves").await else {
        return;
    };
    let app = spawn_app(Db::Sqlite).await;
    let boss_u = add_user(&app.store, app.company, "boss", PASSWORD, &["employee"]).await;
    let emma_u = add_user(&app.store, app.company, "emma", PASSWORD, &["employee"]).await;
    let start = NaiveDate::from_ymd_opt(timeoff::today().year(), 1, 1).expect("d");
    let boss = app
        .store
        .seed_employee(
            app.company,
            &SeedEmployee {
                user_id: Some(boss_u),
                ..SeedEmployee::new("B1", "Boris Boss", start)
            },
        )
        .await
        .expect("boss");
    app.store
        .seed_employee(
            app.company,
            &SeedEmployee {
                user_id: Some(emma_u),
                manager_id: Some(boss),
                ..SeedEmployee::new("E1", "Emma Employee", start)
            },
        )
        .await
        .expect("emma");
    let hr = cli_actor(&app.store, app.admin, app.company)
        .await
        .expect("admin");
    let policy = timeoff::create_policy(
        &app.store,
        &hr,
        &PolicyInput {
            name: "Annual leave".into(),
            kind: "annual".into(),
            accrual: "yearly".into(),
            entitlement_days: "25".into(),
            needs_approval: true,
            active: true,
            ..Default::default()
        },
    )
    .await
    .expect("policy");
    timeoff::accrue(&app.store, &hr, timeoff::today())
        .await
        .expect("accrue");

    // Emma asks for Monday and Tuesday.
    b.sign_in(&app.url("/login"), "emma", PASSWORD).await;
    click(&b, "#nav a[href='/hr/timeoff']").await;
    b.wait_for("#balances", WAIT).await.expect("my time off");
    assert_eq!(b.text_of("#balances td.balance", WAIT).await, "25");
    fits_small_screens(&b, "timeoff-mine").await;
    let mon = monday_ahead();
    click(&b, &format!("#policy_id option[value='{}']", policy.id)).await;
    set_value(&b, "#start", &mon.to_string()).await;
    set_value(&b, "#end", &(mon + Duration::days(1)).to_string()).await;
    click(
        &b,
        "form[action='/hr/timeoff/requests'] button[type=submit]",
    )
    .await;
    b.wait_for_text(".flash.ok", "waits for approval", WAIT)
        .await;
    assert_eq!(b.text_of("#status", WAIT).await, "Waiting for approval");
    assert_eq!(b.text_of("#days", WAIT).await, "2");
    sign_out(&b).await;

    // The boss approves in the inbox.
    b.sign_in(&app.url("/login"), "boss", PASSWORD).await;
    b.goto(&app.url("/approvals")).await.expect("inbox");
    let inbox = b.wait_for_text("#main", "Emma Employee", WAIT).await;
    assert!(inbox.contains("Annual leave"), "{inbox}");
    click(&b, "#main td a[href^='/approvals/']").await;
    b.wait_for("#approve-btn", WAIT).await.expect("the request");
    click(&b, "#approve-btn").await;
    b.wait_for(".flash.ok", WAIT).await.expect("approved");
    b.goto(&app.url(&format!(
        "/hr/timeoff/calendar?month={}",
        mon.format("%Y-%m")
    )))
    .await
    .expect("calendar");
    let grid = b.text_of("#team-calendar", WAIT).await;
    assert!(grid.contains("Emma Employee"), "{grid}");
    fits_small_screens(&b, "timeoff-calendar").await;
    sign_out(&b).await;

    // Emma sees it approved and the balance reduced.
    b.sign_in(&app.url("/login"), "emma", PASSWORD).await;
    b.goto(&app.url("/hr/timeoff")).await.expect("my time off");
    let mine = b.text_of("#my-requests", WAIT).await;
    assert!(mine.contains("Approved"), "{mine}");
    assert_eq!(b.text_of("#balances td.balance", WAIT).await, "23");
    b.quit().await.expect("quit");
}
