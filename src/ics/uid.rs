//! Stable identifiers. A UID depends only on the course id, the item kind and
//! the item id (explicit, or the slug of its name), so editing a date or a
//! description moves the event in subscribers' calendars instead of
//! duplicating it.

use crate::course::Kind;

/// Lowercase letters and digits (any script) joined by single `-`.
pub fn slug(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut dash = false;
    for c in s.chars() {
        if c.is_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            out.extend(c.to_lowercase());
        } else {
            dash = true;
        }
    }
    out
}

/// `<course>.<kind>.<id>@coursecal`
pub fn uid(course_id: &str, kind: Kind, id: &str) -> String {
    format!("{course_id}.{}.{id}@coursecal", kind.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn uid_depends_on_course_kind_and_id_only() {
        assert_eq!(
            uid("res-cms-154", Kind::Live, "welcome"),
            "res-cms-154.live.welcome@coursecal"
        );
    }
}
