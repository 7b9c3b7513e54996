//! Custom fields of asset categories (`it_category_fields`, see
//! `steward_core::it::asset_fields`), through the store's shared `owned_fields`; the values
//! live in `it_assets.custom`.
use steward_core::audit::AuditDraft;
use steward_core::ids::{AssetCategoryId, CompanyId};
use steward_core::it::asset_fields::{CategoryField, CategoryFieldStore, NewCategoryField};
use steward_core::Result;

use crate::owned_fields::{self, FieldTable};
use crate::Store;

const TABLE: FieldTable = FieldTable {
    table: "it_category_fields",
    owner: "category_id",
    key_taken: "this category has a field with this key",
};

impl CategoryFieldStore for Store {
    async fn category_fields(
        &self,
        company: CompanyId,
        category: Option<AssetCategoryId>,
    ) -> Result<Vec<CategoryField>> {
        owned_fields::list(
            self,
            &TABLE,
            company,
            category.map(|c| c.0),
            AssetCategoryId,
        )
        .await
    }

    async fn insert_category_field(
        &self,
        company: CompanyId,
        category: AssetCategoryId,
        f: &NewCategoryField,
        audit: AuditDraft,
    ) -> Result<i64> {
        owned_fields::insert(self, &TABLE, company, category.0, f, audit).await
    }

    async fn update_category_field(
        &self,
        company: CompanyId,
        id: i64,
        f: &NewCategoryField,
        version: i64,
        audit: AuditDraft,
    ) -> Result<()> {
        owned_fields::update(self, &TABLE, company, id, f, version, audit).await
    }
}
