//! The chart of accounts: list, export, create (parents first), change, import.
use serde::Deserialize;
use serde_json::json;

use super::service::gate;
use super::store::*;
use super::types::*;
use crate::audit::AuditDraft;
use crate::auth::{Action, Actor};
use crate::ids::AccountId;
use crate::list::{Page, Paging};
use crate::{Error, Result};

// ---------------------------------------------------------------- accounts typed in forms

/// Accounts a form names by name or code (billing's lines and defaults, a bank account's
/// ledger account), read in one statement for all of a form's fields.
pub struct TypedAccounts(Vec<Account>);

impl TypedAccounts {
    /// Reads the accounts `keys` name (empty keys are skipped).
    pub async fn load<S: LedgerStore + ?Sized>(
        store: &S,
        company: crate::ids::CompanyId,
        keys: &[&str],
    ) -> Result<TypedAccounts> {
        let mut keys: Vec<String> = keys
            .iter()
            .map(|k| k.trim())
            .filter(|k| !k.is_empty())
            .map(str::to_string)
            .collect();
        keys.sort();
        keys.dedup();
        if keys.is_empty() {
            return Ok(TypedAccounts(Vec::new()));
        }
        Ok(TypedAccounts(store.accounts_by_keys(company, &keys).await?))
    }

    /// The account typed as `text` if it takes postings (it exists, is active and has no
    /// sub-accounts); otherwise the reason goes to `field` and `None` comes back. Empty
    /// text is no account and no error.
    pub fn postable(
        &self,
        v: &mut crate::error::Validator,
        field: &str,
        text: &str,
    ) -> Option<&Account> {
        let key = text.trim();
        if key.is_empty() {
            return None;
        }
        let found = self
            .0
            .iter()
            .find(|a| a.name.as_str() == key || a.code.as_deref() == Some(key));
        match found {
            None => v.push(
                field,
                format!("no account `{key}` in the chart of accounts"),
            ),
            Some(a) if !a.active => v.push(field, format!("account `{key}` is inactive")),
            Some(a) if a.has_children => v.push(
                field,
                format!("account `{key}` has sub-accounts: choose one of them"),
            ),
            Some(a) => return Some(a),
        }
        None
    }
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
pub(super) async fn plan_accounts(
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
        if input.description.trim().chars().count() > 500 {
            errors.push(&field(i, "description"), "at most 500 characters");
            continue;
        }
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
