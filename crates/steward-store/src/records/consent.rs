//! Consents (see `steward_core::records::consent`): a subject's consents, the company's
//! list by state on a day, and the records whose category's purpose has no consent in force.
//! Days are stored as `yyyymmdd` keys, so "in force on a day" is three comparisons.
use chrono::NaiveDate;
use sea_query::{Cond, ExprTrait, Order, Query, SelectStatement};
use sqlx::any::AnyRow;
use steward_core::audit::AuditDraft;
use steward_core::hr::day_key;
use steward_core::ids::{CompanyId, UserId};
use steward_core::list::{Page, Paging};
use steward_core::records::consent::{
    Consent, ConsentId, ConsentQuery, ConsentStore, NewConsent, Unconsented, EXPIRING_DAYS,
};
use steward_core::records::{CategoryId, ItemId, SubjectId};
use steward_core::time::Timestamp;
use steward_core::Result;

use super::{a, stale};
use crate::hr::{get_day, opt_day};
use crate::sql::{col, contains_any, count_all};
use crate::{append_audit, db, get_i64, get_str, opt_i64, opt_str, Store};

fn consent_of(r: &AnyRow) -> Result<Consent> {
    Ok(Consent {
        id: ConsentId(get_i64(r, "id")?),
        subject_id: SubjectId(get_i64(r, "subject_id")?),
        subject: format!(
            "{} {}",
            get_str(r, "reference")?,
            get_str(r, "subject_name")?
        ),
        purpose: get_str(r, "purpose")?,
        given_on: get_day(r, "given_on")?,
        expires_on: opt_day(r, "expires_on")?,
        withdrawn_on: opt_day(r, "withdrawn_on")?,
        withdrawn_reason: get_str(r, "withdrawn_reason")?,
        document_id: opt_i64(r, "document_id")?.map(ItemId),
        document_title: opt_str(r, "document_title")?.unwrap_or_default(),
        note: get_str(r, "note")?,
        recorded_by_name: opt_str(r, "recorded_by_name")?.unwrap_or_default(),
        recorded_at: Timestamp(get_i64(r, "recorded_at")?),
        withdrawn_by_name: opt_str(r, "withdrawn_by_name")?.unwrap_or_default(),
        version: get_i64(r, "version")?,
    })
}

/// `FROM records_consents k` with the subject, the people and the document joined.
fn consent_from(s: &mut SelectStatement, company: CompanyId) {
    use sea_query::JoinType::{Join, LeftJoin};
    s.from_as(a("records_consents"), a("k"))
        .join_as(
            Join,
            a("records_subjects"),
            a("s"),
            col("s", "id").equals((a("k"), a("subject_id"))),
        )
        .join_as(
            LeftJoin,
            a("users"),
            a("ru"),
            col("ru", "id").equals((a("k"), a("recorded_by"))),
        )
        .join_as(
            LeftJoin,
            a("users"),
            a("wu"),
            col("wu", "id").equals((a("k"), a("withdrawn_by"))),
        )
        .join_as(
            LeftJoin,
            a("records_items"),
            a("d"),
            col("d", "id").equals((a("k"), a("document_id"))),
        )
        .and_where(col("k", "company_id").eq(company.0));
}

fn consent_columns(s: &mut SelectStatement) {
    for c in [
        "id",
        "subject_id",
        "purpose",
        "given_on",
        "expires_on",
        "withdrawn_on",
        "withdrawn_reason",
        "document_id",
        "note",
        "recorded_at",
        "version",
    ] {
        s.column((a("k"), a(c)));
    }
    s.column((a("s"), a("reference")))
        .expr_as(col("s", "name"), a("subject_name"))
        .expr_as(col("d", "title"), a("document_title"))
        .expr_as(col("ru", "display_name"), a("recorded_by_name"))
        .expr_as(col("wu", "display_name"), a("withdrawn_by_name"));
}

/// Consents in `state` on the day keyed `t` (`soon`: the key of its last expiring day).
fn state_cond(state: &str, t: i64, soon: i64) -> Cond {
    let not_withdrawn = Cond::any()
        .add(col("k", "withdrawn_on").is_null())
        .add(col("k", "withdrawn_on").gt(t));
    let given = col("k", "given_on").lte(t);
    match state {
        "withdrawn" => Cond::all()
            .add(col("k", "withdrawn_on").is_not_null())
            .add(col("k", "withdrawn_on").lte(t)),
        "expired" => Cond::all()
            .add(not_withdrawn)
            .add(given)
            .add(col("k", "expires_on").lt(t)),
        "expiring" => Cond::all()
            .add(not_withdrawn)
            .add(given)
            .add(col("k", "expires_on").gte(t))
            .add(col("k", "expires_on").lte(soon)),
        _ => Cond::all().add(not_withdrawn).add(given).add(
            Cond::any()
                .add(col("k", "expires_on").is_null())
                .add(col("k", "expires_on").gt(soon)),
        ),
    }
}

impl Store {
    async fn read_consent(&self, company: CompanyId, id: ConsentId) -> Result<Option<Consent>> {
        let mut s = Query::select();
        consent_from(&mut s, company);
        consent_columns(&mut s);
        s.and_where(col("k", "id").eq(id.0));
        let (sql, values) = crate::sql::build(self.backend, &s);
        crate::sql::bind_values(sqlx::query(&sql), values)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?
            .as_ref()
            .map(consent_of)
            .transpose()
    }
}

impl ConsentStore for Store {
    async fn subject_consents(
        &self,
        company: CompanyId,
        subject: SubjectId,
    ) -> Result<Vec<Consent>> {
        let mut s = Query::select();
        consent_from(&mut s, company);
        consent_columns(&mut s);
        s.and_where(col("k", "subject_id").eq(subject.0))
            .order_by((a("k"), a("given_on")), Order::Desc)
            .order_by((a("k"), a("id")), Order::Desc);
        let (sql, values) = crate::sql::build(self.backend, &s);
        let rows = crate::sql::bind_values(sqlx::query(&sql), values)
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        rows.iter().map(consent_of).collect()
    }

    async fn consent(&self, company: CompanyId, id: ConsentId) -> Result<Option<Consent>> {
        self.read_consent(company, id).await
    }

    async fn insert_consent(
        &self,
        company: CompanyId,
        c: &NewConsent,
        by: Option<UserId>,
        mut audit: AuditDraft,
    ) -> Result<ConsentId> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "INSERT INTO records_consents (company_id, subject_id, purpose, purpose_key, \
             given_on, expires_on, document_id, note, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(company.0)
        .bind(c.subject_id.0)
        .bind(&c.purpose)
        .bind(&c.purpose_key)
        .bind(day_key(c.given_on))
        .bind(c.expires_on.map(day_key))
        .bind(c.document_id.map(|d| d.0))
        .bind(&c.note)
        .bind(by.map(|u| u.0))
        .bind(Timestamp::now().0)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let id = get_i64(&r, "id")?;
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(ConsentId(id))
    }

    async fn withdraw_consent(
        &self,
        company: CompanyId,
        id: ConsentId,
        on: NaiveDate,
        reason: &str,
        by: Option<UserId>,
        version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE records_consents SET withdrawn_on = $1, withdrawn_reason = $2, \
             withdrawn_by = $3, version = version + 1 \
             WHERE company_id = $4 AND id = $5 AND version = $6 AND withdrawn_on IS NULL",
        )
        .bind(day_key(on))
        .bind(reason)
        .bind(by.map(|u| u.0))
        .bind(company.0)
        .bind(id.0)
        .bind(version)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if n != 1 {
            return Err(stale("consent"));
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn consents(&self, company: CompanyId, q: &ConsentQuery) -> Result<Page<Consent>> {
        let today = q.today.unwrap_or_else(steward_core::time::today);
        let t = day_key(today);
        let soon = day_key(
            today
                .checked_add_days(chrono::Days::new(EXPIRING_DAYS))
                .unwrap_or(NaiveDate::MAX),
        );
        let filtered = |s: &mut SelectStatement| {
            consent_from(s, company);
            if let Some(st) = &q.state {
                s.cond_where(state_cond(st, t, soon));
            }
            if let Some(c) = contains_any(
                q.search.as_deref(),
                &[("k", "purpose"), ("s", "reference"), ("s", "name")],
            ) {
                s.cond_where(c);
            }
        };
        let mut count = Query::select();
        filtered(&mut count);
        count.expr_as(count_all(), a("n"));
        let mut s = Query::select();
        filtered(&mut s);
        consent_columns(&mut s);
        if q.state.as_deref() == Some("expiring") {
            s.order_by((a("k"), a("expires_on")), Order::Asc);
        } else {
            s.order_by((a("k"), a("given_on")), Order::Desc);
        }
        s.order_by((a("k"), a("id")), Order::Desc);
        let (rows, total) = self.fetch_counted(&count, &s, q.paging).await?;
        Ok(Page {
            items: rows.iter().map(consent_of).collect::<Result<_>>()?,
            total,
            limit: q.paging.limit,
            offset: q.paging.offset,
        })
    }

    async fn unconsented(
        &self,
        company: CompanyId,
        purposes: &[(CategoryId, String)],
        today: NaiveDate,
        paging: Paging,
    ) -> Result<Page<Unconsented>> {
        let empty = Page {
            items: Vec::new(),
            total: 0,
            limit: paging.limit,
            offset: paging.offset,
        };
        if purposes.is_empty() {
            return Ok(empty);
        }
        // The purpose a record's category needs: ids are the store's own integers, the
        // keys are bound.
        let mut key = String::from("CASE i.category_id");
        let mut ids = Vec::with_capacity(purposes.len());
        for (n, (c, _)) in purposes.iter().enumerate() {
            key.push_str(&format!(" WHEN {} THEN ${}", c.0, n + 3));
            ids.push(c.0.to_string());
        }
        key.push_str(" END");
        let base = format!(
            "FROM records_items i JOIN records_subjects s ON s.id = i.subject_id \
             JOIN records_categories c ON c.id = i.category_id \
             WHERE i.company_id = $1 AND i.disposed_at IS NULL AND i.category_id IN ({ids}) \
             AND NOT EXISTS (SELECT 1 FROM records_consents k WHERE k.company_id = $1 \
               AND k.subject_id = i.subject_id AND k.purpose_key = {key} AND k.given_on <= $2 \
               AND (k.expires_on IS NULL OR k.expires_on >= $2) \
               AND (k.withdrawn_on IS NULL OR k.withdrawn_on > $2)) \
             GROUP BY i.subject_id, s.reference, s.name, i.category_id, c.name, c.purpose",
            ids = ids.join(", ")
        );
        fn bind<'q>(
            sql: &'q str,
            company: CompanyId,
            today: NaiveDate,
            purposes: &'q [(CategoryId, String)],
        ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
            let mut q = sqlx::query(sql).bind(company.0).bind(day_key(today));
            for (_, k) in purposes {
                q = q.bind(k.as_str());
            }
            q
        }
        let page_sql = format!(
            "SELECT i.subject_id, s.reference, s.name AS subject_name, i.category_id, \
             c.name AS category, c.purpose, COUNT(*) AS n {base} \
             ORDER BY s.reference, c.name LIMIT {} OFFSET {}",
            paging.limit, paging.offset
        );
        let rows = bind(&page_sql, company, today, purposes)
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        let counted = format!("SELECT COUNT(*) AS n FROM (SELECT i.subject_id {base}) x");
        let total = bind(&counted, company, today, purposes)
            .fetch_one(&self.read)
            .await
            .map_err(db)?;
        let items = rows
            .iter()
            .map(|r| {
                Ok(Unconsented {
                    subject_id: SubjectId(get_i64(r, "subject_id")?),
                    subject: format!(
                        "{} {}",
                        get_str(r, "reference")?,
                        get_str(r, "subject_name")?
                    ),
                    category_id: CategoryId(get_i64(r, "category_id")?),
                    category: get_str(r, "category")?,
                    purpose: get_str(r, "purpose")?,
                    records: get_i64(r, "n")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Page {
            items,
            total: u64::try_from(get_i64(&total, "n")?).unwrap_or(0),
            ..empty
        })
    }
}
