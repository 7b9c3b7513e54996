//! Bank accounts, each with its last statement's closing balance (read beside the row).
use sea_query::{Expr, ExprTrait, Func, Order, Query, SelectStatement};
use sqlx::any::AnyRow;
use steward_core::audit::AuditDraft;
use steward_core::bank::accounts::{
    BankAccount, BankAccountQuery, BankAccountSort, BankAccountStore, NewBankAccount,
};
use steward_core::ids::{AccountId, BankAccountId, CompanyId};
use steward_core::list::{Page, SortDir};
use steward_core::time::Timestamp;
use steward_core::{Error, Result};

use super::{a, opt_date};
use crate::sql::{col, contains_any, count_all};
use crate::{append_audit, db, get_i64, get_str, opt_i64, Store};

const COLUMNS: &[&str] = &[
    "id",
    "name",
    "ledger_account_id",
    "currency",
    "iban",
    "bic",
    "active",
    "version",
];

/// Read beside an account's row `b`.
const EXTRAS: [(&str, &str); 4] = [
    (
        "(SELECT acc.name FROM ledger_accounts acc WHERE acc.id = b.ledger_account_id)",
        "ledger_account",
    ),
    (
        "(SELECT s.closing_date FROM bank_statements s WHERE s.account_id = b.id AND s.closing_date IS NOT NULL ORDER BY s.closing_date DESC, s.id DESC LIMIT 1)",
        "last_closing_date",
    ),
    (
        "(SELECT s.closing_minor FROM bank_statements s WHERE s.account_id = b.id AND s.closing_date IS NOT NULL ORDER BY s.closing_date DESC, s.id DESC LIMIT 1)",
        "last_closing_minor",
    ),
    (
        "(SELECT COUNT(*) FROM bank_statements s WHERE s.account_id = b.id)",
        "statements",
    ),
];

fn name_taken(e: sqlx::Error) -> Error {
    match db(e) {
        Error::Conflict { .. } => Error::invalid("name", "another bank account has this name"),
        e => e,
    }
}

fn account_of(r: &AnyRow) -> Result<BankAccount> {
    let last_closing = match (
        opt_date(r, "last_closing_date")?,
        opt_i64(r, "last_closing_minor")?,
    ) {
        (Some(d), Some(m)) => Some((d, m)),
        _ => None,
    };
    Ok(BankAccount {
        id: BankAccountId(get_i64(r, "id")?),
        name: get_str(r, "name")?,
        ledger_account_id: AccountId(get_i64(r, "ledger_account_id")?),
        ledger_account: crate::opt_str(r, "ledger_account")?.unwrap_or_default(),
        currency: get_str(r, "currency")?,
        iban: get_str(r, "iban")?,
        bic: get_str(r, "bic")?,
        active: get_i64(r, "active")? != 0,
        version: get_i64(r, "version")?,
        last_closing,
        statements: get_i64(r, "statements")?,
    })
}

fn select_all() -> String {
    let cols: Vec<String> = COLUMNS
        .iter()
        .map(|c| format!("b.{c}"))
        .chain(EXTRAS.iter().map(|(e, n)| format!("{e} AS {n}")))
        .collect();
    format!("SELECT {} FROM bank_accounts b", cols.join(", "))
}

fn filtered(company: CompanyId, q: &BankAccountQuery, s: &mut SelectStatement) {
    s.from_as(a("bank_accounts"), a("b"))
        .and_where(col("b", "company_id").eq(company.0));
    if let Some(c) = contains_any(q.search.as_deref(), &[("b", "name"), ("b", "iban")]) {
        s.cond_where(c);
    }
}

impl BankAccountStore for Store {
    async fn list_bank_accounts(
        &self,
        company: CompanyId,
        q: &BankAccountQuery,
    ) -> Result<Page<BankAccount>> {
        let mut count = Query::select();
        filtered(company, q, &mut count);
        count.expr_as(count_all(), a("n"));
        let mut s = Query::select();
        filtered(company, q, &mut s);
        for c in COLUMNS {
            s.column((a("b"), a(c)));
        }
        for (e, n) in EXTRAS {
            s.expr_as(Expr::cust(e), a(n));
        }
        let dir = match q.dir {
            SortDir::Asc => Order::Asc,
            SortDir::Desc => Order::Desc,
        };
        match q.sort {
            BankAccountSort::Name => {
                s.order_by_expr(Func::lower(col("b", "name")).into(), dir.clone())
            }
            BankAccountSort::Created => s.order_by((a("b"), a("id")), dir.clone()),
        };
        s.order_by((a("b"), a("id")), dir);
        let (rows, total) = self.fetch_counted(&count, &s, q.paging).await?;
        Ok(Page {
            items: rows.iter().map(account_of).collect::<Result<_>>()?,
            total,
            limit: q.paging.limit,
            offset: q.paging.offset,
        })
    }

    async fn bank_account(
        &self,
        company: CompanyId,
        id: BankAccountId,
    ) -> Result<Option<BankAccount>> {
        let sql = format!("{} WHERE b.company_id = $1 AND b.id = $2", select_all());
        sqlx::query(&sql)
            .bind(company.0)
            .bind(id.0)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?
            .as_ref()
            .map(account_of)
            .transpose()
    }

    async fn bank_account_by_name(
        &self,
        company: CompanyId,
        name: &str,
    ) -> Result<Option<BankAccount>> {
        let sql = format!(
            "{} WHERE b.company_id = $1 AND lower(b.name) = $2 ORDER BY b.id LIMIT 1",
            select_all()
        );
        sqlx::query(&sql)
            .bind(company.0)
            .bind(name.to_lowercase())
            .fetch_optional(&self.read)
            .await
            .map_err(db)?
            .as_ref()
            .map(account_of)
            .transpose()
    }

    async fn insert_bank_account(
        &self,
        company: CompanyId,
        b: &NewBankAccount,
        mut audit: AuditDraft,
    ) -> Result<BankAccountId> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "INSERT INTO bank_accounts (company_id, name, ledger_account_id, currency, iban, bic, active, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(company.0)
        .bind(&b.name)
        .bind(b.ledger_account_id.0)
        .bind(&b.currency)
        .bind(&b.iban)
        .bind(&b.bic)
        .bind(i64::from(b.active))
        .bind(Timestamp::now().0)
        .fetch_one(&mut *tx)
        .await
        .map_err(name_taken)?;
        let id = get_i64(&r, "id")?;
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(BankAccountId(id))
    }

    async fn update_bank_account(
        &self,
        company: CompanyId,
        id: BankAccountId,
        b: &NewBankAccount,
        version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "UPDATE bank_accounts SET name = $1, ledger_account_id = $2, currency = $3, iban = $4, bic = $5, \
             active = $6, version = version + 1 WHERE id = $7 AND company_id = $8 AND version = $9",
        )
        .bind(&b.name)
        .bind(b.ledger_account_id.0)
        .bind(&b.currency)
        .bind(&b.iban)
        .bind(&b.bic)
        .bind(i64::from(b.active))
        .bind(id.0)
        .bind(company.0)
        .bind(version)
        .execute(&mut *tx)
        .await
        .map_err(name_taken)?;
        if r.rows_affected() == 0 {
            return Err(Error::conflict(
                "the bank account was changed by someone else since you read it; reload and try again",
            ));
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }
}
