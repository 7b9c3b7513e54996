//! Documents and payments in a currency other than the books': their value in the books'
//! currency (the *book value*) and the exchange difference a settlement realises.
//!
//! - A document in a foreign currency takes the ledger's rate of its issue date (the
//!   latest rate on or before it, [`crate::ledger::entries::rate_on`]) when it is posted,
//!   and records it with its total's value at that rate (`book_total`). Its entry keeps
//!   every line in the document's commodity (so the aged report, the tax report's tie and
//!   the bank accounts read what they read before) and gives each line its value in the
//!   books' currency as its cost (`@@` in hledger's words): each line converted by the one
//!   rounding rule ([`crate::money::round_div`]), what rounding leaves over on the largest
//!   line ([`spread`]), so the costs add up to the book total exactly.
//! - A settlement of `a` on a document of total `T` and book value `B` of which `s` is
//!   settled already settles `round(B·(s+a)/T) − round(B·s/T)` of its book value
//!   ([`settled_share`]): allocations adding up to the total settle exactly `B`, in any
//!   order and in any number of parts, with no residue on the control account.
//! - A payment is worth its amount at the ledger's rate of its date; a credit note its
//!   total at the rate of its own issue date. What a settlement is worth less the book
//!   value it settles is the realised exchange gain (a loss when negative, the other way
//!   round on payables) and is posted to the billing settings' exchange difference
//!   account, so the entry balances at cost.
use chrono::NaiveDate;

use crate::ledger::{convert, parse_rate, Rate};
use crate::money::round_div;

/// Units of the books' currency for one unit of another, as a decimal
/// `mantissa / 10^scale` (the ledger's rates, `0.92`, or an inverted one with 12 places).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FxRate {
    pub mantissa: i128,
    pub scale: u32,
}

impl FxRate {
    /// A positive decimal (`0.92`).
    pub fn parse(text: &str) -> Option<FxRate> {
        parse_rate(text)
            .filter(|r| r.0 > 0)
            .map(|(mantissa, scale)| FxRate { mantissa, scale })
    }

    /// The ledger's rate of `from` in `to` on `date` (the latest on or before it).
    pub fn on(rates: &[Rate], from: &str, to: &str, date: NaiveDate) -> Option<FxRate> {
        crate::ledger::entries::rate_on(rates, from, to, date)
            .filter(|r| r.0 > 0)
            .map(|(mantissa, scale)| FxRate { mantissa, scale })
    }

    /// As written back: a plain decimal without trailing zeros (`0.92`, `1.086956521739`).
    pub fn text(&self) -> String {
        let scale = u32::min(self.scale, 38);
        let digits = self.mantissa.unsigned_abs().to_string();
        let s = if scale == 0 {
            digits
        } else {
            let width = scale as usize + 1;
            let padded = format!("{digits:0>width$}");
            let (int, frac) = padded.split_at(padded.len() - scale as usize);
            let frac = frac.trim_end_matches('0');
            if frac.is_empty() {
                int.to_string()
            } else {
                format!("{int}.{frac}")
            }
        };
        if self.mantissa < 0 {
            format!("-{s}")
        } else {
            s
        }
    }

    /// `amount` minor units (of a currency with `from` places) in minor units of the books'
    /// currency (`to` places), rounded by the one rule.
    pub fn value(&self, amount: i64, from: u8, to: u8) -> Option<i64> {
        convert(amount, from, (self.mantissa, self.scale), to)
    }
}

/// Each part's value (`value`), with what rounding leaves over put on the largest part so
/// the values add up to `total` exactly. `None` when a value overflows.
pub fn spread(total: i64, parts: &[i64], value: impl Fn(i64) -> Option<i64>) -> Option<Vec<i64>> {
    let mut out = parts
        .iter()
        .map(|p| value(*p))
        .collect::<Option<Vec<i64>>>()?;
    let sum: i128 = out.iter().map(|v| i128::from(*v)).sum();
    let left = i128::from(total) - sum;
    if left != 0 {
        let largest = parts
            .iter()
            .enumerate()
            .max_by_key(|(i, p)| (p.unsigned_abs(), std::cmp::Reverse(*i)))
            .map(|(i, _)| i)?;
        out[largest] = i64::try_from(i128::from(out[largest]) + left).ok()?;
    }
    Some(out)
}

/// The book value `amount` settles on a document of `total` with book value `book_total`,
/// `before` of it settled already: `round(B·(before+amount)/T) − round(B·before/T)`.
pub fn settled_share(book_total: i64, total: i64, before: i64, amount: i64) -> i64 {
    if total == 0 {
        return 0;
    }
    let at = |settled: i64| {
        round_div(
            i128::from(book_total) * i128::from(settled),
            i128::from(total),
        )
    };
    i64::try_from(at(before.saturating_add(amount)) - at(before)).unwrap_or(0)
}

/// A document a settlement allocates to, as it stands before: its total, what is
/// allocated to it already, and its book value (`None`: in the books' currency, or posted
/// before book values were recorded, when it is settled at the settlement's own rate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenDocument {
    pub total: i64,
    pub allocated: i64,
    pub book_total: Option<i64>,
}

/// What a settlement (a payment, or a credit applied to what it credits) does in the
/// books' currency.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Settlement {
    /// Per allocation: the book value it settles on its document, and the exchange gain
    /// (positive) or loss (negative) it realises.
    pub allocations: Vec<AllocationValue>,
    /// The value of what is left unallocated (credit on the party), at the settlement's rate.
    pub unallocated: i64,
    /// What the control account (receivables, payables) is relieved of in the books'
    /// currency: the book values settled and the unallocated rest.
    pub control: i64,
    /// The realised exchange gain (positive) or loss (negative): the allocations' sum.
    pub difference: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AllocationValue {
    /// The book value settled on the document.
    pub book: i64,
    /// The exchange gain (positive) or loss (negative).
    pub difference: i64,
}

/// Splits a settlement of `whole` (its value `whole_value` in the books' currency) over
/// its allocations (`(amount, document)`; together at most `whole`) and what is left.
/// `incoming`: it lowers a receivable (a payment received, a credit note), where being
/// worth more than the book value settled is a gain; on payables it is a loss.
pub fn settle(
    incoming: bool,
    whole: i64,
    whole_value: i64,
    allocations: &[(i64, OpenDocument)],
    value: impl Fn(i64) -> Option<i64>,
) -> Option<Settlement> {
    let allocated: i64 = allocations
        .iter()
        .try_fold(0i64, |s, a| s.checked_add(a.0))?;
    let rest = whole.checked_sub(allocated)?;
    let mut parts: Vec<i64> = allocations.iter().map(|a| a.0).collect();
    parts.push(rest);
    let worth = spread(whole_value, &parts, value)?;
    let mut out = Settlement {
        unallocated: *worth.last()?,
        control: *worth.last()?,
        ..Default::default()
    };
    for ((amount, doc), worth) in allocations.iter().zip(&worth) {
        let book = match doc.book_total {
            Some(b) => settled_share(b, doc.total, doc.allocated, *amount),
            None => *worth,
        };
        let difference = if incoming {
            worth.checked_sub(book)?
        } else {
            book.checked_sub(*worth)?
        };
        out.control = out.control.checked_add(book)?;
        out.difference = out.difference.checked_add(difference)?;
        out.allocations.push(AllocationValue { book, difference });
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{AccountId, CommodityId};
    use crate::ledger::{weights, Cost, Line};
    use proptest::prelude::*;

    fn rate(text: &str) -> FxRate {
        FxRate::parse(text).expect("a rate")
    }

    #[test]
    fn rates_read_and_write_back() {
        assert_eq!(rate("0.92").text(), "0.92");
        assert_eq!(rate("1.10").text(), "1.1");
        assert_eq!(rate("2").text(), "2");
        assert_eq!(rate("0.000123").text(), "0.000123");
        assert!(FxRate::parse("0").is_none());
        assert!(FxRate::parse("-1").is_none());
        assert_eq!(rate("0.92").value(100_000, 2, 2), Some(92_000));
        // JPY (0 places) into EUR (2 places) and back again.
        assert_eq!(rate("0.0062").value(10_000, 0, 2), Some(6_200));
        assert_eq!(rate("161.3").value(6_200, 2, 0), Some(10_001));
    }

    #[test]
    fn spread_puts_the_rounding_on_the_largest_part() {
        let r = rate("0.3333");
        // 3 x 1.00 at 0.3333 is 0.33 each, 0.99 in all; the book total is 1.00.
        let v = spread(100, &[100, 100, 100], |a| r.value(a, 2, 2)).expect("fits");
        assert_eq!(v.iter().sum::<i64>(), 100);
        assert_eq!(v, vec![34, 33, 33]);
        let v = spread(-50, &[-120, 20], |a| r.value(a, 2, 2)).expect("fits");
        assert_eq!(v.iter().sum::<i64>(), -50);
    }

    #[test]
    fn a_gain_and_a_loss() {
        // 1,000.00 USD invoiced at 0.92 (920.00 EUR), received at 0.95: a gain of 30.00.
        let doc = OpenDocument {
            total: 100_000,
            allocated: 0,
            book_total: Some(92_000),
        };
        let r = rate("0.95");
        let s = settle(true, 100_000, 95_000, &[(100_000, doc)], |a| {
            r.value(a, 2, 2)
        })
        .expect("fits");
        assert_eq!(s.allocations[0].book, 92_000);
        assert_eq!(s.difference, 3_000);
        assert_eq!(s.control, 92_000);
        // The same bill paid at 0.95 costs 30.00 EUR more than it was booked at: a loss.
        let s = settle(false, 100_000, 95_000, &[(100_000, doc)], |a| {
            r.value(a, 2, 2)
        })
        .expect("fits");
        assert_eq!(s.difference, -3_000);
        // Received at 0.90: a loss of 20.00.
        let r = rate("0.90");
        let s = settle(true, 100_000, 90_000, &[(100_000, doc)], |a| {
            r.value(a, 2, 2)
        })
        .expect("fits");
        assert_eq!(s.difference, -2_000);
    }

    #[test]
    fn what_stays_unallocated_is_worth_the_payments_rate() {
        let doc = OpenDocument {
            total: 10_000,
            allocated: 0,
            book_total: Some(9_200),
        };
        let r = rate("0.95");
        // 150.00 received for a 100.00 invoice: 50.00 stays as credit, worth 47.50.
        let s = settle(true, 15_000, 14_250, &[(10_000, doc)], |a| r.value(a, 2, 2)).expect("fits");
        assert_eq!(s.unallocated, 4_750);
        assert_eq!(s.control, 9_200 + 4_750);
        assert_eq!(s.difference, 9_500 - 9_200);
    }

    /// The entry a payment received posts, as `payments::entry_of` makes it: the bank in
    /// the document's currency at the payment's value, the receivable at the book value
    /// settled, the exchange difference in the books' currency.
    fn payment_lines(amount: i64, value: i64, s: &Settlement) -> Vec<Line> {
        let usd = CommodityId(2);
        let eur = CommodityId(1);
        let line = |a: i64, c: CommodityId, cost: Option<i64>| Line {
            account_id: AccountId(1),
            account: String::new(),
            commodity_id: c,
            commodity: String::new(),
            amount: a,
            cost: cost.map(|v| Cost {
                commodity_id: eur,
                commodity: String::new(),
                amount: v,
            }),
            department_id: None,
            project: String::new(),
            memo: String::new(),
        };
        let mut lines = vec![
            line(amount, usd, Some(value)),
            line(-amount, usd, Some(-s.control)),
        ];
        if s.difference != 0 {
            lines.push(line(-s.difference, eur, None));
        }
        lines
    }

    proptest! {
        /// Partial settlements adding up to the total settle exactly the book value, in
        /// whatever parts.
        #[test]
        fn parts_settle_the_whole_book_value(
            total in 1i64..100_000_000,
            book_total in 0i64..100_000_000,
            cuts in proptest::collection::vec(1i64..1_000_000, 0..12),
        ) {
            let mut parts = Vec::new();
            let mut left = total;
            for c in cuts {
                let p = c.min(left);
                if p == 0 { break; }
                parts.push(p);
                left -= p;
            }
            if left > 0 { parts.push(left); }
            let mut before = 0;
            let mut settled = 0i64;
            for p in &parts {
                let share = settled_share(book_total, total, before, *p);
                prop_assert!(share >= 0);
                settled += share;
                before += p;
            }
            prop_assert_eq!(before, total);
            prop_assert_eq!(settled, book_total);
        }

        /// Whatever the rates, a payment's entry balances at cost and in the document's
        /// commodity, and the difference is the payment's value less the book value
        /// settled; payments that settle a document in parts relieve the receivable of
        /// exactly its book value.
        #[test]
        fn payment_entries_balance(
            total in 1i64..10_000_000,
            issue in 1i128..3_000_000,
            pays in proptest::collection::vec((1i64..10_000_000, 1i128..3_000_000), 1..6),
        ) {
            let issue = FxRate { mantissa: issue, scale: 6 };
            let book_total = issue.value(total, 2, 2).expect("fits");
            let mut allocated = 0;
            let mut relieved = 0i64;
            let mut differences = 0i64;
            let mut value_received = 0i64;
            let n = pays.len();
            for (i, (amount, r)) in pays.into_iter().enumerate() {
                let r = FxRate { mantissa: r, scale: 6 };
                let open = total - allocated;
                // The last payment settles what is left; the others at most that.
                let a = if i + 1 == n { open } else { amount.min(open) };
                if a == 0 { continue; }
                let value = r.value(a, 2, 2).expect("fits");
                let doc = OpenDocument { total, allocated, book_total: Some(book_total) };
                let s = settle(true, a, value, &[(a, doc)], |x| r.value(x, 2, 2)).expect("fits");
                let lines = payment_lines(a, value, &s);
                prop_assert!(weights(&lines).values().all(|w| *w == 0), "{:?}", lines);
                let usd: i64 = lines.iter().filter(|l| l.commodity_id == CommodityId(2)).map(|l| l.amount).sum();
                prop_assert_eq!(usd, 0);
                prop_assert_eq!(s.difference, value - s.allocations[0].book);
                relieved += s.control;
                differences += s.difference;
                value_received += value;
                allocated += a;
            }
            prop_assert_eq!(allocated, total);
            prop_assert_eq!(relieved, book_total);
            prop_assert_eq!(value_received - book_total, differences);
        }

        /// A payment over several documents, with a rest left unallocated: the parts'
        /// values add up to the payment's value, and the difference is theirs less the
        /// book values settled.
        #[test]
        fn a_payment_over_several_documents(
            docs in proptest::collection::vec((1i64..1_000_000, 0i64..1_000_000, 0i64..100), 1..8),
            extra in 0i64..1_000_000,
            r in 1i128..3_000_000,
            incoming in any::<bool>(),
        ) {
            let r = FxRate { mantissa: r, scale: 6 };
            let allocations: Vec<(i64, OpenDocument)> = docs.iter().map(|(total, book, pct)| {
                let allocated = total * pct / 100;
                (total - allocated, OpenDocument { total: *total, allocated, book_total: Some(*book) })
            }).filter(|(a, _)| *a > 0).collect();
            let whole: i64 = allocations.iter().map(|a| a.0).sum::<i64>() + extra;
            let value = r.value(whole, 2, 2).expect("fits");
            let s = settle(incoming, whole, value, &allocations, |x| r.value(x, 2, 2)).expect("fits");
            let books: i64 = s.allocations.iter().map(|a| a.book).sum();
            prop_assert_eq!(s.control, books + s.unallocated);
            let sign = if incoming { 1 } else { -1 };
            prop_assert_eq!(s.difference, sign * (value - s.control));
            prop_assert_eq!(s.difference, s.allocations.iter().map(|a| a.difference).sum::<i64>());
        }

        #[test]
        fn spread_always_adds_up(
            total in -1_000_000_000i64..1_000_000_000,
            parts in proptest::collection::vec(-1_000_000i64..1_000_000, 1..10),
            r in 1i128..3_000_000,
        ) {
            let r = FxRate { mantissa: r, scale: 6 };
            let v = spread(total, &parts, |x| r.value(x, 2, 2)).expect("fits");
            prop_assert_eq!(v.iter().sum::<i64>(), total);
        }
    }
}
