//! "Did you mean …?": the closest allowed word to a misspelled one.

/// The candidate closest to `word` by edit distance (transpositions count as one edit), when it
/// is close enough to be a likely typo: at most a third of the word's length, and at least one
/// edit. Ties go to the earlier candidate, so callers list the likelier words first.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_lowercase();
    let limit = (word.chars().count() / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        if candidate == word {
            continue;
        }
        let distance = strsim::damerau_levenshtein(&lower, &candidate.to_lowercase());
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// `; did you mean `x`?` for a message, or nothing.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    closest(word, candidates)
        .map(|c| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn typos_find_their_word_and_strangers_find_none() {
        let keys = [
            "type",
            "description",
            "optional",
            "pii",
            "min_length",
            "max_length",
        ];
        for (word, expected) in [
            ("typ", Some("type")),
            ("descripton", Some("description")),
            ("desription", Some("description")),
            ("pi", Some("pii")),
            ("Type", Some("type")),
            ("optinal", Some("optional")),
            ("min_lenght", Some("min_length")),
            ("colour", None),
            ("x", None),
        ] {
            assert_eq!(closest(word, keys), expected, "{word}");
        }
        assert_eq!(closest("strng", ["string", "integer"]), Some("string"));
        assert_eq!(
            closest("datetime", ["date-time", "string"]),
            Some("date-time")
        );
    }
}
