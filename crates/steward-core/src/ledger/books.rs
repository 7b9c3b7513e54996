//! The books themselves: settings, commodities, setting the books up (starter chart),
//! journals and rates.
use serde::Deserialize;
use serde_json::json;

use super::accounts::{plan_accounts, AccountInput};
use super::entry::parse_rate;
use super::service::gate;
use super::store::*;
use super::types::*;
use crate::audit::AuditDraft;
use crate::auth::{Action, Actor};
use crate::{Error, Result};

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

pub(super) async fn company_commodity(
    store: &impl LedgerStore,
    actor: &Actor,
) -> Result<Option<Commodity>> {
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
