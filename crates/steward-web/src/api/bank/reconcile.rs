//! Reconciliation: `/api/v1/bank/statements/{id}/reconcile` (the view: balance check,
//! unmatched lines with proposals, what matched lines matched), `.../auto-match`, and per
//! line `/api/v1/bank/lines/{id}/proposals`, `/match`, `/entry`, `/undo`. Every handler
//! calls `steward_core::bank::matching`, which authorizes.
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use steward_core::bank::matching::{self, AcceptInput, AutoMatchReport, EntryFromLine, Share};
use steward_core::bank::reconcile::{BalanceCheck, Candidate, Proposal, Reconciliation};
use steward_core::bank::statements::money;
use steward_core::ids::{BankLineId, StatementId};
use utoipa::{IntoParams, ToSchema};

use super::statements::BankLineOut;
use crate::api::{created, ok, ApiJson};
use crate::auth::ApiActor;
use crate::error::{ApiError, Problem};
use crate::state::{AppState, Backend};

/// Something a line may be matched to.
#[derive(Serialize, ToSchema)]
pub struct BankCandidateOut {
    /// `document` (an open invoice or bill), `payment` (recorded before, not reconciled)
    /// or `ledger_line` (an entry on the bank's ledger account, not reconciled).
    kind: String,
    /// The document's, payment's or entry's id.
    id: i64,
    number: String,
    reference: String,
    party_id: Option<i64>,
    party_name: String,
    date: String,
    due_date: Option<String>,
    /// Signed as the bank sees it (money in positive): what a document owes, what a
    /// payment or ledger line moved.
    amount: String,
    amount_minor: i64,
    description: String,
}

impl BankCandidateOut {
    fn of(c: Candidate, currency: &str) -> Self {
        BankCandidateOut {
            kind: c.kind.as_str().to_string(),
            id: c.id,
            amount: money(c.amount, currency),
            amount_minor: c.amount,
            number: c.number,
            reference: c.reference,
            party_id: c.party_id.map(|p| p.0),
            party_name: c.party_name,
            date: c.date.to_string(),
            due_date: c.due_date.map(|d| d.to_string()),
            description: c.description,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct BankProposalOut {
    candidate: BankCandidateOut,
    /// The rules it met: `reference`, `amount`, `IBAN`, `name`.
    reasons: Vec<String>,
    /// Reference 8, amount 4, IBAN 2, name 1, added up.
    score: u32,
    /// Whether auto-match would accept it (the one candidate with reference and amount).
    sure: bool,
}

fn proposals_out(p: Vec<Proposal>, currency: &str) -> Vec<BankProposalOut> {
    let sure =
        steward_core::bank::reconcile::unambiguous(&p).map(|s| (s.candidate.kind, s.candidate.id));
    p.into_iter()
        .map(|p| BankProposalOut {
            sure: sure == Some((p.candidate.kind, p.candidate.id)),
            reasons: p.reasons.labels().into_iter().map(str::to_string).collect(),
            score: p.score,
            candidate: BankCandidateOut::of(p.candidate, currency),
        })
        .collect()
}

/// What a line was matched to.
#[derive(Serialize, ToSchema)]
pub struct BankReconciliationOut {
    line_id: i64,
    /// `new_payment`, `payment`, `ledger_line` or `new_entry`.
    kind: String,
    payment_id: Option<i64>,
    payment_number: Option<String>,
    entry_id: Option<i64>,
    /// The documents the payment settled.
    documents: Vec<BankMatchedDocumentOut>,
    created_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct BankMatchedDocumentOut {
    id: i64,
    number: String,
}

impl From<Reconciliation> for BankReconciliationOut {
    fn from(r: Reconciliation) -> Self {
        BankReconciliationOut {
            line_id: r.line_id.0,
            kind: r.kind.as_str().to_string(),
            payment_id: r.payment_id,
            payment_number: r.payment_number,
            entry_id: r.entry_id.map(|e| e.0),
            documents: r
                .documents
                .into_iter()
                .map(|(id, number)| BankMatchedDocumentOut { id: id.0, number })
                .collect(),
            created_at: r.created_at.rfc3339(),
        }
    }
}

/// A line, its proposals (unmatched) or its reconciliation (matched).
#[derive(Serialize, ToSchema)]
pub struct BankLineProposalsOut {
    line: BankLineOut,
    proposals: Vec<BankProposalOut>,
    reconciliation: Option<BankReconciliationOut>,
}

#[derive(Serialize, ToSchema)]
pub struct BankBalanceCheckOut {
    /// The statement's last day, the day both balances are taken.
    date: Option<String>,
    /// The statement's closing balance; null when the file had none.
    statement: Option<String>,
    /// The bank ledger account's posted balance at `date`.
    ledger: String,
    /// Statement less ledger; null without a closing balance.
    difference: Option<String>,
    unmatched: i64,
}

impl BankBalanceCheckOut {
    fn of(b: BalanceCheck, currency: &str) -> Self {
        BankBalanceCheckOut {
            date: b.date.map(|d| d.to_string()),
            statement: b.statement.map(|m| money(m, currency)),
            ledger: money(b.ledger, currency),
            difference: b.difference.map(|m| money(m, currency)),
            unmatched: b.unmatched,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct BankReconcileOut {
    statement_id: i64,
    currency: String,
    balance: BankBalanceCheckOut,
    /// The unmatched lines, each with its proposals.
    unmatched: Vec<BankLineProposalsOut>,
    /// What the statement's matched lines matched.
    reconciled: Vec<BankReconciliationOut>,
}

/// A statement's reconcile view: its closing balance against the bank ledger account's at
/// its last day, each unmatched line with its proposals (best first), and what the matched
/// lines matched (`accounting.read`).
#[utoipa::path(get, path = "/api/v1/bank/statements/{id}/reconcile", tag = "bank", params(("id" = i64, Path)),
    responses((status = 200, body = BankReconcileOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn view<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let v = matching::statement_view(&state.store, &a.actor, StatementId(id))
        .await
        .map_err(err)?;
    let currency = v.statement.currency.clone();
    let mut reconciled: Vec<BankReconciliationOut> =
        v.reconciled.into_values().map(Into::into).collect();
    reconciled.sort_by_key(|r| r.line_id);
    Ok(ok(BankReconcileOut {
        statement_id: v.statement.id.0,
        balance: BankBalanceCheckOut::of(v.balance, &currency),
        unmatched: v
            .unmatched
            .into_iter()
            .map(|(l, p)| BankLineProposalsOut {
                line: BankLineOut::from(l),
                proposals: proposals_out(p, &currency),
                reconciliation: None,
            })
            .collect(),
        reconciled,
        currency,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct BankAutoMatchOut {
    /// Lines reconciled now.
    matched: u64,
    /// Lines still unmatched.
    left: u64,
    /// Lines whose sure match could not be accepted (taken meanwhile, a closed period).
    failed: u64,
}

impl From<AutoMatchReport> for BankAutoMatchOut {
    fn from(r: AutoMatchReport) -> Self {
        BankAutoMatchOut {
            matched: r.matched,
            left: r.left,
            failed: r.failed,
        }
    }
}

/// Accepts every unmatched line of the statement whose proposals hold exactly one
/// candidate with both reference and amount (`accounting.create`; a payment also needs
/// `receivables.create` or `payables.create`). Running it again matches nothing more.
#[utoipa::path(post, path = "/api/v1/bank/statements/{id}/auto-match", tag = "bank", params(("id" = i64, Path)),
    responses((status = 200, body = BankAutoMatchOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn auto_match<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let r = matching::auto_match(&state.store, &a.actor, StatementId(id))
        .await
        .map_err(err)?;
    Ok(ok(BankAutoMatchOut::from(r)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BankProposalParams {
    /// Instead of the proposals: the candidates whose number, reference, party or text
    /// contain this (the view's search for another document).
    #[param(schema_with = crate::api::contract::opt_line::<100>)]
    q: Option<String>,
}

/// A line's proposals, best first (unmatched), or what it matched (matched); with `q`, the
/// candidates found by that text (`accounting.read`).
#[utoipa::path(get, path = "/api/v1/bank/lines/{id}/proposals", tag = "bank", params(("id" = i64, Path), BankProposalParams),
    responses((status = 200, body = BankLineProposalsOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn proposals<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    Query(p): Query<BankProposalParams>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    // The search text as declared: one line of at most 100 characters, no control characters.
    if let Some(q) = p.q.as_deref() {
        if q.chars().count() > 100 || q.chars().any(|c| c.is_control() && !c.is_whitespace()) {
            return Err(err(steward_core::Error::invalid(
                "q",
                "one line of at most 100 characters",
            )));
        }
    }
    let (line, found, r) = matching::proposals(&state.store, &a.actor, BankLineId(id))
        .await
        .map_err(err)?;
    let currency = line.currency.clone();
    let proposals = match p.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        Some(q) if r.is_none() => matching::search(&state.store, &a.actor, line.id, q)
            .await
            .map_err(err)?
            .into_iter()
            .map(|c| BankProposalOut {
                candidate: BankCandidateOut::of(c, &currency),
                reasons: Vec::new(),
                score: 0,
                sure: false,
            })
            .collect(),
        _ => proposals_out(found, &currency),
    };
    Ok(ok(BankLineProposalsOut {
        line: BankLineOut::from(line),
        proposals,
        reconciliation: r.map(Into::into),
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BankShareIn {
    /// An open invoice (money in) or bill (money out).
    #[schema(schema_with = crate::api::contract::id)]
    document_id: i64,
    /// What of the line goes to it; absent: what it owes, up to what is left.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_positive_amount)]
    amount: Option<String>,
}

/// One of: `documents` (one, or several to split; optionally `writeoff` and
/// `writeoff_account`), `party_id` alone (a payment on account), `payment_id`, `entry_id`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BankMatchIn {
    #[serde(default)]
    #[schema(max_items = 500)]
    documents: Vec<BankShareIn>,
    /// The customer (money in) or vendor (money out) of a payment on account.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_id)]
    party_id: Option<i64>,
    /// A difference to write off (the documents owe more than the line paid).
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_positive_amount)]
    writeoff: Option<String>,
    /// Where the difference goes (name or code); needed with `writeoff`.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<400>)]
    writeoff_account: Option<String>,
    /// A payment recorded before on the bank's ledger account, for the line's amount.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_id)]
    payment_id: Option<i64>,
    /// A posted entry moving the line's amount on the bank's ledger account.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_id)]
    entry_id: Option<i64>,
}

/// Reconciles a line (`accounting.create`; recording a payment also `receivables.create`
/// or `payables.create`). Against documents (or a party alone) a payment is recorded, dated
/// the line's booking day, through the bank's ledger account and allocated to them; a
/// payment or entry posted before is only linked. A line reconciled already is 409; with an
/// `Idempotency-Key` a retry returns the first reconciliation.
#[utoipa::path(post, path = "/api/v1/bank/lines/{id}/match", tag = "bank", params(("id" = i64, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key returns the first reconciliation; it never records twice")),
    request_body = BankMatchIn,
    responses((status = 201, body = BankReconciliationOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn accept<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<BankMatchIn>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let key = crate::api::idempotency_key(&headers).map_err(err)?;
    let input = AcceptInput {
        documents: b
            .documents
            .into_iter()
            .map(|d| Share {
                document_id: Some(d.document_id),
                amount: d.amount.unwrap_or_default(),
            })
            .collect(),
        party_id: b.party_id,
        writeoff: b.writeoff.unwrap_or_default(),
        writeoff_account: b.writeoff_account.unwrap_or_default(),
        payment_id: b.payment_id,
        entry_id: b.entry_id,
    };
    let r = matching::accept(
        &state.store,
        &a.actor,
        BankLineId(id),
        &input,
        key.as_deref(),
    )
    .await
    .map_err(err)?;
    Ok(created(BankReconciliationOut::from(r)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BankLineEntryIn {
    /// The other side (name or code): bank fees, interest.
    #[schema(schema_with = crate::api::contract::line::<400, true>)]
    account: String,
    /// The line's description when absent.
    #[serde(default)]
    #[schema(schema_with = crate::api::contract::opt_line::<200>)]
    description: Option<String>,
}

/// Posts an entry for a line with nothing to match (the bank's ledger account against
/// `account`, the line's amount and day) and reconciles the line to it, in one transaction
/// (`accounting.create`). An entry above the approval threshold is 409.
#[utoipa::path(post, path = "/api/v1/bank/lines/{id}/entry", tag = "bank", params(("id" = i64, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key returns the first reconciliation; it never posts twice")),
    request_body = BankLineEntryIn,
    responses((status = 201, body = BankReconciliationOut), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn entry<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    headers: HeaderMap,
    ApiJson(b): ApiJson<BankLineEntryIn>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    let key = crate::api::idempotency_key(&headers).map_err(err)?;
    let input = EntryFromLine {
        account: b.account,
        description: b.description.unwrap_or_default(),
    };
    let r = matching::post_entry(
        &state.store,
        &a.actor,
        BankLineId(id),
        &input,
        key.as_deref(),
    )
    .await
    .map_err(err)?;
    Ok(created(BankReconciliationOut::from(r)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BankUndoIn {
    /// Why the match is undone (kept with the audit event and a reversal).
    #[schema(schema_with = crate::api::contract::nonblank::<200>)]
    reason: String,
}

/// Undoes a line's reconciliation (`accounting.create`): the line is unmatched again; an
/// entry it posted is reversed; a payment it recorded stays and is proposed again. A line
/// not reconciled is 409.
#[utoipa::path(post, path = "/api/v1/bank/lines/{id}/undo", tag = "bank", params(("id" = i64, Path)),
    request_body = BankUndoIn,
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn undo<S: Backend>(
    State(state): State<AppState<S>>,
    a: ApiActor,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<BankUndoIn>,
) -> Result<Response, ApiError> {
    let err = |e| ApiError::new(e, &a.request_id);
    matching::undo(&state.store, &a.actor, BankLineId(id), &b.reason)
        .await
        .map_err(err)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
