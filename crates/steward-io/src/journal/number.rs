//! Numbers as hledger reads them: which `.`, `,` or space in `1.250.000,50` is the decimal
//! mark and which are digit group marks.
//!
//! The rules are hledger's (its manual, "Decimal marks" and "Digit group marks", and the
//! number parser they describe), so a journal means the same here as there:
//! * The decimal mark is `.` or `,`. It occurs at most once, right of every group mark, and
//!   may have no digits after it (`10.`) or none before it (`.5`).
//! * A digit group mark is `.`, `,` or a space (also the no-break, en, em, punctuation,
//!   thin, narrow no-break and medium mathematical spaces): one mark throughout the number,
//!   different from the decimal mark. Groups may have any number of digits
//!   (`9,99,99,999.00`, and even `1,2,3`, which is 123).
//! * So a mark that repeats (`1,250,000`), that is followed by the other mark
//!   (`1.250.000,50`), or that is a space, is a group mark: such a number is never
//!   ambiguous.
//! * Only a single `.` or `,` between digits with nothing else (`1,000`, `1.5`) is
//!   ambiguous. The first of these that exists decides it ([`NumberStyle`]): the
//!   `decimal-mark` directive; the amount's commodity's `commodity` directive; the `D`
//!   directive. With none, hledger takes the mark as the decimal mark: `1,000` is 1.
//! * Right after a number, another `.`/`,` is an error (`1.000.`), and so is a space
//!   followed by a digit (`1,000 2`).
//!
//! Exponents (`1E3`) are not read.

use super::Decimal;

/// The most digits a number may have (before and after the decimal mark together).
const MAX_DIGITS: usize = 30;

/// What a directive says about how numbers are written: hledger's "suggested style".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct NumberStyle {
    /// The decimal mark, when known.
    pub decimal: Option<char>,
    /// The digit group mark, when one was shown.
    pub group: Option<char>,
    /// Decimals shown (0 for `1000` or `1,000.`).
    pub precision: u8,
}

impl NumberStyle {
    /// A style that only fixes the decimal mark (the `decimal-mark` directive).
    pub fn decimal_mark(mark: char) -> NumberStyle {
        NumberStyle {
            decimal: Some(mark),
            group: None,
            precision: 0,
        }
    }

    /// Whether a lone `mark` (`1,000`) is the decimal mark under this style: when the style
    /// has a decimal mark, only that one is; else a shown group mark is not; else a style
    /// without decimals has none, so the mark groups digits.
    fn takes_as_decimal(self, mark: char) -> bool {
        match (self.decimal, self.group) {
            (Some(d), _) => d == mark,
            (None, Some(g)) => g != mark,
            (None, None) => self.precision > 0,
        }
    }
}

/// A scanned number, before an ambiguous mark is decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RawNumber<'a> {
    /// Digits left of the decimal mark, with group marks.
    int: &'a str,
    /// The digit group mark.
    group: Option<char>,
    /// The decimal mark and the digits after it.
    decimal: Option<(char, &'a str)>,
    /// `int` is `digits MARK digits` with `MARK` a `.` or `,` that may be either.
    ambiguous: bool,
}

/// A number read to the end: its value and how it was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Number {
    pub value: Decimal,
    pub style: NumberStyle,
}

fn is_decimal_mark(c: char) -> bool {
    c == '.' || c == ','
}

/// The space characters hledger accepts as digit group marks.
fn is_space_mark(c: char) -> bool {
    matches!(
        c,
        ' ' | '\u{a0}'
            | '\u{2002}'
            | '\u{2003}'
            | '\u{2008}'
            | '\u{2009}'
            | '\u{202f}'
            | '\u{205f}'
    )
}

/// End of the run of ASCII digits starting at `i`.
fn digits_end(s: &str, i: usize) -> usize {
    i + s.as_bytes()[i..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count()
}

/// `s[i..]` is `mark` followed by at least one digit: the end of those digits.
fn mark_then_digits(s: &str, i: usize, mark: char) -> Option<usize> {
    let rest = s.get(i..)?;
    if !rest.starts_with(mark) {
        return None;
    }
    let a = i + mark.len_utf8();
    let e = digits_end(s, a);
    (e > a).then_some(e)
}

/// Scans the number at the start of `s` (no sign); returns it and the bytes it takes.
pub(crate) fn scan(s: &str) -> Result<(RawNumber<'_>, usize), String> {
    let invalid = || format!("invalid number '{}'", excerpt(s));
    let first = s.chars().next().ok_or_else(invalid)?;
    let (raw, end) = if is_decimal_mark(first) {
        // `.5`
        let e = digits_end(s, 1);
        if e == 1 {
            return Err(invalid());
        }
        let raw = RawNumber {
            int: "",
            group: None,
            decimal: Some((first, &s[1..e])),
            ambiguous: false,
        };
        (raw, e)
    } else if first.is_ascii_digit() {
        let g1 = digits_end(s, 0);
        let sep = s[g1..]
            .chars()
            .next()
            .filter(|c| is_decimal_mark(*c) || is_space_mark(*c));
        match sep.and_then(|sep| mark_then_digits(s, g1, sep).map(|e| (sep, e))) {
            Some((sep, g2)) => {
                // Digit groups, maybe one of them ambiguous.
                let mut e = g2;
                let mut groups = 2;
                while let Some(next) = mark_then_digits(s, e, sep) {
                    e = next;
                    groups += 1;
                }
                let dp = s[e..]
                    .chars()
                    .next()
                    .filter(|c| is_decimal_mark(*c) && *c != sep);
                if let Some(dp) = dp {
                    let a = e + dp.len_utf8();
                    let d = digits_end(s, a);
                    let raw = RawNumber {
                        int: &s[..e],
                        group: Some(sep),
                        decimal: Some((dp, &s[a..d])),
                        ambiguous: false,
                    };
                    (raw, d)
                } else {
                    let raw = RawNumber {
                        int: &s[..e],
                        group: Some(sep),
                        decimal: None,
                        ambiguous: groups == 2 && is_decimal_mark(sep),
                    };
                    (raw, e)
                }
            }
            None => match sep.filter(|c| is_decimal_mark(*c)) {
                // `10.`
                Some(dp) => (
                    RawNumber {
                        int: &s[..g1],
                        group: None,
                        decimal: Some((dp, "")),
                        ambiguous: false,
                    },
                    g1 + 1,
                ),
                None => (
                    RawNumber {
                        int: &s[..g1],
                        group: None,
                        decimal: None,
                        ambiguous: false,
                    },
                    g1,
                ),
            },
        }
    } else {
        return Err(invalid());
    };
    let rest = &s[end..];
    if rest.starts_with(is_decimal_mark) {
        return Err(format!(
            "invalid number '{}': a decimal mark may occur only once, after the digit group marks",
            excerpt(&s[..end + 1])
        ));
    }
    if rest.starts_with(' ') && rest[1..].starts_with(|c: char| c.is_ascii_digit()) {
        return Err(format!(
            "invalid number '{}': digits after a space that does not group digits",
            excerpt(s)
        ));
    }
    Ok((raw, end))
}

impl RawNumber<'_> {
    /// The digits and marks left of the decimal mark (all of an ambiguous number), for
    /// messages.
    pub fn text(&self) -> &str {
        self.int
    }

    /// The single mark of an ambiguous number.
    pub fn ambiguous_mark(&self) -> Option<char> {
        self.ambiguous.then_some(self.group).flatten()
    }

    /// Decides an ambiguous mark by `style` (hledger: a decimal mark unless the style says
    /// otherwise) and computes the value.
    pub fn resolve(&self, style: Option<NumberStyle>, negative: bool) -> Result<Number, String> {
        let mut int = self.int;
        let mut group = self.group;
        let mut decimal = self.decimal;
        if let Some(mark) = self.ambiguous_mark() {
            if style.is_none_or(|s| s.takes_as_decimal(mark)) {
                let p = int.find(mark).unwrap_or(int.len());
                decimal = Some((mark, &int[p + mark.len_utf8()..]));
                int = &int[..p];
                group = None;
            }
        }
        let frac = decimal.map_or("", |(_, f)| f);
        if frac.len() > usize::from(super::decimal::MAX_SCALE) {
            return Err(format!("too many decimals in '{}{frac}'", self.int));
        }
        let mut m: i128 = 0;
        let mut n = 0;
        for c in int.bytes().chain(frac.bytes()).filter(u8::is_ascii_digit) {
            n += 1;
            if n > MAX_DIGITS {
                return Err(format!("number '{}' is too large", self.int));
            }
            m = m * 10 + i128::from(c - b'0');
        }
        if negative {
            m = -m;
        }
        let scale = u8::try_from(frac.len()).unwrap_or(u8::MAX);
        let value =
            Decimal::new(m, scale).ok_or_else(|| format!("invalid number '{}'", self.int))?;
        Ok(Number {
            value,
            style: NumberStyle {
                decimal: decimal.map(|(c, _)| c),
                group,
                precision: scale,
            },
        })
    }
}

fn excerpt(s: &str) -> &str {
    let end = s.char_indices().nth(30).map_or(s.len(), |(i, _)| i);
    &s[..end]
}

/// Writes `value` with `group` between groups of three integer digits and `decimal` as the
/// decimal mark (for tests: any such text reads back as `value`).
#[cfg(test)]
pub(crate) fn format_grouped(value: Decimal, group: char, decimal: char) -> String {
    let plain = value.checked_abs().unwrap_or(value).to_string();
    let (int, frac) = plain.split_once('.').unwrap_or((&plain, ""));
    let mut out = String::new();
    if value.is_negative() {
        out.push('-');
    }
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(group);
        }
        out.push(c);
    }
    if value.scale() > 0 {
        out.push(decimal);
        out.push_str(frac);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Reads `s` whole with `style`; the value as text.
    fn read(s: &str, style: Option<NumberStyle>) -> Result<String, String> {
        let (raw, n) = scan(s)?;
        if n != s.len() {
            return Err(format!("stopped at {n}"));
        }
        raw.resolve(style, false).map(|x| x.value.to_string())
    }

    fn ok(s: &str) -> String {
        read(s, None).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn repeated_or_mixed_marks_are_group_marks() {
        assert_eq!(ok("1,250,000"), "1250000");
        assert_eq!(ok("1.250.000"), "1250000");
        assert_eq!(ok("1.250.000,50"), "1250000.50");
        assert_eq!(ok("1,250,000.50"), "1250000.50");
        assert_eq!(ok("9,99,99,999.00"), "99999999.00");
        assert_eq!(ok("1,2,3"), "123");
        assert_eq!(ok("12,34.5"), "1234.5");
        assert_eq!(ok("1.5,0"), "15.0");
        assert_eq!(ok("1 000 000"), "1000000");
        assert_eq!(ok("1 000,50"), "1000.50");
        assert_eq!(ok("1\u{a0}000.5"), "1000.5");
        assert_eq!(ok("1\u{202f}000\u{202f}000"), "1000000");
        assert_eq!(ok("1,000."), "1000");
    }

    #[test]
    fn a_lone_mark_is_decimal_unless_a_style_says_otherwise() {
        assert_eq!(ok("1,000"), "1.000");
        assert_eq!(ok("1.000"), "1.000");
        assert_eq!(ok("1,5"), "1.5");
        let comma = Some(NumberStyle::decimal_mark(','));
        assert_eq!(read("1.000", comma), Ok("1000".into()));
        assert_eq!(read("1,000", comma), Ok("1.000".into()));
        let grouped = Some(NumberStyle {
            decimal: None,
            group: Some(','),
            precision: 0,
        });
        assert_eq!(read("1,000", grouped), Ok("1000".into()));
        assert_eq!(read("1.000", grouped), Ok("1.000".into()));
        let whole = Some(NumberStyle::default());
        assert_eq!(read("1,000", whole), Ok("1000".into()));
        let two = Some(NumberStyle {
            precision: 2,
            ..NumberStyle::default()
        });
        assert_eq!(read("1,000", two), Ok("1.000".into()));
        // A style never overrides an unambiguous number.
        assert_eq!(read("1,000.50", comma), Ok("1000.50".into()));
    }

    #[test]
    fn plain_numbers() {
        assert_eq!(ok("10"), "10");
        assert_eq!(ok("10."), "10");
        assert_eq!(ok(".5"), "0.5");
        assert_eq!(ok(",5"), "0.5");
        assert_eq!(ok("0.0001"), "0.0001");
    }

    #[test]
    fn malformed_numbers() {
        for bad in [
            "1.000.",
            "1,000.50.1",
            "1.000,50,1",
            "1,,000",
            ".",
            ",",
            "x",
            "",
        ] {
            assert!(scan(bad).is_err(), "{bad}");
        }
        assert!(scan("1,000 2").is_err());
        assert!(read("1234567890123456789012345678901", None).is_err());
        assert!(read("1.1234567890123456789", None).is_err());
        // Where the number stops.
        assert_eq!(scan("10 EUR").map(|r| r.1), Ok(2));
        assert_eq!(scan("1  000").map(|r| r.1), Ok(1));
        assert_eq!(scan("10,5EUR").map(|r| r.1), Ok(4));
    }

    fn arb_decimal() -> impl Strategy<Value = Decimal> {
        (any::<i64>(), 0u8..8).prop_map(|(m, s)| Decimal::new(i128::from(m), s).unwrap_or_default())
    }

    proptest! {
        /// Any number written with group marks and a decimal mark reads back as itself,
        /// whatever the style: with a decimal mark or two or more groups it is not
        /// ambiguous, and the one ambiguous shape (`1,000`) is decided by the style.
        #[test]
        fn grouped_numbers_read_back(v in arb_decimal(), marks in prop::sample::select(vec![
            (',', '.'), ('.', ','), (' ', '.'), (' ', ','), ('\u{a0}', ','), ('\u{202f}', '.'),
        ])) {
            let (group, decimal) = marks;
            let text = format_grouped(v, group, decimal);
            let unsigned = text.trim_start_matches('-');
            let (raw, n) = scan(unsigned).map_err(TestCaseError::fail)?;
            prop_assert_eq!(n, unsigned.len());
            let style = NumberStyle { decimal: Some(decimal), group: Some(group), precision: v.scale() };
            let got = raw.resolve(Some(style), v.is_negative()).map_err(TestCaseError::fail)?;
            prop_assert_eq!(got.value, v);
            prop_assert_eq!(got.value.scale(), v.scale());
            if v.scale() > 0 || raw.group.is_some_and(|g| !is_decimal_mark(g)) || unsigned.matches(group).count() > 1 {
                // Not ambiguous: no style needed.
                let alone = raw.resolve(None, v.is_negative()).map_err(TestCaseError::fail)?;
                prop_assert_eq!(alone.value, v);
            }
        }

        #[test]
        fn scanning_never_panics(s in "[0-9., \u{a0}]{0,12}") {
            if let Ok((raw, _)) = scan(&s) {
                let _ = raw.resolve(None, false);
                let _ = raw.resolve(Some(NumberStyle::default()), true);
            }
        }
    }
}
