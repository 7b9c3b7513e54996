//! Accrual arithmetic, pure. Amounts are milli-days (1000 = one working day).
//!
//! **The rounding rule, the only one:** an amount is computed exactly as a fraction and
//! rounded once to whole milli-days, half to even ([`round_div`]). Monthly accruals are the
//! difference of two rounded running totals, so a year's months add up to exactly the
//! rounded yearly amount: a full-year employee at FTE `f` earns `round(entitlement × f)`.
//!
//! Pro rata: each month counts the fraction of its calendar days the employee is entitled
//! (from the later of the start date plus the waiting period and the month's first day, to
//! the earlier of the end date and the month's last day), and earns a twelfth of the yearly
//! entitlement times that fraction times the FTE.
use chrono::{Datelike, NaiveDate};

/// `num / den` rounded to the nearest integer, ties to even. `den` must be positive.
pub fn round_div(num: i128, den: i128) -> i64 {
    debug_assert!(den > 0);
    let q = num.div_euclid(den);
    let r = num.rem_euclid(den);
    let twice = 2 * r;
    let q = if twice > den || (twice == den && q % 2 != 0) {
        q + 1
    } else {
        q
    };
    i64::try_from(q).unwrap_or(if q > 0 { i64::MAX } else { i64::MIN })
}

/// Least common multiple of the month lengths 28..=31: every month's day fraction is a
/// whole number of these units.
const MONTH_LCM: i128 = 377_580;

/// What accrual needs of a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccrualRule {
    /// Milli-days per year at full time.
    pub entitlement_milli: i64,
    /// Days after the start date before the employee accrues (and may use the policy).
    pub waiting_days: i64,
}

/// What accrual needs of an employee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Employment {
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
    /// Thousandths of full time.
    pub fte_milli: i64,
}

impl Employment {
    /// The first day the employee accrues: start plus the waiting period.
    pub fn eligible_from(&self, rule: &AccrualRule) -> NaiveDate {
        self.start
            .checked_add_signed(chrono::Duration::days(rule.waiting_days.max(0)))
            .unwrap_or(self.start)
    }
}

pub fn days_in_month(year: i32, month: u32) -> i64 {
    let first = NaiveDate::from_ymd_opt(year, month, 1);
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    match (first, next) {
        (Some(a), Some(b)) => (b - a).num_days(),
        _ => 30,
    }
}

/// Days of `month` the employee is entitled in.
pub fn entitled_days(rule: &AccrualRule, emp: &Employment, year: i32, month: u32) -> i64 {
    let Some(first) = NaiveDate::from_ymd_opt(year, month, 1) else {
        return 0;
    };
    let len = days_in_month(year, month);
    let last = first + chrono::Duration::days(len - 1);
    let from = emp.eligible_from(rule).max(first);
    let to = emp.end.map_or(last, |e| e.min(last));
    if to < from {
        0
    } else {
        (to - from).num_days() + 1
    }
}

/// The exact amount accrued in months 1..=`through` of `year`, as a numerator over
/// [`accrued_den`].
fn accrued_num(rule: &AccrualRule, emp: &Employment, year: i32, through: u32) -> i128 {
    let mut num: i128 = 0;
    for m in 1..=through.min(12) {
        let d = i128::from(entitled_days(rule, emp, year, m));
        let len = i128::from(days_in_month(year, m));
        num += d * (MONTH_LCM / len);
    }
    num * i128::from(rule.entitlement_milli.max(0)) * i128::from(emp.fte_milli.max(0))
}

fn accrued_den() -> i128 {
    12 * 1000 * MONTH_LCM
}

/// Milli-days accrued in `year` up to the end of month `through` (0 = nothing), rounded.
pub fn accrued_through(rule: &AccrualRule, emp: &Employment, year: i32, through: u32) -> i64 {
    if through == 0 {
        return 0;
    }
    round_div(accrued_num(rule, emp, year, through), accrued_den())
}

/// The accrual of one month (monthly policies).
pub fn monthly_amount(rule: &AccrualRule, emp: &Employment, year: i32, month: u32) -> i64 {
    accrued_through(rule, emp, year, month) - accrued_through(rule, emp, year, month - 1)
}

/// The accrual of a whole year (yearly policies, credited at once).
pub fn yearly_amount(rule: &AccrualRule, emp: &Employment, year: i32) -> i64 {
    accrued_through(rule, emp, year, 12)
}

/// The day a period's accrual row is dated: the period's first day, or the first day the
/// employee is eligible when that is later.
pub fn accrual_day(rule: &AccrualRule, emp: &Employment, year: i32, month: u32) -> NaiveDate {
    let first = NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(emp.start);
    first.max(emp.eligible_from(rule))
}

/// At the year end: how much of `balance` is forfeited so that at most `cap` carries over
/// (returned as the negative ledger amount, 0 when nothing lapses). A negative balance
/// carries over in full.
pub fn carry_over(balance: i64, cap: i64) -> i64 {
    let cap = cap.max(0);
    if balance > cap {
        cap - balance
    } else {
        0
    }
}

/// When carried days expire: what of `carried` is still unused after the uses since the
/// year began (`used`, positive), as the negative ledger amount.
pub fn expiry(carried: i64, used: i64) -> i64 {
    let left = carried.max(0) - used.max(0);
    if left > 0 {
        -left
    } else {
        0
    }
}

/// Whether a use of `amount` may be taken from `available`.
pub fn may_use(available: i64, amount: i64, allow_negative: bool) -> bool {
    allow_negative || available - amount >= 0
}

/// Periods of a year up to `today` for a policy, with their keys: `(period key, month)`.
/// Monthly: `YYYY-MM` for each month begun; yearly: `YYYY` once.
pub fn periods(monthly: bool, year: i32, today: NaiveDate) -> Vec<(String, u32)> {
    if year > today.year() {
        return Vec::new();
    }
    if monthly {
        let last = if year < today.year() {
            12
        } else {
            today.month()
        };
        (1..=last).map(|m| (format!("{year}-{m:02}"), m)).collect()
    } else {
        vec![(format!("{year}"), 1)]
    }
}

/// Formats milli-days for people: `2.5`, `-1`, `0.125`.
pub fn days_text(milli: i64) -> String {
    let sign = if milli < 0 { "-" } else { "" };
    let a = milli.unsigned_abs();
    let (whole, frac) = (a / 1000, a % 1000);
    if frac == 0 {
        format!("{sign}{whole}")
    } else {
        let f = format!("{frac:03}");
        format!("{sign}{whole}.{}", f.trim_end_matches('0'))
    }
}

/// Parses days typed by a person (`2.5`, `-1`, `0.25`) into milli-days.
pub fn parse_days(s: &str) -> Option<i64> {
    let t = s.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t),
    };
    let (w, f) = t.split_once('.').unwrap_or((t, ""));
    if w.is_empty() && f.is_empty() || f.len() > 3 {
        return None;
    }
    if !w.chars().all(|c| c.is_ascii_digit()) || !f.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = if w.is_empty() { 0 } else { w.parse().ok()? };
    let frac: i64 = if f.is_empty() {
        0
    } else {
        format!("{f:0<3}").parse().ok()?
    };
    let v = whole.checked_mul(1000)?.checked_add(frac)?;
    if v > 1_000_000 {
        return None;
    }
    Some(if neg { -v } else { v })
}

/// A ledger in memory, for reasoning and tests: the balance is the sum of its rows.
#[derive(Debug, Clone, Default)]
pub struct MemLedger {
    pub rows: Vec<(NaiveDate, &'static str, i64)>,
}

impl MemLedger {
    pub fn balance(&self) -> i64 {
        self.rows.iter().map(|r| r.2).sum()
    }
    pub fn balance_until(&self, day: NaiveDate) -> i64 {
        self.rows.iter().filter(|r| r.0 <= day).map(|r| r.2).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn rounding_is_half_to_even() {
        assert_eq!(round_div(5, 2), 2);
        assert_eq!(round_div(7, 2), 4);
        assert_eq!(round_div(-5, 2), -2);
        assert_eq!(round_div(11, 4), 3);
        assert_eq!(round_div(9, 4), 2);
    }

    #[test]
    fn days_text_and_parse_round_trip() {
        for (s, v) in [("2.5", 2500), ("-1", -1000), ("0.125", 125), ("25", 25_000)] {
            assert_eq!(parse_days(s), Some(v));
            assert_eq!(days_text(v), s);
        }
        assert_eq!(parse_days("1.2345"), None);
        assert_eq!(parse_days("x"), None);
        assert_eq!(parse_days(""), None);
    }

    #[test]
    fn a_mid_year_starter_earns_pro_rata() {
        let rule = AccrualRule {
            entitlement_milli: 24_000,
            waiting_days: 0,
        };
        let emp = Employment {
            start: d(2026, 7, 1),
            end: None,
            fte_milli: 1000,
        };
        assert_eq!(yearly_amount(&rule, &emp, 2026), 12_000);
        assert_eq!(monthly_amount(&rule, &emp, 2026, 6), 0);
        assert_eq!(monthly_amount(&rule, &emp, 2026, 7), 2_000);
        let half = Employment {
            fte_milli: 500,
            ..emp
        };
        assert_eq!(yearly_amount(&rule, &half, 2026), 6_000);
    }

    #[test]
    fn waiting_period_delays_accrual() {
        let rule = AccrualRule {
            entitlement_milli: 12_000,
            waiting_days: 31,
        };
        let emp = Employment {
            start: d(2026, 1, 1),
            end: None,
            fte_milli: 1000,
        };
        assert_eq!(monthly_amount(&rule, &emp, 2026, 1), 0);
        assert_eq!(monthly_amount(&rule, &emp, 2026, 2), 1_000);
        assert_eq!(accrual_day(&rule, &emp, 2026, 2), d(2026, 2, 1));
    }

    #[test]
    fn carry_over_and_expiry() {
        assert_eq!(carry_over(7_000, 5_000), -2_000);
        assert_eq!(carry_over(3_000, 5_000), 0);
        assert_eq!(carry_over(-1_000, 5_000), 0);
        assert_eq!(expiry(5_000, 2_000), -3_000);
        assert_eq!(expiry(5_000, 6_000), 0);
    }

    proptest! {
        #[test]
        fn full_year_accrual_is_entitlement_times_fte(
            ent in 0i64..60_000, fte in 1i64..=1000, year in 2000i32..2100, monthly in any::<bool>()
        ) {
            let rule = AccrualRule { entitlement_milli: ent, waiting_days: 0 };
            let emp = Employment { start: d(year - 1, 6, 1), end: None, fte_milli: fte };
            let total: i64 = if monthly {
                (1..=12).map(|m| monthly_amount(&rule, &emp, year, m)).sum()
            } else {
                yearly_amount(&rule, &emp, year)
            };
            let exact = ent * fte;
            // Within half a milli-day of the exact entitlement × FTE.
            prop_assert!((total * 1000 - exact).abs() <= 500, "{total} vs {exact}/1000");
            prop_assert_eq!(total, round_div(i128::from(exact), 1000));
        }

        #[test]
        fn monthly_accruals_are_never_negative_and_add_up(
            ent in 0i64..60_000, fte in 1i64..=1000, sm in 1u32..=12, sd in 1u32..=28,
            wait in 0i64..120, end_m in 1u32..=12
        ) {
            let rule = AccrualRule { entitlement_milli: ent, waiting_days: wait };
            let emp = Employment { start: d(2026, sm, sd), end: Some(d(2026, end_m, 28)), fte_milli: fte };
            let mut sum = 0;
            for m in 1..=12 {
                let a = monthly_amount(&rule, &emp, 2026, m);
                prop_assert!(a >= 0);
                sum += a;
            }
            prop_assert_eq!(sum, yearly_amount(&rule, &emp, 2026));
            prop_assert!(sum <= round_div(i128::from(ent * fte), 1000));
        }

        /// A random life of a ledger: accruals, uses (refused when they would overdraw and
        /// the policy does not allow it), year ends with a cap, expiries. The balance is
        /// always the sum of the rows, never negative unless allowed, and what carries over
        /// never exceeds the cap.
        #[test]
        fn ledger_invariants(
            ops in proptest::collection::vec((0u8..4, 0i64..8_000), 1..80),
            cap in 0i64..10_000, allow_negative in any::<bool>()
        ) {
            let mut l = MemLedger::default();
            let day = d(2026, 1, 1);
            let mut carried = 0i64;
            let mut used_since = 0i64;
            for (op, amount) in ops {
                match op {
                    0 => l.rows.push((day, "accrual", amount)),
                    1 => {
                        if may_use(l.balance(), amount, allow_negative) {
                            l.rows.push((day, "use", -amount));
                            used_since += amount;
                        }
                    }
                    2 => {
                        let before = l.balance();
                        let c = carry_over(before, cap);
                        l.rows.push((day, "carry_over", c));
                        prop_assert!(c <= 0);
                        prop_assert!(l.balance() <= cap.max(before.min(0)));
                        carried = l.balance();
                        used_since = 0;
                    }
                    _ => {
                        let e = expiry(carried, used_since);
                        prop_assert!(e <= 0);
                        l.rows.push((day, "expiry", e));
                        carried = 0;
                    }
                }
                prop_assert_eq!(l.balance(), l.rows.iter().map(|r| r.2).sum::<i64>());
                if !allow_negative {
                    prop_assert!(l.balance() >= 0, "balance {}", l.balance());
                }
            }
        }
    }
}
