//! The reconcile service (rules in [`super::reconcile`]): a line's proposals, accepting a
//! match (recording a payment through billing's payments service, or linking a payment or
//! ledger line posted before), posting an entry for a line, undoing, and auto-match for a
//! whole statement. Reading needs `accounting.read`; every write `accounting.create`, and a
//! payment also the side's billing grant (`receivables.create`/`payables.create`, checked
//! by the payments service).
use serde::Serialize;
use serde_json::json;
use std::collections::{HashMap, HashSet};

use super::reconcile::{
    unambiguous, BalanceCheck, Candidate, CandidateKind, Index, MatchKind, MatchWrite,
    NewReconciliation, Proposal, ReconcileStore, Reconciliation,
};
use super::statements::{BankLine, BankStatement, LineStatus};
use super::BankBackend;
use crate::audit::AuditDraft;
use crate::auth::{Action, Actor, Domain};
use crate::billing::payments::{self, AllocationInput, PaymentInput, PaymentKind};
use crate::billing::BillingBackend;
use crate::ids::{BankLineId, EntryId, InvoiceId, StatementId};
use crate::ledger::{EntryInput, LineInput};
use crate::money::format_minor;
use crate::{Error, Result};

/// A reconciliation as an audit event's entity (`bank.reconciliation:<line id>`).
pub const RECONCILIATION: &str = "bank.reconciliation";

/// Everything reconciliation needs from the store.
pub trait ReconcileBackend: BankBackend + BillingBackend + ReconcileStore {}
impl<T> ReconcileBackend for T where T: BankBackend + BillingBackend + ReconcileStore {}

/// One share of a line's amount on a document (a split names several).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Share {
    pub document_id: Option<i64>,
    /// Text in the currency's places; empty: what the document owes, up to what is left.
    pub amount: String,
}

/// What to match a line to: documents (with a party, or a party alone for a payment on
/// account), or a payment, or a ledger entry's line on the bank account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AcceptInput {
    pub documents: Vec<Share>,
    /// The customer or vendor of a payment on account (no documents); else the documents'.
    pub party_id: Option<i64>,
    /// A difference to write off, and where to (documents only).
    pub writeoff: String,
    pub writeoff_account: String,
    pub payment_id: Option<i64>,
    pub entry_id: Option<i64>,
}

/// An entry for a line with nothing to match (a bank fee, interest): the bank's ledger
/// account against `account`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EntryFromLine {
    /// The other side: a full name or code.
    pub account: String,
    /// Empty: the line's description.
    pub description: String,
}

/// A statement as the reconcile view shows it.
#[derive(Debug, Clone, Serialize)]
pub struct StatementView {
    pub statement: BankStatement,
    pub balance: BalanceCheck,
    /// Unmatched lines, each with its proposals.
    pub unmatched: Vec<(BankLine, Vec<Proposal>)>,
    pub reconciled: HashMap<BankLineId, Reconciliation>,
}

/// What auto-match did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AutoMatchReport {
    /// Lines reconciled now.
    pub matched: u64,
    /// Lines still unmatched.
    pub left: u64,
    /// Lines whose sure match failed when accepted (taken meanwhile, a closed period).
    pub failed: u64,
}

async fn line_of<S: ReconcileStore>(store: &S, actor: &Actor, id: BankLineId) -> Result<BankLine> {
    store
        .line(actor.company_id, id)
        .await?
        .ok_or(Error::NotFound {
            entity: "bank statement line",
        })
}

/// Whether the actor sees the side a candidate is on (receivables for money in, payables
/// for money out); ledger lines are the books'.
fn sees(actor: &Actor, c: &Candidate) -> bool {
    match c.kind {
        CandidateKind::LedgerLine => true,
        _ => {
            let side = if c.amount > 0 {
                Domain::Receivables
            } else {
                Domain::Payables
            };
            crate::billing::allowed(actor, side, Action::Read)
        }
    }
}

async fn index_for<S: ReconcileBackend>(
    store: &S,
    actor: &Actor,
    account: crate::ids::BankAccountId,
) -> Result<(super::BankAccount, Index)> {
    let account = super::accounts::get(store, actor, account).await?;
    let candidates = store
        .candidates(actor.company_id, &account)
        .await?
        .into_iter()
        .filter(|c| sees(actor, c))
        .collect();
    Ok((account, Index::new(candidates)))
}

/// A line and its proposals, best first.
pub async fn proposals<S: ReconcileBackend>(
    store: &S,
    actor: &Actor,
    line: BankLineId,
) -> Result<(BankLine, Vec<Proposal>, Option<Reconciliation>)> {
    super::gate(actor, Action::Read)?;
    let l = line_of(store, actor, line).await?;
    if l.status == LineStatus::Matched {
        let r = store.reconciliation_of(actor.company_id, line).await?;
        return Ok((l, Vec::new(), r));
    }
    let (_, ix) = index_for(store, actor, l.account_id).await?;
    let p = ix.propose(&l);
    Ok((l, p, None))
}

/// The statement's reconcile view: the balance check, the unmatched lines with their
/// proposals (a candidate proposed first to one line is still offered to the others), and
/// what the matched lines matched.
pub async fn statement_view<S: ReconcileBackend>(
    store: &S,
    actor: &Actor,
    statement: StatementId,
) -> Result<StatementView> {
    super::gate(actor, Action::Read)?;
    let st = super::statements::get(store, actor, statement).await?;
    let lines = store.unmatched_lines(actor.company_id, statement).await?;
    let reconciled = store.reconciliations(actor.company_id, statement).await?;
    let (account, ix) = index_for(store, actor, st.account_id).await?;
    let unmatched: Vec<(BankLine, Vec<Proposal>)> = lines
        .into_iter()
        .map(|l| {
            let p = ix.propose(&l);
            (l, p)
        })
        .collect();
    let date = st.end_date.or(st.closing.map(|c| c.date));
    let ledger = store
        .ledger_balance(actor.company_id, account.ledger_account_id, date)
        .await?;
    let closing = st.closing.map(|c| c.minor);
    let balance = BalanceCheck {
        date,
        statement: closing,
        ledger,
        difference: closing.map(|c| c - ledger),
        unmatched: i64::try_from(unmatched.len()).unwrap_or(i64::MAX),
    };
    Ok(StatementView {
        statement: st,
        balance,
        unmatched,
        reconciled,
    })
}

fn audit_of(actor: &Actor, line: &BankLine, action: &str, what: serde_json::Value) -> AuditDraft {
    AuditDraft::by(
        actor,
        RECONCILIATION,
        Some(line.id.0.to_string()),
        action,
        json!({"line_id": line.id, "statement_id": line.statement_id,
               "amount_minor": line.amount_minor, "match": what}),
    )
}

/// Reconciles a line. Documents (or a party alone): a payment is recorded through billing's
/// payments service for the line's amount, dated its booking day, the bank's ledger account
/// as the cash side, allocated to the documents in the order given (an empty share takes
/// what the document owes, up to what is left), with a write-off if asked. A payment or an
/// entry posted before: linked, after checking it is on the bank's ledger account, for the
/// line's amount, and not reconciled yet. With an idempotency `key` a retry answers with
/// the first reconciliation.
pub async fn accept<S: ReconcileBackend>(
    store: &S,
    actor: &Actor,
    line: BankLineId,
    input: &AcceptInput,
    key: Option<&str>,
) -> Result<Reconciliation> {
    super::gate(actor, Action::Create)?;
    let key = crate::idempotency::optional_key(key)?;
    if let Some(k) = &key {
        if let Some(done) = store.reconciled_by_key(actor.company_id, k).await? {
            return reconciliation(store, actor, done).await;
        }
    }
    let l = line_of(store, actor, line).await?;
    if l.status == LineStatus::Matched {
        return Err(Error::conflict(
            "the line is reconciled already; undo that first",
        ));
    }
    let account = super::accounts::get(store, actor, l.account_id).await?;
    let targets = usize::from(!input.documents.is_empty() || input.party_id.is_some())
        + usize::from(input.payment_id.is_some())
        + usize::from(input.entry_id.is_some());
    if targets != 1 {
        return Err(Error::invalid(
            "documents",
            "name the documents (or a party), or a payment, or an entry: one of them",
        ));
    }
    if let Some(pid) = input.payment_id {
        let p = payments::get(store, actor, pid).await?;
        let signed = match p.kind {
            PaymentKind::Received => p.amount,
            PaymentKind::Made => -p.amount,
        };
        if p.account_id != account.ledger_account_id {
            return Err(Error::invalid(
                "payment_id",
                format!(
                    "{} was not paid through {}",
                    p.number, account.ledger_account
                ),
            ));
        }
        if signed != l.amount_minor || p.currency != l.currency {
            return Err(Error::invalid(
                "payment_id",
                format!(
                    "{} is {} {}; the line is {} {}",
                    p.number,
                    format_minor(signed, crate::money::precision_of(&p.currency)),
                    p.currency,
                    l.amount(),
                    l.currency
                ),
            ));
        }
        let r = NewReconciliation {
            line_id: l.id,
            kind: MatchKind::Payment,
            payment_id: Some(p.id),
            entry_id: p.entry_id,
            client_key: key,
            created_by: actor.author(),
        };
        let audit = audit_of(actor, &l, "match", json!({"payment_id": p.id}));
        store.link(actor.company_id, &r, audit).await?;
        return reconciliation(store, actor, l.id).await;
    }
    if let Some(eid) = input.entry_id {
        let e = crate::ledger::entries::get_entry(store, actor, EntryId(eid))
            .await
            .map_err(|e| match e {
                Error::NotFound { .. } => Error::invalid("entry_id", "no such entry"),
                other => other,
            })?;
        let on_bank: i64 = e
            .lines
            .iter()
            .filter(|x| x.account_id == account.ledger_account_id)
            .map(|x| x.amount)
            .sum();
        if e.status != crate::ledger::EntryStatus::Posted || on_bank != l.amount_minor {
            return Err(Error::invalid(
                "entry_id",
                format!(
                    "the entry does not move {} {} on {}",
                    l.amount(),
                    l.currency,
                    account.ledger_account
                ),
            ));
        }
        let r = NewReconciliation {
            line_id: l.id,
            kind: MatchKind::LedgerLine,
            payment_id: None,
            entry_id: Some(e.id),
            client_key: key,
            created_by: actor.author(),
        };
        let audit = audit_of(actor, &l, "match", json!({"entry_id": e.id}));
        store.link(actor.company_id, &r, audit).await?;
        return reconciliation(store, actor, l.id).await;
    }
    // Documents, or a party alone: a payment.
    let ids: Vec<InvoiceId> = input
        .documents
        .iter()
        .filter_map(|d| d.document_id.map(InvoiceId))
        .collect();
    let open = store.openness(actor.company_id, &ids).await?;
    let (kind, pin) = payment_for_line(&l, &account, input, &open)?;
    let inferred = input.party_id.is_none() && !input.documents.is_empty();
    let derived: Vec<usize> = input
        .documents
        .iter()
        .enumerate()
        .filter(|(_, d)| d.amount.trim().is_empty())
        .map(|(i, _)| i)
        .collect();
    payments::record_for_line(store, actor, kind, &pin, key.as_deref(), Some(l.id))
        .await
        .map_err(|e| {
            without_consequences(
                rename_fields(e, "allocations", "documents"),
                inferred,
                &derived,
            )
        })?;
    reconciliation(store, actor, l.id).await
}

/// The payment a line's match to documents (or a party alone) records, as billing's
/// payments service takes it: the line's amount, dated its booking day, the bank's ledger
/// account as the cash side, allocated to the documents in the order given (an empty share
/// takes what the document owes, by `open`, up to what is left), the party the documents'
/// when none is named. Accept and auto-match share it.
fn payment_for_line(
    l: &BankLine,
    account: &super::BankAccount,
    input: &AcceptInput,
    open: &HashMap<InvoiceId, payments::Openness>,
) -> Result<(PaymentKind, PaymentInput)> {
    let kind = if l.amount_minor > 0 {
        PaymentKind::Received
    } else {
        PaymentKind::Made
    };
    let precision = crate::money::precision_of(&l.currency);
    let amount = l.amount_minor.abs();
    let writeoff = if input.writeoff.trim().is_empty() {
        0
    } else {
        crate::money::parse_decimal(input.writeoff.trim(), precision).unwrap_or(0)
    };
    let mut left = amount + writeoff.max(0);
    let mut party = input.party_id;
    let mut allocations = Vec::with_capacity(input.documents.len());
    for (i, d) in input.documents.iter().enumerate() {
        let doc = d.document_id.and_then(|id| open.get(&InvoiceId(id)));
        if let (Some(doc), None) = (doc, party) {
            party = Some(doc.party_id.0);
        }
        if let (Some(doc), Some(p)) = (doc, party) {
            if doc.party_id.0 != p {
                return Err(Error::invalid(
                    format!("documents[{i}].document_id"),
                    "another party's document: a payment settles one party's documents",
                ));
            }
        }
        let text = if d.amount.trim().is_empty() {
            let owes = doc.map(|o| o.open()).unwrap_or(0);
            let take = owes.min(left).max(0);
            format_minor(take, precision)
        } else {
            d.amount.trim().to_string()
        };
        left -= crate::money::parse_decimal(&text, precision).unwrap_or(0);
        allocations.push(AllocationInput {
            document_id: d.document_id,
            amount: text,
        });
    }
    let reference = l
        .reference
        .clone()
        .or_else(|| l.end_to_end_id.clone())
        .unwrap_or_default()
        .chars()
        .take(payments::REFERENCE_MAX)
        .collect();
    Ok((
        kind,
        PaymentInput {
            party_id: party,
            date: l.booking_date.to_string(),
            amount: format_minor(amount, precision),
            account: account.ledger_account.clone(),
            reference,
            currency: l.currency.clone(),
            writeoff: input.writeoff.clone(),
            writeoff_account: input.writeoff_account.clone(),
            allocations,
        },
    ))
}

/// The errors a caller can act on, when a named document is not there: without `party_id`
/// the party is the documents' (none when none is found), and a share left empty is what
/// the document owes (nothing, when there is none); the document is named at fault, not a
/// party or an amount the caller never gave.
fn without_consequences(e: Error, inferred_party: bool, derived: &[usize]) -> Error {
    let Error::InvalidMany(list) = e else {
        return e;
    };
    let missing: HashSet<String> = list
        .iter()
        .filter(|x| x.field.starts_with("documents[") && x.field.ends_with("].document_id"))
        .map(|x| x.field.trim_end_matches(".document_id").to_string())
        .collect();
    if missing.is_empty() {
        return Error::InvalidMany(list);
    }
    let mut rest: Vec<_> = list
        .into_iter()
        .filter(|x| !(inferred_party && x.field == "party_id"))
        .filter(|x| {
            !derived.iter().any(|i| {
                let doc = format!("documents[{i}]");
                x.field == format!("{doc}.amount") && missing.contains(&doc)
            })
        })
        .collect();
    if rest.len() == 1 {
        let x = rest.remove(0);
        Error::Invalid {
            field: x.field,
            message: x.message,
        }
    } else {
        Error::InvalidMany(rest)
    }
}

/// The payments service names `allocations[i]`; the reconcile form calls them documents.
fn rename_fields(e: Error, from: &str, to: &str) -> Error {
    let f = |s: String| {
        if let Some(rest) = s.strip_prefix(from) {
            format!("{to}{rest}")
        } else {
            s
        }
    };
    match e {
        Error::Invalid { field, message } => Error::Invalid {
            field: f(field),
            message,
        },
        Error::InvalidMany(list) => Error::InvalidMany(
            list.into_iter()
                .map(|x| crate::error::FieldError {
                    field: f(x.field),
                    message: x.message,
                })
                .collect(),
        ),
        other => other,
    }
}

/// Posts an entry for a line (the bank's ledger account against `input.account`, the
/// line's amount and day) through the ledger's checks, and reconciles the line to it, in
/// one transaction.
pub async fn post_entry<S: ReconcileBackend>(
    store: &S,
    actor: &Actor,
    line: BankLineId,
    input: &EntryFromLine,
    key: Option<&str>,
) -> Result<Reconciliation> {
    super::gate(actor, Action::Create)?;
    let key = crate::idempotency::optional_key(key)?;
    if let Some(k) = &key {
        if let Some(done) = store.reconciled_by_key(actor.company_id, k).await? {
            return reconciliation(store, actor, done).await;
        }
    }
    let l = line_of(store, actor, line).await?;
    if l.status == LineStatus::Matched {
        return Err(Error::conflict(
            "the line is reconciled already; undo that first",
        ));
    }
    if input.account.trim().is_empty() {
        return Err(Error::invalid(
            "account",
            "choose the account of the other side (bank fees, interest)",
        ));
    }
    let account = super::accounts::get(store, actor, l.account_id).await?;
    let amount = l.amount();
    let other = crate::money::format_in(-l.amount_minor, &l.currency);
    let description = if input.description.trim().is_empty() {
        let d = l.description.trim();
        if d.is_empty() {
            format!("Bank line {}", l.booking_date)
        } else {
            d.chars().take(200).collect()
        }
    } else {
        input.description.trim().to_string()
    };
    let entry_in = EntryInput {
        date: l.booking_date.to_string(),
        journal: None,
        reference: l
            .reference
            .clone()
            .unwrap_or_default()
            .chars()
            .take(100)
            .collect(),
        description,
        comment: String::new(),
        lines: vec![
            LineInput {
                account: account.ledger_account.clone(),
                amount: Some(amount),
                commodity: Some(l.currency.clone()),
                ..LineInput::default()
            },
            LineInput {
                account: input.account.trim().to_string(),
                amount: Some(other),
                commodity: Some(l.currency.clone()),
                ..LineInput::default()
            },
        ],
    };
    let (entry, entry_audit) =
        crate::ledger::entries::prepare_posted(store, actor, &entry_in, None)
            .await
            .map_err(|e| match e {
                Error::Invalid { field, message } if field.starts_with("lines[1]") => {
                    Error::invalid("account", message)
                }
                Error::InvalidMany(list)
                    if list.iter().any(|f| f.field.starts_with("lines[1]")) =>
                {
                    let m = list
                        .iter()
                        .find(|f| f.field.starts_with("lines[1]"))
                        .map(|f| f.message.clone())
                        .unwrap_or_default();
                    Error::invalid("account", m)
                }
                other => other,
            })?;
    let r = NewReconciliation {
        line_id: l.id,
        kind: MatchKind::NewEntry,
        payment_id: None,
        entry_id: None,
        client_key: key,
        created_by: actor.author(),
    };
    let audit = audit_of(
        actor,
        &l,
        "post_entry",
        json!({"account": input.account.trim()}),
    );
    store
        .post_and_link(actor.company_id, &r, &entry, vec![entry_audit, audit])
        .await?;
    reconciliation(store, actor, l.id).await
}

/// Undoes a line's reconciliation: the line is unmatched again; an entry the
/// reconciliation posted is reversed (a linked reversal dated `date`, the line's day when
/// absent); a payment stays recorded and is proposed again.
pub async fn undo<S: ReconcileBackend>(
    store: &S,
    actor: &Actor,
    line: BankLineId,
    reason: &str,
) -> Result<()> {
    super::gate(actor, Action::Create)?;
    let l = line_of(store, actor, line).await?;
    let Some(r) = store.reconciliation_of(actor.company_id, line).await? else {
        return Err(Error::conflict("the line is not reconciled"));
    };
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Error::invalid("reason", "say why the match is undone"));
    }
    let mut audits = Vec::new();
    let reversal = match (r.kind, r.entry_id) {
        (MatchKind::NewEntry, Some(eid)) => {
            let e = crate::ledger::entries::get_entry(store, actor, eid).await?;
            let rev = crate::ledger::reversal_of(&e, l.booking_date, reason);
            audits.push(AuditDraft::by(
                actor,
                "ledger_entry",
                None,
                "reverse",
                json!({"reverses": eid, "reason": reason}),
            ));
            Some(rev)
        }
        _ => None,
    };
    audits.push(audit_of(
        actor,
        &l,
        "undo",
        json!({"kind": r.kind.as_str(), "payment_id": r.payment_id, "entry_id": r.entry_id, "reason": reason}),
    ));
    store
        .undo(
            actor.company_id,
            line,
            reversal.as_ref(),
            actor.author(),
            audits,
        )
        .await
}

/// A line's reconciliation.
pub async fn reconciliation<S: ReconcileStore>(
    store: &S,
    actor: &Actor,
    line: BankLineId,
) -> Result<Reconciliation> {
    super::gate(actor, Action::Read)?;
    store
        .reconciliation_of(actor.company_id, line)
        .await?
        .ok_or(Error::NotFound {
            entity: "reconciliation",
        })
}

/// Accepts every unmatched line of the statement whose proposals hold exactly one
/// candidate with both reference and amount (a document: for what it owes; a payment or
/// ledger line: linked). A candidate is taken by one line only. Each sure match is checked
/// by the rules `accept` applies (billing's payment check: the party, the account, what the
/// document owes, its currency), with what they read read once for the statement, and all
/// that pass are written in one transaction, where the store checks again what may have
/// changed meanwhile (the line, what the documents owe, closed periods, a payment or entry
/// taken by another line). A line whose match fails is counted and left; the others are
/// reconciled all the same.
pub async fn auto_match<S: ReconcileBackend>(
    store: &S,
    actor: &Actor,
    statement: StatementId,
) -> Result<AutoMatchReport> {
    super::gate(actor, Action::Create)?;
    let st = super::statements::get(store, actor, statement).await?;
    let lines = store.unmatched_lines(actor.company_id, statement).await?;
    let (account, ix) = index_for(store, actor, st.account_id).await?;
    let mut taken: HashSet<(CandidateKind, i64)> = HashSet::new();
    let mut sure: Vec<(&BankLine, Candidate)> = Vec::new();
    let mut report = AutoMatchReport::default();
    for l in &lines {
        let p = ix.propose_excluding(l, &taken);
        if let Some(best) = unambiguous(&p) {
            taken.insert((best.candidate.kind, best.candidate.id));
            sure.push((l, best.candidate.clone()));
        }
    }
    // What the payments' checks read, once: the documents (as the candidates were just
    // read: posted, open, in the account's currency; the store reads them again, locked),
    // their parties, the bank's ledger account, and the posting target of each side.
    let open: HashMap<InvoiceId, payments::Openness> = sure
        .iter()
        .filter(|(_, c)| c.kind == CandidateKind::Document)
        .filter_map(|(_, c)| Some((InvoiceId(c.id), openness_of(c, &account.currency)?)))
        .collect();
    let mut party_ids: Vec<crate::ids::PartyId> = open.values().map(|o| o.party_id).collect();
    party_ids.sort();
    party_ids.dedup();
    let parties: HashMap<crate::ids::PartyId, crate::billing::parties::Party> =
        if party_ids.is_empty() {
            HashMap::new()
        } else {
            store
                .parties_by_ids(actor.company_id, &party_ids)
                .await?
                .into_iter()
                .map(|p| (p.id, p))
                .collect()
        };
    let accounts = crate::ledger::accounts::TypedAccounts::load(
        store,
        actor.company_id,
        &[&account.ledger_account],
    )
    .await?;
    let mut targets: HashMap<(bool, String), Option<crate::billing::PostingTarget>> =
        HashMap::new();
    // A document in another currency than the books' is settled at its book value, which
    // the per-line path works out from the rates and what the document owes (rare: one
    // transaction per line).
    let foreign = account.currency != actor.company_currency;
    let (one_by_one, sure): (Vec<_>, Vec<_>) = sure
        .into_iter()
        .partition(|(_, c)| foreign && c.kind == CandidateKind::Document);
    for (l, _) in &one_by_one {
        let kind = if l.amount_minor > 0 {
            PaymentKind::Received
        } else {
            PaymentKind::Made
        };
        crate::billing::gate(actor, kind.domain(), Action::Create)?;
    }
    let mut writes = Vec::with_capacity(sure.len());
    for (l, c) in sure {
        match matched_write(
            store,
            actor,
            &account,
            l,
            &c,
            &open,
            &parties,
            &accounts,
            &mut targets,
        )
        .await
        {
            Ok(w) => writes.push(w),
            Err(Error::Forbidden) => return Err(Error::Forbidden),
            Err(Error::Internal(e)) => return Err(Error::Internal(e)),
            Err(_) => report.failed += 1,
        }
    }
    if !writes.is_empty() {
        for r in store
            .write_matches(actor.company_id, writes, actor.author())
            .await?
        {
            match r {
                Ok(()) => report.matched += 1,
                Err(Error::Internal(e)) => return Err(Error::Internal(e)),
                Err(_) => report.failed += 1,
            }
        }
    }
    for (l, c) in one_by_one {
        let input = AcceptInput {
            documents: vec![Share {
                document_id: Some(c.id),
                amount: String::new(),
            }],
            ..AcceptInput::default()
        };
        match accept(store, actor, l.id, &input, None).await {
            Ok(_) => report.matched += 1,
            Err(Error::Forbidden) => return Err(Error::Forbidden),
            Err(Error::Internal(e)) => return Err(Error::Internal(e)),
            Err(_) => report.failed += 1,
        }
    }
    report.left = u64::try_from(lines.len()).unwrap_or(0) - report.matched;
    Ok(report)
}

/// A document candidate as billing's payment check sees it: whose, which side, what it
/// still owes (the candidates' read sums its allocations), in the account's currency.
fn openness_of(c: &Candidate, currency: &str) -> Option<payments::Openness> {
    Some(payments::Openness {
        party_id: c.party_id?,
        kind: if c.amount > 0 {
            crate::billing::invoices::InvoiceKind::Invoice
        } else {
            crate::billing::invoices::InvoiceKind::Bill
        },
        currency: currency.to_string(),
        number: Some(c.number.clone()),
        total: c.amount.abs(),
        allocated: 0,
        book_total: None,
    })
}

/// One sure match as the store writes it, checked as `accept` checks it.
#[allow(clippy::too_many_arguments)]
async fn matched_write<S: ReconcileBackend>(
    store: &S,
    actor: &Actor,
    account: &super::BankAccount,
    l: &BankLine,
    c: &Candidate,
    open: &HashMap<InvoiceId, payments::Openness>,
    parties: &HashMap<crate::ids::PartyId, crate::billing::parties::Party>,
    accounts: &crate::ledger::accounts::TypedAccounts,
    targets: &mut HashMap<(bool, String), Option<crate::billing::PostingTarget>>,
) -> Result<MatchWrite> {
    let link = |kind: MatchKind, payment_id: Option<i64>, entry_id: Option<EntryId>, what| {
        // The candidate was read on the bank's ledger account and in its currency; the
        // sure match is for the line's amount (the store checks all three again).
        if c.amount != l.amount_minor || l.currency != account.currency {
            return Err(Error::conflict("the candidate no longer matches the line"));
        }
        Ok(MatchWrite::Link {
            reconciliation: NewReconciliation {
                line_id: l.id,
                kind,
                payment_id,
                entry_id,
                client_key: None,
                created_by: actor.author(),
            },
            account: account.ledger_account_id,
            amount: l.amount_minor,
            currency: l.currency.clone(),
            audit: audit_of(actor, l, "match", what),
        })
    };
    match c.kind {
        CandidateKind::Payment => link(
            MatchKind::Payment,
            Some(c.id),
            None,
            json!({"payment_id": c.id}),
        ),
        CandidateKind::LedgerLine => link(
            MatchKind::LedgerLine,
            None,
            Some(EntryId(c.id)),
            json!({"entry_id": EntryId(c.id)}),
        ),
        CandidateKind::Document => {
            let input = AcceptInput {
                documents: vec![Share {
                    document_id: Some(c.id),
                    amount: String::new(),
                }],
                ..AcceptInput::default()
            };
            let (kind, pin) = payment_for_line(l, account, &input, open)?;
            crate::billing::gate(actor, kind.domain(), Action::Create)?;
            let party = pin
                .party_id
                .and_then(|id| parties.get(&crate::ids::PartyId(id)));
            let mut p = payments::check_with(actor, kind, &pin, party, accounts, open)?;
            p.bank_line = Some(l.id);
            let name = party.map(|x| x.name.clone()).unwrap_or_default();
            let side = (kind == PaymentKind::Received, p.currency.clone());
            if !targets.contains_key(&side) {
                // Read once per side and currency; one that cannot be posted to (no
                // receivables account, no such currency in the books) fails its lines.
                let t = match crate::billing::posting(
                    store,
                    actor,
                    side.0,
                    &side.1,
                    crate::ledger::JournalKind::Bank,
                )
                .await
                {
                    Ok(t) => Some(t),
                    Err(e @ (Error::Forbidden | Error::Internal(_))) => return Err(e),
                    Err(_) => None,
                };
                targets.insert(side.clone(), t);
            }
            let Some(Some(target)) = targets.get(&side) else {
                return Err(Error::invalid(
                    "documents",
                    "the payment cannot be posted: see the billing settings and the books' currencies",
                ));
            };
            let entry = payments::entry_with(target, &p, &name)?;
            let audit = payments::post_audit(actor, &p);
            Ok(MatchWrite::Payment {
                payment: Box::new(p),
                entry,
                audit,
            })
        }
    }
}

/// The documents, payments and ledger lines a person may search for a line (the search box
/// of the reconcile view): the candidates whose number, reference or party contain `q`,
/// with the line's sign.
pub async fn search<S: ReconcileBackend>(
    store: &S,
    actor: &Actor,
    line: BankLineId,
    q: &str,
) -> Result<Vec<Candidate>> {
    super::gate(actor, Action::Read)?;
    let l = line_of(store, actor, line).await?;
    let account = super::accounts::get(store, actor, l.account_id).await?;
    let needle = q.trim().to_lowercase();
    let mut out: Vec<Candidate> = store
        .candidates(actor.company_id, &account)
        .await?
        .into_iter()
        .filter(|c| sees(actor, c))
        .filter(|c| (c.amount > 0) == (l.amount_minor > 0))
        .filter(|c| {
            needle.is_empty()
                || c.number.to_lowercase().contains(&needle)
                || c.reference.to_lowercase().contains(&needle)
                || c.party_name.to_lowercase().contains(&needle)
                || c.description.to_lowercase().contains(&needle)
        })
        .collect();
    out.sort_by(|a, b| a.date.cmp(&b.date).then(a.id.cmp(&b.id)));
    out.truncate(50);
    Ok(out)
}
