//! Employee documents and certifications (see `steward_core::hr::documents`). A document's
//! file is indexed in `files` in the same transaction as the document row.
use chrono::NaiveDate;
use sqlx::any::AnyRow;
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
use crate::files::{file_of, insert_file, FILE_COLUMNS};
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

impl DocumentStore for Store {
    async fn insert_document(
        &self,
        company: CompanyId,
        doc: &NewDocument,
        file: &NewFile,
        by: Option<UserId>,
        mut audit: AuditDraft,
    ) -> Result<DocumentId> {
        let mut tx = self.begin().await?;
        // The employee must be the company's (the service checked; the row lock keeps it so).
        let found = sqlx::query("SELECT id FROM hr_employees WHERE company_id = $1 AND id = $2")
            .bind(company.0)
            .bind(doc.employee_id.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        if found.is_none() {
            return Err(Error::NotFound { entity: "employee" });
        }
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
        if audit.entity_id.is_none() {
            audit.entity_id = Some(id.to_string());
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
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
        let done = sqlx::query(
            "UPDATE hr_documents SET deleted_at = $3 WHERE company_id = $1 AND id = $2 AND deleted_at IS NULL",
        )
        .bind(company.0)
        .bind(id.0)
        .bind(Timestamp::now().0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound { entity: "document" });
        }
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
        mut audit: AuditDraft,
    ) -> Result<CertificationId> {
        let mut tx = self.begin().await?;
        let found = sqlx::query("SELECT id FROM hr_employees WHERE company_id = $1 AND id = $2")
            .bind(company.0)
            .bind(cert.employee_id.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        if found.is_none() {
            return Err(Error::NotFound { entity: "employee" });
        }
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
        if audit.entity_id.is_none() {
            audit.entity_id = Some(id.to_string());
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
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
        let done = sqlx::query(
            "UPDATE hr_certifications SET deleted_at = $3 WHERE company_id = $1 AND id = $2 AND deleted_at IS NULL",
        )
        .bind(company.0)
        .bind(id.0)
        .bind(Timestamp::now().0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound {
                entity: "certification",
            });
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn list_certifications(
        &self,
        company: CompanyId,
        q: &CertQuery,
    ) -> Result<Page<Certification>> {
        // The WHERE clause is built from fixed fragments; only values are bound.
        let today = q.today.unwrap_or_else(|| chrono::Utc::now().date_naive());
        let (_, until) = q.window.bounds(today);
        let mut filter = String::from(
            " WHERE c.company_id = $1 AND c.deleted_at IS NULL AND c.expires IS NOT NULL",
        );
        let mut n = 1;
        let mut until_key = None;
        if let Some(u) = until {
            n += 1;
            filter.push_str(&format!(" AND c.expires <= ${n}"));
            until_key = Some(day_key(u));
        }
        let mut pattern = None;
        if let Some(s) = q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            n += 1;
            filter.push_str(&format!(
                " AND (LOWER(c.name) LIKE ${n} ESCAPE '\\' OR LOWER(c.issuer) LIKE ${n} ESCAPE '\\' \
                 OR e.search LIKE ${n} ESCAPE '\\')"
            ));
            pattern = Some(crate::sql::like_pattern(&s.to_lowercase()));
        }
        let dir = match q.dir {
            SortDir::Asc => "ASC",
            SortDir::Desc => "DESC",
        };
        let order = match q.sort {
            CertSort::Expires => format!("c.expires {dir}, c.id {dir}"),
            CertSort::Name => format!("LOWER(c.name) {dir}, c.id {dir}"),
            CertSort::Employee => format!("e.legal_name {dir}, c.id {dir}"),
            CertSort::Issued => {
                format!("CASE WHEN c.issued IS NULL THEN 1 ELSE 0 END, c.issued {dir}, c.id {dir}")
            }
        };
        let count_sql = format!(
            "SELECT COUNT(*) AS n FROM hr_certifications c \
             JOIN hr_employees e ON e.id = c.employee_id AND e.company_id = c.company_id{filter}"
        );
        let page_sql = format!(
            "{}{filter} ORDER BY {order} LIMIT {} OFFSET {}",
            cert_select(),
            q.paging.limit,
            q.paging.offset
        );
        fn bind<'q>(
            sql: &'q str,
            company: CompanyId,
            until_key: Option<i64>,
            pattern: Option<String>,
        ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
            let mut query = sqlx::query(sql).bind(company.0);
            if let Some(u) = until_key {
                query = query.bind(u);
            }
            if let Some(p) = pattern {
                query = query.bind(p);
            }
            query
        }
        let total = get_i64(
            &bind(&count_sql, company, until_key, pattern.clone())
                .fetch_one(&self.read)
                .await
                .map_err(db)?,
            "n",
        )?;
        let items = bind(&page_sql, company, until_key, pattern)
            .fetch_all(&self.read)
            .await
            .map_err(db)?
            .iter()
            .map(cert_of)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page {
            items,
            total: u64::try_from(total).unwrap_or(0),
            limit: q.paging.limit,
            offset: q.paging.offset,
        })
    }

    async fn due_expiry_reminders(&self, until: NaiveDate) -> Result<Vec<ExpiryItem>> {
        let mut out = Vec::new();
        let docs = sqlx::query(
            "SELECT company_id, id, employee_id, title, expires FROM hr_documents \
             WHERE expires IS NOT NULL AND expires <= $1 AND reminded_at IS NULL AND deleted_at IS NULL \
             ORDER BY company_id, expires, id",
        )
        .bind(day_key(until))
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        for r in &docs {
            out.push(expiry_of(r, "document", "title")?);
        }
        let certs = sqlx::query(
            "SELECT company_id, id, employee_id, name, expires FROM hr_certifications \
             WHERE expires IS NOT NULL AND expires <= $1 AND reminded_at IS NULL AND deleted_at IS NULL \
             ORDER BY company_id, expires, id",
        )
        .bind(day_key(until))
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        for r in &certs {
            out.push(expiry_of(r, "certification", "name")?);
        }
        Ok(out)
    }

    async fn mark_reminded(&self, item: &ExpiryItem, at: Timestamp) -> Result<()> {
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
            .execute(&self.write)
            .await
            .map_err(db)?;
        Ok(())
    }
}

fn expiry_of(r: &AnyRow, kind: &'static str, title: &str) -> Result<ExpiryItem> {
    Ok(ExpiryItem {
        company_id: CompanyId(get_i64(r, "company_id")?),
        kind,
        id: get_i64(r, "id")?,
        employee_id: EmployeeId(get_i64(r, "employee_id")?),
        title: get_str(r, title)?,
        expires: opt_day(r, "expires")?.ok_or_else(|| super::bad_row("expires"))?,
    })
}

impl Store {
    /// The company's employees (id and name), oldest first, at most `limit`: for demo data
    /// and benchmarks that attach documents to people seeded elsewhere.
    pub async fn employees_for_seed(
        &self,
        company: CompanyId,
        limit: i64,
    ) -> Result<Vec<(EmployeeId, String)>> {
        let rows = sqlx::query(&format!(
            "SELECT e.id, {EMPLOYEE_NAME} AS name FROM hr_employees e WHERE e.company_id = $1 \
             ORDER BY e.id LIMIT $2"
        ))
        .bind(company.0)
        .bind(limit)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| Ok((EmployeeId(get_i64(r, "id")?), get_str(r, "name")?)))
            .collect()
    }
}
