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
use crate::time::{parse_date, Timestamp};
use crate::{Error, Result};

pub const KINDS: &[&str] = &["text", "number", "date", "choice", "file"];
pub const MAX_FIELDS: usize = 100;
pub const MAX_VALUE: usize = 2000;

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

fn valid_key(k: &str) -> bool {
    (1..=40).contains(&k.len())
        && k.starts_with(|c: char| c.is_ascii_lowercase())
        && k.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn check(input: &FieldInput) -> Result<FieldInput> {
    let mut v = Validator::new();
    let key = input.key.trim().to_string();
    if !valid_key(&key) {
        v.push(
            "key",
            "1-40 lowercase letters, digits or _, starting with a letter",
        );
    }
    let label = input.label.trim().to_string();
    if label.is_empty() || label.chars().count() > 100 {
        v.push("label", "is required (at most 100 characters)");
    }
    let kind = input.kind.trim().to_string();
    if !KINDS.contains(&kind.as_str()) {
        v.push("kind", "text, number, date, choice or file");
    }
    let choices: Vec<String> = input
        .choices
        .iter()
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect();
    if kind == "choice" && choices.is_empty() {
        v.push("choices", "a choice field needs at least one choice");
    }
    if choices.len() > 100 || choices.iter().any(|c| c.chars().count() > 100) {
        v.push("choices", "at most 100 choices of at most 100 characters");
    }
    if input.help.chars().count() > 500 {
        v.push("help", "at most 500 characters");
    }
    v.finish()?;
    Ok(FieldInput {
        key,
        label,
        kind,
        choices,
        help: input.help.trim().to_string(),
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
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Checks `values` against the active fields: unknown keys, kinds, choices, required ones.
/// Returns the cleaned object (empty values dropped). Errors are pushed as `custom.<key>`.
pub fn validate_values(
    defs: &[CustomField],
    values: &Map<String, Value>,
    v: &mut Validator,
) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, val) in values {
        let Some(def) = defs.iter().find(|d| d.key == *k) else {
            v.push(&format!("custom.{k}"), "no such custom field");
            continue;
        };
        let field = format!("custom.{k}");
        let text = value_text(val).trim().to_string();
        if text.is_empty() {
            continue;
        }
        if text.chars().count() > MAX_VALUE {
            v.push(&field, format!("at most {MAX_VALUE} characters"));
            continue;
        }
        let cleaned = match def.kind.as_str() {
            "number" => match text.parse::<f64>() {
                Ok(n) if n.is_finite() => {
                    // Kept as the text the person typed (no float rounding); checked numeric.
                    Some(Value::String(text))
                }
                _ => {
                    v.push(&field, "must be a number");
                    None
                }
            },
            "date" => v
                .check(&field, parse_date(&field, &text))
                .map(|d| Value::String(d.to_string())),
            "choice" => {
                if def.choices.contains(&text) {
                    Some(Value::String(text))
                } else {
                    v.push(&field, format!("one of: {}", def.choices.join(", ")));
                    None
                }
            }
            _ => {
                if text
                    .chars()
                    .any(|c| c.is_control() && c != '\n' && c != '\t')
                {
                    v.push(&field, "must not contain control characters");
                    None
                } else {
                    Some(Value::String(text))
                }
            }
        };
        if let Some(c) = cleaned {
            out.insert(k.clone(), c);
        }
    }
    for d in defs.iter().filter(|d| d.active && d.required) {
        let given = values
            .get(&d.key)
            .is_some_and(|x| !value_text(x).trim().is_empty());
        if !given {
            v.push(&format!("custom.{}", d.key), "is required");
        }
    }
    out
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
