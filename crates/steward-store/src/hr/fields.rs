//! Custom field definitions (`hr_custom_fields`); values live in `hr_employees.custom`.
use steward_core::audit::AuditDraft;
use steward_core::hr::fields::{CustomField, FieldInput, FieldStore};
use steward_core::ids::CompanyId;
use steward_core::time::Timestamp;
use steward_core::{Error, Result};

use crate::{append_audit, db, get_i64, get_str, Store};

impl FieldStore for Store {
    async fn custom_fields(&self, company: CompanyId) -> Result<Vec<CustomField>> {
        let rows = sqlx::query(
            "SELECT id, key, label, kind, choices, required, sensitive, help, position, active, created_at \
             FROM hr_custom_fields WHERE company_id = $1 ORDER BY position, key",
        )
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?;
        rows.iter()
            .map(|r| {
                Ok(CustomField {
                    id: get_i64(r, "id")?,
                    key: get_str(r, "key")?,
                    label: get_str(r, "label")?,
                    kind: get_str(r, "kind")?,
                    choices: serde_json::from_str(&get_str(r, "choices")?)
                        .map_err(|_| super::bad_row("custom field choices"))?,
                    required: get_i64(r, "required")? != 0,
                    sensitive: get_i64(r, "sensitive")? != 0,
                    help: get_str(r, "help")?,
                    position: get_i64(r, "position")?,
                    active: get_i64(r, "active")? != 0,
                    created_at: Timestamp(get_i64(r, "created_at")?),
                })
            })
            .collect()
    }

    async fn insert_custom_field(
        &self,
        company: CompanyId,
        f: &FieldInput,
        mut audit: AuditDraft,
    ) -> Result<i64> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO hr_custom_fields (company_id, key, label, kind, choices, required, sensitive, help, position, active, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(company.0)
        .bind(&f.key)
        .bind(&f.label)
        .bind(&f.kind)
        .bind(serde_json::to_string(&f.choices).unwrap_or_else(|_| "[]".into()))
        .bind(i64::from(f.required))
        .bind(i64::from(f.sensitive))
        .bind(&f.help)
        .bind(f.position)
        .bind(i64::from(f.active))
        .bind(Timestamp::now().0)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let id = get_i64(&row, "id")?;
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn update_custom_field(
        &self,
        company: CompanyId,
        id: i64,
        f: &FieldInput,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = sqlx::query(
            "UPDATE hr_custom_fields SET label = $1, kind = $2, choices = $3, required = $4, sensitive = $5, \
             help = $6, position = $7, active = $8 WHERE id = $9 AND company_id = $10",
        )
        .bind(&f.label)
        .bind(&f.kind)
        .bind(serde_json::to_string(&f.choices).unwrap_or_else(|_| "[]".into()))
        .bind(i64::from(f.required))
        .bind(i64::from(f.sensitive))
        .bind(&f.help)
        .bind(f.position)
        .bind(i64::from(f.active))
        .bind(id)
        .bind(company.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?
        .rows_affected();
        if n != 1 {
            return Err(Error::NotFound { entity: "field" });
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }
}
