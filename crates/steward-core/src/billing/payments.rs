//! Payments received from customers and made to vendors, allocated to one or more of the
//! party's posted invoices or bills. A payment posts at once: the bank (or cash) account
//! against the receivable or payable, and a small difference written off to a chosen
//! account. What a payment does not allocate stays as credit on the party (an overpayment
//! or a payment on account). A credit note posted against an invoice is applied to it in
//! the same transaction, up to what the invoice still owes.
//!
//! The rules, checked before anything is written and again in the store's transaction
//! (which locks the documents): an allocation is positive, goes to a posted document of
//! the same party, currency and side, and is at most what the document still owes; the
//! allocations together are at most what the payment holds (its amount plus the amount
//! written off). Payments are in the documents' currency.
//!
//! A payment in a currency other than the books' is worth its amount at the ledger's rate
//! of its date; each allocation relieves the receivable or payable of its share of the
//! document's book value (see [`super::fx`]), and the difference is the realised exchange
//! gain or loss, posted to the billing settings' exchange difference account in the same
//! entry. What stays unallocated is kept at the payment's rate.
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;
use std::future::Future;

use super::invoices::{self, InvoiceKind};
use super::{parties, BillingBackend};
use crate::audit::AuditDraft;
use crate::auth::{Action, Actor, Domain};
use crate::error::Validator;
use crate::ids::{AccountId, CompanyId, InvoiceId, PartyId, UserId};
use crate::ledger::{JournalKind, NewEntry};
use crate::list::{Page, Paging, SortDir, SortKey};
use crate::money::{format_minor, parse_decimal, Currency};
use crate::{Error, Result};

pub const REFERENCE_MAX: usize = 100;
pub const MAX_ALLOCATIONS: usize = 500;

/// Received from a customer, or made to a vendor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentKind {
    Received,
    Made,
}

impl PaymentKind {
    pub const ALL: &'static [PaymentKind] = &[PaymentKind::Received, PaymentKind::Made];
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentKind::Received => "received",
            PaymentKind::Made => "made",
        }
    }
    pub fn parse(s: &str) -> Option<PaymentKind> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            PaymentKind::Received => "Payment received",
            PaymentKind::Made => "Payment made",
        }
    }
    pub fn domain(self) -> Domain {
        match self {
            PaymentKind::Received => Domain::Receivables,
            PaymentKind::Made => Domain::Payables,
        }
    }
    /// The document kind it settles.
    pub fn settles(self) -> InvoiceKind {
        match self {
            PaymentKind::Received => InvoiceKind::Invoice,
            PaymentKind::Made => InvoiceKind::Bill,
        }
    }
    /// The numbering series: `RCV-2026-0001`, `PAY-2026-0001`.
    pub fn series(self) -> &'static str {
        match self {
            PaymentKind::Received => "RCV",
            PaymentKind::Made => "PAY",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Allocation {
    pub document_id: InvoiceId,
    pub document_number: Option<String>,
    pub amount: i64,
    /// A foreign payment: the document's book value it settled, in the books' currency.
    pub book_amount: Option<i64>,
    /// The exchange gain (positive) or loss (negative) it realised, in the books' currency.
    pub exchange_difference: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Payment {
    pub id: i64,
    pub kind: PaymentKind,
    pub number: String,
    pub party_id: PartyId,
    pub party_name: String,
    pub date: NaiveDate,
    pub currency: String,
    /// What went through the bank, in minor units.
    pub amount: i64,
    /// The bank or cash account.
    pub account_id: AccountId,
    pub account: String,
    pub reference: String,
    pub writeoff_account_id: Option<AccountId>,
    pub writeoff: i64,
    pub allocations: Vec<Allocation>,
    /// What is left as credit on the party: amount + write-off - allocations.
    pub unallocated: i64,
    pub entry_id: Option<crate::ids::EntryId>,
    /// In a currency other than the books': the ledger's rate of its date and its amount's
    /// value in the books' currency at that rate.
    pub fx_rate: Option<String>,
    pub book_amount: Option<i64>,
    /// The exchange gain (positive) or loss (negative) it realised, in the books' currency.
    pub exchange_difference: i64,
}

/// A payment as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentRow {
    pub id: i64,
    pub kind: PaymentKind,
    pub number: String,
    pub party_id: PartyId,
    pub party_name: String,
    pub date: NaiveDate,
    pub currency: String,
    pub amount: i64,
    pub unallocated: i64,
    pub reference: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllocationInput {
    pub document_id: Option<i64>,
    /// Text in the currency's places.
    pub amount: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaymentInput {
    pub party_id: Option<i64>,
    pub date: String,
    pub amount: String,
    /// The bank or cash account (name or code).
    pub account: String,
    pub reference: String,
    /// Empty: the party's currency.
    pub currency: String,
    /// A difference to write off (a bank fee, a discount taken), and where to.
    pub writeoff: String,
    pub writeoff_account: String,
    pub allocations: Vec<AllocationInput>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPayment {
    pub kind: PaymentKind,
    pub party_id: PartyId,
    pub date: NaiveDate,
    pub currency: String,
    pub amount: i64,
    pub account_id: AccountId,
    pub reference: String,
    pub writeoff_account_id: Option<AccountId>,
    pub writeoff: i64,
    pub allocations: Vec<(InvoiceId, i64)>,
    pub client_key: Option<String>,
    /// The bank statement line the payment reconciles (recorded from the reconcile view):
    /// linked in the payment's transaction, which fails if the line is matched already.
    pub bank_line: Option<crate::ids::BankLineId>,
    /// Set by [`entry_of`] for a payment in a currency other than the books'.
    pub fx: Option<PaymentFx>,
}

/// A payment in a foreign currency in the books' currency (see [`super::fx`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentFx {
    /// The ledger's rate of the payment's date, as a decimal.
    pub rate: String,
    /// What went through the bank, and what was written off, at that rate.
    pub book_amount: i64,
    pub book_writeoff: i64,
    /// Per allocation (in order): the book value settled and the exchange difference.
    pub allocations: Vec<super::fx::AllocationValue>,
    /// What the receivable or payable is relieved of in the books' currency.
    pub control: i64,
    /// The realised exchange gain (positive) or loss (negative).
    pub difference: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PaymentSort {
    #[default]
    Date,
    Amount,
}

impl SortKey for PaymentSort {
    const ALL: &'static [(&'static str, Self)] =
        &[("date", PaymentSort::Date), ("amount", PaymentSort::Amount)];
}

#[derive(Debug, Clone, Default)]
pub struct PaymentQuery {
    /// Which kinds; empty: all the actor may see.
    pub kinds: Vec<PaymentKind>,
    pub party_id: Option<PartyId>,
    /// Part of the number, the reference or the party's name.
    pub search: Option<String>,
    pub sort: PaymentSort,
    pub dir: SortDir,
    pub paging: Paging,
}

/// A posted document as a payment sees it: whose, which kind and currency, and what it
/// still owes, by the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Openness {
    pub party_id: PartyId,
    pub kind: InvoiceKind,
    pub currency: String,
    pub number: Option<String>,
    pub total: i64,
    pub allocated: i64,
    /// A foreign document's total in the books' currency (see [`super::fx`]).
    pub book_total: Option<i64>,
}

impl Openness {
    pub fn open(&self) -> i64 {
        self.total - self.allocated
    }
}

pub trait PaymentStore: Send + Sync {
    /// The payment a client's idempotency key made, if any.
    fn payment_by_key(
        &self,
        company: CompanyId,
        key: &str,
    ) -> impl Future<Output = Result<Option<i64>>> + Send;
    /// In one transaction: locks the documents, checks again that each allocation is at
    /// most what its document owes (`Invalid` on `allocations[i].amount` otherwise), takes
    /// the next number, posts `entry` and writes the payment and its allocations. A
    /// `client_key` seen before returns the first payment's id and `false`.
    fn insert_payment(
        &self,
        company: CompanyId,
        p: &NewPayment,
        entry: &NewEntry,
        created_by: Option<UserId>,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<(i64, bool)>> + Send;
    fn payment(
        &self,
        company: CompanyId,
        id: i64,
    ) -> impl Future<Output = Result<Option<Payment>>> + Send;
    fn list_payments(
        &self,
        company: CompanyId,
        q: &PaymentQuery,
    ) -> impl Future<Output = Result<Page<PaymentRow>>> + Send;
    /// Total and allocated of each posted document asked for (missing ones are absent).
    fn openness(
        &self,
        company: CompanyId,
        ids: &[InvoiceId],
    ) -> impl Future<Output = Result<HashMap<InvoiceId, Openness>>> + Send;
    /// A party's posted documents of `kind` that still owe something, oldest due first.
    fn open_documents(
        &self,
        company: CompanyId,
        party: PartyId,
        kind: InvoiceKind,
    ) -> impl Future<Output = Result<Vec<(invoices::InvoiceRow, Openness)>>> + Send;
    /// The allocations made to a document (payments and applied credits), oldest first.
    fn allocations_of(
        &self,
        company: CompanyId,
        document: InvoiceId,
    ) -> impl Future<Output = Result<Vec<DocumentAllocation>>> + Send;
}

/// One allocation as a document's page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentAllocation {
    pub date: NaiveDate,
    /// The payment (`RCV-2026-0001`) or credit note that settled it.
    pub source: String,
    pub payment_id: Option<i64>,
    pub credit_id: Option<InvoiceId>,
    pub amount: i64,
    /// In a foreign currency: the payment's or credit's rate, the document's book value
    /// it settled and the exchange gain (positive) or loss (negative) it realised.
    pub rate: Option<String>,
    pub book_amount: Option<i64>,
    pub exchange_difference: i64,
}

pub fn readable_kinds(actor: &Actor) -> Vec<PaymentKind> {
    PaymentKind::ALL
        .iter()
        .copied()
        .filter(|k| super::allowed(actor, k.domain(), Action::Read))
        .collect()
}

pub fn may_write(actor: &Actor, kind: PaymentKind) -> bool {
    super::allowed(actor, kind.domain(), Action::Create)
}

/// Checks a payment against its party, accounts and the documents it settles.
async fn check<S: BillingBackend>(
    store: &S,
    actor: &Actor,
    kind: PaymentKind,
    input: &PaymentInput,
) -> Result<NewPayment> {
    let party = match input.party_id {
        None => None,
        Some(id) => store.party(actor.company_id, PartyId(id)).await?,
    };
    let accounts = crate::ledger::accounts::TypedAccounts::load(
        store,
        actor.company_id,
        &[&input.account, &input.writeoff_account],
    )
    .await?;
    let ids: Vec<InvoiceId> = input
        .allocations
        .iter()
        .filter_map(|a| a.document_id.map(InvoiceId))
        .collect();
    let open = store.openness(actor.company_id, &ids).await?;
    check_with(actor, kind, input, party.as_ref(), &accounts, &open)
}

/// [`check`] with what it reads given: the party `input.party_id` names (`None` when there
/// is none), the accounts it names, and the documents it allocates to (auto-match reads
/// them once for a whole statement).
pub(crate) fn check_with(
    actor: &Actor,
    kind: PaymentKind,
    input: &PaymentInput,
    party: Option<&parties::Party>,
    accounts: &crate::ledger::accounts::TypedAccounts,
    open: &HashMap<InvoiceId, Openness>,
) -> Result<NewPayment> {
    let mut v = Validator::new();
    let party = match input.party_id {
        None => {
            v.push("party_id", "choose a customer or vendor");
            None
        }
        Some(id) => match party.filter(|p| p.id == PartyId(id)) {
            Some(p) if parties::sees(actor, p) => {
                if kind == PaymentKind::Received && !p.is_customer {
                    v.push("party_id", format!("{} is not a customer", p.name));
                } else if kind == PaymentKind::Made && !p.is_vendor {
                    v.push("party_id", format!("{} is not a vendor", p.name));
                }
                Some(p)
            }
            _ => {
                v.push("party_id", "no such customer or vendor");
                None
            }
        },
    };
    if input.date.trim().is_empty() {
        v.push("date", "a date is required (YYYY-MM-DD)");
    }
    let date = v.date("date", &input.date);
    let currency = if input.currency.trim().is_empty() {
        party
            .as_ref()
            .map(|p| p.currency.clone())
            .unwrap_or_else(|| actor.company_currency.clone())
    } else {
        match Currency::parse(&input.currency) {
            Ok(c) => c.code().to_string(),
            Err(_) => {
                v.push("currency", "a currency code such as EUR");
                actor.company_currency.clone()
            }
        }
    };
    let precision = crate::money::precision_of(&currency);
    let amount_of = |v: &mut Validator, field: &str, text: &str, required: bool| -> i64 {
        let t = text.trim();
        if t.is_empty() && !required {
            return 0;
        }
        match parse_decimal(t, precision) {
            Some(a) if a > 0 && a <= super::tax::MAX_AMOUNT => a,
            Some(a) if a > 0 => {
                v.push(field, "the amount is too large");
                0
            }
            Some(_) => {
                v.push(field, "a positive amount");
                0
            }
            None => {
                v.push(
                    field,
                    format!("an amount in {currency} with at most {precision} decimals"),
                );
                0
            }
        }
    };
    let amount = amount_of(&mut v, "amount", &input.amount, true);
    let writeoff = amount_of(&mut v, "writeoff", &input.writeoff, false);
    let account = accounts
        .postable(&mut v, "account", &input.account)
        .map(|a| a.id);
    if account.is_none() && input.account.trim().is_empty() {
        v.push("account", "choose the bank or cash account");
    }
    let writeoff_account = accounts
        .postable(&mut v, "writeoff_account", &input.writeoff_account)
        .map(|a| a.id);
    if writeoff > 0 && writeoff_account.is_none() && input.writeoff_account.trim().is_empty() {
        v.push(
            "writeoff_account",
            "choose the account the difference is written off to",
        );
    }
    let reference = v.line("reference", &input.reference, REFERENCE_MAX, false);
    if input.allocations.len() > MAX_ALLOCATIONS {
        v.push(
            "allocations",
            format!("at most {MAX_ALLOCATIONS} documents per payment"),
        );
    }
    // The documents: posted, this party's, this side, this currency, owing enough.
    let mut allocations = Vec::with_capacity(input.allocations.len());
    let mut seen = std::collections::HashSet::new();
    let mut total: i128 = 0;
    for (i, a) in input.allocations.iter().enumerate() {
        let f = |name: &str| format!("allocations[{i}].{name}");
        let value = amount_of(&mut v, &f("amount"), &a.amount, true);
        let Some(id) = a.document_id.map(InvoiceId) else {
            v.push(&f("document_id"), "choose a document");
            continue;
        };
        if !seen.insert(id) {
            v.push(&f("document_id"), "the document is named twice");
            continue;
        }
        // The document as the batch read of `open` saw it: posted, this party's, this side.
        let doc = open.get(&id).filter(|d| {
            d.kind == kind.settles() && Some(d.party_id) == party.as_ref().map(|p| p.id)
        });
        let Some(doc) = doc else {
            v.push(
                &f("document_id"),
                format!(
                    "not a posted {} of this {}",
                    kind.settles().label().to_lowercase(),
                    if kind == PaymentKind::Received {
                        "customer"
                    } else {
                        "vendor"
                    }
                ),
            );
            continue;
        };
        let number = doc.number.clone().unwrap_or_default();
        if doc.currency != currency {
            v.push(
                &f("document_id"),
                format!(
                    "{number} is in {}; the payment is in {currency}",
                    doc.currency
                ),
            );
            continue;
        }
        let owes = doc.open();
        if value > owes {
            v.push(
                &f("amount"),
                format!(
                    "{number} owes {} {currency}",
                    format_minor(owes.max(0), precision)
                ),
            );
        }
        total += i128::from(value);
        allocations.push((id, value));
    }
    if total > i128::from(amount) + i128::from(writeoff) {
        v.push(
            "allocations",
            format!(
                "the allocations ({}) are more than the payment holds ({})",
                format_minor(i64::try_from(total).unwrap_or(i64::MAX), precision),
                format_minor(amount + writeoff, precision)
            ),
        );
    }
    v.finish()?;
    let (party, date, account) = match (party, date, account) {
        (Some(p), Some(d), Some(a)) => (p, d, a),
        _ => {
            return Err(Error::internal(
                "validated payment without party, date or account",
            ))
        }
    };
    Ok(NewPayment {
        kind,
        party_id: party.id,
        date,
        currency,
        amount,
        account_id: account,
        reference,
        writeoff_account_id: writeoff_account,
        writeoff,
        allocations,
        client_key: None,
        bank_line: None,
        fx: None,
    })
}

/// The entry of a payment: received: bank and write-off debited, receivable credited with
/// their sum; made: payable debited with the sum, bank and write-off credited. A payment
/// in a currency other than the books' first gets its value (`p.fx`): the lines carry
/// their values in the books' currency as costs (the bank and the write-off at the rate of
/// the payment's date, the control account at the book values settled) and the
/// difference goes to the exchange difference account.
pub(crate) async fn entry_of<S: BillingBackend>(
    store: &S,
    actor: &Actor,
    p: &mut NewPayment,
    party_name: &str,
) -> Result<NewEntry> {
    let post = super::posting(
        store,
        actor,
        p.kind == PaymentKind::Received,
        &p.currency,
        JournalKind::Bank,
    )
    .await?;
    p.fx = None;
    if post.book.is_some() {
        p.fx = Some(payment_fx(store, actor, &post, p).await?);
    }
    entry_with(&post, p, party_name)
}

/// [`entry_of`] with the posting target (control account, commodity, journal) given and,
/// in a foreign currency, the payment's value (`p.fx`) worked out.
pub(crate) fn entry_with(
    post: &super::PostingTarget,
    p: &NewPayment,
    party_name: &str,
) -> Result<NewEntry> {
    let line = |account_id: AccountId, amount: i64, memo: &str| {
        post.line(account_id, amount, None, "", memo)
    };
    let sign = match p.kind {
        PaymentKind::Received => 1,
        PaymentKind::Made => -1,
    };
    let fx = p.fx.as_ref();
    let at = |l: crate::ledger::Line, value: Option<i64>| match value {
        Some(v) => post.at_cost(l, v),
        None => l,
    };
    let mut lines = vec![at(
        line(p.account_id, sign * p.amount, party_name),
        fx.map(|f| sign * f.book_amount),
    )];
    if let (Some(w), true) = (p.writeoff_account_id, p.writeoff > 0) {
        lines.push(at(
            line(w, sign * p.writeoff, "written off"),
            fx.map(|f| sign * f.book_writeoff),
        ));
    }
    lines.push(at(
        line(post.control, -sign * (p.amount + p.writeoff), party_name),
        fx.map(|f| -sign * f.control),
    ));
    post.close_fx(&mut lines, fx.map(|f| f.difference).unwrap_or(0))?;
    Ok(NewEntry {
        journal_id: post.journal,
        date: p.date,
        reference: String::new(),
        description: format!("{} {party_name}", p.kind.label()),
        comment: String::new(),
        lines,
        client_key: None,
        reverses: None,
    })
}

/// The audit event of a payment posted (the store adds its id, number and entry); a
/// foreign payment's adds its rate, value and exchange difference.
pub(crate) fn post_audit(actor: &Actor, p: &NewPayment) -> AuditDraft {
    let precision = crate::money::precision_of(&p.currency);
    let mut changes = json!({
        "kind": p.kind.as_str(), "party_id": p.party_id, "date": p.date.to_string(),
        "amount": format_minor(p.amount, precision), "currency": p.currency,
        "writeoff": format_minor(p.writeoff, precision),
        "allocations": p.allocations.iter().map(|(d, a)| json!([d, format_minor(*a, precision)])).collect::<Vec<_>>(),
        "bank_line": p.bank_line,
    });
    add_fx_audit(&mut changes, p.fx.as_ref(), &actor.company_currency);
    AuditDraft::by(actor, super::PAYMENT, None, "post", changes)
}

/// A foreign payment's value: the ledger's rate of its date (an error on `date` when there
/// is none) and what it settles of each document's book value, from what the documents
/// owe now (the store checks it again in the payment's transaction).
async fn payment_fx<S: BillingBackend>(
    store: &S,
    actor: &Actor,
    post: &super::PostingTarget,
    p: &NewPayment,
) -> Result<PaymentFx> {
    let rates = store.rates(actor.company_id).await?;
    let rate = post.rate_on(&rates, p.date, "date")?;
    let ids: Vec<InvoiceId> = p.allocations.iter().map(|a| a.0).collect();
    let open = store.openness(actor.company_id, &ids).await?;
    let mut docs = Vec::with_capacity(p.allocations.len());
    for (i, (id, amount)) in p.allocations.iter().enumerate() {
        let o = open.get(id).ok_or_else(|| {
            Error::invalid(
                format!("allocations[{i}].document_id"),
                "not a posted document",
            )
        })?;
        docs.push((
            *amount,
            super::fx::OpenDocument {
                total: o.total,
                allocated: o.allocated,
                book_total: o.book_total,
            },
        ));
    }
    let whole = p.amount + p.writeoff;
    let too_large = || Error::invalid("amount", "the amount is too large to convert");
    let book_whole = post.value(rate, whole)?;
    let book_amount = post.value(rate, p.amount)?;
    let s = super::fx::settle(
        p.kind == PaymentKind::Received,
        whole,
        book_whole,
        &docs,
        |a| post.value(rate, a).ok(),
    )
    .ok_or_else(too_large)?;
    Ok(PaymentFx {
        rate: rate.text(),
        book_amount,
        book_writeoff: book_whole - book_amount,
        allocations: s.allocations,
        control: s.control,
        difference: s.difference,
    })
}

/// The ledger's rate a payment in `currency` dated `date` would post at, as a decimal
/// (the payment form shows it); `None` in the books' currency or when the ledger has none.
pub async fn rate_for<S: BillingBackend>(
    store: &S,
    actor: &Actor,
    kind: PaymentKind,
    currency: &str,
    date: NaiveDate,
) -> Result<Option<String>> {
    super::gate(actor, kind.domain(), Action::Read)?;
    if currency == actor.company_currency {
        return Ok(None);
    }
    let rates = store.rates(actor.company_id).await?;
    Ok(super::fx::FxRate::on(&rates, currency, &actor.company_currency, date).map(|r| r.text()))
}

/// Records and posts a payment with its allocations. With an idempotency `key`, a retry
/// returns the first payment and posts nothing.
pub async fn record<S: BillingBackend + PaymentStore>(
    store: &S,
    actor: &Actor,
    kind: PaymentKind,
    input: &PaymentInput,
    key: Option<&str>,
) -> Result<Payment> {
    record_for_line(store, actor, kind, input, key, None).await
}

/// Checks a payment and works out its ledger entry (in a foreign currency, its value
/// first) without writing anything: what [`record`] posts.
pub async fn prepare<S: BillingBackend>(
    store: &S,
    actor: &Actor,
    kind: PaymentKind,
    input: &PaymentInput,
) -> Result<(NewPayment, NewEntry)> {
    super::gate(actor, kind.domain(), Action::Create)?;
    let mut p = check(store, actor, kind, input).await?;
    let party = parties::get(store, actor, p.party_id).await?;
    let entry = entry_of(store, actor, &mut p, &party.name).await?;
    Ok((p, entry))
}

/// As [`record`], reconciling a bank statement line in the same transaction (the bank's
/// reconcile view; the caller has checked the line and the bank's grant).
pub async fn record_for_line<S: BillingBackend + PaymentStore>(
    store: &S,
    actor: &Actor,
    kind: PaymentKind,
    input: &PaymentInput,
    key: Option<&str>,
    bank_line: Option<crate::ids::BankLineId>,
) -> Result<Payment> {
    super::gate(actor, kind.domain(), Action::Create)?;
    let key = crate::idempotency::optional_key(key)?;
    // A retry answers with what the first request made, whatever has changed since (the
    // documents it settled owe less now).
    if let Some(k) = &key {
        if let Some(id) = store.payment_by_key(actor.company_id, k).await? {
            return get(store, actor, id).await;
        }
    }
    let (mut p, entry) = prepare(store, actor, kind, input).await?;
    p.client_key = key;
    p.bank_line = bank_line;
    let audit = post_audit(actor, &p);
    let (id, _) = store
        .insert_payment(actor.company_id, &p, &entry, actor.author(), audit)
        .await?;
    get(store, actor, id).await
}

/// What the audit event of a foreign payment adds: its rate, value and exchange difference.
pub(crate) fn add_fx_audit(changes: &mut serde_json::Value, fx: Option<&PaymentFx>, home: &str) {
    if let (Some(fx), serde_json::Value::Object(m)) = (fx, changes) {
        let p = crate::money::precision_of(home);
        m.insert(
            "fx".into(),
            json!({
                "rate": fx.rate, "currency": home,
                "book_amount": format_minor(fx.book_amount, p),
                "exchange_difference": format_minor(fx.difference, p),
            }),
        );
    }
}

pub async fn get<S: PaymentStore>(store: &S, actor: &Actor, id: i64) -> Result<Payment> {
    if readable_kinds(actor).is_empty() {
        return Err(Error::Forbidden);
    }
    store
        .payment(actor.company_id, id)
        .await?
        .filter(|p| super::allowed(actor, p.kind.domain(), Action::Read))
        .ok_or(Error::NotFound { entity: "payment" })
}

pub async fn list<S: PaymentStore>(
    store: &S,
    actor: &Actor,
    q: &PaymentQuery,
) -> Result<Page<PaymentRow>> {
    let mut q = q.clone();
    q.kinds = super::listed_kinds(&q.kinds, readable_kinds(actor))?;
    let domains: Vec<Domain> = q.kinds.iter().map(|k| k.domain()).collect();
    super::authorize_listing(actor, q.paging, &domains)?;
    if q.kinds.is_empty() {
        return Ok(super::empty_page(q.paging));
    }
    store.list_payments(actor.company_id, &q).await
}

/// A party's documents that still owe something (the payment form's list).
pub async fn open_documents<S: BillingBackend + PaymentStore>(
    store: &S,
    actor: &Actor,
    party: PartyId,
    kind: PaymentKind,
) -> Result<Vec<(invoices::InvoiceRow, Openness)>> {
    super::gate(actor, kind.domain(), Action::Read)?;
    let p = parties::get(store, actor, party).await?;
    store
        .open_documents(actor.company_id, p.id, kind.settles())
        .await
}

/// A document's allocations and what it still owes, as the actor sees the document.
pub async fn settlement<S: BillingBackend + PaymentStore>(
    store: &S,
    actor: &Actor,
    id: InvoiceId,
) -> Result<(Vec<DocumentAllocation>, Openness)> {
    let inv = invoices::get(store, actor, id).await?;
    let allocations = store.allocations_of(actor.company_id, id).await?;
    let open = store
        .openness(actor.company_id, &[id])
        .await?
        .remove(&id)
        .unwrap_or(Openness {
            party_id: inv.party_id,
            kind: inv.kind,
            currency: inv.currency.clone(),
            number: inv.number.clone(),
            total: inv.total,
            allocated: 0,
            book_total: inv.book_total,
        });
    Ok((allocations, open))
}

pub const EXPORT_HEADERS: &[&str] = &[
    "kind",
    "number",
    "party",
    "date",
    "currency",
    "amount",
    "unallocated",
    "reference",
];

pub fn export_row(r: &PaymentRow) -> Vec<String> {
    let p = crate::money::precision_of(&r.currency);
    vec![
        r.kind.as_str().to_string(),
        r.number.clone(),
        r.party_name.clone(),
        r.date.to_string(),
        r.currency.clone(),
        format_minor(r.amount, p),
        format_minor(r.unallocated, p),
        r.reference.clone(),
    ]
}

/// What a set of documents and payments leaves a party owing, computed two ways that must
/// agree (a proptested identity; the store test checks the store's figures against it):
/// the documents' totals less everything paid, and the open amounts less what payments
/// left unallocated.
pub fn party_position(
    documents: &[(InvoiceId, i64)],
    payments: &[(i64, Vec<(InvoiceId, i64)>)],
) -> (i64, i64) {
    let billed: i64 = documents.iter().map(|d| d.1).sum();
    let paid: i64 = payments.iter().map(|p| p.0).sum();
    let mut allocated: HashMap<InvoiceId, i64> = HashMap::new();
    for (_, allocs) in payments {
        for (d, a) in allocs {
            *allocated.entry(*d).or_default() += a;
        }
    }
    let open: i64 = documents
        .iter()
        .map(|(id, total)| total - allocated.get(id).copied().unwrap_or(0))
        .sum();
    let unallocated: i64 = payments
        .iter()
        .map(|(amount, allocs)| amount - allocs.iter().map(|a| a.1).sum::<i64>())
        .sum();
    (billed - paid, open - unallocated)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// However payments are allocated (each allocation at most what its document still
        /// owes, each payment's allocations at most what it holds), the party's balance is
        /// its open documents less its unallocated payments.
        #[test]
        fn balance_is_open_documents_less_unallocated(
            totals in proptest::collection::vec(1i64..1_000_000, 1..20),
            payments in proptest::collection::vec((1i64..2_000_000, proptest::collection::vec((0usize..20, 1i64..1_000_000), 0..5)), 0..10),
        ) {
            let docs: Vec<(InvoiceId, i64)> = totals.iter().enumerate().map(|(i, t)| (InvoiceId(i as i64 + 1), *t)).collect();
            let mut owed: HashMap<InvoiceId, i64> = docs.iter().copied().collect();
            let mut made = Vec::new();
            for (amount, wanted) in payments {
                let mut left = amount;
                let mut allocs = Vec::new();
                for (d, a) in wanted {
                    let id = InvoiceId((d % docs.len()) as i64 + 1);
                    let owes = owed.get(&id).copied().unwrap_or(0);
                    let a = a.min(owes).min(left);
                    if a > 0 {
                        *owed.entry(id).or_default() -= a;
                        left -= a;
                        allocs.push((id, a));
                    }
                }
                made.push((amount, allocs));
            }
            let (by_totals, by_open) = party_position(&docs, &made);
            prop_assert_eq!(by_totals, by_open);
            prop_assert!(owed.values().all(|o| *o >= 0));
        }
    }
}
