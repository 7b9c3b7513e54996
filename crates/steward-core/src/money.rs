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

/// How numbers are written for people to read: the mark between groups of three digits
/// and the decimal mark. Pages show amounts and counts in reports and lists through
/// [`NumberStyle::format`] (or [`NumberStyle::regroup`] for a number already written by
/// [`format_minor`]); forms, the API, exports and journals keep the plain form of
/// [`format_minor`], which is what the parsers read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NumberStyle {
    pub group: char,
    pub decimal: char,
}

impl Default for NumberStyle {
    fn default() -> Self {
        NumberStyle::EN
    }
}

impl NumberStyle {
    /// `1,234,567.89`
    pub const EN: NumberStyle = NumberStyle {
        group: ',',
        decimal: '.',
    };
    /// `1.234.567,89`
    pub const DE: NumberStyle = NumberStyle {
        group: '.',
        decimal: ',',
    };
    /// `1 234 567,89` (groups by a no-break space)
    pub const FR: NumberStyle = NumberStyle {
        group: '\u{a0}',
        decimal: ',',
    };
    /// `1’234’567.89`
    pub const CH: NumberStyle = NumberStyle {
        group: '\u{2019}',
        decimal: '.',
    };
    /// `1 234 567.89`: groups by a no-break space and a decimal point, as ISO 80000 and
    /// the EU's English style guide write amounts; read the same way in every European
    /// language, where a comma or a point between groups would be read as a decimal mark.
    pub const SPACE: NumberStyle = NumberStyle {
        group: '\u{a0}',
        decimal: '.',
    };

    /// The style of a language tag (`en`, `en-GB`, `de`, `de-CH`, `fr`, `fr-CH`, ...);
    /// `None` for one we do not know.
    pub fn for_locale(tag: &str) -> Option<NumberStyle> {
        let tag = tag.trim().replace('_', "-").to_ascii_lowercase();
        let mut parts = tag.split('-');
        let lang = parts.next().unwrap_or("");
        let region = parts.next().unwrap_or("");
        Some(match (lang, region) {
            (_, "ch" | "li") => NumberStyle::CH,
            ("en" | "ja" | "zh" | "ko" | "he", _) => NumberStyle::EN,
            ("de" | "nl" | "it" | "es" | "pt" | "da" | "id" | "tr" | "el", _) => NumberStyle::DE,
            (
                "fr" | "sv" | "nb" | "nn" | "no" | "fi" | "pl" | "cs" | "sk" | "hu" | "ru" | "uk"
                | "et" | "lv" | "lt",
                _,
            ) => NumberStyle::FR,
            _ => return None,
        })
    }

    /// The style a company without a language setting gets, from its currency: the
    /// pages are in English, so the decimal mark is a point; the groups follow the
    /// currency's home (`1,234.56 USD`, `1’234.56 CHF`, `1 234.56 EUR`).
    pub fn for_currency(code: &str) -> NumberStyle {
        match code.trim().to_ascii_uppercase().as_str() {
            "CHF" => NumberStyle::CH,
            "EUR" | "SEK" | "NOK" | "DKK" | "ISK" | "PLN" | "CZK" | "HUF" | "RON" | "BGN"
            | "UAH" => NumberStyle::SPACE,
            _ => NumberStyle::EN,
        }
    }

    /// `minor` in `precision` places, grouped: `-123456789, 2` -> `-1,234,567.89`.
    pub fn format(&self, minor: i64, precision: u8) -> String {
        self.regroup(&format_minor(minor, precision))
    }

    /// A count, grouped: `12345` -> `12,345`.
    pub fn int(&self, n: i64) -> String {
        self.format(n, 0)
    }

    /// Groups the number that `text` starts with, written the plain way ([`format_minor`]
    /// or any `-1234.5`); the rest (` EUR`, ` days`) is kept. Text that does not start
    /// with a number comes back unchanged.
    pub fn regroup(&self, text: &str) -> String {
        let (sign, rest) = match text.strip_prefix('-') {
            Some(r) => ("-", r),
            None => ("", text),
        };
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        if int_len == 0 {
            return text.to_string();
        }
        let (int, after) = rest.split_at(int_len);
        let (frac, tail) = match after.strip_prefix('.') {
            Some(f) => {
                let n = f.bytes().take_while(u8::is_ascii_digit).count();
                if n == 0 {
                    return text.to_string();
                }
                f.split_at(n)
            }
            None => ("", after),
        };
        if tail.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '.' || c == ',') {
            return text.to_string(); // `12ab`, `1.2.3`, `1,000`: not a plain number
        }
        let mut out = String::with_capacity(text.len() + int_len / 3 * 3);
        out.push_str(sign);
        for (i, d) in int.chars().enumerate() {
            if i > 0 && (int_len - i) % 3 == 0 {
                out.push(self.group);
            }
            out.push(d);
        }
        if !frac.is_empty() {
            out.push(self.decimal);
            out.push_str(frac);
        }
        out.push_str(tail);
        out
    }
}

/// The decimal places of the currency `code` (2 for a code that is not one).
pub fn precision_of(code: &str) -> u8 {
    Currency::parse(code).map(|c| c.precision()).unwrap_or(2)
}

/// An amount in minor units of `code` as the API, exports and forms write it (`1234.50`).
pub fn format_in(minor: i64, code: &str) -> String {
    format_minor(minor, precision_of(code))
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

    #[test]
    fn groups_digits_in_a_style() {
        let en = NumberStyle::EN;
        assert_eq!(en.format(-123_456_789, 2), "-1,234,567.89");
        assert_eq!(en.format(99_999, 2), "999.99");
        assert_eq!(en.format(100_000, 2), "1,000.00");
        assert_eq!(en.int(12_345), "12,345");
        assert_eq!(en.int(-5), "-5");
        assert_eq!(NumberStyle::DE.format(123_456_789, 2), "1.234.567,89");
        assert_eq!(
            NumberStyle::FR.format(123_456_789, 2),
            "1\u{a0}234\u{a0}567,89"
        );
        assert_eq!(
            NumberStyle::CH.format(123_456_789, 2),
            "1\u{2019}234\u{2019}567.89"
        );
        assert_eq!(NumberStyle::SPACE.format(1_234_567, 3), "1\u{a0}234.567");
        assert_eq!(en.regroup("1500.00 EUR"), "1,500.00 EUR");
        assert_eq!(en.regroup("2.5 days"), "2.5 days");
        for plain in ["", "—", "abc", "12ab", "1.2.3", "1,000", "-", "1."] {
            assert_eq!(en.regroup(plain), plain, "{plain:?} is not a plain number");
        }
    }

    #[test]
    fn styles_by_locale_and_currency() {
        assert_eq!(NumberStyle::for_locale("de-CH"), Some(NumberStyle::CH));
        assert_eq!(NumberStyle::for_locale("de_DE"), Some(NumberStyle::DE));
        assert_eq!(NumberStyle::for_locale("fr"), Some(NumberStyle::FR));
        assert_eq!(NumberStyle::for_locale("en-GB"), Some(NumberStyle::EN));
        assert_eq!(NumberStyle::for_locale("tlh"), None);
        assert_eq!(NumberStyle::for_currency("chf"), NumberStyle::CH);
        assert_eq!(NumberStyle::for_currency("EUR"), NumberStyle::SPACE);
        assert_eq!(NumberStyle::for_currency("USD"), NumberStyle::EN);
        assert_eq!(NumberStyle::for_currency("BTC"), NumberStyle::EN);
    }

    proptest! {
        #[test]
        fn grouping_only_adds_separators(minor in any::<i64>(), precision in 0u8..6) {
            prop_assume!(minor != i64::MIN);
            let plain = format_minor(minor, precision);
            let grouped = NumberStyle::EN.format(minor, precision);
            prop_assert_eq!(grouped.replace(',', ""), plain);
        }

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
