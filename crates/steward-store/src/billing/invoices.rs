//! Invoices, credit notes, bills and vendor credits with their lines. Posting numbers the
//! document from `billing_sequences` (series x year; the row lock makes it gap-free, a
//! rollback gives the number back) and posts its ledger entry in the same transaction.
//! Lock order (as the ledger's): the company row (shared), the document, the series row,
//! then the ledger's own.
use chrono::{Datelike, NaiveDate};
use sea_query::{Alias, ExprTrait, Order, Query, SelectStatement};
use sqlx::any::AnyRow;
use std::collections::HashMap;
use steward_core::audit::AuditDraft;
use steward_core::billing::invoice_batch::{BatchPosting, BatchResult};
use steward_core::billing::invoices::{
    format_number, Invoice, InvoiceKind, InvoiceLine, InvoiceQuery, InvoiceRow, InvoiceSort,
    InvoiceStatus, InvoiceStore, NewInvoice, NewLine, Posting,
};
use steward_core::billing::TaxRounding;
use steward_core::ids::{
    AccountId, CompanyId, DepartmentId, EntryId, InvoiceId, PartyId, TaxCodeId, UserId,
};
use steward_core::ledger::{day_from_key, day_key, EntryStatus};
use steward_core::list::{Page, SortDir};
use steward_core::time::Timestamp;
use steward_core::{Error, Result};

use crate::ledger::{lock_company, Tx};
use crate::sql::{col, contains_any, count_all, insert_values, reserve_ids, rows_per_statement};
use crate::{append_audit, db, get_i64, get_str, opt_i64, opt_str, Store};

fn a(s: &str) -> Alias {
    Alias::new(s)
}

fn date_of(r: &AnyRow, c: &str) -> Result<NaiveDate> {
    day_from_key(get_i64(r, c)?).ok_or_else(|| Error::internal(format!("bad date in {c}")))
}

fn kind_of(r: &AnyRow) -> Result<InvoiceKind> {
    InvoiceKind::parse(&get_str(r, "kind")?).ok_or_else(|| Error::internal("unknown kind"))
}

fn status_of(r: &AnyRow) -> Result<InvoiceStatus> {
    InvoiceStatus::parse(&get_str(r, "status")?).ok_or_else(|| Error::internal("unknown status"))
}

pub(crate) const ROW_COLUMNS: &[&str] = &[
    "id",
    "kind",
    "status",
    "party_id",
    "number",
    "issue_date",
    "due_date",
    "currency",
    "reference",
    "subtotal",
    "tax",
    "total",
    "version",
];

pub(crate) fn row_of(r: &AnyRow) -> Result<InvoiceRow> {
    Ok(InvoiceRow {
        id: InvoiceId(get_i64(r, "id")?),
        kind: kind_of(r)?,
        status: status_of(r)?,
        party_id: PartyId(get_i64(r, "party_id")?),
        party_name: get_str(r, "party_name")?,
        number: opt_str(r, "number")?,
        issue_date: date_of(r, "issue_date")?,
        due_date: date_of(r, "due_date")?,
        currency: get_str(r, "currency")?,
        reference: get_str(r, "reference")?,
        subtotal: get_i64(r, "subtotal")?,
        tax: get_i64(r, "tax")?,
        total: get_i64(r, "total")?,
        version: get_i64(r, "version")?,
    })
}

fn line_of(r: &AnyRow) -> Result<InvoiceLine> {
    Ok(InvoiceLine {
        id: get_i64(r, "id")?,
        position: get_i64(r, "position")?,
        description: get_str(r, "description")?,
        quantity: get_i64(r, "quantity")?,
        unit_price: get_i64(r, "unit_price")?,
        discount: get_i64(r, "discount")?,
        tax_code_id: opt_i64(r, "tax_code_id")?.map(TaxCodeId),
        tax_code: opt_str(r, "tax_code")?,
        account_id: AccountId(get_i64(r, "account_id")?),
        account: opt_str(r, "account")?.unwrap_or_default(),
        department_id: opt_i64(r, "department_id")?.map(DepartmentId),
        project: get_str(r, "project")?,
        credited_line_id: opt_i64(r, "credited_line_id")?,
        net: get_i64(r, "net")?,
        tax: get_i64(r, "tax")?,
    })
}

fn filtered(company: CompanyId, q: &InvoiceQuery, s: &mut SelectStatement) {
    s.from_as(a("billing_documents"), a("d"))
        .join_as(
            sea_query::JoinType::InnerJoin,
            a("billing_parties"),
            a("p"),
            col("p", "id").equals((a("d"), a("party_id"))),
        )
        .and_where(col("d", "company_id").eq(company.0))
        .and_where(col("d", "kind").is_in(q.kinds.iter().map(|k| k.as_str())));
    if let Some(st) = q.status {
        s.and_where(col("d", "status").eq(st.as_str()));
    }
    if let Some(p) = q.party_id {
        s.and_where(col("d", "party_id").eq(p.0));
    }
    if let Some(f) = q.from {
        s.and_where(col("d", "issue_date").gte(day_key(f)));
    }
    if let Some(t) = q.to {
        s.and_where(col("d", "issue_date").lte(day_key(t)));
    }
    if let Some(c) = contains_any(
        q.search.as_deref(),
        &[("d", "number"), ("d", "reference"), ("p", "name")],
    ) {
        s.cond_where(c);
    }
}

/// A document's lines, in one statement (13 values a line; a document has at most
/// `MAX_LINES`, so far below either database's limit on values).
async fn insert_lines(tx: &mut Tx, id: i64, inv: &NewInvoice) -> Result<()> {
    if inv.lines.is_empty() {
        return Ok(());
    }
    let rows: Vec<String> = (0..inv.lines.len())
        .map(|i| {
            let b = i * 13;
            format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7,
                b + 8,
                b + 9,
                b + 10,
                b + 11,
                b + 12,
                b + 13
            )
        })
        .collect();
    let sql = format!(
        "INSERT INTO billing_lines (document_id, position, description, quantity, unit_price, discount, tax_code_id, \
         account_id, department_id, project, credited_line_id, net, tax) VALUES {}",
        rows.join(", ")
    );
    let mut q = sqlx::query(&sql);
    for (i, l) in inv.lines.iter().enumerate() {
        q = q
            .bind(id)
            .bind(i as i64 + 1)
            .bind(&l.description)
            .bind(l.quantity)
            .bind(l.unit_price)
            .bind(l.discount)
            .bind(l.tax_code_id.map(|t| t.0))
            .bind(l.account_id.0)
            .bind(l.department_id.map(|d| d.0))
            .bind(&l.project)
            .bind(l.credited_line_id)
            .bind(l.net)
            .bind(l.tax);
    }
    q.execute(&mut **tx).await.map_err(db)?;
    Ok(())
}

/// A document of a batch with its year, number in the series and number as text.
type Numbered<'a> = (&'a NewInvoice, i64, i64, String);

/// The columns a batch writes of a posted document (`id` first; `status`, the creator and
/// poster and their times are literals of the row).
const DOCUMENTS_INTO: &str = "billing_documents (id, company_id, kind, status, party_id, series, year, seq, number, issue_date, \
     due_date, currency, reference, notes, subtotal, tax, total, tax_rounding, client_key, entry_id, \
     created_by, created_at, posted_by, posted_at, fx_rate, book_total)";

/// Many documents' lines (document id, index, line) in multi-row statements.
async fn insert_line_rows(
    tx: &mut Tx,
    backend: crate::Backend,
    lines: &[(i64, usize, &NewLine)],
) -> Result<()> {
    const INTO: &str = "billing_lines (document_id, position, description, quantity, unit_price, discount, tax_code_id, \
         account_id, department_id, project, credited_line_id, net, tax)";
    const ROW: &str = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    for chunk in lines.chunks(rows_per_statement(13)) {
        let sql = insert_values(backend, INTO, ROW, chunk.len());
        let mut q = sqlx::query(&sql);
        for (id, i, l) in chunk {
            q = q
                .bind(*id)
                .bind(*i as i64 + 1)
                .bind(l.description.as_str())
                .bind(l.quantity)
                .bind(l.unit_price)
                .bind(l.discount)
                .bind(l.tax_code_id.map(|t| t.0))
                .bind(l.account_id.0)
                .bind(l.department_id.map(|d| d.0))
                .bind(l.project.as_str())
                .bind(l.credited_line_id)
                .bind(l.net)
                .bind(l.tax);
        }
        q.execute(&mut **tx).await.map_err(db)?;
    }
    Ok(())
}

/// Rewrites a draft's header and lines; `Conflict` unless it is the draft at `version`.
async fn replace_draft(
    tx: &mut Tx,
    company: CompanyId,
    id: InvoiceId,
    inv: &NewInvoice,
    version: i64,
) -> Result<()> {
    replace_in(tx, company, id, inv, version, InvoiceStatus::Draft).await
}

/// Rewrites the header and lines of a document in `from` (a draft, or a bill waiting for
/// approval that is being posted); `Conflict` unless it is in `from` at `version`.
async fn replace_in(
    tx: &mut Tx,
    company: CompanyId,
    id: InvoiceId,
    inv: &NewInvoice,
    version: i64,
    from: InvoiceStatus,
) -> Result<()> {
    let r = sqlx::query(
        "UPDATE billing_documents SET party_id = $1, issue_date = $2, due_date = $3, currency = $4, reference = $5, \
         notes = $6, subtotal = $7, tax = $8, total = $9, tax_rounding = $10, version = version + 1 \
         WHERE id = $11 AND company_id = $12 AND version = $13 AND status = $14",
    )
    .bind(inv.party_id.0)
    .bind(day_key(inv.issue_date))
    .bind(day_key(inv.due_date))
    .bind(&inv.currency)
    .bind(&inv.reference)
    .bind(&inv.notes)
    .bind(inv.subtotal)
    .bind(inv.tax)
    .bind(inv.total)
    .bind(inv.tax_rounding.as_str())
    .bind(id.0)
    .bind(company.0)
    .bind(version)
    .bind(from.as_str())
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    if r.rows_affected() == 0 {
        return Err(why_not(tx, company, id).await);
    }
    sqlx::query("DELETE FROM billing_lines WHERE document_id = $1")
        .bind(id.0)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    insert_lines(tx, id.0, inv).await
}

/// Why a draft-only write touched nothing.
async fn why_not(tx: &mut Tx, company: CompanyId, id: InvoiceId) -> Error {
    let found = sqlx::query(
        "SELECT status, number FROM billing_documents WHERE id = $1 AND company_id = $2",
    )
    .bind(id.0)
    .bind(company.0)
    .fetch_optional(&mut **tx)
    .await;
    match found {
        Ok(None) => Error::NotFound { entity: "invoice" },
        Ok(Some(r)) if get_str(&r, "status").is_ok_and(|s| s == "posted") => {
            Error::conflict(format!(
                "{} is posted and does not change: credit it instead",
                opt_str(&r, "number").ok().flatten().unwrap_or_default()
            ))
        }
        Ok(Some(r)) if get_str(&r, "status").is_ok_and(|s| s == "pending") => Error::conflict(
            "the bill is waiting for approval and does not change until it is decided",
        ),
        Ok(Some(_)) => Error::conflict(
            "the document was changed by someone else since you read it; reload and try again",
        ),
        Err(e) => db(e),
    }
}

/// Takes the next number of a series and year.
pub(crate) async fn take_number(
    tx: &mut Tx,
    company: CompanyId,
    series: &str,
    year: i64,
) -> Result<i64> {
    take_numbers(tx, company, series, year, 1).await
}

/// Takes the next `n` numbers of a series and year; the last of them (the first is
/// `last - n + 1`). The row lock held to the end of the transaction keeps them gap-free.
pub(crate) async fn take_numbers(
    tx: &mut Tx,
    company: CompanyId,
    series: &str,
    year: i64,
    n: i64,
) -> Result<i64> {
    let r = sqlx::query(
        "INSERT INTO billing_sequences (company_id, series, year, last_value) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (company_id, series, year) DO UPDATE SET last_value = billing_sequences.last_value + $5 \
         RETURNING last_value",
    )
    .bind(company.0)
    .bind(series)
    .bind(year)
    .bind(n)
    .bind(n)
    .fetch_one(&mut **tx)
    .await
    .map_err(db)?;
    get_i64(&r, "last_value")
}

impl InvoiceStore for Store {
    async fn invoice_by_key(&self, company: CompanyId, key: &str) -> Result<Option<InvoiceId>> {
        Ok(sqlx::query(
            "SELECT id FROM billing_documents WHERE company_id = $1 AND client_key = $2",
        )
        .bind(company.0)
        .bind(key)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?
        .map(|r| get_i64(&r, "id"))
        .transpose()?
        .map(InvoiceId))
    }

    async fn list_invoices(
        &self,
        company: CompanyId,
        q: &InvoiceQuery,
    ) -> Result<Page<InvoiceRow>> {
        let mut count = Query::select();
        filtered(company, q, &mut count);
        count.expr_as(count_all(), a("n"));
        let mut s = Query::select();
        filtered(company, q, &mut s);
        for c in ROW_COLUMNS {
            s.column((a("d"), a(c)));
        }
        s.expr_as(col("p", "name"), a("party_name"));
        let dir = match q.dir {
            SortDir::Asc => Order::Asc,
            SortDir::Desc => Order::Desc,
        };
        match q.sort {
            InvoiceSort::IssueDate => s.order_by((a("d"), a("issue_date")), dir.clone()),
            InvoiceSort::DueDate => s.order_by((a("d"), a("due_date")), dir.clone()),
            InvoiceSort::Number => s
                .order_by((a("d"), a("series")), dir.clone())
                .order_by((a("d"), a("year")), dir.clone())
                .order_by((a("d"), a("seq")), dir.clone()),
            InvoiceSort::Total => s.order_by((a("d"), a("total")), dir.clone()),
        };
        s.order_by((a("d"), a("id")), dir);
        let (rows, total) = self.fetch_counted(&count, &s, q.paging).await?;
        Ok(Page {
            items: rows.iter().map(row_of).collect::<Result<_>>()?,
            total,
            limit: q.paging.limit,
            offset: q.paging.offset,
        })
    }

    async fn invoice(&self, company: CompanyId, id: InvoiceId) -> Result<Option<Invoice>> {
        let Some(r) = sqlx::query(
            "SELECT d.id, d.kind, d.status, d.party_id, p.name AS party_name, d.number, d.issue_date, d.due_date, \
             d.currency, d.reference, d.notes, d.credited_id, c.number AS credited_number, d.subtotal, d.tax, d.total, \
             d.tax_rounding, d.entry_id, d.created_by, d.posted_at, d.submitted_by, d.approval_note, \
             d.fx_rate, d.book_total, d.exchange_difference, d.version \
             FROM billing_documents d JOIN billing_parties p ON p.id = d.party_id \
             LEFT JOIN billing_documents c ON c.id = d.credited_id \
             WHERE d.id = $1 AND d.company_id = $2",
        )
        .bind(id.0)
        .bind(company.0)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?
        else {
            return Ok(None);
        };
        let lines = sqlx::query(
            "SELECT l.id, l.position, l.description, l.quantity, l.unit_price, l.discount, l.tax_code_id, t.code AS tax_code, \
             l.account_id, acc.name AS account, l.department_id, l.project, l.credited_line_id, l.net, l.tax \
             FROM billing_lines l LEFT JOIN billing_tax_codes t ON t.id = l.tax_code_id \
             LEFT JOIN ledger_accounts acc ON acc.id = l.account_id \
             WHERE l.document_id = $1 ORDER BY l.position",
        )
        .bind(id.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(line_of)
        .collect::<Result<Vec<_>>>()?;
        Ok(Some(Invoice {
            id,
            kind: kind_of(&r)?,
            status: status_of(&r)?,
            party_id: PartyId(get_i64(&r, "party_id")?),
            party_name: get_str(&r, "party_name")?,
            number: opt_str(&r, "number")?,
            issue_date: date_of(&r, "issue_date")?,
            due_date: date_of(&r, "due_date")?,
            currency: get_str(&r, "currency")?,
            reference: get_str(&r, "reference")?,
            notes: get_str(&r, "notes")?,
            credited_id: opt_i64(&r, "credited_id")?.map(InvoiceId),
            credited_number: opt_str(&r, "credited_number")?,
            subtotal: get_i64(&r, "subtotal")?,
            tax: get_i64(&r, "tax")?,
            total: get_i64(&r, "total")?,
            tax_rounding: TaxRounding::parse(&get_str(&r, "tax_rounding")?)
                .ok_or_else(|| Error::internal("unknown tax rounding"))?,
            entry_id: opt_i64(&r, "entry_id")?.map(EntryId),
            lines,
            created_by: opt_i64(&r, "created_by")?.map(UserId),
            posted_at: opt_i64(&r, "posted_at")?.map(Timestamp),
            submitted_by: opt_i64(&r, "submitted_by")?.map(UserId),
            approval_note: get_str(&r, "approval_note")?,
            fx_rate: opt_str(&r, "fx_rate")?,
            book_total: opt_i64(&r, "book_total")?,
            exchange_difference: get_i64(&r, "exchange_difference")?,
            version: get_i64(&r, "version")?,
        }))
    }

    async fn insert_invoice(
        &self,
        company: CompanyId,
        inv: &NewInvoice,
        created_by: Option<UserId>,
        mut audit: AuditDraft,
    ) -> Result<(InvoiceId, bool)> {
        if let Some(k) = &inv.client_key {
            if let Some(id) = self.invoice_by_key(company, k).await? {
                return Ok((id, false));
            }
        }
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "INSERT INTO billing_documents (company_id, kind, status, party_id, series, issue_date, due_date, currency, \
             reference, notes, credited_id, subtotal, tax, total, tax_rounding, client_key, created_by, created_at) \
             VALUES ($1, $2, 'draft', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id",
        )
        .bind(company.0)
        .bind(inv.kind.as_str())
        .bind(inv.party_id.0)
        .bind(inv.kind.series())
        .bind(day_key(inv.issue_date))
        .bind(day_key(inv.due_date))
        .bind(&inv.currency)
        .bind(&inv.reference)
        .bind(&inv.notes)
        .bind(inv.credited_id.map(|c| c.0))
        .bind(inv.subtotal)
        .bind(inv.tax)
        .bind(inv.total)
        .bind(inv.tax_rounding.as_str())
        .bind(inv.client_key.as_deref())
        .bind(created_by.map(|u| u.0))
        .bind(Timestamp::now().0)
        .fetch_one(&mut *tx)
        .await;
        let r = match r {
            Ok(r) => r,
            Err(e) => {
                // Another request with the same key won the race: answer with its draft.
                if let (Error::Conflict { .. }, Some(k)) = (db(e), &inv.client_key) {
                    drop(tx);
                    if let Some(id) = self.invoice_by_key(company, k).await? {
                        return Ok((id, false));
                    }
                }
                return Err(Error::conflict(
                    "the document could not be saved; try again",
                ));
            }
        };
        let id = get_i64(&r, "id")?;
        insert_lines(&mut tx, id, inv).await?;
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok((InvoiceId(id), true))
    }

    async fn update_invoice_draft(
        &self,
        company: CompanyId,
        id: InvoiceId,
        inv: &NewInvoice,
        version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        replace_draft(&mut tx, company, id, inv, version).await?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn delete_invoice_draft(
        &self,
        company: CompanyId,
        id: InvoiceId,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let found =
            sqlx::query("SELECT status FROM billing_documents WHERE id = $1 AND company_id = $2")
                .bind(id.0)
                .bind(company.0)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
        match found {
            None => return Err(Error::NotFound { entity: "invoice" }),
            Some(r) if get_str(&r, "status")? != "draft" => {
                return Err(why_not(&mut tx, company, id).await)
            }
            Some(_) => {}
        }
        sqlx::query("DELETE FROM billing_lines WHERE document_id = $1")
            .bind(id.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let r = sqlx::query(
            "DELETE FROM billing_documents WHERE id = $1 AND company_id = $2 AND status = 'draft'",
        )
        .bind(id.0)
        .bind(company.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(why_not(&mut tx, company, id).await);
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn post_invoice(
        &self,
        company: CompanyId,
        id: InvoiceId,
        posting: Posting<'_>,
        mut audit: AuditDraft,
    ) -> Result<()> {
        let Posting {
            from,
            version,
            invoice: inv,
            entry,
            posted_by,
        } = posting;
        let mut tx = self.begin().await?;
        lock_company(&mut tx, self.backend, company, false).await?;
        replace_in(&mut tx, company, id, inv, version, from).await?;
        let year = i64::from(inv.issue_date.year());
        let seq = take_number(&mut tx, company, inv.kind.series(), year).await?;
        let number = format_number(inv.kind.series(), inv.issue_date.year(), seq);
        let mut entry = entry.clone();
        entry.reference = number.clone();
        entry.description = format!("{number} {}", entry.description);
        let (ids, _, _) = self
            .insert_entries_in(
                &mut tx,
                company,
                std::slice::from_ref(&entry),
                EntryStatus::Posted,
                posted_by,
            )
            .await?;
        let entry_id = ids
            .first()
            .map(|(e, _)| e.0)
            .ok_or_else(|| Error::internal("no entry id"))?;
        let r = sqlx::query(
            "UPDATE billing_documents SET status = 'posted', year = $1, seq = $2, number = $3, entry_id = $4, \
             posted_by = $5, posted_at = $6, fx_rate = $7, book_total = $8, exchange_difference = $9, \
             version = version + 1 WHERE id = $10 AND company_id = $11 AND status = $12",
        )
        .bind(year)
        .bind(seq)
        .bind(&number)
        .bind(entry_id)
        .bind(posted_by.map(|u| u.0))
        .bind(Timestamp::now().0)
        .bind(inv.fx.as_ref().map(|f| f.rate.as_str()))
        .bind(inv.fx.as_ref().map(|f| f.book_total))
        .bind(
            inv.fx
                .as_ref()
                .and_then(|f| f.applied)
                .map(|a| a.difference)
                .unwrap_or(0),
        )
        .bind(id.0)
        .bind(company.0)
        .bind(from.as_str())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(why_not(&mut tx, company, id).await);
        }
        // A credit settles the document it credits, as far as that still owes.
        if let (Some(credited), true) = (inv.credited_id, inv.kind.is_credit()) {
            super::payments::apply_credit(
                &mut tx,
                self.backend,
                company,
                id,
                credited,
                inv.total,
                inv.issue_date,
                inv.fx.as_ref(),
            )
            .await?;
        }
        if let serde_json::Value::Object(m) = &mut audit.changes {
            m.insert("number".into(), serde_json::Value::String(number));
            m.insert("entry_id".into(), serde_json::Value::from(entry_id));
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn post_invoice_batch(
        &self,
        company: CompanyId,
        postings: &[BatchPosting],
        posted_by: Option<UserId>,
        mut audit: AuditDraft,
    ) -> Result<Vec<BatchResult>> {
        let mut tx = self.begin().await?;
        lock_company(&mut tx, self.backend, company, false).await?;
        // What the keys made before.
        let keys: Vec<String> = postings
            .iter()
            .filter_map(|p| p.invoice.client_key.clone())
            .collect();
        let mut existing: HashMap<String, (i64, String)> = HashMap::new();
        for chunk in keys.chunks(500) {
            let mut s = Query::select();
            s.columns([a("id"), a("client_key"), a("number")])
                .from(a("billing_documents"))
                .and_where(col("billing_documents", "company_id").eq(company.0))
                .and_where(col("billing_documents", "client_key").is_in(chunk.iter().cloned()));
            let (sql, values) = crate::sql::build(self.backend, &s);
            for r in crate::sql::bind_values(sqlx::query(&sql), values)
                .fetch_all(&mut *tx)
                .await
                .map_err(db)?
            {
                existing.insert(
                    get_str(&r, "client_key")?,
                    (
                        get_i64(&r, "id")?,
                        opt_str(&r, "number")?.unwrap_or_default(),
                    ),
                );
            }
        }
        // The new ones (a key twice in the batch counts once), numbered per series and year.
        let mut seen = std::collections::HashSet::new();
        let fresh: Vec<bool> = postings
            .iter()
            .map(|p| match &p.invoice.client_key {
                Some(k) => !existing.contains_key(k) && seen.insert(k.clone()),
                None => true,
            })
            .collect();
        let mut counts: std::collections::BTreeMap<(&str, i64), i64> =
            std::collections::BTreeMap::new();
        for (p, _) in postings.iter().zip(&fresh).filter(|(_, f)| **f) {
            *counts
                .entry((
                    p.invoice.kind.series(),
                    i64::from(p.invoice.issue_date.year()),
                ))
                .or_default() += 1;
        }
        let mut next: HashMap<(&str, i64), i64> = HashMap::new();
        for (&(series, year), &n) in &counts {
            let last = take_numbers(&mut tx, company, series, year, n).await?;
            next.insert((series, year), last - n + 1);
        }
        let mut numbered = Vec::new();
        let mut entries = Vec::new();
        for (p, _) in postings.iter().zip(&fresh).filter(|(_, f)| **f) {
            let inv = &p.invoice;
            let year = i64::from(inv.issue_date.year());
            let slot = next
                .get_mut(&(inv.kind.series(), year))
                .ok_or_else(|| Error::internal("no number"))?;
            let seq = *slot;
            *slot += 1;
            let number = format_number(inv.kind.series(), inv.issue_date.year(), seq);
            let mut entry = p.entry.clone();
            entry.reference = number.clone();
            entry.description = format!("{number} {}", entry.description);
            entries.push(entry);
            numbered.push((inv, year, seq, number));
        }
        let (ids, _, _) = self
            .insert_entries_in(&mut tx, company, &entries, EntryStatus::Posted, posted_by)
            .await?;
        // The documents with ids taken at once, then every line, in multi-row statements.
        let doc_ids =
            reserve_ids(&mut tx, self.backend, "billing_documents", numbered.len()).await?;
        let now = Timestamp::now().0;
        let by = posted_by.map_or_else(|| "NULL".to_string(), |u| u.0.to_string());
        let row = format!(
            "(?, {}, ?, 'posted', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, {by}, {now}, {by}, {now}, ?, ?)",
            company.0
        );
        let docs: Vec<(i64, &Numbered, i64)> = doc_ids
            .iter()
            .zip(&numbered)
            .zip(&ids)
            .map(|((id, n), (entry_id, _))| (*id, n, entry_id.0))
            .collect();
        for chunk in docs.chunks(rows_per_statement(21)) {
            let sql = insert_values(self.backend, DOCUMENTS_INTO, &row, chunk.len());
            let mut q = sqlx::query(&sql);
            for (id, (inv, year, seq, number), entry_id) in chunk {
                q = q
                    .bind(*id)
                    .bind(inv.kind.as_str())
                    .bind(inv.party_id.0)
                    .bind(inv.kind.series())
                    .bind(*year)
                    .bind(*seq)
                    .bind(number.as_str())
                    .bind(day_key(inv.issue_date))
                    .bind(day_key(inv.due_date))
                    .bind(inv.currency.as_str())
                    .bind(inv.reference.as_str())
                    .bind(inv.notes.as_str())
                    .bind(inv.subtotal)
                    .bind(inv.tax)
                    .bind(inv.total)
                    .bind(inv.tax_rounding.as_str())
                    .bind(inv.client_key.as_deref())
                    .bind(*entry_id)
                    .bind(inv.fx.as_ref().map(|f| f.rate.as_str()))
                    .bind(inv.fx.as_ref().map(|f| f.book_total));
            }
            q.execute(&mut *tx).await.map_err(|e| match db(e) {
                Error::Conflict { .. } => Error::conflict(
                    "another request posted the same documents or numbers at the same time; send the batch again",
                ),
                e => e,
            })?;
        }
        let lines: Vec<(i64, usize, &steward_core::billing::invoices::NewLine)> = docs
            .iter()
            .flat_map(|(id, (inv, ..), _)| {
                inv.lines.iter().enumerate().map(move |(i, l)| (*id, i, l))
            })
            .collect();
        insert_line_rows(&mut tx, self.backend, &lines).await?;
        let mut made: HashMap<String, (i64, String)> = HashMap::new();
        let mut out_fresh = Vec::with_capacity(docs.len());
        for (id, (inv, _, _, number), _) in &docs {
            if let Some(k) = &inv.client_key {
                made.insert(k.clone(), (*id, number.clone()));
            }
            out_fresh.push((*id, number.clone()));
        }
        if let serde_json::Value::Object(m) = &mut audit.changes {
            if let (Some(first), Some(last)) = (out_fresh.first(), out_fresh.last()) {
                m.insert("first".into(), first.1.clone().into());
                m.insert("last".into(), last.1.clone().into());
            }
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        let mut fresh_out = out_fresh.into_iter();
        postings
            .iter()
            .zip(&fresh)
            .map(|(p, is_new)| {
                if *is_new {
                    let (id, number) = fresh_out
                        .next()
                        .ok_or_else(|| Error::internal("batch result"))?;
                    return Ok(BatchResult {
                        id: InvoiceId(id),
                        number,
                        created: true,
                    });
                }
                let k = p.invoice.client_key.as_deref().unwrap_or_default();
                let (id, number) = existing
                    .get(k)
                    .or_else(|| made.get(k))
                    .cloned()
                    .ok_or_else(|| Error::internal("batch key"))?;
                Ok(BatchResult {
                    id: InvoiceId(id),
                    number,
                    created: false,
                })
            })
            .collect()
    }

    async fn submit_invoice(
        &self,
        company: CompanyId,
        id: InvoiceId,
        inv: &NewInvoice,
        version: i64,
        by: Option<UserId>,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        replace_draft(&mut tx, company, id, inv, version).await?;
        sqlx::query(
            "UPDATE billing_documents SET status = 'pending', submitted_by = $1, approval_note = '', \
             version = version + 1 WHERE id = $2 AND company_id = $3 AND status = 'draft'",
        )
        .bind(by.map(|u| u.0))
        .bind(id.0)
        .bind(company.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn return_invoice(
        &self,
        company: CompanyId,
        id: InvoiceId,
        note: &str,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "UPDATE billing_documents SET status = 'draft', approval_note = $1, version = version + 1 \
             WHERE id = $2 AND company_id = $3 AND status = 'pending'",
        )
        .bind(note)
        .bind(id.0)
        .bind(company.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(Error::conflict("the bill is not waiting for approval"));
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn credited_quantities(
        &self,
        company: CompanyId,
        credited: InvoiceId,
        except: Option<InvoiceId>,
    ) -> Result<HashMap<i64, i64>> {
        let rows = sqlx::query(
            "SELECT l.credited_line_id AS line, CAST(SUM(l.quantity) AS BIGINT) AS q FROM billing_lines l \
             JOIN billing_documents d ON d.id = l.document_id \
             WHERE d.company_id = $1 AND d.credited_id = $2 AND d.id <> $3 AND l.credited_line_id IS NOT NULL \
             GROUP BY l.credited_line_id",
        )
        .bind(company.0)
        .bind(credited.0)
        .bind(except.map(|e| e.0).unwrap_or(0))
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| Ok((get_i64(r, "line")?, get_i64(r, "q")?)))
            .collect()
    }
}
