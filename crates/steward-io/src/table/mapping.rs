//! Mapping the columns of an uploaded file onto the fields an importer needs.
//!
//! Importers know their *target fields* (`"email"`, `"amount"`); uploaded
//! files have arbitrary *headers* (`"E-Mail"`, `"Amount (EUR)"`). A
//! [`ColumnMapping`] records which header feeds which field, either guessed by
//! [`ColumnMapping::auto`] or chosen by a user ([`ColumnMapping::from_pairs`]).
//! [`ColumnMapping::resolve`] checks it against a [`Table`] and yields a
//! [`MappedTable`] whose rows are read by field name.

use super::{is_blank, ReadError, Row, Table};

/// Which source header feeds each target field.
///
/// Every field is required unless marked with [`ColumnMapping::optional`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMapping {
    columns: Vec<FieldSource>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct FieldSource {
    field: String,
    /// Header name in the source file; `None` when auto-matching found none.
    source: Option<String>,
    required: bool,
}

impl ColumnMapping {
    /// Matches each target field to the first header with the same name,
    /// ignoring case, whitespace, `_` and `-` (so `email`, `E-Mail` and
    /// `e_mail` all match). Fields without a matching header stay unmapped and
    /// make [`resolve`](Self::resolve) fail unless marked optional.
    pub fn auto(targets: &[&str], headers: &[String]) -> Self {
        let columns = targets
            .iter()
            .map(|&field| {
                let key = normalize(field);
                let source = headers
                    .iter()
                    .find(|h| !key.is_empty() && normalize(h) == key)
                    .cloned();
                FieldSource {
                    field: field.to_owned(),
                    source,
                    required: true,
                }
            })
            .collect();
        Self { columns }
    }

    /// Builds a mapping from explicit `(field, source header)` pairs, e.g.
    /// from a column-mapping form. Source headers are looked up exactly
    /// first, then with the same normalisation as [`auto`](Self::auto).
    pub fn from_pairs<F, S>(pairs: impl IntoIterator<Item = (F, S)>) -> Self
    where
        F: Into<String>,
        S: Into<String>,
    {
        let columns = pairs
            .into_iter()
            .map(|(field, source)| FieldSource {
                field: field.into(),
                source: Some(source.into()),
                required: true,
            })
            .collect();
        Self { columns }
    }

    /// Takes `field` from the column headed `source`, whatever the automatic match said
    /// (the person's explicit column mapping). An unknown field is ignored.
    #[must_use]
    pub fn with_source(mut self, field: &str, source: &str) -> Self {
        if let Some(column) = self.columns.iter_mut().find(|c| c.field == field) {
            column.source = Some(source.to_owned());
        }
        self
    }

    /// Marks `fields` as optional: a missing column is then not an error,
    /// and [`MappedRow::get`] simply returns `None` for it.
    #[must_use]
    pub fn optional(mut self, fields: &[&str]) -> Self {
        for column in &mut self.columns {
            if fields.contains(&column.field.as_str()) {
                column.required = false;
            }
        }
        self
    }

    /// The source header mapped to `field`, if any.
    pub fn source(&self, field: &str) -> Option<&str> {
        self.columns
            .iter()
            .find(|c| c.field == field)
            .and_then(|c| c.source.as_deref())
    }

    /// The target fields, in the order given.
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.columns.iter().map(|c| c.field.as_str())
    }

    /// Locates every mapped column in `table`.
    ///
    /// Fails with [`ReadError::MissingColumn`] naming every required field
    /// whose column is not in the table.
    pub fn resolve<'t>(&self, table: &'t Table) -> Result<MappedTable<'t>, ReadError> {
        let mut missing = Vec::new();
        let mut columns = Vec::with_capacity(self.columns.len());
        for column in &self.columns {
            let index = column
                .source
                .as_deref()
                .and_then(|source| find_header(&table.headers, source));
            if index.is_none() && column.required {
                missing.push(match &column.source {
                    Some(source) if normalize(source) != normalize(&column.field) => {
                        format!("\"{source}\" (for {})", column.field)
                    }
                    Some(source) => format!("\"{source}\""),
                    None => format!("\"{}\"", column.field),
                });
            }
            columns.push((column.field.clone(), index));
        }
        if !missing.is_empty() {
            let plural = if missing.len() == 1 { "" } else { "s" };
            return Err(ReadError::MissingColumn {
                line: None,
                message: format!("missing required column{plural} {}", missing.join(", ")),
            });
        }
        Ok(MappedTable { table, columns })
    }
}

fn find_header(headers: &[String], source: &str) -> Option<usize> {
    let source = source.trim();
    headers.iter().position(|h| h == source).or_else(|| {
        let key = normalize(source);
        headers
            .iter()
            .position(|h| !key.is_empty() && normalize(h) == key)
    })
}

/// Lower-case, without whitespace, `_` or `-`.
fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace() && *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// A [`Table`] viewed through a resolved [`ColumnMapping`].
#[derive(Debug, Clone)]
pub struct MappedTable<'t> {
    table: &'t Table,
    /// Field name and column index (`None`: optional and absent).
    columns: Vec<(String, Option<usize>)>,
}

impl<'t> MappedTable<'t> {
    /// The rows, in file order.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = MappedRow<'_>> {
        self.table.rows.iter().map(|row| MappedRow {
            line: row.line,
            row,
            columns: &self.columns,
        })
    }

    /// Number of data rows.
    pub fn len(&self) -> usize {
        self.table.rows.len()
    }

    /// True when the table has no data rows.
    pub fn is_empty(&self) -> bool {
        self.table.rows.is_empty()
    }

    /// True when `field` is mapped to a column present in the table.
    pub fn has(&self, field: &str) -> bool {
        self.columns.iter().any(|(f, i)| f == field && i.is_some())
    }

    /// The underlying table.
    pub fn table(&self) -> &'t Table {
        self.table
    }
}

/// One row of a [`MappedTable`], read by field name.
#[derive(Debug, Clone, Copy)]
pub struct MappedRow<'a> {
    /// Line number of the row in the source file (see [`Row::line`]).
    pub line: usize,
    row: &'a Row,
    columns: &'a [(String, Option<usize>)],
}

impl<'a> MappedRow<'a> {
    /// The cell for `field` with surrounding whitespace removed, or `None`
    /// when the cell is blank, the column is absent, or `field` is unknown.
    pub fn get(&self, field: &str) -> Option<&'a str> {
        self.raw(field).map(str::trim).filter(|c| !c.is_empty())
    }

    /// The cell for `field` exactly as read (possibly empty), or `None` when
    /// the column is absent or `field` is unknown.
    pub fn raw(&self, field: &str) -> Option<&'a str> {
        let (_, index) = self.columns.iter().find(|(f, _)| f == field)?;
        self.row.cells.get((*index)?).map(String::as_str)
    }

    /// The row's line number (same as the `line` field).
    pub fn line(&self) -> usize {
        self.line
    }

    /// True when every mapped cell of this row is blank.
    pub fn is_blank(&self) -> bool {
        self.columns
            .iter()
            .filter_map(|(_, i)| *i)
            .all(|i| self.row.cells.get(i).is_none_or(|c| is_blank(c)))
    }
}

#[cfg(test)]
mod with_source_tests {
    use super::*;

    #[test]
    fn an_explicit_source_wins_over_the_automatic_match() {
        let headers = vec![
            "Login".to_string(),
            "email".to_string(),
            "Mail 2".to_string(),
        ];
        let m = ColumnMapping::auto(&["username", "email"], &headers)
            .with_source("username", "Login")
            .with_source("email", "Mail 2");
        assert_eq!(m.source("username"), Some("Login"));
        assert_eq!(m.source("email"), Some("Mail 2"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table {
            headers: ["First Name", "E-Mail", "amount_eur", "Notes"]
                .map(String::from)
                .to_vec(),
            rows: vec![
                Row {
                    line: 2,
                    cells: ["Ada", " ada@example.org ", "12.5", ""]
                        .map(String::from)
                        .to_vec(),
                },
                Row {
                    line: 4,
                    cells: ["Bob", "", "  ", "vip"].map(String::from).to_vec(),
                },
            ],
        }
    }

    #[test]
    fn auto_matches_loosely() {
        let t = table();
        let m = ColumnMapping::auto(&["first_name", "email", "Amount-EUR", "phone"], &t.headers);
        assert_eq!(m.source("first_name"), Some("First Name"));
        assert_eq!(m.source("email"), Some("E-Mail"));
        assert_eq!(m.source("Amount-EUR"), Some("amount_eur"));
        assert_eq!(m.source("phone"), None);
        assert_eq!(
            m.fields().collect::<Vec<_>>(),
            ["first_name", "email", "Amount-EUR", "phone"]
        );
    }

    #[test]
    fn resolve_and_read_by_field() {
        let t = table();
        let m = ColumnMapping::auto(&["first_name", "email", "amount_eur", "phone"], &t.headers)
            .optional(&["phone"]);
        let mapped = m.resolve(&t).expect("all required columns present");
        assert_eq!(mapped.len(), 2);
        assert!(mapped.has("email"));
        assert!(!mapped.has("phone"));
        let rows: Vec<MappedRow<'_>> = mapped.rows().collect();
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].get("first_name"), Some("Ada"));
        assert_eq!(rows[0].get("email"), Some("ada@example.org"));
        assert_eq!(rows[0].raw("email"), Some(" ada@example.org "));
        assert_eq!(rows[0].get("phone"), None);
        assert_eq!(rows[0].get("no such field"), None);
        assert_eq!(rows[1].line(), 4);
        assert_eq!(rows[1].get("email"), None);
        assert_eq!(rows[1].raw("email"), Some(""));
        assert_eq!(rows[1].get("amount_eur"), None);
        assert!(!rows[1].is_blank());
    }

    #[test]
    fn missing_required_columns_are_named() {
        let t = table();
        let err = ColumnMapping::auto(&["email", "iban"], &t.headers)
            .resolve(&t)
            .expect_err("iban missing");
        assert!(matches!(err, ReadError::MissingColumn { line: None, .. }));
        assert_eq!(err.to_string(), "missing required column \"iban\"");

        let err = ColumnMapping::auto(&["iban", "bic", "notes"], &t.headers)
            .resolve(&t)
            .expect_err("two missing");
        assert_eq!(
            err.to_string(),
            "missing required columns \"iban\", \"bic\""
        );
    }

    #[test]
    fn from_pairs_uses_the_given_headers() {
        let t = table();
        let m = ColumnMapping::from_pairs([("name", "First Name"), ("comment", "notes")]);
        let mapped = m.resolve(&t).expect("resolves");
        let row = mapped.rows().nth(1).expect("second row");
        assert_eq!(row.get("name"), Some("Bob"));
        assert_eq!(row.get("comment"), Some("vip"));

        let err = ColumnMapping::from_pairs([("email", "Mail Address")])
            .resolve(&t)
            .expect_err("no such header");
        assert_eq!(
            err.to_string(),
            "missing required column \"Mail Address\" (for email)"
        );
        // Optional pairs may point at absent headers.
        let mapped = ColumnMapping::from_pairs([("email", "Mail Address")])
            .optional(&["email"])
            .resolve(&t)
            .expect("optional");
        assert_eq!(mapped.rows().next().and_then(|r| r.get("email")), None);
    }

    #[test]
    fn exact_header_match_wins_over_normalised() {
        let t = Table {
            headers: vec!["e_mail".into(), "E-Mail".into()],
            rows: vec![Row {
                line: 2,
                cells: vec!["first".into(), "second".into()],
            }],
        };
        let mapped = ColumnMapping::from_pairs([("email", "E-Mail")])
            .resolve(&t)
            .expect("resolves");
        assert_eq!(
            mapped.rows().next().and_then(|r| r.get("email")),
            Some("second")
        );
        // `auto` takes the first loose match.
        let mapped = ColumnMapping::auto(&["email"], &t.headers)
            .resolve(&t)
            .expect("resolves");
        assert_eq!(
            mapped.rows().next().and_then(|r| r.get("email")),
            Some("first")
        );
    }
}
