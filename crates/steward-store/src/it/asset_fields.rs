//! Custom fields of asset categories (`it_category_fields`, see
//! `steward_core::it::asset_fields`); the values live in `it_assets.custom`.
use sqlx::any::AnyRow;
use steward_core::audit::AuditDraft;
use steward_core::ids::{AssetCategoryId, CompanyId};
use steward_core::it::asset_fields::{CategoryField, CategoryFieldStore, NewCategoryField};
use steward_core::time::Timestamp;
use steward_core::{Error, Result};

use super::{bad, stale};
use crate::{append_audit, db, get_i64, get_str, Store};

const SELECT: &str =
    "SELECT id, category_id, key, label, kind, choices, required, help, position, active, version \
     FROM it_category_fields";

fn field_of(r: &AnyRow) -> Result<CategoryField> {
    Ok(CategoryField {
        id: get_i64(r, "id")?,
        category_id: AssetCategoryId(get_i64(r, "category_id")?),
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

fn choices(f: &NewCategoryField) -> Result<String> {
    serde_json::to_string(&f.choices).map_err(Error::internal)
}

impl CategoryFieldStore for Store {
    async fn category_fields(
        &self,
        company: CompanyId,
        category: Option<AssetCategoryId>,
    ) -> Result<Vec<CategoryField>> {
        let rows = match category {
            Some(c) => {
                sqlx::query(&format!(
                    "{SELECT} WHERE company_id = $1 AND category_id = $2 ORDER BY position, key, id"
                ))
                .bind(company.0)
                .bind(c.0)
                .fetch_all(&self.read)
                .await
            }
            None => {
                sqlx::query(&format!(
                    "{SELECT} WHERE company_id = $1 ORDER BY category_id, position, key, id"
                ))
                .bind(company.0)
                .fetch_all(&self.read)
                .await
            }
        }
        .map_err(db)?;
        rows.iter().map(field_of).collect()
    }

    async fn insert_category_field(
        &self,
        company: CompanyId,
        category: AssetCategoryId,
        f: &NewCategoryField,
        mut audit: AuditDraft,
    ) -> Result<i64> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "INSERT INTO it_category_fields (company_id, category_id, key, label, kind, choices, required, help, \
             position, active, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(company.0)
        .bind(category.0)
        .bind(&f.key)
        .bind(&f.label)
        .bind(&f.kind)
        .bind(choices(f)?)
        .bind(i64::from(f.required))
        .bind(&f.help)
        .bind(f.position)
        .bind(i64::from(f.active))
        .bind(Timestamp::now().0)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match db(e) {
            Error::Conflict { .. } => {
                Error::invalid("key", "this category has a field with this key")
            }
            e => e,
        })?;
        let id = get_i64(&r, "id")?;
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn update_category_field(
        &self,
        company: CompanyId,
        id: i64,
        f: &NewCategoryField,
        version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE it_category_fields SET label = $1, choices = $2, required = $3, help = $4, position = $5, \
             active = $6, version = version + 1 WHERE company_id = $7 AND id = $8 AND version = $9",
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
            let exists = sqlx::query(
                "SELECT COUNT(*) AS n FROM it_category_fields WHERE company_id = $1 AND id = $2",
            )
            .bind(company.0)
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
            return Err(if get_i64(&exists, "n")? > 0 {
                stale("field")
            } else {
                Error::NotFound { entity: "field" }
            });
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }
}
