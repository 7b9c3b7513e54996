//! The vocabulary every domain reads people's input with: bounded text, e-mail addresses,
//! phone numbers, dates and date ranges, money amounts, bank accounts (IBAN and BIC, in
//! [`bank`]). Each takes the field's name first and refuses bad input with
//! `Invalid { field }`; the [`Validator`] methods collect every problem of a form at once. One rule each, here, so the domains agree (an address one
//! page accepts is one every page accepts).
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::Validator;
use crate::money::{Currency, Money};
use crate::{Error, Result};

pub mod bank;
pub use bank::{iban_length, Bic, Iban, IBAN_COUNTRIES, ISO_3166_ALPHA2};

/// Text a person typed: trimmed, at most `max` characters, no control characters but line
/// breaks and tabs; empty only when not `required`.
pub fn text(field: &str, s: &str, max: usize, required: bool) -> Result<String> {
    let t = s.trim();
    if required && t.is_empty() {
        return Err(Error::invalid(field, "is required"));
    }
    if t.chars().count() > max {
        return Err(Error::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if t.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(Error::invalid(field, "must not contain control characters"));
    }
    Ok(t.to_string())
}

/// One line of text (a name, a title): as [`text`], and no line breaks either.
pub fn line(field: &str, s: &str, max: usize, required: bool) -> Result<String> {
    let t = text(field, s, max, required)?;
    if t.contains(['\n', '\r']) {
        return Err(Error::invalid(field, "must be one line"));
    }
    Ok(t)
}

/// An e-mail address: one `@` with something before it, a domain with a dot that neither
/// starts nor ends with one (nor has two in a row), no spaces, control characters, angle
/// brackets, commas or semicolons (a second address or header could be smuggled through
/// them), at most 254 characters. The domain is kept as typed
/// but compared without case; delivery proves the rest.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub fn parse(field: &str, s: &str) -> Result<Email> {
        let e = s.trim();
        let shaped = e.chars().count() <= 254
            && !e
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';'))
            && e.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains("..")
            });
        if shaped {
            Ok(Email(e.to_string()))
        } else {
            Err(Error::invalid(field, "is not an e-mail address"))
        }
    }

    /// Whether `s` is an address [`Email::parse`] accepts.
    pub fn is_valid(s: &str) -> bool {
        Email::parse("email", s).is_ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// All lowercase: how sign-in names and uniqueness compare addresses.
    pub fn lowercase(&self) -> String {
        self.0.to_lowercase()
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A phone number as people write it: digits with `+`, spaces, dashes, dots, slashes and
/// brackets, 5 to 20 digits in all.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Phone(String);

impl Phone {
    pub fn parse(field: &str, s: &str) -> Result<Phone> {
        let p = s.trim();
        let digits = p.chars().filter(char::is_ascii_digit).count();
        let allowed = p
            .chars()
            .all(|c| c.is_ascii_digit() || " +-./()".contains(c));
        if allowed && (5..=20).contains(&digits) && p.chars().count() <= 40 {
            Ok(Phone(p.to_string()))
        } else {
            Err(Error::invalid(
                field,
                "is not a phone number (5 to 20 digits, with + - . / ( ) or spaces)",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A span of days, both ends included, `from` not after `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DateRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl DateRange {
    /// The range from two typed dates (`YYYY-MM-DD`); the error names the field at fault,
    /// `to_field` when it lies before the start.
    pub fn parse(from_field: &str, from: &str, to_field: &str, to: &str) -> Result<DateRange> {
        let from = crate::time::parse_date(from_field, from)?;
        let to = crate::time::parse_date(to_field, to)?;
        DateRange::new(to_field, from, to)
    }

    pub fn new(to_field: &str, from: NaiveDate, to: NaiveDate) -> Result<DateRange> {
        if to < from {
            return Err(Error::invalid(to_field, "must not be before the start"));
        }
        Ok(DateRange { from, to })
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }

    /// Days in the range, both ends counted.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }
}

/// An amount a person typed (`1250.00`, `-3.5`) in `currency`, exact to its minor unit;
/// the error names the field.
pub fn money(field: &str, s: &str, currency: &Currency) -> Result<Money> {
    Money::parse(s, currency.clone()).map_err(|e| match e {
        Error::Invalid { message, .. } => Error::invalid(field, message),
        other => other,
    })
}

/// The same rules, collecting every problem of a form before answering.
impl Validator {
    /// [`text`]; the trimmed text (also when refused, so the form shows what was typed).
    pub fn text(&mut self, field: &str, s: &str, max: usize, required: bool) -> String {
        match text(field, s, max, required) {
            Ok(t) => t,
            Err(e) => {
                self.push_error(e);
                s.trim().to_string()
            }
        }
    }

    /// [`line`].
    pub fn line(&mut self, field: &str, s: &str, max: usize, required: bool) -> String {
        match line(field, s, max, required) {
            Ok(t) => t,
            Err(e) => {
                self.push_error(e);
                s.trim().to_string()
            }
        }
    }

    /// An optional e-mail address: `None` when blank or refused.
    pub fn email(&mut self, field: &str, s: &str) -> Option<Email> {
        if s.trim().is_empty() {
            return None;
        }
        self.check(field, Email::parse(field, s))
    }

    /// An optional phone number: `None` when blank or refused.
    pub fn phone(&mut self, field: &str, s: &str) -> Option<Phone> {
        if s.trim().is_empty() {
            return None;
        }
        self.check(field, Phone::parse(field, s))
    }

    /// An optional date (`YYYY-MM-DD`): `None` when blank or refused.
    pub fn date(&mut self, field: &str, s: &str) -> Option<NaiveDate> {
        if s.trim().is_empty() {
            return None;
        }
        self.check(field, crate::time::parse_date(field, s.trim()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_rule_for_e_mail_addresses() {
        for ok in [
            "ann@example.com",
            "a.b+c@sub.example.org",
            "Ann@Example.COM",
        ] {
            assert!(Email::is_valid(ok), "{ok}");
        }
        for bad in [
            "",
            "ann",
            "ann@",
            "@x.org",
            "a@b.",
            "a@.b",
            "a@b",
            "a b@x.org",
            "a@x..org",
            "a@x.org>, b@y.org",
            "a@x.org;b@y.org",
            "Ann <a@x.org>",
            "a@b@c.org",
            "a\r\n@x.org",
        ] {
            assert!(!Email::is_valid(bad), "{bad:?}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(!Email::is_valid(&long));
        assert_eq!(
            Email::parse("work_email", " Ann@Example.com ")
                .map(|e| e.lowercase())
                .ok(),
            Some("ann@example.com".into())
        );
        assert!(matches!(
            Email::parse("work_email", "x"),
            Err(Error::Invalid { field, .. }) if field == "work_email"
        ));
    }

    #[test]
    fn text_is_bounded_and_free_of_control_characters() {
        assert_eq!(text("title", "  hi  ", 10, true).ok(), Some("hi".into()));
        assert!(text("title", " ", 10, true).is_err());
        assert_eq!(text("note", "", 10, false).ok(), Some(String::new()));
        assert!(text("title", "élève1234567", 10, false).is_err());
        assert_eq!(text("title", "élève", 5, false).ok(), Some("élève".into()));
        assert!(text("t", "a\u{7}b", 10, false).is_err());
        assert!(text("t", "a\nb\tc", 10, false).is_ok());
        assert!(line("t", "a\nb", 10, false).is_err());
    }

    #[test]
    fn phones_dates_and_money() {
        assert!(Phone::parse("p", "+49 (30) 123-456").is_ok());
        assert!(Phone::parse("p", "1234").is_err());
        assert!(Phone::parse("p", "call me").is_err());
        let r = DateRange::parse("from", "2026-03-01", "to", "2026-03-31").expect("range");
        assert_eq!(r.days(), 31);
        assert!(r.contains(NaiveDate::from_ymd_opt(2026, 3, 15).expect("day")));
        assert!(matches!(
            DateRange::parse("from", "2026-03-02", "to", "2026-03-01"),
            Err(Error::Invalid { field, .. }) if field == "to"
        ));
        let eur = Currency::parse("EUR").expect("eur");
        assert_eq!(
            money("amount", "1250.50", &eur).map(|m| m.minor).ok(),
            Some(125_050)
        );
        assert!(matches!(
            money("amount", "1.234", &eur),
            Err(Error::Invalid { field, .. }) if field == "amount"
        ));
        let mut v = Validator::new();
        assert_eq!(v.email("email", " "), None);
        assert_eq!(v.email("email", "nope"), None);
        assert_eq!(v.date("start", "2026-02-30"), None);
        assert_eq!(v.text("name", "", 10, true), "");
        let e = v.finish().expect_err("three problems");
        let fields: Vec<String> = e.field_errors().into_iter().map(|f| f.field).collect();
        assert_eq!(fields, vec!["email", "start", "name"]);
    }
}
