//! Timestamps as the four APIs show them: all UTC, RFC 3339.

use time::format_description::FormatItem;
use time::macros::format_description;
use time::OffsetDateTime;

const SECONDS: &[FormatItem<'static>] = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
const NANOS: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:9]Z");
const MICROS: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

/// One instant, taken once per request so every timestamp a write stores agrees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(OffsetDateTime);

impl From<OffsetDateTime> for Timestamp {
    fn from(instant: OffsetDateTime) -> Self {
        Self(instant.to_offset(time::UtcOffset::UTC))
    }
}

impl Timestamp {
    pub fn now() -> Self {
        Self(OffsetDateTime::now_utc())
    }

    /// `2024-01-15T10:30:00Z`, as Answering Agent and Invent show it.
    pub fn seconds(&self) -> String {
        self.0.format(SECONDS).expect("a UTC timestamp always formats")
    }

    /// `2022-11-21T13:22:49.061281000Z`, as Attio shows it.
    pub fn nanos(&self) -> String {
        self.0.format(NANOS).expect("a UTC timestamp always formats")
    }

    /// Microseconds since the Unix epoch.
    pub fn unix_micros(&self) -> u64 {
        u64::try_from(self.0.unix_timestamp_nanos() / 1000).unwrap_or(0)
    }

    /// `2024-06-12T15:37:31.904982Z`, as SmartSuite shows it.
    pub fn micros(&self) -> String {
        self.0.format(MICROS).expect("a UTC timestamp always formats")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn formats_each_api_precision() {
        let t = Timestamp(datetime!(2022-11-21 13:22:49.061281 UTC));
        assert_eq!(t.seconds(), "2022-11-21T13:22:49Z");
        assert_eq!(t.nanos(), "2022-11-21T13:22:49.061281000Z");
        assert_eq!(t.micros(), "2022-11-21T13:22:49.061281Z");
    }
}
