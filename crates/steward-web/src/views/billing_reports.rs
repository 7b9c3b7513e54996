//! Billing's reports shared by pages and API: the tax report (JSON and its CSV/XLSX) and a
//! party's statement (JSON, and a PDF laid out by `steward_io::pdf` on a blocking thread).
use axum::response::Response;
use serde::Serialize;
use steward_core::auth::Actor;
use steward_core::billing::aged::Side;
use steward_core::billing::reports::{self, Statement, TaxReport};
use steward_core::billing::tax::rate_text;
use steward_core::files::Download;
use steward_core::ids::PartyId;
use steward_core::money::format_in as money;
use steward_core::Result;
use steward_io::pdf::{render, BusinessDocument, Column, PartyBlock};
use utoipa::ToSchema;

use crate::state::Backend;

#[derive(Serialize, ToSchema)]
pub struct TaxRowOut {
    /// None for the lines without a tax code.
    pub(crate) tax_code_id: Option<i64>,
    /// Empty for the lines without a tax code.
    pub(crate) code: String,
    pub(crate) name: String,
    /// In percent: `19`, `7.5`.
    pub(crate) rate: String,
    pub(crate) currency: String,
    /// Invoices less credit notes: the taxable base and the tax collected.
    pub(crate) sales_base: String,
    pub(crate) sales_tax: String,
    /// Bills less vendor credits: the taxable base and the tax paid.
    pub(crate) purchases_base: String,
    pub(crate) purchases_tax: String,
}

#[derive(Serialize, ToSchema)]
pub struct TaxTieOut {
    pub(crate) account_id: i64,
    pub(crate) account: String,
    pub(crate) currency: String,
    /// What the period's documents posted to the account (debit positive).
    pub(crate) documents: String,
    /// The account's movement in the ledger over the period (debit positive).
    pub(crate) ledger: String,
    /// Ledger less documents: zero when the account ties.
    pub(crate) difference: String,
}

#[derive(Serialize, ToSchema)]
pub struct TaxReportOut {
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) rows: Vec<TaxRowOut>,
    /// One per tax account and currency.
    pub(crate) ties: Vec<TaxTieOut>,
    /// Whether every tax account ties to the ledger.
    pub(crate) ties_out: bool,
}

pub fn tax_out(r: &TaxReport) -> TaxReportOut {
    TaxReportOut {
        from: r.from.to_string(),
        to: r.to.to_string(),
        rows: r
            .rows
            .iter()
            .map(|x| TaxRowOut {
                tax_code_id: x.tax_code_id.map(|i| i.0),
                code: x.code.clone(),
                name: x.name.clone(),
                rate: rate_text(x.rate),
                sales_base: money(x.sales_base, &x.currency),
                sales_tax: money(x.sales_tax, &x.currency),
                purchases_base: money(x.purchases_base, &x.currency),
                purchases_tax: money(x.purchases_tax, &x.currency),
                currency: x.currency.clone(),
            })
            .collect(),
        ties: r
            .ties
            .iter()
            .map(|t| TaxTieOut {
                account_id: t.account_id.0,
                account: t.account.clone(),
                documents: money(t.documents, &t.currency),
                ledger: money(t.ledger, &t.currency),
                difference: money(t.difference, &t.currency),
                currency: t.currency.clone(),
            })
            .collect(),
        ties_out: r.ties_out(),
    }
}

/// The report as CSV/XLSX: one row per tax code and currency, then one per tax account
/// (`section` says which; a row leaves the other section's columns empty).
pub fn tax_export(format: steward_io::TableFormat, out: &TaxReportOut) -> Response {
    let headers = [
        "section",
        "code_or_account",
        "name",
        "currency",
        "rate",
        "sales_base",
        "sales_tax",
        "purchases_base",
        "purchases_tax",
        "documents",
        "ledger",
        "difference",
    ];
    let mut rows: Vec<Vec<String>> = out
        .rows
        .iter()
        .map(|r| {
            vec![
                "tax code".into(),
                r.code.clone(),
                r.name.clone(),
                r.currency.clone(),
                r.rate.clone(),
                r.sales_base.clone(),
                r.sales_tax.clone(),
                r.purchases_base.clone(),
                r.purchases_tax.clone(),
                String::new(),
                String::new(),
                String::new(),
            ]
        })
        .collect();
    rows.extend(out.ties.iter().map(|t| {
        vec![
            "ledger tie".into(),
            t.account.clone(),
            String::new(),
            t.currency.clone(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            t.documents.clone(),
            t.ledger.clone(),
            t.difference.clone(),
        ]
    }));
    crate::list::export_typed(
        format,
        &format!("tax-{}-{}", out.from, out.to),
        &headers,
        &crate::list::text_then_numbers(4, headers.len()),
        rows,
    )
}

#[derive(Serialize, ToSchema)]
pub struct StatementLineOut {
    pub(crate) date: String,
    /// `invoice`, `credit_note`, `bill`, `vendor_credit`, `payment` or `writeoff`.
    pub(crate) kind: String,
    /// The document's (or payment's) id.
    pub(crate) id: i64,
    pub(crate) number: String,
    pub(crate) reference: String,
    pub(crate) due_date: Option<String>,
    /// What the line adds to the balance (credits and payments negative).
    pub(crate) amount: String,
    pub(crate) balance: String,
}

#[derive(Serialize, ToSchema)]
pub struct StatementPartOut {
    pub(crate) currency: String,
    pub(crate) opening: String,
    pub(crate) lines: Vec<StatementLineOut>,
    pub(crate) closing: String,
    /// The aged buckets on the last day, one per `bucket_labels`.
    pub(crate) aging: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct StatementOut {
    pub(crate) party_id: i64,
    pub(crate) party_name: String,
    /// `receivables` (a customer's) or `payables` (a vendor's).
    pub(crate) side: String,
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) bucket_labels: Vec<String>,
    /// One per currency.
    pub(crate) parts: Vec<StatementPartOut>,
}

pub fn kind_label(kind: &str) -> &'static str {
    match kind {
        "invoice" => "Invoice",
        "credit_note" => "Credit note",
        "bill" => "Bill",
        "vendor_credit" => "Vendor credit",
        "payment" => "Payment",
        "writeoff" => "Write-off",
        _ => "Item",
    }
}

pub fn statement_out(s: &Statement) -> StatementOut {
    StatementOut {
        party_id: s.party_id.0,
        party_name: s.party_name.clone(),
        side: s.side.as_str().to_string(),
        from: s.from.to_string(),
        to: s.to.to_string(),
        bucket_labels: s.bucket_labels.clone(),
        parts: s
            .parts
            .iter()
            .map(|p| {
                let c = &p.currency;
                StatementPartOut {
                    currency: c.clone(),
                    opening: money(p.opening, c),
                    closing: money(p.closing, c),
                    aging: p.aging.iter().map(|v| money(*v, c)).collect(),
                    lines: p
                        .lines
                        .iter()
                        .map(|l| StatementLineOut {
                            date: l.date.to_string(),
                            kind: l.kind.clone(),
                            id: l.id,
                            number: l.number.clone(),
                            reference: l.reference.clone(),
                            due_date: l.due_date.map(|d| d.to_string()),
                            amount: money(l.amount, c),
                            balance: money(l.balance, c),
                        })
                        .collect(),
                }
            })
            .collect(),
    }
}

fn statement_document(company: &str, s: &Statement) -> BusinessDocument {
    let mut rows = Vec::new();
    let mut totals = Vec::new();
    for p in &s.parts {
        let c = &p.currency;
        rows.push(vec![
            s.from.to_string(),
            format!("Opening balance ({c})"),
            String::new(),
            String::new(),
            money(p.opening, c),
        ]);
        for l in &p.lines {
            rows.push(vec![
                l.date.to_string(),
                format!("{} {}", kind_label(&l.kind), l.number),
                l.due_date.map(|d| d.to_string()).unwrap_or_default(),
                money(l.amount, c),
                money(l.balance, c),
            ]);
        }
        totals.push((
            format!("Balance on {} ({c})", s.to),
            format!("{} {c}", money(p.closing, c)),
            true,
        ));
        for (label, v) in s.bucket_labels.iter().zip(&p.aging) {
            if *v != 0 {
                totals.push((
                    format!("{label} days overdue"),
                    format!("{} {c}", money(*v, c)),
                    false,
                ));
            }
        }
    }
    let mut notes = Vec::new();
    if s.side == Side::Receivables && s.parts.iter().any(|p| p.closing > 0) {
        notes.push("Please pay the amounts overdue; contact us if your records differ.".into());
    }
    BusinessDocument {
        title: "Statement".into(),
        number: format!("{} – {}", s.from, s.to),
        issuer: PartyBlock::new(company, Vec::<String>::new()),
        recipient: PartyBlock::new(
            s.party_name.clone(),
            s.address.lines().map(str::to_string).collect::<Vec<_>>(),
        ),
        meta: vec![
            ("From".into(), s.from.to_string()),
            ("To".into(), s.to.to_string()),
        ],
        columns: vec![
            Column::left("Date", 1.6),
            Column::left("Item", 3.6),
            Column::left("Due", 1.6),
            Column::right("Amount", 1.8),
            Column::right("Balance", 1.8),
        ],
        rows,
        totals,
        notes,
        footer: company.to_string(),
        creation_date: Some(s.to),
    }
}

/// A party's statement as a PDF download.
pub async fn statement_pdf<S: Backend>(
    store: &S,
    actor: &Actor,
    party: PartyId,
    side: Option<Side>,
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
) -> Result<Download> {
    let s = reports::statement(store, actor, party, side, from, to).await?;
    let name = format!("statement-{}-{}-{}.pdf", s.party_id.0, s.from, s.to);
    let doc = statement_document(&actor.company_name, &s);
    let bytes = steward_core::blocking::run(move || render(&doc)).await?;
    Ok(Download {
        name,
        content_type: "application/pdf".into(),
        bytes,
    })
}
