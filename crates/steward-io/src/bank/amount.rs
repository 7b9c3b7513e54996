//! Amount text to an exact decimal: the one function the three readers share.

use crate::journal::Decimal;

/// At most this many decimals (as the journal's decimals).
const MAX_SCALE: usize = 18;
/// At most this many digits in all (an `i128` holds 38).
const MAX_DIGITS: usize = 30;

/// Reads an amount written with `decimal_mark` (`.` or `,`).
///
/// * A sign may lead (`-`, `+`, or the minus sign `−`), or parentheses may enclose the
///   number for a negative one (`(12.50)`, as accountants write it).
/// * With `grouping`, digits may be grouped by thousands with the other mark (`1,234.56`
///   or `1.234,56`), a space, a no-break space or an apostrophe (`1'234.56`): one kind of
///   mark per number, groups of three after the first. Without it (OFX, CAMT) no group
///   marks are read.
/// * Currency symbols and codes (`€12.50`, `12.50 EUR`) are refused: the column or element
///   must hold the number alone.
///
/// The decimals are kept as written: `12.50` has two. The message of an error quotes the
/// text.
pub fn parse_amount(text: &str, decimal_mark: char, grouping: bool) -> Result<Decimal, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("the amount is empty".into());
    }
    let (negative, body) = split_sign(t)?;
    let mut int = String::new();
    let mut frac = String::new();
    let mut seen_decimal = false;
    let mut group: Option<char> = None;
    // Digits in the current group (after a group mark), to check groups of three.
    let mut since_group: Option<usize> = None;
    let mut first_group = 0usize;
    for c in body.chars() {
        if c.is_ascii_digit() {
            if seen_decimal {
                frac.push(c);
            } else {
                int.push(c);
                match since_group.as_mut() {
                    Some(n) => *n += 1,
                    None => first_group += 1,
                }
            }
        } else if c == decimal_mark {
            if seen_decimal {
                return Err(format!(
                    "'{t}' has more than one decimal mark '{decimal_mark}'"
                ));
            }
            check_group(t, since_group)?;
            seen_decimal = true;
        } else if grouping && is_group_mark(c, decimal_mark) && !seen_decimal {
            if group.is_some_and(|g| g != c) {
                return Err(format!("'{t}' mixes digit group marks"));
            }
            if first_group == 0 || first_group > 3 {
                return Err(format!(
                    "'{t}' is not a valid amount: digits are grouped by three"
                ));
            }
            check_group(t, since_group)?;
            group = Some(c);
            since_group = Some(0);
        } else {
            return Err(bad_char(t, c, decimal_mark, grouping));
        }
    }
    if !seen_decimal {
        check_group(t, since_group)?;
    }
    if int.is_empty() && frac.is_empty() {
        return Err(format!("'{t}' is not a number"));
    }
    if frac.len() > MAX_SCALE {
        return Err(format!("'{t}' has more than {MAX_SCALE} decimals"));
    }
    let digits = int.trim_start_matches('0').len() + frac.len();
    if digits > MAX_DIGITS {
        return Err(format!("'{t}' is too large"));
    }
    let mut m: i128 = 0;
    for b in int.bytes().chain(frac.bytes()) {
        m = m
            .checked_mul(10)
            .and_then(|m| m.checked_add(i128::from(b - b'0')))
            .ok_or_else(|| format!("'{t}' is too large"))?;
    }
    if negative {
        m = -m;
    }
    let scale = u8::try_from(frac.len()).map_err(|_| format!("'{t}' has too many decimals"))?;
    Decimal::new(m, scale).ok_or_else(|| format!("'{t}' is not a number"))
}

/// The sign and the unsigned rest.
fn split_sign(t: &str) -> Result<(bool, &str), String> {
    if let Some(inner) = t.strip_prefix('(') {
        let inner = inner
            .strip_suffix(')')
            .ok_or_else(|| format!("'{t}' has an unclosed parenthesis"))?
            .trim();
        if inner.starts_with(['-', '+', '\u{2212}']) {
            return Err(format!("'{t}' has a sign inside parentheses"));
        }
        return Ok((true, inner));
    }
    if t.ends_with(')') {
        return Err(format!("'{t}' has an unopened parenthesis"));
    }
    if let Some(rest) = t.strip_prefix(['-', '\u{2212}']) {
        Ok((true, rest.trim_start()))
    } else if let Some(rest) = t.strip_prefix('+') {
        Ok((false, rest.trim_start()))
    } else {
        Ok((false, t))
    }
}

/// A group of digits after a group mark must have exactly three.
fn check_group(t: &str, since_group: Option<usize>) -> Result<(), String> {
    match since_group {
        Some(n) if n != 3 => Err(format!(
            "'{t}' is not a valid amount: digits are grouped by three"
        )),
        _ => Ok(()),
    }
}

fn is_group_mark(c: char, decimal_mark: char) -> bool {
    let other = if decimal_mark == ',' { '.' } else { ',' };
    c == other || matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\'' | '\u{2019}')
}

fn is_currency_char(c: char) -> bool {
    matches!(
        c,
        '$' | '€' | '£' | '¥' | '¢' | '₹' | '₽' | '₺' | '₩' | '₪' | '₫'
    ) || ('\u{20a0}'..='\u{20cf}').contains(&c)
        || c.is_alphabetic()
}

/// Why `c` cannot be in an amount; a currency symbol or code anywhere in the text is named
/// first, as the likeliest cause.
fn bad_char(t: &str, c: char, decimal_mark: char, grouping: bool) -> String {
    if let Some(c) = t.chars().find(|&c| is_currency_char(c)) {
        format!("'{t}' has a currency symbol or code ('{c}'); the amount must be the number alone")
    } else if !grouping && (c == '.' || c == ',') && c != decimal_mark {
        format!("'{t}' is not a valid amount: '{decimal_mark}' is the decimal mark and digits may not be grouped")
    } else if grouping && (c == '.' || c == ',') {
        format!("'{t}' is not a valid amount: digit group marks may not follow the decimal mark '{decimal_mark}'")
    } else {
        format!(
            "'{t}' is not a valid amount: unexpected '{}'",
            c.escape_debug()
        )
    }
}

/// Writes `value` with `decimal_mark`, and with `group` between thousands when given (for
/// tests: any such text reads back as `value`).
#[cfg(test)]
pub(crate) fn format_amount(value: Decimal, decimal_mark: char, group: Option<char>) -> String {
    let plain = value.checked_abs().unwrap_or(value).to_string();
    let (int, frac) = plain.split_once('.').unwrap_or((&plain, ""));
    let mut out = String::new();
    if value.is_negative() {
        out.push('-');
    }
    for (i, c) in int.chars().enumerate() {
        if let Some(g) = group {
            if i > 0 && (int.len() - i) % 3 == 0 {
                out.push(g);
            }
        }
        out.push(c);
    }
    if value.scale() > 0 {
        out.push(decimal_mark);
        out.push_str(frac);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ok(s: &str, mark: char, grouping: bool) -> String {
        parse_amount(s, mark, grouping)
            .unwrap_or_else(|e| panic!("{s}: {e}"))
            .to_string()
    }

    #[test]
    fn plain_and_signed() {
        assert_eq!(ok("12.50", '.', false), "12.50");
        assert_eq!(ok("-12,50", ',', false), "-12.50");
        assert_eq!(ok("+3", '.', false), "3");
        assert_eq!(ok(" -0.5 ", '.', false), "-0.5");
        assert_eq!(ok(".5", '.', false), "0.5");
        assert_eq!(ok("10.", '.', false), "10");
        assert_eq!(ok("\u{2212}7,00", ',', true), "-7.00");
        assert_eq!(ok("(1,234.56)", '.', true), "-1234.56");
        assert_eq!(ok("( 12,00 )", ',', true), "-12.00");
        assert_eq!(ok("- 4", '.', true), "-4");
    }

    #[test]
    fn grouped() {
        assert_eq!(ok("1.234,56", ',', true), "1234.56");
        assert_eq!(ok("1,234.56", '.', true), "1234.56");
        assert_eq!(ok("12,345,678", '.', true), "12345678");
        assert_eq!(ok("1 234,5", ',', true), "1234.5");
        assert_eq!(ok("1'234.00", '.', true), "1234.00");
        assert_eq!(ok("1\u{a0}234", ',', true), "1234");
        // One mark kind per number, groups of three.
        for bad in [
            "1,23.00",
            "1234,567.00",
            ",123",
            "1,2345",
            "1.234 567,00",
            "1,234.5,6",
            "1,234,5",
        ] {
            assert!(parse_amount(bad, '.', true).is_err(), "{bad}");
        }
        // No grouping: a group mark is an error, with its reason.
        let e = parse_amount("1,234.56", '.', false).expect_err("grouped");
        assert!(e.contains("decimal mark"), "{e}");
    }

    #[test]
    fn refused() {
        for (bad, what) in [
            ("", "empty"),
            ("  ", "empty"),
            ("€12.50", "currency"),
            ("12.50 EUR", "currency"),
            ("USD 3", "currency"),
            ("12$", "currency"),
            ("1.2.3", "more than one"),
            ("(12.50", "unclosed"),
            ("12.50)", "unopened"),
            ("(-1)", "inside"),
            ("--1", "unexpected"),
            ("-", "not a number"),
            (".", "not a number"),
            ("1e5", "currency"),
            ("0.1234567890123456789", "decimals"),
            ("1234567890123456789012345678901", "too large"),
        ] {
            let e = parse_amount(bad, '.', false).expect_err(bad);
            assert!(e.contains(what), "{bad}: {e}");
        }
    }

    fn arb_decimal() -> impl Strategy<Value = Decimal> {
        (any::<i64>(), 0u8..6).prop_map(|(m, s)| Decimal::new(i128::from(m), s).unwrap_or_default())
    }

    proptest! {
        /// Any decimal, written with either decimal mark (and grouped or not), reads back
        /// equal, with the same number of decimals.
        #[test]
        fn any_decimal_reads_back(v in arb_decimal(), comma in any::<bool>(), grouped in any::<bool>()) {
            let mark = if comma { ',' } else { '.' };
            let group = grouped.then_some(if comma { '.' } else { ',' });
            let text = format_amount(v, mark, group);
            let got = parse_amount(&text, mark, true).map_err(TestCaseError::fail)?;
            prop_assert_eq!(got, v);
            prop_assert_eq!(got.scale(), v.scale());
            if !grouped {
                let got = parse_amount(&text, mark, false).map_err(TestCaseError::fail)?;
                prop_assert_eq!(got, v);
            }
        }

        #[test]
        fn never_panics(s in "[-+()0-9.,' \u{a0}\u{2212}€a]{0,16}", comma in any::<bool>(), grouping in any::<bool>()) {
            let _ = parse_amount(&s, if comma { ',' } else { '.' }, grouping);
        }
    }
}
