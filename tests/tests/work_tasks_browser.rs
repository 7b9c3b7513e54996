//! Delegation as people do it, in headless Chromium: a manager creates a task with a
//! checklist through the form, hands it to a colleague with a note, and the colleague
//! finds it in their list, reads the note in the history and ticks a checklist item (htmx
//! swaps the checklist in place). The pages fit a 360 px screen. Without chromium-driver
//! the test says `SKIPPED (browser)` and passes, unless `STEWARD_BROWSER_TESTS=1`.
//! Screenshots land in `target/browser-screenshots/`.
use std::time::Duration;
use steward_e2e::webdriver::{browser_or_skip, screenshot_dir, Browser, Element};
use steward_e2e::*;

const WAIT: Duration = Duration::from_secs(15);
const PASSWORD: &str = "a long test password";

async fn sign_in(b: &Browser, app: &TestApp, login: &str, password: &str) {
    b.sign_in(&app.url("/login"), login, password).await;
}

async fn sign_out(b: &Browser) {
    click(b, "details.user-menu summary").await;
    click(b, "form[action='/logout'] button").await;
    b.wait_for("#login", WAIT)
        .await
        .expect("back at the sign-in form");
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
    b.click(&el)
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
    b.clear(&el).await.expect("clear");
    b.send_keys(&el, text)
        .await
        .unwrap_or_else(|e| panic!("type into {css}: {e}"));
}

async fn text_of(b: &Browser, css: &str) -> String {
    b.text_of(css, WAIT).await
}

/// The page must not scroll sideways at 360 px; a screenshot for people to look at.
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
async fn a_manager_delegates_a_task_and_the_colleague_finds_it() {
    let Some(b) = browser_or_skip("a_manager_delegates_a_task_and_the_colleague_finds_it").await
    else {
        return;
    };
    let app = spawn_app(Db::Sqlite).await;
    add_user(
        &app.store,
        app.company,
        "manager",
        PASSWORD,
        &["accountant"],
    )
    .await;
    let dana = add_user(&app.store, app.company, "dana", PASSWORD, &["employee"]).await;

    // The manager writes the task through the form.
    sign_in(&b, &app, "manager", PASSWORD).await;
    click(&b, "#nav a[href='/tasks']").await;
    b.wait_for("#tasks-table", WAIT)
        .await
        .expect("the task list");
    click(&b, "a.btn[href='/tasks/new']").await;
    b.wait_for("#title", WAIT).await.expect("the new task form");
    type_into(&b, "#title", "Collect the travel receipts").await;
    type_into(&b, "#description", "All receipts from **November**.").await;
    type_into(&b, "#checklist", "Hotel\nTrain").await;
    click(&b, "#priority option[value='high']").await;
    fits_small_screens(&b, "task-new").await;
    click(&b, "form.task-form button[type=submit]").await;
    b.wait_for_text(".flash.ok", "Task created", WAIT).await;
    assert_eq!(text_of(&b, "#main h1").await, "Collect the travel receipts");

    // …and hands it to Dana with a note.
    click(&b, &format!("#reassign-to option[value='{}']", dana.0)).await;
    type_into(&b, "#note", "You booked the trip, please collect them").await;
    click(&b, "#reassign-form button[type=submit]").await;
    b.wait_for_text(".flash.ok", "dana (test)", WAIT).await;
    assert!(text_of(&b, "#task-assignee").await.contains("dana (test)"));
    let task_url = b.current_url().await.expect("url");
    sign_out(&b).await;

    // Dana finds it in her list, reads the note and ticks an item.
    sign_in(&b, &app, "dana", PASSWORD).await;
    b.goto(&app.url("/tasks?assignee=me"))
        .await
        .expect("my tasks");
    b.wait_for("#tasks-table", WAIT)
        .await
        .expect("the task list");
    let list = text_of(&b, "#tasks-table").await;
    assert!(list.contains("Collect the travel receipts"), "{list}");
    fits_small_screens(&b, "task-list").await;
    click(&b, "#tasks-table a[href^='/tasks/']").await;
    b.wait_for("#task-history", WAIT)
        .await
        .expect("the task page");
    assert!(b
        .current_url()
        .await
        .expect("url")
        .starts_with(task_url.split('#').next().unwrap_or("")));
    let history = text_of(&b, "#task-history").await;
    assert!(
        history.contains("You booked the trip, please collect them"),
        "{history}"
    );
    assert!(history.contains("manager (test)"));
    // htmx swaps the checklist without a page load: a marker on the page survives.
    b.execute("document.body.dataset.stay = 'yes'; return null;", vec![])
        .await
        .expect("mark");
    click(&b, "#checklist form button[type=submit]").await;
    b.wait_until(
        "const c = document.querySelector('#checklist h2'); return c && c.textContent.includes('(1/2)');",
        WAIT,
    )
    .await
    .expect("the checklist shows one item done");
    let stayed = b
        .execute("return document.body.dataset.stay || null;", vec![])
        .await
        .expect("marker");
    assert_eq!(stayed, serde_json::json!("yes"), "no page load");
    fits_small_screens(&b, "task-show").await;
    b.quit().await.expect("quit");
}
