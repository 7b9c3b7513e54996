//! Retention and legal hold (see `steward_core::records::retention`): holds, the records a
//! category's rule makes due, the disposals the job lists, and a disposal that deletes a
//! record's content in one transaction. A hold and a disposal of the same subject or
//! category serialize on PostgreSQL by locking the subject's and the category's rows (on
//! SQLite every write transaction is serialized already).
use chrono::NaiveDate;
use sea_query::{Cond, Expr, ExprTrait, Order, Query, SelectStatement};
use sqlx::any::AnyRow;
use steward_core::audit::AuditDraft;
use steward_core::hr::{day_from_key, day_key};
use steward_core::ids::{CompanyId, UserId};
use steward_core::list::Page;
use steward_core::records::retention::{
    Candidate, Disposal, DisposalId, DisposalQuery, Due, Hold, HoldId, NewHold, RetentionStore,
    Rule,
};
use steward_core::records::{CategoryId, ItemId, SubjectId};
use steward_core::time::Timestamp;
use steward_core::{Error, Result};

use super::{a, bad};
use crate::sql::{col, contains_any, count_all, insert_values, rows_per_statement};
use crate::{append_audit, db, get_i64, get_str, opt_i64, opt_str, Backend, Store};

type Tx = sqlx::Transaction<'static, sqlx::Any>;

const HOLD_SELECT: &str = "SELECT h.id, h.subject_id, s.reference, s.name AS subject_name, \
    h.category_id, c.name AS category, h.reason, pu.display_name AS placed_by_name, h.placed_at, \
    h.released_at, ru.display_name AS released_by_name, h.release_reason, h.version \
    FROM records_holds h LEFT JOIN records_subjects s ON s.id = h.subject_id \
    LEFT JOIN records_categories c ON c.id = h.category_id \
    LEFT JOIN users pu ON pu.id = h.placed_by LEFT JOIN users ru ON ru.id = h.released_by";

fn subject_label(r: &AnyRow) -> Result<String> {
    Ok(match opt_str(r, "reference")? {
        Some(refr) => format!("{refr} {}", opt_str(r, "subject_name")?.unwrap_or_default()),
        None => String::new(),
    })
}

fn hold_of(r: &AnyRow) -> Result<Hold> {
    Ok(Hold {
        id: HoldId(get_i64(r, "id")?),
        subject_id: opt_i64(r, "subject_id")?.map(SubjectId),
        subject: subject_label(r)?,
        category_id: opt_i64(r, "category_id")?.map(CategoryId),
        category: opt_str(r, "category")?.unwrap_or_default(),
        reason: get_str(r, "reason")?,
        placed_by_name: opt_str(r, "placed_by_name")?.unwrap_or_default(),
        placed_at: Timestamp(get_i64(r, "placed_at")?),
        released_at: opt_i64(r, "released_at")?.map(Timestamp),
        released_by_name: opt_str(r, "released_by_name")?.unwrap_or_default(),
        release_reason: get_str(r, "release_reason")?,
        version: get_i64(r, "version")?,
    })
}

/// `1` when an active hold covers the disposal's subject or category, from `d`.
const HELD: &str =
    "CASE WHEN EXISTS (SELECT 1 FROM records_holds h WHERE h.company_id = d.company_id \
    AND h.released_at IS NULL AND (h.subject_id = d.subject_id OR h.category_id = d.category_id)) \
    THEN 1 ELSE 0 END";

fn disposal_columns(s: &mut SelectStatement) {
    for c in [
        "id",
        "item_id",
        "subject_id",
        "category_id",
        "title",
        "kind",
        "due_on",
        "listed_at",
        "status",
        "decided_at",
        "note",
        "versions",
        "bytes",
    ] {
        s.column((a("d"), a(c)));
    }
    s.column((a("s"), a("reference")))
        .expr_as(col("s", "name"), a("subject_name"))
        .expr_as(col("c", "name"), a("category"))
        .expr_as(col("c", "sensitive"), a("sensitive"))
        .expr_as(col("u", "display_name"), a("decided_by_name"))
        .expr_as(Expr::cust(HELD), a("held"));
}

fn disposal_from(s: &mut SelectStatement, company: CompanyId) {
    use sea_query::JoinType::{Join, LeftJoin};
    s.from_as(a("records_disposals"), a("d"))
        .join_as(
            Join,
            a("records_subjects"),
            a("s"),
            col("s", "id").equals((a("d"), a("subject_id"))),
        )
        .join_as(
            Join,
            a("records_categories"),
            a("c"),
            col("c", "id").equals((a("d"), a("category_id"))),
        )
        .join_as(
            LeftJoin,
            a("users"),
            a("u"),
            col("u", "id").equals((a("d"), a("decided_by"))),
        )
        .and_where(col("d", "company_id").eq(company.0));
}

fn disposal_of(r: &AnyRow) -> Result<Disposal> {
    Ok(Disposal {
        id: DisposalId(get_i64(r, "id")?),
        item_id: ItemId(get_i64(r, "item_id")?),
        subject_id: SubjectId(get_i64(r, "subject_id")?),
        subject: subject_label(r)?,
        category_id: CategoryId(get_i64(r, "category_id")?),
        category: get_str(r, "category")?,
        sensitive: get_i64(r, "sensitive")? != 0,
        title: get_str(r, "title")?,
        kind: get_str(r, "kind")?,
        due_on: day_from_key(get_i64(r, "due_on")?).ok_or_else(|| bad("due date"))?,
        listed_at: Timestamp(get_i64(r, "listed_at")?),
        status: get_str(r, "status")?,
        decided_by_name: opt_str(r, "decided_by_name")?.unwrap_or_default(),
        decided_at: opt_i64(r, "decided_at")?.map(Timestamp),
        note: get_str(r, "note")?,
        versions: get_i64(r, "versions")?,
        bytes: get_i64(r, "bytes")?,
        held: get_i64(r, "held")? != 0,
    })
}

/// Locks the rows a hold and a disposal of this subject and category both touch
/// (PostgreSQL; SQLite serializes write transactions already).
async fn lock_scope(
    tx: &mut Tx,
    backend: Backend,
    subject: Option<i64>,
    category: Option<i64>,
) -> Result<()> {
    if backend != Backend::Postgres {
        return Ok(());
    }
    if let Some(s) = subject {
        sqlx::query("SELECT id FROM records_subjects WHERE id = $1 FOR UPDATE")
            .bind(s)
            .fetch_optional(&mut **tx)
            .await
            .map_err(db)?;
    }
    if let Some(c) = category {
        sqlx::query("SELECT id FROM records_categories WHERE id = $1 FOR UPDATE")
            .bind(c)
            .fetch_optional(&mut **tx)
            .await
            .map_err(db)?;
    }
    Ok(())
}

/// What erasing a record's content removed.
struct Erased {
    versions: i64,
    bytes: i64,
    /// The storage keys of the bytes to delete once committed.
    keys: Vec<String>,
}

/// Erases a record's content inside `tx` (a disposal, an anonymization): its versions and
/// their files' index rows are deleted, a note's text and the search words cleared, the
/// record marked disposed of. The tombstone is the caller's.
async fn erase(
    tx: &mut Tx,
    backend: Backend,
    company: CompanyId,
    item: i64,
    by: Option<UserId>,
    now: i64,
) -> Result<Erased> {
    let body = sqlx::query("SELECT body FROM records_items WHERE company_id = $1 AND id = $2")
        .bind(company.0)
        .bind(item)
        .fetch_optional(&mut **tx)
        .await
        .map_err(db)?
        .ok_or(Error::NotFound { entity: "record" })?;
    let files = sqlx::query(
        "SELECT f.id, f.storage_key, f.size FROM records_document_versions v \
         JOIN files f ON f.id = v.file_id WHERE v.company_id = $1 AND v.item_id = $2",
    )
    .bind(company.0)
    .bind(item)
    .fetch_all(&mut **tx)
    .await
    .map_err(db)?;
    let mut bytes = i64::try_from(get_str(&body, "body")?.len()).unwrap_or(i64::MAX);
    let mut keys = Vec::with_capacity(files.len());
    let mut ids = Vec::with_capacity(files.len());
    for f in &files {
        bytes = bytes.saturating_add(get_i64(f, "size")?);
        keys.push(get_str(f, "storage_key")?);
        ids.push(get_i64(f, "id")?);
    }
    sqlx::query("DELETE FROM records_document_versions WHERE company_id = $1 AND item_id = $2")
        .bind(company.0)
        .bind(item)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    if !ids.is_empty() {
        let del = Query::delete()
            .from_table(a("files"))
            .and_where(Expr::col(a("company_id")).eq(company.0))
            .and_where(Expr::col(a("id")).is_in(ids))
            .to_owned();
        let (sql, values) = crate::sql::build(backend, &del);
        crate::sql::bind_values(sqlx::query(&sql), values)
            .execute(&mut **tx)
            .await
            .map_err(db)?;
    }
    sqlx::query(
        "UPDATE records_items SET body = '', search_text = '', disposed_at = $1, disposed_by = $2 \
         WHERE company_id = $3 AND id = $4",
    )
    .bind(now)
    .bind(by.map(|u| u.0))
    .bind(company.0)
    .bind(item)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(Erased {
        versions: i64::try_from(files.len()).unwrap_or(i64::MAX),
        bytes,
        keys,
    })
}

/// The UTC day of a stored instant.
fn day_of(micros: i64) -> Result<NaiveDate> {
    chrono::DateTime::from_timestamp_micros(micros)
        .map(|d| d.date_naive())
        .ok_or_else(|| bad("time"))
}

impl RetentionStore for Store {
    async fn holds(&self, company: CompanyId, active: bool) -> Result<Vec<Hold>> {
        let filter = if active {
            " AND h.released_at IS NULL"
        } else {
            ""
        };
        let rows = sqlx::query(&format!(
            "{HOLD_SELECT} WHERE h.company_id = $1{filter} ORDER BY h.placed_at DESC, h.id DESC LIMIT 1000"
        ))
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter().map(hold_of).collect()
    }

    async fn hold(&self, company: CompanyId, id: HoldId) -> Result<Option<Hold>> {
        sqlx::query(&format!(
            "{HOLD_SELECT} WHERE h.company_id = $1 AND h.id = $2"
        ))
        .bind(company.0)
        .bind(id.0)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?
        .as_ref()
        .map(hold_of)
        .transpose()
    }

    async fn insert_hold(
        &self,
        company: CompanyId,
        h: &NewHold,
        by: Option<UserId>,
        mut audit: AuditDraft,
    ) -> Result<HoldId> {
        let mut tx = self.begin().await?;
        lock_scope(
            &mut tx,
            self.backend,
            h.subject_id.map(|s| s.0),
            h.category_id.map(|c| c.0),
        )
        .await?;
        let r = sqlx::query(
            "INSERT INTO records_holds (company_id, subject_id, category_id, reason, placed_by, placed_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(company.0)
        .bind(h.subject_id.map(|s| s.0))
        .bind(h.category_id.map(|c| c.0))
        .bind(&h.reason)
        .bind(by.map(|u| u.0))
        .bind(Timestamp::now().0)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let id = get_i64(&r, "id")?;
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(HoldId(id))
    }

    async fn release_hold(
        &self,
        company: CompanyId,
        id: HoldId,
        by: Option<UserId>,
        reason: &str,
        version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE records_holds SET released_at = $1, released_by = $2, release_reason = $3, \
             version = version + 1 \
             WHERE company_id = $4 AND id = $5 AND version = $6 AND released_at IS NULL",
        )
        .bind(Timestamp::now().0)
        .bind(by.map(|u| u.0))
        .bind(reason)
        .bind(company.0)
        .bind(id.0)
        .bind(version)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if n != 1 {
            return Err(super::stale("hold"));
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn retention_rules(&self, company: Option<CompanyId>) -> Result<Vec<Rule>> {
        let mut sql = String::from(
            "SELECT id, company_id, retention_months, retention_from FROM records_categories \
             WHERE retention_months IS NOT NULL",
        );
        if company.is_some() {
            sql.push_str(" AND company_id = $1");
        }
        sql.push_str(" ORDER BY company_id, id");
        let mut q = sqlx::query(&sql);
        if let Some(c) = company {
            q = q.bind(c.0);
        }
        let rows = q.fetch_all(&self.read).await.map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(Rule {
                    company: CompanyId(get_i64(r, "company_id")?),
                    category: CategoryId(get_i64(r, "id")?),
                    months: u32::try_from(get_i64(r, "retention_months")?)
                        .map_err(|_| bad("retention period"))?,
                    from: get_str(r, "retention_from")?,
                })
            })
            .collect()
    }

    async fn due_under(&self, rule: &Rule, cutoff: NaiveDate) -> Result<Vec<Candidate>> {
        // The category held: nothing in it is due.
        let held = sqlx::query(
            "SELECT COUNT(*) AS n FROM records_holds WHERE company_id = $1 AND category_id = $2 \
             AND released_at IS NULL",
        )
        .bind(rule.company.0)
        .bind(rule.category.0)
        .fetch_one(&self.read)
        .await
        .map_err(db)?;
        if get_i64(&held, "n")? > 0 {
            return Ok(Vec::new());
        }
        let before = Timestamp::start_of(cutoff + chrono::Duration::days(1)).0;
        let (event, join, cond) = match rule.from.as_str() {
            "last_activity" => (
                "la.last",
                " JOIN (SELECT subject_id, MAX(created_at) AS last FROM records_items \
                 WHERE company_id = $1 GROUP BY subject_id) la ON la.subject_id = i.subject_id",
                "la.last < $3",
            ),
            "relationship_end" => (
                "s.ended_on",
                " JOIN records_subjects s ON s.id = i.subject_id",
                "s.ended_on IS NOT NULL AND s.ended_on <= $3",
            ),
            _ => ("i.created_at", "", "i.created_at < $3"),
        };
        let sql = format!(
            "SELECT i.id, i.subject_id, i.title, i.kind, {event} AS event FROM records_items i{join} \
             WHERE i.company_id = $1 AND i.category_id = $2 AND i.disposed_at IS NULL AND {cond} \
             AND NOT EXISTS (SELECT 1 FROM records_disposals d WHERE d.item_id = i.id) \
             AND NOT EXISTS (SELECT 1 FROM records_holds h WHERE h.company_id = $1 \
               AND h.subject_id = i.subject_id AND h.released_at IS NULL) \
             ORDER BY i.id"
        );
        let bound = if rule.from == "relationship_end" {
            day_key(cutoff)
        } else {
            before
        };
        let rows = sqlx::query(&sql)
            .bind(rule.company.0)
            .bind(rule.category.0)
            .bind(bound)
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        rows.iter()
            .map(|r| {
                let e = get_i64(r, "event")?;
                Ok(Candidate {
                    item_id: ItemId(get_i64(r, "id")?),
                    subject_id: SubjectId(get_i64(r, "subject_id")?),
                    title: get_str(r, "title")?,
                    kind: get_str(r, "kind")?,
                    event: if rule.from == "relationship_end" {
                        day_from_key(e).ok_or_else(|| bad("ended_on"))?
                    } else {
                        day_of(e)?
                    },
                })
            })
            .collect()
    }

    async fn list_disposals(&self, due: &[Due], audits: Vec<AuditDraft>) -> Result<u64> {
        if due.is_empty() {
            return Ok(0);
        }
        const INTO: &str = "records_disposals (company_id, item_id, subject_id, category_id, \
            title, kind, due_on, listed_at)";
        let now = Timestamp::now().0;
        let mut tx = self.begin().await?;
        let mut listed = 0;
        for part in due.chunks(rows_per_statement(8)) {
            let mut sql = insert_values(self.backend, INTO, "(?, ?, ?, ?, ?, ?, ?, ?)", part.len());
            sql.push_str(" ON CONFLICT (item_id) DO NOTHING");
            let mut q = sqlx::query(&sql);
            for d in part {
                q = q
                    .bind(d.company.0)
                    .bind(d.item.item_id.0)
                    .bind(d.item.subject_id.0)
                    .bind(d.category_id.0)
                    .bind(d.item.title.as_str())
                    .bind(d.item.kind.as_str())
                    .bind(day_key(d.due_on))
                    .bind(now);
            }
            listed += q.execute(&mut *tx).await.map_err(db)?.rows_affected();
        }
        for audit in audits {
            append_audit(&mut tx, audit).await?;
        }
        tx.commit().await.map_err(db)?;
        Ok(listed)
    }

    async fn disposals(&self, company: CompanyId, q: &DisposalQuery) -> Result<Page<Disposal>> {
        let filtered = |s: &mut SelectStatement| {
            disposal_from(s, company);
            if let Some(st) = &q.status {
                s.and_where(col("d", "status").eq(st.as_str()));
            }
            // A sensitive record's title is searched only for who may read it.
            if let (Some(refs), Some(titles)) = (
                contains_any(q.search.as_deref(), &[("s", "reference")]),
                contains_any(q.search.as_deref(), &[("d", "title")]),
            ) {
                let titles = if q.sensitive_titles {
                    titles
                } else {
                    Cond::all().add(titles).add(col("c", "sensitive").eq(0))
                };
                s.cond_where(Cond::any().add(refs).add(titles));
            }
        };
        let mut count = Query::select();
        filtered(&mut count);
        count.expr_as(count_all(), a("n"));
        let mut s = Query::select();
        filtered(&mut s);
        disposal_columns(&mut s);
        if q.status.as_deref() == Some("due") {
            s.order_by((a("d"), a("due_on")), Order::Asc)
                .order_by((a("d"), a("id")), Order::Asc);
        } else {
            s.order_by((a("d"), a("id")), Order::Desc);
        }
        let (rows, total) = self.fetch_counted(&count, &s, q.paging).await?;
        Ok(Page {
            items: rows.iter().map(disposal_of).collect::<Result<_>>()?,
            total,
            limit: q.paging.limit,
            offset: q.paging.offset,
        })
    }

    async fn disposal(&self, company: CompanyId, id: DisposalId) -> Result<Option<Disposal>> {
        let mut s = Query::select();
        disposal_from(&mut s, company);
        disposal_columns(&mut s);
        s.and_where(col("d", "id").eq(id.0));
        let (sql, values) = crate::sql::build(self.backend, &s);
        crate::sql::bind_values(sqlx::query(&sql), values)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?
            .as_ref()
            .map(disposal_of)
            .transpose()
    }

    async fn dispose(
        &self,
        company: CompanyId,
        id: DisposalId,
        by: Option<UserId>,
        audit: AuditDraft,
    ) -> Result<Vec<String>> {
        let mut tx = self.begin().await?;
        let d = sqlx::query(
            "SELECT d.item_id, d.subject_id, d.category_id FROM records_disposals d \
             WHERE d.company_id = $1 AND d.id = $2",
        )
        .bind(company.0)
        .bind(id.0)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or(Error::NotFound { entity: "disposal" })?;
        let (item, subject, category) = (
            get_i64(&d, "item_id")?,
            get_i64(&d, "subject_id")?,
            get_i64(&d, "category_id")?,
        );
        lock_scope(&mut tx, self.backend, Some(subject), Some(category)).await?;
        let held = sqlx::query(
            "SELECT COUNT(*) AS n FROM records_holds WHERE company_id = $1 AND released_at IS NULL \
             AND (subject_id = $2 OR category_id = $3)",
        )
        .bind(company.0)
        .bind(subject)
        .bind(category)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        if get_i64(&held, "n")? > 0 {
            return Err(Error::conflict(
                "this record is under a legal hold: release the hold before disposing of it",
            ));
        }
        let now = Timestamp::now().0;
        let n = sqlx::query(
            "UPDATE records_disposals SET status = 'disposed', decided_by = $1, decided_at = $2 \
             WHERE company_id = $3 AND id = $4 AND status = 'due'",
        )
        .bind(by.map(|u| u.0))
        .bind(now)
        .bind(company.0)
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if n != 1 {
            return Err(Error::conflict("this disposal was decided already"));
        }
        let gone = erase(&mut tx, self.backend, company, item, by, now).await?;
        sqlx::query(
            "UPDATE records_disposals SET versions = $1, bytes = $2 WHERE company_id = $3 AND id = $4",
        )
        .bind(gone.versions)
        .bind(gone.bytes)
        .bind(company.0)
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let keys = gone.keys;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(keys)
    }

    async fn anonymize_subject(
        &self,
        company: CompanyId,
        subject: SubjectId,
        reference: &str,
        dispose: &[ItemId],
        by: Option<UserId>,
        version: i64,
        audit: AuditDraft,
    ) -> Result<Vec<String>> {
        use steward_core::records::anonymize::ANONYMIZED_NAME;
        let mut tx = self.begin().await?;
        lock_scope(&mut tx, self.backend, Some(subject.0), None).await?;
        // The records to erase, still in the file, in one read.
        let mut q = Query::select();
        q.columns([a("id"), a("category_id"), a("title"), a("kind")])
            .from(a("records_items"))
            .and_where(Expr::col(a("company_id")).eq(company.0))
            .and_where(Expr::col(a("subject_id")).eq(subject.0))
            .and_where(Expr::col(a("disposed_at")).is_null())
            .and_where(Expr::col(a("id")).is_in(dispose.iter().map(|i| i.0)))
            .order_by(a("id"), Order::Asc);
        let (sql, values) = crate::sql::build(self.backend, &q);
        let items = crate::sql::bind_values(sqlx::query(&sql), values)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
        let mut categories = items
            .iter()
            .map(|r| get_i64(r, "category_id"))
            .collect::<Result<Vec<_>>>()?;
        categories.sort_unstable();
        categories.dedup();
        // A hold takes the same locks (`insert_hold`): one placed since the plan was read
        // is seen here, and one placed now waits for this transaction.
        for c in &categories {
            lock_scope(&mut tx, self.backend, None, Some(*c)).await?;
        }
        let mut h = Query::select();
        h.column(a("subject_id"))
            .from(a("records_holds"))
            .and_where(Expr::col(a("company_id")).eq(company.0))
            .and_where(Expr::col(a("released_at")).is_null())
            .cond_where(
                Cond::any()
                    .add(Expr::col(a("subject_id")).eq(subject.0))
                    .add(Expr::col(a("category_id")).is_in(categories)),
            );
        let (sql, values) = crate::sql::build(self.backend, &h);
        let holds = crate::sql::bind_values(sqlx::query(&sql), values)
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
        if !holds.is_empty() {
            let mut on_subject = false;
            for r in &holds {
                on_subject |= opt_i64(r, "subject_id")? == Some(subject.0);
            }
            return Err(Error::conflict(if on_subject {
                "this subject was put on legal hold meanwhile: release it before anonymizing"
            } else {
                "a category of this file was put on legal hold meanwhile: read the plan again"
            }));
        }
        let now = Timestamp::now().0;
        let n = sqlx::query(
            "UPDATE records_subjects SET reference = $1, name = $2, custom = '{}', \
             anonymized_at = $3, anonymized_by = $4, updated_at = $3, version = version + 1 \
             WHERE company_id = $5 AND id = $6 AND version = $7 AND anonymized_at IS NULL",
        )
        .bind(reference)
        .bind(ANONYMIZED_NAME)
        .bind(now)
        .bind(by.map(|u| u.0))
        .bind(company.0)
        .bind(subject.0)
        .bind(version)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if n != 1 {
            return Err(Error::conflict(
                "this subject changed meanwhile (or was anonymized): read its plan again",
            ));
        }
        let today = day_key(Timestamp(now).to_datetime().date_naive());
        let mut keys = Vec::new();
        for row in &items {
            let item = get_i64(row, "id")?;
            let gone = erase(&mut tx, self.backend, company, item, by, now).await?;
            sqlx::query(
                "INSERT INTO records_disposals (company_id, item_id, subject_id, category_id, \
                   title, kind, due_on, listed_at, status, decided_by, decided_at, note, versions, bytes) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'disposed', $9, $8, $10, $11, $12) \
                 ON CONFLICT (item_id) DO UPDATE SET status = 'disposed', decided_by = $9, \
                   decided_at = $8, note = $10, versions = $11, bytes = $12",
            )
            .bind(company.0)
            .bind(item)
            .bind(subject.0)
            .bind(get_i64(row, "category_id")?)
            .bind(get_str(row, "title")?)
            .bind(get_str(row, "kind")?)
            .bind(today)
            .bind(now)
            .bind(by.map(|u| u.0))
            .bind("the subject was anonymized")
            .bind(gone.versions)
            .bind(gone.bytes)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
            keys.extend(gone.keys);
        }
        sqlx::query(
            "UPDATE records_consents SET note = '', withdrawn_reason = '' \
             WHERE company_id = $1 AND subject_id = $2",
        )
        .bind(company.0)
        .bind(subject.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(keys)
    }

    async fn keep(
        &self,
        company: CompanyId,
        id: DisposalId,
        by: Option<UserId>,
        note: &str,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE records_disposals SET status = 'kept', decided_by = $1, decided_at = $2, \
             note = $3 WHERE company_id = $4 AND id = $5 AND status = 'due'",
        )
        .bind(by.map(|u| u.0))
        .bind(Timestamp::now().0)
        .bind(note)
        .bind(company.0)
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if n != 1 {
            return Err(Error::conflict("this disposal was decided already"));
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn subject_by_reference(
        &self,
        company: CompanyId,
        reference: &str,
    ) -> Result<Option<SubjectId>> {
        let r = sqlx::query(
            "SELECT id FROM records_subjects WHERE company_id = $1 AND lower(reference) = lower($2)",
        )
        .bind(company.0)
        .bind(reference.trim())
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        r.map(|r| get_i64(&r, "id").map(SubjectId)).transpose()
    }
}

/// A synthetic file load for benchmarks: `subjects` subjects of `kind` (references `S-0`,
/// `S-1`, …; every fifth one's relationship ended on 2024-06-30), each with `per_subject`
/// records spread over the categories in turn and over the three years before `newest`, their
/// texts taken from `bodies` in turn ("Seen today." when none), indexed for search. The last
/// `documents` records of each subject are documents (their text indexed, no versions: a
/// search load). References start with `prefix` (`S-` when empty).
#[derive(Debug, Clone)]
pub struct BulkFiles {
    pub kind: steward_core::records::KindId,
    pub subjects: usize,
    pub per_subject: usize,
    pub categories: Vec<CategoryId>,
    pub newest: Timestamp,
    pub bodies: Vec<String>,
    pub documents: usize,
    pub prefix: String,
}

impl Store {
    /// Loads [`BulkFiles`] in multi-row statements, one audit event for the lot (demo data
    /// and benchmarks: no custom values, no access log).
    pub async fn insert_records_bulk(
        &self,
        company: CompanyId,
        b: &BulkFiles,
        audit: AuditDraft,
    ) -> Result<u64> {
        use crate::sql::reserve_ids;
        if b.categories.is_empty() {
            return Err(Error::invalid("categories", "name at least one"));
        }
        let mut tx = self.begin().await?;
        let ids = reserve_ids(&mut tx, self.backend, "records_subjects", b.subjects).await?;
        let now = Timestamp::now().0;
        let ended = day_key(NaiveDate::from_ymd_opt(2024, 6, 30).ok_or_else(|| bad("day"))?);
        let prefix = if b.prefix.is_empty() {
            "S-"
        } else {
            b.prefix.as_str()
        };
        const SUBJECTS: &str = "records_subjects (id, company_id, kind_id, reference, name, \
            custom, created_at, updated_at, ended_on)";
        let all: Vec<(usize, i64)> = ids.iter().copied().enumerate().collect();
        for part in all.chunks(rows_per_statement(9)) {
            let sql = insert_values(
                self.backend,
                SUBJECTS,
                "(?, ?, ?, ?, ?, ?, ?, ?, ?)",
                part.len(),
            );
            let mut q = sqlx::query(&sql);
            for (i, id) in part {
                q = q
                    .bind(*id)
                    .bind(company.0)
                    .bind(b.kind.0)
                    .bind(format!("{prefix}{i}"))
                    .bind(format!("Subject {prefix}{i}"))
                    .bind("{}")
                    .bind(now)
                    .bind(now)
                    .bind((i % 5 == 0).then_some(ended));
            }
            q.execute(&mut *tx).await.map_err(db)?;
        }
        const ITEMS: &str = "records_items (company_id, subject_id, category_id, kind, title, \
            body, search_text, created_at)";
        const DAY: i64 = 86_400_000_000;
        let rows: Vec<(usize, usize)> = (0..b.subjects)
            .flat_map(|i| (0..b.per_subject).map(move |j| (i, j)))
            .collect();
        let mut n = 0u64;
        for part in rows.chunks(rows_per_statement(8)) {
            let sql = insert_values(self.backend, ITEMS, "(?, ?, ?, ?, ?, ?, ?, ?)", part.len());
            let mut q = sqlx::query(&sql);
            for (i, j) in part {
                let k = i * b.per_subject + j;
                let age = i64::try_from(k % (3 * 365)).unwrap_or(0);
                let document = *j + b.documents >= b.per_subject;
                let title = if document {
                    format!("Document {j} of {prefix}{i}")
                } else {
                    format!("Note {j} of {prefix}{i}")
                };
                let body = match b.bodies.len() {
                    0 => "Seen today.",
                    n => b.bodies[k % n].as_str(),
                };
                let text = steward_core::records::search::index_text(&title, body);
                q = q
                    .bind(company.0)
                    .bind(ids[*i])
                    .bind(b.categories[k % b.categories.len()].0)
                    .bind(if document { "document" } else { "note" })
                    .bind(title)
                    .bind(if document { "" } else { body })
                    .bind(text)
                    .bind(b.newest.0 - age * DAY);
            }
            n += q.execute(&mut *tx).await.map_err(db)?.rows_affected();
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        let _ = self.analyze(&["records_subjects", "records_items"]).await;
        Ok(n)
    }
}
