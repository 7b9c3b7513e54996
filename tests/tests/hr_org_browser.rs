//! In headless Chromium: HR finds an employee in the org chart by navigating from the top
//! (department, then its head, then the person, expanded in place with htmx), and the
//! record-health page flags their expired document with a link to fix it. Without
//! chromium-driver the test says `SKIPPED (browser)` and passes, unless
//! `STEWARD_BROWSER_TESTS=1`.
use std::time::Duration;
use steward_core::auth::Actor;
use steward_core::departments;
use steward_e2e::webdriver::{browser_or_skip, Browser};
use steward_e2e::*;
use steward_store::hr::SeedEmployee;

const WAIT: Duration = Duration::from_secs(15);
const PASSWORD: &str = "a long test password";

async fn click(b: &Browser, css: &str) {
    let el = b.find(css).await.unwrap_or_else(|e| panic!("{css}: {e}"));
    b.click(&el)
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hr_finds_a_person_in_the_org_chart_and_their_expired_document() {
    let Some(b) =
        browser_or_skip("hr_finds_a_person_in_the_org_chart_and_their_expired_document").await
    else {
        return;
    };
    let app = spawn_app(Db::Sqlite).await;
    add_user(&app.store, app.company, "hilda", PASSWORD, &["hr_lead"]).await;
    let sys = Actor::system(app.company, "Acme");
    let ops = departments::create(&app.store, &sys, "Operations")
        .await
        .expect("ops");
    let start = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("d");
    let mut boss = SeedEmployee::new("1", "Olga Boss", start);
    boss.department_id = Some(ops.id);
    boss.position = "Head of operations".into();
    let boss = app
        .store
        .seed_employee(app.company, &boss)
        .await
        .expect("boss");
    let mut pia = SeedEmployee::new("2", "Pia Picker", start);
    pia.department_id = Some(ops.id);
    pia.manager_id = Some(boss);
    pia.position = "Picker".into();
    let pia = app
        .store
        .seed_employee(app.company, &pia)
        .await
        .expect("pia");
    let expired = chrono::Utc::now().date_naive() - chrono::Duration::days(5);
    let doc = app
        .store
        .seed_document(app.company, pia, "id", "Forklift licence", Some(expired))
        .await
        .expect("document");

    b.sign_in(&app.url("/login"), "hilda", PASSWORD).await;
    b.goto(&app.url("/hr/org")).await.expect("org chart");
    b.wait_for("#org-departments", WAIT)
        .await
        .expect("departments");
    click(
        &b,
        &format!("#org-departments a[href='/hr/org?department={}']", ops.id),
    )
    .await;
    b.wait_for_text("#org-department h2", "Operations", WAIT)
        .await;
    // Olga is at the top of Operations; expand her reports in place.
    click(&b, &format!("#person-{} a.org-expand", boss.0)).await;
    b.wait_for_text(&format!("#reports-of-{}", boss.0), "Pia Picker", WAIT)
        .await;
    click(
        &b,
        &format!(
            "#reports-of-{} a[href='/hr/org?employee={}']",
            boss.0, pia.0
        ),
    )
    .await;
    b.wait_for_text("#org-person h2", "Pia Picker", WAIT).await;
    let chain = b.text_of("#org-chain", WAIT).await;
    assert!(chain.contains("Olga Boss"), "{chain}");

    // Record health: check now, the expired document is flagged with its fix link.
    b.goto(&app.url("/hr/health")).await.expect("health");
    click(&b, "#health-run").await;
    b.wait_for_text("#health-issues", "Expired document", WAIT)
        .await;
    let table = b.text_of("#health-issues", WAIT).await;
    assert!(
        table.contains("Pia Picker") && table.contains("Forklift licence"),
        "{table}"
    );
    b.find(&format!("#health-issues a[href='/hr/documents/{doc}']"))
        .await
        .expect("a link to fix the document");
    let _ = b.quit().await;
}
