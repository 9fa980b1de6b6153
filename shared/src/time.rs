//! Timestamps as the four APIs show them: all UTC, RFC 3339.

use time::format_description::well_known::Rfc3339;
use time::format_description::FormatItem;
use time::macros::format_description;
use time::{Date, OffsetDateTime};

const SECONDS: &[FormatItem<'static>] = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
const NANOS: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:9]Z");
const MICROS: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

/// One instant in UTC, in the years 0000 to 9999 that RFC 3339 can write: taken once per
/// request so every timestamp a write stores agrees, or parsed from input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(OffsetDateTime);

/// The years a timestamp or date may have: RFC 3339 writes four digits, no sign.
const YEARS: std::ops::RangeInclusive<i32> = 0..=9999;

impl Timestamp {
    pub fn now() -> Self {
        Self(OffsetDateTime::now_utc())
    }

    /// The instant `seconds` after the Unix epoch; `None` past what a date can hold.
    pub fn from_unix_seconds(seconds: u64) -> Option<Self> {
        let seconds = i64::try_from(seconds).ok()?;
        OffsetDateTime::from_unix_timestamp(seconds).ok().map(Self)
    }

    /// An RFC 3339 timestamp with its offset (`2023-01-01T16:00:00+01:00`), as the instant
    /// in UTC; `None` when it is not one, or when that instant falls outside the years 0000
    /// to 9999 (`9999-12-31T23:59:59-01:00` is in the year 10000).
    pub fn parse_rfc3339(text: &str) -> Option<Self> {
        let instant = OffsetDateTime::parse(text, &Rfc3339).ok()?;
        let utc = instant.checked_to_offset(time::UtcOffset::UTC)?;
        YEARS.contains(&utc.year()).then_some(Self(utc))
    }

    /// A timestamp in any form Attio's timestamp attributes take: `2023`, `2023-01`,
    /// `2023-01-02`, `2023-01-02T13:00`, `2023-01-02T13:00:00(.fraction)`, each with or
    /// without a zone (`Z` or `±HH:MM`); without one it is UTC. Missing parts are the
    /// start of the period.
    pub fn parse_attio(text: &str) -> Option<Self> {
        let (date, time) = match text.split_once('T') {
            Some((date, time)) => (date, Some(time)),
            None => (text, None),
        };
        let date = match date.len() {
            4 => format!("{date}-01-01"),
            7 => format!("{date}-01"),
            10 => date.to_string(),
            _ => return None,
        };
        let time = match time {
            None => "00:00:00Z".to_string(),
            Some(time) => {
                let (clock, zone) = time.split_at(time.find(['Z', 'z', '+', '-']).unwrap_or(time.len()));
                let clock = if clock.len() == 5 {
                    format!("{clock}:00")
                } else {
                    clock.to_string()
                };
                format!("{clock}{}", if zone.is_empty() { "Z" } else { zone })
            }
        };
        Self::parse_rfc3339(&format!("{date}T{time}"))
    }

    /// The calendar date in UTC.
    pub fn utc_date(&self) -> Date {
        self.0.date()
    }

    /// `2024-01-15T10:30:00Z`, as Answering Agent and Invent show it.
    pub fn seconds(&self) -> String {
        self.0.format(SECONDS).expect("a UTC timestamp always formats")
    }

    /// `2022-11-21T13:22:49.061281000Z`, as Attio shows it.
    pub fn nanos(&self) -> String {
        self.0.format(NANOS).expect("a UTC timestamp always formats")
    }

    /// `n` nanoseconds later: the fields one write makes get distinct, ordered times (a
    /// table shows its fields in the order they were made).
    pub fn plus_nanos(self, n: u64) -> Self {
        Self(self.0 + time::Duration::nanoseconds(i64::try_from(n).unwrap_or(i64::MAX)))
    }

    /// Microseconds since the Unix epoch.
    pub fn unix_micros(&self) -> u64 {
        u64::try_from(self.0.unix_timestamp_nanos() / 1000).unwrap_or(0)
    }

    /// Whole seconds since the Unix epoch (DynamoDB's TTL and the delivery schedule's unit).
    pub fn unix_seconds(&self) -> u64 {
        self.unix_micros() / 1_000_000
    }

    /// `2024-06-12T15:37:31.904982Z`, as SmartSuite shows it.
    pub fn micros(&self) -> String {
        self.0.format(MICROS).expect("a UTC timestamp always formats")
    }
}

/// A calendar date `YYYY-MM-DD` with a four-digit year (no sign), that exists.
pub fn parse_date(text: &str) -> Option<Date> {
    let starts_with_digit = text.bytes().next().is_some_and(|b| b.is_ascii_digit());
    let date = Date::parse(text, format_description!("[year]-[month]-[day]")).ok()?;
    (starts_with_digit && YEARS.contains(&date.year())).then_some(date)
}

/// A date in any form Attio's date attributes take: `2023` and `2023-01` (the first day),
/// `2023-01-02`, or a timestamp (with or without a zone), whose date in UTC it is.
pub fn parse_attio_date(text: &str) -> Option<Date> {
    match text.len() {
        4 => parse_date(&format!("{text}-01-01")),
        7 => parse_date(&format!("{text}-01")),
        10 => parse_date(text),
        _ => Timestamp::parse_attio(text).map(|t| t.utc_date()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn reads_every_form_attio_documents() {
        let timestamps = [
            ("2023", Some("2023-01-01T00:00:00.000000000Z")),
            ("2023-01", Some("2023-01-01T00:00:00.000000000Z")),
            ("2023-01-02", Some("2023-01-02T00:00:00.000000000Z")),
            ("2023-01-02T13:00", Some("2023-01-02T13:00:00.000000000Z")),
            ("2023-01-02T13:00:00", Some("2023-01-02T13:00:00.000000000Z")),
            ("2023-01-02T13:00:00.000000000", Some("2023-01-02T13:00:00.000000000Z")),
            (
                "2023-01-02T15:00:00.000000000+02:00",
                Some("2023-01-02T13:00:00.000000000Z"),
            ),
            ("2023-01-02T13:00Z", Some("2023-01-02T13:00:00.000000000Z")),
            ("2023-1-2", None),
            ("2023-13", None),
            ("20230", None),
            ("2023-01-02T25:00", None),
            ("2023-01-02T", None),
            ("yesterday", None),
            ("", None),
        ];
        for (text, expected) in timestamps {
            assert_eq!(
                Timestamp::parse_attio(text).map(|t| t.nanos()).as_deref(),
                expected,
                "{text}"
            );
        }
        let dates = [
            ("2023", Some("2023-01-01")),
            ("2023-01", Some("2023-01-01")),
            ("2023-01-02", Some("2023-01-02")),
            ("2023-01-02T13:00", Some("2023-01-02")),
            ("2023-01-02T15:00:00.000000000+02:00", Some("2023-01-02")),
            ("2023-01-02T23:00:00-10:00", Some("2023-01-03")),
            ("2023-02-30", None),
            ("-2023", None),
            ("2023-01-02T99", None),
        ];
        for (text, expected) in dates {
            assert_eq!(
                parse_attio_date(text).map(|d| d.to_string()).as_deref(),
                expected,
                "{text}"
            );
        }
    }

    #[test]
    fn formats_each_api_precision() {
        let t = Timestamp(datetime!(2022-11-21 13:22:49.061281 UTC));
        assert_eq!(t.seconds(), "2022-11-21T13:22:49Z");
        assert_eq!(t.nanos(), "2022-11-21T13:22:49.061281000Z");
        assert_eq!(t.micros(), "2022-11-21T13:22:49.061281Z");
    }

    #[test]
    fn parses_only_what_rfc_3339_can_write_back() {
        let cases: [(&str, Option<&str>); 9] = [
            ("2023-01-01T16:00:00+01:00", Some("2023-01-01T15:00:00.000000000Z")),
            ("2023-01-01T15:00:00Z", Some("2023-01-01T15:00:00.000000000Z")),
            ("0000-01-01T00:00:00Z", Some("0000-01-01T00:00:00.000000000Z")),
            ("9999-12-31T23:59:59Z", Some("9999-12-31T23:59:59.000000000Z")),
            ("9999-12-31T23:59:59-01:00", None),
            ("0000-01-01T00:00:00+01:00", None),
            ("2023-01-01 15:00", None),
            ("2023-01-01T15:00:00", None),
            ("", None),
        ];
        for (text, expected) in cases {
            assert_eq!(
                Timestamp::parse_rfc3339(text).map(|t| t.nanos()).as_deref(),
                expected,
                "{text}"
            );
        }
        for (text, ok) in [
            ("2024-02-29", true),
            ("0000-01-01", true),
            ("9999-12-31", true),
            ("2023-02-30", false),
            ("-0001-01-01", false),
            ("+2023-01-01", false),
            ("10000-01-01", false),
            ("2023-1-1", false),
        ] {
            assert_eq!(parse_date(text).is_some(), ok, "{text}");
        }
    }
}
