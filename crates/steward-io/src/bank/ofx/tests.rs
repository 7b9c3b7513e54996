use super::*;

fn one(text: &str) -> Result<Statement, StatementError> {
    let mut all = read(text.as_bytes())?;
    assert_eq!(all.len(), 1, "one statement");
    Ok(all.remove(0).1)
}

/// A minimal OFX 1 statement around `trns` (transaction lines start on line 9).
fn sgml(trns: &str) -> String {
    format!(
        "OFXHEADER:100\nDATA:OFXSGML\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS>\n<CURDEF>EUR\n\
         <BANKACCTFROM><BANKID>1<ACCTID>DE89 3704 0044 0532 0130 00</BANKACCTFROM>\n\
         <BANKTRANLIST>\n<DTSTART>20240101\n{trns}</BANKTRANLIST>\n</STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n"
    )
}

#[test]
fn unclosed_leaves_and_empty_leaves() {
    let s = one(&sgml(
        "<STMTTRN>\n<TRNTYPE>DEBIT<DTPOSTED>20240102<TRNAMT>-1,5<FITID>f1<NAME><MEMO>paid\n</STMTTRN>\n",
    ))
    .expect("read");
    assert_eq!(s.account.number, "DE89370400440532013000");
    assert!(s.account.is_iban);
    assert_eq!(s.account.bank_id.as_deref(), Some("1"));
    assert_eq!(s.start_date, NaiveDate::from_ymd_opt(2024, 1, 1));
    assert_eq!(s.end_date, None);
    let l = &s.lines[0];
    assert_eq!(l.line, 9);
    assert_eq!(l.amount.to_string(), "-1.5");
    assert_eq!(l.counterparty_name, None);
    assert_eq!(l.description, "paid");
    assert_eq!(l.bank_ref.as_deref(), Some("f1"));
}

#[test]
fn closed_and_unclosed_leaves_mix() {
    // Some banks close some leaves; stray end tags of leaves are ignored.
    let s = one(&sgml(
        "<STMTTRN><TRNTYPE>CREDIT</TRNTYPE><DTPOSTED>20240102</DTPOSTED></DTPOSTED>\n\
         <TRNAMT>+7</TRNAMT><NAME>A &amp B &#233;&#x20AC;&bogus; <MEMO>m</STMTTRN>\n",
    ))
    .expect("read");
    let l = &s.lines[0];
    assert_eq!(l.amount.to_string(), "7");
    assert_eq!(l.counterparty_name.as_deref(), Some("A &amp B é€&bogus;"));
    assert_eq!(l.description, "m");
}

#[test]
fn dates_take_the_date_part() {
    for (text, want) in [
        ("20240229", Some((2024, 2, 29))),
        ("20240229120000", Some((2024, 2, 29))),
        ("20240229120000.123[-5:EST]", Some((2024, 2, 29))),
        ("20240229235959[+5.30:IST]", Some((2024, 2, 29))),
        ("20230229", None),
        ("2024022", None),
        ("2024-02-29", None),
        ("20240229x", Some((2024, 2, 29))),
        ("20240229<", None),
        ("2024022é", None),
        ("", None),
    ] {
        let want = want.and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d));
        assert_eq!(parse_date(text), want, "{text}");
    }
}

#[test]
fn errors_name_line_and_element() {
    let e = one(&sgml(
        "<STMTTRN>\n<DTPOSTED>20240102\n<TRNAMT>12.5.0\n</STMTTRN>\n",
    ))
    .expect_err("bad amount");
    assert_eq!((e.line, e.column.as_deref()), (11, Some("TRNAMT")), "{e}");

    let e = one(&sgml(
        "<STMTTRN>\n<DTPOSTED>2024-01-02\n<TRNAMT>1\n</STMTTRN>\n",
    ))
    .expect_err("bad date");
    assert_eq!((e.line, e.column.as_deref()), (10, Some("DTPOSTED")), "{e}");

    let e = one(&sgml("<STMTTRN>\n<DTPOSTED>20240102\n</STMTTRN>\n")).expect_err("no amount");
    assert_eq!(
        e.to_string(),
        "line 9, column TRNAMT: STMTTRN has no TRNAMT"
    );

    let e = one(&sgml("<STMTTRN>\n<DTPOSTED>20240102\n<TRNAMT>1\n")).expect_err("cut short");
    assert_eq!((e.line, e.column.as_deref()), (9, Some("STMTTRN")), "{e}");
    assert!(e.message.contains("not closed"), "{e}");

    let e = one(&sgml("").replace("<CURDEF>EUR", "<CURDEF>€")).expect_err("currency");
    assert_eq!((e.line, e.column.as_deref()), (5, Some("CURDEF")), "{e}");

    let e =
        one("OFXHEADER:100\n\n<OFX><SIGNONMSGSRSV1></SIGNONMSGSRSV1></OFX>").expect_err("empty");
    assert_eq!(e.column.as_deref(), Some("STMTRS"));

    let e = one("OFXHEADER:100\n<OFX>\n<BANKMSGSRSV1><STMTTRNRS><STATUS><CODE>2000<SEVERITY>ERROR<MESSAGE>Account closed</STATUS></STMTTRNRS></BANKMSGSRSV1></OFX>")
        .expect_err("status");
    assert_eq!(
        e.to_string(),
        "line 3, column STATUS: the bank answered with error code 2000: Account closed"
    );

    assert!(one("just text").is_err());
    assert!(one("<HTML><BODY>hi</BODY></HTML>").is_err());
    let e = one("<OFX><BANKMSGSRSV1 ").expect_err("unclosed tag");
    assert!(e.message.contains("'>'"), "{e}");
}

#[test]
fn nesting_is_bounded() {
    let deep = "<A>".repeat(10_000);
    let e = one(&format!("<OFX>{deep}")).expect_err("too deep");
    assert!(e.message.contains("nested"), "{e}");
    let closed = format!("<OFX>{}{}</OFX>", "<A>".repeat(60), "</A>".repeat(60));
    assert!(
        one(&closed).is_err(),
        "no statement, but no overflow either"
    );
}

#[test]
fn credit_card_and_line_currency() {
    let text = "<OFX><CREDITCARDMSGSRSV1><CCSTMTTRNRS><CCSTMTRS><CURDEF>usd\
        <CCACCTFROM><ACCTID>4111</CCACCTFROM><BANKTRANLIST>\
        <STMTTRN><DTPOSTED>20240102<TRNAMT>-5<CURRENCY><CURRATE>1.1<CURSYM>EUR</CURRENCY>\
        <BANKACCTTO><ACCTID>GB33 BUKB 2020 1555 5555 55</BANKACCTTO></STMTTRN>\
        </BANKTRANLIST><LEDGERBAL><BALAMT>-5<DTASOF>20240131</LEDGERBAL></CCSTMTRS>\
        </CCSTMTTRNRS></CREDITCARDMSGSRSV1></OFX>";
    let s = one(text).expect("read");
    assert_eq!(s.currency, "USD");
    assert_eq!(s.account.number, "4111");
    assert!(!s.account.is_iban);
    assert_eq!(s.lines[0].currency, "EUR");
    assert_eq!(
        s.lines[0].counterparty_iban.as_deref(),
        Some("GB33BUKB20201555555555")
    );
    assert_eq!(s.closing.map(|b| b.amount.to_string()), Some("-5".into()));
}

#[test]
fn comments_cdata_and_literal_less_than() {
    let s = one(&sgml(
        "<!-- a comment <STMTTRN> --><STMTTRN><DTPOSTED>20240102<TRNAMT>1\
         <NAME><![CDATA[A & <B>]]><MEMO>x < y</STMTTRN>\n",
    ))
    .expect("read");
    assert_eq!(s.lines.len(), 1);
    assert_eq!(s.lines[0].counterparty_name.as_deref(), Some("A & <B>"));
    assert_eq!(s.lines[0].description, "x < y");
}
