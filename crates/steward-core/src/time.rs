//! Instants are stored as microseconds since the Unix epoch (UTC) in both databases.
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};

use crate::{Error, Result};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn now() -> Self {
        Timestamp(Utc::now().timestamp_micros())
    }
    pub fn from_secs(secs: i64) -> Self {
        Timestamp(secs.saturating_mul(1_000_000))
    }
    /// Midnight UTC at the start of a `YYYY-MM-DD` day; `None` if it is not such a date.
    pub fn start_of_day(day: &str) -> Option<Self> {
        let d = chrono::NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d").ok()?;
        Some(Timestamp::start_of(d))
    }

    /// Midnight (UTC) at the start of `day`.
    pub fn start_of(day: NaiveDate) -> Self {
        Timestamp(
            day.and_time(chrono::NaiveTime::MIN)
                .and_utc()
                .timestamp_micros(),
        )
    }

    pub fn plus_secs(self, secs: i64) -> Self {
        Timestamp(self.0.saturating_add(secs.saturating_mul(1_000_000)))
    }
    pub fn to_datetime(self) -> DateTime<Utc> {
        Utc.timestamp_micros(self.0)
            .single()
            .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
    }
    /// `2026-11-23 16:10:52 UTC`, for pages and exports.
    pub fn display(self) -> String {
        self.to_datetime()
            .format("%Y-%m-%d %H:%M:%S UTC")
            .to_string()
    }
    /// RFC 3339 with microseconds, for the API and the audit hash.
    pub fn rfc3339(self) -> String {
        self.to_datetime()
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    }
}

/// A `YYYY-MM-DD` date typed into `field`. Years 1900-2999 only: anything else is a typo.
/// Today, the date of the books and of every rule about days (UTC, one clock for all).
pub fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

pub fn parse_date(field: &str, s: &str) -> Result<NaiveDate> {
    let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| Error::invalid(field, format!("`{s}` is not a date (YYYY-MM-DD)")))?;
    check_date_range(field, d)?;
    Ok(d)
}

/// [`parse_date`] for an optional field: blank or absent is `None`.
pub fn parse_optional_date(field: &str, s: Option<&str>) -> Result<Option<NaiveDate>> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => parse_date(field, s).map(Some),
    }
}

pub fn check_date_range(field: &str, d: NaiveDate) -> Result<()> {
    if (1900..=2999).contains(&d.year()) {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!("{d} is out of range (years 1900-2999)"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_start_at_midnight_utc() {
        assert_eq!(
            Timestamp::start_of_day("2031-03-31"),
            Some(Timestamp(1_932_681_600_000_000))
        );
        assert_eq!(Timestamp::start_of_day("1970-01-01"), Some(Timestamp(0)));
        for bad in ["31/03/2031", "2031-02-30", "", "2031-3-31x"] {
            assert_eq!(Timestamp::start_of_day(bad), None, "{bad}");
        }
    }
}
