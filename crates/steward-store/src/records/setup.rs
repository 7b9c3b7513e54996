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
use steward_core::Result;

use super::{stale, taken};
use crate::owned_fields::{self, FieldTable};
use crate::{append_audit, db, get_i64, get_str, opt_i64, Store};

type Tx = sqlx::Transaction<'static, sqlx::Any>;

const FIELDS: FieldTable = FieldTable {
    table: "records_kind_fields",
    owner: "kind_id",
    key_taken: "this kind has a field with this key",
};

fn category_of(r: &AnyRow) -> Result<Category> {
    Ok(Category {
        id: CategoryId(get_i64(r, "id")?),
        name: get_str(r, "name")?,
        sensitive: get_i64(r, "sensitive")? != 0,
        retention_months: opt_i64(r, "retention_months")?,
        retention_from: get_str(r, "retention_from")?,
        purpose: get_str(r, "purpose")?,
        version: get_i64(r, "version")?,
    })
}

async fn insert_category(tx: &mut Tx, company: CompanyId, c: &NewCategory) -> Result<i64> {
    let r = sqlx::query(
        "INSERT INTO records_categories (company_id, name, sensitive, retention_months, \
         retention_from, purpose, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(company.0)
    .bind(&c.name)
    .bind(i64::from(c.sensitive))
    .bind(c.retention_months)
    .bind(&c.retention_from)
    .bind(&c.purpose)
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
        owned_fields::list(self, &FIELDS, company, kind.map(|k| k.0), KindId).await
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
            owned_fields::insert_in(&mut tx, &FIELDS, company, id.0, f).await?;
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
        audit: AuditDraft,
    ) -> Result<i64> {
        owned_fields::insert(self, &FIELDS, company, kind.0, f, audit).await
    }

    async fn update_kind_field(
        &self,
        company: CompanyId,
        id: i64,
        f: &NewField,
        version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        owned_fields::update(self, &FIELDS, company, id, f, version, audit).await
    }

    async fn record_categories(&self, company: CompanyId) -> Result<Vec<Category>> {
        let rows = sqlx::query(
            "SELECT id, name, sensitive, retention_months, retention_from, purpose, version \
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
             retention_from = $4, purpose = $5, version = version + 1 \
             WHERE company_id = $6 AND id = $7 AND version = $8",
        )
        .bind(&c.name)
        .bind(i64::from(c.sensitive))
        .bind(c.retention_months)
        .bind(&c.retention_from)
        .bind(&c.purpose)
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
