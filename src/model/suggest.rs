//! "Did you mean …": the closest valid value to a mistyped one, and how
//! error messages quote what they were sent.

/// Inputs longer than this get no suggestion (nothing that long is a
/// typo of a key, kind or zone) and are cut when quoted, so a hostile
/// request costs what a good one does.
pub const MAX_SUGGEST_LEN: usize = 64;

/// The closest candidate by edit distance, if it is plausibly a typo.
pub fn closest<'a>(input: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    if input.len() > MAX_SUGGEST_LEN {
        return None;
    }
    let lower = input.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(&lower, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= (c.chars().count().max(input.chars().count()) / 3).max(2))
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

/// `input` as error messages quote it: at most [`MAX_SUGGEST_LEN`]
/// characters, then `…`.
pub fn quoted(input: &str) -> String {
    match input.char_indices().nth(MAX_SUGGEST_LEN) {
        Some((cut, _)) => format!("{}…", &input[..cut]),
        None => input.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_finds_typos_only() {
        let keys = ["name", "release", "assignments"];
        assert_eq!(closest("relase", keys), Some("release"));
        assert_eq!(closest("Name", keys), Some("name"));
        assert_eq!(closest("zzzzzzzz", keys), None);
    }

    #[test]
    fn typos_find_their_value_and_long_inputs_are_cut() {
        assert_eq!(closest("relase", ["release", "due"]), Some("release"));
        assert_eq!(closest("zzzzzzzz", ["release", "due"]), None);
        assert_eq!(closest(&"r".repeat(10_000), ["release"]), None);
        assert_eq!(quoted("abc"), "abc");
        assert_eq!(
            quoted(&"é".repeat(100)).chars().count(),
            MAX_SUGGEST_LEN + 1
        );
    }
}
