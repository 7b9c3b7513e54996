//! Saved CSV mappings (the JSON of `steward_io::bank::CsvMapping`).
use sqlx::any::AnyRow;
use steward_core::audit::AuditDraft;
use steward_core::bank::import::{MappingStore, SavedMapping};
use steward_core::bank::CsvMapping;
use steward_core::ids::{CompanyId, MappingId};
use steward_core::time::Timestamp;
use steward_core::{Error, Result};

use crate::{append_audit, db, get_i64, get_str, Store};

fn mapping_of(r: &AnyRow) -> Result<SavedMapping> {
    let mapping: CsvMapping = serde_json::from_str(&get_str(r, "mapping")?)
        .map_err(|e| Error::internal(format!("bank: a stored mapping does not parse: {e}")))?;
    Ok(SavedMapping {
        id: MappingId(get_i64(r, "id")?),
        name: get_str(r, "name")?,
        mapping,
        created_at: Timestamp(get_i64(r, "created_at")?),
    })
}

impl MappingStore for Store {
    async fn list_mappings(&self, company: CompanyId) -> Result<Vec<SavedMapping>> {
        sqlx::query(
            "SELECT id, name, mapping, created_at FROM bank_csv_mappings WHERE company_id = $1 ORDER BY lower(name), id",
        )
        .bind(company.0)
        .fetch_all(&self.read)
        .await
        .map_err(db)?
        .iter()
        .map(mapping_of)
        .collect()
    }

    async fn mapping_by_name(
        &self,
        company: CompanyId,
        name: &str,
    ) -> Result<Option<SavedMapping>> {
        sqlx::query(
            "SELECT id, name, mapping, created_at FROM bank_csv_mappings WHERE company_id = $1 AND lower(name) = $2 ORDER BY id LIMIT 1",
        )
        .bind(company.0)
        .bind(name.to_lowercase())
        .fetch_optional(&self.read)
        .await
        .map_err(db)?
        .as_ref()
        .map(mapping_of)
        .transpose()
    }

    async fn insert_mapping(
        &self,
        company: CompanyId,
        name: &str,
        mapping: &CsvMapping,
        mut audit: AuditDraft,
    ) -> Result<MappingId> {
        let json = serde_json::to_string(mapping)
            .map_err(|e| Error::internal(format!("bank: mapping to JSON: {e}")))?;
        let mut tx = self.begin().await?;
        let r = sqlx::query(
            "INSERT INTO bank_csv_mappings (company_id, name, mapping, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(company.0)
        .bind(name)
        .bind(&json)
        .bind(Timestamp::now().0)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match db(e) {
            Error::Conflict { .. } => Error::invalid("name", "a mapping with this name exists"),
            e => e,
        })?;
        let id = get_i64(&r, "id")?;
        audit.entity_id = Some(id.to_string());
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)?;
        Ok(MappingId(id))
    }

    async fn delete_mapping(
        &self,
        company: CompanyId,
        id: MappingId,
        audit: AuditDraft,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let r = sqlx::query("DELETE FROM bank_csv_mappings WHERE id = $1 AND company_id = $2")
            .bind(id.0)
            .bind(company.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        if r.rows_affected() == 0 {
            return Err(Error::NotFound {
                entity: "CSV mapping",
            });
        }
        append_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db)
    }
}
