//! Turning what a person typed (or a client sent) into a balanced [`NewEntry`]: accounts
//! looked up by name or code, amounts parsed exactly in their commodity, prices converted
//! with the one rounding rule, one line without an amount filled in, and the balance
//! checked per commodity. Each error names the line and field (`lines[2].amount`).
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::types::*;
use crate::error::Validator;
use crate::ids::{CommodityId, DepartmentId, EntryId, JournalId};
use crate::money::{format_minor, parse_decimal, round_div};
use crate::{Error, Result};

/// An entry as a client sends it. Unknown fields are refused by the API layer.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct EntryInput {
    /// `YYYY-MM-DD`
    pub date: String,
    /// Journal code; the general journal when absent.
    #[serde(default)]
    pub journal: Option<String>,
    #[serde(default)]
    pub reference: String,
    pub description: String,
    #[serde(default)]
    pub comment: String,
    pub lines: Vec<LineInput>,
}

/// One line: `amount` (signed: positive is a debit) or one of `debit` / `credit`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LineInput {
    /// Full name (`Assets:Bank:Checking`) or code (`1010`).
    pub account: String,
    #[serde(default)]
    pub amount: Option<String>,
    #[serde(default)]
    pub debit: Option<String>,
    #[serde(default)]
    pub credit: Option<String>,
    /// The line's commodity; the account's or the company's currency when absent.
    #[serde(default)]
    pub commodity: Option<String>,
    /// Price per unit in `price_commodity` (`10 AAPL @ 50 USD`).
    #[serde(default)]
    pub price: Option<String>,
    /// Total price in `price_commodity` (`10 AAPL @@ 500 USD`).
    #[serde(default)]
    pub total_price: Option<String>,
    #[serde(default)]
    pub price_commodity: Option<String>,
    #[serde(default)]
    pub department_id: Option<DepartmentId>,
    #[serde(default)]
    pub project: Option<String>,
    #[serde(default)]
    pub memo: Option<String>,
}

/// What balancing needs to know about the company's accounts and commodities.
pub struct EntryContext<'a> {
    pub accounts: &'a [Account],
    pub commodities: &'a [Commodity],
    pub journals: &'a [Journal],
    pub company_currency: &'a str,
}

impl EntryContext<'_> {
    fn account(&self, key: &str) -> Option<&Account> {
        let key = key.trim();
        self.accounts
            .iter()
            .find(|a| a.name.as_str() == key || a.code.as_deref() == Some(key))
    }
    fn commodity(&self, symbol: &str) -> Option<&Commodity> {
        let s = symbol.trim().trim_matches('"');
        self.commodities.iter().find(|c| c.symbol == s)
    }
    fn commodity_by_id(&self, id: CommodityId) -> Option<&Commodity> {
        self.commodities.iter().find(|c| c.id == id)
    }
}

/// A decimal as `(mantissa, scale)`: `12.345` is `(12345, 3)`. For prices and rates only.
pub fn parse_rate(text: &str) -> Option<(i128, u32)> {
    let t = text.trim();
    let (int, frac) = t.split_once('.').unwrap_or((t, ""));
    if frac.len() > 18 {
        return None;
    }
    let scale = frac.len() as u32;
    let m = parse_decimal(t, scale as u8)?;
    Some((i128::from(m), scale)).filter(|_| !int.is_empty() || !frac.is_empty())
}

/// `quantity` minor units (at `from_precision`) times a unit price, in minor units of a
/// commodity with `to_precision`, rounded by the one rule.
pub fn convert(
    quantity: i64,
    from_precision: u8,
    rate: (i128, u32),
    to_precision: u8,
) -> Option<i64> {
    let num = i128::from(quantity)
        .checked_mul(rate.0)?
        .checked_mul(10i128.checked_pow(u32::from(to_precision))?)?;
    let den = 10i128.checked_pow(u32::from(from_precision) + rate.1)?;
    i64::try_from(round_div(num, den)).ok()
}

/// Validates and balances `input`. Accounts must exist, be active and take postings;
/// amounts must fit their commodity's precision.
pub fn prepare_entry(
    input: &EntryInput,
    ctx: &EntryContext<'_>,
    client_key: Option<String>,
    reverses: Option<EntryId>,
) -> Result<NewEntry> {
    let mut v = Validator::new();
    let date = v.check("date", parse_date("date", &input.date));
    let journal_id: Option<JournalId> = {
        let code = input
            .journal
            .as_deref()
            .unwrap_or("GJ")
            .trim()
            .to_ascii_uppercase();
        let found = ctx.journals.iter().find(|j| j.code == code).or_else(|| {
            input
                .journal
                .is_none()
                .then(|| ctx.journals.iter().find(|j| j.kind == JournalKind::General))
                .flatten()
        });
        if found.is_none() {
            v.push("journal", format!("unknown journal `{code}`"));
        }
        found.map(|j| j.id)
    };
    let description = input.description.trim().to_string();
    if description.is_empty() {
        v.push("description", "an entry needs a description");
    } else if description.chars().count() > 500 {
        v.push("description", "at most 500 characters");
    }
    if input.reference.chars().count() > 100 {
        v.push("reference", "at most 100 characters");
    }
    if input.lines.len() < 2 {
        v.push("lines", "an entry needs at least two lines");
    }
    if input.lines.len() > 1000 {
        v.push("lines", "at most 1000 lines per entry");
    }
    let mut lines: Vec<Line> = Vec::with_capacity(input.lines.len());
    let mut missing: Option<usize> = None;
    for (i, li) in input.lines.iter().enumerate() {
        let f = |name: &str| format!("lines[{i}].{name}");
        let Some(account) = ctx.account(&li.account) else {
            v.push(
                &f("account"),
                format!("unknown account `{}`", li.account.trim()),
            );
            continue;
        };
        if !account.active {
            v.push(&f("account"), format!("{} is inactive", account.name));
        }
        if account.has_children {
            v.push(
                &f("account"),
                format!("{} has sub-accounts: post to one of them", account.name),
            );
        }
        let symbol = li
            .commodity
            .clone()
            .filter(|c| !c.trim().is_empty())
            .or_else(|| account.commodity.clone())
            .unwrap_or_else(|| ctx.company_currency.to_string());
        let Some(commodity) = ctx.commodity(&symbol) else {
            v.push(&f("commodity"), format!("unknown commodity `{symbol}`"));
            continue;
        };
        if let Some(only) = &account.commodity {
            if *only != commodity.symbol {
                v.push(
                    &f("commodity"),
                    format!("{} takes only {only}", account.name),
                );
            }
        }
        let given: Vec<(&str, &String)> = [
            ("amount", li.amount.as_ref()),
            ("debit", li.debit.as_ref()),
            ("credit", li.credit.as_ref()),
        ]
        .into_iter()
        .filter_map(|(n, a)| a.filter(|s| !s.trim().is_empty()).map(|s| (n, s)))
        .collect();
        let amount = match given.as_slice() {
            [] => {
                if missing.is_some() {
                    v.push(&f("amount"), "only one line may be left without an amount");
                }
                missing = Some(lines.len());
                None
            }
            [(name, text)] => match parse_decimal(text, commodity.precision) {
                Some(m) if *name != "amount" && m < 0 => {
                    v.push(
                        &f(name),
                        "debits and credits are positive; use the other column",
                    );
                    continue;
                }
                Some(m) => Some(match *name {
                    "credit" => -m,
                    _ => m,
                }),
                None => {
                    v.push(
                        &f(name),
                        format!(
                            "`{}` is not an amount in {} ({} decimal places at most)",
                            text.trim(),
                            commodity.symbol,
                            commodity.precision
                        ),
                    );
                    continue;
                }
            },
            _ => {
                v.push(
                    &f("amount"),
                    "give one of amount, debit or credit, not several",
                );
                continue;
            }
        };
        let cost = match (&li.price, &li.total_price) {
            (None, None) => None,
            (Some(_), Some(_)) => {
                v.push(&f("price"), "give a unit price or a total price, not both");
                None
            }
            (unit, total) => {
                let pc = li
                    .price_commodity
                    .as_deref()
                    .unwrap_or(ctx.company_currency);
                match (ctx.commodity(pc), amount) {
                    (None, _) => {
                        v.push(&f("price_commodity"), format!("unknown commodity `{pc}`"));
                        None
                    }
                    (Some(_), None) => {
                        v.push(&f("price"), "a line with a price needs an amount");
                        None
                    }
                    (Some(pcom), Some(q)) => {
                        if pcom.id == commodity.id {
                            v.push(
                                &f("price_commodity"),
                                "a price must be in another commodity",
                            );
                        }
                        let value = if let Some(t) = unit {
                            parse_rate(t)
                                .filter(|r| r.0 >= 0)
                                .and_then(|r| convert(q, commodity.precision, r, pcom.precision))
                        } else {
                            total
                                .as_deref()
                                .and_then(|t| parse_decimal(t, pcom.precision))
                                .filter(|t| *t >= 0)
                                .map(|t| if q < 0 { -t } else { t })
                        };
                        match value {
                            Some(amount) => Some(Cost {
                                commodity_id: pcom.id,
                                commodity: pcom.symbol.clone(),
                                amount,
                            }),
                            None => {
                                v.push(&f("price"), "is not a positive price");
                                None
                            }
                        }
                    }
                }
            }
        };
        let project = li.project.as_deref().unwrap_or("").trim().to_string();
        let memo = li.memo.as_deref().unwrap_or("").trim().to_string();
        if project.chars().count() > 100 {
            v.push(&f("project"), "at most 100 characters");
        }
        if memo.chars().count() > 500 {
            v.push(&f("memo"), "at most 500 characters");
        }
        lines.push(Line {
            account_id: account.id,
            account: account.name.to_string(),
            commodity_id: commodity.id,
            commodity: commodity.symbol.clone(),
            amount: amount.unwrap_or(0),
            cost,
            department_id: li.department_id,
            project,
            memo,
        });
    }
    v.finish()?;
    balance_lines(&mut lines, missing, ctx)?;
    let (Some(date), Some(journal_id)) = (date, journal_id) else {
        return Err(Error::invalid("date", "is required"));
    };
    Ok(NewEntry {
        journal_id,
        date,
        reference: input.reference.trim().to_string(),
        description,
        comment: input.comment.trim().to_string(),
        lines,
        client_key,
        reverses,
    })
}

/// Per commodity sums of what the lines weigh in the balance: their cost if they carry one.
pub fn weights(lines: &[Line]) -> BTreeMap<CommodityId, i128> {
    let mut sums: BTreeMap<CommodityId, i128> = BTreeMap::new();
    for l in lines {
        let (c, a) = match &l.cost {
            Some(cost) => (cost.commodity_id, cost.amount),
            None => (l.commodity_id, l.amount),
        };
        *sums.entry(c).or_default() += i128::from(a);
    }
    sums
}

/// Fills the line without an amount (if any) and checks every commodity sums to zero.
fn balance_lines(lines: &mut [Line], missing: Option<usize>, ctx: &EntryContext<'_>) -> Result<()> {
    let sums = weights(lines);
    let open: Vec<(CommodityId, i128)> = sums.into_iter().filter(|(_, s)| *s != 0).collect();
    if let Some(i) = missing {
        let explicit = lines[i].commodity_id;
        match open.as_slice() {
            [] => {
                return Err(Error::invalid(
                    format!("lines[{i}].amount"),
                    "the other lines balance already; this line would be zero",
                ))
            }
            [(c, s)] => {
                let Some(com) = ctx.commodity_by_id(*c) else {
                    return Err(Error::internal("commodity vanished"));
                };
                if *c != explicit && !matches!(lines[i].commodity.as_str(), s if s == com.symbol) {
                    // The line's commodity defaulted; take the one left to balance.
                    lines[i].commodity_id = com.id;
                    lines[i].commodity = com.symbol.clone();
                }
                lines[i].amount = i64::try_from(-*s)
                    .map_err(|_| Error::invalid("lines", "amounts are too large"))?;
            }
            _ => {
                return Err(Error::invalid(
                    format!("lines[{i}].amount"),
                    "a line without an amount can balance one commodity only; give amounts",
                ))
            }
        }
        return Ok(());
    }
    if let Some((c, s)) = open.first() {
        let com = ctx.commodity_by_id(*c);
        let text = com
            .map(|com| {
                format!(
                    "{} {}",
                    format_minor(i64::try_from(s.abs()).unwrap_or(i64::MAX), com.precision),
                    com.symbol
                )
            })
            .unwrap_or_default();
        let side = if *s > 0 {
            "debits exceed credits"
        } else {
            "credits exceed debits"
        };
        return Err(Error::invalid(
            "lines",
            format!("the entry does not balance: {side} by {text}"),
        ));
    }
    Ok(())
}

/// The reversal of a posted entry: the same lines with opposite signs, dated `date`.
pub fn reversal_of(entry: &Entry, date: NaiveDate, reason: &str) -> NewEntry {
    NewEntry {
        journal_id: entry.journal_id,
        date,
        reference: entry.number.clone().unwrap_or_default(),
        description: format!(
            "Reversal of {}: {}",
            entry.number.as_deref().unwrap_or("entry"),
            entry.description
        ),
        comment: reason.to_string(),
        lines: entry
            .lines
            .iter()
            .map(|l| Line {
                amount: -l.amount,
                cost: l.cost.as_ref().map(|c| Cost {
                    amount: -c.amount,
                    ..c.clone()
                }),
                ..l.clone()
            })
            .collect(),
        client_key: None,
        reverses: Some(entry.id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::AccountId;
    use proptest::prelude::*;

    fn acct(id: i64, name: &str, code: &str) -> Account {
        Account {
            id: AccountId(id),
            name: AccountName::parse(name).expect("valid"),
            code: Some(code.into()),
            parent_id: None,
            kind: AccountType::from_name(name).unwrap_or(AccountType::Asset),
            commodity: None,
            active: true,
            has_children: false,
            description: String::new(),
            version: 1,
        }
    }

    fn fixture() -> (Vec<Account>, Vec<Commodity>, Vec<Journal>) {
        let mut parent = acct(9, "Assets:Bank", "1000");
        parent.has_children = true;
        let mut old = acct(8, "Expenses:Old", "6999");
        old.active = false;
        (
            vec![
                acct(1, "Assets:Bank:Checking", "1010"),
                acct(2, "Expenses:Rent", "6100"),
                acct(3, "Income:Sales", "4000"),
                acct(4, "Assets:Shares", "1500"),
                parent,
                old,
            ],
            vec![
                Commodity {
                    id: CommodityId(1),
                    symbol: "EUR".into(),
                    precision: 2,
                    name: String::new(),
                },
                Commodity {
                    id: CommodityId(2),
                    symbol: "JPY".into(),
                    precision: 0,
                    name: String::new(),
                },
                Commodity {
                    id: CommodityId(3),
                    symbol: "AAPL".into(),
                    precision: 0,
                    name: String::new(),
                },
                Commodity {
                    id: CommodityId(4),
                    symbol: "KWD".into(),
                    precision: 3,
                    name: String::new(),
                },
            ],
            vec![Journal {
                id: JournalId(1),
                code: "GJ".into(),
                name: "General".into(),
                kind: JournalKind::General,
            }],
        )
    }

    fn line(account: &str, amount: Option<&str>) -> LineInput {
        LineInput {
            account: account.into(),
            amount: amount.map(str::to_string),
            ..Default::default()
        }
    }

    fn input(lines: Vec<LineInput>) -> EntryInput {
        EntryInput {
            date: "2026-03-01".into(),
            description: "Rent".into(),
            lines,
            ..Default::default()
        }
    }

    fn prepare(i: &EntryInput) -> Result<NewEntry> {
        let (a, c, j) = fixture();
        let ctx = EntryContext {
            accounts: &a,
            commodities: &c,
            journals: &j,
            company_currency: "EUR",
        };
        prepare_entry(i, &ctx, None, None)
    }

    fn field_of(e: Error) -> String {
        match e {
            Error::Invalid { field, .. } => field,
            Error::InvalidMany(v) => v.first().map(|f| f.field.clone()).unwrap_or_default(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn balanced_entry_with_elided_line() {
        let e = prepare(&input(vec![
            line("6100", Some("1200.00")),
            line("Assets:Bank:Checking", None),
        ]))
        .expect("balances");
        assert_eq!(e.lines[1].amount, -120000);
        assert_eq!(e.lines[1].commodity, "EUR");
    }

    #[test]
    fn unbalanced_names_the_difference() {
        let err = prepare(&input(vec![
            line("6100", Some("10.00")),
            line("1010", Some("-9.99")),
        ]))
        .expect_err("unbalanced");
        assert!(
            err.to_string()
                .contains("debits exceed credits by 0.01 EUR"),
            "{err}"
        );
    }

    #[test]
    fn bad_lines_are_named() {
        let err = prepare(&input(vec![
            line("6100", Some("10.001")),
            line("1010", None),
        ]))
        .expect_err("precision");
        assert_eq!(field_of(err), "lines[0].amount");
        let err = prepare(&input(vec![
            line("6100", Some("1")),
            line("Assets:Bank", None),
        ]))
        .expect_err("parent");
        assert_eq!(field_of(err), "lines[1].account");
        let err = prepare(&input(vec![line("6999", Some("1")), line("1010", None)]))
            .expect_err("inactive");
        assert_eq!(field_of(err), "lines[0].account");
        let mut both = line("6100", None);
        both.debit = Some("5".into());
        both.credit = Some("5".into());
        let err = prepare(&input(vec![both, line("1010", None)])).expect_err("both");
        assert_eq!(field_of(err), "lines[0].amount");
        let err =
            prepare(&input(vec![line("6100", None), line("1010", None)])).expect_err("two missing");
        assert_eq!(field_of(err), "lines[1].amount");
        let mut i = input(vec![line("6100", Some("1")), line("1010", None)]);
        i.date = "2026-02-30".into();
        assert_eq!(field_of(prepare(&i).expect_err("date")), "date");
    }

    #[test]
    fn debit_and_credit_columns() {
        let mut d = line("6100", None);
        d.debit = Some("10".into());
        let mut c = line("1010", None);
        c.credit = Some("10".into());
        let e = prepare(&input(vec![d, c])).expect("balances");
        assert_eq!((e.lines[0].amount, e.lines[1].amount), (1000, -1000));
    }

    #[test]
    fn prices_balance_in_the_price_commodity() {
        let mut buy = line("1500", Some("10"));
        buy.commodity = Some("AAPL".into());
        buy.price = Some("50.125".into());
        buy.price_commodity = Some("EUR".into());
        let e = prepare(&input(vec![buy.clone(), line("1010", None)])).expect("balances");
        assert_eq!(e.lines[0].cost.as_ref().map(|c| c.amount), Some(50125));
        assert_eq!(e.lines[1].amount, -50125);
        buy.price = None;
        buy.total_price = Some("500.00".into());
        let e = prepare(&input(vec![buy, line("1010", Some("-500"))])).expect("balances");
        assert_eq!(e.lines[0].cost.as_ref().map(|c| c.amount), Some(50000));
    }

    #[test]
    fn rounding_splits() {
        let e = prepare(&input(vec![
            line("6100", Some("33.33")),
            line("6100", Some("33.33")),
            line("6100", Some("33.34")),
            line("1010", Some("-100")),
        ]))
        .expect("balances");
        assert_eq!(e.lines.iter().map(|l| l.amount).sum::<i64>(), 0);
    }

    proptest! {
        #[test]
        fn accepted_entries_always_balance(amounts in proptest::collection::vec(-1_000_000i64..1_000_000, 1..8), elide in any::<bool>()) {
            let mut lines: Vec<LineInput> = amounts.iter().map(|a| line("6100", Some(&format_minor(*a, 2)))).collect();
            let total: i64 = amounts.iter().sum();
            if elide {
                lines.push(line("1010", None));
            } else {
                lines.push(line("1010", Some(&format_minor(-total, 2))));
            }
            match prepare(&input(lines)) {
                Ok(e) => prop_assert_eq!(weights(&e.lines).values().sum::<i128>(), 0),
                Err(err) => prop_assert!(elide && total == 0, "{err}"),
            }
        }

        #[test]
        fn off_by_one_is_refused(amounts in proptest::collection::vec(-1_000_000i64..1_000_000, 1..8), off in prop_oneof![-5i64..0, 1i64..5]) {
            let mut lines: Vec<LineInput> = amounts.iter().map(|a| line("6100", Some(&format_minor(*a, 2)))).collect();
            let total: i64 = amounts.iter().sum();
            lines.push(line("1010", Some(&format_minor(-total + off, 2))));
            prop_assert!(prepare(&input(lines)).is_err());
        }

        #[test]
        fn reversal_nets_to_zero(amounts in proptest::collection::vec(-1_000_000i64..1_000_000, 1..8)) {
            let mut lines: Vec<LineInput> = amounts.iter().map(|a| line("6100", Some(&format_minor(*a, 2)))).collect();
            lines.push(line("1010", None));
            if let Ok(ne) = prepare(&input(lines)) {
                let entry = Entry {
                    id: EntryId(1), journal_id: ne.journal_id, journal_code: "GJ".into(), number: Some("GJ-2026-000001".into()),
                    date: ne.date, status: EntryStatus::Posted, reference: String::new(), description: ne.description.clone(),
                    comment: String::new(), lines: ne.lines.clone(), reverses: None, reversed_by: None, client_key: None,
                    created_by: None, created_at: crate::time::Timestamp(0), posted_at: None, approved_by: None, version: 1,
                };
                let rev = reversal_of(&entry, ne.date, "typo");
                let mut both = ne.lines.clone();
                both.extend(rev.lines);
                let mut per_account: BTreeMap<i64, i64> = BTreeMap::new();
                for l in &both { *per_account.entry(l.account_id.0).or_default() += l.amount; }
                prop_assert!(per_account.values().all(|v| *v == 0));
            }
        }
    }
}
