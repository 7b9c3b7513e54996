//! Aged receivables and payables as of any day: what each party still owes (or is owed),
//! by how long it is overdue, in buckets the user chooses (`30,60,90`: not due, 1-30,
//! 31-60, 61-90, over 90 days). A document counts with what it still owed on that day
//! (payments and credits dated after it do not count yet); credit notes not yet applied
//! and payments not yet allocated count against the party in the "not due" column. The
//! store adds it up per party in one grouped read.
use chrono::NaiveDate;
use serde::Serialize;
use std::future::Future;

use super::invoices::InvoiceKind;
use crate::auth::{Action, Actor, Domain};
use crate::ids::{CompanyId, PartyId};
use crate::{Error, Result};

pub const MAX_BUCKETS: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Receivables,
    Payables,
}

impl Side {
    pub fn parse(s: &str) -> Option<Side> {
        match s {
            "receivables" => Some(Side::Receivables),
            "payables" => Some(Side::Payables),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Receivables => "receivables",
            Side::Payables => "payables",
        }
    }
    pub fn domain(self) -> Domain {
        match self {
            Side::Receivables => Domain::Receivables,
            Side::Payables => Domain::Payables,
        }
    }
    /// The document kind that owes, and the one that credits it.
    pub fn kinds(self) -> (InvoiceKind, InvoiceKind) {
        match self {
            Side::Receivables => (InvoiceKind::Invoice, InvoiceKind::CreditNote),
            Side::Payables => (InvoiceKind::Bill, InvoiceKind::VendorCredit),
        }
    }
    pub fn payment_kind(self) -> &'static str {
        match self {
            Side::Receivables => "received",
            Side::Payables => "made",
        }
    }
}

/// Bucket edges in days overdue, ascending (`[30, 60, 90]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Buckets(Vec<i64>);

impl Default for Buckets {
    /// 30, 60 and 90 days.
    fn default() -> Self {
        Buckets(vec![30, 60, 90])
    }
}

impl Buckets {
    /// `30,60,90`: 1 to 8 whole numbers of days, each larger than the one before, at most
    /// 3650. Empty: 30, 60, 90.
    pub fn parse(field: &str, s: &str) -> Result<Buckets> {
        let t = s.trim();
        if t.is_empty() {
            return Ok(Buckets::default());
        }
        let bad = || {
            Error::invalid(
                field,
                "1 to 8 numbers of days, each larger than the one before (e.g. 30,60,90)",
            )
        };
        let mut out = Vec::new();
        for part in t.split(',') {
            let d: i64 = part.trim().parse().map_err(|_| bad())?;
            if !(1..=3650).contains(&d) || out.last().is_some_and(|l| *l >= d) {
                return Err(bad());
            }
            out.push(d);
        }
        if out.len() > MAX_BUCKETS {
            return Err(bad());
        }
        Ok(Buckets(out))
    }
    pub fn edges(&self) -> &[i64] {
        &self.0
    }
    /// The columns' headings: `Not due`, `1-30`, `31-60`, `61-90`, `Over 90`.
    pub fn labels(&self) -> Vec<String> {
        let mut out = vec!["Not due".to_string()];
        let mut from = 1;
        for e in &self.0 {
            out.push(format!("{from}-{e}"));
            from = e + 1;
        }
        if let Some(last) = self.0.last() {
            out.push(format!("Over {last}"));
        }
        out
    }
    pub fn text(&self) -> String {
        self.0
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// One party's line: amounts per bucket (as many as the labels) and the total, in minor
/// units of `currency`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgedRow {
    pub party_id: PartyId,
    pub party_name: String,
    pub currency: String,
    pub buckets: Vec<i64>,
    pub total: i64,
}

pub trait AgedStore: Send + Sync {
    /// Per party and currency: open amounts as of `as_of` by bucket, parties with nothing
    /// open left out, by party name.
    fn aged(
        &self,
        company: CompanyId,
        side: Side,
        as_of: NaiveDate,
        buckets: &Buckets,
    ) -> impl Future<Output = Result<Vec<AgedRow>>> + Send;
}

pub async fn aged<S: AgedStore>(
    store: &S,
    actor: &Actor,
    side: Side,
    as_of: NaiveDate,
    buckets: &Buckets,
) -> Result<Vec<AgedRow>> {
    super::gate(actor, side.domain(), Action::Read)?;
    store.aged(actor.company_id, side, as_of, buckets).await
}

/// The first day of each bucket boundary: a document whose due date is on or after
/// `starts[i]` is at most `edges[i]` days overdue as of `as_of`.
pub fn bucket_starts(as_of: NaiveDate, buckets: &Buckets) -> Vec<NaiveDate> {
    buckets
        .edges()
        .iter()
        .map(|e| as_of - chrono::Duration::days(*e))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_read_and_label() {
        let b = Buckets::parse("buckets", "").expect("default");
        assert_eq!(b.edges(), &[30, 60, 90]);
        assert_eq!(
            b.labels(),
            vec!["Not due", "1-30", "31-60", "61-90", "Over 90"]
        );
        let b = Buckets::parse("buckets", " 7, 14 ").expect("two");
        assert_eq!(b.labels(), vec!["Not due", "1-7", "8-14", "Over 14"]);
        for bad in ["30,30", "60,30", "0", "x", "1,2,3,4,5,6,7,8,9", "4000"] {
            assert!(Buckets::parse("buckets", bad).is_err(), "{bad}");
        }
    }
}
