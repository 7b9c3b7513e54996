//! Kinds of subject, their fields and record categories (see
//! `steward_core::records::setup`).
use sqlx::any::AnyRow;
use steward_core::audit::AuditDraft;
use steward_core::ids::CompanyId;
use steward_core::records::setup::{
    Category, Kind, KindField, NewCategory, NewField, NewKind, SetupStore,
};
use steward_core::records::{CategoryId, KindId};
use steward_core::time::Timestamp;
use steward_core::{Error, Result};

use super::{bad, stale, taken};
use crate::{append_audit, db, get_i64, get_str, opt_i64, Store};

type Tx = sqlx::Transaction<'static, sqlx::Any>;

const FIELD_SELECT: &str =
    "SELECT id, kind_id, key, label, kind, choices, required, help, position, active, version \
     FROM records_kind_fields";

fn field_of(r: &AnyRow) -> Result<KindField> {
    Ok(KindField {
        id: get_i64(r, "id")?,
        kind_id: KindId(get_i64(r, "kind_id")?),
        key: get_str(r, "key")?,
        label: get_str(r, "label")?,
        kind: get_str(r, "kind")?,
        choices: serde_json::from_str(&get_str(r, "choices")?).map_err(|_| bad("field choices"))?,
        required: get_i64(r, "required")? != 0,
        help: get_str(r, "help")?,
        position: get_i64(r, "position")?,
        active: get_i64(r, "active")? != 0,
        version: get_i64(r, "version")?,
    })
}

fn category_of(r: &AnyRow) -> Result<Category> {
    Ok(Category {
        id: CategoryId(get_i64(r, "id")?),
        name: get_str(r, "name")?,
        sensitive: get_i64(r, "sensitive")? != 0,
        retention_months: opt_i64(r, "retention_months")?,
        retention_from: get_str(r, "retention_from")?,
        version: get_i64(r, "version")?,
    })
}

fn choices(f: &NewField) -> Result<String> {
    serde_json::to_string(&f.choices).map_err(Error::internal)
}

async fn insert_field(tx: &mut Tx, company: CompanyId, kind: KindId, f: &NewField) -> Result<i64> {
    let r = sqlx::query(
        "INSERT INTO records_kind_fields (company_id, kind_id, key, label, kind, choices, required, \
         help, position, active, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         RETURNING id",
    )
    .bind(company.0)
    .bind(kind.0)
    .bind(&f.key)
    .bind(&f.label)
    .bind(&f.kind)
    .bind(choices(f)?)
    .bind(i64::from(f.required))
    .bind(&f.help)
    .bind(f.position)
    .bind(i64::from(f.active))
    .bind(Timestamp::now().0)
    .fetch_one(&mut **tx)
    .await
    .map_err(taken("key", "this kind has a field with this key"))?;
    get_i64(&r, "id")
}

async fn insert_category(tx: &mut Tx, company: CompanyId, c: &NewCategory) -> Result<i64> {
    let r = sqlx::query(
        "INSERT INTO records_categories (company_id, name, sensitive, retention_months, \
         retention_from, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(company.0)
    .bind(&c.name)
    .bind(i64::from(c.sensitive))
    .bind(c.retention_months)
    .bind(&c.retention_from)
    .bind(Timestamp::now().0)
    .fetch_one(&mut **tx)
    .await
    .map_err(taken("name", "another category has this name"))?;
    get_i64(&r, "id")
}

impl SetupStore for Store {
    async fn record_kinds(&self, company: CompanyId) -> Result<Vec<Kind>> {
        let rows = sqlx::query(
            "SELECT id, key, name, version FROM records_kinds WHERE company_id = $1 ORDER BY name, id",
        )
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(Kind {
                    id: KindId(get_i64(r, "id")?),
                    key: get_str(r, "key")?,
                    name: get_str(r, "name")?,
                    version: get_i64(r, "version")?,
                })
            })
            .collect()
    }

    async fn kind_fields(
        &self,
        company: CompanyId,
        kind: Option<KindId>,
    ) -> Result<Vec<KindField>> {
        let rows = match kind {
            Some(k) => {
                sqlx::query(&format!(
                "{FIELD_SELECT} WHERE company_id = $1 AND kind_id = $2 ORDER BY position, key, id"
            ))
                .bind(company.0)
                .bind(k.0)
                .fetch_all(&self.read)
                .await
            }
            None => {
                sqlx::query(&format!(
                    "{FIELD_SELECT} WHERE company_id = $1 ORDER BY kind_id, position, key, id"
                ))
                .bind(company.0)
                .fetch_all(&self.read)
                .await
            }
        }
        .map_err(db)?;
        rows.iter().map(field_of).collect()
    }

    async fn insert_kind(
        &self,
        company: CompanyId,
        kind: &NewKind,
        fields: &[NewField],
        categories: &[NewCategory],
        mut audit: AuditDraft,
    ) -> Result<KindId> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "INSERT INTO records_kinds (company_id, key, name, created_at) VALUES ($1, $2, $3, $4) \
             RETURNING id",
        )
        .bind(company.0)
        .bind(&kind.key)
        .bind(&kind.name)
        .bind(Timestamp::now().0)
        .fetch_one(&mut *tx)
        .await
        .map_err(taken("key", "the company has a kind with this key"))?;
        let id = KindId(get_i64(&r, "id")?);
        for f in fields {
            insert_field(&mut tx, company, id, f).await?;
        }
        for c in categories {
            insert_category(&mut tx, company, c).await?;
        }
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn rename_kind(
        &self,
        company: CompanyId,
        id: KindId,
        name: &str,
        version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE records_kinds SET name = $1, version = version + 1 \
             WHERE company_id = $2 AND id = $3 AND version = $4",
        )
        .bind(name)
        .bind(company.0)
        .bind(id.0)
        .bind(version)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if n != 1 {
            return Err(stale("kind"));
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn insert_kind_field(
        &self,
        company: CompanyId,
        kind: KindId,
        f: &NewField,
        mut audit: AuditDraft,
    ) -> Result<i64> {
        let mut tx = self.begin().await?;
        let id = insert_field(&mut tx, company, kind, f).await?;
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn update_kind_field(
        &self,
        company: CompanyId,
        id: i64,
        f: &NewField,
        version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE records_kind_fields SET label = $1, choices = $2, required = $3, help = $4, \
             position = $5, active = $6, version = version + 1 \
             WHERE company_id = $7 AND id = $8 AND version = $9",
        )
        .bind(&f.label)
        .bind(choices(f)?)
        .bind(i64::from(f.required))
        .bind(&f.help)
        .bind(f.position)
        .bind(i64::from(f.active))
        .bind(company.0)
        .bind(id)
        .bind(version)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if n != 1 {
            return Err(stale("field"));
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }

    async fn record_categories(&self, company: CompanyId) -> Result<Vec<Category>> {
        let rows = sqlx::query(
            "SELECT id, name, sensitive, retention_months, retention_from, version \
             FROM records_categories WHERE company_id = $1 ORDER BY lower(name), id",
        )
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter().map(category_of).collect()
    }

    async fn insert_category(
        &self,
        company: CompanyId,
        c: &NewCategory,
        mut audit: AuditDraft,
    ) -> Result<CategoryId> {
        let mut tx = self.begin().await?;
        let id = insert_category(&mut tx, company, c).await?;
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(CategoryId(id))
    }

    async fn update_category(
        &self,
        company: CompanyId,
        id: CategoryId,
        c: &NewCategory,
        version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE records_categories SET name = $1, sensitive = $2, retention_months = $3, \
             retention_from = $4, version = version + 1 \
             WHERE company_id = $5 AND id = $6 AND version = $7",
        )
        .bind(&c.name)
        .bind(i64::from(c.sensitive))
        .bind(c.retention_months)
        .bind(&c.retention_from)
        .bind(company.0)
        .bind(id.0)
        .bind(version)
        .execute(&mut *tx)
        .await
        .map_err(taken("name", "another category has this name"))?
        .rows_affected();
        if n != 1 {
            return Err(stale("category"));
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }
}
