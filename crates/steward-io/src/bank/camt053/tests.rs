use super::*;

/// A statement of version `v` around `entries` (which start on line 6).
fn doc(v: &str, entries: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.{v}\">\n\
         <BkToCstmrStmt><Stmt><Id>S1</Id>\n\
         <Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>\n\
         <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2024-01-01</Dt></Dt></Bal>\n\
         {entries}</Stmt></BkToCstmrStmt></Document>\n"
    )
}

fn entry(amt: &str, ind: &str, sts: &str, rest: &str) -> String {
    format!(
        "<Ntry><Amt Ccy=\"EUR\">{amt}</Amt><CdtDbtInd>{ind}</CdtDbtInd><Sts>{sts}</Sts>\
         <BookgDt><Dt>2024-01-05</Dt></BookgDt>{rest}</Ntry>\n"
    )
}

fn one(text: &str) -> Result<Statement, StatementError> {
    let mut all = read(text.as_bytes())?;
    assert_eq!(all.len(), 1, "one statement");
    Ok(all.remove(0).1)
}

#[test]
fn status_as_text_or_code_and_skipped_states() {
    let entries = [
        entry("1.00", "CRDT", "BOOK", ""),
        entry("2.00", "DBIT", "<Cd>BOOK</Cd>", ""),
        entry("3.00", "DBIT", "PDNG", ""),
        entry("4.00", "DBIT", "<Cd>INFO</Cd>", ""),
        entry("5.00", "DBIT", "<Cd>FUTR</Cd>", ""),
    ]
    .concat();
    let s = one(&doc("04", &entries)).expect("read");
    let got: Vec<(usize, String)> = s
        .lines
        .iter()
        .map(|l| (l.line, l.amount.to_string()))
        .collect();
    assert_eq!(got, [(6, "1.00".to_string()), (7, "-2.00".to_string())]);
    assert_eq!(s.opening.map(|b| b.amount.to_string()), Some("1.00".into()));
    assert_eq!(s.closing, None);
    assert_eq!(s.balances_add_up(), None);

    let e = one(&doc("04", &entry("1.00", "CRDT", "WHAT", ""))).expect_err("status");
    assert_eq!((e.line, e.column.as_deref()), (6, Some("Sts")), "{e}");
}

#[test]
fn a_batch_whose_amounts_do_not_add_up_is_one_line() {
    let txs = "<NtryDtls>\
        <TxDtls><AmtDtls><TxAmt><Amt Ccy=\"EUR\">1.00</Amt></TxAmt></AmtDtls></TxDtls>\
        <TxDtls><AmtDtls><TxAmt><Amt Ccy=\"EUR\">1.50</Amt></TxAmt></AmtDtls></TxDtls>\
        </NtryDtls><AddtlNtryInf>two</AddtlNtryInf>";
    let s = one(&doc("02", &entry("3.00", "CRDT", "BOOK", txs))).expect("read");
    assert_eq!(s.lines.len(), 1);
    assert_eq!(s.lines[0].amount.to_string(), "3.00");
    assert_eq!(s.lines[0].description, "two");

    // Mixed signs inside a batch (a return among credits) are summed with their signs.
    let txs = "<NtryDtls>\
        <TxDtls><Amt Ccy=\"EUR\">5.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></TxDtls>\
        <TxDtls><Amt Ccy=\"EUR\">2.00</Amt><CdtDbtInd>DBIT</CdtDbtInd></TxDtls>\
        </NtryDtls>";
    let s = one(&doc("08", &entry("3.00", "CRDT", "<Cd>BOOK</Cd>", txs))).expect("read");
    let got: Vec<String> = s.lines.iter().map(|l| l.amount.to_string()).collect();
    assert_eq!(got, ["5.00", "-2.00"]);
}

#[test]
fn errors_name_line_and_element() {
    let e = one(&doc("02", &entry("-1.00", "CRDT", "BOOK", ""))).expect_err("negative");
    assert_eq!((e.line, e.column.as_deref()), (6, Some("Amt")), "{e}");
    assert!(e.message.contains("CdtDbtInd"), "{e}");

    let e = one(&doc("02", &entry("1.00", "CRDIT", "BOOK", ""))).expect_err("indicator");
    assert_eq!(e.column.as_deref(), Some("CdtDbtInd"), "{e}");

    let bad_date = entry("1.00", "CRDT", "BOOK", "").replace("2024-01-05", "05.01.2024");
    let e = one(&doc("02", &bad_date)).expect_err("date");
    assert_eq!((e.line, e.column.as_deref()), (6, Some("Dt")), "{e}");

    let no_ccy = entry("1.00", "CRDT", "BOOK", "").replace(" Ccy=\"EUR\"", "");
    let e = one(&doc("02", &no_ccy)).expect_err("currency");
    assert_eq!(e.column.as_deref(), Some("Amt"), "{e}");

    let no_date =
        entry("1.00", "CRDT", "BOOK", "").replace("<BookgDt><Dt>2024-01-05</Dt></BookgDt>", "");
    let e = one(&doc("02", &no_date)).expect_err("no date");
    assert_eq!(e.to_string(), "line 6, column BookgDt: Ntry has no BookgDt");

    let no_acct = doc("02", "").replace("<IBAN>DE89370400440532013000</IBAN>", "");
    let e = one(&no_acct).expect_err("no account");
    assert_eq!(e.to_string(), "line 4, column Id/Othr: Acct has no Id/Othr");

    let e = one(&doc("02", "").replace("</Stmt>", "")).expect_err("not well-formed");
    assert!(e.message.contains("XML"), "{e}");

    let e = one(&doc("02", "<Ntry>&foo;</Ntry>")).expect_err("entity");
    assert!(e.message.contains("&foo;"), "{e}");

    let camt054 = doc("02", "").replace("camt.053", "camt.054");
    let e = one(&camt054).expect_err("wrong message");
    assert_eq!((e.line, e.column.as_deref()), (2, Some("Document")), "{e}");

    let e = one(&doc("02", "")
        .replace(" xmlns=", " xmlns:x=")
        .replace("urn:iso", "urn:other"))
    .expect_err("no namespace");
    assert_eq!(e.column.as_deref(), Some("Document"), "{e}");

    let e =
        read(b"<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">\xff</Document>")
            .expect_err("latin-1");
    assert!(e.message.contains("UTF-8"), "{e}");
}

#[test]
fn prefixed_names_entities_and_datetimes() {
    let text = "<?xml version=\"1.0\"?>\n<n:Document xmlns:n=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.06\">\
        <n:BkToCstmrStmt><n:Stmt><n:Acct><n:Id><n:IBAN>de89 3704 0044 0532 0130 00</n:IBAN></n:Id></n:Acct>\n\
        <n:Ntry><n:Amt Ccy=\"CHF\">1</n:Amt><n:CdtDbtInd>DBIT</n:CdtDbtInd><n:Sts>BOOK</n:Sts>\
        <n:BookgDt><n:DtTm>2024-02-29T23:30:00.000-05:00</n:DtTm></n:BookgDt>\
        <n:NtryDtls><n:TxDtls><n:RmtInf><n:Ustrd>a &amp; b &#x3C;c&#62;</n:Ustrd><n:Ustrd><![CDATA[<d>]]></n:Ustrd></n:RmtInf>\
        <n:RltdPties><n:Cdtr><n:Nm>x&apos;y</n:Nm></n:Cdtr></n:RltdPties></n:TxDtls></n:NtryDtls></n:Ntry>\
        </n:Stmt></n:BkToCstmrStmt></n:Document>";
    let s = one(text).expect("read");
    // No Acct/Ccy: the first entry's currency.
    assert_eq!(s.currency, "CHF");
    assert_eq!(s.account.number, "DE89370400440532013000");
    let l = &s.lines[0];
    assert_eq!(l.line, 3);
    assert_eq!(
        l.booking_date,
        NaiveDate::from_ymd_opt(2024, 2, 29).unwrap_or_default()
    );
    assert_eq!(l.description, "a & b <c> <d>");
    assert_eq!(l.reference.as_deref(), Some("a & b <c> <d>"));
    assert_eq!(l.counterparty_name.as_deref(), Some("x'y"));
    assert_eq!(l.amount.to_string(), "-1");
}

#[test]
fn nesting_is_bounded() {
    let deep = format!("{}{}", "<a>".repeat(5000), "</a>".repeat(5000));
    let e = one(&doc("02", &deep)).expect_err("too deep");
    assert!(e.message.contains("nested"), "{e}");
}
