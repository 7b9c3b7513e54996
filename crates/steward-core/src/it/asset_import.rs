//! Assets from CSV/XLSX (the list export's columns; the model by name): every row checked
//! with the company's models read once, tags and serials on record in one read, repeats
//! inside the file refused; all or nothing, with a dry run. IT's staff (`it.import` and
//! `it.create` company-wide).
use serde_json::json;
use std::collections::HashMap;

use serde_json::{Map, Value};

use super::asset_fields::{check_values, CategoryField};
use super::assets::{asset_fields, AssetInput, AssetStore, NewAsset};
use super::ASSET;
use crate::audit::AuditDraft;
use crate::auth::{Action, Actor};
use crate::error::Validator;
use crate::ids::AssetCategoryId;
use crate::import::{map_columns, ImportProblem, ImportReport};
use crate::{Error, Result};

/// The columns an import reads (the export's, less those it does not set).
pub const IMPORT_COLUMNS: &[&str] = &[
    "tag",
    "serial",
    "name",
    "model",
    "status",
    "location",
    "supplier",
    "purchase_date",
    "purchase_cost",
    "currency",
    "warranty_end",
    "notes",
];

/// A filled-in example row for [`IMPORT_COLUMNS`] (the downloadable template).
pub const IMPORT_EXAMPLE: &[&str] = &[
    "",
    "PF4ABC123",
    "Reception laptop",
    "ThinkPad T14 Gen 4",
    "deployable",
    "Berlin office",
    "Harbor IT",
    "2026-01-15",
    "1349.00",
    "EUR",
    "2029-01-15",
    "",
];

/// Whether the actor may import assets: checked before an upload is read.
pub fn may_import(actor: &Actor) -> Result<()> {
    if super::allowed(actor, Action::Import) && super::allowed(actor, Action::Create) {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// The file's column for a field of [`AssetInput`].
fn column_of(field: &str) -> &str {
    match field {
        "model_id" => "model",
        // A custom field's column is its key.
        other => other.strip_prefix("custom.").unwrap_or(other),
    }
}

/// Imports the assets of `table`; `mapping` is a person's `(field, header)` choice over the
/// match by header name.
pub async fn import<S: AssetStore>(
    store: &S,
    actor: &Actor,
    table: &steward_io::Table,
    file_name: &str,
    mapping: &[(String, String)],
    dry_run: bool,
) -> Result<ImportReport> {
    may_import(actor)?;
    // Custom fields are columns named by their key (those of every category).
    let fields = store.category_fields(actor.company_id, None).await?;
    let keys = super::asset_fields::keys(&fields);
    let columns: Vec<&str> = IMPORT_COLUMNS
        .iter()
        .copied()
        .chain(keys.iter().map(String::as_str))
        .collect();
    let mapped = map_columns(table, &columns, &["model"], mapping)?;
    let models: HashMap<String, (i64, AssetCategoryId)> = store
        .asset_models(actor.company_id)
        .await?
        .into_iter()
        .map(|m| (m.name.to_lowercase(), (m.id.0, m.category_id)))
        .collect();
    let mut problems = Vec::new();
    let mut parsed: Vec<(usize, NewAsset)> = Vec::with_capacity(mapped.len());
    let mut tags: HashMap<String, usize> = HashMap::new();
    let mut serials: HashMap<String, usize> = HashMap::new();
    for row in mapped.rows() {
        let line = row.line();
        let cell = |c: &str| row.get(c).unwrap_or_default().to_string();
        let found = models.get(&cell("model").to_lowercase()).copied();
        let model = found.map(|(m, _)| m);
        let custom: Map<String, Value> = keys
            .iter()
            .filter_map(|k| {
                let t = row.raw(k).unwrap_or_default().trim().to_string();
                (!t.is_empty()).then(|| (k.clone(), Value::String(t)))
            })
            .collect();
        let input = AssetInput {
            tag: cell("tag"),
            serial: cell("serial"),
            name: cell("name"),
            model_id: model.map(|m| m.to_string()).unwrap_or_default(),
            status: cell("status"),
            location: cell("location"),
            supplier: cell("supplier"),
            purchase_date: cell("purchase_date"),
            purchase_cost: cell("purchase_cost"),
            currency: cell("currency"),
            warranty_end: cell("warranty_end"),
            notes: row.raw("notes").unwrap_or_default().trim().to_string(),
            custom: None,
        };
        let mut v = Validator::new();
        let mut a = asset_fields(&mut v, actor, &input, None, model.is_some());
        if let Some((_, category)) = found {
            let defs: Vec<CategoryField> = fields
                .iter()
                .filter(|f| f.owner == category)
                .cloned()
                .collect();
            a.custom = check_values(&mut v, &defs, Some(&custom), None);
        }
        let mut push = |column: &str, message: String| {
            problems.push(ImportProblem {
                line,
                column: column.to_string(),
                message,
            })
        };
        if let Err(e) = v.finish() {
            for fe in e.field_errors() {
                let message = if fe.field == "model_id" {
                    "no model has this name".to_string()
                } else if fe.field.starts_with("custom.") && fe.message == "no such custom field" {
                    "is not a field of the model's category".to_string()
                } else {
                    fe.message
                };
                push(column_of(&fe.field), message);
            }
            continue;
        }
        if let Some(t) = &a.tag {
            if let Some(first) = tags.insert(t.clone(), line) {
                push(
                    "tag",
                    format!("appears twice in the file (first on line {first})"),
                );
                continue;
            }
        }
        if let Some(s) = &a.serial {
            if let Some(first) = serials.insert(s.clone(), line) {
                push(
                    "serial",
                    format!("appears twice in the file (first on line {first})"),
                );
                continue;
            }
        }
        parsed.push((line, a));
    }
    // Tags and serials on record, in one read each for the whole file.
    let (taken_tags, taken_serials) = store
        .tags_and_serials_taken(
            actor.company_id,
            &tags.keys().cloned().collect::<Vec<_>>(),
            &serials.keys().cloned().collect::<Vec<_>>(),
        )
        .await?;
    for (line, a) in &parsed {
        let mut push = |column: &str, message: &str| {
            problems.push(ImportProblem {
                line: *line,
                column: column.into(),
                message: message.into(),
            })
        };
        if a.tag.as_ref().is_some_and(|t| taken_tags.contains(t)) {
            push("tag", "another asset has this tag");
        }
        if a.serial.as_ref().is_some_and(|s| taken_serials.contains(s)) {
            push("serial", "another asset has this serial number");
        }
    }
    let rows = mapped.len();
    if !problems.is_empty() || dry_run {
        return Ok(ImportReport::unwritten(dry_run, rows, problems));
    }
    let assets: Vec<NewAsset> = parsed.into_iter().map(|(_, a)| a).collect();
    let audit = AuditDraft::by(
        actor,
        ASSET,
        None,
        "import",
        json!({"file": file_name, "rows": rows}),
    );
    let created = store
        .import_assets(actor.company_id, &assets, audit)
        .await?;
    Ok(ImportReport {
        dry_run,
        rows,
        created,
        problems,
    })
}
