//! The values of OLX date and flag fields, as XML attributes and as
//! `policy.json` entries write them.
//!
//! Open edX writes an instant with `Z` or `+00:00`, a naive
//! `2013-02-05T00:00` (UTC, as it stores every date), the literal `null`,
//! and in some exports the JSON text of the value inside the attribute
//! (`start="&quot;2013-02-05T05:00:00+00:00&quot;"`). Studio's placeholder
//! years (1970 "always released", 2970 "not scheduled") are no date.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// What a date field says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum DateField {
    /// No value (absent, empty or `null`).
    Unset,
    /// An instant, with the offset it was written with (UTC when naive).
    At(DateTime<FixedOffset>),
    /// A placeholder year: no date, on purpose.
    Placeholder(i32),
    /// Something this import cannot read as a date.
    Unreadable,
}

/// Years at or below this are Studio's "always released" placeholder.
const FIRST_REAL_YEAR: i32 = 1971;
/// Years at or above this are Studio's "not scheduled" placeholder (2970).
const PLACEHOLDER_FROM: i32 = 2900;

/// The value with JSON quotes around it (`"2013-…"`) taken off, trimmed.
fn unquoted(raw: &str) -> &str {
    let t = raw.trim();
    t.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .map_or(t, str::trim)
}

/// A date field's text (an attribute, or a JSON string's contents).
pub(super) fn when(raw: &str) -> DateField {
    let t = unquoted(raw);
    if t.is_empty() || t == "null" || t == "None" {
        return DateField::Unset;
    }
    match parse(t) {
        Some(at) => {
            let year = at.naive_utc().year();
            if (FIRST_REAL_YEAR..PLACEHOLDER_FROM).contains(&year) {
                DateField::At(at)
            } else {
                DateField::Placeholder(year)
            }
        }
        None => DateField::Unreadable,
    }
}

fn parse(t: &str) -> Option<DateTime<FixedOffset>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(t) {
        return Some(at);
    }
    // RFC 3339 without seconds, or with a space for the `T`.
    for f in [
        "%Y-%m-%dT%H:%M%#z",
        "%Y-%m-%d %H:%M:%S%#z",
        "%Y-%m-%d %H:%M%#z",
    ] {
        if let Ok(at) = DateTime::parse_from_str(t, f) {
            return Some(at);
        }
    }
    let utc = |n: NaiveDateTime| Utc.from_utc_datetime(&n).fixed_offset();
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(n) = NaiveDateTime::parse_from_str(t, f) {
            return Some(utc(n));
        }
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(utc)
}

/// A date field's JSON value in `policy.json`.
pub(super) fn when_json(v: &serde_json::Value) -> DateField {
    match v {
        serde_json::Value::Null => DateField::Unset,
        serde_json::Value::String(s) => when(s),
        _ => DateField::Unreadable,
    }
}

/// A flag (`visible_to_staff_only`, `self_paced`): `true`, `"true"`, `True`.
pub(super) fn flag(raw: &str) -> bool {
    unquoted(raw).eq_ignore_ascii_case("true")
}

/// A flag's JSON value.
pub(super) fn flag_json(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Bool(b) => *b,
        serde_json::Value::String(s) => flag(s),
        _ => false,
    }
}

/// A text field's JSON value (`display_name`), when it is a string.
pub(super) fn text_json(v: &serde_json::Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

/// How a placeholder year is reported.
pub(super) fn placeholder_why(year: i32) -> String {
    if year < FIRST_REAL_YEAR {
        format!("a placeholder date (year {year}: Studio's \"always released\"), not a date")
    } else {
        format!("a placeholder date (year {year}: Studio's \"not scheduled\"), not a date")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn every_spelling_seen_in_exports() {
        assert_eq!(
            when("2013-02-05T00:00:00Z"),
            DateField::At(at("2013-02-05T00:00:00Z"))
        );
        assert_eq!(
            when("2013-02-05T05:00:00+00:00"),
            DateField::At(at("2013-02-05T05:00:00Z"))
        );
        assert_eq!(
            when("\"2013-02-05T05:00:00+00:00\""),
            DateField::At(at("2013-02-05T05:00:00Z"))
        );
        assert_eq!(
            when("2013-02-05T00:00"),
            DateField::At(at("2013-02-05T00:00:00Z"))
        );
        assert_eq!(
            when("2024-03-01T17:00:00-05:00"),
            DateField::At(at("2024-03-01T17:00:00-05:00"))
        );
        assert_eq!(when("null"), DateField::Unset);
        assert_eq!(when("\"\""), DateField::Unset);
        assert_eq!(when("2970-01-01T05:00:00Z"), DateField::Placeholder(2970));
        assert_eq!(when("1970-01-01T00:00:00Z"), DateField::Placeholder(1970));
        assert_eq!(when("soon"), DateField::Unreadable);
        assert_eq!(when_json(&serde_json::Value::Null), DateField::Unset);
        assert_eq!(when_json(&serde_json::json!(5)), DateField::Unreadable);
        assert!(flag("true") && flag("\"True\"") && !flag("false"));
    }
}
