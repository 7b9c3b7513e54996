//! Bank: accounts, statement uploads, statements, CSV mappings. A new route of this domain
//! gets its row here. Accountants and up write and import; auditors and read-only tokens read.
use super::*;

#[rustfmt::skip]
pub(super) const ROWS: &[Row] = &[
    row("GET",    "/api/v1/bank/accounts",                  Id::None,          Body::None,              LEDGER_READS),
    row("POST",   "/api/v1/bank/accounts",                  Id::None,          Body::NewBankAccount,    LEDGER_WRITES),
    row("GET",    "/api/v1/bank/accounts/{id}",             Id::BankAccount,   Body::None,              LEDGER_READS),
    row("PUT",    "/api/v1/bank/accounts/{id}",             Id::BankAccount,   Body::BankAccountUpdate, LEDGER_WRITES),
    row("POST",   "/api/v1/bank/accounts/{id}/statements",  Id::BankAccount,   Body::StatementUpload,   LEDGER_WRITES),
    row("GET",    "/api/v1/bank/statements",                Id::None,          Body::None,              LEDGER_READS),
    row("GET",    "/api/v1/bank/statements/{id}",           Id::BankStatement, Body::None,              LEDGER_READS),
    row("GET",    "/api/v1/bank/mappings",                  Id::None,          Body::None,              LEDGER_READS),
    row("POST",   "/api/v1/bank/mappings",                  Id::None,          Body::NewMapping,        LEDGER_WRITES),
    row("DELETE", "/api/v1/bank/mappings/{id}",             Id::FreshMapping,  Body::None,              LEDGER_WRITES),
    row("GET",    "/api/v1/bank/statements/{id}/reconcile", Id::BankStatement, Body::None,              LEDGER_READS),
    row("POST",   "/api/v1/bank/statements/{id}/auto-match", Id::BankStatement, Body::None,             LEDGER_WRITES),
    row("GET",    "/api/v1/bank/lines/{id}/proposals",      Id::FreshBankLine, Body::None,              LEDGER_READS),
    row("POST",   "/api/v1/bank/lines/{id}/match",          Id::FreshBankLine, Body::BankMatch,         LEDGER_WRITES),
    row("POST",   "/api/v1/bank/lines/{id}/entry",          Id::FreshBankLine, Body::BankEntry,         LEDGER_WRITES),
    row("POST",   "/api/v1/bank/lines/{id}/undo",           Id::MatchedBankLine, Body::BankUndo,        LEDGER_WRITES),
];

/// A CAMT.053 statement of one line with reference `r` (a new one is never a duplicate).
pub(super) fn statement(r: u64) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">\n\
         <BkToCstmrStmt><Stmt><Id>M{r}</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>\n\
         <Ntry><Amt Ccy=\"EUR\">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-03-02</Dt></BookgDt>\
         <AcctSvcrRef>MATRIX-{r}</AcctSvcrRef></Ntry>\n</Stmt></BkToCstmrStmt></Document>\n"
    )
}

/// The upload form of [`statement`].
pub(super) fn upload() -> reqwest::multipart::Form {
    reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(statement(unique()).into_bytes()).file_name("matrix.xml"),
    )
}

/// A kept bank account on the fixture's books, with one imported statement.
pub(super) async fn fixture(app: &TestApp, admin: &reqwest::Client) -> (i64, i64) {
    let r = admin
        .post(app.url("/api/v1/bank/accounts"))
        .json(&json!({"name": "Matrix bank", "ledger_account": "1000",
            "iban": "DE89 3704 0044 0532 0130 00"}))
        .send()
        .await
        .expect("bank account");
    assert_eq!(r.status(), 201, "the admin adds a bank account");
    let account = r.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    let r = admin
        .post(app.url(&format!("/api/v1/bank/accounts/{account}/statements")))
        .multipart(upload())
        .send()
        .await
        .expect("statement");
    assert_eq!(r.status(), 200, "the admin imports a statement");
    let statement = r.json::<Value>().await.expect("json")["statement_id"]
        .as_i64()
        .expect("id");
    (account, statement)
}

/// The line of a one-line statement the admin imports for this request into `account`;
/// reconciled by the admin (an entry against income) when `matched`.
pub(super) async fn fresh_line(
    app: &TestApp,
    admin: &reqwest::Client,
    account: i64,
    matched: bool,
) -> i64 {
    let r = admin
        .post(app.url(&format!("/api/v1/bank/accounts/{account}/statements")))
        .multipart(upload())
        .send()
        .await
        .expect("statement");
    assert_eq!(r.status(), 200, "the admin imports a statement");
    let statement = r.json::<Value>().await.expect("json")["statement_id"]
        .as_i64()
        .expect("id");
    let v: Value = admin
        .get(app.url(&format!("/api/v1/bank/statements/{statement}")))
        .send()
        .await
        .expect("statement")
        .json()
        .await
        .expect("json");
    let line = v["lines"][0]["id"].as_i64().expect("line id");
    if matched {
        let r = admin
            .post(app.url(&format!("/api/v1/bank/lines/{line}/entry")))
            .json(&json!({"account": "4000"}))
            .send()
            .await
            .expect("entry");
        assert_eq!(r.status(), 201, "the admin reconciles the line");
    }
    line
}

/// A saved CSV mapping made for this request by the admin.
pub(super) async fn fresh_mapping(app: &TestApp, admin: &reqwest::Client) -> i64 {
    let r = admin
        .post(app.url("/api/v1/bank/mappings"))
        .json(&mapping_body())
        .send()
        .await
        .expect("mapping");
    assert_eq!(r.status(), 201, "the admin saves a mapping");
    r.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id")
}

pub(super) fn mapping_body() -> Value {
    json!({"name": format!("Matrix mapping {}", unique()),
        "mapping": {"date": "Date", "date_format": "%Y-%m-%d", "amount": "Amount"}})
}
