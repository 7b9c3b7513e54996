//! In headless Chromium: HR imports employees from a CSV sent through the real file input
//! (a dry run first names the bad row's line and column, then a good file is imported and
//! the person shows up in the list), creates a location with a working calendar, reads the
//! time-off report (chart and tables) and edits a custom field; and every one of these
//! pages fits a 360 px wide window without scrolling sideways. Without chromium-driver the
//! test says `SKIPPED (browser)` and passes, unless `STEWARD_BROWSER_TESTS=1`.
use serde_json::json;
use std::time::Duration;
use steward_core::audit::AuditDraft;
use steward_core::auth::Actor;
use steward_core::departments;
use steward_core::hr::fields::{self, FieldInput};
use steward_core::hr::timeoff::{self, NewLedgerRow, PolicyInput, TimeoffStore};
use steward_e2e::webdriver::{browser_or_skip, screenshot_dir, Browser};
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

async fn type_into(b: &Browser, css: &str, text: &str) {
    let el = b.find(css).await.unwrap_or_else(|e| panic!("{css}: {e}"));
    b.clear(&el).await.expect("clear");
    b.send_keys(&el, text)
        .await
        .unwrap_or_else(|e| panic!("type into {css}: {e}"));
}

/// Chooses a file in an `<input type=file>` the way WebDriver does it: its path as keys.
async fn choose_file(b: &Browser, css: &str, path: &std::path::Path) {
    let el = b.find(css).await.unwrap_or_else(|e| panic!("{css}: {e}"));
    b.send_keys(&el, &path.to_string_lossy())
        .await
        .unwrap_or_else(|e| panic!("choose a file in {css}: {e}"));
}

fn day(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

fn ledger_row(
    employee: steward_core::ids::EmployeeId,
    policy: i64,
    date: &str,
    kind: &str,
    milli: i64,
) -> NewLedgerRow {
    NewLedgerRow {
        employee_id: employee,
        policy_id: policy,
        day: day(date),
        kind: kind.into(),
        amount_milli: milli,
        request_id: None,
        period: None,
        note: String::new(),
        created_by: None,
    }
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
async fn hr_imports_people_sets_up_a_location_and_reads_the_timeoff_report() {
    let Some(b) =
        browser_or_skip("hr_imports_people_sets_up_a_location_and_reads_the_timeoff_report").await
    else {
        return;
    };
    let app = spawn_app(Db::Sqlite).await;
    add_user(&app.store, app.company, "hilda", PASSWORD, &["hr_lead"]).await;
    let sys = Actor::system(app.company, "Acme");
    let cal = timeoff::create_calendar(&app.store, &sys, "Harbour days", "12345", false)
        .await
        .expect("calendar");
    let field = fields::create_field(
        &app.store,
        &sys,
        &FieldInput {
            key: "licence_number".into(),
            label: "Licence".into(),
            kind: "text".into(),
            choices: vec![],
            required: false,
            sensitive: false,
            help: String::new(),
            position: 0,
            active: true,
        },
    )
    .await
    .expect("custom field");
    // Time off on a fixed ledger so the report has bars and rows; a long department name
    // so its tables are wide at 360 px.
    let dept = departments::create(&app.store, &sys, "Warehouse operations and logistics")
        .await
        .expect("department");
    let annual = timeoff::create_policy(
        &app.store,
        &sys,
        &PolicyInput {
            name: "Annual leave".into(),
            kind: "annual".into(),
            accrual: "none".into(),
            active: true,
            ..PolicyInput::default()
        },
    )
    .await
    .expect("policy")
    .id;
    let pia = app
        .store
        .seed_employee(
            app.company,
            &SeedEmployee {
                department_id: Some(dept.id),
                ..SeedEmployee::new("1", "Pia Picker", day("2024-01-01"))
            },
        )
        .await
        .expect("employee");
    app.store
        .timeoff_post(
            app.company,
            &[(
                vec![
                    ledger_row(pia, annual, "2025-01-01", "accrual", 25_000),
                    ledger_row(pia, annual, "2025-02-03", "use", -2_000),
                    ledger_row(pia, annual, "2025-05-12", "use", -1_500),
                ],
                AuditDraft::by(&sys, "hr_timeoff_ledger", None, "seed", json!({})),
            )],
        )
        .await
        .expect("ledger");

    let dir = tempfile::tempdir().expect("temp dir");
    let bad = dir.path().join("people-bad.csv");
    // Line 1 is the header, so the impossible date is on line 3.
    std::fs::write(
        &bad,
        "employee_number,legal_name,start_date\n\
         E100,Nora Newcomer,2024-03-01\n\
         E101,Otto Oddday,2024-02-30\n",
    )
    .expect("write the bad file");
    let good = dir.path().join("people-good.csv");
    std::fs::write(
        &good,
        "employee_number,legal_name,start_date\nE100,Nora Newcomer,2024-03-01\n",
    )
    .expect("write the good file");

    b.sign_in(&app.url("/login"), "hilda", PASSWORD).await;

    // 1. Import: the dry run names the bad row by line and column and writes nothing.
    b.goto(&app.url("/hr/employees/import"))
        .await
        .expect("import page");
    b.wait_for("#file", WAIT).await.expect("the file input");
    fits_small_screens(&b, "hr-import").await;
    choose_file(&b, "#file", &bad).await;
    click(&b, "button[name=mode][value=dry_run]").await;
    b.wait_for_text("#import-result h2", "nothing was written", WAIT)
        .await;
    let problems = b
        .execute(
            "return [...document.querySelectorAll('#import-problems tbody tr')]\
               .map(r => [...r.cells].map(c => c.textContent.trim()));",
            vec![],
        )
        .await
        .expect("the problems");
    let rows = problems.as_array().cloned().unwrap_or_default();
    assert!(
        rows.iter().any(|r| r[0] == "3" && r[1] == "start_date"),
        "a problem on line 3, column start_date: {problems}"
    );
    assert!(
        rows.iter().all(|r| r[0] != "2"),
        "the good row has no problem: {problems}"
    );
    fits_small_screens(&b, "hr-import-problems").await;

    // The good file, imported for real: the page counts what it created.
    choose_file(&b, "#file", &good).await;
    click(&b, "button[name=mode][value=import]").await;
    let result = b
        .wait_for_text("#import-result h2", "Imported 1 employee", WAIT)
        .await;
    assert!(result.contains("people-good.csv"), "{result}");
    let facts = b.text_of("#import-result dl", WAIT).await;
    assert!(facts.contains("Created"), "{facts}");
    fits_small_screens(&b, "hr-import-done").await;
    click(&b, "#import-result a[href='/hr/employees']").await;
    b.wait_for_text("#employees-table", "Nora Newcomer", WAIT)
        .await;
    let list = b.text_of("#employees-table", WAIT).await;
    assert!(
        !list.contains("Otto Oddday"),
        "the checked-only file wrote nothing: {list}"
    );

    // 2. A location with its working calendar, picked from the select.
    b.goto(&app.url("/hr/locations")).await.expect("locations");
    b.wait_for_text("#locations-table", "No locations yet", WAIT)
        .await;
    fits_small_screens(&b, "hr-locations-empty").await;
    type_into(&b, "#name", "Harbour depot").await;
    type_into(&b, "#address", "1 Quay Street").await;
    click(&b, &format!("#calendar_id option[value='{cal}']")).await;
    click(
        &b,
        "form[method=post][action='/hr/locations'] button[type=submit]",
    )
    .await;
    b.wait_until(
        "return /\\/hr\\/locations\\/\\d+$/.test(location.pathname);",
        WAIT,
    )
    .await
    .expect("the new location's page");
    let page = b.text_of("main", WAIT).await;
    assert!(page.contains("Harbour depot"), "{page}");
    let chosen = b
        .execute(
            "const s = document.getElementById('calendar_id'); \
             return s ? s.options[s.selectedIndex].text : '';",
            vec![],
        )
        .await
        .expect("the chosen calendar");
    assert_eq!(chosen, "Harbour days", "the location keeps its calendar");
    fits_small_screens(&b, "hr-location-show").await;
    b.goto(&app.url("/hr/locations")).await.expect("locations");
    let table = b
        .wait_for_text("#locations-table", "Harbour depot", WAIT)
        .await;
    assert!(
        table.contains("Harbour days") && table.contains("1 Quay Street"),
        "{table}"
    );
    fits_small_screens(&b, "hr-locations").await;

    // 3. The time-off report: a chart and its tables.
    // The months are pinned so the fixed ledger falls inside them.
    b.goto(&app.url("/hr/reports/timeoff?to=2025-06&months=6"))
        .await
        .expect("time-off report");
    b.wait_for("#report-taken svg.chart", WAIT)
        .await
        .expect("the chart");
    let bars = b
        .find_all("#report-taken svg.chart rect.bar")
        .await
        .expect("bars");
    assert_eq!(bars.len(), 6, "a bar per month");
    for table in ["#taken-table", "#balances-table", "#people-balances"] {
        b.wait_for(table, WAIT)
            .await
            .unwrap_or_else(|e| panic!("{table}: {e}"));
    }
    let taken = b.text_of("#taken-table", WAIT).await;
    assert!(
        taken.contains("Annual leave")
            && taken.contains("Warehouse operations and logistics")
            && taken.contains("3.5"),
        "{taken}"
    );
    let balances = b.text_of("#balances-table", WAIT).await;
    assert!(balances.contains("Annual leave"), "{balances}");
    let people = b.text_of("#people-balances", WAIT).await;
    assert!(people.contains("Pia Picker"), "{people}");
    fits_small_screens(&b, "hr-report-timeoff").await;

    // 4. A custom field edited through its form.
    b.goto(&app.url(&format!("/hr/fields/{}", field.id)))
        .await
        .expect("field edit");
    b.wait_for_text("#field-key", "licence_number", WAIT).await;
    fits_small_screens(&b, "hr-field-edit").await;
    type_into(&b, "#f-label", "Forklift licence").await;
    click(&b, "#field-edit-form button[type=submit]").await;
    let fields = b
        .wait_for_text("#fields-table", "Forklift licence", WAIT)
        .await;
    assert!(fields.contains("licence_number"), "{fields}");
    let _ = b.quit().await;
}
