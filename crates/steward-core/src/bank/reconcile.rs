//! Reconciliation: matching imported statement lines to what the books already hold.
//!
//! A line is matched to one of three kinds of candidate, all in the bank account's currency:
//! - an **open document** (a posted invoice for money in, a bill for money out) by what it
//!   still owes: accepting records a payment through billing's payments service, dated the
//!   line's booking date, with the bank account's ledger account as the cash side, allocated
//!   to the document(s) (several: a split; a small difference: a write-off to a chosen
//!   account). With no document but a party, the payment stays as credit on the party.
//! - a **payment recorded before** on the bank's ledger account and not reconciled yet:
//!   accepting only links it (the bank confirms it; nothing is posted again).
//! - a **ledger line** on the bank's ledger account, of an entry that is no payment's, not
//!   reconciled yet: accepting only links it. A line with nothing to match (a bank fee,
//!   interest) can post an entry against a chosen account through the ledger's writer.
//!
//! Rules, ranked (a candidate's score adds them): the document's or payment's number (or
//! the document's reference) is one of the line's words ([`REFERENCE`]); the amount is
//! exactly what it owes or holds ([`AMOUNT`]); the counterparty IBAN is the party's
//! ([`IBAN`]); the counterparty name is the party's name once legal forms and punctuation
//! are dropped ([`NAME`]). The matching here is pure (no store): [`Index`] is built once
//! from the candidates and answers each line by hash lookups, so a statement of 10,000
//! lines against 10,000 documents takes milliseconds.
//!
//! A line is reconciled at most once: the service refuses a matched line and the store's
//! transaction flips the line from `unmatched` to `matched` only if it still is, under a
//! unique index on the line's open reconciliation (two racing requests: one wins). Undoing
//! a reconciliation marks it undone (kept, with who and when) and sets the line unmatched;
//! an entry it posted is reversed by a linked reversal; a payment it recorded stays (it is
//! the books' record of money received) and is proposed again.
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::future::Future;

use super::statements::BankLine;
use crate::audit::AuditDraft;
use crate::ids::{BankLineId, CompanyId, EntryId, InvoiceId, PartyId, StatementId, UserId};
use crate::Result;

/// Score of the number or reference found among the line's words.
pub const REFERENCE: u32 = 8;
/// Score of the exact amount.
pub const AMOUNT: u32 = 4;
/// Score of the counterparty IBAN being the party's.
pub const IBAN: u32 = 2;
/// Score of the counterparty name being the party's.
pub const NAME: u32 = 1;
/// Proposals shown per line.
pub const MAX_PROPOSALS: usize = 8;

/// What a candidate is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CandidateKind {
    /// A posted invoice or bill, by what it still owes.
    Document,
    /// A payment recorded on the bank's ledger account, not reconciled yet.
    Payment,
    /// A ledger line on the bank's ledger account, not reconciled yet.
    LedgerLine,
}

impl CandidateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CandidateKind::Document => "document",
            CandidateKind::Payment => "payment",
            CandidateKind::LedgerLine => "ledger_line",
        }
    }
}

/// Something a line may be matched to. `amount` is signed as the bank sees it: money in
/// positive (an invoice's open amount, a payment received, a debit of the bank account).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    pub kind: CandidateKind,
    /// The document's, payment's or entry's id.
    pub id: i64,
    /// `INV-2026-0001`, `RCV-2026-0001`, or the entry's reference.
    pub number: String,
    /// The document's reference (a customer's order number), or the payment's.
    pub reference: String,
    pub party_id: Option<PartyId>,
    pub party_name: String,
    /// The party's IBAN (electronic form), empty when none.
    pub party_iban: String,
    /// Issue date, payment date or entry date.
    pub date: NaiveDate,
    pub due_date: Option<NaiveDate>,
    pub amount: i64,
    pub description: String,
}

/// Which rules a proposal met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Reasons {
    pub reference: bool,
    pub amount: bool,
    pub iban: bool,
    pub name: bool,
}

impl Reasons {
    pub fn score(self) -> u32 {
        u32::from(self.reference) * REFERENCE
            + u32::from(self.amount) * AMOUNT
            + u32::from(self.iban) * IBAN
            + u32::from(self.name) * NAME
    }
    /// The words a page shows.
    pub fn labels(self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.reference {
            v.push("reference");
        }
        if self.amount {
            v.push("amount");
        }
        if self.iban {
            v.push("IBAN");
        }
        if self.name {
            v.push("name");
        }
        v
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proposal {
    pub candidate: Candidate,
    pub reasons: Reasons,
    pub score: u32,
}

/// The words of a text that may be a number or reference: runs of letters, digits, `-`,
/// `/`, `_` and `.`, upper-cased, without trailing punctuation, at least 3 long.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_alphanumeric() || matches!(c, '-' | '/' | '_' | '.')))
        .map(|w| w.trim_matches(|c: char| matches!(c, '-' | '/' | '_' | '.')))
        .filter(|w| w.chars().count() >= 3)
        .map(str::to_uppercase)
}

/// A reference as compared: upper case, trimmed.
pub fn reference_key(s: &str) -> String {
    s.trim().to_uppercase()
}

const LEGAL_FORMS: &[&str] = &[
    "gmbh", "ag", "kg", "ug", "ltd", "limited", "inc", "llc", "plc", "sa", "sas", "sarl", "bv",
    "nv", "srl", "spa", "oy", "ab", "as", "co", "corp", "company", "the", "und", "and",
];

/// A name as compared: lower-case letters and digits of its words, legal forms dropped
/// (`"ACME GmbH & Co. KG"` and `"Acme"` are the same).
pub fn name_key(s: &str) -> String {
    s.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !LEGAL_FORMS.contains(w))
        .collect::<Vec<_>>()
        .join(" ")
}

/// An IBAN as compared: letters and digits, upper case.
pub fn iban_key(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The candidates, indexed by number and reference, amount, IBAN and name.
#[derive(Debug, Default)]
pub struct Index {
    candidates: Vec<Candidate>,
    by_reference: HashMap<String, Vec<usize>>,
    by_amount: HashMap<i64, Vec<usize>>,
    by_iban: HashMap<String, Vec<usize>>,
    by_name: HashMap<String, Vec<usize>>,
}

impl Index {
    pub fn new(candidates: Vec<Candidate>) -> Index {
        let mut ix = Index::default();
        for (i, c) in candidates.iter().enumerate() {
            let mut refs: HashSet<String> = HashSet::new();
            for r in [&c.number, &c.reference] {
                let k = reference_key(r);
                if k.chars().count() >= 3 {
                    refs.insert(k);
                }
            }
            for k in refs {
                ix.by_reference.entry(k).or_default().push(i);
            }
            ix.by_amount.entry(c.amount).or_default().push(i);
            let iban = iban_key(&c.party_iban);
            if !iban.is_empty() {
                ix.by_iban.entry(iban).or_default().push(i);
            }
            let name = name_key(&c.party_name);
            if !name.is_empty() {
                ix.by_name.entry(name).or_default().push(i);
            }
        }
        ix.candidates = candidates;
        ix
    }

    pub fn len(&self) -> usize {
        self.candidates.len()
    }

    pub fn is_empty(&self) -> bool {
        self.candidates.is_empty()
    }

    /// The proposals for a line, best first (score, then the closest date, then the lowest
    /// id), at most [`MAX_PROPOSALS`]. A candidate is proposed when at least one rule found
    /// it and its sign is the line's; a ledger line or payment only for the exact amount.
    pub fn propose(&self, line: &BankLine) -> Vec<Proposal> {
        self.propose_excluding(line, &HashSet::new())
    }

    /// As [`Index::propose`], leaving out candidates taken already (by kind and id).
    pub fn propose_excluding(
        &self,
        line: &BankLine,
        taken: &HashSet<(CandidateKind, i64)>,
    ) -> Vec<Proposal> {
        let mut found: HashMap<usize, Reasons> = HashMap::new();
        let text = [
            line.reference.as_deref().unwrap_or(""),
            line.end_to_end_id.as_deref().unwrap_or(""),
            &line.description,
        ];
        for t in text {
            for w in words(t) {
                if let Some(ids) = self.by_reference.get(&w) {
                    for i in ids {
                        found.entry(*i).or_default().reference = true;
                    }
                }
            }
            // A whole reference field that has spaces in it (`PO 4711`).
            let whole = reference_key(t);
            if whole.contains(' ') {
                if let Some(ids) = self.by_reference.get(&whole) {
                    for i in ids {
                        found.entry(*i).or_default().reference = true;
                    }
                }
            }
        }
        if let Some(ids) = self.by_amount.get(&line.amount_minor) {
            for i in ids {
                found.entry(*i).or_default().amount = true;
            }
        }
        if let Some(iban) = line.counterparty_iban.as_deref().map(iban_key) {
            if let Some(ids) = self.by_iban.get(&iban).filter(|_| !iban.is_empty()) {
                for i in ids {
                    found.entry(*i).or_default().iban = true;
                }
            }
        }
        if let Some(name) = line.counterparty_name.as_deref().map(name_key) {
            if let Some(ids) = self.by_name.get(&name).filter(|_| !name.is_empty()) {
                for i in ids {
                    found.entry(*i).or_default().name = true;
                }
            }
        }
        let mut out: Vec<Proposal> = found
            .into_iter()
            .filter_map(|(i, mut reasons)| {
                let c = self.candidates.get(i)?;
                if taken.contains(&(c.kind, c.id)) {
                    return None;
                }
                if c.amount == 0 || (c.amount > 0) != (line.amount_minor > 0) {
                    return None;
                }
                // The amount rule only for the exact amount (set above); a party's other
                // documents found by IBAN or name alone are proposals too, a payment or
                // ledger line only for its exact amount.
                reasons.amount = c.amount == line.amount_minor;
                if c.kind != CandidateKind::Document && !reasons.amount {
                    return None;
                }
                Some(Proposal {
                    candidate: c.clone(),
                    score: reasons.score(),
                    reasons,
                })
            })
            .collect();
        let day = line.booking_date;
        out.sort_by(|a, b| {
            b.score
                .cmp(&a.score)
                .then_with(|| {
                    let d = |p: &Proposal| (p.candidate.date - day).num_days().abs();
                    d(a).cmp(&d(b))
                })
                .then_with(|| a.candidate.id.cmp(&b.candidate.id))
        });
        out.truncate(MAX_PROPOSALS);
        out
    }
}

/// The one proposal auto-match accepts: exactly one candidate has both the reference and
/// the amount.
pub fn unambiguous(proposals: &[Proposal]) -> Option<&Proposal> {
    let mut sure = proposals
        .iter()
        .filter(|p| p.reasons.reference && p.reasons.amount);
    let first = sure.next()?;
    if sure.next().is_some() {
        None
    } else {
        Some(first)
    }
}

/// How a line was reconciled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// A payment recorded for it (against documents, or on account).
    NewPayment,
    /// A payment recorded before, linked.
    Payment,
    /// A ledger line posted before, linked.
    LedgerLine,
    /// An entry posted for it (a bank fee, interest).
    NewEntry,
}

impl MatchKind {
    pub const ALL: &'static [MatchKind] = &[
        MatchKind::NewPayment,
        MatchKind::Payment,
        MatchKind::LedgerLine,
        MatchKind::NewEntry,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKind::NewPayment => "new_payment",
            MatchKind::Payment => "payment",
            MatchKind::LedgerLine => "ledger_line",
            MatchKind::NewEntry => "new_entry",
        }
    }
    pub fn parse(s: &str) -> Option<MatchKind> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            MatchKind::NewPayment => "Payment recorded",
            MatchKind::Payment => "Payment matched",
            MatchKind::LedgerLine => "Ledger line matched",
            MatchKind::NewEntry => "Entry posted",
        }
    }
}

/// A line's reconciliation, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reconciliation {
    pub id: i64,
    pub line_id: BankLineId,
    pub kind: MatchKind,
    pub payment_id: Option<i64>,
    /// The payment's number, when a payment.
    pub payment_number: Option<String>,
    pub entry_id: Option<EntryId>,
    /// The documents the payment settled (numbers), when a payment.
    pub documents: Vec<(InvoiceId, String)>,
    pub created_by: Option<UserId>,
    pub created_at: crate::time::Timestamp,
}

/// A reconciliation to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReconciliation {
    pub line_id: BankLineId,
    pub kind: MatchKind,
    pub payment_id: Option<i64>,
    pub entry_id: Option<EntryId>,
    pub client_key: Option<String>,
    pub created_by: Option<UserId>,
}

/// One sure match of auto-match, checked by the service, for the store to write with the
/// others in one transaction ([`ReconcileStore::write_matches`]).
#[derive(Debug, Clone)]
pub enum MatchWrite {
    /// A payment recorded for the line (`payment.bank_line`), settling documents: as
    /// billing's `insert_payment` writes it, with its entry and audit event.
    Payment {
        payment: Box<crate::billing::payments::NewPayment>,
        entry: crate::ledger::NewEntry,
        audit: AuditDraft,
    },
    /// The line linked to a payment (`payment_id`; the store adds its entry) or a ledger
    /// entry (`entry_id`) posted before, which must still move `amount` (signed as the
    /// bank sees it) in `currency` on the bank's ledger account `account`.
    Link {
        reconciliation: NewReconciliation,
        account: crate::ids::AccountId,
        amount: i64,
        currency: String,
        audit: AuditDraft,
    },
}

impl MatchWrite {
    pub fn line(&self) -> Option<BankLineId> {
        match self {
            MatchWrite::Payment { payment, .. } => payment.bank_line,
            MatchWrite::Link { reconciliation, .. } => Some(reconciliation.line_id),
        }
    }
}

/// A statement's balance against the books: the statement's closing balance and the bank
/// ledger account's balance at the statement's last day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BalanceCheck {
    pub date: Option<NaiveDate>,
    pub statement: Option<i64>,
    pub ledger: i64,
    /// `statement - ledger`, when the statement has a closing balance.
    pub difference: Option<i64>,
    pub unmatched: i64,
}

pub trait ReconcileStore: Send + Sync {
    /// Every open candidate for the bank account (its currency, its ledger account), in
    /// one or a few reads.
    fn candidates(
        &self,
        company: CompanyId,
        account: &super::BankAccount,
    ) -> impl Future<Output = Result<Vec<Candidate>>> + Send;
    /// One line of the company.
    fn line(
        &self,
        company: CompanyId,
        id: BankLineId,
    ) -> impl Future<Output = Result<Option<BankLine>>> + Send;
    /// The unmatched lines of a statement, by booking date.
    fn unmatched_lines(
        &self,
        company: CompanyId,
        statement: StatementId,
    ) -> impl Future<Output = Result<Vec<BankLine>>> + Send;
    /// The open reconciliation of each of a statement's matched lines.
    fn reconciliations(
        &self,
        company: CompanyId,
        statement: StatementId,
    ) -> impl Future<Output = Result<HashMap<BankLineId, Reconciliation>>> + Send;
    fn reconciliation_of(
        &self,
        company: CompanyId,
        line: BankLineId,
    ) -> impl Future<Output = Result<Option<Reconciliation>>> + Send;
    /// The line a client's idempotency key reconciled, if any.
    fn reconciled_by_key(
        &self,
        company: CompanyId,
        key: &str,
    ) -> impl Future<Output = Result<Option<BankLineId>>> + Send;
    /// Links a line to a payment or ledger line posted before, with `audit`, in one
    /// transaction: `Conflict` when the line is matched already or the payment or entry
    /// is reconciled to another line.
    fn link(
        &self,
        company: CompanyId,
        r: &NewReconciliation,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<i64>> + Send;
    /// Writes auto-match's sure matches in one transaction (the company locked as every
    /// posting does): each is checked again against what the transaction reads (the line
    /// still unmatched, the documents owing at least what is allocated, the payment's
    /// month open, the payment or entry linked to no other line; each line, document share
    /// and candidate taken once), and those that pass are written together: payments
    /// numbered gap-free per series and year in one go, their entries, allocations,
    /// reconciliations and the audit events. One result per item, in order: `Ok` when
    /// written, the reason otherwise (the others are written all the same).
    fn write_matches(
        &self,
        company: CompanyId,
        items: Vec<MatchWrite>,
        created_by: Option<UserId>,
    ) -> impl Future<Output = Result<Vec<Result<()>>>> + Send;
    /// Posts `entry` and links the line to it in one transaction.
    fn post_and_link(
        &self,
        company: CompanyId,
        r: &NewReconciliation,
        entry: &crate::ledger::NewEntry,
        audit: Vec<AuditDraft>,
    ) -> impl Future<Output = Result<i64>> + Send;
    /// Marks the line's reconciliation undone and the line unmatched, posting `reversal`
    /// (of an entry the reconciliation posted) in the same transaction. `Conflict` when the
    /// line is not matched.
    fn undo(
        &self,
        company: CompanyId,
        line: BankLineId,
        reversal: Option<&crate::ledger::NewEntry>,
        by: Option<UserId>,
        audit: Vec<AuditDraft>,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The ledger account's posted balance at the end of `on` (all dates when `None`).
    fn ledger_balance(
        &self,
        company: CompanyId,
        account: crate::ids::AccountId,
        on: Option<NaiveDate>,
    ) -> impl Future<Output = Result<i64>> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bank::statements::LineStatus;
    use crate::ids::{BankAccountId, BankLineId, StatementId};
    use proptest::prelude::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap_or_default()
    }

    fn line(amount: i64, reference: &str, name: &str, iban: &str) -> BankLine {
        BankLine {
            id: BankLineId(1),
            statement_id: StatementId(1),
            account_id: BankAccountId(1),
            booking_date: day(10),
            value_date: None,
            amount_minor: amount,
            currency: "EUR".into(),
            bank_ref: None,
            end_to_end_id: None,
            reference: Some(reference.into()).filter(|s: &String| !s.is_empty()),
            counterparty_name: Some(name.into()).filter(|s: &String| !s.is_empty()),
            counterparty_iban: Some(iban.into()).filter(|s: &String| !s.is_empty()),
            description: String::new(),
            identity: "x".into(),
            status: LineStatus::Unmatched,
            source_line: 1,
        }
    }

    fn doc(id: i64, number: &str, amount: i64, party: &str, iban: &str) -> Candidate {
        Candidate {
            kind: CandidateKind::Document,
            id,
            number: number.into(),
            reference: String::new(),
            party_id: Some(PartyId(id)),
            party_name: party.into(),
            party_iban: iban.into(),
            date: day(1),
            due_date: Some(day(20)),
            amount,
            description: String::new(),
        }
    }

    #[test]
    fn reference_and_amount_beat_amount_alone() {
        let ix = Index::new(vec![
            doc(1, "INV-2026-0001", 11_900, "Acme GmbH", ""),
            doc(2, "INV-2026-0002", 11_900, "Beta Ltd", ""),
        ]);
        let p = ix.propose(&line(11_900, "Invoice INV-2026-0002, thanks", "", ""));
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].candidate.id, 2);
        assert!(p[0].reasons.reference && p[0].reasons.amount);
        assert_eq!(unambiguous(&p).map(|p| p.candidate.id), Some(2));
        // Amount alone: two candidates, nothing sure.
        let p = ix.propose(&line(11_900, "", "", ""));
        assert_eq!(p.len(), 2);
        assert!(unambiguous(&p).is_none());
    }

    #[test]
    fn iban_and_name_find_the_party_and_rank_it() {
        let ix = Index::new(vec![
            doc(
                1,
                "INV-1",
                5_000,
                "Acme GmbH",
                "DE89 3704 0044 0532 0130 00",
            ),
            doc(2, "INV-2", 5_000, "Beta Ltd", ""),
            doc(3, "INV-3", 7_000, "Beta Ltd", ""),
        ]);
        let p = ix.propose(&line(5_000, "", "", "DE89370400440532013000"));
        assert_eq!(p[0].candidate.id, 1);
        assert!(p[0].reasons.iban && p[0].reasons.amount);
        let p = ix.propose(&line(1_000, "", "BETA LIMITED", ""));
        // Name only: both of Beta's documents, none of Acme's.
        let ids: Vec<i64> = p.iter().map(|p| p.candidate.id).collect();
        assert_eq!(ids, vec![2, 3]);
        assert!(p.iter().all(|p| p.reasons.name && !p.reasons.amount));
    }

    #[test]
    fn signs_must_agree_and_payments_need_the_amount() {
        let mut pay = doc(9, "RCV-2026-0001", 2_500, "Acme", "");
        pay.kind = CandidateKind::Payment;
        let ix = Index::new(vec![doc(1, "BILL-7", -2_500, "Acme", ""), pay]);
        let p = ix.propose(&line(2_500, "BILL-7 RCV-2026-0001", "", ""));
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].candidate.kind, CandidateKind::Payment);
        let p = ix.propose(&line(2_000, "RCV-2026-0001", "", ""));
        assert!(p.is_empty(), "a payment of another amount is no proposal");
        let p = ix.propose(&line(-2_500, "bill-7", "", ""));
        assert_eq!(p[0].candidate.id, 1);
        assert!(p[0].reasons.reference);
    }

    #[test]
    fn words_and_names() {
        let w: Vec<String> = words("Ref: inv-2026-0001/ x, PO.4711.").collect();
        assert_eq!(w, vec!["REF", "INV-2026-0001", "PO.4711"]);
        assert_eq!(name_key("ACME GmbH & Co. KG"), "acme");
        assert_eq!(iban_key("de89 3704"), "DE893704");
    }

    #[test]
    fn taken_candidates_are_left_out() {
        let ix = Index::new(vec![doc(1, "INV-1", 100, "A", "")]);
        let mut taken = HashSet::new();
        taken.insert((CandidateKind::Document, 1));
        assert!(ix
            .propose_excluding(&line(100, "INV-1", "", ""), &taken)
            .is_empty());
    }

    proptest! {
        /// Whatever the candidates, proposals are sorted by score, at most MAX_PROPOSALS,
        /// each met a rule, has the line's sign, and its score is its reasons'; auto-match
        /// picks only a proposal with reference and amount, and only when it is the one.
        #[test]
        fn proposals_are_consistent(
            docs in proptest::collection::vec((1i64..50, -3i64..4, 0usize..4), 0..40),
            amount in -3i64..4,
            number in 1i64..50,
            party in 0usize..4,
        ) {
            let names = ["Acme", "Beta", "Gamma", "Delta"];
            let cands: Vec<Candidate> = docs.iter().enumerate().map(|(i, (n, a, p))| {
                let mut c = doc(i as i64 + 1, &format!("INV-{n:03}"), a * 100, names[*p], "");
                c.party_name = names[*p].into();
                c
            }).collect();
            let ix = Index::new(cands.clone());
            let l = line(amount * 100, &format!("pay INV-{number:03}"), names[party], "");
            let p = ix.propose(&l);
            prop_assert!(p.len() <= MAX_PROPOSALS);
            for w in p.windows(2) {
                prop_assert!(w[0].score >= w[1].score);
            }
            for q in &p {
                prop_assert_eq!(q.score, q.reasons.score());
                prop_assert!(q.score > 0);
                prop_assert!(q.candidate.amount != 0 && (q.candidate.amount > 0) == (l.amount_minor > 0));
                prop_assert_eq!(q.reasons.amount, q.candidate.amount == l.amount_minor);
            }
            if let Some(u) = unambiguous(&p) {
                prop_assert!(u.reasons.reference && u.reasons.amount);
                let sure = cands.iter().filter(|c| c.number == format!("INV-{number:03}") && c.amount == l.amount_minor).count();
                prop_assert_eq!(sure, 1);
            }
        }
    }
}
