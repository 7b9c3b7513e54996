//! IT's licences and their seats (see `steward_core::it::licences`). A licence keeps
//! `seats_used`; an assignment takes a seat by a conditional UPDATE (`seats_used < seats`)
//! in its transaction, which holds the licence's row until it commits, so two assignments
//! at once cannot overrun on either database; lowering `seats` is guarded the same way
//! (`seats_used <= new seats`). Unassigning frees the seat and closes what an offboarding
//! asked back of it, in one transaction.
use sea_query::{Expr, ExprTrait, Func, Order, Query, SelectStatement};
use sqlx::any::AnyRow;
use steward_core::audit::AuditDraft;
use steward_core::hr::day_key;
use steward_core::hr::lifecycle::LentItem;
use steward_core::ids::{AssetId, CompanyId, EmployeeId, LicenceId, LicenceSeatId, UserId};
use steward_core::it::licences::{
    seat_record, ExpiringLicence, Licence, LicenceQuery, LicenceReach, LicenceSort, LicenceStore,
    NewLicence, Seat, SeatHolder, Usage, EXPIRING_DAYS,
};
use steward_core::list::{Page, SortDir};
use steward_core::time::Timestamp;
use steward_core::{Error, Result};

use super::{a, bad, opt_day, stale};
use crate::sql::{col, contains_any, count_all};
use crate::{append_audit, db, get_i64, get_str, opt_i64, opt_str, Store};

const COLUMNS: &[&str] = &[
    "id",
    "product",
    "vendor",
    "seats",
    "seats_used",
    "cost",
    "currency",
    "purchase_date",
    "expires_on",
    "notes",
    "licence_key",
    "version",
];

fn licence_of(r: &AnyRow) -> Result<Licence> {
    Ok(Licence {
        id: LicenceId(get_i64(r, "id")?),
        product: get_str(r, "product")?,
        vendor: get_str(r, "vendor")?,
        seats: get_i64(r, "seats")?,
        seats_used: get_i64(r, "seats_used")?,
        cost: opt_i64(r, "cost")?,
        currency: get_str(r, "currency")?,
        purchase_date: opt_day(r, "purchase_date")?,
        expires_on: opt_day(r, "expires_on")?,
        notes: get_str(r, "notes")?,
        key: opt_str(r, "licence_key")?.filter(|k| !k.is_empty()),
        version: get_i64(r, "version")?,
    })
}

fn filtered(company: CompanyId, reach: LicenceReach, q: &LicenceQuery, s: &mut SelectStatement) {
    s.from_as(a("it_licences"), a("l"))
        .and_where(col("l", "company_id").eq(company.0));
    if let LicenceReach::Own(u) = reach {
        // Ids only (never text from the client) go into this fragment.
        s.and_where(Expr::cust(format!(
            "l.id IN (SELECT s.licence_id FROM it_licence_seats s \
             JOIN hr_employees e ON e.id = s.employee_id \
             WHERE s.company_id = {} AND s.unassigned_at IS NULL AND e.user_id = {})",
            company.0, u.0
        )));
    }
    let today = q.today.unwrap_or_else(steward_core::it::licences::today);
    let t = day_key(today);
    let live = format!("(l.expires_on IS NULL OR l.expires_on >= {t})");
    match q.usage {
        Some(Usage::Over) => {
            s.and_where(Expr::cust(format!(
                "(l.seats_used > l.seats OR (l.expires_on < {t} AND l.seats_used > 0))"
            )));
        }
        Some(Usage::Full) => {
            s.and_where(Expr::cust(format!(
                "(({live} AND l.seats_used = l.seats) OR (l.expires_on < {t} AND l.seats_used = 0))"
            )));
        }
        Some(Usage::Under) => {
            s.and_where(Expr::cust(format!("({live} AND l.seats_used < l.seats)")));
        }
        None => {}
    }
    if q.expiring {
        let until = day_key(today + chrono::Duration::days(EXPIRING_DAYS));
        s.and_where(col("l", "expires_on").gte(t))
            .and_where(col("l", "expires_on").lte(until));
    }
    if let Some(c) = contains_any(q.search.as_deref(), &[("l", "product"), ("l", "vendor")]) {
        s.cond_where(c);
    }
}

const SEAT_SELECT: &str = "SELECT s.id, s.licence_id, l.product, s.employee_id, \
     e.preferred_name, e.legal_name, e.user_id, s.asset_id, x.tag, s.note, s.assigned_at, \
     s.assigned_by FROM it_licence_seats s JOIN it_licences l ON l.id = s.licence_id \
     LEFT JOIN hr_employees e ON e.id = s.employee_id LEFT JOIN it_assets x ON x.id = s.asset_id";

fn seat_of(r: &AnyRow) -> Result<Seat> {
    let employee = match (opt_str(r, "preferred_name")?, opt_str(r, "legal_name")?) {
        (Some(p), _) if !p.trim().is_empty() => Some(p),
        (_, l) => l,
    };
    Ok(Seat {
        id: LicenceSeatId(get_i64(r, "id")?),
        licence_id: LicenceId(get_i64(r, "licence_id")?),
        product: get_str(r, "product")?,
        employee_id: opt_i64(r, "employee_id")?.map(EmployeeId),
        employee,
        employee_user_id: opt_i64(r, "user_id")?.map(UserId),
        asset_id: opt_i64(r, "asset_id")?.map(AssetId),
        asset_tag: opt_str(r, "tag")?,
        note: get_str(r, "note")?,
        assigned_at: Timestamp(get_i64(r, "assigned_at")?),
        assigned_by: get_str(r, "assigned_by")?,
    })
}

impl LicenceStore for Store {
    async fn list_licences(
        &self,
        company: CompanyId,
        reach: LicenceReach,
        q: &LicenceQuery,
    ) -> Result<Page<Licence>> {
        let mut count = Query::select();
        filtered(company, reach, q, &mut count);
        count.expr_as(count_all(), a("n"));
        let mut s = Query::select();
        filtered(company, reach, q, &mut s);
        for c in COLUMNS {
            s.column((a("l"), a(c)));
        }
        let dir = match q.dir {
            SortDir::Asc => Order::Asc,
            SortDir::Desc => Order::Desc,
        };
        match q.sort {
            LicenceSort::Product => {
                s.order_by_expr(Func::lower(col("l", "product")).into(), dir.clone())
            }
            LicenceSort::Vendor => {
                s.order_by_expr(Func::lower(col("l", "vendor")).into(), dir.clone())
            }
            LicenceSort::Seats => s.order_by((a("l"), a("seats")), dir.clone()),
            LicenceSort::Used => s.order_by((a("l"), a("seats_used")), dir.clone()),
            // Licences without the date last either way, on both databases.
            LicenceSort::ExpiresOn => s
                .order_by_expr(Expr::cust("l.expires_on IS NULL"), Order::Asc)
                .order_by((a("l"), a("expires_on")), dir.clone()),
            LicenceSort::Created => s.order_by((a("l"), a("id")), dir.clone()),
        };
        s.order_by((a("l"), a("id")), dir);
        let (rows, total) = self.fetch_counted(&count, &s, q.paging).await?;
        Ok(Page {
            items: rows.iter().map(licence_of).collect::<Result<_>>()?,
            total,
            limit: q.paging.limit,
            offset: q.paging.offset,
        })
    }

    async fn licence(&self, company: CompanyId, id: LicenceId) -> Result<Option<Licence>> {
        let sql = format!(
            "SELECT {} FROM it_licences WHERE company_id = $1 AND id = $2",
            COLUMNS.join(", ")
        );
        sqlx::query(&sql)
            .bind(company.0)
            .bind(id.0)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?
            .as_ref()
            .map(licence_of)
            .transpose()
    }

    async fn insert_licence(
        &self,
        company: CompanyId,
        l: &NewLicence,
        mut audit: AuditDraft,
    ) -> Result<LicenceId> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "INSERT INTO it_licences (company_id, product, vendor, seats, cost, currency, purchase_date, \
             expires_on, notes, licence_key, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(company.0)
        .bind(&l.product)
        .bind(&l.vendor)
        .bind(l.seats)
        .bind(l.cost)
        .bind(&l.currency)
        .bind(l.purchase_date.map(day_key))
        .bind(l.expires_on.map(day_key))
        .bind(&l.notes)
        .bind(l.key.as_deref().filter(|k| !k.is_empty()))
        .bind(Timestamp::now().0)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let id = get_i64(&r, "id")?;
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(LicenceId(id))
    }

    async fn update_licence(
        &self,
        company: CompanyId,
        id: LicenceId,
        l: &NewLicence,
        version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "UPDATE it_licences SET product = $1, vendor = $2, seats = $3, cost = $4, currency = $5, \
             purchase_date = $6, expires_on = $7, notes = $8, \
             licence_key = CASE WHEN $9 = 1 THEN $10 ELSE licence_key END, version = version + 1 \
             WHERE company_id = $11 AND id = $12 AND version = $13 AND seats_used <= $14",
        )
        .bind(&l.product)
        .bind(&l.vendor)
        .bind(l.seats)
        .bind(l.cost)
        .bind(&l.currency)
        .bind(l.purchase_date.map(day_key))
        .bind(l.expires_on.map(day_key))
        .bind(&l.notes)
        .bind(i64::from(l.key.is_some()))
        .bind(l.key.as_deref().filter(|k| !k.is_empty()))
        .bind(company.0)
        .bind(id.0)
        .bind(version)
        .bind(l.seats)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if r.rows_affected() == 0 {
            let now = sqlx::query(
                "SELECT version, seats_used FROM it_licences WHERE company_id = $1 AND id = $2",
            )
            .bind(company.0)
            .bind(id.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?
            .ok_or(Error::NotFound { entity: "licence" })?;
            if get_i64(&now, "version")? != version {
                return Err(stale("licence"));
            }
            return Err(Error::invalid(
                "seats",
                format!(
                    "{} seats are in use: unassign some before owning fewer",
                    get_i64(&now, "seats_used")?
                ),
            ));
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn licence_seats(
        &self,
        company: CompanyId,
        id: LicenceId,
        user: Option<UserId>,
    ) -> Result<Vec<Seat>> {
        let mut sql = format!(
            "{SEAT_SELECT} WHERE s.company_id = $1 AND s.licence_id = $2 AND s.unassigned_at IS NULL"
        );
        if user.is_some() {
            sql.push_str(" AND e.user_id = $3");
        }
        sql.push_str(" ORDER BY s.id");
        let mut q = sqlx::query(&sql).bind(company.0).bind(id.0);
        if let Some(u) = user {
            q = q.bind(u.0);
        }
        q.fetch_all(&self.read)
            .await
            .map_err(db)?
            .iter()
            .map(seat_of)
            .collect()
    }

    async fn licence_seat(&self, company: CompanyId, id: LicenceSeatId) -> Result<Option<Seat>> {
        let sql = format!(
            "{SEAT_SELECT} WHERE s.company_id = $1 AND s.id = $2 AND s.unassigned_at IS NULL"
        );
        sqlx::query(&sql)
            .bind(company.0)
            .bind(id.0)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?
            .as_ref()
            .map(seat_of)
            .transpose()
    }

    async fn assign_seat(
        &self,
        company: CompanyId,
        id: LicenceId,
        holder: SeatHolder,
        note: &str,
        audit: AuditDraft,
    ) -> Result<LicenceSeatId> {
        let mut tx = self.begin().await?;
        // Takes the seat and holds the licence's row: a second assignment waits here and
        // then sees the seat gone.
        let r = sqlx::query(
            "UPDATE it_licences SET seats_used = seats_used + 1 \
             WHERE company_id = $1 AND id = $2 AND seats_used < seats",
        )
        .bind(company.0)
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if r.rows_affected() == 0 {
            let now =
                sqlx::query("SELECT seats FROM it_licences WHERE company_id = $1 AND id = $2")
                    .bind(company.0)
                    .bind(id.0)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(db)?
                    .ok_or(Error::NotFound { entity: "licence" })?;
            return Err(Error::invalid(
                "seats",
                format!(
                    "all {} seats are in use: buy more or unassign one first",
                    get_i64(&now, "seats")?
                ),
            ));
        }
        let (employee, asset, field, what) = match holder {
            SeatHolder::Employee(e) => (Some(e.0), None, "employee_id", "this person"),
            SeatHolder::Asset(x) => (None, Some(x.0), "asset_id", "this asset"),
        };
        let held = sqlx::query(
            "SELECT COUNT(*) AS n FROM it_licence_seats WHERE licence_id = $1 AND unassigned_at IS NULL \
             AND (employee_id = $2 OR asset_id = $3)",
        )
        .bind(id.0)
        .bind(employee.unwrap_or(0))
        .bind(asset.unwrap_or(0))
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        if get_i64(&held, "n")? > 0 {
            return Err(Error::invalid(
                field,
                format!("{what} has a seat of this licence already"),
            ));
        }
        let r = sqlx::query(
            "INSERT INTO it_licence_seats (company_id, licence_id, employee_id, asset_id, note, assigned_at, assigned_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(company.0)
        .bind(id.0)
        .bind(employee)
        .bind(asset)
        .bind(note)
        .bind(Timestamp::now().0)
        .bind(&audit.actor)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match db(e) {
            Error::Conflict { .. } => {
                Error::invalid(field, format!("{what} has a seat of this licence already"))
            }
            e => e,
        })?;
        let seat = get_i64(&r, "id")?;
        let mut audit = audit;
        if let Some(c) = audit.changes.as_object_mut() {
            c.insert("seat".into(), serde_json::json!(seat));
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(LicenceSeatId(seat))
    }

    async fn unassign_seat(
        &self,
        company: CompanyId,
        id: LicenceSeatId,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let now = Timestamp::now().0;
        let r = sqlx::query(
            "UPDATE it_licence_seats SET unassigned_at = $1, unassigned_by = $2 \
             WHERE company_id = $3 AND id = $4 AND unassigned_at IS NULL RETURNING licence_id",
        )
        .bind(now)
        .bind(&audit.actor)
        .bind(company.0)
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or(Error::NotFound { entity: "seat" })?;
        let licence = get_i64(&r, "licence_id")?;
        sqlx::query(
            "UPDATE it_licences SET seats_used = seats_used - 1 WHERE company_id = $1 AND id = $2",
        )
        .bind(company.0)
        .bind(licence)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        // What an offboarding asked back of this seat is back.
        let closed = sqlx::query(
            "UPDATE hr_returns SET returned_at = $1, returned_by = $2 \
             WHERE company_id = $3 AND record = $4 AND returned_at IS NULL",
        )
        .bind(now)
        .bind(audit.actor_id.map(|u| u.0))
        .bind(company.0)
        .bind(seat_record(id).to_string())
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        let mut audit = audit;
        if let Some(c) = audit.changes.as_object_mut() {
            c.insert("returns_closed".into(), serde_json::json!(closed));
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn count_expiring_licences(
        &self,
        company: CompanyId,
        from: chrono::NaiveDate,
        until: chrono::NaiveDate,
    ) -> Result<i64> {
        let r = sqlx::query(
            "SELECT COUNT(*) AS n FROM it_licences WHERE company_id = $1 AND expires_on >= $2 AND expires_on <= $3",
        )
        .bind(company.0)
        .bind(day_key(from))
        .bind(day_key(until))
        .fetch_one(&self.read)
        .await
        .map_err(db)?;
        get_i64(&r, "n")
    }

    async fn licences_to_remind(
        &self,
        from: chrono::NaiveDate,
        until: chrono::NaiveDate,
    ) -> Result<Vec<ExpiringLicence>> {
        sqlx::query(
            "SELECT company_id, id, product, expires_on FROM it_licences \
             WHERE expires_on >= $1 AND expires_on <= $2 \
             AND (reminded_for IS NULL OR reminded_for <> expires_on) ORDER BY company_id, expires_on, id",
        )
        .bind(day_key(from))
        .bind(day_key(until))
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(|r| {
            Ok(ExpiringLicence {
                company: CompanyId(get_i64(r, "company_id")?),
                id: LicenceId(get_i64(r, "id")?),
                product: get_str(r, "product")?,
                expires_on: opt_day(r, "expires_on")?.ok_or_else(|| bad("expires_on"))?,
            })
        })
        .collect()
    }

    async fn mark_licences_reminded(&self, items: &[ExpiringLicence]) -> Result<()> {
        let mut tx = self.begin().await?;
        for l in items {
            sqlx::query(
                "UPDATE it_licences SET reminded_for = $1 WHERE company_id = $2 AND id = $3",
            )
            .bind(day_key(l.expires_on))
            .bind(l.company.0)
            .bind(l.id.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }

    async fn licence_leads(&self, company: CompanyId) -> Result<Vec<UserId>> {
        sqlx::query(
            "SELECT DISTINCT ur.user_id FROM user_roles ur JOIN role_grants g ON g.role_id = ur.role_id \
             JOIN users u ON u.id = ur.user_id \
             WHERE ur.company_id = $1 AND g.domain = 'it' AND g.action = 'approve' \
             AND g.scope = 'company' AND u.disabled = 0 ORDER BY ur.user_id",
        )
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(|r| get_i64(r, "user_id").map(UserId))
        .collect()
    }
}

/// The licence seats assigned to an employee, as offboarding lists what must come back
/// (`Seat of <product>`, source `it`, the seat as its record: unassigning it closes the
/// item). Registered in the store's `LENDERS`.
pub(crate) fn lent_to(
    store: &Store,
    company: CompanyId,
    employee: EmployeeId,
) -> crate::BoxFuture<'_, Result<Vec<LentItem>>> {
    Box::pin(async move {
        let rows = sqlx::query(
            "SELECT s.id, l.product FROM it_licence_seats s JOIN it_licences l ON l.id = s.licence_id \
             WHERE s.company_id = $1 AND s.employee_id = $2 AND s.unassigned_at IS NULL \
             ORDER BY l.product, s.id",
        )
        .bind(company.0)
        .bind(employee.0)
        .fetch_all(&store.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(LentItem {
                    item: format!("Licence seat — {}", get_str(r, "product")?),
                    source: "it".to_string(),
                    record: Some(seat_record(LicenceSeatId(get_i64(r, "id")?))),
                })
            })
            .collect()
    })
}
