//! Billing's views shared by pages and API: a document as a PDF (`…/invoices/{id}/pdf`:
//! the document as the actor sees it, laid out by `steward_io::pdf` on a blocking thread)
//! and the aged report's table and download.
use steward_core::auth::Actor;
use steward_core::billing::invoices::{self, decimal_text, Invoice};
use steward_core::billing::parties::{self, Party};
use steward_core::billing::tax::{self, TaxCode};
use steward_core::files::Download;
use steward_core::ids::InvoiceId;
use steward_core::Result;
use steward_io::pdf::{render, BusinessDocument, Column, PartyBlock};

use crate::state::Backend;
use axum::response::Response;
use serde::Serialize;
use steward_core::billing::aged::{AgedRow, Buckets, Side};
use steward_core::money::format_in as money;
use utoipa::ToSchema;

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

/// The document `id` as a PDF download named by its number.
pub async fn invoice_pdf<S: Backend>(store: &S, actor: &Actor, id: InvoiceId) -> Result<Download> {
    let inv = invoices::get(store, actor, id).await?;
    let party = parties::get(store, actor, inv.party_id).await.ok();
    let codes = tax::list(store, actor).await.unwrap_or_default();
    let name = format!(
        "{}.pdf",
        inv.number
            .clone()
            .unwrap_or_else(|| format!("draft-{}", inv.id))
    );
    let doc = document(&actor.company_name, &inv, party.as_ref(), &codes);
    let bytes = steward_core::blocking::run(move || render(&doc)).await?;
    Ok(Download {
        name,
        content_type: "application/pdf".into(),
        bytes,
    })
}

/// A payment run's SEPA credit transfer file (pages and API), written on a blocking
/// thread.
pub async fn run_file<S: Backend>(store: &S, actor: &Actor, id: i64) -> Result<Download> {
    let xml = steward_core::billing::runs::pain_001(store, actor, id).await?;
    Ok(Download {
        name: format!("payment-run-{id}.pain.001.xml"),
        content_type: "application/xml".into(),
        bytes: xml.into_bytes(),
    })
}

#[derive(Serialize, ToSchema)]
pub struct AgedRowOut {
    pub(crate) party_id: i64,
    pub(crate) party_name: String,
    pub(crate) currency: String,
    /// One amount per column of `columns`.
    pub(crate) buckets: Vec<String>,
    pub(crate) total: String,
}

#[derive(Serialize, ToSchema)]
pub struct AgedOut {
    /// `receivables` or `payables`.
    pub(crate) side: String,
    pub(crate) as_of: String,
    /// The columns' headings: `Not due`, `1-30`, ..., `Over 90`.
    pub(crate) columns: Vec<String>,
    pub(crate) rows: Vec<AgedRowOut>,
}

pub fn aged_out(side: Side, as_of: chrono::NaiveDate, b: &Buckets, rows: Vec<AgedRow>) -> AgedOut {
    AgedOut {
        side: side.as_str().to_string(),
        as_of: as_of.to_string(),
        columns: b.labels(),
        rows: rows
            .into_iter()
            .map(|r| AgedRowOut {
                party_id: r.party_id.0,
                buckets: r.buckets.iter().map(|v| money(*v, &r.currency)).collect(),
                total: money(r.total, &r.currency),
                party_name: r.party_name,
                currency: r.currency,
            })
            .collect(),
    }
}

/// The report as a CSV/XLSX download: party, currency, one column per bucket, total.
pub fn aged_export(format: steward_io::TableFormat, out: &AgedOut) -> Response {
    let mut headers: Vec<String> = vec!["party".into(), "currency".into()];
    headers.extend(out.columns.iter().cloned());
    headers.push("total".into());
    let rows: Vec<Vec<String>> = out
        .rows
        .iter()
        .map(|r| {
            let mut v = vec![r.party_name.clone(), r.currency.clone()];
            v.extend(r.buckets.iter().cloned());
            v.push(r.total.clone());
            v
        })
        .collect();
    let refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    crate::list::export_typed(
        format,
        &format!("aged-{}-{}", out.side, out.as_of),
        &refs,
        &crate::list::text_then_numbers(2, headers.len()),
        rows,
    )
}
