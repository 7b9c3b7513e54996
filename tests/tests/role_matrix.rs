//! The authorization matrix, generated from the route table: every (method, path) the
//! OpenAPI document lists must have a row below saying what each built-in role, an anonymous
//! caller and a read-only admin token get. A new API route without a row fails this test.
//!
//! Also: records of another company are 404 (never 403, never touched, never listed).
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use steward_core::auth::{Action, Actor, Domain, Grant, Scope};
use steward_core::company::create_company;
use steward_core::ids::RoleId;
use steward_core::roles::{create_role, NewRole};
use steward_core::users::UserStore;
use steward_e2e::*;

// Company isolation and the pages per role.
#[path = "role_matrix/bank.rs"]
mod bank;
#[path = "role_matrix/billing.rs"]
mod billing;
#[path = "role_matrix/fixtures.rs"]
mod fixtures;
use fixtures::*;
#[path = "role_matrix/hr.rs"]
mod hr;
#[path = "role_matrix/isolation.rs"]
mod isolation;
#[path = "role_matrix/it.rs"]
mod it;
#[path = "role_matrix/it_licences.rs"]
mod it_licences;
#[path = "role_matrix/ledger.rs"]
mod ledger;
#[path = "role_matrix/pages.rs"]
mod pages;
#[path = "role_matrix/platform.rs"]
mod platform;
#[path = "role_matrix/records.rs"]
mod records;
#[path = "role_matrix/work.rs"]
mod work;

/// The built-in roles under test, one user each (user name = role key).
const ROLES: [&str; 8] = [
    "admin",
    "accountant",
    "hr_lead",
    "it_lead",
    "buyer",
    "employee",
    "front_office",
    "auditor",
];
const PASSWORD: &str = "a long enough test passphrase";

/// Expected status class per caller, in this column order:
/// anonymous, admin, accountant, hr_lead, it_lead, buyer, employee, front_office, auditor,
/// admin with a read-only token.
type Expect = [&'static str; 10];

/// Users, roles and audit: the admin may do everything; the auditor may read.
#[rustfmt::skip]
const ADMIN_OR_AUDITOR_READS: Expect = [
    "401", "2xx", "403", "403", "403", "403", "403", "403", "2xx", "2xx",
];
/// Writes to users and roles: the admin only, and not through a read-only token.
#[rustfmt::skip]
const ADMIN_WRITES: Expect = [
    "401", "2xx", "403", "403", "403", "403", "403", "403", "403", "403",
];
/// The caller's own things: everyone signed in.
#[rustfmt::skip]
const EVERYONE_READS: Expect = [
    "401", "2xx", "2xx", "2xx", "2xx", "2xx", "2xx", "2xx", "2xx", "2xx",
];
/// Changes to the caller's own things: everyone signed in, but no read-only token.
#[rustfmt::skip]
const EVERYONE_WRITES: Expect = [
    "401", "2xx", "2xx", "2xx", "2xx", "2xx", "2xx", "2xx", "2xx", "403",
];
/// The books: accountants (and accounting leads, admins) and auditors read them.
#[rustfmt::skip]
const LEDGER_READS: Expect = [
    "401", "2xx", "2xx", "403", "403", "403", "403", "403", "2xx", "2xx",
];
/// Entering and correcting: accountants and up; not auditors, not read-only tokens.
#[rustfmt::skip]
const LEDGER_WRITES: Expect = [
    "401", "2xx", "2xx", "403", "403", "403", "403", "403", "403", "403",
];
/// Approving, deleting drafts, closing periods, settings: accounting leads and admins
/// (accounting_lead is not a column here; tests/tests/ledger_api.rs covers it).
#[rustfmt::skip]
const LEDGER_LEAD: Expect = [
    "401", "2xx", "403", "403", "403", "403", "403", "403", "403", "403",
];

/// What `{id}` stands for in a path.
#[derive(Debug, Clone, Copy)]
enum Id {
    None,
    /// A user of the company (not the admin).
    TargetUser,
    /// A custom role of the company (kept).
    CustomRole,
    /// A custom role made just for this request (it may be deleted).
    FreshRole,
    /// A token the caller just made (the admin's for anonymous and read-only callers).
    OwnToken,
    /// A ledger account of the company (kept).
    Account,
    /// A posted entry of the company (kept).
    Entry,
    /// A draft entry made just for this request (by the admin).
    FreshDraft,
    /// An entry waiting for approval, made just for this request by an accounting lead.
    FreshPending,
    /// A posted entry made just for this request (by the admin).
    FreshPosted,
    // work: notifications
    /// A notification of the caller made just for this request (the admin's for anonymous).
    OwnNotification,
    /// A background job of the company that failed for good, made just for this request.
    DeadJob,
    // work: cases
    /// A case opened by the front-office user, made just for this request.
    FrontOfficeCase,
    // work: approvals
    /// A small request of the employee user, waiting for an admin, made for this request.
    EmployeeApproval,
    /// A configured approval policy, made for this request (it may be deleted).
    FreshPolicy,
    /// The admin's out-of-office delegation, made for this request.
    AdminDelegation,
    /// A department, made for this request.
    FreshDepartment,
    // work: tasks
    /// A task of the admin (owner and assignee, one checklist item), made for this request.
    FreshTask,
    /// A company task template, made for this request by the admin.
    TaskTemplate,
    /// A recurring rule of the admin (yearly, far ahead), made for this request.
    FreshTaskRule,
    // hr: lifecycle
    /// An employee without a user, made for this request.
    FreshEmployee,
    /// An item to hand back of a fresh employee the admin started offboarding for.
    FreshReturnItem,
    // hr: locations
    /// A work location nobody works at, made for this request.
    FreshLocation,
    /// A working calendar without holidays, made for this request.
    FreshCalendar,
    // billing
    /// The kept customer of the books' fixture.
    Party,
    /// The kept tax code of the books' fixture.
    TaxCode,
    /// A draft invoice to the kept customer, made for this request by the admin.
    FreshInvoice,
    /// A posted invoice to the kept customer, made for this request by the admin.
    PostedInvoice,
    /// A payment from the kept customer, made for this request by the admin.
    Payment,
    /// A recurring invoice of the kept customer (nothing due), made for this request.
    FreshRecurring,
    // bank
    /// The kept bank account of the books' fixture.
    BankAccount,
    /// The kept statement of that account.
    BankStatement,
    /// A saved CSV mapping, made for this request by the admin.
    FreshMapping,
    /// The line of a statement imported for this request by the admin.
    FreshBankLine,
    /// Such a line, reconciled by the admin (an entry against income).
    MatchedBankLine,
    // it
    /// The kept asset category.
    ItCategory,
    /// The kept asset model.
    ItModel,
    /// The kept asset (deployable, nobody's).
    ItAsset,
    /// A deployable asset made for this request by the admin.
    FreshItAsset,
    /// An asset made for this request and checked out to the kept employee.
    LentItAsset,
    /// IT licences and consumables (role_matrix/it_licences.rs).
    Lic(it_licences::LicId),
    /// The kept site.
    ItSite,
    /// The kept network (a /16: room for every allocation).
    ItNetwork,
    /// A draft planned change made for this request (with one checklist item).
    FreshItChange,
    /// The kept maintenance schedule.
    ItSchedule,
    /// The kept ticket category.
    ItTicketCategory,
    /// The kept ticket group.
    ItTicketGroup,
    /// The kept, published knowledge-base article.
    ItArticle,
    /// A ticket the admin raised for this request (new, nobody's).
    FreshItTicket,
    /// Records (role_matrix/records.rs).
    Rec(records::RecId),
}

/// What `{month}`, `{year}` and `{kind}` stand for: far from the months entries post into.
const MATRIX_MONTH: &str = "2019-06";
const MATRIX_YEAR: &str = "2018";
const MATRIX_REPORT: &str = "trial-balance";

/// A valid body, so that the status reflects authorization and not validation.
#[derive(Debug, Clone, Copy)]
enum Body {
    None,
    NewUser,
    UserPatch,
    Roles,
    Password,
    ImportCsv,
    PartiesCsv,
    InvoiceBatch,
    NewRole,
    RoleUpdate,
    NewToken,
    NewAccount,
    AccountPatch,
    AccountRows,
    NewEntry,
    Batch,
    DraftUpdate,
    Reject,
    Reverse,
    Reopen,
    NewJournal,
    NewCommodity,
    Rates,
    LedgerSettings,
    /// A multipart upload of a small hledger journal.
    JournalImport,
    // work: notifications
    NotifyPrefs,
    // work: cases
    NewCase,
    CaseNote,
    CaseSla,
    // work: approvals
    NewApproval,
    Decision,
    Bulk,
    Policy,
    /// `version` carries the target user's id: the delegate.
    Delegation,
    Department,
    Member,
    // work: tasks
    NewTask,
    TaskPatch,
    /// `version` carries the target user's id: the new assignee.
    TaskReassign,
    TaskComment,
    TaskItem,
    TaskItemDone,
    NewTaskTemplate,
    TaskInstantiate,
    NewTaskRule,
    // hr: lifecycle
    Onboarding,
    Offboarding,
    Returned,
    // hr: locations
    Holiday,
    // billing
    NewParty,
    PartyUpdate,
    NewTaxCode,
    TaxCodeUpdate,
    BillingSettings,
    /// `version` carries the kept customer's id.
    NewInvoice,
    /// `version` carries the kept customer's id.
    InvoiceUpdate,
    Credit,
    /// `version` carries the kept customer's id.
    NewPayment,
    /// A payment run from a bank account that does not exist (the answer shows who may).
    NewRun,
    Send,
    MailSettings,
    DunningFlag,
    /// `version` carries a posted invoice's id (made for the request).
    NewRecurring,
    // bank
    NewBankAccount,
    BankAccountUpdate,
    /// A multipart upload of a one-line CAMT.053 statement.
    StatementUpload,
    NewMapping,
    /// `version` carries the kept customer's id: a payment on account.
    BankMatch,
    BankEntry,
    BankUndo,
    // it
    NewItCategory,
    ItCategoryUpdate,
    NewItCategoryField,
    ItCategoryFieldUpdate,
    /// `version` carries the kept category's id.
    NewItModel,
    /// `version` carries the kept category's id.
    ItModelUpdate,
    /// `version` carries the kept model's id.
    NewItAsset,
    /// `version` carries the kept employee's id.
    ItCheckout,
    ItCheckin,
    ItBook,
    ItBookAll,
    ItBookAccounts,
    ItDispose,
    ItDepreciationRun,
    /// A CSV of one asset of the kept model.
    ItAssetsCsv,
    /// IT licences and consumables (role_matrix/it_licences.rs).
    Lic(it_licences::LicBody),
    NewItSite,
    ItSiteUpdate,
    /// `version` carries the kept site's id.
    NewItNetwork,
    /// `version` carries the kept site's id.
    ItNetworkUpdate,
    NewItAddress,
    ItChange,
    ItChangeCancel,
    ItTick,
    ItSchedule,
    ItLog,
    // it: helpdesk
    NewItTicket,
    ItTicketText,
    ItTicketAssign,
    ItTicketStatus,
    ItTicketPriority,
    ItTicketReopen,
    ItTicketRating,
    /// `version` carries the kept asset's id.
    ItTicketAsset,
    /// `version` carries the kept article's id.
    ItTicketArticle,
    NewItTicketCategory,
    ItTicketCategoryUpdate,
    NewItTicketGroup,
    ItTicketGroupUpdate,
    ItHelpdeskSla,
    NewItArticle,
    ItArticleUpdate,
    /// Records (role_matrix/records.rs).
    Rec(records::RecBody),
}

struct Row {
    method: &'static str,
    path: &'static str,
    id: Id,
    body: Body,
    expect: Expect,
}

const fn row(method: &'static str, path: &'static str, id: Id, body: Body, expect: Expect) -> Row {
    Row {
        method,
        path,
        id,
        body,
        expect,
    }
}

/// THE TABLE. One row per API route, kept per domain (role_matrix/<domain>.rs): a new
/// domain adds its file and one entry here.
fn table() -> Vec<&'static Row> {
    [
        platform::ROWS,
        ledger::ROWS,
        work::ROWS,
        hr::ROWS,
        billing::ROWS,
        bank::ROWS,
        it::ROWS,
        it_licences::ROWS,
        records::ROWS,
    ]
    .into_iter()
    .flatten()
    .collect()
}

static UNIQUE: AtomicU64 = AtomicU64::new(1);
fn unique() -> u64 {
    UNIQUE.fetch_add(1, Ordering::SeqCst)
}

fn class(status: u16) -> String {
    if (200..300).contains(&status) {
        "2xx".to_string()
    } else {
        status.to_string()
    }
}

/// Every (METHOD, path) in the OpenAPI document.
async fn openapi_routes(app: &TestApp) -> BTreeSet<(String, String)> {
    let r = reqwest::get(app.url("/api/openapi.json"))
        .await
        .expect("openapi");
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().await.expect("openapi json");
    let paths = doc["paths"].as_object().expect("paths");
    let mut out = BTreeSet::new();
    for (path, item) in paths {
        for method in [
            "get", "post", "put", "patch", "delete", "head", "options", "trace",
        ] {
            if item.get(method).is_some() {
                out.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    assert!(out.len() >= 10, "the document lists the API: {out:?}");
    out
}

/// A caller of the matrix.
struct Caller {
    label: String,
    client: reqwest::Client,
    /// A client of the same user that may create tokens (for `Id::OwnToken`).
    token_maker: reqwest::Client,
    column: usize,
}

struct Fixture {
    admin: reqwest::Client,
    target: i64,
    custom_role: i64,
    ledger: Option<LedgerFixture>,
    it: Option<it::ItFixture>,
    licences: Option<it_licences::LicenceFixture>,
    records: Option<records::RecordsFixture>,
}

/// The books the ledger rows act on: set up, with an approval threshold of 1000.00 so
/// that an entry above it waits for an approver.
struct LedgerFixture {
    /// An accounting lead: authors the pending entries (nobody approves their own).
    lead: reqwest::Client,
    account: i64,
    entry: i64,
    /// Billing on the same books: a customer and a tax code, kept.
    customer: i64,
    tax_code: i64,
    /// The bank on the same books: an account and its statement, kept.
    bank_account: i64,
    bank_statement: i64,
}

/// A small entry (10.00), or one above the approval threshold (5000.00).
fn ledger_entry(n: u64, big: bool) -> Value {
    json!({"date": "2026-03-01", "description": format!("Matrix {n}"),
        "lines": [{"account": "Expenses:Office", "amount": if big { "5000.00" } else { "10.00" }},
                  {"account": "Assets:Cash"}]})
}

/// Makes an entry as `client` (`?draft=true` when `draft`) and returns its id and version.
async fn new_entry(
    app: &TestApp,
    client: &reqwest::Client,
    draft: bool,
    big: bool,
    expect: &str,
) -> (i64, i64) {
    let r = client
        .post(app.url(&format!("/api/v1/ledger/entries?draft={draft}")))
        .json(&ledger_entry(unique(), big))
        .send()
        .await
        .expect("entry");
    assert_eq!(r.status(), 201, "the fixture makes an entry");
    let v: Value = r.json().await.expect("json");
    assert_eq!(v["status"], expect, "{v}");
    (
        v["id"].as_i64().expect("id"),
        v["version"].as_i64().expect("version"),
    )
}

async fn ledger_fixture(app: &TestApp, admin: &reqwest::Client) -> LedgerFixture {
    let r = admin
        .post(app.url("/api/v1/ledger/setup"))
        .send()
        .await
        .expect("setup");
    assert_eq!(r.status(), 200, "the admin sets up the books");
    let r = admin
        .post(app.url("/api/v1/ledger/commodities"))
        .json(&json!({"symbol": "USD", "precision": 2}))
        .send()
        .await
        .expect("commodity");
    assert_eq!(r.status(), 201);
    let version = ledger_settings_version(admin, app).await;
    let r = admin
        .put(app.url("/api/v1/ledger/settings"))
        .json(&json_body(Body::LedgerSettings, version))
        .send()
        .await
        .expect("settings");
    assert_eq!(r.status(), 200, "the admin sets an approval threshold");
    add_user(
        &app.store,
        app.company,
        "matrix_lead",
        PASSWORD,
        &["accounting_lead"],
    )
    .await;
    let lead = app.api(&app.token("matrix_lead", PASSWORD, false).await);
    let r = admin
        .post(app.url("/api/v1/ledger/accounts"))
        .json(&json!({"name": "Expenses:Matrix:Kept"}))
        .send()
        .await
        .expect("account");
    assert_eq!(r.status(), 201);
    let account = r.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id");
    let (entry, _) = new_entry(app, admin, false, false, "posted").await;
    let (customer, tax_code) = billing::fixture(app, admin).await;
    let (bank_account, bank_statement) = bank::fixture(app, admin).await;
    LedgerFixture {
        lead,
        account,
        entry,
        customer,
        tax_code,
        bank_account,
        bank_statement,
    }
}

async fn ledger_settings_version(admin: &reqwest::Client, app: &TestApp) -> i64 {
    let v: Value = admin
        .get(app.url("/api/v1/ledger/settings"))
        .send()
        .await
        .expect("settings")
        .json()
        .await
        .expect("json");
    v["version"].as_i64().expect("version")
}

async fn account_version(admin: &reqwest::Client, app: &TestApp, id: i64) -> i64 {
    let v: Value = admin
        .get(app.url(&format!("/api/v1/ledger/accounts/{id}")))
        .send()
        .await
        .expect("account")
        .json()
        .await
        .expect("json");
    v["version"].as_i64().expect("version")
}

fn json_body(body: Body, version: i64) -> Option<Value> {
    let n = unique();
    match body {
        Body::None
        | Body::ImportCsv
        | Body::PartiesCsv
        | Body::JournalImport
        | Body::StatementUpload
        | Body::ItAssetsCsv => None,
        // bank
        Body::NewBankAccount => {
            Some(json!({"name": format!("Matrix bank {n}"), "ledger_account": "1010"}))
        }
        Body::BankAccountUpdate => Some(json!({"name": "Matrix bank", "ledger_account": "1000",
            "iban": "DE89 3704 0044 0532 0130 00"})),
        Body::NewMapping => Some(bank::mapping_body()),
        Body::BankMatch => Some(json!({"party_id": version})),
        Body::BankEntry => Some(json!({"account": "4000"})),
        Body::BankUndo => Some(json!({"reason": "matrix"})),
        // it: licences and consumables
        Body::Lic(b) => Some(it_licences::body(b, version)),
        // records
        Body::Rec(b) => records::body(b, version),
        // it
        Body::NewItCategory => Some(json!({"name": format!("Matrix category {n}")})),
        Body::ItCategoryUpdate => Some(json!({"name": "Matrix kept category"})),
        Body::NewItCategoryField => Some(
            json!({"key": format!("matrix_{n}"), "label": format!("Matrix field {n}"), "kind": "text"}),
        ),
        Body::ItCategoryFieldUpdate => Some(json!({"label": "Matrix field changed"})),
        Body::NewItModel => Some(
            json!({"name": format!("Matrix model {n}"), "category_id": version, "depreciation": "none"}),
        ),
        Body::ItModelUpdate => Some(
            json!({"name": "Matrix kept model", "category_id": version, "depreciation": "none"}),
        ),
        Body::NewItAsset => Some(json!({"model_id": version})),
        Body::ItCheckout => Some(json!({"employee_id": version, "note": "matrix"})),
        Body::ItCheckin => Some(json!({"note": "matrix"})),
        Body::ItBook => Some(json!({"credit_account": "No such account"})),
        Body::ItBookAll => Some(json!({"credit_account": "No such account", "date": "2026-01-31"})),
        Body::ItBookAccounts => Some(json!({})),
        Body::ItDispose => Some(json!({"date": "2026-01-31"})),
        Body::ItDepreciationRun => Some(json!({"through": "2026-01"})),
        Body::NewItSite => Some(json!({"name": format!("Matrix site {n}")})),
        Body::ItSiteUpdate => Some(json!({"name": "Matrix kept site"})),
        Body::NewItNetwork => Some(
            json!({"site_id": version, "name": format!("Matrix net {n}"),
            "cidr": format!("10.{}.{}.0/24", (n / 256) % 256, n % 256)}),
        ),
        Body::ItNetworkUpdate => Some(json!({"site_id": version, "name": "Matrix kept network",
            "cidr": it::KEPT_CIDR})),
        Body::NewItAddress => Some(json!({"hostname": format!("matrix-{n}")})),
        Body::ItChange => Some(it::change_body(n)),
        Body::ItChangeCancel => Some(json!({"status": "cancelled"})),
        Body::ItTick => Some(json!({"done": true})),
        Body::ItSchedule => Some(it::schedule_body()),
        Body::ItLog => Some(json!({"notes": "matrix"})),
        Body::NewItTicket => Some(json!({"subject": format!("Matrix ticket {n}")})),
        Body::ItTicketText => Some(json!({"body": "matrix"})),
        Body::ItTicketAssign => Some(json!({"assignee_id": null})),
        Body::ItTicketStatus => Some(json!({"status": "in_progress"})),
        Body::ItTicketPriority => Some(json!({"urgency": "low", "impact": "low"})),
        Body::ItTicketReopen => Some(json!({"reason": "matrix"})),
        Body::ItTicketRating => Some(json!({"rating": 5})),
        Body::ItTicketAsset => Some(json!({"asset_id": version})),
        Body::ItTicketArticle => Some(json!({"article_id": version})),
        Body::NewItTicketCategory => Some(json!({"name": format!("Matrix ticket category {n}")})),
        Body::ItTicketCategoryUpdate => Some(json!({"name": "Matrix kept ticket category"})),
        Body::NewItTicketGroup => Some(json!({"name": format!("Matrix group {n}")})),
        Body::ItTicketGroupUpdate => Some(json!({"name": "Matrix kept group"})),
        Body::ItHelpdeskSla => Some(json!({"warn_percent": 80, "targets": [
            {"priority": "p1", "first_response_minutes": 30, "resolution_minutes": 240},
            {"priority": "p2", "first_response_minutes": 60, "resolution_minutes": 480},
            {"priority": "p3", "first_response_minutes": 240, "resolution_minutes": 1440},
            {"priority": "p4", "first_response_minutes": 480, "resolution_minutes": 2400}]})),
        Body::NewItArticle => {
            Some(json!({"title": format!("Matrix article {n}"), "body": "x", "published": true}))
        }
        Body::ItArticleUpdate => {
            Some(json!({"title": "Matrix kept article", "body": "x", "published": true}))
        }
        Body::NotifyPrefs => Some(json!([{"group": "system", "delivery": "app"}])),
        // hr: lifecycle
        Body::Onboarding => Some(json!({"note": format!("Matrix {n}")})),
        Body::Offboarding => Some(json!({"leaving_date": "2999-01-29", "reason": "resignation"})),
        Body::Returned => Some(json!({"returned": true})),
        // hr: locations
        Body::Holiday => Some(json!({"day": "2030-05-01", "name": format!("Matrix holiday {n}")})),
        // billing
        Body::NewParty => Some(json!({"name": format!("Matrix party {n}"), "is_customer": true})),
        Body::PartyUpdate => {
            Some(json!({"name": "Matrix customer", "is_customer": true, "income_account": "4000"}))
        }
        Body::NewTaxCode => Some(json!({"code": format!("M{n}"), "name": "Matrix", "rate": "0"})),
        Body::TaxCodeUpdate => Some(json!({"code": "MKEPT", "name": "Matrix kept", "rate": "0"})),
        Body::BillingSettings => Some(
            json!({"receivable_account": "1200", "payable_account": "2000", "tax_rounding": "line"}),
        ),
        Body::NewInvoice => Some(billing::invoice_body(version, true)),
        Body::InvoiceUpdate => Some(billing::invoice_body(version, false)),
        Body::InvoiceBatch => {
            Some(json!({"items": [{"document": billing::invoice_body(version, true)}]}))
        }
        Body::Credit => Some(json!({})),
        Body::NewPayment => Some(billing::payment_body(version)),
        Body::NewRun => Some(json!({"bank_account_id": 999_999, "due_by": "2026-03-31"})),
        Body::Send => Some(json!({"to": ["matrix@customer.example"]})),
        Body::MailSettings => Some(billing::mail_settings_body()),
        Body::DunningFlag => Some(json!({"excluded": false})),
        Body::NewRecurring => Some(billing::recurring_body(version)),
        // work: cases
        Body::NewCase => Some(json!({"customer_name": format!("Customer {n}"),
            "customer_email": format!("c{n}@customer.example"), "subject": format!("Matrix {n}"),
            "category": "billing"})),
        Body::CaseNote => Some(json!({"action": "note", "body": format!("Matrix note {n}")})),
        Body::CaseSla => Some(json!({"targets": [
                {"priority": "low", "first_response_minutes": 960, "resolution_minutes": 4800},
                {"priority": "normal", "first_response_minutes": 480, "resolution_minutes": 2400},
                {"priority": "high", "first_response_minutes": 240, "resolution_minutes": 960},
                {"priority": "urgent", "first_response_minutes": 60, "resolution_minutes": 480}],
            "time_zone": "Europe/Berlin",
            "hours": {"mon": "09:00-17:00", "tue": "09:00-17:00", "wed": "09:00-17:00", "thu": "09:00-17:00", "fri": "09:00-17:00", "sat": "", "sun": ""},
            "holidays": [{"day": "2026-12-25", "name": "Christmas"}],
            "warn_percent": 80, "version": version})),
        Body::NewUser => Some(json!({
            "username": format!("new{n}"), "email": format!("new{n}@acme.example"),
            "display_name": format!("New {n}"), "roles": ["employee"]})),
        Body::UserPatch => Some(json!({"display_name": format!("Target {n}"), "version": version})),
        Body::Roles => Some(json!({"roles": ["employee"]})),
        Body::Password => Some(json!({"password": format!("another long passphrase {n}")})),
        Body::NewRole => Some(json!({
            "key": format!("matrix_{n}"), "name": format!("Matrix {n}"),
            "grants": [{"domain": "users", "action": "read", "scope": "company"}]})),
        Body::RoleUpdate => Some(json!({
            "name": format!("Kept {n}"), "description": "updated by the matrix",
            "grants": [{"domain": "audit", "action": "read", "scope": "company"}]})),
        Body::NewToken => Some(json!({"name": format!("matrix {n}"), "read_only": false})),
        Body::NewAccount => Some(json!({"name": format!("Expenses:Matrix:New {n}")})),
        Body::AccountPatch => {
            Some(json!({"description": format!("Matrix {n}"), "version": version}))
        }
        Body::AccountRows => {
            Some(json!({"rows": [{"name": format!("Expenses:Matrix:Imported {n}")}]}))
        }
        Body::NewEntry => Some(ledger_entry(n, false)),
        Body::Batch => Some(
            json!({"entries": [{"key": format!("matrix-{n}"), "entry": ledger_entry(n, false)}]}),
        ),
        Body::DraftUpdate => {
            let mut e = ledger_entry(n, false);
            e["version"] = json!(version);
            Some(e)
        }
        Body::Reject => Some(json!({"comment": "not this one"})),
        Body::Reverse => Some(json!({"reason": "entered twice"})),
        Body::Reopen => Some(json!({"reason": "a late invoice"})),
        Body::NewJournal => {
            Some(json!({"code": format!("M{n}"), "name": format!("Matrix {n}"), "kind": "custom"}))
        }
        Body::NewCommodity => Some(json!({"symbol": format!("MX{n}"), "precision": 2})),
        Body::Rates => Some(
            json!({"rates": [{"date": "2026-01-01", "commodity": "USD", "quote": "EUR", "rate": "0.9"}]}),
        ),
        Body::LedgerSettings => Some(
            json!({"fiscal_year_start_month": 1, "approval_threshold": "1000.00", "version": version}),
        ),
        // work: approvals
        Body::NewApproval => {
            Some(json!({"kind": "general", "title": format!("Matrix {n}"), "amount": "5.00"}))
        }
        Body::Decision => Some(json!({"comment": "matrix"})),
        Body::Bulk => Some(json!({"ids": [999_999_999]})),
        Body::Policy => Some(json!({"kind": "general", "levels": [{"rule": "admin"}]})),
        Body::Delegation => {
            Some(json!({"delegate_id": version, "from": "2030-01-01", "until": "2030-01-05"}))
        }
        Body::Department => Some(json!({"name": format!("Matrix dept {n}")})),
        Body::Member => Some(json!({"department_id": null})),
        // work: tasks
        Body::NewTask => Some(json!({"title": format!("Matrix task {n}")})),
        Body::TaskPatch => Some(json!({"title": format!("Matrix task {n}"), "version": 1})),
        Body::TaskReassign => Some(json!({"assignee_id": version, "note": "matrix", "version": 1})),
        Body::TaskComment => Some(json!({"body": format!("Matrix comment {n}")})),
        Body::TaskItem => Some(json!({"text": format!("Matrix item {n}")})),
        Body::TaskItemDone => Some(json!({"done": true})),
        Body::NewTaskTemplate => Some(
            json!({"name": format!("Matrix template {n}"), "items": [{"title": "Do it", "offset_days": 1}]}),
        ),
        Body::TaskInstantiate => Some(json!({"start": "2030-01-01"})),
        Body::NewTaskRule => Some(json!({
            "title": format!("Matrix rule {n}"),
            "rrule": "FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=1",
            "start": "2031-01-01"
        })),
    }
}

async fn new_role(admin: &reqwest::Client, app: &TestApp) -> i64 {
    let r = admin
        .post(app.url("/api/v1/roles"))
        .json(&json_body(Body::NewRole, 0))
        .send()
        .await
        .expect("role");
    assert_eq!(r.status(), 201, "the admin creates a role");
    r.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id")
}

async fn new_token(client: &reqwest::Client, app: &TestApp) -> i64 {
    let r = client
        .post(app.url("/api/v1/tokens"))
        .json(&json!({"name": "to revoke"}))
        .send()
        .await
        .expect("token");
    assert_eq!(r.status(), 201, "a user creates a token for themself");
    r.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id")
}

async fn user_version(f: &Fixture, app: &TestApp, id: i64) -> i64 {
    let v: Value = f
        .admin
        .get(app.url(&format!("/api/v1/users/{id}")))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    v["version"].as_i64().expect("version")
}

/// Sends one request of the matrix and returns its status.
async fn call(app: &TestApp, f: &Fixture, caller: &Caller, r: &Row) -> u16 {
    let ledger = || f.ledger.as_ref().expect("the ledger fixture");
    let itf = || f.it.as_ref().expect("the IT fixture");
    let mut entry_version = 0;
    let id = match r.id {
        Id::None => None,
        Id::TargetUser => Some(f.target),
        Id::CustomRole => Some(f.custom_role),
        Id::FreshRole => Some(new_role(&f.admin, app).await),
        Id::OwnToken => Some(new_token(&caller.token_maker, app).await),
        Id::Account => Some(ledger().account),
        Id::Entry => Some(ledger().entry),
        Id::FreshDraft => {
            let (id, v) = new_entry(app, &f.admin, true, false, "draft").await;
            entry_version = v;
            Some(id)
        }
        Id::FreshPending => Some(
            new_entry(app, &ledger().lead, false, true, "pending")
                .await
                .0,
        ),
        Id::FreshPosted => Some(new_entry(app, &f.admin, false, false, "posted").await.0),
        // work: notifications
        Id::OwnNotification => Some(own_notification(app, &caller.token_maker).await),
        Id::DeadJob => Some(dead_job(app).await),
        // work: cases
        Id::FrontOfficeCase => Some(front_office_case(app).await),
        // work: approvals
        Id::EmployeeApproval => Some(employee_approval(app).await),
        Id::FreshPolicy => Some(fresh_policy(app).await),
        Id::AdminDelegation => Some(admin_delegation(app, f.target).await),
        Id::FreshDepartment => Some(fresh_department(app).await),
        // work: tasks
        Id::FreshTask => Some(fresh_task(app, &f.admin).await),
        Id::TaskTemplate => Some(task_template(app, &f.admin).await),
        Id::FreshTaskRule => Some(fresh_task_rule(app, &f.admin).await),
        // hr: lifecycle
        Id::FreshEmployee => Some(fresh_employee(app).await),
        Id::FreshReturnItem => Some(fresh_return_item(app, &f.admin).await),
        // hr: locations
        Id::FreshLocation => Some(fresh_location(app).await),
        Id::FreshCalendar => Some(fresh_calendar(app).await),
        // billing
        Id::Party => Some(ledger().customer),
        Id::TaxCode => Some(ledger().tax_code),
        Id::FreshInvoice => Some(billing::invoice(app, &f.admin, ledger().customer, false).await),
        Id::PostedInvoice => Some(billing::invoice(app, &f.admin, ledger().customer, true).await),
        Id::Payment => Some(billing::payment(app, &f.admin, ledger().customer).await),
        Id::FreshRecurring => Some(billing::recurring(app, &f.admin, ledger().customer).await),
        // bank
        Id::BankAccount => Some(ledger().bank_account),
        Id::BankStatement => Some(ledger().bank_statement),
        Id::FreshMapping => Some(bank::fresh_mapping(app, &f.admin).await),
        Id::FreshBankLine => {
            Some(bank::fresh_line(app, &f.admin, ledger().bank_account, false).await)
        }
        Id::MatchedBankLine => {
            Some(bank::fresh_line(app, &f.admin, ledger().bank_account, true).await)
        }
        // it
        Id::ItCategory => Some(itf().category),
        Id::ItModel => Some(itf().model),
        Id::ItAsset => Some(itf().asset),
        Id::FreshItAsset => Some(it::fresh_asset(app, &f.admin, itf().model).await),
        Id::LentItAsset => Some(it::lent_asset(app, &f.admin, itf().model, itf().employee).await),
        Id::Lic(i) => Some(it_licences::id(app, f, i).await),
        Id::ItSite => Some(itf().site),
        Id::ItNetwork => Some(itf().network),
        Id::FreshItChange => Some(it::fresh_change(app, &f.admin).await),
        Id::ItSchedule => Some(itf().schedule),
        Id::ItTicketCategory => Some(itf().ticket_category),
        Id::ItTicketGroup => Some(itf().ticket_group),
        Id::ItArticle => Some(itf().article),
        Id::FreshItTicket => Some(it::fresh_ticket(app, &f.admin).await),
        Id::Rec(i) => Some(records::id(app, f, i).await),
    };
    let mut path = r
        .path
        .replace("{month}", MATRIX_MONTH)
        .replace("{year}", MATRIX_YEAR)
        .replace("{kind}", MATRIX_REPORT);
    if let Some(id) = id {
        path = path.replace("{id}", &id.to_string());
        // it: an address given in the network, a change's checklist item
        if path.contains("{address_id}") {
            let a = it::fresh_address(app, &f.admin, id).await;
            path = path.replace("{address_id}", &a.to_string());
        }
        if path.contains("{field_id}") {
            let i = it::fresh_field(app, &f.admin, id).await;
            path = path.replace("{field_id}", &i.to_string());
        }
        if path.contains("{item_id}") {
            let i = it::first_item(app, &f.admin, id).await;
            path = path.replace("{item_id}", &i.to_string());
        }
        // work: tasks
        if path.contains("{item}") {
            path = path.replace("{item}", &task_item(app, &f.admin, id).await.to_string());
        }
    }
    assert!(!path.contains('{'), "{} needs an id", r.path);
    let version = match r.body {
        Body::UserPatch => user_version(f, app, f.target).await,
        Body::AccountPatch => account_version(&f.admin, app, ledger().account).await,
        Body::LedgerSettings => ledger_settings_version(&f.admin, app).await,
        Body::DraftUpdate => entry_version,
        // work: cases
        Body::CaseSla => case_sla_version(&f.admin, app).await,
        Body::Delegation => f.target,
        // work: tasks
        Body::TaskReassign => f.target,
        // billing
        Body::NewInvoice
        | Body::InvoiceUpdate
        | Body::InvoiceBatch
        | Body::NewPayment
        | Body::BankMatch => ledger().customer,
        Body::NewRecurring => billing::invoice(app, &f.admin, ledger().customer, true).await,
        // it
        Body::NewItModel | Body::ItModelUpdate => itf().category,
        Body::NewItAsset => itf().model,
        Body::ItCheckout => itf().employee,
        Body::Lic(b) => it_licences::version(app, f, b).await,
        Body::Rec(b) => records::version(f, b),
        Body::NewItNetwork | Body::ItNetworkUpdate => itf().site,
        Body::ItTicketAsset => itf().asset,
        Body::ItTicketArticle => itf().article,
        _ => 0,
    };
    let method = reqwest::Method::from_bytes(r.method.as_bytes()).expect("method");
    let mut req = caller.client.request(method, app.url(&path));
    if let Some(b) = json_body(r.body, version) {
        req = req.json(&b);
    }
    if let Body::ImportCsv = r.body {
        let n = unique();
        req = req.header("content-type", "text/csv").body(format!(
            "username,email,display_name,roles\nimp{n},imp{n}@acme.example,Imported {n},employee\n"
        ));
    }
    if let Body::PartiesCsv = r.body {
        let n = unique();
        req = req
            .header("content-type", "text/csv")
            .body(format!("name,customer\nMatrix import {n},yes\n"));
    }
    if let Body::JournalImport = r.body {
        let n = unique();
        let journal = format!(
            "2026-03-05 Matrix import {n}\n    Expenses:Office    10.00 EUR\n    Assets:Cash\n"
        );
        let form = reqwest::multipart::Form::new()
            .text("format", "hledger")
            .part(
                "file",
                reqwest::multipart::Part::bytes(journal.into_bytes()).file_name("matrix.journal"),
            );
        req = req.multipart(form);
    }
    if let Body::ItAssetsCsv = r.body {
        let n = unique();
        req = req
            .header("content-type", "text/csv")
            .body(format!("model,serial\nMatrix kept model,MX-{n}\n"));
    }
    if let Body::StatementUpload = r.body {
        req = req.multipart(bank::upload());
    }
    if let Body::Rec(b) = r.body {
        if let Some(form) = records::multipart(b, version) {
            req = req.multipart(form);
        }
    }
    let resp = req.send().await.expect("request");
    resp.status().as_u16()
}

fn check_coverage(routes: &BTreeSet<(String, String)>) {
    let rows = table();
    let table: BTreeSet<(String, String)> = rows
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    assert_eq!(table.len(), rows.len(), "the table lists a route twice");
    let missing: Vec<_> = routes.difference(&table).collect();
    assert!(
        missing.is_empty(),
        "API routes without a row in the role matrix (add one to the domain's ROWS in tests/tests/role_matrix/): {missing:?}"
    );
    let stale: Vec<_> = table.difference(routes).collect();
    assert!(
        stale.is_empty(),
        "rows in the role matrix for routes the API no longer has: {stale:?}"
    );
}

both_databases!(
    every_route_has_a_row_and_each_role_gets_it,
    |db| async move {
        let app = spawn_app(db).await;
        let routes = openapi_routes(&app).await;
        check_coverage(&routes);

        // One user per built-in role (the admin exists), and a user to act on.
        for role in ROLES.iter().skip(1) {
            add_user(&app.store, app.company, role, PASSWORD, &[role]).await;
        }
        let target = add_user(&app.store, app.company, "target", PASSWORD, &["employee"]).await;
        let admin_token = app.token(ADMIN, ADMIN_PASSWORD, false).await;
        let admin = app.api(&admin_token);
        let custom_role = new_role(&admin, &app).await;
        let ledger = ledger_fixture(&app, &admin).await;
        let it = it::fixture(&app, &admin).await;
        let licences = it_licences::fixture(&app, &admin).await;
        let records = records::fixture(&app, &admin).await;
        let f = Fixture {
            admin: admin.clone(),
            target: target.0,
            custom_role,
            ledger: Some(ledger),
            it: Some(it),
            licences: Some(licences),
            records: Some(records),
        };

        // Bearer tokens: anonymous, every role, and a read-only admin token.
        let mut callers = vec![Caller {
            label: "anonymous".into(),
            client: reqwest::Client::new(),
            token_maker: admin.clone(),
            column: 0,
        }];
        for (i, role) in ROLES.iter().enumerate() {
            let (user, pw) = if *role == "admin" {
                (ADMIN, ADMIN_PASSWORD)
            } else {
                (*role, PASSWORD)
            };
            let t = app.token(user, pw, false).await;
            callers.push(Caller {
                label: format!("{role} (token)"),
                client: app.api(&t),
                token_maker: app.api(&t),
                column: i + 1,
            });
        }
        let ro = app.token(ADMIN, ADMIN_PASSWORD, true).await;
        callers.push(Caller {
            label: "admin (read-only token)".into(),
            client: app.api(&ro),
            token_maker: admin.clone(),
            column: 9,
        });
        // The same through a browser session (cookie and same-origin header) for every role.
        for (i, role) in ROLES.iter().enumerate() {
            let (user, pw) = if *role == "admin" {
                (ADMIN, ADMIN_PASSWORD)
            } else {
                (*role, PASSWORD)
            };
            let c = app.signed_in(user, pw).await;
            callers.push(Caller {
                label: format!("{role} (session)"),
                client: c.clone(),
                token_maker: c,
                column: i + 1,
            });
        }

        let mut wrong = Vec::new();
        let mut checked = 0;
        for r in table() {
            for caller in &callers {
                let got = class(call(&app, &f, caller, r).await);
                let want = r.expect[caller.column];
                checked += 1;
                if got != want {
                    wrong.push(format!(
                        "{} {} as {}: expected {want}, got {got}",
                        r.method, r.path, caller.label
                    ));
                }
            }
        }
        // The IT technician (not a column): licence writes refused, the rest allowed.
        wrong.extend(it_licences::technician_pass(&app, &f).await);
        assert!(
            wrong.is_empty(),
            "{} of {checked} requests got an unexpected status:\n{}",
            wrong.len(),
            wrong.join("\n")
        );
        assert_eq!(checked, table().len() * 18);
    }
);

/// Changing an account (password, e-mail, name, enabled state) changes it in every company
/// it belongs to, so it needs every grant the account holds, everywhere: one row per case.
/// `shared` is an employee here and the admin of another company; `helpdesk` holds a custom
/// role with `users.update` (and the employee role); `plain` is an employee here only.
#[rustfmt::skip]
const ACCOUNT_ROWS: &[(&str, &str, &str, &str, &str)] = &[
    // method   path                            caller      target    expect
    ("POST",  "/api/v1/users/{id}/password",  "admin",    "shared", "403"),
    ("PATCH", "/api/v1/users/{id}",           "admin",    "shared", "403"),
    ("POST",  "/api/v1/users/{id}/disable",   "admin",    "shared", "403"),
    ("POST",  "/api/v1/users/{id}/enable",    "admin",    "shared", "403"),
    ("POST",  "/api/v1/users/{id}/password",  "helpdesk", "admin",  "403"),
    ("PATCH", "/api/v1/users/{id}",           "helpdesk", "admin",  "403"),
    ("POST",  "/api/v1/users/{id}/disable",   "helpdesk", "admin",  "403"),
    ("POST",  "/api/v1/users/{id}/password",  "helpdesk", "plain",  "2xx"),
    ("PATCH", "/api/v1/users/{id}",           "helpdesk", "plain",  "2xx"),
    ("POST",  "/api/v1/users/{id}/password",  "admin",    "plain",  "2xx"),
    ("POST",  "/api/v1/users/{id}/disable",   "admin",    "plain",  "2xx"),
];

both_databases!(
    account_changes_need_every_grant_the_account_holds,
    |db| async move {
        let app = spawn_app(db).await;
        let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
        let r = admin
            .post(app.url("/api/v1/roles"))
            .json(&json!({"key": "helpdesk", "name": "Helpdesk",
            "grants": [{"domain": "users", "action": "read", "scope": "company"},
                       {"domain": "users", "action": "update", "scope": "company"}]}))
            .send()
            .await
            .expect("role");
        assert_eq!(r.status(), 201);
        add_user(
            &app.store,
            app.company,
            "helpdesk",
            PASSWORD,
            &["employee", "helpdesk"],
        )
        .await;
        let plain = add_user(&app.store, app.company, "plain", PASSWORD, &["employee"]).await;
        let shared = add_user(&app.store, app.company, "shared", PASSWORD, &["employee"]).await;
        let b = create_company(&app.store, "test", "Other", "EUR")
            .await
            .expect("company B");
        let audit = || {
            steward_core::audit::AuditDraft::system(
                "test",
                None,
                "membership",
                None,
                "add",
                json!({}),
            )
        };
        app.store
            .add_membership(shared, b, audit())
            .await
            .expect("membership in B");
        let b_admin: Vec<RoleId> = app
            .store
            .role_ids(b, &["admin".to_string()])
            .await
            .expect("roles")
            .into_iter()
            .map(|(_, id)| id)
            .collect();
        app.store
            .set_user_roles(b, shared, &b_admin, audit())
            .await
            .expect("shared is B's admin");
        let helpdesk = app.api(&app.token("helpdesk", PASSWORD, false).await);
        let mut wrong = Vec::new();
        for (method, path, caller, target, expect) in ACCOUNT_ROWS {
            let id = match *target {
                "shared" => shared.0,
                "plain" => plain.0,
                _ => app.admin.0,
            };
            let client = if *caller == "admin" {
                &admin
            } else {
                &helpdesk
            };
            let url = app.url(&path.replace("{id}", &id.to_string()));
            let n = unique();
            let req = match *method {
                "PATCH" => {
                    let version = admin
                        .get(app.url(&format!("/api/v1/users/{id}")))
                        .send()
                        .await
                        .expect("get")
                        .json::<Value>()
                        .await
                        .expect("json")["version"]
                        .as_i64()
                        .expect("version");
                    client.patch(url).json(
                        &json!({"email": format!("taken{n}@attacker.example"), "version": version}),
                    )
                }
                _ if path.ends_with("/password") => client
                    .post(url)
                    .json(&json!({"password": format!("taken over with this {n}")})),
                _ => client.post(url),
            };
            let got = class(req.send().await.expect("request").status().as_u16());
            if got != *expect {
                wrong.push(format!(
                    "{method} {path} by {caller} on {target}: expected {expect}, got {got}"
                ));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        // Nobody's sign-in was taken: the shared account and the admin still sign in.
        app.signed_in("shared", PASSWORD).await;
        app.signed_in(ADMIN, ADMIN_PASSWORD).await;
    }
);

/// Personal data and pay are grants of their own (`hr_personal`, `hr_pay`), not part of
/// `hr.update`: one row per caller on an employee's record (API keys present or absent) and
/// on adding pay. `hr_helper` is a custom role with HR read, create and update at company
/// scope only; `self` is the employee, `colleague` another employee.
#[rustfmt::skip]
const PERSONAL_PAY_ROWS: &[(&str, bool, bool, &str)] = &[
    // caller       personal  pay    POST contracts
    ("admin",       true,     true,  "2xx"),
    ("hr_lead",     true,     true,  "2xx"),
    ("hr_clerk",    true,     false, "403"),
    ("hr_helper",   false,    false, "403"),
    ("auditor",     false,    false, "403"),
    ("self",        true,     true,  "403"),
    ("colleague",   false,    false, "403"),
];

both_databases!(
    personal_data_and_pay_take_their_own_grants,
    |db| async move {
        let app = spawn_app(db).await;
        let admin = app.api(&app.token(ADMIN, ADMIN_PASSWORD, false).await);
        let g = |a: &str| json!({"domain": "hr", "action": a, "scope": "company"});
        let r = admin
            .post(app.url("/api/v1/roles"))
            .json(&json!({"key": "hr_helper", "name": "HR helper",
            "grants": [g("read"), g("create"), g("update")]}))
            .send()
            .await
            .expect("role");
        assert_eq!(r.status(), 201);
        for (user, role) in [
            ("hr_lead", "hr_lead"),
            ("hr_clerk", "hr_clerk"),
            ("hr_helper", "hr_helper"),
            ("auditor", "auditor"),
            ("colleague", "employee"),
        ] {
            add_user(&app.store, app.company, user, PASSWORD, &[role]).await;
        }
        let me = add_user(&app.store, app.company, "self", PASSWORD, &["employee"]).await;
        let r = admin
            .post(app.url("/api/v1/hr/employees"))
            .json(
                &json!({"employee_number": "PP1", "legal_name": "Pat Private",
            "start_date": "2024-01-01", "user_id": me.0, "national_id": "NAT-PP",
            "contract": {"effective_date": "2024-01-01", "contract_type": "permanent",
                         "pay": "50000.00", "currency": "EUR", "frequency": "year"}}),
            )
            .send()
            .await
            .expect("hire");
        assert_eq!(r.status(), 201);
        let id = r.json::<Value>().await.expect("json")["id"]
            .as_i64()
            .expect("id");
        let mut wrong = Vec::new();
        for (caller, personal, pay, post) in PERSONAL_PAY_ROWS {
            let c = if *caller == "admin" {
                admin.clone()
            } else {
                app.api(&app.token(caller, PASSWORD, false).await)
            };
            let e: Value = c
                .get(app.url(&format!("/api/v1/hr/employees/{id}")))
                .send()
                .await
                .expect("get")
                .json()
                .await
                .expect("json");
            if e.get("national_id").is_some() != *personal {
                wrong.push(format!(
                    "{caller}: national_id present should be {personal}: {e}"
                ));
            }
            if e.get("contract").is_some() != *pay {
                wrong.push(format!("{caller}: contract present should be {pay}: {e}"));
            }
            let r = c
                .post(app.url(&format!("/api/v1/hr/employees/{id}/contracts")))
                .json(
                    &json!({"effective_date": "2025-01-01", "contract_type": "permanent",
                "pay": "51000.00", "currency": "EUR", "frequency": "year"}),
                )
                .send()
                .await
                .expect("contract");
            let got = class(r.status().as_u16());
            if got != *post {
                wrong.push(format!(
                    "POST contracts by {caller}: expected {post}, got {got}"
                ));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }
);
