//! URL slugs: made from names, checked when a caller gives one, and made unique against the
//! slugs already taken (`name`, `name-2`, `name-3`, …).
use std::collections::HashSet;

use vici_kit::{Error, Result};

pub const MAX_LEN: usize = 100;

/// `"Levi's 501 Original Jeans"` → `"levis-501-original-jeans"`. Common Latin accents fold to
/// their base letter, apostrophes vanish (so "Levi's" is one word), any other run of symbols
/// becomes one hyphen. Returns an empty string when nothing usable is left.
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_dash = false;
    for ch in text.chars() {
        if matches!(ch, '\'' | '’' | '`') {
            continue;
        }
        let folded = fold(ch.to_lowercase().next().unwrap_or(ch));
        if folded.is_empty() {
            pending_dash = !out.is_empty();
            continue;
        }
        if pending_dash {
            out.push('-');
            pending_dash = false;
        }
        out.push_str(folded);
        if out.len() >= MAX_LEN {
            break;
        }
    }
    out.truncate(MAX_LEN);
    out.trim_end_matches('-').to_string()
}

/// The ASCII spelling of a lower-case character, or "" when it separates words.
fn fold(ch: char) -> &'static str {
    const TABLE: &[(&str, &str)] = &[
        ("àáâãäåā", "a"),
        ("çćč", "c"),
        ("èéêëēė", "e"),
        ("ìíîïī", "i"),
        ("ñń", "n"),
        ("òóôõöøō", "o"),
        ("ùúûüū", "u"),
        ("ýÿ", "y"),
        ("śš", "s"),
        ("źżž", "z"),
        ("ß", "ss"),
        ("æ", "ae"),
        ("œ", "oe"),
    ];
    if ch.is_ascii_alphanumeric() {
        // Every ASCII letter or digit maps to itself; index into a static string to return it.
        const ASCII: &str = "0123456789abcdefghijklmnopqrstuvwxyz";
        let i = ASCII.find(ch).unwrap_or(0);
        return &ASCII[i..i + 1];
    }
    TABLE
        .iter()
        .find(|(from, _)| from.contains(ch))
        .map_or("", |(_, to)| to)
}

/// A slug a caller chose: lower-case letters, digits and single inner hyphens.
pub fn validate(field: &str, slug: &str) -> Result<String> {
    let s = slug.trim();
    let ok = !s.is_empty()
        && s.len() <= MAX_LEN
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--");
    if ok {
        Ok(s.to_string())
    } else {
        Err(Error::validation(
            field,
            format!("`{field}` must be 1–{MAX_LEN} lower-case letters, digits and single hyphens"),
        ))
    }
}

/// The base slug for `name`, or `fallback` when the name has no letters or digits.
pub fn base_for(name: &str, fallback: &str) -> String {
    let s = slugify(name);
    if s.is_empty() {
        fallback.to_string()
    } else {
        s
    }
}

/// `base` itself when free, else the first free `base-N` (N from 2).
pub fn unique(base: &str, taken: &HashSet<String>) -> String {
    if !taken.contains(base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|candidate| !taken.contains(candidate))
        .expect("an unbounded range always yields a free slug")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_readable_slugs() {
        assert_eq!(
            slugify("Levi's 501 Original Jeans"),
            "levis-501-original-jeans"
        );
        assert_eq!(
            slugify("Apple MacBook Pro 16\" M3"),
            "apple-macbook-pro-16-m3"
        );
        assert_eq!(
            slugify("  Computers & Accessories "),
            "computers-accessories"
        );
        assert_eq!(slugify("Crème Brûlée Set"), "creme-brulee-set");
        assert_eq!(slugify("!!!"), "");
        assert_eq!(base_for("!!!", "product"), "product");
        assert!(slugify(&"x".repeat(300)).len() <= MAX_LEN);
    }

    #[test]
    fn given_slugs_are_checked() {
        assert_eq!(validate("slug", " good-slug-2 ").unwrap(), "good-slug-2");
        for bad in ["", "Bad", "a--b", "-a", "a-", "a b", "ü"] {
            assert!(validate("slug", bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn taken_slugs_get_the_next_free_number() {
        let taken: HashSet<String> = ["mug", "mug-2"].into_iter().map(String::from).collect();
        assert_eq!(unique("mug", &taken), "mug-3");
        assert_eq!(unique("cup", &taken), "cup");
    }
}
