//! The bank statement readers on realistic sample files (tests/data/bank), every field
//! checked, and the errors a person would see for a broken file.

use chrono::NaiveDate;
use steward_io::bank::{
    parse_amount, read, read_all, AccountId, Balance, CsvMapping, Decimal, Format, Statement,
    StatementLine,
};

fn data(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/bank/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn dec(s: &str) -> Decimal {
    parse_amount(s, '.', false).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_else(|| panic!("{y}-{m}-{d}"))
}

fn some(s: &str) -> Option<String> {
    Some(s.to_string())
}

/// A line with every optional field empty, to fill in per test.
fn line(
    format: Format,
    line: usize,
    booking: NaiveDate,
    amount: &str,
    currency: &str,
) -> StatementLine {
    StatementLine {
        format,
        line,
        occurrence: 0,
        booking_date: booking,
        value_date: None,
        amount: dec(amount),
        currency: currency.to_string(),
        bank_ref: None,
        end_to_end_id: None,
        reference: None,
        counterparty_name: None,
        counterparty_iban: None,
        description: String::new(),
    }
}

fn read_ok(name: &str, format: Format, mapping: Option<&CsvMapping>) -> Statement {
    let bytes = data(name);
    assert_eq!(
        Format::detect(&bytes),
        (format != Format::Csv).then_some(format),
        "{name}"
    );
    read(&bytes, format, mapping).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Compares line by line first, so a failure shows the line that differs.
fn assert_statement(got: &Statement, want: &Statement) {
    assert_eq!(got.lines.len(), want.lines.len(), "number of lines");
    for (g, w) in got.lines.iter().zip(&want.lines) {
        assert_eq!(g, w);
        assert_eq!(
            g.amount.scale(),
            w.amount.scale(),
            "decimals of line {}",
            w.line
        );
    }
    assert_eq!(got, want);
}

#[test]
fn ofx_1_sgml_windows_1252() {
    let s = read_ok("ofx102-sgml-cp1252.ofx", Format::Ofx, None);
    let f = Format::Ofx;
    let want = Statement {
        format: f,
        account: AccountId {
            number: "0532013000".into(),
            is_iban: false,
            bank_id: some("37040044"),
        },
        currency: "EUR".into(),
        statement_id: None,
        start_date: Some(date(2024, 3, 1)),
        end_date: Some(date(2024, 3, 31)),
        opening: None,
        closing: Some(Balance {
            date: date(2024, 3, 31),
            amount: dec("3387.50"),
        }),
        lines: vec![
            StatementLine {
                value_date: Some(date(2024, 3, 2)),
                bank_ref: some("2024030400001"),
                counterparty_name: some("Café Müller"),
                description: "Kartenzahlung € 2 Kaffee".into(),
                ..line(f, 39, date(2024, 3, 4), "-12.50", "EUR")
            },
            StatementLine {
                bank_ref: some("2024031500002"),
                reference: some("INV-2024-117"),
                counterparty_name: some("AT&T Services & Co"),
                // The empty MEMO gives way to the name.
                description: "AT&T Services & Co".into(),
                ..line(f, 48, date(2024, 3, 15), "2500.00", "EUR")
            },
            StatementLine {
                bank_ref: some("2024032000003"),
                reference: some("1234"),
                counterparty_name: some("Stadtwerke Bonn <Nord>"),
                description: "Abschlag März".into(),
                ..line(f, 57, date(2024, 3, 20), "-100", "EUR")
            },
        ],
    };
    assert_statement(&s, &want);
    assert_eq!(s.balances_add_up(), None);
    assert_eq!(
        s.identities(),
        [
            "ofx:37040044/0532013000:2024-03-04:2024030400001",
            "ofx:37040044/0532013000:2024-03-15:2024031500002",
            "ofx:37040044/0532013000:2024-03-20:2024032000003",
        ]
    );
}

#[test]
fn ofx_2_xml_credit_card() {
    let s = read_ok("ofx220-xml-creditcard.ofx", Format::Ofx, None);
    let f = Format::Ofx;
    let want = Statement {
        format: f,
        account: AccountId {
            number: "4111111111111111".into(),
            is_iban: false,
            bank_id: None,
        },
        currency: "USD".into(),
        statement_id: None,
        start_date: Some(date(2024, 3, 1)),
        end_date: Some(date(2024, 3, 31)),
        opening: None,
        closing: Some(Balance {
            date: date(2024, 3, 31),
            amount: dec("-250.00"),
        }),
        lines: vec![
            StatementLine {
                value_date: Some(date(2024, 3, 4)),
                bank_ref: some("320240305000123"),
                counterparty_name: some("Crème & Brûlée Bakery"),
                description: "Order #77 <pickup>".into(),
                ..line(f, 23, date(2024, 3, 5), "-42.17", "USD")
            },
            StatementLine {
                bank_ref: some("320240311000456"),
                counterparty_name: some("Office Supplies Inc."),
                description: "Office Supplies Inc.".into(),
                ..line(f, 32, date(2024, 3, 11), "-1299.00", "USD")
            },
            StatementLine {
                bank_ref: some("320240325000789"),
                counterparty_name: some("PAYMENT - THANK YOU"),
                description: "PAYMENT - THANK YOU".into(),
                ..line(f, 40, date(2024, 3, 25), "1341.17", "USD")
            },
        ],
    };
    assert_statement(&s, &want);
}

#[test]
fn camt053_001_02_with_batch_debit_rf_and_pending() {
    let s = read_ok("camt053-001-02.xml", Format::Camt053, None);
    let f = Format::Camt053;
    let want = Statement {
        format: f,
        account: AccountId {
            number: "DE89370400440532013000".into(),
            is_iban: true,
            bank_id: some("COBADEFFXXX"),
        },
        currency: "EUR".into(),
        statement_id: some("0352C5320240331000001"),
        start_date: Some(date(2024, 3, 1)),
        end_date: Some(date(2024, 3, 31)),
        opening: Some(Balance {
            date: date(2024, 3, 1),
            amount: dec("10000.00"),
        }),
        closing: Some(Balance {
            date: date(2024, 3, 31),
            amount: dec("9259.95"),
        }),
        lines: vec![
            // The batch: one line per transaction, each with its own amount.
            StatementLine {
                value_date: Some(date(2024, 3, 4)),
                bank_ref: some("2024030412345678"),
                end_to_end_id: some("E2E-A-001"),
                reference: some("Rechnung 2024-001"),
                counterparty_name: some("Müller & Söhne GmbH"),
                counterparty_iban: some("DE02120300000000202051"),
                description: "Rechnung 2024-001".into(),
                ..line(f, 78, date(2024, 3, 4), "200.00", "EUR")
            },
            StatementLine {
                occurrence: 1,
                value_date: Some(date(2024, 3, 4)),
                bank_ref: some("2024030412345678"),
                end_to_end_id: None,
                reference: some("Invoice 2024-002 <partial>"),
                counterparty_name: some("Weber KG"),
                counterparty_iban: some("DE75512108001245126199"),
                description: "Invoice 2024-002 <partial>".into(),
                ..line(f, 102, date(2024, 3, 4), "150.00", "EUR")
            },
            // A debit: the creditor is the counterparty.
            StatementLine {
                value_date: Some(date(2024, 3, 11)),
                bank_ref: some("2024031098765432"),
                end_to_end_id: some("PO-4711"),
                reference: some("Rechnung 88/2024 Kd-Nr 123"),
                counterparty_name: some("Bürobedarf Schmidt KG"),
                counterparty_iban: some("DE75512108001245126199"),
                description: "Rechnung 88/2024 Kd-Nr 123".into(),
                ..line(f, 128, date(2024, 3, 10), "-1190.00", "EUR")
            },
            // A structured creditor reference; no AcctSvcrRef, so the NtryRef.
            StatementLine {
                value_date: Some(date(2024, 3, 15)),
                bank_ref: some("000042"),
                reference: some("RF18539007547034"),
                counterparty_name: some("Jane Doe"),
                counterparty_iban: some("GB33BUKB20201555555555"),
                description: "SEPA-GUTSCHRIFT".into(),
                ..line(f, 162, date(2024, 3, 15), "99.95", "EUR")
            },
            // The pending entry is skipped.
        ],
    };
    assert_statement(&s, &want);
    assert_eq!(s.balances_add_up(), Some(true));
    let ids = s.identities();
    assert_eq!(
        ids[0],
        "camt:DE89370400440532013000:2024-03-04:2024030412345678"
    );
    assert_eq!(
        ids[1],
        "camt:DE89370400440532013000:2024-03-04:2024030412345678#1"
    );
    assert_eq!(ids[3], "camt:DE89370400440532013000:2024-03-15:000042");
}

#[test]
fn camt053_001_08_parties_status_codes_and_previous_closing() {
    let s = read_ok("camt053-001-08.xml", Format::Camt053, None);
    let f = Format::Camt053;
    let want = Statement {
        format: f,
        account: AccountId {
            number: "1234567890".into(),
            is_iban: false,
            bank_id: some("UBSWCHZH80A"),
        },
        currency: "CHF".into(),
        statement_id: some("STMT-2024-04"),
        start_date: None,
        end_date: None,
        // No OPBD: the previous closing balance (PRCD) opens, here overdrawn.
        opening: Some(Balance {
            date: date(2024, 3, 31),
            amount: dec("-1500.00"),
        }),
        closing: Some(Balance {
            date: date(2024, 4, 30),
            amount: dec("188.00"),
        }),
        lines: vec![
            StatementLine {
                value_date: Some(date(2024, 4, 3)),
                bank_ref: some("TXREF-1"),
                end_to_end_id: some("E2E-8"),
                reference: some("Invoice 2024-17"),
                counterparty_name: some("Acme Corp"),
                counterparty_iban: some("NL91ABNA0417164300"),
                description: "Invoice 2024-17".into(),
                ..line(f, 48, date(2024, 4, 2), "2000.00", "CHF")
            },
            StatementLine {
                value_date: Some(date(2024, 4, 30)),
                bank_ref: some("NR-2"),
                description: "Kontoführungsgebühr April".into(),
                ..line(f, 88, date(2024, 4, 30), "-12.00", "CHF")
            },
            // A batch whose transactions have no amounts of their own: one line.
            StatementLine {
                bank_ref: some("BATCH-7"),
                description: "Sammelauftrag 2 Posten".into(),
                ..line(f, 103, date(2024, 4, 15), "-300.00", "CHF")
            },
        ],
    };
    assert_statement(&s, &want);
    assert_eq!(s.balances_add_up(), Some(true));
    assert_eq!(
        s.identities()[0],
        "camt:UBSWCHZH80A/1234567890:2024-04-02:TXREF-1"
    );
    // The account key names the bank when the number is not an IBAN.
    assert_eq!(s.account.key(), "UBSWCHZH80A/1234567890");
}

fn giro_mapping() -> CsvMapping {
    CsvMapping {
        date: "Buchungstag".into(),
        date_format: "%d.%m.%Y".into(),
        debit: some("Soll"),
        credit: some("Haben"),
        description: vec!["Buchungstext".into(), "Verwendungszweck".into()],
        reference: some("Kundenreferenz"),
        counterparty_name: some("Auftraggeber/Empfänger"),
        counterparty_iban: some("IBAN"),
        value_date: some("Valuta"),
        balance: some("Saldo"),
        decimal_comma: true,
        skip_rows: 4,
        currency: some("EUR"),
        ..CsvMapping::default()
    }
}

#[test]
fn csv_semicolons_decimal_comma_debit_credit() {
    let m = giro_mapping();
    let s = read_ok("giro-semicolon-decimal-comma.csv", Format::Csv, Some(&m));
    let f = Format::Csv;
    let customer = StatementLine {
        value_date: Some(date(2024, 3, 5)),
        counterparty_name: some("Kunde AG"),
        counterparty_iban: some("DE75512108001245126199"),
        description: "Gutschrift Rechnung 2024-001".into(),
        ..line(f, 8, date(2024, 3, 4), "2380.00", "EUR")
    };
    let want = Statement {
        format: f,
        account: AccountId::default(),
        currency: "EUR".into(),
        statement_id: None,
        start_date: None,
        end_date: None,
        opening: Some(Balance {
            date: date(2024, 3, 1),
            amount: dec("10000.00"),
        }),
        closing: Some(Balance {
            date: date(2024, 3, 12),
            amount: dec("13464.33"),
        }),
        lines: vec![
            StatementLine {
                value_date: Some(date(2024, 3, 1)),
                reference: some("REF-001"),
                counterparty_name: some("Miete GmbH"),
                counterparty_iban: some("DE02120300000000202051"),
                description: "Dauerauftrag Miete März; Büro 3".into(),
                ..line(f, 6, date(2024, 3, 1), "-1250.00", "EUR")
            },
            customer.clone(),
            // The same line again (a second identical payment): its occurrence tells it apart.
            StatementLine {
                line: 9,
                occurrence: 1,
                ..customer
            },
            StatementLine {
                counterparty_name: some("Tankstelle Süd"),
                description: "Kartenzahlung".into(),
                ..line(f, 11, date(2024, 3, 12), "-45.67", "EUR")
            },
        ],
    };
    assert_statement(&s, &want);
    assert_eq!(s.balances_add_up(), Some(true));
    let ids = s.identities_for("DE89370400440532013000");
    assert!(ids
        .iter()
        .all(|i| i.len() == 64 && i.bytes().all(|b| b.is_ascii_hexdigit())));
    assert_ne!(ids[1], ids[2]);
    let again = read(
        &data("giro-semicolon-decimal-comma.csv"),
        Format::Csv,
        Some(&m),
    )
    .expect("second read");
    assert_eq!(again.identities_for("DE89370400440532013000"), ids);
    // The mapping is saved as JSON and comes back the same.
    let json = serde_json::to_string(&m).expect("json");
    let back: CsvMapping = serde_json::from_str(&json).expect("from json");
    assert_eq!(back, m);
    // A mapping saved before a field existed still loads.
    let old: CsvMapping =
        serde_json::from_str(r#"{"date":"Datum","date_format":"%Y-%m-%d","amount":"Betrag"}"#)
            .expect("old json");
    assert_eq!(old.amount.as_deref(), Some("Betrag"));
    assert_eq!(old.skip_rows, 0);
}

#[test]
fn a_bad_amount_names_its_line_and_column() {
    // OFX: the second transaction's amount, on line 51.
    let mut ofx = String::from_utf8_lossy(&data("ofx102-sgml-cp1252.ofx")).into_owned();
    ofx = ofx.replace("<TRNAMT>2500.00", "<TRNAMT>2,500.00");
    let e = read(ofx.as_bytes(), Format::Ofx, None).expect_err("bad amount");
    assert_eq!((e.line, e.column.as_deref()), (51, Some("TRNAMT")), "{e}");
    assert!(
        e.to_string()
            .starts_with("line 51, column TRNAMT: '2,500.00'"),
        "{e}"
    );

    // CAMT: the debit's amount, on line 129.
    let camt = String::from_utf8_lossy(&data("camt053-001-02.xml")).replace(
        "<Amt Ccy=\"EUR\">1190.00</Amt>",
        "<Amt Ccy=\"EUR\">1.190,00</Amt>",
    );
    let e = read(camt.as_bytes(), Format::Camt053, None).expect_err("bad amount");
    assert_eq!((e.line, e.column.as_deref()), (129, Some("Amt")), "{e}");

    // CSV: a currency symbol in the credit column of the row on line 8.
    let csv = String::from_utf8_lossy(&data("giro-semicolon-decimal-comma.csv")).replacen(
        ";2.380,00;",
        ";2.380,00 €;",
        1,
    );
    let e = read(csv.as_bytes(), Format::Csv, Some(&giro_mapping())).expect_err("bad amount");
    assert_eq!((e.line, e.column.as_deref()), (8, Some("Haben")), "{e}");
    assert!(e.message.contains("currency symbol"), "{e}");
}

#[test]
fn a_missing_required_element_is_named() {
    let ofx = String::from_utf8_lossy(&data("ofx102-sgml-cp1252.ofx"))
        .replace("<DTPOSTED>20240315\r\n", "");
    let e = read(ofx.as_bytes(), Format::Ofx, None).expect_err("no DTPOSTED");
    assert_eq!(
        e.to_string(),
        "line 48, column DTPOSTED: STMTTRN has no DTPOSTED"
    );

    let camt = String::from_utf8_lossy(&data("camt053-001-02.xml")).replace(
        "<CdtDbtInd>DBIT</CdtDbtInd>\n        <Sts>BOOK</Sts>",
        "<Sts>BOOK</Sts>",
    );
    let e = read(camt.as_bytes(), Format::Camt053, None).expect_err("no CdtDbtInd");
    assert_eq!(
        e.to_string(),
        "line 128, column CdtDbtInd: Ntry has no CdtDbtInd"
    );

    let mut m = giro_mapping();
    m.reference = some("Kundenref");
    let e = read(
        &data("giro-semicolon-decimal-comma.csv"),
        Format::Csv,
        Some(&m),
    )
    .expect_err("no such column");
    assert_eq!((e.line, e.column.as_deref()), (5, Some("Kundenref")), "{e}");
}

#[test]
fn several_statements_in_one_file() {
    let camt = String::from_utf8_lossy(&data("camt053-001-08.xml")).into_owned();
    let start = camt.find("<Stmt>").expect("Stmt");
    let end = camt.find("</Stmt>").expect("/Stmt") + "</Stmt>".len();
    let twice = format!("{}\n{}", &camt[..end], &camt[start..]);
    let all = read_all(twice.as_bytes(), Format::Camt053, None).expect("two");
    assert_eq!(all.len(), 2);
    let second_start = 1 + twice[..end + 1].matches('\n').count();
    let shift = second_start - 8;
    assert_eq!(all[0].lines.len(), all[1].lines.len());
    for (a, b) in all[0].lines.iter().zip(&all[1].lines) {
        assert_eq!(b.line, a.line + shift);
        assert_eq!(
            StatementLine {
                line: a.line,
                ..b.clone()
            },
            *a
        );
    }
    let e = read(twice.as_bytes(), Format::Camt053, None).expect_err("two statements");
    assert_eq!((e.line, e.column.as_deref()), (second_start, Some("Stmt")));
    assert!(e.message.contains("2 statements"), "{e}");
}

#[test]
fn every_sample_is_read_the_same_twice() {
    for (name, format) in [
        ("ofx102-sgml-cp1252.ofx", Format::Ofx),
        ("ofx220-xml-creditcard.ofx", Format::Ofx),
        ("camt053-001-02.xml", Format::Camt053),
        ("camt053-001-08.xml", Format::Camt053),
        ("giro-semicolon-decimal-comma.csv", Format::Csv),
    ] {
        let m = giro_mapping();
        let a = read(&data(name), format, Some(&m)).expect(name);
        let b = read(&data(name), format, Some(&m)).expect(name);
        let ids = a.identities();
        assert_eq!(ids, b.identities());
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), ids.len(), "{name}: identities are distinct");
    }
}
