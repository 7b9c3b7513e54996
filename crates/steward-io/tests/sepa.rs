//! SEPA credit transfer files: the exact document for a fixed transfer, validity against
//! the ISO 20022 schema (with `xmllint`, where installed), and for random payments the
//! EPC rules the schema does not know (character set, name lengths, control sum).
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::NaiveDate;
use proptest::prelude::*;
use steward_io::sepa::{
    is_sepa_char, to_sepa_latin, write_pain_001_001_03, CreditTransfer, DebtorAccount, Payment,
    Remittance, AMOUNT_CENTS, MAX_NAME,
};

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sepa")
}

fn golden_transfer() -> CreditTransfer {
    let day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
    CreditTransfer {
        message_id: "STEWARD-2026-03-02-0001".into(),
        created_at: day.and_hms_opt(9, 30, 15).unwrap(),
        initiator_name: "Müller & Söhne GmbH".into(),
        debtor: DebtorAccount {
            name: "Müller & Söhne GmbH".into(),
            iban: "DE89370400440532013000".into(),
            bic: Some("COBADEFFXXX".into()),
        },
        requested_execution_date: NaiveDate::from_ymd_opt(2026, 3, 4).unwrap(),
        batch_booking: true,
        payments: vec![
            Payment {
                end_to_end_id: "INV-2026-0042".into(),
                amount_minor: 123_456,
                creditor_name: "Société Générale d'Équipement".into(),
                creditor_iban: "FR1420041010050500013M02606".into(),
                creditor_bic: None,
                remittance: Remittance::Unstructured("Facture n° 42 – février, merci".into()),
            },
            Payment {
                end_to_end_id: "INV-2026-0043".into(),
                amount_minor: 5,
                creditor_name: "Straßenbau Ærø A/S".into(),
                creditor_iban: "NL91ABNA0417164300".into(),
                creditor_bic: Some("ABNANL2A".into()),
                remittance: Remittance::CreditorReference("RF18 5390 0754 7034".into()),
            },
        ],
    }
}

/// `xmllint` if it runs here; CI installs it (libxml2-utils).
fn xmllint() -> Option<&'static str> {
    static PRESENT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let present = *PRESENT.get_or_init(|| {
        Command::new("xmllint")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    present.then_some("xmllint")
}

/// `xmllint --schema` on `xml` with the vendored schema: `None` (and a SKIPPED note)
/// without `xmllint`, else whether it validates (with xmllint's complaint when not).
fn xsd_check(xml: &str) -> Option<Result<(), String>> {
    let Some(bin) = xmllint() else {
        eprintln!("SKIPPED: xmllint not installed (apt-get install libxml2-utils), no XSD check");
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pain.xml");
    std::fs::write(&file, xml).unwrap();
    let out = Command::new(bin)
        .arg("--noout")
        .arg("--schema")
        .arg(data_dir().join("pain.001.001.03.xsd"))
        .arg(&file)
        .output()
        .unwrap();
    Some(if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    })
}

/// Asserts that `xml` validates, where `xmllint` is installed; whether it was checked.
fn validate_against_xsd(xml: &str) -> bool {
    match xsd_check(xml) {
        None => false,
        Some(Ok(())) => true,
        Some(Err(e)) => panic!("xmllint refused the document:\n{e}\n{xml}"),
    }
}

/// The leaf elements (tag, text) in document order, checking on the way that every tag
/// is closed by its own name, in order.
fn leaves(xml: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    let mut just_opened = false;
    let mut rest = xml;
    while let Some(start) = rest.find('<') {
        let text = &rest[..start];
        let end = start + rest[start..].find('>').unwrap();
        let tag = &rest[start + 1..end];
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop().as_deref(), Some(name), "badly nested:\n{xml}");
            if just_opened {
                out.push((name.to_string(), text.to_string()));
            }
            just_opened = false;
        } else if !tag.starts_with('?') {
            stack.push(tag.split(' ').next().unwrap().to_string());
            just_opened = true;
        }
        rest = &rest[end + 1..];
    }
    assert!(stack.is_empty(), "unclosed {stack:?}");
    out
}

fn cents(amount: &str) -> i128 {
    let (units, decimals) = amount.split_once('.').unwrap();
    assert_eq!(decimals.len(), 2, "{amount}");
    units.parse::<i128>().unwrap() * 100 + decimals.parse::<i128>().unwrap()
}

#[test]
fn golden_document() {
    let xml = write_pain_001_001_03(&golden_transfer()).unwrap();
    let path = data_dir().join("credit-transfer.xml");
    if std::env::var_os("STEWARD_BLESS").is_some() {
        std::fs::write(&path, &xml).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        xml, expected,
        "differs from {path:?}; regenerate with STEWARD_BLESS=1 after an intended change"
    );
}

#[test]
fn documents_validate_against_the_iso_schema() {
    let golden = golden_transfer();
    let mut without_bics = golden.clone();
    without_bics.debtor.bic = None;
    without_bics.batch_booking = false;
    for p in &mut without_bics.payments {
        p.creditor_bic = None;
        p.end_to_end_id = String::new();
    }
    let mut many = golden.clone();
    many.payments = (0..50)
        .map(|i| Payment {
            end_to_end_id: format!("E2E/{i}"),
            amount_minor: *AMOUNT_CENTS.end() - i,
            creditor_name: "ä".repeat(100),
            creditor_iban: "BE68539007547034".into(),
            creditor_bic: Some("GEBABEBB".into()),
            remittance: Remittance::Unstructured("x".repeat(140)),
        })
        .collect();
    for ct in [golden, without_bics, many] {
        let xml = write_pain_001_001_03(&ct).unwrap();
        if !validate_against_xsd(&xml) {
            return;
        }
    }
}

#[test]
fn the_schema_check_refuses_a_broken_document() {
    let xml = write_pain_001_001_03(&golden_transfer()).unwrap();
    for broken in [
        xml.replace("<PmtMtd>TRF</PmtMtd>", "<PmtMtd>XXX</PmtMtd>"),
        xml.replace("Ccy=\"EUR\"", "Ccy=\"EURO\""),
        xml.replace("<IBAN>NL91", "<IBAN>nl91"),
        xml.replace(
            "<ChrgBr>SLEV</ChrgBr>",
            "<ChrgBr>SLEV</ChrgBr><ChrgBr>SLEV</ChrgBr>",
        ),
        xml.replace("STEWARD-2026-03-02-0001", &"X".repeat(36)),
    ] {
        assert_ne!(broken, xml);
        match xsd_check(&broken) {
            None => return,
            Some(result) => assert!(result.is_err(), "accepted:\n{broken}"),
        }
    }
}

/// Up to 20 documents of the property test below are also run through `xmllint`.
static SCHEMA_CHECKS: AtomicUsize = AtomicUsize::new(0);

fn any_text(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 0..max).prop_map(String::from_iter)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn random_payments_keep_the_sepa_rules(
        debtor_name in any_text(100),
        payments in proptest::collection::vec(
            (any_text(100), AMOUNT_CENTS, any_text(60), proptest::option::of(Just("DEUTDEFF500"))),
            1..12,
        ),
    ) {
        let mut ct = golden_transfer();
        ct.debtor.name = format!("D{debtor_name}");
        ct.payments = payments
            .iter()
            .enumerate()
            .map(|(i, (name, amount, text, bic))| Payment {
                end_to_end_id: format!("E2E-{i}"),
                amount_minor: *amount,
                creditor_name: name.clone(),
                creditor_iban: "CH9300762011623852957".into(),
                creditor_bic: bic.map(str::to_string),
                remittance: if i % 3 == 2 {
                    Remittance::CreditorReference("RF712348231".into())
                } else {
                    Remittance::Unstructured(format!("Inv {text}"))
                },
            })
            .collect();

        let result = write_pain_001_001_03(&ct);
        if let Some(i) = payments.iter().position(|p| to_sepa_latin(&p.0).trim().is_empty()) {
            let e = result.unwrap_err();
            prop_assert_eq!(e.to_string(), format!("payments[{i}].creditor_name: is required"));
            return Ok(());
        }
        let xml = result.unwrap();
        let leaves = leaves(&xml);
        for (tag, text) in &leaves {
            prop_assert!(!text.is_empty(), "empty <{}>", tag);
            prop_assert!(text.chars().all(is_sepa_char), "<{}>{}", tag, text);
            prop_assert_eq!(text.trim(), text.as_str(), "<{}> not trimmed", tag);
        }
        let names: Vec<&String> = leaves.iter().filter(|(t, _)| t == "Nm").map(|(_, v)| v).collect();
        prop_assert_eq!(names.len(), 2 + payments.len());
        prop_assert!(names.iter().all(|n| n.len() <= MAX_NAME));
        let amounts: Vec<i128> = leaves
            .iter()
            .filter(|(t, _)| t == "InstdAmt")
            .map(|(_, v)| cents(v))
            .collect();
        let expected: Vec<i128> = payments.iter().map(|p| i128::from(p.1)).collect();
        prop_assert_eq!(&amounts, &expected);
        let sum: i128 = expected.iter().sum();
        let sums: Vec<i128> = leaves.iter().filter(|(t, _)| t == "CtrlSum").map(|(_, v)| cents(v)).collect();
        prop_assert_eq!(sums, vec![sum, sum]);
        let counts: Vec<&str> = leaves.iter().filter(|(t, _)| t == "NbOfTxs").map(|(_, v)| v.as_str()).collect();
        let count = payments.len().to_string();
        prop_assert_eq!(counts, vec![count.as_str(), count.as_str()]);
        prop_assert!(
            leaves.iter().filter(|(t, _)| t == "Ustrd").all(|(_, v)| v.len() <= 140)
        );

        if SCHEMA_CHECKS.fetch_add(1, Ordering::Relaxed) < 20 {
            validate_against_xsd(&xml);
        }
    }
}
