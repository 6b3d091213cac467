//! The zone a feed's timed events are written in, as a reader names it:
//! every tz database name (aliases included, any case), with a suggestion
//! for a misspelt one that costs what a valid one does.

use super::suggest::{MAX_SUGGEST_LEN as MAX_ZONE_LEN, quoted};
use chrono_tz::Tz;

/// The zone timed events are written in.
///
/// # Examples
///
/// ```
/// let zone = coursecal::parse_zone("Europe/Berlin").unwrap();
/// assert_eq!(zone.name(), "Europe/Berlin");
/// assert_eq!(coursecal::parse_zone("UTC").unwrap(), coursecal::Zone::Utc);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Zone {
    /// `…Z` times, no VTIMEZONE.
    Utc,
    /// A named tz database zone, written with a VTIMEZONE.
    Named(Tz),
}

impl Zone {
    /// The zone wall times are written in; `None`: UTC (`…Z` times).
    pub fn wall_zone(self) -> Option<Tz> {
        match self {
            Zone::Named(tz) => Some(tz),
            Zone::Utc => None,
        }
    }

    /// Its tz database name (`UTC` for [`Zone::Utc`]).
    pub fn name(&self) -> &'static str {
        match self {
            Zone::Utc => "UTC",
            Zone::Named(tz) => tz.name(),
        }
    }

    /// The tz database zone (`Tz::UTC` for [`Zone::Utc`]).
    pub fn tz(self) -> Tz {
        match self {
            Zone::Utc => Tz::UTC,
            Zone::Named(tz) => tz,
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

/// Not a zone of the tz database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown time zone `{input}`{}", suggest(.suggestion))]
pub struct UnknownZone {
    /// What was sent (cut to a few dozen characters).
    pub input: String,
    /// The closest zone name, if it looks like a typo of one.
    pub suggestion: Option<&'static str>,
}

fn suggest(s: &Option<&'static str>) -> String {
    s.map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default()
}

/// Every zone name of the tz database, aliases included
/// (browsers still report `Asia/Calcutta`), matched case-insensitively.
///
/// ```
/// assert_eq!(coursecal::parse_zone("europe/berlin").unwrap().name(), "Europe/Berlin");
/// assert!(coursecal::parse_zone("Europe/Berln").unwrap_err().to_string().contains("Europe/Berlin"));
/// ```
pub fn parse_zone(input: &str) -> Result<Zone, UnknownZone> {
    let s = input.trim();
    if s.len() > MAX_ZONE_LEN {
        return Err(UnknownZone {
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
        Err(_) => Err(UnknownZone {
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
            Err(UnknownZone {
                input: "Europe/Berln".into(),
                suggestion: Some("Europe/Berlin")
            })
        );
        assert!(parse_zone("Eastern").is_err());
    }
}
