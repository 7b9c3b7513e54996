//! Transaction balancing, hledger's rule, as a pure function.

use super::{Amount, CommodityId, Decimal, Names, Posting, Price};

/// What is left over in one commodity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Imbalance {
    /// The commodity.
    pub commodity: CommodityId,
    /// The exact sum (non-zero).
    pub amount: Decimal,
}

/// Why postings do not balance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BalanceError {
    /// The sums, rounded to each commodity's display precision, are not all zero.
    Unbalanced(Vec<Imbalance>),
    /// More than one posting has no amount.
    TwoMissing,
    /// A posting lacks an amount and nothing says in which commodity.
    NoAmounts,
    /// A product or sum does not fit.
    Overflow,
}

impl BalanceError {
    /// A message naming the amounts with `names`' symbols.
    pub fn message(&self, names: &Names) -> String {
        match self {
            BalanceError::Unbalanced(v) => {
                let parts: Vec<String> = v
                    .iter()
                    .map(|i| format_amount(names, i.commodity, i.amount))
                    .collect();
                format!("transaction does not balance: off by {}", parts.join(", "))
            }
            BalanceError::TwoMissing => {
                "transaction does not balance: more than one posting without an amount".into()
            }
            BalanceError::NoAmounts => "transaction has no amounts to balance".into(),
            BalanceError::Overflow => "transaction amounts are too large".into(),
        }
    }
}

/// `0.01 USD`, `$0.01`, `-5 "ACME 1"` in the commodity's style.
pub(crate) fn format_amount(names: &Names, c: CommodityId, q: Decimal) -> String {
    let sym = names.commodity(c);
    let info = names.commodity_info(c);
    let sym = if sym
        .chars()
        .any(|ch| ch.is_whitespace() || ch.is_ascii_digit() || "-+.,@;={}()\"".contains(ch))
    {
        format!("\"{sym}\"")
    } else {
        sym.to_string()
    };
    if sym.is_empty() {
        q.to_string()
    } else if info.style.prefix {
        let sp = if info.style.spaced { " " } else { "" };
        if q.is_negative() {
            let a = q.checked_abs().unwrap_or(q);
            format!("-{sym}{sp}{a}")
        } else {
            format!("{sym}{sp}{q}")
        }
    } else {
        format!("{q} {sym}")
    }
}

/// The amount a posting weighs in balancing: its quantity, or its price in the price's
/// commodity (unit price times quantity, or the total with the quantity's sign).
pub fn weight(p: &Posting) -> Option<Result<Amount, BalanceError>> {
    let a = p.amount?;
    Some(match p.price {
        None => Ok(a),
        Some(Price::Unit(u)) => a
            .quantity
            .checked_mul(u.quantity)
            .map(|q| Amount {
                commodity: u.commodity,
                quantity: q,
            })
            .ok_or(BalanceError::Overflow),
        Some(Price::Total(t)) => {
            let q = if a.quantity.is_negative() {
                t.quantity.checked_abs().and_then(Decimal::checked_neg)
            } else {
                t.quantity.checked_abs()
            };
            q.map(|q| Amount {
                commodity: t.commodity,
                quantity: q,
            })
            .ok_or(BalanceError::Overflow)
        }
    })
}

fn add(sums: &mut Vec<(CommodityId, Decimal)>, a: Amount) -> Result<(), BalanceError> {
    if let Some(e) = sums.iter_mut().find(|e| e.0 == a.commodity) {
        e.1 = e.1.checked_add(a.quantity).ok_or(BalanceError::Overflow)?;
    } else {
        sums.push((a.commodity, a.quantity));
    }
    Ok(())
}

/// Balances `postings` in place, hledger's way.
///
/// Postings with a price count in the price's commodity. A posting without an amount
/// receives the negated sum of each commodity (extra postings are inserted after it when
/// several commodities are left). Otherwise every commodity's sum, rounded to
/// `precision(commodity)` decimals, must be zero. With `allow_conversion`, a transaction
/// whose remainder is in exactly two commodities and that has no prices is a currency
/// conversion (as hledger and ledger infer it): when one of the two commodities has a
/// single posting, that posting receives the total price that balances it.
///
/// Returns the residuals that were non-zero but rounded to zero (usually none), so a
/// caller that learns precisions later can check them again.
pub fn balance(
    postings: &mut Vec<Posting>,
    precision: &impl Fn(CommodityId) -> u8,
    allow_conversion: bool,
) -> Result<Vec<Imbalance>, BalanceError> {
    let mut sums: Vec<(CommodityId, Decimal)> = Vec::new();
    let mut missing = None;
    let mut has_price = false;
    for (i, p) in postings.iter().enumerate() {
        match weight(p) {
            None => {
                if missing.is_some() {
                    return Err(BalanceError::TwoMissing);
                }
                missing = Some(i);
            }
            Some(w) => add(&mut sums, w?)?,
        }
        has_price |= p.price.is_some();
    }
    if let Some(i) = missing {
        let left: Vec<(CommodityId, Decimal)> =
            sums.iter().copied().filter(|s| !s.1.is_zero()).collect();
        let fill = |c: CommodityId, q: Decimal| -> Result<Amount, BalanceError> {
            Ok(Amount {
                commodity: c,
                quantity: q.checked_neg().ok_or(BalanceError::Overflow)?,
            })
        };
        if left.is_empty() {
            let c = sums.first().map(|s| s.0).ok_or(BalanceError::NoAmounts)?;
            let p = &mut postings[i];
            p.amount = Some(Amount {
                commodity: c,
                quantity: Decimal::ZERO,
            });
            p.inferred = true;
            return Ok(Vec::new());
        }
        let template = postings[i].clone();
        for (k, (c, q)) in left.iter().enumerate() {
            let mut p = template.clone();
            p.amount = Some(fill(*c, *q)?);
            p.inferred = true;
            if k == 0 {
                postings[i] = p;
            } else {
                // Later postings carry no assertion: it belongs to the written line once.
                p.assertion = None;
                postings.insert(i + k, p);
            }
        }
        return Ok(Vec::new());
    }
    let mut off = Vec::new();
    let mut tolerated = Vec::new();
    for (c, q) in &sums {
        if q.is_zero() {
            continue;
        }
        if q.round_to(precision(*c)).is_zero() {
            tolerated.push(Imbalance {
                commodity: *c,
                amount: *q,
            });
        } else {
            off.push(Imbalance {
                commodity: *c,
                amount: *q,
            });
        }
    }
    if off.is_empty() {
        return Ok(tolerated);
    }
    if allow_conversion && !has_price && off.len() == 2 && tolerated.is_empty() && sums.len() == 2 {
        for (from, to) in [(0usize, 1usize), (1, 0)] {
            let (fc, tc) = (off[from].commodity, off[to].commodity);
            let mut only = postings
                .iter()
                .enumerate()
                .filter(|(_, p)| p.amount.is_some_and(|a| a.commodity == fc));
            if let (Some((idx, _)), None) = (only.next(), only.next()) {
                let total = off[to].amount.checked_abs().ok_or(BalanceError::Overflow)?;
                postings[idx].price = Some(Price::Total(Amount {
                    commodity: tc,
                    quantity: total,
                }));
                // The sign of the quantity must be opposite to the other side's sum.
                let q = postings[idx].amount.map(|a| a.quantity).unwrap_or_default();
                if q.is_negative() != off[to].amount.is_negative() && !q.is_zero() {
                    return Ok(Vec::new());
                }
                postings[idx].price = None;
            }
        }
    }
    Err(BalanceError::Unbalanced(off))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amt(c: CommodityId, m: i128, s: u8) -> Option<Amount> {
        Some(Amount {
            commodity: c,
            quantity: Decimal::new(m, s).unwrap_or_default(),
        })
    }

    fn prec2(_: CommodityId) -> u8 {
        2
    }

    #[test]
    fn infers_the_missing_amount() {
        let mut ps = vec![Posting::new(0, amt(0, 1050, 2)), Posting::new(1, None)];
        assert_eq!(balance(&mut ps, &prec2, false), Ok(vec![]));
        assert_eq!(ps[1].amount, amt(0, -1050, 2));
        assert!(ps[1].inferred);
    }

    #[test]
    fn one_missing_posting_per_commodity() {
        let mut ps = vec![
            Posting::new(0, amt(0, 1, 0)),
            Posting::new(0, amt(1, 2, 0)),
            Posting::new(1, None),
        ];
        assert!(balance(&mut ps, &prec2, false).is_ok());
        assert_eq!(ps.len(), 4);
        assert_eq!(ps[2].amount, amt(0, -1, 0));
        assert_eq!(ps[3].amount, amt(1, -2, 0));
    }

    #[test]
    fn refuses_two_missing_and_imbalance() {
        let mut ps = vec![
            Posting::new(0, amt(0, 1, 0)),
            Posting::new(1, None),
            Posting::new(2, None),
        ];
        assert_eq!(
            balance(&mut ps, &prec2, false),
            Err(BalanceError::TwoMissing)
        );
        let mut ps = vec![
            Posting::new(0, amt(0, 100, 2)),
            Posting::new(1, amt(0, -99, 2)),
        ];
        assert_eq!(
            balance(&mut ps, &prec2, false),
            Err(BalanceError::Unbalanced(vec![Imbalance {
                commodity: 0,
                amount: Decimal::new(1, 2).unwrap_or_default()
            }]))
        );
    }

    #[test]
    fn rounding_to_display_precision() {
        // 3 x 3.333 = 9.999 against 10.00: off by 0.001, which rounds to 0.00.
        let mut ps = vec![
            Posting::new(0, amt(0, 3, 0)),
            Posting::new(1, amt(1, -1000, 2)),
        ];
        ps[0].price = Some(Price::Unit(Amount {
            commodity: 1,
            quantity: Decimal::new(3333, 3).unwrap_or_default(),
        }));
        let r = balance(&mut ps, &prec2, false);
        assert_eq!(r.map(|v| v.len()), Ok(1));
        let r = balance(&mut ps, &|_| 3, false);
        assert!(matches!(r, Err(BalanceError::Unbalanced(_))));
    }

    #[test]
    fn total_price_sign_follows_quantity() {
        let mut ps = vec![Posting::new(0, amt(0, -100, 0)), Posting::new(1, None)];
        ps[0].price = Some(Price::Total(Amount {
            commodity: 1,
            quantity: Decimal::new(11000, 2).unwrap_or_default(),
        }));
        assert!(balance(&mut ps, &prec2, false).is_ok());
        assert_eq!(ps[1].amount, amt(1, 11000, 2));
    }

    #[test]
    fn infers_a_conversion_for_two_commodities() {
        let mut ps = vec![
            Posting::new(0, amt(0, -100, 0)),
            Posting::new(1, amt(1, 11000, 2)),
        ];
        assert!(balance(&mut ps, &prec2, true).is_ok());
        assert_eq!(
            ps[0].price,
            Some(Price::Total(Amount {
                commodity: 1,
                quantity: Decimal::new(11000, 2).unwrap_or_default()
            }))
        );
        let mut ps = vec![
            Posting::new(0, amt(0, -100, 0)),
            Posting::new(1, amt(1, 11000, 2)),
        ];
        assert!(balance(&mut ps, &prec2, false).is_err());
        // Same sign on both sides is not a conversion.
        let mut ps = vec![
            Posting::new(0, amt(0, 100, 0)),
            Posting::new(1, amt(1, 11000, 2)),
        ];
        assert!(balance(&mut ps, &prec2, true).is_err());
    }
}
