//! What every table import (users, customers and vendors, ...) shares: the report of a run,
//! every problem by line and column, and the column mapping a person may give
//! (`map.<field>=<header>`) over the automatic match by header name.
use serde::Serialize;

use crate::{Error, Result};

/// One bad cell of an import: line (1 = the header) and column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportProblem {
    pub line: usize,
    pub column: String,
    pub message: String,
}

/// What an import did, or would do (`dry_run`): nothing is written while `problems` is not
/// empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub dry_run: bool,
    pub rows: usize,
    pub created: usize,
    pub problems: Vec<ImportProblem>,
}

impl ImportReport {
    /// The report of a run that wrote nothing: a dry run, or one with problems (sorted by
    /// line, then column).
    pub fn unwritten(dry_run: bool, rows: usize, mut problems: Vec<ImportProblem>) -> Self {
        problems.sort_by(|a, b| (a.line, &a.column).cmp(&(b.line, &b.column)));
        ImportReport {
            dry_run,
            rows,
            created: 0,
            problems,
        }
    }
}

/// The table's columns matched to `columns` by header name (ignoring case, spaces, `_` and
/// `-`), then `pairs` (field, header) as a person mapped them; every column but `required`
/// may be missing. A mapping naming an unknown field or a header the file lacks is refused
/// as `map.<field>`, a missing required column as `file`.
pub fn map_columns<'t>(
    table: &'t steward_io::Table,
    columns: &[&str],
    required: &[&str],
    pairs: &[(String, String)],
) -> Result<steward_io::MappedTable<'t>> {
    let optional: Vec<&str> = columns
        .iter()
        .copied()
        .filter(|c| !required.contains(c))
        .collect();
    let mut mapping = steward_io::ColumnMapping::auto(columns, &table.headers).optional(&optional);
    for (field, source) in pairs.iter().filter(|(_, s)| !s.trim().is_empty()) {
        if !columns.contains(&field.as_str()) {
            return Err(Error::invalid(
                format!("map.{field}"),
                format!(
                    "is not a column of this import (known: {})",
                    columns.join(", ")
                ),
            ));
        }
        if !table.headers.iter().any(|h| h == source.trim()) {
            return Err(Error::invalid(
                format!("map.{field}"),
                format!("the file has no column `{}`", source.trim()),
            ));
        }
        mapping = mapping.with_source(field, source.trim());
    }
    mapping
        .resolve(table)
        .map_err(|e| Error::invalid("file", e.to_string()))
}

/// A yes-or-no cell of `column`: `yes`, `y`, `true`, `1`, `x` or `no`, `n`, `false`, `0`,
/// or empty (`None`), in any case.
pub fn yes_no(column: &str, cell: &str) -> Result<Option<bool>> {
    match cell.trim().to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "yes" | "y" | "true" | "1" | "x" => Ok(Some(true)),
        "no" | "n" | "false" | "0" => Ok(Some(false)),
        _ => Err(Error::invalid(column, "yes or no")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(headers: &[&str]) -> steward_io::Table {
        steward_io::Table {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    #[test]
    fn columns_match_by_name_and_by_mapping() {
        let t = table(&["Name", "E-Mail", "Login"]);
        let m = map_columns(
            &t,
            &["username", "email"],
            &["username"],
            &[("username".into(), "Login".into())],
        )
        .expect("mapped");
        assert!(m.has("username") && m.has("email"));
        let e = map_columns(
            &t,
            &["username"],
            &["username"],
            &[("nope".into(), "Login".into())],
        )
        .expect_err("unknown field");
        assert_eq!(e.field_errors()[0].field, "map.nope");
        let e = map_columns(
            &t,
            &["username"],
            &["username"],
            &[("username".into(), "User".into())],
        )
        .expect_err("unknown header");
        assert_eq!(e.field_errors()[0].field, "map.username");
        let e =
            map_columns(&table(&["x"]), &["username"], &["username"], &[]).expect_err("missing");
        assert_eq!(e.field_errors()[0].field, "file");
    }

    #[test]
    fn yes_and_no() {
        assert_eq!(yes_no("c", " Yes ").ok(), Some(Some(true)));
        assert_eq!(yes_no("c", "0").ok(), Some(Some(false)));
        assert_eq!(yes_no("c", "").ok(), Some(None));
        let e = yes_no("c", "maybe").expect_err("not yes or no");
        assert_eq!(e.field_errors()[0].field, "c");
    }
}
