//! Billing's dashboard tiles: overdue receivables (`receivables.read`) and bills due this
//! week (`payables.read`), each one grouped read of open documents by due-date bucket
//! (`BillingReportStore::open_by_due`). Registered by `billing::register`.
use chrono::{Datelike, Duration, NaiveDate};

use super::aged::Side;
use super::reports::{BillingReportStore, DueSum};
use crate::auth::{Action, Actor, Domain};
use crate::money::format_in;
use crate::work::dashboard::{Bar, Tile, TileFuture, TileLine, TileSource};

/// Amounts per currency of the sums in `buckets`: `1,200.00 EUR, 300.00 USD`.
fn amounts(sums: &[DueSum], keep: impl Fn(usize) -> bool) -> String {
    let mut per: std::collections::BTreeMap<&str, i64> = Default::default();
    for s in sums.iter().filter(|s| keep(s.bucket)) {
        *per.entry(s.currency.as_str()).or_default() += s.amount;
    }
    per.iter()
        .map(|(c, v)| format!("{} {c}", format_in(*v, c)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn count(sums: &[DueSum], keep: impl Fn(usize) -> bool) -> i64 {
    sums.iter()
        .filter(|s| keep(s.bucket))
        .map(|s| s.count)
        .sum()
}

/// Posted invoices past their due date that still owe, by how long overdue.
pub struct OverdueReceivables;

/// The overdue buckets' edges as of `today`: over 90, 61-90, 31-60, 1-30 days, then not
/// yet due (bucket 4, not counted).
pub fn overdue_edges(today: NaiveDate) -> Vec<NaiveDate> {
    vec![
        today - Duration::days(90),
        today - Duration::days(60),
        today - Duration::days(30),
        today,
    ]
}

pub async fn overdue_tile<S: BillingReportStore>(
    store: &S,
    actor: &Actor,
    today: NaiveDate,
) -> crate::Result<Vec<Tile>> {
    if !super::allowed(actor, Domain::Receivables, Action::Read) {
        return Ok(Vec::new());
    }
    let sums = store
        .open_by_due(
            actor.company_id,
            Side::Receivables,
            today,
            &overdue_edges(today),
        )
        .await?;
    let overdue = |b: usize| b < 4;
    let labels = ["Over 90 days", "61-90 days", "31-60 days", "1-30 days"];
    let bars = (0..4)
        .rev()
        .map(|b| Bar {
            label: labels[b].to_string(),
            value: count(&sums, |x| x == b),
            link: Some(format!("/billing/aged?side=receivables&as_of={today}")),
        })
        .collect();
    let lines = (0..4)
        .rev()
        .filter(|b| count(&sums, |x| x == *b) > 0)
        .map(|b| TileLine {
            text: format!("{}: {}", labels[b], amounts(&sums, |x| x == b)),
            when: None,
            link: None,
        })
        .collect();
    let total = amounts(&sums, overdue);
    let caption = if total.is_empty() {
        "invoices past due".to_string()
    } else {
        format!("invoices past due: {total}")
    };
    Ok(vec![Tile::new(
        "billing.overdue",
        "Overdue receivables",
        count(&sums, overdue),
        &caption,
        &format!("/billing/aged?side=receivables&as_of={today}"),
    )
    .with_bars(bars)
    .with_lines(lines)])
}

impl<S: BillingReportStore + Sync> TileSource<S> for OverdueReceivables {
    fn name(&self) -> &'static str {
        "Overdue receivables"
    }
    fn tiles<'a>(&'a self, store: &'a S, actor: &'a Actor) -> TileFuture<'a> {
        Box::pin(overdue_tile(store, actor, crate::ledger::service::today()))
    }
}

/// Posted bills that still owe, due from today to Sunday, with those already overdue.
pub struct BillsDue;

/// Bucket 0: overdue; 1: due from today to the end of the week (Sunday).
pub fn week_edges(today: NaiveDate) -> Vec<NaiveDate> {
    let days_left = 7 - i64::from(today.weekday().num_days_from_monday());
    vec![today, today + Duration::days(days_left)]
}

pub async fn bills_tile<S: BillingReportStore>(
    store: &S,
    actor: &Actor,
    today: NaiveDate,
) -> crate::Result<Vec<Tile>> {
    if !super::allowed(actor, Domain::Payables, Action::Read) {
        return Ok(Vec::new());
    }
    let edges = week_edges(today);
    let sums = store
        .open_by_due(actor.company_id, Side::Payables, today, &edges)
        .await?;
    let link = format!("/billing/aged?side=payables&as_of={today}");
    let bars = vec![
        Bar {
            label: "Due this week".into(),
            value: count(&sums, |b| b == 1),
            link: Some(link.clone()),
        },
        Bar {
            label: "Overdue".into(),
            value: count(&sums, |b| b == 0),
            link: Some(link.clone()),
        },
    ];
    let mut lines = Vec::new();
    for (b, label) in [(1, "Due this week"), (0, "Overdue")] {
        let a = amounts(&sums, |x| x == b);
        if !a.is_empty() {
            lines.push(TileLine {
                text: format!("{label}: {a}"),
                when: None,
                link: None,
            });
        }
    }
    let sunday = edges[1] - Duration::days(1);
    Ok(vec![Tile::new(
        "billing.bills_due",
        "Bills due this week",
        count(&sums, |b| b == 1),
        &format!("bills due by {sunday}"),
        &link,
    )
    .with_bars(bars)
    .with_lines(lines)])
}

impl<S: BillingReportStore + Sync> TileSource<S> for BillsDue {
    fn name(&self) -> &'static str {
        "Bills due this week"
    }
    fn tiles<'a>(&'a self, store: &'a S, actor: &'a Actor) -> TileFuture<'a> {
        Box::pin(bills_tile(store, actor, crate::ledger::service::today()))
    }
}
