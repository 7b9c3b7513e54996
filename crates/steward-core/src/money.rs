//! Money is an integer count of minor units plus a currency. Never `f64`. The one rounding
//! rule of the whole program ([`round_div`]) lives here.
use serde::{Deserialize, Serialize};
use std::fmt;

use crate::{Error, Result};

/// An ISO 4217-style code (`EUR`, `JPY`, `KWD`) or a commodity symbol (2-10 uppercase
/// letters/digits, starting with a letter), with its number of decimal places.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Currency {
    code: String,
    precision: u8,
}

impl Currency {
    pub fn parse(code: &str) -> Result<Self> {
        let code = code.trim().to_ascii_uppercase();
        let ok = (2..=10).contains(&code.len())
            && code.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && code
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if !ok {
            return Err(Error::invalid(
                "currency",
                format!("`{code}` is not a currency code (2-10 letters or digits, e.g. EUR)"),
            ));
        }
        let precision = default_precision(&code);
        Ok(Currency { code, precision })
    }
    pub fn with_precision(code: &str, precision: u8) -> Result<Self> {
        let mut c = Self::parse(code)?;
        if precision > 12 {
            return Err(Error::invalid("precision", "at most 12 decimal places"));
        }
        c.precision = precision;
        Ok(c)
    }
    pub fn code(&self) -> &str {
        &self.code
    }
    pub fn precision(&self) -> u8 {
        self.precision
    }
}

fn default_precision(code: &str) -> u8 {
    match code {
        "JPY" | "KRW" | "VND" | "CLP" | "ISK" | "UGX" | "XAF" | "XOF" | "PYG" => 0,
        "KWD" | "BHD" | "OMR" | "JOD" | "TND" | "LYD" | "IQD" => 3,
        _ => 2,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Self {
        Money { minor, currency }
    }
    /// Parses `-1234.50` (no thousands separators) in `currency`; more decimals than the
    /// currency has is an error, not a silent rounding.
    pub fn parse(text: &str, currency: Currency) -> Result<Self> {
        let minor = parse_decimal(text, currency.precision).ok_or_else(|| {
            Error::invalid(
                "amount",
                format!("`{text}` is not an amount in {}", currency.code),
            )
        })?;
        Ok(Money { minor, currency })
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}",
            format_minor(self.minor, self.currency.precision),
            self.currency.code
        )
    }
}

/// `-123450, 2` -> `-1234.50`.
pub fn format_minor(minor: i64, precision: u8) -> String {
    if precision == 0 {
        return minor.to_string();
    }
    let scale = 10u128.pow(u32::from(precision));
    let abs = u128::from(minor.unsigned_abs());
    let sign = if minor < 0 { "-" } else { "" };
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = precision as usize
    )
}

/// Parses a plain decimal into minor units; `None` when malformed, overflowing, or with
/// more decimal places than `precision`.
pub fn parse_decimal(text: &str, precision: u8) -> Option<i64> {
    let t = text.trim();
    let (neg, digits) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if frac.len() > precision as usize {
        return None;
    }
    let mut value: i128 = 0;
    for c in int.chars().chain(frac.chars()) {
        value = value
            .checked_mul(10)?
            .checked_add(i128::from(c as u8 - b'0'))?;
        if value > i128::from(i64::MAX) {
            return None;
        }
    }
    for _ in frac.len()..precision as usize {
        value = value.checked_mul(10)?;
    }
    let value = if neg { -value } else { value };
    i64::try_from(value).ok()
}

/// The one rounding rule: `numerator / denominator` rounded half to even (banker's rounding),
/// as used for tax and currency conversion. `denominator` must not be zero.
pub fn round_div(numerator: i128, denominator: i128) -> i128 {
    debug_assert!(denominator != 0);
    let (n, d) = if denominator < 0 {
        (-numerator, -denominator)
    } else {
        (numerator, denominator)
    };
    let q = n.div_euclid(d);
    let r = n.rem_euclid(d);
    match (2 * r).cmp(&d) {
        std::cmp::Ordering::Less => q,
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal => {
            if q % 2 == 0 {
                q
            } else {
                q + 1
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_and_formats() {
        let eur = Currency::parse("eur").expect("valid");
        assert_eq!(eur.precision(), 2);
        assert_eq!(
            Money::parse("-1234.5", eur.clone()).expect("ok").minor,
            -123450
        );
        assert_eq!(format_minor(-123450, 2), "-1234.50");
        assert_eq!(format_minor(5, 3), "0.005");
        assert!(Money::parse("1.234", eur.clone()).is_err());
        assert!(Money::parse("1,000", eur.clone()).is_err());
        assert!(Money::parse("", eur).is_err());
        assert_eq!(Currency::parse("JPY").expect("valid").precision(), 0);
        assert!(Currency::parse("e").is_err());
        assert!(Currency::parse("1AB").is_err());
    }

    #[test]
    fn rounds_half_to_even() {
        assert_eq!(round_div(5, 2), 2);
        assert_eq!(round_div(7, 2), 4);
        assert_eq!(round_div(-5, 2), -2);
        assert_eq!(round_div(-7, 2), -4);
        assert_eq!(round_div(10, 3), 3);
        assert_eq!(round_div(11, -3), -4);
    }

    proptest! {
        #[test]
        fn format_parse_round_trips(minor in any::<i64>(), precision in 0u8..6) {
            prop_assume!(minor != i64::MIN);
            let text = format_minor(minor, precision);
            prop_assert_eq!(parse_decimal(&text, precision), Some(minor));
        }

        #[test]
        fn parse_never_panics(s in ".{0,40}", precision in 0u8..12) {
            let _ = parse_decimal(&s, precision);
        }

        #[test]
        fn rounding_is_within_half(n in -1_000_000_000i128..1_000_000_000, d in 1i128..10_000) {
            let q = round_div(n, d);
            prop_assert!((q * d - n).abs() * 2 <= d);
        }
    }
}
