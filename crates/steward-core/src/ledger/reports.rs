//! Reports: trial balance, balance sheet, income statement, cash-flow statement (with
//! comparative columns, by department or project, per commodity or converted), and an
//! account's ledger. They read the stored monthly balances, never every posting.
use chrono::{Datelike, Months, NaiveDate};
use serde::Serialize;
use std::collections::BTreeMap;

use super::entry::convert;
use super::service::rate_on;
use super::store::*;
use super::types::*;
use crate::auth::{authorize, Action, Actor, Domain, Permission, Target};
use crate::ids::{AccountId, CommodityId, DepartmentId};
use crate::list::Paging;
use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    #[default]
    TrialBalance,
    BalanceSheet,
    IncomeStatement,
    /// Indirect method: net income, non-cash items, working capital, investing and
    /// financing, tied to the change in the cash accounts (see [`CashFlowClass`]).
    CashFlow,
}

impl ReportKind {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "trial-balance" | "trial_balance" => Some(ReportKind::TrialBalance),
            "balance-sheet" | "balance_sheet" => Some(ReportKind::BalanceSheet),
            "income-statement" | "income_statement" => Some(ReportKind::IncomeStatement),
            "cash-flow" | "cash_flow" => Some(ReportKind::CashFlow),
            _ => None,
        }
    }
    pub fn slug(self) -> &'static str {
        match self {
            ReportKind::TrialBalance => "trial-balance",
            ReportKind::BalanceSheet => "balance-sheet",
            ReportKind::IncomeStatement => "income-statement",
            ReportKind::CashFlow => "cash-flow",
        }
    }
    pub fn title(self) -> &'static str {
        match self {
            ReportKind::TrialBalance => "Trial balance",
            ReportKind::BalanceSheet => "Balance sheet",
            ReportKind::IncomeStatement => "Income statement",
            ReportKind::CashFlow => "Cash-flow statement",
        }
    }
    /// Point-in-time reports sum everything up to a date; flow reports a range.
    pub fn is_point_in_time(self) -> bool {
        !matches!(self, ReportKind::IncomeStatement | ReportKind::CashFlow)
    }
    /// The API's and JSON's word (`trial_balance`, ...).
    pub fn key(self) -> &'static str {
        match self {
            ReportKind::TrialBalance => "trial_balance",
            ReportKind::BalanceSheet => "balance_sheet",
            ReportKind::IncomeStatement => "income_statement",
            ReportKind::CashFlow => "cash_flow",
        }
    }
    pub const ALL: [ReportKind; 4] = [
        ReportKind::TrialBalance,
        ReportKind::BalanceSheet,
        ReportKind::IncomeStatement,
        ReportKind::CashFlow,
    ];
}

/// Comparative columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Compare {
    #[default]
    None,
    Months,
    Quarters,
    Years,
    /// This year against last year, same dates.
    LastYear,
}

impl Compare {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "" | "none" => Some(Compare::None),
            "months" => Some(Compare::Months),
            "quarters" => Some(Compare::Quarters),
            "years" => Some(Compare::Years),
            "last-year" | "last_year" => Some(Compare::LastYear),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Compare::None => "none",
            Compare::Months => "months",
            Compare::Quarters => "quarters",
            Compare::Years => "years",
            Compare::LastYear => "last-year",
        }
    }
}

/// Columns by a dimension instead of by period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    #[default]
    None,
    Department,
    Project,
}

impl Dimension {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "" | "none" => Some(Dimension::None),
            "department" => Some(Dimension::Department),
            "project" => Some(Dimension::Project),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::None => "none",
            Dimension::Department => "department",
            Dimension::Project => "project",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    /// Point-in-time reports: up to and including this date (all dates when absent).
    pub as_of: Option<NaiveDate>,
    /// Flow reports (and a trial balance of a range): from and to, inclusive.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub compare: Compare,
    pub by: Dimension,
    /// Convert every amount into this commodity at the column's end date.
    pub convert_to: Option<String>,
    pub department: Option<DepartmentId>,
    pub project: Option<String>,
    /// Show parent accounts with their children's sums (statements only).
    pub tree: bool,
}

impl ReportOptions {
    /// From query parameters (`as_of`, `from`, `to`, `compare`, `by`, `convert`,
    /// `department`, `project`, `tree`), naming the bad one. Pages, the API and the CLI
    /// share it.
    pub fn from_params(get: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let get = |k: &str| {
            get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let date = |k: &str| get(k).map(|v| parse_date(k, &v)).transpose();
        Ok(ReportOptions {
            as_of: date("as_of")?,
            from: date("from")?,
            to: date("to")?,
            compare: match get("compare") {
                None => Compare::None,
                Some(v) => Compare::parse(&v).ok_or_else(|| {
                    Error::invalid("compare", "none, months, quarters, years or last-year")
                })?,
            },
            by: match get("by") {
                None => Dimension::None,
                Some(v) => Dimension::parse(&v)
                    .ok_or_else(|| Error::invalid("by", "none, department or project"))?,
            },
            convert_to: get("convert"),
            department: get("department")
                .map(|v| {
                    v.parse::<i64>()
                        .map(DepartmentId)
                        .map_err(|_| Error::invalid("department", "a department id"))
                })
                .transpose()?,
            project: get("project"),
            tree: matches!(get("tree").as_deref(), Some("1" | "true" | "on")),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Column {
    pub label: String,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportRow {
    pub account_id: Option<AccountId>,
    /// Full name (`Assets:Bank:Checking`); empty on total rows.
    pub account: String,
    /// What to show: the last part of the name in a tree, the label of a total row.
    pub label: String,
    pub depth: usize,
    pub commodity: String,
    pub precision: u8,
    /// One per column, in minor units. Statements show income, liabilities and equity
    /// with their normal (credit) balance as positive; the trial balance shows raw signs.
    pub amounts: Vec<i64>,
    pub is_total: bool,
}

impl ReportRow {
    pub fn formatted(&self, i: usize) -> String {
        self.amounts
            .get(i)
            .map(|a| crate::money::format_minor(*a, self.precision))
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    pub title: String,
    pub rows: Vec<ReportRow>,
    pub totals: Vec<ReportRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub kind: ReportKind,
    pub title: String,
    pub subtitle: String,
    pub columns: Vec<Column>,
    pub sections: Vec<Section>,
    /// Grand totals per commodity (trial balance: zero when the books balance; balance
    /// sheet: assets - liabilities - equity; income statement: net income).
    pub totals: Vec<ReportRow>,
    pub warnings: Vec<String>,
}

fn quarter_start(d: NaiveDate) -> NaiveDate {
    let m = (d.month0() / 3) * 3 + 1;
    NaiveDate::from_ymd_opt(d.year(), m, 1).unwrap_or(d)
}

fn add_months(d: NaiveDate, n: u32) -> Result<NaiveDate> {
    d.checked_add_months(Months::new(n))
        .ok_or_else(|| Error::invalid("to", "date out of range"))
}

/// The report's columns from its options. At most 36.
pub fn columns(kind: ReportKind, o: &ReportOptions, today: NaiveDate) -> Result<Vec<Column>> {
    let point = kind.is_point_in_time() && o.from.is_none();
    let end = o.as_of.or(o.to).unwrap_or(today);
    let start = match o.from {
        Some(f) => f,
        None if point => NaiveDate::from_ymd_opt(end.year(), 1, 1).unwrap_or(end),
        None => NaiveDate::from_ymd_opt(end.year(), 1, 1).unwrap_or(end),
    };
    if start > end {
        return Err(Error::invalid("from", "is after the end date"));
    }
    let label_range = |f: NaiveDate, t: NaiveDate| format!("{f} – {t}");
    let mut cols = Vec::new();
    let step = match o.compare {
        Compare::None => {
            let c = if point {
                Column {
                    label: o
                        .as_of
                        .or(o.to)
                        .map(|d| format!("As of {d}"))
                        .unwrap_or_else(|| "Balance".into()),
                    from: None,
                    to: o.as_of.or(o.to),
                }
            } else {
                Column {
                    label: label_range(start, end),
                    from: Some(start),
                    to: Some(end),
                }
            };
            return Ok(vec![c]);
        }
        Compare::LastYear => {
            let ly_end = end
                .checked_sub_months(Months::new(12))
                .ok_or_else(|| Error::invalid("to", "date out of range"))?;
            let ly_start = start
                .checked_sub_months(Months::new(12))
                .ok_or_else(|| Error::invalid("from", "date out of range"))?;
            for (f, t) in [(ly_start, ly_end), (start, end)] {
                cols.push(if point {
                    Column {
                        label: format!("{}", t.year()),
                        from: None,
                        to: Some(t),
                    }
                } else {
                    Column {
                        label: label_range(f, t),
                        from: Some(f),
                        to: Some(t),
                    }
                });
            }
            return Ok(cols);
        }
        Compare::Months => 1,
        Compare::Quarters => 3,
        Compare::Years => 12,
    };
    let mut f = match o.compare {
        Compare::Months => NaiveDate::from_ymd_opt(start.year(), start.month(), 1).unwrap_or(start),
        Compare::Quarters => quarter_start(start),
        _ => NaiveDate::from_ymd_opt(start.year(), 1, 1).unwrap_or(start),
    };
    while f <= end {
        let next = add_months(f, step)?;
        let t = next.pred_opt().unwrap_or(next).min(end);
        let label = match o.compare {
            Compare::Months => f.format("%Y-%m").to_string(),
            Compare::Quarters => format!("{} Q{}", f.year(), f.month0() / 3 + 1),
            _ => f.year().to_string(),
        };
        cols.push(Column {
            label,
            from: if point { None } else { Some(f.max(start)) },
            to: Some(t),
        });
        if cols.len() > 36 {
            return Err(Error::invalid(
                "compare",
                "at most 36 columns: choose a shorter range or wider columns",
            ));
        }
        f = next;
    }
    Ok(cols)
}

struct Ctx {
    accounts: BTreeMap<AccountId, Account>,
    commodities: BTreeMap<CommodityId, Commodity>,
    rates: Vec<Rate>,
}

/// Builds a trial balance, balance sheet or income statement.
pub async fn report(
    store: &impl LedgerStore,
    actor: &Actor,
    kind: ReportKind,
    o: &ReportOptions,
) -> Result<Report> {
    authorize(
        actor,
        Permission::new(Domain::Accounting, Action::Read),
        &Target::company(actor.company_id),
    )?;
    let accounts = store.all_accounts(actor.company_id).await?;
    let commodities = store.commodities(actor.company_id).await?;
    let rates = if o.convert_to.is_some() {
        store.rates(actor.company_id).await?
    } else {
        Vec::new()
    };
    if let Some(t) = &o.convert_to {
        if !commodities.iter().any(|c| &c.symbol == t) {
            return Err(Error::invalid(
                "convert",
                format!("unknown commodity `{t}`"),
            ));
        }
    }
    let ctx = Ctx {
        accounts: accounts.into_iter().map(|a| (a.id, a)).collect(),
        commodities: commodities.into_iter().map(|c| (c.id, c)).collect(),
        rates,
    };
    let today = chrono::Utc::now().date_naive();
    let mut warnings = Vec::new();
    // Each column is a set of (account, commodity symbol) -> amount.
    let mut cols: Vec<Column> = Vec::new();
    let mut data: Vec<BTreeMap<(AccountId, String), i64>> = Vec::new();
    if o.by != Dimension::None {
        let base = columns(
            kind,
            &ReportOptions {
                compare: Compare::None,
                ..o.clone()
            },
            today,
        )?;
        let c = base
            .into_iter()
            .next()
            .ok_or_else(|| Error::internal("no column"))?;
        let q = BalanceQuery {
            from: c.from,
            to: c.to,
            by_department: o.by == Dimension::Department,
            by_project: o.by == Dimension::Project,
            department: o.department,
            project: o.project.clone(),
        };
        let rows = store.balances(actor.company_id, &q).await?;
        let mut keys: Vec<String> = rows
            .iter()
            .map(|r| match o.by {
                Dimension::Department => r.department_id.map(|d| d.to_string()).unwrap_or_default(),
                _ => r.project.clone(),
            })
            .collect();
        keys.sort();
        keys.dedup();
        for k in &keys {
            let label = if k.is_empty() {
                format!("No {}", o.by.as_str())
            } else if o.by == Dimension::Department {
                format!("Department {k}")
            } else {
                k.clone()
            };
            cols.push(Column {
                label,
                from: c.from,
                to: c.to,
            });
            let sel: Vec<BalanceRow> = rows
                .iter()
                .filter(|r| match o.by {
                    Dimension::Department => {
                        r.department_id.map(|d| d.to_string()).unwrap_or_default() == *k
                    }
                    _ => r.project == *k,
                })
                .cloned()
                .collect();
            data.push(collect(
                &ctx,
                &sel,
                o.convert_to.as_deref(),
                c.to.unwrap_or(today),
                &mut warnings,
            ));
        }
        if cols.is_empty() {
            cols.push(c);
            data.push(BTreeMap::new());
        }
    } else {
        cols = columns(kind, o, today)?;
        for c in &cols {
            let q = BalanceQuery {
                from: c.from,
                to: c.to,
                by_department: false,
                by_project: false,
                department: o.department,
                project: o.project.clone(),
            };
            let rows = store.balances(actor.company_id, &q).await?;
            data.push(collect(
                &ctx,
                &rows,
                o.convert_to.as_deref(),
                c.to.unwrap_or(today),
                &mut warnings,
            ));
        }
    }
    warnings.sort();
    warnings.dedup();
    let subtitle = cols
        .iter()
        .map(|c| c.label.clone())
        .collect::<Vec<_>>()
        .join(", ");
    let n = cols.len();
    let (sections, totals) = match kind {
        ReportKind::TrialBalance => {
            let rows = flat_rows(&ctx, &data, |_| true, false);
            let totals = sum_rows(&rows, n, "Total");
            (
                vec![Section {
                    title: "Accounts".into(),
                    rows,
                    totals: Vec::new(),
                }],
                totals,
            )
        }
        ReportKind::BalanceSheet => {
            let mut sections = Vec::new();
            let mut net: Vec<ReportRow> = Vec::new();
            for (kind, title, sign) in [
                (AccountType::Asset, "Assets", 1),
                (AccountType::Liability, "Liabilities", -1),
                (AccountType::Equity, "Equity", -1),
            ] {
                let mut rows = section_rows(&ctx, &data, kind, sign, o.tree);
                if kind == AccountType::Equity {
                    // Income and expenses not yet closed into retained earnings.
                    let earnings = earnings_rows(&ctx, &data, n);
                    rows.extend(earnings);
                }
                let totals = sum_rows(&rows, n, &format!("Total {}", title.to_lowercase()));
                for t in &totals {
                    add_into(&mut net, t, sign, n, "Assets − liabilities − equity");
                }
                sections.push(Section {
                    title: title.into(),
                    rows,
                    totals,
                });
            }
            (sections, net)
        }
        ReportKind::IncomeStatement => {
            let mut sections = Vec::new();
            let mut net: Vec<ReportRow> = Vec::new();
            for (kind, title, sign, net_sign) in [
                (AccountType::Income, "Income", -1, 1),
                (AccountType::Expense, "Expenses", 1, -1),
            ] {
                let rows = section_rows(&ctx, &data, kind, sign, o.tree);
                let totals = sum_rows(&rows, n, &format!("Total {}", title.to_lowercase()));
                for t in &totals {
                    add_into(&mut net, t, net_sign, n, "Net income");
                }
                sections.push(Section {
                    title: title.into(),
                    rows,
                    totals,
                });
            }
            (sections, net)
        }
        ReportKind::CashFlow => {
            let (sections, totals) = cash_flow(&ctx, &data, n);
            for t in totals.iter().filter(|t| t.label == DIFFERENCE) {
                if t.amounts.iter().any(|v| *v != 0) {
                    warnings.push(format!(
                        "the sections do not add up to the change in the cash accounts in {} \
                         (entries between commodities, or amounts left unconverted): see the difference row",
                        t.commodity
                    ));
                }
            }
            (sections, totals)
        }
    };
    Ok(Report {
        kind,
        title: kind.title().into(),
        subtitle,
        columns: cols,
        sections,
        totals,
        warnings,
    })
}

/// Where an account's movement goes in the cash-flow statement. Accounts carry only their
/// type (asset, liability, ...), so the rest is read from the words of the name, any case:
/// cash is an asset named with `cash`, `bank`, `checking`, `savings` or `petty`; non-cash
/// items are accumulated `depreciation`, `amortization` or `impairment`; investing is a
/// non-current asset (`fixed`, `equipment`, `property`, `building`, `land`, `vehicle`,
/// `furniture`, `machinery`, `intangible`, `investment`, `non-current`, `long-term`);
/// financing is equity and long-term debt (`loan`, `mortgage`, `bond`, `debt`,
/// `non-current`, `long-term`); every other asset and liability is working capital. Income,
/// expenses and retained earnings (where the year-end close moves the year's result) make
/// net income.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CashFlowClass {
    Cash,
    NetIncome,
    NonCash,
    WorkingCapital,
    Investing,
    Financing,
}

fn name_has(a: &Account, words: &[&str]) -> bool {
    let n = a.name.as_str().to_lowercase();
    words.iter().any(|w| n.contains(w))
}

pub fn cash_flow_class(a: &Account) -> CashFlowClass {
    const NON_CASH: &[&str] = &["depreciation", "amortization", "amortisation", "impairment"];
    const LONG: &[&str] = &[
        "non-current",
        "noncurrent",
        "long-term",
        "long term",
        "longterm",
    ];
    match a.kind {
        AccountType::Income | AccountType::Expense => CashFlowClass::NetIncome,
        AccountType::Equity if a.name.as_str() == super::books::RETAINED_EARNINGS => {
            CashFlowClass::NetIncome
        }
        AccountType::Equity => CashFlowClass::Financing,
        _ if name_has(a, NON_CASH) => CashFlowClass::NonCash,
        AccountType::Asset
            if name_has(a, &["cash", "bank", "checking", "savings", "petty"])
                && !name_has(a, &["receivable", "clearing"]) =>
        {
            CashFlowClass::Cash
        }
        AccountType::Asset
            if name_has(a, LONG)
                || name_has(
                    a,
                    &[
                        "fixed",
                        "equipment",
                        "property",
                        "building",
                        "land",
                        "vehicle",
                        "furniture",
                        "machinery",
                        "intangible",
                        "investment",
                    ],
                ) =>
        {
            CashFlowClass::Investing
        }
        AccountType::Liability
            if name_has(a, LONG) || name_has(a, &["loan", "mortgage", "bond", "debt"]) =>
        {
            CashFlowClass::Financing
        }
        _ => CashFlowClass::WorkingCapital,
    }
}

/// The label of the cash-flow statement's check row.
pub const DIFFERENCE: &str = "Difference (cash accounts − sections)";

/// The cash-flow statement from each column's movements (raw signs, debit positive):
/// every non-cash account contributes the opposite of its movement (an asset that grew used
/// cash, a liability or equity that grew brought it), net income is the opposite of the
/// income, expense and retained-earnings movements. Per commodity the books balance, so the
/// sections add up to the cash accounts' change; the difference row shows where they do not.
fn cash_flow(
    ctx: &Ctx,
    data: &[BTreeMap<(AccountId, String), i64>],
    n: usize,
) -> (Vec<Section>, Vec<ReportRow>) {
    let class_of = |a: &Account| cash_flow_class(a);
    let rows_of = |class: CashFlowClass, sign: i64| {
        let mut rows = flat_rows(ctx, data, |a| class_of(a) == class, false);
        for r in &mut rows {
            for v in &mut r.amounts {
                *v *= sign;
            }
        }
        rows
    };
    // Net income per commodity: the opposite of the income and expense movements.
    let mut income: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for (i, d) in data.iter().enumerate() {
        for ((id, sym), v) in d {
            if ctx
                .accounts
                .get(id)
                .is_some_and(|a| class_of(a) == CashFlowClass::NetIncome)
            {
                income.entry(sym.clone()).or_insert_with(|| vec![0; n])[i] -= v;
            }
        }
    }
    let mut operating: Vec<ReportRow> = income
        .into_iter()
        .map(|(sym, amounts)| ReportRow {
            account_id: None,
            account: String::new(),
            label: "Net income".into(),
            depth: 0,
            precision: precision_of(ctx, &sym),
            commodity: sym,
            amounts,
            is_total: false,
        })
        .collect();
    operating.extend(rows_of(CashFlowClass::NonCash, -1));
    let mut sections = Vec::new();
    let mut net: Vec<ReportRow> = Vec::new();
    for (title, rows, total) in [
        (
            "Operating activities: net income and non-cash items",
            operating,
            "Net income adjusted for non-cash items",
        ),
        (
            "Operating activities: changes in working capital",
            rows_of(CashFlowClass::WorkingCapital, -1),
            "Change in working capital",
        ),
        (
            "Investing activities",
            rows_of(CashFlowClass::Investing, -1),
            "Net cash from investing activities",
        ),
        (
            "Financing activities",
            rows_of(CashFlowClass::Financing, -1),
            "Net cash from financing activities",
        ),
    ] {
        let totals = sum_rows(&rows, n, total);
        for t in &totals {
            add_into(&mut net, t, 1, n, "Net change in cash");
        }
        sections.push(Section {
            title: title.into(),
            rows,
            totals,
        });
    }
    let cash = rows_of(CashFlowClass::Cash, 1);
    let cash_totals = sum_rows(&cash, n, "Change in cash accounts");
    let mut diff: Vec<ReportRow> = Vec::new();
    for t in &cash_totals {
        add_into(&mut diff, t, 1, n, DIFFERENCE);
    }
    for t in &net {
        add_into(&mut diff, t, -1, n, DIFFERENCE);
    }
    sections.push(Section {
        title: "Cash accounts".into(),
        rows: cash,
        totals: cash_totals,
    });
    net.extend(diff);
    (sections, net)
}

fn collect(
    ctx: &Ctx,
    rows: &[BalanceRow],
    convert_to: Option<&str>,
    at: NaiveDate,
    warnings: &mut Vec<String>,
) -> BTreeMap<(AccountId, String), i64> {
    let mut out: BTreeMap<(AccountId, String), i64> = BTreeMap::new();
    let target = convert_to.and_then(|t| ctx.commodities.values().find(|c| c.symbol == t));
    for r in rows {
        let Some(c) = ctx.commodities.get(&r.commodity_id) else {
            continue;
        };
        let (sym, amount) = match target {
            Some(t) if t.id != c.id => match rate_on(&ctx.rates, &c.symbol, &t.symbol, at)
                .and_then(|rate| convert(r.amount, c.precision, rate, t.precision))
            {
                Some(v) => (t.symbol.clone(), v),
                None => {
                    warnings.push(format!(
                        "no rate {} → {} on or before {at}: shown unconverted",
                        c.symbol, t.symbol
                    ));
                    (c.symbol.clone(), r.amount)
                }
            },
            _ => (c.symbol.clone(), r.amount),
        };
        *out.entry((r.account_id, sym)).or_default() += amount;
    }
    out
}

fn precision_of(ctx: &Ctx, symbol: &str) -> u8 {
    ctx.commodities
        .values()
        .find(|c| c.symbol == symbol)
        .map(|c| c.precision)
        .unwrap_or(2)
}

/// Leaf rows (one per account and commodity with any non-zero column), by account name.
fn flat_rows(
    ctx: &Ctx,
    data: &[BTreeMap<(AccountId, String), i64>],
    keep: impl Fn(&Account) -> bool,
    _tree: bool,
) -> Vec<ReportRow> {
    let mut keys: Vec<(AccountId, String)> = data.iter().flat_map(|d| d.keys().cloned()).collect();
    keys.sort();
    keys.dedup();
    let mut rows: Vec<ReportRow> = keys
        .into_iter()
        .filter_map(|(id, sym)| {
            let a = ctx.accounts.get(&id)?;
            if !keep(a) {
                return None;
            }
            let amounts: Vec<i64> = data
                .iter()
                .map(|d| d.get(&(id, sym.clone())).copied().unwrap_or(0))
                .collect();
            if amounts.iter().all(|v| *v == 0) {
                return None;
            }
            Some(ReportRow {
                account_id: Some(id),
                account: a.name.to_string(),
                label: a.name.to_string(),
                depth: 0,
                precision: precision_of(ctx, &sym),
                commodity: sym,
                amounts,
                is_total: false,
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        a.account
            .cmp(&b.account)
            .then(a.commodity.cmp(&b.commodity))
    });
    rows
}

/// A statement section: the accounts of one kind, signs turned to the normal balance,
/// with parents summing their children when `tree` is set.
fn section_rows(
    ctx: &Ctx,
    data: &[BTreeMap<(AccountId, String), i64>],
    kind: AccountType,
    sign: i64,
    tree: bool,
) -> Vec<ReportRow> {
    let mut leaves = flat_rows(ctx, data, |a| a.kind == kind, tree);
    for r in &mut leaves {
        for v in &mut r.amounts {
            *v *= sign;
        }
    }
    if !tree {
        return leaves;
    }
    // Every ancestor of a shown account gets a row that sums its descendants.
    let mut sums: BTreeMap<(String, String), Vec<i64>> = BTreeMap::new();
    let n = data.len();
    for r in &leaves {
        let name = match AccountName::parse(&r.account) {
            Ok(n) => n,
            Err(_) => continue,
        };
        for anc in name.ancestors_and_self() {
            let e = sums
                .entry((anc.to_string(), r.commodity.clone()))
                .or_insert_with(|| vec![0; n]);
            for (i, v) in r.amounts.iter().enumerate() {
                e[i] += v;
            }
        }
    }
    let ids: std::collections::HashMap<&str, AccountId> = ctx
        .accounts
        .values()
        .map(|a| (a.name.as_str(), a.id))
        .collect();
    sums.into_iter()
        .map(|((name, sym), amounts)| {
            let an = AccountName::parse(&name).ok();
            let id = ids.get(name.as_str()).copied();
            ReportRow {
                account_id: id,
                label: an
                    .as_ref()
                    .map(|a| a.leaf().to_string())
                    .unwrap_or_else(|| name.clone()),
                depth: an.as_ref().map(|a| a.depth()).unwrap_or(0),
                account: name,
                precision: precision_of(ctx, &sym),
                commodity: sym,
                amounts,
                is_total: false,
            }
        })
        .collect()
}

fn earnings_rows(
    ctx: &Ctx,
    data: &[BTreeMap<(AccountId, String), i64>],
    n: usize,
) -> Vec<ReportRow> {
    let mut per: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for (i, d) in data.iter().enumerate() {
        for ((id, sym), v) in d {
            if let Some(a) = ctx.accounts.get(id) {
                if !a.kind.is_balance_sheet() {
                    per.entry(sym.clone()).or_insert_with(|| vec![0; n])[i] -= v;
                }
            }
        }
    }
    per.into_iter()
        .filter(|(_, v)| v.iter().any(|x| *x != 0))
        .map(|(sym, amounts)| ReportRow {
            account_id: None,
            account: String::new(),
            label: "Current earnings (not yet closed)".into(),
            depth: 1,
            precision: precision_of(ctx, &sym),
            commodity: sym,
            amounts,
            is_total: false,
        })
        .collect()
}

/// Totals per commodity over the top-level rows (depth 0 rows of a tree, or all leaves).
fn sum_rows(rows: &[ReportRow], n: usize, label: &str) -> Vec<ReportRow> {
    let min_depth = rows.iter().map(|r| r.depth).min().unwrap_or(0);
    let tree = rows.iter().any(|r| r.depth > min_depth);
    let mut out: Vec<ReportRow> = Vec::new();
    for r in rows
        .iter()
        .filter(|r| !tree || r.depth == min_depth || r.account_id.is_none())
    {
        add_into(&mut out, r, 1, n, label);
    }
    out
}

fn add_into(out: &mut Vec<ReportRow>, r: &ReportRow, sign: i64, n: usize, label: &str) {
    let t = match out.iter_mut().find(|t| t.commodity == r.commodity) {
        Some(t) => t,
        None => {
            out.push(ReportRow {
                account_id: None,
                account: String::new(),
                label: label.to_string(),
                depth: 0,
                commodity: r.commodity.clone(),
                precision: r.precision,
                amounts: vec![0; n],
                is_total: true,
            });
            let last = out.len() - 1;
            &mut out[last]
        }
    };
    for (i, v) in r.amounts.iter().enumerate() {
        if let Some(x) = t.amounts.get_mut(i) {
            *x += v * sign;
        }
    }
}

/// The trial balance as the CLI and the parity checks print it: `account,commodity,amount`,
/// one row per leaf account and commodity with a non-zero balance, plain decimals. Written by
/// steward-io's one CSV writer: names that start like a formula are defused, amounts (a
/// numeric column) stay numbers.
pub fn trial_balance_csv(report: &Report) -> String {
    use steward_io::ColumnKind::{Number, Text};
    let rows = report.sections.iter().flat_map(|s| {
        s.rows
            .iter()
            .filter(|r| r.amounts.first().copied().unwrap_or(0) != 0)
            .map(|r| vec![r.account.clone(), r.commodity.clone(), r.formatted(0)])
    });
    let bytes = steward_io::write_csv_typed(
        &["account", "commodity", "amount"],
        &[Text, Text, Number],
        rows,
    );
    // The writer only ever copies UTF-8 text and ASCII punctuation.
    String::from_utf8(bytes).unwrap_or_default()
}

#[derive(Debug, Clone, Serialize)]
pub struct AccountLedger {
    pub account: Account,
    pub commodities: Vec<Commodity>,
    pub page: LedgerPage,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// One account's posted lines with running balances, paged.
pub async fn account_ledger(
    store: &impl LedgerStore,
    actor: &Actor,
    account: AccountId,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    paging: Paging,
) -> Result<AccountLedger> {
    authorize(
        actor,
        Permission::new(Domain::Accounting, Action::Read),
        &Target::company(actor.company_id),
    )?;
    let a = store
        .get_account(actor.company_id, account)
        .await?
        .ok_or(Error::NotFound { entity: "account" })?;
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            return Err(Error::invalid("from", "is after `to`"));
        }
    }
    let page = store
        .account_ledger(actor.company_id, account, from, to, paging)
        .await?;
    let commodities = store.commodities(actor.company_id).await?;
    Ok(AccountLedger {
        account: a,
        commodities,
        page,
        from,
        to,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn comparative_columns() {
        let o = ReportOptions {
            from: Some(d("2026-01-15")),
            to: Some(d("2026-06-30")),
            compare: Compare::Quarters,
            ..Default::default()
        };
        let c = columns(ReportKind::IncomeStatement, &o, d("2026-11-23")).expect("cols");
        assert_eq!(
            c.iter().map(|c| c.label.as_str()).collect::<Vec<_>>(),
            vec!["2026 Q1", "2026 Q2"]
        );
        assert_eq!(c[0].from, Some(d("2026-01-15")));
        assert_eq!(c[1].to, Some(d("2026-06-30")));
        let o = ReportOptions {
            as_of: Some(d("2026-03-10")),
            compare: Compare::Months,
            ..Default::default()
        };
        let c = columns(ReportKind::BalanceSheet, &o, d("2026-11-23")).expect("cols");
        assert_eq!(c.len(), 3);
        assert!(c.iter().all(|c| c.from.is_none()));
        assert_eq!(c[2].to, Some(d("2026-03-10")));
        let o = ReportOptions {
            from: Some(d("2026-01-01")),
            to: Some(d("2026-06-30")),
            compare: Compare::LastYear,
            ..Default::default()
        };
        let c = columns(ReportKind::IncomeStatement, &o, d("2026-11-23")).expect("cols");
        assert_eq!(c[0].from, Some(d("2025-01-01")));
        let o = ReportOptions {
            from: Some(d("2000-01-01")),
            to: Some(d("2026-06-30")),
            compare: Compare::Months,
            ..Default::default()
        };
        assert!(columns(ReportKind::IncomeStatement, &o, d("2026-11-23")).is_err());
    }
}
