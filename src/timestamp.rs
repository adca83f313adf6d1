//! Timestamps as servers write them. The spec says `date-time` (RFC 3339), but ISO 8601 allows
//! more, and a server or proxy re-serialising a body may use a space instead of `T`, an offset
//! without its colon or a time without seconds. Each generated timestamp field decodes through
//! here; serialisation stays RFC 3339.

use std::fmt;

use chrono::{DateTime, FixedOffset, Utc};
use serde::de::{Deserializer, Error, Unexpected, Visitor};

const EXPECTED: &str = "an ISO 8601 timestamp with an offset, such as 2026-05-21T09:12:00Z";

/// A required timestamp.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<DateTime<Utc>, D::Error> {
    deserializer.deserialize_str(Timestamp)
}

/// A nullable timestamp: `null` is `None`.
pub(crate) fn deserialize_option<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    deserializer.deserialize_option(OptionalTimestamp)
}

struct Timestamp;

impl Visitor<'_> for Timestamp {
    type Value = DateTime<Utc>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(EXPECTED)
    }

    fn visit_str<E: Error>(self, text: &str) -> Result<Self::Value, E> {
        parse(text).ok_or_else(|| E::invalid_value(Unexpected::Str(text), &self))
    }
}

struct OptionalTimestamp;

impl<'de> Visitor<'de> for OptionalTimestamp {
    type Value = Option<DateTime<Utc>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{EXPECTED}, or null")
    }

    fn visit_none<E: Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserialize(deserializer).map(Some)
    }
}

/// Reads `text` as an ISO 8601 date and time with an offset, in UTC.
pub(crate) fn parse(text: &str) -> Option<DateTime<Utc>> {
    // The form the API documents goes first: most timestamps take only this path.
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.with_timezone(&Utc));
    }
    // What chrono reads on its own (a space before the offset, `UTC`), then the rest.
    if let Ok(time) = text.parse::<DateTime<Utc>>() {
        return Some(time);
    }
    normalized(text)
        .and_then(|rfc| DateTime::<FixedOffset>::parse_from_rfc3339(&rfc).ok())
        .map(|time| time.with_timezone(&Utc))
}

/// `text` rewritten as RFC 3339: `T` between date and time, seconds present, and an offset of
/// `Z` or `±hh:mm`. `None` when it has no offset: a local time is not an instant.
fn normalized(text: &str) -> Option<String> {
    let text = text.trim();
    let date = text.get(..10)?;
    let separator = text.get(10..11)?;
    if !matches!(separator, "T" | "t" | " ") {
        return None;
    }
    let rest = text.get(11..)?;
    let offset_at = rest.find(['Z', 'z', '+', '-'])?;
    let (time, offset) = rest.split_at(offset_at);
    let time = match time.len() {
        5 => format!("{time}:00"),
        _ => time.to_owned(),
    };
    let offset = match offset.as_bytes() {
        [b'Z' | b'z'] => "Z".to_owned(),
        [sign @ (b'+' | b'-'), h1, h2] => {
            format!("{}{}{}:00", *sign as char, *h1 as char, *h2 as char)
        }
        [sign @ (b'+' | b'-'), h1, h2, m1, m2] => format!(
            "{}{}{}:{}{}",
            *sign as char, *h1 as char, *h2 as char, *m1 as char, *m2 as char
        ),
        _ => offset.to_owned(),
    };
    Some(format!("{date}T{time}{offset}"))
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn forms_servers_write_name_the_same_instant() {
        let instant = parse("2026-05-21T09:12:00Z").unwrap();
        for text in [
            "2026-05-21T09:12:00+00:00",
            "2026-05-21T09:12:00+0000",
            "2026-05-21T09:12:00+00",
            "2026-05-21 09:12:00Z",
            "2026-05-21t09:12:00z",
            "2026-05-21T09:12Z",
            "2026-05-21T11:12:00+02:00",
            "2026-05-21T04:12:00-0500",
            "2026-05-21T09:12:00.000Z",
            "2026-05-21T09:12:00 +0000",
            "2026-05-21T09:12:00 UTC",
        ] {
            assert_eq!(parse(text), Some(instant), "{text}");
        }
        assert_eq!(
            parse("2026-05-21T09:12:00.123456789Z")
                .unwrap()
                .timestamp_subsec_nanos(),
            123_456_789
        );
    }

    #[test]
    fn anything_else_is_refused_without_panicking() {
        for text in [
            "",
            "yesterday",
            "2026-05-21",
            "2026-05-21T09:12:00",
            "2026-13-21T09:12:00Z",
            "2026-05-21T25:12:00Z",
            "2026-05-21X09:12:00Z",
            "2026-05-21T09:12:00+0",
            "2026-05-21T09:12:00+é0",
            "é026-05-21T09:12:00Z",
            "2026-05-2é09:12:00Z",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }
}
