//! Renders a sample invoice, to look at the layout:
//! `cargo run -p steward-io --example invoice_pdf -- /tmp/invoice.pdf [rows]`.

use steward_io::pdf::{render, BusinessDocument, Column, PartyBlock};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "invoice-sample.pdf".into());
    let extra: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(0);

    let row = |d: &str, q: &str, p: &str, a: &str| vec![d.into(), q.into(), p.into(), a.into()];
    let mut rows = vec![
        row(
            "Architecture review of the order-to-cash process, including a written report \
             with recommendations and a follow-up workshop on site",
            "1",
            "600.00",
            "600.00",
        ),
        row("Travel expenses (flat rate)", "2", "150.00", "300.00"),
        row("Licence fee, December 2026", "1", "100.00", "100.00"),
    ];
    rows.extend(
        (0..extra).map(|i| row(&format!("Additional item {}", i + 1), "1", "0.00", "0.00")),
    );
    let doc = BusinessDocument {
        title: "Invoice".into(),
        number: "INV-2026-0042".into(),
        issuer: PartyBlock::new(
            "Acme Consulting GmbH",
            [
                "Hauptstraße 1",
                "10115 Berlin, Germany",
                "VAT ID DE123456789",
                "billing@acme.example",
            ],
        ),
        recipient: PartyBlock::new(
            "Café Müller & Söhne SARL",
            [
                "Attn. Accounts Payable",
                "Rue de la Paix 7",
                "75002 Paris",
                "France",
            ],
        ),
        meta: vec![
            ("Invoice date".into(), "2026-12-06".into()),
            ("Due date".into(), "2027-01-05".into()),
            ("Payment terms".into(), "30 days net".into()),
            ("Your reference".into(), "PO-7781".into()),
            ("Customer no.".into(), "C-10234".into()),
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
            "Please transfer the total by 2027-01-05 to IBAN DE89 3704 0044 0532 0130 00, \
             BIC COBADEFFXXX, quoting INV-2026-0042 as the reference."
                .into(),
            "Goods and services remain our property until paid in full. Late payments bear \
             interest at 9 percentage points above the base rate."
                .into(),
        ],
        footer: "Acme Consulting GmbH · Hauptstraße 1, 10115 Berlin · Registered at \
                 Amtsgericht Berlin HRB 12345 · Managing director: A. Example"
            .into(),
        creation_date: chrono::NaiveDate::from_ymd_opt(2026, 12, 6),
    };
    std::fs::write(&path, render(&doc))
}
