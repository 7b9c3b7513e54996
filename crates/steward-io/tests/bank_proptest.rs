//! Property tests for the bank statement readers: generated statements written as OFX (1.x
//! SGML and 2.x XML) and CAMT.053 (.02 and .08 style) read back as generated, identities are
//! stable and distinct, and no input makes a reader panic.

use chrono::NaiveDate;
use proptest::prelude::*;
use steward_io::bank::{
    read, AccountId, Balance, CsvMapping, Decimal, Format, Statement, StatementLine,
};

/// A generated line: what a writer needs besides the model.
#[derive(Clone, Debug)]
struct Gen {
    booking: NaiveDate,
    value: Option<NaiveDate>,
    amount: Decimal,
    bank_ref: Option<String>,
    end_to_end: Option<String>,
    name: Option<String>,
    iban: Option<String>,
    /// OFX: MEMO. CAMT: Ustrd.
    text: Option<String>,
    /// OFX: REFNUM. CAMT: the structured creditor reference.
    reference: Option<String>,
    /// CAMT: AddtlNtryInf (OFX: ignored).
    extra: String,
    /// CAMT: written as a pending entry, to be skipped.
    pending: bool,
}

fn arb_date() -> impl Strategy<Value = NaiveDate> {
    (0i64..20_000).prop_map(|d| {
        NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default() + chrono::Duration::days(d)
    })
}

fn arb_amount() -> impl Strategy<Value = Decimal> {
    (-10_000_000_000i64..10_000_000_000, 0u8..5)
        .prop_map(|(m, s)| Decimal::new(i128::from(m), s).unwrap_or_default())
}

/// Text with markup characters, entities-to-be, quotes and non-ASCII, trimmed, not empty.
fn arb_text() -> impl Strategy<Value = String> {
    "[A-Za-z0-9&<>\"';#%/ äöüß€é-]{1,24}"
        .prop_map(|s| s.trim().to_string())
        .prop_filter("not blank", |s| !s.is_empty())
}

fn arb_iban() -> impl Strategy<Value = String> {
    "[A-Z]{2}[0-9]{2}[A-Z0-9]{11,20}"
}

fn arb_gen() -> impl Strategy<Value = Gen> {
    (
        (arb_date(), proptest::option::of(arb_date()), arb_amount()),
        (
            proptest::option::of("[A-Za-z0-9&<>/-]{1,16}"),
            proptest::option::of("[A-Za-z0-9-]{1,16}"),
            proptest::option::of(arb_text()),
            proptest::option::of(arb_iban()),
        ),
        (
            proptest::option::of(arb_text()),
            proptest::option::of("RF[0-9]{2}[A-Z0-9]{1,21}"),
            arb_text(),
            proptest::bool::weighted(0.15),
        ),
    )
        .prop_map(
            |(
                (booking, value, amount),
                (bank_ref, end_to_end, name, iban),
                (text, reference, extra, pending),
            )| Gen {
                booking,
                value,
                amount,
                bank_ref,
                end_to_end,
                name,
                iban,
                text,
                reference,
                extra,
                pending,
            },
        )
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The text written so far ends on this line; the next line starts on the one after.
fn next_line(out: &str) -> usize {
    out.matches('\n').count() + 1
}

fn base_line(format: Format, line: usize, g: &Gen, currency: &str) -> StatementLine {
    StatementLine {
        format,
        line,
        occurrence: 0,
        booking_date: g.booking,
        value_date: g.value,
        amount: g.amount,
        currency: currency.to_string(),
        bank_ref: None,
        end_to_end_id: None,
        reference: None,
        counterparty_name: None,
        counterparty_iban: None,
        description: String::new(),
    }
}

/// OFX 1 (SGML, leaves unclosed, CRLF-free) or OFX 2 (XML); the expected statement.
fn write_ofx(
    gens: &[Gen],
    xml: bool,
    comma: bool,
    account: &str,
    currency: &str,
    closing: Balance,
) -> (String, Statement) {
    let leaf = |out: &mut String, tag: &str, v: &str| {
        if xml {
            out.push_str(&format!("<{tag}>{v}</{tag}>\n"));
        } else {
            out.push_str(&format!("<{tag}>{v}\n"));
        }
    };
    let amount = |d: Decimal| {
        let s = d.to_string();
        if comma {
            s.replace('.', ",")
        } else {
            s
        }
    };
    let mut out = if xml {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<?OFX OFXHEADER=\"200\" VERSION=\"220\"?>\n"
            .to_string()
    } else {
        "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nCHARSET:1252\n\n".to_string()
    };
    out.push_str("<OFX>\n<BANKMSGSRSV1>\n<STMTTRNRS>\n<STMTRS>\n");
    leaf(&mut out, "CURDEF", currency);
    out.push_str("<BANKACCTFROM>\n");
    leaf(&mut out, "BANKID", "021000021");
    leaf(&mut out, "ACCTID", account);
    out.push_str("</BANKACCTFROM>\n<BANKTRANLIST>\n");
    let mut lines = Vec::new();
    for g in gens {
        let line = next_line(&out);
        out.push_str("<STMTTRN>\n");
        leaf(
            &mut out,
            "TRNTYPE",
            if g.amount.is_negative() {
                "DEBIT"
            } else {
                "CREDIT"
            },
        );
        leaf(
            &mut out,
            "DTPOSTED",
            &format!("{}120000.000[-5:EST]", g.booking.format("%Y%m%d")),
        );
        if let Some(v) = g.value {
            leaf(&mut out, "DTUSER", &v.format("%Y%m%d").to_string());
        }
        leaf(&mut out, "TRNAMT", &amount(g.amount));
        if let Some(r) = &g.bank_ref {
            leaf(&mut out, "FITID", &esc(r));
        }
        if let Some(n) = &g.name {
            leaf(&mut out, "NAME", &esc(n));
        }
        if let Some(r) = &g.reference {
            leaf(&mut out, "REFNUM", &esc(r));
        }
        leaf(&mut out, "MEMO", &esc(&g.extra));
        out.push_str("</STMTTRN>\n");
        lines.push(StatementLine {
            bank_ref: g.bank_ref.clone(),
            reference: g.reference.clone(),
            counterparty_name: g.name.clone(),
            description: g.extra.clone(),
            ..base_line(Format::Ofx, line, g, currency)
        });
    }
    out.push_str("</BANKTRANLIST>\n<LEDGERBAL>\n");
    leaf(&mut out, "BALAMT", &amount(closing.amount));
    leaf(
        &mut out,
        "DTASOF",
        &closing.date.format("%Y%m%d").to_string(),
    );
    out.push_str("</LEDGERBAL>\n</STMTRS>\n</STMTTRNRS>\n</BANKMSGSRSV1>\n</OFX>\n");
    let mut want = Statement {
        format: Format::Ofx,
        account: AccountId {
            number: account.to_string(),
            is_iban: false,
            bank_id: Some("021000021".into()),
        },
        currency: currency.to_string(),
        statement_id: None,
        start_date: None,
        end_date: None,
        opening: None,
        closing: Some(closing),
        lines,
    };
    want.number_occurrences();
    (out, want)
}

/// CAMT.053 in the style of version .02 (`Sts` as text, `Dbtr/Nm`, `BIC`) or .08
/// (`Sts/Cd`, `Dbtr/Pty/Nm`, `BICFI`); the expected statement.
fn write_camt(
    gens: &[Gen],
    v08: bool,
    iban: &str,
    currency: &str,
    opening: Balance,
    closing: Balance,
) -> (String, Statement) {
    let version = if v08 { "08" } else { "02" };
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version}\">\n\
         <BkToCstmrStmt>\n<GrpHdr><MsgId>M1</MsgId></GrpHdr>\n<Stmt>\n<Id>S&amp;1</Id>\n\
         <Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>{currency}</Ccy>\
         <Svcr><FinInstnId><{bic}>DEUTDEFFXXX</{bic}></FinInstnId></Svcr></Acct>\n",
        bic = if v08 { "BICFI" } else { "BIC" },
    );
    let amt = |d: Decimal| {
        let ind = if d.is_negative() { "DBIT" } else { "CRDT" };
        let abs = d.checked_abs().unwrap_or(d);
        format!("<Amt Ccy=\"{currency}\">{abs}</Amt>\n<CdtDbtInd>{ind}</CdtDbtInd>\n")
    };
    for (code, b) in [("OPBD", opening), ("CLBD", closing)] {
        out.push_str(&format!(
            "<Bal>\n<Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp>\n{}<Dt><Dt>{}</Dt></Dt>\n</Bal>\n",
            amt(b.amount),
            b.date
        ));
    }
    let mut lines = Vec::new();
    for g in gens {
        let line = next_line(&out);
        let status = match (g.pending, v08) {
            (true, false) => "PDNG".to_string(),
            (true, true) => "<Cd>PDNG</Cd>".to_string(),
            (false, false) => "BOOK".to_string(),
            (false, true) => "<Cd>BOOK</Cd>".to_string(),
        };
        out.push_str("<Ntry>\n");
        out.push_str(&amt(g.amount));
        out.push_str(&format!(
            "<Sts>{status}</Sts>\n<BookgDt><Dt>{}</Dt></BookgDt>\n",
            g.booking
        ));
        if let Some(v) = g.value {
            out.push_str(&format!("<ValDt><DtTm>{v}T10:00:00+01:00</DtTm></ValDt>\n"));
        }
        if let Some(r) = &g.bank_ref {
            out.push_str(&format!("<AcctSvcrRef>{}</AcctSvcrRef>\n", esc(r)));
        }
        let (party, party_acct) = if g.amount.is_negative() {
            ("Cdtr", "CdtrAcct")
        } else {
            ("Dbtr", "DbtrAcct")
        };
        out.push_str("<NtryDtls>\n<TxDtls>\n");
        if let Some(e) = &g.end_to_end {
            out.push_str(&format!(
                "<Refs><EndToEndId>{}</EndToEndId></Refs>\n",
                esc(e)
            ));
        }
        out.push_str("<RltdPties>\n");
        if let Some(n) = &g.name {
            if v08 {
                out.push_str(&format!(
                    "<{party}><Pty><Nm>{}</Nm></Pty></{party}>\n",
                    esc(n)
                ));
            } else {
                out.push_str(&format!("<{party}><Nm>{}</Nm></{party}>\n", esc(n)));
            }
        }
        if let Some(i) = &g.iban {
            out.push_str(&format!(
                "<{party_acct}><Id><IBAN>{i}</IBAN></Id></{party_acct}>\n"
            ));
        }
        out.push_str("</RltdPties>\n<RmtInf>\n");
        if let Some(t) = &g.text {
            out.push_str(&format!("<Ustrd>{}</Ustrd>\n", esc(t)));
        }
        if let Some(r) = &g.reference {
            out.push_str(&format!(
                "<Strd><CdtrRefInf><Ref>{r}</Ref></CdtrRefInf></Strd>\n"
            ));
        }
        out.push_str("</RmtInf>\n</TxDtls>\n</NtryDtls>\n");
        out.push_str(&format!(
            "<AddtlNtryInf>{}</AddtlNtryInf>\n</Ntry>\n",
            esc(&g.extra)
        ));
        if g.pending {
            continue;
        }
        lines.push(StatementLine {
            bank_ref: g.bank_ref.clone(),
            end_to_end_id: g.end_to_end.clone(),
            reference: g.reference.clone().or_else(|| g.text.clone()),
            counterparty_name: g.name.clone(),
            counterparty_iban: g.iban.clone(),
            description: g.text.clone().unwrap_or_else(|| g.extra.clone()),
            ..base_line(Format::Camt053, line, g, currency)
        });
    }
    out.push_str("</Stmt>\n</BkToCstmrStmt>\n</Document>\n");
    let mut want = Statement {
        format: Format::Camt053,
        account: AccountId {
            number: iban.to_string(),
            is_iban: true,
            bank_id: Some("DEUTDEFFXXX".into()),
        },
        currency: currency.to_string(),
        statement_id: Some("S&1".into()),
        start_date: None,
        end_date: None,
        opening: Some(opening),
        closing: Some(closing),
        lines,
    };
    want.number_occurrences();
    (out, want)
}

fn arb_balance() -> impl Strategy<Value = Balance> {
    (arb_date(), arb_amount()).prop_map(|(date, amount)| Balance { date, amount })
}

/// Reads `text` twice; checks it is `want` (decimals included) and the identities.
fn check(text: &str, format: Format, want: &Statement) -> Result<(), TestCaseError> {
    let got = read(text.as_bytes(), format, None)
        .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
    prop_assert_eq!(got.lines.len(), want.lines.len());
    for (g, w) in got.lines.iter().zip(&want.lines) {
        prop_assert_eq!(g, w);
        prop_assert_eq!(g.amount.scale(), w.amount.scale());
    }
    prop_assert_eq!(&got, want);
    let again =
        read(text.as_bytes(), format, None).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let ids = got.identities();
    prop_assert_eq!(&ids, &again.identities());
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    prop_assert_eq!(unique.len(), ids.len());
    Ok(())
}

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/data/bank/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap_or_default()
}

const SAMPLES: [&str; 5] = [
    "ofx102-sgml-cp1252.ofx",
    "ofx220-xml-creditcard.ofx",
    "camt053-001-02.xml",
    "camt053-001-08.xml",
    "giro-semicolon-decimal-comma.csv",
];

fn read_every_way(bytes: &[u8]) {
    let mapping = CsvMapping {
        date: "Buchungstag".into(),
        date_format: "%d.%m.%Y".into(),
        debit: Some("Soll".into()),
        credit: Some("Haben".into()),
        balance: Some("Saldo".into()),
        decimal_comma: true,
        ..CsvMapping::default()
    };
    let _ = Format::detect(bytes);
    for format in [Format::Ofx, Format::Camt053, Format::Csv] {
        if let Ok(s) = read(bytes, format, Some(&mapping)) {
            let _ = s.identities();
            let _ = s.balances_add_up();
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn ofx_round_trips(
        gens in proptest::collection::vec(arb_gen(), 0..12),
        dup in any::<bool>(),
        xml in any::<bool>(),
        comma in any::<bool>(),
        account in "[0-9]{4,12}",
        currency in "[A-Z]{3}",
        closing in arb_balance(),
    ) {
        let mut gens = gens;
        if dup && !gens.is_empty() {
            // Two identical lines in one statement.
            gens.push(gens[0].clone());
        }
        let (text, want) = write_ofx(&gens, xml, comma, &account, &currency, closing);
        check(&text, Format::Ofx, &want)?;
        prop_assert_eq!(Format::detect(text.as_bytes()), Some(Format::Ofx));
    }

    #[test]
    fn camt_round_trips(
        gens in proptest::collection::vec(arb_gen(), 0..12),
        dup in any::<bool>(),
        v08 in any::<bool>(),
        iban in arb_iban(),
        currency in "[A-Z]{3}",
        opening in arb_balance(),
        closing in arb_balance(),
    ) {
        let mut gens = gens;
        if dup && !gens.is_empty() {
            gens.push(gens[0].clone());
        }
        let (text, want) = write_camt(&gens, v08, &iban, &currency, opening, closing);
        check(&text, Format::Camt053, &want)?;
        prop_assert_eq!(Format::detect(text.as_bytes()), Some(Format::Camt053));
        // The balance check agrees with the sum of the booked lines.
        let sum = want.lines.iter().try_fold(opening.amount, |s, l| s.checked_add(l.amount));
        prop_assert_eq!(want.balances_add_up(), sum.map(|s| s == closing.amount));
    }

    #[test]
    fn never_panics_on_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        read_every_way(&bytes);
    }

    #[test]
    fn never_panics_on_markup_like_text(s in "(<[/?!]?[A-Za-z]{1,8}( [a-z]+=\"[^\"]{0,8}\")?/?>|&[a-z#0-9]{0,5};?|[0-9.,;-]{1,6}|[ \n\r]|[a-zé€]{1,5}|<!\\[CDATA\\[|\\]\\]>|<!--|-->){0,80}") {
        read_every_way(s.as_bytes());
    }

    #[test]
    fn never_panics_on_mutated_samples(
        which in 0usize..SAMPLES.len(),
        edits in proptest::collection::vec((any::<u32>(), any::<u8>(), 0u8..3), 1..10),
    ) {
        let mut bytes = sample(SAMPLES[which]);
        for (pos, b, op) in edits {
            let i = usize::try_from(pos).unwrap_or(0) % (bytes.len() + 1);
            match op {
                0 => bytes.insert(i, b),
                1 if i < bytes.len() => { bytes.remove(i); }
                _ if i < bytes.len() => bytes[i] = b,
                _ => {}
            }
        }
        read_every_way(&bytes);
    }
}
