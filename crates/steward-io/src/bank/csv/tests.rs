use super::*;

fn mapping() -> CsvMapping {
    CsvMapping {
        date: "Date".into(),
        date_format: "%Y-%m-%d".into(),
        amount: Some("Amount".into()),
        description: vec!["Text".into()],
        ..CsvMapping::default()
    }
}

fn amounts(s: &Statement) -> Vec<String> {
    s.lines.iter().map(|l| l.amount.to_string()).collect()
}

#[test]
fn signed_amounts_grouping_and_parentheses() {
    let csv = "Date,Amount,Text\n\
               2024-01-02,\"1,234.56\",a\n\
               2024-01-03,(12.00),b\n\
               2024-01-04,-0.5,c\n";
    let s = read(csv.as_bytes(), &mapping()).expect("read");
    assert_eq!(amounts(&s), ["1234.56", "-12.00", "-0.5"]);
    assert_eq!(
        s.lines.iter().map(|l| l.line).collect::<Vec<_>>(),
        [2, 3, 4]
    );
    assert_eq!(s.currency, "");
    assert_eq!((s.opening, s.closing), (None, None));
}

#[test]
fn tabs_bom_windows_1252_and_case_insensitive_headers() {
    let mut bytes = b"\xEF\xBB\xBFdate\tamount\ttext\n2024-01-02\t1.00\tx\n".to_vec();
    let s = read(&bytes, &mapping()).expect("utf-8 with BOM");
    assert_eq!(s.lines[0].description, "x");
    bytes = b"Date;Amount;Text\n2024-01-02;1.00;Caf\xe9\n".to_vec();
    let s = read(&bytes, &mapping()).expect("windows-1252");
    assert_eq!(s.lines[0].description, "Café");
}

#[test]
fn given_delimiter_and_skipped_preamble() {
    let csv = "Account: 123, EUR\r\nPeriod: January\r\nDate|Amount|Text\r\n2024-01-02|1,5|x\r\n";
    let m = CsvMapping {
        delimiter: Some(b'|'),
        skip_rows: 2,
        decimal_comma: true,
        ..mapping()
    };
    let s = read(csv.as_bytes(), &m).expect("read");
    assert_eq!(amounts(&s), ["1.5"]);
    assert_eq!(s.lines[0].line, 4);
    // More lines to skip than the file has: nothing to read.
    let m = CsvMapping { skip_rows: 9, ..m };
    let e = read(csv.as_bytes(), &m).expect_err("empty");
    assert_eq!(e.line, 5, "{e}");
}

#[test]
fn debit_and_credit_columns() {
    let csv = "Date;Debit;Credit;Text\n\
               2024-01-02;12,50;;a\n\
               2024-01-03;-3,00;;b\n\
               2024-01-04;;1.000,00;c\n\
               2024-01-05;0,00;7,00;d\n\
               2024-01-06;0,00;;e\n";
    let m = CsvMapping {
        amount: None,
        debit: Some("Debit".into()),
        credit: Some("Credit".into()),
        decimal_comma: true,
        ..mapping()
    };
    let s = read(csv.as_bytes(), &m).expect("read");
    assert_eq!(amounts(&s), ["-12.50", "-3.00", "1000.00", "7.00", "0.00"]);

    let e = read(b"Date;Debit;Credit;Text\n2024-01-02;1,00;2,00;x\n", &m).expect_err("both");
    assert_eq!((e.line, e.column.as_deref()), (2, Some("Debit")), "{e}");
    let e = read(b"Date;Debit;Credit;Text\n2024-01-02;;;x\n", &m).expect_err("neither");
    assert_eq!((e.line, e.column.as_deref()), (2, Some("Debit")), "{e}");
    assert!(e.message.contains("both empty"), "{e}");
}

#[test]
fn errors_name_line_and_header() {
    let m = mapping();
    let e = read(b"Date,Amount,Text\n2024-01-02,1,a\n\n2024-13-01,1,b\n", &m).expect_err("date");
    assert_eq!(
        e.to_string(),
        "line 4, column Date: '2024-13-01' is not a date in the format %Y-%m-%d"
    );
    let e = read(b"Date,Amount,Text\n2024-01-02,$5,a\n", &m).expect_err("symbol");
    assert_eq!((e.line, e.column.as_deref()), (2, Some("Amount")), "{e}");
    let e = read(b"Date,Amount,Text\n2024-01-02,,a\n", &m).expect_err("empty");
    assert_eq!(e.to_string(), "line 2, column Amount: the amount is empty");
    let e = read(b"Date,Amount,Text\n,1,a\n", &m).expect_err("no date");
    assert_eq!(e.to_string(), "line 2, column Date: the date is empty");

    let e = read(b"\n\nDate,Betrag,Text\n", &m).expect_err("header");
    assert_eq!((e.line, e.column.as_deref()), (3, Some("Amount")), "{e}");
    assert!(e.message.contains("Date, Betrag, Text"), "{e}");

    let both = CsvMapping {
        debit: Some("Text".into()),
        ..mapping()
    };
    assert!(read(b"Date,Amount,Text\n", &both).is_err());
    let none = CsvMapping {
        amount: None,
        ..mapping()
    };
    assert!(read(b"Date,Amount,Text\n", &none).is_err());
    let no_format = CsvMapping {
        date_format: " ".into(),
        ..mapping()
    };
    assert!(read(b"Date,Amount,Text\n", &no_format).is_err());
    let bad_currency = CsvMapping {
        currency: Some("Euro".into()),
        ..mapping()
    };
    let e = read(b"Date,Amount,Text\n", &bad_currency).expect_err("currency");
    assert_eq!(e.column.as_deref(), Some("currency"));

    let e = read(b"Date,Amount,Text\n2024-01-02,1\n", &m).expect_err("ragged");
    assert_eq!(e.to_string(), "line 2: expected 3 columns, found 2");
}

#[test]
fn balances_from_a_running_balance_newest_first() {
    let csv = "Date,Amount,Text,Balance\n\
               2024-01-05,-10.00,b,90.00\n\
               2024-01-02,100.00,a,100.00\n";
    let m = CsvMapping {
        balance: Some("Balance".into()),
        currency: Some("usd".into()),
        ..mapping()
    };
    let s = read(csv.as_bytes(), &m).expect("read");
    assert_eq!(s.currency, "USD");
    assert_eq!(s.lines[0].currency, "USD");
    let opening = s.opening.expect("opening");
    assert_eq!(
        (opening.date.to_string(), opening.amount.to_string()),
        ("2024-01-02".into(), "0.00".into())
    );
    let closing = s.closing.expect("closing");
    assert_eq!(
        (closing.date.to_string(), closing.amount.to_string()),
        ("2024-01-05".into(), "90.00".into())
    );
    assert_eq!(s.balances_add_up(), Some(true));
}

#[test]
fn optional_columns() {
    let csv = "Date,Valuta,Amount,Text,Memo,Ref,Name,IBAN,Id\n\
               2024-01-02,2024-01-03,1,Transfer,  from  Bob ,RF18539007547034,Bob,gb33 bukb 2020 1555 5555 55,B-1\n\
               2024-01-02,,1,,,,,,\n";
    let m = CsvMapping {
        value_date: Some("Valuta".into()),
        description: vec!["Text".into(), "Memo".into()],
        reference: Some("Ref".into()),
        counterparty_name: Some("Name".into()),
        counterparty_iban: Some("IBAN".into()),
        bank_ref: Some("Id".into()),
        ..mapping()
    };
    let s = read(csv.as_bytes(), &m).expect("read");
    let l = &s.lines[0];
    assert_eq!(
        l.value_date.map(|d| d.to_string()).as_deref(),
        Some("2024-01-03")
    );
    assert_eq!(l.description, "Transfer from Bob");
    assert_eq!(l.reference.as_deref(), Some("RF18539007547034"));
    assert_eq!(l.counterparty_name.as_deref(), Some("Bob"));
    assert_eq!(
        l.counterparty_iban.as_deref(),
        Some("GB33BUKB20201555555555")
    );
    assert_eq!(l.bank_ref.as_deref(), Some("B-1"));
    let l = &s.lines[1];
    assert_eq!(
        (
            l.value_date,
            l.description.as_str(),
            &l.reference,
            &l.counterparty_name,
            &l.counterparty_iban,
            &l.bank_ref
        ),
        (None, "", &None, &None, &None, &None)
    );
}
