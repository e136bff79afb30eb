//! Rules for what people type into a form: text trimmed, within a length and free of control
//! characters, and phone numbers as people write them. Each records its problem in a
//! `vici_kit::Problems` under the contract's field name and returns the value trimmed, so a
//! form reports every bad field at once.
use vici_kit::Problems;

/// `value` trimmed, recording a problem unless it has `min..=max` characters and no control
/// characters. `label` starts the sentence ("First name is required").
pub fn text(
    problems: &mut Problems,
    field: &str,
    label: &str,
    value: &str,
    min: usize,
    max: usize,
) -> String {
    let value = value.trim();
    let len = value.chars().count();
    if len == 0 && min > 0 {
        problems.add(field, format!("{label} is required"));
    } else if let Some(problem) = unprintable(value, false) {
        problems.add(field, format!("{label} {problem}"));
    } else if len > max {
        problems.add(field, format!("{label} must be at most {max} characters"));
    } else if len < min {
        problems.add(field, format!("{label} must be at least {min} characters"));
    }
    value.to_string()
}

/// What is wrong with typed `value` as text to store and show, if anything: NUL or another
/// control character (line breaks and tabs allowed when `multiline`), or a bidirectional
/// embedding, override or isolate control, which makes text read other than it is stored.
/// PostgreSQL refuses NUL in text where SQLite stores it: refusing it here gives both the
/// same answer.
pub fn unprintable(value: &str, multiline: bool) -> Option<&'static str> {
    value.chars().find_map(|c| {
        if matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}') {
            Some("must not contain bidirectional control characters")
        } else if c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')) {
            Some("must not contain control characters")
        } else {
            None
        }
    })
}

pub const PHONE_MESSAGE: &str =
    "Phone must have at least 7 digits and at most 20 characters of digits, spaces and + - ( ) .";

/// A phone number as people type it: digits with spaces and `+ - ( ) .`, at most 20 characters
/// and at least 7 digits (anything shorter cannot be dialled from abroad). Returned trimmed.
pub fn phone(problems: &mut Problems, field: &str, value: &str) -> String {
    let value = value.trim();
    if value.is_empty() {
        problems.add(field, "Phone is required");
        return String::new();
    }
    let allowed = value
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')' | '.'));
    let digits = value.chars().filter(char::is_ascii_digit).count();
    if !allowed || digits < 7 || value.chars().count() > 20 {
        problems.add(field, PHONE_MESSAGE);
    }
    value.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(f: impl FnOnce(&mut Problems)) -> Option<String> {
        let mut p = Problems::new();
        f(&mut p);
        p.finish().err().map(|e| e.message)
    }

    #[test]
    fn text_is_trimmed_and_bounded_in_characters() {
        let mut p = Problems::new();
        assert_eq!(text(&mut p, "city", "City", "  Köln ", 1, 4), "Köln");
        assert!(p.finish().is_ok());
        assert_eq!(
            check(|p| drop(text(p, "city", "City", "   ", 1, 100))).as_deref(),
            Some("City is required")
        );
        assert_eq!(
            check(|p| drop(text(p, "city", "City", "abcde", 1, 4))).as_deref(),
            Some("City must be at most 4 characters")
        );
        assert_eq!(
            check(|p| drop(text(p, "city", "City", "a\u{0}b", 1, 4))).as_deref(),
            Some("City must not contain control characters")
        );
        assert!(check(|p| drop(text(p, "line2", "Line 2", "", 0, 4))).is_none());
    }

    #[test]
    fn phones_need_seven_digits_and_plain_punctuation() {
        for good in ["+1 (555) 010-0100", "5550100", "+44.20.7946.0958"] {
            assert!(check(|p| drop(phone(p, "phone", good))).is_none(), "{good}");
        }
        for bad in [
            "555-010",
            "+1 555 0100 ext 2",
            "-------",
            "1234567890123456789012",
        ] {
            assert_eq!(
                check(|p| drop(phone(p, "phone", bad))).as_deref(),
                Some(PHONE_MESSAGE),
                "{bad}"
            );
        }
    }
}
