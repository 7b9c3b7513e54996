//! Bank accounts: a name, the chart's asset account the money sits on (a leaf), the
//! currency its statements are in, the IBAN and BIC. The list shows each account's last
//! statement's closing balance.
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;
use std::future::Future;

use crate::audit::AuditDraft;
use crate::auth::{Action, Actor};
use crate::error::Validator;
use crate::ids::{AccountId, BankAccountId, CompanyId};
use crate::ledger::{AccountType, LedgerStore};
use crate::list::{Page, Paging, SortDir, SortKey};
use crate::money::Currency;
use crate::{Error, Result};

pub const NAME_MAX: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BankAccount {
    pub id: BankAccountId,
    pub name: String,
    pub ledger_account_id: AccountId,
    /// The ledger account's full name (`Assets:Bank:Checking`).
    pub ledger_account: String,
    pub currency: String,
    /// Electronic form (no spaces); empty when none.
    pub iban: String,
    pub bic: String,
    pub active: bool,
    pub version: i64,
    /// The last statement's closing balance (minor units) and its day, when one was
    /// imported with a closing balance.
    pub last_closing: Option<(NaiveDate, i64)>,
    pub statements: i64,
}

impl BankAccount {
    /// The IBAN in groups of four, as printed.
    pub fn iban_display(&self) -> String {
        self.iban
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }
    /// The key the account's line identities are made with: its id, which does not change
    /// when the IBAN is corrected, so a re-import still finds the lines.
    pub fn identity_key(&self) -> String {
        format!("steward-bank-account-{}", self.id)
    }
}

/// A bank account as typed: the ledger account by name or code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BankAccountInput {
    pub name: String,
    pub ledger_account: String,
    pub currency: String,
    pub iban: String,
    pub bic: String,
    pub active: bool,
}

/// A validated bank account for the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBankAccount {
    pub name: String,
    pub ledger_account_id: AccountId,
    pub currency: String,
    pub iban: String,
    pub bic: String,
    pub active: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BankAccountSort {
    #[default]
    Name,
    Created,
}

impl SortKey for BankAccountSort {
    const ALL: &'static [(&'static str, Self)] = &[
        ("name", BankAccountSort::Name),
        ("created", BankAccountSort::Created),
    ];
}

#[derive(Debug, Clone, Default)]
pub struct BankAccountQuery {
    /// Part of the name or IBAN (any case).
    pub search: Option<String>,
    pub sort: BankAccountSort,
    pub dir: SortDir,
    pub paging: Paging,
}

pub trait BankAccountStore: Send + Sync {
    fn list_bank_accounts(
        &self,
        company: CompanyId,
        q: &BankAccountQuery,
    ) -> impl Future<Output = Result<Page<BankAccount>>> + Send;
    fn bank_account(
        &self,
        company: CompanyId,
        id: BankAccountId,
    ) -> impl Future<Output = Result<Option<BankAccount>>> + Send;
    /// A bank account by its exact name (any case).
    fn bank_account_by_name(
        &self,
        company: CompanyId,
        name: &str,
    ) -> impl Future<Output = Result<Option<BankAccount>>> + Send;
    /// A name another account has is refused (`name`).
    fn insert_bank_account(
        &self,
        company: CompanyId,
        a: &NewBankAccount,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<BankAccountId>> + Send;
    /// `Conflict` on a stale version.
    fn update_bank_account(
        &self,
        company: CompanyId,
        id: BankAccountId,
        a: &NewBankAccount,
        version: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
}

pub async fn list<S: BankAccountStore>(
    store: &S,
    actor: &Actor,
    q: &BankAccountQuery,
) -> Result<Page<BankAccount>> {
    super::gate(actor, Action::Read)?;
    store.list_bank_accounts(actor.company_id, q).await
}

pub async fn get<S: BankAccountStore>(
    store: &S,
    actor: &Actor,
    id: BankAccountId,
) -> Result<BankAccount> {
    super::gate(actor, Action::Read)?;
    store
        .bank_account(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound {
            entity: "bank account",
        })
}

/// An account by id (digits) or by exact name (the CLI's `--account`).
pub async fn find<S: BankAccountStore>(
    store: &S,
    actor: &Actor,
    name_or_id: &str,
) -> Result<BankAccount> {
    super::gate(actor, Action::Read)?;
    let key = name_or_id.trim();
    if let Some(a) = store.bank_account_by_name(actor.company_id, key).await? {
        return Ok(a);
    }
    match key.parse::<i64>() {
        Ok(id) => get(store, actor, BankAccountId(id)).await,
        Err(_) => Err(Error::NotFound {
            entity: "bank account",
        }),
    }
}

async fn check<S: BankAccountStore + LedgerStore>(
    store: &S,
    actor: &Actor,
    id: Option<BankAccountId>,
    input: &BankAccountInput,
) -> Result<NewBankAccount> {
    let mut v = Validator::new();
    let name = v.line("name", &input.name, NAME_MAX, true);
    let currency = if input.currency.trim().is_empty() {
        actor.company_currency.clone()
    } else {
        match Currency::parse(&input.currency) {
            Ok(c) => c.code().to_string(),
            Err(_) => {
                v.push("currency", "a currency code such as EUR");
                String::new()
            }
        }
    };
    let key = input.ledger_account.trim();
    let mut ledger_account_id = AccountId(0);
    if key.is_empty() {
        v.push("ledger_account", "is required");
    } else {
        let accounts =
            crate::ledger::accounts::TypedAccounts::load(store, actor.company_id, &[key]).await?;
        match accounts.postable(&mut v, "ledger_account", key) {
            None => {}
            Some(a) if a.kind != AccountType::Asset => v.push(
                "ledger_account",
                format!("account `{key}` is not an asset account"),
            ),
            Some(a) => match &a.commodity {
                Some(c) if !currency.is_empty() && *c != currency => {
                    v.push("currency", format!("account `{key}` takes only {c}"))
                }
                _ => ledger_account_id = a.id,
            },
        }
    }
    let iban = if input.iban.trim().is_empty() {
        String::new()
    } else {
        v.iban("iban", &input.iban)
            .map(|i| i.as_str().to_string())
            .unwrap_or_default()
    };
    let bic = if input.bic.trim().is_empty() {
        String::new()
    } else {
        v.bic("bic", &input.bic)
            .map(|b| b.as_str().to_string())
            .unwrap_or_default()
    };
    if !name.is_empty() {
        if let Some(other) = store.bank_account_by_name(actor.company_id, &name).await? {
            if Some(other.id) != id {
                v.push("name", "another bank account has this name");
            }
        }
    }
    v.finish()?;
    Ok(NewBankAccount {
        name,
        ledger_account_id,
        currency,
        iban,
        bic,
        active: input.active,
    })
}

fn audit_json(a: &NewBankAccount) -> serde_json::Value {
    json!({
        "name": a.name, "ledger_account_id": a.ledger_account_id.0, "currency": a.currency,
        "iban": a.iban, "bic": a.bic, "active": a.active,
    })
}

pub async fn create<S: BankAccountStore + LedgerStore>(
    store: &S,
    actor: &Actor,
    input: &BankAccountInput,
) -> Result<BankAccount> {
    super::gate(actor, Action::Create)?;
    let a = check(store, actor, None, input).await?;
    let audit = AuditDraft::by(actor, super::ACCOUNT, None, "create", audit_json(&a));
    let id = store
        .insert_bank_account(actor.company_id, &a, audit)
        .await?;
    get(store, actor, id).await
}

/// Changes a bank account (every field replaced). Its currency is fixed once statements
/// were imported: their amounts are in it.
pub async fn update<S: BankAccountStore + LedgerStore>(
    store: &S,
    actor: &Actor,
    id: BankAccountId,
    input: &BankAccountInput,
    version: Option<i64>,
) -> Result<BankAccount> {
    super::gate(actor, Action::Update)?;
    let current = get(store, actor, id).await?;
    let a = check(store, actor, Some(id), input).await?;
    if current.statements > 0 && a.currency != current.currency {
        return Err(Error::invalid(
            "currency",
            format!(
                "stays {} (statements were imported in it)",
                current.currency
            ),
        ));
    }
    let audit = AuditDraft::by(
        actor,
        super::ACCOUNT,
        Some(id.to_string()),
        "update",
        json!({"before": {"name": current.name, "ledger_account_id": current.ledger_account_id.0,
            "currency": current.currency, "iban": current.iban, "bic": current.bic,
            "active": current.active}, "after": audit_json(&a)}),
    );
    store
        .update_bank_account(
            actor.company_id,
            id,
            &a,
            version.unwrap_or(current.version),
            audit,
        )
        .await?;
    get(store, actor, id).await
}

pub const EXPORT_HEADERS: &[&str] = &[
    "name",
    "ledger_account",
    "currency",
    "iban",
    "bic",
    "active",
    "last_closing_date",
    "last_closing_balance",
];

/// One exported row, in [`EXPORT_HEADERS`]' order.
pub fn export_row(a: &BankAccount) -> Vec<String> {
    let precision = Currency::parse(&a.currency)
        .map(|c| c.precision())
        .unwrap_or(2);
    vec![
        a.name.clone(),
        a.ledger_account.clone(),
        a.currency.clone(),
        a.iban.clone(),
        a.bic.clone(),
        if a.active { "yes" } else { "no" }.to_string(),
        a.last_closing
            .map(|(d, _)| d.to_string())
            .unwrap_or_default(),
        a.last_closing
            .map(|(_, m)| crate::money::format_minor(m, precision))
            .unwrap_or_default(),
    ]
}
