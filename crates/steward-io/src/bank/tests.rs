use super::*;

fn dec(s: &str) -> Decimal {
    parse_amount(s, '.', false).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 5, d).unwrap_or_default()
}

fn line(amount: &str, description: &str) -> StatementLine {
    StatementLine {
        format: Format::Csv,
        line: 2,
        occurrence: 0,
        booking_date: day(3),
        value_date: None,
        amount: dec(amount),
        currency: "EUR".into(),
        bank_ref: None,
        end_to_end_id: None,
        reference: None,
        counterparty_name: None,
        counterparty_iban: None,
        description: description.into(),
    }
}

fn statement(lines: Vec<StatementLine>) -> Statement {
    Statement {
        format: Format::Csv,
        account: AccountId::default(),
        currency: "EUR".into(),
        statement_id: None,
        start_date: None,
        end_date: None,
        opening: None,
        closing: None,
        lines,
    }
}

#[test]
fn error_display_names_line_and_column() {
    let e = StatementError::new(12, Some("amount"), "'x' is not a number");
    assert_eq!(e.to_string(), "line 12, column amount: 'x' is not a number");
    let e = StatementError::new(3, None, "not an OFX file");
    assert_eq!(e.to_string(), "line 3: not an OFX file");
}

#[test]
fn detects_formats_by_content() {
    assert_eq!(
        Format::detect(b"OFXHEADER:100\r\nDATA:OFXSGML"),
        Some(Format::Ofx)
    );
    assert_eq!(
        Format::detect(b"<?xml version=\"1.0\"?><?OFX OFXHEADER=\"200\"?><OFX>"),
        Some(Format::Ofx)
    );
    assert_eq!(
        Format::detect(b"\n<ofx><SIGNONMSGSRSV1>"),
        Some(Format::Ofx)
    );
    assert_eq!(
        Format::detect(b"<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08\">"),
        Some(Format::Camt053)
    );
    assert_eq!(Format::detect(b"Datum;Betrag\n01.01.2024;1,00"), None);
    assert_eq!(Format::detect(b""), None);
}

#[test]
fn identical_lines_get_distinct_stable_identities() {
    let mut s = statement(vec![
        line("-3.50", "Coffee"),
        line("-3.50", "Coffee"),
        line("-3.5", "Coffee  "),
        line("-4.00", "Coffee"),
    ]);
    s.number_occurrences();
    assert_eq!(
        s.lines.iter().map(|l| l.occurrence).collect::<Vec<_>>(),
        [0, 1, 2, 0]
    );
    let ids = s.identities_for("DE89370400440532013000");
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 4);
    // The same lines read again give the same identities.
    let mut again = s.clone();
    again.number_occurrences();
    assert_eq!(again.identities_for("DE89370400440532013000"), ids);
    // Another account, other identities.
    assert_ne!(s.identities_for("DE02120300000000202051"), ids);
    // A line's identity is the hash as documented: 64 hex digits.
    assert!(ids
        .iter()
        .all(|i| i.len() == 64 && i.bytes().all(|b| b.is_ascii_hexdigit())));
}

#[test]
fn identities_from_bank_references() {
    let mut a = line("1.00", "x");
    a.format = Format::Ofx;
    a.bank_ref = Some("A:1#2%".into());
    let mut s = statement(vec![a.clone(), a.clone()]);
    s.number_occurrences();
    assert_eq!(
        s.identities_for("12:34"),
        [
            "ofx:12%3A34:2024-05-03:A%3A1%232%25",
            "ofx:12%3A34:2024-05-03:A%3A1%232%25#1"
        ]
    );
    // Escaping keeps a repeated reference apart from a reference ending in `#1`.
    let mut b = a.clone();
    b.bank_ref = Some("A:1#2%#1".into());
    assert_ne!(b.identity("12:34"), s.lines[1].identity("12:34"));
}

#[test]
fn account_keys() {
    let iban = AccountId {
        number: "DE89370400440532013000".into(),
        is_iban: true,
        bank_id: Some("COBADEFFXXX".into()),
    };
    assert_eq!(iban.key(), "DE89370400440532013000");
    let other = AccountId {
        number: "123".into(),
        is_iban: false,
        bank_id: Some("021000021".into()),
    };
    assert_eq!(other.key(), "021000021/123");
}

#[test]
fn balances_add_up_only_when_both_are_known() {
    let mut s = statement(vec![line("-3.50", "a"), line("10", "b")]);
    assert_eq!(s.balances_add_up(), None);
    s.opening = Some(Balance {
        date: day(1),
        amount: dec("100.00"),
    });
    assert_eq!(s.balances_add_up(), None);
    s.closing = Some(Balance {
        date: day(31),
        amount: dec("106.5"),
    });
    assert_eq!(s.balances_add_up(), Some(true));
    s.lines.pop();
    assert_eq!(s.balances_add_up(), Some(false));
}

#[test]
fn csv_needs_a_mapping() {
    let e = read(b"a;b\n1;2\n", Format::Csv, None).expect_err("no mapping");
    assert_eq!(e.line, 1);
    assert!(e.message.contains("mapping"), "{e}");
}

#[test]
fn ibans_and_currencies() {
    assert_eq!(
        normalize_iban(" de89 3704 0044 0532 0130 00 ").as_deref(),
        Some("DE89370400440532013000")
    );
    assert_eq!(normalize_iban("  "), None);
    assert!(looks_like_iban("DE89370400440532013000"));
    assert!(!looks_like_iban("0532013000"));
    assert!(!looks_like_iban("DEXX370400440532013000"));
    assert_eq!(currency_code(" eur ").as_deref(), Some("EUR"));
    assert_eq!(currency_code("€"), None);
    assert_eq!(currency_code("EURO"), None);
}
