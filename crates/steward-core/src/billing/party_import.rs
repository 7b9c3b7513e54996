//! Customers and vendors from a CSV or XLSX file: every row is checked first (fields, the
//! accounts it names, names taken on record or twice in the file, the actor's grant for
//! the side the row is on) and nothing is written unless all are valid; a dry run only
//! checks. The columns are those of the export, so an exported list imports again.
use serde_json::json;
use std::collections::{HashMap, HashSet};

use super::parties::{fields, PartyInput, PartyStore, EXPORT_HEADERS};
use crate::audit::AuditDraft;
use crate::auth::{Action, Actor, Domain};
use crate::error::Validator;
use crate::import::{map_columns, yes_no, ImportProblem, ImportReport};
use crate::ledger::accounts::TypedAccounts;
use crate::ledger::LedgerStore;
use crate::{Error, Result};

/// The columns of an import file (the export's); only `name` is required.
pub const IMPORT_COLUMNS: &[&str] = EXPORT_HEADERS;

/// A filled-in example row for [`IMPORT_COLUMNS`] (the downloadable template).
pub const IMPORT_EXAMPLE: &[&str] = &[
    "Example Trading",
    "Example Trading GmbH",
    "yes",
    "no",
    "DE123456789",
    "billing@example.com",
    "Hauptstrasse 1\n10115 Berlin",
    "30",
    "EUR",
    "",
    "",
    "DE89370400440532013000",
    "COBADEFFXXX",
    "yes",
];

/// Whether the actor may import on `side`: the side's `import` and `create`.
fn may_on(actor: &Actor, side: Domain) -> bool {
    super::allowed(actor, side, Action::Import) && super::allowed(actor, side, Action::Create)
}

/// Whether the actor may import customers or vendors at all: checked before an upload is
/// read, and again by [`import`] (each row needs the grant of its own side).
pub fn may_import(actor: &Actor) -> Result<()> {
    if may_on(actor, Domain::Receivables) || may_on(actor, Domain::Payables) {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// The file's column for a field of [`PartyInput`].
fn column_of(field: &str) -> &str {
    match field {
        "is_customer" => "customer",
        "is_vendor" => "vendor",
        other => other,
    }
}

/// Imports the parties of `table` (read by steward-io); `mapping` is a person's
/// `(field, header)` choice over the match by header name.
pub async fn import<S: PartyStore + LedgerStore>(
    store: &S,
    actor: &Actor,
    table: &steward_io::Table,
    file_name: &str,
    mapping: &[(String, String)],
    dry_run: bool,
) -> Result<ImportReport> {
    may_import(actor)?;
    let mapped = map_columns(table, IMPORT_COLUMNS, &["name"], mapping)?;
    let mut keys: Vec<&str> = Vec::new();
    for row in mapped.rows() {
        keys.extend(row.get("income_account"));
        keys.extend(row.get("expense_account"));
    }
    let accounts = TypedAccounts::load(store, actor.company_id, &keys).await?;
    let mut problems = Vec::new();
    let mut parsed = Vec::with_capacity(mapped.len());
    let mut in_file: HashMap<String, usize> = HashMap::new();
    for row in mapped.rows() {
        let line = row.line();
        let mut push = |column: &str, message: String| {
            problems.push(ImportProblem {
                line,
                column: column.to_string(),
                message,
            })
        };
        let mut flag =
            |column: &str, default: bool| match yes_no(column, row.get(column).unwrap_or("")) {
                Ok(b) => b.unwrap_or(default),
                Err(e) => {
                    for fe in e.field_errors() {
                        push(&fe.field, fe.message);
                    }
                    default
                }
            };
        let input = PartyInput {
            name: row.get("name").unwrap_or_default().to_string(),
            legal_name: row.get("legal_name").unwrap_or_default().to_string(),
            is_customer: flag("customer", false),
            is_vendor: flag("vendor", false),
            tax_id: row.get("tax_id").unwrap_or_default().to_string(),
            email: row.get("email").unwrap_or_default().to_string(),
            address: row.raw("address").unwrap_or_default().trim().to_string(),
            payment_terms_days: row
                .get("payment_terms_days")
                .unwrap_or_default()
                .to_string(),
            currency: row.get("currency").unwrap_or_default().to_string(),
            income_account: row.get("income_account").unwrap_or_default().to_string(),
            expense_account: row.get("expense_account").unwrap_or_default().to_string(),
            iban: row.get("iban").unwrap_or_default().to_string(),
            bic: row.get("bic").unwrap_or_default().to_string(),
            active: flag("active", true),
        };
        let mut v = Validator::new();
        let p = fields(&mut v, actor, &input, &accounts);
        if let Err(e) = v.finish() {
            for fe in e.field_errors() {
                push(column_of(&fe.field), fe.message);
            }
            continue;
        }
        if p.is_customer && !may_on(actor, Domain::Receivables) {
            push("customer", "you may not import customers".into());
            continue;
        }
        if p.is_vendor && !may_on(actor, Domain::Payables) {
            push("vendor", "you may not import vendors".into());
            continue;
        }
        let key = p.name.to_lowercase();
        if let Some(first) = in_file.get(&key) {
            push(
                "name",
                format!("appears twice in the file (first on line {first})"),
            );
            continue;
        }
        in_file.insert(key, line);
        parsed.push((line, p));
    }
    // Names on record, in one read for the whole file.
    let names: Vec<String> = parsed.iter().map(|(_, p)| p.name.clone()).collect();
    let taken: HashSet<String> = store.names_taken(actor.company_id, &names).await?;
    for (line, p) in &parsed {
        if taken.contains(&p.name.to_lowercase()) {
            problems.push(ImportProblem {
                line: *line,
                column: "name".into(),
                message: "another customer or vendor has this name".into(),
            });
        }
    }
    let rows = mapped.len();
    if !problems.is_empty() || dry_run {
        return Ok(ImportReport::unwritten(dry_run, rows, problems));
    }
    let parties: Vec<_> = parsed.into_iter().map(|(_, p)| p).collect();
    let audit = AuditDraft::by(
        actor,
        super::PARTY,
        None,
        "import",
        json!({"file": file_name, "rows": rows,
               "customers": parties.iter().filter(|p| p.is_customer).count(),
               "vendors": parties.iter().filter(|p| p.is_vendor).count()}),
    );
    let created = store
        .import_parties(actor.company_id, &parties, audit)
        .await?;
    Ok(ImportReport {
        dry_run,
        rows,
        created,
        problems,
    })
}
