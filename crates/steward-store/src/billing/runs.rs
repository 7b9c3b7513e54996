//! Payment runs and their lines (`steward_core::billing::runs`). Marking a run sent
//! records its payments through the payments' own writer (`insert_payment_in`) in the
//! transaction that moves the run from approved to sent, so a second send writes nothing.
use chrono::NaiveDate;
use sea_query::{Alias, Expr, ExprTrait, Order, Query, SelectStatement};
use sqlx::any::AnyRow;
use steward_core::audit::AuditDraft;
use steward_core::billing::runs::{
    DueBill, NewRun, PaymentRun, RunLine, RunPayment, RunQuery, RunRow, RunSort, RunStatus,
    RunStore, StatusChange,
};
use steward_core::ids::{BankAccountId, CompanyId, InvoiceId, PartyId, UserId};
use steward_core::ledger::{day_from_key, day_key};
use steward_core::list::{Page, SortDir};
use steward_core::time::Timestamp;
use steward_core::{Error, Result};

use crate::ledger::{lock_company, Tx};
use crate::sql::{col, contains_any, count_all};
use crate::{append_audit, db, get_i64, get_str, opt_i64, opt_str, Store};

fn a(s: &str) -> Alias {
    Alias::new(s)
}

fn date_of(r: &AnyRow, c: &str) -> Result<NaiveDate> {
    day_from_key(get_i64(r, c)?).ok_or_else(|| Error::internal(format!("bad date in {c}")))
}

fn status_of(r: &AnyRow) -> Result<RunStatus> {
    RunStatus::parse(&get_str(r, "status")?).ok_or_else(|| Error::internal("unknown run status"))
}

/// Runs that still hold what their lines name (not sent: sending turns them into
/// allocations).
const HOLDING: &str = "('draft', 'pending', 'approved')";

async fn insert_lines(tx: &mut Tx, id: i64, run: &NewRun) -> Result<()> {
    for l in &run.lines {
        sqlx::query(
            "INSERT INTO billing_payment_run_lines (run_id, party_id, document_id, amount) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(l.party_id.0)
        .bind(l.document_id.0)
        .bind(l.amount)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    }
    Ok(())
}

async fn why_not(tx: &mut Tx, company: CompanyId, id: i64) -> Error {
    let found =
        sqlx::query("SELECT status FROM billing_payment_runs WHERE id = $1 AND company_id = $2")
            .bind(id)
            .bind(company.0)
            .fetch_optional(&mut **tx)
            .await;
    match found {
        Ok(None) => Error::NotFound {
            entity: "payment run",
        },
        Ok(Some(r)) => match status_of(&r) {
            Ok(s) => Error::conflict(format!(
                "the run is {} or was changed by someone else since you read it; reload and try again",
                s.label()
            )),
            Err(e) => e,
        },
        Err(e) => db(e),
    }
}

fn filtered(company: CompanyId, q: &RunQuery, s: &mut SelectStatement) {
    s.from_as(a("billing_payment_runs"), a("r"))
        .join_as(
            sea_query::JoinType::InnerJoin,
            a("bank_accounts"),
            a("b"),
            col("b", "id").equals((a("r"), a("bank_account_id"))),
        )
        .and_where(col("r", "company_id").eq(company.0));
    if let Some(st) = q.status {
        s.and_where(col("r", "status").eq(st.as_str()));
    }
    if let Some(c) = contains_any(q.search.as_deref(), &[("b", "name"), ("r", "note")]) {
        s.cond_where(c);
    }
}

impl RunStore for Store {
    async fn bills_due(
        &self,
        company: CompanyId,
        due_by: NaiveDate,
        except: Option<i64>,
    ) -> Result<Vec<DueBill>> {
        let rows = sqlx::query(&format!(
            "SELECT d.id, d.number, d.party_id, p.name AS party_name, p.iban, p.bic, d.currency, d.due_date, d.total, \
             (SELECT CAST(COALESCE(SUM(x.amount), 0) AS BIGINT) FROM billing_allocations x \
              WHERE x.company_id = d.company_id AND x.document_id = d.id) AS allocated, \
             (SELECT CAST(COALESCE(SUM(l.amount), 0) AS BIGINT) FROM billing_payment_run_lines l \
              JOIN billing_payment_runs r ON r.id = l.run_id \
              WHERE l.document_id = d.id AND r.status IN {HOLDING} AND r.id <> $3) AS held \
             FROM billing_documents d JOIN billing_parties p ON p.id = d.party_id \
             WHERE d.company_id = $1 AND d.kind = 'bill' AND d.status = 'posted' AND d.due_date <= $2 \
             ORDER BY p.name, p.id, d.due_date, d.id"
        ))
        .bind(company.0)
        .bind(day_key(due_by))
        .bind(except.unwrap_or(0))
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        let mut out = Vec::new();
        for r in &rows {
            let open = get_i64(r, "total")? - get_i64(r, "allocated")? - get_i64(r, "held")?;
            if open <= 0 {
                continue;
            }
            out.push(DueBill {
                document_id: InvoiceId(get_i64(r, "id")?),
                number: opt_str(r, "number")?.unwrap_or_default(),
                party_id: PartyId(get_i64(r, "party_id")?),
                party_name: get_str(r, "party_name")?,
                iban: get_str(r, "iban")?,
                bic: get_str(r, "bic")?,
                currency: get_str(r, "currency")?,
                due_date: date_of(r, "due_date")?,
                open,
            });
        }
        Ok(out)
    }

    async fn run_by_key(&self, company: CompanyId, key: &str) -> Result<Option<i64>> {
        sqlx::query("SELECT id FROM billing_payment_runs WHERE company_id = $1 AND client_key = $2")
            .bind(company.0)
            .bind(key)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?
            .map(|r| get_i64(&r, "id"))
            .transpose()
    }

    async fn insert_run(
        &self,
        company: CompanyId,
        run: &NewRun,
        created_by: Option<UserId>,
        mut audit: AuditDraft,
    ) -> Result<i64> {
        if let Some(k) = &run.client_key {
            if let Some(id) = self.run_by_key(company, k).await? {
                return Ok(id);
            }
        }
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "INSERT INTO billing_payment_runs (company_id, bank_account_id, status, due_by, execution_date, currency, \
             total, note, client_key, created_by, created_at) \
             VALUES ($1, $2, 'draft', $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(company.0)
        .bind(run.bank_account_id.0)
        .bind(day_key(run.due_by))
        .bind(day_key(run.execution_date))
        .bind(&run.currency)
        .bind(run.total)
        .bind(&run.note)
        .bind(run.client_key.as_deref())
        .bind(created_by.map(|u| u.0))
        .bind(Timestamp::now().0)
        .fetch_one(&mut *tx)
        .await;
        let r = match r {
            Ok(r) => r,
            Err(e) => {
                // Another request with the same key won the race: answer with its run.
                if let (Error::Conflict { .. }, Some(k)) = (db(e), &run.client_key) {
                    drop(tx);
                    if let Some(id) = self.run_by_key(company, k).await? {
                        return Ok(id);
                    }
                }
                return Err(Error::conflict("the run could not be saved; try again"));
            }
        };
        let id = get_i64(&r, "id")?;
        insert_lines(&mut tx, id, run).await?;
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn run(&self, company: CompanyId, id: i64) -> Result<Option<PaymentRun>> {
        let Some(r) = sqlx::query(
            "SELECT r.id, r.bank_account_id, b.name AS bank_account, r.status, r.due_by, r.execution_date, r.currency, \
             r.total, r.note, r.created_by, r.submitted_by, r.decided_by, r.sent_at, r.version \
             FROM billing_payment_runs r JOIN bank_accounts b ON b.id = r.bank_account_id \
             WHERE r.id = $1 AND r.company_id = $2",
        )
        .bind(id)
        .bind(company.0)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?
        else {
            return Ok(None);
        };
        let lines = sqlx::query(
            "SELECT l.id, l.party_id, p.name AS party_name, p.iban, p.bic, l.document_id, d.number, d.due_date, \
             l.amount, l.payment_id \
             FROM billing_payment_run_lines l JOIN billing_parties p ON p.id = l.party_id \
             JOIN billing_documents d ON d.id = l.document_id \
             WHERE l.run_id = $1 ORDER BY p.name, p.id, d.due_date, l.id",
        )
        .bind(id)
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(|l| {
            Ok(RunLine {
                id: get_i64(l, "id")?,
                party_id: PartyId(get_i64(l, "party_id")?),
                party_name: get_str(l, "party_name")?,
                iban: get_str(l, "iban")?,
                bic: get_str(l, "bic")?,
                document_id: InvoiceId(get_i64(l, "document_id")?),
                number: opt_str(l, "number")?.unwrap_or_default(),
                due_date: date_of(l, "due_date")?,
                amount: get_i64(l, "amount")?,
                payment_id: opt_i64(l, "payment_id")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        Ok(Some(PaymentRun {
            id,
            bank_account_id: BankAccountId(get_i64(&r, "bank_account_id")?),
            bank_account: get_str(&r, "bank_account")?,
            status: status_of(&r)?,
            due_by: date_of(&r, "due_by")?,
            execution_date: date_of(&r, "execution_date")?,
            currency: get_str(&r, "currency")?,
            total: get_i64(&r, "total")?,
            note: get_str(&r, "note")?,
            created_by: opt_i64(&r, "created_by")?.map(UserId),
            submitted_by: opt_i64(&r, "submitted_by")?.map(UserId),
            decided_by: opt_i64(&r, "decided_by")?.map(UserId),
            sent_at: opt_i64(&r, "sent_at")?.map(Timestamp),
            version: get_i64(&r, "version")?,
            lines,
        }))
    }

    async fn list_runs(&self, company: CompanyId, q: &RunQuery) -> Result<Page<RunRow>> {
        let mut count = Query::select();
        filtered(company, q, &mut count);
        count.expr_as(count_all(), a("n"));
        let mut s = Query::select();
        filtered(company, q, &mut s);
        for c in [
            "id",
            "status",
            "due_by",
            "execution_date",
            "currency",
            "total",
            "version",
        ] {
            s.column((a("r"), a(c)));
        }
        s.expr_as(col("b", "name"), a("bank_account"));
        s.expr_as(
            Expr::cust(
                "(SELECT COUNT(DISTINCT l.party_id) FROM billing_payment_run_lines l WHERE l.run_id = r.id)",
            ),
            a("vendors"),
        );
        let dir = match q.dir {
            SortDir::Asc => Order::Asc,
            SortDir::Desc => Order::Desc,
        };
        match q.sort {
            RunSort::ExecutionDate => s.order_by((a("r"), a("execution_date")), dir.clone()),
            RunSort::Total => s.order_by((a("r"), a("total")), dir.clone()),
        };
        s.order_by((a("r"), a("id")), dir);
        let (rows, total) = self.fetch_counted(&count, &s, q.paging).await?;
        Ok(Page {
            items: rows
                .iter()
                .map(|r| {
                    Ok(RunRow {
                        id: get_i64(r, "id")?,
                        bank_account: get_str(r, "bank_account")?,
                        status: status_of(r)?,
                        due_by: date_of(r, "due_by")?,
                        execution_date: date_of(r, "execution_date")?,
                        currency: get_str(r, "currency")?,
                        total: get_i64(r, "total")?,
                        vendors: get_i64(r, "vendors")?,
                        version: get_i64(r, "version")?,
                    })
                })
                .collect::<Result<_>>()?,
            total,
            limit: q.paging.limit,
            offset: q.paging.offset,
        })
    }

    async fn update_run(
        &self,
        company: CompanyId,
        id: i64,
        run: &NewRun,
        version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "UPDATE billing_payment_runs SET bank_account_id = $1, due_by = $2, execution_date = $3, total = $4, \
             note = $5, version = version + 1 WHERE id = $6 AND company_id = $7 AND status = 'draft' AND version = $8",
        )
        .bind(run.bank_account_id.0)
        .bind(day_key(run.due_by))
        .bind(day_key(run.execution_date))
        .bind(run.total)
        .bind(&run.note)
        .bind(id)
        .bind(company.0)
        .bind(version)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(why_not(&mut tx, company, id).await);
        }
        sqlx::query("DELETE FROM billing_payment_run_lines WHERE run_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        insert_lines(&mut tx, id, run).await?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn delete_run(&self, company: CompanyId, id: i64, audit: AuditDraft) -> Result<()> {
        let mut tx = self.begin().await?;
        let found = sqlx::query(
            "SELECT status FROM billing_payment_runs WHERE id = $1 AND company_id = $2",
        )
        .bind(id)
        .bind(company.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        match found {
            None => {
                return Err(Error::NotFound {
                    entity: "payment run",
                })
            }
            Some(r) if status_of(&r)? != RunStatus::Draft => {
                return Err(why_not(&mut tx, company, id).await)
            }
            Some(_) => {}
        }
        sqlx::query("DELETE FROM billing_payment_run_lines WHERE run_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query(
            "DELETE FROM billing_payment_runs WHERE id = $1 AND company_id = $2 AND status = 'draft'",
        )
        .bind(id)
        .bind(company.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn set_run_status(
        &self,
        company: CompanyId,
        id: i64,
        change: StatusChange<'_>,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "UPDATE billing_payment_runs SET status = $1, \
             submitted_by = COALESCE($2, submitted_by), decided_by = COALESCE($3, decided_by), \
             note = COALESCE($4, note), version = version + 1 \
             WHERE id = $5 AND company_id = $6 AND status = $7 AND version = COALESCE($8, version)",
        )
        .bind(change.to.as_str())
        .bind(change.submitted_by.map(|u| u.0))
        .bind(change.decided_by.map(|u| u.0))
        .bind(change.note)
        .bind(id)
        .bind(company.0)
        .bind(change.from.as_str())
        .bind(change.version)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(why_not(&mut tx, company, id).await);
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn send_run(
        &self,
        company: CompanyId,
        id: i64,
        payments: &[RunPayment],
        by: Option<UserId>,
        audit: AuditDraft,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        lock_company(&mut tx, self.backend, company, false).await?;
        // The status change comes first: a second send (or one racing this) finds the
        // run sent and writes nothing.
        let r = sqlx::query(
            "UPDATE billing_payment_runs SET status = 'sent', sent_at = $1, version = version + 1 \
             WHERE id = $2 AND company_id = $3 AND status = 'approved'",
        )
        .bind(Timestamp::now().0)
        .bind(id)
        .bind(company.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if r.rows_affected() == 0 {
            return Ok(false);
        }
        for rp in payments {
            let payment_id = self
                .insert_payment_in(
                    &mut tx,
                    company,
                    &rp.payment,
                    &rp.entry,
                    by,
                    rp.audit.clone(),
                )
                .await?;
            sqlx::query(
                "UPDATE billing_payment_run_lines SET payment_id = $1 WHERE run_id = $2 AND party_id = $3",
            )
            .bind(payment_id)
            .bind(id)
            .bind(rp.payment.party_id.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(true)
    }
}
