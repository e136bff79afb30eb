//! Product tags: how long one may be and how many a product carries or a filter names, read
//! in linear time and stopped at the first excess, so a list of any length costs the same.
use std::collections::HashSet;

pub const MAX_TAGS: usize = 30;
pub const MAX_TAG_CHARS: usize = 50;

/// The sentence a refused list gets, under the field `tags`.
pub const TAGS_MESSAGE: &str = "At most 30 tags of up to 50 characters each";

/// The distinct tags of `raw`, trimmed, empty ones dropped, duplicates (in any case) dropped
/// with the first spelling kept; [`TAGS_MESSAGE`] when there are more than [`MAX_TAGS`] or one
/// is longer than [`MAX_TAG_CHARS`].
pub fn distinct<'a>(raw: impl IntoIterator<Item = &'a str>) -> Result<Vec<String>, &'static str> {
    let mut seen = HashSet::new();
    let mut tags = Vec::new();
    for tag in raw.into_iter().map(str::trim).filter(|t| !t.is_empty()) {
        if tag.chars().count() > MAX_TAG_CHARS {
            return Err(TAGS_MESSAGE);
        }
        if seen.insert(tag.to_lowercase()) {
            if tags.len() == MAX_TAGS {
                return Err(TAGS_MESSAGE);
            }
            tags.push(tag.to_string());
        }
    }
    Ok(tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_in_any_case_and_blanks_are_dropped_first_spelling_kept() {
        let tags = distinct(["Audio", " wireless ", "", "audio", "AUDIO", "sale"]).unwrap();
        assert_eq!(tags, ["Audio", "wireless", "sale"]);
    }

    #[test]
    fn thirty_distinct_tags_pass_and_the_thirty_first_is_refused() {
        let names: Vec<String> = (0..31).map(|i| format!("t{i}")).collect();
        assert_eq!(
            distinct(names[..30].iter().map(String::as_str))
                .unwrap()
                .len(),
            30
        );
        let refused = distinct(names.iter().map(String::as_str));
        assert_eq!(refused, Err(TAGS_MESSAGE));
    }

    #[test]
    fn a_tag_longer_than_fifty_characters_is_refused() {
        assert!(distinct(["x".repeat(50).as_str()]).is_ok());
        assert_eq!(distinct(["é".repeat(51).as_str()]), Err(TAGS_MESSAGE));
    }

    /// Reading stops at the first excess: a list of 15 000 distinct tags (the URL an outside
    /// test used to stall the shop) is refused after 31 of them, not after 15 000.
    #[test]
    fn a_huge_list_is_refused_without_reading_it_all() {
        let names: Vec<String> = (0..15_000).map(|i| format!("t{i}")).collect();
        let mut inspected = 0;
        let refused = distinct(names.iter().map(|n| {
            inspected += 1;
            n.as_str()
        }));
        assert_eq!(refused, Err(TAGS_MESSAGE));
        assert_eq!(inspected, 31);
    }
}
