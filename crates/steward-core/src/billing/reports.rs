//! Billing's reports: the tax report per tax code and period (tied to the ledger) and a
//! party's statement (documents and payments between two days, running balance, aging at
//! the end).
//!
//! **Tax report.** From posted documents' lines dated (issue date) in the period, per tax
//! code and currency: the taxable base and the tax on sales (invoices less credit notes)
//! and on purchases (bills less vendor credits). It ties to the ledger: for each account
//! a tax code posts to, what the documents posted there (sales tax credited, purchase tax
//! debited) against the account's movement over the period in the ledger (its stored
//! monthly balances and the postings of partial months), and the difference: other entries
//! on the account (a settlement with the tax office, a manual correction) or a tax code
//! whose account was changed after posting.
//!
//! **Statement.** A customer's (receivables) or vendor's (payables) documents and payments
//! in a range, per currency: the opening balance (everything before the first day), each
//! item with the running balance, the closing balance, and the aged buckets on the last
//! day. The closing balance equals the aged report's total for the party on that day (both
//! count every document, credit and payment up to it).
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;
use std::future::Future;

use super::aged::{AgedStore, Buckets, Side};
use super::invoices::InvoiceKind;
use super::parties::PartyStore;
use crate::auth::{Action, Actor, Domain};
use crate::ids::{AccountId, CompanyId, PartyId, TaxCodeId};
use crate::ledger::{BalanceQuery, LedgerStore};
use crate::{Error, Result};

/// Posted lines summed per tax code (none for lines without one), document kind and
/// currency, over a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxSum {
    pub tax_code_id: Option<TaxCodeId>,
    pub kind: InvoiceKind,
    pub currency: String,
    pub net: i64,
    pub tax: i64,
}

/// One item of a statement as stored: a posted document or a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementItem {
    pub date: NaiveDate,
    /// `invoice`, `credit_note`, `bill`, `vendor_credit`, `payment`.
    pub kind: String,
    pub id: i64,
    pub number: String,
    pub reference: String,
    pub due_date: Option<NaiveDate>,
    pub currency: String,
    /// Documents: the total; payments: the amount and the write-off.
    pub amount: i64,
    pub writeoff: i64,
}

/// Open documents (what they still owe as of a day, above zero) counted and summed per
/// due-date bucket and currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueSum {
    /// How many of the edges the due date is on or after (see
    /// [`BillingReportStore::open_by_due`]).
    pub bucket: usize,
    pub currency: String,
    pub count: i64,
    pub amount: i64,
}

/// What a statement reads: the sums before its first day per currency, and its items.
pub type StatementRows = (Vec<(String, i64)>, Vec<StatementItem>);

pub trait BillingReportStore: Send + Sync {
    /// The side's posted documents that owe (invoices or bills) issued up to `as_of`, due
    /// before the last of `edges` (ascending days) and still open as of `as_of`
    /// (allocations dated up to it), per bucket and currency: bucket `i` is a due date on
    /// or after `edges[i-1]` and before `edges[i]` (bucket 0: before `edges[0]`).
    fn open_by_due(
        &self,
        company: CompanyId,
        side: Side,
        as_of: NaiveDate,
        edges: &[NaiveDate],
    ) -> impl Future<Output = Result<Vec<DueSum>>> + Send;
    /// Posted documents' lines with `from <= issue date <= to`, summed per tax code, kind
    /// and currency.
    fn tax_sums(
        &self,
        company: CompanyId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> impl Future<Output = Result<Vec<TaxSum>>> + Send;
    /// A party's side: the sums before `from` per currency (documents that owe positive,
    /// credits and payments with their write-off negative), and the items dated
    /// `from..=to`, by date and id.
    fn statement_items(
        &self,
        company: CompanyId,
        party: PartyId,
        side: Side,
        from: NaiveDate,
        to: NaiveDate,
    ) -> impl Future<Output = Result<StatementRows>> + Send;
}

/// One tax code's line (or the lines without a code) in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaxRow {
    pub tax_code_id: Option<TaxCodeId>,
    /// Empty for lines without a tax code.
    pub code: String,
    pub name: String,
    /// Ten-thousandths of a percent.
    pub rate: i64,
    pub currency: String,
    /// Invoices less credit notes.
    pub sales_base: i64,
    pub sales_tax: i64,
    /// Bills less vendor credits.
    pub purchases_base: i64,
    pub purchases_tax: i64,
}

/// A tax account: what the documents posted to it against its ledger movement (debit
/// positive), in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaxTie {
    pub account_id: AccountId,
    pub account: String,
    pub currency: String,
    pub documents: i64,
    pub ledger: i64,
    /// Ledger less documents: zero when the account ties.
    pub difference: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaxReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub rows: Vec<TaxRow>,
    pub ties: Vec<TaxTie>,
}

impl TaxReport {
    /// Whether every tax account ties to the ledger.
    pub fn ties_out(&self) -> bool {
        self.ties.iter().all(|t| t.difference == 0)
    }
}

/// The period of a report: `to` today when absent, `from` the first day of `to`'s month
/// (`year`: of its year) when absent; `from` not after `to`.
pub fn period(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    year: bool,
) -> Result<(NaiveDate, NaiveDate)> {
    use chrono::Datelike;
    let to = to.unwrap_or_else(crate::ledger::service::today);
    let from = from.unwrap_or_else(|| {
        let m = if year { 1 } else { to.month() };
        NaiveDate::from_ymd_opt(to.year(), m, 1).unwrap_or(to)
    });
    if from > to {
        return Err(Error::invalid("from", "is after `to`"));
    }
    Ok((from, to))
}

/// Who reads the tax report: whoever reads the books (it spans sales and purchases and
/// reads the ledger).
pub async fn tax_report<S: BillingReportStore + LedgerStore + super::tax::TaxStore>(
    store: &S,
    actor: &Actor,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<TaxReport> {
    super::gate(actor, Domain::Accounting, Action::Read)?;
    let (from, to) = period(from, to, false)?;
    let company = actor.company_id;
    let sums = store.tax_sums(company, from, to).await?;
    let codes = store.tax_codes(company).await?;
    let accounts = store.all_accounts(company).await?;
    let commodities = store.commodities(company).await?;
    let balances = store
        .balances(
            company,
            &BalanceQuery {
                from: Some(from),
                to: Some(to),
                ..Default::default()
            },
        )
        .await?;
    let mut rows: BTreeMap<(String, Option<i64>, String), TaxRow> = BTreeMap::new();
    // (account, currency) -> what the documents posted there.
    let mut posted: BTreeMap<(AccountId, String), i64> = BTreeMap::new();
    for s in &sums {
        let code = s
            .tax_code_id
            .and_then(|id| codes.iter().find(|c| c.id == id));
        let key = (
            code.map(|c| c.code.clone()).unwrap_or_default(),
            s.tax_code_id.map(|i| i.0),
            s.currency.clone(),
        );
        let row = rows.entry(key).or_insert_with(|| TaxRow {
            tax_code_id: s.tax_code_id,
            code: code.map(|c| c.code.clone()).unwrap_or_default(),
            name: code
                .map(|c| c.name.clone())
                .unwrap_or_else(|| "No tax code".into()),
            rate: code.map(|c| c.rate).unwrap_or(0),
            currency: s.currency.clone(),
            sales_base: 0,
            sales_tax: 0,
            purchases_base: 0,
            purchases_tax: 0,
        });
        let sign = if s.kind.is_credit() { -1 } else { 1 };
        if s.kind.is_sales() {
            row.sales_base += sign * s.net;
            row.sales_tax += sign * s.tax;
        } else {
            row.purchases_base += sign * s.net;
            row.purchases_tax += sign * s.tax;
        }
        // Posting: sales tax is credited to the collected account, purchase tax debited
        // to the paid account; credits reverse their kind.
        let account = code.and_then(|c| {
            if s.kind.is_sales() {
                c.collected_account_id
            } else {
                c.paid_account_id
            }
        });
        if let Some(a) = account {
            let debit = if s.kind.is_sales() { -sign } else { sign };
            *posted.entry((a, s.currency.clone())).or_default() += debit * s.tax;
        }
    }
    // Every account a tax code posts to is checked, also when no document did.
    for c in &codes {
        for a in [c.collected_account_id, c.paid_account_id]
            .into_iter()
            .flatten()
        {
            for s in sums.iter().map(|s| s.currency.clone()) {
                posted.entry((a, s)).or_default();
            }
        }
    }
    let mut ledger: BTreeMap<(AccountId, String), i64> = BTreeMap::new();
    for b in &balances {
        let is_tax = codes.iter().any(|c| {
            c.collected_account_id == Some(b.account_id) || c.paid_account_id == Some(b.account_id)
        });
        if !is_tax {
            continue;
        }
        let Some(sym) = commodities.iter().find(|c| c.id == b.commodity_id) else {
            continue;
        };
        *ledger
            .entry((b.account_id, sym.symbol.clone()))
            .or_default() += b.amount;
    }
    let mut keys: Vec<(AccountId, String)> = posted.keys().chain(ledger.keys()).cloned().collect();
    keys.sort();
    keys.dedup();
    let mut ties: Vec<TaxTie> = keys
        .into_iter()
        .map(|(a, cur)| {
            let documents = posted.get(&(a, cur.clone())).copied().unwrap_or(0);
            let l = ledger.get(&(a, cur.clone())).copied().unwrap_or(0);
            TaxTie {
                account_id: a,
                account: accounts
                    .iter()
                    .find(|x| x.id == a)
                    .map(|x| x.name.to_string())
                    .unwrap_or_default(),
                currency: cur,
                documents,
                ledger: l,
                difference: l - documents,
            }
        })
        .collect();
    ties.sort_by(|a, b| a.account.cmp(&b.account).then(a.currency.cmp(&b.currency)));
    let mut rows: Vec<TaxRow> = rows.into_values().collect();
    // Codes first by code, the lines without one last.
    rows.sort_by(|a, b| {
        (a.code.is_empty(), &a.code, &a.currency).cmp(&(b.code.is_empty(), &b.code, &b.currency))
    });
    Ok(TaxReport {
        from,
        to,
        rows,
        ties,
    })
}

/// One line of a statement with the balance after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementLine {
    pub date: NaiveDate,
    pub kind: String,
    /// The document's or payment's id (the page links it).
    pub id: i64,
    pub number: String,
    pub reference: String,
    pub due_date: Option<NaiveDate>,
    /// What the line adds to what the party owes (or is owed): documents that owe
    /// positive, credits, payments and write-offs negative.
    pub amount: i64,
    pub balance: i64,
}

/// A statement in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementPart {
    pub currency: String,
    pub opening: i64,
    pub lines: Vec<StatementLine>,
    pub closing: i64,
    /// The aged buckets on the last day (labels in [`Statement::bucket_labels`]).
    pub aging: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statement {
    pub party_id: PartyId,
    pub party_name: String,
    pub address: String,
    pub side: Side,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub bucket_labels: Vec<String>,
    pub parts: Vec<StatementPart>,
}

/// The side a statement shows when none is asked: the customer's, else the vendor's.
pub fn default_side(p: &super::parties::Party) -> Side {
    if p.is_customer {
        Side::Receivables
    } else {
        Side::Payables
    }
}

/// A party's statement. The party is read as the actor may see it (another company's or
/// a side the actor may not read is 404 / 403); the side needs its `read` grant.
pub async fn statement<S: BillingReportStore + PartyStore + AgedStore>(
    store: &S,
    actor: &Actor,
    party: PartyId,
    side: Option<Side>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Statement> {
    let p = super::parties::get(store, actor, party).await?;
    let side = side.unwrap_or_else(|| default_side(&p));
    super::gate(actor, side.domain(), Action::Read)?;
    let is_side = match side {
        Side::Receivables => p.is_customer,
        Side::Payables => p.is_vendor,
    };
    if !is_side {
        return Err(Error::invalid(
            "side",
            match side {
                Side::Receivables => "this party is not a customer",
                Side::Payables => "this party is not a vendor",
            },
        ));
    }
    let (from, to) = period(from, to, true)?;
    let buckets = Buckets::default();
    let (opening, items) = store
        .statement_items(actor.company_id, p.id, side, from, to)
        .await?;
    let aged = store.aged(actor.company_id, side, to, &buckets).await?;
    Ok(build_statement(
        &p, side, from, to, &buckets, opening, items, &aged,
    ))
}

/// The statement from the stored sums and items (pure: the running balances).
#[allow(clippy::too_many_arguments)]
pub fn build_statement(
    p: &super::parties::Party,
    side: Side,
    from: NaiveDate,
    to: NaiveDate,
    buckets: &Buckets,
    opening: Vec<(String, i64)>,
    items: Vec<StatementItem>,
    aged: &[super::aged::AgedRow],
) -> Statement {
    let (owing, _) = side.kinds();
    let mut parts: BTreeMap<String, StatementPart> = BTreeMap::new();
    let n = buckets.labels().len();
    let part = |parts: &mut BTreeMap<String, StatementPart>, cur: &str| {
        parts
            .entry(cur.to_string())
            .or_insert_with(|| StatementPart {
                currency: cur.to_string(),
                opening: 0,
                lines: Vec::new(),
                closing: 0,
                aging: vec![0; n],
            });
    };
    for (cur, v) in &opening {
        part(&mut parts, cur);
        if let Some(x) = parts.get_mut(cur) {
            x.opening += v;
            x.closing += v;
        }
    }
    for it in items {
        part(&mut parts, &it.currency);
        let Some(x) = parts.get_mut(&it.currency) else {
            continue;
        };
        let mut push = |kind: &str, amount: i64, number: &str, reference: &str| {
            x.closing += amount;
            x.lines.push(StatementLine {
                date: it.date,
                kind: kind.to_string(),
                id: it.id,
                number: number.to_string(),
                reference: reference.to_string(),
                due_date: it.due_date,
                amount,
                balance: x.closing,
            });
        };
        if it.kind == "payment" {
            push("payment", -it.amount, &it.number, &it.reference);
            if it.writeoff != 0 {
                push("writeoff", -it.writeoff, &it.number, "write-off");
            }
        } else {
            let sign = if it.kind == owing.as_str() { 1 } else { -1 };
            push(&it.kind, sign * it.amount, &it.number, &it.reference);
        }
    }
    for a in aged.iter().filter(|a| a.party_id == p.id) {
        part(&mut parts, &a.currency);
        if let Some(x) = parts.get_mut(&a.currency) {
            x.aging = a.buckets.clone();
        }
    }
    Statement {
        party_id: p.id,
        party_name: p.name.clone(),
        address: p.address.clone(),
        side,
        from,
        to,
        bucket_labels: buckets.labels(),
        parts: parts.into_values().collect(),
    }
}
