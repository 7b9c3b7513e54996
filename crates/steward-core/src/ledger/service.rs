//! Ledger services: every page, API route and command goes through these. Each one
//! authorizes first, validates, and hands typed records to the [`LedgerStore`].
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;

use super::entry::{convert, parse_rate, prepare_entry, reversal_of, EntryContext, EntryInput};
use super::store::*;
use super::types::*;
use super::LedgerBackend;
use crate::audit::AuditDraft;
use crate::auth::{authorize, Action, Actor, Domain, Permission, Target};
use crate::ids::{AccountId, EntryId};
use crate::list::{Page, Paging};
use crate::money::{Currency, Money};
use crate::work::approvals::{self, NewApprovalRequest};
use crate::work::RecordRef;
use crate::{Error, Result};

fn perm(action: Action) -> Permission {
    Permission::new(Domain::Accounting, action)
}

fn gate(actor: &Actor, action: Action) -> Result<()> {
    authorize(actor, perm(action), &Target::company(actor.company_id))
}

/// Whether the actor may import into the books (accounts, journals, rates): checked before
/// an upload is read, and again by each import.
pub fn may_import(actor: &Actor) -> Result<()> {
    gate(actor, Action::Import)
}

// ---------------------------------------------------------------- settings

pub async fn settings(store: &impl LedgerStore, actor: &Actor) -> Result<LedgerSettings> {
    gate(actor, Action::Read)?;
    store.ledger_settings(actor.company_id).await
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsInput {
    pub fiscal_year_start_month: u32,
    /// In the company currency, e.g. `5000.00`; empty or absent: no approval needed.
    #[serde(default)]
    pub approval_threshold: Option<String>,
    pub version: i64,
}

pub async fn update_settings(
    store: &impl LedgerStore,
    actor: &Actor,
    input: &SettingsInput,
) -> Result<LedgerSettings> {
    gate(actor, Action::Approve)?;
    if !(1..=12).contains(&input.fiscal_year_start_month) {
        return Err(Error::invalid("fiscal_year_start_month", "a month 1-12"));
    }
    let precision = company_commodity(store, actor)
        .await?
        .map(|c| c.precision)
        .unwrap_or(2);
    let threshold = match input.approval_threshold.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(t) => Some(
            crate::money::parse_decimal(t, precision)
                .filter(|v| *v >= 0)
                .ok_or_else(|| {
                    Error::invalid("approval_threshold", format!("`{t}` is not an amount"))
                })?,
        ),
    };
    let before = store.ledger_settings(actor.company_id).await?;
    let after = LedgerSettings {
        fiscal_year_start_month: input.fiscal_year_start_month,
        approval_threshold: threshold,
        version: input.version,
    };
    let audit = AuditDraft::by(
        actor,
        "ledger_settings",
        Some(actor.company_id.to_string()),
        "update",
        json!({"before": {"fiscal_year_start_month": before.fiscal_year_start_month, "approval_threshold": before.approval_threshold},
               "after": {"fiscal_year_start_month": after.fiscal_year_start_month, "approval_threshold": after.approval_threshold}}),
    );
    store
        .save_ledger_settings(actor.company_id, &after, audit)
        .await?;
    store.ledger_settings(actor.company_id).await
}

async fn company_commodity(store: &impl LedgerStore, actor: &Actor) -> Result<Option<Commodity>> {
    Ok(store
        .commodities(actor.company_id)
        .await?
        .into_iter()
        .find(|c| c.symbol == actor.company_currency))
}

// ---------------------------------------------------------------- commodities

pub async fn commodities(store: &impl LedgerStore, actor: &Actor) -> Result<Vec<Commodity>> {
    gate(actor, Action::Read)?;
    store.commodities(actor.company_id).await
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommodityInput {
    pub symbol: String,
    pub precision: u8,
    #[serde(default)]
    pub name: String,
}

pub async fn create_commodity(
    store: &impl LedgerStore,
    actor: &Actor,
    input: &CommodityInput,
) -> Result<Commodity> {
    gate(actor, Action::Update)?;
    let symbol = parse_commodity_symbol(&input.symbol)?;
    if input.precision > 12 {
        return Err(Error::invalid("precision", "at most 12 decimal places"));
    }
    let name = input.name.trim();
    if name.chars().count() > 100 {
        return Err(Error::invalid("name", "at most 100 characters"));
    }
    let audit = AuditDraft::by(
        actor,
        "ledger_commodity",
        None,
        "create",
        json!({"symbol": symbol, "precision": input.precision, "name": name}),
    );
    let id = store
        .insert_commodity(actor.company_id, &symbol, input.precision, name, audit)
        .await?;
    Ok(Commodity {
        id,
        symbol,
        precision: input.precision,
        name: name.to_string(),
    })
}

// ---------------------------------------------------------------- accounts

pub async fn list_accounts(
    store: &impl LedgerStore,
    actor: &Actor,
    q: &AccountQuery,
) -> Result<Page<Account>> {
    gate(actor, Action::Read)?;
    store.list_accounts(actor.company_id, q).await
}

pub async fn export_accounts(
    store: &impl LedgerStore,
    actor: &Actor,
    q: &AccountQuery,
) -> Result<Vec<Account>> {
    gate(actor, Action::Export)?;
    let q = AccountQuery {
        paging: Paging::export(),
        ..q.clone()
    };
    Ok(store.list_accounts(actor.company_id, &q).await?.items)
}

/// Every account, ordered by name: the tree view and report builders use it.
pub async fn chart(store: &impl LedgerStore, actor: &Actor) -> Result<Vec<Account>> {
    gate(actor, Action::Read)?;
    store.all_accounts(actor.company_id).await
}

pub async fn get_account(
    store: &impl LedgerStore,
    actor: &Actor,
    id: AccountId,
) -> Result<Account> {
    gate(actor, Action::Read)?;
    store
        .get_account(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "account" })
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountInput {
    pub name: String,
    #[serde(default)]
    pub code: Option<String>,
    /// asset, liability, equity, income, expense; from the top-level name when absent.
    #[serde(default)]
    pub kind: Option<String>,
    /// Only this commodity may be posted to the account.
    #[serde(default)]
    pub commodity: Option<String>,
    #[serde(default)]
    pub description: String,
}

fn parse_code(code: Option<&str>) -> Result<Option<String>> {
    match code.map(str::trim).filter(|c| !c.is_empty()) {
        None => Ok(None),
        Some(c)
            if c.len() <= 20
                && c.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || ch == '.' || ch == '-') =>
        {
            Ok(Some(c.to_string()))
        }
        Some(_) => Err(Error::invalid(
            "code",
            "an account code is up to 20 letters, digits, '.' or '-'",
        )),
    }
}

/// Validates account rows against the existing chart and adds the missing parents, in
/// order (parents first). Errors name `prefix` + field (`rows[3].name`).
async fn plan_accounts(
    store: &impl LedgerStore,
    actor: &Actor,
    inputs: &[AccountInput],
    field: impl Fn(usize, &str) -> String,
) -> Result<Vec<NewAccount>> {
    let existing = store.all_accounts(actor.company_id).await?;
    let commodities = store.commodities(actor.company_id).await?;
    let mut errors = crate::error::Validator::new();
    let mut out: Vec<NewAccount> = Vec::new();
    let mut explicit: std::collections::HashSet<AccountName> = Default::default();
    for (i, input) in inputs.iter().enumerate() {
        let Some(name) = errors.check(&field(i, "name"), AccountName::parse(&input.name)) else {
            continue;
        };
        let code = errors
            .check(&field(i, "code"), parse_code(input.code.as_deref()))
            .flatten();
        let kind = match input
            .kind
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
        {
            Some(k) => AccountType::parse(k),
            None => AccountType::from_name(name.as_str()).or_else(|| {
                let top = name.ancestors_and_self().into_iter().next()?;
                existing.iter().find(|a| a.name == top).map(|a| a.kind)
            }),
        };
        let Some(kind) = kind else {
            errors.push(
                &field(i, "kind"),
                "give the kind (asset, liability, equity, income, expense) or start the name with Assets, Liabilities, Equity, Income or Expenses",
            );
            continue;
        };
        let commodity_id = match input
            .commodity
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            None => None,
            Some(sym) => match commodities.iter().find(|c| c.symbol == sym) {
                Some(c) => Some(c.id),
                None => {
                    errors.push(&field(i, "commodity"), format!("unknown commodity `{sym}`"));
                    continue;
                }
            },
        };
        if existing.iter().any(|a| a.name == name) {
            errors.push(&field(i, "name"), format!("{name} exists already"));
            continue;
        }
        if !explicit.insert(name.clone()) {
            errors.push(&field(i, "name"), format!("{name} appears twice"));
            continue;
        }
        if let Some(c) = &code {
            if existing.iter().any(|a| a.code.as_ref() == Some(c))
                || out.iter().any(|a| a.code.as_ref() == Some(c))
            {
                errors.push(&field(i, "code"), format!("code {c} is taken"));
                continue;
            }
        }
        if let Some(parent) = existing.iter().find(|a| {
            name.as_str().starts_with(&format!("{}:", a.name)) && a.kind != kind && a.depth() == 0
        }) {
            errors.push(
                &field(i, "kind"),
                format!(
                    "{} is under {} ({}), so it must be {} too",
                    name, parent.name, parent.kind, parent.kind
                ),
            );
            continue;
        }
        for anc in name.ancestors_and_self() {
            let is_self = anc == name;
            if existing.iter().any(|a| a.name == anc) {
                continue;
            }
            if let Some(pos) = out.iter().position(|a| a.name == anc) {
                if is_self {
                    // Declared explicitly after being added as someone's parent: keep the details.
                    out[pos].code = code.clone();
                    out[pos].commodity_id = commodity_id;
                    out[pos].description = input.description.trim().to_string();
                }
                continue;
            }
            out.push(NewAccount {
                name: anc,
                code: if is_self { code.clone() } else { None },
                kind,
                commodity_id: if is_self { commodity_id } else { None },
                description: if is_self {
                    input.description.trim().to_string()
                } else {
                    String::new()
                },
            });
        }
    }
    errors.finish()?;
    Ok(out)
}

pub async fn create_account(
    store: &impl LedgerStore,
    actor: &Actor,
    input: &AccountInput,
) -> Result<Account> {
    gate(actor, Action::Update)?;
    let plan = plan_accounts(store, actor, std::slice::from_ref(input), |_, f| {
        f.to_string()
    })
    .await?;
    let audit = plan
        .iter()
        .map(|a| {
            AuditDraft::by(
                actor,
                "ledger_account",
                None,
                "create",
                json!({"name": a.name, "code": a.code, "kind": a.kind}),
            )
        })
        .collect();
    let ids = store
        .insert_accounts(actor.company_id, &plan, audit)
        .await?;
    let id = ids
        .last()
        .copied()
        .ok_or_else(|| Error::internal("no account created"))?;
    get_account(store, actor, id).await
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountPatch {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub active: Option<bool>,
    #[serde(default)]
    pub commodity: Option<String>,
    pub version: i64,
}

pub async fn update_account(
    store: &impl LedgerStore,
    actor: &Actor,
    id: AccountId,
    patch: &AccountPatch,
) -> Result<Account> {
    gate(actor, Action::Update)?;
    let before = get_account(store, actor, id).await?;
    let code = match &patch.code {
        Some(c) => parse_code(Some(c))?,
        None => before.code.clone(),
    };
    let commodity_id = match patch.commodity.as_deref().map(str::trim) {
        None => match &before.commodity {
            None => None,
            Some(sym) => store
                .commodities(actor.company_id)
                .await?
                .into_iter()
                .find(|c| &c.symbol == sym)
                .map(|c| c.id),
        },
        Some("") => None,
        Some(sym) => Some(
            store
                .commodities(actor.company_id)
                .await?
                .into_iter()
                .find(|c| c.symbol == sym)
                .ok_or_else(|| Error::invalid("commodity", format!("unknown commodity `{sym}`")))?
                .id,
        ),
    };
    let description = patch
        .description
        .clone()
        .unwrap_or_else(|| before.description.clone());
    if description.chars().count() > 500 {
        return Err(Error::invalid("description", "at most 500 characters"));
    }
    let update = AccountUpdate {
        code,
        description: description.trim().to_string(),
        active: patch.active.unwrap_or(before.active),
        commodity_id,
    };
    let audit = AuditDraft::by(
        actor,
        "ledger_account",
        Some(id.to_string()),
        "update",
        json!({"before": before.audit_json(), "after": {"code": update.code, "description": update.description, "active": update.active}}),
    );
    store
        .update_account(actor.company_id, id, &update, patch.version, audit)
        .await?;
    get_account(store, actor, id).await
}

/// Imports account rows (all or nothing). `dry_run` validates only. Returns the accounts
/// that would be or were created, parents included.
pub async fn import_accounts(
    store: &impl LedgerStore,
    actor: &Actor,
    rows: &[AccountInput],
    dry_run: bool,
) -> Result<Vec<NewAccount>> {
    gate(actor, Action::Import)?;
    let plan = plan_accounts(store, actor, rows, |i, f| format!("row {}: {f}", i + 2)).await?;
    if !dry_run && !plan.is_empty() {
        let audit = vec![AuditDraft::by(
            actor,
            "ledger_account",
            None,
            "import",
            json!({"rows": rows.len(), "created": plan.len()}),
        )];
        store
            .insert_accounts(actor.company_id, &plan, audit)
            .await?;
    }
    Ok(plan)
}

/// A small chart for a new company, in its currency: what most businesses start from.
pub const STARTER_CHART: &[(&str, &str, AccountType)] = &[
    ("1000", "Assets:Bank:Checking", AccountType::Asset),
    ("1010", "Assets:Bank:Savings", AccountType::Asset),
    ("1100", "Assets:Cash", AccountType::Asset),
    ("1200", "Assets:Receivables", AccountType::Asset),
    ("1300", "Assets:Inventory", AccountType::Asset),
    ("1500", "Assets:Fixed:Equipment", AccountType::Asset),
    ("2000", "Liabilities:Payables", AccountType::Liability),
    ("2100", "Liabilities:Tax:VAT", AccountType::Liability),
    ("2200", "Liabilities:Payroll", AccountType::Liability),
    ("2500", "Liabilities:Loans", AccountType::Liability),
    ("3000", "Equity:Capital", AccountType::Equity),
    ("3100", "Equity:Retained Earnings", AccountType::Equity),
    ("4000", "Income:Sales", AccountType::Income),
    ("4100", "Income:Services", AccountType::Income),
    ("4900", "Income:Other", AccountType::Income),
    ("5000", "Expenses:Cost of Sales", AccountType::Expense),
    ("6000", "Expenses:Salaries", AccountType::Expense),
    ("6100", "Expenses:Rent", AccountType::Expense),
    ("6200", "Expenses:Utilities", AccountType::Expense),
    ("6300", "Expenses:Office", AccountType::Expense),
    ("6400", "Expenses:Travel", AccountType::Expense),
    ("6500", "Expenses:Bank Fees", AccountType::Expense),
    ("6600", "Expenses:Insurance", AccountType::Expense),
    ("6900", "Expenses:Other", AccountType::Expense),
];

pub const RETAINED_EARNINGS: &str = "Equity:Retained Earnings";

/// Sets up a company's books once: its currency as a commodity, the default journals and
/// (unless `chart` is false) the starter chart. Does nothing if journals exist already.
pub async fn set_up_books(store: &impl LedgerStore, actor: &Actor, chart: bool) -> Result<()> {
    gate(actor, Action::Update)?;
    if !store.journals(actor.company_id).await?.is_empty() {
        return Ok(());
    }
    if company_commodity(store, actor).await?.is_none() && !actor.company_currency.is_empty() {
        let precision = crate::money::Currency::parse(&actor.company_currency)
            .map(|c| c.precision())
            .unwrap_or(2);
        create_commodity(
            store,
            actor,
            &CommodityInput {
                symbol: actor.company_currency.clone(),
                precision,
                name: String::new(),
            },
        )
        .await?;
    }
    for (code, name, kind) in [
        ("GJ", "General journal", JournalKind::General),
        ("SJ", "Sales journal", JournalKind::Sales),
        ("PJ", "Purchases journal", JournalKind::Purchases),
        ("BJ", "Bank journal", JournalKind::Bank),
        ("CJ", "Cash journal", JournalKind::Cash),
    ] {
        let audit = AuditDraft::by(
            actor,
            "ledger_journal",
            None,
            "create",
            json!({"code": code, "name": name}),
        );
        store
            .insert_journal(actor.company_id, code, name, kind, audit)
            .await?;
    }
    if chart && store.all_accounts(actor.company_id).await?.is_empty() {
        let rows: Vec<AccountInput> = STARTER_CHART
            .iter()
            .map(|(code, name, kind)| AccountInput {
                name: (*name).into(),
                code: Some((*code).into()),
                kind: Some(kind.as_str().into()),
                ..Default::default()
            })
            .collect();
        let plan = plan_accounts(store, actor, &rows, |i, f| format!("rows[{i}].{f}")).await?;
        let audit = vec![AuditDraft::by(
            actor,
            "ledger_account",
            None,
            "starter_chart",
            json!({"accounts": plan.len()}),
        )];
        store
            .insert_accounts(actor.company_id, &plan, audit)
            .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------- journals

pub async fn journals(store: &impl LedgerStore, actor: &Actor) -> Result<Vec<Journal>> {
    gate(actor, Action::Read)?;
    store.journals(actor.company_id).await
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalInput {
    pub code: String,
    pub name: String,
    pub kind: String,
}

pub async fn create_journal(
    store: &impl LedgerStore,
    actor: &Actor,
    input: &JournalInput,
) -> Result<Journal> {
    gate(actor, Action::Update)?;
    let code = parse_journal_code(&input.code)?;
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::invalid("name", "1 to 100 characters"));
    }
    let kind = JournalKind::parse(input.kind.trim())
        .ok_or_else(|| Error::invalid("kind", "general, sales, purchases, bank, cash or custom"))?;
    let audit = AuditDraft::by(
        actor,
        "ledger_journal",
        None,
        "create",
        json!({"code": code, "name": name, "kind": kind}),
    );
    let id = store
        .insert_journal(actor.company_id, &code, name, kind, audit)
        .await?;
    Ok(Journal {
        id,
        code,
        name: name.to_string(),
        kind,
    })
}

// ---------------------------------------------------------------- entries

pub async fn list_entries(
    store: &impl LedgerStore,
    actor: &Actor,
    q: &EntryQuery,
) -> Result<Page<EntrySummary>> {
    gate(actor, Action::Read)?;
    store.list_entries(actor.company_id, q).await
}

pub async fn export_entries(
    store: &impl LedgerStore,
    actor: &Actor,
    q: &EntryQuery,
) -> Result<Vec<EntrySummary>> {
    gate(actor, Action::Export)?;
    let q = EntryQuery {
        paging: Paging::export(),
        ..q.clone()
    };
    Ok(store.list_entries(actor.company_id, &q).await?.items)
}

pub async fn get_entry(store: &impl LedgerStore, actor: &Actor, id: EntryId) -> Result<Entry> {
    gate(actor, Action::Read)?;
    store
        .get_entry(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "entry" })
}

/// Loads what [`prepare_entry`] needs for these inputs only (not the whole chart).
async fn context_parts(
    store: &impl LedgerStore,
    actor: &Actor,
    inputs: &[&EntryInput],
) -> Result<(Vec<Account>, Vec<Commodity>, Vec<Journal>)> {
    let mut keys: Vec<String> = inputs
        .iter()
        .flat_map(|i| i.lines.iter().map(|l| l.account.trim().to_string()))
        .collect();
    keys.sort();
    keys.dedup();
    let accounts = store.accounts_by_keys(actor.company_id, &keys).await?;
    let commodities = store.commodities(actor.company_id).await?;
    let journals = store.journals(actor.company_id).await?;
    Ok((accounts, commodities, journals))
}

async fn prepare(
    store: &impl LedgerStore,
    actor: &Actor,
    input: &EntryInput,
    key: Option<String>,
) -> Result<NewEntry> {
    let (a, c, j) = context_parts(store, actor, &[input]).await?;
    let ctx = EntryContext {
        accounts: &a,
        commodities: &c,
        journals: &j,
        company_currency: &actor.company_currency,
    };
    prepare_entry(input, &ctx, key, None)
}

fn check_key(key: Option<&str>) -> Result<Option<String>> {
    match key.map(str::trim).filter(|k| !k.is_empty()) {
        None => Ok(None),
        Some(k) if k.len() <= 200 && k.chars().all(|c| c.is_ascii_graphic()) => {
            Ok(Some(k.to_string()))
        }
        Some(_) => Err(Error::invalid(
            "key",
            "an idempotency key is 1-200 printable ASCII characters",
        )),
    }
}

/// Does this entry need another user's approval before it posts? Foreign lines count at
/// the latest rate on or before the entry date; without a rate they count as above.
async fn needs_approval(store: &impl LedgerStore, actor: &Actor, entry: &NewEntry) -> Result<bool> {
    Ok(approval_amount(store, actor, entry).await?.is_some())
}

/// `Some` when the entry needs approval, with its debits in the company currency (`None`
/// inside when they cannot be converted), for the approval request.
async fn approval_amount(
    store: &impl LedgerStore,
    actor: &Actor,
    entry: &NewEntry,
) -> Result<Option<Option<i64>>> {
    let settings = store.ledger_settings(actor.company_id).await?;
    let Some(threshold) = settings.approval_threshold else {
        return Ok(None);
    };
    let home = company_commodity(store, actor).await?;
    let Some(home) = home else {
        return Ok(Some(None));
    };
    let mut total: i128 = 0;
    let mut rates: Option<Vec<Rate>> = None;
    let commodities = store.commodities(actor.company_id).await?;
    for l in entry.lines.iter().filter(|l| l.amount > 0) {
        if l.commodity_id == home.id {
            total += i128::from(l.amount);
            continue;
        }
        if rates.is_none() {
            rates = Some(store.rates(actor.company_id).await?);
        }
        let precision = commodities
            .iter()
            .find(|c| c.id == l.commodity_id)
            .map(|c| c.precision)
            .unwrap_or(0);
        let rate = rates
            .as_deref()
            .and_then(|r| rate_on(r, &l.commodity, &home.symbol, entry.date));
        match rate.and_then(|r| convert(l.amount, precision, r, home.precision)) {
            Some(v) => total += i128::from(v),
            None => return Ok(Some(None)),
        }
    }
    Ok((total > i128::from(threshold)).then(|| i64::try_from(total).ok()))
}

/// Sends a pending entry to the approvals inbox, once (a retry finds the open request).
/// The entry is pending either way and can still be approved on its own page, so a
/// failure here is logged, not returned.
async fn request_approval(
    store: &impl LedgerBackend,
    actor: &Actor,
    e: &Entry,
    amount: Option<i64>,
) {
    let subject = RecordRef::new(super::ENTRY, e.id.0);
    let r = async {
        if store
            .open_request_for(actor.company_id, &subject)
            .await?
            .is_some()
        {
            return Ok(());
        }
        let currency = Currency::parse(&actor.company_currency)?;
        let what = if e.description.trim().is_empty() {
            format!("Entry #{}", e.id)
        } else {
            e.description.chars().take(150).collect()
        };
        approvals::submit(
            store,
            actor,
            NewApprovalRequest {
                kind: super::ENTRY_APPROVAL,
                subject: subject.clone(),
                title: format!("Ledger entry: {what}"),
                amount: amount.map(|m| Money::new(m, currency)),
                department: None,
            },
        )
        .await
        .map(|_| ())
    }
    .await;
    if let Err(e) = r {
        tracing::warn!(error = %e, entry = %subject, "could not send the entry for approval");
    }
}

/// The latest rate of `from` in `to` on or before `date`, inverting a stored reverse rate.
pub fn rate_on(rates: &[Rate], from: &str, to: &str, date: NaiveDate) -> Option<(i128, u32)> {
    if from == to {
        return Some((1, 0));
    }
    let direct = rates
        .iter()
        .filter(|r| r.commodity == from && r.quote == to && r.date <= date)
        .max_by_key(|r| r.date)
        .and_then(|r| parse_rate(&r.rate));
    if direct.is_some() {
        return direct;
    }
    let inverse = rates
        .iter()
        .filter(|r| r.commodity == to && r.quote == from && r.date <= date)
        .max_by_key(|r| r.date)
        .and_then(|r| parse_rate(&r.rate))?;
    if inverse.0 == 0 {
        return None;
    }
    // 1 / (m / 10^s) with 12 places: 10^(s+12) / m.
    let num = 10i128.checked_pow(inverse.1 + 12)?;
    Some((crate::money::round_div(num, inverse.0), 12))
}

fn entry_audit(actor: &Actor, action: &str, e: &NewEntry) -> AuditDraft {
    AuditDraft::by(
        actor,
        "ledger_entry",
        None,
        action,
        json!({"date": e.date, "description": e.description, "reference": e.reference,
               "lines": e.lines.iter().map(|l| json!({"account": l.account, "commodity": l.commodity, "amount": l.amount, "cost": l.cost})).collect::<Vec<_>>(),
               "reverses": e.reverses, "key": e.client_key}),
    )
}

/// What a create asks for: keep it as a draft, or post it (which becomes pending when it
/// needs approval).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    Draft,
    Post,
}

/// Creates an entry. Idempotent on `key`: a retry returns the entry the first call made.
pub async fn create_entry(
    store: &impl LedgerBackend,
    actor: &Actor,
    input: &EntryInput,
    key: Option<&str>,
    intent: Intent,
) -> Result<Entry> {
    gate(actor, Action::Create)?;
    let key = check_key(key)?;
    let entry = prepare(store, actor, input, key).await?;
    let approval = match intent {
        Intent::Draft => None,
        Intent::Post => approval_amount(store, actor, &entry).await?,
    };
    let status = match intent {
        Intent::Draft => EntryStatus::Draft,
        Intent::Post if approval.is_some() => EntryStatus::Pending,
        Intent::Post => EntryStatus::Posted,
    };
    let action = match status {
        EntryStatus::Draft => "draft",
        EntryStatus::Pending => "submit",
        EntryStatus::Posted => "post",
    };
    let audit = entry_audit(actor, action, &entry);
    let ids = store
        .insert_entries(
            actor.company_id,
            std::slice::from_ref(&entry),
            status,
            actor.author(),
            vec![audit],
        )
        .await?;
    let (id, _) = ids
        .first()
        .copied()
        .ok_or_else(|| Error::internal("no entry id"))?;
    let e = get_entry(store, actor, id).await?;
    if let (Some(amount), EntryStatus::Pending) = (approval, e.status) {
        request_approval(store, actor, &e, amount).await;
    }
    Ok(e)
}

/// One item of a batch: its own idempotency key and the entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchItem {
    #[serde(default)]
    pub key: Option<String>,
    pub entry: EntryInput,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BatchResult {
    pub id: EntryId,
    /// False when the key had been posted before (a retry): nothing new was written.
    pub created: bool,
}

pub const MAX_BATCH: usize = 10_000;

/// Posts many entries in one transaction, all or nothing; errors name the item
/// (`entries[3].lines[0].amount`). Entries that need approval are refused here: post them
/// one by one so they can wait for an approver.
pub async fn post_batch(
    store: &impl LedgerStore,
    actor: &Actor,
    items: &[BatchItem],
) -> Result<Vec<BatchResult>> {
    gate(actor, Action::Create)?;
    if items.is_empty() {
        return Err(Error::invalid("entries", "the batch is empty"));
    }
    if items.len() > MAX_BATCH {
        return Err(Error::invalid(
            "entries",
            format!("at most {MAX_BATCH} entries per batch"),
        ));
    }
    let inputs: Vec<&EntryInput> = items.iter().map(|i| &i.entry).collect();
    let (a, c, j) = context_parts(store, actor, &inputs).await?;
    let ctx = EntryContext {
        accounts: &a,
        commodities: &c,
        journals: &j,
        company_currency: &actor.company_currency,
    };
    let mut entries = Vec::with_capacity(items.len());
    let mut errors: Vec<crate::error::FieldError> = Vec::new();
    for (n, item) in items.iter().enumerate() {
        let prefixed = |e: Error| -> Vec<crate::error::FieldError> {
            e.field_errors()
                .into_iter()
                .map(|f| crate::error::FieldError {
                    field: format!("entries[{n}].{}", f.field),
                    message: f.message,
                })
                .collect()
        };
        let key = match check_key(item.key.as_deref()) {
            Ok(k) => k,
            Err(e) => {
                errors.extend(prefixed(e));
                continue;
            }
        };
        match prepare_entry(&item.entry, &ctx, key, None) {
            Ok(e) => entries.push(e),
            Err(e) => errors.extend(prefixed(e)),
        }
        if errors.len() >= 50 {
            break;
        }
    }
    if !errors.is_empty() {
        return Err(Error::InvalidMany(errors));
    }
    let settings = store.ledger_settings(actor.company_id).await?;
    if settings.approval_threshold.is_some() {
        for (n, e) in entries.iter().enumerate() {
            if needs_approval(store, actor, e).await? {
                return Err(Error::invalid(
                    format!("entries[{n}]"),
                    "is above the approval threshold: post it on its own so it can be approved",
                ));
            }
        }
    }
    let mut per_commodity: std::collections::BTreeMap<&str, i64> =
        std::collections::BTreeMap::new();
    for l in entries
        .iter()
        .flat_map(|e| e.lines.iter())
        .filter(|l| l.amount > 0)
    {
        *per_commodity.entry(l.commodity.as_str()).or_default() += l.amount;
    }
    let audit = AuditDraft::by(
        actor,
        "ledger_entry",
        None,
        "post_batch",
        json!({"entries": entries.len(), "debits": per_commodity,
               "keys": entries.iter().filter_map(|e| e.client_key.as_deref()).take(20).collect::<Vec<_>>()}),
    );
    let ids = store
        .insert_entries(
            actor.company_id,
            &entries,
            EntryStatus::Posted,
            actor.author(),
            vec![audit],
        )
        .await?;
    Ok(ids
        .into_iter()
        .map(|(id, created)| BatchResult { id, created })
        .collect())
}

pub async fn update_draft(
    store: &impl LedgerStore,
    actor: &Actor,
    id: EntryId,
    input: &EntryInput,
    version: i64,
) -> Result<Entry> {
    gate(actor, Action::Update)?;
    let before = get_entry(store, actor, id).await?;
    if before.status != EntryStatus::Draft {
        return Err(Error::conflict(
            "only a draft can be changed; a posted entry is corrected by a reversal",
        ));
    }
    let entry = prepare(store, actor, input, before.client_key.clone()).await?;
    let audit = entry_audit(actor, "update", &entry);
    let audit = AuditDraft {
        entity_id: Some(id.to_string()),
        ..audit
    };
    store
        .update_draft(actor.company_id, id, &entry, version, audit)
        .await?;
    get_entry(store, actor, id).await
}

pub async fn delete_draft(store: &impl LedgerStore, actor: &Actor, id: EntryId) -> Result<()> {
    gate(actor, Action::Delete)?;
    let before = get_entry(store, actor, id).await?;
    if before.status == EntryStatus::Posted {
        return Err(Error::conflict(
            "a posted entry is never deleted; reverse it",
        ));
    }
    let audit = AuditDraft::by(
        actor,
        "ledger_entry",
        Some(id.to_string()),
        "delete",
        json!({"description": before.description, "date": before.date}),
    );
    store.delete_draft(actor.company_id, id, audit).await
}

/// Posts a draft (or sends it for approval when it is above the threshold).
pub async fn post_draft(store: &impl LedgerBackend, actor: &Actor, id: EntryId) -> Result<Entry> {
    gate(actor, Action::Create)?;
    let e = get_entry(store, actor, id).await?;
    if e.status != EntryStatus::Draft {
        return Err(Error::conflict(format!(
            "the entry is {}, not a draft",
            e.status.as_str()
        )));
    }
    let as_new = NewEntry {
        journal_id: e.journal_id,
        date: e.date,
        reference: e.reference.clone(),
        description: e.description.clone(),
        comment: e.comment.clone(),
        lines: e.lines.clone(),
        client_key: e.client_key.clone(),
        reverses: e.reverses,
    };
    // Accounts may have been closed since the draft was saved.
    let keys: Vec<String> = e.lines.iter().map(|l| l.account.clone()).collect();
    let accounts = store.accounts_by_keys(actor.company_id, &keys).await?;
    for (i, l) in e.lines.iter().enumerate() {
        match accounts.iter().find(|a| a.id == l.account_id) {
            Some(a) if a.active && !a.has_children => {}
            _ => {
                return Err(Error::invalid(
                    format!("lines[{i}].account"),
                    format!("{} no longer takes postings", l.account),
                ))
            }
        }
    }
    let approval = approval_amount(store, actor, &as_new).await?;
    let to = if approval.is_some() {
        EntryStatus::Pending
    } else {
        EntryStatus::Posted
    };
    let audit = AuditDraft::by(
        actor,
        "ledger_entry",
        Some(id.to_string()),
        if to == EntryStatus::Posted {
            "post"
        } else {
            "submit"
        },
        json!({}),
    );
    store
        .set_entry_status(actor.company_id, id, EntryStatus::Draft, to, None, audit)
        .await?;
    let e = get_entry(store, actor, id).await?;
    if let Some(amount) = approval {
        request_approval(store, actor, &e, amount).await;
    }
    Ok(e)
}

/// Approves a pending entry: it posts. Nobody approves their own entry.
pub async fn approve_entry(
    store: &impl LedgerBackend,
    actor: &Actor,
    id: EntryId,
    comment: &str,
) -> Result<Entry> {
    gate(actor, Action::Approve)?;
    let e = approve_pending(store, actor, id, comment).await?;
    let subject = RecordRef::new(super::ENTRY, id.0);
    // The entry is settled; the inbox catching up is best effort.
    if let Err(err) = approvals::resolve_subject(store, actor, &subject, true, comment).await {
        tracing::warn!(error = %err, entry = %subject, "could not close the approval request");
    }
    Ok(e)
}

/// The approvals engine's final decision on a `ledger.entry` request: the engine has
/// checked that the actor decides this step under the kind's policy, so the ledger's own
/// approve permission is not asked again; nobody settles their own entry all the same.
pub async fn settle_pending(
    store: &impl LedgerStore,
    actor: &Actor,
    id: EntryId,
    approved: bool,
    comment: &str,
) -> Result<()> {
    let e = store
        .get_entry(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "entry" })?;
    if e.created_by.is_some() && e.created_by == actor.author() {
        return Err(Error::invalid(
            "approver",
            "nobody approves their own entry: another user must",
        ));
    }
    if approved {
        approve_pending(store, actor, id, comment).await?;
    } else {
        reject_pending(store, actor, id, comment).await?;
    }
    Ok(())
}

async fn approve_pending(
    store: &impl LedgerStore,
    actor: &Actor,
    id: EntryId,
    comment: &str,
) -> Result<Entry> {
    let e = store
        .get_entry(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "entry" })?;
    if e.status != EntryStatus::Pending {
        return Err(Error::conflict(format!(
            "the entry is {}, not waiting for approval",
            e.status.as_str()
        )));
    }
    if e.created_by == Some(actor.user_id) {
        return Err(Error::invalid(
            "approver",
            "nobody approves their own entry: another user must",
        ));
    }
    let audit = AuditDraft::by(
        actor,
        "ledger_entry",
        Some(id.to_string()),
        "approve",
        json!({"comment": comment.trim()}),
    );
    store
        .set_entry_status(
            actor.company_id,
            id,
            EntryStatus::Pending,
            EntryStatus::Posted,
            actor.author(),
            audit,
        )
        .await?;
    store
        .get_entry(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "entry" })
}

/// Rejects a pending entry: it goes back to its author as a draft, with the reason.
pub async fn reject_entry(
    store: &impl LedgerBackend,
    actor: &Actor,
    id: EntryId,
    comment: &str,
) -> Result<Entry> {
    gate(actor, Action::Approve)?;
    let e = reject_pending(store, actor, id, comment).await?;
    let subject = RecordRef::new(super::ENTRY, id.0);
    // The entry is settled; the inbox catching up is best effort.
    if let Err(err) = approvals::resolve_subject(store, actor, &subject, false, comment).await {
        tracing::warn!(error = %err, entry = %subject, "could not close the approval request");
    }
    Ok(e)
}

async fn reject_pending(
    store: &impl LedgerStore,
    actor: &Actor,
    id: EntryId,
    comment: &str,
) -> Result<Entry> {
    let e = store
        .get_entry(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "entry" })?;
    if e.status != EntryStatus::Pending {
        return Err(Error::conflict(format!(
            "the entry is {}, not waiting for approval",
            e.status.as_str()
        )));
    }
    if comment.trim().is_empty() {
        return Err(Error::invalid("comment", "say why it is rejected"));
    }
    let audit = AuditDraft::by(
        actor,
        "ledger_entry",
        Some(id.to_string()),
        "reject",
        json!({"comment": comment.trim()}),
    );
    store
        .set_entry_status(
            actor.company_id,
            id,
            EntryStatus::Pending,
            EntryStatus::Draft,
            None,
            audit,
        )
        .await?;
    store
        .get_entry(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "entry" })
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReverseInput {
    /// The reversal's date; the original's date when absent.
    #[serde(default)]
    pub date: Option<String>,
    pub reason: String,
    /// Optionally, the corrected entry to post with the reversal.
    #[serde(default)]
    pub corrected: Option<EntryInput>,
}

/// Corrects a posted entry the only way a posted entry can be: a linked reversal (and,
/// optionally, a corrected copy), posted together.
pub async fn reverse_entry(
    store: &impl LedgerStore,
    actor: &Actor,
    id: EntryId,
    input: &ReverseInput,
) -> Result<(Entry, Option<Entry>)> {
    gate(actor, Action::Create)?;
    let original = get_entry(store, actor, id).await?;
    if original.status != EntryStatus::Posted {
        return Err(Error::conflict(
            "only a posted entry is reversed; change or delete a draft",
        ));
    }
    if original.reverses.is_some() {
        return Err(Error::conflict(
            "this entry is itself a reversal; post the entry again instead",
        ));
    }
    if let Some(r) = store.reversal_of(actor.company_id, id).await? {
        return Err(Error::conflict(format!(
            "the entry was reversed already (entry {r})"
        )));
    }
    let reason = input.reason.trim();
    if reason.is_empty() {
        return Err(Error::invalid("reason", "say why the entry is reversed"));
    }
    let date = match input
        .date
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        Some(d) => parse_date("date", d)?,
        None => original.date,
    };
    let mut batch = vec![reversal_of(&original, date, reason)];
    if let Some(c) = &input.corrected {
        let corrected = prepare(store, actor, c, None).await.map_err(|e| match e {
            Error::Invalid { field, message } => {
                Error::invalid(format!("corrected.{field}"), message)
            }
            Error::InvalidMany(list) => Error::InvalidMany(
                list.into_iter()
                    .map(|f| crate::error::FieldError {
                        field: format!("corrected.{}", f.field),
                        message: f.message,
                    })
                    .collect(),
            ),
            other => other,
        })?;
        batch.push(corrected);
    }
    let audit = batch
        .iter()
        .enumerate()
        .map(|(i, e)| entry_audit(actor, if i == 0 { "reverse" } else { "post" }, e))
        .collect();
    let ids = store
        .insert_entries(
            actor.company_id,
            &batch,
            EntryStatus::Posted,
            actor.author(),
            audit,
        )
        .await?;
    let rev = get_entry(store, actor, ids[0].0).await?;
    let corrected = match ids.get(1) {
        Some((cid, _)) => Some(get_entry(store, actor, *cid).await?),
        None => None,
    };
    Ok((rev, corrected))
}

// ---------------------------------------------------------------- periods

/// The months of fiscal year `fy` with their state.
pub async fn periods(store: &impl LedgerStore, actor: &Actor, fy: i32) -> Result<Vec<Period>> {
    gate(actor, Action::Read)?;
    let settings = store.ledger_settings(actor.company_id).await?;
    let (start, end) = fiscal_year_bounds(fy, settings.fiscal_year_start_month)
        .ok_or_else(|| Error::invalid("year", "out of range"))?;
    let stored = store
        .periods(actor.company_id, month_key(start), month_key(end))
        .await?;
    let mut out = Vec::new();
    let mut d = start;
    while d <= end {
        let m = month_key(d);
        out.push(
            stored
                .iter()
                .find(|p| p.month == m)
                .cloned()
                .unwrap_or(Period {
                    month: m,
                    status: PeriodStatus::Open,
                    changed_by: None,
                    changed_at: None,
                    reason: String::new(),
                }),
        );
        d = d
            .checked_add_months(chrono::Months::new(1))
            .ok_or_else(|| Error::internal("date overflow"))?;
    }
    Ok(out)
}

pub fn parse_month(field: &str, s: &str) -> Result<i64> {
    let d = NaiveDate::parse_from_str(&format!("{}-01", s.trim()), "%Y-%m-%d")
        .map_err(|_| Error::invalid(field, format!("`{s}` is not a month (YYYY-MM)")))?;
    check_date_range(field, d)?;
    Ok(month_key(d))
}

/// Closes a month: nothing more posts into it.
pub async fn close_period(store: &impl LedgerStore, actor: &Actor, month: i64) -> Result<()> {
    gate(actor, Action::Approve)?;
    let audit = AuditDraft::by(
        actor,
        "ledger_period",
        Some(month.to_string()),
        "close",
        json!({"month": month}),
    );
    store
        .set_period(
            actor.company_id,
            month,
            PeriodStatus::Closed,
            &actor.audit_name(),
            "",
            audit,
        )
        .await
}

/// Reopens a closed month: an admin action with a reason.
pub async fn reopen_period(
    store: &impl LedgerStore,
    actor: &Actor,
    month: i64,
    reason: &str,
) -> Result<()> {
    authorize(
        actor,
        Permission::new(Domain::System, Action::Update),
        &Target::company(actor.company_id),
    )?;
    gate(actor, Action::Approve)?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Error::invalid("reason", "say why the period is reopened"));
    }
    let audit = AuditDraft::by(
        actor,
        "ledger_period",
        Some(month.to_string()),
        "reopen",
        json!({"month": month, "reason": reason}),
    );
    store
        .set_period(
            actor.company_id,
            month,
            PeriodStatus::Open,
            &actor.audit_name(),
            reason,
            audit,
        )
        .await
}

/// Year-end close: one entry on the last day of fiscal year `fy` that brings every income
/// and expense account to zero against retained earnings (per commodity), then closes
/// every month of the year.
pub async fn close_year(store: &impl LedgerStore, actor: &Actor, fy: i32) -> Result<Option<Entry>> {
    gate(actor, Action::Approve)?;
    let settings = store.ledger_settings(actor.company_id).await?;
    let (start, end) = fiscal_year_bounds(fy, settings.fiscal_year_start_month)
        .ok_or_else(|| Error::invalid("year", "out of range"))?;
    let accounts = store.all_accounts(actor.company_id).await?;
    let re = match accounts
        .iter()
        .find(|a| a.name.as_str() == RETAINED_EARNINGS)
    {
        Some(a) => a.clone(),
        None => {
            create_account(
                store,
                actor,
                &AccountInput {
                    name: RETAINED_EARNINGS.into(),
                    kind: Some("equity".into()),
                    ..Default::default()
                },
            )
            .await?
        }
    };
    let rows = store
        .balances(
            actor.company_id,
            &BalanceQuery {
                from: Some(start),
                to: Some(end),
                ..Default::default()
            },
        )
        .await?;
    let commodities = store.commodities(actor.company_id).await?;
    let journals = store.journals(actor.company_id).await?;
    let journal = journals
        .iter()
        .find(|j| j.kind == JournalKind::General)
        .ok_or_else(|| Error::invalid("journal", "the company has no general journal"))?;
    let mut lines: Vec<Line> = Vec::new();
    let mut totals: std::collections::BTreeMap<crate::ids::CommodityId, i64> = Default::default();
    for r in rows.iter().filter(|r| r.amount != 0) {
        let Some(a) = accounts.iter().find(|a| a.id == r.account_id) else {
            continue;
        };
        if a.kind.is_balance_sheet() {
            continue;
        }
        let sym = commodities
            .iter()
            .find(|c| c.id == r.commodity_id)
            .map(|c| c.symbol.clone())
            .unwrap_or_default();
        lines.push(Line {
            account_id: a.id,
            account: a.name.to_string(),
            commodity_id: r.commodity_id,
            commodity: sym,
            amount: -r.amount,
            cost: None,
            department_id: None,
            project: String::new(),
            memo: String::new(),
        });
        *totals.entry(r.commodity_id).or_default() += r.amount;
    }
    let entry = if lines.is_empty() {
        None
    } else {
        for (c, t) in totals {
            let sym = commodities
                .iter()
                .find(|x| x.id == c)
                .map(|x| x.symbol.clone())
                .unwrap_or_default();
            lines.push(Line {
                account_id: re.id,
                account: re.name.to_string(),
                commodity_id: c,
                commodity: sym,
                amount: t,
                cost: None,
                department_id: None,
                project: String::new(),
                memo: String::new(),
            });
        }
        let ne = NewEntry {
            journal_id: journal.id,
            date: end,
            reference: format!("FY{fy}"),
            description: format!("Year-end close {fy}"),
            comment: String::new(),
            lines,
            client_key: Some(format!("year-end-close-{fy}")),
            reverses: None,
        };
        let audit = entry_audit(actor, "year_end_close", &ne);
        let ids = store
            .insert_entries(
                actor.company_id,
                &[ne],
                EntryStatus::Posted,
                actor.author(),
                vec![audit],
            )
            .await?;
        Some(get_entry(store, actor, ids[0].0).await?)
    };
    let mut d = start;
    while d <= end {
        let m = month_key(d);
        let audit = AuditDraft::by(
            actor,
            "ledger_period",
            Some(m.to_string()),
            "close",
            json!({"month": m, "year_end": fy}),
        );
        store
            .set_period(
                actor.company_id,
                m,
                PeriodStatus::Closed,
                &actor.audit_name(),
                "year-end close",
                audit,
            )
            .await?;
        d = d
            .checked_add_months(chrono::Months::new(1))
            .ok_or_else(|| Error::internal("date overflow"))?;
    }
    Ok(entry)
}

// ---------------------------------------------------------------- rates

pub async fn rates(store: &impl LedgerStore, actor: &Actor) -> Result<Vec<Rate>> {
    gate(actor, Action::Read)?;
    store.rates(actor.company_id).await
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateInput {
    pub date: String,
    pub commodity: String,
    pub quote: String,
    pub rate: String,
}

/// Enters or imports rates (all or nothing; errors name `rows[i].field`).
pub async fn set_rates(
    store: &impl LedgerStore,
    actor: &Actor,
    rows: &[RateInput],
    source: &str,
) -> Result<usize> {
    gate(actor, Action::Update)?;
    let commodities = store.commodities(actor.company_id).await?;
    let mut v = crate::error::Validator::new();
    let mut out = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let f = |n: &str| {
            if rows.len() == 1 {
                n.to_string()
            } else {
                format!("rows[{i}].{n}")
            }
        };
        let date = v.check(&f("date"), parse_date("date", &r.date));
        let c = commodities.iter().find(|c| c.symbol == r.commodity.trim());
        let q = commodities.iter().find(|c| c.symbol == r.quote.trim());
        if c.is_none() {
            v.push(
                &f("commodity"),
                format!("unknown commodity `{}`", r.commodity.trim()),
            );
        }
        if q.is_none() {
            v.push(
                &f("quote"),
                format!("unknown commodity `{}`", r.quote.trim()),
            );
        }
        let rate = parse_rate(&r.rate).filter(|x| x.0 > 0);
        if rate.is_none() {
            v.push(
                &f("rate"),
                format!("`{}` is not a positive decimal", r.rate.trim()),
            );
        }
        if let (Some(date), Some(c), Some(q), Some(_)) = (date, c, q, rate) {
            if c.id == q.id {
                v.push(&f("quote"), "a rate is between two different commodities");
                continue;
            }
            out.push(NewRate {
                date,
                commodity_id: c.id,
                quote_id: q.id,
                rate: r.rate.trim().to_string(),
                source: source.to_string(),
            });
        }
    }
    v.finish()?;
    let audit = AuditDraft::by(
        actor,
        "ledger_rate",
        None,
        "set",
        json!({"rows": out.len(), "source": source}),
    );
    store.upsert_rates(actor.company_id, &out, audit).await
}

/// The first and last day of the month `yyyymm`.
pub fn month_bounds(month: i64) -> Option<(NaiveDate, NaiveDate)> {
    Some((month_start(month)?, month_end(month)?))
}

/// Today in the company's books (UTC).
pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// The fiscal year that `d` is in, for the actor's company.
pub async fn fiscal_year_of(store: &impl LedgerStore, actor: &Actor, d: NaiveDate) -> Result<i32> {
    let s = store.ledger_settings(actor.company_id).await?;
    Ok(fiscal_year(d, s.fiscal_year_start_month))
}
