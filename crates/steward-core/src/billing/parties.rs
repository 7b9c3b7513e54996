//! Customers and vendors. One party may be both (a company that buys from us and sells to
//! us). Who keeps receivables sees and keeps customers, who keeps payables vendors; a
//! party that is both is seen by either and changed by whoever holds both, or by either
//! as long as the change keeps to their side (a salesperson may fix a customer's address
//! but not the bank account a payment run pays into).
use serde::Serialize;
use serde_json::json;
use std::future::Future;

use crate::audit::AuditDraft;
use crate::auth::{Action, Actor, Domain};
use crate::error::Validator;
use crate::ids::{AccountId, CompanyId, PartyId};
use crate::ledger::LedgerStore;
use crate::list::{Page, Paging, SortDir, SortKey};
use crate::money::Currency;
use crate::{Error, Result};

pub const NAME_MAX: usize = 200;
pub const TAX_ID_MAX: usize = 50;
pub const ADDRESS_MAX: usize = 1000;
pub const TERMS_MAX: i64 = 365;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Party {
    pub id: PartyId,
    pub name: String,
    pub legal_name: String,
    pub is_customer: bool,
    pub is_vendor: bool,
    pub tax_id: String,
    pub email: String,
    pub address: String,
    /// Days from the document date to its due date.
    pub payment_terms_days: i64,
    pub currency: String,
    pub income_account_id: Option<AccountId>,
    pub expense_account_id: Option<AccountId>,
    /// The accounts' full names (`Income:Sales`), for forms and pages.
    pub income_account: Option<String>,
    pub expense_account: Option<String>,
    /// Electronic form (no spaces); empty when none.
    pub iban: String,
    pub bic: String,
    pub active: bool,
    pub version: i64,
}

impl Party {
    /// Customer, vendor, or both.
    pub fn role_label(&self) -> &'static str {
        match (self.is_customer, self.is_vendor) {
            (true, true) => "Customer and vendor",
            (true, false) => "Customer",
            (false, true) => "Vendor",
            (false, false) => "Neither",
        }
    }
    /// The IBAN in groups of four, as printed.
    pub fn iban_display(&self) -> String {
        group4(&self.iban)
    }
}

fn group4(s: &str) -> String {
    s.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A party as typed: accounts by name or code, the IBAN with or without spaces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartyInput {
    pub name: String,
    pub legal_name: String,
    pub is_customer: bool,
    pub is_vendor: bool,
    pub tax_id: String,
    pub email: String,
    pub address: String,
    pub payment_terms_days: String,
    pub currency: String,
    pub income_account: String,
    pub expense_account: String,
    pub iban: String,
    pub bic: String,
    pub active: bool,
}

/// A validated party for the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewParty {
    pub name: String,
    pub legal_name: String,
    pub is_customer: bool,
    pub is_vendor: bool,
    pub tax_id: String,
    pub email: String,
    pub address: String,
    pub payment_terms_days: i64,
    pub currency: String,
    pub income_account_id: Option<AccountId>,
    pub expense_account_id: Option<AccountId>,
    pub iban: String,
    pub bic: String,
    pub active: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PartySort {
    #[default]
    Name,
    Created,
}

impl SortKey for PartySort {
    const ALL: &'static [(&'static str, Self)] =
        &[("name", PartySort::Name), ("created", PartySort::Created)];
}

/// Which parties a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PartyRole {
    #[default]
    Any,
    Customer,
    Vendor,
}

impl PartyRole {
    pub const ALL: &'static [(&'static str, PartyRole)] = &[
        ("customer", PartyRole::Customer),
        ("vendor", PartyRole::Vendor),
    ];
    pub fn parse(s: &str) -> Option<PartyRole> {
        Self::ALL.iter().find(|(k, _)| *k == s).map(|(_, r)| *r)
    }
}

#[derive(Debug, Clone, Default)]
pub struct PartyQuery {
    /// Part of the name, legal name, tax id or e-mail (any case).
    pub search: Option<String>,
    pub role: PartyRole,
    /// `Some(true)`: active only; `Some(false)`: inactive only.
    pub active: Option<bool>,
    pub sort: PartySort,
    pub dir: SortDir,
    pub paging: Paging,
}

/// The store's filter: what the query asks, narrowed to what the actor may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Visible {
    pub customers: bool,
    pub vendors: bool,
}

pub trait PartyStore: Send + Sync {
    fn list_parties(
        &self,
        company: CompanyId,
        visible: Visible,
        q: &PartyQuery,
    ) -> impl Future<Output = Result<Page<Party>>> + Send;
    fn party(
        &self,
        company: CompanyId,
        id: PartyId,
    ) -> impl Future<Output = Result<Option<Party>>> + Send;
    /// The parties of `ids` the company has (one read; an id of another company is left out).
    fn parties_by_ids(
        &self,
        company: CompanyId,
        ids: &[PartyId],
    ) -> impl Future<Output = Result<Vec<Party>>> + Send;
    /// A party by its exact name (any case).
    fn party_by_name(
        &self,
        company: CompanyId,
        name: &str,
    ) -> impl Future<Output = Result<Option<Party>>> + Send;
    /// A name another party has is refused (`name`).
    fn insert_party(
        &self,
        company: CompanyId,
        p: &NewParty,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<PartyId>> + Send;
    /// Which of `names` parties of the company have (lower case, any case matched).
    fn names_taken(
        &self,
        company: CompanyId,
        names: &[String],
    ) -> impl Future<Output = Result<std::collections::HashSet<String>>> + Send;
    /// Inserts every party of an import in one transaction with its one audit event; a
    /// name taken meanwhile refuses them all (`name`). Returns how many were inserted.
    fn import_parties(
        &self,
        company: CompanyId,
        parties: &[NewParty],
        audit: AuditDraft,
    ) -> impl Future<Output = Result<usize>> + Send;
    /// `Conflict` on a stale version.
    fn update_party(
        &self,
        company: CompanyId,
        id: PartyId,
        p: &NewParty,
        version: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
}

/// What of the parties the actor may see.
pub fn visible(actor: &Actor) -> Visible {
    Visible {
        customers: super::allowed(actor, Domain::Receivables, Action::Read),
        vendors: super::allowed(actor, Domain::Payables, Action::Read),
    }
}

/// Whether the actor sees this party.
pub fn sees(actor: &Actor, p: &Party) -> bool {
    let v = visible(actor);
    (v.customers && p.is_customer) || (v.vendors && p.is_vendor)
}

/// Whether the actor may read any party (the parties page).
pub fn authorize_read(actor: &Actor) -> Result<()> {
    let v = visible(actor);
    if v.customers || v.vendors {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// Whether the actor may create parties of some kind (the form).
pub fn may_create(actor: &Actor) -> bool {
    super::allowed(actor, Domain::Receivables, Action::Create)
        || super::allowed(actor, Domain::Payables, Action::Create)
}

/// Whether the actor may export the list.
pub fn authorize_export(actor: &Actor) -> Result<()> {
    if super::allowed(actor, Domain::Receivables, Action::Export)
        || super::allowed(actor, Domain::Payables, Action::Export)
    {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

pub async fn list<S: PartyStore>(store: &S, actor: &Actor, q: &PartyQuery) -> Result<Page<Party>> {
    authorize_read(actor)?;
    store
        .list_parties(actor.company_id, visible(actor), q)
        .await
}

/// One party; one the actor may not see is not found (as another company's is).
pub async fn get<S: PartyStore>(store: &S, actor: &Actor, id: PartyId) -> Result<Party> {
    authorize_read(actor)?;
    store
        .party(actor.company_id, id)
        .await?
        .filter(|p| sees(actor, p))
        .ok_or(Error::NotFound { entity: "party" })
}

/// The side of a party a change touches needs that side's grant: a customer's
/// `receivables.<action>`, a vendor's `payables.<action>`; the bank details a payment run
/// pays into and the expense account are the vendor side's.
fn authorize_sides(actor: &Actor, customer: bool, vendor: bool, action: Action) -> Result<()> {
    if customer {
        super::gate(actor, Domain::Receivables, action)?;
    }
    if vendor {
        super::gate(actor, Domain::Payables, action)?;
    }
    if !customer && !vendor {
        return Err(Error::invalid(
            "is_customer",
            "a party is a customer, a vendor, or both",
        ));
    }
    Ok(())
}

async fn check<S: PartyStore + LedgerStore>(
    store: &S,
    actor: &Actor,
    id: Option<PartyId>,
    input: &PartyInput,
) -> Result<NewParty> {
    let mut v = Validator::new();
    let accounts = crate::ledger::accounts::TypedAccounts::load(
        store,
        actor.company_id,
        &[&input.income_account, &input.expense_account],
    )
    .await?;
    let p = fields(&mut v, actor, input, &accounts);
    if !p.name.is_empty() {
        if let Some(other) = store.party_by_name(actor.company_id, &p.name).await? {
            if Some(other.id) != id {
                v.push("name", "another customer or vendor has this name");
            }
        }
    }
    v.finish()?;
    Ok(p)
}

/// A party as typed, checked field by field into `v` with the accounts it names already
/// read (a form reads them for one party, an import once for the whole file); whether the
/// name is taken is the caller's to ask.
pub(crate) fn fields(
    v: &mut Validator,
    actor: &Actor,
    input: &PartyInput,
    accounts: &crate::ledger::accounts::TypedAccounts,
) -> NewParty {
    let name = v.line("name", &input.name, NAME_MAX, true);
    let legal_name = v.line("legal_name", &input.legal_name, NAME_MAX, false);
    let tax_id = v.line("tax_id", &input.tax_id, TAX_ID_MAX, false);
    let email = if input.email.trim().is_empty() {
        String::new()
    } else {
        v.email("email", &input.email)
            .map(|e| e.as_str().to_string())
            .unwrap_or_default()
    };
    let address = v.text("address", &input.address, ADDRESS_MAX, false);
    let terms_text = input.payment_terms_days.trim();
    let payment_terms_days = if terms_text.is_empty() {
        30
    } else {
        match terms_text.parse::<i64>() {
            Ok(d) if (0..=TERMS_MAX).contains(&d) => d,
            _ => {
                v.push("payment_terms_days", "a number of days from 0 to 365");
                30
            }
        }
    };
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
    let income = accounts
        .postable(v, "income_account", &input.income_account)
        .map(|a| a.id);
    let expense = accounts
        .postable(v, "expense_account", &input.expense_account)
        .map(|a| a.id);
    let iban = if input.iban.trim().is_empty() {
        String::new()
    } else {
        v.check("iban", crate::input::Iban::parse("iban", &input.iban))
            .map(|i| i.as_str().to_string())
            .unwrap_or_default()
    };
    let bic = if input.bic.trim().is_empty() {
        String::new()
    } else {
        v.check("bic", crate::input::Bic::parse("bic", &input.bic))
            .map(|b| b.as_str().to_string())
            .unwrap_or_default()
    };
    if !input.is_customer && !input.is_vendor {
        v.push("is_customer", "a party is a customer, a vendor, or both");
    }
    NewParty {
        name,
        legal_name,
        is_customer: input.is_customer,
        is_vendor: input.is_vendor,
        tax_id,
        email,
        address,
        payment_terms_days,
        currency,
        income_account_id: income,
        expense_account_id: expense,
        iban,
        bic,
        active: input.active,
    }
}

fn audit_json(p: &NewParty) -> serde_json::Value {
    json!({
        "name": p.name, "is_customer": p.is_customer, "is_vendor": p.is_vendor,
        "tax_id": p.tax_id, "currency": p.currency, "payment_terms_days": p.payment_terms_days,
        "iban": !p.iban.is_empty(), "active": p.active,
    })
}

pub async fn create<S: PartyStore + LedgerStore>(
    store: &S,
    actor: &Actor,
    input: &PartyInput,
) -> Result<Party> {
    if !may_create(actor) {
        return Err(Error::Forbidden);
    }
    authorize_sides(actor, input.is_customer, input.is_vendor, Action::Create)?;
    let p = check(store, actor, None, input).await?;
    let audit = AuditDraft::by(actor, super::PARTY, None, "create", audit_json(&p));
    let id = store.insert_party(actor.company_id, &p, audit).await?;
    get(store, actor, id).await
}

/// Changes a party. A change to a side (being a customer or vendor, the income account; the
/// bank details and expense account) needs that side's `update`; the shared fields (name,
/// address, terms...) need the `update` of a side the party has: a salesperson changes a
/// customer-and-vendor's address, not the bank account a payment run pays into.
pub async fn update<S: PartyStore + LedgerStore>(
    store: &S,
    actor: &Actor,
    id: PartyId,
    input: &PartyInput,
    version: Option<i64>,
) -> Result<Party> {
    let current = get(store, actor, id).await?;
    let p = check(store, actor, Some(id), input).await?;
    let vendor_side_changed = current.is_vendor != p.is_vendor
        || current.iban != p.iban
        || current.bic != p.bic
        || current.expense_account_id != p.expense_account_id;
    let customer_side_changed =
        current.is_customer != p.is_customer || current.income_account_id != p.income_account_id;
    if customer_side_changed {
        super::gate(actor, Domain::Receivables, Action::Update)?;
    }
    if vendor_side_changed {
        super::gate(actor, Domain::Payables, Action::Update)?;
    }
    // The shared fields: the grant of a side the party has will do.
    let as_customer = (current.is_customer || p.is_customer)
        && super::allowed(actor, Domain::Receivables, Action::Update);
    let as_vendor = (current.is_vendor || p.is_vendor)
        && super::allowed(actor, Domain::Payables, Action::Update);
    if !as_customer && !as_vendor {
        return Err(Error::Forbidden);
    }
    let audit = AuditDraft::by(
        actor,
        super::PARTY,
        Some(id.to_string()),
        "update",
        json!({"before": {"name": current.name, "is_customer": current.is_customer, "is_vendor": current.is_vendor, "iban_changed": current.iban != p.iban}, "after": audit_json(&p)}),
    );
    store
        .update_party(
            actor.company_id,
            id,
            &p,
            version.unwrap_or(current.version),
            audit,
        )
        .await?;
    get(store, actor, id).await
}

pub const EXPORT_HEADERS: &[&str] = &[
    "name",
    "legal_name",
    "customer",
    "vendor",
    "tax_id",
    "email",
    "address",
    "payment_terms_days",
    "currency",
    "income_account",
    "expense_account",
    "iban",
    "bic",
    "active",
];

/// One exported row, in [`EXPORT_HEADERS`]' order.
pub fn export_row(p: &Party) -> Vec<String> {
    let yn = |b: bool| if b { "yes" } else { "no" }.to_string();
    vec![
        p.name.clone(),
        p.legal_name.clone(),
        yn(p.is_customer),
        yn(p.is_vendor),
        p.tax_id.clone(),
        p.email.clone(),
        p.address.clone(),
        p.payment_terms_days.to_string(),
        p.currency.clone(),
        p.income_account.clone().unwrap_or_default(),
        p.expense_account.clone().unwrap_or_default(),
        p.iban.clone(),
        p.bic.clone(),
        yn(p.active),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iban_prints_in_groups_of_four() {
        assert_eq!(
            group4("DE89370400440532013000"),
            "DE89 3704 0044 0532 0130 00"
        );
        assert_eq!(group4(""), "");
    }
}
