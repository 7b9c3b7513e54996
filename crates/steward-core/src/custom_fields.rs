//! Custom fields, whoever keeps them: HR's per company (`hr::fields`), IT's per asset
//! category (`it::asset_fields`) and Records' per kind of subject (`records::setup`). The
//! last two are fields of an owner ([`OwnedField`]): one shape, one check
//! ([`check_field`]), one rule for adding ([`check_addition`]) and changing
//! ([`for_update`]) them, and one store (`steward-store`'s `owned_fields`). A definition has a key, a label, a kind (from a list the
//! owner allows), choices for a `choice`, may be required, has help text, a position and may
//! be retired (inactive). Values live on the record as a JSON object by key; this module
//! checks definitions as typed and values against definitions, errors named `custom.<key>`.
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::error::Validator;
use crate::time::parse_date;
use crate::{Error, Result};

/// The longest value a custom field keeps (characters).
pub const MAX_VALUE: usize = 2000;
pub const LABEL_MAX: usize = 100;
pub const HELP_MAX: usize = 500;
pub const CHOICES_MAX: usize = 100;

/// What values are checked against: a definition of any owner.
pub trait FieldDef {
    fn key(&self) -> &str;
    fn kind(&self) -> &str;
    fn choices(&self) -> &[String];
    fn required(&self) -> bool;
    fn active(&self) -> bool;
}

/// A definition's parts as typed, cleaned by [`check_definition`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Definition {
    pub key: String,
    pub label: String,
    pub kind: String,
    pub choices: Vec<String>,
    pub help: String,
}

/// A key: 1-40 lowercase letters, digits or `_`, starting with a letter.
pub fn valid_key(k: &str) -> bool {
    (1..=40).contains(&k.len())
        && k.starts_with(|c: char| c.is_ascii_lowercase())
        && k.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// `a, b or c`.
fn or_list(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// Checks a definition as typed into `v` (`key`, `label`, `kind` among `kinds`, `choices`,
/// `help`) and returns it trimmed, empty choices dropped.
pub fn check_definition(v: &mut Validator, d: &Definition, kinds: &[&str]) -> Definition {
    let key = d.key.trim().to_string();
    if !valid_key(&key) {
        v.push(
            "key",
            "1-40 lowercase letters, digits or _, starting with a letter",
        );
    }
    let label = d.label.trim().to_string();
    if label.is_empty() || label.chars().count() > LABEL_MAX {
        v.push("label", "is required (at most 100 characters)");
    }
    let kind = d.kind.trim().to_string();
    if !kinds.contains(&kind.as_str()) {
        v.push("kind", or_list(kinds));
    }
    let choices: Vec<String> = d
        .choices
        .iter()
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect();
    if kind == "choice" && choices.is_empty() {
        v.push("choices", "a choice field needs at least one choice");
    }
    if choices.len() > CHOICES_MAX || choices.iter().any(|c| c.chars().count() > 100) {
        v.push("choices", "at most 100 choices of at most 100 characters");
    }
    if d.help.chars().count() > HELP_MAX {
        v.push("help", "at most 500 characters");
    }
    Definition {
        key,
        label,
        kind,
        choices,
        help: d.help.trim().to_string(),
    }
}

/// A value as text (for forms and exports).
pub fn value_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One value of `def` as typed, cleaned (`None`: empty, or refused into `v` on `field`).
pub fn check_value<D: FieldDef>(
    def: &D,
    field: &str,
    val: &Value,
    v: &mut Validator,
) -> Option<Value> {
    let text = value_text(val).trim().to_string();
    if text.is_empty() {
        return None;
    }
    if text.chars().count() > MAX_VALUE {
        v.push(field, format!("at most {MAX_VALUE} characters"));
        return None;
    }
    match def.kind() {
        "number" => match text.parse::<f64>() {
            // Kept as the text the person typed (no float rounding); checked numeric.
            Ok(n) if n.is_finite() => Some(Value::String(text)),
            _ => {
                v.push(field, "must be a number");
                None
            }
        },
        "date" => v
            .check(field, parse_date(field, &text))
            .map(|d| Value::String(d.to_string())),
        "choice" => {
            if def.choices().contains(&text) {
                Some(Value::String(text))
            } else {
                v.push(field, format!("one of: {}", def.choices().join(", ")));
                None
            }
        }
        _ => {
            if text
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\t')
            {
                v.push(field, "must not contain control characters");
                None
            } else {
                Some(Value::String(text))
            }
        }
    }
}

/// Checks `values` against `defs`: unknown keys, kinds, choices, required active ones.
/// Returns the cleaned object (empty values dropped). Errors are pushed as `custom.<key>`.
pub fn validate_values<D: FieldDef>(
    defs: &[D],
    values: &Map<String, Value>,
    v: &mut Validator,
) -> Map<String, Value> {
    let mut out = Map::new();
    for (k, val) in values {
        let field = format!("custom.{k}");
        let Some(def) = defs.iter().find(|d| d.key() == k) else {
            v.push(&field, "no such custom field");
            continue;
        };
        if let Some(c) = check_value(def, &field, val, v) {
            out.insert(k.clone(), c);
        }
    }
    for d in defs.iter().filter(|d| d.active() && d.required()) {
        let given = values
            .get(d.key())
            .is_some_and(|x| !value_text(x).trim().is_empty());
        if !given {
            v.push(&format!("custom.{}", d.key()), "is required");
        }
    }
    out
}

/// The kinds a field of an owner may have.
pub const OWNED_KINDS: &[&str] = &["text", "number", "date", "choice"];
/// At most this many fields an owner.
pub const MAX_OWNED_FIELDS: usize = 50;
pub const POSITION_MAX: i64 = 9999;

/// A field of an owner (an asset category, a kind of subject): `owner` is its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OwnedField<O> {
    pub id: i64,
    pub owner: O,
    pub key: String,
    pub label: String,
    pub kind: String,
    pub choices: Vec<String>,
    pub required: bool,
    pub help: String,
    pub position: i64,
    pub active: bool,
    pub version: i64,
}

impl<O> FieldDef for OwnedField<O> {
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

/// A field of an owner as typed (forms and the API).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldInput {
    /// Fixed once made (it names the values); ignored on update.
    pub key: String,
    pub label: String,
    /// Fixed once made; on update empty or the same.
    pub kind: String,
    pub choices: Vec<String>,
    pub required: bool,
    pub help: String,
    pub position: i64,
    pub active: bool,
}

impl Default for FieldInput {
    fn default() -> Self {
        FieldInput {
            key: String::new(),
            label: String::new(),
            kind: String::new(),
            choices: Vec::new(),
            required: false,
            help: String::new(),
            position: 0,
            active: true,
        }
    }
}

/// A field of an owner checked for the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewField {
    pub key: String,
    pub label: String,
    pub kind: String,
    pub choices: Vec<String>,
    pub required: bool,
    pub help: String,
    pub position: i64,
    pub active: bool,
}

impl NewField {
    /// What the audit trail keeps of it.
    pub fn to_json(&self) -> Value {
        json!({"key": self.key, "label": self.label, "kind": self.kind, "choices": self.choices,
            "required": self.required, "help": self.help, "position": self.position,
            "active": self.active})
    }
}

/// Checks a field of an owner as typed; `key_clash` names the owner's own reason to refuse
/// a valid key (an asset's column, say), on `key`.
pub fn check_field(
    input: &FieldInput,
    key_clash: impl FnOnce(&str) -> Option<&'static str>,
) -> Result<NewField> {
    let mut v = Validator::new();
    let d = check_definition(
        &mut v,
        &Definition {
            key: input.key.clone(),
            label: input.label.clone(),
            kind: input.kind.clone(),
            choices: input.choices.clone(),
            help: input.help.clone(),
        },
        OWNED_KINDS,
    );
    if let Some(why) = (!d.key.is_empty()).then(|| key_clash(&d.key)).flatten() {
        v.push("key", why);
    }
    if !(0..=POSITION_MAX).contains(&input.position) {
        v.push("position", "a number from 0 to 9999");
    }
    v.finish()?;
    Ok(NewField {
        key: d.key,
        label: d.label,
        kind: d.kind,
        choices: d.choices,
        required: input.required,
        help: d.help,
        position: input.position,
        active: input.active,
    })
}

/// A new field among its owner's `existing` ones (`owner`: "category", "kind"): its key is
/// not taken and the owner has room for it; refused on `key`.
pub fn check_addition<O>(existing: &[OwnedField<O>], f: &NewField, owner: &str) -> Result<()> {
    if existing.iter().any(|e| e.key == f.key) {
        return Err(Error::invalid(
            "key",
            format!("this {owner} has a field with this key"),
        ));
    }
    if existing.len() >= MAX_OWNED_FIELDS {
        return Err(Error::invalid(
            "key",
            format!("at most {MAX_OWNED_FIELDS} fields a {owner}"),
        ));
    }
    Ok(())
}

/// What an update of `before` may change: the key and the kind stay (stored values were
/// checked under them); a kind typed otherwise is refused on `kind`.
pub fn for_update<O>(before: &OwnedField<O>, input: &FieldInput) -> Result<FieldInput> {
    if !input.kind.trim().is_empty() && input.kind.trim() != before.kind {
        return Err(Error::invalid(
            "kind",
            format!("stays {} (the kind is fixed once created)", before.kind),
        ));
    }
    Ok(FieldInput {
        key: before.key.clone(),
        kind: before.kind.clone(),
        ..input.clone()
    })
}

/// The audit trail's changes of an update: before and after.
pub fn update_json<O>(before: &OwnedField<O>, after: &NewField) -> Value {
    json!({"before": {"label": before.label, "choices": before.choices,
        "required": before.required, "active": before.active}, "after": after.to_json()})
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    struct D(&'static str, &'static str, bool);
    impl FieldDef for D {
        fn key(&self) -> &str {
            self.0
        }
        fn kind(&self) -> &str {
            self.1
        }
        fn choices(&self) -> &[String] {
            &[]
        }
        fn required(&self) -> bool {
            self.2
        }
        fn active(&self) -> bool {
            true
        }
    }

    #[test]
    fn kinds_are_listed_as_words() {
        assert_eq!(
            or_list(&["text", "number", "date", "choice", "file"]),
            "text, number, date, choice or file"
        );
        let mut v = Validator::new();
        let d = check_definition(
            &mut v,
            &Definition {
                key: "Bad Key".into(),
                kind: "file".into(),
                ..Definition::default()
            },
            &["text", "number"],
        );
        let e = v.finish().expect_err("invalid");
        let fields: Vec<String> = e.field_errors().into_iter().map(|f| f.field).collect();
        assert_eq!(fields, ["key", "label", "kind"]);
        assert_eq!(d.key, "Bad Key");
    }

    #[test]
    fn required_and_unknown_values_are_named() {
        let defs = [D("ram_gb", "number", true), D("os", "text", false)];
        let mut v = Validator::new();
        let mut m = Map::new();
        m.insert("colour".into(), json!("red"));
        m.insert("os".into(), json!(""));
        let out = validate_values(&defs, &m, &mut v);
        assert!(out.is_empty());
        let e = v.finish().expect_err("invalid");
        let mut fields: Vec<String> = e.field_errors().into_iter().map(|f| f.field).collect();
        fields.sort();
        assert_eq!(fields, ["custom.colour", "custom.ram_gb"]);
    }

    proptest! {
        /// A number field keeps any finite number as typed and refuses any text that is not one.
        #[test]
        fn numbers_are_kept_as_typed(n in -1.0e12f64..1.0e12, junk in "[a-z]{1,8}") {
            let def = D("n", "number", false);
            let mut v = Validator::new();
            let typed = n.to_string();
            let kept = check_value(&def, "custom.n", &json!(format!(" {typed} ")), &mut v);
            prop_assert_eq!(kept, Some(Value::String(typed)));
            prop_assert!(v.is_empty());
            let refused = check_value(&def, "custom.n", &json!(junk.clone()), &mut v);
            // `inf`/`nan` spelled in letters parse as floats but are not finite.
            prop_assert_eq!(refused, None);
            prop_assert!(!v.is_empty());
        }

        /// A key is valid exactly when it matches the documented pattern.
        #[test]
        fn keys_follow_the_pattern(k in "[a-zA-Z0-9_ -]{0,45}") {
            let expected = (1..=40).contains(&k.len())
                && k.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                && k.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            prop_assert_eq!(valid_key(&k), expected);
        }
    }
}
