//! Custom fields per asset category (`it_category_fields`): an IT lead gives laptops a RAM
//! size and an operating system, phones an IMEI, without code. A field has a key, a label, a
//! kind (text, number, date or choice), may be required, has help text and a position, and
//! may be retired (inactive: kept on the assets that have it, no longer asked). Values live
//! in `it_assets.custom` as a JSON object by key, checked against the asset's category (its
//! model's) on every save, errors named `custom.<key>`; the definitions and values are
//! checked by the shared [`crate::custom_fields`], as HR's.
//!
//! Who may: whoever reads the catalog reads the definitions; whoever may add or change
//! categories (IT's staff with `it.create` / `it.update` company-wide) defines them.
use serde_json::{json, Map, Value};
use std::future::Future;

use super::assets::{self, AssetStore};
use super::gate;
use crate::audit::AuditDraft;
use crate::auth::{Action, Actor};
use crate::custom_fields::{check_addition, check_field, for_update, update_json, OwnedField};
use crate::error::Validator;
use crate::ids::{AssetCategoryId, CompanyId};
use crate::{Error, Result};

pub use crate::custom_fields::{
    FieldInput as CategoryFieldInput, NewField as NewCategoryField, MAX_OWNED_FIELDS as MAX_FIELDS,
    OWNED_KINDS as KINDS, POSITION_MAX,
};
/// A field of a category (`it.category_field:4`).
pub const CATEGORY_FIELD: &str = "it.category_field";

/// A field of an asset category: its `owner` is the category.
pub type CategoryField = OwnedField<AssetCategoryId>;

pub trait CategoryFieldStore: Send + Sync {
    /// The fields (inactive ones too) of one category, or of all the company's (`None`), by
    /// category, position, then key.
    fn category_fields(
        &self,
        company: CompanyId,
        category: Option<AssetCategoryId>,
    ) -> impl Future<Output = Result<Vec<CategoryField>>> + Send;
    /// A key the category has already is refused (`key`). Its id.
    fn insert_category_field(
        &self,
        company: CompanyId,
        category: AssetCategoryId,
        f: &NewCategoryField,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<i64>> + Send;
    /// Not found when not the company's; `Conflict` on a stale version. The key and kind
    /// stay.
    fn update_category_field(
        &self,
        company: CompanyId,
        id: i64,
        f: &NewCategoryField,
        version: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
}

/// The asset's own columns (export and import): a field's key may not be one of them, in
/// any spelling an import's header matching reads alike (case, `_`).
const TAKEN_KEYS: &[&str] = &[
    "id",
    "model_id",
    "category_id",
    "holder_id",
    "checked_out_to",
    "custom",
    "version",
];

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn clashes(key: &str) -> bool {
    let k = squash(key);
    assets::EXPORT_HEADERS
        .iter()
        .chain(super::asset_import::IMPORT_COLUMNS)
        .chain(TAKEN_KEYS)
        .any(|c| squash(c) == k)
}

fn check(input: &CategoryFieldInput) -> Result<NewCategoryField> {
    check_field(input, |key| {
        clashes(key).then_some("an asset's own column has this name: choose another")
    })
}

/// The fields of a category (whoever reads the catalog), inactive ones too.
pub async fn fields<S: AssetStore>(
    store: &S,
    actor: &Actor,
    category: AssetCategoryId,
) -> Result<Vec<CategoryField>> {
    assets::category(store, actor, category).await?;
    store
        .category_fields(actor.company_id, Some(category))
        .await
}

/// The fields of every category of the company (the export's and import's columns).
pub async fn all_fields<S: AssetStore>(store: &S, actor: &Actor) -> Result<Vec<CategoryField>> {
    assets::reach(actor)?;
    store.category_fields(actor.company_id, None).await
}

/// The distinct keys of `fields`, in their order (one column each).
pub fn keys(fields: &[CategoryField]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in fields {
        if !out.contains(&f.key) {
            out.push(f.key.clone());
        }
    }
    out
}

/// Defines a field on a category (whoever may add categories).
pub async fn create_field<S: AssetStore>(
    store: &S,
    actor: &Actor,
    category: AssetCategoryId,
    input: &CategoryFieldInput,
) -> Result<CategoryField> {
    gate(actor, Action::Create)?;
    let c = assets::category(store, actor, category).await?;
    let f = check(input)?;
    let existing = store
        .category_fields(actor.company_id, Some(category))
        .await?;
    check_addition(&existing, &f, "category")?;
    let mut changes = f.to_json();
    if let Some(o) = changes.as_object_mut() {
        o.insert("category_id".into(), json!(c.id.0));
        o.insert("category".into(), json!(c.name));
    }
    let audit = AuditDraft::by(actor, CATEGORY_FIELD, None, "create", changes);
    let id = store
        .insert_category_field(actor.company_id, category, &f, audit)
        .await?;
    field(store, actor, id).await
}

/// One field of the company's categories.
pub async fn field<S: AssetStore>(store: &S, actor: &Actor, id: i64) -> Result<CategoryField> {
    all_fields(store, actor)
        .await?
        .into_iter()
        .find(|f| f.id == id)
        .ok_or(Error::NotFound { entity: "field" })
}

/// Changes a field's label, choices, required, help, position or active (whoever may
/// change categories). The key and the kind stay: stored values were checked under them.
pub async fn update_field<S: AssetStore>(
    store: &S,
    actor: &Actor,
    category: AssetCategoryId,
    id: i64,
    input: &CategoryFieldInput,
    version: Option<i64>,
) -> Result<CategoryField> {
    gate(actor, Action::Update)?;
    let before = field(store, actor, id).await?;
    if before.owner != category {
        return Err(Error::NotFound { entity: "field" });
    }
    let f = check(&for_update(&before, input)?)?;
    let audit = AuditDraft::by(
        actor,
        CATEGORY_FIELD,
        Some(id.to_string()),
        "update",
        update_json(&before, &f),
    );
    store
        .update_category_field(
            actor.company_id,
            id,
            &f,
            version.unwrap_or(before.version),
            audit,
        )
        .await?;
    field(store, actor, id).await
}

/// The custom values of an asset as saved: `given` checked against its category's fields
/// (`None`: the values it has, `current`, checked again, so a field made required since is
/// asked for). Errors into `v` as `custom.<key>`.
pub fn check_values(
    v: &mut Validator,
    defs: &[CategoryField],
    given: Option<&Map<String, Value>>,
    current: Option<&Map<String, Value>>,
) -> Map<String, Value> {
    let empty = Map::new();
    let values = given.or(current).unwrap_or(&empty);
    crate::custom_fields::validate_values(defs, values, v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_may_not_be_an_asset_column() {
        assert!(clashes("serial"));
        assert!(clashes("purchasedate"));
        assert!(clashes("checked_out_to"));
        assert!(!clashes("ram_gb"));
        let e = check(&CategoryFieldInput {
            key: "location".into(),
            label: "Where".into(),
            kind: "text".into(),
            position: 10_000,
            ..CategoryFieldInput::default()
        })
        .expect_err("clash");
        let fields: Vec<String> = e.field_errors().into_iter().map(|f| f.field).collect();
        assert_eq!(fields, ["key", "position"]);
        let ok = check(&CategoryFieldInput {
            key: " os ".into(),
            label: "Operating system".into(),
            kind: "choice".into(),
            choices: vec![" Windows 11".into(), "".into(), "Ubuntu".into()],
            ..CategoryFieldInput::default()
        })
        .expect("valid");
        assert_eq!(ok.key, "os");
        assert_eq!(ok.choices, ["Windows 11", "Ubuntu"]);
    }
}
