//! Assets: categories, models (maker, model number, depreciation method and life) and the
//! assets themselves (a tag unique in the company, generated as `A-000123` when none is
//! given; a serial unique when given; status, location, supplier, purchase and warranty).
//! An asset is lent to an employee by a check-out (only a `deployable` one; it becomes
//! `deployed`) and comes back by a check-in (`deployable` again); each is an event of the
//! asset's history, written with its audit event in one transaction.
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::HashSet;
use std::future::Future;

use super::{gate, ASSET, CATEGORY, MODEL};
use crate::audit::AuditDraft;
use crate::auth::{authorize, list_scope, Action, Actor, Domain, Permission, Scope, Target};
use crate::error::Validator;
use crate::hr::HrBaseStore;
use crate::ids::{
    AssetCategoryId, AssetId, AssetModelId, CompanyId, DepartmentId, EmployeeId, UserId,
};
use crate::list::{Page, Paging, SortDir, SortKey};
use crate::money::Currency;
use crate::time::Timestamp;
use crate::{Error, Result};

pub const NAME_MAX: usize = 200;
pub const TAG_MAX: usize = 50;
pub const SERIAL_MAX: usize = 100;
pub const MAKER_MAX: usize = 200;
pub const MODEL_NUMBER_MAX: usize = 100;
pub const LOCATION_MAX: usize = 200;
pub const SUPPLIER_MAX: usize = 200;
pub const NOTES_MAX: usize = 4000;
pub const NOTE_MAX: usize = 1000;
/// The longest useful life a model may have: 50 years.
pub const LIFE_MAX: i64 = 600;

macro_rules! word_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $s:literal / $label:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),* }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),* }
            }
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),* }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some($name::$variant),)* _ => None }
            }
            /// The words, for an error message: `a, b or c`.
            pub fn words() -> String {
                let all: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                all.join(", ")
            }
        }
    };
}

word_enum!(
    /// How a model's assets lose value over its life.
    Depreciation {
        StraightLine = "straight_line" / "Straight line",
        DecliningBalance = "declining_balance" / "Declining balance",
        None = "none" / "None",
    }
);

word_enum!(
    /// Where an asset stands. `deployed` is reached only by a check-out.
    AssetStatus {
        Deployable = "deployable" / "Deployable",
        Deployed = "deployed" / "Deployed",
        InRepair = "in_repair" / "In repair",
        Retired = "retired" / "Retired",
        Lost = "lost" / "Lost",
    }
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Category {
    pub id: AssetCategoryId,
    pub name: String,
    pub version: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CategoryInput {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Model {
    pub id: AssetModelId,
    pub name: String,
    pub maker: String,
    pub model_number: String,
    pub category_id: AssetCategoryId,
    /// The category's name.
    pub category: String,
    pub depreciation: Depreciation,
    /// Useful life in months (0 with no depreciation).
    pub life_months: i64,
    pub version: i64,
}

/// A model as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModelInput {
    pub name: String,
    pub maker: String,
    pub model_number: String,
    pub category_id: String,
    pub depreciation: String,
    pub life_months: String,
}

/// A checked model for the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewModel {
    pub name: String,
    pub maker: String,
    pub model_number: String,
    pub category_id: AssetCategoryId,
    pub depreciation: Depreciation,
    pub life_months: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Asset {
    pub id: AssetId,
    pub tag: String,
    /// Empty when none.
    pub serial: String,
    pub name: String,
    pub model_id: AssetModelId,
    pub model: String,
    pub category_id: AssetCategoryId,
    pub category: String,
    pub status: AssetStatus,
    pub location: String,
    pub supplier: String,
    pub purchase_date: Option<NaiveDate>,
    /// Minor units of `currency`.
    pub purchase_cost: Option<i64>,
    pub currency: String,
    pub warranty_end: Option<NaiveDate>,
    pub notes: String,
    /// Who holds it (a `deployed` asset).
    pub holder_id: Option<EmployeeId>,
    pub holder: Option<String>,
    /// The holder's user and department: who may see the asset besides IT.
    pub holder_user_id: Option<UserId>,
    pub holder_department_id: Option<DepartmentId>,
    pub expected_return: Option<NaiveDate>,
    /// When the holder confirmed they received it (this check-out); None until then.
    pub acknowledged_at: Option<Timestamp>,
    pub version: i64,
    /// Custom field values by key (its category's fields).
    pub custom: Map<String, Value>,
    /// Where it is checked out to, when to a location (not a person).
    pub checkout_location: Option<String>,
    /// The asset it is checked out to (a monitor to a docking station), and that one's tag.
    pub parent_id: Option<AssetId>,
    pub parent_tag: Option<String>,
}

impl Asset {
    /// The cost as written (`1299.00 EUR`), empty when none.
    pub fn cost_text(&self) -> String {
        self.purchase_cost
            .map(|c| {
                format!(
                    "{} {}",
                    crate::money::format_in(c, &self.currency),
                    self.currency
                )
            })
            .unwrap_or_default()
    }

    /// Whom or what a deployed asset is checked out to, as written: the person, `at <the
    /// location>` or `with <tag>`; empty when not checked out.
    pub fn target_text(&self) -> String {
        if let Some(h) = &self.holder {
            h.clone()
        } else if let Some(l) = &self.checkout_location {
            format!("at {l}")
        } else if let Some(t) = &self.parent_tag {
            format!("with {t}")
        } else {
            String::new()
        }
    }
}

/// An asset as typed (forms and the API).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssetInput {
    /// Empty: one is generated (`A-000123`) on create, the current one kept on update.
    pub tag: String,
    pub serial: String,
    pub name: String,
    pub model_id: String,
    /// Empty: `deployable` on create, unchanged on update.
    pub status: String,
    pub location: String,
    pub supplier: String,
    pub purchase_date: String,
    /// An amount (`1299.00`) in `currency`.
    pub purchase_cost: String,
    /// Empty: the company's.
    pub currency: String,
    pub warranty_end: String,
    pub notes: String,
    /// Custom field values by key; `None` keeps the asset's (none on create).
    pub custom: Option<Map<String, Value>>,
}

/// A checked asset for the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAsset {
    /// `None`: the store numbers it.
    pub tag: Option<String>,
    pub serial: Option<String>,
    pub name: String,
    pub model_id: AssetModelId,
    pub status: AssetStatus,
    pub location: String,
    pub supplier: String,
    pub purchase_date: Option<NaiveDate>,
    pub purchase_cost: Option<i64>,
    pub currency: String,
    pub warranty_end: Option<NaiveDate>,
    pub notes: String,
    /// Checked against the category's fields.
    pub custom: Map<String, Value>,
}

/// A check-out as typed: to exactly one of an employee, a location or another asset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckoutInput {
    pub employee_id: String,
    pub expected_return: String,
    /// The asset's condition as it leaves.
    pub note: String,
    /// A place (free text, as an asset's location is kept).
    pub location: String,
    /// Another asset (its id), e.g. the docking station a monitor goes with.
    pub asset_id: String,
}

/// Whom or what an asset is checked out to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckoutTarget {
    Employee(EmployeeId),
    Location(String),
    Asset(AssetId),
}

/// A checked check-out for the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkout {
    pub target: CheckoutTarget,
    pub expected_return: Option<NaiveDate>,
    pub note: String,
}

/// The longest chain of assets checked out to assets a check-out follows looking for a
/// cycle.
pub const CHAIN_MAX: usize = 64;

/// One event of an asset's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssetEvent {
    pub id: i64,
    pub asset_id: AssetId,
    pub asset_tag: String,
    /// `created`, `updated`, `checked_out`, `acknowledged` (by the holder) or `checked_in`.
    pub kind: String,
    pub employee_id: Option<EmployeeId>,
    pub employee: Option<String>,
    pub expected_return: Option<NaiveDate>,
    pub note: String,
    pub at: Timestamp,
    /// Who did it (the audit name).
    pub actor: String,
    /// A check-out or check-in of a location: where.
    pub location: Option<String>,
    /// A check-out or check-in with another asset: which, and its tag.
    pub target_asset_id: Option<AssetId>,
    pub target_asset_tag: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AssetSort {
    #[default]
    Tag,
    Name,
    Status,
    PurchaseDate,
    WarrantyEnd,
    Created,
}

impl SortKey for AssetSort {
    const ALL: &'static [(&'static str, Self)] = &[
        ("tag", AssetSort::Tag),
        ("name", AssetSort::Name),
        ("status", AssetSort::Status),
        ("purchase_date", AssetSort::PurchaseDate),
        ("warranty_end", AssetSort::WarrantyEnd),
        ("created", AssetSort::Created),
    ];
}

#[derive(Debug, Clone, Default)]
pub struct AssetQuery {
    /// Part of the tag, serial, name or model (any case).
    pub search: Option<String>,
    pub status: Option<AssetStatus>,
    pub category: Option<AssetCategoryId>,
    pub model: Option<AssetModelId>,
    pub holder: Option<EmployeeId>,
    pub sort: AssetSort,
    pub dir: SortDir,
    pub paging: Paging,
}

/// Which assets a list may show: IT's staff all; anyone else those checked out to them
/// (and, with a department-wide grant, to their department).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    All,
    Department(DepartmentId, UserId),
    Own(UserId),
}

/// An asset past its expected return date (the overdue job's, across companies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverdueLoan {
    pub company: CompanyId,
    pub asset: AssetId,
    pub tag: String,
    /// The asset's name, else its model's.
    pub what: String,
    pub holder_user: Option<UserId>,
    pub expected_return: NaiveDate,
}

pub trait AssetStore: super::asset_fields::CategoryFieldStore {
    fn asset_categories(
        &self,
        company: CompanyId,
    ) -> impl Future<Output = Result<Vec<Category>>> + Send;
    fn asset_category(
        &self,
        company: CompanyId,
        id: AssetCategoryId,
    ) -> impl Future<Output = Result<Option<Category>>> + Send;
    /// A name another category has is refused (`name`).
    fn insert_asset_category(
        &self,
        company: CompanyId,
        name: &str,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<AssetCategoryId>> + Send;
    /// `Conflict` on a stale version.
    fn update_asset_category(
        &self,
        company: CompanyId,
        id: AssetCategoryId,
        name: &str,
        version: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    fn asset_models(&self, company: CompanyId) -> impl Future<Output = Result<Vec<Model>>> + Send;
    fn asset_model(
        &self,
        company: CompanyId,
        id: AssetModelId,
    ) -> impl Future<Output = Result<Option<Model>>> + Send;
    /// A name another model has is refused (`name`).
    fn insert_asset_model(
        &self,
        company: CompanyId,
        m: &NewModel,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<AssetModelId>> + Send;
    fn update_asset_model(
        &self,
        company: CompanyId,
        id: AssetModelId,
        m: &NewModel,
        version: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    fn list_assets(
        &self,
        company: CompanyId,
        reach: Reach,
        q: &AssetQuery,
    ) -> impl Future<Output = Result<Page<Asset>>> + Send;
    fn asset(
        &self,
        company: CompanyId,
        id: AssetId,
    ) -> impl Future<Output = Result<Option<Asset>>> + Send;
    /// Inserts the asset with its `created` event; numbers the tag when it has none. A tag
    /// or serial another asset of the company has is refused (`tag`, `serial`).
    fn insert_asset(
        &self,
        company: CompanyId,
        a: &NewAsset,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<AssetId>> + Send;
    /// Inserts every asset of an import in one transaction (each with its `created` event)
    /// and the import's one audit event; a tag or serial taken meanwhile refuses them all.
    fn import_assets(
        &self,
        company: CompanyId,
        assets: &[NewAsset],
        audit: AuditDraft,
    ) -> impl Future<Output = Result<usize>> + Send;
    /// Which of `tags` and of `serials` assets of the company have.
    fn tags_and_serials_taken(
        &self,
        company: CompanyId,
        tags: &[String],
        serials: &[String],
    ) -> impl Future<Output = Result<(HashSet<String>, HashSet<String>)>> + Send;
    /// `Conflict` on a stale version; a taken tag or serial as on insert.
    fn update_asset(
        &self,
        company: CompanyId,
        id: AssetId,
        a: &NewAsset,
        version: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Lends a `deployable` asset (`status` refused otherwise; `Conflict` on a stale
    /// version): `deployed`, held by the employee, with its event.
    fn check_out_asset(
        &self,
        company: CompanyId,
        id: AssetId,
        c: &Checkout,
        version: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Takes back a `deployed` asset (`status` refused otherwise): `deployable`, held by
    /// nobody, with its event.
    fn check_in_asset(
        &self,
        company: CompanyId,
        id: AssetId,
        note: &str,
        version: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The holder's confirmation that they received a `deployed` asset, once per check-out
    /// (`acknowledged_at` refused when given already, `status` when no longer lent to
    /// `holder`), with its event.
    fn acknowledge_asset(
        &self,
        company: CompanyId,
        id: AssetId,
        holder: EmployeeId,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The check-outs and check-ins of an employee, oldest first.
    fn employee_asset_events(
        &self,
        company: CompanyId,
        employee: EmployeeId,
    ) -> impl Future<Output = Result<Vec<AssetEvent>>> + Send;
    /// Deployed assets of every company expected back before `today`.
    fn overdue_loans(
        &self,
        today: NaiveDate,
    ) -> impl Future<Output = Result<Vec<OverdueLoan>>> + Send;
    /// How many assets of the company are in each status (statuses with none left out).
    fn asset_status_counts(
        &self,
        company: CompanyId,
    ) -> impl Future<Output = Result<Vec<(AssetStatus, i64)>>> + Send;
    /// The asset's history, oldest first.
    fn asset_events(
        &self,
        company: CompanyId,
        id: AssetId,
    ) -> impl Future<Output = Result<Vec<AssetEvent>>> + Send;
    /// The assets checked out to the asset `parent`, by tag.
    fn assets_checked_out_to(
        &self,
        company: CompanyId,
        parent: AssetId,
    ) -> impl Future<Output = Result<Vec<Asset>>> + Send;
}

// ---- who sees what ----

/// What of the assets the actor's lists may show.
pub fn reach(actor: &Actor) -> Result<Reach> {
    Ok(
        match list_scope(actor, Permission::new(Domain::It, Action::Read))? {
            Scope::Company => Reach::All,
            Scope::Department => match actor.department_id {
                Some(d) => Reach::Department(d, actor.user_id),
                None => Reach::Own(actor.user_id),
            },
            Scope::Own => Reach::Own(actor.user_id),
        },
    )
}

/// Whether the actor sees this asset: IT's staff all, anyone else those they hold.
pub fn sees(actor: &Actor, a: &Asset) -> bool {
    let target = Target {
        company: actor.company_id,
        owner: a.holder_user_id,
        department: a.holder_department_id,
    };
    authorize(actor, Permission::new(Domain::It, Action::Read), &target).is_ok()
}

/// Whether the actor may export the asset list.
pub fn authorize_export(actor: &Actor) -> Result<()> {
    gate(actor, Action::Export)
}

/// Whether the actor may add and change assets (the forms).
pub fn may_write(actor: &Actor) -> bool {
    super::allowed(actor, Action::Update)
}

// ---- categories (the catalog: whoever reads any asset reads it) ----

pub async fn categories<S: AssetStore>(store: &S, actor: &Actor) -> Result<Vec<Category>> {
    reach(actor)?;
    store.asset_categories(actor.company_id).await
}

pub async fn category<S: AssetStore>(
    store: &S,
    actor: &Actor,
    id: AssetCategoryId,
) -> Result<Category> {
    reach(actor)?;
    store
        .asset_category(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "category" })
}

fn category_name(input: &CategoryInput) -> Result<String> {
    crate::input::line("name", &input.name, NAME_MAX, true)
}

pub async fn create_category<S: AssetStore>(
    store: &S,
    actor: &Actor,
    input: &CategoryInput,
) -> Result<Category> {
    gate(actor, Action::Create)?;
    let name = category_name(input)?;
    let audit = AuditDraft::by(actor, CATEGORY, None, "create", json!({"name": name}));
    let id = store
        .insert_asset_category(actor.company_id, &name, audit)
        .await?;
    category(store, actor, id).await
}

pub async fn update_category<S: AssetStore>(
    store: &S,
    actor: &Actor,
    id: AssetCategoryId,
    input: &CategoryInput,
    version: Option<i64>,
) -> Result<Category> {
    gate(actor, Action::Update)?;
    let current = category(store, actor, id).await?;
    let name = category_name(input)?;
    let audit = AuditDraft::by(
        actor,
        CATEGORY,
        Some(id.to_string()),
        "update",
        json!({"before": {"name": current.name}, "after": {"name": name}}),
    );
    store
        .update_asset_category(
            actor.company_id,
            id,
            &name,
            version.unwrap_or(current.version),
            audit,
        )
        .await?;
    category(store, actor, id).await
}

// ---- models ----

pub async fn models<S: AssetStore>(store: &S, actor: &Actor) -> Result<Vec<Model>> {
    reach(actor)?;
    store.asset_models(actor.company_id).await
}

pub async fn model<S: AssetStore>(store: &S, actor: &Actor, id: AssetModelId) -> Result<Model> {
    reach(actor)?;
    store
        .asset_model(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "model" })
}

/// A positive id typed into `field`, if it is one.
fn id_in(v: &mut Validator, field: &str, text: &str, what: &str) -> Option<i64> {
    match text.trim().parse::<i64>() {
        Ok(i) if i > 0 => Some(i),
        _ => {
            v.push(field, format!("choose {what}"));
            None
        }
    }
}

async fn check_model<S: AssetStore>(
    store: &S,
    actor: &Actor,
    input: &ModelInput,
) -> Result<NewModel> {
    let mut v = Validator::new();
    let name = v.line("name", &input.name, NAME_MAX, true);
    let maker = v.line("maker", &input.maker, MAKER_MAX, false);
    let model_number = v.line("model_number", &input.model_number, MODEL_NUMBER_MAX, false);
    let category_id = match id_in(&mut v, "category_id", &input.category_id, "a category") {
        Some(i) => {
            let id = AssetCategoryId(i);
            if store.asset_category(actor.company_id, id).await?.is_none() {
                v.push("category_id", "no such category");
            }
            id
        }
        None => AssetCategoryId(0),
    };
    let depreciation = match input.depreciation.trim() {
        "" => Depreciation::None,
        d => Depreciation::parse(d).unwrap_or_else(|| {
            v.push("depreciation", format!("one of {}", Depreciation::words()));
            Depreciation::None
        }),
    };
    let life_text = input.life_months.trim();
    let life_months = if life_text.is_empty() {
        0
    } else {
        match life_text.parse::<i64>() {
            Ok(m) if (0..=LIFE_MAX).contains(&m) => m,
            _ => {
                v.push("life_months", "a number of months from 0 to 600");
                0
            }
        }
    };
    if depreciation != Depreciation::None && life_months == 0 {
        v.push(
            "life_months",
            "a model that depreciates needs its life in months",
        );
    }
    v.finish()?;
    Ok(NewModel {
        name,
        maker,
        model_number,
        category_id,
        depreciation,
        life_months,
    })
}

fn model_json(m: &NewModel) -> serde_json::Value {
    json!({"name": m.name, "maker": m.maker, "model_number": m.model_number,
        "category_id": m.category_id.0, "depreciation": m.depreciation.as_str(),
        "life_months": m.life_months})
}

pub async fn create_model<S: AssetStore>(
    store: &S,
    actor: &Actor,
    input: &ModelInput,
) -> Result<Model> {
    gate(actor, Action::Create)?;
    let m = check_model(store, actor, input).await?;
    let audit = AuditDraft::by(actor, MODEL, None, "create", model_json(&m));
    let id = store
        .insert_asset_model(actor.company_id, &m, audit)
        .await?;
    model(store, actor, id).await
}

pub async fn update_model<S: AssetStore>(
    store: &S,
    actor: &Actor,
    id: AssetModelId,
    input: &ModelInput,
    version: Option<i64>,
) -> Result<Model> {
    gate(actor, Action::Update)?;
    let current = model(store, actor, id).await?;
    let m = check_model(store, actor, input).await?;
    let audit = AuditDraft::by(
        actor,
        MODEL,
        Some(id.to_string()),
        "update",
        json!({"before": {"name": current.name, "depreciation": current.depreciation.as_str(),
            "life_months": current.life_months}, "after": model_json(&m)}),
    );
    store
        .update_asset_model(
            actor.company_id,
            id,
            &m,
            version.unwrap_or(current.version),
            audit,
        )
        .await?;
    model(store, actor, id).await
}

// ---- assets ----

pub async fn list<S: AssetStore>(store: &S, actor: &Actor, q: &AssetQuery) -> Result<Page<Asset>> {
    let reach = reach(actor)?;
    if q.paging.is_export() {
        authorize_export(actor)?;
    }
    store.list_assets(actor.company_id, reach, q).await
}

/// The assets checked out to the actor themself (up to `limit`), whatever else they may
/// see: what a ticket form offers to link.
pub async fn held<S: AssetStore>(store: &S, actor: &Actor, limit: u32) -> Result<Vec<Asset>> {
    reach(actor)?;
    let q = AssetQuery {
        paging: Paging::new(Some(limit), None),
        ..Default::default()
    };
    Ok(store
        .list_assets(actor.company_id, Reach::Own(actor.user_id), &q)
        .await?
        .items)
}

/// One asset; one the actor may not see is not found (as another company's is).
pub async fn get<S: AssetStore>(store: &S, actor: &Actor, id: AssetId) -> Result<Asset> {
    reach(actor)?;
    store
        .asset(actor.company_id, id)
        .await?
        .filter(|a| sees(actor, a))
        .ok_or(Error::NotFound { entity: "asset" })
}

/// An asset's history, oldest first.
pub async fn history<S: AssetStore>(
    store: &S,
    actor: &Actor,
    id: AssetId,
) -> Result<Vec<AssetEvent>> {
    get(store, actor, id).await?;
    store.asset_events(actor.company_id, id).await
}

/// Tags are letters, digits, `-`, `_` and `.`, upper-cased.
fn tag(v: &mut Validator, text: &str) -> Option<String> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if t.len() > TAG_MAX
        || !t
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        v.push(
            "tag",
            "up to 50 letters, digits, '-', '_' or '.'; empty to number it",
        );
        return None;
    }
    Some(t.to_ascii_uppercase())
}

fn optional_date(v: &mut Validator, field: &str, text: &str) -> Option<NaiveDate> {
    let d = v.date(field, text)?;
    v.check(field, crate::time::check_date_range(field, d))?;
    Some(d)
}

/// An asset as typed, checked: `current` is the asset an update changes.
async fn check_asset<S: AssetStore>(
    store: &S,
    actor: &Actor,
    input: &AssetInput,
    current: Option<&Asset>,
) -> Result<NewAsset> {
    let mut v = Validator::new();
    let model = match input.model_id.trim().parse::<i64>() {
        Ok(i) if i > 0 => store.asset_model(actor.company_id, AssetModelId(i)).await?,
        _ => None,
    };
    let mut a = asset_fields(&mut v, actor, input, current, model.is_some());
    // The custom values against the fields of the model's category.
    if let Some(m) = &model {
        let defs = store
            .category_fields(actor.company_id, Some(m.category_id))
            .await?;
        // An asset moved to another category keeps only the values its new fields name
        // (what the old category's form sent included).
        let moved = current.is_some_and(|c| c.category_id != m.category_id);
        let known = |values: &Map<String, Value>| -> Map<String, Value> {
            values
                .iter()
                .filter(|(k, _)| !moved || defs.iter().any(|d| &d.key == *k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        let given = input.custom.as_ref().map(known);
        let kept = current.map(|c| known(&c.custom));
        a.custom = super::asset_fields::check_values(&mut v, &defs, given.as_ref(), kept.as_ref());
    }
    v.finish()?;
    Ok(a)
}

/// An asset as typed, checked field by field into `v` (`model_known`: whether the model id
/// names one of the company's models, which the caller read).
pub(crate) fn asset_fields(
    v: &mut Validator,
    actor: &Actor,
    input: &AssetInput,
    current: Option<&Asset>,
    model_known: bool,
) -> NewAsset {
    let tag = tag(v, &input.tag).or_else(|| current.map(|c| c.tag.clone()));
    let serial = v.line("serial", &input.serial, SERIAL_MAX, false);
    let name = v.line("name", &input.name, NAME_MAX, false);
    let model_id = match id_in(v, "model_id", &input.model_id, "a model") {
        Some(i) => {
            if !model_known {
                v.push("model_id", "no such model");
            }
            AssetModelId(i)
        }
        None => AssetModelId(0),
    };
    let status = match (input.status.trim(), current) {
        ("", Some(c)) => c.status,
        ("", None) => AssetStatus::Deployable,
        (s, _) => AssetStatus::parse(s).unwrap_or_else(|| {
            v.push("status", format!("one of {}", AssetStatus::words()));
            AssetStatus::Deployable
        }),
    };
    let was_deployed = current.is_some_and(|c| c.status == AssetStatus::Deployed);
    if status == AssetStatus::Deployed && !was_deployed {
        v.push("status", "an asset becomes deployed by checking it out");
    } else if was_deployed && status != AssetStatus::Deployed {
        v.push("status", "the asset is checked out: check it in first");
    }
    let location = v.line("location", &input.location, LOCATION_MAX, false);
    let supplier = v.line("supplier", &input.supplier, SUPPLIER_MAX, false);
    let purchase_date = optional_date(v, "purchase_date", &input.purchase_date);
    let warranty_end = optional_date(v, "warranty_end", &input.warranty_end);
    let currency = if input.currency.trim().is_empty() {
        current
            .map(|c| c.currency.clone())
            .unwrap_or_else(|| actor.company_currency.clone())
    } else {
        input.currency.trim().to_ascii_uppercase()
    };
    let purchase_cost = match Currency::parse(&currency) {
        Ok(c) if !input.purchase_cost.trim().is_empty() => v
            .check(
                "purchase_cost",
                crate::input::money("purchase_cost", &input.purchase_cost, &c),
            )
            .and_then(|m| {
                if m.minor < 0 {
                    v.push("purchase_cost", "a cost is not negative");
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
    };
    let notes = v.text("notes", &input.notes, NOTES_MAX, false);
    NewAsset {
        tag,
        serial: (!serial.is_empty()).then_some(serial),
        name,
        model_id,
        status,
        location,
        supplier,
        purchase_date,
        purchase_cost,
        currency,
        warranty_end,
        notes,
        custom: input
            .custom
            .clone()
            .or_else(|| current.map(|c| c.custom.clone()))
            .unwrap_or_default(),
    }
}

fn asset_json(a: &NewAsset) -> serde_json::Value {
    json!({"tag": a.tag, "serial": a.serial, "name": a.name, "model_id": a.model_id.0,
        "status": a.status.as_str(), "location": a.location, "supplier": a.supplier,
        "purchase_date": a.purchase_date.map(|d| d.to_string()),
        "purchase_cost": a.purchase_cost, "currency": a.currency,
        "warranty_end": a.warranty_end.map(|d| d.to_string()), "custom": a.custom})
}

/// A new asset (IT's staff). Without a tag the store numbers one (`A-000123`).
pub async fn create<S: AssetStore>(store: &S, actor: &Actor, input: &AssetInput) -> Result<Asset> {
    gate(actor, Action::Create)?;
    let a = check_asset(store, actor, input, None).await?;
    let audit = AuditDraft::by(actor, ASSET, None, "create", asset_json(&a));
    let id = store.insert_asset(actor.company_id, &a, audit).await?;
    get(store, actor, id).await
}

/// Changes an asset (every field is replaced; an empty tag or status keeps the current).
pub async fn update<S: AssetStore>(
    store: &S,
    actor: &Actor,
    id: AssetId,
    input: &AssetInput,
    version: Option<i64>,
) -> Result<Asset> {
    gate(actor, Action::Update)?;
    let current = get(store, actor, id).await?;
    let a = check_asset(store, actor, input, Some(&current)).await?;
    let audit = AuditDraft::by(
        actor,
        ASSET,
        Some(id.to_string()),
        "update",
        json!({"before": {"tag": current.tag, "serial": current.serial,
            "status": current.status.as_str(), "location": current.location},
            "after": asset_json(&a)}),
    );
    store
        .update_asset(
            actor.company_id,
            id,
            &a,
            version.unwrap_or(current.version),
            audit,
        )
        .await?;
    get(store, actor, id).await
}

/// The check-out's target as typed, checked into `v`: exactly one of `employee_id` (an
/// employee who has not left), `location` (a place) or `asset_id` (another asset of the
/// company, not this one, not retired or lost, not checked out to this one); none or
/// several are refused on the field.
async fn checkout_target<S: AssetStore + HrBaseStore>(
    store: &S,
    actor: &Actor,
    v: &mut Validator,
    id: AssetId,
    input: &CheckoutInput,
) -> Result<Option<CheckoutTarget>> {
    let given: Vec<&str> = [
        ("employee_id", &input.employee_id),
        ("location", &input.location),
        ("asset_id", &input.asset_id),
    ]
    .into_iter()
    .filter(|(_, t)| !t.trim().is_empty())
    .map(|(f, _)| f)
    .collect();
    match given.as_slice() {
        [] => {
            v.push(
                "employee_id",
                "choose an employee, a location or an asset to check it out to",
            );
            Ok(None)
        }
        ["employee_id"] => {
            let Some(i) = id_in(v, "employee_id", &input.employee_id, "an employee") else {
                return Ok(None);
            };
            Ok(
                match store.employee_ref(actor.company_id, EmployeeId(i)).await? {
                    Some(e) if e.status == "leaver" => {
                        v.push("employee_id", "this person has left");
                        None
                    }
                    Some(e) => Some(CheckoutTarget::Employee(e.id)),
                    None => {
                        v.push("employee_id", "no such employee");
                        None
                    }
                },
            )
        }
        ["location"] => {
            let l = v.line("location", &input.location, LOCATION_MAX, true);
            Ok((!l.is_empty()).then_some(CheckoutTarget::Location(l)))
        }
        ["asset_id"] => {
            let Some(i) = id_in(v, "asset_id", &input.asset_id, "an asset") else {
                return Ok(None);
            };
            let target = store.asset(actor.company_id, AssetId(i)).await?;
            Ok(match target {
                None => {
                    v.push("asset_id", "no such asset");
                    None
                }
                Some(t) if t.id == id => {
                    v.push("asset_id", "an asset cannot be checked out to itself");
                    None
                }
                Some(t) if matches!(t.status, AssetStatus::Retired | AssetStatus::Lost) => {
                    v.push(
                        "asset_id",
                        format!(
                            "{} is {}: check out to an asset in use",
                            t.tag,
                            t.status.label().to_lowercase()
                        ),
                    );
                    None
                }
                // The store follows the whole chain in its transaction; this is the
                // common case, named before anything is written.
                Some(t) if t.parent_id == Some(id) => {
                    v.push(
                        "asset_id",
                        format!("{} is checked out to this asset", t.tag),
                    );
                    None
                }
                Some(t) => Some(CheckoutTarget::Asset(t.id)),
            })
        }
        [_, more @ ..] => {
            for f in more {
                v.push(
                    f,
                    "check out to one of an employee, a location or an asset, not several",
                );
            }
            Ok(None)
        }
    }
}

/// Lends a `deployable` asset to an employee who has not left, to a location or with
/// another asset (see [`checkout_target`]); anything else is refused on its field, nothing
/// written. Only an employee's check-out asks for their acknowledgement and comes back
/// at offboarding.
pub async fn check_out<S: AssetStore + HrBaseStore>(
    store: &S,
    actor: &Actor,
    id: AssetId,
    input: &CheckoutInput,
    version: Option<i64>,
) -> Result<Asset> {
    gate(actor, Action::Update)?;
    let current = get(store, actor, id).await?;
    let mut v = Validator::new();
    if current.status != AssetStatus::Deployable {
        v.push(
            "status",
            format!(
                "only a deployable asset can be checked out; this one is {}",
                current.status.label().to_lowercase()
            ),
        );
    }
    let target = checkout_target(store, actor, &mut v, id, input).await?;
    let expected_return = optional_date(&mut v, "expected_return", &input.expected_return);
    if let Some(d) = expected_return {
        if d < Timestamp::now().to_datetime().date_naive() {
            v.push("expected_return", "a date from today on");
        }
    }
    let note = v.text("note", &input.note, NOTE_MAX, false);
    v.finish()?;
    let target = target.ok_or_else(|| Error::invalid("employee_id", "choose an employee"))?;
    let mut changes = json!({"tag": current.tag,
        "expected_return": expected_return.map(|d| d.to_string()), "note": note});
    if let Some(o) = changes.as_object_mut() {
        match &target {
            CheckoutTarget::Employee(e) => o.insert("employee_id".into(), json!(e.0)),
            CheckoutTarget::Location(l) => o.insert("location".into(), json!(l)),
            CheckoutTarget::Asset(a) => o.insert("asset_id".into(), json!(a.0)),
        };
    }
    let c = Checkout {
        target,
        expected_return,
        note,
    };
    let audit = AuditDraft::by(actor, ASSET, Some(id.to_string()), "check_out", changes);
    store
        .check_out_asset(
            actor.company_id,
            id,
            &c,
            version.unwrap_or(current.version),
            audit,
        )
        .await?;
    get(store, actor, id).await
}

/// What is checked out to an asset (a docking station's monitors), by tag.
pub async fn checked_out_to<S: AssetStore>(
    store: &S,
    actor: &Actor,
    id: AssetId,
) -> Result<Vec<Asset>> {
    get(store, actor, id).await?;
    Ok(store
        .assets_checked_out_to(actor.company_id, id)
        .await?
        .into_iter()
        .filter(|a| sees(actor, a))
        .collect())
}

/// Takes back a checked-out asset; it is `deployable` again.
pub async fn check_in<S: AssetStore>(
    store: &S,
    actor: &Actor,
    id: AssetId,
    note: &str,
    version: Option<i64>,
) -> Result<Asset> {
    gate(actor, Action::Update)?;
    let current = get(store, actor, id).await?;
    let mut v = Validator::new();
    if current.status != AssetStatus::Deployed {
        v.push("status", "the asset is not checked out");
    }
    let note = v.text("note", note, NOTE_MAX, false);
    v.finish()?;
    let audit = AuditDraft::by(
        actor,
        ASSET,
        Some(id.to_string()),
        "check_in",
        json!({"tag": current.tag, "employee_id": current.holder_id.map(|e| e.0),
            "location": current.checkout_location, "asset_id": current.parent_id.map(|a| a.0),
            "note": note}),
    );
    store
        .check_in_asset(
            actor.company_id,
            id,
            &note,
            version.unwrap_or(current.version),
            audit,
        )
        .await?;
    get(store, actor, id).await
}

/// The holder confirms they received the asset they hold (once a check-out; the version is
/// kept, so IT's forms read before it stay valid). Only the
/// holder may, through a grant to change their own records: IT's staff cannot confirm for
/// them (`Forbidden`); whoever does not see the asset gets `NotFound`.
pub async fn acknowledge<S: AssetStore>(store: &S, actor: &Actor, id: AssetId) -> Result<Asset> {
    let current = get(store, actor, id).await?;
    let holder = match (current.holder_id, current.holder_user_id) {
        (Some(h), Some(u)) if u == actor.user_id => h,
        _ => return Err(Error::Forbidden),
    };
    let target = Target {
        company: actor.company_id,
        owner: current.holder_user_id,
        department: current.holder_department_id,
    };
    authorize(actor, Permission::new(Domain::It, Action::Update), &target)?;
    let mut v = Validator::new();
    if current.acknowledged_at.is_some() {
        v.push("acknowledged_at", "you confirmed this already");
    }
    v.finish()?;
    let audit = AuditDraft::by(
        actor,
        ASSET,
        Some(id.to_string()),
        "acknowledge",
        json!({"tag": current.tag, "employee_id": holder.0}),
    );
    store
        .acknowledge_asset(actor.company_id, id, holder, audit)
        .await?;
    get(store, actor, id).await
}

/// The assets an employee holds: IT's staff see anyone's, a person their own.
pub async fn held_by<S: AssetStore + HrBaseStore>(
    store: &S,
    actor: &Actor,
    employee: EmployeeId,
) -> Result<Vec<Asset>> {
    let reach = reach(actor)?;
    let person = store
        .employee_ref(actor.company_id, employee)
        .await?
        .ok_or(Error::NotFound { entity: "employee" })?;
    if reach != Reach::All && person.user_id != Some(actor.user_id) {
        return Err(Error::Forbidden);
    }
    let q = AssetQuery {
        holder: Some(employee),
        paging: Paging::export(),
        ..AssetQuery::default()
    };
    Ok(store.list_assets(actor.company_id, reach, &q).await?.items)
}

/// What an employee was lent and gave back, oldest first: IT's staff ask about anyone, a
/// person about themself.
pub async fn history_of<S: AssetStore + HrBaseStore>(
    store: &S,
    actor: &Actor,
    employee: EmployeeId,
) -> Result<Vec<AssetEvent>> {
    let reach = reach(actor)?;
    let person = store
        .employee_ref(actor.company_id, employee)
        .await?
        .ok_or(Error::NotFound { entity: "employee" })?;
    if reach != Reach::All && person.user_id != Some(actor.user_id) {
        return Err(Error::Forbidden);
    }
    store
        .employee_asset_events(actor.company_id, employee)
        .await
}

pub const EXPORT_HEADERS: &[&str] = &[
    "tag",
    "serial",
    "name",
    "model",
    "category",
    "status",
    "location",
    "supplier",
    "purchase_date",
    "purchase_cost",
    "currency",
    "warranty_end",
    "holder",
    "expected_return",
    "notes",
];

/// One exported row, in [`EXPORT_HEADERS`]' order.
pub fn export_row(a: &Asset) -> Vec<String> {
    let day = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    vec![
        a.tag.clone(),
        a.serial.clone(),
        a.name.clone(),
        a.model.clone(),
        a.category.clone(),
        a.status.as_str().to_string(),
        a.location.clone(),
        a.supplier.clone(),
        day(a.purchase_date),
        a.purchase_cost
            .map(|c| crate::money::format_in(c, &a.currency))
            .unwrap_or_default(),
        a.currency.clone(),
        day(a.warranty_end),
        a.holder.clone().unwrap_or_default(),
        day(a.expected_return),
        a.notes.clone(),
    ]
}

/// The export's headers: [`EXPORT_HEADERS`], whom or what it is checked out to, then one
/// column per custom field key (`keys`, see `asset_fields::keys`).
pub fn export_headers(keys: &[String]) -> Vec<String> {
    EXPORT_HEADERS
        .iter()
        .map(|h| h.to_string())
        .chain(std::iter::once("checked_out_to".to_string()))
        .chain(keys.iter().cloned())
        .collect()
}

/// One exported row, in [`export_headers`]' order.
pub fn export_row_with(a: &Asset, keys: &[String]) -> Vec<String> {
    let mut row = export_row(a);
    row.push(a.target_text());
    row.extend(keys.iter().map(|k| {
        a.custom
            .get(k)
            .map(crate::custom_fields::value_text)
            .unwrap_or_default()
    }));
    row
}

/// The tag the store gives the `n`th numbered asset.
pub fn numbered_tag(n: i64) -> String {
    format!("A-{n:06}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_numbered_with_six_digits() {
        assert_eq!(numbered_tag(123), "A-000123");
        assert_eq!(numbered_tag(1_234_567), "A-1234567");
    }

    #[test]
    fn words_round_trip() {
        for s in AssetStatus::ALL {
            assert_eq!(AssetStatus::parse(s.as_str()), Some(*s));
        }
        for d in Depreciation::ALL {
            assert_eq!(Depreciation::parse(d.as_str()), Some(*d));
        }
        let mut v = Validator::new();
        assert_eq!(tag(&mut v, " a-1 "), Some("A-1".to_string()));
        assert_eq!(tag(&mut v, ""), None);
        assert!(v.is_empty());
        assert_eq!(tag(&mut v, "a b"), None);
        assert!(!v.is_empty());
    }
}
