//! The bank through the API, on both databases: an accountant adds a bank account and a
//! CSV mapping, uploads a statement in each format (CAMT.053, OFX, CSV), uploads one again
//! (nothing added), makes a dry run (nothing written), and a file with a bad line is 422
//! naming its line and column; an employee's upload is refused (403) before its body is
//! read; another company's statements are not found.
use serde_json::{json, Value};
use std::time::Duration;
use steward_e2e::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PASSWORD: &str = "a long enough test passphrase";

/// The demo's sample statements, dated in May 2026: CSV, CAMT.053 and OFX one after the other.
const CSV: &str = include_str!("../../crates/steward/src/demo_bank/statement.csv");
const CAMT: &str = include_str!("../../crates/steward/src/demo_bank/statement.xml");
const OFX: &str = include_str!("../../crates/steward/src/demo_bank/statement.ofx");

fn dated(text: &str, first_day: u32) -> String {
    let mut out = text.to_string();
    for i in 0..4u32 {
        let day = first_day + i * 2;
        out = out
            .replace(&format!("{{D{}}}", i + 1), &format!("2026-05-{day:02}"))
            .replace(&format!("{{T{}}}", i + 1), &format!("202605{day:02}"));
    }
    out
}

fn upload(name: &str, text: &str, parts: &[(&str, &str)]) -> reqwest::multipart::Form {
    let mut f = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(text.as_bytes().to_vec()).file_name(name.to_string()),
    );
    for (k, v) in parts {
        f = f.text(k.to_string(), v.to_string());
    }
    f
}

both_databases!(
    statements_are_imported_once_in_every_format,
    |db| async move {
        let app = spawn_app(db).await;
        add_user(&app.store, app.company, "anna", PASSWORD, &["accountant"]).await;
        let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
        let anna = app.api(&app.token("anna", PASSWORD, false).await);
        body_with(
            admin
                .post(app.url("/api/v1/ledger/setup"))
                .send()
                .await
                .expect("setup"),
            200,
        )
        .await;

        // A bank account: not on an income account, then on the checking account.
        let bad = body_with(
            anna.post(app.url("/api/v1/bank/accounts"))
                .json(&json!({"name": "Main account", "ledger_account": "4000"}))
                .send()
                .await
                .expect("account"),
            422,
        )
        .await;
        assert_eq!(fields(&bad), ["ledger_account"], "{bad}");
        let acc = body_with(
            anna.post(app.url("/api/v1/bank/accounts"))
                .json(
                    &json!({"name": "Main account", "ledger_account": "Assets:Bank:Checking",
                "iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX"}),
                )
                .send()
                .await
                .expect("account"),
            201,
        )
        .await;
        assert_eq!(acc["iban"], "DE89370400440532013000");
        assert_eq!(acc["currency"], "EUR");
        assert_eq!(acc["ledger_account"], "Assets:Bank:Checking");
        let id = acc["id"].as_i64().expect("id");
        let taken = body_with(
            anna.post(app.url("/api/v1/bank/accounts"))
                .json(&json!({"name": "main ACCOUNT", "ledger_account": "1010"}))
                .send()
                .await
                .expect("account"),
            422,
        )
        .await;
        assert_eq!(fields(&taken), ["name"], "{taken}");

        // A CSV mapping.
        let mapping = json!({"name": "Demo CSV", "mapping": {"date": "Date", "date_format": "%Y-%m-%d",
        "amount": "Amount", "description": ["Text"], "reference": "Reference",
        "counterparty_name": "Counterparty", "counterparty_iban": "IBAN", "value_date": "Value date",
        "balance": "Balance", "delimiter": ";", "currency": "EUR"}});
        body_with(
            anna.post(app.url("/api/v1/bank/mappings"))
                .json(&mapping)
                .send()
                .await
                .expect("mapping"),
            201,
        )
        .await;
        let all = body_with(
            anna.get(app.url("/api/v1/bank/mappings"))
                .send()
                .await
                .expect("mappings"),
            200,
        )
        .await;
        assert_eq!(all[0]["mapping"]["delimiter"], ";", "{all}");

        let statements = format!("/api/v1/bank/accounts/{id}/statements");
        // CSV, then a dry run of CAMT.053 (nothing written), then CAMT.053 and OFX.
        let csv = body_with(
            anna.post(app.url(&statements))
                .multipart(upload(
                    "may.csv",
                    &dated(CSV, 1),
                    &[("format", "csv"), ("mapping", "Demo CSV")],
                ))
                .send()
                .await
                .expect("csv"),
            200,
        )
        .await;
        assert_eq!(
            (csv["lines"].as_u64(), csv["new_lines"].as_u64()),
            (Some(4), Some(4)),
            "{csv}"
        );
        assert_eq!(csv["closing"]["amount"], "4347.70", "{csv}");
        let dry = body_with(
            anna.post(app.url(&statements))
                .multipart(upload("camt.xml", &dated(CAMT, 12), &[("dry_run", "true")]))
                .send()
                .await
                .expect("dry run"),
            200,
        )
        .await;
        assert_eq!(dry["dry_run"], true);
        assert_eq!(dry["new_lines"], 3);
        assert_eq!(dry["statement_id"], Value::Null);
        assert_eq!(dry["continuity"], true, "{dry}");
        assert_eq!(dry["balances_add_up"], true, "{dry}");
        let list = body_with(
            anna.get(app.url(&format!("/api/v1/bank/statements?account_id={id}")))
                .send()
                .await
                .expect("list"),
            200,
        )
        .await;
        assert_eq!(list["total"], 1, "the dry run wrote nothing: {list}");
        let camt = body_with(
            anna.post(app.url(&statements))
                .multipart(upload(
                    "camt.xml",
                    &dated(CAMT, 12),
                    &[("dry_run", "false")],
                ))
                .send()
                .await
                .expect("camt"),
            200,
        )
        .await;
        assert_eq!(camt["format"], "camt053");
        assert_eq!(camt["new_lines"], 3);
        assert_eq!(camt["sha256"].as_str().map(str::len), Some(64));
        let ofx = body_with(
            anna.post(app.url(&statements))
                .multipart(upload("may.ofx", &dated(OFX, 20), &[("format", "ofx")]))
                .send()
                .await
                .expect("ofx"),
            200,
        )
        .await;
        assert_eq!(
            (ofx["format"].as_str(), ofx["new_lines"].as_u64()),
            (Some("ofx"), Some(4))
        );

        // The same CAMT.053 file again adds nothing.
        let again = body_with(
            anna.post(app.url(&statements))
                .multipart(upload("camt.xml", &dated(CAMT, 12), &[]))
                .send()
                .await
                .expect("again"),
            200,
        )
        .await;
        assert_eq!(
            (again["new_lines"].as_u64(), again["duplicates"].as_u64()),
            (Some(0), Some(3))
        );
        assert_eq!(again["statement_id"], Value::Null);

        let list = body_with(
            anna.get(app.url(&format!(
                "/api/v1/bank/statements?account_id={id}&sort=end_date&dir=asc"
            )))
            .send()
            .await
            .expect("list"),
            200,
        )
        .await;
        assert_eq!(list["total"], 3, "{list}");
        let formats: Vec<&str> = list["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|s| s["format"].as_str())
            .collect();
        assert_eq!(formats, ["csv", "camt053", "ofx"]);
        let camt_id = camt["statement_id"].as_i64().expect("statement");
        let one = body_with(
            anna.get(app.url(&format!(
                "/api/v1/bank/statements/{camt_id}?sort=amount&dir=desc"
            )))
            .send()
            .await
            .expect("statement"),
            200,
        )
        .await;
        assert_eq!(one["statement"]["opening"]["amount"], "4347.70", "{one}");
        assert_eq!(one["lines_total"], 3);
        assert_eq!(one["lines"][0]["amount"], "1666.00", "{one}");
        assert_eq!(
            one["lines"][0]["counterparty_name"], "City Clinic GmbH",
            "{one}"
        );
        assert_eq!(one["lines"][0]["status"], "unmatched");
        let acc = body_with(
            anna.get(app.url(&format!("/api/v1/bank/accounts/{id}")))
                .send()
                .await
                .expect("account"),
            200,
        )
        .await;
        assert_eq!(acc["last_closing"]["amount"], "7194.55", "{acc}");
        assert_eq!(acc["statements"], 3);

        // A bad line: named by line and column, nothing written.
        let broken = dated(CAMT, 12)
            .replace("CAMT-DEMO-", "CAMT-OTHER-")
            .replacen(
                "<CdtDbtInd>DBIT</CdtDbtInd><Sts>",
                "<CdtDbtInd>DEBIT</CdtDbtInd><Sts>",
                1,
            );
        let bad = body_with(
            anna.post(app.url(&statements))
                .multipart(upload("broken.xml", &broken, &[]))
                .send()
                .await
                .expect("broken"),
            422,
        )
        .await;
        assert_eq!(fields(&bad), ["file"], "{bad}");
        let message = bad["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.starts_with("line 10, column CdtDbtInd: "), "{bad}");
        // A CSV file without a mapping, and an unknown mapping.
        let bad = body_with(
            anna.post(app.url(&statements))
                .multipart(upload("may.csv", &dated(CSV, 1), &[]))
                .send()
                .await
                .expect("no mapping"),
            422,
        )
        .await;
        assert_eq!(fields(&bad), ["file"], "{bad}");
        let bad = body_with(
            anna.post(app.url(&statements))
                .multipart(upload("may.csv", &dated(CSV, 1), &[("mapping", "Nope")]))
                .send()
                .await
                .expect("unknown mapping"),
            422,
        )
        .await;
        assert_eq!(fields(&bad), ["mapping"], "{bad}");
        let list = body_with(
            anna.get(app.url("/api/v1/bank/statements"))
                .send()
                .await
                .expect("list"),
            200,
        )
        .await;
        assert_eq!(list["total"], 3, "{list}");

        // An unknown account is 404; a statement list as CSV.
        body_with(
            anna.post(app.url("/api/v1/bank/accounts/999999/statements"))
                .multipart(upload("camt.xml", &dated(CAMT, 12), &[]))
                .send()
                .await
                .expect("404"),
            404,
        )
        .await;
        let csv = anna
            .get(app.url("/api/v1/bank/statements?format=csv"))
            .send()
            .await
            .expect("export");
        assert_eq!(csv.status(), 200);
        let text = csv.text().await.expect("csv text");
        assert_eq!(text.lines().count(), 4, "{text}");
    }
);

/// The status line of a POST that declares `declared` bytes and sends only a few.
async fn partial_upload(app: &TestApp, path: &str, token: &str) -> Option<String> {
    let host = app.addr.trim_start_matches("http://").to_string();
    let mut s = tokio::net::TcpStream::connect(&host)
        .await
        .expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: multipart/form-data; boundary=XyZ\r\n\r\n",
        10 * 1024 * 1024
    );
    s.write_all(head.as_bytes()).await.expect("head");
    let _ = s.write_all(&[b'a'; 4096]).await;
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), async {
        let mut b = [0u8; 4096];
        loop {
            match s.read(&mut b).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    buf.extend_from_slice(&b[..n]);
                    if buf.windows(2).any(|w| w == b"\r\n") {
                        break;
                    }
                }
            }
        }
    })
    .await;
    if read.is_err() || buf.is_empty() {
        return None;
    }
    String::from_utf8_lossy(&buf)
        .lines()
        .next()
        .map(str::to_string)
}

both_databases!(
    an_employee_is_refused_before_the_file_is_read,
    |db| async move {
        let app = spawn_app(db).await;
        add_user(&app.store, app.company, "emma", PASSWORD, &["employee"]).await;
        let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
        body_with(
            admin
                .post(app.url("/api/v1/ledger/setup"))
                .send()
                .await
                .expect("setup"),
            200,
        )
        .await;
        let acc = body_with(
            admin
                .post(app.url("/api/v1/bank/accounts"))
                .json(&json!({"name": "Main account", "ledger_account": "1000"}))
                .send()
                .await
                .expect("account"),
            201,
        )
        .await;
        let id = acc["id"].as_i64().expect("id");
        let token = app.token("emma", PASSWORD, false).await;
        let status = partial_upload(
            &app,
            &format!("/api/v1/bank/accounts/{id}/statements"),
            &token,
        )
        .await;
        assert!(
            status.as_deref().is_some_and(|s| s.contains(" 403 ")),
            "refused before the body is read, got {status:?}"
        );
        let emma = app.api(&token);
        body_with(
            emma.get(app.url("/api/v1/bank/accounts"))
                .send()
                .await
                .expect("list"),
            403,
        )
        .await;
    }
);
