//! An exact decimal number: an `i128` mantissa and a count of decimals.
//!
//! Journals need exact arithmetic (never `f64`) and must remember how many decimals an
//! amount was written with, because hledger derives a commodity's display precision
//! from that and balances transactions to it. `1.50` is `{ mantissa: 150, scale: 2 }`
//! and stays distinct in scale from `1.5`, while comparing equal to it.

use std::cmp::Ordering;
use std::fmt;

/// The largest number of decimals an amount may be written with.
pub const MAX_SCALE: u8 = 18;

/// An exact decimal number. All arithmetic is checked: overflow is an error, not a panic.
#[derive(Clone, Copy, Debug, Default)]
pub struct Decimal {
    mantissa: i128,
    scale: u8,
}

const POW10: [i128; 39] = {
    let mut t = [1i128; 39];
    let mut i = 1;
    while i < 39 {
        t[i] = t[i - 1] * 10;
        i += 1;
    }
    t
};

fn pow10(n: u8) -> Option<i128> {
    POW10.get(usize::from(n)).copied()
}

impl Decimal {
    /// Zero with no decimals.
    pub const ZERO: Decimal = Decimal {
        mantissa: 0,
        scale: 0,
    };

    /// `mantissa / 10^scale`; `None` when `scale` exceeds 38.
    pub fn new(mantissa: i128, scale: u8) -> Option<Decimal> {
        pow10(scale).map(|_| Decimal { mantissa, scale })
    }

    /// An integer.
    pub fn from_i64(v: i64) -> Decimal {
        Decimal {
            mantissa: i128::from(v),
            scale: 0,
        }
    }

    /// The mantissa (the number times 10^scale).
    pub fn mantissa(self) -> i128 {
        self.mantissa
    }

    /// How many decimals the number carries (as written, or as produced by arithmetic).
    pub fn scale(self) -> u8 {
        self.scale
    }

    /// True when the number is zero (whatever its scale).
    pub fn is_zero(self) -> bool {
        self.mantissa == 0
    }

    /// True when the number is below zero.
    pub fn is_negative(self) -> bool {
        self.mantissa < 0
    }

    /// The negated number; `None` only for the most negative mantissa.
    pub fn checked_neg(self) -> Option<Decimal> {
        self.mantissa.checked_neg().map(|m| Decimal {
            mantissa: m,
            scale: self.scale,
        })
    }

    /// The absolute value.
    pub fn checked_abs(self) -> Option<Decimal> {
        self.mantissa.checked_abs().map(|m| Decimal {
            mantissa: m,
            scale: self.scale,
        })
    }

    /// The same number with `scale` decimals (only grows the scale).
    pub fn rescale_up(self, scale: u8) -> Option<Decimal> {
        if scale <= self.scale {
            return Some(self);
        }
        let f = pow10(scale - self.scale)?;
        self.mantissa
            .checked_mul(f)
            .map(|m| Decimal { mantissa: m, scale })
    }

    /// Exact sum.
    pub fn checked_add(self, other: Decimal) -> Option<Decimal> {
        let s = self.scale.max(other.scale);
        let a = self.rescale_up(s)?;
        let b = other.rescale_up(s)?;
        a.mantissa.checked_add(b.mantissa).map(|m| Decimal {
            mantissa: m,
            scale: s,
        })
    }

    /// Exact difference.
    pub fn checked_sub(self, other: Decimal) -> Option<Decimal> {
        self.checked_add(other.checked_neg()?)
    }

    /// Exact product (the scales add up; trailing zeros beyond the larger input scale are
    /// dropped so chained products stay small).
    pub fn checked_mul(self, other: Decimal) -> Option<Decimal> {
        let m = self.mantissa.checked_mul(other.mantissa)?;
        let s = self.scale.checked_add(other.scale)?;
        pow10(s)?;
        Some(
            Decimal {
                mantissa: m,
                scale: s,
            }
            .trim_to(self.scale.max(other.scale)),
        )
    }

    /// Drops trailing zero decimals down to at least `min_scale` decimals.
    pub fn trim_to(self, min_scale: u8) -> Decimal {
        let mut d = self;
        while d.scale > min_scale && d.mantissa % 10 == 0 {
            d.mantissa /= 10;
            d.scale -= 1;
        }
        d
    }

    /// Rounds to `scale` decimals, half away from zero (as hledger displays amounts).
    pub fn round_to(self, scale: u8) -> Decimal {
        if scale >= self.scale {
            return self;
        }
        let Some(f) = pow10(self.scale - scale) else {
            return Decimal { mantissa: 0, scale };
        };
        let q = self.mantissa / f;
        let r = self.mantissa % f;
        let half = f / 2;
        let q = if r.abs() >= half && f > 1 {
            q + r.signum()
        } else {
            q
        };
        Decimal { mantissa: q, scale }
    }
}

impl PartialEq for Decimal {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Decimal {}

impl PartialOrd for Decimal {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Decimal {
    fn cmp(&self, other: &Self) -> Ordering {
        let s = self.scale.max(other.scale);
        match (self.rescale_up(s), other.rescale_up(s)) {
            (Some(a), Some(b)) => a.mantissa.cmp(&b.mantissa),
            // One side overflowed when widened, so it is the larger in magnitude.
            (None, _) => {
                if self.mantissa < 0 {
                    Ordering::Less
                } else {
                    Ordering::Greater
                }
            }
            (_, None) => {
                if other.mantissa < 0 {
                    Ordering::Greater
                } else {
                    Ordering::Less
                }
            }
        }
    }
}

impl std::hash::Hash for Decimal {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let t = self.trim_to(0);
        t.mantissa.hash(state);
        t.scale.hash(state);
    }
}

impl fmt::Display for Decimal {
    /// Plain notation with exactly `scale` decimals, `.` as the decimal mark, no grouping.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let neg = self.mantissa < 0;
        let digits = self.mantissa.unsigned_abs().to_string();
        let scale = usize::from(self.scale);
        let (int, frac) = if digits.len() > scale {
            let (a, b) = digits.split_at(digits.len() - scale);
            (a.to_string(), b.to_string())
        } else {
            (
                "0".to_string(),
                format!("{}{}", "0".repeat(scale - digits.len()), digits),
            )
        };
        if neg {
            f.write_str("-")?;
        }
        f.write_str(&int)?;
        if scale > 0 {
            f.write_str(".")?;
            f.write_str(&frac)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(m: i128, s: u8) -> Decimal {
        Decimal::new(m, s).unwrap_or(Decimal::ZERO)
    }

    #[test]
    fn arithmetic_is_exact() {
        assert_eq!(d(150, 2).checked_add(d(5, 1)), Some(d(2, 0)));
        assert_eq!(d(150, 2).checked_add(d(5, 1)).map(|x| x.scale()), Some(2));
        assert_eq!(d(3333, 2).checked_mul(d(3, 0)), Some(d(9999, 2)));
        assert_eq!(
            d(11, 1).checked_mul(d(10, 0)).map(|x| x.to_string()),
            Some("11.0".into())
        );
        assert_eq!(d(i128::MAX, 0).checked_add(d(1, 0)), None);
        assert_eq!(d(i128::MAX, 0).checked_mul(d(2, 0)), None);
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(d(5, 3).round_to(2), d(1, 2));
        assert_eq!(d(-5, 3).round_to(2), d(-1, 2));
        assert_eq!(d(4, 3).round_to(2), d(0, 2));
        assert_eq!(d(12345, 2).round_to(0), d(123, 0));
    }

    #[test]
    fn display_keeps_scale() {
        assert_eq!(d(-5, 3).to_string(), "-0.005");
        assert_eq!(d(100, 2).to_string(), "1.00");
        assert_eq!(d(7, 0).to_string(), "7");
        assert_eq!(d(i128::MIN, 38).to_string().len(), 41);
    }

    #[test]
    fn ordering_ignores_scale() {
        assert!(d(1, 0) > d(99, 2));
        assert_eq!(d(10, 1), d(1, 0));
        assert!(d(i128::MAX, 0) > d(1, 30));
    }
}
