//! Billing's views shared by pages and API: a document as a PDF (`…/invoices/{id}/pdf`:
//! the document as the actor sees it, laid out by `steward_io::pdf` on a blocking thread)
//! and the aged report's table and download.
use steward_core::auth::Actor;
use steward_core::billing::invoices;
use steward_core::billing::pdf;
use steward_core::files::Download;
use steward_core::ids::InvoiceId;
use steward_core::Result;

use crate::state::Backend;
use axum::response::Response;
use serde::Serialize;
use steward_core::billing::aged::{AgedRow, Buckets, Side};
use steward_core::money::format_in as money;
use utoipa::ToSchema;

/// The document `id` as a PDF download named by its number.
pub async fn invoice_pdf<S: Backend>(store: &S, actor: &Actor, id: InvoiceId) -> Result<Download> {
    let inv = invoices::get(store, actor, id).await?;
    let bytes = pdf::render_invoice(store, actor, &inv).await?;
    Ok(Download {
        name: pdf::file_name(&inv),
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
