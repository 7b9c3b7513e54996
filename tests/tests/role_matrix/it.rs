//! IT: asset categories, models, assets, check-out and check-in; the helpdesk. A new route of this domain
//! gets its row here. IT's staff (the IT lead, the admin) write; the auditor and read-only
//! tokens read everything; everyone else reads the catalog and the assets they hold (the
//! kept asset is nobody's: 404 to them).
use super::*;

/// What everyone reads (the catalog; a list of the assets each may see).
#[rustfmt::skip]
const IT_READS: Expect = EVERYONE_READS;
/// IT's writes: the admin and the IT lead, not through a read-only token.
#[rustfmt::skip]
const IT_WRITES: Expect = [
    "401", "2xx", "403", "403", "2xx", "403", "403", "403", "403", "403",
];
/// An asset nobody holds: IT's staff and the auditor read it; anyone else does not see it.
#[rustfmt::skip]
const IT_ASSET_READS: Expect = [
    "401", "2xx", "404", "404", "2xx", "404", "404", "404", "2xx", "2xx",
];
/// Someone else's assets: IT's staff and the auditor.
#[rustfmt::skip]
const IT_STAFF_READS: Expect = [
    "401", "2xx", "403", "403", "2xx", "403", "403", "403", "2xx", "2xx",
];

/// Adding a file to an asset nobody holds: IT's staff get past authorization to the
/// missing file (422); the auditor and a read-only token see the asset but may not add;
/// anyone else does not see it.
#[rustfmt::skip]
const IT_ATTACH: Expect = [
    "401", "422", "404", "404", "422", "404", "404", "404", "403", "403",
];

/// Confirming receipt of an asset lent to someone else: only its holder may (none of the
/// matrix's users): IT's staff and the auditor see it but may not; anyone else does not see it.
#[rustfmt::skip]
const IT_HOLDER_ONLY: Expect = [
    "401", "403", "404", "404", "403", "404", "404", "404", "403", "403",
];
/// IT's writes the input refuses for the caller who may write (a draft's checklist is
/// ticked only once the change is approved: 422).
#[rustfmt::skip]
const IT_WRITES_REFUSED: Expect = [
    "401", "422", "403", "403", "422", "403", "403", "403", "403", "403",
];
/// A ticket the admin raised: IT's staff and the auditor see it, anyone else does not.
#[rustfmt::skip]
const IT_TICKET_READS: Expect = IT_ASSET_READS;
/// Working the admin's ticket: technicians (the admin, the IT lead); the auditor and a
/// read-only token see it but may not act; anyone else does not see it.
#[rustfmt::skip]
const IT_TICKET_WORK: Expect = [
    "401", "2xx", "404", "404", "2xx", "404", "404", "404", "403", "403",
];
/// Reopening a ticket that is open: technicians get past authorization to the conflict.
#[rustfmt::skip]
const IT_TICKET_REOPEN: Expect = [
    "401", "409", "404", "404", "409", "404", "404", "404", "403", "403",
];
/// Rating: the requester only (the admin), and not while the ticket is open.
#[rustfmt::skip]
const IT_TICKET_RATE: Expect = [
    "401", "409", "404", "404", "403", "404", "404", "404", "403", "403",
];
/// Raising a ticket: every employee for themselves; not the auditor, not read-only.
#[rustfmt::skip]
const IT_TICKET_RAISE: Expect = [
    "401", "2xx", "2xx", "2xx", "2xx", "2xx", "2xx", "2xx", "403", "403",
];

/// Booking an asset or every asset: whoever posts to the books (the admin, the accountant)
/// gets past authorization to the account the body names, which does not exist (422).
#[rustfmt::skip]
const IT_BOOK: Expect = [
    "401", "422", "422", "403", "403", "403", "403", "403", "403", "403",
];
/// Disposing of an asset that is not in the books: who posts to the books and changes IT's
/// assets (the admin) gets past authorization to the conflict (409).
#[rustfmt::skip]
const IT_DISPOSE: Expect = [
    "401", "409", "403", "403", "403", "403", "403", "403", "403", "403",
];

#[rustfmt::skip]
pub(super) const ROWS: &[Row] = &[
    // Assets in the books: the ledger's readers read, its writers post.
    row("GET",    "/api/v1/it/books/categories",          Id::None,          Body::None,           LEDGER_READS),
    row("PUT",    "/api/v1/it/books/categories/{id}",     Id::ItCategory,    Body::ItBookAccounts, LEDGER_WRITES),
    row("POST",   "/api/v1/it/books/book-all",            Id::None,          Body::ItBookAll,      IT_BOOK),
    row("GET",    "/api/v1/it/assets/{id}/books",         Id::ItAsset,       Body::None,           LEDGER_READS),
    row("POST",   "/api/v1/it/assets/{id}/book",          Id::FreshItAsset,  Body::ItBook,         IT_BOOK),
    row("POST",   "/api/v1/it/assets/{id}/dispose",       Id::ItAsset,       Body::ItDispose,      IT_DISPOSE),
    row("GET",    "/api/v1/it/depreciation-runs",         Id::None,          Body::None,           LEDGER_READS),
    row("POST",   "/api/v1/it/depreciation-runs",         Id::None,          Body::ItDepreciationRun, LEDGER_WRITES),
    row("GET",    "/api/v1/it/tickets",                   Id::None,          Body::None,           IT_READS),
    row("POST",   "/api/v1/it/tickets",                   Id::None,          Body::NewItTicket,    IT_TICKET_RAISE),
    row("GET",    "/api/v1/it/tickets/{id}",              Id::FreshItTicket, Body::None,           IT_TICKET_READS),
    row("GET",    "/api/v1/it/tickets/{id}/links",        Id::FreshItTicket, Body::None,           IT_TICKET_READS),
    row("GET",    "/api/v1/it/tickets/{id}/messages",     Id::FreshItTicket, Body::None,           IT_TICKET_READS),
    row("POST",   "/api/v1/it/tickets/{id}/replies",      Id::FreshItTicket, Body::ItTicketText,   IT_TICKET_WORK),
    row("POST",   "/api/v1/it/tickets/{id}/notes",        Id::FreshItTicket, Body::ItTicketText,   IT_TICKET_WORK),
    row("POST",   "/api/v1/it/tickets/{id}/assign",       Id::FreshItTicket, Body::ItTicketAssign, IT_TICKET_WORK),
    row("POST",   "/api/v1/it/tickets/{id}/status",       Id::FreshItTicket, Body::ItTicketStatus, IT_TICKET_WORK),
    row("POST",   "/api/v1/it/tickets/{id}/priority",     Id::FreshItTicket, Body::ItTicketPriority, IT_TICKET_WORK),
    row("POST",   "/api/v1/it/tickets/{id}/reopen",       Id::FreshItTicket, Body::ItTicketReopen, IT_TICKET_REOPEN),
    row("POST",   "/api/v1/it/tickets/{id}/rating",       Id::FreshItTicket, Body::ItTicketRating, IT_TICKET_RATE),
    row("POST",   "/api/v1/it/tickets/{id}/assets",       Id::FreshItTicket, Body::ItTicketAsset,  IT_TICKET_WORK),
    row("POST",   "/api/v1/it/tickets/{id}/articles",     Id::FreshItTicket, Body::ItTicketArticle, IT_TICKET_WORK),
    row("GET",    "/api/v1/it/ticket-categories",         Id::None,          Body::None,           IT_READS),
    row("POST",   "/api/v1/it/ticket-categories",         Id::None,          Body::NewItTicketCategory, IT_WRITES),
    row("PUT",    "/api/v1/it/ticket-categories/{id}",    Id::ItTicketCategory, Body::ItTicketCategoryUpdate, IT_WRITES),
    row("GET",    "/api/v1/it/ticket-groups",             Id::None,          Body::None,           IT_STAFF_READS),
    row("POST",   "/api/v1/it/ticket-groups",             Id::None,          Body::NewItTicketGroup, IT_WRITES),
    row("PUT",    "/api/v1/it/ticket-groups/{id}",        Id::ItTicketGroup, Body::ItTicketGroupUpdate, IT_WRITES),
    row("GET",    "/api/v1/it/technicians",               Id::None,          Body::None,           IT_STAFF_READS),
    row("GET",    "/api/v1/it/helpdesk/sla",              Id::None,          Body::None,           IT_STAFF_READS),
    row("PUT",    "/api/v1/it/helpdesk/sla",              Id::None,          Body::ItHelpdeskSla,  IT_WRITES),
    row("GET",    "/api/v1/it/helpdesk/report",           Id::None,          Body::None,           IT_STAFF_READS),
    row("GET",    "/api/v1/it/kb",                        Id::None,          Body::None,           IT_READS),
    row("POST",   "/api/v1/it/kb",                        Id::None,          Body::NewItArticle,   IT_WRITES),
    row("GET",    "/api/v1/it/kb/{id}",                   Id::ItArticle,     Body::None,           IT_READS),
    row("PUT",    "/api/v1/it/kb/{id}",                   Id::ItArticle,     Body::ItArticleUpdate, IT_WRITES),
    row("GET",    "/api/v1/it/categories",                Id::None,          Body::None,           IT_READS),
    row("POST",   "/api/v1/it/categories",                Id::None,          Body::NewItCategory,  IT_WRITES),
    row("PUT",    "/api/v1/it/categories/{id}",           Id::ItCategory,    Body::ItCategoryUpdate, IT_WRITES),
    // Custom fields of a category: read with the catalog, defined by who changes categories.
    row("GET",    "/api/v1/it/categories/{id}/fields",    Id::ItCategory,    Body::None,           IT_READS),
    row("POST",   "/api/v1/it/categories/{id}/fields",    Id::ItCategory,    Body::NewItCategoryField, IT_WRITES),
    row("PUT",    "/api/v1/it/categories/{id}/fields/{field_id}", Id::ItCategory, Body::ItCategoryFieldUpdate, IT_WRITES),
    row("GET",    "/api/v1/it/models",                    Id::None,          Body::None,           IT_READS),
    row("POST",   "/api/v1/it/models",                    Id::None,          Body::NewItModel,     IT_WRITES),
    row("GET",    "/api/v1/it/models/{id}",               Id::ItModel,       Body::None,           IT_READS),
    row("PUT",    "/api/v1/it/models/{id}",               Id::ItModel,       Body::ItModelUpdate,  IT_WRITES),
    row("GET",    "/api/v1/it/assets",                    Id::None,          Body::None,           IT_READS),
    row("POST",   "/api/v1/it/assets",                    Id::None,          Body::NewItAsset,     IT_WRITES),
    row("POST",   "/api/v1/it/assets/import",             Id::None,          Body::ItAssetsCsv,    IT_WRITES),
    row("GET",    "/api/v1/it/assets/{id}",               Id::ItAsset,       Body::None,           IT_ASSET_READS),
    row("PUT",    "/api/v1/it/assets/{id}",               Id::ItAsset,       Body::NewItAsset,     IT_WRITES),
    row("GET",    "/api/v1/it/assets/{id}/history",       Id::ItAsset,       Body::None,           IT_ASSET_READS),
    row("GET",    "/api/v1/it/assets/{id}/checked-out",   Id::ItAsset,       Body::None,           IT_ASSET_READS),
    row("GET",    "/api/v1/it/assets/{id}/depreciation",  Id::ItAsset,       Body::None,           IT_ASSET_READS),
    // Photos and files: who sees the asset sees them; IT's staff add (no file sent: 422).
    row("GET",    "/api/v1/it/assets/{id}/attachments",   Id::ItAsset,       Body::None,           IT_ASSET_READS),
    row("POST",   "/api/v1/it/assets/{id}/attachments",   Id::ItAsset,       Body::None,           IT_ATTACH),
    row("POST",   "/api/v1/it/assets/{id}/check-out",     Id::FreshItAsset,  Body::ItCheckout,     IT_WRITES),
    row("POST",   "/api/v1/it/assets/{id}/check-in",      Id::LentItAsset,   Body::ItCheckin,      IT_WRITES),
    row("POST",   "/api/v1/it/assets/{id}/acknowledge",   Id::LentItAsset,   Body::None,           IT_HOLDER_ONLY),
    row("GET",    "/api/v1/it/employees/{id}/assets",     Id::FreshEmployee, Body::None,           IT_STAFF_READS),
    row("GET",    "/api/v1/it/employees/{id}/history",    Id::FreshEmployee, Body::None,           IT_STAFF_READS),
    // Networks, planned changes and maintenance: IT's staff only (the auditor reads).
    row("GET",    "/api/v1/it/sites",                     Id::None,          Body::None,           IT_STAFF_READS),
    row("POST",   "/api/v1/it/sites",                     Id::None,          Body::NewItSite,      IT_WRITES),
    row("GET",    "/api/v1/it/sites/{id}",                Id::ItSite,        Body::None,           IT_STAFF_READS),
    row("PUT",    "/api/v1/it/sites/{id}",                Id::ItSite,        Body::ItSiteUpdate,   IT_WRITES),
    row("GET",    "/api/v1/it/networks",                  Id::None,          Body::None,           IT_STAFF_READS),
    row("POST",   "/api/v1/it/networks",                  Id::None,          Body::NewItNetwork,   IT_WRITES),
    row("GET",    "/api/v1/it/networks/{id}",             Id::ItNetwork,     Body::None,           IT_STAFF_READS),
    row("PUT",    "/api/v1/it/networks/{id}",             Id::ItNetwork,     Body::ItNetworkUpdate, IT_WRITES),
    row("GET",    "/api/v1/it/networks/{id}/addresses",   Id::ItNetwork,     Body::None,           IT_STAFF_READS),
    // Technicians give addresses too (it_technician holds it.create; not a column here,
    // tests/tests/it_networks_api.rs covers it).
    row("POST",   "/api/v1/it/networks/{id}/addresses",   Id::ItNetwork,     Body::NewItAddress,   IT_WRITES),
    row("DELETE", "/api/v1/it/networks/{id}/addresses/{address_id}", Id::ItNetwork, Body::None,    IT_WRITES),
    row("GET",    "/api/v1/it/assets/{id}/addresses",     Id::ItAsset,       Body::None,           IT_STAFF_READS),
    row("GET",    "/api/v1/it/changes",                   Id::None,          Body::None,           IT_STAFF_READS),
    row("POST",   "/api/v1/it/changes",                   Id::None,          Body::ItChange,       IT_WRITES),
    row("GET",    "/api/v1/it/changes/{id}",              Id::FreshItChange, Body::None,           IT_STAFF_READS),
    row("PUT",    "/api/v1/it/changes/{id}",              Id::FreshItChange, Body::ItChange,       IT_WRITES),
    // Submitting asks the approvals inbox; who decides is the inbox's (its own rows).
    row("POST",   "/api/v1/it/changes/{id}/submit",       Id::FreshItChange, Body::None,           IT_WRITES),
    row("POST",   "/api/v1/it/changes/{id}/status",       Id::FreshItChange, Body::ItChangeCancel, IT_WRITES),
    row("POST",   "/api/v1/it/changes/{id}/checklist/{item_id}", Id::FreshItChange, Body::ItTick,  IT_WRITES_REFUSED),
    row("GET",    "/api/v1/it/maintenance",               Id::None,          Body::None,           IT_STAFF_READS),
    row("POST",   "/api/v1/it/maintenance",               Id::None,          Body::ItSchedule,     IT_WRITES),
    row("GET",    "/api/v1/it/maintenance/{id}",          Id::ItSchedule,    Body::None,           IT_STAFF_READS),
    row("PUT",    "/api/v1/it/maintenance/{id}",          Id::ItSchedule,    Body::ItSchedule,     IT_WRITES),
    row("GET",    "/api/v1/it/maintenance/{id}/log",      Id::ItSchedule,    Body::None,           IT_STAFF_READS),
    row("POST",   "/api/v1/it/maintenance/{id}/log",      Id::ItSchedule,    Body::ItLog,          IT_WRITES),
];

/// The kept network's block.
pub(super) const KEPT_CIDR: &str = "172.16.0.0/16";

/// A planned change's body.
pub(super) fn change_body(n: u64) -> Value {
    json!({"title": format!("Matrix change {n}"), "window_start": "2030-01-10T22:00",
        "window_end": "2030-01-11T02:00", "risk": "low", "checklist": ["Back up"]})
}

/// A maintenance schedule's body.
pub(super) fn schedule_body() -> Value {
    json!({"title": "Matrix schedule", "rule": "FREQ=MONTHLY;BYMONTHDAY=1",
        "starts_on": "2026-01-01"})
}

/// A draft change made for the request.
pub(super) async fn fresh_change(app: &TestApp, admin: &reqwest::Client) -> i64 {
    created(
        admin
            .post(app.url("/api/v1/it/changes"))
            .json(&change_body(unique()))
            .send()
            .await
            .expect("change"),
    )
    .await
}

/// An address given in `network` for the request.
pub(super) async fn fresh_address(app: &TestApp, admin: &reqwest::Client, network: i64) -> i64 {
    created(
        admin
            .post(app.url(&format!("/api/v1/it/networks/{network}/addresses")))
            .json(&json!({"hostname": format!("fresh-{}", unique())}))
            .send()
            .await
            .expect("address"),
    )
    .await
}

/// The first checklist item of `change`.
pub(super) async fn first_item(app: &TestApp, admin: &reqwest::Client, change: i64) -> i64 {
    let v: Value = admin
        .get(app.url(&format!("/api/v1/it/changes/{change}")))
        .send()
        .await
        .expect("change")
        .json()
        .await
        .expect("json");
    v["checklist"][0]["id"].as_i64().expect("an item")
}

/// A fresh (optional, text) custom field of category `category`.
pub(super) async fn fresh_field(app: &TestApp, admin: &reqwest::Client, category: i64) -> i64 {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    created(
        admin
            .post(app.url(&format!("/api/v1/it/categories/{category}/fields")))
            .json(&json!({"key": format!("fresh_{n}"), "label": format!("Fresh {n}"), "kind": "text"}))
            .send()
            .await
            .expect("field"),
    )
    .await
}

/// What the IT rows act on: a category, a model, an asset nobody holds and an employee to
/// lend to, kept.
pub(super) struct ItFixture {
    pub category: i64,
    pub model: i64,
    pub asset: i64,
    pub employee: i64,
    pub site: i64,
    pub network: i64,
    pub schedule: i64,
    pub ticket_category: i64,
    pub ticket_group: i64,
    pub article: i64,
}

async fn created(r: reqwest::Response) -> i64 {
    assert_eq!(r.status(), 201, "the IT fixture is made");
    r.json::<Value>().await.expect("json")["id"]
        .as_i64()
        .expect("id")
}

pub(super) async fn fixture(app: &TestApp, admin: &reqwest::Client) -> ItFixture {
    let category = created(
        admin
            .post(app.url("/api/v1/it/categories"))
            .json(&json!({"name": "Matrix kept category"}))
            .send()
            .await
            .expect("category"),
    )
    .await;
    let model = created(
        admin
            .post(app.url("/api/v1/it/models"))
            .json(&json!({"name": "Matrix kept model", "category_id": category, "depreciation": "none"}))
            .send()
            .await
            .expect("model"),
    )
    .await;
    let asset = fresh_asset(app, admin, model).await;
    let employee = fresh_employee(app).await;
    let site = created(
        admin
            .post(app.url("/api/v1/it/sites"))
            .json(&json!({"name": "Matrix kept site"}))
            .send()
            .await
            .expect("site"),
    )
    .await;
    let network = created(
        admin
            .post(app.url("/api/v1/it/networks"))
            .json(&json!({"site_id": site, "name": "Matrix kept network", "cidr": KEPT_CIDR}))
            .send()
            .await
            .expect("network"),
    )
    .await;
    let schedule = created(
        admin
            .post(app.url("/api/v1/it/maintenance"))
            .json(&schedule_body())
            .send()
            .await
            .expect("schedule"),
    )
    .await;
    let ticket_category = created(
        admin
            .post(app.url("/api/v1/it/ticket-categories"))
            .json(&json!({"name": "Matrix kept ticket category"}))
            .send()
            .await
            .expect("ticket category"),
    )
    .await;
    let ticket_group = created(
        admin
            .post(app.url("/api/v1/it/ticket-groups"))
            .json(&json!({"name": "Matrix kept group"}))
            .send()
            .await
            .expect("ticket group"),
    )
    .await;
    let article = created(
        admin
            .post(app.url("/api/v1/it/kb"))
            .json(&json!({"title": "Matrix kept article", "body": "x", "published": true}))
            .send()
            .await
            .expect("article"),
    )
    .await;
    ItFixture {
        category,
        model,
        asset,
        employee,
        site,
        network,
        schedule,
        ticket_category,
        ticket_group,
        article,
    }
}

/// A ticket the admin raises for the request.
pub(super) async fn fresh_ticket(app: &TestApp, admin: &reqwest::Client) -> i64 {
    created(
        admin
            .post(app.url("/api/v1/it/tickets"))
            .json(&json!({"subject": "Matrix ticket"}))
            .send()
            .await
            .expect("ticket"),
    )
    .await
}

/// A deployable asset of `model`, made for the request.
pub(super) async fn fresh_asset(app: &TestApp, admin: &reqwest::Client, model: i64) -> i64 {
    created(
        admin
            .post(app.url("/api/v1/it/assets"))
            .json(&json!({"model_id": model}))
            .send()
            .await
            .expect("asset"),
    )
    .await
}

/// A fresh asset checked out to `employee`.
pub(super) async fn lent_asset(
    app: &TestApp,
    admin: &reqwest::Client,
    model: i64,
    employee: i64,
) -> i64 {
    let id = fresh_asset(app, admin, model).await;
    let r = admin
        .post(app.url(&format!("/api/v1/it/assets/{id}/check-out")))
        .json(&json!({"employee_id": employee}))
        .send()
        .await
        .expect("check out");
    assert_eq!(r.status(), 200, "the admin checks the asset out");
    id
}
