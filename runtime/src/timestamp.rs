//! `Timestamp`: the value of every `date-time` field, an RFC 3339 date-time read by the same rule
//! as the validator's `date-time` format ([`crate::format::parse_date_time`]).

use std::fmt;

use time::format_description::well_known::Rfc3339;
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

use crate::format::{DateTimeParts, parse_date_time};

/// An RFC 3339 date-time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub OffsetDateTime);

/// Text that is not an RFC 3339 date-time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampError(pub String);

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not an RFC 3339 date-time: {:?}", self.0)
    }
}

impl std::error::Error for TimestampError {}

impl Timestamp {
    /// Now, in UTC.
    pub fn now() -> Self {
        Timestamp(OffsetDateTime::now_utc())
    }

    /// Parses an RFC 3339 date-time such as `2026-11-26T10:00:00Z`. A leap second
    /// (`23:59:60Z`) is accepted, as the schemas accept it, and read as the last nanosecond of
    /// its minute.
    ///
    /// # Errors
    /// When `text` is not an RFC 3339 date-time.
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        let error = || TimestampError(text.to_owned());
        let parts = parse_date_time(text).ok_or_else(error)?;
        to_offset_date_time(parts).map(Timestamp).ok_or_else(error)
    }
}

fn to_offset_date_time(parts: DateTimeParts) -> Option<OffsetDateTime> {
    let month = Month::try_from(parts.month).ok()?;
    let date = Date::from_calendar_date(i32::from(parts.year), month, parts.day).ok()?;
    let (second, nanosecond) = if parts.second == 60 {
        (59, 999_999_999)
    } else {
        (parts.second, parts.nanosecond)
    };
    let time = Time::from_hms_nano(parts.hour, parts.minute, second, nanosecond).ok()?;
    let offset = UtcOffset::from_whole_seconds(parts.offset_seconds).ok()?;
    Some(PrimitiveDateTime::new(date, time).assume_offset(offset))
}

impl From<OffsetDateTime> for Timestamp {
    fn from(value: OffsetDateTime) -> Self {
        Timestamp(value)
    }
}

impl std::ops::Deref for Timestamp {
    type Target = OffsetDateTime;
    fn deref(&self) -> &OffsetDateTime {
        &self.0
    }
}

impl std::str::FromStr for Timestamp {
    type Err = TimestampError;
    fn from_str(text: &str) -> Result<Self, TimestampError> {
        Timestamp::parse(text)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.format(&Rfc3339) {
            Ok(text) => f.write_str(&text),
            Err(_) => Err(fmt::Error),
        }
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // Years outside 0..=9999 cannot be written in RFC 3339; nothing parsed here has one.
        let text = self.0.format(&Rfc3339).map_err(serde::ser::Error::custom)?;
        serializer.serialize_str(&text)
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(deserializer)?;
        Timestamp::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_writes_rfc3339() {
        let at = Timestamp::parse("2026-11-26T10:00:00Z").unwrap();
        assert_eq!(at.to_string(), "2026-11-26T10:00:00Z");
        let offset = Timestamp::parse("2026-11-26t11:30:00.25+01:30").unwrap();
        assert_eq!(offset.0.unix_timestamp(), at.0.unix_timestamp());
        let leap = Timestamp::parse("2026-12-31T23:59:60Z").unwrap();
        assert_eq!(leap.0.nanosecond(), 999_999_999);
        assert!(Timestamp::parse("2026-11-26 10:00:00Z").is_err());
    }
}
