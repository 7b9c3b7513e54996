//! XLSX reading (calamine, streaming cell by cell) and writing (rust_xlsxwriter).

use std::collections::BTreeMap;
use std::io::Cursor;
use std::ops::Bound::{Excluded, Unbounded};

use calamine::{DataRef, ExcelDateTime, Reader, SheetType, Xlsx};
use chrono::{SubsecRound, Timelike};
use rust_xlsxwriter::{Format, Workbook};

use super::{is_blank, ReadError, ReadLimits, Row, Table, WriteError};

/// Bytes charged against [`ReadLimits::max_bytes`] for every stored cell, on
/// top of its text, as a rough stand-in for per-cell memory overhead.
const CELL_OVERHEAD: usize = 32;
/// Serial number of 10000-01-01; larger "dates" are rendered as numbers.
const MAX_DATE_SERIAL: f64 = 2_958_466.0;

pub(super) fn read(bytes: &[u8], limits: &ReadLimits) -> Result<Table, ReadError> {
    // calamine is not written for hostile input and has a few `expect`s on
    // malformed workbooks; a panic there must not take the caller down.
    std::panic::catch_unwind(|| read_unguarded(bytes, limits)).unwrap_or_else(|_| {
        Err(ReadError::malformed(
            None,
            "the XLSX file is corrupt or uses unsupported features",
        ))
    })
}

fn read_unguarded(bytes: &[u8], limits: &ReadLimits) -> Result<Table, ReadError> {
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes))
        .map_err(|e| ReadError::malformed(None, format!("not a valid XLSX file: {e}")))?;
    let sheet = workbook
        .sheets_metadata()
        .iter()
        .find(|s| s.typ == SheetType::WorkSheet)
        .map(|s| s.name.clone())
        .ok_or_else(|| ReadError::malformed(None, "the workbook has no worksheet"))?;
    let mut reader = workbook
        .worksheet_cells_reader(&sheet)
        .map_err(|e| ReadError::malformed(None, format!("cannot read sheet {sheet:?}: {e}")))?;

    // Non-blank cells only: row index -> column index -> text.
    let mut grid: BTreeMap<u32, BTreeMap<u32, String>> = BTreeMap::new();
    let mut budget = 0usize;
    loop {
        let cell = match reader.next_cell() {
            Ok(Some(cell)) => cell,
            Ok(None) => break,
            Err(e) => {
                return Err(ReadError::malformed(
                    None,
                    format!("the sheet {sheet:?} is corrupt: {e}"),
                ))
            }
        };
        let (row, col) = cell.get_position();
        let text = render(cell.get_value());
        if is_blank(&text) {
            continue;
        }
        let line = Some(row as usize + 1);
        budget = budget.saturating_add(text.len() + CELL_OVERHEAD);
        if budget > limits.max_bytes {
            return Err(ReadError::too_large(
                line,
                format!(
                    "the sheet's content is larger than the limit of {} bytes",
                    limits.max_bytes
                ),
            ));
        }
        // Header row plus `max_rows` data rows.
        if !grid.contains_key(&row) && grid.len() > limits.max_rows {
            return Err(ReadError::too_large(
                line,
                format!("too many rows (the limit is {})", limits.max_rows),
            ));
        }
        grid.entry(row).or_default().insert(col, text);
    }

    let mut grid = grid.into_iter();
    let (_, header_cells) = grid
        .next()
        .ok_or_else(|| ReadError::malformed(None, "the sheet is empty"))?;
    // Both exist: rows in the grid are never empty.
    let first_col = header_cells.keys().next().copied().unwrap_or_default();
    let last_col = header_cells.keys().next_back().copied().unwrap_or_default();
    let headers = (first_col..=last_col)
        .map(|c| header_cells.get(&c).map_or("", |h| h.trim()).to_owned())
        .collect();

    let rows = grid
        .map(|(row, mut cells)| {
            let line = row as usize + 1;
            let outside = cells
                .range(..first_col)
                .chain(cells.range((Excluded(last_col), Unbounded)))
                .next();
            if let Some((&col, _)) = outside {
                return Err(ReadError::malformed(
                    Some(line),
                    format!(
                        "cell {}{line} is outside the header columns {}..{}",
                        column_name(col),
                        column_name(first_col),
                        column_name(last_col),
                    ),
                ));
            }
            let cells = (first_col..=last_col)
                .map(|c| cells.remove(&c).unwrap_or_default())
                .collect();
            Ok(Row { line, cells })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Table { headers, rows })
}

/// Spreadsheet column letters for a 0-based index (`0` → `A`, `27` → `AB`).
fn column_name(col: u32) -> String {
    let mut n = col as u64 + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        letters.push(char::from(b'A' + rem));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

fn render(value: &DataRef<'_>) -> String {
    match value {
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => render_float(*f),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(dt) => render_datetime(dt),
        DataRef::Error(e) => e.to_string(),
        DataRef::Empty => String::new(),
    }
}

/// Shortest representation that parses back to the same value, never in
/// exponent notation, and without a trailing `.0` for whole numbers.
fn render_float(f: f64) -> String {
    if f == 0.0 {
        // Also normalises -0.
        "0".to_owned()
    } else {
        f.to_string()
    }
}

fn render_datetime(dt: &ExcelDateTime) -> String {
    let serial = dt.as_f64();
    if dt.is_duration() {
        return render_hms(serial);
    }
    if !(0.0..MAX_DATE_SERIAL).contains(&serial) {
        return render_float(serial);
    }
    if serial < 1.0 {
        // A time of day without a date.
        return render_hms(serial);
    }
    match dt.as_datetime() {
        Some(datetime) => {
            let datetime = datetime.round_subsecs(0);
            if datetime.num_seconds_from_midnight() == 0 {
                datetime.format("%Y-%m-%d").to_string()
            } else {
                datetime.format("%Y-%m-%dT%H:%M:%S").to_string()
            }
        }
        None => render_float(serial),
    }
}

/// `HH:MM:SS` for a fraction of a day; hours may exceed 24 for durations.
fn render_hms(days: f64) -> String {
    // `as` saturates, so absurd values cannot overflow.
    let total = (days * 86_400.0).round() as i64;
    let sign = if total < 0 { "-" } else { "" };
    let total = total.unsigned_abs();
    format!(
        "{sign}{:02}:{:02}:{:02}",
        total / 3600,
        total / 60 % 60,
        total % 60
    )
}

pub(super) fn write(
    sheet_name: &str,
    headers: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Result<Vec<u8>, WriteError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet
        .set_name(sanitize_sheet_name(sheet_name))
        .map_err(|e| xlsx_error(None, &e))?;

    let bold = Format::new().set_bold();
    let number_formats: Vec<Format> = (0..=MAX_NUMBER_DIGITS)
        .map(|decimals| {
            let pattern = if decimals == 0 {
                "0".to_owned()
            } else {
                format!("0.{}", "0".repeat(decimals))
            };
            Format::new().set_num_format(pattern)
        })
        .collect();

    for (col, header) in headers.iter().enumerate() {
        sheet
            .write_string_with_format(0, col_num(col, 1)?, *header, &bold)
            .map_err(|e| xlsx_error(Some(1), &e))?;
    }
    let mut last_row = 0;
    for (index, cells) in rows.into_iter().enumerate() {
        let line = index.saturating_add(2);
        let row = u32::try_from(index + 1).map_err(|_| too_many_rows(line))?;
        for (col, cell) in cells.into_iter().enumerate() {
            let col = col_num(col, line)?;
            let written = match parse_plain_number(&cell) {
                Some((value, decimals)) => {
                    sheet.write_number_with_format(row, col, value, &number_formats[decimals])
                }
                None => sheet.write_string(row, col, cell),
            };
            written.map_err(|e| xlsx_error(Some(line), &e))?;
        }
        last_row = row;
    }

    if let Some(last_col) = headers.len().checked_sub(1) {
        let last_col = col_num(last_col, 1)?;
        sheet
            .set_freeze_panes(1, 0)
            .and_then(|s| s.autofilter(0, 0, last_row, last_col))
            .map_err(|e| xlsx_error(None, &e))?;
        sheet.set_autofit_max_width(300).autofit();
    }
    workbook.save_to_buffer().map_err(|e| xlsx_error(None, &e))
}

fn col_num(col: usize, line: usize) -> Result<u16, WriteError> {
    u16::try_from(col).map_err(|_| WriteError::Xlsx {
        line: Some(line),
        message: "too many columns for an XLSX sheet".to_owned(),
    })
}

fn too_many_rows(line: usize) -> WriteError {
    WriteError::Xlsx {
        line: Some(line),
        message: "too many rows for an XLSX sheet".to_owned(),
    }
}

fn xlsx_error(line: Option<usize>, err: &rust_xlsxwriter::XlsxError) -> WriteError {
    let message = match err {
        rust_xlsxwriter::XlsxError::RowColumnLimitError => {
            "too many rows or columns for an XLSX sheet (Excel allows 1,048,576 rows and 16,384 columns)".to_owned()
        }
        rust_xlsxwriter::XlsxError::MaxStringLengthExceeded => {
            "a cell is longer than Excel's limit of 32,767 characters".to_owned()
        }
        other => format!("could not write the XLSX file: {other}"),
    };
    WriteError::Xlsx { line, message }
}

/// Makes `name` acceptable as an Excel sheet name (see [`super::write_xlsx`]).
fn sanitize_sheet_name(name: &str) -> String {
    let replaced: String = name
        .chars()
        .map(|c| match c {
            '[' | ']' | ':' | '*' | '?' | '/' | '\\' => '_',
            c => c,
        })
        .collect();
    let mut name: String = replaced.trim_matches('\'').chars().take(31).collect();
    // Truncation may expose an apostrophe at the end.
    while name.ends_with('\'') {
        name.pop();
    }
    if name.trim().is_empty() {
        "Sheet1".to_owned()
    } else {
        name
    }
}

/// Up to this many digits, a decimal string survives the trip through `f64`
/// unchanged (`f64` guarantees 15 significant decimal digits).
const MAX_NUMBER_DIGITS: usize = 15;

/// Recognises `-?(0|[1-9][0-9]*)(\.[0-9]+)?` with at most 15 digits (not
/// counting a lone leading `0`), returning the value and the number of
/// decimals. Negative zero is excluded so every accepted string reads back
/// as itself, up to trailing zeros in the decimals.
fn parse_plain_number(cell: &str) -> Option<(f64, usize)> {
    let (negative, unsigned) = match cell.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, cell),
    };
    let (int, frac) = match unsigned.split_once('.') {
        Some((int, frac)) if !frac.is_empty() => (int, frac),
        Some(_) => return None,
        None => (unsigned, ""),
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) || (int.len() > 1 && int.starts_with('0')) {
        return None;
    }
    let significant = if int == "0" { 0 } else { int.len() } + frac.len();
    if significant > MAX_NUMBER_DIGITS {
        return None;
    }
    let value: f64 = cell.parse().ok()?;
    if negative && value == 0.0 {
        return None;
    }
    Some((value, frac.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{read_table, write_xlsx, TableFormat};
    use proptest::prelude::*;

    fn read(bytes: &[u8]) -> Result<Table, ReadError> {
        read_table(bytes, TableFormat::Xlsx, &ReadLimits::default())
    }

    fn strings(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter()
            .map(|r| r.iter().map(|c| (*c).to_owned()).collect())
            .collect()
    }

    fn build(fill: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
        let mut workbook = Workbook::new();
        fill(workbook.add_worksheet());
        workbook.save_to_buffer().expect("test workbook")
    }

    #[test]
    fn round_trip_gives_the_same_strings() {
        let headers = ["Name", "Amount", "Note", "Code"];
        let rows = strings(&[
            &["Ada", "-12.5", "=HYPERLINK(\"http://evil\")", "007"],
            &["Bob", "42", "multi\nline, with \"quotes\"", "1e5"],
            &["Zoë 🦀", "0.1", "  padded  ", "12345678901234567890"],
            &["", "1234567890123", "@SUM(A1)", "-0"],
            &["x", "", "", "TRUE"],
        ]);
        let bytes = write_xlsx("People", &headers, rows.clone()).expect("write");
        let table = read(&bytes).expect("read back");
        assert_eq!(table.headers, headers);
        let got: Vec<Vec<String>> = table.rows.iter().map(|r| r.cells.clone()).collect();
        assert_eq!(got, rows);
        let lines: Vec<usize> = table.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 3, 4, 5, 6]);
    }

    #[test]
    fn numbers_are_numbers_and_formulas_are_text() {
        let bytes =
            write_xlsx("S", &["a", "b", "c"], strings(&[&["12.50", "=1+1", "-3"]])).expect("write");
        let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(&bytes[..])).expect("open");
        let range = workbook.worksheet_range("S").expect("sheet");
        assert_eq!(range.get((1, 0)), Some(&calamine::Data::Float(12.5)));
        assert_eq!(
            range.get((1, 1)),
            Some(&calamine::Data::String("=1+1".to_owned()))
        );
        assert_eq!(range.get((1, 2)), Some(&calamine::Data::Float(-3.0)));
        let formulas = workbook.worksheet_formula("S").expect("formulas");
        assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()));
        // Trailing decimal zeros are display formatting only.
        let table = read(&bytes).expect("read back");
        assert_eq!(table.rows[0].cells, ["12.5", "=1+1", "-3"]);
    }

    #[test]
    fn plain_numbers() {
        assert_eq!(parse_plain_number("42"), Some((42.0, 0)));
        assert_eq!(parse_plain_number("-12.50"), Some((-12.5, 2)));
        assert_eq!(parse_plain_number("0.001"), Some((0.001, 3)));
        assert_eq!(
            parse_plain_number("123456789012345"),
            Some((123_456_789_012_345.0, 0))
        );
        for s in [
            "",
            "-",
            "1.",
            ".5",
            "+1",
            "007",
            "-0",
            "-0.00",
            "1e5",
            "1,5",
            " 1",
            "1 ",
            "NaN",
            "inf",
            "1234567890123456",
            "0.1234567890123456",
        ] {
            assert_eq!(parse_plain_number(s), None, "{s:?}");
        }
    }

    #[test]
    fn renders_cell_types() {
        let bytes = build(|ws| {
            let date = Format::new().set_num_format("yyyy-mm-dd");
            let datetime = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
            let time = Format::new().set_num_format("hh:mm:ss");
            let duration = Format::new().set_num_format("[h]:mm:ss");
            for (col, h) in [
                "int", "float", "bool", "date", "datetime", "time", "duration", "empty",
            ]
            .iter()
            .enumerate()
            {
                ws.write_string(0, col as u16, *h).expect("header");
            }
            ws.write_number(1, 0, 3.0).expect("int");
            ws.write_number(1, 1, 0.1 + 0.2).expect("float");
            ws.write_boolean(1, 2, true).expect("bool");
            let d = rust_xlsxwriter::ExcelDateTime::from_ymd(2024, 2, 29).expect("date");
            ws.write_datetime_with_format(1, 3, &d, &date)
                .expect("date");
            let dt = d.and_hms(13, 45, 30).expect("datetime");
            ws.write_datetime_with_format(1, 4, &dt, &datetime)
                .expect("datetime");
            let t = rust_xlsxwriter::ExcelDateTime::from_hms(8, 5, 9).expect("time");
            ws.write_datetime_with_format(1, 5, &t, &time)
                .expect("time");
            ws.write_number_with_format(1, 6, 1.5, &duration)
                .expect("duration");
            ws.write_string(1, 7, "   ").expect("blank");
            ws.write_boolean(2, 2, false).expect("bool");
        });
        let table = read(&bytes).expect("read");
        assert_eq!(
            table.rows[0].cells[..3],
            ["3", "0.30000000000000004", "true"]
        );
        assert_eq!(table.rows[0].cells[3], "2024-02-29");
        assert_eq!(table.rows[0].cells[4], "2024-02-29T13:45:30");
        assert_eq!(table.rows[0].cells[5], "08:05:09");
        // `[h]:mm:ss` cells are durations and may exceed 24 hours.
        assert_eq!(table.rows[0].cells[6], "36:00:00");
        assert_eq!(table.rows[0].cells[7], "");
        assert_eq!(table.rows[1].cells, ["", "", "false", "", "", "", "", ""]);
    }

    #[test]
    fn header_row_and_columns_follow_the_data() {
        let bytes = build(|ws| {
            ws.write_string(2, 1, " Name ").expect("h1");
            ws.write_string(2, 3, "Email").expect("h2");
            ws.write_string(4, 1, "Ada").expect("c");
            ws.write_string(5, 2, "  ").expect("blank");
            ws.write_string(6, 3, "bob@example.org").expect("c");
        });
        let table = read(&bytes).expect("read");
        assert_eq!(table.headers, ["Name", "", "Email"]);
        assert_eq!(table.rows.len(), 2);
        assert_eq!(table.rows[0].line, 5);
        assert_eq!(table.rows[0].cells, ["Ada", "", ""]);
        assert_eq!(table.rows[1].line, 7);
        assert_eq!(table.rows[1].cells, ["", "", "bob@example.org"]);
    }

    #[test]
    fn values_outside_the_header_are_an_error() {
        let bytes = build(|ws| {
            ws.write_string(0, 0, "a").expect("h");
            ws.write_string(0, 1, "b").expect("h");
            ws.write_string(1, 0, "1").expect("c");
            ws.write_string(3, 2, "stray").expect("c");
        });
        let err = read(&bytes).expect_err("ragged");
        assert_eq!(
            err.to_string(),
            "line 4: cell C4 is outside the header columns A..B"
        );
    }

    #[test]
    fn empty_and_invalid_files() {
        let empty = build(|_| {});
        assert_eq!(
            read(&empty).expect_err("empty").to_string(),
            "the sheet is empty"
        );
        for junk in [
            &b""[..],
            b"PK\x03\x04garbage",
            b"a,b\n1,2\n",
            b"\xd0\xcf\x11\xe0",
        ] {
            let err = read(junk).expect_err("junk");
            assert!(
                matches!(err, ReadError::Malformed { line: None, .. }),
                "{err}"
            );
            assert!(err.to_string().contains("XLSX"), "{err}");
        }
    }

    #[test]
    fn limits() {
        let bytes = write_xlsx("S", &["a"], strings(&[&["1"], &["2"], &["3"]])).expect("write");
        let rows_limit = ReadLimits {
            max_rows: 2,
            ..ReadLimits::default()
        };
        let err = read_table(&bytes, TableFormat::Xlsx, &rows_limit).expect_err("rows");
        assert!(
            matches!(err, ReadError::TooLarge { line: Some(4), .. }),
            "{err}"
        );
        let ok = ReadLimits {
            max_rows: 3,
            ..ReadLimits::default()
        };
        assert_eq!(
            read_table(&bytes, TableFormat::Xlsx, &ok)
                .expect("fits")
                .rows
                .len(),
            3
        );

        // The byte budget also covers the decompressed cell contents.
        let big = write_xlsx("S", &["a"], vec![vec!["x".repeat(30_000)]; 20]).expect("write");
        let byte_limit = ReadLimits {
            max_rows: 100,
            max_bytes: big.len() * 2,
        };
        assert!(big.len() < 100_000, "compresses well: {}", big.len());
        let err = read_table(&big, TableFormat::Xlsx, &byte_limit).expect_err("bytes");
        assert!(
            matches!(err, ReadError::TooLarge { line: Some(_), .. }),
            "{err}"
        );
    }

    #[test]
    fn sheet_names_are_sanitized() {
        assert_eq!(sanitize_sheet_name("Invoices 2024/25"), "Invoices 2024_25");
        assert_eq!(sanitize_sheet_name("'quoted'"), "quoted");
        assert_eq!(sanitize_sheet_name(""), "Sheet1");
        assert_eq!(sanitize_sheet_name("''"), "Sheet1");
        assert_eq!(sanitize_sheet_name(&"x".repeat(40)).chars().count(), 31);
        assert_eq!(
            sanitize_sheet_name(&format!("{}'b", "a".repeat(30))),
            "a".repeat(30)
        );
        for name in ["[a]:*?", "Invoices 2024/25", "'x'", ""] {
            write_xlsx(name, &["h"], Vec::new()).expect("any name is accepted");
        }
    }

    #[test]
    fn writer_reports_excel_limits() {
        let err = write_xlsx("S", &["a"], vec![vec!["x".repeat(40_000)]]).expect_err("long");
        assert_eq!(
            err.to_string(),
            "line 2: a cell is longer than Excel's limit of 32,767 characters"
        );
        let many: Vec<String> = (0..20_000).map(|i| i.to_string()).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        assert!(write_xlsx("S", &refs, Vec::new()).is_err());
    }

    #[test]
    fn column_names() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(16_383), "XFD");
    }

    #[test]
    fn hms() {
        assert_eq!(render_hms(0.5), "12:00:00");
        assert_eq!(render_hms(1.5), "36:00:00");
        assert_eq!(render_hms(-0.25), "-06:00:00");
        assert!(render_hms(f64::MAX).len() > 8);
    }

    /// Text that survives XML: no control characters except tab and newline.
    fn xml_text() -> impl Strategy<Value = String> {
        "[^\\p{Cc}]{0,12}|[ab\t\n=+@ -]{0,6}|-?[1-9][0-9]{0,5}(\\.[0-9]{1,3})?"
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
            let _ = read(&bytes);
        }

        #[test]
        fn never_panics_on_corrupted_workbooks(
            flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
            cut in any::<prop::sample::Index>(),
            truncate in any::<bool>(),
        ) {
            let mut bytes = write_xlsx("S", &["a", "b"], strings(&[&["1", "x"], &["2", "y"]]))
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            for (index, byte) in flips {
                let i = index.index(bytes.len());
                bytes[i] ^= byte;
            }
            if truncate {
                bytes.truncate(cut.index(bytes.len()));
            }
            let _ = read(&bytes);
        }

        #[test]
        fn write_read_round_trip(
            (headers, rows) in (1usize..4).prop_flat_map(|width| (
                prop::collection::vec(xml_text(), width),
                prop::collection::vec(prop::collection::vec(xml_text(), width), 0..6),
            ))
        ) {
            // Keep the header row non-blank at both ends, so the header spans
            // all columns.
            let mut headers = headers;
            let width = headers.len();
            for (i, h) in headers.iter_mut().enumerate() {
                if (i == 0 || i + 1 == width) && is_blank(h) {
                    *h = format!("h{i}");
                }
            }
            let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
            let bytes = write_xlsx("S", &refs, rows.clone())
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let table = read(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;

            let expect = |cell: &String| match parse_plain_number(cell) {
                Some((value, _)) => render_float(value),
                None if is_blank(cell) => String::new(),
                None => cell.clone(),
            };
            // Headers are always written as text.
            let expected_headers: Vec<String> = headers.iter().map(|h| h.trim().to_owned()).collect();
            let expected_rows: Vec<(usize, Vec<String>)> = rows
                .iter()
                .enumerate()
                .map(|(i, r)| (i + 2, r.iter().map(expect).collect::<Vec<_>>()))
                .filter(|(_, r)| !r.iter().all(|c| c.is_empty()))
                .collect();
            prop_assert_eq!(table.headers, expected_headers);
            let got: Vec<(usize, Vec<String>)> = table.rows.into_iter().map(|r| (r.line, r.cells)).collect();
            prop_assert_eq!(got, expected_rows);
        }
    }
}
