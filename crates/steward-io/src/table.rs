//! Generic tables: the in-memory model, format detection, errors, and the
//! entry points for reading and writing CSV / XLSX.
//!
//! Everything is string based. A [`Table`] is a header row plus data rows of
//! exactly as many cells as there are headers; every [`Row`] remembers the
//! line (CSV) or row number (XLSX) where it starts in the source file, so
//! validation errors further up the stack can point users at the right place.

use std::fmt;

mod csv_io;
mod mapping;
mod xlsx_io;

pub use mapping::{ColumnMapping, MappedRow, MappedTable};

/// A supported spreadsheet file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TableFormat {
    /// Comma-, semicolon- or tab-separated values, UTF-8 encoded.
    Csv,
    /// Office Open XML workbook (Excel 2007 and later).
    Xlsx,
}

impl TableFormat {
    /// Detects the format from a file name (`"export.CSV"`, `"a/b/report.xlsx"`)
    /// or a bare format name / extension (`"csv"`, `".xlsx"`), ignoring case.
    ///
    /// Returns `None` for anything else, including legacy `.xls` files.
    pub fn from_name(name: &str) -> Option<Self> {
        let name = name.trim();
        let ext = name.rsplit_once('.').map_or(name, |(_, ext)| ext);
        if ext.eq_ignore_ascii_case("csv") {
            Some(Self::Csv)
        } else if ext.eq_ignore_ascii_case("xlsx") {
            Some(Self::Xlsx)
        } else {
            None
        }
    }

    /// The format of an uploaded file: XLSX when its content is a zip archive (what every
    /// workbook is), else CSV. A file named `.xlsx` that is not a zip archive is refused
    /// rather than read as text, so a broken workbook is not reported cell by cell.
    pub fn detect(name: &str, bytes: &[u8]) -> Result<Self, ReadError> {
        if bytes.starts_with(b"PK\x03\x04") {
            return Ok(Self::Xlsx);
        }
        match Self::from_name(name) {
            Some(Self::Xlsx) => Err(ReadError::malformed(None, "is not a valid XLSX file")),
            _ => Ok(Self::Csv),
        }
    }

    /// The MIME type to send with a download of this format.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }
}

impl fmt::Display for TableFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Csv => "CSV",
            Self::Xlsx => "XLSX",
        })
    }
}

/// A parsed table: trimmed header names and the non-blank data rows.
///
/// Every row has exactly `headers.len()` cells.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    /// Column names from the header row, with surrounding whitespace removed.
    pub headers: Vec<String>,
    /// Data rows in file order; fully blank rows are not included.
    pub rows: Vec<Row>,
}

/// One data row of a [`Table`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Row {
    /// 1-based line (CSV) or row (XLSX) number where this row starts in the
    /// source file, as a human would count it: with the header on line 1,
    /// the first data row is line 2. For CSV records containing quoted line
    /// breaks, this is the line on which the record starts.
    pub line: usize,
    /// Cell values, one per header. Cells are not trimmed.
    pub cells: Vec<String>,
}

/// Upper bounds applied while reading, to keep hostile or accidental huge
/// uploads from exhausting memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadLimits {
    /// Maximum number of data rows (the header row and blank rows do not count).
    pub max_rows: usize,
    /// Maximum size of the input in bytes. For XLSX, the same budget also
    /// bounds the (approximate) size of the decompressed cell contents, which
    /// guards against zip bombs.
    pub max_bytes: usize,
}

impl Default for ReadLimits {
    /// One million data rows and 200 MiB.
    fn default() -> Self {
        Self {
            max_rows: 1_000_000,
            max_bytes: 200 * 1024 * 1024,
        }
    }
}

/// Why a file could not be read into a [`Table`].
///
/// Every variant carries the 1-based source line (when one applies) and a
/// message meant for end users. `Display` renders `line 7: expected 4 columns,
/// found 3`, or just the message when there is no line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// The file is not valid CSV/XLSX, is not UTF-8, has ragged rows, etc.
    #[error("{}", with_line(*line, message))]
    Malformed {
        /// Line or row number the problem was found on, if known.
        line: Option<usize>,
        /// What is wrong, for humans.
        message: String,
    },
    /// A [`ReadLimits`] bound was exceeded.
    #[error("{}", with_line(*line, message))]
    TooLarge {
        /// Line or row number where the limit was hit, if known.
        line: Option<usize>,
        /// Which limit was hit, for humans.
        message: String,
    },
    /// A required column is absent (see [`ColumnMapping::resolve`]).
    #[error("{}", with_line(*line, message))]
    MissingColumn {
        /// Always `None` today; kept for symmetry with the other variants.
        line: Option<usize>,
        /// Names the missing column, for humans.
        message: String,
    },
}

impl ReadError {
    /// The 1-based line or row number the error refers to, if any.
    pub fn line(&self) -> Option<usize> {
        match self {
            Self::Malformed { line, .. }
            | Self::TooLarge { line, .. }
            | Self::MissingColumn { line, .. } => *line,
        }
    }

    /// The human-readable message, without the `line N:` prefix.
    pub fn message(&self) -> &str {
        match self {
            Self::Malformed { message, .. }
            | Self::TooLarge { message, .. }
            | Self::MissingColumn { message, .. } => message,
        }
    }

    pub(crate) fn malformed(line: Option<usize>, message: impl Into<String>) -> Self {
        Self::Malformed {
            line,
            message: message.into(),
        }
    }

    pub(crate) fn too_large(line: Option<usize>, message: impl Into<String>) -> Self {
        Self::TooLarge {
            line,
            message: message.into(),
        }
    }
}

/// Why a file could not be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    /// The XLSX writer rejected the data, typically because an Excel limit
    /// was exceeded (1,048,576 rows, 16,384 columns, 32,767 characters per cell).
    #[error("{}", with_line(*line, message))]
    Xlsx {
        /// Spreadsheet row number (header = 1) the problem occurred on, if known.
        line: Option<usize>,
        /// What went wrong, for humans.
        message: String,
    },
}

fn with_line(line: Option<usize>, message: &str) -> String {
    match line {
        Some(line) => format!("line {line}: {message}"),
        None => message.to_owned(),
    }
}

/// Parses `bytes` as a table in the given `format`.
///
/// * CSV must be UTF-8 (a leading byte-order mark is ignored). The delimiter
///   is detected from the header line: whichever of `,`, `;` or tab occurs most
///   often outside quotes (`,` on a tie or when there is none). Quoted fields
///   may contain delimiters, doubled quotes and line breaks.
/// * XLSX is read from the first worksheet. Numbers are rendered in their
///   shortest form (`42`, `12.5`), dates as `YYYY-MM-DD` or
///   `YYYY-MM-DDTHH:MM:SS`, times and durations as `HH:MM:SS`, booleans as
///   `true`/`false`, error cells as Excel shows them (`#N/A`), and empty cells
///   as `""`. Cells containing only whitespace are read as `""`. The header
///   row is the first non-blank row and spans from its first to its last
///   non-blank cell; values outside those columns are an error.
///
/// In both formats, header names are trimmed, fully blank rows are skipped,
/// and a row with a different number of cells than the header is an error
/// naming its line.
///
/// This function never panics, whatever the input.
pub fn read_table(
    bytes: &[u8],
    format: TableFormat,
    limits: &ReadLimits,
) -> Result<Table, ReadError> {
    if bytes.len() > limits.max_bytes {
        return Err(ReadError::too_large(
            None,
            format!(
                "the file is {} bytes, larger than the limit of {} bytes",
                bytes.len(),
                limits.max_bytes
            ),
        ));
    }
    match format {
        TableFormat::Csv => csv_io::read(bytes, limits),
        TableFormat::Xlsx => xlsx_io::read(bytes, limits),
    }
}

/// Reads CSV as [`read_table`] does, with the given delimiter (`None`: detected from the
/// header line); also returns the 1-based line of the header row.
pub(crate) fn read_csv_with(
    bytes: &[u8],
    limits: &ReadLimits,
    delimiter: Option<u8>,
) -> Result<(usize, Table), ReadError> {
    csv_io::read_with(bytes, limits, delimiter)
}

/// What a column of an exported table holds, which decides how its cells are defused
/// against CSV formula injection (see [`write_csv_typed`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ColumnKind {
    /// Anything a person typed or a name: a cell starting with a formula character is
    /// always defused, even `-12.50` (text that looks like a number stays text).
    #[default]
    Text,
    /// Numbers the application formats itself (amounts, counts, hours): a plain decimal
    /// such as `-12.50` or `+3` is written as it is, so a spreadsheet reads a number. A
    /// cell that is not a plain decimal (`-1e5`, `=1+1`) is defused like text.
    Number,
}

/// Serialises a table as CSV with every column [`ColumnKind::Text`]: see
/// [`write_csv_typed`], which this is with no numeric columns.
pub fn write_csv(headers: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> Vec<u8> {
    csv_io::write(headers, &[], rows)
}

/// Serialises a table as CSV (RFC 4180: comma separated, CRLF line endings,
/// fields quoted when they contain `,` `;` tab `"` CR or LF). `kinds` gives the kind of
/// each column by position; columns past its end are [`ColumnKind::Text`].
///
/// Formula injection is defused as OWASP's "CSV Injection" guidance says: a cell (header
/// or data) that starts with `=`, `+`, `-`, `@`, tab or carriage return gets a leading
/// `'`, so spreadsheet programs show it as text instead of evaluating it. Whether a cell
/// such as `-12.50` is a number is decided by its column, not by its text: in a
/// [`ColumnKind::Number`] column a plain decimal (`[+-]digits[.digits]`) is left as it is
/// (it cannot be a formula, and must stay a number); in a text column the same text is
/// defused, since someone typed it. Anything else in a numeric column (`-1e5`, `-inf`,
/// `=1+1`) is defused as text. The prefix is not removed again by [`read_table`].
///
/// Rows are written as given; each should have `headers.len()` cells, or the
/// output will not read back. No byte-order mark is written; prepend
/// `b"\xEF\xBB\xBF"` if older Excel versions must detect UTF-8.
pub fn write_csv_typed(
    headers: &[&str],
    kinds: &[ColumnKind],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Vec<u8> {
    csv_io::write(headers, kinds, rows)
}

/// Serialises a table as a single-sheet XLSX workbook.
///
/// The header row is bold, frozen and carries an autofilter. Cells that are
/// plain decimal numbers (`42`, `-12.50`; no leading zeros, at most 15
/// digits) are stored as numbers, displayed with the same number of
/// decimals; everything else is stored as text, so no cell is ever
/// interpreted as a formula. Reading the file back yields the same strings,
/// except that numbers come back in shortest form (`12.50` → `12.5`).
///
/// `sheet_name` is adjusted to Excel's rules if needed: characters
/// `[ ] : * ? / \` become `_`, surrounding apostrophes are removed, it is cut
/// to 31 characters, and an empty name becomes `Sheet1`.
pub fn write_xlsx(
    sheet_name: &str,
    headers: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Result<Vec<u8>, WriteError> {
    xlsx_io::write(sheet_name, headers, rows)
}

/// True when a cell has no visible content.
fn is_blank(cell: &str) -> bool {
    cell.trim().is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_from_name() {
        assert_eq!(TableFormat::from_name("csv"), Some(TableFormat::Csv));
        assert_eq!(TableFormat::from_name("XLSX"), Some(TableFormat::Xlsx));
        assert_eq!(TableFormat::from_name(".xlsx"), Some(TableFormat::Xlsx));
        assert_eq!(
            TableFormat::from_name("Export 2024.CSV"),
            Some(TableFormat::Csv)
        );
        assert_eq!(
            TableFormat::from_name("dir.v2/report.Xlsx"),
            Some(TableFormat::Xlsx)
        );
        assert_eq!(TableFormat::from_name("old.xls"), None);
        assert_eq!(
            TableFormat::detect("people.txt", b"PK\x03\x04rest"),
            Ok(TableFormat::Xlsx)
        );
        assert_eq!(
            TableFormat::detect("people.xlsx", b"a,b\n"),
            Err(ReadError::malformed(None, "is not a valid XLSX file"))
        );
        assert_eq!(
            TableFormat::detect("people", b"a,b\n"),
            Ok(TableFormat::Csv)
        );
        assert_eq!(TableFormat::from_name("csv.txt"), None);
        assert_eq!(TableFormat::from_name(""), None);
    }

    #[test]
    fn format_metadata() {
        assert_eq!(TableFormat::Csv.extension(), "csv");
        assert_eq!(TableFormat::Xlsx.extension(), "xlsx");
        assert!(TableFormat::Csv.content_type().starts_with("text/csv"));
        assert!(TableFormat::Xlsx
            .content_type()
            .ends_with("spreadsheetml.sheet"));
        assert_eq!(TableFormat::Xlsx.to_string(), "XLSX");
    }

    #[test]
    fn error_display() {
        let e = ReadError::malformed(Some(7), "expected 4 columns, found 3");
        assert_eq!(e.to_string(), "line 7: expected 4 columns, found 3");
        assert_eq!(e.line(), Some(7));
        assert_eq!(e.message(), "expected 4 columns, found 3");
        let e = ReadError::too_large(None, "too big");
        assert_eq!(e.to_string(), "too big");
    }

    #[test]
    fn byte_limit_applies_to_both_formats() {
        let limits = ReadLimits {
            max_rows: 10,
            max_bytes: 4,
        };
        for format in [TableFormat::Csv, TableFormat::Xlsx] {
            let err = read_table(b"a,b\n1,2\n", format, &limits).expect_err("too large");
            assert!(
                matches!(err, ReadError::TooLarge { line: None, .. }),
                "{err}"
            );
        }
    }
}
