//! What a company sets up before it keeps records: kinds of subject (a key, a name and
//! custom fields checked by the shared [`crate::custom_fields`], as HR's and IT's), record
//! categories (a name, a sensitive flag, a retention period in months and the event it
//! counts from: kept now, applied by a later retention job), and one-call templates for a
//! clinic, a finance firm and a factory. Everyone who uses Records reads them; the privacy
//! office ([`super::gate_office`]) changes them.
use serde::Serialize;
use serde_json::{json, Value};
use std::future::Future;

use super::{gate_office, gate_reader, CategoryId, KindId, CATEGORY, KIND, KIND_FIELD};
use crate::audit::AuditDraft;
use crate::auth::Actor;
use crate::custom_fields::{check_addition, for_update, update_json, OwnedField};
use crate::error::Validator;
use crate::ids::CompanyId;
use crate::{Error, Result};

pub const NAME_MAX: usize = 100;
pub use crate::custom_fields::{
    FieldInput, NewField, MAX_OWNED_FIELDS as MAX_FIELDS, OWNED_KINDS as FIELD_KINDS, POSITION_MAX,
};
/// At most 100 years.
pub const RETENTION_MAX: i64 = 1200;
/// The events a retention period may count from: (key, label).
pub const RETENTION_EVENTS: &[(&str, &str)] = &[
    ("record_created", "the record was made"),
    ("last_activity", "the subject's last visit or activity"),
    ("relationship_end", "the end of the relationship (contract)"),
];
/// The templates: (key, label).
pub const TEMPLATES: &[(&str, &str)] = &[
    ("clinic", "A clinic: patients, encounters"),
    ("finance", "A finance firm: clients, reviews"),
    ("factory", "A factory: customers, quality files"),
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Kind {
    pub id: KindId,
    pub key: String,
    pub name: String,
    pub version: i64,
}

/// A field of a kind of subject: its `owner` is the kind.
pub type KindField = OwnedField<KindId>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Category {
    pub id: CategoryId,
    pub name: String,
    /// Needs `records_sensitive` on top of access to the subject.
    pub sensitive: bool,
    /// None: kept until disposed of by hand.
    pub retention_months: Option<i64>,
    /// One of [`RETENTION_EVENTS`].
    pub retention_from: String,
    /// The purpose its records serve, which needs the subject's consent
    /// ([`super::consent`]); empty: none needed.
    pub purpose: String,
    pub version: i64,
}

impl Category {
    pub fn retention_text(&self) -> String {
        match self.retention_months {
            None => "kept".into(),
            Some(m) => format!("{m} months from {}", event_label(&self.retention_from)),
        }
    }
}

pub fn event_label(key: &str) -> &str {
    RETENTION_EVENTS
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, l)| *l)
        .unwrap_or(key)
}

/// A kind as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KindInput {
    /// Fixed once made; ignored on update.
    pub key: String,
    pub name: String,
}

/// A category as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CategoryInput {
    pub name: String,
    pub sensitive: bool,
    /// Blank: no retention period.
    pub retention_months: String,
    /// Blank: `record_created`.
    pub retention_from: String,
    /// Blank: its records need no consent.
    pub purpose: String,
}

/// Checked for the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewKind {
    pub key: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCategory {
    pub name: String,
    pub sensitive: bool,
    pub retention_months: Option<i64>,
    pub retention_from: String,
    pub purpose: String,
}

pub trait SetupStore: Send + Sync {
    fn record_kinds(&self, company: CompanyId) -> impl Future<Output = Result<Vec<Kind>>> + Send;
    /// The fields of one kind, or of all (`None`), by kind, position, key.
    fn kind_fields(
        &self,
        company: CompanyId,
        kind: Option<KindId>,
    ) -> impl Future<Output = Result<Vec<KindField>>> + Send;
    /// A kind with its fields, and categories, in one transaction; a key the company has is
    /// refused on `key`, a category name on `name`. The kind's id.
    fn insert_kind(
        &self,
        company: CompanyId,
        kind: &NewKind,
        fields: &[NewField],
        categories: &[NewCategory],
        audit: AuditDraft,
    ) -> impl Future<Output = Result<KindId>> + Send;
    fn rename_kind(
        &self,
        company: CompanyId,
        id: KindId,
        name: &str,
        version: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    fn insert_kind_field(
        &self,
        company: CompanyId,
        kind: KindId,
        f: &NewField,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<i64>> + Send;
    fn update_kind_field(
        &self,
        company: CompanyId,
        id: i64,
        f: &NewField,
        version: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
    fn record_categories(
        &self,
        company: CompanyId,
    ) -> impl Future<Output = Result<Vec<Category>>> + Send;
    fn insert_category(
        &self,
        company: CompanyId,
        c: &NewCategory,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<CategoryId>> + Send;
    fn update_category(
        &self,
        company: CompanyId,
        id: CategoryId,
        c: &NewCategory,
        version: i64,
        audit: AuditDraft,
    ) -> impl Future<Output = Result<()>> + Send;
}

fn check_kind(input: &KindInput) -> Result<NewKind> {
    let mut v = Validator::new();
    let key = input.key.trim().to_string();
    if !crate::custom_fields::valid_key(&key) {
        v.push(
            "key",
            "1-40 lowercase letters, digits or _, starting with a letter",
        );
    }
    let name = v.line("name", &input.name, NAME_MAX, true);
    v.finish()?;
    Ok(NewKind { key, name })
}

fn check_field(input: &FieldInput) -> Result<NewField> {
    crate::custom_fields::check_field(input, |_| None)
}

/// Checks a category as typed (`name`, `retention_months`, `retention_from`).
pub fn check_category(input: &CategoryInput) -> Result<NewCategory> {
    let mut v = Validator::new();
    let name = v.line("name", &input.name, NAME_MAX, true);
    let retention_months = match input.retention_months.trim() {
        "" => None,
        t => match t.parse::<i64>() {
            Ok(m) if (1..=RETENTION_MAX).contains(&m) => Some(m),
            _ => {
                v.push(
                    "retention_months",
                    "a whole number of months from 1 to 1200, or blank",
                );
                None
            }
        },
    };
    let retention_from = match input.retention_from.trim() {
        "" => "record_created".to_string(),
        t if RETENTION_EVENTS.iter().any(|(k, _)| *k == t) => t.to_string(),
        _ => {
            v.push(
                "retention_from",
                "record_created, last_activity or relationship_end",
            );
            String::new()
        }
    };
    let purpose = v.line(
        "purpose",
        &input
            .purpose
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
        super::consent::PURPOSE_MAX,
        false,
    );
    v.finish()?;
    Ok(NewCategory {
        name,
        sensitive: input.sensitive,
        retention_months,
        retention_from,
        purpose,
    })
}

fn category_json(c: &NewCategory) -> Value {
    json!({"name": c.name, "sensitive": c.sensitive, "retention_months": c.retention_months,
        "retention_from": c.retention_from, "purpose": c.purpose})
}

pub async fn kinds<S: SetupStore>(store: &S, actor: &Actor) -> Result<Vec<Kind>> {
    gate_reader(actor)?;
    store.record_kinds(actor.company_id).await
}

pub async fn kind<S: SetupStore>(store: &S, actor: &Actor, id: KindId) -> Result<Kind> {
    kinds(store, actor)
        .await?
        .into_iter()
        .find(|k| k.id == id)
        .ok_or(Error::NotFound { entity: "kind" })
}

/// A new kind of subject (the privacy office).
pub async fn create_kind<S: SetupStore>(
    store: &S,
    actor: &Actor,
    input: &KindInput,
) -> Result<Kind> {
    gate_office(actor)?;
    let k = check_kind(input)?;
    let audit = AuditDraft::by(
        actor,
        KIND,
        None,
        "create",
        json!({"key": k.key, "name": k.name}),
    );
    let id = store
        .insert_kind(actor.company_id, &k, &[], &[], audit)
        .await?;
    kind(store, actor, id).await
}

/// Renames a kind (its key stays: it names nothing else yet, but exports will).
pub async fn update_kind<S: SetupStore>(
    store: &S,
    actor: &Actor,
    id: KindId,
    input: &KindInput,
    version: Option<i64>,
) -> Result<Kind> {
    gate_office(actor)?;
    let before = kind(store, actor, id).await?;
    let name = crate::input::line("name", &input.name, NAME_MAX, true)?;
    let audit = AuditDraft::by(
        actor,
        KIND,
        Some(id.to_string()),
        "update",
        json!({"before": {"name": before.name}, "after": {"name": name}}),
    );
    store
        .rename_kind(
            actor.company_id,
            id,
            &name,
            version.unwrap_or(before.version),
            audit,
        )
        .await?;
    kind(store, actor, id).await
}

/// The fields of a kind (inactive ones too).
pub async fn fields<S: SetupStore>(store: &S, actor: &Actor, id: KindId) -> Result<Vec<KindField>> {
    kind(store, actor, id).await?;
    store.kind_fields(actor.company_id, Some(id)).await
}

/// A new field of a kind (the privacy office).
pub async fn create_field<S: SetupStore>(
    store: &S,
    actor: &Actor,
    id: KindId,
    input: &FieldInput,
) -> Result<KindField> {
    gate_office(actor)?;
    let k = kind(store, actor, id).await?;
    let f = check_field(input)?;
    let existing = store.kind_fields(actor.company_id, Some(id)).await?;
    check_addition(&existing, &f, "kind")?;
    let mut changes = f.to_json();
    if let Some(o) = changes.as_object_mut() {
        o.insert("kind_id".into(), json!(k.id.0));
    }
    let audit = AuditDraft::by(actor, KIND_FIELD, None, "create", changes);
    let fid = store
        .insert_kind_field(actor.company_id, id, &f, audit)
        .await?;
    field(store, actor, id, fid).await
}

async fn field<S: SetupStore>(
    store: &S,
    actor: &Actor,
    kind: KindId,
    id: i64,
) -> Result<KindField> {
    fields(store, actor, kind)
        .await?
        .into_iter()
        .find(|f| f.id == id)
        .ok_or(Error::NotFound { entity: "field" })
}

/// Changes a field's label, choices, required, help, position or active; its key and kind
/// stay (values were checked under them).
pub async fn update_field<S: SetupStore>(
    store: &S,
    actor: &Actor,
    id: i64,
    input: &FieldInput,
    version: Option<i64>,
) -> Result<KindField> {
    gate_office(actor)?;
    let before = store
        .kind_fields(actor.company_id, None)
        .await?
        .into_iter()
        .find(|f| f.id == id)
        .ok_or(Error::NotFound { entity: "field" })?;
    let f = check_field(&for_update(&before, input)?)?;
    let audit = AuditDraft::by(
        actor,
        KIND_FIELD,
        Some(id.to_string()),
        "update",
        update_json(&before, &f),
    );
    store
        .update_kind_field(
            actor.company_id,
            id,
            &f,
            version.unwrap_or(before.version),
            audit,
        )
        .await?;
    field(store, actor, before.owner, id).await
}

pub async fn categories<S: SetupStore>(store: &S, actor: &Actor) -> Result<Vec<Category>> {
    gate_reader(actor)?;
    store.record_categories(actor.company_id).await
}

pub async fn category<S: SetupStore>(store: &S, actor: &Actor, id: CategoryId) -> Result<Category> {
    categories(store, actor)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or(Error::NotFound { entity: "category" })
}

/// A new record category (the privacy office).
pub async fn create_category<S: SetupStore>(
    store: &S,
    actor: &Actor,
    input: &CategoryInput,
) -> Result<Category> {
    gate_office(actor)?;
    let c = check_category(input)?;
    let audit = AuditDraft::by(actor, CATEGORY, None, "create", category_json(&c));
    let id = store.insert_category(actor.company_id, &c, audit).await?;
    category(store, actor, id).await
}

pub async fn update_category<S: SetupStore>(
    store: &S,
    actor: &Actor,
    id: CategoryId,
    input: &CategoryInput,
    version: Option<i64>,
) -> Result<Category> {
    gate_office(actor)?;
    let before = category(store, actor, id).await?;
    let c = check_category(input)?;
    let audit = AuditDraft::by(
        actor,
        CATEGORY,
        Some(id.to_string()),
        "update",
        json!({"before": {"name": before.name, "sensitive": before.sensitive,
            "retention_months": before.retention_months, "retention_from": before.retention_from},
            "after": category_json(&c)}),
    );
    store
        .update_category(
            actor.company_id,
            id,
            &c,
            version.unwrap_or(before.version),
            audit,
        )
        .await?;
    category(store, actor, id).await
}

fn f(
    key: &str,
    label: &str,
    kind: &str,
    choices: &[&str],
    required: bool,
    position: i64,
) -> NewField {
    NewField {
        key: key.into(),
        label: label.into(),
        kind: kind.into(),
        choices: choices.iter().map(|c| c.to_string()).collect(),
        required,
        help: String::new(),
        position,
        active: true,
    }
}

fn c(name: &str, sensitive: bool, months: Option<i64>, from: &str) -> NewCategory {
    NewCategory {
        name: name.into(),
        sensitive,
        retention_months: months,
        retention_from: from.into(),
        purpose: String::new(),
    }
}

/// A category whose records serve a purpose that needs consent.
fn consented(name: &str, months: i64, from: &str, purpose: &str) -> NewCategory {
    NewCategory {
        purpose: purpose.into(),
        ..c(name, false, Some(months), from)
    }
}

/// A template's kind, fields and categories.
pub fn template(key: &str) -> Option<(NewKind, Vec<NewField>, Vec<NewCategory>)> {
    let kind = |k: &str, n: &str| NewKind {
        key: k.into(),
        name: n.into(),
    };
    match key {
        "clinic" => Some((
            kind("patient", "Patient"),
            vec![
                f("date_of_birth", "Date of birth", "date", &[], true, 10),
                f(
                    "insurance_number",
                    "Insurance number",
                    "text",
                    &[],
                    false,
                    20,
                ),
                f(
                    "blood_type",
                    "Blood type",
                    "choice",
                    &["A+", "A-", "B+", "B-", "AB+", "AB-", "0+", "0-"],
                    false,
                    30,
                ),
            ],
            vec![
                c("Encounters", false, Some(120), "last_activity"),
                c("Lab results", false, Some(120), "last_activity"),
                c("Mental health", true, Some(240), "last_activity"),
                c("Administration", false, Some(36), "record_created"),
                consented("Research", 120, "record_created", "Research"),
            ],
        )),
        "finance" => Some((
            kind("client", "Client"),
            vec![
                f(
                    "client_type",
                    "Client type",
                    "choice",
                    &["individual", "company"],
                    true,
                    10,
                ),
                f(
                    "risk_rating",
                    "Risk rating",
                    "choice",
                    &["low", "medium", "high"],
                    false,
                    20,
                ),
                f("kyc_reviewed", "KYC last reviewed", "date", &[], false, 30),
            ],
            vec![
                c("KYC reviews", false, Some(60), "relationship_end"),
                c("Correspondence", false, Some(72), "record_created"),
                c("Fraud", true, Some(120), "relationship_end"),
                consented("Marketing", 24, "record_created", "Marketing"),
            ],
        )),
        "factory" => Some((
            kind("customer", "Customer"),
            vec![
                f("customer_number", "Customer number", "text", &[], false, 10),
                f("industry", "Industry", "text", &[], false, 20),
            ],
            vec![
                c("Quality files", false, Some(120), "record_created"),
                c("Complaints", false, Some(60), "record_created"),
                c("Contracts", false, Some(120), "relationship_end"),
            ],
        )),
        _ => None,
    }
}

/// Sets up a template in one call (the privacy office): its kind with its fields and the
/// categories the company has not got by name, in one transaction. A template whose kind
/// the company has already is refused on `template`, nothing written.
pub async fn apply_template<S: SetupStore>(store: &S, actor: &Actor, key: &str) -> Result<Kind> {
    gate_office(actor)?;
    let (k, fields, cats) = template(key.trim())
        .ok_or_else(|| Error::invalid("template", "one of clinic, finance or factory"))?;
    let company = actor.company_id;
    if store
        .record_kinds(company)
        .await?
        .iter()
        .any(|x| x.key == k.key)
    {
        return Err(Error::invalid(
            "template",
            format!("the company has the kind {} already", k.key),
        ));
    }
    let have = store.record_categories(company).await?;
    let cats: Vec<NewCategory> = cats
        .into_iter()
        .filter(|c| {
            !have
                .iter()
                .any(|h| h.name.to_lowercase() == c.name.to_lowercase())
        })
        .collect();
    let audit = AuditDraft::by(
        actor,
        KIND,
        None,
        "template",
        json!({"template": key.trim(), "key": k.key, "name": k.name,
            "fields": fields.iter().map(|f| f.key.as_str()).collect::<Vec<_>>(),
            "categories": cats.iter().map(category_json).collect::<Vec<_>>()}),
    );
    let id = store
        .insert_kind(company, &k, &fields, &cats, audit)
        .await?;
    kind(store, actor, id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_valid_setups() {
        for (key, _) in TEMPLATES {
            let (k, fields, cats) = template(key).expect("template");
            assert!(crate::custom_fields::valid_key(&k.key));
            for f in &fields {
                let again = check_field(&FieldInput {
                    key: f.key.clone(),
                    label: f.label.clone(),
                    kind: f.kind.clone(),
                    choices: f.choices.clone(),
                    required: f.required,
                    help: f.help.clone(),
                    position: f.position,
                    active: true,
                })
                .expect("field");
                assert_eq!(&again, f);
            }
            for c in &cats {
                let again = check_category(&CategoryInput {
                    name: c.name.clone(),
                    sensitive: c.sensitive,
                    retention_months: c
                        .retention_months
                        .map(|m| m.to_string())
                        .unwrap_or_default(),
                    retention_from: c.retention_from.clone(),
                    purpose: c.purpose.clone(),
                })
                .expect("category");
                assert_eq!(&again, c);
            }
        }
        assert!(template("bakery").is_none());
    }

    #[test]
    fn categories_name_what_is_wrong() {
        let e = check_category(&CategoryInput {
            name: " ".into(),
            retention_months: "0".into(),
            retention_from: "birthday".into(),
            ..CategoryInput::default()
        })
        .expect_err("invalid");
        let fields: Vec<String> = e.field_errors().into_iter().map(|f| f.field).collect();
        assert_eq!(fields, ["name", "retention_months", "retention_from"]);
    }
}
