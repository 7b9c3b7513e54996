//! The notification centre as people use it, in headless Chromium: the bell in the header
//! counts what is unread; the list shows it; opening one goes to its record and marks it
//! read (the count drops); "Mark all as read" empties the count; the settings page keeps a
//! changed delivery choice. Fits a 360 px screen. Without chromium-driver the test says
//! `SKIPPED (browser)` and passes, unless `STEWARD_BROWSER_TESTS=1`.
use std::time::Duration;
use steward_core::work::notify::{notify, NewNotification};
use steward_e2e::webdriver::{browser_or_skip, screenshot_dir, Browser};
use steward_e2e::*;

const WAIT: Duration = Duration::from_secs(15);
const PASSWORD: &str = "a long test password";

async fn click(b: &Browser, css: &str) {
    let el = b.find(css).await.unwrap_or_else(|e| panic!("{css}: {e}"));
    b.click(&el)
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

/// The bell's accessible name, as a screen reader announces it.
async fn bell(b: &Browser) -> String {
    let el = b.wait_for("#notif-bell", WAIT).await.expect("the bell");
    b.accessible_name(&el).await.expect("the bell's name")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bell_counts_and_the_centre_reads_notifications() {
    let Some(b) = browser_or_skip("the_bell_counts_and_the_centre_reads_notifications").await
    else {
        return;
    };
    let app = spawn_app(Db::Sqlite).await;
    let nina = add_user(&app.store, app.company, "nina", PASSWORD, &["employee"]).await;
    let note = |title: &str, link: &str| NewNotification {
        company: app.company,
        user: nina,
        kind: "system.test".into(),
        title: title.into(),
        body: format!("About {title}."),
        link: Some(link.into()),
    };
    notify(
        &app.store,
        vec![
            note("Your profile needs a look", "/profile"),
            note("Welcome to Steward", "/work"),
            note("Read the policies", "/work"),
        ],
    )
    .await
    .expect("notify");

    b.sign_in(&app.url("/login"), "nina", PASSWORD).await;
    assert_eq!(bell(&b).await, "Notifications 3 unread");
    click(&b, "#notif-bell").await;
    b.wait_for_text("#notifications-table", "Your profile needs a look", WAIT)
        .await;

    // Opening one goes where it points and marks it read.
    let rows = b
        .find_all("#notifications-table tbody tr.unread")
        .await
        .expect("rows");
    assert_eq!(rows.len(), 3);
    let profile = b
        .find_all("#notifications-table button.notif-title")
        .await
        .expect("titles");
    let mut opened = false;
    for el in profile {
        if b.text(&el).await.unwrap_or_default() == "Your profile needs a look" {
            b.click(&el).await.expect("open");
            opened = true;
            break;
        }
    }
    assert!(opened, "the notification is listed");
    b.wait_until("return location.pathname === '/profile';", WAIT)
        .await
        .expect("on the profile page");
    assert_eq!(bell(&b).await, "Notifications 2 unread");

    // Mark all as read empties the count.
    b.goto(&app.url("/notifications")).await.expect("list");
    click(&b, "#read-all").await;
    b.wait_until(
        "return document.querySelectorAll('#notifications-table tr.unread').length === 0;",
        WAIT,
    )
    .await
    .expect("nothing unread");
    assert_eq!(bell(&b).await, "Notifications (none unread)");

    // Settings keep a changed choice.
    b.goto(&app.url("/notifications/preferences"))
        .await
        .expect("settings");
    click(&b, "#delivery_task_digest").await;
    click(&b, "form.notif-prefs button[type=submit]").await;
    // The save answers with a redirect and a flash; going on before it arrives would cancel
    // the form's request.
    b.wait_until(
        "const f = document.querySelector('.flash.ok'); return !!f && f.textContent.includes('saved');",
        WAIT,
    )
    .await
    .expect("the settings were saved");
    b.goto(&app.url("/notifications/preferences"))
        .await
        .expect("settings again");
    let checked = b
        .execute(
            "return document.getElementById('delivery_task_digest').checked;",
            vec![],
        )
        .await
        .expect("checked");
    assert_eq!(
        checked,
        serde_json::Value::Bool(true),
        "the digest choice was kept"
    );

    // The centre fits a phone.
    b.goto(&app.url("/notifications")).await.expect("list");
    b.set_window_size(360, 800).await.expect("narrow");
    let v = b
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .expect("widths");
    let _ = b
        .screenshot(&screenshot_dir().join("notifications-360.png"))
        .await;
    assert!(
        v[0].as_u64().unwrap_or(0) <= v[1].as_u64().unwrap_or(0),
        "the notification centre scrolls sideways at 360 px: {v:?}"
    );
}
