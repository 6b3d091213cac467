//! Stable identifiers. A UID depends only on the course id, the item kind and
//! the item id (explicit, or derived from its name), so editing a date or a
//! description moves the event in subscribers' calendars instead of
//! duplicating it.
//!
//! Every item id is ASCII (`[a-z0-9.-]`) and at most [`MAX_ID_BYTES`] long:
//! some clients keep only ASCII UIDs (Python `icalevents`), and per-event
//! files of the static export are named after the UID, which must fit the
//! 255-byte file-name limit of common filesystems.

use super::kind::Kind;
use sha2::{Digest, Sha256};

/// Longest item id in bytes (explicit `id:` values are limited to this by
/// validation; longer derived ids are shortened). With a course id of at most
/// 100 bytes, `<course>.<kind>.<id>@coursecal.ics` stays within 255 bytes.
pub const MAX_ID_BYTES: usize = 100;

/// Hex digits of the SHA-256 of the slug in a shortened or transliterated id.
const HASH_HEX: usize = 12;

/// Lowercase letters and digits (any script) joined by single `-`.
pub fn slug(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut dash = false;
    for c in s.chars() {
        // ASCII first: the same answers as the Unicode tables, without them.
        let alphanumeric = if c.is_ascii() {
            c.is_ascii_alphanumeric()
        } else {
            c.is_alphanumeric()
        };
        if alphanumeric {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else {
                out.extend(c.to_lowercase());
            }
        } else {
            dash = true;
        }
    }
    out
}

/// Latin letters with diacritics (and ligatures) as plain ASCII; `None` for
/// anything else. Input is lowercase (it comes from [`slug`]).
fn fold(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĳ' => "ij",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' | 'ŉ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ſ' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}

/// An ASCII slug (`[a-z0-9]` runs joined by `-`): ASCII letters and digits
/// kept, Latin letters with diacritics folded (`ö` → `o`, `ß` → `ss`), any
/// other character a separator. May be empty (`第二単元`).
pub fn ascii_slug(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut dash = false;
    let push = |out: &mut String, part: &str, dash: &mut bool| {
        if *dash && !out.is_empty() {
            out.push('-');
        }
        *dash = false;
        out.push_str(part);
    };
    for c in slug(s).chars() {
        if c.is_ascii_alphanumeric() {
            let mut buf = [0; 4];
            push(&mut out, c.encode_utf8(&mut buf), &mut dash);
        } else if let Some(folded) = fold(c) {
            push(&mut out, folded, &mut dash);
        } else {
            dash = true;
        }
    }
    out
}

/// `bytes` in lowercase hexadecimal: ids, tags and ETags are cut from
/// digests written this way. One lookup per nibble, no `format!` per byte
/// (every event with a non-ASCII name has its id hashed).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(2 * bytes.len());
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    out
}

/// `s` cut to at most `max` bytes (ASCII input), without a trailing `-`.
pub fn truncate_ascii(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].trim_end_matches(['-', '.'])
}

/// The id of an item without `id:`, derived from its name (empty when the
/// name has no letters or digits).
///
/// The slug of the name when it is ASCII and at most [`MAX_ID_BYTES`] long
/// (the ids of earlier versions, kept so UIDs stay put). Otherwise its ASCII
/// form, cut to fit, then `-x` and 12 hex digits of the SHA-256 of the full
/// slug: `Aufgabe 1: Größen` → `aufgabe-1-grossen-x…`, `第二単元` → `x…`.
/// The hash keeps different names apart (`Maße` and `Masse`), and depends on
/// nothing but the name.
pub fn derived_id(name: &str) -> String {
    let slug = slug(name);
    if slug.is_empty() || (slug.is_ascii() && slug.len() <= MAX_ID_BYTES) {
        return slug;
    }
    let digest = Sha256::digest(slug.as_bytes());
    let hash = hex(&digest[..HASH_HEX / 2]);
    let ascii = ascii_slug(&slug);
    let readable = truncate_ascii(&ascii, MAX_ID_BYTES - HASH_HEX - 2);
    if readable.is_empty() {
        format!("x{hash}")
    } else {
        format!("{readable}-x{hash}")
    }
}

/// A valid id (course or item) to suggest for an invalid `input`: its ASCII
/// slug cut to [`MAX_ID_BYTES`], if that is non-empty and differs from it.
pub fn suggest_id(input: &str) -> Option<String> {
    let ascii = ascii_slug(input);
    let s = truncate_ascii(&ascii, MAX_ID_BYTES);
    (!s.is_empty() && s != input).then(|| s.to_owned())
}

/// `<course>.<kind>.<id>@coursecal`
pub fn uid(course_id: &str, kind: Kind, id: &str) -> String {
    let kind = kind.as_str();
    let mut uid = String::with_capacity(course_id.len() + kind.len() + id.len() + 12);
    for part in [course_id, ".", kind, ".", id, UID_SUFFIX] {
        uid.push_str(part);
    }
    uid
}

/// What every UID ends in.
pub const UID_SUFFIX: &str = "@coursecal";

/// A course id (the schedule's file stem): checked once by
/// `CourseId::from_str`, then used everywhere as a plain string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CourseId(String);

/// Not a course id: the rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid course id `{}`: expected lowercase letters, digits and `-`, at most {MAX_COURSE_ID_BYTES} bytes", crate::model::suggest::quoted(.0))]
pub struct InvalidCourseId(pub String);

impl std::str::FromStr for CourseId {
    type Err = InvalidCourseId;
    fn from_str(s: &str) -> Result<CourseId, InvalidCourseId> {
        if is_course_id(s) {
            Ok(CourseId(s.to_owned()))
        } else {
            Err(InvalidCourseId(s.to_owned()))
        }
    }
}

impl CourseId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for CourseId {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for CourseId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for CourseId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for CourseId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for CourseId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

/// Longest course id (bytes). Course ids are ASCII; with item ids of at
/// most [`MAX_ID_BYTES`] every UID-named export file fits 255 bytes.
pub const MAX_COURSE_ID_BYTES: usize = 100;

/// Whether `id` is a course id: lowercase ASCII letters, digits and `-`,
/// starting with a letter or digit, at most [`MAX_COURSE_ID_BYTES`].
pub fn is_course_id(id: &str) -> bool {
    id.len() <= MAX_COURSE_ID_BYTES && course_id_chars(id)
}

/// The character rule of [`is_course_id`] alone.
pub fn course_id_chars(id: &str) -> bool {
    id.chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_the_lowercase_pairs_of_every_byte() {
        let all: Vec<u8> = (0..=255).collect();
        let expected: String = all.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex(&all), expected);
        assert_eq!(hex(&[]), "");
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("Unit 0:  Welcome"), "unit-0-welcome");
        assert_eq!(
            slug("Assignment 1.1: Description"),
            "assignment-1-1-description"
        );
        assert_eq!(slug("  Einführung & Überblick "), "einführung-überblick");
        assert_eq!(slug("???"), "");
    }

    #[test]
    fn ascii_slugs_fold_latin_diacritics() {
        assert_eq!(ascii_slug("Einführung & Überblick"), "einfuhrung-uberblick");
        assert_eq!(ascii_slug("Größen"), "grossen");
        assert_eq!(ascii_slug("ünï"), "uni");
        assert_eq!(ascii_slug("第二単元"), "");
        assert_eq!(ascii_slug("a 第二 b"), "a-b");
    }

    #[test]
    fn ascii_names_keep_their_slug_as_id() {
        assert_eq!(derived_id("Unit 0: Welcome"), "unit-0-welcome");
        let long = "a".repeat(MAX_ID_BYTES);
        assert_eq!(derived_id(&long), long);
    }

    #[test]
    fn other_ids_are_ascii_bounded_distinct_and_stable() {
        let names = [
            "Aufgabe 1: Größen",
            "Aufgabe 1: Grossen",
            "Maße",
            "Masse",
            "第二単元",
            "第三単元",
            &"a".repeat(300),
            &"a".repeat(301),
            &"漢".repeat(500),
            &"İ".repeat(500),
        ];
        let ids: Vec<String> = names.iter().map(|n| derived_id(n)).collect();
        for (name, id) in names.iter().zip(&ids) {
            assert!(id.is_ascii() && id.len() <= MAX_ID_BYTES, "{name}: {id}");
            assert!(
                id.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{id}"
            );
            assert_eq!(&derived_id(name), id, "stable");
        }
        let unique: std::collections::HashSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "{ids:?}");
        assert!(ids[0].starts_with("aufgabe-1-grossen-x"), "{}", ids[0]);
        assert_eq!(ids[1], "aufgabe-1-grossen");
        assert!(ids[4].starts_with('x') && ids[4].len() == 13, "{}", ids[4]);
    }

    #[test]
    fn suggestions_are_valid_and_different() {
        assert_eq!(suggest_id("Unit One").as_deref(), Some("unit-one"));
        assert_eq!(suggest_id("ünï").as_deref(), Some("uni"));
        assert_eq!(suggest_id("第二"), None);
        assert_eq!(suggest_id("ok"), None);
        let long = "ab-".repeat(50);
        let s = suggest_id(&long).unwrap_or_default();
        assert!(s.len() <= MAX_ID_BYTES && !s.ends_with('-'), "{s}");
    }

    #[test]
    fn uid_depends_on_course_kind_and_id_only() {
        assert_eq!(
            uid("res-cms-154", Kind::Live, "welcome"),
            "res-cms-154.live.welcome@coursecal"
        );
    }

    #[test]
    fn every_event_file_name_fits_255_bytes() {
        let course = "c".repeat(100);
        let id = derived_id(&"漢".repeat(500));
        for kind in Kind::ALL {
            let name = format!("{}.ics", uid(&course, kind, &id));
            assert!(name.len() <= 255, "{} bytes", name.len());
            let explicit = format!("{}.ics", uid(&course, kind, &"i".repeat(MAX_ID_BYTES)));
            assert!(explicit.len() <= 255, "{} bytes", explicit.len());
        }
    }
}
