//! Feeds arbitrary bytes to the bank statement readers in each format (CSV with a few
//! mappings); any panic is a bug. What is read is used (identities, balance check), so those
//! run on whatever the readers accept.
#![no_main]

use libfuzzer_sys::fuzz_target;
use steward_io::bank::{read_all, CsvMapping, Format};

fn mappings() -> [CsvMapping; 2] {
    [
        // The German giro export of the sample files: debit/credit, decimal comma, preamble.
        CsvMapping {
            date: "Buchungstag".into(),
            date_format: "%d.%m.%Y".into(),
            debit: Some("Soll".into()),
            credit: Some("Haben".into()),
            description: vec!["Buchungstext".into(), "Verwendungszweck".into()],
            reference: Some("Kundenreferenz".into()),
            counterparty_name: Some("Auftraggeber/Empfänger".into()),
            counterparty_iban: Some("IBAN".into()),
            value_date: Some("Valuta".into()),
            balance: Some("Saldo".into()),
            decimal_comma: true,
            skip_rows: 4,
            currency: Some("EUR".into()),
            ..CsvMapping::default()
        },
        // One signed amount column, sniffed delimiter, no preamble.
        CsvMapping {
            date: "Date".into(),
            date_format: "%Y-%m-%d".into(),
            amount: Some("Amount".into()),
            description: vec!["Text".into()],
            bank_ref: Some("Id".into()),
            balance: Some("Balance".into()),
            ..CsvMapping::default()
        },
    ]
}

fuzz_target!(|data: &[u8]| {
    let _ = Format::detect(data);
    let mappings = mappings();
    let mut runs: Vec<(Format, Option<&CsvMapping>)> =
        vec![(Format::Ofx, None), (Format::Camt053, None)];
    runs.extend(mappings.iter().map(|m| (Format::Csv, Some(m))));
    for (format, mapping) in runs {
        if let Ok(statements) = read_all(data, format, mapping) {
            for s in statements {
                let _ = s.identities();
                let _ = s.balances_add_up();
            }
        }
    }
});
