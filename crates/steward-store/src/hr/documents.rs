//! Employee documents and certifications (see `steward_core::hr::documents`). A document's
//! file is indexed in `files` in the same transaction as the document row.
use chrono::NaiveDate;
use sea_query::{
    Alias, Cond, Expr, ExprTrait, Func, JoinType, LikeExpr, Order, Query, SelectStatement,
};
use sqlx::any::AnyRow;
use sqlx::{Any, Transaction};
use steward_core::audit::AuditDraft;
use steward_core::files::NewFile;
use steward_core::hr::day_key;
use steward_core::hr::documents::{
    CertQuery, CertSort, Certification, CertificationId, Document, DocumentStore, ExpiryItem,
    NewCertification, NewDocument,
};
use steward_core::ids::{CompanyId, DocumentId, EmployeeId, UserId};
use steward_core::list::{Page, SortDir};
use steward_core::time::Timestamp;
use steward_core::{Error, Result};

use super::opt_day;
use crate::files::{commit_created, file_of, insert_file, soft_delete, FILE_COLUMNS};
use crate::sql::like_pattern;
use crate::sql::{col, count_all};
use crate::{append_audit, db, get_i64, get_str, opt_i64, opt_str, Store};

const EMPLOYEE_NAME: &str = "COALESCE(NULLIF(TRIM(e.preferred_name), ''), e.legal_name)";

fn document_select() -> String {
    format!(
        "SELECT d.id, d.company_id, d.employee_id, {EMPLOYEE_NAME} AS employee_name, d.category, \
         d.title, d.expires, d.uploaded_by, d.uploaded_at, u.display_name AS by_name, {FILE_COLUMNS} \
         FROM hr_documents d \
         JOIN hr_employees e ON e.id = d.employee_id AND e.company_id = d.company_id \
         JOIN files f ON f.id = d.file_id AND f.company_id = d.company_id \
         LEFT JOIN users u ON u.id = d.uploaded_by"
    )
}

fn document_of(r: &AnyRow) -> Result<Document> {
    Ok(Document {
        id: DocumentId(get_i64(r, "id")?),
        company_id: CompanyId(get_i64(r, "company_id")?),
        employee_id: EmployeeId(get_i64(r, "employee_id")?),
        employee_name: get_str(r, "employee_name")?,
        category: get_str(r, "category")?,
        title: get_str(r, "title")?,
        expires: opt_day(r, "expires")?,
        file: file_of(r)?,
        uploaded_by: opt_i64(r, "uploaded_by")?.map(UserId),
        uploaded_by_name: opt_str(r, "by_name")?.unwrap_or_default(),
        uploaded_at: Timestamp(get_i64(r, "uploaded_at")?),
    })
}

fn cert_select() -> String {
    format!(
        "SELECT c.id, c.company_id, c.employee_id, {EMPLOYEE_NAME} AS employee_name, c.name, \
         c.issuer, c.issued, c.expires, c.document_id, c.created_at \
         FROM hr_certifications c \
         JOIN hr_employees e ON e.id = c.employee_id AND e.company_id = c.company_id"
    )
}

fn a(s: &str) -> Alias {
    Alias::new(s)
}

/// The `hr_certifications c` columns [`cert_of`] reads (besides `employee_name`).
const CERT_COLUMNS: [&str; 9] = [
    "id",
    "company_id",
    "employee_id",
    "name",
    "issuer",
    "issued",
    "expires",
    "document_id",
    "created_at",
];

/// The company list's rows: certifications with an expiry date, not removed, within the
/// window, matching the search (name, issuer or the employee).
fn cert_filtered(company: CompanyId, q: &CertQuery, s: &mut SelectStatement) {
    let today = q.today.unwrap_or_else(|| chrono::Utc::now().date_naive());
    s.from_as(a("hr_certifications"), a("c"))
        .join_as(
            JoinType::InnerJoin,
            a("hr_employees"),
            a("e"),
            Cond::all()
                .add(col("e", "id").equals((a("c"), a("employee_id"))))
                .add(col("e", "company_id").equals((a("c"), a("company_id")))),
        )
        .and_where(col("c", "company_id").eq(company.0))
        .and_where(col("c", "deleted_at").is_null())
        .and_where(col("c", "expires").is_not_null());
    if let (_, Some(until)) = q.window.bounds(today) {
        s.and_where(col("c", "expires").lte(day_key(until)));
    }
    if let Some(t) = q.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let p = like_pattern(t);
        let like = |e: Expr| e.like(LikeExpr::new(p.clone()).escape('\\'));
        s.cond_where(
            Cond::any()
                .add(like(Func::lower(col("c", "name")).into()))
                .add(like(Func::lower(col("c", "issuer")).into()))
                .add(like(col("e", "search"))),
        );
    }
}

fn cert_of(r: &AnyRow) -> Result<Certification> {
    Ok(Certification {
        id: CertificationId(get_i64(r, "id")?),
        company_id: CompanyId(get_i64(r, "company_id")?),
        employee_id: EmployeeId(get_i64(r, "employee_id")?),
        employee_name: get_str(r, "employee_name")?,
        name: get_str(r, "name")?,
        issuer: get_str(r, "issuer")?,
        issued: opt_day(r, "issued")?,
        expires: opt_day(r, "expires")?,
        document_id: opt_i64(r, "document_id")?.map(DocumentId),
        created_at: Timestamp(get_i64(r, "created_at")?),
    })
}

/// Not found unless the employee is the company's (the service checked already; this keeps
/// a document from hanging on another company's employee whatever the caller).
async fn company_employee(
    tx: &mut Transaction<'static, Any>,
    company: CompanyId,
    employee: EmployeeId,
) -> Result<()> {
    sqlx::query("SELECT id FROM hr_employees WHERE company_id = $1 AND id = $2")
        .bind(company.0)
        .bind(employee.0)
        .fetch_optional(&mut **tx)
        .await
        .map_err(db)?
        .map(|_| ())
        .ok_or(Error::NotFound { entity: "employee" })
}

impl DocumentStore for Store {
    async fn insert_document(
        &self,
        company: CompanyId,
        doc: &NewDocument,
        file: &NewFile,
        by: Option<UserId>,
        audit: AuditDraft,
    ) -> Result<DocumentId> {
        let mut tx = self.begin().await?;
        company_employee(&mut tx, company, doc.employee_id).await?;
        let file_id = insert_file(&mut tx, company, file, by).await?;
        let row = sqlx::query(
            "INSERT INTO hr_documents (company_id, employee_id, category, title, file_id, expires, \
             uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(company.0)
        .bind(doc.employee_id.0)
        .bind(&doc.category)
        .bind(&doc.title)
        .bind(file_id.0)
        .bind(doc.expires.map(day_key))
        .bind(by.map(|u| u.0))
        .bind(Timestamp::now().0)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let id = get_i64(&row, "id")?;
        commit_created(tx, audit, id).await?;
        Ok(DocumentId(id))
    }

    async fn get_document(&self, company: CompanyId, id: DocumentId) -> Result<Option<Document>> {
        let sql = format!(
            "{} WHERE d.company_id = $1 AND d.id = $2 AND d.deleted_at IS NULL",
            document_select()
        );
        sqlx::query(&sql)
            .bind(company.0)
            .bind(id.0)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?
            .as_ref()
            .map(document_of)
            .transpose()
    }

    async fn employee_documents(
        &self,
        company: CompanyId,
        employee: EmployeeId,
    ) -> Result<Vec<Document>> {
        let sql = format!(
            "{} WHERE d.company_id = $1 AND d.employee_id = $2 AND d.deleted_at IS NULL \
             ORDER BY d.category, d.title, d.id",
            document_select()
        );
        sqlx::query(&sql)
            .bind(company.0)
            .bind(employee.0)
            .fetch_all(&self.read)
            .await
            .map_err(db)?
            .iter()
            .map(document_of)
            .collect()
    }

    async fn remove_document(
        &self,
        company: CompanyId,
        id: DocumentId,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        soft_delete(&mut tx, "hr_documents", company, id.0, "document").await?;
        // A certification that pointed at it keeps its dates, without the document.
        sqlx::query(
            "UPDATE hr_certifications SET document_id = NULL WHERE company_id = $1 AND document_id = $2",
        )
        .bind(company.0)
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn log_access(&self, audit: AuditDraft) -> Result<()> {
        let mut tx = self.begin().await?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn insert_certification(
        &self,
        company: CompanyId,
        cert: &NewCertification,
        by: Option<UserId>,
        audit: AuditDraft,
    ) -> Result<CertificationId> {
        let mut tx = self.begin().await?;
        company_employee(&mut tx, company, cert.employee_id).await?;
        let row = sqlx::query(
            "INSERT INTO hr_certifications (company_id, employee_id, name, issuer, issued, expires, \
             document_id, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(company.0)
        .bind(cert.employee_id.0)
        .bind(&cert.name)
        .bind(&cert.issuer)
        .bind(cert.issued.map(day_key))
        .bind(cert.expires.map(day_key))
        .bind(cert.document_id.map(|d| d.0))
        .bind(by.map(|u| u.0))
        .bind(Timestamp::now().0)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let id = get_i64(&row, "id")?;
        commit_created(tx, audit, id).await?;
        Ok(CertificationId(id))
    }

    async fn get_certification(
        &self,
        company: CompanyId,
        id: CertificationId,
    ) -> Result<Option<Certification>> {
        let sql = format!(
            "{} WHERE c.company_id = $1 AND c.id = $2 AND c.deleted_at IS NULL",
            cert_select()
        );
        sqlx::query(&sql)
            .bind(company.0)
            .bind(id.0)
            .fetch_optional(&self.read)
            .await
            .map_err(db)?
            .as_ref()
            .map(cert_of)
            .transpose()
    }

    async fn employee_certifications(
        &self,
        company: CompanyId,
        employee: EmployeeId,
    ) -> Result<Vec<Certification>> {
        let sql = format!(
            "{} WHERE c.company_id = $1 AND c.employee_id = $2 AND c.deleted_at IS NULL \
             ORDER BY CASE WHEN c.expires IS NULL THEN 1 ELSE 0 END, c.expires, c.name, c.id",
            cert_select()
        );
        sqlx::query(&sql)
            .bind(company.0)
            .bind(employee.0)
            .fetch_all(&self.read)
            .await
            .map_err(db)?
            .iter()
            .map(cert_of)
            .collect()
    }

    async fn remove_certification(
        &self,
        company: CompanyId,
        id: CertificationId,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        soft_delete(&mut tx, "hr_certifications", company, id.0, "certification").await?;
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn list_certifications(
        &self,
        company: CompanyId,
        q: &CertQuery,
    ) -> Result<Page<Certification>> {
        let mut count = Query::select();
        cert_filtered(company, q, &mut count);
        count.expr_as(count_all(), a("n"));

        let mut s = Query::select();
        cert_filtered(company, q, &mut s);
        for c in CERT_COLUMNS {
            s.column((a("c"), a(c)));
        }
        s.expr_as(Expr::cust(EMPLOYEE_NAME), a("employee_name"));
        let dir = match q.dir {
            SortDir::Asc => Order::Asc,
            SortDir::Desc => Order::Desc,
        };
        match q.sort {
            CertSort::Expires => s.order_by((a("c"), a("expires")), dir.clone()),
            CertSort::Name => s.order_by_expr(Func::lower(col("c", "name")).into(), dir.clone()),
            CertSort::Employee => s.order_by((a("e"), a("legal_name")), dir.clone()),
            CertSort::Issued => s
                .order_by_expr(
                    Expr::cust("CASE WHEN c.issued IS NULL THEN 1 ELSE 0 END"),
                    Order::Asc,
                )
                .order_by((a("c"), a("issued")), dir.clone()),
        };
        s.order_by((a("c"), a("id")), dir);
        let (rows, total) = self.fetch_counted(&count, &s, q.paging).await?;
        let items = rows.iter().map(cert_of).collect::<Result<Vec<_>>>()?;
        Ok(Page {
            items,
            total,
            limit: q.paging.limit,
            offset: q.paging.offset,
        })
    }

    async fn due_expiry_reminders(&self, until: NaiveDate) -> Result<Vec<ExpiryItem>> {
        let mut out = Vec::new();
        for (kind, table, title) in [
            ("document", "hr_documents", "title"),
            ("certification", "hr_certifications", "name"),
        ] {
            let rows = sqlx::query(&format!(
                "SELECT x.company_id, x.id, x.employee_id, x.{title} AS title, x.expires, \
                 e.legal_name, e.preferred_name, e.user_id AS employee_user, m.user_id AS manager_user \
                 FROM {table} x JOIN hr_employees e ON e.id = x.employee_id AND e.company_id = x.company_id \
                 LEFT JOIN hr_employees m ON m.id = e.manager_id AND m.company_id = e.company_id \
                 WHERE x.expires IS NOT NULL AND x.expires <= $1 AND x.reminded_at IS NULL AND x.deleted_at IS NULL \
                 ORDER BY x.company_id, x.expires, x.id"
            ))
            .bind(day_key(until))
            .fetch_all(&self.read)
            .await
            .map_err(db)?;
            for r in &rows {
                out.push(expiry_of(r, kind)?);
            }
        }
        Ok(out)
    }

    async fn mark_reminded(&self, items: &[ExpiryItem], at: Timestamp) -> Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        for item in items {
            let sql = match item.kind {
                "document" => {
                    "UPDATE hr_documents SET reminded_at = $3 WHERE company_id = $1 AND id = $2"
                }
                _ => "UPDATE hr_certifications SET reminded_at = $3 WHERE company_id = $1 AND id = $2",
            };
            sqlx::query(sql)
                .bind(item.company_id.0)
                .bind(item.id)
                .bind(at.0)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }
}

fn expiry_of(r: &AnyRow, kind: &'static str) -> Result<ExpiryItem> {
    let preferred = get_str(r, "preferred_name")?;
    Ok(ExpiryItem {
        company_id: CompanyId(get_i64(r, "company_id")?),
        kind,
        id: get_i64(r, "id")?,
        employee_id: EmployeeId(get_i64(r, "employee_id")?),
        title: get_str(r, "title")?,
        expires: opt_day(r, "expires")?.ok_or_else(|| super::bad_row("expires"))?,
        employee_name: if preferred.trim().is_empty() {
            get_str(r, "legal_name")?
        } else {
            preferred
        },
        employee_user: opt_i64(r, "employee_user")?.map(UserId),
        manager_user: opt_i64(r, "manager_user")?.map(UserId),
    })
}
