//! Billing: customers and vendors, tax codes, settings, invoices. A new route of this
//! domain gets its row here. Accountants and up write; auditors and read-only tokens read.
use super::*;

#[rustfmt::skip]
pub(super) const ROWS: &[Row] = &[
    row("GET",    "/api/v1/billing/parties",                Id::None,          Body::None,            LEDGER_READS),
    row("POST",   "/api/v1/billing/parties",                Id::None,          Body::NewParty,        LEDGER_WRITES),
    row("POST",   "/api/v1/billing/parties/import",         Id::None,          Body::PartiesCsv,      LEDGER_WRITES),
    row("GET",    "/api/v1/billing/parties/{id}",           Id::Party,         Body::None,            LEDGER_READS),
    row("PUT",    "/api/v1/billing/parties/{id}",           Id::Party,         Body::PartyUpdate,     LEDGER_WRITES),
    row("GET",    "/api/v1/billing/tax-codes",              Id::None,          Body::None,            LEDGER_READS),
    row("POST",   "/api/v1/billing/tax-codes",              Id::None,          Body::NewTaxCode,      LEDGER_WRITES),
    row("PUT",    "/api/v1/billing/tax-codes/{id}",         Id::TaxCode,       Body::TaxCodeUpdate,   LEDGER_WRITES),
    row("GET",    "/api/v1/billing/settings",               Id::None,          Body::None,            LEDGER_READS),
    row("PUT",    "/api/v1/billing/settings",               Id::None,          Body::BillingSettings, LEDGER_WRITES),
    row("GET",    "/api/v1/billing/invoices",               Id::None,          Body::None,            LEDGER_READS),
    row("POST",   "/api/v1/billing/invoices",               Id::None,          Body::NewInvoice,      LEDGER_WRITES),
    row("POST",   "/api/v1/billing/invoices/batch",         Id::None,          Body::InvoiceBatch,    LEDGER_WRITES),
    row("GET",    "/api/v1/billing/invoices/{id}",          Id::PostedInvoice, Body::None,            LEDGER_READS),
    row("PUT",    "/api/v1/billing/invoices/{id}",          Id::FreshInvoice,  Body::InvoiceUpdate,   LEDGER_WRITES),
    row("DELETE", "/api/v1/billing/invoices/{id}",          Id::FreshInvoice,  Body::None,            LEDGER_WRITES),
    row("POST",   "/api/v1/billing/invoices/{id}/post",     Id::FreshInvoice,  Body::None,            LEDGER_WRITES),
    row("POST",   "/api/v1/billing/invoices/{id}/credit",   Id::PostedInvoice, Body::Credit,          LEDGER_WRITES),
    row("GET",    "/api/v1/billing/invoices/{id}/pdf",      Id::PostedInvoice, Body::None,            LEDGER_READS),
    row("GET",    "/api/v1/billing/payments",               Id::None,          Body::None,            LEDGER_READS),
    row("POST",   "/api/v1/billing/payments",               Id::None,          Body::NewPayment,      LEDGER_WRITES),
    row("GET",    "/api/v1/billing/payments/{id}",          Id::Payment,       Body::None,            LEDGER_READS),
    row("GET",    "/api/v1/billing/aged",                   Id::None,          Body::None,            LEDGER_READS),
    // The vendor's file on a document: who reads it sees its files; who writes it adds
    // them (no file sent: 422).
    row("GET",    "/api/v1/billing/invoices/{id}/attachments", Id::PostedInvoice, Body::None,         LEDGER_READS),
    row("POST",   "/api/v1/billing/invoices/{id}/attachments", Id::PostedInvoice, Body::None,         WRITES_422),
    // Payment runs (payables): no run exists, so readers and writers hear 404 (or 422 for
    // a run from a bank account that does not exist); everyone else 403.
    row("GET",    "/api/v1/billing/payment-runs",           Id::None,          Body::None,            LEDGER_READS),
    row("POST",   "/api/v1/billing/payment-runs",           Id::None,          Body::NewRun,          WRITES_422),
    row("GET",    "/api/v1/billing/payment-runs/proposal",  Id::None,          Body::None,            WRITES_422),
    row("GET",    "/api/v1/billing/payment-runs/{id}",      Id::TargetUser,    Body::None,            READS_404),
    row("PUT",    "/api/v1/billing/payment-runs/{id}",      Id::TargetUser,    Body::NewRun,          WRITES_404),
    row("DELETE", "/api/v1/billing/payment-runs/{id}",      Id::TargetUser,    Body::None,            WRITES_404),
    row("POST",   "/api/v1/billing/payment-runs/{id}/submit", Id::TargetUser,  Body::None,            WRITES_404),
    row("POST",   "/api/v1/billing/payment-runs/{id}/send", Id::TargetUser,    Body::None,            WRITES_404),
    row("GET",    "/api/v1/billing/payment-runs/{id}/pain001", Id::TargetUser, Body::None,            READS_404),
    row("GET",    "/api/v1/billing/reports/tax",            Id::None,          Body::None,            LEDGER_READS),
    row("GET",    "/api/v1/billing/parties/{id}/statement", Id::Party,         Body::None,            LEDGER_READS),
    row("GET",    "/api/v1/billing/parties/{id}/statement/pdf", Id::Party,     Body::None,            LEDGER_READS),
    // billing by e-mail: sends, templates and reminders, recurring invoices
    row("POST",   "/api/v1/billing/invoices/{id}/send",     Id::PostedInvoice, Body::Send,            LEDGER_WRITES),
    row("GET",    "/api/v1/billing/invoices/{id}/sends",    Id::PostedInvoice, Body::None,            LEDGER_READS),
    row("GET",    "/api/v1/billing/mail-settings",          Id::None,          Body::None,            LEDGER_READS),
    row("PUT",    "/api/v1/billing/mail-settings",          Id::None,          Body::MailSettings,    LEDGER_WRITES),
    row("GET",    "/api/v1/billing/dunning/preview",        Id::None,          Body::None,            LEDGER_READS),
    row("POST",   "/api/v1/billing/dunning/run",            Id::None,          Body::None,            LEDGER_WRITES),
    row("GET",    "/api/v1/billing/dunning/sent",           Id::None,          Body::None,            LEDGER_READS),
    row("GET",    "/api/v1/billing/parties/{id}/dunning",   Id::Party,         Body::None,            LEDGER_READS),
    row("PUT",    "/api/v1/billing/parties/{id}/dunning",   Id::Party,         Body::DunningFlag,     LEDGER_WRITES),
    row("GET",    "/api/v1/billing/recurring",              Id::None,          Body::None,            LEDGER_READS),
    row("POST",   "/api/v1/billing/recurring",              Id::None,          Body::NewRecurring,    LEDGER_WRITES),
    row("GET",    "/api/v1/billing/recurring/{id}",         Id::FreshRecurring, Body::None,           LEDGER_READS),
    row("POST",   "/api/v1/billing/recurring/{id}/run",     Id::FreshRecurring, Body::None,           LEDGER_WRITES),
    row("POST",   "/api/v1/billing/recurring/{id}/pause",   Id::FreshRecurring, Body::None,           LEDGER_WRITES),
    row("POST",   "/api/v1/billing/recurring/{id}/resume",  Id::FreshRecurring, Body::None,           LEDGER_WRITES),
    row("POST",   "/api/v1/billing/recurring/{id}/stop",    Id::FreshRecurring, Body::None,           LEDGER_WRITES),
];

/// Writers get past authorization to validation (422); the rest are refused.
const WRITES_422: Expect = [
    "401", "422", "422", "403", "403", "403", "403", "403", "403", "403",
];
/// Readers get past authorization to a record that is not there.
const READS_404: Expect = [
    "401", "404", "404", "403", "403", "403", "403", "403", "404", "404",
];
/// Writers get past authorization to a record that is not there.
const WRITES_404: Expect = [
    "401", "404", "404", "403", "403", "403", "403", "403", "403", "403",
];

/// Three reminder levels, as the mail settings take them.
pub(super) fn mail_settings_body() -> Value {
    let level = |days: i64| json!({"enabled": true, "days": days, "subject": "Reminder", "body": "{invoices}"});
    json!({"invoice_subject": "{kind} {number}", "invoice_body": "Attached.", "dunning_enabled": false,
        "levels": [level(7), level(21), level(45)]})
}

/// A recurring invoice repeating a posted invoice from 2030 on (nothing due yet), made for
/// the request by the admin.
pub(super) async fn recurring(app: &TestApp, admin: &reqwest::Client, customer: i64) -> i64 {
    let source = invoice(app, admin, customer, true).await;
    let r = admin
        .post(app.url("/api/v1/billing/recurring"))
        .json(&recurring_body(source))
        .send()
        .await
        .expect("recurring");
    assert_eq!(r.status(), 201);
    r.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id")
}

pub(super) fn recurring_body(source: i64) -> Value {
    json!({"source_id": source, "name": format!("Matrix {}", unique()), "rrule": "FREQ=MONTHLY", "start": "2030-01-01"})
}

/// Billing on the fixture's books: settings, a kept tax code and a kept customer.
pub(super) async fn fixture(app: &TestApp, admin: &reqwest::Client) -> (i64, i64) {
    let r = admin
        .put(app.url("/api/v1/billing/settings"))
        .json(&json!({"receivable_account": "1200", "payable_account": "2000"}))
        .send()
        .await
        .expect("settings");
    assert_eq!(r.status(), 200, "the admin sets up billing");
    let r = admin
        .post(app.url("/api/v1/billing/tax-codes"))
        .json(&json!({"code": "MKEPT", "name": "Matrix kept", "rate": "0"}))
        .send()
        .await
        .expect("tax code");
    assert_eq!(r.status(), 201);
    let tax = r.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    let r = admin
        .post(app.url("/api/v1/billing/parties"))
        .json(&json!({"name": "Matrix customer", "is_customer": true, "income_account": "4000"}))
        .send()
        .await
        .expect("customer");
    assert_eq!(r.status(), 201);
    let customer = r.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    (customer, tax)
}

/// An invoice to `customer` (a new one with `kind`, or a draft's new content).
pub(super) fn invoice_body(customer: i64, new: bool) -> Value {
    let mut v = json!({"party_id": customer, "issue_date": "2026-03-02",
        "lines": [{"description": format!("Matrix {}", unique()), "unit_price": "10.00"}]});
    if new {
        v["kind"] = json!("invoice");
    }
    v
}

/// A draft invoice of the admin's, posted when `posted`.
pub(super) async fn invoice(
    app: &TestApp,
    admin: &reqwest::Client,
    customer: i64,
    posted: bool,
) -> i64 {
    let r = admin
        .post(app.url("/api/v1/billing/invoices"))
        .json(&invoice_body(customer, true))
        .send()
        .await
        .expect("invoice");
    assert_eq!(r.status(), 201, "the fixture makes an invoice");
    let id = r.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    if posted {
        let r = admin
            .post(app.url(&format!("/api/v1/billing/invoices/{id}/post")))
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 200, "the fixture posts the invoice");
    }
    id
}

/// A payment received from `customer` of 1.00 on account (nothing allocated).
pub(super) fn payment_body(customer: i64) -> Value {
    json!({"kind": "received", "party_id": customer, "date": "2026-03-03", "amount": "1.00",
        "account": "1000", "reference": format!("Matrix {}", unique())})
}

/// A payment of the admin's to the kept customer.
pub(super) async fn payment(app: &TestApp, admin: &reqwest::Client, customer: i64) -> i64 {
    let r = admin
        .post(app.url("/api/v1/billing/payments"))
        .json(&payment_body(customer))
        .send()
        .await
        .expect("payment");
    assert_eq!(r.status(), 201, "the fixture records a payment");
    r.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id")
}
