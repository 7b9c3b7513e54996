//! A subject's file: records (notes, documents and their versions, each version a row of
//! `files`), the access log and break-glass openings (see `steward_core::records::file`).
//! Each access-log row is written with its audit event in one transaction.
use sea_query::{ExprTrait, JoinType, Order, Query, SelectStatement};
use sqlx::any::AnyRow;
use steward_core::audit::AuditDraft;
use steward_core::files::NewFile;
use steward_core::ids::{CompanyId, UserId};
use steward_core::list::{Page, Paging};
use steward_core::records::file::{
    AccessEntry, AccessQuery, BreakGlass, DocVersion, Item, NewAccess, NewItem, RecordStore,
};
use steward_core::records::{BreakGlassId, CategoryId, ItemId, SubjectId, VersionId};
use steward_core::time::Timestamp;
use steward_core::{Error, Result};

use super::{a, stale};
use crate::files::{file_of, insert_file, FILE_COLUMNS};
use crate::sql::{col, count_all};
use crate::{append_audit, db, get_i64, get_str, opt_i64, opt_str, Store};

type Tx = sqlx::Transaction<'static, sqlx::Any>;

const ITEM_SELECT: &str = "SELECT i.id, i.subject_id, i.category_id, c.name AS category, \
    c.sensitive, i.kind, i.title, i.body, i.created_at, i.disposed_at, u.display_name AS by_name \
    FROM records_items i JOIN records_categories c ON c.id = i.category_id \
    LEFT JOIN users u ON u.id = i.created_by";

fn item_of(r: &AnyRow) -> Result<Item> {
    Ok(Item {
        id: ItemId(get_i64(r, "id")?),
        subject_id: SubjectId(get_i64(r, "subject_id")?),
        category_id: CategoryId(get_i64(r, "category_id")?),
        category: get_str(r, "category")?,
        sensitive: get_i64(r, "sensitive")? != 0,
        kind: get_str(r, "kind")?,
        title: get_str(r, "title")?,
        body: get_str(r, "body")?,
        created_by_name: opt_str(r, "by_name")?.unwrap_or_default(),
        created_at: Timestamp(get_i64(r, "created_at")?),
        disposed_at: opt_i64(r, "disposed_at")?.map(Timestamp),
        versions: Vec::new(),
    })
}

fn version_select() -> String {
    format!(
        "SELECT v.id, v.item_id, v.number, v.created_at, u.display_name AS by_name, {FILE_COLUMNS} \
         FROM records_document_versions v JOIN files f ON f.id = v.file_id AND f.company_id = v.company_id \
         LEFT JOIN users u ON u.id = v.created_by"
    )
}

fn version_of(r: &AnyRow) -> Result<DocVersion> {
    Ok(DocVersion {
        id: VersionId(get_i64(r, "id")?),
        item_id: ItemId(get_i64(r, "item_id")?),
        number: get_i64(r, "number")?,
        file: file_of(r)?,
        created_by_name: opt_str(r, "by_name")?.unwrap_or_default(),
        created_at: Timestamp(get_i64(r, "created_at")?),
    })
}

const BG_SELECT: &str =
    "SELECT b.id, b.subject_id, s.reference, s.name AS subject_name, b.user_id, \
    u.display_name AS user_name, b.reason, b.opened_at, b.expires_at, b.reviewed_at, \
    r.display_name AS reviewer, b.review_note, b.version \
    FROM records_break_glass b JOIN records_subjects s ON s.id = b.subject_id \
    LEFT JOIN users u ON u.id = b.user_id LEFT JOIN users r ON r.id = b.reviewed_by";

fn bg_of(r: &AnyRow) -> Result<BreakGlass> {
    Ok(BreakGlass {
        id: BreakGlassId(get_i64(r, "id")?),
        subject_id: SubjectId(get_i64(r, "subject_id")?),
        subject: format!(
            "{} {}",
            get_str(r, "reference")?,
            get_str(r, "subject_name")?
        ),
        user_id: UserId(get_i64(r, "user_id")?),
        user_name: opt_str(r, "user_name")?.unwrap_or_default(),
        reason: get_str(r, "reason")?,
        opened_at: Timestamp(get_i64(r, "opened_at")?),
        expires_at: Timestamp(get_i64(r, "expires_at")?),
        reviewed_at: opt_i64(r, "reviewed_at")?.map(Timestamp),
        reviewed_by_name: opt_str(r, "reviewer")?.unwrap_or_default(),
        review_note: get_str(r, "review_note")?,
        version: get_i64(r, "version")?,
    })
}

async fn insert_access(
    tx: &mut Tx,
    company: CompanyId,
    a: &NewAccess,
    audit: &AuditDraft,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO records_access_log (company_id, subject_id, user_id, actor, at, action, what, reason) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(company.0)
    .bind(a.subject_id.map(|s| s.0))
    .bind(a.user_id.map(|u| u.0))
    .bind(&audit.actor)
    .bind(Timestamp::now().0)
    .bind(&a.action)
    .bind(&a.what)
    .bind(&a.reason)
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(())
}

async fn insert_version_in(
    tx: &mut Tx,
    company: CompanyId,
    item: ItemId,
    file: &NewFile,
    by: Option<UserId>,
) -> Result<VersionId> {
    let file_id = insert_file(tx, company, file, by).await?;
    let r = sqlx::query(
        "INSERT INTO records_document_versions (company_id, item_id, number, file_id, created_by, created_at) \
         VALUES ($1, $2, (SELECT COALESCE(MAX(number), 0) + 1 FROM records_document_versions WHERE item_id = $3), \
         $4, $5, $6) RETURNING id",
    )
    .bind(company.0)
    .bind(item.0)
    .bind(item.0)
    .bind(file_id.0)
    .bind(by.map(|u| u.0))
    .bind(Timestamp::now().0)
    .fetch_one(&mut **tx)
    .await
    .map_err(db)?;
    Ok(VersionId(get_i64(&r, "id")?))
}

impl Store {
    async fn versions_of(&self, company: CompanyId, items: &mut [Item]) -> Result<()> {
        let ids: Vec<String> = items
            .iter()
            .filter(|i| i.kind == "document")
            .map(|i| i.id.0.to_string())
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        // Ids are the store's own integers, never client text.
        let rows = sqlx::query(&format!(
            "{} WHERE v.company_id = $1 AND v.item_id IN ({}) ORDER BY v.item_id, v.number DESC",
            version_select(),
            ids.join(", ")
        ))
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        for r in &rows {
            let v = version_of(r)?;
            if let Some(i) = items.iter_mut().find(|i| i.id == v.item_id) {
                i.versions.push(v);
            }
        }
        Ok(())
    }
}

impl RecordStore for Store {
    async fn items(&self, company: CompanyId, subject: SubjectId) -> Result<Vec<Item>> {
        let rows = sqlx::query(&format!(
            "{ITEM_SELECT} WHERE i.company_id = $1 AND i.subject_id = $2 ORDER BY i.created_at, i.id"
        ))
        .bind(company.0)
        .bind(subject.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        let mut items = rows.iter().map(item_of).collect::<Result<Vec<_>>>()?;
        self.versions_of(company, &mut items).await?;
        Ok(items)
    }

    async fn item(&self, company: CompanyId, id: ItemId) -> Result<Option<Item>> {
        let r = sqlx::query(&format!(
            "{ITEM_SELECT} WHERE i.company_id = $1 AND i.id = $2"
        ))
        .bind(company.0)
        .bind(id.0)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?;
        let Some(r) = r else {
            return Ok(None);
        };
        let mut items = vec![item_of(&r)?];
        self.versions_of(company, &mut items).await?;
        Ok(items.pop())
    }

    async fn insert_item(
        &self,
        company: CompanyId,
        item: &NewItem,
        file: Option<&NewFile>,
        by: Option<UserId>,
        mut audit: AuditDraft,
    ) -> Result<ItemId> {
        let mut tx = self.begin().await?;
        // The subject and the category are the company's (the service checked; this keeps
        // a record from hanging on another company's whatever the caller).
        let r = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM records_subjects WHERE company_id = $1 AND id = $2) AS s, \
             (SELECT COUNT(*) FROM records_categories WHERE company_id = $3 AND id = $4) AS c",
        )
        .bind(company.0)
        .bind(item.subject_id.0)
        .bind(company.0)
        .bind(item.category_id.0)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        if get_i64(&r, "s")? == 0 {
            return Err(Error::NotFound { entity: "subject" });
        }
        if get_i64(&r, "c")? == 0 {
            return Err(Error::invalid("category_id", "no such category"));
        }
        let r = sqlx::query(
            "INSERT INTO records_items (company_id, subject_id, category_id, kind, title, body, \
             search_text, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             RETURNING id",
        )
        .bind(company.0)
        .bind(item.subject_id.0)
        .bind(item.category_id.0)
        .bind(&item.kind)
        .bind(&item.title)
        .bind(&item.body)
        .bind(&item.text)
        .bind(by.map(|u| u.0))
        .bind(Timestamp::now().0)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let id = ItemId(get_i64(&r, "id")?);
        if let Some(f) = file {
            insert_version_in(&mut tx, company, id, f, by).await?;
        }
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn insert_version(
        &self,
        company: CompanyId,
        item: ItemId,
        file: &NewFile,
        text: &str,
        by: Option<UserId>,
        audit: AuditDraft,
    ) -> Result<VersionId> {
        let mut tx = self.begin().await?;
        // The newest version's text is what the record is found by.
        let n = sqlx::query(
            "UPDATE records_items SET search_text = $1 \
             WHERE company_id = $2 AND id = $3 AND kind = 'document'",
        )
        .bind(text)
        .bind(company.0)
        .bind(item.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if n == 0 {
            return Err(Error::NotFound { entity: "document" });
        }
        let id = insert_version_in(&mut tx, company, item, file, by).await?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn version(&self, company: CompanyId, id: VersionId) -> Result<Option<DocVersion>> {
        sqlx::query(&format!(
            "{} WHERE v.company_id = $1 AND v.id = $2",
            version_select()
        ))
        .bind(company.0)
        .bind(id.0)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?
        .as_ref()
        .map(version_of)
        .transpose()
    }

    async fn log_access(&self, company: CompanyId, a: &NewAccess, audit: AuditDraft) -> Result<()> {
        let mut tx = self.begin().await?;
        insert_access(&mut tx, company, a, &audit).await?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn access_log(&self, company: CompanyId, q: &AccessQuery) -> Result<Page<AccessEntry>> {
        let filtered = |s: &mut SelectStatement| {
            s.from_as(a("records_access_log"), a("l"))
                .and_where(col("l", "company_id").eq(company.0));
            if let Some(x) = q.subject {
                s.and_where(col("l", "subject_id").eq(x.0));
            }
            if let Some(u) = q.user {
                s.and_where(col("l", "user_id").eq(u.0));
            }
        };
        let mut count = Query::select();
        filtered(&mut count);
        count.expr_as(count_all(), a("n"));
        let mut s = Query::select();
        filtered(&mut s);
        for c in [
            "id",
            "subject_id",
            "user_id",
            "actor",
            "at",
            "action",
            "what",
            "reason",
        ] {
            s.column((a("l"), a(c)));
        }
        s.column((a("s"), a("reference")))
            .expr_as(col("s", "name"), a("subject_name"))
            .join_as(
                JoinType::LeftJoin,
                a("records_subjects"),
                a("s"),
                col("s", "id").equals((a("l"), a("subject_id"))),
            )
            .order_by((a("l"), a("at")), Order::Desc)
            .order_by((a("l"), a("id")), Order::Desc);
        let (rows, total) = self.fetch_counted(&count, &s, q.paging).await?;
        let items = rows
            .iter()
            .map(|r| {
                let subject = match opt_str(r, "reference")? {
                    Some(refr) => {
                        format!("{refr} {}", opt_str(r, "subject_name")?.unwrap_or_default())
                    }
                    None => String::new(),
                };
                Ok(AccessEntry {
                    id: get_i64(r, "id")?,
                    subject_id: opt_i64(r, "subject_id")?.map(SubjectId),
                    subject,
                    user_id: opt_i64(r, "user_id")?.map(UserId),
                    actor: get_str(r, "actor")?,
                    at: Timestamp(get_i64(r, "at")?),
                    action: get_str(r, "action")?,
                    what: get_str(r, "what")?,
                    reason: get_str(r, "reason")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Page {
            items,
            total,
            limit: q.paging.limit,
            offset: q.paging.offset,
        })
    }

    async fn insert_break_glass(
        &self,
        company: CompanyId,
        subject: SubjectId,
        user: UserId,
        reason: &str,
        until: Timestamp,
        mut audit: AuditDraft,
    ) -> Result<BreakGlassId> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "INSERT INTO records_break_glass (company_id, subject_id, user_id, reason, opened_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(company.0)
        .bind(subject.0)
        .bind(user.0)
        .bind(reason)
        .bind(Timestamp::now().0)
        .bind(until.0)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let id = get_i64(&r, "id")?;
        let a = NewAccess {
            subject_id: Some(subject),
            user_id: Some(user),
            action: "break_glass".into(),
            what: "opened the file without access".into(),
            reason: reason.to_string(),
        };
        insert_access(&mut tx, company, &a, &audit).await?;
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(BreakGlassId(id))
    }

    async fn break_glass_list(
        &self,
        company: CompanyId,
        pending: bool,
        paging: Paging,
    ) -> Result<Page<BreakGlass>> {
        let filter = if pending {
            "b.company_id = $1 AND b.reviewed_at IS NULL"
        } else {
            "b.company_id = $1"
        };
        let total = get_i64(
            &sqlx::query(&format!(
                "SELECT COUNT(*) AS n FROM records_break_glass b WHERE {filter}"
            ))
            .bind(company.0)
            .fetch_one(&self.read)
            .await
            .map_err(db)?,
            "n",
        )?;
        let rows = sqlx::query(&format!(
            "{BG_SELECT} WHERE {filter} ORDER BY b.opened_at DESC, b.id DESC LIMIT {} OFFSET {}",
            paging.limit, paging.offset
        ))
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        Ok(Page {
            items: rows.iter().map(bg_of).collect::<Result<_>>()?,
            total: u64::try_from(total).unwrap_or(0),
            limit: paging.limit,
            offset: paging.offset,
        })
    }

    async fn break_glass(
        &self,
        company: CompanyId,
        id: BreakGlassId,
    ) -> Result<Option<BreakGlass>> {
        sqlx::query(&format!(
            "{BG_SELECT} WHERE b.company_id = $1 AND b.id = $2"
        ))
        .bind(company.0)
        .bind(id.0)
        .fetch_optional(&self.read)
        .await
        .map_err(db)?
        .as_ref()
        .map(bg_of)
        .transpose()
    }

    async fn review_break_glass(
        &self,
        company: CompanyId,
        id: BreakGlassId,
        by: Option<UserId>,
        note: &str,
        version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE records_break_glass SET reviewed_at = $1, reviewed_by = $2, review_note = $3, \
             version = version + 1 WHERE company_id = $4 AND id = $5 AND version = $6 \
             AND reviewed_at IS NULL",
        )
        .bind(Timestamp::now().0)
        .bind(by.map(|u| u.0))
        .bind(note)
        .bind(company.0)
        .bind(id.0)
        .bind(version)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if n != 1 {
            return Err(stale("break-glass"));
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn privacy_officers(&self, company: CompanyId) -> Result<Vec<UserId>> {
        let rows = sqlx::query(
            "SELECT DISTINCT ur.user_id FROM user_roles ur \
             JOIN role_grants g ON g.role_id = ur.role_id \
             JOIN memberships m ON m.user_id = ur.user_id AND m.company_id = ur.company_id \
             JOIN users u ON u.id = ur.user_id \
             WHERE ur.company_id = $1 AND g.domain = 'records' AND g.action = 'approve' \
             AND g.scope = 'company' AND u.disabled = 0 \
             AND (m.valid_until IS NULL OR m.valid_until > $2) ORDER BY ur.user_id",
        )
        .bind(company.0)
        .bind(Timestamp::now().0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| Ok(UserId(get_i64(r, "user_id")?)))
            .collect()
    }
}
