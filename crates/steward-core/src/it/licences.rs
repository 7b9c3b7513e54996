//! Software licences: a product bought from a vendor with a number of seats, a cost, a
//! purchase date, a renewal (expiry) date, notes and a licence key. Seats are assigned to an
//! employee or to an asset and unassigned again; a licence never has more seats in use than
//! it owns (refused on `seats`, checked in the assignment's transaction).
//!
//! Who may do what: only IT leads change licences: every write (licences, seats) needs
//! `it.approve` company-wide, which the IT lead and the admin hold and the IT technician
//! does not. IT's staff (`it.read` company-wide) see every licence; anyone else sees the
//! licences with a seat assigned to them, and only their own seats. The key is shown to
//! IT's staff who work (`it.update` company-wide), never to self-service or the auditor.
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;
use std::future::Future;

use super::{allowed, gate, LICENCE, LICENCE_SEAT};
use crate::audit::AuditDraft;
use crate::auth::{Action, Actor};
use crate::error::Validator;
use crate::hr::HrBaseStore;
use crate::ids::{AssetId, CompanyId, EmployeeId, LicenceId, LicenceSeatId, UserId};
use crate::list::{Page, Paging, SortDir, SortKey};
use crate::money::Currency;
use crate::time::Timestamp;
use crate::{Error, Result};

pub const PRODUCT_MAX: usize = 200;
pub const VENDOR_MAX: usize = 200;
pub const KEY_MAX: usize = 2000;
pub const NOTES_MAX: usize = 4000;
pub const NOTE_MAX: usize = 1000;
/// The most seats a licence may own.
pub const SEATS_MAX: i64 = 1_000_000;
/// How many days ahead "expiring soon" looks (the tile, the reminders, the filter).
pub const EXPIRING_DAYS: i64 = 30;

/// How a licence's seats in use compare with those it owns. An expired licence owns none:
/// a seat still in use on it is over-use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Usage {
    /// More seats in use than owned (or any in use on an expired licence).
    Over,
    /// Every seat in use.
    Full,
    /// Seats owned and not used (paid for, idle).
    Under,
}

impl Usage {
    pub const ALL: &'static [Usage] = &[Usage::Over, Usage::Full, Usage::Under];
    pub fn as_str(self) -> &'static str {
        match self {
            Usage::Over => "over",
            Usage::Full => "full",
            Usage::Under => "under",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Usage::Over => "Over-used",
            Usage::Full => "Fully used",
            Usage::Under => "Under-used",
        }
    }
    pub fn parse(s: &str) -> Option<Usage> {
        Usage::ALL.iter().copied().find(|u| u.as_str() == s)
    }
    pub fn words() -> String {
        let all: Vec<&str> = Usage::ALL.iter().map(|u| u.as_str()).collect();
        all.join(", ")
    }
    /// The usage of `used` of `seats` seats on `today` (expired: none owned).
    pub fn of(seats: i64, used: i64, expires_on: Option<NaiveDate>, today: NaiveDate) -> Usage {
        let owned = if expires_on.is_some_and(|d| d < today) {
            0
        } else {
            seats
        };
        match used.cmp(&owned) {
            std::cmp::Ordering::Greater => Usage::Over,
            std::cmp::Ordering::Equal => Usage::Full,
            std::cmp::Ordering::Less => Usage::Under,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Licence {
    pub id: LicenceId,
    pub product: String,
    pub vendor: String,
    /// Seats owned.
    pub seats: i64,
    /// Seats assigned now.
    pub seats_used: i64,
    /// Minor units of `currency`.
    pub cost: Option<i64>,
    pub currency: String,
    pub purchase_date: Option<NaiveDate>,
    /// When it must be renewed (it expires then).
    pub expires_on: Option<NaiveDate>,
    pub notes: String,
    /// `None` for whoever may not see keys (and when there is none).
    pub key: Option<String>,
    pub version: i64,
}

impl Licence {
    /// The cost as written (`1299.00 EUR`), empty when none.
    pub fn cost_text(&self) -> String {
        self.cost
            .map(|c| {
                format!(
                    "{} {}",
                    crate::money::format_in(c, &self.currency),
                    self.currency
                )
            })
            .unwrap_or_default()
    }
    pub fn usage(&self, today: NaiveDate) -> Usage {
        Usage::of(self.seats, self.seats_used, self.expires_on, today)
    }
    /// Seats owned and not in use (never below 0).
    pub fn free(&self) -> i64 {
        (self.seats - self.seats_used).max(0)
    }
    pub fn expired(&self, today: NaiveDate) -> bool {
        self.expires_on.is_some_and(|d| d < today)
    }
    pub fn expiring(&self, today: NaiveDate) -> bool {
        self.expires_on
            .is_some_and(|d| d >= today && d <= today + chrono::Duration::days(EXPIRING_DAYS))
    }
}

/// A licence as typed (forms and the API).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LicenceInput {
    pub product: String,
    pub vendor: String,
    pub seats: String,
    /// An amount (`1299.00`) in `currency`.
    pub cost: String,
    /// Empty: the company's.
    pub currency: String,
    pub purchase_date: String,
    pub expires_on: String,
    pub notes: String,
    /// `None`: keep the current key (updates); `Some("")`: none.
    pub key: Option<String>,
}

/// A checked licence for the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLicence {
    pub product: String,
    pub vendor: String,
    pub seats: i64,
    pub cost: Option<i64>,
    pub currency: String,
    pub purchase_date: Option<NaiveDate>,
    pub expires_on: Option<NaiveDate>,
    pub notes: String,
    /// `None`: keep the current one (updates).
    pub key: Option<String>,
}

/// A seat in use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Seat {
    pub id: LicenceSeatId,
    pub licence_id: LicenceId,
    pub product: String,
    pub employee_id: Option<EmployeeId>,
    pub employee: Option<String>,
    /// The employee's user: who may see the seat besides IT.
    pub employee_user_id: Option<UserId>,
    pub asset_id: Option<AssetId>,
    pub asset_tag: Option<String>,
    pub note: String,
    pub assigned_at: Timestamp,
    pub assigned_by: String,
}

/// A seat assignment as typed: an employee or an asset, not both.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeatInput {
    pub employee_id: String,
    pub asset_id: String,
    pub note: String,
}

/// Whom a seat goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeatHolder {
    Employee(EmployeeId),
    Asset(AssetId),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LicenceSort {
    #[default]
    Product,
    Vendor,
    Seats,
    Used,
    ExpiresOn,
    Created,
}

impl SortKey for LicenceSort {
    const ALL: &'static [(&'static str, Self)] = &[
        ("product", LicenceSort::Product),
        ("vendor", LicenceSort::Vendor),
        ("seats", LicenceSort::Seats),
        ("used", LicenceSort::Used),
        ("expires_on", LicenceSort::ExpiresOn),
        ("created", LicenceSort::Created),
    ];
}

#[derive(Debug, Clone, Default)]
pub struct LicenceQuery {
    /// Part of the product or vendor (any case).
    pub search: Option<String>,
    pub usage: Option<Usage>,
    /// Only those expiring within [`EXPIRING_DAYS`] (from `today`).
    pub expiring: bool,
    /// The day usage and expiry are judged on (the caller's today).
    pub today: Option<NaiveDate>,
    pub sort: LicenceSort,
    pub dir: SortDir,
    pub paging: Paging,
}

/// Which licences a list may show: IT's staff all; anyone else those with a seat of theirs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LicenceReach {
    All,
    Own(UserId),
}

/// A licence to remind IT's leads of (the daily job's, across companies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiringLicence {
    pub company: CompanyId,
    pub id: LicenceId,
    pub product: String,
    pub expires_on: NaiveDate,
}

pub trait LicenceStore: Send + Sync {
    fn list_licences(
        &self,
        company: CompanyId,
        reach: LicenceReach,
        q: &LicenceQuery,
    ) -> impl Future<Output = Result<Page<Licence>>> + Send;
    /// With its key (the service hides it).
    fn licence(
        &self,
        company: CompanyId,
        id: LicenceId,
    ) -> impl Future<Output = Result<Option<Licence>>> + Send;
    fn insert_licence(
        &self,
        company: CompanyId,
        l: &NewLicence,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<LicenceId>> + Send;
    /// `Conflict` on a stale version; fewer seats than in use refused on `seats` (checked
    /// in the transaction).
    fn update_licence(
        &self,
        company: CompanyId,
        id: LicenceId,
        l: &NewLicence,
        version: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The seats in use of a licence (`user`: only those of that user's employee).
    fn licence_seats(
        &self,
        company: CompanyId,
        id: LicenceId,
        user: Option<UserId>,
    ) -> impl Future<Output = Result<Vec<Seat>>> + Send;
    fn licence_seat(
        &self,
        company: CompanyId,
        id: LicenceSeatId,
    ) -> impl Future<Output = Result<Option<Seat>>> + Send;
    /// Takes a seat in one transaction: none free is refused on `seats`, the holder having
    /// one already on `employee_id` / `asset_id`.
    fn assign_seat(
        &self,
        company: CompanyId,
        id: LicenceId,
        holder: SeatHolder,
        note: &str,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<LicenceSeatId>> + Send;
    /// Frees a seat and closes what an offboarding asked back of it, in one transaction.
    fn unassign_seat(
        &self,
        company: CompanyId,
        id: LicenceSeatId,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The company's licences expiring from `from` to `until`, for the tile.
    fn count_expiring_licences(
        &self,
        company: CompanyId,
        from: NaiveDate,
        until: NaiveDate,
    ) -> impl Future<Output = Result<i64>> + Send;
    /// Licences of every company expiring from `from` to `until` whose leads were not yet
    /// told about that date.
    fn licences_to_remind(
        &self,
        from: NaiveDate,
        until: NaiveDate,
    ) -> impl Future<Output = Result<Vec<ExpiringLicence>>> + Send;
    /// Marks them told (for their current expiry date).
    fn mark_licences_reminded(
        &self,
        items: &[ExpiringLicence],
    ) -> impl Future<Output = Result<()>> + Send;
    /// The enabled users of the company who may change licences (`it.approve` company-wide
    /// through any of their roles).
    fn licence_leads(&self, company: CompanyId)
        -> impl Future<Output = Result<Vec<UserId>>> + Send;
}

// ---- who sees what ----

/// Whether the actor may change licences and their seats (IT's leads).
pub fn may_write(actor: &Actor) -> bool {
    allowed(actor, Action::Approve)
}

/// Whether the actor is IT's staff (sees every licence).
pub fn is_staff(actor: &Actor) -> bool {
    allowed(actor, Action::Read)
}

/// Whether the actor may read licence keys (IT's working staff).
pub fn sees_keys(actor: &Actor) -> bool {
    allowed(actor, Action::Update)
}

fn reach(actor: &Actor) -> Result<LicenceReach> {
    // Everyone with IT's self-service reads their own; without any IT read: refused.
    crate::auth::list_scope(
        actor,
        crate::auth::Permission::new(crate::auth::Domain::It, Action::Read),
    )?;
    Ok(if is_staff(actor) {
        LicenceReach::All
    } else {
        LicenceReach::Own(actor.user_id)
    })
}

fn redact(actor: &Actor, mut l: Licence) -> Licence {
    if !sees_keys(actor) {
        l.key = None;
    }
    l
}

pub fn authorize_export(actor: &Actor) -> Result<()> {
    gate(actor, Action::Export)
}

pub fn today() -> NaiveDate {
    Timestamp::now().to_datetime().date_naive()
}

// ---- licences ----

pub async fn list<S: LicenceStore>(
    store: &S,
    actor: &Actor,
    q: &LicenceQuery,
) -> Result<Page<Licence>> {
    let reach = reach(actor)?;
    if q.paging.is_export() {
        authorize_export(actor)?;
    }
    let mut q = q.clone();
    q.today.get_or_insert_with(today);
    let mut page = store.list_licences(actor.company_id, reach, &q).await?;
    page.items = page.items.into_iter().map(|l| redact(actor, l)).collect();
    Ok(page)
}

/// One licence; one the actor may not see is not found (as another company's is).
pub async fn get<S: LicenceStore>(store: &S, actor: &Actor, id: LicenceId) -> Result<Licence> {
    let reach = reach(actor)?;
    let l = store
        .licence(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "licence" })?;
    if let LicenceReach::Own(u) = reach {
        if store
            .licence_seats(actor.company_id, id, Some(u))
            .await?
            .is_empty()
        {
            return Err(Error::NotFound { entity: "licence" });
        }
    }
    Ok(redact(actor, l))
}

/// The seats in use of a licence: IT's staff all, anyone else their own.
pub async fn seats<S: LicenceStore>(store: &S, actor: &Actor, id: LicenceId) -> Result<Vec<Seat>> {
    let reach = reach(actor)?;
    get(store, actor, id).await?;
    let user = match reach {
        LicenceReach::All => None,
        LicenceReach::Own(u) => Some(u),
    };
    store.licence_seats(actor.company_id, id, user).await
}

fn optional_date(v: &mut Validator, field: &str, text: &str) -> Option<NaiveDate> {
    let d = v.date(field, text)?;
    v.check(field, crate::time::check_date_range(field, d))?;
    Some(d)
}

/// A cost in `currency` typed into `field` (`None` when empty), never negative.
pub(crate) fn cost_in(v: &mut Validator, field: &str, text: &str, currency: &str) -> Option<i64> {
    match Currency::parse(currency) {
        Ok(c) if !text.trim().is_empty() => v
            .check(field, crate::input::money(field, text, &c))
            .and_then(|m| {
                if m.minor < 0 {
                    v.push(field, "a cost is not negative");
                    None
                } else {
                    Some(m.minor)
                }
            }),
        Ok(_) => None,
        Err(_) => {
            v.push("currency", "a currency code such as EUR");
            None
        }
    }
}

/// A whole number from `min` to `max` typed into `field`.
pub(crate) fn count_in(v: &mut Validator, field: &str, text: &str, min: i64, max: i64) -> i64 {
    match text.trim().parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => n,
        _ => {
            v.push(field, format!("a whole number from {min} to {max}"));
            min
        }
    }
}

fn check_licence(
    actor: &Actor,
    input: &LicenceInput,
    current: Option<&Licence>,
) -> Result<NewLicence> {
    let mut v = Validator::new();
    let product = v.line("product", &input.product, PRODUCT_MAX, true);
    let vendor = v.line("vendor", &input.vendor, VENDOR_MAX, false);
    let seats = count_in(&mut v, "seats", &input.seats, 0, SEATS_MAX);
    let currency = if input.currency.trim().is_empty() {
        current
            .map(|c| c.currency.clone())
            .unwrap_or_else(|| actor.company_currency.clone())
    } else {
        input.currency.trim().to_ascii_uppercase()
    };
    let cost = cost_in(&mut v, "cost", &input.cost, &currency);
    let purchase_date = optional_date(&mut v, "purchase_date", &input.purchase_date);
    let expires_on = optional_date(&mut v, "expires_on", &input.expires_on);
    if let (Some(p), Some(e)) = (purchase_date, expires_on) {
        if e < p {
            v.push("expires_on", "on or after the purchase date");
        }
    }
    let notes = v.text("notes", &input.notes, NOTES_MAX, false);
    let key = input
        .key
        .as_deref()
        .map(|k| v.text("key", k, KEY_MAX, false));
    if let Some(c) = current {
        if seats < c.seats_used {
            v.push(
                "seats",
                format!(
                    "{} seats are in use: unassign some before owning fewer",
                    c.seats_used
                ),
            );
        }
    }
    v.finish()?;
    Ok(NewLicence {
        product,
        vendor,
        seats,
        cost,
        currency,
        purchase_date,
        expires_on,
        notes,
        key,
    })
}

fn licence_json(l: &NewLicence) -> serde_json::Value {
    // The key itself stays out of the audit trail: only whether one was set.
    json!({"product": l.product, "vendor": l.vendor, "seats": l.seats, "cost": l.cost,
        "currency": l.currency, "purchase_date": l.purchase_date.map(|d| d.to_string()),
        "expires_on": l.expires_on.map(|d| d.to_string()),
        "key_set": l.key.as_ref().map(|k| !k.is_empty())})
}

/// A new licence (IT's leads).
pub async fn create<S: LicenceStore>(
    store: &S,
    actor: &Actor,
    input: &LicenceInput,
) -> Result<Licence> {
    gate(actor, Action::Approve)?;
    let l = check_licence(actor, input, None)?;
    let audit = AuditDraft::by(actor, LICENCE, None, "create", licence_json(&l));
    let id = store.insert_licence(actor.company_id, &l, audit).await?;
    get(store, actor, id).await
}

/// Changes a licence (every field replaced; an absent key kept). Fewer seats than in use
/// is refused on `seats`.
pub async fn update<S: LicenceStore>(
    store: &S,
    actor: &Actor,
    id: LicenceId,
    input: &LicenceInput,
    version: Option<i64>,
) -> Result<Licence> {
    gate(actor, Action::Approve)?;
    let current = get(store, actor, id).await?;
    let l = check_licence(actor, input, Some(&current))?;
    let audit = AuditDraft::by(
        actor,
        LICENCE,
        Some(id.to_string()),
        "update",
        json!({"before": {"product": current.product, "seats": current.seats,
            "expires_on": current.expires_on.map(|d| d.to_string())}, "after": licence_json(&l)}),
    );
    store
        .update_licence(
            actor.company_id,
            id,
            &l,
            version.unwrap_or(current.version),
            audit,
        )
        .await?;
    get(store, actor, id).await
}

/// A positive id typed into `field`, if any (empty: `None`).
fn opt_id(v: &mut Validator, field: &str, text: &str) -> Option<i64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    match t.parse::<i64>() {
        Ok(i) if i > 0 => Some(i),
        _ => {
            v.push(field, "an id (a whole number from 1)");
            None
        }
    }
}

/// Assigns a seat to an employee who has not left or to an asset of the company. No seat
/// free is refused on `seats`, an expired licence on `expires_on`; nothing written.
pub async fn assign<S: LicenceStore + HrBaseStore + super::assets::AssetStore>(
    store: &S,
    actor: &Actor,
    id: LicenceId,
    input: &SeatInput,
) -> Result<Seat> {
    gate(actor, Action::Approve)?;
    let licence = get(store, actor, id).await?;
    let mut v = Validator::new();
    let employee = opt_id(&mut v, "employee_id", &input.employee_id);
    let asset = opt_id(&mut v, "asset_id", &input.asset_id);
    let mut holder = None;
    match (employee, asset) {
        (Some(_), Some(_)) => v.push("employee_id", "an employee or an asset, not both"),
        (None, None) if v.is_empty() => v.push("employee_id", "choose an employee or an asset"),
        (Some(e), None) => match store.employee_ref(actor.company_id, EmployeeId(e)).await? {
            Some(p) if p.status == "leaver" => v.push("employee_id", "this person has left"),
            Some(p) => holder = Some(SeatHolder::Employee(p.id)),
            None => v.push("employee_id", "no such employee"),
        },
        (None, Some(a)) => match store.asset(actor.company_id, AssetId(a)).await? {
            Some(x) => holder = Some(SeatHolder::Asset(x.id)),
            None => v.push("asset_id", "no such asset"),
        },
        _ => {}
    }
    let today = today();
    if licence.expired(today) {
        v.push("expires_on", "the licence has expired: renew it first");
    }
    if licence.seats_used >= licence.seats {
        v.push(
            "seats",
            format!(
                "all {} seats are in use: buy more or unassign one first",
                licence.seats
            ),
        );
    }
    let note = v.text("note", &input.note, NOTE_MAX, false);
    v.finish()?;
    let holder = holder.ok_or_else(|| Error::invalid("employee_id", "choose an employee"))?;
    let (employee_id, asset_id) = match holder {
        SeatHolder::Employee(e) => (Some(e.0), None),
        SeatHolder::Asset(a) => (None, Some(a.0)),
    };
    let audit = AuditDraft::by(
        actor,
        LICENCE,
        Some(id.to_string()),
        "assign_seat",
        json!({"product": licence.product, "employee_id": employee_id, "asset_id": asset_id,
            "note": note}),
    );
    let seat = store
        .assign_seat(actor.company_id, id, holder, &note, audit)
        .await?;
    store
        .licence_seat(actor.company_id, seat)
        .await?
        .ok_or(Error::NotFound { entity: "seat" })
}

/// Frees a seat; what an offboarding asked back of it is closed.
pub async fn unassign<S: LicenceStore>(
    store: &S,
    actor: &Actor,
    seat: LicenceSeatId,
) -> Result<Licence> {
    gate(actor, Action::Approve)?;
    let s = store
        .licence_seat(actor.company_id, seat)
        .await?
        .ok_or(Error::NotFound { entity: "seat" })?;
    let audit = AuditDraft::by(
        actor,
        LICENCE,
        Some(s.licence_id.to_string()),
        "unassign_seat",
        json!({"seat": seat.0, "product": s.product,
            "employee_id": s.employee_id.map(|e| e.0), "asset_id": s.asset_id.map(|a| a.0)}),
    );
    store.unassign_seat(actor.company_id, seat, audit).await?;
    get(store, actor, s.licence_id).await
}

/// One line of the compliance view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComplianceRow {
    pub id: LicenceId,
    pub product: String,
    pub vendor: String,
    pub seats: i64,
    pub used: i64,
    /// Seats owned and idle (0 when over-used).
    pub free: i64,
    /// Seats in use beyond those owned (an expired licence owns none).
    pub over_by: i64,
    pub usage: Usage,
    pub expires_on: Option<NaiveDate>,
    pub expired: bool,
}

/// Seats owned against seats used for every licence (IT's staff): over-used first, then
/// fully used, then under-used; by product within each.
pub async fn compliance<S: LicenceStore>(store: &S, actor: &Actor) -> Result<Vec<ComplianceRow>> {
    gate(actor, Action::Read)?;
    let today = today();
    let q = LicenceQuery {
        paging: Paging::export(),
        today: Some(today),
        ..LicenceQuery::default()
    };
    let page = store
        .list_licences(actor.company_id, LicenceReach::All, &q)
        .await?;
    let mut rows: Vec<ComplianceRow> = page
        .items
        .into_iter()
        .map(|l| {
            let expired = l.expired(today);
            let owned = if expired { 0 } else { l.seats };
            ComplianceRow {
                id: l.id,
                usage: l.usage(today),
                free: (owned - l.seats_used).max(0),
                over_by: (l.seats_used - owned).max(0),
                product: l.product,
                vendor: l.vendor,
                seats: l.seats,
                used: l.seats_used,
                expires_on: l.expires_on,
                expired,
            }
        })
        .collect();
    rows.sort_by_key(|r| Usage::ALL.iter().position(|u| *u == r.usage));
    Ok(rows)
}

pub const EXPORT_HEADERS: &[&str] = &[
    "product",
    "vendor",
    "seats",
    "seats_used",
    "usage",
    "cost",
    "currency",
    "purchase_date",
    "expires_on",
    "notes",
];

/// One exported row, in [`EXPORT_HEADERS`]' order (never the key).
pub fn export_row(l: &Licence, today: NaiveDate) -> Vec<String> {
    let day = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    vec![
        l.product.clone(),
        l.vendor.clone(),
        l.seats.to_string(),
        l.seats_used.to_string(),
        l.usage(today).as_str().to_string(),
        l.cost
            .map(|c| crate::money::format_in(c, &l.currency))
            .unwrap_or_default(),
        l.currency.clone(),
        day(l.purchase_date),
        day(l.expires_on),
        l.notes.clone(),
    ]
}

/// The seat's record for offboarding (`it.licence_seat:7`).
pub fn seat_record(id: LicenceSeatId) -> crate::registry::RecordRef {
    crate::registry::RecordRef::new(LICENCE_SEAT, id.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn usage_counts_an_expired_licence_as_owning_nothing() {
        let today = d("2026-06-01");
        assert_eq!(Usage::of(10, 3, None, today), Usage::Under);
        assert_eq!(Usage::of(10, 10, None, today), Usage::Full);
        assert_eq!(Usage::of(10, 11, None, today), Usage::Over);
        assert_eq!(Usage::of(10, 1, Some(d("2026-05-31")), today), Usage::Over);
        assert_eq!(Usage::of(10, 0, Some(d("2026-05-31")), today), Usage::Full);
        assert_eq!(Usage::of(10, 10, Some(today), today), Usage::Full);
        for u in Usage::ALL {
            assert_eq!(Usage::parse(u.as_str()), Some(*u));
        }
    }
}
