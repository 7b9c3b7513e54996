//! Reconciliations of statement lines. A reconciliation's transaction flips its line from
//! `unmatched` to `matched` only if it still is (`UPDATE … WHERE status = 'unmatched'`:
//! of two racing requests the second changes no row and is refused), and the partial
//! unique indexes on the open reconciliations (per line, per payment, per entry) hold the
//! same rule in the database. A payment recorded for a line is linked inside the payment's
//! own transaction ([`link_in`], called by billing's `insert_payment`). Auto-match writes
//! all its payments and links in one transaction (`write_matches`), flipping the lines
//! where `link_in` would, so the two take their locks in the same order.
use chrono::NaiveDate;
use sqlx::any::AnyRow;
use std::collections::{HashMap, HashSet};
use steward_core::audit::AuditDraft;
use steward_core::bank::reconcile::{
    Candidate, CandidateKind, MatchKind, MatchWrite, NewReconciliation, ReconcileStore,
    Reconciliation,
};
use steward_core::bank::statements::BankLine;
use steward_core::bank::BankAccount;
use steward_core::billing::payments::{NewPayment, Openness};
use steward_core::ids::{
    AccountId, BankLineId, CompanyId, EntryId, InvoiceId, PartyId, StatementId, UserId,
};
use steward_core::ledger::{day_key, month_key, EntryStatus, NewEntry};
use steward_core::time::Timestamp;
use steward_core::{Error, Result};

use super::date_of;
use super::statements::{line_of, LINE_COLUMNS};
use crate::billing::payments::openness_in;
use crate::ledger::{closed_message, closed_months, lock_company, Tx};
use crate::sql::{insert_values, rows_per_statement};
use crate::{append_audit, append_audits, db, get_i64, get_str, opt_i64, opt_str, Backend, Store};

fn taken() -> Error {
    Error::conflict("the line is reconciled already (or is not this company's); reload")
}

/// Marks the line matched (if it still is unmatched) and writes its reconciliation, inside
/// the caller's transaction.
pub(crate) async fn link_in(tx: &mut Tx, company: CompanyId, r: &NewReconciliation) -> Result<i64> {
    let done = sqlx::query(
        "UPDATE bank_statement_lines SET status = 'matched' WHERE id = $1 AND status = 'unmatched' \
         AND account_id IN (SELECT id FROM bank_accounts WHERE company_id = $2)",
    )
    .bind(r.line_id.0)
    .bind(company.0)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    if done.rows_affected() != 1 {
        return Err(taken());
    }
    let row = sqlx::query(
        "INSERT INTO bank_reconciliations (company_id, line_id, kind, payment_id, entry_id, client_key, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(company.0)
    .bind(r.line_id.0)
    .bind(r.kind.as_str())
    .bind(r.payment_id)
    .bind(r.entry_id.map(|e| e.0))
    .bind(r.client_key.as_deref())
    .bind(r.created_by.map(|u| u.0))
    .bind(Timestamp::now().0)
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| match db(e) {
        Error::Conflict { .. } => Error::conflict(
            "the payment or entry is reconciled to another statement line already",
        ),
        other => other,
    })?;
    get_i64(&row, "id")
}

const RECONCILIATION_ROW: &str = "r.id, r.line_id, r.kind, r.payment_id, p.number AS payment_number, r.entry_id, \
     r.created_by, r.created_at FROM bank_reconciliations r LEFT JOIN billing_payments p ON p.id = r.payment_id";

fn reconciliation_of_row(r: &AnyRow) -> Result<Reconciliation> {
    Ok(Reconciliation {
        id: get_i64(r, "id")?,
        line_id: BankLineId(get_i64(r, "line_id")?),
        kind: MatchKind::parse(&get_str(r, "kind")?)
            .ok_or_else(|| Error::internal("bank: unknown reconciliation kind"))?,
        payment_id: opt_i64(r, "payment_id")?,
        payment_number: opt_str(r, "payment_number")?,
        entry_id: opt_i64(r, "entry_id")?.map(EntryId),
        documents: Vec::new(),
        created_by: opt_i64(r, "created_by")?.map(UserId),
        created_at: Timestamp(get_i64(r, "created_at")?),
    })
}

impl Store {
    /// The documents each payment settled, by payment.
    async fn settled_by(&self, payments: &[i64]) -> Result<HashMap<i64, Vec<(InvoiceId, String)>>> {
        let mut out: HashMap<i64, Vec<(InvoiceId, String)>> = HashMap::new();
        for chunk in payments.chunks(500) {
            let list: Vec<String> = chunk.iter().map(i64::to_string).collect();
            let rows = sqlx::query(&format!(
                "SELECT a.payment_id, a.document_id, d.number FROM billing_allocations a \
                 JOIN billing_documents d ON d.id = a.document_id \
                 WHERE a.payment_id IN ({}) ORDER BY a.id",
                list.join(", ")
            ))
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
            for r in rows {
                out.entry(get_i64(&r, "payment_id")?).or_default().push((
                    InvoiceId(get_i64(&r, "document_id")?),
                    opt_str(&r, "number")?.unwrap_or_default(),
                ));
            }
        }
        Ok(out)
    }

    async fn with_documents(&self, mut list: Vec<Reconciliation>) -> Result<Vec<Reconciliation>> {
        let ids: Vec<i64> = list.iter().filter_map(|r| r.payment_id).collect();
        if ids.is_empty() {
            return Ok(list);
        }
        let mut docs = self.settled_by(&ids).await?;
        for r in &mut list {
            if let Some(p) = r.payment_id {
                r.documents = docs.remove(&p).unwrap_or_default();
            }
        }
        Ok(list)
    }
}

/// What a payment to link is, as the transaction reads it.
struct PaymentFacts {
    entry_id: Option<i64>,
    account_id: i64,
    signed: i64,
    currency: String,
}

/// Ids as a literal list `(1, 2, 3)` (integers we own).
fn id_list(ids: &[i64]) -> String {
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    format!("({})", list.join(", "))
}

fn sorted(mut ids: Vec<i64>) -> Vec<i64> {
    ids.sort_unstable();
    ids.dedup();
    ids
}

impl Store {
    /// One attempt of [`ReconcileStore::write_matches`].
    async fn write_matches_once(
        &self,
        company: CompanyId,
        items: &[MatchWrite],
        created_by: Option<UserId>,
    ) -> Result<Vec<Result<()>>> {
        let mut tx = self.begin().await?;
        lock_company(&mut tx, self.backend, company, false).await?;
        // The documents the payments settle, locked in id order (as one payment locks them).
        let docs: Vec<InvoiceId> = items
            .iter()
            .filter_map(|i| match i {
                MatchWrite::Payment { payment, .. } => Some(payment),
                MatchWrite::Link { .. } => None,
            })
            .flat_map(|p| p.allocations.iter().map(|a| a.0))
            .collect();
        let open = openness_in(&mut tx, self.backend, company, &docs).await?;
        // The lines still unmatched. Not locked here: they are flipped to matched after the
        // payments are written, where one payment's transaction flips its line (the same
        // lock order, so the two never wait on each other in a circle), and only if they
        // still are unmatched then.
        let lines = sorted(
            items
                .iter()
                .filter_map(MatchWrite::line)
                .map(|l| l.0)
                .collect(),
        );
        let mut unmatched: HashSet<i64> = HashSet::new();
        for chunk in lines.chunks(500) {
            let rows = sqlx::query(&format!(
                "SELECT id FROM bank_statement_lines WHERE id IN {} AND status = 'unmatched' \
                 AND account_id IN (SELECT id FROM bank_accounts WHERE company_id = $1)",
                id_list(chunk)
            ))
            .bind(company.0)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
            for r in rows {
                unmatched.insert(get_i64(&r, "id")?);
            }
        }
        // The payments and entries to link: what they are, and whether a line has them.
        let mut pay_ids = Vec::new();
        let mut entry_ids = Vec::new();
        for i in items {
            if let MatchWrite::Link {
                reconciliation: r, ..
            } = i
            {
                match (r.kind, r.payment_id, r.entry_id) {
                    (MatchKind::Payment, Some(p), _) => pay_ids.push(p),
                    (_, None, Some(e)) => entry_ids.push(e.0),
                    _ => {}
                }
            }
        }
        let (pay_ids, entry_ids) = (sorted(pay_ids), sorted(entry_ids));
        let mut payments: HashMap<i64, PaymentFacts> = HashMap::new();
        let mut linked_payments: HashSet<i64> = HashSet::new();
        for chunk in pay_ids.chunks(500) {
            for r in sqlx::query(&format!(
                "SELECT id, kind, entry_id, account_id, amount, currency FROM billing_payments \
                 WHERE company_id = $1 AND id IN {}",
                id_list(chunk)
            ))
            .bind(company.0)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?
            {
                let amount = get_i64(&r, "amount")?;
                payments.insert(
                    get_i64(&r, "id")?,
                    PaymentFacts {
                        entry_id: opt_i64(&r, "entry_id")?,
                        account_id: get_i64(&r, "account_id")?,
                        signed: if get_str(&r, "kind")? == "made" {
                            -amount
                        } else {
                            amount
                        },
                        currency: get_str(&r, "currency")?,
                    },
                );
            }
            for r in sqlx::query(&format!(
                "SELECT payment_id FROM bank_reconciliations WHERE company_id = $1 \
                 AND undone_at IS NULL AND payment_id IN {}",
                id_list(chunk)
            ))
            .bind(company.0)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?
            {
                linked_payments.insert(get_i64(&r, "payment_id")?);
            }
        }
        // Each entry's movement per account (only posted entries have postings).
        let mut moves: HashMap<(i64, i64), i64> = HashMap::new();
        let mut linked_entries: HashSet<i64> = HashSet::new();
        for chunk in entry_ids.chunks(500) {
            for r in sqlx::query(&format!(
                "SELECT entry_id, account_id, CAST(SUM(amount) AS BIGINT) AS s FROM ledger_postings \
                 WHERE company_id = $1 AND entry_id IN {} GROUP BY entry_id, account_id",
                id_list(chunk)
            ))
            .bind(company.0)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?
            {
                moves.insert(
                    (get_i64(&r, "entry_id")?, get_i64(&r, "account_id")?),
                    get_i64(&r, "s")?,
                );
            }
            for r in sqlx::query(&format!(
                "SELECT entry_id FROM bank_reconciliations WHERE company_id = $1 \
                 AND undone_at IS NULL AND entry_id IN {}",
                id_list(chunk)
            ))
            .bind(company.0)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?
            {
                linked_entries.insert(get_i64(&r, "entry_id")?);
            }
        }
        let closed = closed_months(&mut tx, company).await?;

        // Each item against what was read and what the items before it took.
        let mut allocated: HashMap<InvoiceId, i64> = HashMap::new();
        let mut out: Vec<Result<()>> = Vec::with_capacity(items.len());
        let mut to_pay: Vec<(&NewPayment, &NewEntry)> = Vec::new();
        for item in items {
            let Some(line) = item.line() else {
                out.push(Err(Error::internal(
                    "a payment of auto-match without its line",
                )));
                continue;
            };
            if !unmatched.contains(&line.0) {
                out.push(Err(taken()));
                continue;
            }
            let checked = match item {
                MatchWrite::Payment {
                    payment: p, entry, ..
                } => check_payment(p, &open, &allocated, &closed).map(|()| {
                    for (doc, amount) in &p.allocations {
                        *allocated.entry(*doc).or_default() += amount;
                    }
                    to_pay.push((p, entry));
                }),
                MatchWrite::Link {
                    reconciliation: r,
                    account,
                    amount,
                    currency,
                    ..
                } => match (r.kind, r.payment_id, r.entry_id) {
                    (MatchKind::Payment, Some(pid), _) => match payments.get(&pid) {
                        Some(f)
                            if f.account_id == account.0
                                && f.signed == *amount
                                && &f.currency == currency =>
                        {
                            if linked_payments.insert(pid) {
                                Ok(())
                            } else {
                                Err(Error::conflict(
                                    "the payment is reconciled to another statement line already",
                                ))
                            }
                        }
                        _ => Err(Error::invalid(
                            "payment_id",
                            "the payment does not match the line",
                        )),
                    },
                    (_, None, Some(eid)) => {
                        if moves.get(&(eid.0, account.0)) != Some(amount) {
                            Err(Error::invalid(
                                "entry_id",
                                "the entry does not move the line's amount on the bank's account",
                            ))
                        } else if linked_entries.insert(eid.0) {
                            Ok(())
                        } else {
                            Err(Error::conflict(
                                "the entry is reconciled to another statement line already",
                            ))
                        }
                    }
                    _ => Err(Error::internal(
                        "a link names neither a payment nor an entry",
                    )),
                },
            };
            if checked.is_ok() {
                unmatched.remove(&line.0);
            }
            out.push(checked);
        }

        // The payments, then every reconciliation, the lines and the audit events.
        let written = self
            .insert_payments_in(&mut tx, company, &to_pay, created_by)
            .await?;
        let mut written = written.into_iter();
        let now = Timestamp::now().0;
        let mut recs: Vec<NewReconciliation> = Vec::new();
        let mut audits = Vec::new();
        for (item, ok) in items.iter().zip(&out) {
            if ok.is_err() {
                continue;
            }
            match item {
                MatchWrite::Payment {
                    payment: p, audit, ..
                } => {
                    let w = written
                        .next()
                        .ok_or_else(|| Error::internal("auto-match: payment written"))?;
                    recs.push(NewReconciliation {
                        line_id: p.bank_line.unwrap_or(BankLineId(0)),
                        kind: MatchKind::NewPayment,
                        payment_id: Some(w.id),
                        entry_id: Some(EntryId(w.entry_id)),
                        client_key: p.client_key.clone(),
                        created_by,
                    });
                    let mut audit = audit.clone();
                    audit.entity_id = Some(w.id.to_string());
                    if let serde_json::Value::Object(m) = &mut audit.changes {
                        m.insert("number".into(), serde_json::Value::String(w.number));
                        m.insert("entry_id".into(), serde_json::Value::from(w.entry_id));
                    }
                    audits.push(audit);
                }
                MatchWrite::Link {
                    reconciliation: r,
                    audit,
                    ..
                } => {
                    let mut r = r.clone();
                    if let (MatchKind::Payment, Some(pid)) = (r.kind, r.payment_id) {
                        r.entry_id = payments.get(&pid).and_then(|f| f.entry_id).map(EntryId);
                    }
                    recs.push(r);
                    audits.push(audit.clone());
                }
            }
        }
        // The lines flipped first (as `link_in` does), then their reconciliations.
        let matched = sorted(recs.iter().map(|r| r.line_id.0).collect());
        let mut flipped = 0;
        for chunk in matched.chunks(500) {
            flipped += sqlx::query(&format!(
                "UPDATE bank_statement_lines SET status = 'matched' WHERE id IN {} AND status = 'unmatched'",
                id_list(chunk)
            ))
            .execute(&mut *tx)
            .await
            .map_err(db)?
            .rows_affected();
        }
        if flipped != matched.len() as u64 {
            // Another request matched one meanwhile: start again (see `write_matches`).
            return Err(taken());
        }
        const INTO: &str = "bank_reconciliations (company_id, line_id, kind, payment_id, entry_id, client_key, created_by, created_at)";
        let row = format!("({}, ?, ?, ?, ?, ?, ?, {now})", company.0);
        for chunk in recs.chunks(rows_per_statement(6)) {
            let sql = insert_values(self.backend, INTO, &row, chunk.len());
            let mut q = sqlx::query(&sql);
            for r in chunk {
                q = q
                    .bind(r.line_id.0)
                    .bind(r.kind.as_str())
                    .bind(r.payment_id)
                    .bind(r.entry_id.map(|e| e.0))
                    .bind(r.client_key.as_deref())
                    .bind(r.created_by.map(|u| u.0));
            }
            q.execute(&mut *tx).await.map_err(|e| match db(e) {
                Error::Conflict { .. } => Error::conflict(
                    "a line, payment or entry was reconciled by another request meanwhile",
                ),
                other => other,
            })?;
        }
        append_audits(&mut tx, self.backend, audits).await?;
        tx.commit().await.map_err(db)?;
        Ok(out)
    }
}

/// A payment of auto-match against what its transaction read: its month open, and each
/// allocation at most what the document still owes after the items before it.
fn check_payment(
    p: &NewPayment,
    open: &HashMap<InvoiceId, Openness>,
    allocated: &HashMap<InvoiceId, i64>,
    closed: &HashSet<i64>,
) -> Result<()> {
    let month = month_key(p.date);
    if closed.contains(&month) {
        return Err(closed_message(month));
    }
    for (i, (doc, amount)) in p.allocations.iter().enumerate() {
        let owes = open.get(doc).map(Openness::open).unwrap_or(0)
            - allocated.get(doc).copied().unwrap_or(0);
        if *amount > owes {
            return Err(Error::invalid(
                format!("allocations[{i}].amount"),
                "the document owes less now: another payment settled it meanwhile; reload and try again",
            ));
        }
    }
    Ok(())
}

impl ReconcileStore for Store {
    async fn candidates(
        &self,
        company: CompanyId,
        account: &BankAccount,
    ) -> Result<Vec<Candidate>> {
        let mut out = Vec::new();
        // Open invoices and bills in the account's currency, by what they still owe.
        let rows = sqlx::query(
            "SELECT d.id, d.kind, d.number, d.reference, d.party_id, b.name AS party_name, b.iban AS party_iban, \
             d.issue_date, d.due_date, d.total - COALESCE(x.allocated, 0) AS open \
             FROM billing_documents d JOIN billing_parties b ON b.id = d.party_id \
             LEFT JOIN (SELECT document_id, CAST(SUM(amount) AS BIGINT) AS allocated FROM billing_allocations \
                        WHERE company_id = $1 GROUP BY document_id) x ON x.document_id = d.id \
             WHERE d.company_id = $1 AND d.status = 'posted' AND d.kind IN ('invoice', 'bill') \
             AND d.currency = $2 AND d.total - COALESCE(x.allocated, 0) > 0",
        )
        .bind(company.0)
        .bind(&account.currency)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        for r in rows {
            let open = get_i64(&r, "open")?;
            let sign = if get_str(&r, "kind")? == "bill" {
                -1
            } else {
                1
            };
            out.push(Candidate {
                kind: CandidateKind::Document,
                id: get_i64(&r, "id")?,
                number: opt_str(&r, "number")?.unwrap_or_default(),
                reference: get_str(&r, "reference")?,
                party_id: Some(PartyId(get_i64(&r, "party_id")?)),
                party_name: get_str(&r, "party_name")?,
                party_iban: get_str(&r, "party_iban")?,
                date: date_of(&r, "issue_date")?,
                due_date: Some(date_of(&r, "due_date")?),
                amount: sign * open,
                description: String::new(),
            });
        }
        // Payments through the account's ledger account, not reconciled yet.
        let rows = sqlx::query(
            "SELECT p.id, p.kind, p.number, p.reference, p.party_id, b.name AS party_name, b.iban AS party_iban, \
             p.date, p.amount FROM billing_payments p JOIN billing_parties b ON b.id = p.party_id \
             WHERE p.company_id = $1 AND p.account_id = $2 AND p.currency = $3 \
             AND NOT EXISTS (SELECT 1 FROM bank_reconciliations r WHERE r.payment_id = p.id AND r.undone_at IS NULL)",
        )
        .bind(company.0)
        .bind(account.ledger_account_id.0)
        .bind(&account.currency)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        for r in rows {
            let sign = if get_str(&r, "kind")? == "made" {
                -1
            } else {
                1
            };
            out.push(Candidate {
                kind: CandidateKind::Payment,
                id: get_i64(&r, "id")?,
                number: get_str(&r, "number")?,
                reference: get_str(&r, "reference")?,
                party_id: Some(PartyId(get_i64(&r, "party_id")?)),
                party_name: get_str(&r, "party_name")?,
                party_iban: get_str(&r, "party_iban")?,
                date: date_of(&r, "date")?,
                due_date: None,
                amount: sign * get_i64(&r, "amount")?,
                description: String::new(),
            });
        }
        // Entries moving the ledger account that are no payment's, neither a reversal nor
        // reversed, not reconciled yet.
        let rows = sqlx::query(
            "SELECT e.id, e.reference, e.description, e.date, CAST(SUM(lp.amount) AS BIGINT) AS amount \
             FROM ledger_postings lp JOIN ledger_entries e ON e.id = lp.entry_id \
             WHERE lp.company_id = $1 AND lp.account_id = $2 AND e.status = 'posted' AND e.reverses_id IS NULL \
             AND NOT EXISTS (SELECT 1 FROM ledger_entries rv WHERE rv.reverses_id = e.id) \
             AND NOT EXISTS (SELECT 1 FROM billing_payments p WHERE p.entry_id = e.id) \
             AND NOT EXISTS (SELECT 1 FROM bank_reconciliations r WHERE r.entry_id = e.id AND r.undone_at IS NULL) \
             GROUP BY e.id, e.reference, e.description, e.date",
        )
        .bind(company.0)
        .bind(account.ledger_account_id.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        for r in rows {
            out.push(Candidate {
                kind: CandidateKind::LedgerLine,
                id: get_i64(&r, "id")?,
                number: get_str(&r, "reference")?,
                reference: String::new(),
                party_id: None,
                party_name: String::new(),
                party_iban: String::new(),
                date: date_of(&r, "date")?,
                due_date: None,
                amount: get_i64(&r, "amount")?,
                description: get_str(&r, "description")?,
            });
        }
        Ok(out)
    }

    async fn line(&self, company: CompanyId, id: BankLineId) -> Result<Option<BankLine>> {
        let cols: Vec<String> = LINE_COLUMNS.iter().map(|c| format!("l.{c}")).collect();
        sqlx::query(&format!(
            "SELECT {} FROM bank_statement_lines l JOIN bank_accounts b ON b.id = l.account_id \
             WHERE b.company_id = $1 AND l.id = $2",
            cols.join(", ")
        ))
        .bind(company.0)
        .bind(id.0)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?
        .map(|r| line_of(&r))
        .transpose()
    }

    async fn unmatched_lines(
        &self,
        company: CompanyId,
        statement: StatementId,
    ) -> Result<Vec<BankLine>> {
        let cols: Vec<String> = LINE_COLUMNS.iter().map(|c| format!("l.{c}")).collect();
        sqlx::query(&format!(
            "SELECT {} FROM bank_statement_lines l JOIN bank_statements s ON s.id = l.statement_id \
             WHERE s.company_id = $1 AND l.statement_id = $2 AND l.status = 'unmatched' \
             ORDER BY l.booking_date, l.id",
            cols.join(", ")
        ))
        .bind(company.0)
        .bind(statement.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(line_of)
        .collect()
    }

    async fn reconciliations(
        &self,
        company: CompanyId,
        statement: StatementId,
    ) -> Result<HashMap<BankLineId, Reconciliation>> {
        let rows = sqlx::query(&format!(
            "SELECT {RECONCILIATION_ROW} JOIN bank_statement_lines l ON l.id = r.line_id \
             WHERE r.company_id = $1 AND l.statement_id = $2 AND r.undone_at IS NULL"
        ))
        .bind(company.0)
        .bind(statement.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        let list = rows
            .iter()
            .map(reconciliation_of_row)
            .collect::<Result<Vec<_>>>()?;
        Ok(self
            .with_documents(list)
            .await?
            .into_iter()
            .map(|r| (r.line_id, r))
            .collect())
    }

    async fn reconciliation_of(
        &self,
        company: CompanyId,
        line: BankLineId,
    ) -> Result<Option<Reconciliation>> {
        let row = sqlx::query(&format!(
            "SELECT {RECONCILIATION_ROW} WHERE r.company_id = $1 AND r.line_id = $2 AND r.undone_at IS NULL"
        ))
        .bind(company.0)
        .bind(line.0)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        let Some(row) = row else { return Ok(None) };
        let r = reconciliation_of_row(&row)?;
        Ok(self.with_documents(vec![r]).await?.pop())
    }

    async fn reconciled_by_key(&self, company: CompanyId, key: &str) -> Result<Option<BankLineId>> {
        sqlx::query(
            "SELECT line_id FROM bank_reconciliations WHERE company_id = $1 AND client_key = $2",
        )
        .bind(company.0)
        .bind(key)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?
        .map(|r| get_i64(&r, "line_id").map(BankLineId))
        .transpose()
    }

    async fn link(
        &self,
        company: CompanyId,
        r: &NewReconciliation,
        audit: AuditDraft,
    ) -> Result<i64> {
        let mut tx = self.begin().await?;
        let id = link_in(&mut tx, company, r).await?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn write_matches(
        &self,
        company: CompanyId,
        items: Vec<MatchWrite>,
        created_by: Option<UserId>,
    ) -> Result<Vec<Result<()>>> {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        // A request racing ours can still take a line, payment or entry between our reads
        // and our writes (a unique index refuses it; on PostgreSQL that ends the
        // transaction): start again, and the reads see what it took.
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.write_matches_once(company, &items, created_by).await {
                Err(Error::Conflict { .. }) if attempt < 3 => continue,
                other => return other,
            }
        }
    }

    async fn post_and_link(
        &self,
        company: CompanyId,
        r: &NewReconciliation,
        entry: &NewEntry,
        audit: Vec<AuditDraft>,
    ) -> Result<i64> {
        let mut tx = self.begin().await?;
        lock_company(&mut tx, self.backend, company, false).await?;
        let (entries, _, _) = self
            .insert_entries_in(
                &mut tx,
                company,
                std::slice::from_ref(entry),
                EntryStatus::Posted,
                r.created_by,
            )
            .await?;
        let entry_id = entries
            .first()
            .map(|(e, _)| *e)
            .ok_or_else(|| Error::internal("no entry id"))?;
        let mut r = r.clone();
        r.entry_id = Some(entry_id);
        let id = link_in(&mut tx, company, &r).await?;
        for mut a in audit {
            if a.entity == "ledger_entry" && a.entity_id.is_none() {
                a.entity_id = Some(entry_id.to_string());
            }
            append_audit(&mut tx, a).await?;
        }
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn undo(
        &self,
        company: CompanyId,
        line: BankLineId,
        reversal: Option<&NewEntry>,
        by: Option<UserId>,
        audit: Vec<AuditDraft>,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        lock_company(&mut tx, self.backend, company, false).await?;
        let lock = if self.backend == Backend::Postgres {
            " FOR UPDATE"
        } else {
            ""
        };
        let row = sqlx::query(&format!(
            "SELECT id FROM bank_reconciliations WHERE company_id = $1 AND line_id = $2 AND undone_at IS NULL{lock}"
        ))
        .bind(company.0)
        .bind(line.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let Some(row) = row else {
            return Err(Error::conflict("the line is not reconciled"));
        };
        let id = get_i64(&row, "id")?;
        let mut reversal_id = None;
        if let Some(e) = reversal {
            let (entries, _, _) = self
                .insert_entries_in(
                    &mut tx,
                    company,
                    std::slice::from_ref(e),
                    EntryStatus::Posted,
                    by,
                )
                .await?;
            reversal_id = entries.first().map(|(e, _)| *e);
        }
        let done = sqlx::query(
            "UPDATE bank_reconciliations SET undone_at = $1, undone_by = $2, reversal_entry_id = $3 \
             WHERE id = $4 AND undone_at IS NULL",
        )
        .bind(Timestamp::now().0)
        .bind(by.map(|u| u.0))
        .bind(reversal_id.map(|e| e.0))
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if done.rows_affected() != 1 {
            return Err(Error::conflict("the line is not reconciled"));
        }
        sqlx::query("UPDATE bank_statement_lines SET status = 'unmatched' WHERE id = $1")
            .bind(line.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        for mut a in audit {
            if a.entity == "ledger_entry" && a.entity_id.is_none() {
                a.entity_id = reversal_id.map(|e| e.to_string());
            }
            append_audit(&mut tx, a).await?;
        }
        tx.commit().await.map_err(db)?;
        Ok(())
    }

    async fn ledger_balance(
        &self,
        company: CompanyId,
        account: AccountId,
        on: Option<NaiveDate>,
    ) -> Result<i64> {
        let row = sqlx::query(
            "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) AS total FROM ledger_postings \
             WHERE company_id = $1 AND account_id = $2 AND date <= $3",
        )
        .bind(company.0)
        .bind(account.0)
        .bind(on.map(day_key).unwrap_or(99_991_231))
        .fetch_one(&self.read)
        .await
        .map_err(db)?;
        get_i64(&row, "total")
    }
}
