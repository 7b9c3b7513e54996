//! CSV reading (via the `csv` crate) and writing (hand-rolled RFC 4180).

use std::borrow::Cow;

use super::{is_blank, ColumnKind, ReadError, ReadLimits, Row, Table};

const BOM: &[u8] = b"\xEF\xBB\xBF";
const CANDIDATE_DELIMITERS: [u8; 3] = [b',', b';', b'\t'];

pub(super) fn read(bytes: &[u8], limits: &ReadLimits) -> Result<Table, ReadError> {
    read_with(bytes, limits, None).map(|(_, table)| table)
}

/// [`read`] with a given delimiter (`None`: detected), also returning the line of the
/// header row.
pub(super) fn read_with(
    bytes: &[u8],
    limits: &ReadLimits,
    delimiter: Option<u8>,
) -> Result<(usize, Table), ReadError> {
    let bytes = bytes.strip_prefix(BOM).unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        // Ragged rows are reported by us, with a friendlier message.
        .flexible(true)
        .delimiter(delimiter.unwrap_or_else(|| detect_delimiter(bytes)))
        .from_reader(bytes);

    let mut headers: Option<Vec<String>> = None;
    let mut header_line = 1;
    let mut rows = Vec::new();
    let mut record = csv::ByteRecord::new();
    let mut lines = LineCounter::new(bytes);
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(err) => {
                let line = err.position().map(|p| lines.record_line(p));
                return Err(ReadError::malformed(line, err.to_string()));
            }
        }
        let line = record.position().map_or(1, |p| lines.record_line(p));
        let cells = decode_record(&record, line)?;
        if cells.iter().all(|c| is_blank(c)) {
            continue;
        }
        match &headers {
            None => {
                header_line = line;
                headers = Some(cells.into_iter().map(|h| h.trim().to_owned()).collect());
            }
            Some(headers) => {
                if cells.len() != headers.len() {
                    return Err(ReadError::malformed(
                        Some(line),
                        format!("expected {} columns, found {}", headers.len(), cells.len()),
                    ));
                }
                if rows.len() >= limits.max_rows {
                    return Err(ReadError::too_large(
                        Some(line),
                        format!("too many rows (the limit is {})", limits.max_rows),
                    ));
                }
                rows.push(Row { line, cells });
            }
        }
    }
    let headers = headers.ok_or_else(|| ReadError::malformed(None, "the file is empty"))?;
    Ok((header_line, Table { headers, rows }))
}

fn decode_record(record: &csv::ByteRecord, line: usize) -> Result<Vec<String>, ReadError> {
    record
        .iter()
        .enumerate()
        .map(|(i, field)| {
            std::str::from_utf8(field).map(str::to_owned).map_err(|_| {
                ReadError::malformed(
                    Some(line),
                    format!(
                        "column {} is not valid UTF-8 text; please save the file as UTF-8",
                        i + 1
                    ),
                )
            })
        })
        .collect()
}

/// Turns the csv crate's record positions into line numbers.
///
/// `csv::Position::line` cannot be used directly: it is taken where the
/// reader resumed, i.e. after the first byte of the previous record's line
/// terminator, so it undercounts after CRLF terminators and blank lines. The
/// byte offset has the same origin but is easy to correct: skip the remaining
/// CR/LF bytes (a record cannot start with one) and count the line breaks
/// (CRLF, LF or a lone CR) before the real start.
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            bytes,
            offset: 0,
            line: 1,
        }
    }

    /// 1-based line on which the record at `position` starts. Positions must
    /// be passed in increasing order.
    fn record_line(&mut self, position: &csv::Position) -> usize {
        let mut start = usize::try_from(position.byte())
            .unwrap_or(usize::MAX)
            .min(self.bytes.len());
        while matches!(self.bytes.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        for i in self.offset..start {
            match self.bytes[i] {
                b'\n' => self.line += 1,
                b'\r' if self.bytes.get(i + 1) != Some(&b'\n') => self.line += 1,
                _ => {}
            }
        }
        self.offset = self.offset.max(start);
        self.line
    }
}

/// Picks the delimiter occurring most often outside quotes in the first
/// non-empty line; `,` wins ties and is the fallback for single-column files.
fn detect_delimiter(bytes: &[u8]) -> u8 {
    let start = bytes
        .iter()
        .position(|&b| b != b'\r' && b != b'\n')
        .unwrap_or(bytes.len());
    let mut counts = [0usize; CANDIDATE_DELIMITERS.len()];
    let mut in_quotes = false;
    for &b in &bytes[start..] {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\r' | b'\n' if !in_quotes => break,
            _ if !in_quotes => {
                if let Some(i) = CANDIDATE_DELIMITERS.iter().position(|&d| d == b) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
    }
    let mut best = 0;
    for i in 1..counts.len() {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    CANDIDATE_DELIMITERS[best]
}

pub(super) fn write(
    headers: &[&str],
    kinds: &[ColumnKind],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Vec<u8> {
    let mut out = Vec::new();
    // Headers are names: text.
    write_record(&mut out, headers.iter().copied(), &[]);
    for row in rows {
        write_record(&mut out, row.iter().map(String::as_str), kinds);
    }
    out
}

fn write_record<'a>(out: &mut Vec<u8>, cells: impl Iterator<Item = &'a str>, kinds: &[ColumnKind]) {
    let mut count = 0;
    let mut last_empty = false;
    for (i, cell) in cells.enumerate() {
        if count > 0 {
            out.push(b',');
        }
        let cell = escape_formula(cell, kinds.get(i).copied().unwrap_or_default());
        write_field(out, &cell);
        count += 1;
        last_empty = cell.is_empty();
    }
    if count == 1 && last_empty {
        // A lone empty field would be an empty line, which readers skip.
        out.extend_from_slice(b"\"\"");
    }
    out.extend_from_slice(b"\r\n");
}

fn write_field(out: &mut Vec<u8>, cell: &str) {
    // Quote `;` and tab too, so delimiter detection on our own output always
    // picks the comma; quote a leading BOM so it is not mistaken for one.
    let needs_quotes = cell.starts_with('\u{feff}')
        || cell
            .bytes()
            .any(|b| matches!(b, b',' | b';' | b'\t' | b'"' | b'\r' | b'\n'));
    if needs_quotes {
        out.push(b'"');
        for b in cell.bytes() {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(cell.as_bytes());
    }
}

/// Prefixes `'` to cells a spreadsheet would evaluate as a formula (OWASP: cells starting
/// with `=`, `+`, `-`, `@`, tab or CR), except plain decimals in a numeric column.
fn escape_formula(cell: &str, kind: ColumnKind) -> Cow<'_, str> {
    let dangerous = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let number = kind == ColumnKind::Number && is_plain_number(cell);
    if dangerous && !number {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// `[+-]? digits [. digits]`, with at least one digit overall (`-12.50`, `+3`, `-.5`).
fn is_plain_number(cell: &str) -> bool {
    let unsigned = cell.strip_prefix(['+', '-']).unwrap_or(cell);
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    !(int.is_empty() && frac.is_empty()) && all_digits(int) && all_digits(frac)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{read_table, write_csv, TableFormat};
    use proptest::prelude::*;

    fn read(bytes: &[u8]) -> Result<Table, ReadError> {
        read_table(bytes, TableFormat::Csv, &ReadLimits::default())
    }

    fn cells(table: &Table) -> Vec<Vec<&str>> {
        table
            .rows
            .iter()
            .map(|r| r.cells.iter().map(String::as_str).collect())
            .collect()
    }

    #[test]
    fn detects_delimiters() {
        assert_eq!(detect_delimiter(b"a,b,c\n1;2;3"), b',');
        assert_eq!(detect_delimiter(b"a;b;c\n1,2,3"), b';');
        assert_eq!(detect_delimiter(b"a\tb\tc"), b'\t');
        assert_eq!(detect_delimiter(b"\r\n\na;b"), b';');
        // Delimiters inside quotes do not count.
        assert_eq!(detect_delimiter(b"\"a,b,c\";d;e"), b';');
        assert_eq!(detect_delimiter(b"\"x\ny,z,w\";a"), b';');
        // Ties and single columns fall back to the comma.
        assert_eq!(detect_delimiter(b"a,b;c"), b',');
        assert_eq!(detect_delimiter(b"single"), b',');
        assert_eq!(detect_delimiter(b""), b',');
    }

    #[test]
    fn reads_semicolon_and_tab_files() {
        let t = read(b"Name;Amount\nAda;1,50\n").expect("semicolon");
        assert_eq!(t.headers, ["Name", "Amount"]);
        assert_eq!(cells(&t), [["Ada", "1,50"]]);

        let t = read(b"Name\tAmount\r\nAda\t1.50\r\n").expect("tab");
        assert_eq!(t.headers, ["Name", "Amount"]);
        assert_eq!(cells(&t), [["Ada", "1.50"]]);
    }

    #[test]
    fn strips_bom_and_trims_headers() {
        let t = read(b"\xEF\xBB\xBF Name , E-Mail\nAda, ada@example.org \n").expect("bom");
        assert_eq!(t.headers, ["Name", "E-Mail"]);
        // Data cells are kept verbatim.
        assert_eq!(cells(&t), [["Ada", " ada@example.org "]]);
    }

    #[test]
    fn quoted_newlines_keep_line_numbers() {
        let data = b"id,note\n1,\"first\nsecond\nthird\"\n2,plain\n3,\"a\r\nb\"\n4,x\n";
        let t = read(data).expect("valid");
        let lines: Vec<usize> = t.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 5, 6, 8]);
        assert_eq!(t.rows[0].cells[1], "first\nsecond\nthird");
        assert_eq!(t.rows[2].cells[1], "a\r\nb");
    }

    #[test]
    fn crlf_and_cr_line_endings_count_once() {
        let t = read(b"id,note\r\n1,\"a\r\nb\"\r\n\r\n2,x\r\n3,y").expect("crlf");
        let lines: Vec<usize> = t.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 5, 6]);
        let t = read(b"id\r1\r\r2\r").expect("cr");
        let lines: Vec<usize> = t.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 4]);
    }

    #[test]
    fn blank_rows_are_skipped_but_counted() {
        let t = read(b"\n\na,b\n\n1,2\n,\n  ,\t\n3,4\n").expect("valid");
        assert_eq!(t.headers, ["a", "b"]);
        let lines: Vec<usize> = t.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [5, 8]);
        assert_eq!(cells(&t), [["1", "2"], ["3", "4"]]);
    }

    #[test]
    fn ragged_rows_name_the_line() {
        let err = read(b"a,b,c,d\n1,2,3,4\n\n\"x\ny\",2,3,4\n\n1,2,3\n").expect_err("ragged");
        assert_eq!(err.to_string(), "line 7: expected 4 columns, found 3");
        assert_eq!(err.line(), Some(7));

        let err = read(b"a,b\n1,2,3\n").expect_err("too many");
        assert_eq!(err.to_string(), "line 2: expected 2 columns, found 3");
    }

    #[test]
    fn invalid_utf8_names_the_line() {
        let err = read(b"a,b\n1,2\n3,\xff\xfe\n").expect_err("latin-1");
        assert_eq!(err.line(), Some(3));
        assert!(err.message().contains("UTF-8"), "{err}");
        assert!(matches!(err, ReadError::Malformed { .. }));
    }

    #[test]
    fn empty_input_is_an_error() {
        for input in [&b""[..], b"\n\n", b"\xEF\xBB\xBF", b" , \n"] {
            let err = read(input).expect_err("empty");
            assert_eq!(err.to_string(), "the file is empty");
        }
    }

    #[test]
    fn header_only_is_an_empty_table() {
        let t = read(b"a,b\n").expect("header only");
        assert_eq!(t.headers, ["a", "b"]);
        assert!(t.rows.is_empty());
    }

    #[test]
    fn row_limit() {
        let limits = ReadLimits {
            max_rows: 2,
            ..ReadLimits::default()
        };
        let data = b"a\n1\n2\n";
        assert_eq!(
            read_table(data, TableFormat::Csv, &limits)
                .expect("at the limit")
                .rows
                .len(),
            2
        );
        let err = read_table(b"a\n1\n\n2\n3\n", TableFormat::Csv, &limits).expect_err("over");
        assert!(
            matches!(err, ReadError::TooLarge { line: Some(5), .. }),
            "{err}"
        );
    }

    #[test]
    fn escapes_formula_injection() {
        use ColumnKind::{Number, Text};
        for (input, kind, expected) in [
            ("=1+1", Text, "'=1+1"),
            ("+cmd|' /C calc'!A0", Text, "'+cmd|' /C calc'!A0"),
            ("-2+3", Text, "'-2+3"),
            ("@SUM(A1)", Text, "'@SUM(A1)"),
            ("\tx", Text, "'\tx"),
            ("\rx", Text, "'\rx"),
            ("-", Text, "'-"),
            ("a=b", Text, "a=b"),
            ("'=x", Text, "'=x"),
            ("", Text, ""),
            ("12", Text, "12"),
            // Text that looks like a number is still text.
            ("-12.50", Text, "'-12.50"),
            ("+49 30 1234", Text, "'+49 30 1234"),
            // A numeric column keeps plain decimals as numbers, and nothing else.
            ("-12.50", Number, "-12.50"),
            ("+3", Number, "+3"),
            ("-.5", Number, "-.5"),
            ("12", Number, "12"),
            ("-1e5", Number, "'-1e5"),
            ("-inf", Number, "'-inf"),
            ("-NaN", Number, "'-NaN"),
            ("=1+1", Number, "'=1+1"),
            ("-2+3", Number, "'-2+3"),
            ("-", Number, "'-"),
            ("1e5", Number, "1e5"),
            ("inf", Number, "inf"),
        ] {
            assert_eq!(
                escape_formula(input, kind),
                expected,
                "input {input:?} as {kind:?}"
            );
        }
    }

    #[test]
    fn columns_decide_numbers() {
        let out = crate::table::write_csv_typed(
            &["-label", "amount"],
            &[ColumnKind::Text, ColumnKind::Number],
            vec![
                vec!["-12.50".into(), "-12.50".into()],
                vec!["@x".into(), "@x".into()],
            ],
        );
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            "'-label,amount\r\n'-12.50,-12.50\r\n'@x,'@x\r\n"
        );
    }

    #[test]
    fn writes_rfc4180() {
        let out = write_csv(
            &["name", "note"],
            vec![
                vec!["Ada".into(), "says \"hi\", twice".into()],
                vec!["=HYPERLINK(\"x\")".into(), "-12.50".into()],
                vec!["multi\nline".into(), "semi;colon".into()],
                vec!["".into(), "".into()],
            ],
        );
        let expected = "name,note\r\n\
            Ada,\"says \"\"hi\"\", twice\"\r\n\
            \"'=HYPERLINK(\"\"x\"\")\",'-12.50\r\n\
            \"multi\nline\",\"semi;colon\"\r\n\
            ,\r\n";
        assert_eq!(String::from_utf8(out).expect("utf-8"), expected);
    }

    #[test]
    fn single_empty_column_is_quoted() {
        let out = write_csv(&[""], vec![vec![String::new()], vec!["x".into()]]);
        assert_eq!(out, b"\"\"\r\n\"\"\r\nx\r\n");
    }

    #[test]
    fn write_then_read() {
        let out = write_csv(
            &[" Name ", "Amount"],
            vec![
                vec!["Ada; Countess".into(), "-12.50".into()],
                vec!["Bob\n\"the builder\"".into(), "=2*3".into()],
            ],
        );
        let t = read(&out).expect("round trip");
        assert_eq!(t.headers, ["Name", "Amount"]);
        assert_eq!(
            cells(&t),
            [
                ["Ada; Countess", "'-12.50"],
                ["Bob\n\"the builder\"", "'=2*3"]
            ]
        );
        assert_eq!(t.rows[1].line, 3);
    }

    fn table_strategy() -> impl Strategy<Value = (Vec<String>, Vec<Vec<String>>)> {
        (1usize..5).prop_flat_map(|width| {
            (
                prop::collection::vec(any::<String>(), width),
                prop::collection::vec(prop::collection::vec(any::<String>(), width), 0..8),
            )
        })
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
            let _ = read(&bytes);
        }

        #[test]
        fn never_panics_on_csv_like_text(text in "[a-c,;\t\"\r\n \u{feff}\u{e9}]{0,200}") {
            let _ = read(text.as_bytes());
        }

        #[test]
        fn write_read_round_trip((headers, rows) in table_strategy()) {
            let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
            let out = write_csv(&header_refs, rows.clone());
            let expected_headers: Vec<String> =
                headers.iter().map(|h| escape_formula(h, ColumnKind::Text).trim().to_owned()).collect();
            // Every record ends in CRLF; cells may contain more line breaks.
            let breaks = |cells: &[String]| -> usize {
                cells.iter().map(|c| c.matches('\n').count() + c.matches('\r').count()
                    - c.matches("\r\n").count()).sum()
            };
            let mut line = 2 + breaks(&headers);
            let mut expected_rows = Vec::new();
            for row in &rows {
                let cells: Vec<String> =
                    row.iter().map(|c| escape_formula(c, ColumnKind::Text).into_owned()).collect();
                if !cells.iter().all(|c| is_blank(c)) {
                    expected_rows.push((line, cells));
                }
                line += 1 + breaks(row);
            }

            let result = read(&out);
            if headers.iter().all(|h| is_blank(&escape_formula(h, ColumnKind::Text))) {
                // A blank header row is skipped like any blank row, so the
                // first non-blank data row (if any) becomes the header.
                prop_assert_eq!(result.is_ok(), !expected_rows.is_empty());
            } else {
                let table = result.map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(table.headers, expected_headers);
                let got: Vec<(usize, Vec<String>)> =
                    table.rows.into_iter().map(|r| (r.line, r.cells)).collect();
                prop_assert_eq!(got, expected_rows);
            }
        }
    }
}
