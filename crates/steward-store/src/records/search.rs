//! Records' full-text search (see `steward_core::records::search`): SQLite matches the FTS5
//! index `records_search` (external content: `records_items.search_text`), PostgreSQL the
//! GIN index on the generated `search_vector` (`to_tsvector('simple', search_text)`). The
//! caller's access narrows the matches before the limit (sensitive categories; the subjects'
//! rule of `subjects::visible`, in the statement, or on PostgreSQL for a caller of at most
//! [`NAMED_SUBJECTS_MAX`] subjects as the list of those subjects, read just before from the
//! same rule), newest first, so nothing is cut before it is filtered.
use sea_query::{Expr, ExprTrait, Order, Query};
use sqlx::any::AnyRow;
use steward_core::audit::AuditDraft;
use steward_core::ids::{CompanyId, UserId};
use steward_core::records::search::{Hit, SearchQuery, SearchStore};
use steward_core::records::{CategoryId, ItemId, SubjectId};
use steward_core::time::Timestamp;
use steward_core::Result;

use super::a;
use super::subjects::visible;
use crate::sql::{col, insert_values, rows_per_statement};
use crate::{append_audit, db, get_i64, get_str, Backend, Store};

fn hit_of(r: &AnyRow) -> Result<Hit> {
    let kind = get_str(r, "kind")?;
    Ok(Hit {
        item_id: ItemId(get_i64(r, "id")?),
        subject_id: SubjectId(get_i64(r, "subject_id")?),
        subject: format!(
            "{} {}",
            get_str(r, "reference")?,
            get_str(r, "subject_name")?
        ),
        category_id: CategoryId(get_i64(r, "category_id")?),
        category: get_str(r, "category")?,
        // The note's text: the service cuts the snippet from it.
        snippet: if kind == "note" {
            get_str(r, "body")?
        } else {
            String::new()
        },
        kind,
        title: get_str(r, "title")?,
        created_at: Timestamp(get_i64(r, "created_at")?),
    })
}

/// Above this many subjects opened, PostgreSQL's search keeps the access rule in the
/// statement rather than naming the subjects.
const NAMED_SUBJECTS_MAX: u64 = 5_000;

impl Store {
    /// On PostgreSQL, the ids of the subjects `who` opens when they are at most
    /// [`NAMED_SUBJECTS_MAX`]; `None` on SQLite (FTS5 hands matches newest first and the
    /// rule filters them as they come) or when there are more.
    async fn visible_ids(
        &self,
        company: CompanyId,
        who: &steward_core::records::subjects::Visibility,
    ) -> Result<Option<Vec<i64>>> {
        if self.backend != Backend::Postgres {
            return Ok(None);
        }
        let Some(ids) = super::subjects::visible_ids(company, who) else {
            return Ok(None);
        };
        let mut s = Query::select();
        s.column(a("subject_id"))
            .from_subquery(ids, a("v"))
            .limit(NAMED_SUBJECTS_MAX + 1);
        let (sql, values) = crate::sql::build(self.backend, &s);
        let rows = crate::sql::bind_values(sqlx::query(&sql), values)
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        if rows.len() as u64 > NAMED_SUBJECTS_MAX {
            return Ok(None);
        }
        rows.iter()
            .map(|r| get_i64(r, "subject_id"))
            .collect::<Result<Vec<_>>>()
            .map(Some)
    }
}

impl SearchStore for Store {
    async fn search_records(&self, company: CompanyId, q: &SearchQuery) -> Result<Vec<Hit>> {
        use sea_query::JoinType::Join;
        let mut s = Query::select();
        match self.backend {
            Backend::Sqlite => {
                s.from_as(a("records_search"), a("f"))
                    .join_as(
                        Join,
                        a("records_items"),
                        a("i"),
                        Expr::cust("i.id = f.rowid"),
                    )
                    .and_where(Expr::cust_with_values(
                        "f.search_text MATCH ?",
                        [q.terms.fts5()],
                    ));
            }
            Backend::Postgres => {
                // The stored `search_vector` (migration 0037) and its GIN index: the planner
                // has the column's word statistics to choose between the index (rare words)
                // and the newest records first (common words), and neither recomputes a
                // record's tsvector.
                s.from_as(a("records_items"), a("i"))
                    .and_where(Expr::cust_with_values(
                        // sea-query numbers a PostgreSQL custom expression's `$1` in place.
                        "i.search_vector @@ to_tsquery('simple'::regconfig, $1)",
                        [q.terms.tsquery()],
                    ));
            }
        }
        s.join_as(
            Join,
            a("records_subjects"),
            a("s"),
            col("s", "id").equals((a("i"), a("subject_id"))),
        )
        // A left join for the name only: the planner must not drive the search from the
        // few categories (it repeated the index scans once per category).
        .join_as(
            sea_query::JoinType::LeftJoin,
            a("records_categories"),
            a("c"),
            col("c", "id").equals((a("i"), a("category_id"))),
        )
        .and_where(col("i", "company_id").eq(company.0))
        .and_where(col("i", "disposed_at").is_null());
        if !q.sensitive {
            s.and_where(
                col("i", "category_id").not_in_subquery(
                    Query::select()
                        .column(a("id"))
                        .from(a("records_categories"))
                        .and_where(Expr::col(a("company_id")).eq(company.0))
                        .and_where(Expr::col(a("sensitive")).ne(0))
                        .to_owned(),
                ),
            );
        }
        // PostgreSQL cannot estimate the access rule's OR of subqueries (it guessed three
        // quarters of the subjects for a clinician's 500 of 50,000) and walked the records
        // newest first; named, the subjects' records are one bitmap AND of the GIN index
        // and the subject index.
        if let Some(ids) = self.visible_ids(company, &q.who).await? {
            s.and_where(col("i", "subject_id").is_in(ids));
        } else if let Some(v) = visible(company, &q.who) {
            s.cond_where(v);
        }
        for c in [
            "id",
            "subject_id",
            "category_id",
            "kind",
            "title",
            "body",
            "created_at",
        ] {
            s.column((a("i"), a(c)));
        }
        s.column((a("s"), a("reference")))
            .expr_as(col("s", "name"), a("subject_name"))
            .expr_as(col("c", "name"), a("category"))
            .limit(u64::from(q.limit));
        match self.backend {
            // FTS5 hands its matches over newest (highest rowid) first, so the statement
            // stops at the limit instead of sorting every match.
            Backend::Sqlite => s.order_by_expr(Expr::cust("f.rowid"), Order::Desc),
            Backend::Postgres => s.order_by((a("i"), a("id")), Order::Desc),
        };
        let (sql, values) = crate::sql::build(self.backend, &s);
        // Planned for its own words and subjects each time: a cached generic plan cannot see
        // how rare a word is, nor how few subjects are named.
        let rows = crate::sql::bind_values(sqlx::query(&sql), values)
            .persistent(false)
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
        rows.iter().map(hit_of).collect()
    }

    async fn log_search(
        &self,
        company: CompanyId,
        user: Option<UserId>,
        subjects: &[SubjectId],
        what: &str,
        audit: AuditDraft,
    ) -> Result<()> {
        const INTO: &str =
            "records_access_log (company_id, subject_id, user_id, actor, at, action, what, reason)";
        let now = Timestamp::now().0;
        let mut tx = self.begin().await?;
        for part in subjects.chunks(rows_per_statement(8)) {
            let sql = insert_values(self.backend, INTO, "(?, ?, ?, ?, ?, ?, ?, ?)", part.len());
            let mut q = sqlx::query(&sql);
            for s in part {
                q = q
                    .bind(company.0)
                    .bind(s.0)
                    .bind(user.map(|u| u.0))
                    .bind(audit.actor.as_str())
                    .bind(now)
                    .bind("search")
                    .bind(what)
                    .bind("");
            }
            q.execute(&mut *tx).await.map_err(db)?;
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }
}
