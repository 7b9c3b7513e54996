//! What an asset is worth as it ages: its depreciation schedule, month by month, from the
//! month it was bought over its model's useful life, by the model's method.
//!
//! - **Straight line**: the depreciable amount (cost less residual value) spread evenly; the
//!   amount of month `k` of `n` is `round(base·k/n) − round(base·(k−1)/n)`, so no two months
//!   differ by more than one minor unit and the months add up to the amount exactly.
//! - **Declining balance** (double declining, as most books and ERPNext's "Double Declining
//!   Balance" do): each month takes `2/n` of the book value left, until taking what is left
//!   evenly over the months remaining (straight line on the rest) takes more; from then on it
//!   does that. The last month takes whatever is left above the residual value.
//!
//! Every amount is rounded by the one rule, [`crate::money::round_div`]; whatever the method,
//! the schedule's amounts add up to cost minus residual value to the minor unit and the
//! book value never falls below the residual value (property tests below).
use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::assets::{self, AssetStore, Depreciation};
use crate::auth::Actor;
use crate::ids::AssetId;
use crate::money::round_div;
use crate::Result;

/// An asset's depreciation: its model's method and life, what it cost, its schedule and
/// what it is worth today.
#[derive(Debug, Clone, Serialize)]
pub struct AssetDepreciation {
    pub method: Depreciation,
    pub life_months: i64,
    pub currency: String,
    /// Minor units; None when the cost or the purchase date is not known (no schedule).
    pub cost: Option<i64>,
    /// What it is worth at the end of its life (minor units; the booked residual value,
    /// 0 before the asset is in the books).
    pub residual: i64,
    /// At the end of this month (None without a cost).
    pub book_value: Option<i64>,
    pub periods: Vec<Period>,
}

/// The depreciation of asset `id`, for whoever may see the asset.
pub async fn of_asset<S: AssetStore + super::books::AssetBookStore>(
    store: &S,
    actor: &Actor,
    id: AssetId,
    today: NaiveDate,
) -> Result<AssetDepreciation> {
    let asset = assets::get(store, actor, id).await?;
    let model = assets::model(store, actor, asset.model_id).await?;
    // Once in the books, the schedule is the one booked (cost, residual value, method).
    let booked = store.asset_books(actor.company_id, id).await?;
    let (method, life_months, cost, residual, bought) = match &booked {
        Some(b) => (
            b.method,
            b.life_months,
            Some(b.cost),
            b.residual,
            Some(b.start),
        ),
        None => (
            model.depreciation,
            model.life_months,
            asset.purchase_cost,
            0,
            asset.purchase_date,
        ),
    };
    let life = u32::try_from(life_months).unwrap_or(0);
    let periods = match (cost, bought) {
        (Some(cost), Some(bought)) => schedule(cost, residual, method, life, bought),
        _ => Vec::new(),
    };
    let cost = cost.filter(|_| bought.is_some());
    let book_value = cost.map(|cost| book_value_on(&periods, cost, today));
    Ok(AssetDepreciation {
        method,
        life_months,
        currency: asset.currency,
        cost,
        residual,
        book_value,
        periods,
    })
}

/// One month of a schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Period {
    /// The first day of the month.
    pub month: NaiveDate,
    /// What the month takes, in minor units.
    pub amount: i64,
    /// What the months so far took.
    pub accumulated: i64,
    /// Cost less `accumulated`: the value at the month's end.
    pub book_value: i64,
}

/// The schedule of an asset that cost `cost` (minor units), bought on `bought`, worth
/// `residual` at the end of `life_months`, by `method`. Empty with no method, no life, or
/// nothing to depreciate (a cost not above the residual value).
pub fn schedule(
    cost: i64,
    residual: i64,
    method: Depreciation,
    life_months: u32,
    bought: NaiveDate,
) -> Vec<Period> {
    let residual = residual.max(0);
    if method == Depreciation::None || life_months == 0 || cost <= residual {
        return Vec::new();
    }
    let n = i128::from(life_months);
    let base = i128::from(cost - residual);
    let mut out = Vec::with_capacity(life_months as usize);
    let mut accumulated: i128 = 0;
    let mut month = bought.with_day(1).unwrap_or(bought);
    for k in 1..=n {
        let left = base - accumulated;
        let amount = match method {
            Depreciation::StraightLine => round_div(base * k, n) - round_div(base * (k - 1), n),
            Depreciation::DecliningBalance => {
                let remaining = n - k + 1;
                let book = i128::from(cost) - accumulated;
                let declining = round_div(book * 2, n);
                let even = round_div(left, remaining);
                if remaining == 1 {
                    left
                } else {
                    declining.max(even).min(left)
                }
            }
            Depreciation::None => 0,
        };
        accumulated += amount;
        out.push(Period {
            month,
            amount: i64::try_from(amount).unwrap_or(0),
            accumulated: i64::try_from(accumulated).unwrap_or(0),
            book_value: i64::try_from(i128::from(cost) - accumulated).unwrap_or(0),
        });
        month = month
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(month);
    }
    out
}

/// The book value at the end of the month holding `day`: the cost before the first month,
/// the residual value after the last (a schedule that is empty: the cost).
pub fn book_value_on(schedule: &[Period], cost: i64, day: NaiveDate) -> i64 {
    let month = day.with_day(1).unwrap_or(day);
    schedule
        .iter()
        .take_while(|p| p.month <= month)
        .last()
        .map_or(cost, |p| p.book_value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn straight_line_spreads_evenly_and_exactly() {
        // 1,000.00 over 3 months: 333.33, 333.34, 333.33.
        let s = schedule(100_000, 0, Depreciation::StraightLine, 3, day(2026, 1, 15));
        let amounts: Vec<i64> = s.iter().map(|p| p.amount).collect();
        assert_eq!(amounts, [33_333, 33_334, 33_333]);
        assert_eq!(s[0].month, day(2026, 1, 1));
        assert_eq!(s[2].month, day(2026, 3, 1));
        assert_eq!(s[2].book_value, 0);
        // With a residual value of 100.00.
        let s = schedule(
            100_000,
            10_000,
            Depreciation::StraightLine,
            36,
            day(2026, 1, 15),
        );
        assert_eq!(s.iter().map(|p| p.amount).sum::<i64>(), 90_000);
        assert_eq!(s[0].amount, 2_500);
        assert_eq!(s.last().map(|p| p.book_value), Some(10_000));
    }

    #[test]
    fn declining_balance_takes_more_early_and_ends_on_the_residual() {
        // 1,200.00 over 12 months: 2/12 of what is left, 200.00 then 166.67, ...
        let s = schedule(
            120_000,
            0,
            Depreciation::DecliningBalance,
            12,
            day(2026, 1, 1),
        );
        assert_eq!(s[0].amount, 20_000);
        assert_eq!(s[1].amount, 16_667);
        assert!(s[0].amount > s[11].amount);
        assert_eq!(s.iter().map(|p| p.amount).sum::<i64>(), 120_000);
        assert_eq!(s[11].book_value, 0);
        // Once even spreading takes more, it spreads evenly to the end.
        let tail: Vec<i64> = s[8..].iter().map(|p| p.amount).collect();
        assert!(
            tail.windows(2).all(|w| (w[0] - w[1]).abs() <= 1),
            "{tail:?}"
        );
    }

    #[test]
    fn nothing_to_depreciate_is_an_empty_schedule() {
        let d = day(2026, 1, 1);
        assert!(schedule(100, 0, Depreciation::None, 12, d).is_empty());
        assert!(schedule(100, 0, Depreciation::StraightLine, 0, d).is_empty());
        assert!(schedule(100, 100, Depreciation::StraightLine, 12, d).is_empty());
        assert_eq!(book_value_on(&[], 100, d), 100);
    }

    #[test]
    fn book_value_follows_the_months() {
        let s = schedule(120_000, 0, Depreciation::StraightLine, 12, day(2026, 3, 20));
        assert_eq!(book_value_on(&s, 120_000, day(2026, 2, 28)), 120_000);
        assert_eq!(book_value_on(&s, 120_000, day(2026, 3, 1)), 110_000);
        assert_eq!(book_value_on(&s, 120_000, day(2026, 8, 31)), 60_000);
        assert_eq!(book_value_on(&s, 120_000, day(2030, 1, 1)), 0);
    }

    proptest! {
        #[test]
        fn a_schedule_adds_up_to_cost_less_residual(
            cost in 1i64..10_000_000_000,
            residual_share in 0u32..=100,
            life in 1u32..=600,
            declining in any::<bool>(),
            y in 1990i32..2090, m in 1u32..=12, d in 1u32..=28,
        ) {
            let residual = i64::try_from(i128::from(cost) * i128::from(residual_share) / 200).unwrap_or(0);
            let method = if declining { Depreciation::DecliningBalance } else { Depreciation::StraightLine };
            let s = schedule(cost, residual, method, life, day(y, m, d));
            if cost <= residual {
                prop_assert!(s.is_empty());
            } else {
                prop_assert_eq!(s.len(), life as usize);
                prop_assert_eq!(s.iter().map(|p| p.amount).sum::<i64>(), cost - residual);
                prop_assert_eq!(s.last().map(|p| p.book_value), Some(residual));
                for p in &s {
                    prop_assert!(p.amount >= 0, "{:?}", p);
                    prop_assert!(p.book_value >= residual, "{:?}", p);
                    prop_assert_eq!(p.book_value, cost - p.accumulated);
                }
                prop_assert!(s.windows(2).all(|w| w[1].month > w[0].month));
                if !declining {
                    let (lo, hi) = s.iter().fold((i64::MAX, i64::MIN), |(lo, hi), p| (lo.min(p.amount), hi.max(p.amount)));
                    prop_assert!(hi - lo <= 1, "{} {}", lo, hi);
                }
            }
        }
    }
}
