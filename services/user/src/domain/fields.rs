//! Field rules shared by every form of the service: trimmed text within a length, no control
//! characters, phone numbers, caller ids, and the collector that reports every bad field of a
//! request at once (a form shows all its problems, not one per round trip).
use uuid::Uuid;
use vici_kit::{Error, ErrorCode, Result};

/// Problems found in one request, by API field name (camelCase, as the gateway reports them).
#[derive(Debug, Default)]
pub struct Problems(Vec<(&'static str, String)>);

impl Problems {
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        // The first problem of a field is the one worth showing.
        if !self.0.iter().any(|(f, _)| *f == field) {
            self.0.push((field, message.into()));
        }
    }

    /// `Ok` when nothing was found; otherwise one validation error whose message is the first
    /// problem and whose details name every field.
    pub fn finish(self) -> Result<()> {
        let Some((_, first)) = self.0.first() else {
            return Ok(());
        };
        let mut err = Error::new(ErrorCode::Validation, first.clone());
        for (field, message) in self.0 {
            err = err.with_detail(field, message);
        }
        Err(err)
    }
}

/// `value` trimmed, recording a problem unless it has `min..=max` characters and no control
/// characters. `label` starts the sentence ("First name is required").
pub fn text(
    problems: &mut Problems,
    field: &'static str,
    label: &str,
    value: &str,
    min: usize,
    max: usize,
) -> String {
    let value = value.trim();
    let len = value.chars().count();
    if len == 0 && min > 0 {
        problems.add(field, format!("{label} is required"));
    } else if value.chars().any(char::is_control) {
        problems.add(
            field,
            format!("{label} must not contain control characters"),
        );
    } else if len > max {
        problems.add(field, format!("{label} must be at most {max} characters"));
    } else if len < min {
        problems.add(field, format!("{label} must be at least {min} characters"));
    }
    value.to_string()
}

pub const PHONE_MESSAGE: &str =
    "Phone must have at least 7 digits and at most 20 characters of digits, spaces and + - ( ) .";

/// A phone number as people type it: digits with spaces and `+ - ( ) .`, at most 20 characters
/// and at least 7 digits (anything shorter cannot be dialled from abroad). Returned trimmed.
pub fn phone(problems: &mut Problems, field: &'static str, value: &str) -> String {
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

/// The caller's user id; the gateway always sends the authenticated user's UUID, so anything
/// else is a bad request rather than an unknown user.
pub fn user_id(value: &str) -> Result<String> {
    vici_types::ids::parse_id("userId", value)
}

/// An id taken from a path: a malformed one cannot name anything, so it is simply not found.
pub fn path_id(value: &str) -> Option<String> {
    Uuid::parse_str(value.trim()).ok().map(|u| u.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(f: impl FnOnce(&mut Problems)) -> Option<String> {
        let mut p = Problems::default();
        f(&mut p);
        p.finish().err().map(|e| e.message)
    }

    #[test]
    fn text_is_trimmed_and_bounded_in_characters() {
        let mut p = Problems::default();
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

    #[test]
    fn every_problem_is_reported_under_its_field() {
        let mut p = Problems::default();
        p.add("firstName", "First name is required");
        p.add("firstName", "ignored second problem");
        p.add("city", "City is required");
        let err = p.finish().unwrap_err();
        assert_eq!(err.message, "First name is required");
        assert_eq!(err.details.len(), 2);
        assert_eq!(err.details["firstName"], "First name is required");
    }

    #[test]
    fn ids_are_uuids() {
        assert!(user_id("nope").is_err());
        assert_eq!(path_id("x'; --"), None);
        let id = uuid::Uuid::now_v7().to_string();
        assert_eq!(path_id(&format!(" {id} ")), Some(id));
    }
}
