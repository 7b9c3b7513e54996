//! Consumables: things IT keeps in stock and hands out (toner, cables, mice): a name, an
//! optional category (IT's asset categories), a unit, the quantity in stock, a minimum level,
//! a location and a cost per unit. Stock changes only by movements: received (+n) and
//! issued to an employee (-n); stock never goes below 0 (refused on `quantity`, checked in
//! the movement's transaction). Below its minimum a consumable wants reordering (the list's
//! filter, a badge, the IT tile).
//!
//! Who may do what: IT's staff (`it.*` company-wide: the lead, technicians, the admin) keep
//! consumables and move stock (`it.update`); they and the auditor read them. Self-service
//! has no view of the stock room.
use serde::Serialize;
use serde_json::json;
use std::future::Future;

use super::assets::AssetStore;
use super::licences::{cost_in, count_in};
use super::{gate, CONSUMABLE};
use crate::audit::AuditDraft;
use crate::auth::{Action, Actor};
use crate::error::Validator;
use crate::hr::HrBaseStore;
use crate::ids::{AssetCategoryId, CompanyId, ConsumableId, EmployeeId};
use crate::list::{Page, Paging, SortDir, SortKey};
use crate::time::Timestamp;
use crate::{Error, Result};

pub const NAME_MAX: usize = 200;
pub const UNIT_MAX: usize = 30;
pub const LOCATION_MAX: usize = 200;
pub const NOTE_MAX: usize = 1000;
/// The most of anything a stock room holds.
pub const QUANTITY_MAX: i64 = 1_000_000_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Consumable {
    pub id: ConsumableId,
    pub name: String,
    pub category_id: Option<AssetCategoryId>,
    pub category: Option<String>,
    /// `pcs`, `box`, `m`…
    pub unit: String,
    pub quantity: i64,
    pub min_quantity: i64,
    pub location: String,
    /// Minor units of `currency`.
    pub unit_cost: Option<i64>,
    pub currency: String,
    pub version: i64,
}

impl Consumable {
    /// Whether it wants reordering.
    pub fn below_minimum(&self) -> bool {
        self.quantity < self.min_quantity
    }
    pub fn cost_text(&self) -> String {
        self.unit_cost
            .map(|c| {
                format!(
                    "{} {}",
                    crate::money::format_in(c, &self.currency),
                    self.currency
                )
            })
            .unwrap_or_default()
    }
}

/// A consumable as typed. `quantity` is the opening stock (creation only: later the stock
/// moves by receipts and issues).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsumableInput {
    pub name: String,
    pub category_id: String,
    pub unit: String,
    pub quantity: String,
    pub min_quantity: String,
    pub location: String,
    pub unit_cost: String,
    pub currency: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewConsumable {
    pub name: String,
    pub category_id: Option<AssetCategoryId>,
    pub unit: String,
    /// The opening stock (ignored by updates).
    pub quantity: i64,
    pub min_quantity: i64,
    pub location: String,
    pub unit_cost: Option<i64>,
    pub currency: String,
}

/// A movement of stock as typed: `quantity` units received, or issued to `employee_id`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MovementInput {
    pub quantity: String,
    pub employee_id: String,
    pub note: String,
}

/// One movement of a consumable's stock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Movement {
    pub id: i64,
    pub consumable_id: ConsumableId,
    /// `opening`, `received` or `issued`.
    pub kind: String,
    /// Signed: + in, - out.
    pub change: i64,
    /// The stock after it.
    pub balance: i64,
    pub employee_id: Option<EmployeeId>,
    pub employee: Option<String>,
    pub note: String,
    pub at: Timestamp,
    pub actor: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConsumableSort {
    #[default]
    Name,
    Quantity,
    Location,
    Created,
}

impl SortKey for ConsumableSort {
    const ALL: &'static [(&'static str, Self)] = &[
        ("name", ConsumableSort::Name),
        ("quantity", ConsumableSort::Quantity),
        ("location", ConsumableSort::Location),
        ("created", ConsumableSort::Created),
    ];
}

#[derive(Debug, Clone, Default)]
pub struct ConsumableQuery {
    /// Part of the name or location (any case).
    pub search: Option<String>,
    pub category: Option<AssetCategoryId>,
    /// Only those below their minimum.
    pub below_minimum: bool,
    pub sort: ConsumableSort,
    pub dir: SortDir,
    pub paging: Paging,
}

pub trait ConsumableStore: Send + Sync {
    fn list_consumables(
        &self,
        company: CompanyId,
        q: &ConsumableQuery,
    ) -> impl Future<Output = Result<Page<Consumable>>> + Send;
    fn consumable(
        &self,
        company: CompanyId,
        id: ConsumableId,
    ) -> impl Future<Output = Result<Option<Consumable>>> + Send;
    /// A name another consumable has is refused (`name`); the opening stock is a movement.
    fn insert_consumable(
        &self,
        company: CompanyId,
        c: &NewConsumable,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<ConsumableId>> + Send;
    /// Everything but the stock; `Conflict` on a stale version.
    fn update_consumable(
        &self,
        company: CompanyId,
        id: ConsumableId,
        c: &NewConsumable,
        version: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Moves stock by `change` in one transaction: a result below 0 is refused on
    /// `quantity`, nothing written. The stock after it.
    fn move_stock(
        &self,
        company: CompanyId,
        id: ConsumableId,
        change: i64,
        employee: Option<EmployeeId>,
        note: &str,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<i64>> + Send;
    /// Newest first.
    fn consumable_movements(
        &self,
        company: CompanyId,
        id: ConsumableId,
    ) -> impl Future<Output = Result<Vec<Movement>>> + Send;
    fn count_below_minimum(&self, company: CompanyId) -> impl Future<Output = Result<i64>> + Send;
}

/// Whether the actor may keep consumables (IT's staff).
pub fn may_write(actor: &Actor) -> bool {
    super::allowed(actor, Action::Update)
}

pub fn authorize_export(actor: &Actor) -> Result<()> {
    gate(actor, Action::Export)
}

pub async fn list<S: ConsumableStore>(
    store: &S,
    actor: &Actor,
    q: &ConsumableQuery,
) -> Result<Page<Consumable>> {
    gate(actor, Action::Read)?;
    if q.paging.is_export() {
        authorize_export(actor)?;
    }
    store.list_consumables(actor.company_id, q).await
}

pub async fn get<S: ConsumableStore>(
    store: &S,
    actor: &Actor,
    id: ConsumableId,
) -> Result<Consumable> {
    gate(actor, Action::Read)?;
    store
        .consumable(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound {
            entity: "consumable",
        })
}

pub async fn movements<S: ConsumableStore>(
    store: &S,
    actor: &Actor,
    id: ConsumableId,
) -> Result<Vec<Movement>> {
    get(store, actor, id).await?;
    store.consumable_movements(actor.company_id, id).await
}

async fn check<S: AssetStore>(
    store: &S,
    actor: &Actor,
    input: &ConsumableInput,
    current: Option<&Consumable>,
) -> Result<NewConsumable> {
    let mut v = Validator::new();
    let name = v.line("name", &input.name, NAME_MAX, true);
    let category_id = match input.category_id.trim() {
        "" => None,
        t => match t.parse::<i64>() {
            Ok(i) if i > 0 => {
                let id = AssetCategoryId(i);
                if store.asset_category(actor.company_id, id).await?.is_none() {
                    v.push("category_id", "no such category");
                }
                Some(id)
            }
            _ => {
                v.push("category_id", "choose a category");
                None
            }
        },
    };
    let unit = match v.line("unit", &input.unit, UNIT_MAX, false) {
        u if u.is_empty() => "pcs".to_string(),
        u => u,
    };
    let quantity = if current.is_some() || input.quantity.trim().is_empty() {
        current.map_or(0, |c| c.quantity)
    } else {
        count_in(&mut v, "quantity", &input.quantity, 0, QUANTITY_MAX)
    };
    let min_quantity = if input.min_quantity.trim().is_empty() {
        0
    } else {
        count_in(&mut v, "min_quantity", &input.min_quantity, 0, QUANTITY_MAX)
    };
    let location = v.line("location", &input.location, LOCATION_MAX, false);
    let currency = if input.currency.trim().is_empty() {
        current
            .map(|c| c.currency.clone())
            .unwrap_or_else(|| actor.company_currency.clone())
    } else {
        input.currency.trim().to_ascii_uppercase()
    };
    let unit_cost = cost_in(&mut v, "unit_cost", &input.unit_cost, &currency);
    v.finish()?;
    Ok(NewConsumable {
        name,
        category_id,
        unit,
        quantity,
        min_quantity,
        location,
        unit_cost,
        currency,
    })
}

fn consumable_json(c: &NewConsumable) -> serde_json::Value {
    json!({"name": c.name, "category_id": c.category_id.map(|i| i.0), "unit": c.unit,
        "quantity": c.quantity, "min_quantity": c.min_quantity, "location": c.location,
        "unit_cost": c.unit_cost, "currency": c.currency})
}

pub async fn create<S: ConsumableStore + AssetStore>(
    store: &S,
    actor: &Actor,
    input: &ConsumableInput,
) -> Result<Consumable> {
    gate(actor, Action::Update)?;
    let c = check(store, actor, input, None).await?;
    let audit = AuditDraft::by(actor, CONSUMABLE, None, "create", consumable_json(&c));
    let id = store.insert_consumable(actor.company_id, &c, audit).await?;
    get(store, actor, id).await
}

/// Changes a consumable's details (its stock moves only by receipts and issues).
pub async fn update<S: ConsumableStore + AssetStore>(
    store: &S,
    actor: &Actor,
    id: ConsumableId,
    input: &ConsumableInput,
    version: Option<i64>,
) -> Result<Consumable> {
    gate(actor, Action::Update)?;
    let current = get(store, actor, id).await?;
    let c = check(store, actor, input, Some(&current)).await?;
    let audit = AuditDraft::by(
        actor,
        CONSUMABLE,
        Some(id.to_string()),
        "update",
        json!({"before": {"name": current.name, "min_quantity": current.min_quantity,
            "location": current.location}, "after": consumable_json(&c)}),
    );
    store
        .update_consumable(
            actor.company_id,
            id,
            &c,
            version.unwrap_or(current.version),
            audit,
        )
        .await?;
    get(store, actor, id).await
}

/// Stock received: `quantity` more.
pub async fn receive<S: ConsumableStore>(
    store: &S,
    actor: &Actor,
    id: ConsumableId,
    input: &MovementInput,
) -> Result<Consumable> {
    gate(actor, Action::Update)?;
    let current = get(store, actor, id).await?;
    let mut v = Validator::new();
    let n = count_in(&mut v, "quantity", &input.quantity, 1, QUANTITY_MAX);
    if current.quantity.saturating_add(n) > QUANTITY_MAX {
        v.push("quantity", "more than a stock room holds");
    }
    let note = v.text("note", &input.note, NOTE_MAX, false);
    v.finish()?;
    let audit = AuditDraft::by(
        actor,
        CONSUMABLE,
        Some(id.to_string()),
        "receive",
        json!({"name": current.name, "quantity": n, "note": note}),
    );
    store
        .move_stock(actor.company_id, id, n, None, &note, audit)
        .await?;
    get(store, actor, id).await
}

/// Stock issued to an employee: `quantity` fewer; more than in stock is refused on
/// `quantity`, nothing written.
pub async fn issue<S: ConsumableStore + HrBaseStore>(
    store: &S,
    actor: &Actor,
    id: ConsumableId,
    input: &MovementInput,
) -> Result<Consumable> {
    gate(actor, Action::Update)?;
    let current = get(store, actor, id).await?;
    let mut v = Validator::new();
    let n = count_in(&mut v, "quantity", &input.quantity, 1, QUANTITY_MAX);
    if v.is_empty() && n > current.quantity {
        v.push(
            "quantity",
            format!("only {} {} in stock", current.quantity, current.unit),
        );
    }
    let employee = match input.employee_id.trim().parse::<i64>() {
        Ok(i) if i > 0 => match store.employee_ref(actor.company_id, EmployeeId(i)).await? {
            Some(e) if e.status == "leaver" => {
                v.push("employee_id", "this person has left");
                None
            }
            Some(e) => Some(e.id),
            None => {
                v.push("employee_id", "no such employee");
                None
            }
        },
        _ => {
            v.push("employee_id", "choose an employee");
            None
        }
    };
    let note = v.text("note", &input.note, NOTE_MAX, false);
    v.finish()?;
    let employee = employee.ok_or_else(|| Error::invalid("employee_id", "choose an employee"))?;
    let audit = AuditDraft::by(
        actor,
        CONSUMABLE,
        Some(id.to_string()),
        "issue",
        json!({"name": current.name, "quantity": n, "employee_id": employee.0, "note": note}),
    );
    store
        .move_stock(actor.company_id, id, -n, Some(employee), &note, audit)
        .await?;
    get(store, actor, id).await
}

pub const EXPORT_HEADERS: &[&str] = &[
    "name",
    "category",
    "unit",
    "quantity",
    "min_quantity",
    "below_minimum",
    "location",
    "unit_cost",
    "currency",
];

pub fn export_row(c: &Consumable) -> Vec<String> {
    vec![
        c.name.clone(),
        c.category.clone().unwrap_or_default(),
        c.unit.clone(),
        c.quantity.to_string(),
        c.min_quantity.to_string(),
        if c.below_minimum() { "yes" } else { "no" }.to_string(),
        c.location.clone(),
        c.unit_cost
            .map(|x| crate::money::format_in(x, &c.currency))
            .unwrap_or_default(),
        c.currency.clone(),
    ]
}
