//! The demo company's bank: the "Main account" on Assets:Bank:Checking (1000) and one small
//! statement in each format (CSV with a saved mapping, CAMT.053, OFX), one after the other
//! in the last weeks, so the bank pages show statements that follow each other. Some lines
//! pay what billing seeded (the CAMT.053 statement City Clinic's first invoice, by its number;
//! the OFX statement Paper & Co's bill by the vendor's reference and Harbor's payment
//! recorded before), so the reconcile page proposes them sure; the rest (rent, fees) wait
//! for an entry.
use chrono::{Days, NaiveDate};
use steward_core::auth::Actor;
use steward_core::bank::accounts::{self, BankAccountInput};
use steward_core::bank::import::{import_statement, save_mapping};
use steward_core::bank::{CsvMapping, Format};
use steward_store::Store;

/// The sample files, with `{D1}`..`{D4}` (ISO days) and `{T1}`..`{T4}` (OFX days) filled
/// in at seeding time.
const CSV: &str = include_str!("demo_bank/statement.csv");
const CAMT: &str = include_str!("demo_bank/statement.xml");
const OFX: &str = include_str!("demo_bank/statement.ofx");

/// The demo company's IBAN (the ISO 13616 example account).
pub const IBAN: &str = "DE89 3704 0044 0532 0130 00";
pub const MAPPING: &str = "Demo bank CSV";

/// `text` with its four days filled in, starting `first` days before `today`, `step` days apart.
fn dated(text: &str, today: NaiveDate, first: u64, step: u64) -> String {
    let mut out = text.to_string();
    for i in 0..4u64 {
        let day = today - Days::new(first - i * step);
        out = out
            .replace(
                &format!("{{D{}}}", i + 1),
                &day.format("%Y-%m-%d").to_string(),
            )
            .replace(
                &format!("{{T{}}}", i + 1),
                &day.format("%Y%m%d").to_string(),
            );
    }
    out
}

pub fn mapping() -> CsvMapping {
    CsvMapping {
        date: "Date".into(),
        date_format: "%Y-%m-%d".into(),
        amount: Some("Amount".into()),
        description: vec!["Text".into()],
        reference: Some("Reference".into()),
        counterparty_name: Some("Counterparty".into()),
        counterparty_iban: Some("IBAN".into()),
        value_date: Some("Value date".into()),
        balance: Some("Balance".into()),
        delimiter: Some(b';'),
        currency: Some("EUR".into()),
        ..Default::default()
    }
}

/// Seeds the bank account and its statements; the account's id. `first_invoice` is the
/// number the CAMT.053 statement's payment names (`{INV1}` in the sample).
pub async fn seed(
    store: &Store,
    boss: &Actor,
    today: NaiveDate,
    first_invoice: &str,
) -> steward_core::Result<i64> {
    let account = accounts::create(
        store,
        boss,
        &BankAccountInput {
            name: "Main account".into(),
            ledger_account: "1000".into(),
            currency: "EUR".into(),
            iban: IBAN.into(),
            bic: "COBADEFFXXX".into(),
            active: true,
        },
    )
    .await?;
    save_mapping(store, boss, MAPPING, mapping()).await?;
    let files = [
        (dated(CSV, today, 40, 3), Format::Csv, Some(MAPPING)),
        (
            dated(CAMT, today, 28, 4).replace("{INV1}", first_invoice),
            Format::Camt053,
            None,
        ),
        (dated(OFX, today, 14, 4), Format::Ofx, None),
    ];
    for (text, format, mapping) in files {
        import_statement(
            store,
            boss,
            account.id,
            text.into_bytes(),
            Some(format),
            mapping,
            false,
        )
        .await?;
    }
    Ok(account.id.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_read_and_follow_each_other() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 1).expect("day");
        let csv = steward_io::bank::read(
            dated(CSV, today, 40, 3).as_bytes(),
            Format::Csv,
            Some(&mapping()),
        )
        .expect("csv");
        let camt =
            steward_io::bank::read(dated(CAMT, today, 28, 4).as_bytes(), Format::Camt053, None)
                .expect("camt");
        let ofx = steward_io::bank::read(dated(OFX, today, 14, 4).as_bytes(), Format::Ofx, None)
            .expect("ofx");
        assert_eq!(csv.balances_add_up(), Some(true));
        assert_eq!(camt.balances_add_up(), Some(true));
        assert_eq!(
            csv.closing.map(|b| b.amount),
            camt.opening.map(|b| b.amount)
        );
        assert_eq!(ofx.lines.len(), 4);
        assert_eq!(
            ofx.balances_add_up(),
            None,
            "OFX gives the closing balance only"
        );
        assert_eq!(
            ofx.closing.map(|b| b.amount.to_string()),
            Some("7194.55".into())
        );
        // The OFX closing balance follows from the CAMT.053 closing and the OFX lines.
        let camt_closing = camt.closing.map(|b| b.amount).expect("camt closing");
        let sum = ofx
            .lines
            .iter()
            .try_fold(camt_closing, |acc, l| acc.checked_add(l.amount));
        assert_eq!(ofx.closing.map(|b| b.amount), sum);
        assert!(camt.lines.iter().all(|l| l.booking_date < today));
    }
}
