//! Customers and vendors. Lists walk `(company_id, lower(name))`; a search matches the name,
//! legal name, tax id or e-mail.
use sea_query::{Alias, Cond, Expr, ExprTrait, Func, Order, Query, SelectStatement};
use sqlx::any::AnyRow;
use std::collections::HashSet;
use steward_core::audit::AuditDraft;
use steward_core::billing::parties::{
    NewParty, Party, PartyQuery, PartyRole, PartySort, PartyStore, Visible,
};
use steward_core::ids::{AccountId, CompanyId, PartyId};
use steward_core::list::{Page, SortDir};
use steward_core::time::Timestamp;
use steward_core::{Error, Result};

use super::flag;
use crate::sql::{col, contains_any, count_all};
use crate::{append_audit, db, get_i64, get_str, opt_i64, opt_str, Store};

const COLUMNS: &[&str] = &[
    "id",
    "name",
    "legal_name",
    "is_customer",
    "is_vendor",
    "tax_id",
    "email",
    "address",
    "payment_terms_days",
    "currency",
    "income_account_id",
    "expense_account_id",
    "iban",
    "bic",
    "active",
    "version",
];

fn a(s: &str) -> Alias {
    Alias::new(s)
}

fn name_taken(e: sqlx::Error) -> Error {
    match db(e) {
        Error::Conflict { .. } => {
            Error::invalid("name", "another customer or vendor has this name")
        }
        e => e,
    }
}

fn party_of(r: &AnyRow) -> Result<Party> {
    Ok(Party {
        id: PartyId(get_i64(r, "id")?),
        name: get_str(r, "name")?,
        legal_name: get_str(r, "legal_name")?,
        is_customer: get_i64(r, "is_customer")? != 0,
        is_vendor: get_i64(r, "is_vendor")? != 0,
        tax_id: get_str(r, "tax_id")?,
        email: get_str(r, "email")?,
        address: get_str(r, "address")?,
        payment_terms_days: get_i64(r, "payment_terms_days")?,
        currency: get_str(r, "currency")?,
        income_account_id: opt_i64(r, "income_account_id")?.map(AccountId),
        expense_account_id: opt_i64(r, "expense_account_id")?.map(AccountId),
        income_account: opt_str(r, "income_account")?,
        expense_account: opt_str(r, "expense_account")?,
        iban: get_str(r, "iban")?,
        bic: get_str(r, "bic")?,
        active: get_i64(r, "active")? != 0,
        version: get_i64(r, "version")?,
    })
}

/// The accounts' names, read beside a party's row `p`.
const ACCOUNT_NAMES: [(&str, &str); 2] = [
    (
        "(SELECT acc.name FROM ledger_accounts acc WHERE acc.id = p.income_account_id)",
        "income_account",
    ),
    (
        "(SELECT acc.name FROM ledger_accounts acc WHERE acc.id = p.expense_account_id)",
        "expense_account",
    ),
];

fn select_all() -> String {
    let cols: Vec<String> = COLUMNS
        .iter()
        .map(|c| format!("p.{c}"))
        .chain(ACCOUNT_NAMES.iter().map(|(e, n)| format!("{e} AS {n}")))
        .collect();
    format!("SELECT {} FROM billing_parties p", cols.join(", "))
}

fn filtered(company: CompanyId, visible: Visible, q: &PartyQuery, s: &mut SelectStatement) {
    s.from_as(a("billing_parties"), a("p"))
        .and_where(col("p", "company_id").eq(company.0));
    // What the actor may see, then what the query asks.
    let customers = visible.customers && q.role != PartyRole::Vendor;
    let vendors = visible.vendors && q.role != PartyRole::Customer;
    let mut side = Cond::any();
    if customers {
        side = side.add(col("p", "is_customer").eq(1));
    }
    if vendors {
        side = side.add(col("p", "is_vendor").eq(1));
    }
    if !customers && !vendors {
        side = side.add(Expr::cust("1 = 0"));
    }
    s.cond_where(side);
    if let Some(active) = q.active {
        s.and_where(col("p", "active").eq(flag(active)));
    }
    if let Some(c) = contains_any(
        q.search.as_deref(),
        &[
            ("p", "name"),
            ("p", "legal_name"),
            ("p", "tax_id"),
            ("p", "email"),
        ],
    ) {
        s.cond_where(c);
    }
}

/// Inserts one party in `tx`; its id.
async fn insert_row(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    company: CompanyId,
    p: &NewParty,
) -> Result<i64> {
    let r = sqlx::query(
            "INSERT INTO billing_parties (company_id, name, legal_name, is_customer, is_vendor, tax_id, email, address, \
             payment_terms_days, currency, income_account_id, expense_account_id, iban, bic, active, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
        )
        .bind(company.0)
        .bind(&p.name)
        .bind(&p.legal_name)
        .bind(flag(p.is_customer))
        .bind(flag(p.is_vendor))
        .bind(&p.tax_id)
        .bind(&p.email)
        .bind(&p.address)
        .bind(p.payment_terms_days)
        .bind(&p.currency)
        .bind(p.income_account_id.map(|x| x.0))
        .bind(p.expense_account_id.map(|x| x.0))
        .bind(&p.iban)
        .bind(&p.bic)
        .bind(flag(p.active))
        .bind(Timestamp::now().0)
        .fetch_one(&mut **tx)
        .await
        .map_err(name_taken)?;
    get_i64(&r, "id")
}

impl PartyStore for Store {
    async fn list_parties(
        &self,
        company: CompanyId,
        visible: Visible,
        q: &PartyQuery,
    ) -> Result<Page<Party>> {
        let mut count = Query::select();
        filtered(company, visible, q, &mut count);
        count.expr_as(count_all(), a("n"));
        let mut s = Query::select();
        filtered(company, visible, q, &mut s);
        for c in COLUMNS {
            s.column((a("p"), a(c)));
        }
        for (e, n) in ACCOUNT_NAMES {
            s.expr_as(Expr::cust(e), a(n));
        }
        let dir = match q.dir {
            SortDir::Asc => Order::Asc,
            SortDir::Desc => Order::Desc,
        };
        match q.sort {
            PartySort::Name => s.order_by_expr(Func::lower(col("p", "name")).into(), dir.clone()),
            PartySort::Created => s.order_by((a("p"), a("id")), dir.clone()),
        };
        s.order_by((a("p"), a("id")), dir);
        let (rows, total) = self.fetch_counted(&count, &s, q.paging).await?;
        Ok(Page {
            items: rows.iter().map(party_of).collect::<Result<_>>()?,
            total,
            limit: q.paging.limit,
            offset: q.paging.offset,
        })
    }

    async fn party(&self, company: CompanyId, id: PartyId) -> Result<Option<Party>> {
        let sql = format!("{} WHERE p.company_id = $1 AND p.id = $2", select_all());
        sqlx::query(&sql)
            .bind(company.0)
            .bind(id.0)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?
            .as_ref()
            .map(party_of)
            .transpose()
    }

    async fn parties_by_ids(&self, company: CompanyId, ids: &[PartyId]) -> Result<Vec<Party>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            // Ids are integers: written into the statement, not bound one by one.
            let list: Vec<String> = chunk.iter().map(|i| i.0.to_string()).collect();
            let sql = format!(
                "{} WHERE p.company_id = $1 AND p.id IN ({})",
                select_all(),
                list.join(", ")
            );
            for r in sqlx::query(&sql)
                .bind(company.0)
                .fetch_all(&self.read)
                .await
                .map_err(db)?
            {
                out.push(party_of(&r)?);
            }
        }
        Ok(out)
    }

    async fn party_by_name(&self, company: CompanyId, name: &str) -> Result<Option<Party>> {
        let sql = format!(
            "{} WHERE p.company_id = $1 AND lower(p.name) = $2 ORDER BY p.id LIMIT 1",
            select_all()
        );
        sqlx::query(&sql)
            .bind(company.0)
            .bind(name.to_lowercase())
            .fetch_optional(&self.read)
            .await
            .map_err(db)?
            .as_ref()
            .map(party_of)
            .transpose()
    }

    async fn insert_party(
        &self,
        company: CompanyId,
        p: &NewParty,
        mut audit: AuditDraft,
    ) -> Result<PartyId> {
        let mut tx = self.begin().await?;
        let id = insert_row(&mut tx, company, p).await?;
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(PartyId(id))
    }

    async fn names_taken(&self, company: CompanyId, names: &[String]) -> Result<HashSet<String>> {
        let mut taken = HashSet::new();
        for chunk in names.chunks(500) {
            let lower: Vec<String> = chunk.iter().map(|n| n.to_lowercase()).collect();
            let s = Query::select()
                .expr_as(Func::lower(col("p", "name")), a("n"))
                .from_as(a("billing_parties"), a("p"))
                .and_where(col("p", "company_id").eq(company.0))
                .and_where(Func::lower(col("p", "name")).is_in(lower))
                .to_owned();
            for r in self.fetch_all(&s).await? {
                taken.insert(get_str(&r, "n")?);
            }
        }
        Ok(taken)
    }

    async fn import_parties(
        &self,
        company: CompanyId,
        parties: &[NewParty],
        audit: AuditDraft,
    ) -> Result<usize> {
        let mut tx = self.begin().await?;
        for p in parties {
            insert_row(&mut tx, company, p).await?;
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(parties.len())
    }

    async fn update_party(
        &self,
        company: CompanyId,
        id: PartyId,
        p: &NewParty,
        version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "UPDATE billing_parties SET name = $1, legal_name = $2, is_customer = $3, is_vendor = $4, tax_id = $5, \
             email = $6, address = $7, payment_terms_days = $8, currency = $9, income_account_id = $10, \
             expense_account_id = $11, iban = $12, bic = $13, active = $14, version = version + 1 \
             WHERE id = $15 AND company_id = $16 AND version = $17",
        )
        .bind(&p.name)
        .bind(&p.legal_name)
        .bind(flag(p.is_customer))
        .bind(flag(p.is_vendor))
        .bind(&p.tax_id)
        .bind(&p.email)
        .bind(&p.address)
        .bind(p.payment_terms_days)
        .bind(&p.currency)
        .bind(p.income_account_id.map(|x| x.0))
        .bind(p.expense_account_id.map(|x| x.0))
        .bind(&p.iban)
        .bind(&p.bic)
        .bind(flag(p.active))
        .bind(id.0)
        .bind(company.0)
        .bind(version)
        .execute(&mut *tx)
        .await
        .map_err(name_taken)?;
        if r.rows_affected() == 0 {
            return Err(Error::conflict(
                "the customer or vendor was changed by someone else since you read it; reload and try again",
            ));
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }
}
