//! The PDF writer seen from outside: the files' structure, page count and text, read back
//! by a small content-stream reader here, and by poppler's `pdftotext` and `qpdf --check`
//! where those are installed (each test says SKIPPED when its tool is missing).
#![allow(clippy::unwrap_used)]

use std::process::Command;

use proptest::prelude::*;
use steward_io::pdf::{encode_win_ansi, render, BusinessDocument, Column, PartyBlock};

fn invoice(rows: Vec<Vec<String>>) -> BusinessDocument {
    BusinessDocument {
        title: "Invoice".into(),
        number: "INV-2026-0042".into(),
        issuer: PartyBlock::new(
            "Acme Consulting GmbH",
            [
                "Hauptstraße 1",
                "10115 Berlin",
                "VAT ID DE123456789",
                "billing@acme.example",
            ],
        ),
        recipient: PartyBlock::new(
            "Café Müller & Söhne",
            ["Attn. Accounts Payable", "Rue de la Paix 7", "75002 Paris"],
        ),
        meta: vec![
            ("Invoice date".into(), "2026-12-06".into()),
            ("Due date".into(), "2027-01-05".into()),
            ("Payment terms".into(), "30 days net".into()),
            ("Your reference".into(), "PO-7781".into()),
        ],
        columns: vec![
            Column::left("Description", 6.0),
            Column::right("Qty", 1.0),
            Column::right("Unit price", 1.8),
            Column::right("Amount", 2.0),
        ],
        rows,
        totals: vec![
            ("Subtotal".into(), "1,000.00 EUR".into(), false),
            ("VAT 20%".into(), "200.00 EUR".into(), false),
            ("Total".into(), "1,200.00 EUR".into(), true),
        ],
        notes: vec![
            "Please pay to IBAN DE89 3704 0044 0532 0130 00, BIC COBADEFFXXX, quoting \
             INV-2026-0042."
                .into(),
            "Goods remain our property until paid in full.".into(),
        ],
        footer: "Acme Consulting GmbH · Registered at Amtsgericht Berlin HRB 12345 · \
                 Managing director: A. Example"
            .into(),
        creation_date: chrono::NaiveDate::from_ymd_opt(2026, 12, 6),
    }
}

fn three_rows() -> Vec<Vec<String>> {
    let row = |d: &str, q: &str, p: &str, a: &str| vec![d.into(), q.into(), p.into(), a.into()];
    vec![
        row(
            "Architecture review of the order-to-cash process, including a written report \
             with recommendations and a follow-up workshop",
            "1",
            "600.00",
            "600.00",
        ),
        row("Travel expenses (flat rate)", "2", "150.00", "300.00"),
        row("Licence fee, December", "1", "100.00", "100.00"),
    ]
}

fn many_rows(n: usize) -> Vec<Vec<String>> {
    (0..n)
        .map(|i| {
            vec![
                format!("Item {i:03} widget"),
                "1".into(),
                "5.00".into(),
                "5.00".into(),
            ]
        })
        .collect()
}

// --- A small reader for what render writes -------------------------------------------

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    memchr::memmem::find(hay.get(from..)?, needle).map(|i| i + from)
}

fn count(hay: &[u8], needle: &[u8]) -> usize {
    memchr::memmem::find_iter(hay, needle).count()
}

/// Page objects: `/Type /Page` not followed by `s`.
fn page_objects(pdf: &[u8]) -> usize {
    let needle = b"/Type /Page";
    memchr::memmem::find_iter(pdf, needle)
        .filter(|&i| pdf.get(i + needle.len()) != Some(&b's'))
        .count()
}

/// The `/Count` of the page tree.
fn page_tree_count(pdf: &[u8]) -> usize {
    let at = find(pdf, b"/Count ", 0).unwrap() + 7;
    let digits: Vec<u8> = pdf[at..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .copied()
        .collect();
    String::from_utf8(digits).unwrap().parse().unwrap()
}

/// Every stream's data, decompressed, in file order (render writes each page's content
/// stream right after the page, so this is page order).
fn streams(pdf: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(start) = find(pdf, b"stream\n", at) {
        if pdf[..start].ends_with(b"end") {
            at = start + 1;
            continue;
        }
        let dict_start = pdf[..start].windows(2).rposition(|w| w == b"<<").unwrap();
        let dict = &pdf[dict_start..start];
        let len_at = find(dict, b"/Length ", 0).unwrap() + 8;
        let len: usize = std::str::from_utf8(&dict[len_at..])
            .unwrap()
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let data = &pdf[start + 7..start + 7 + len];
        assert!(pdf[start + 7 + len..].starts_with(b"\nendstream"));
        if find(dict, b"/FlateDecode", 0).is_some() {
            out.push(miniz_oxide::inflate::decompress_to_vec_zlib(data).unwrap());
        } else {
            out.push(data.to_vec());
        }
        at = start + 7 + len;
    }
    out
}

/// The strings shown with `Tj` in a content stream, unescaped.
fn shown_strings(content: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut last: Option<Vec<u8>> = None;
    let mut i = 0;
    while i < content.len() {
        match content[i] {
            b'(' => {
                let mut s = Vec::new();
                let mut depth = 1;
                i += 1;
                loop {
                    let b = content[i];
                    i += 1;
                    match b {
                        b'\\' => {
                            let e = content[i];
                            i += 1;
                            match e {
                                b'n' => s.push(b'\n'),
                                b'r' => s.push(b'\r'),
                                b't' => s.push(b'\t'),
                                b'b' => s.push(8),
                                b'f' => s.push(12),
                                b'0'..=b'7' => {
                                    let mut v = u32::from(e - b'0');
                                    for _ in 0..2 {
                                        if matches!(content[i], b'0'..=b'7') {
                                            v = v * 8 + u32::from(content[i] - b'0');
                                            i += 1;
                                        }
                                    }
                                    s.push(v as u8);
                                }
                                b'\n' => {}
                                other => s.push(other),
                            }
                        }
                        b'(' => {
                            depth += 1;
                            s.push(b);
                        }
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                            s.push(b);
                        }
                        _ => s.push(b),
                    }
                }
                last = Some(s);
            }
            b'<' if content.get(i + 1) != Some(&b'<') => {
                let end = find(content, b">", i).unwrap();
                let hex: Vec<u8> = content[i + 1..end]
                    .iter()
                    .filter(|b| !b.is_ascii_whitespace())
                    .copied()
                    .collect();
                let bytes = hex
                    .chunks(2)
                    .map(|pair| {
                        let digits = std::str::from_utf8(pair).unwrap();
                        let digits = if digits.len() == 1 {
                            format!("{digits}0")
                        } else {
                            digits.to_string()
                        };
                        u8::from_str_radix(&digits, 16).unwrap()
                    })
                    .collect();
                last = Some(bytes);
                i = end + 1;
            }
            b if b.is_ascii_whitespace() => i += 1,
            _ => {
                let end = content[i..]
                    .iter()
                    .position(|b| b.is_ascii_whitespace() || b"()<>[]/".contains(b))
                    .map_or(content.len(), |p| i + p.max(1));
                if &content[i..end] == b"Tj" {
                    out.push(last.take().unwrap());
                }
                i = end;
            }
        }
    }
    out
}

/// The text lines of each page, in drawing order.
fn pages_text(pdf: &[u8]) -> Vec<Vec<Vec<u8>>> {
    streams(pdf).iter().map(|s| shown_strings(s)).collect()
}

fn w(text: &str) -> Vec<u8> {
    encode_win_ansi(text)
}

fn assert_well_formed(pdf: &[u8]) -> usize {
    assert!(pdf.starts_with(b"%PDF-"));
    let trimmed = pdf.strip_suffix(b"\n").unwrap_or(pdf);
    assert!(trimmed.ends_with(b"%%EOF"));
    let pages = page_objects(pdf);
    assert!(pages >= 1);
    assert_eq!(pages, page_tree_count(pdf));
    assert_eq!(pages, streams(pdf).len());
    pages
}

// --- Tests -------------------------------------------------------------------------------

#[test]
fn a_three_line_invoice_is_one_page_with_all_its_text() {
    let pdf = render(&invoice(three_rows()));
    assert_eq!(assert_well_formed(&pdf), 1);
    let text = pages_text(&pdf).remove(0);
    let has = |s: &str| text.contains(&w(s));
    for s in [
        "Invoice",
        "INV-2026-0042",
        "Acme Consulting GmbH",
        "Hauptstraße 1",
        "Café Müller & Söhne",
        "75002 Paris",
        "Invoice date",
        "2026-12-06",
        "PO-7781",
        "Description",
        "Unit price",
        "Travel expenses (flat rate)",
        "Licence fee, December",
        "600.00",
        "Subtotal",
        "VAT 20%",
        "1,200.00 EUR",
        "Goods remain our property until paid in full.",
        "Page 1 of 1",
    ] {
        assert!(has(s), "missing {s:?}");
    }
    // The long description was wrapped over more than one line, words intact.
    let joined: Vec<u8> = text.join(&b' ');
    assert!(find(
        &joined,
        &w("Architecture review of the order-to-cash process"),
        0
    )
    .is_some());
    assert!(!has(
        "Architecture review of the order-to-cash process, including a written report \
         with recommendations and a follow-up workshop"
    ));
    // Document information and the fonts.
    assert!(find(&pdf, b"/Title (Invoice INV-2026-0042)", 0).is_some());
    assert!(find(&pdf, b"/Producer (Steward)", 0).is_some());
    assert!(find(&pdf, b"/CreationDate (D:20261206)", 0).is_some());
    assert!(find(&pdf, b"/BaseFont /Helvetica-Bold", 0).is_some());
    assert_eq!(count(&pdf, b"/Encoding /WinAnsiEncoding"), 2);
}

#[test]
fn rendering_is_deterministic() {
    let doc = invoice(three_rows());
    assert_eq!(render(&doc), render(&doc));
}

#[test]
fn two_hundred_lines_break_into_pages_with_header_and_footer_on_each() {
    let pdf = render(&invoice(many_rows(200)));
    let pages = assert_well_formed(&pdf);
    // The first page holds about 31 one-line rows, later ones about 43.
    assert_eq!(pages, 6);
    let text = pages_text(&pdf);
    for (i, page) in text.iter().enumerate() {
        assert!(page.contains(&w("Description")), "page {}", i + 1);
        assert!(page.contains(&w(&format!("Page {} of {pages}", i + 1))));
        assert!(page.contains(&w(
            "Acme Consulting GmbH · Registered at Amtsgericht Berlin HRB 12345 · \
             Managing director: A. Example"
        )));
    }
    // Every row once, in order, and only the first page has the address.
    let all: Vec<&Vec<u8>> = text.iter().flatten().collect();
    let mut last = 0;
    for i in 0..200 {
        let item = w(&format!("Item {i:03} widget"));
        let at: Vec<usize> = (0..all.len()).filter(|&k| *all[k] == item).collect();
        assert_eq!(at.len(), 1, "row {i}");
        assert!(at[0] > last);
        last = at[0];
    }
    assert!(text[0].contains(&w("75002 Paris")));
    assert!(text[1..].iter().all(|p| !p.contains(&w("75002 Paris"))));
    assert!(text[1].contains(&w("Invoice INV-2026-0042")));
    assert!(text[pages - 1].contains(&w("1,200.00 EUR")));
}

#[test]
fn string_syntax_and_unmappable_characters_survive() {
    let tricky = [
        "Unbalanced ( parenthesis",
        "closing ) first (then open",
        "back\\slash and (balanced) parens",
        "Euro € and é, CJK 漢字 and emoji 😀",
    ];
    let rows = tricky
        .iter()
        .map(|d| vec![(*d).to_string(), "1".into(), "1.00".into(), "1.00".into()])
        .collect();
    let pdf = render(&invoice(rows));
    assert_well_formed(&pdf);
    let text = pages_text(&pdf).remove(0);
    for d in tricky {
        assert!(text.contains(&w(d)), "missing {d:?}");
    }
    assert!(text.contains(&b"Euro \x80 and \xE9, CJK ?? and emoji ?".to_vec()));
}

#[test]
fn an_empty_document_is_a_valid_single_page() {
    let pdf = render(&BusinessDocument::default());
    assert_eq!(assert_well_formed(&pdf), 1);
    assert_eq!(pages_text(&pdf)[0], [b"Page 1 of 1".to_vec()]);
}

// --- External checks ---------------------------------------------------------------------

fn tool(name: &str) -> bool {
    Command::new(name).arg("-v").output().is_ok()
}

fn temp_pdf(bytes: &[u8]) -> tempfile::NamedTempFile {
    let file = tempfile::Builder::new().suffix(".pdf").tempfile().unwrap();
    std::fs::write(file.path(), bytes).unwrap();
    file
}

fn pdftotext(pdf: &[u8]) -> String {
    let file = temp_pdf(pdf);
    let out = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(file.path())
        .arg("-")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn assert_in_order(text: &str, parts: &[&str]) {
    let mut at = 0;
    for part in parts {
        match text[at..].find(part) {
            Some(i) => at += i + part.len(),
            None => panic!("{part:?} not found after byte {at} in:\n{text}"),
        }
    }
}

#[test]
fn pdftotext_reads_the_text_in_order() {
    if !tool("pdftotext") {
        println!("SKIPPED: pdftotext (poppler-utils) is not installed");
        return;
    }
    let text = pdftotext(&render(&invoice(three_rows())));
    assert_in_order(
        &text,
        &[
            "INV-2026-0042",
            "Café Müller & Söhne",
            "Architecture review of the",
            "Travel expenses (flat rate)",
            "Licence fee, December",
            "Total",
            "1,200.00 EUR",
            "IBAN DE89",
            "Page 1 of 1",
        ],
    );
    assert!(text.contains("Hauptstraße 1"));

    let long = pdftotext(&render(&invoice(many_rows(200))));
    let rows: Vec<String> = (0..200).map(|i| format!("Item {i:03} widget")).collect();
    let mut parts: Vec<&str> = vec!["INV-2026-0042", "Café Müller & Söhne"];
    parts.extend(rows.iter().map(String::as_str));
    parts.extend(["1,200.00 EUR", "Page 6 of 6"]);
    assert_in_order(&long, &parts);

    let euro = pdftotext(&render(&invoice(vec![vec![
        "Euro € (x) back\\slash 漢".into()
    ]])));
    assert!(euro.contains("Euro € (x) back\\slash ?"), "{euro}");
}

#[test]
fn qpdf_finds_the_structure_sound() {
    if !tool("qpdf") {
        println!("SKIPPED: qpdf is not installed");
        return;
    }
    let docs = [
        invoice(three_rows()),
        invoice(many_rows(200)),
        BusinessDocument::default(),
    ];
    for doc in docs {
        let file = temp_pdf(&render(&doc));
        let out = Command::new("qpdf")
            .arg("--check")
            .arg(file.path())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.contains("No syntax or stream encoding errors found"),
            "{stdout}"
        );
    }
}

// --- Property ----------------------------------------------------------------------------

fn any_text(max: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::string::string_regex(&format!("\\PC{{0,{max}}}")).unwrap(),
        proptest::string::string_regex(&format!("[ a-zA-Z0-9()\\\\€éß漢\n\t]{{0,{max}}}")).unwrap(),
        // Long words that have to be cut (at most `max` characters in all).
        proptest::string::string_regex(&format!(
            "([A-Za-z@W]{{{},{}}} ?){{1,2}}",
            max / 4,
            max / 2 - 1
        ))
        .unwrap(),
    ]
}

fn any_document() -> impl Strategy<Value = BusinessDocument> {
    let head = (
        any_text(30),
        any_text(30),
        any_text(40),
        proptest::collection::vec(any_text(40), 0..5),
        any_text(40),
        proptest::collection::vec(any_text(40), 0..5),
        proptest::collection::vec((any_text(20), any_text(30)), 0..5),
    );
    // The description column keeps at least a seventh of the width, so that a row of up
    // to 240 characters stays shorter than a page and its text reads back in one piece.
    // Other columns get any width, zero and negative included.
    let columns = (
        2.0f32..6.0,
        proptest::collection::vec((any_text(12), -1.0f32..3.0), 0..4),
    );
    let rows = proptest::collection::vec(
        (any_text(240), proptest::collection::vec(any_text(14), 0..5)),
        0..300,
    );
    let tail = (
        proptest::collection::vec((any_text(30), any_text(20), any::<bool>()), 0..5),
        proptest::collection::vec(any_text(300), 0..4),
        any_text(240),
    );
    (head, columns, rows, tail).prop_map(
        |(
            (title, number, issuer, issuer_lines, recipient, recipient_lines, meta),
            (first, others),
            rows,
            (totals, notes, footer),
        )| {
            let mut columns = vec![Column::left("Description", first)];
            columns.extend(others.into_iter().map(|(h, w)| Column::right(h, w)));
            BusinessDocument {
                title,
                number,
                issuer: PartyBlock::new(issuer, issuer_lines),
                recipient: PartyBlock::new(recipient, recipient_lines),
                meta,
                columns,
                rows: rows
                    .into_iter()
                    .map(|(d, mut rest)| {
                        rest.insert(0, d);
                        rest
                    })
                    .collect(),
                totals,
                notes,
                footer,
                creation_date: None,
            }
        },
    )
}

/// WinAnsi text without the spaces and line breaks that wrapping moves or drops.
fn squeezed(text: &[u8]) -> Vec<u8> {
    text.iter().copied().filter(|&b| b != b' ').collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn any_document_renders_with_every_description(doc in any_document()) {
        let pdf = render(&doc);
        assert_well_formed(&pdf);
        let all: Vec<u8> = pages_text(&pdf)
            .into_iter()
            .flatten()
            .flat_map(|s| squeezed(&s))
            .collect();
        for row in &doc.rows {
            let plain = row[0].replace(['\n', '\r', '\t'], " ");
            let expected = squeezed(&encode_win_ansi(&plain));
            prop_assert!(
                expected.is_empty() || find(&all, &expected, 0).is_some(),
                "description {:?} missing", row[0]
            );
        }
    }
}
