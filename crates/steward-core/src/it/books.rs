//! IT to the books: an asset's purchase goes into the ledger, a depreciation run posts what
//! the assets lost in value month by month, and a disposal posts the gain or the loss.
//!
//! - **Accounts by category**: each asset category names its fixed-asset account, its
//!   accumulated-depreciation account, its depreciation-expense account and the account
//!   that takes the gain or loss on disposal. An asset copies the first three when it is
//!   booked, so a later change of the category's accounts never splits an asset's cost
//!   from its depreciation.
//! - **Booking** (one asset, or every unbooked asset of a category at once, e.g. an opening
//!   balance) posts the cost to the asset account against the account given (payables, the
//!   bank, opening equity); the depreciation the asset took before the month it is booked in
//!   goes straight to accumulated depreciation in the same entry, so a laptop bought two
//!   years ago and booked today is worth today what its schedule says.
//! - **A depreciation run** through a month posts, for every booked asset still held, what
//!   its schedule accumulated through that month less what was posted before: one entry
//!   (expense by account and the holder's department, accumulated depreciation by account)
//!   and one row per asset. Because the amount due is always "schedule so far less posted",
//!   a run repeated, retried after a crash, or run for a month already posted writes
//!   nothing; a month skipped is caught up by the next run. A daily job runs through the
//!   month before today. Every run, disposal and booking is one transaction with its audit
//!   event; a run and a disposal of the same company at once cannot both count a month
//!   (the company's books version moves with each, and the second is refused).
//! - **Disposal** (sold, scrapped or lost) first catches up the asset's depreciation through
//!   the disposal month, then takes the cost out of the asset account and the accumulated
//!   depreciation out of its account; what was received goes to the account given, and the
//!   difference is the gain (a credit) or loss (a debit) on the category's disposal account.
//!
//! Who: the books side needs the ledger's grants (`accounting.read` to see, `accounting.update`
//! to name accounts, `accounting.create` to post); a disposal also changes the asset, so it
//! needs IT's `it.update` too. Only assets in the books' currency are booked.
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;
use std::future::Future;

use super::assets::{self, AssetStatus, AssetStore, Depreciation};
use super::depreciation;
use crate::audit::AuditDraft;
use crate::auth::{authorize_company, Action, Actor, Domain, Permission};
use crate::error::Validator;
use crate::ids::{AccountId, AssetCategoryId, AssetId, CompanyId, DepartmentId, EntryId, UserId};
use crate::ledger::{JournalKind, LedgerStore, Line, NewEntry};
use crate::list::{Page, Paging};
use crate::time::Timestamp;
use crate::{Error, Result};

/// The daily job that posts depreciation through the month before today
/// (`it::depreciation_job`).
pub const RUN_JOB: &str = "it.depreciation";

// ---------------------------------------------------------------- types

/// A category's accounts (any may be unset until the books use them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CategoryAccounts {
    pub category_id: AssetCategoryId,
    pub category: String,
    pub asset_account_id: Option<AccountId>,
    pub accumulated_account_id: Option<AccountId>,
    pub expense_account_id: Option<AccountId>,
    pub disposal_account_id: Option<AccountId>,
}

/// A category's accounts as typed: each a name or code, empty for none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CategoryAccountsInput {
    pub asset_account: String,
    pub accumulated_account: String,
    pub expense_account: String,
    pub disposal_account: String,
}

/// What the books know of an asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssetBooks {
    pub asset_id: AssetId,
    /// The date of the booking entry.
    pub booked_on: NaiveDate,
    /// Minor units of `currency`, as booked.
    pub cost: i64,
    pub currency: String,
    /// What it is worth at the end of its life.
    pub residual: i64,
    pub method: Depreciation,
    pub life_months: i64,
    /// The first day of the month its schedule starts (the purchase month).
    pub start: NaiveDate,
    pub asset_account_id: AccountId,
    pub accumulated_account_id: AccountId,
    pub expense_account_id: AccountId,
    pub entry_id: EntryId,
    /// Depreciation posted so far (minor units).
    pub depreciated: i64,
    /// The first day of the last month posted; None before any.
    pub depreciated_through: Option<NaiveDate>,
    pub disposed_on: Option<NaiveDate>,
    pub proceeds: Option<i64>,
    pub disposal_entry_id: Option<EntryId>,
}

impl AssetBooks {
    /// Cost less the depreciation posted.
    pub fn book_value(&self) -> i64 {
        self.cost - self.depreciated
    }

    fn schedule(&self) -> Vec<depreciation::Period> {
        depreciation::schedule(
            self.cost,
            self.residual,
            self.method,
            u32::try_from(self.life_months).unwrap_or(0),
            self.start,
        )
    }

    /// What the schedule accumulated through the month holding `day`.
    pub fn due_through(&self, day: NaiveDate) -> i64 {
        accumulated_through(&self.schedule(), day)
    }
}

/// What the schedule `periods` accumulated through the month holding `day` (0 before it
/// starts, everything after it ends).
pub fn accumulated_through(periods: &[depreciation::Period], day: NaiveDate) -> i64 {
    let month = first_of(day);
    periods
        .iter()
        .take_while(|p| p.month <= month)
        .last()
        .map(|p| p.accumulated)
        .unwrap_or(0)
}

fn first_of(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

fn last_of(day: NaiveDate) -> NaiveDate {
    first_of(day)
        .checked_add_months(chrono::Months::new(1))
        .and_then(|d| d.pred_opt())
        .unwrap_or(day)
}

/// A checked booking for the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAssetBooks {
    pub asset_id: AssetId,
    pub booked_on: NaiveDate,
    pub cost: i64,
    pub currency: String,
    pub residual: i64,
    pub method: Depreciation,
    pub life_months: i64,
    pub start: NaiveDate,
    pub asset_account_id: AccountId,
    pub accumulated_account_id: AccountId,
    pub expense_account_id: AccountId,
    /// Depreciation before the booking month, posted by the booking entry.
    pub depreciated: i64,
    pub depreciated_through: Option<NaiveDate>,
}

/// An asset a booking may take: not yet booked, with its cost, purchase date and model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bookable {
    pub asset_id: AssetId,
    pub tag: String,
    pub category_id: AssetCategoryId,
    pub status: AssetStatus,
    pub cost: Option<i64>,
    pub currency: String,
    pub purchase_date: Option<NaiveDate>,
    pub method: Depreciation,
    pub life_months: i64,
}

/// A booked asset a run depreciates, with the department its expense goes to (its
/// holder's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Depreciable {
    pub books: AssetBooks,
    pub tag: String,
    pub department_id: Option<DepartmentId>,
}

/// One posted run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DepreciationRun {
    pub id: i64,
    /// The first day of the last month it posted.
    pub through: NaiveDate,
    pub entry_id: EntryId,
    /// How many assets it depreciated, and by how much in all (minor units).
    pub assets: i64,
    pub amount: i64,
    pub currency: String,
    pub at: Timestamp,
    pub actor: String,
}

/// A run as the store writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRun {
    pub through: NaiveDate,
    pub amount: i64,
    pub currency: String,
    /// Each asset's amount.
    pub lines: Vec<(AssetId, i64)>,
    /// Who ran it (the audit name).
    pub actor: String,
}

/// A disposal as the store writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDisposal {
    pub asset_id: AssetId,
    pub date: NaiveDate,
    pub proceeds: i64,
    /// The depreciation caught up through the disposal month (0 when none).
    pub catch_up: i64,
    pub status: AssetStatus,
}

/// One month's depreciation posted for an asset (by a run or a disposal).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PostedDepreciation {
    pub month: NaiveDate,
    pub amount: i64,
    pub entry_id: EntryId,
}

pub trait AssetBookStore: Send + Sync {
    /// Every category with its accounts (unset ones `None`), by name.
    fn category_accounts(
        &self,
        company: CompanyId,
    ) -> impl Future<Output = Result<Vec<CategoryAccounts>>> + Send;
    /// Not found when the category is not the company's.
    fn set_category_accounts(
        &self,
        company: CompanyId,
        accounts: &CategoryAccounts,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    fn asset_books(
        &self,
        company: CompanyId,
        asset: AssetId,
    ) -> impl Future<Output = Result<Option<AssetBooks>>> + Send;
    /// The assets not yet booked (of `category` when given), by tag.
    fn bookable_assets(
        &self,
        company: CompanyId,
        asset: Option<AssetId>,
        category: Option<AssetCategoryId>,
    ) -> impl Future<Output = Result<Vec<Bookable>>> + Send;
    /// Posts `entry` and records `items` as booked by it, in one transaction. An asset
    /// booked meanwhile is a conflict and nothing is written.
    fn book_assets(
        &self,
        company: CompanyId,
        items: &[NewAssetBooks],
        entry: &NewEntry,
        created_by: Option<UserId>,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<EntryId>> + Send;
    /// The company's books version: moved by every run and disposal.
    fn books_version(&self, company: CompanyId) -> impl Future<Output = Result<i64>> + Send;
    /// Booked assets not disposed.
    fn depreciable_assets(
        &self,
        company: CompanyId,
    ) -> impl Future<Output = Result<Vec<Depreciable>>> + Send;
    /// Posts `entry` and the run's rows in one transaction, if the books version is still
    /// `version` (else a conflict and nothing is written).
    fn post_depreciation(
        &self,
        company: CompanyId,
        run: &NewRun,
        entry: &NewEntry,
        created_by: Option<UserId>,
        audit: AuditDraft,
        version: i64,
    ) -> impl Future<Output = Result<DepreciationRun>> + Send;
    /// Newest first.
    fn depreciation_runs(
        &self,
        company: CompanyId,
        paging: Paging,
    ) -> impl Future<Output = Result<Page<DepreciationRun>>> + Send;
    /// Posts `entry`, marks the asset disposed with `status` (refused while it is out) and
    /// records the catch-up, in one transaction, if the books version is still `version`.
    fn dispose_asset(
        &self,
        company: CompanyId,
        d: &NewDisposal,
        entry: &NewEntry,
        created_by: Option<UserId>,
        audit: AuditDraft,
        version: i64,
    ) -> impl Future<Output = Result<EntryId>> + Send;
    /// The depreciation posted for an asset, by month.
    fn posted_depreciation(
        &self,
        company: CompanyId,
        asset: AssetId,
    ) -> impl Future<Output = Result<Vec<PostedDepreciation>>> + Send;
    /// Every company with a booked asset not disposed: its name and books' currency.
    fn companies_with_booked_assets(
        &self,
    ) -> impl Future<Output = Result<Vec<(CompanyId, String, String)>>> + Send;
}

// ---------------------------------------------------------------- who

fn books(actor: &Actor, action: Action) -> Result<()> {
    authorize_company(actor, Permission::new(Domain::Accounting, action))
}

/// Whether the actor sees the books side of assets (`accounting.read`).
pub fn may_read(actor: &Actor) -> bool {
    books(actor, Action::Read).is_ok()
}

/// Whether the actor names categories' accounts (`accounting.update`).
pub fn may_configure(actor: &Actor) -> bool {
    books(actor, Action::Update).is_ok()
}

/// Whether the actor posts assets to the books (`accounting.create`).
pub fn may_post(actor: &Actor) -> bool {
    books(actor, Action::Create).is_ok()
}

/// Whether the actor disposes of assets (`accounting.create` and `it.update`).
pub fn may_dispose(actor: &Actor) -> bool {
    may_post(actor) && assets::may_write(actor)
}

// ---------------------------------------------------------------- accounts by category

/// The accounts the books' forms offer: active, without sub-accounts (`accounting.read`).
pub async fn postable_accounts<S: LedgerStore>(
    store: &S,
    actor: &Actor,
) -> Result<Vec<crate::ledger::Account>> {
    books(actor, Action::Read)?;
    Ok(store
        .all_accounts(actor.company_id)
        .await?
        .into_iter()
        .filter(|a| a.active && !a.has_children)
        .collect())
}

pub async fn category_accounts<S: AssetBookStore>(
    store: &S,
    actor: &Actor,
) -> Result<Vec<CategoryAccounts>> {
    books(actor, Action::Read)?;
    store.category_accounts(actor.company_id).await
}

/// Names a category's accounts (each must take postings).
pub async fn set_category_accounts<S: AssetBookStore + AssetStore + LedgerStore>(
    store: &S,
    actor: &Actor,
    category: AssetCategoryId,
    input: &CategoryAccountsInput,
) -> Result<CategoryAccounts> {
    books(actor, Action::Update)?;
    let all = store.category_accounts(actor.company_id).await?;
    let current = all
        .into_iter()
        .find(|c| c.category_id == category)
        .ok_or(Error::NotFound { entity: "category" })?;
    let typed = crate::ledger::accounts::TypedAccounts::load(
        store,
        actor.company_id,
        &[
            &input.asset_account,
            &input.accumulated_account,
            &input.expense_account,
            &input.disposal_account,
        ],
    )
    .await?;
    let mut v = Validator::new();
    let mut pick = |field: &str, text: &str| typed.postable(&mut v, field, text).map(|a| a.id);
    let next = CategoryAccounts {
        asset_account_id: pick("asset_account", &input.asset_account),
        accumulated_account_id: pick("accumulated_account", &input.accumulated_account),
        expense_account_id: pick("expense_account", &input.expense_account),
        disposal_account_id: pick("disposal_account", &input.disposal_account),
        ..current.clone()
    };
    if next.asset_account_id.is_some() && next.asset_account_id == next.accumulated_account_id {
        v.push(
            "accumulated_account",
            "accumulated depreciation needs an account of its own, not the asset account",
        );
    }
    v.finish()?;
    let audit = AuditDraft::by(
        actor,
        super::CATEGORY,
        Some(category.0.to_string()),
        "set_accounts",
        json!({
            "asset_account_id": [current.asset_account_id, next.asset_account_id],
            "accumulated_account_id": [current.accumulated_account_id, next.accumulated_account_id],
            "expense_account_id": [current.expense_account_id, next.expense_account_id],
            "disposal_account_id": [current.disposal_account_id, next.disposal_account_id],
        }),
    );
    store
        .set_category_accounts(actor.company_id, &next, audit)
        .await?;
    Ok(next)
}

// ---------------------------------------------------------------- posting basics

/// The books' commodity for `currency` (refused when the books keep none, or keep it with
/// other decimals than the asset's amounts) and the general journal.
async fn target<S: LedgerStore>(
    store: &S,
    actor: &Actor,
    currency: &str,
) -> Result<(crate::ledger::Commodity, crate::ids::JournalId)> {
    if currency != actor.company_currency {
        return Err(Error::invalid(
            "currency",
            format!(
                "only assets in the books' currency ({}) go to the books; this one is in {currency}",
                actor.company_currency
            ),
        ));
    }
    let commodity = store
        .commodities(actor.company_id)
        .await?
        .into_iter()
        .find(|c| c.symbol == currency)
        .ok_or_else(|| {
            Error::invalid(
                "currency",
                format!("the books have no currency {currency}: add it under Books, settings"),
            )
        })?;
    if commodity.precision != crate::money::precision_of(currency) {
        return Err(Error::invalid(
            "currency",
            format!(
                "the books keep {currency} with {} decimals, assets with {}",
                commodity.precision,
                crate::money::precision_of(currency)
            ),
        ));
    }
    let journals = store.journals(actor.company_id).await?;
    let journal = journals
        .iter()
        .find(|j| j.kind == JournalKind::General)
        .or_else(|| journals.first())
        .ok_or_else(|| Error::invalid("journal", "the books have no journal"))?
        .id;
    Ok((commodity, journal))
}

fn line(
    commodity: &crate::ledger::Commodity,
    account_id: AccountId,
    amount: i64,
    department_id: Option<DepartmentId>,
    memo: &str,
) -> Line {
    Line {
        account_id,
        account: String::new(),
        commodity_id: commodity.id,
        commodity: commodity.symbol.clone(),
        amount,
        cost: None,
        department_id,
        project: String::new(),
        memo: memo.to_string(),
    }
}

/// Signed amounts by account.
pub type Postings = Vec<(AccountId, i64)>;

/// `(account, signed amount)` pairs folded by account in order of first use, zeros left out.
fn folded(pairs: impl IntoIterator<Item = (AccountId, i64)>) -> Vec<(AccountId, i64)> {
    let mut out: Vec<(AccountId, i64)> = Vec::new();
    for (account, amount) in pairs {
        match out.iter_mut().find(|(a, _)| *a == account) {
            Some(p) => p.1 += amount,
            None => out.push((account, amount)),
        }
    }
    out.retain(|(_, n)| *n != 0);
    out
}

// ---------------------------------------------------------------- booking

/// A booking as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BookInput {
    /// What the cost is owed to or paid from (payables, bank, opening equity): name or code.
    pub credit_account: String,
    /// The entry's date; empty: the purchase date (one asset) and required for many.
    pub date: String,
    /// The residual value (one asset only); empty: none.
    pub residual: String,
    /// Many: only this category's (empty: every category).
    pub category_id: String,
}

/// The lines of a booking entry: each asset account takes its assets' cost, each
/// accumulated account what they lost before the booking month, the credit account the
/// rest. Balanced by construction.
pub fn booking_lines(items: &[NewAssetBooks], credit: AccountId) -> (Postings, Postings) {
    let cost = folded(items.iter().map(|b| (b.asset_account_id, b.cost)));
    let mut credits = folded(
        items
            .iter()
            .map(|b| (b.accumulated_account_id, -b.depreciated)),
    );
    let total: i64 = items.iter().map(|b| b.cost - b.depreciated).sum();
    if total != 0 {
        credits.push((credit, -total));
    }
    (cost, credits)
}

fn booking_of(
    b: &Bookable,
    books_currency: &str,
    accounts: Option<&CategoryAccounts>,
    date: NaiveDate,
    residual: i64,
) -> std::result::Result<NewAssetBooks, (String, String)> {
    let bad = |field: &str, m: String| Err((field.to_string(), m));
    if b.currency != books_currency {
        return bad(
            "currency",
            format!(
                "only assets in the books' currency ({books_currency}) go to the books; this one is in {}",
                b.currency
            ),
        );
    }
    if matches!(b.status, AssetStatus::Retired | AssetStatus::Lost) {
        return bad(
            "asset",
            format!("{} is {}: it is not booked", b.tag, b.status.label()),
        );
    }
    let (Some(cost), Some(bought)) = (b.cost, b.purchase_date) else {
        return bad(
            "asset",
            format!(
                "{} has no purchase cost or date: give both before it goes to the books",
                b.tag
            ),
        );
    };
    if cost <= 0 {
        return bad("asset", format!("{} has no cost to book", b.tag));
    }
    if residual < 0 || residual > cost {
        return bad("residual", "between 0 and the asset's cost".to_string());
    }
    let Some(a) = accounts else {
        return bad("category", format!("{}'s category is unknown", b.tag));
    };
    let (Some(asset), Some(accumulated), Some(expense)) = (
        a.asset_account_id,
        a.accumulated_account_id,
        a.expense_account_id,
    ) else {
        return bad(
            "category",
            format!(
                "name the asset, accumulated depreciation and depreciation expense accounts of category {} first (IT, books)",
                a.category
            ),
        );
    };
    if date < bought {
        return bad(
            "date",
            format!(
                "{} was bought on {bought}: book it on or after that day",
                b.tag
            ),
        );
    }
    let start = first_of(bought);
    let periods = depreciation::schedule(
        cost,
        residual,
        b.method,
        u32::try_from(b.life_months).unwrap_or(0),
        start,
    );
    // What the schedule took in the months before the booking month.
    let before = first_of(date).pred_opt();
    let depreciated = before
        .map(|d| accumulated_through(&periods, d))
        .unwrap_or(0);
    Ok(NewAssetBooks {
        asset_id: b.asset_id,
        booked_on: date,
        cost,
        currency: b.currency.clone(),
        residual,
        method: b.method,
        life_months: b.life_months,
        start,
        asset_account_id: asset,
        accumulated_account_id: accumulated,
        expense_account_id: expense,
        depreciated,
        depreciated_through: (depreciated > 0).then(|| before.map(first_of)).flatten(),
    })
}

/// The account a booking credits (required; it must take postings), or the reason on
/// `credit_account`.
async fn credit_account<S: LedgerStore>(
    store: &S,
    actor: &Actor,
    v: &mut Validator,
    text: &str,
) -> Result<Option<AccountId>> {
    if text.trim().is_empty() {
        v.push(
            "credit_account",
            "name the account the cost is owed to or paid from",
        );
        return Ok(None);
    }
    let typed =
        crate::ledger::accounts::TypedAccounts::load(store, actor.company_id, &[text]).await?;
    Ok(typed.postable(v, "credit_account", text).map(|a| a.id))
}

/// Books one asset: its cost against `credit_account`, on the purchase date unless a date
/// is given. Its entry.
pub async fn book<S: AssetBookStore + AssetStore + LedgerStore>(
    store: &S,
    actor: &Actor,
    id: AssetId,
    input: &BookInput,
) -> Result<EntryId> {
    books(actor, Action::Create)?;
    let mut found = store
        .bookable_assets(actor.company_id, Some(id), None)
        .await?;
    let Some(b) = found.pop() else {
        return match store.asset_books(actor.company_id, id).await? {
            Some(_) => Err(Error::conflict("the asset is in the books already")),
            None => Err(Error::NotFound { entity: "asset" }),
        };
    };
    let mut v = Validator::new();
    let date = if input.date.trim().is_empty() {
        b.purchase_date
    } else {
        v.date("date", &input.date)
    };
    let residual = {
        let t = input.residual.trim();
        if t.is_empty() {
            0
        } else {
            match crate::money::parse_decimal(t, crate::money::precision_of(&b.currency)) {
                Some(n) => n,
                None => {
                    v.push("residual", format!("an amount in {}", b.currency));
                    0
                }
            }
        }
    };
    let credit = credit_account(store, actor, &mut v, &input.credit_account).await?;
    v.finish()?;
    let (Some(date), Some(credit)) = (date, credit) else {
        return Err(Error::invalid(
            "date",
            "give the booking date (the asset has no purchase date)",
        ));
    };
    let accounts = store.category_accounts(actor.company_id).await?;
    let item = booking_of(
        &b,
        &actor.company_currency,
        accounts.iter().find(|c| c.category_id == b.category_id),
        date,
        residual,
    )
    .map_err(|(f, m)| Error::invalid(f, m))?;
    post_booking(
        store,
        actor,
        vec![item],
        credit,
        date,
        &format!("Asset {}", b.tag),
    )
    .await
}

/// Books every unbooked asset (of one category when given) on one date in one entry: an
/// opening balance, or a batch bought together. Assets without a cost or date, retired,
/// lost, or in another currency are refused by tag; nothing is written then.
pub async fn book_all<S: AssetBookStore + AssetStore + LedgerStore>(
    store: &S,
    actor: &Actor,
    input: &BookInput,
) -> Result<(EntryId, usize)> {
    books(actor, Action::Create)?;
    let mut v = Validator::new();
    if input.date.trim().is_empty() {
        v.push("date", "give the date the assets go to the books");
    }
    let date = v.date("date", &input.date);
    let category = match input.category_id.trim() {
        "" => None,
        t => match t.parse::<i64>() {
            Ok(n) => Some(AssetCategoryId(n)),
            Err(_) => {
                v.push("category_id", "a category's id");
                None
            }
        },
    };
    let credit = credit_account(store, actor, &mut v, &input.credit_account).await?;
    v.finish()?;
    let (Some(date), Some(credit)) = (date, credit) else {
        return Err(Error::invalid("date", "give the date"));
    };
    let accounts = store.category_accounts(actor.company_id).await?;
    if let Some(c) = category {
        if !accounts.iter().any(|a| a.category_id == c) {
            return Err(Error::invalid("category_id", "no such category"));
        }
    }
    let found = store
        .bookable_assets(actor.company_id, None, category)
        .await?;
    let found: Vec<Bookable> = found
        .into_iter()
        .filter(|b| !matches!(b.status, AssetStatus::Retired | AssetStatus::Lost))
        .collect();
    if found.is_empty() {
        return Err(Error::invalid(
            "category_id",
            "every asset there is in the books already",
        ));
    }
    let mut items = Vec::with_capacity(found.len());
    let mut errors = Vec::new();
    for b in &found {
        match booking_of(
            b,
            &actor.company_currency,
            accounts.iter().find(|c| c.category_id == b.category_id),
            date,
            0,
        ) {
            Ok(i) => items.push(i),
            Err((_, m)) => errors.push(crate::error::FieldError {
                field: format!("assets[{}]", b.tag),
                message: m,
            }),
        }
        if errors.len() >= 50 {
            break;
        }
    }
    if !errors.is_empty() {
        return Err(Error::InvalidMany(errors));
    }
    let n = items.len();
    let entry = post_booking(store, actor, items, credit, date, &format!("{n} assets")).await?;
    Ok((entry, n))
}

async fn post_booking<S: AssetBookStore + LedgerStore>(
    store: &S,
    actor: &Actor,
    items: Vec<NewAssetBooks>,
    credit: AccountId,
    date: NaiveDate,
    what: &str,
) -> Result<EntryId> {
    let (commodity, journal) = target(store, actor, &actor.company_currency).await?;
    let (debits, credits) = booking_lines(&items, credit);
    let mut lines: Vec<Line> = debits
        .iter()
        .chain(credits.iter())
        .map(|(a, n)| line(&commodity, *a, *n, None, ""))
        .collect();
    lines.retain(|l| l.amount != 0);
    let ids: Vec<i64> = items.iter().map(|i| i.asset_id.0).collect();
    let entry = NewEntry {
        journal_id: journal,
        date,
        reference: String::new(),
        description: format!("{what} into the books"),
        comment: String::new(),
        lines,
        client_key: None,
        reverses: None,
    };
    let audit = AuditDraft::by(
        actor,
        super::ASSET,
        (ids.len() == 1).then(|| ids[0].to_string()),
        "book",
        json!({"assets": ids.iter().take(50).collect::<Vec<_>>(), "count": ids.len(), "date": date,
               "cost": items.iter().map(|i| i.cost).sum::<i64>(),
               "depreciated": items.iter().map(|i| i.depreciated).sum::<i64>()}),
    );
    store
        .book_assets(actor.company_id, &items, &entry, actor.author(), audit)
        .await
}

// ---------------------------------------------------------------- depreciation runs

/// What a run through `through` posts: each asset's due amount (schedule so far less
/// posted; only positive ones) in the order given.
pub fn due_amounts(assets: &[Depreciable], through: NaiveDate) -> Vec<(usize, i64)> {
    assets
        .iter()
        .enumerate()
        .filter(|(_, d)| d.books.disposed_on.is_none() && d.books.booked_on <= last_of(through))
        .filter_map(|(i, d)| {
            let due = d.books.due_through(through) - d.books.depreciated;
            (due > 0).then_some((i, due))
        })
        .collect()
}

/// The lines of a run's entry: expense by account and department, accumulated depreciation
/// by account. Balanced by construction.
pub fn run_lines(
    assets: &[Depreciable],
    due: &[(usize, i64)],
) -> Vec<(AccountId, Option<DepartmentId>, i64)> {
    let mut debits: BTreeMap<(i64, Option<i64>), i64> = BTreeMap::new();
    let mut credits: BTreeMap<i64, i64> = BTreeMap::new();
    for (i, n) in due {
        let d = &assets[*i];
        *debits
            .entry((d.books.expense_account_id.0, d.department_id.map(|x| x.0)))
            .or_default() += n;
        *credits.entry(d.books.accumulated_account_id.0).or_default() -= n;
    }
    debits
        .into_iter()
        .map(|((a, dep), n)| (AccountId(a), dep.map(DepartmentId), n))
        .chain(credits.into_iter().map(|(a, n)| (AccountId(a), None, n)))
        .collect()
}

/// The month `yyyy-mm` (or a date in it) as its first day.
pub fn parse_month(field: &str, s: &str) -> Result<NaiveDate> {
    let t = s.trim();
    let day = if t.len() == 7 {
        format!("{t}-01")
    } else {
        t.to_string()
    };
    crate::time::parse_date(field, &day)
        .map(first_of)
        .map_err(|_| Error::invalid(field, "a month as YYYY-MM"))
}

/// Posts the depreciation of every booked asset through the month `through` (its first
/// day). `None` when nothing is due (a run repeated writes nothing).
pub async fn run<S: AssetBookStore + LedgerStore>(
    store: &S,
    actor: &Actor,
    through: NaiveDate,
) -> Result<Option<DepreciationRun>> {
    books(actor, Action::Create)?;
    let through = first_of(through);
    let now = first_of(crate::time::today());
    if through > now {
        return Err(Error::invalid(
            "through",
            format!(
                "a month up to this one ({}): depreciation is not posted ahead",
                now.format("%Y-%m")
            ),
        ));
    }
    let version = store.books_version(actor.company_id).await?;
    let assets = store.depreciable_assets(actor.company_id).await?;
    let due = crate::blocking::run(move || {
        let due = due_amounts(&assets, through);
        (assets, due)
    })
    .await?;
    let (assets, due) = due;
    if due.is_empty() {
        return Ok(None);
    }
    let (commodity, journal) = target(store, actor, &actor.company_currency).await?;
    let amount: i64 = due.iter().map(|(_, n)| n).sum();
    let lines = run_lines(&assets, &due)
        .into_iter()
        .map(|(a, dep, n)| line(&commodity, a, n, dep, ""))
        .collect();
    let month = through.format("%Y-%m").to_string();
    let entry = NewEntry {
        journal_id: journal,
        date: last_of(through),
        reference: format!("DEP-{month}"),
        description: format!("Depreciation of IT assets through {month}"),
        comment: String::new(),
        lines,
        client_key: Some(format!("it-depreciation:{month}:{version}")),
        reverses: None,
    };
    let audit = AuditDraft::by(
        actor,
        "it.depreciation_run",
        None,
        "post",
        json!({"through": month, "assets": due.len(), "amount": amount}),
    );
    let new = NewRun {
        through,
        amount,
        currency: actor.company_currency.clone(),
        lines: due
            .iter()
            .map(|(i, n)| (assets[*i].books.asset_id, *n))
            .collect(),
        actor: actor.audit_name(),
    };
    store
        .post_depreciation(
            actor.company_id,
            &new,
            &entry,
            actor.author(),
            audit,
            version,
        )
        .await
        .map(Some)
}

pub async fn runs<S: AssetBookStore>(
    store: &S,
    actor: &Actor,
    paging: Paging,
) -> Result<Page<DepreciationRun>> {
    books(actor, Action::Read)?;
    store.depreciation_runs(actor.company_id, paging).await
}

// ---------------------------------------------------------------- disposal

/// A disposal as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DisposeInput {
    pub date: String,
    /// What was received (an amount; empty or 0 when scrapped or lost).
    pub proceeds: String,
    /// Where the proceeds went (bank, receivables): required with proceeds.
    pub proceeds_account: String,
    /// `retired` (sold or scrapped) or `lost`.
    pub status: String,
}

/// The lines of a disposal (accounts and signed amounts): the catch-up's expense, the
/// accumulated depreciation cleared, the proceeds, the cost out, and the gain (credit) or
/// loss (debit). Balanced by construction.
pub fn disposal_lines(
    b: &AssetBooks,
    catch_up: i64,
    proceeds: i64,
    proceeds_account: Option<AccountId>,
    disposal_account: AccountId,
) -> Vec<(AccountId, i64)> {
    let cleared = b.depreciated + catch_up;
    let received = if proceeds_account.is_some() {
        proceeds
    } else {
        0
    };
    let gain_loss = b.cost - cleared - received;
    folded(
        [
            (b.expense_account_id, catch_up),
            (b.accumulated_account_id, -catch_up),
            (b.accumulated_account_id, cleared),
        ]
        .into_iter()
        .chain(proceeds_account.map(|a| (a, received)))
        .chain([(b.asset_account_id, -b.cost), (disposal_account, gain_loss)]),
    )
}

/// Disposes of a booked asset: catches its depreciation up through the disposal month and
/// posts the disposal; the asset becomes `retired` or `lost`. Its entry.
pub async fn dispose<S: AssetBookStore + AssetStore + LedgerStore>(
    store: &S,
    actor: &Actor,
    id: AssetId,
    input: &DisposeInput,
) -> Result<EntryId> {
    if !may_dispose(actor) {
        return Err(Error::Forbidden);
    }
    let asset = assets::get(store, actor, id).await?;
    let b = store
        .asset_books(actor.company_id, id)
        .await?
        .ok_or_else(|| {
            Error::conflict("the asset is not in the books: retire it by its status instead")
        })?;
    if b.disposed_on.is_some() {
        return Err(Error::conflict("the asset was disposed of already"));
    }
    let mut v = Validator::new();
    if input.date.trim().is_empty() {
        v.push("date", "give the disposal date");
    }
    let date = v.date("date", &input.date);
    let status = match input.status.trim() {
        "" | "retired" => AssetStatus::Retired,
        "lost" => AssetStatus::Lost,
        _ => {
            v.push("status", "retired or lost");
            AssetStatus::Retired
        }
    };
    let precision = crate::money::precision_of(&b.currency);
    let proceeds = match input.proceeds.trim() {
        "" => 0,
        t => match crate::money::parse_decimal(t, precision) {
            Some(n) if n >= 0 => n,
            _ => {
                v.push(
                    "proceeds",
                    format!("an amount in {} (0 when nothing was received)", b.currency),
                );
                0
            }
        },
    };
    let typed = crate::ledger::accounts::TypedAccounts::load(
        store,
        actor.company_id,
        &[&input.proceeds_account],
    )
    .await?;
    let proceeds_account = typed
        .postable(&mut v, "proceeds_account", &input.proceeds_account)
        .map(|a| a.id);
    if proceeds > 0 && proceeds_account.is_none() && input.proceeds_account.trim().is_empty() {
        v.push(
            "proceeds_account",
            "name the account the proceeds went to (bank, receivables)",
        );
    }
    match (date, b.depreciated_through) {
        (Some(d), _) if d < b.booked_on => v.push(
            "date",
            format!("the asset went to the books on {}", b.booked_on),
        ),
        (Some(d), Some(through)) if d < through => v.push(
            "date",
            format!(
                "the asset is depreciated through {}: dispose of it on or after {through}",
                through.format("%Y-%m")
            ),
        ),
        _ => {}
    }
    v.finish()?;
    let Some(date) = date else {
        return Err(Error::invalid("date", "give the disposal date"));
    };
    if asset.status == AssetStatus::Deployed {
        return Err(Error::conflict(
            "the asset is checked out: check it in before disposing of it",
        ));
    }
    let accounts = store.category_accounts(actor.company_id).await?;
    let disposal_account = accounts
        .iter()
        .find(|c| c.category_id == asset.category_id)
        .and_then(|c| c.disposal_account_id)
        .ok_or_else(|| {
            Error::invalid(
                "category",
                format!(
                    "name the gain or loss on disposal account of category {} first (IT, books)",
                    asset.category
                ),
            )
        })?;
    let version = store.books_version(actor.company_id).await?;
    let catch_up = (b.due_through(date) - b.depreciated).max(0);
    let (commodity, journal) = target(store, actor, &b.currency).await?;
    let memo = asset.tag.clone();
    let lines = disposal_lines(&b, catch_up, proceeds, proceeds_account, disposal_account)
        .into_iter()
        .map(|(a, n)| line(&commodity, a, n, None, &memo))
        .collect();
    let entry = NewEntry {
        journal_id: journal,
        date,
        reference: asset.tag.clone(),
        description: format!("Disposal of {} {}", asset.tag, asset.name),
        comment: String::new(),
        lines,
        client_key: Some(format!("it-disposal:{}", id.0)),
        reverses: None,
    };
    let audit = AuditDraft::by(
        actor,
        super::ASSET,
        Some(id.0.to_string()),
        "dispose",
        json!({"date": date, "proceeds": proceeds, "catch_up": catch_up, "status": status.as_str(),
               "book_value": b.cost - b.depreciated - catch_up}),
    );
    store
        .dispose_asset(
            actor.company_id,
            &NewDisposal {
                asset_id: id,
                date,
                proceeds,
                catch_up,
                status,
            },
            &entry,
            actor.author(),
            audit,
            version,
        )
        .await
}

// ---------------------------------------------------------------- an asset's books

/// The books side of one asset, for its page and the API.
#[derive(Debug, Clone, Serialize)]
pub struct AssetBooksView {
    /// None until it is booked.
    pub books: Option<AssetBooks>,
    pub posted: Vec<PostedDepreciation>,
}

/// An asset as the books see it: whoever reads the books reads the fixed-asset register
/// (tag, name, cost), whether or not they hold IT's grants.
pub async fn asset<S: AssetStore>(store: &S, actor: &Actor, id: AssetId) -> Result<assets::Asset> {
    books(actor, Action::Read)?;
    store
        .asset(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "asset" })
}

pub async fn of_asset<S: AssetBookStore + AssetStore>(
    store: &S,
    actor: &Actor,
    id: AssetId,
) -> Result<AssetBooksView> {
    asset(store, actor, id).await?;
    Ok(AssetBooksView {
        books: store.asset_books(actor.company_id, id).await?,
        posted: store.posted_depreciation(actor.company_id, id).await?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    fn booked(
        cost: i64,
        residual: i64,
        method: Depreciation,
        life: i64,
        start: NaiveDate,
    ) -> AssetBooks {
        AssetBooks {
            asset_id: AssetId(1),
            booked_on: start,
            cost,
            currency: "EUR".into(),
            residual,
            method,
            life_months: life,
            start,
            asset_account_id: AccountId(10),
            accumulated_account_id: AccountId(11),
            expense_account_id: AccountId(12),
            entry_id: EntryId(1),
            depreciated: 0,
            depreciated_through: None,
            disposed_on: None,
            proceeds: None,
            disposal_entry_id: None,
        }
    }

    fn dep(b: AssetBooks, department: Option<i64>) -> Depreciable {
        Depreciable {
            books: b,
            tag: "A-1".into(),
            department_id: department.map(DepartmentId),
        }
    }

    #[test]
    fn a_run_posts_what_is_due_once_and_catches_up_a_skipped_month() {
        // 1,200.00 over 12 months from January: 100.00 a month.
        let mut b = booked(120_000, 0, Depreciation::StraightLine, 12, d(2026, 1, 1));
        let assets = vec![dep(b.clone(), None)];
        assert_eq!(due_amounts(&assets, d(2026, 1, 1)), vec![(0, 10_000)]);
        // Through March with nothing posted: three months at once.
        assert_eq!(due_amounts(&assets, d(2026, 3, 1)), vec![(0, 30_000)]);
        // Posted through March: March again is nothing, April is one month.
        b.depreciated = 30_000;
        let assets = vec![dep(b.clone(), None)];
        assert!(due_amounts(&assets, d(2026, 3, 1)).is_empty());
        assert!(due_amounts(&assets, d(2026, 2, 1)).is_empty());
        assert_eq!(due_amounts(&assets, d(2026, 4, 1)), vec![(0, 10_000)]);
        // Long after its life: the rest, and never more.
        assert_eq!(due_amounts(&assets, d(2030, 1, 1)), vec![(0, 90_000)]);
        // Disposed of: nothing.
        b.disposed_on = Some(d(2026, 5, 3));
        assert!(due_amounts(&[dep(b, None)], d(2026, 6, 1)).is_empty());
    }

    #[test]
    fn a_run_books_expense_by_department_and_accumulated_by_account() {
        let start = d(2026, 1, 1);
        let assets = vec![
            dep(
                booked(120_000, 0, Depreciation::StraightLine, 12, start),
                Some(1),
            ),
            dep(
                booked(240_000, 0, Depreciation::StraightLine, 12, start),
                Some(1),
            ),
            dep(
                booked(60_000, 0, Depreciation::StraightLine, 12, start),
                Some(2),
            ),
        ];
        let due = due_amounts(&assets, start);
        let lines = run_lines(&assets, &due);
        assert_eq!(
            lines,
            vec![
                (AccountId(12), Some(DepartmentId(1)), 30_000),
                (AccountId(12), Some(DepartmentId(2)), 5_000),
                (AccountId(11), None, -35_000),
            ]
        );
    }

    #[test]
    fn a_disposal_shows_the_gain_or_the_loss() {
        let mut b = booked(120_000, 0, Depreciation::StraightLine, 12, d(2026, 1, 1));
        b.depreciated = 60_000;
        // Sold for 700.00 with 100.00 caught up: book value 500.00, gain 200.00 (a credit).
        let lines = disposal_lines(&b, 10_000, 70_000, Some(AccountId(20)), AccountId(30));
        assert_eq!(
            lines,
            vec![
                (AccountId(12), 10_000),
                (AccountId(11), 60_000),
                (AccountId(20), 70_000),
                (AccountId(10), -120_000),
                (AccountId(30), -20_000),
            ]
        );
        // Scrapped: the book value is the loss (a debit).
        let lines = disposal_lines(&b, 0, 0, None, AccountId(30));
        assert_eq!(
            lines,
            vec![
                (AccountId(11), 60_000),
                (AccountId(10), -120_000),
                (AccountId(30), 60_000),
            ]
        );
    }

    #[test]
    fn booking_late_puts_the_months_before_into_accumulated_depreciation() {
        let b = Bookable {
            asset_id: AssetId(7),
            tag: "A-7".into(),
            category_id: AssetCategoryId(1),
            status: AssetStatus::Deployable,
            cost: Some(120_000),
            currency: "EUR".into(),
            purchase_date: Some(d(2026, 1, 15)),
            method: Depreciation::StraightLine,
            life_months: 12,
        };
        let accounts = CategoryAccounts {
            category_id: AssetCategoryId(1),
            category: "Laptops".into(),
            asset_account_id: Some(AccountId(10)),
            accumulated_account_id: Some(AccountId(11)),
            expense_account_id: Some(AccountId(12)),
            disposal_account_id: None,
        };
        let on_purchase = booking_of(&b, "EUR", Some(&accounts), d(2026, 1, 15), 0)
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(on_purchase.depreciated, 0);
        assert_eq!(on_purchase.depreciated_through, None);
        let late = booking_of(&b, "EUR", Some(&accounts), d(2026, 4, 2), 0)
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(late.depreciated, 30_000);
        assert_eq!(late.depreciated_through, Some(d(2026, 3, 1)));
        let (debits, credits) = booking_lines(&[late], AccountId(40));
        assert_eq!(debits, vec![(AccountId(10), 120_000)]);
        assert_eq!(
            credits,
            vec![(AccountId(11), -30_000), (AccountId(40), -90_000)]
        );
        // Before the purchase date, and without the accounts: refused by field.
        assert_eq!(
            booking_of(&b, "EUR", Some(&accounts), d(2026, 1, 1), 0).map_err(|e| e.0),
            Err("date".to_string())
        );
        let none = CategoryAccounts {
            expense_account_id: None,
            ..accounts.clone()
        };
        assert_eq!(
            booking_of(&b, "EUR", Some(&none), d(2026, 1, 15), 0).map_err(|e| e.0),
            Err("category".to_string())
        );
        // An asset in another currency than the books' is refused by name.
        assert_eq!(
            booking_of(&b, "CHF", Some(&accounts), d(2026, 1, 15), 0).map_err(|e| e.0),
            Err("currency".to_string())
        );
    }

    #[test]
    fn months_are_typed_as_yyyy_mm() {
        assert_eq!(parse_month("through", "2026-11").ok(), Some(d(2026, 11, 1)));
        assert_eq!(
            parse_month("through", "2026-11-30").ok(),
            Some(d(2026, 11, 1))
        );
        for bad in ["2026-13", "11/2026", "", "2026"] {
            assert!(parse_month("through", bad).is_err(), "{bad}");
        }
    }

    fn method() -> impl Strategy<Value = Depreciation> {
        prop_oneof![
            Just(Depreciation::StraightLine),
            Just(Depreciation::DecliningBalance)
        ]
    }

    proptest! {
        /// Runs through any months, in any order and repeated, post exactly the schedule:
        /// never more than cost less residual, and through the last month all of it.
        #[test]
        fn runs_in_any_order_post_the_schedule_exactly(
            cost in 1i64..10_000_000,
            residual_pct in 0i64..50,
            m in method(),
            life in 1i64..120,
            months in proptest::collection::vec(0u32..150, 1..20),
        ) {
            let start = d(2024, 3, 1);
            let residual = cost * residual_pct / 100;
            let mut b = booked(cost, residual, m, life, start);
            for k in months {
                let through = start.checked_add_months(chrono::Months::new(k)).unwrap_or(start);
                let assets = vec![dep(b.clone(), None)];
                let due = due_amounts(&assets, through);
                let lines = run_lines(&assets, &due);
                prop_assert_eq!(lines.iter().map(|l| l.2).sum::<i64>(), 0);
                b.depreciated += due.iter().map(|x| x.1).sum::<i64>();
                prop_assert!(b.depreciated <= cost - residual);
                prop_assert_eq!(b.depreciated, b.due_through(through).max(b.depreciated));
            }
            let end = start.checked_add_months(chrono::Months::new(200)).unwrap_or(start);
            let due = due_amounts(&[dep(b.clone(), None)], end);
            b.depreciated += due.iter().map(|x| x.1).sum::<i64>();
            prop_assert_eq!(b.depreciated, cost - residual);
        }

        /// A disposal's entry balances whatever was posted, caught up and received, and
        /// its gain or loss is what was received less the book value.
        #[test]
        fn disposals_balance(
            cost in 1i64..10_000_000,
            posted_pct in 0i64..=100,
            catch_pct in 0i64..=100,
            proceeds in 0i64..20_000_000,
            with_account in any::<bool>(),
        ) {
            let mut b = booked(cost, 0, Depreciation::StraightLine, 36, d(2025, 1, 1));
            b.depreciated = cost * posted_pct / 100;
            let catch_up = (cost - b.depreciated) * catch_pct / 100;
            let account = with_account.then_some(AccountId(20));
            let lines = disposal_lines(&b, catch_up, proceeds, account, AccountId(30));
            prop_assert_eq!(lines.iter().map(|l| l.1).sum::<i64>(), 0);
            let received = if with_account { proceeds } else { 0 };
            let gain_loss = lines.iter().filter(|l| l.0 == AccountId(30)).map(|l| l.1).sum::<i64>();
            prop_assert_eq!(-gain_loss, received - (cost - b.depreciated - catch_up));
            let asset = lines.iter().filter(|l| l.0 == AccountId(10)).map(|l| l.1).sum::<i64>();
            prop_assert_eq!(asset, -cost);
        }
    }
}
