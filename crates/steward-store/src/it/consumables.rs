//! IT's consumables and their stock movements (see `steward_core::it::consumables`). Stock
//! moves by one conditional UPDATE (`quantity + change >= 0`) in the movement's
//! transaction, so two issues at once cannot take the stock below 0 on either database
//! (a CHECK on the table is the last guard).
use sea_query::{Expr, ExprTrait, Func, JoinType, Order, Query, SelectStatement};
use sqlx::any::AnyRow;
use steward_core::audit::AuditDraft;
use steward_core::ids::{AssetCategoryId, CompanyId, ConsumableId, EmployeeId};
use steward_core::it::consumables::{
    Consumable, ConsumableQuery, ConsumableSort, ConsumableStore, Movement, NewConsumable,
};
use steward_core::list::{Page, SortDir};
use steward_core::time::Timestamp;
use steward_core::{Error, Result};

use super::{a, name_taken};
use crate::sql::{col, contains_any, count_all};
use crate::{append_audit, db, get_i64, get_str, opt_i64, opt_str, Store};

const COLUMNS: &[&str] = &[
    "id",
    "name",
    "category_id",
    "unit",
    "quantity",
    "min_quantity",
    "location",
    "unit_cost",
    "currency",
    "version",
];

fn consumable_of(r: &AnyRow) -> Result<Consumable> {
    Ok(Consumable {
        id: ConsumableId(get_i64(r, "id")?),
        name: get_str(r, "name")?,
        category_id: opt_i64(r, "category_id")?.map(AssetCategoryId),
        category: opt_str(r, "category")?,
        unit: get_str(r, "unit")?,
        quantity: get_i64(r, "quantity")?,
        min_quantity: get_i64(r, "min_quantity")?,
        location: get_str(r, "location")?,
        unit_cost: opt_i64(r, "unit_cost")?,
        currency: get_str(r, "currency")?,
        version: get_i64(r, "version")?,
    })
}

fn filtered(company: CompanyId, q: &ConsumableQuery, s: &mut SelectStatement) {
    s.from_as(a("it_consumables"), a("c"))
        .join_as(
            JoinType::LeftJoin,
            a("it_categories"),
            a("k"),
            col("k", "id").equals((a("c"), a("category_id"))),
        )
        .and_where(col("c", "company_id").eq(company.0));
    if let Some(k) = q.category {
        s.and_where(col("c", "category_id").eq(k.0));
    }
    if q.below_minimum {
        s.and_where(Expr::cust("c.quantity < c.min_quantity"));
    }
    if let Some(c) = contains_any(q.search.as_deref(), &[("c", "name"), ("c", "location")]) {
        s.cond_where(c);
    }
}

async fn insert_movement(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    company: CompanyId,
    id: i64,
    m: (&str, i64, i64, Option<EmployeeId>, &str),
    audit: &AuditDraft,
) -> Result<()> {
    let (kind, delta, balance, employee, note) = m;
    sqlx::query(
        "INSERT INTO it_consumable_movements (company_id, consumable_id, kind, delta, balance, employee_id, note, at, actor_id, actor) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(company.0)
    .bind(id)
    .bind(kind)
    .bind(delta)
    .bind(balance)
    .bind(employee.map(|e| e.0))
    .bind(note)
    .bind(Timestamp::now().0)
    .bind(audit.actor_id.map(|u| u.0))
    .bind(&audit.actor)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(())
}

impl ConsumableStore for Store {
    async fn list_consumables(
        &self,
        company: CompanyId,
        q: &ConsumableQuery,
    ) -> Result<Page<Consumable>> {
        let mut count = Query::select();
        filtered(company, q, &mut count);
        count.expr_as(count_all(), a("n"));
        let mut s = Query::select();
        filtered(company, q, &mut s);
        for c in COLUMNS {
            s.column((a("c"), a(c)));
        }
        s.expr_as(Expr::cust("k.name"), a("category"));
        let dir = match q.dir {
            SortDir::Asc => Order::Asc,
            SortDir::Desc => Order::Desc,
        };
        match q.sort {
            ConsumableSort::Name => {
                s.order_by_expr(Func::lower(col("c", "name")).into(), dir.clone())
            }
            ConsumableSort::Quantity => s.order_by((a("c"), a("quantity")), dir.clone()),
            ConsumableSort::Location => {
                s.order_by_expr(Func::lower(col("c", "location")).into(), dir.clone())
            }
            ConsumableSort::Created => s.order_by((a("c"), a("id")), dir.clone()),
        };
        s.order_by((a("c"), a("id")), dir);
        let (rows, total) = self.fetch_counted(&count, &s, q.paging).await?;
        Ok(Page {
            items: rows.iter().map(consumable_of).collect::<Result<_>>()?,
            total,
            limit: q.paging.limit,
            offset: q.paging.offset,
        })
    }

    async fn consumable(&self, company: CompanyId, id: ConsumableId) -> Result<Option<Consumable>> {
        let cols: Vec<String> = COLUMNS.iter().map(|c| format!("c.{c}")).collect();
        let sql = format!(
            "SELECT {}, k.name AS category FROM it_consumables c \
             LEFT JOIN it_categories k ON k.id = c.category_id WHERE c.company_id = $1 AND c.id = $2",
            cols.join(", ")
        );
        sqlx::query(&sql)
            .bind(company.0)
            .bind(id.0)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?
            .as_ref()
            .map(consumable_of)
            .transpose()
    }

    async fn insert_consumable(
        &self,
        company: CompanyId,
        c: &NewConsumable,
        mut audit: AuditDraft,
    ) -> Result<ConsumableId> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "INSERT INTO it_consumables (company_id, name, category_id, unit, quantity, min_quantity, location, \
             unit_cost, currency, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(company.0)
        .bind(&c.name)
        .bind(c.category_id.map(|k| k.0))
        .bind(&c.unit)
        .bind(c.quantity)
        .bind(c.min_quantity)
        .bind(&c.location)
        .bind(c.unit_cost)
        .bind(&c.currency)
        .bind(Timestamp::now().0)
        .fetch_one(&mut *tx)
        .await
        .map_err(name_taken("consumable"))?;
        let id = get_i64(&r, "id")?;
        insert_movement(
            &mut tx,
            company,
            id,
            ("opening", c.quantity, c.quantity, None, ""),
            &audit,
        )
        .await?;
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(ConsumableId(id))
    }

    async fn update_consumable(
        &self,
        company: CompanyId,
        id: ConsumableId,
        c: &NewConsumable,
        version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "UPDATE it_consumables SET name = $1, category_id = $2, unit = $3, min_quantity = $4, location = $5, \
             unit_cost = $6, currency = $7, version = version + 1 \
             WHERE company_id = $8 AND id = $9 AND version = $10",
        )
        .bind(&c.name)
        .bind(c.category_id.map(|k| k.0))
        .bind(&c.unit)
        .bind(c.min_quantity)
        .bind(&c.location)
        .bind(c.unit_cost)
        .bind(&c.currency)
        .bind(company.0)
        .bind(id.0)
        .bind(version)
        .execute(&mut *tx)
        .await
        .map_err(name_taken("consumable"))?;
        if r.rows_affected() == 0 {
            return Err(Error::conflict(
                "the consumable was changed by someone else since you read it; reload and try again",
            ));
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn move_stock(
        &self,
        company: CompanyId,
        id: ConsumableId,
        change: i64,
        employee: Option<EmployeeId>,
        note: &str,
        audit: AuditDraft,
    ) -> Result<i64> {
        let mut tx = self.begin().await?;
        // One statement moves the stock only if it stays at 0 or above, and holds the row
        // until the commit: a second issue waits, then sees what is left.
        let r = sqlx::query(
            "UPDATE it_consumables SET quantity = quantity + $1, version = version + 1 \
             WHERE company_id = $2 AND id = $3 AND quantity + $4 >= 0 RETURNING quantity",
        )
        .bind(change)
        .bind(company.0)
        .bind(id.0)
        .bind(change)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let Some(r) = r else {
            let now = sqlx::query(
                "SELECT quantity, unit FROM it_consumables WHERE company_id = $1 AND id = $2",
            )
            .bind(company.0)
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
            .ok_or(Error::NotFound {
                entity: "consumable",
            })?;
            return Err(Error::invalid(
                "quantity",
                format!(
                    "only {} {} in stock",
                    get_i64(&now, "quantity")?,
                    get_str(&now, "unit")?
                ),
            ));
        };
        let balance = get_i64(&r, "quantity")?;
        let kind = if change >= 0 { "received" } else { "issued" };
        insert_movement(
            &mut tx,
            company,
            id.0,
            (kind, change, balance, employee, note),
            &audit,
        )
        .await?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(balance)
    }

    async fn consumable_movements(
        &self,
        company: CompanyId,
        id: ConsumableId,
    ) -> Result<Vec<Movement>> {
        sqlx::query(
            "SELECT m.id, m.consumable_id, m.kind, m.delta, m.balance, m.employee_id, m.note, m.at, m.actor, \
             e.preferred_name, e.legal_name FROM it_consumable_movements m \
             LEFT JOIN hr_employees e ON e.id = m.employee_id \
             WHERE m.company_id = $1 AND m.consumable_id = $2 ORDER BY m.id DESC",
        )
        .bind(company.0)
        .bind(id.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            let employee = match (opt_str(r, "preferred_name")?, opt_str(r, "legal_name")?) {
                (Some(p), _) if !p.trim().is_empty() => Some(p),
                (_, l) => l,
            };
            Ok(Movement {
                id: get_i64(r, "id")?,
                consumable_id: ConsumableId(get_i64(r, "consumable_id")?),
                kind: get_str(r, "kind")?,
                change: get_i64(r, "delta")?,
                balance: get_i64(r, "balance")?,
                employee_id: opt_i64(r, "employee_id")?.map(EmployeeId),
                employee,
                note: get_str(r, "note")?,
                at: Timestamp(get_i64(r, "at")?),
                actor: get_str(r, "actor")?,
            })
        })
        .collect()
    }

    async fn count_below_minimum(&self, company: CompanyId) -> Result<i64> {
        let r = sqlx::query(
            "SELECT COUNT(*) AS n FROM it_consumables WHERE company_id = $1 AND quantity < min_quantity",
        )
        .bind(company.0)
        .fetch_one(&self.read)
        .await
        .map_err(db)?;
        get_i64(&r, "n")
    }
}
