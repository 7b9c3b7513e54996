//! The books as a person uses them, in headless Chromium: set up the books, type an entry
//! into the form and post it, find it again through the trial balance and the account's
//! ledger, reverse it, and see the trial balance back at nothing; an unbalanced entry is
//! marked beside its lines and keeps what was typed; a line in another commodity carries
//! its price. Without chromium-driver the browser tests say `SKIPPED (browser)` and pass,
//! unless `STEWARD_BROWSER_TESTS=1`. Screenshots land in `target/browser-screenshots/`.
//!
//! The price fields are also checked over plain HTTP, on both databases.
use serde_json::{json, Value};
use std::time::Duration;
use steward_e2e::webdriver::{browser_or_skip, screenshot_dir, Browser, Element};
use steward_e2e::*;

const WAIT: Duration = Duration::from_secs(15);
const PASSWORD: &str = "a long test password";
const OFFICE: &str = "Expenses:Office";
const CHECKING: &str = "Assets:Bank:Checking";

/// Signs in through the real form at /login and waits for the layout.
async fn sign_in(b: &Browser, app: &TestApp, login: &str, password: &str) {
    b.sign_in(&app.url("/login"), login, password).await;
}

async fn find(b: &Browser, css: &str) -> Element {
    b.find(css).await.unwrap_or_else(|e| panic!("{css}: {e}"))
}

/// Clicks into a field, empties it and types.
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

/// Types a date into an `<input type=date>` the way a person does (month, day, year in
/// the en-US headless Chromium), and checks the field took it.
async fn type_date(b: &Browser, css: &str, iso: &str) {
    let el = find(b, css).await;
    b.click(&el).await.expect("click the date");
    b.clear(&el).await.expect("clear the date");
    let (y, md) = iso.split_at(4);
    let (m, d) = (&md[1..3], &md[4..6]);
    b.send_keys(&el, &format!("{m}{d}{y}"))
        .await
        .expect("type the date");
    let mut value = b.property(&el, "value").await.expect("value");
    if value != json!(iso) {
        // Another locale orders the parts differently: day first.
        b.clear(&el).await.expect("clear the date");
        b.send_keys(&el, &format!("{d}{m}{y}"))
            .await
            .expect("type the date");
        value = b.property(&el, "value").await.expect("value");
    }
    assert_eq!(value, json!(iso), "{css} holds the typed date");
}

async fn value_of(b: &Browser, css: &str) -> Value {
    let el = find(b, css).await;
    b.property(&el, "value").await.expect("value")
}

async fn click(b: &Browser, css: &str) {
    let el = find(b, css).await;
    b.click(&el)
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

async fn text_of(b: &Browser, css: &str) -> String {
    b.text_of(css, WAIT).await
}

/// Waits for the next page's flash message and returns its text.
async fn flash(b: &Browser, kind: &str) -> String {
    b.text_of(&format!(".flash.{kind}"), WAIT).await
}

/// `[scrollWidth, innerWidth]`: the page must not scroll sideways.
async fn assert_fits(b: &Browser, what: &str) {
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
        "{what} scrolls sideways at {inner} px: scrollWidth {scroll}"
    );
}

/// Screenshots at `width` px (and back to 1280 after): `{name}-{width}.png` of the top of
/// the page, and `{name}-{width}-{part}.png` with each `(part, css)` scrolled into view.
async fn shoot(b: &Browser, width: u32, name: &str, parts: &[(&str, &str)]) {
    b.set_window_size(width, 900).await.expect("resize");
    b.wait_until(&format!("return window.innerWidth === {width};"), WAIT)
        .await
        .expect("the window took its width");
    assert_fits(b, name).await;
    b.execute("window.scrollTo(0, 0);", vec![])
        .await
        .expect("scroll to the top");
    b.screenshot(&screenshot_dir().join(format!("{name}-{width}.png")))
        .await
        .expect("screenshot");
    for (part, css) in parts {
        let el = find(b, css).await;
        b.execute("arguments[0].scrollIntoView(true);", vec![el.to_json()])
            .await
            .expect("scroll");
        b.screenshot(&screenshot_dir().join(format!("{name}-{width}-{part}.png")))
            .await
            .expect("screenshot");
    }
    b.execute("window.scrollTo(0, 0);", vec![])
        .await
        .expect("scroll to the top");
    b.set_window_size(1280, 900).await.expect("resize back");
}

/// The trial balance's rows: `[account, commodity, amounts...]` as shown.
async fn trial_balance_rows(b: &Browser) -> Vec<Vec<String>> {
    let v = b
        .execute(
            "return Array.from(document.querySelectorAll('#report-table tbody tr')).map(tr => Array.from(tr.cells).map(c => c.textContent.trim()));",
            vec![],
        )
        .await
        .expect("rows");
    serde_json::from_value(v).expect("rows of strings")
}

/// The id at the end of `.../ledger/entries/42`.
fn id_in(url: &str) -> i64 {
    url.rsplit('/')
        .next()
        .and_then(|s| s.split(['?', '#']).next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no id in {url:?}"))
}

/// Sets up the books through the overview's button, unless they are set up already.
async fn set_up_books(b: &Browser, app: &TestApp) {
    b.goto(&app.url("/ledger")).await.expect("open /ledger");
    b.wait_for("#main h1", WAIT).await.expect("the overview");
    let button = b
        .find_all("form[action='/ledger/setup'] button[type=submit]")
        .await
        .expect("buttons");
    if let Some(button) = button.first() {
        b.click(button).await.expect("set up the books");
        let msg = flash(b, "ok").await;
        assert!(msg.contains("set up"), "{msg}");
    }
    assert!(
        b.find_all("form[action='/ledger/setup']")
            .await
            .expect("forms")
            .is_empty(),
        "set-up is offered once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entry_from_the_form_to_the_reports_and_reversed() {
    let Some(b) = browser_or_skip("an_entry_from_the_form_to_the_reports_and_reversed").await
    else {
        return;
    };
    let app = spawn_app(Db::Sqlite).await;
    // Today: the reports' default range ends today.
    let today = steward_core::ledger::service::today().to_string();
    let year = &today[..4];

    sign_in(&b, &app, ADMIN, ADMIN_PASSWORD).await;
    set_up_books(&b, &app).await;

    // The Entries page's "New entry" button opens the form.
    click(&b, ".ledger-subnav a[href='/ledger/entries']").await;
    b.wait_for("#entries-table", WAIT)
        .await
        .expect("the entries list");
    click(&b, "a.btn[href='/ledger/entries/new']").await;
    b.wait_for("#entry-lines", WAIT).await.expect("the form");
    assert_eq!(text_of(&b, "#main h1").await, "New entry");
    // A wide screen shows the lines as a table, narrower ones as cards; either way every
    // field is in view, none behind a sideways scroll.
    let lines_box = "const w = document.querySelector('.entry-lines-box .table-wrap'); \
        return [w.scrollWidth, w.clientWidth, \
        getComputedStyle(document.querySelector('.entry-lines thead')).display];";
    for (width, layout) in [(1700, "table-header-group"), (1280, "none"), (360, "none")] {
        b.set_window_size(width, 900).await.expect("resize");
        b.wait_until(&format!("return window.innerWidth === {width};"), WAIT)
            .await
            .expect("the window took its width");
        let v = b.execute(lines_box, vec![]).await.expect("the lines' box");
        assert!(
            v[0].as_u64() <= v[1].as_u64(),
            "the lines scroll sideways at {width} px: {v}"
        );
        assert_eq!(v[2], json!(layout), "the lines' layout at {width} px");
    }
    b.set_window_size(1280, 900).await.expect("resize");
    shoot(
        &b,
        1000,
        "ledger-flow-entry-form",
        &[("lines", "fieldset.entry-lines-set")],
    )
    .await;
    shoot(
        &b,
        360,
        "ledger-flow-entry-form",
        &[("lines", "fieldset.entry-lines-set")],
    )
    .await;

    // First an unbalanced entry: the error sits beside the lines, the typing stays.
    type_date(&b, "#date", &today).await;
    type_into(&b, "#description", "Office chairs").await;
    type_into(&b, "#reference", "INV-77").await;
    type_into(&b, "#l0-account", OFFICE).await;
    type_into(&b, "#l0-debit", "250.00").await;
    type_into(&b, "#l0-memo", "two chairs").await;
    type_into(&b, "#l1-account", CHECKING).await;
    type_into(&b, "#l1-credit", "205.00").await;
    click(&b, "button[name=intent][value=post]:not(.sr-only)").await;
    let top = flash(&b, "error").await;
    assert!(top.contains("was not saved"), "{top}");
    let beside = b
        .wait_for("fieldset.entry-lines-set #lines-err", WAIT)
        .await
        .expect("the error beside the lines");
    let message = b.text(&beside).await.expect("text");
    assert!(
        message.contains("debits exceed credits by 45.00 EUR"),
        "says what is off: {message}"
    );
    let table = find(&b, "table.entry-lines").await;
    let described = b
        .attribute(&table, "aria-describedby")
        .await
        .expect("attr")
        .unwrap_or_default();
    assert!(
        described.split(' ').any(|id| id == "lines-err"),
        "the lines point at their error: {described}"
    );
    for (css, typed) in [
        ("#date", today.as_str()),
        ("#description", "Office chairs"),
        ("#reference", "INV-77"),
        ("#l0-account", OFFICE),
        ("#l0-debit", "250.00"),
        ("#l0-memo", "two chairs"),
        ("#l1-account", CHECKING),
        ("#l1-credit", "205.00"),
    ] {
        assert_eq!(value_of(&b, css).await, json!(typed), "{css} kept");
    }
    shoot(
        &b,
        1000,
        "ledger-flow-entry-unbalanced",
        &[("lines", "fieldset.entry-lines-set")],
    )
    .await;
    shoot(
        &b,
        360,
        "ledger-flow-entry-unbalanced",
        &[("lines", "fieldset.entry-lines-set")],
    )
    .await;

    // Corrected, it posts; the page shows its number and lines.
    type_into(&b, "#l1-credit", "250").await;
    click(&b, "button[name=intent][value=post]:not(.sr-only)").await;
    let msg = flash(&b, "ok").await;
    let number = format!("GJ-{year}-000001");
    assert_eq!(msg, format!("Entry {number} posted."));
    let entry_url = b.current_url().await.expect("url");
    let entry_id = id_in(&entry_url);
    let h1 = text_of(&b, "#main h1").await;
    assert!(
        h1.contains(&format!("Entry {number}")) && h1.contains("osted"),
        "{h1}"
    );
    let lines = text_of(&b, "table#entry-lines").await;
    assert!(
        lines.contains(OFFICE) && lines.contains(CHECKING) && lines.contains("250.00"),
        "{lines}"
    );
    assert!(lines.contains("two chairs"), "the memo: {lines}");

    // The trial balance shows both accounts; a click on one opens its ledger...
    click(&b, ".ledger-subnav a[href='/ledger/reports/trial-balance']").await;
    b.wait_for("#report-table", WAIT)
        .await
        .expect("the trial balance");
    let rows = trial_balance_rows(&b).await;
    let office_row = rows
        .iter()
        .find(|r| r.first().is_some_and(|a| a == OFFICE))
        .unwrap_or_else(|| panic!("{OFFICE} in the trial balance: {rows:?}"));
    assert!(office_row.iter().any(|c| c == "250.00"), "{office_row:?}");
    let checking_row = rows
        .iter()
        .find(|r| r.first().is_some_and(|a| a == CHECKING))
        .unwrap_or_else(|| panic!("{CHECKING} in the trial balance: {rows:?}"));
    assert!(
        checking_row.iter().any(|c| c == "-250.00"),
        "{checking_row:?}"
    );
    shoot(
        &b,
        1000,
        "ledger-flow-trial-balance",
        &[("table", "#report-table")],
    )
    .await;
    shoot(
        &b,
        360,
        "ledger-flow-trial-balance",
        &[("table", "#report-table")],
    )
    .await;
    b.set_window_size(360, 900).await.expect("resize");
    b.wait_until("return window.innerWidth === 360;", WAIT)
        .await
        .expect("360 px");
    let v = b
        .execute(
            "const w = document.getElementById('report-table').parentElement; return [w.scrollWidth, w.clientWidth];",
            vec![],
        )
        .await
        .expect("the report's box");
    assert!(
        v[0].as_u64() <= v[1].as_u64(),
        "the trial balance's amounts are in view at 360 px: {v}"
    );
    b.set_window_size(1280, 900).await.expect("resize back");
    let link = b
        .execute(
            "const a = Array.from(document.querySelectorAll('#report-table tbody th a')).find(a => a.textContent.trim() === arguments[0]); return a ? a.getAttribute('href') : null;",
            vec![json!(OFFICE)],
        )
        .await
        .expect("the row's link");
    let href = link.as_str().expect("the account row links to its ledger");
    assert!(href.starts_with("/ledger/accounts/"), "{href}");
    click(&b, &format!("#report-table tbody th a[href='{href}']")).await;
    b.wait_for("#account-ledger", WAIT)
        .await
        .expect("the account's ledger");
    assert!(
        text_of(&b, "#main h1").await.contains("Office"),
        "the account's page"
    );
    let ledger = text_of(&b, "#account-ledger").await;
    assert!(
        ledger.contains(&number) && ledger.contains("Office chairs") && ledger.contains("250.00"),
        "{ledger}"
    );

    // ...and its entry row leads back to the entry.
    click(
        &b,
        &format!("#account-ledger a[href='/ledger/entries/{entry_id}']"),
    )
    .await;
    b.wait_until(
        &format!("return location.pathname === '/ledger/entries/{entry_id}';"),
        WAIT,
    )
    .await
    .expect("back on the entry");
    b.wait_for("table#entry-lines", WAIT)
        .await
        .expect("the entry's page");

    // Reverse it from its page: the reversal links to it, and it to the reversal.
    type_into(&b, "#reason", "bought on the wrong card").await;
    click(&b, "form[action$='/reverse'] button[type=submit]").await;
    let msg = b.wait_for_text(".flash.ok", "Reversed", WAIT).await;
    let reversal_number = format!("GJ-{year}-000002");
    assert_eq!(
        msg,
        format!("Reversed: {reversal_number} cancels the entry.")
    );
    let reversal_url = b.current_url().await.expect("url");
    let reversal_id = id_in(&reversal_url);
    assert_ne!(reversal_id, entry_id);
    assert!(
        text_of(&b, "#main h1")
            .await
            .contains(&format!("Entry {reversal_number}")),
        "the reversal's page"
    );
    let props = text_of(&b, "dl.props").await;
    assert!(props.contains("Reverses"), "{props}");
    assert!(
        b.find_all("form[action$='/reverse']")
            .await
            .expect("forms")
            .is_empty(),
        "a reversal is not reversed again"
    );
    click(
        &b,
        &format!("dl.props a[href='/ledger/entries/{entry_id}']"),
    )
    .await;
    b.wait_until(
        &format!("return location.pathname === '/ledger/entries/{entry_id}';"),
        WAIT,
    )
    .await
    .expect("the original entry");
    let props = text_of(&b, "dl.props").await;
    assert!(props.contains("Reversed by"), "{props}");
    find(
        &b,
        &format!("dl.props a[href='/ledger/entries/{reversal_id}']"),
    )
    .await;
    assert!(
        b.find_all("form[action$='/reverse']")
            .await
            .expect("forms")
            .is_empty(),
        "no second reversal offered"
    );

    // The trial balance is back at nothing for both accounts.
    click(&b, ".ledger-subnav a[href='/ledger/reports/trial-balance']").await;
    b.wait_for("#report-table", WAIT)
        .await
        .expect("the trial balance");
    let rows = trial_balance_rows(&b).await;
    for account in [OFFICE, CHECKING] {
        assert!(
            !rows.iter().any(|r| r.first().is_some_and(|a| a == account)),
            "{account} nets to nothing after the reversal: {rows:?}"
        );
    }
    assert_eq!(
        text_of(&b, "#report-table tbody td.empty").await,
        "Nothing posted."
    );
    shoot(
        &b,
        1000,
        "ledger-flow-trial-balance-after-reversal",
        &[("table", "#report-table")],
    )
    .await;

    b.quit().await.expect("quit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_line_in_another_commodity_carries_its_price() {
    let Some(b) = browser_or_skip("a_line_in_another_commodity_carries_its_price").await else {
        return;
    };
    let app = spawn_app(Db::Sqlite).await;
    let today = steward_core::ledger::service::today().to_string();
    let admin = app.signed_in(ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(post(&admin, &app, "/ledger/setup", &[]).await.status(), 303);
    add_usd(&admin, &app).await;

    sign_in(&b, &app, ADMIN, ADMIN_PASSWORD).await;
    b.goto(&app.url("/ledger/entries/new"))
        .await
        .expect("open the form");
    b.wait_for("#entry-lines", WAIT).await.expect("the form");
    let price = find(&b, "#l0-price").await;
    assert!(
        !b.displayed(&price).await.expect("displayed"),
        "the price fields start folded away"
    );
    type_date(&b, "#date", &today).await;
    type_into(&b, "#description", "Hotel in New York").await;
    type_into(&b, "#l0-account", OFFICE).await;
    type_into(&b, "#l0-debit", "100.00").await;
    type_into(&b, "#l0-commodity", "USD").await;
    click(
        &b,
        "#entry-lines tr:first-child details.line-price > summary",
    )
    .await;
    assert!(
        b.displayed(&price).await.expect("displayed"),
        "a click on Price opens the fields"
    );
    // Both a unit and a total price: refused, and the error sits in the open Price box.
    type_into(&b, "#l0-price", "0.92").await;
    type_into(&b, "#l0-total_price", "92").await;
    type_into(&b, "#l0-price_commodity", "EUR").await;
    type_into(&b, "#l1-account", CHECKING).await;
    type_into(&b, "#l1-credit", "92.00").await;
    shoot(
        &b,
        1000,
        "ledger-flow-entry-price-open",
        &[("lines", "fieldset.entry-lines-set")],
    )
    .await;
    shoot(
        &b,
        360,
        "ledger-flow-entry-price-open",
        &[("lines", "fieldset.entry-lines-set")],
    )
    .await;
    click(&b, "button[name=intent][value=post]:not(.sr-only)").await;
    flash(&b, "error").await;
    let err = b
        .wait_for("details.line-price[open] #l0-price-err", WAIT)
        .await
        .expect("the price error, its box open");
    assert!(
        b.text(&err).await.expect("text").contains("not both"),
        "says what is wrong"
    );
    let total = find(&b, "#l0-total_price").await;
    assert_eq!(
        b.attribute(&total, "aria-invalid").await.expect("attr"),
        Some("true".into())
    );
    assert_eq!(value_of(&b, "#l0-price").await, json!("0.92"), "kept");
    assert_eq!(value_of(&b, "#l0-price_commodity").await, json!("EUR"));
    shoot(
        &b,
        1000,
        "ledger-flow-entry-price-error",
        &[("lines", "fieldset.entry-lines-set")],
    )
    .await;
    shoot(
        &b,
        360,
        "ledger-flow-entry-price-error",
        &[("lines", "fieldset.entry-lines-set")],
    )
    .await;

    // Only the unit price: it posts, and the entry shows the price.
    let total = find(&b, "#l0-total_price").await;
    b.clear(&total).await.expect("clear the total");
    click(&b, "button[name=intent][value=post]:not(.sr-only)").await;
    let msg = flash(&b, "ok").await;
    assert!(msg.ends_with("posted."), "{msg}");
    let lines = text_of(&b, "table#entry-lines").await;
    assert!(
        lines.contains("USD at 0.92 EUR each, 92.00 EUR in all"),
        "the cost on the entry's page: {lines}"
    );
    shoot(
        &b,
        1000,
        "ledger-flow-entry-with-price",
        &[("lines", "table#entry-lines")],
    )
    .await;
    shoot(
        &b,
        360,
        "ledger-flow-entry-with-price",
        &[("lines", "table#entry-lines")],
    )
    .await;

    b.quit().await.expect("quit");
}

// ---------------------------------------------------------------- over HTTP

async fn post(
    c: &reqwest::Client,
    app: &TestApp,
    path: &str,
    form: &[(&str, &str)],
) -> reqwest::Response {
    c.post(app.url(path)).form(form).send().await.expect("post")
}

async fn add_usd(admin: &reqwest::Client, app: &TestApp) {
    let r = post(
        admin,
        app,
        "/ledger/commodities",
        &[("symbol", "USD"), ("precision", "2"), ("name", "US dollar")],
    )
    .await;
    assert_eq!(r.status(), 303, "USD added");
}

both_databases!(prices_through_the_entry_form, |db| async move {
    let app = spawn_app(db).await;
    add_user(&app.store, app.company, "acct", PASSWORD, &["accountant"]).await;
    let admin = app.signed_in(ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(post(&admin, &app, "/ledger/setup", &[]).await.status(), 303);
    add_usd(&admin, &app).await;
    let acct = app.signed_in("acct", PASSWORD).await;

    // Every row has its Price toggle with labelled fields, folded away.
    let html = acct
        .get(app.url("/ledger/entries/new"))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    for name in ["price", "total_price", "price_commodity"] {
        assert!(
            html.contains(&format!("<label for=\"l3-{name}\">")),
            "a label for line 4's {name}"
        );
        assert!(html.contains(&format!("name=\"lines[3].{name}\"")));
    }
    assert!(
        !html.contains("details class=\"line-price\" open"),
        "folded"
    );
    let row = acct
        .get(app.url("/ledger/entries/line?i=7"))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    assert!(
        row.contains("name=\"lines[7].price\"") && row.contains("placeholder=\"EUR\""),
        "the htmx row has them too: {row}"
    );

    let base = [
        ("date", "2026-03-10"),
        ("journal", "GJ"),
        ("description", "Hotel"),
        ("lines[0].account", OFFICE),
        ("lines[0].debit", "100.00"),
        ("lines[0].commodity", "USD"),
        ("lines[1].account", ""),
        ("lines[2].account", CHECKING),
        ("lines[2].credit", "92.00"),
        ("intent", "post"),
    ];
    // The base form with some fields added or replaced.
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut f: Vec<(&str, &str)> = base
            .iter()
            .filter(|(k, _)| !extra.iter().any(|(e, _)| e == k))
            .copied()
            .collect();
        f.extend_from_slice(extra);
        f
    };

    // An unknown price commodity, named beside it on its row; the box comes back open.
    let r = post(
        &acct,
        &app,
        "/ledger/entries",
        &with(&[
            ("lines[0].price", "0.92"),
            ("lines[0].price_commodity", "XYZ"),
        ]),
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("text");
    assert!(
        html.contains("id=\"l0-price_commodity-err\"") && html.contains("unknown commodity `XYZ`"),
        "{html}"
    );
    assert!(html.contains("details class=\"line-price\" open"), "open");
    assert!(html.contains("value=\"XYZ\"") && html.contains("value=\"0.92\""));

    // A price commodity with no price; a price on the row the service counts as the third
    // line is named where it was typed.
    let r = post(
        &acct,
        &app,
        "/ledger/entries",
        &with(&[("lines[0].price_commodity", "EUR")]),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r
        .text()
        .await
        .expect("text")
        .contains("id=\"l0-price_commodity-err\""));
    let r = post(
        &acct,
        &app,
        "/ledger/entries",
        &with(&[
            ("lines[0].price", "0.92"),
            ("lines[5].account", CHECKING),
            ("lines[5].credit", "1"),
            ("lines[5].price", "-3"),
        ]),
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("text");
    assert!(html.contains("id=\"l5-price-err\""), "{html}");

    // A total price posts; the entry shows the cost and the unit price.
    let r = post(
        &acct,
        &app,
        "/ledger/entries",
        &with(&[
            ("lines[0].total_price", "92"),
            ("lines[0].price_commodity", "EUR"),
        ]),
    )
    .await;
    assert_eq!(r.status(), 303);
    let entry = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("location")
        .to_string();
    let html = acct
        .get(app.url(&entry))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    assert!(
        html.contains("at 0.92 EUR each, 92.00 EUR in all"),
        "{html}"
    );

    // A draft keeps its price through the edit form.
    let r = post(
        &acct,
        &app,
        "/ledger/entries",
        &with(&[
            ("lines[0].price", "0.92"),
            ("lines[0].price_commodity", "EUR"),
            ("intent", "draft"),
        ]),
    )
    .await;
    assert_eq!(r.status(), 303);
    let draft = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("location")
        .to_string();
    let html = acct
        .get(app.url(&format!("{draft}/edit")))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    assert!(
        html.contains("name=\"lines[0].total_price\" value=\"92.00\"")
            && html.contains("name=\"lines[0].price_commodity\" value=\"EUR\""),
        "{html}"
    );
    assert!(html.contains("@@ 92.00 EUR"), "the closed toggle shows it");
});
