//! Custom fields per company (`hr_custom_fields`): a clinic records licence numbers, a
//! factory shift patterns, without code. A field has a key, a label, a kind (text, number,
//! date, choice, file: a document id or a plain reference), may be required and may be
//! sensitive (then it follows the personal-data rule of [`super::Visibility`]). Values live
//! in `hr_employees.custom` as a JSON object by key and are checked here on every save;
//! errors name `custom.<key>`.
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::future::Future;

use crate::audit::AuditDraft;
use crate::auth::{Action, Actor, Domain, Permission};
use crate::error::Validator;
use crate::ids::CompanyId;
use crate::time::Timestamp;
use crate::{Error, Result};

pub const KINDS: &[&str] = &["text", "number", "date", "choice", "file"];
pub const MAX_FIELDS: usize = 100;
pub const MAX_VALUE: usize = crate::custom_fields::MAX_VALUE;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CustomField {
    pub id: i64,
    pub key: String,
    pub label: String,
    pub kind: String,
    pub choices: Vec<String>,
    pub required: bool,
    pub sensitive: bool,
    pub help: String,
    pub position: i64,
    pub active: bool,
    pub created_at: Timestamp,
}

/// A field as a person or a client sends it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct FieldInput {
    pub key: String,
    pub label: String,
    pub kind: String,
    #[serde(default)]
    pub choices: Vec<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub sensitive: bool,
    #[serde(default)]
    pub help: String,
    #[serde(default)]
    pub position: i64,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

pub trait FieldStore: Send + Sync {
    /// The company's fields (inactive ones too), by position then key.
    fn custom_fields(
        &self,
        company: CompanyId,
    ) -> impl Future<Output = Result<Vec<CustomField>>> + Send;
    fn insert_custom_field(
        &self,
        company: CompanyId,
        f: &FieldInput,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<i64>> + Send;
    /// Not found when the field is not the company's. The key and kind do not change.
    fn update_custom_field(
        &self,
        company: CompanyId,
        id: i64,
        f: &FieldInput,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
}

fn check(input: &FieldInput) -> Result<FieldInput> {
    let mut v = Validator::new();
    let d = crate::custom_fields::check_definition(
        &mut v,
        &crate::custom_fields::Definition {
            key: input.key.clone(),
            label: input.label.clone(),
            kind: input.kind.clone(),
            choices: input.choices.clone(),
            help: input.help.clone(),
        },
        KINDS,
    );
    v.finish()?;
    Ok(FieldInput {
        key: d.key,
        label: d.label,
        kind: d.kind,
        choices: d.choices,
        help: d.help,
        ..input.clone()
    })
}

fn gate_admin(actor: &Actor) -> Result<()> {
    super::require_staff(actor)
}

/// The company's custom fields (everyone with HR read sees the definitions).
pub async fn list_fields(store: &impl FieldStore, actor: &Actor) -> Result<Vec<CustomField>> {
    if !actor.can(Permission::new(Domain::Hr, Action::Read)) {
        return Err(Error::Forbidden);
    }
    store.custom_fields(actor.company_id).await
}

pub async fn create_field(
    store: &impl FieldStore,
    actor: &Actor,
    input: &FieldInput,
) -> Result<CustomField> {
    gate_admin(actor)?;
    let f = check(input)?;
    let existing = store.custom_fields(actor.company_id).await?;
    if existing.iter().any(|e| e.key == f.key) {
        return Err(Error::invalid("key", "a field with this key exists"));
    }
    if existing.len() >= MAX_FIELDS {
        return Err(Error::invalid(
            "key",
            format!("at most {MAX_FIELDS} fields"),
        ));
    }
    let audit = AuditDraft::by(
        actor,
        "hr_custom_field",
        None,
        "create",
        json!({"key": f.key, "label": f.label, "kind": f.kind, "choices": f.choices,
               "required": f.required, "sensitive": f.sensitive}),
    );
    let id = store
        .insert_custom_field(actor.company_id, &f, audit)
        .await?;
    store
        .custom_fields(actor.company_id)
        .await?
        .into_iter()
        .find(|x| x.id == id)
        .ok_or(Error::NotFound { entity: "field" })
}

pub async fn update_field(
    store: &impl FieldStore,
    actor: &Actor,
    id: i64,
    input: &FieldInput,
) -> Result<CustomField> {
    gate_admin(actor)?;
    let existing = store.custom_fields(actor.company_id).await?;
    let before = existing
        .iter()
        .find(|x| x.id == id)
        .ok_or(Error::NotFound { entity: "field" })?;
    // Stored values were checked against the kind they were saved under; a new kind would
    // leave them unchecked, so the kind stays as created (and the key, which names them).
    if !input.kind.trim().is_empty() && input.kind.trim() != before.kind {
        return Err(Error::invalid(
            "kind",
            format!("stays {} (the kind is fixed once created)", before.kind),
        ));
    }
    let mut input = input.clone();
    input.key = before.key.clone();
    input.kind = before.kind.clone();
    let f = check(&input)?;
    let audit = AuditDraft::by(
        actor,
        "hr_custom_field",
        Some(id.to_string()),
        "update",
        json!({"label": f.label, "kind": f.kind, "choices": f.choices, "required": f.required,
               "sensitive": f.sensitive, "active": f.active}),
    );
    store
        .update_custom_field(actor.company_id, id, &f, audit)
        .await?;
    store
        .custom_fields(actor.company_id)
        .await?
        .into_iter()
        .find(|x| x.id == id)
        .ok_or(Error::NotFound { entity: "field" })
}

/// A value as text (for forms and exports).
pub fn value_text(v: &Value) -> String {
    crate::custom_fields::value_text(v)
}

impl crate::custom_fields::FieldDef for CustomField {
    fn key(&self) -> &str {
        &self.key
    }
    fn kind(&self) -> &str {
        &self.kind
    }
    fn choices(&self) -> &[String] {
        &self.choices
    }
    fn required(&self) -> bool {
        self.required
    }
    fn active(&self) -> bool {
        self.active
    }
}

/// Checks `values` against the active fields: unknown keys, kinds, choices, required ones.
/// Returns the cleaned object (empty values dropped). Errors are pushed as `custom.<key>`.
pub fn validate_values(
    defs: &[CustomField],
    values: &Map<String, Value>,
    v: &mut Validator,
) -> Map<String, Value> {
    crate::custom_fields::validate_values(defs, values, v)
}

/// The values the viewer may see: sensitive ones only with personal visibility, the rest
/// with job visibility (the directory shows no custom fields).
pub fn visible_values(
    defs: &[CustomField],
    values: &Map<String, Value>,
    vis: &super::Visibility,
) -> Map<String, Value> {
    values
        .iter()
        .filter(|(k, _)| {
            let sensitive = defs
                .iter()
                .find(|d| d.key == **k)
                .is_none_or(|d| d.sensitive);
            if sensitive {
                vis.personal
            } else {
                vis.job
            }
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(key: &str, kind: &str, required: bool) -> CustomField {
        CustomField {
            id: 1,
            key: key.into(),
            label: key.into(),
            kind: kind.into(),
            choices: vec!["early".into(), "late".into()],
            required,
            sensitive: false,
            help: String::new(),
            position: 0,
            active: true,
            created_at: Timestamp(0),
        }
    }

    #[test]
    fn values_are_checked_by_kind_and_named() {
        let defs = vec![
            def("licence", "text", true),
            def("shift", "choice", false),
            def("hours", "number", false),
            def("since", "date", false),
        ];
        let mut v = Validator::new();
        let mut m = Map::new();
        m.insert("shift".into(), json!("night"));
        m.insert("hours".into(), json!("ten"));
        m.insert("since".into(), json!("2024-13-01"));
        m.insert("colour".into(), json!("red"));
        validate_values(&defs, &m, &mut v);
        let e = v.finish().expect_err("invalid");
        let mut fields: Vec<String> = e.field_errors().into_iter().map(|f| f.field).collect();
        fields.sort();
        assert_eq!(
            fields,
            [
                "custom.colour",
                "custom.hours",
                "custom.licence",
                "custom.shift",
                "custom.since"
            ]
        );
        let mut v = Validator::new();
        let mut m = Map::new();
        m.insert("licence".into(), json!(" L-1 "));
        m.insert("shift".into(), json!("early"));
        let out = validate_values(&defs, &m, &mut v);
        assert!(v.finish().is_ok());
        assert_eq!(out["licence"], json!("L-1"));
    }
}
