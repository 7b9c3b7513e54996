//! `/bank/statements/{id}/reconcile`: the reconcile view of a statement (its closing
//! balance against the bank ledger account's, each unmatched line with its proposals and
//! forms to accept, split, write off, record a payment on account or post an entry, a
//! search for another document; matched lines with what they matched and an undo), and
//! the forms' posts. Everything goes through `steward_core::bank::matching`.
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::Form;
use steward_core::auth::Action;
use steward_core::bank::matching::{self, AcceptInput, EntryFromLine, Share, StatementView};
use steward_core::bank::reconcile::{
    unambiguous, Candidate, CandidateKind, Proposal, Reconciliation,
};
use steward_core::bank::statements::{BankLine, BankStatement};
use steward_core::ids::{BankLineId, StatementId};
use steward_core::Error;

use crate::auth::PageActor;
use crate::forms::field;
use crate::pages::{chrome, fail, redirect_with, render, Chrome};
use crate::state::{AppState, Backend};

#[derive(Template)]
#[template(path = "bank/reconcile.html")]
struct ReconcilePage {
    chrome: Chrome,
    statement: BankStatement,
    view: StatementView,
    can_write: bool,
    /// The line a search or an error is about, and the search's results.
    focus: Option<i64>,
    q: String,
    found: Vec<Candidate>,
    error: Option<(i64, String)>,
}

impl ReconcilePage {
    fn money(&self, minor: &i64) -> String {
        self.chrome.num(self.statement.money(*minor))
    }
    fn opt_money(&self, minor: &Option<i64>) -> String {
        minor
            .as_ref()
            .map(|m| self.money(m))
            .unwrap_or_else(|| "not given".into())
    }
    fn reconciled_lines(&self) -> Vec<&Reconciliation> {
        let mut v: Vec<&Reconciliation> = self.view.reconciled.values().collect();
        v.sort_by_key(|r| r.line_id);
        v
    }
    fn sure(&self, p: &[Proposal], c: &Candidate) -> bool {
        unambiguous(p).is_some_and(|s| s.candidate.kind == c.kind && s.candidate.id == c.id)
    }
    fn kind_label(&self, c: &Candidate) -> &'static str {
        match c.kind {
            CandidateKind::Document if c.amount > 0 => "Invoice",
            CandidateKind::Document => "Bill",
            CandidateKind::Payment => "Payment",
            CandidateKind::LedgerLine => "Ledger entry",
        }
    }
    fn href(&self, c: &Candidate) -> String {
        match c.kind {
            CandidateKind::Document => format!("/billing/invoices/{}", c.id),
            CandidateKind::Payment => format!("/billing/payments/{}", c.id),
            CandidateKind::LedgerLine => format!("/ledger/entries/{}", c.id),
        }
    }
    fn reasons(&self, p: &Proposal) -> String {
        p.reasons.labels().join(", ")
    }
    fn error_for(&self, line: &BankLine) -> Option<String> {
        self.error
            .as_ref()
            .filter(|(l, _)| *l == line.id.0)
            .map(|(_, m)| m.clone())
    }
    fn found_for(&self, line: &BankLine) -> bool {
        self.focus == Some(line.id.0)
    }
    fn target(&self, c: &Candidate) -> String {
        format!("{}:{}", c.kind.as_str(), c.id)
    }
}

async fn view_page<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    id: StatementId,
    focus: Option<i64>,
    q: String,
    error: Option<(i64, String)>,
) -> Response {
    let view = match matching::statement_view(&state.store, &pa.actor, id).await {
        Ok(v) => v,
        Err(e) => return fail(state, pa, e).await,
    };
    let mut found = Vec::new();
    if let (Some(line), false) = (focus, q.trim().is_empty()) {
        match matching::search(&state.store, &pa.actor, BankLineId(line), &q).await {
            Ok(f) => found = f,
            Err(e) => return fail(state, pa, e).await,
        }
    }
    let title = format!("Reconcile statement {}", view.statement.id);
    let status = crate::pages::form_status(error.is_some());
    render(
        &ReconcilePage {
            chrome: chrome(state, pa, &title, "/bank").await,
            statement: view.statement.clone(),
            can_write: steward_core::bank::allowed(&pa.actor, Action::Create),
            view,
            focus,
            q,
            found,
            error,
        },
        status,
    )
}

pub(super) async fn page<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Response {
    let focus = field(&pairs, "line").parse::<i64>().ok();
    view_page(
        &state,
        &pa,
        StatementId(id),
        focus,
        field(&pairs, "q"),
        None,
    )
    .await
}

fn back(statement: i64, line: i64) -> String {
    format!("/bank/statements/{statement}/reconcile#line-{line}")
}

/// The outcome of a line's form: back to the view with a message, or the view again with
/// the error beside the line.
async fn after<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    line: BankLineId,
    statement: i64,
    r: steward_core::Result<String>,
) -> Response {
    match r {
        Ok(message) => redirect_with(&back(statement, line.0), &message),
        Err(e @ (Error::Invalid { .. } | Error::InvalidMany(_) | Error::Conflict { .. })) => {
            let message = match &e {
                Error::Invalid { field, message } => format!("{field}: {message}"),
                Error::InvalidMany(list) => list
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.message))
                    .collect::<Vec<_>>()
                    .join("; "),
                other => other.to_string(),
            };
            view_page(
                state,
                pa,
                StatementId(statement),
                Some(line.0),
                String::new(),
                Some((line.0, message)),
            )
            .await
        }
        Err(e) => fail(state, pa, e).await,
    }
}

fn describe(r: &Reconciliation) -> String {
    match (&r.payment_number, r.documents.is_empty()) {
        (Some(n), false) => format!(
            "{} {n} for {}.",
            r.kind.label(),
            r.documents
                .iter()
                .map(|d| d.1.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        (Some(n), true) => format!("{} {n}.", r.kind.label()),
        _ => format!(
            "{}{}.",
            r.kind.label(),
            r.entry_id
                .map(|e| format!(" (entry {e})"))
                .unwrap_or_default()
        ),
    }
}

async fn statement_of<S: Backend>(
    state: &AppState<S>,
    pa: &PageActor,
    line: BankLineId,
) -> Result<i64, Response> {
    match matching::proposals(&state.store, &pa.actor, line).await {
        Ok((l, _, _)) => Ok(l.statement_id.0),
        Err(e) => Err(fail(state, pa, e).await),
    }
}

/// `target` = `document:ID`, `payment:ID` or `ledger_line:ID` (a proposal's button); or
/// the split form's `document_id`/`amount` pairs, `party_id`, `writeoff`,
/// `writeoff_account`.
pub(super) async fn accept<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let line = BankLineId(id);
    let statement = match statement_of(&state, &pa, line).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let mut input = AcceptInput {
        writeoff: field(&pairs, "writeoff"),
        writeoff_account: field(&pairs, "writeoff_account"),
        ..AcceptInput::default()
    };
    let target = field(&pairs, "target");
    let parse = |s: &str| s.trim().parse::<i64>().ok();
    if let Some((kind, tid)) = target.split_once(':') {
        match kind {
            "document" => input.documents.push(Share {
                document_id: parse(tid),
                amount: String::new(),
            }),
            "payment" => input.payment_id = parse(tid),
            "ledger_line" => input.entry_id = parse(tid),
            _ => {}
        }
    } else {
        let ids: Vec<&String> = pairs
            .iter()
            .filter(|(k, _)| k == "document_id")
            .map(|(_, v)| v)
            .collect();
        let amounts: Vec<&String> = pairs
            .iter()
            .filter(|(k, _)| k == "amount")
            .map(|(_, v)| v)
            .collect();
        for (i, d) in ids.iter().enumerate() {
            if d.trim().is_empty() {
                continue;
            }
            input.documents.push(Share {
                document_id: parse(d),
                amount: amounts
                    .get(i)
                    .map(|a| a.trim().to_string())
                    .unwrap_or_default(),
            });
        }
        input.party_id = parse(&field(&pairs, "party_id"));
    }
    let r = matching::accept(&state.store, &pa.actor, line, &input, None)
        .await
        .map(|r| describe(&r));
    after(&state, &pa, line, statement, r).await
}

pub(super) async fn entry<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let line = BankLineId(id);
    let statement = match statement_of(&state, &pa, line).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let input = EntryFromLine {
        account: field(&pairs, "account"),
        description: field(&pairs, "description"),
    };
    let r = matching::post_entry(&state.store, &pa.actor, line, &input, None)
        .await
        .map(|r| describe(&r));
    after(&state, &pa, line, statement, r).await
}

pub(super) async fn undo<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let line = BankLineId(id);
    let statement = match statement_of(&state, &pa, line).await {
        Ok(s) => s,
        Err(r) => return r,
    };
    let r = matching::undo(&state.store, &pa.actor, line, &field(&pairs, "reason"))
        .await
        .map(|()| "The match was undone; the line is unmatched again.".to_string());
    after(&state, &pa, line, statement, r).await
}

pub(super) async fn auto_match<S: Backend>(
    State(state): State<AppState<S>>,
    pa: PageActor,
    Path(id): Path<i64>,
) -> Response {
    match matching::auto_match(&state.store, &pa.actor, StatementId(id)).await {
        Ok(r) => redirect_with(
            &format!("/bank/statements/{id}/reconcile"),
            &format!(
                "Auto-match reconciled {} line(s); {} left to match{}.",
                r.matched,
                r.left,
                if r.failed > 0 {
                    format!(" ({} could not be accepted)", r.failed)
                } else {
                    String::new()
                }
            ),
        ),
        Err(e) => fail(&state, &pa, e).await,
    }
}
