//! Billing: what the company is owed and what it owes. Customers and vendors (parties),
//! tax codes, sales invoices and credit notes (receivables), vendor bills and vendor
//! credits (payables). Posting a document writes its ledger entry (receivable or payable,
//! income or expense per line, tax per code) in the same transaction as its number.
//!
//! Who may do what: receivables (`receivables.*`: customers, invoices, credit notes) and
//! payables (`payables.*`: vendors, bills) are grants of their own, held company-wide by the
//! accounting roles; a salesperson's custom role may hold receivables without payables.
//! Tax codes and the billing settings belong to whoever sets up the books (`accounting`).
//! The one gate is [`gate`]; every service calls it before it reads or writes.
pub mod aged;
pub mod dunning;
pub mod fx;
pub mod invoice_batch;
pub mod invoices;
pub mod mail;
pub mod parties;
pub mod party_import;
pub mod payments;
pub mod pdf;
pub mod recurring;
pub mod reports;
pub mod runs;
pub mod tax;
pub mod tiles;

use serde::Serialize;
use serde_json::json;
use std::future::Future;

use crate::audit::AuditDraft;
use crate::auth::{authorize_company, Action, Actor, Domain, Permission};
use crate::error::Validator;
use crate::ids::{AccountId, CompanyId};
use crate::ledger::LedgerStore;
use crate::registry::Registry;
use crate::{Error, Result};

pub use tax::TaxRounding;

/// A customer or vendor (`billing.party:7`).
pub const PARTY: &str = "billing.party";
/// An invoice, credit note, bill or vendor credit (`billing.invoice:42`).
pub const INVOICE: &str = "billing.invoice";
/// A payment received or made (`billing.payment:3`).
pub const PAYMENT: &str = "billing.payment";
/// A payment run: vendors paid by one SEPA credit transfer file (`billing.payment_run:2`).
pub const PAYMENT_RUN: &str = "billing.payment_run";

/// A bill above the billing settings' approval threshold waits for this kind of request;
/// the final decision posts it or sends it back to draft with the reason.
pub const BILL_APPROVAL: crate::registry::ApprovalKind = crate::registry::ApprovalKind {
    key: "billing.bill",
    label: "Vendor bill",
    direct: false,
    lead_role: "accounting_lead",
    lead_decides: false,
};

/// A payment run waits for this kind of request before its file may be exported.
pub const RUN_APPROVAL: crate::registry::ApprovalKind = crate::registry::ApprovalKind {
    key: "billing.payment_run",
    label: "Payment run",
    direct: false,
    lead_role: "accounting_lead",
    lead_decides: false,
};

/// Every store trait billing needs.
pub trait BillingBackend:
    LedgerStore
    + crate::departments::DepartmentStore
    + parties::PartyStore
    + tax::TaxStore
    + invoices::InvoiceStore
    + payments::PaymentStore
    + aged::AgedStore
    + reports::BillingReportStore
    + SettingsStore
    + runs::RunStore
    + crate::bank::accounts::BankAccountStore
    + crate::work::approvals::ApprovalBackend
    + mail::MailStore
    + recurring::RecurringStore
{
}
impl<T> BillingBackend for T where
    T: LedgerStore
        + crate::departments::DepartmentStore
        + parties::PartyStore
        + tax::TaxStore
        + invoices::InvoiceStore
        + payments::PaymentStore
        + aged::AgedStore
        + reports::BillingReportStore
        + SettingsStore
        + runs::RunStore
        + crate::bank::accounts::BankAccountStore
        + crate::work::approvals::ApprovalBackend
        + mail::MailStore
        + recurring::RecurringStore
{
}

/// Billing's record kinds (links from tasks and approvals), the vendor's file on a
/// document (attachments), its approval kinds (a bill above the threshold and a payment
/// run, each settled by its decision handler), its dashboard tiles, its daily jobs
/// (payment reminders, recurring invoices) and the hook that seeds their chains.
pub fn register<S>(r: &mut Registry, store: S)
where
    S: BillingBackend + crate::jobs::JobStore + Clone + 'static,
{
    r.record_kind(PARTY, "Customer or vendor");
    r.record_kind(INVOICE, "Invoice or bill");
    r.record_kind(PAYMENT, "Payment");
    r.record_kind(PAYMENT_RUN, "Payment run");
    dunning::register_jobs(r.jobs_mut(), store.clone());
    recurring::register_jobs(r.jobs_mut(), store.clone());
    let s = store.clone();
    r.on_start(
        "billing.schedule",
        crate::registry::start(move || {
            let s = s.clone();
            async move {
                dunning::schedule(&s).await?;
                recurring::schedule(&s).await
            }
        }),
    );
    r.tile(
        "billing.overdue",
        crate::work::dashboard::handler(store.clone(), tiles::OverdueReceivables),
    );
    r.tile(
        "billing.bills_due",
        crate::work::dashboard::handler(store.clone(), tiles::BillsDue),
    );
    let s = store.clone();
    r.attachments(
        INVOICE,
        crate::registry::attachment_rule(move |actor: Actor, id: i64| {
            let store = s.clone();
            async move {
                let inv = invoices::get(&store, &actor, crate::ids::InvoiceId(id)).await?;
                let write = invoices::may_write(&actor, inv.kind);
                Ok(crate::registry::AttachAccess {
                    add: write,
                    remove_any: write,
                })
            }
        }),
    );
    let s = store.clone();
    r.approval_kind(
        &BILL_APPROVAL,
        Some(crate::registry::boxed(
            move |d: crate::registry::Decision| {
                let store = s.clone();
                async move {
                    if d.subject.kind != INVOICE {
                        return Ok(());
                    }
                    invoices::settle_pending(
                        &store,
                        &d.actor,
                        crate::ids::InvoiceId(d.subject.id),
                        d.approved,
                        &d.comment,
                    )
                    .await
                }
            },
        )),
    );
    r.approval_kind(
        &RUN_APPROVAL,
        Some(crate::registry::boxed(
            move |d: crate::registry::Decision| {
                let store = store.clone();
                async move {
                    if d.subject.kind != PAYMENT_RUN {
                        return Ok(());
                    }
                    runs::settle_pending(&store, &d.actor, d.subject.id, d.approved, &d.comment)
                        .await
                }
            },
        )),
    );
}

/// Whether the actor holds `action` on `domain` for the whole company: billing's records
/// are the company's, not anyone's own.
pub fn allowed(actor: &Actor, domain: Domain, action: Action) -> bool {
    authorize_company(actor, Permission::new(domain, action)).is_ok()
}

/// An export (a table, a download) of what `domain` holds needs its `export` grant.
pub fn authorize_export(actor: &Actor, domain: Domain) -> Result<()> {
    gate(actor, domain, Action::Export)
}

/// A list that asks for everything (`Paging::is_export`: a CSV or XLSX download) needs
/// `export` on one of the domains it shows; a page of it needs only what reading does.
pub(crate) fn authorize_listing(
    actor: &Actor,
    paging: crate::list::Paging,
    domains: &[Domain],
) -> Result<()> {
    if paging.is_export() && !domains.iter().any(|d| allowed(actor, *d, Action::Export)) {
        return Err(Error::Forbidden);
    }
    Ok(())
}

/// The one gate: `Forbidden` unless [`allowed`].
pub fn gate(actor: &Actor, domain: Domain, action: Action) -> Result<()> {
    if allowed(actor, domain, action) {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// How a company bills: where receivables and payables are kept, and how tax is rounded.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct BillingSettings {
    pub receivable_account_id: Option<AccountId>,
    pub payable_account_id: Option<AccountId>,
    pub tax_rounding: TaxRounding,
    /// Bills whose total (in the company currency) is above this wait for approval
    /// before they post; `None`: no approval.
    pub bill_approval_threshold: Option<i64>,
    /// Where the exchange gains and losses realised by settling documents in a foreign
    /// currency go (needed once one realises a difference).
    pub fx_gain_loss_account_id: Option<AccountId>,
    pub version: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsInput {
    /// Account name or code.
    pub receivable_account: String,
    pub payable_account: String,
    /// `line` or `document`.
    pub tax_rounding: String,
    /// An amount in the company currency; empty: none.
    pub bill_approval_threshold: String,
    /// The exchange difference account (name or code); empty: none.
    pub fx_gain_loss_account: String,
}

pub trait SettingsStore: Send + Sync {
    /// The defaults (no accounts, rounding per line, version 0) when never set.
    fn billing_settings(
        &self,
        company: CompanyId,
    ) -> impl Future<Output = Result<BillingSettings>> + Send;
    /// `Conflict` when `version` is not the stored one.
    fn set_billing_settings(
        &self,
        company: CompanyId,
        s: &BillingSettings,
        version: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
}

pub async fn settings<S: SettingsStore>(store: &S, actor: &Actor) -> Result<BillingSettings> {
    tax::authorize_read(actor)?;
    store.billing_settings(actor.company_id).await
}

pub async fn set_settings<S: SettingsStore + LedgerStore>(
    store: &S,
    actor: &Actor,
    input: &SettingsInput,
    version: Option<i64>,
) -> Result<BillingSettings> {
    gate(actor, Domain::Accounting, Action::Update)?;
    let current = store.billing_settings(actor.company_id).await?;
    let mut v = Validator::new();
    let accounts = crate::ledger::accounts::TypedAccounts::load(
        store,
        actor.company_id,
        &[
            &input.receivable_account,
            &input.payable_account,
            &input.fx_gain_loss_account,
        ],
    )
    .await?;
    let receivable = accounts
        .postable(&mut v, "receivable_account", &input.receivable_account)
        .map(|a| a.id);
    let payable = accounts
        .postable(&mut v, "payable_account", &input.payable_account)
        .map(|a| a.id);
    let fx_account = accounts.postable(&mut v, "fx_gain_loss_account", &input.fx_gain_loss_account);
    if let Some(a) = fx_account {
        let only = a.commodity.as_deref();
        if only.is_some_and(|c| c != actor.company_currency) {
            v.push(
                "fx_gain_loss_account",
                format!(
                    "{} takes only {}: exchange differences are in {}",
                    a.name,
                    only.unwrap_or_default(),
                    actor.company_currency
                ),
            );
        }
    }
    let fx_account = fx_account.map(|a| a.id);
    let rounding = match TaxRounding::parse(input.tax_rounding.trim()) {
        Some(r) => r,
        None => {
            v.push("tax_rounding", "`line` or `document`");
            TaxRounding::Line
        }
    };
    let threshold = {
        let t = input.bill_approval_threshold.trim();
        if t.is_empty() {
            None
        } else {
            let precision = crate::money::precision_of(&actor.company_currency);
            match crate::money::parse_decimal(t, precision) {
                Some(n) if (0..=tax::MAX_AMOUNT).contains(&n) => Some(n),
                _ => {
                    v.push(
                        "bill_approval_threshold",
                        format!(
                            "an amount in {} with at most {precision} decimals, or empty for none",
                            actor.company_currency
                        ),
                    );
                    None
                }
            }
        }
    };
    v.finish()?;
    let next = BillingSettings {
        receivable_account_id: receivable,
        payable_account_id: payable,
        tax_rounding: rounding,
        bill_approval_threshold: threshold,
        fx_gain_loss_account_id: fx_account,
        version: current.version + 1,
    };
    let audit = AuditDraft::by(
        actor,
        "billing.settings",
        None,
        "update",
        json!({
            "receivable_account_id": [current.receivable_account_id, next.receivable_account_id],
            "payable_account_id": [current.payable_account_id, next.payable_account_id],
            "tax_rounding": [current.tax_rounding.as_str(), next.tax_rounding.as_str()],
            "bill_approval_threshold": [current.bill_approval_threshold, next.bill_approval_threshold],
            "fx_gain_loss_account_id": [current.fx_gain_loss_account_id, next.fx_gain_loss_account_id],
        }),
    );
    store
        .set_billing_settings(
            actor.company_id,
            &next,
            version.unwrap_or(current.version),
            audit,
        )
        .await?;
    store.billing_settings(actor.company_id).await
}

/// An account a billing form may offer: active, without sub-accounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PostableAccount {
    pub id: AccountId,
    pub name: String,
    pub code: Option<String>,
}

/// The accounts billing's forms offer (lines, defaults, tax codes): anyone who keeps
/// receivables, payables or the books may see their names.
pub async fn postable_accounts<S: LedgerStore>(
    store: &S,
    actor: &Actor,
) -> Result<Vec<PostableAccount>> {
    tax::authorize_read(actor)?;
    Ok(store
        .all_accounts(actor.company_id)
        .await?
        .into_iter()
        .filter(|a| a.active && !a.has_children)
        .map(|a| PostableAccount {
            id: a.id,
            name: a.name.as_str().to_string(),
            code: a.code,
        })
        .collect())
}

/// The kinds a list shows: the ones asked for that the actor may read (every readable one
/// when none are asked). `Forbidden` when the actor reads none; empty when none of those
/// asked is readable.
pub(crate) fn listed_kinds<K: Copy + PartialEq>(asked: &[K], readable: Vec<K>) -> Result<Vec<K>> {
    if readable.is_empty() {
        return Err(Error::Forbidden);
    }
    Ok(if asked.is_empty() {
        readable
    } else {
        asked
            .iter()
            .copied()
            .filter(|k| readable.contains(k))
            .collect()
    })
}

/// An empty page at `paging`.
pub(crate) fn empty_page<T>(paging: crate::list::Paging) -> crate::list::Page<T> {
    crate::list::Page {
        items: Vec::new(),
        total: 0,
        limit: paging.limit,
        offset: paging.offset,
    }
}

/// What an entry of billing posts with: the receivables (`sales`) or payables control
/// account from the settings, the currency's commodity, the journal of `kind` (the
/// general journal, or the first, when the books have none of that kind), and, for a
/// currency other than the books', what its book values are kept in.
pub(crate) struct PostingTarget {
    pub control: AccountId,
    pub commodity: crate::ledger::Commodity,
    pub journal: crate::ids::JournalId,
    /// `Some` when the currency is not the books' (see [`fx`]).
    pub book: Option<BookTarget>,
}

/// The books' currency and the exchange difference account of the billing settings.
pub(crate) struct BookTarget {
    pub commodity: crate::ledger::Commodity,
    pub fx_account: Option<AccountId>,
}

pub(crate) async fn posting<S: SettingsStore + LedgerStore>(
    store: &S,
    actor: &Actor,
    sales: bool,
    currency: &str,
    kind: crate::ledger::JournalKind,
) -> Result<PostingTarget> {
    let settings = store.billing_settings(actor.company_id).await?;
    let control = if sales {
        settings.receivable_account_id.ok_or_else(|| {
            Error::invalid(
                "receivable_account",
                "set the receivables account in the billing settings before posting invoices",
            )
        })?
    } else {
        settings.payable_account_id.ok_or_else(|| {
            Error::invalid(
                "payable_account",
                "set the payables account in the billing settings before posting bills",
            )
        })?
    };
    let commodities = store.commodities(actor.company_id).await?;
    let find = |symbol: &str| {
        commodities
            .iter()
            .find(|c| c.symbol == symbol)
            .cloned()
            .ok_or_else(|| {
                Error::invalid(
                    "currency",
                    format!("the books have no currency {symbol}: add it under Books, settings"),
                )
            })
    };
    let commodity = find(currency)?;
    if actor.company_currency.is_empty() {
        // A job's actor is told the company's currency; one that is not cannot tell a
        // document in the books' currency from one in another.
        return Err(Error::internal(
            "billing posts with an actor that does not know the company's currency",
        ));
    }
    let book = if currency == actor.company_currency {
        None
    } else {
        Some(BookTarget {
            commodity: find(&actor.company_currency)?,
            fx_account: settings.fx_gain_loss_account_id,
        })
    };
    let journals = store.journals(actor.company_id).await?;
    let journal = journals
        .iter()
        .find(|j| j.kind == kind)
        .or_else(|| {
            journals
                .iter()
                .find(|j| j.kind == crate::ledger::JournalKind::General)
        })
        .or_else(|| journals.first())
        .ok_or_else(|| Error::invalid("journal", "the books have no journal"))?
        .id;
    Ok(PostingTarget {
        control,
        commodity,
        journal,
        book,
    })
}

impl PostingTarget {
    /// A line of the entry in the posting's commodity.
    pub(crate) fn line(
        &self,
        account_id: AccountId,
        amount: i64,
        department_id: Option<crate::ids::DepartmentId>,
        project: &str,
        memo: &str,
    ) -> crate::ledger::Line {
        crate::ledger::Line {
            account_id,
            account: String::new(),
            commodity_id: self.commodity.id,
            commodity: self.commodity.symbol.clone(),
            amount,
            cost: None,
            department_id,
            project: project.to_string(),
            memo: memo.to_string(),
        }
    }

    /// The ledger's rate of the posting's currency in the books' on `date`; an error on
    /// `field` (the date the rate is taken for) when the ledger has none.
    pub(crate) fn rate_on(
        &self,
        rates: &[crate::ledger::Rate],
        date: chrono::NaiveDate,
        field: &str,
    ) -> Result<fx::FxRate> {
        let home = self
            .book
            .as_ref()
            .map(|b| b.commodity.symbol.as_str())
            .unwrap_or_default();
        fx::FxRate::on(rates, &self.commodity.symbol, home, date).ok_or_else(|| {
            Error::invalid(
                field,
                format!(
                    "the ledger has no rate of {} in {home} on or before {date}: enter one under Ledger, rates",
                    self.commodity.symbol
                ),
            )
        })
    }

    /// `amount` of the posting's currency in the books' currency at `rate`.
    pub(crate) fn value(&self, rate: fx::FxRate, amount: i64) -> Result<i64> {
        let to = self
            .book
            .as_ref()
            .map(|b| b.commodity.precision)
            .unwrap_or(0);
        rate.value(amount, self.commodity.precision, to)
            .ok_or_else(|| Error::invalid("amount", "the amount is too large to convert"))
    }

    /// Gives `line` its value in the books' currency as its cost.
    pub(crate) fn at_cost(&self, mut line: crate::ledger::Line, value: i64) -> crate::ledger::Line {
        if let Some(b) = &self.book {
            line.cost = Some(crate::ledger::Cost {
                commodity_id: b.commodity.id,
                commodity: b.commodity.symbol.clone(),
                amount: value,
            });
        }
        line
    }

    /// Closes a foreign entry: posts the realised exchange gain (`difference` > 0, a
    /// credit) or loss (a debit) to the exchange difference account, then checks the
    /// entry balances at cost in every commodity. A difference without the account set is
    /// an error on `fx_gain_loss_account`.
    pub(crate) fn close_fx(
        &self,
        lines: &mut Vec<crate::ledger::Line>,
        difference: i64,
    ) -> Result<()> {
        let Some(b) = &self.book else {
            return Ok(());
        };
        if difference != 0 {
            let account = b.fx_account.ok_or_else(|| {
                Error::invalid(
                    "fx_gain_loss_account",
                    format!(
                        "this realises an exchange {} of {} {}: set the exchange difference account in the billing settings",
                        if difference > 0 { "gain" } else { "loss" },
                        crate::money::format_minor(difference.abs(), b.commodity.precision),
                        b.commodity.symbol
                    ),
                )
            })?;
            lines.push(crate::ledger::Line {
                account_id: account,
                account: String::new(),
                commodity_id: b.commodity.id,
                commodity: b.commodity.symbol.clone(),
                amount: -difference,
                cost: None,
                department_id: None,
                project: String::new(),
                memo: if difference > 0 {
                    "exchange gain".into()
                } else {
                    "exchange loss".into()
                },
            });
        }
        if crate::ledger::weights(lines).values().any(|w| *w != 0) {
            return Err(Error::internal(
                "a foreign-currency entry does not balance at cost",
            ));
        }
        Ok(())
    }
}
