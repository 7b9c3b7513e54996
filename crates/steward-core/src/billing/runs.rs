//! Payment runs: "pay the bills due by a date" from one bank account, as one SEPA credit
//! transfer file (pain.001.001.03).
//!
//! A run is proposed from every posted bill that still owes something and falls due on or
//! before the date (less what other runs not yet sent hold of it), one transfer per
//! vendor; vendors without an IBAN, and documents not in euro, are listed as excluded with
//! the reason. The user removes lines or lowers amounts on the draft, then submits it to
//! the approvals inbox (kind `billing.payment_run`; nobody approves a run they submitted).
//! An approved run's file may be downloaded; marking it sent records one payment made per
//! vendor (allocated to its bills, dated the execution date, from the bank account's
//! ledger account) and the run's status in one transaction, once: a run that is sent
//! already records nothing again.
use chrono::NaiveDate;
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeMap;
use std::future::Future;

use super::payments::{NewPayment, PaymentKind};
use super::{BillingBackend, PAYMENT_RUN, RUN_APPROVAL};
use crate::audit::AuditDraft;
use crate::auth::{Action, Actor, Domain};
use crate::error::Validator;
use crate::ids::{BankAccountId, CompanyId, InvoiceId, PartyId, UserId};
use crate::ledger::NewEntry;
use crate::list::{Page, Paging, SortDir, SortKey};
use crate::money::{format_minor, parse_decimal, precision_of};
use crate::registry::RecordRef;
use crate::{Error, Result};

/// SEPA credit transfers are in euro only.
pub const SEPA_CURRENCY: &str = "EUR";
pub const NOTE_MAX: usize = 500;
pub const MAX_LINES: usize = 2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Draft,
    Pending,
    Approved,
    Sent,
}

impl RunStatus {
    pub const ALL: &'static [RunStatus] = &[
        RunStatus::Draft,
        RunStatus::Pending,
        RunStatus::Approved,
        RunStatus::Sent,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Draft => "draft",
            RunStatus::Pending => "pending",
            RunStatus::Approved => "approved",
            RunStatus::Sent => "sent",
        }
    }
    pub fn parse(s: &str) -> Option<RunStatus> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            RunStatus::Draft => "draft",
            RunStatus::Pending => "waiting for approval",
            RunStatus::Approved => "approved",
            RunStatus::Sent => "sent",
        }
    }
}

/// A posted bill that is due, as a run sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DueBill {
    pub document_id: InvoiceId,
    pub number: String,
    pub party_id: PartyId,
    pub party_name: String,
    pub iban: String,
    pub bic: String,
    pub currency: String,
    pub due_date: NaiveDate,
    /// What it still owes, less what runs not yet sent hold of it.
    pub open: i64,
}

/// A vendor left out of a proposal, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Excluded {
    pub party_id: PartyId,
    pub party_name: String,
    pub reason: String,
}

/// What a run for a date would pay: the bills (vendor by vendor, oldest due first) and the
/// vendors left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proposal {
    pub lines: Vec<DueBill>,
    pub excluded: Vec<Excluded>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunLine {
    pub id: i64,
    pub party_id: PartyId,
    pub party_name: String,
    pub iban: String,
    pub bic: String,
    pub document_id: InvoiceId,
    pub number: String,
    pub due_date: NaiveDate,
    pub amount: i64,
    /// The payment made that settled it, once the run is sent.
    pub payment_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentRun {
    pub id: i64,
    pub bank_account_id: BankAccountId,
    pub bank_account: String,
    pub status: RunStatus,
    pub due_by: NaiveDate,
    pub execution_date: NaiveDate,
    pub currency: String,
    pub total: i64,
    /// The note given at creation, or the approver's reason for a refusal.
    pub note: String,
    pub created_by: Option<UserId>,
    pub submitted_by: Option<UserId>,
    pub decided_by: Option<UserId>,
    pub sent_at: Option<crate::time::Timestamp>,
    pub version: i64,
    pub lines: Vec<RunLine>,
}

impl PaymentRun {
    pub fn title(&self) -> String {
        format!("Payment run {}", self.id)
    }
    /// The lines grouped by vendor, in the order of the lines.
    pub fn by_vendor(&self) -> Vec<(PartyId, Vec<&RunLine>)> {
        let mut out: Vec<(PartyId, Vec<&RunLine>)> = Vec::new();
        for l in &self.lines {
            match out.iter_mut().find(|(p, _)| *p == l.party_id) {
                Some((_, v)) => v.push(l),
                None => out.push((l.party_id, vec![l])),
            }
        }
        out
    }
    /// The file's message id: unique per run, the same each time it is downloaded.
    pub fn message_id(&self) -> String {
        format!("STEWARD-RUN-{}", self.id)
    }
}

/// A run as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunRow {
    pub id: i64,
    pub bank_account: String,
    pub status: RunStatus,
    pub due_by: NaiveDate,
    pub execution_date: NaiveDate,
    pub currency: String,
    pub total: i64,
    pub vendors: i64,
    pub version: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunLineInput {
    pub document_id: Option<i64>,
    /// Empty: all it owes.
    pub amount: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunInput {
    pub bank_account_id: Option<i64>,
    /// Pay the bills due on or before this day (`YYYY-MM-DD`).
    pub due_by: String,
    /// When the bank executes the transfers; empty: `due_by`.
    pub execution_date: String,
    pub note: String,
    /// `None`: every bill of the proposal for what it owes.
    pub lines: Option<Vec<RunLineInput>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRunLine {
    pub party_id: PartyId,
    pub document_id: InvoiceId,
    pub amount: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRun {
    pub bank_account_id: BankAccountId,
    pub due_by: NaiveDate,
    pub execution_date: NaiveDate,
    pub currency: String,
    pub total: i64,
    pub note: String,
    pub lines: Vec<NewRunLine>,
    pub client_key: Option<String>,
}

/// What marking a run sent writes: one payment made per vendor, with its entry.
#[derive(Debug, Clone)]
pub struct RunPayment {
    pub payment: NewPayment,
    pub entry: NewEntry,
    pub audit: AuditDraft,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RunSort {
    #[default]
    ExecutionDate,
    Total,
}

impl SortKey for RunSort {
    const ALL: &'static [(&'static str, Self)] = &[
        ("execution_date", RunSort::ExecutionDate),
        ("total", RunSort::Total),
    ];
}

#[derive(Debug, Clone, Default)]
pub struct RunQuery {
    pub status: Option<RunStatus>,
    /// Part of the bank account's name.
    pub search: Option<String>,
    pub sort: RunSort,
    pub dir: SortDir,
    pub paging: Paging,
}

pub trait RunStore: Send + Sync {
    /// Posted bills of `currency`-any that owe something and fall due by `due_by`, less
    /// what runs not yet sent (other than `except`) hold of them; vendor by name, oldest
    /// due first.
    fn bills_due(
        &self,
        company: CompanyId,
        due_by: NaiveDate,
        except: Option<i64>,
    ) -> impl Future<Output = Result<Vec<DueBill>>> + Send;
    fn run_by_key(
        &self,
        company: CompanyId,
        key: &str,
    ) -> impl Future<Output = Result<Option<i64>>> + Send;
    /// A `client_key` seen before returns the first run's id.
    fn insert_run(
        &self,
        company: CompanyId,
        run: &NewRun,
        created_by: Option<UserId>,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<i64>> + Send;
    fn run(
        &self,
        company: CompanyId,
        id: i64,
    ) -> impl Future<Output = Result<Option<PaymentRun>>> + Send;
    fn list_runs(
        &self,
        company: CompanyId,
        q: &RunQuery,
    ) -> impl Future<Output = Result<Page<RunRow>>> + Send;
    /// Replaces a draft's content. `Conflict` unless it is the draft at `version`.
    fn update_run(
        &self,
        company: CompanyId,
        id: i64,
        run: &NewRun,
        version: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    fn delete_run(
        &self,
        company: CompanyId,
        id: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Moves a run from `from` to `to` (submitted by / decided by `by`, with `note` when
    /// given). `Conflict` when it is not in `from` (at `version` when given).
    fn set_run_status(
        &self,
        company: CompanyId,
        id: i64,
        change: StatusChange<'_>,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    /// In one transaction: marks the approved run sent and records `payments` (each
    /// re-checked against what its bills owe now) with their run lines. `Ok(false)`, and
    /// nothing written, when the run is not approved any more (sent already).
    fn send_run(
        &self,
        company: CompanyId,
        id: i64,
        payments: &[RunPayment],
        by: Option<UserId>,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<bool>> + Send;
}

#[derive(Debug, Clone, Copy)]
pub struct StatusChange<'a> {
    pub from: RunStatus,
    pub to: RunStatus,
    pub version: Option<i64>,
    pub submitted_by: Option<UserId>,
    pub decided_by: Option<UserId>,
    pub note: Option<&'a str>,
}

pub fn authorize_read(actor: &Actor) -> Result<()> {
    super::gate(actor, Domain::Payables, Action::Read)
}

pub fn may_write(actor: &Actor) -> bool {
    super::allowed(actor, Domain::Payables, Action::Create)
}

fn gate_write(actor: &Actor) -> Result<()> {
    super::gate(actor, Domain::Payables, Action::Create)
}

/// The bank accounts a run may pay from (active, in euro, with an IBAN), for the forms of
/// whoever makes runs.
pub async fn paying_accounts<S: BillingBackend>(
    store: &S,
    actor: &Actor,
) -> Result<Vec<crate::bank::accounts::BankAccount>> {
    gate_write(actor)?;
    let q = crate::bank::accounts::BankAccountQuery {
        paging: Paging::export(),
        ..Default::default()
    };
    Ok(store
        .list_bank_accounts(actor.company_id, &q)
        .await?
        .items
        .into_iter()
        .filter(|a| a.active && a.currency == SEPA_CURRENCY && !a.iban.is_empty())
        .collect())
}

/// Splits what is due into what a SEPA run may pay and the vendors it leaves out.
pub fn propose(due: Vec<DueBill>) -> Proposal {
    let mut lines = Vec::new();
    let mut excluded: BTreeMap<(String, PartyId), String> = BTreeMap::new();
    for d in due {
        if d.open <= 0 {
            continue;
        }
        let reason = if d.currency != SEPA_CURRENCY {
            Some(format!(
                "{} is in {}; a SEPA credit transfer pays euro only",
                d.number, d.currency
            ))
        } else if d.iban.trim().is_empty() {
            Some("the vendor has no IBAN".to_string())
        } else {
            None
        };
        match reason {
            Some(r) => {
                excluded
                    .entry((d.party_name.clone(), d.party_id))
                    .and_modify(|e| {
                        if !e.contains(&r) {
                            e.push_str("; ");
                            e.push_str(&r);
                        }
                    })
                    .or_insert(r);
            }
            None => lines.push(d),
        }
    }
    Proposal {
        lines,
        excluded: excluded
            .into_iter()
            .map(|((party_name, party_id), reason)| Excluded {
                party_id,
                party_name,
                reason,
            })
            .collect(),
    }
}

/// The proposal for a bank account and a date.
pub async fn proposal<S: BillingBackend>(
    store: &S,
    actor: &Actor,
    bank_account_id: Option<i64>,
    due_by: &str,
) -> Result<Proposal> {
    gate_write(actor)?;
    let mut v = Validator::new();
    let account = bank_account(store, actor, &mut v, bank_account_id).await?;
    if due_by.trim().is_empty() {
        v.push("due_by", "a date is required (YYYY-MM-DD)");
    }
    let due_by = v.date("due_by", due_by);
    v.finish()?;
    let (Some(_), Some(due_by)) = (account, due_by) else {
        return Err(Error::internal(
            "validated proposal without account or date",
        ));
    };
    Ok(propose(
        store.bills_due(actor.company_id, due_by, None).await?,
    ))
}

async fn bank_account<S: BillingBackend>(
    store: &S,
    actor: &Actor,
    v: &mut Validator,
    id: Option<i64>,
) -> Result<Option<crate::bank::accounts::BankAccount>> {
    let Some(id) = id else {
        v.push("bank_account_id", "choose the bank account that pays");
        return Ok(None);
    };
    match store
        .bank_account(actor.company_id, BankAccountId(id))
        .await?
    {
        None => {
            v.push("bank_account_id", "no such bank account");
            Ok(None)
        }
        Some(a) if !a.active => {
            v.push("bank_account_id", format!("{} is closed", a.name));
            Ok(None)
        }
        Some(a) if a.currency != SEPA_CURRENCY => {
            v.push(
                "bank_account_id",
                format!(
                    "{} is in {}; a SEPA credit transfer pays euro only",
                    a.name, a.currency
                ),
            );
            Ok(None)
        }
        Some(a) if a.iban.is_empty() => {
            v.push(
                "bank_account_id",
                format!("{} has no IBAN: add it on the bank account", a.name),
            );
            Ok(None)
        }
        Some(a) => Ok(Some(a)),
    }
}

async fn check<S: BillingBackend>(
    store: &S,
    actor: &Actor,
    input: &RunInput,
    except: Option<i64>,
) -> Result<NewRun> {
    let mut v = Validator::new();
    let account = bank_account(store, actor, &mut v, input.bank_account_id).await?;
    if input.due_by.trim().is_empty() {
        v.push("due_by", "a date is required (YYYY-MM-DD)");
    }
    let due_by = v.date("due_by", &input.due_by);
    let execution_date = if input.execution_date.trim().is_empty() {
        due_by
    } else {
        v.date("execution_date", &input.execution_date)
    };
    let note = v.text("note", &input.note, NOTE_MAX, false);
    let proposal = match due_by {
        Some(d) => propose(store.bills_due(actor.company_id, d, except).await?),
        None => Proposal {
            lines: Vec::new(),
            excluded: Vec::new(),
        },
    };
    let precision = precision_of(SEPA_CURRENCY);
    let mut lines = Vec::new();
    match &input.lines {
        None => {
            for d in &proposal.lines {
                lines.push(NewRunLine {
                    party_id: d.party_id,
                    document_id: d.document_id,
                    amount: d.open,
                });
            }
        }
        Some(given) => {
            if given.len() > MAX_LINES {
                v.push("lines", format!("at most {MAX_LINES} lines"));
            }
            let mut seen = std::collections::HashSet::new();
            for (i, l) in given.iter().enumerate() {
                let f = |n: &str| format!("lines[{i}].{n}");
                let Some(id) = l.document_id.map(InvoiceId) else {
                    v.push(&f("document_id"), "choose a bill");
                    continue;
                };
                if !seen.insert(id) {
                    v.push(&f("document_id"), "the bill is named twice");
                    continue;
                }
                let Some(d) = proposal.lines.iter().find(|d| d.document_id == id) else {
                    v.push(
                        &f("document_id"),
                        "not a posted bill due by the date that this run may pay (in euro, to a vendor with an IBAN, not in another run)",
                    );
                    continue;
                };
                let amount = if l.amount.trim().is_empty() {
                    d.open
                } else {
                    match parse_decimal(l.amount.trim(), precision) {
                        Some(a) if a > 0 && a <= d.open => a,
                        Some(a) if a > 0 => {
                            v.push(
                                &f("amount"),
                                format!(
                                    "{} owes {} {SEPA_CURRENCY}",
                                    d.number,
                                    format_minor(d.open, precision)
                                ),
                            );
                            0
                        }
                        _ => {
                            v.push(
                                &f("amount"),
                                format!(
                                    "a positive amount in {SEPA_CURRENCY} with at most {precision} decimals"
                                ),
                            );
                            0
                        }
                    }
                };
                lines.push(NewRunLine {
                    party_id: d.party_id,
                    document_id: id,
                    amount,
                });
            }
        }
    }
    if lines.is_empty() && v.is_empty() {
        v.push(
            "lines",
            "nothing to pay: no bill in euro to a vendor with an IBAN is due by the date",
        );
    }
    let total: i128 = lines.iter().map(|l| i128::from(l.amount)).sum();
    if total > i128::from(super::tax::MAX_AMOUNT) {
        v.push("lines", "the run is too large");
    }
    v.finish()?;
    let (Some(account), Some(due_by), Some(execution_date)) = (account, due_by, execution_date)
    else {
        return Err(Error::internal("validated run without account or dates"));
    };
    Ok(NewRun {
        bank_account_id: account.id,
        due_by,
        execution_date,
        currency: SEPA_CURRENCY.to_string(),
        total: i64::try_from(total).map_err(|_| Error::invalid("lines", "too large"))?,
        note,
        lines,
        client_key: None,
    })
}

fn audit_of(actor: &Actor, id: Option<i64>, action: &str, run: &NewRun) -> AuditDraft {
    AuditDraft::by(
        actor,
        PAYMENT_RUN,
        id.map(|i| i.to_string()),
        action,
        json!({
            "bank_account_id": run.bank_account_id, "due_by": run.due_by.to_string(),
            "execution_date": run.execution_date.to_string(), "currency": run.currency,
            "total": format_minor(run.total, precision_of(&run.currency)),
            "lines": run.lines.iter().map(|l| json!([l.document_id, l.amount])).collect::<Vec<_>>(),
        }),
    )
}

pub async fn get<S: RunStore>(store: &S, actor: &Actor, id: i64) -> Result<PaymentRun> {
    authorize_read(actor)?;
    store
        .run(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound {
            entity: "payment run",
        })
}

pub async fn list<S: RunStore>(store: &S, actor: &Actor, q: &RunQuery) -> Result<Page<RunRow>> {
    authorize_read(actor)?;
    super::authorize_listing(actor, q.paging, &[Domain::Payables])?;
    store.list_runs(actor.company_id, q).await
}

/// A new draft run. With an idempotency `key`, a retry returns the first run.
pub async fn create<S: BillingBackend>(
    store: &S,
    actor: &Actor,
    input: &RunInput,
    key: Option<&str>,
) -> Result<PaymentRun> {
    gate_write(actor)?;
    let key = crate::idempotency::optional_key(key)?;
    if let Some(k) = &key {
        if let Some(id) = store.run_by_key(actor.company_id, k).await? {
            return get(store, actor, id).await;
        }
    }
    let mut run = check(store, actor, input, None).await?;
    run.client_key = key;
    let audit = audit_of(actor, None, "create", &run);
    let id = store
        .insert_run(actor.company_id, &run, actor.author(), audit)
        .await?;
    get(store, actor, id).await
}

async fn draft_of<S: RunStore>(store: &S, actor: &Actor, id: i64) -> Result<PaymentRun> {
    gate_write(actor)?;
    let run = get(store, actor, id).await?;
    if run.status != RunStatus::Draft {
        return Err(Error::conflict(format!(
            "the run is {}: only a draft changes",
            run.status.label()
        )));
    }
    Ok(run)
}

/// Changes a draft: its lines (remove some, lower amounts), dates, note.
pub async fn update<S: BillingBackend>(
    store: &S,
    actor: &Actor,
    id: i64,
    input: &RunInput,
    version: Option<i64>,
) -> Result<PaymentRun> {
    let current = draft_of(store, actor, id).await?;
    let run = check(store, actor, input, Some(id)).await?;
    let audit = audit_of(actor, Some(id), "update", &run);
    store
        .update_run(
            actor.company_id,
            id,
            &run,
            version.unwrap_or(current.version),
            audit,
        )
        .await?;
    get(store, actor, id).await
}

pub async fn delete<S: BillingBackend>(store: &S, actor: &Actor, id: i64) -> Result<()> {
    let current = draft_of(store, actor, id).await?;
    let audit = AuditDraft::by(
        actor,
        PAYMENT_RUN,
        Some(id.to_string()),
        "delete",
        json!({"total": current.total, "lines": current.lines.len()}),
    );
    store.delete_run(actor.company_id, id, audit).await
}

/// The input a stored run is checked again from.
pub fn input_of(run: &PaymentRun) -> RunInput {
    RunInput {
        bank_account_id: Some(run.bank_account_id.0),
        due_by: run.due_by.to_string(),
        execution_date: run.execution_date.to_string(),
        note: run.note.clone(),
        lines: Some(
            run.lines
                .iter()
                .map(|l| RunLineInput {
                    document_id: Some(l.document_id.0),
                    amount: format_minor(l.amount, precision_of(&run.currency)),
                })
                .collect(),
        ),
    }
}

/// Sends a draft to the approvals inbox (checked again: the bills may owe less now).
pub async fn submit<S: BillingBackend>(
    store: &S,
    actor: &Actor,
    id: i64,
    version: Option<i64>,
) -> Result<PaymentRun> {
    let current = draft_of(store, actor, id).await?;
    let checked = check(store, actor, &input_of(&current), Some(id)).await?;
    if checked.total != current.total {
        return Err(Error::invalid(
            "lines",
            "some bills owe less now: save the run again before submitting it",
        ));
    }
    let audit = audit_of(actor, Some(id), "submit", &checked);
    store
        .set_run_status(
            actor.company_id,
            id,
            StatusChange {
                from: RunStatus::Draft,
                to: RunStatus::Pending,
                version: Some(version.unwrap_or(current.version)),
                submitted_by: actor.author(),
                decided_by: None,
                note: Some(""),
            },
            audit,
        )
        .await?;
    let subject = RecordRef::new(PAYMENT_RUN, id);
    if store
        .open_request_for(actor.company_id, &subject)
        .await?
        .is_none()
    {
        let amount = crate::money::Currency::parse(&current.currency)
            .ok()
            .filter(|c| c.code() == actor.company_currency)
            .map(|c| crate::money::Money::new(current.total, c));
        crate::work::approvals::submit(
            store,
            actor,
            crate::work::approvals::NewApprovalRequest {
                kind: RUN_APPROVAL,
                subject,
                title: format!(
                    "Payment run {id}: {} {} to {} vendors on {}",
                    format_minor(current.total, precision_of(&current.currency)),
                    current.currency,
                    current.by_vendor().len(),
                    current.execution_date
                ),
                amount,
                department: None,
            },
        )
        .await?;
    }
    get(store, actor, id).await
}

/// The approvals engine's final decision on a run: approved, its file may be exported;
/// refused, it goes back to draft with the reason. Nobody decides a run they submitted.
pub async fn settle_pending<S: BillingBackend>(
    store: &S,
    actor: &Actor,
    id: i64,
    approved: bool,
    comment: &str,
) -> Result<()> {
    let run = store
        .run(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound {
            entity: "payment run",
        })?;
    if run.status != RunStatus::Pending {
        return Err(Error::conflict(format!(
            "the run is {}, not waiting for approval",
            run.status.label()
        )));
    }
    if run.submitted_by.is_some() && run.submitted_by == actor.author() {
        return Err(Error::invalid(
            "approver",
            "nobody approves a payment run they submitted: another user must",
        ));
    }
    let note = comment.trim();
    if !approved && note.is_empty() {
        return Err(Error::invalid("comment", "say why it is refused"));
    }
    let audit = AuditDraft::by(
        actor,
        PAYMENT_RUN,
        Some(id.to_string()),
        if approved { "approve" } else { "refuse" },
        json!({"comment": note}),
    );
    store
        .set_run_status(
            actor.company_id,
            id,
            StatusChange {
                from: RunStatus::Pending,
                to: if approved {
                    RunStatus::Approved
                } else {
                    RunStatus::Draft
                },
                version: None,
                submitted_by: None,
                decided_by: actor.author(),
                note: (!approved).then_some(note),
            },
            audit,
        )
        .await
}

/// Marks an approved run sent: records one payment made per vendor, allocated to its
/// bills, dated the execution date, in one transaction. A run sent already records
/// nothing again and is answered as it is.
pub async fn send<S: BillingBackend>(store: &S, actor: &Actor, id: i64) -> Result<PaymentRun> {
    gate_write(actor)?;
    let run = get(store, actor, id).await?;
    match run.status {
        RunStatus::Sent => return Ok(run),
        RunStatus::Approved => {}
        s => {
            return Err(Error::conflict(format!(
                "the run is {}: it is sent once it is approved",
                s.label()
            )))
        }
    }
    let account = store
        .bank_account(actor.company_id, run.bank_account_id)
        .await?
        .ok_or(Error::NotFound {
            entity: "bank account",
        })?;
    let precision = precision_of(&run.currency);
    let mut payments = Vec::new();
    for (party, lines) in run.by_vendor() {
        let name = lines
            .first()
            .map(|l| l.party_name.clone())
            .unwrap_or_default();
        let amount: i64 = lines.iter().map(|l| l.amount).sum();
        let mut p = NewPayment {
            kind: PaymentKind::Made,
            party_id: party,
            date: run.execution_date,
            currency: run.currency.clone(),
            amount,
            account_id: account.ledger_account_id,
            reference: run.message_id(),
            writeoff_account_id: None,
            writeoff: 0,
            allocations: lines.iter().map(|l| (l.document_id, l.amount)).collect(),
            client_key: None,
            bank_line: None,
            fx: None,
        };
        let entry = super::payments::entry_of(store, actor, &mut p, &name).await?;
        let mut changes = json!({
            "kind": p.kind.as_str(), "party_id": p.party_id, "date": p.date.to_string(),
            "amount": format_minor(p.amount, precision), "currency": p.currency,
            "payment_run_id": id,
            "allocations": p.allocations.iter().map(|(d, a)| json!([d, format_minor(*a, precision)])).collect::<Vec<_>>(),
        });
        super::payments::add_fx_audit(&mut changes, p.fx.as_ref(), &actor.company_currency);
        let audit = AuditDraft::by(actor, super::PAYMENT, None, "post", changes);
        payments.push(RunPayment {
            payment: p,
            entry,
            audit,
        });
    }
    let audit = AuditDraft::by(
        actor,
        PAYMENT_RUN,
        Some(id.to_string()),
        "send",
        json!({"payments": payments.len(), "total": format_minor(run.total, precision)}),
    );
    store
        .send_run(actor.company_id, id, &payments, actor.author(), audit)
        .await?;
    get(store, actor, id).await
}

/// The SEPA credit transfer file of an approved or sent run: the company and the bank
/// account pay, one transfer per vendor with its bill numbers as the remittance text.
pub async fn pain_001<S: BillingBackend>(store: &S, actor: &Actor, id: i64) -> Result<String> {
    authorize_read(actor)?;
    let run = get(store, actor, id).await?;
    if !matches!(run.status, RunStatus::Approved | RunStatus::Sent) {
        return Err(Error::conflict(format!(
            "the run is {}: its file is made once it is approved",
            run.status.label()
        )));
    }
    let account = store
        .bank_account(actor.company_id, run.bank_account_id)
        .await?
        .ok_or(Error::NotFound {
            entity: "bank account",
        })?;
    let company = actor.company_name.clone();
    crate::blocking::try_run(move || write_file(&run, &company, &account.iban, &account.bic)).await
}

/// The pain.001.001.03 document of a run (pure).
pub fn write_file(run: &PaymentRun, company: &str, iban: &str, bic: &str) -> Result<String> {
    use steward_io::sepa;
    let created = run
        .sent_at
        .map(|t| t.to_datetime().naive_utc())
        .unwrap_or_else(|| crate::time::Timestamp::now().to_datetime().naive_utc());
    let created = created
        .date()
        .and_hms_opt(
            chrono::Timelike::hour(&created),
            chrono::Timelike::minute(&created),
            chrono::Timelike::second(&created),
        )
        .unwrap_or(created);
    let mut payments = Vec::new();
    for (_, lines) in run.by_vendor() {
        let Some(first) = lines.first() else {
            continue;
        };
        let numbers: Vec<&str> = lines.iter().map(|l| l.number.as_str()).collect();
        let mut text = numbers.join(" ");
        if text.chars().count() > sepa::MAX_UNSTRUCTURED {
            text = format!(
                "{} bills: {}",
                numbers.len(),
                text.chars()
                    .take(sepa::MAX_UNSTRUCTURED - 20)
                    .collect::<String>()
            );
        }
        payments.push(sepa::Payment {
            end_to_end_id: format!("R{}-P{}", run.id, first.party_id.0),
            amount_minor: lines.iter().map(|l| l.amount).sum(),
            creditor_name: first.party_name.clone(),
            creditor_iban: first.iban.clone(),
            creditor_bic: Some(first.bic.clone()).filter(|b| !b.is_empty()),
            remittance: sepa::Remittance::Unstructured(text),
        });
    }
    let ct = sepa::CreditTransfer {
        message_id: run.message_id(),
        created_at: created,
        initiator_name: company.to_string(),
        debtor: sepa::DebtorAccount {
            name: company.to_string(),
            iban: iban.to_string(),
            bic: Some(bic.to_string()).filter(|b| !b.is_empty()),
        },
        requested_execution_date: run.execution_date,
        batch_booking: true,
        payments,
    };
    sepa::write_pain_001_001_03(&ct).map_err(|e| Error::invalid(e.field, e.message))
}

pub const EXPORT_HEADERS: &[&str] = &[
    "id",
    "bank_account",
    "status",
    "due_by",
    "execution_date",
    "currency",
    "total",
    "vendors",
];

pub fn export_row(r: &RunRow) -> Vec<String> {
    vec![
        r.id.to_string(),
        r.bank_account.clone(),
        r.status.as_str().to_string(),
        r.due_by.to_string(),
        r.execution_date.to_string(),
        r.currency.clone(),
        format_minor(r.total, precision_of(&r.currency)),
        r.vendors.to_string(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn due(id: i64, party: i64, name: &str, iban: &str, currency: &str) -> DueBill {
        DueBill {
            document_id: InvoiceId(id),
            number: format!("BILL-2026-{id:04}"),
            party_id: PartyId(party),
            party_name: name.into(),
            iban: iban.into(),
            bic: String::new(),
            currency: currency.into(),
            due_date: NaiveDate::from_ymd_opt(2026, 3, 1).expect("date"),
            open: 100,
        }
    }

    #[test]
    fn a_proposal_leaves_out_vendors_without_iban_or_euro() {
        let p = propose(vec![
            due(1, 1, "Alpha", "DE89370400440532013000", "EUR"),
            due(2, 2, "Beta", "", "EUR"),
            due(3, 3, "Gamma", "DE89370400440532013000", "USD"),
            due(4, 1, "Alpha", "DE89370400440532013000", "EUR"),
        ]);
        assert_eq!(p.lines.len(), 2);
        assert_eq!(p.excluded.len(), 2);
        assert_eq!(p.excluded[0].party_name, "Beta");
        assert!(p.excluded[0].reason.contains("IBAN"));
        assert!(p.excluded[1].reason.contains("USD"));
    }
}
