//! A billing document as a PDF a customer would accept (`steward_io::pdf` lays it out, on a
//! blocking thread): the download, the mail that sends it and the reminders that attach it
//! all make it here.
use steward_io::pdf::{render, BusinessDocument, Column, PartyBlock};

use super::invoices::{decimal_text, Invoice};
use super::parties::{Party, PartyStore};
use super::tax::{TaxCode, TaxStore};
use crate::auth::Actor;
use crate::money::format_in as money;
use crate::Result;

/// `INV-2026-0001.pdf` (`draft-42.pdf` for a draft).
pub fn file_name(inv: &Invoice) -> String {
    format!(
        "{}.pdf",
        inv.number
            .clone()
            .unwrap_or_else(|| format!("draft-{}", inv.id))
    )
}

/// The document (read by the caller as the actor may see it) laid out as a PDF.
pub async fn render_invoice<S: PartyStore + TaxStore>(
    store: &S,
    actor: &Actor,
    inv: &Invoice,
) -> Result<Vec<u8>> {
    let party = store.party(actor.company_id, inv.party_id).await?;
    let codes = store.tax_codes(actor.company_id).await?;
    let doc = document(&actor.company_name, inv, party.as_ref(), &codes);
    crate::blocking::run(move || render(&doc)).await
}

fn document(
    company: &str,
    inv: &Invoice,
    party: Option<&Party>,
    codes: &[TaxCode],
) -> BusinessDocument {
    let c = &inv.currency;
    let amount = |m: i64| format!("{} {c}", money(m, c));
    let mut recipient = vec![];
    if let Some(p) = party {
        if !p.legal_name.is_empty() {
            recipient.push(p.legal_name.clone());
        }
        recipient.extend(p.address.lines().map(str::to_string));
        if !p.tax_id.is_empty() {
            recipient.push(format!("Tax ID {}", p.tax_id));
        }
    }
    let mut meta = vec![
        ("Date".to_string(), inv.issue_date.to_string()),
        ("Due date".to_string(), inv.due_date.to_string()),
    ];
    if !inv.reference.is_empty() {
        meta.push(("Reference".into(), inv.reference.clone()));
    }
    if let Some(n) = &inv.credited_number {
        meta.push(("Credits".into(), n.clone()));
    }
    let rows = inv
        .lines
        .iter()
        .map(|l| {
            vec![
                l.description.clone(),
                decimal_text(l.quantity, 4),
                money(l.unit_price, c),
                l.tax_code.clone().unwrap_or_default(),
                money(l.net, c),
            ]
        })
        .collect();
    let mut totals = vec![("Subtotal".to_string(), amount(inv.subtotal), false)];
    for t in inv.taxes() {
        let name = codes
            .iter()
            .find(|x| x.id == t.tax_code_id)
            .map(|x| format!("{} {} %", x.name, x.rate_text()))
            .unwrap_or_else(|| "Tax".into());
        totals.push((name, amount(t.tax), false));
    }
    totals.push(("Total".to_string(), amount(inv.total), true));
    let mut notes = Vec::new();
    if !inv.notes.is_empty() {
        notes.push(inv.notes.clone());
    }
    if inv.kind.is_sales() && !inv.kind.is_credit() {
        if let Some(n) = &inv.number {
            notes.push(format!("Please pay by {} quoting {n}.", inv.due_date));
        }
    }
    BusinessDocument {
        title: inv.kind.label().to_string(),
        number: inv
            .number
            .clone()
            .unwrap_or_else(|| "DRAFT (not a valid document)".into()),
        issuer: PartyBlock::new(company, Vec::<String>::new()),
        recipient: PartyBlock::new(inv.party_name.clone(), recipient),
        meta,
        columns: vec![
            Column::left("Description", 5.0),
            Column::right("Quantity", 1.2),
            Column::right("Unit price", 1.6),
            Column::left("Tax", 1.2),
            Column::right(format!("Amount {c}"), 1.8),
        ],
        rows,
        totals,
        notes,
        footer: company.to_string(),
        creation_date: Some(inv.issue_date),
    }
}
