//! Sales invoices, credit notes, vendor bills and vendor credits: one shape, four kinds.
//!
//! A document is written as a draft (changed or discarded freely), then posted: posting
//! takes the next number of the kind's series for the document's year (gap-free: the
//! number row is locked and a rollback gives the number back) and writes the ledger entry
//! in the same transaction. A posted document never changes (database triggers refuse it);
//! an invoice is corrected by a credit note that credits all or some of its lines, a bill
//! by a vendor credit.
//!
//! The entry of an invoice debits the receivables account with the total and credits each
//! line's income account with its net and each tax code's account with its tax; a bill
//! debits expense and input tax and credits payables. Credits post the other way round.
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;
use std::future::Future;

use super::parties::{self, Party};
use super::tax::{self, LineAmounts, LineFigures, TaxCode, TaxRounding, TaxTotal};
use super::BillingBackend;
use crate::audit::AuditDraft;
use crate::auth::{Action, Actor, Domain};
use crate::error::Validator;
use crate::ids::{
    AccountId, CompanyId, DepartmentId, EntryId, InvoiceId, PartyId, TaxCodeId, UserId,
};
use crate::ledger::{JournalKind, NewEntry};
use crate::list::{Page, Paging, SortDir, SortKey};
use crate::money::{format_minor, parse_decimal, precision_of};
use crate::{Error, Result};

mod checking;
use checking::{check, entry_of};
pub(crate) use checking::{check_in, document_fx, entry_in, journal_kind, Context};

pub const DESCRIPTION_MAX: usize = 500;
pub const REFERENCE_MAX: usize = 100;
pub const NOTES_MAX: usize = 2000;
pub const PROJECT_MAX: usize = 100;
pub const MAX_LINES: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceKind {
    Invoice,
    CreditNote,
    Bill,
    VendorCredit,
}

impl InvoiceKind {
    pub const ALL: &'static [InvoiceKind] = &[
        InvoiceKind::Invoice,
        InvoiceKind::CreditNote,
        InvoiceKind::Bill,
        InvoiceKind::VendorCredit,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceKind::Invoice => "invoice",
            InvoiceKind::CreditNote => "credit_note",
            InvoiceKind::Bill => "bill",
            InvoiceKind::VendorCredit => "vendor_credit",
        }
    }
    pub fn parse(s: &str) -> Option<InvoiceKind> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            InvoiceKind::Invoice => "Invoice",
            InvoiceKind::CreditNote => "Credit note",
            InvoiceKind::Bill => "Bill",
            InvoiceKind::VendorCredit => "Vendor credit",
        }
    }
    /// Sales (receivables) or purchases (payables).
    pub fn is_sales(self) -> bool {
        matches!(self, InvoiceKind::Invoice | InvoiceKind::CreditNote)
    }
    pub fn domain(self) -> Domain {
        if self.is_sales() {
            Domain::Receivables
        } else {
            Domain::Payables
        }
    }
    /// Credits reverse what the other kind posts.
    pub fn is_credit(self) -> bool {
        matches!(self, InvoiceKind::CreditNote | InvoiceKind::VendorCredit)
    }
    /// The kind a credit of this kind is.
    pub fn credit_kind(self) -> Option<InvoiceKind> {
        match self {
            InvoiceKind::Invoice => Some(InvoiceKind::CreditNote),
            InvoiceKind::Bill => Some(InvoiceKind::VendorCredit),
            _ => None,
        }
    }
    /// A list's `kind` filter: one kind, `sales` (invoices and credit notes) or
    /// `purchases` (bills and vendor credits); empty for all.
    pub fn filter(text: &str) -> Result<Vec<InvoiceKind>> {
        Ok(match text {
            "" => Vec::new(),
            "sales" => vec![InvoiceKind::Invoice, InvoiceKind::CreditNote],
            "purchases" => vec![InvoiceKind::Bill, InvoiceKind::VendorCredit],
            k => vec![InvoiceKind::parse(k).ok_or_else(|| {
                Error::invalid("kind", "a document kind, `sales` or `purchases`")
            })?],
        })
    }
    /// The numbering series: `INV-2026-0001`.
    pub fn series(self) -> &'static str {
        match self {
            InvoiceKind::Invoice => "INV",
            InvoiceKind::CreditNote => "CN",
            InvoiceKind::Bill => "BILL",
            InvoiceKind::VendorCredit => "VC",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    Draft,
    /// A bill above the approval threshold, waiting in the approvals inbox; it does not
    /// change until it is decided (approval posts it, refusal returns it to draft).
    Pending,
    Posted,
}

impl InvoiceStatus {
    pub const ALL: &'static [InvoiceStatus] = &[
        InvoiceStatus::Draft,
        InvoiceStatus::Pending,
        InvoiceStatus::Posted,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceStatus::Draft => "draft",
            InvoiceStatus::Pending => "pending",
            InvoiceStatus::Posted => "posted",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            InvoiceStatus::Draft => "draft",
            InvoiceStatus::Pending => "waiting for approval",
            InvoiceStatus::Posted => "posted",
        }
    }
    pub fn parse(s: &str) -> Option<InvoiceStatus> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s)
    }
}

/// `INV-2026-0042`: the series, the year and the sequence (at least four digits).
pub fn format_number(series: &str, year: i32, seq: i64) -> String {
    format!("{series}-{year}-{seq:04}")
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvoiceLine {
    pub id: i64,
    pub position: i64,
    pub description: String,
    /// Ten-thousandths of a unit.
    pub quantity: i64,
    /// Minor units per unit.
    pub unit_price: i64,
    /// Hundredths of a percent.
    pub discount: i64,
    pub tax_code_id: Option<TaxCodeId>,
    pub tax_code: Option<String>,
    pub account_id: AccountId,
    pub account: String,
    pub department_id: Option<DepartmentId>,
    pub project: String,
    /// The line of the credited document this line credits.
    pub credited_line_id: Option<i64>,
    pub net: i64,
    pub tax: i64,
}

impl InvoiceLine {
    pub fn quantity_text(&self) -> String {
        decimal_text(self.quantity, 4)
    }
    pub fn discount_text(&self) -> String {
        decimal_text(self.discount, 2)
    }
}

/// A scaled integer as text without trailing zeros (`1.5`, `2`).
pub fn decimal_text(v: i64, places: u8) -> String {
    let s = format_minor(v, places);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A document as listed (no lines).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvoiceRow {
    pub id: InvoiceId,
    pub kind: InvoiceKind,
    pub status: InvoiceStatus,
    pub party_id: PartyId,
    pub party_name: String,
    pub number: Option<String>,
    pub issue_date: NaiveDate,
    pub due_date: NaiveDate,
    pub currency: String,
    pub reference: String,
    pub subtotal: i64,
    pub tax: i64,
    pub total: i64,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Invoice {
    pub id: InvoiceId,
    pub kind: InvoiceKind,
    pub status: InvoiceStatus,
    pub party_id: PartyId,
    pub party_name: String,
    pub number: Option<String>,
    pub issue_date: NaiveDate,
    pub due_date: NaiveDate,
    pub currency: String,
    pub reference: String,
    pub notes: String,
    /// The document this one credits.
    pub credited_id: Option<InvoiceId>,
    pub credited_number: Option<String>,
    pub subtotal: i64,
    pub tax: i64,
    pub total: i64,
    pub tax_rounding: TaxRounding,
    pub entry_id: Option<EntryId>,
    pub lines: Vec<InvoiceLine>,
    pub created_by: Option<UserId>,
    pub posted_at: Option<crate::time::Timestamp>,
    /// Who sent it for approval (nobody approves their own).
    pub submitted_by: Option<UserId>,
    /// Why the approver refused it (empty when never refused).
    pub approval_note: String,
    /// In a currency other than the books' and posted: the ledger's rate of its issue date
    /// (units of the books' currency for one of the document's) and its total's value in
    /// the books' currency at that rate (see [`super::fx`]).
    pub fx_rate: Option<String>,
    pub book_total: Option<i64>,
    /// A foreign credit applied to the document it credits: the exchange gain (positive)
    /// or loss (negative) the application realised, in the books' currency.
    pub exchange_difference: i64,
    pub version: i64,
}

impl Invoice {
    /// Tax per code, from the lines (what the document prints).
    pub fn taxes(&self) -> Vec<TaxTotal> {
        let mut out: Vec<TaxTotal> = Vec::new();
        for l in &self.lines {
            if let Some(id) = l.tax_code_id {
                match out.iter_mut().find(|t| t.tax_code_id == id) {
                    Some(t) => {
                        t.base += l.net;
                        t.tax += l.tax;
                    }
                    None => out.push(TaxTotal {
                        tax_code_id: id,
                        base: l.net,
                        tax: l.tax,
                    }),
                }
            }
        }
        out
    }
    pub fn title(&self) -> String {
        match &self.number {
            Some(n) => format!("{} {n}", self.kind.label()),
            None => format!("{} (draft)", self.kind.label()),
        }
    }
}

/// A line as typed: numbers as text, the tax code by its code, the account by name or code
/// (the party's default income or expense account when empty).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineInput {
    pub description: String,
    pub quantity: String,
    pub unit_price: String,
    pub discount: String,
    pub tax_code: String,
    pub account: String,
    pub department_id: Option<i64>,
    pub project: String,
    pub credited_line_id: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvoiceInput {
    pub party_id: Option<i64>,
    /// `YYYY-MM-DD`
    pub issue_date: String,
    /// Empty: the issue date plus the party's payment terms.
    pub due_date: String,
    /// Empty: the party's currency.
    pub currency: String,
    pub reference: String,
    pub notes: String,
    pub lines: Vec<LineInput>,
}

/// A validated line for the store, with its figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLine {
    pub description: String,
    pub quantity: i64,
    pub unit_price: i64,
    pub discount: i64,
    pub tax_code_id: Option<TaxCodeId>,
    pub account_id: AccountId,
    pub department_id: Option<DepartmentId>,
    pub project: String,
    pub credited_line_id: Option<i64>,
    pub net: i64,
    pub tax: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvoice {
    pub kind: InvoiceKind,
    pub party_id: PartyId,
    pub issue_date: NaiveDate,
    pub due_date: NaiveDate,
    pub currency: String,
    pub reference: String,
    pub notes: String,
    pub credited_id: Option<InvoiceId>,
    pub tax_rounding: TaxRounding,
    pub subtotal: i64,
    pub tax: i64,
    pub total: i64,
    pub lines: Vec<NewLine>,
    pub client_key: Option<String>,
    /// Set when it is posted in a currency other than the books'.
    pub fx: Option<DocumentFx>,
}

/// What a document in a foreign currency records when it posts (see [`super::fx`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentFx {
    /// The ledger's rate of its issue date, as a decimal.
    pub rate: String,
    /// Its total in the books' currency at that rate.
    pub book_total: i64,
    /// A credit applied to the document it credits, as the posting expects to apply it.
    pub applied: Option<CreditApplied>,
}

/// How much of a credit goes to the document it credits, and in the books' currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreditApplied {
    pub amount: i64,
    /// The book value settled on the credited document.
    pub book: i64,
    /// The exchange gain (positive) or loss (negative) realised.
    pub difference: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InvoiceSort {
    #[default]
    IssueDate,
    DueDate,
    Number,
    Total,
}

impl SortKey for InvoiceSort {
    const ALL: &'static [(&'static str, Self)] = &[
        ("issue_date", InvoiceSort::IssueDate),
        ("due_date", InvoiceSort::DueDate),
        ("number", InvoiceSort::Number),
        ("total", InvoiceSort::Total),
    ];
}

#[derive(Debug, Clone, Default)]
pub struct InvoiceQuery {
    /// Which kinds; empty: all the actor may see.
    pub kinds: Vec<InvoiceKind>,
    pub status: Option<InvoiceStatus>,
    pub party_id: Option<PartyId>,
    /// Part of the number, the reference or the party's name.
    pub search: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub sort: InvoiceSort,
    pub dir: SortDir,
    pub paging: Paging,
}

/// What posting a draft writes: its content as checked now, at the version read, and
/// its ledger entry.
#[derive(Debug, Clone, Copy)]
pub struct Posting<'a> {
    /// The status it is posted from: a draft, or a bill waiting for approval.
    pub from: InvoiceStatus,
    pub version: i64,
    pub invoice: &'a NewInvoice,
    pub entry: &'a NewEntry,
    pub posted_by: Option<UserId>,
}

pub trait InvoiceStore: Send + Sync {
    /// The document a client's idempotency key made, if any.
    fn invoice_by_key(
        &self,
        company: CompanyId,
        key: &str,
    ) -> impl Future<Output = Result<Option<InvoiceId>>> + Send;
    /// `q.kinds` is never empty here (the service fills in what the actor may see).
    fn list_invoices(
        &self,
        company: CompanyId,
        q: &InvoiceQuery,
    ) -> impl Future<Output = Result<Page<InvoiceRow>>> + Send;
    fn invoice(
        &self,
        company: CompanyId,
        id: InvoiceId,
    ) -> impl Future<Output = Result<Option<Invoice>>> + Send;
    /// Inserts a draft; a `client_key` seen before returns the first draft's id and `false`.
    fn insert_invoice(
        &self,
        company: CompanyId,
        inv: &NewInvoice,
        created_by: Option<UserId>,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<(InvoiceId, bool)>> + Send;
    /// Replaces a draft's content. `Conflict` on a stale version or when it is posted.
    fn update_invoice_draft(
        &self,
        company: CompanyId,
        id: InvoiceId,
        inv: &NewInvoice,
        version: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    fn delete_invoice_draft(
        &self,
        company: CompanyId,
        id: InvoiceId,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// In one transaction: replaces the draft's content with `inv` (figures as of now),
    /// takes the next number of the series for the issue date's year, posts `entry` (its
    /// reference set to the number) and marks the document posted. `Conflict` when it is
    /// no longer the draft at `version`; a closed period is `Invalid { field: "date" }`.
    fn post_invoice(
        &self,
        company: CompanyId,
        id: InvoiceId,
        posting: Posting<'_>,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// In one transaction: numbers, posts and writes every document of a batch with its
    /// ledger entry (the reference set to the number), and `audit`. A document whose
    /// `client_key` made one before is not written again: its id and number come back with
    /// `created: false`. A closed period is `Invalid { field: "date" }`.
    fn post_invoice_batch(
        &self,
        company: CompanyId,
        postings: &[super::invoice_batch::BatchPosting],
        posted_by: Option<UserId>,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<Vec<super::invoice_batch::BatchResult>>> + Send;
    /// In one transaction: replaces the draft's content with `inv` and marks it waiting
    /// for approval, sent by `by`. `Conflict` when it is no longer the draft at `version`.
    fn submit_invoice(
        &self,
        company: CompanyId,
        id: InvoiceId,
        inv: &NewInvoice,
        version: i64,
        by: Option<UserId>,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// A document waiting for approval back to draft, with the approver's reason.
    /// `Conflict` unless it is waiting.
    fn return_invoice(
        &self,
        company: CompanyId,
        id: InvoiceId,
        note: &str,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// How much of each line of `credited` the documents crediting it (drafts included)
    /// credit, by line id, leaving out document `except`.
    fn credited_quantities(
        &self,
        company: CompanyId,
        credited: InvoiceId,
        except: Option<InvoiceId>,
    ) -> impl Future<Output = Result<HashMap<i64, i64>>> + Send;
}

/// The kinds the actor may read.
pub fn readable_kinds(actor: &Actor) -> Vec<InvoiceKind> {
    InvoiceKind::ALL
        .iter()
        .copied()
        .filter(|k| super::allowed(actor, k.domain(), Action::Read))
        .collect()
}

pub fn authorize_read(actor: &Actor) -> Result<()> {
    if readable_kinds(actor).is_empty() {
        Err(Error::Forbidden)
    } else {
        Ok(())
    }
}

/// Whether the actor may write documents of `kind` (drafts and posting).
pub fn may_write(actor: &Actor, kind: InvoiceKind) -> bool {
    super::allowed(actor, kind.domain(), Action::Create)
}

pub async fn list<S: InvoiceStore>(
    store: &S,
    actor: &Actor,
    q: &InvoiceQuery,
) -> Result<Page<InvoiceRow>> {
    let mut q = q.clone();
    q.kinds = super::listed_kinds(&q.kinds, readable_kinds(actor))?;
    let domains: Vec<Domain> = q.kinds.iter().map(|k| k.domain()).collect();
    super::authorize_listing(actor, q.paging, &domains)?;
    if q.kinds.is_empty() {
        return Ok(super::empty_page(q.paging));
    }
    store.list_invoices(actor.company_id, &q).await
}

/// One document; one of a kind the actor may not read is not found.
pub async fn get<S: InvoiceStore>(store: &S, actor: &Actor, id: InvoiceId) -> Result<Invoice> {
    authorize_read(actor)?;
    store
        .invoice(actor.company_id, id)
        .await?
        .filter(|i| super::allowed(actor, i.kind.domain(), Action::Read))
        .ok_or(Error::NotFound { entity: "invoice" })
}

fn audit_of(actor: &Actor, id: Option<InvoiceId>, action: &str, inv: &NewInvoice) -> AuditDraft {
    let mut changes = json!({
        "kind": inv.kind.as_str(), "party_id": inv.party_id, "issue_date": inv.issue_date.to_string(),
        "currency": inv.currency, "total": format_minor(inv.total, precision_of(&inv.currency)),
        "lines": inv.lines.len(), "credited_id": inv.credited_id,
    });
    if let (Some(fx), serde_json::Value::Object(m)) = (&inv.fx, &mut changes) {
        let home = &actor.company_currency;
        let p = precision_of(home);
        m.insert(
            "fx".into(),
            json!({
                "rate": fx.rate, "currency": home, "book_total": format_minor(fx.book_total, p),
                "applied": fx.applied.map(|a| format_minor(a.amount, precision_of(&inv.currency))),
                "exchange_difference": format_minor(fx.applied.map(|a| a.difference).unwrap_or(0), p),
            }),
        );
    }
    AuditDraft::by(
        actor,
        super::INVOICE,
        id.map(|i| i.to_string()),
        action,
        changes,
    )
}

/// A new draft of `kind`. With an idempotency `key`, a retry returns the first draft.
pub async fn create_draft<S: BillingBackend>(
    store: &S,
    actor: &Actor,
    kind: InvoiceKind,
    input: &InvoiceInput,
    key: Option<&str>,
) -> Result<Invoice> {
    super::gate(actor, kind.domain(), Action::Create)?;
    if kind.is_credit() {
        return Err(Error::invalid(
            "kind",
            "a credit is made from the document it credits",
        ));
    }
    let key = crate::idempotency::optional_key(key)?;
    if let Some(k) = &key {
        if let Some(id) = store.invoice_by_key(actor.company_id, k).await? {
            return get(store, actor, id).await;
        }
    }
    let mut inv = check(store, actor, kind, input, None, None).await?;
    inv.client_key = key;
    let audit = audit_of(actor, None, "create", &inv);
    let (id, _) = store
        .insert_invoice(actor.company_id, &inv, actor.author(), audit)
        .await?;
    get(store, actor, id).await
}

/// A credit draft for a posted invoice or bill: every line's remaining quantity when
/// `lines` is `None`, else the given lines (each naming `credited_line_id`).
pub async fn create_credit<S: BillingBackend>(
    store: &S,
    actor: &Actor,
    credited: InvoiceId,
    lines: Option<Vec<LineInput>>,
    key: Option<&str>,
) -> Result<Invoice> {
    let original = get(store, actor, credited).await?;
    let kind = original
        .kind
        .credit_kind()
        .ok_or_else(|| Error::invalid("credited_id", "a credit note cannot itself be credited"))?;
    super::gate(actor, kind.domain(), Action::Create)?;
    if original.status != InvoiceStatus::Posted {
        return Err(Error::invalid(
            "credited_id",
            "only a posted document is credited (change or discard a draft)",
        ));
    }
    let key = crate::idempotency::optional_key(key)?;
    if let Some(k) = &key {
        if let Some(id) = store.invoice_by_key(actor.company_id, k).await? {
            return get(store, actor, id).await;
        }
    }
    let lines = match lines {
        Some(l) => l,
        None => {
            let used = store
                .credited_quantities(actor.company_id, original.id, None)
                .await?;
            let mut out: Vec<LineInput> = Vec::new();
            for l in &original.lines {
                let left = l.quantity - used.get(&l.id).copied().unwrap_or(0);
                if left <= 0 {
                    continue;
                }
                out.push(LineInput {
                    quantity: decimal_text(left, 4),
                    credited_line_id: Some(l.id),
                    ..LineInput::of(l, &original.currency)
                });
            }
            if out.is_empty() {
                return Err(Error::invalid(
                    "credited_id",
                    "every line of this document is credited already",
                ));
            }
            out
        }
    };
    let input = InvoiceInput {
        party_id: Some(original.party_id.0),
        issue_date: crate::time::Timestamp::now()
            .to_datetime()
            .date_naive()
            .to_string(),
        due_date: String::new(),
        currency: original.currency.clone(),
        reference: original.number.clone().unwrap_or_default(),
        notes: String::new(),
        lines,
    };
    let mut inv = check(store, actor, kind, &input, Some(&original), None).await?;
    inv.due_date = inv.issue_date;
    inv.client_key = key;
    let audit = audit_of(actor, None, "create", &inv);
    let (id, _) = store
        .insert_invoice(actor.company_id, &inv, actor.author(), audit)
        .await?;
    get(store, actor, id).await
}

async fn draft_of<S: BillingBackend>(store: &S, actor: &Actor, id: InvoiceId) -> Result<Invoice> {
    let inv = get(store, actor, id).await?;
    super::gate(actor, inv.kind.domain(), Action::Create)?;
    match inv.status {
        InvoiceStatus::Draft => Ok(inv),
        InvoiceStatus::Pending => Err(Error::conflict(
            "the bill is waiting for approval and does not change until it is decided",
        )),
        InvoiceStatus::Posted => Err(Error::conflict(
            "a posted document does not change: credit it instead",
        )),
    }
}

/// The credited document of a draft credit, as the actor sees it.
async fn credited_of<S: BillingBackend>(
    store: &S,
    actor: &Actor,
    draft: &Invoice,
) -> Result<Option<Invoice>> {
    match draft.credited_id {
        Some(c) => Ok(Some(get(store, actor, c).await?)),
        None => Ok(None),
    }
}

pub async fn update_draft<S: BillingBackend>(
    store: &S,
    actor: &Actor,
    id: InvoiceId,
    input: &InvoiceInput,
    version: Option<i64>,
) -> Result<Invoice> {
    let current = draft_of(store, actor, id).await?;
    let credited = credited_of(store, actor, &current).await?;
    let inv = check(
        store,
        actor,
        current.kind,
        input,
        credited.as_ref(),
        Some(id),
    )
    .await?;
    let audit = audit_of(actor, Some(id), "update", &inv);
    store
        .update_invoice_draft(
            actor.company_id,
            id,
            &inv,
            version.unwrap_or(current.version),
            audit,
        )
        .await?;
    get(store, actor, id).await
}

pub async fn delete_draft<S: BillingBackend>(
    store: &S,
    actor: &Actor,
    id: InvoiceId,
) -> Result<()> {
    let current = draft_of(store, actor, id).await?;
    let audit = AuditDraft::by(
        actor,
        super::INVOICE,
        Some(id.to_string()),
        "delete",
        json!({"kind": current.kind.as_str(), "total": current.total}),
    );
    store
        .delete_invoice_draft(actor.company_id, id, audit)
        .await
}

impl LineInput {
    /// A stored line as typed again (its account by name).
    pub fn of(l: &InvoiceLine, currency: &str) -> LineInput {
        LineInput {
            description: l.description.clone(),
            quantity: decimal_text(l.quantity, 4),
            unit_price: format_minor(l.unit_price, precision_of(currency)),
            discount: decimal_text(l.discount, 2),
            tax_code: l.tax_code.clone().unwrap_or_default(),
            account: l.account.clone(),
            department_id: l.department_id.map(|d| d.0),
            project: l.project.clone(),
            credited_line_id: l.credited_line_id,
        }
    }
}

impl InvoiceInput {
    /// The input a stored document was made from (a draft checked again at posting, the
    /// draft's form).
    pub fn of(inv: &Invoice) -> InvoiceInput {
        InvoiceInput {
            party_id: Some(inv.party_id.0),
            issue_date: inv.issue_date.to_string(),
            due_date: inv.due_date.to_string(),
            currency: inv.currency.clone(),
            reference: inv.reference.clone(),
            notes: inv.notes.clone(),
            lines: inv
                .lines
                .iter()
                .map(|l| LineInput::of(l, &inv.currency))
                .collect(),
        }
    }
}

/// Posts a draft: checks it again as of now (tax codes, accounts, what is left to
/// credit), numbers it and writes its ledger entry, all in one transaction. Posting a
/// posted document again is a conflict that names its number.
pub async fn post<S: BillingBackend>(
    store: &S,
    actor: &Actor,
    id: InvoiceId,
    version: Option<i64>,
) -> Result<Invoice> {
    let current = get(store, actor, id).await?;
    super::gate(actor, current.kind.domain(), Action::Create)?;
    match current.status {
        InvoiceStatus::Posted => {
            return Err(Error::conflict(format!(
                "{} is posted already",
                current.title()
            )))
        }
        InvoiceStatus::Pending => {
            return Err(Error::conflict(
                "the bill is waiting for approval: it posts when it is approved",
            ))
        }
        InvoiceStatus::Draft => {}
    }
    let credited = credited_of(store, actor, &current).await?;
    let mut inv = check(
        store,
        actor,
        current.kind,
        &InvoiceInput::of(&current),
        credited.as_ref(),
        Some(id),
    )
    .await?;
    inv.client_key = None;
    let entry = entry_of(store, actor, &mut inv, &current.party_name).await?;
    if let Some(amount) = approval_amount(store, actor, &inv).await? {
        let audit = audit_of(actor, Some(id), "submit", &inv);
        store
            .submit_invoice(
                actor.company_id,
                id,
                &inv,
                version.unwrap_or(current.version),
                actor.author(),
                audit,
            )
            .await?;
        let posted = get(store, actor, id).await?;
        request_approval(store, actor, &posted, amount).await?;
        return Ok(posted);
    }
    let audit = audit_of(actor, Some(id), "post", &inv);
    store
        .post_invoice(
            actor.company_id,
            id,
            Posting {
                from: InvoiceStatus::Draft,
                version: version.unwrap_or(current.version),
                invoice: &inv,
                entry: &entry,
                posted_by: actor.author(),
            },
            audit,
        )
        .await
        .map_err(entry_date_is_issue_date)?;
    get(store, actor, id).await
}

/// `Some` when a bill needs approval before it posts: its total in the company currency
/// is above the billing settings' threshold (`Some(None)` inside when the books have no
/// rate to convert it: then it waits too, without an amount).
pub(crate) async fn approval_amount<S: BillingBackend>(
    store: &S,
    actor: &Actor,
    inv: &NewInvoice,
) -> Result<Option<Option<i64>>> {
    if inv.kind != InvoiceKind::Bill {
        return Ok(None);
    }
    let settings = store.billing_settings(actor.company_id).await?;
    let rates =
        if settings.bill_approval_threshold.is_some() && inv.currency != actor.company_currency {
            store.rates(actor.company_id).await?
        } else {
            Vec::new()
        };
    Ok(approval_with(
        actor,
        inv,
        settings.bill_approval_threshold,
        &rates,
    ))
}

/// [`approval_amount`] with the threshold and the books' rates given (a batch reads them
/// once).
pub(crate) fn approval_with(
    actor: &Actor,
    inv: &NewInvoice,
    threshold: Option<i64>,
    rates: &[crate::ledger::Rate],
) -> Option<Option<i64>> {
    if inv.kind != InvoiceKind::Bill {
        return None;
    }
    let threshold = threshold?;
    let home = actor.company_currency.as_str();
    let total = if inv.currency == home {
        Some(inv.total)
    } else {
        crate::ledger::entries::rate_on(rates, &inv.currency, home, inv.issue_date).and_then(|r| {
            crate::ledger::convert(
                inv.total,
                precision_of(&inv.currency),
                r,
                precision_of(home),
            )
        })
    };
    match total {
        Some(t) if t <= threshold => None,
        t => Some(t),
    }
}

/// Sends a bill waiting for approval to the approvals inbox, once (a retry finds the
/// open request).
async fn request_approval<S: BillingBackend>(
    store: &S,
    actor: &Actor,
    inv: &Invoice,
    amount: Option<i64>,
) -> Result<()> {
    let subject = crate::registry::RecordRef::new(super::INVOICE, inv.id.0);
    if store
        .open_request_for(actor.company_id, &subject)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let currency = crate::money::Currency::parse(&actor.company_currency)?;
    let what = if inv.reference.trim().is_empty() {
        String::new()
    } else {
        format!(" ({})", inv.reference.trim())
    };
    crate::work::approvals::submit(
        store,
        actor,
        crate::work::approvals::NewApprovalRequest {
            kind: super::BILL_APPROVAL,
            subject,
            title: format!(
                "Bill from {}{what}: {} {}",
                inv.party_name,
                format_minor(inv.total, precision_of(&inv.currency)),
                inv.currency
            )
            .chars()
            .take(200)
            .collect(),
            amount: amount.map(|m| crate::money::Money::new(m, currency)),
            department: None,
        },
    )
    .await
    .map(|_| ())
}

/// The approvals engine's final decision on a bill waiting for approval: approved, it
/// posts (checked again as of now, numbered, its ledger entry written, in one
/// transaction, as [`post`]); refused, it goes back to draft with the reason. The engine
/// has checked the approver's step; nobody settles a bill they sent all the same.
pub async fn settle_pending<S: BillingBackend>(
    store: &S,
    actor: &Actor,
    id: InvoiceId,
    approved: bool,
    comment: &str,
) -> Result<()> {
    let current = store
        .invoice(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound { entity: "invoice" })?;
    if current.status != InvoiceStatus::Pending {
        return Err(Error::conflict(format!(
            "{} is {}, not waiting for approval",
            current.title(),
            current.status.label()
        )));
    }
    if current.submitted_by.is_some() && current.submitted_by == actor.author() {
        return Err(Error::invalid(
            "approver",
            "nobody approves a bill they sent for approval: another user must",
        ));
    }
    if !approved {
        let note = comment.trim();
        if note.is_empty() {
            return Err(Error::invalid("comment", "say why it is refused"));
        }
        let audit = AuditDraft::by(
            actor,
            super::INVOICE,
            Some(id.to_string()),
            "refuse",
            json!({"comment": note}),
        );
        return store
            .return_invoice(actor.company_id, id, note, audit)
            .await;
    }
    let credited = match current.credited_id {
        Some(c) => store.invoice(actor.company_id, c).await?,
        None => None,
    };
    let mut inv = check(
        store,
        actor,
        current.kind,
        &InvoiceInput::of(&current),
        credited.as_ref(),
        Some(id),
    )
    .await?;
    inv.client_key = None;
    let entry = entry_of(store, actor, &mut inv, &current.party_name).await?;
    let mut audit = audit_of(actor, Some(id), "approve", &inv);
    if let serde_json::Value::Object(m) = &mut audit.changes {
        m.insert("comment".into(), json!(comment.trim()));
    }
    store
        .post_invoice(
            actor.company_id,
            id,
            Posting {
                from: InvoiceStatus::Pending,
                version: current.version,
                invoice: &inv,
                entry: &entry,
                posted_by: actor.author(),
            },
            audit,
        )
        .await
        .map_err(entry_date_is_issue_date)
}

/// The ledger names an entry's date `date` (a closed period, say); a document's entry is
/// dated by its `issue_date`.
fn entry_date_is_issue_date(e: Error) -> Error {
    match e {
        Error::Invalid { field, message } if field == "date" => Error::Invalid {
            field: "issue_date".into(),
            message,
        },
        e => e,
    }
}

pub const EXPORT_HEADERS: &[&str] = &[
    "kind",
    "number",
    "status",
    "party",
    "issue_date",
    "due_date",
    "currency",
    "subtotal",
    "tax",
    "total",
    "reference",
];

pub fn export_row(r: &InvoiceRow) -> Vec<String> {
    let p = precision_of(&r.currency);
    vec![
        r.kind.as_str().to_string(),
        r.number.clone().unwrap_or_default(),
        r.status.as_str().to_string(),
        r.party_name.clone(),
        r.issue_date.to_string(),
        r.due_date.to_string(),
        r.currency.clone(),
        format_minor(r.subtotal, p),
        format_minor(r.tax, p),
        format_minor(r.total, p),
        r.reference.clone(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_have_series_year_and_four_digits() {
        assert_eq!(format_number("INV", 2026, 42), "INV-2026-0042");
        assert_eq!(format_number("CN", 2027, 12345), "CN-2027-12345");
    }

    #[test]
    fn decimals_read_without_trailing_zeros() {
        assert_eq!(decimal_text(15_000, 4), "1.5");
        assert_eq!(decimal_text(20_000, 4), "2");
        assert_eq!(decimal_text(-5, 4), "-0.0005");
        assert_eq!(decimal_text(1000, 2), "10");
    }

    #[test]
    fn kinds_read_back() {
        for k in InvoiceKind::ALL {
            assert_eq!(InvoiceKind::parse(k.as_str()), Some(*k));
        }
        assert_eq!(
            InvoiceKind::Invoice.credit_kind(),
            Some(InvoiceKind::CreditNote)
        );
        assert!(InvoiceKind::CreditNote.credit_kind().is_none());
    }
}
