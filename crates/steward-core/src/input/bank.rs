//! Bank account identifiers people type: the IBAN (ISO 13616) and the BIC (ISO 9362).
//! Both are parsed from what a person wrote (spaces and lower case allowed) into their
//! electronic form, and refused with a message that says what is wrong, so a typo in a
//! payee's account is caught at the form and never reaches a payment file.
use serde::{Deserialize, Serialize};

use crate::error::Validator;
use crate::{Error, Result};

/// Every country of the SWIFT IBAN registry with its IBAN length (89, the registry as of
/// 2025; a country added later is refused as unknown until it is added here).
/// Territories that use another country's code (Åland FI, the French overseas
/// departments FR, Jersey, Guernsey and the Isle of Man GB) are not listed separately:
/// their IBANs start with that country's code.
pub const IBAN_COUNTRIES: [(&str, usize); 89] = [
    ("AD", 24),
    ("AE", 23),
    ("AL", 28),
    ("AT", 20),
    ("AZ", 28),
    ("BA", 20),
    ("BE", 16),
    ("BG", 22),
    ("BH", 22),
    ("BI", 27),
    ("BR", 29),
    ("BY", 28),
    ("CH", 21),
    ("CR", 22),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DJ", 27),
    ("DK", 18),
    ("DO", 28),
    ("EE", 20),
    ("EG", 29),
    ("ES", 24),
    ("FI", 18),
    ("FK", 18),
    ("FO", 18),
    ("FR", 27),
    ("GB", 22),
    ("GE", 22),
    ("GI", 23),
    ("GL", 18),
    ("GR", 27),
    ("GT", 28),
    ("HN", 28),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IL", 23),
    ("IQ", 23),
    ("IS", 26),
    ("IT", 27),
    ("JO", 30),
    ("KW", 30),
    ("KZ", 20),
    ("LB", 28),
    ("LC", 32),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("LY", 25),
    ("MC", 27),
    ("MD", 24),
    ("ME", 22),
    ("MK", 19),
    ("MN", 20),
    ("MR", 27),
    ("MT", 31),
    ("MU", 30),
    ("NI", 28),
    ("NL", 18),
    ("NO", 15),
    ("OM", 23),
    ("PK", 24),
    ("PL", 28),
    ("PS", 29),
    ("PT", 25),
    ("QA", 29),
    ("RO", 24),
    ("RS", 22),
    ("RU", 33),
    ("SA", 24),
    ("SC", 31),
    ("SD", 18),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("SO", 23),
    ("ST", 25),
    ("SV", 28),
    ("TL", 23),
    ("TN", 24),
    ("TR", 26),
    ("UA", 29),
    ("VA", 22),
    ("VG", 24),
    ("XK", 20),
    ("YE", 30),
];

/// The officially assigned ISO 3166-1 alpha-2 country codes (249), sorted.
pub const ISO_3166_ALPHA2: [&str; 249] = [
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

/// The IBAN length of `country` (two upper-case letters), if it is in the registry.
pub fn iban_length(country: &str) -> Option<usize> {
    IBAN_COUNTRIES
        .binary_search_by(|(c, _)| (*c).cmp(country))
        .ok()
        .map(|i| IBAN_COUNTRIES[i].1)
}

/// ISO 7064 MOD 97-10 of an IBAN-shaped string (upper-case letters and digits): the first
/// four characters moved to the end, letters read as 10..35, the whole as one decimal
/// number, its remainder by 97. Computed digit by digit, so no number grows past 9,700.
/// `None` when a character is neither a digit nor an upper-case letter.
pub(crate) fn mod97(s: &str) -> Option<u32> {
    let (head, tail) = s.split_at(s.len().min(4));
    tail.bytes().chain(head.bytes()).try_fold(0u32, |r, b| {
        Some(match b {
            b'0'..=b'9' => (r * 10 + u32::from(b - b'0')) % 97,
            b'A'..=b'Z' => (r * 100 + u32::from(b - b'A') + 10) % 97,
            _ => return None,
        })
    })
}

/// An International Bank Account Number: a country of the IBAN registry, its exact
/// length, letters and digits only, check digits that match (MOD 97-10). Kept in the
/// electronic form (`DE89370400440532013000`); [`Iban::display`] gives the printed form.
/// The country's own account format (the BBAN) is not checked beyond its length.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Iban(String);

impl Iban {
    /// The IBAN a person typed: spaces anywhere, any case (`de89 3704 0044 0532 0130 00`).
    pub fn parse(field: &str, s: &str) -> Result<Iban> {
        let iban: String = s
            .chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_uppercase)
            .collect();
        if iban.is_empty() {
            return Err(Error::invalid(field, "is required"));
        }
        if let Some(c) = iban.chars().find(|c| !c.is_ascii_alphanumeric()) {
            return Err(Error::invalid(
                field,
                format!("an IBAN has only letters and digits, this one has {c:?}"),
            ));
        }
        let country = iban.get(..2).unwrap_or(&iban);
        if country.len() < 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(Error::invalid(
                field,
                "an IBAN starts with a two-letter country code",
            ));
        }
        let Some(length) = iban_length(country) else {
            return Err(Error::invalid(
                field,
                format!("unknown country code {country}"),
            ));
        };
        let count = iban.len();
        if count != length {
            return Err(Error::invalid(
                field,
                format!("a {country} IBAN has {length} characters, this one has {count}"),
            ));
        }
        if !iban.as_bytes()[2..4].iter().all(u8::is_ascii_digit) {
            return Err(Error::invalid(
                field,
                "the IBAN check digits (characters 3 and 4) must be digits",
            ));
        }
        if mod97(&iban) != Some(1) {
            return Err(Error::invalid(field, "IBAN check digits do not match"));
        }
        Ok(Iban(iban))
    }

    /// Whether `s` is an IBAN [`Iban::parse`] accepts.
    pub fn is_valid(s: &str) -> bool {
        Iban::parse("iban", s).is_ok()
    }

    /// The electronic form, no spaces: what payment files and bank APIs take.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The two-letter country code.
    pub fn country(&self) -> &str {
        &self.0[..2]
    }

    /// The printed form, in groups of four (`DE89 3704 0044 0532 0130 00`).
    pub fn display(&self) -> String {
        let mut out = String::with_capacity(self.0.len() + self.0.len() / 4);
        for (i, c) in self.0.chars().enumerate() {
            if i > 0 && i % 4 == 0 {
                out.push(' ');
            }
            out.push(c);
        }
        out
    }
}

impl std::fmt::Display for Iban {
    /// The printed form, as [`Iban::display`].
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.display())
    }
}

/// A Business Identifier Code (BIC, "SWIFT code"): 4 letters for the bank, the 2-letter
/// ISO 3166 country (or XK, Kosovo, which SWIFT uses), 2 letters or digits for the
/// location and, in the 11-character form, 3 for the branch. The location follows the
/// ISO 20022 schemas' BIC pattern too (its first character not 0 or 1, its second not
/// the letter O), since a payment file with any other BIC is refused by the bank.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Bic(String);

impl Bic {
    /// The BIC a person typed: spaces anywhere, any case (`deut de ff`).
    pub fn parse(field: &str, s: &str) -> Result<Bic> {
        let bic: String = s
            .chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_uppercase)
            .collect();
        if bic.is_empty() {
            return Err(Error::invalid(field, "is required"));
        }
        if let Some(c) = bic.chars().find(|c| !c.is_ascii_alphanumeric()) {
            return Err(Error::invalid(
                field,
                format!("a BIC has only letters and digits, this one has {c:?}"),
            ));
        }
        let count = bic.len();
        if count != 8 && count != 11 {
            return Err(Error::invalid(
                field,
                format!("a BIC has 8 or 11 characters, this one has {count}"),
            ));
        }
        let b = bic.as_bytes();
        if !b[..4].iter().all(u8::is_ascii_uppercase) {
            return Err(Error::invalid(
                field,
                "a BIC starts with four letters (the bank)",
            ));
        }
        let country = &bic[4..6];
        if !b[4..6].iter().all(u8::is_ascii_uppercase) {
            return Err(Error::invalid(
                field,
                "characters 5 and 6 of a BIC are letters (the country)",
            ));
        }
        if country != "XK" && ISO_3166_ALPHA2.binary_search(&country).is_err() {
            return Err(Error::invalid(
                field,
                format!("unknown country code {country}"),
            ));
        }
        if matches!(b[6], b'0' | b'1') || b[7] == b'O' {
            return Err(Error::invalid(
                field,
                format!("{} is not a BIC location code", &bic[6..8]),
            ));
        }
        Ok(Bic(bic))
    }

    /// Whether `s` is a BIC [`Bic::parse`] accepts.
    pub fn is_valid(s: &str) -> bool {
        Bic::parse("bic", s).is_ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The two-letter country code (characters 5 and 6).
    pub fn country(&self) -> &str {
        &self.0[4..6]
    }
}

impl std::fmt::Display for Bic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Validator {
    /// An optional IBAN: `None` when blank or refused.
    pub fn iban(&mut self, field: &str, s: &str) -> Option<Iban> {
        if s.trim().is_empty() {
            return None;
        }
        self.check(field, Iban::parse(field, s))
    }

    /// An optional BIC: `None` when blank or refused.
    pub fn bic(&mut self, field: &str, s: &str) -> Option<Bic> {
        if s.trim().is_empty() {
            return None;
        }
        self.check(field, Bic::parse(field, s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Published examples (the IBAN registry's and ECBS's own).
    const GOOD: [&str; 12] = [
        "GB82 WEST 1234 5698 7654 32",
        "DE89 3704 0044 0532 0130 00",
        "FR14 2004 1010 0505 0001 3M02 606",
        "NL91 ABNA 0417 1643 00",
        "BE68 5390 0754 7034",
        "CH93 0076 2011 6238 5295 7",
        "NO93 8601 1117 947",
        "MT84 MALT 0110 0001 2345 MTLC AST0 01S",
        "AT61 1904 3002 3457 3201",
        "ES91 2100 0418 4502 0005 1332",
        "IT60 X054 2811 1010 0000 0123 456",
        "LC55 HEMM 0001 0001 0012 0012 0002 3015",
    ];

    fn message(r: Result<impl std::fmt::Debug>) -> String {
        match r {
            Err(Error::Invalid { message, .. }) => message,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    /// The check digits that make `country` + `bban` an IBAN.
    fn with_check_digits(country: &str, bban: &str) -> String {
        let r = mod97(&format!("{country}00{bban}")).expect("alphanumeric");
        format!("{country}{:02}{bban}", 98 - r)
    }

    #[test]
    fn the_tables_are_sorted_and_complete() {
        assert!(IBAN_COUNTRIES.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(ISO_3166_ALPHA2.windows(2).all(|w| w[0] < w[1]));
        for (country, length) in IBAN_COUNTRIES {
            assert!((15..=34).contains(&length), "{country}");
            assert!(
                country == "XK" || ISO_3166_ALPHA2.binary_search(&country).is_ok(),
                "{country} is not an ISO 3166 code"
            );
        }
        assert_eq!(iban_length("DE"), Some(22));
        assert_eq!(iban_length("NO"), Some(15));
        assert_eq!(iban_length("RU"), Some(33));
        assert_eq!(iban_length("US"), None);
    }

    #[test]
    fn published_examples_are_ibans() {
        for s in GOOD {
            let iban = Iban::parse("iban", s).unwrap_or_else(|e| panic!("{s}: {e}"));
            assert_eq!(iban.display(), s);
            assert_eq!(iban.as_str(), s.replace(' ', ""));
            assert_eq!(iban.to_string(), s);
        }
        let typed = Iban::parse("iban", " de89 3704 0044\t0532 013000 ").expect("typed");
        assert_eq!(typed.as_str(), "DE89370400440532013000");
        assert_eq!(typed.country(), "DE");
    }

    #[test]
    fn wrong_ibans_say_what_is_wrong() {
        assert_eq!(
            message(Iban::parse("iban", "GB82 WEST 1234 5698 7654 33")),
            "IBAN check digits do not match"
        );
        assert_eq!(
            message(Iban::parse("iban", "DE89 3704 0044 0532 0130 0")),
            "a DE IBAN has 22 characters, this one has 21"
        );
        assert_eq!(
            message(Iban::parse("iban", "XX89 3704 0044 0532 0130 00")),
            "unknown country code XX"
        );
        assert_eq!(
            message(Iban::parse("iban", "US64 SVBK US6S 3300 9673 86")),
            "unknown country code US"
        );
        assert_eq!(
            message(Iban::parse("iban", "DE89-3704-0044-0532-0130-00")),
            "an IBAN has only letters and digits, this one has '-'"
        );
        assert_eq!(
            message(Iban::parse("iban", "12345678")),
            "an IBAN starts with a two-letter country code"
        );
        assert_eq!(
            message(Iban::parse("iban", "DEXX 3704 0044 0532 0130 00")),
            "the IBAN check digits (characters 3 and 4) must be digits"
        );
        assert_eq!(message(Iban::parse("iban", "  ")), "is required");
        assert!(!Iban::is_valid("D"));
        assert!(!Iban::is_valid("DÉ89 3704 0044 0532 0130 00"));
        // The NL example with two digits swapped, and the BE one with one digit changed.
        assert!(!Iban::is_valid("NL91 ABNA 0417 1634 00"));
        assert!(!Iban::is_valid("BE68 5390 0754 7035"));
        assert!(matches!(
            Iban::parse("payee_iban", "x"),
            Err(Error::Invalid { field, .. }) if field == "payee_iban"
        ));
    }

    #[test]
    fn bics_have_bank_country_location_and_branch() {
        for (typed, stored) in [
            ("DEUTDEFF", "DEUTDEFF"),
            ("deut de ff 500", "DEUTDEFF500"),
            ("NWBKGB2L", "NWBKGB2L"),
            ("COBADEFFXXX", "COBADEFFXXX"),
            ("RAIFXKPR", "RAIFXKPR"),
        ] {
            let bic = Bic::parse("bic", typed).unwrap_or_else(|e| panic!("{typed}: {e}"));
            assert_eq!(bic.as_str(), stored);
        }
        assert_eq!(
            Bic::parse("bic", "DEUTDEFF")
                .map(|b| b.country().to_string())
                .ok(),
            Some("DE".into())
        );
        assert_eq!(
            message(Bic::parse("bic", "DEUTDEF")),
            "a BIC has 8 or 11 characters, this one has 7"
        );
        assert_eq!(
            message(Bic::parse("bic", "DEUTDEFF50")),
            "a BIC has 8 or 11 characters, this one has 10"
        );
        assert_eq!(
            message(Bic::parse("bic", "DEU1DEFF")),
            "a BIC starts with four letters (the bank)"
        );
        assert_eq!(
            message(Bic::parse("bic", "DEUT1EFF")),
            "characters 5 and 6 of a BIC are letters (the country)"
        );
        assert_eq!(
            message(Bic::parse("bic", "DEUTQQFF")),
            "unknown country code QQ"
        );
        assert_eq!(
            message(Bic::parse("bic", "DEUTDE0F")),
            "0F is not a BIC location code"
        );
        assert_eq!(
            message(Bic::parse("bic", "DEUT.DEFF")),
            "a BIC has only letters and digits, this one has '.'"
        );
        assert_eq!(message(Bic::parse("bic", "")), "is required");
    }

    #[test]
    fn the_validator_collects_bank_details() {
        let mut v = Validator::new();
        assert_eq!(v.iban("iban", " "), None);
        assert_eq!(v.bic("bic", ""), None);
        assert!(v.iban("iban", GOOD[0]).is_some());
        assert!(v.bic("bic", "DEUTDEFF").is_some());
        assert_eq!(v.iban("payee_iban", "DE00 0000"), None);
        assert_eq!(v.bic("payee_bic", "ABC"), None);
        let e = v.finish().expect_err("two problems");
        let fields: Vec<String> = e.field_errors().into_iter().map(|f| f.field).collect();
        assert_eq!(fields, vec!["payee_iban", "payee_bic"]);
    }

    /// A random valid IBAN of a registry country, with an all-digit account part (so that
    /// every position after the country code holds a digit the mutations can change).
    fn valid_iban() -> impl Strategy<Value = String> {
        (0..IBAN_COUNTRIES.len())
            .prop_flat_map(|i| {
                let (country, length) = IBAN_COUNTRIES[i];
                (
                    Just(country),
                    proptest::collection::vec(0u8..10, length - 4),
                )
            })
            .prop_map(|(country, digits)| {
                let bban: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
                with_check_digits(country, &bban)
            })
    }

    proptest! {
        #[test]
        fn generated_ibans_are_valid(iban in valid_iban()) {
            prop_assert!(Iban::is_valid(&iban), "{}", iban);
        }

        #[test]
        fn one_digit_changed_is_caught(iban in valid_iban(), pos in 2usize..34, delta in 1u8..10) {
            let mut b = iban.into_bytes();
            let pos = 2 + pos % (b.len() - 2);
            b[pos] = b'0' + (b[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(b).expect("ascii");
            prop_assert!(!Iban::is_valid(&changed), "{}", changed);
        }

        #[test]
        fn two_adjacent_digits_swapped_are_caught(iban in valid_iban(), pos in 2usize..34) {
            let mut b = iban.into_bytes();
            let pos = 2 + pos % (b.len() - 3);
            prop_assume!(b[pos] != b[pos + 1]);
            b.swap(pos, pos + 1);
            let swapped = String::from_utf8(b).expect("ascii");
            prop_assert!(!Iban::is_valid(&swapped), "{}", swapped);
        }
    }
}
