//! The URL form of a request, both ways: the one query-string rule of every
//! feed and page route ([`parse`]), and the query a link carries
//! ([`Variant::query`]). `assets/site.js` rebuilds links in the browser by
//! the same rule (`tests/url_codec.rs` holds the two together). The model
//! parses tokens and names fields neutrally; this module splits lists and
//! spells a field as a query parameter.
//!
//! - `kinds`, `courses` and `alarm` are lists: comma-separated, and may
//!   repeat (the no-JavaScript form sends one `kinds=` per checked box);
//!   repeats merge.
//! - `tz`, `download`, `start` and `pace` are single values: repeating one
//!   with a different value is a 400 naming it (which one was meant is a
//!   guess); the same value twice is fine.
//! - An empty value means the default (`tz=` is UTC for feeds and the
//!   course's zone for pages; `kinds=` all kinds).
//! - Other parameters are ignored: calendar clients append their own.
//! - Values are percent-decoded (`+` is a space) and must be UTF-8.

use super::links::query_value;
use crate::model::suggest::quoted;
use crate::model::{Courses, Pace, RequestError, Variant, Zone};
use percent_encoding::percent_decode_str;

/// What a request asked for, parsed and validated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    /// `tz` (`None`: not given, or empty) and `kinds` (all when not given).
    pub variant: Variant,
    /// The merged `courses=` lists, as ids (empty: not given).
    pub courses: Vec<String>,
    /// `download=1`.
    pub download: bool,
}

impl Params {
    /// The `courses=` selection (all when not given).
    pub fn courses(&self) -> Courses {
        Courses::from_ids(&self.courses)
    }
}

/// Why a query string was refused (always a 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("query parameter `{0}` is given more than once with different values")]
    Repeated(&'static str),
    #[error("query parameter `{0}` is not valid UTF-8 after percent-decoding")]
    NotUtf8(String),
    #[error("query parameter `download`: expected 1 or 0 (or true/false, yes/no), found `{0}`")]
    Download(String),
    /// A `start=`, `pace=` or `alarm=` value that means nothing.
    #[error("query parameter {0}")]
    Param(RequestError),
    #[error(transparent)]
    Filter(#[from] RequestError),
}

/// A list parameter's values as tokens: an empty value is the default
/// (left out), others split at commas.
fn tokens(values: &[String]) -> impl Iterator<Item = &str> {
    values
        .iter()
        .filter(|v| !v.trim().is_empty())
        .flat_map(|v| v.split(','))
}

fn decode(s: &str, key: &str) -> Result<String, QueryError> {
    let plus = s.replace('+', " ");
    percent_decode_str(&plus)
        .decode_utf8()
        .map(|v| v.into_owned())
        .map_err(|_| QueryError::NotUtf8(quoted(key)))
}

/// A single-valued parameter: its value, or a 400 when it is given twice
/// with different values.
fn single(slot: &mut Option<String>, name: &'static str, value: String) -> Result<(), QueryError> {
    match slot {
        Some(seen) if *seen != value => Err(QueryError::Repeated(name)),
        _ => {
            *slot = Some(value);
            Ok(())
        }
    }
}

/// Parse `query` (without the `?`) by the rules above.
pub fn parse(query: Option<&str>) -> Result<Params, QueryError> {
    let mut tz = None;
    let mut download = None;
    let mut start = None;
    let mut pace = None;
    let mut alarms: Vec<String> = Vec::new();
    let mut kinds: Vec<String> = Vec::new();
    let mut courses: Vec<String> = Vec::new();
    for pair in query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = match raw_key {
            "tz" | "kinds" | "courses" | "download" | "start" | "pace" | "alarm" => raw_key,
            // Parameters we ignore are not decoded either.
            _ => continue,
        };
        let value = decode(raw_value, key)?;
        match key {
            "tz" => single(&mut tz, "tz", value)?,
            "download" => single(&mut download, "download", value)?,
            "start" => single(&mut start, "start", value)?,
            "pace" => single(&mut pace, "pace", value)?,
            "kinds" => kinds.push(value),
            "alarm" => alarms.push(value),
            _ => courses.push(value),
        }
    }
    let variant = Variant::parse(
        tz.as_deref(),
        tokens(&kinds),
        start.as_deref(),
        pace.as_deref(),
        tokens(&alarms),
    )
    .map_err(|e| match e {
        RequestError::BadParameter { .. } => QueryError::Param(e),
        e => QueryError::Filter(e),
    })?;
    let download = match download.as_deref().map(str::trim) {
        None | Some("" | "0" | "false" | "no") => false,
        Some("1" | "true" | "yes") => true,
        Some(other) => return Err(QueryError::Download(quoted(other))),
    };
    Ok(Params {
        variant,
        courses: tokens(&courses).map(str::to_owned).collect(),
        download,
    })
}

/// The URL form of a feed variant. Defaults are left out to keep URLs
/// short (Google has refused long subscription URLs).
impl Variant {
    /// `""`, `?tz=…`, `?kinds=…` or `?tz=…&kinds=…`.
    pub fn query(&self) -> String {
        self.query_with(&[])
    }

    /// The query of the change feed that goes with this view: its zone and
    /// kinds (a learner's run and reminders shape a calendar, not what
    /// changed, and change feeds refuse them).
    pub fn changes_query(&self) -> String {
        Variant {
            zone: self.zone,
            kinds: self.kinds,
            ..Variant::default()
        }
        .query()
    }

    /// The variant's query plus extra `key=value` pairs (values already encoded).
    pub fn query_with(&self, extra: &[(&str, &str)]) -> String {
        let mut parts = Vec::new();
        if let Some(Zone::Named(tz)) = self.zone {
            parts.push(format!("tz={}", query_value(tz.name())));
        }
        if !self.kinds.is_all() {
            parts.push(format!("kinds={}", self.kinds.to_param()));
        }
        if let Some(shift) = self.shift {
            parts.push(format!("start={}", shift.start.format("%Y-%m-%d")));
            if shift.pace != Pace::NORMAL {
                parts.push(format!("pace={}", shift.pace.to_param()));
            }
        }
        if !self.alarms.is_empty() {
            parts.push(format!("alarm={}", self.alarms.to_param()));
        }
        parts.extend(extra.iter().map(|(k, v)| format!("{k}={v}")));
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Kind, parse_kinds, parse_zone};

    #[test]
    fn lists_merge_and_singles_must_agree() {
        let p = parse(Some(
            "kinds=due&kinds=live&tz=Europe%2FBerlin&tz=Europe/Berlin",
        ))
        .unwrap();
        let k = p.variant.kinds;
        assert!(k.contains(Kind::Due) && k.contains(Kind::Live) && !k.contains(Kind::Release));
        assert_eq!(p.variant.zone.map(|z| z.name()), Some("Europe/Berlin"));
        assert_eq!(
            parse(Some("tz=UTC&tz=Europe/Berlin")),
            Err(QueryError::Repeated("tz"))
        );
        assert_eq!(
            parse(Some("download=1&download=0")),
            Err(QueryError::Repeated("download"))
        );
        assert!(parse(Some("download=1&download=1")).unwrap().download);
    }

    #[test]
    fn empty_values_are_defaults_and_unknown_keys_are_ignored() {
        assert_eq!(
            parse(Some("tz=&kinds=&x=%FF&utm_source=a")),
            Ok(Params::default())
        );
        assert_eq!(parse(None), Ok(Params::default()));
        assert!(matches!(
            parse(Some("tz=%FF")),
            Err(QueryError::NotUtf8(k)) if k == "tz"
        ));
        assert!(matches!(
            parse(Some("download=maybe")),
            Err(QueryError::Download(_))
        ));
        assert_eq!(
            parse(Some("courses=b,a&courses=c")).unwrap().courses(),
            Courses::Some(vec!["a".into(), "b".into(), "c".into()])
        );
    }

    #[test]
    fn variant_queries_omit_defaults() {
        assert_eq!(Variant::default().query(), "");
        let v = Variant {
            zone: Some(parse_zone("asia/kolkata").unwrap()),
            kinds: parse_kinds(["live", "release"]).unwrap(),
            ..Variant::default()
        };
        assert_eq!(v.query(), "?tz=Asia/Kolkata&kinds=release,live");
        assert_eq!(
            v.query_with(&[("download", "1")]),
            "?tz=Asia/Kolkata&kinds=release,live&download=1"
        );
        let (shift, alarms) =
            crate::model::parse_personal(Some("2026-12-01"), Some("2"), ["2h", "15m"]).unwrap();
        let personal = Variant {
            shift,
            alarms,
            ..Variant::default()
        };
        assert_eq!(personal.query(), "?start=2026-12-01&pace=2&alarm=15m,2h");
    }
}
