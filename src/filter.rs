//! What a feed request asks for (courses, zone, kinds), parsed and validated
//! once, for the HTTP server and the CLI alike.

use crate::course::Kind;
use crate::diagnostic::closest;
use chrono_tz::Tz;
use std::fmt;

/// The zone timed events are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Zone {
    /// `…Z` times, no VTIMEZONE.
    Utc,
    Named(Tz),
}

impl Zone {
    pub fn name(&self) -> &'static str {
        match self {
            Zone::Utc => "UTC",
            Zone::Named(tz) => tz.name(),
        }
    }
}

/// Names that mean UTC itself; they render as `…Z` times.
const UTC_NAMES: &[&str] = &[
    "UTC",
    "Etc/UTC",
    "Etc/UCT",
    "UCT",
    "Universal",
    "Etc/Universal",
    "Zulu",
    "Etc/Zulu",
];

/// A set of kinds, in the fixed order of [`Kind::ALL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KindSet(u8);

impl KindSet {
    pub const ALL: KindSet = KindSet(0b1111);

    fn bit(k: Kind) -> u8 {
        1 << (k as u8)
    }

    pub fn contains(self, k: Kind) -> bool {
        self.0 & Self::bit(k) != 0
    }

    pub fn is_all(self) -> bool {
        self == Self::ALL
    }

    pub fn iter(self) -> impl Iterator<Item = Kind> {
        Kind::ALL.into_iter().filter(move |k| self.contains(*k))
    }

    /// `release,due` (canonical order), for URLs and cache keys.
    pub fn to_param(self) -> String {
        self.iter().map(Kind::as_str).collect::<Vec<_>>().join(",")
    }
}

impl FromIterator<Kind> for KindSet {
    fn from_iter<I: IntoIterator<Item = Kind>>(iter: I) -> Self {
        KindSet(iter.into_iter().fold(0, |acc, k| acc | Self::bit(k)))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    #[error("unknown time zone `{input}`{}", suggest(.suggestion))]
    UnknownZone {
        input: String,
        suggestion: Option<&'static str>,
    },
    #[error("unknown kind `{input}`: expected one of release, due, live, milestone{}", suggest(.suggestion))]
    UnknownKind {
        input: String,
        suggestion: Option<&'static str>,
    },
    #[error("no kinds selected: expected one or more of release, due, live, milestone")]
    NoKinds,
    #[error("unknown course `{input}`{}", suggest(.suggestion))]
    UnknownCourse {
        input: String,
        suggestion: Option<String>,
    },
}

fn suggest<T: fmt::Display>(s: &Option<T>) -> String {
    s.as_ref()
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default()
}

/// Longer than any zone name (the longest has 32 bytes) or anything one
/// might mistype for one: no lookup, no suggestion, so a hostile request
/// costs what a good one does.
pub const MAX_ZONE_LEN: usize = 64;

/// `input` as error messages quote it: at most [`MAX_ZONE_LEN`] characters.
pub fn quoted(input: &str) -> String {
    match input.char_indices().nth(MAX_ZONE_LEN) {
        Some((cut, _)) => format!("{}…", &input[..cut]),
        None => input.to_owned(),
    }
}

/// Every zone name of the tz database, aliases included
/// (browsers still report `Asia/Calcutta`), matched case-insensitively.
pub fn parse_zone(input: &str) -> Result<Zone, FilterError> {
    let s = input.trim();
    if s.len() > MAX_ZONE_LEN {
        return Err(FilterError::UnknownZone {
            input: quoted(s),
            suggestion: None,
        });
    }
    if let Some(utc) = UTC_NAMES.iter().find(|n| n.eq_ignore_ascii_case(s)) {
        debug_assert!(!utc.is_empty());
        return Ok(Zone::Utc);
    }
    match Tz::from_str_insensitive(s) {
        Ok(tz) => Ok(Zone::Named(tz)),
        Err(_) => Err(FilterError::UnknownZone {
            input: s.to_owned(),
            suggestion: closest_zone(s),
        }),
    }
}

/// The zone name closest to a misspelt one.
pub fn closest_zone(input: &str) -> Option<&'static str> {
    // What people type for US and European zones (also Windows' "… Standard
    // Time" names) is no tz name; these are the zones they mean.
    const COMMON: &[(&str, &str)] = &[
        ("eastern", "America/New_York"),
        ("edt", "America/New_York"),
        ("central", "America/Chicago"),
        ("cst", "America/Chicago"),
        ("cdt", "America/Chicago"),
        ("mountain", "America/Denver"),
        ("mdt", "America/Denver"),
        ("pacific", "America/Los_Angeles"),
        ("pst", "America/Los_Angeles"),
        ("pdt", "America/Los_Angeles"),
        ("alaska", "America/Anchorage"),
        ("akst", "America/Anchorage"),
        ("akdt", "America/Anchorage"),
        ("hawaii", "Pacific/Honolulu"),
        ("arizona", "America/Phoenix"),
        ("central european", "CET"),
        ("cest", "CET"),
        ("eastern european", "EET"),
        ("eest", "EET"),
        ("western european", "WET"),
        ("west", "WET"),
        ("bst", "Europe/London"),
        ("british", "Europe/London"),
    ];
    // Old links kept for compatibility; suggest the Area/City name instead.
    const LEGACY_AREAS: &[&str] = &[
        "US/", "Canada/", "Etc/", "SystemV/", "Brazil/", "Chile/", "Mexico/",
    ];
    let trimmed = input.trim();
    if trimmed.len() > MAX_ZONE_LEN {
        return None;
    }
    let lower = trimmed.to_lowercase();
    let mut key = lower.as_str();
    for suffix in [" standard time", " daylight time", " time"] {
        key = key.strip_suffix(suffix).unwrap_or(key);
    }
    let key = key.strip_prefix("us ").unwrap_or(key).trim();
    if let Some((_, zone)) = COMMON.iter().find(|(k, _)| *k == key) {
        return Some(zone);
    }
    // A valid name in the wrong case.
    if let Some(tz) = chrono_tz::TZ_VARIANTS
        .iter()
        .find(|tz| tz.name().eq_ignore_ascii_case(trimmed))
    {
        return Some(tz.name());
    }
    let legacy =
        |name: &str| !name.contains('/') || LEGACY_AREAS.iter().any(|area| name.starts_with(area));
    let limit = |name_len: usize| (name_len.max(input.len()) / 3).max(2);
    // Compare against the last component too, so "Berln" finds Europe/Berlin.
    // A distance is at least the difference in length: names that cannot
    // come within the limit are skipped without computing it.
    zone_names()
        .iter()
        .filter_map(|z| {
            let limit = limit(z.name.len());
            let full = (lower.len().abs_diff(z.lower.len()) <= limit)
                .then(|| strsim::osa_distance(&lower, &z.lower));
            let part = (lower.len().abs_diff(z.city.len()) < limit)
                .then(|| strsim::osa_distance(&lower, &z.city) + 1);
            let d = full.into_iter().chain(part).min()?;
            (d <= limit).then_some((d, z.name))
        })
        .min_by_key(|(d, name)| (*d, legacy(name), *name))
        .map(|(_, name)| name)
}

/// A zone name with the lowercase forms suggestions compare against,
/// computed once instead of per request.
struct ZoneName {
    name: &'static str,
    lower: String,
    city: String,
}

fn zone_names() -> &'static [ZoneName] {
    static NAMES: std::sync::OnceLock<Vec<ZoneName>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        chrono_tz::TZ_VARIANTS
            .iter()
            .map(|tz| {
                let name = tz.name();
                ZoneName {
                    name,
                    lower: name.to_lowercase(),
                    city: name.rsplit('/').next().unwrap_or(name).to_lowercase(),
                }
            })
            .collect()
    })
}

/// `release,due,…`; empty or absent means all kinds.
pub fn parse_kinds(input: &str) -> Result<KindSet, FilterError> {
    let names = ["release", "due", "live", "milestone"];
    let mut kinds = Vec::new();
    for part in input.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.parse::<Kind>() {
            Ok(k) => kinds.push(k),
            Err(()) => {
                return Err(FilterError::UnknownKind {
                    input: part.to_owned(),
                    suggestion: closest(part, names),
                });
            }
        }
    }
    if kinds.is_empty() {
        return if input.trim().is_empty() {
            Ok(KindSet::ALL)
        } else {
            Err(FilterError::NoKinds)
        };
    }
    Ok(kinds.into_iter().collect())
}

/// Which courses a feed holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Courses {
    All,
    /// Sorted, de-duplicated ids.
    Some(Vec<String>),
}

impl Courses {
    /// `a,b` → ids; empty means all courses.
    pub fn parse(input: &str) -> Courses {
        let mut ids: Vec<String> = input
            .split(',')
            .map(|s| s.trim().to_ascii_lowercase())
            .filter(|s| !s.is_empty())
            .collect();
        ids.sort();
        ids.dedup();
        if ids.is_empty() {
            Courses::All
        } else {
            Courses::Some(ids)
        }
    }
}

/// One feed variant: the unit of rendering and caching.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FeedRequest {
    pub courses: Courses,
    pub zone: Zone,
    pub kinds: KindSet,
}

impl Default for FeedRequest {
    fn default() -> Self {
        FeedRequest {
            courses: Courses::All,
            zone: Zone::Utc,
            kinds: KindSet::ALL,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones() {
        assert_eq!(parse_zone("utc"), Ok(Zone::Utc));
        assert_eq!(parse_zone("Etc/UTC"), Ok(Zone::Utc));
        assert!(
            matches!(parse_zone("europe/berlin"), Ok(Zone::Named(tz)) if tz.name() == "Europe/Berlin")
        );
        assert!(matches!(parse_zone("Asia/Calcutta"), Ok(Zone::Named(_))));
        assert!(matches!(parse_zone("EST5EDT"), Ok(Zone::Named(_))));
        assert_eq!(
            parse_zone("Europe/Berln"),
            Err(FilterError::UnknownZone {
                input: "Europe/Berln".into(),
                suggestion: Some("Europe/Berlin")
            })
        );
        assert!(parse_zone("Eastern").is_err());
    }

    #[test]
    fn kinds() {
        assert_eq!(parse_kinds(""), Ok(KindSet::ALL));
        let k = parse_kinds("due, live").unwrap();
        assert!(k.contains(Kind::Due) && k.contains(Kind::Live) && !k.contains(Kind::Release));
        assert_eq!(k.to_param(), "due,live");
        assert!(matches!(
            parse_kinds("releases"),
            Err(FilterError::UnknownKind {
                suggestion: Some("release"),
                ..
            })
        ));
        assert_eq!(parse_kinds(","), Err(FilterError::NoKinds));
    }
}
