//! What kind of item an event is, from the words its calendar uses.

/// Lowercase words of a text.
fn words(s: &str) -> Vec<String> {
    s.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A deadline: "due", "deadline", "submission" in the SUMMARY (so also
/// "Assignment 2 due"), or a CATEGORIES value saying due, deadline or
/// assignment (Canvas and Moodle mark assignments so).
pub(super) fn is_due(summary: &str, categories: &[String]) -> bool {
    const SAYS: &[&str] = &["due", "deadline", "deadlines", "submission", "submissions"];
    words(summary).iter().any(|w| SAYS.contains(&w.as_str()))
        || categories.iter().any(|c| {
            words(c).iter().any(|w| {
                matches!(
                    w.as_str(),
                    "due" | "deadline" | "assignment" | "assignments"
                )
            })
        })
}

/// Canvas marks an assignment's deadline only by its UID
/// (`event-assignment-NNN`, or `event-assignment-override-NNN` for a
/// section's own due date), whatever the title says.
pub(super) fn canvas_assignment(uid: Option<&str>) -> bool {
    uid.and_then(|u| super::vevent::strip_prefix_ci(u, "event-assignment-"))
        .map(|n| super::vevent::strip_prefix_ci(n, "override-").unwrap_or(n))
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// An all-day unit release: "release(d)", "opens", "available", "module",
/// or "unit" followed by a number ("Unit 3: …"); or a CATEGORIES value
/// saying release, unit or module.
pub(super) fn is_release(summary: &str, categories: &[String]) -> bool {
    let w = words(summary);
    w.iter().any(|w| {
        matches!(
            w.as_str(),
            "release" | "released" | "releases" | "opens" | "available" | "module"
        )
    }) || w
        .windows(2)
        .any(|p| p[0] == "unit" && p[1].starts_with(|c: char| c.is_ascii_digit()))
        || categories.iter().any(|c| {
            words(c)
                .iter()
                .any(|w| matches!(w.as_str(), "release" | "unit" | "module"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_decide_the_kind() {
        let none: &[String] = &[];
        assert!(is_due("Problem Set 2 due", none));
        assert!(is_due("Assignment 3 — Deadline", none));
        assert!(is_due("Essay", &["assignment".to_owned()]));
        assert!(!is_due("Lecture 4", none));
        assert!(is_release("Unit 3: Waves", none));
        assert!(is_release("Module 2 opens", none));
        assert!(!is_release("Unit review", none));
        assert!(!is_release("Midterm exam", none));
    }
}
