//! Payments and allocations. A payment's transaction locks the documents it settles (rows
//! of `billing_documents`, in id order so two payments never wait on each other in a
//! circle), checks what they still owe, numbers the payment from `billing_sequences` and
//! posts its entry through the ledger's writer.
use chrono::{Datelike, NaiveDate};
use sea_query::{Alias, Expr, ExprTrait, Order, Query, SelectStatement};
use sqlx::any::AnyRow;
use std::collections::HashMap;
use steward_core::audit::AuditDraft;
use steward_core::billing::fx::settled_share;
use steward_core::billing::invoices::{format_number, DocumentFx, InvoiceKind, InvoiceRow};
use steward_core::billing::payments::{
    Allocation, DocumentAllocation, NewPayment, Openness, Payment, PaymentKind, PaymentQuery,
    PaymentRow, PaymentSort, PaymentStore,
};
use steward_core::ids::{AccountId, CompanyId, EntryId, InvoiceId, PartyId, UserId};
use steward_core::ledger::{day_from_key, day_key, EntryStatus, NewEntry};
use steward_core::list::{Page, SortDir};
use steward_core::time::Timestamp;
use steward_core::{Error, Result};

use super::invoices::{row_of, take_number, take_numbers, ROW_COLUMNS};
use crate::ledger::{lock_company, Tx};
use crate::sql::{col, contains_any, count_all, insert_values, reserve_ids, rows_per_statement};
use crate::{append_audit, db, get_i64, get_str, opt_i64, opt_str, Backend, Store};

fn a(s: &str) -> Alias {
    Alias::new(s)
}

fn date_of(r: &AnyRow, c: &str) -> Result<NaiveDate> {
    day_from_key(get_i64(r, c)?).ok_or_else(|| Error::internal(format!("bad date in {c}")))
}

fn kind_of(r: &AnyRow) -> Result<PaymentKind> {
    PaymentKind::parse(&get_str(r, "kind")?).ok_or_else(|| Error::internal("unknown payment kind"))
}

/// Allocated so far to each of `ids` (in one company), inside a transaction or not.
const ALLOCATED: &str = "SELECT document_id, CAST(SUM(amount) AS BIGINT) AS allocated \
     FROM billing_allocations WHERE company_id = $1 AND document_id IN ";

pub(crate) fn in_list(ids: &[InvoiceId]) -> String {
    let list: Vec<String> = ids.iter().map(|i| i.0.to_string()).collect();
    format!("({})", list.join(", "))
}

/// What the documents owe: their totals (`lock` appended to that read: the payment's
/// transaction locks the rows) and their allocations, 500 ids a statement.
async fn openness_on(
    conn: &mut sqlx::AnyConnection,
    company: CompanyId,
    ids: &[InvoiceId],
    lock: &str,
) -> Result<HashMap<InvoiceId, Openness>> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows = sqlx::query(&format!(
            "SELECT id, party_id, kind, currency, number, total, book_total FROM billing_documents \
             WHERE company_id = $1 AND status = 'posted' AND id IN {}{lock}",
            in_list(chunk)
        ))
        .bind(company.0)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        for r in rows {
            out.insert(
                InvoiceId(get_i64(&r, "id")?),
                Openness {
                    party_id: PartyId(get_i64(&r, "party_id")?),
                    kind: InvoiceKind::parse(&get_str(&r, "kind")?)
                        .ok_or_else(|| Error::internal("unknown document kind"))?,
                    currency: get_str(&r, "currency")?,
                    number: opt_str(&r, "number")?,
                    total: get_i64(&r, "total")?,
                    allocated: 0,
                    book_total: opt_i64(&r, "book_total")?,
                },
            );
        }
        let rows = sqlx::query(&format!(
            "{ALLOCATED}{} GROUP BY document_id",
            in_list(chunk)
        ))
        .bind(company.0)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        for r in rows {
            if let Some(o) = out.get_mut(&InvoiceId(get_i64(&r, "document_id")?)) {
                o.allocated = get_i64(&r, "allocated")?;
            }
        }
    }
    Ok(out)
}

/// What the documents owe, read inside the payment's transaction, locking their rows in
/// id order (so two payments never wait on each other in a circle).
pub(crate) async fn openness_in(
    tx: &mut Tx,
    backend: Backend,
    company: CompanyId,
    ids: &[InvoiceId],
) -> Result<HashMap<InvoiceId, Openness>> {
    let mut sorted = ids.to_vec();
    sorted.sort();
    sorted.dedup();
    let lock = if backend == Backend::Postgres {
        " ORDER BY id FOR UPDATE"
    } else {
        " ORDER BY id"
    };
    openness_on(&mut *tx, company, &sorted, lock).await
}

/// Applies a posted credit to the document it credits, up to what that still owes. A
/// foreign credit (`fx`) was posted for the application core expected: a conflict when the
/// document owes another amount now, or its book value settled would differ.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn apply_credit(
    tx: &mut Tx,
    backend: Backend,
    company: CompanyId,
    credit: InvoiceId,
    credited: InvoiceId,
    amount: i64,
    date: NaiveDate,
    fx: Option<&DocumentFx>,
) -> Result<()> {
    let open = openness_in(tx, backend, company, &[credited]).await?;
    let doc = open.get(&credited);
    let owes = doc.map(Openness::open).unwrap_or(0);
    let applied = std::cmp::max(std::cmp::min(amount, owes), 0);
    if let Some(fx) = fx {
        let expected = fx.applied.map(|a| a.amount).unwrap_or(0);
        let book_differs = match (fx.applied, doc) {
            (Some(a), Some(d)) => d
                .book_total
                .is_some_and(|b| settled_share(b, d.total, d.allocated, applied) != a.book),
            _ => false,
        };
        if expected != applied || book_differs {
            return Err(Error::conflict(
                "the credited document was settled meanwhile; post the credit again",
            ));
        }
    }
    if applied <= 0 {
        return Ok(());
    }
    let value = fx.and_then(|f| f.applied);
    sqlx::query(
        "INSERT INTO billing_allocations (company_id, payment_id, credit_id, document_id, amount, date, created_at, \
         book_amount, exchange_difference) VALUES ($1, NULL, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(company.0)
    .bind(credit.0)
    .bind(credited.0)
    .bind(applied)
    .bind(day_key(date))
    .bind(Timestamp::now().0)
    .bind(value.map(|a| a.book))
    .bind(value.map(|a| a.difference).unwrap_or(0))
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(())
}

const PAYMENT_ROW: &str = "p.id, p.kind, p.number, p.party_id, b.name AS party_name, p.date, p.currency, p.amount, \
     p.reference, p.writeoff, \
     (SELECT CAST(COALESCE(SUM(x.amount), 0) AS BIGINT) FROM billing_allocations x WHERE x.payment_id = p.id) AS allocated";

fn payment_row_of(r: &AnyRow) -> Result<PaymentRow> {
    Ok(PaymentRow {
        id: get_i64(r, "id")?,
        kind: kind_of(r)?,
        number: get_str(r, "number")?,
        party_id: PartyId(get_i64(r, "party_id")?),
        party_name: get_str(r, "party_name")?,
        date: date_of(r, "date")?,
        currency: get_str(r, "currency")?,
        amount: get_i64(r, "amount")?,
        unallocated: get_i64(r, "amount")? + get_i64(r, "writeoff")? - get_i64(r, "allocated")?,
        reference: get_str(r, "reference")?,
    })
}

fn filtered(company: CompanyId, q: &PaymentQuery, s: &mut SelectStatement) {
    s.from_as(a("billing_payments"), a("p"))
        .join_as(
            sea_query::JoinType::InnerJoin,
            a("billing_parties"),
            a("b"),
            col("b", "id").equals((a("p"), a("party_id"))),
        )
        .and_where(col("p", "company_id").eq(company.0))
        .and_where(col("p", "kind").is_in(q.kinds.iter().map(|k| k.as_str())));
    if let Some(p) = q.party_id {
        s.and_where(col("p", "party_id").eq(p.0));
    }
    if let Some(c) = contains_any(
        q.search.as_deref(),
        &[("p", "number"), ("p", "reference"), ("b", "name")],
    ) {
        s.cond_where(c);
    }
}

impl Store {
    async fn insert_payment_once(
        &self,
        company: CompanyId,
        p: &NewPayment,
        entry: &NewEntry,
        created_by: Option<UserId>,
        audit: AuditDraft,
    ) -> Result<i64> {
        let mut tx = self.begin().await?;
        lock_company(&mut tx, self.backend, company, false).await?;
        let id = self
            .insert_payment_in(&mut tx, company, p, entry, created_by, audit)
            .await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    /// Writes a payment inside the caller's transaction (which has locked the company
    /// row): re-checks what the documents owe, numbers it, posts its entry, writes it with
    /// its allocations and its audit event.
    pub(crate) async fn insert_payment_in(
        &self,
        tx: &mut Tx,
        company: CompanyId,
        p: &NewPayment,
        entry: &NewEntry,
        created_by: Option<UserId>,
        mut audit: AuditDraft,
    ) -> Result<i64> {
        let ids: Vec<InvoiceId> = p.allocations.iter().map(|a| a.0).collect();
        let open = openness_in(tx, self.backend, company, &ids).await?;
        for (i, (doc, amount)) in p.allocations.iter().enumerate() {
            let o = open.get(doc);
            let owes = o.map(Openness::open).unwrap_or(0);
            // A foreign payment's value was worked out from what the document owed then.
            let book_differs = match (&p.fx, o) {
                (Some(fx), Some(o)) => o.book_total.is_some_and(|b| {
                    fx.allocations.get(i).map(|a| a.book)
                        != Some(settled_share(b, o.total, o.allocated, *amount))
                }),
                _ => false,
            };
            if *amount > owes || book_differs {
                return Err(Error::invalid(
                    format!("allocations[{i}].amount"),
                    "the document owes less now: another payment settled it meanwhile; reload and try again",
                ));
            }
        }
        let year = i64::from(p.date.year());
        let seq = take_number(tx, company, p.kind.series(), year).await?;
        let number = format_number(p.kind.series(), p.date.year(), seq);
        let mut entry = entry.clone();
        entry.reference = number.clone();
        entry.description = format!("{number} {}", entry.description);
        let (entries, _, _) = self
            .insert_entries_in(
                tx,
                company,
                std::slice::from_ref(&entry),
                EntryStatus::Posted,
                created_by,
            )
            .await?;
        let entry_id = entries
            .first()
            .map(|(e, _)| e.0)
            .ok_or_else(|| Error::internal("no entry id"))?;
        let now = Timestamp::now().0;
        let r = sqlx::query(
            "INSERT INTO billing_payments (company_id, kind, series, year, seq, number, party_id, date, currency, amount, \
             account_id, reference, writeoff_account_id, writeoff, entry_id, client_key, created_by, created_at, \
             fx_rate, book_amount, exchange_difference) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21) RETURNING id",
        )
        .bind(company.0)
        .bind(p.kind.as_str())
        .bind(p.kind.series())
        .bind(year)
        .bind(seq)
        .bind(&number)
        .bind(p.party_id.0)
        .bind(day_key(p.date))
        .bind(&p.currency)
        .bind(p.amount)
        .bind(p.account_id.0)
        .bind(&p.reference)
        .bind(p.writeoff_account_id.map(|a| a.0))
        .bind(p.writeoff)
        .bind(entry_id)
        .bind(p.client_key.as_deref())
        .bind(created_by.map(|u| u.0))
        .bind(now)
        .bind(p.fx.as_ref().map(|f| f.rate.as_str()))
        .bind(p.fx.as_ref().map(|f| f.book_amount))
        .bind(p.fx.as_ref().map(|f| f.difference).unwrap_or(0))
        .fetch_one(&mut **tx)
        .await
        .map_err(db)?;
        let id = get_i64(&r, "id")?;
        for (i, (doc, amount)) in p.allocations.iter().enumerate() {
            let value = p.fx.as_ref().and_then(|f| f.allocations.get(i));
            sqlx::query(
                "INSERT INTO billing_allocations (company_id, payment_id, credit_id, document_id, amount, date, created_at, \
                 book_amount, exchange_difference) VALUES ($1, $2, NULL, $3, $4, $5, $6, $7, $8)",
            )
            .bind(company.0)
            .bind(id)
            .bind(doc.0)
            .bind(*amount)
            .bind(day_key(p.date))
            .bind(now)
            .bind(value.map(|a| a.book))
            .bind(value.map(|a| a.difference).unwrap_or(0))
            .execute(&mut **tx)
            .await
            .map_err(db)?;
        }
        if let Some(line) = p.bank_line {
            crate::bank::reconcile::link_in(
                tx,
                company,
                &steward_core::bank::reconcile::NewReconciliation {
                    line_id: line,
                    kind: steward_core::bank::reconcile::MatchKind::NewPayment,
                    payment_id: Some(id),
                    entry_id: Some(EntryId(entry_id)),
                    client_key: p.client_key.clone(),
                    created_by,
                },
            )
            .await?;
        }
        audit.entity_id = Some(id.to_string());
        if let serde_json::Value::Object(m) = &mut audit.changes {
            m.insert("number".into(), serde_json::Value::String(number));
            m.insert("entry_id".into(), serde_json::Value::from(entry_id));
        }
        append_audit(tx, audit).await?;
        Ok(id)
    }
}

/// A payment with its year, number in the series and number as text.
type NumberedPayment<'a> = (&'a NewPayment, i64, i64, String);

/// A payment [`Store::insert_payments_in`] wrote: its id, number and entry.
pub(crate) struct WrittenPayment {
    pub(crate) id: i64,
    pub(crate) number: String,
    pub(crate) entry_id: i64,
}

impl Store {
    /// Writes checked payments (auto-match's, each for its statement line) inside the
    /// caller's transaction, which has locked the company and checked what the documents
    /// owe: numbers taken per series and year in one statement each (gap-free: the series
    /// rows stay locked to the end of the transaction), the entries through the ledger's
    /// writer, then the payments and their allocations in multi-row statements. The
    /// caller writes the reconciliations and the audit events.
    pub(crate) async fn insert_payments_in(
        &self,
        tx: &mut Tx,
        company: CompanyId,
        payments: &[(&NewPayment, &NewEntry)],
        created_by: Option<UserId>,
    ) -> Result<Vec<WrittenPayment>> {
        if payments.is_empty() {
            return Ok(Vec::new());
        }
        if payments.iter().any(|(p, _)| p.fx.is_some()) {
            // Their book values are checked under the documents' locks one by one.
            return Err(Error::internal(
                "a payment in a foreign currency is written by insert_payment",
            ));
        }
        let mut counts: std::collections::BTreeMap<(&str, i64), i64> =
            std::collections::BTreeMap::new();
        for (p, _) in payments {
            *counts
                .entry((p.kind.series(), i64::from(p.date.year())))
                .or_default() += 1;
        }
        let mut next: HashMap<(&str, i64), i64> = HashMap::new();
        for (&(series, year), &n) in &counts {
            let last = take_numbers(tx, company, series, year, n).await?;
            next.insert((series, year), last - n + 1);
        }
        let mut numbered = Vec::with_capacity(payments.len());
        let mut entries = Vec::with_capacity(payments.len());
        for (p, entry) in payments {
            let year = i64::from(p.date.year());
            let slot = next
                .get_mut(&(p.kind.series(), year))
                .ok_or_else(|| Error::internal("no payment number"))?;
            let seq = *slot;
            *slot += 1;
            let number = format_number(p.kind.series(), p.date.year(), seq);
            let mut entry = (*entry).clone();
            entry.reference = number.clone();
            entry.description = format!("{number} {}", entry.description);
            entries.push(entry);
            numbered.push((*p, year, seq, number));
        }
        let (entry_ids, _, _) = self
            .insert_entries_in(tx, company, &entries, EntryStatus::Posted, created_by)
            .await?;
        let ids = reserve_ids(tx, self.backend, "billing_payments", numbered.len()).await?;
        let now = Timestamp::now().0;
        let by = created_by.map_or_else(|| "NULL".to_string(), |u| u.0.to_string());
        const INTO: &str = "billing_payments (id, company_id, kind, series, year, seq, number, party_id, date, currency, amount, \
             account_id, reference, writeoff_account_id, writeoff, entry_id, client_key, created_by, created_at)";
        let row = format!(
            "(?, {}, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, {by}, {now})",
            company.0
        );
        let rows: Vec<(i64, &NumberedPayment, i64)> = ids
            .iter()
            .zip(&numbered)
            .zip(&entry_ids)
            .map(|((id, n), (entry, _))| (*id, n, entry.0))
            .collect();
        for chunk in rows.chunks(rows_per_statement(16)) {
            let sql = insert_values(self.backend, INTO, &row, chunk.len());
            let mut q = sqlx::query(&sql);
            for (id, (p, year, seq, number), entry_id) in chunk {
                q = q
                    .bind(*id)
                    .bind(p.kind.as_str())
                    .bind(p.kind.series())
                    .bind(*year)
                    .bind(*seq)
                    .bind(number.as_str())
                    .bind(p.party_id.0)
                    .bind(day_key(p.date))
                    .bind(p.currency.as_str())
                    .bind(p.amount)
                    .bind(p.account_id.0)
                    .bind(p.reference.as_str())
                    .bind(p.writeoff_account_id.map(|a| a.0))
                    .bind(p.writeoff)
                    .bind(*entry_id)
                    .bind(p.client_key.as_deref());
            }
            q.execute(&mut **tx).await.map_err(db)?;
        }
        let allocations: Vec<(i64, InvoiceId, i64, i64)> = rows
            .iter()
            .flat_map(|(id, (p, ..), _)| {
                p.allocations
                    .iter()
                    .map(move |(doc, amount)| (*id, *doc, *amount, day_key(p.date)))
            })
            .collect();
        const ALLOCATIONS_INTO: &str =
            "billing_allocations (company_id, payment_id, credit_id, document_id, amount, date, created_at)";
        let row = format!("({}, ?, NULL, ?, ?, ?, {now})", company.0);
        for chunk in allocations.chunks(rows_per_statement(4)) {
            let sql = insert_values(self.backend, ALLOCATIONS_INTO, &row, chunk.len());
            let mut q = sqlx::query(&sql);
            for (payment, doc, amount, date) in chunk {
                q = q.bind(*payment).bind(doc.0).bind(*amount).bind(*date);
            }
            q.execute(&mut **tx).await.map_err(db)?;
        }
        Ok(rows
            .into_iter()
            .map(|(id, (_, _, _, number), entry_id)| WrittenPayment {
                id,
                number: number.clone(),
                entry_id,
            })
            .collect())
    }
}

impl PaymentStore for Store {
    async fn payment_by_key(&self, company: CompanyId, key: &str) -> Result<Option<i64>> {
        sqlx::query("SELECT id FROM billing_payments WHERE company_id = $1 AND client_key = $2")
            .bind(company.0)
            .bind(key)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?
            .map(|r| get_i64(&r, "id"))
            .transpose()
    }

    async fn insert_payment(
        &self,
        company: CompanyId,
        p: &NewPayment,
        entry: &NewEntry,
        created_by: Option<UserId>,
        audit: AuditDraft,
    ) -> Result<(i64, bool)> {
        if let Some(k) = &p.client_key {
            if let Some(id) = self.payment_by_key(company, k).await? {
                return Ok((id, false));
            }
        }
        match self
            .insert_payment_once(company, p, entry, created_by, audit)
            .await
        {
            Ok(id) => Ok((id, true)),
            // The same key raced us and won: answer with its payment.
            Err(Error::Conflict { .. }) if p.client_key.is_some() => {
                let k = p.client_key.as_deref().unwrap_or_default();
                match self.payment_by_key(company, k).await? {
                    Some(id) => Ok((id, false)),
                    None if p.bank_line.is_some() => Err(Error::conflict(
                        "the line was reconciled meanwhile, or the payment could not be saved; reload",
                    )),
                    None => Err(Error::conflict("the payment could not be saved; try again")),
                }
            }
            Err(e) => Err(e),
        }
    }

    async fn payment(&self, company: CompanyId, id: i64) -> Result<Option<Payment>> {
        let Some(r) = sqlx::query(&format!(
            "SELECT {PAYMENT_ROW}, p.account_id, acc.name AS account, p.writeoff_account_id, p.entry_id, \
             p.fx_rate, p.book_amount, p.exchange_difference \
             FROM billing_payments p JOIN billing_parties b ON b.id = p.party_id \
             LEFT JOIN ledger_accounts acc ON acc.id = p.account_id \
             WHERE p.company_id = $1 AND p.id = $2"
        ))
        .bind(company.0)
        .bind(id)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?
        else {
            return Ok(None);
        };
        let row = payment_row_of(&r)?;
        let allocations = sqlx::query(
            "SELECT x.document_id, d.number, x.amount, x.book_amount, x.exchange_difference FROM billing_allocations x \
             JOIN billing_documents d ON d.id = x.document_id WHERE x.payment_id = $1 ORDER BY x.id",
        )
        .bind(id)
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(|a| {
            Ok(Allocation {
                document_id: InvoiceId(get_i64(a, "document_id")?),
                document_number: opt_str(a, "number")?,
                amount: get_i64(a, "amount")?,
                book_amount: opt_i64(a, "book_amount")?,
                exchange_difference: get_i64(a, "exchange_difference")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        Ok(Some(Payment {
            id: row.id,
            kind: row.kind,
            number: row.number,
            party_id: row.party_id,
            party_name: row.party_name,
            date: row.date,
            currency: row.currency,
            amount: row.amount,
            account_id: AccountId(get_i64(&r, "account_id")?),
            account: opt_str(&r, "account")?.unwrap_or_default(),
            reference: row.reference,
            writeoff_account_id: opt_i64(&r, "writeoff_account_id")?.map(AccountId),
            writeoff: get_i64(&r, "writeoff")?,
            allocations,
            unallocated: row.unallocated,
            entry_id: opt_i64(&r, "entry_id")?.map(EntryId),
            fx_rate: opt_str(&r, "fx_rate")?,
            book_amount: opt_i64(&r, "book_amount")?,
            exchange_difference: get_i64(&r, "exchange_difference")?,
        }))
    }

    async fn list_payments(
        &self,
        company: CompanyId,
        q: &PaymentQuery,
    ) -> Result<Page<PaymentRow>> {
        let mut count = Query::select();
        filtered(company, q, &mut count);
        count.expr_as(count_all(), a("n"));
        let mut s = Query::select();
        filtered(company, q, &mut s);
        s.expr(Expr::cust(PAYMENT_ROW));
        let dir = match q.dir {
            SortDir::Asc => Order::Asc,
            SortDir::Desc => Order::Desc,
        };
        match q.sort {
            PaymentSort::Date => s.order_by((a("p"), a("date")), dir.clone()),
            PaymentSort::Amount => s.order_by((a("p"), a("amount")), dir.clone()),
        };
        s.order_by((a("p"), a("id")), dir);
        let (rows, total) = self.fetch_counted(&count, &s, q.paging).await?;
        Ok(Page {
            items: rows.iter().map(payment_row_of).collect::<Result<_>>()?,
            total,
            limit: q.paging.limit,
            offset: q.paging.offset,
        })
    }

    async fn openness(
        &self,
        company: CompanyId,
        ids: &[InvoiceId],
    ) -> Result<HashMap<InvoiceId, Openness>> {
        let mut conn = self.read.acquire().await.map_err(db)?;
        openness_on(&mut conn, company, ids, "").await
    }

    async fn open_documents(
        &self,
        company: CompanyId,
        party: PartyId,
        kind: InvoiceKind,
    ) -> Result<Vec<(InvoiceRow, Openness)>> {
        let cols: Vec<String> = ROW_COLUMNS.iter().map(|c| format!("d.{c}")).collect();
        let rows = sqlx::query(&format!(
            "SELECT {}, d.book_total, p.name AS party_name, \
             (SELECT CAST(COALESCE(SUM(x.amount), 0) AS BIGINT) FROM billing_allocations x \
              WHERE x.company_id = d.company_id AND x.document_id = d.id) AS allocated \
             FROM billing_documents d JOIN billing_parties p ON p.id = d.party_id \
             WHERE d.company_id = $1 AND d.party_id = $2 AND d.kind = $3 AND d.status = 'posted' \
             ORDER BY d.due_date, d.id",
            cols.join(", ")
        ))
        .bind(company.0)
        .bind(party.0)
        .bind(kind.as_str())
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        let mut out = Vec::new();
        for r in &rows {
            let row = row_of(r)?;
            let o = Openness {
                party_id: row.party_id,
                kind: row.kind,
                currency: row.currency.clone(),
                number: row.number.clone(),
                total: row.total,
                allocated: get_i64(r, "allocated")?,
                book_total: opt_i64(r, "book_total")?,
            };
            if o.open() > 0 {
                out.push((row, o));
            }
        }
        Ok(out)
    }

    async fn allocations_of(
        &self,
        company: CompanyId,
        document: InvoiceId,
    ) -> Result<Vec<DocumentAllocation>> {
        sqlx::query(
            "SELECT x.date, x.payment_id, x.credit_id, x.amount, p.number AS payment_number, c.number AS credit_number, \
             COALESCE(p.fx_rate, c.fx_rate) AS rate, x.book_amount, x.exchange_difference \
             FROM billing_allocations x \
             LEFT JOIN billing_payments p ON p.id = x.payment_id \
             LEFT JOIN billing_documents c ON c.id = x.credit_id \
             WHERE x.company_id = $1 AND x.document_id = $2 ORDER BY x.date, x.id",
        )
        .bind(company.0)
        .bind(document.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok(DocumentAllocation {
                date: date_of(r, "date")?,
                source: opt_str(r, "payment_number")?
                    .or(opt_str(r, "credit_number")?)
                    .unwrap_or_default(),
                payment_id: opt_i64(r, "payment_id")?,
                credit_id: opt_i64(r, "credit_id")?.map(InvoiceId),
                amount: get_i64(r, "amount")?,
                rate: opt_str(r, "rate")?,
                book_amount: opt_i64(r, "book_amount")?,
                exchange_difference: get_i64(r, "exchange_difference")?,
            })
        })
        .collect()
    }
}
