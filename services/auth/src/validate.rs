//! Input rules for emails, names and passwords. Every problem names the contract field it
//! belongs to, so the gateway can answer 400 with `details.{field}`; callers collect them with
//! `vici_kit::Problems`.
use vici_kit::{Error, Result};

pub const PASSWORD_MIN_CHARS: usize = 8;
pub const PASSWORD_MAX_CHARS: usize = 128;
pub const NAME_MAX_CHARS: usize = 100;
const EMAIL_MAX_CHARS: usize = 254;
const EMAIL_LOCAL_MAX_CHARS: usize = 64;

/// The canonical form of an email (trimmed, lower-cased) if it is plausible: one `@`, a local
/// part of 1–64 characters, a dotted domain, no whitespace or control characters, 254 at most.
pub fn email(raw: &str) -> Result<String> {
    let email = raw.trim().to_lowercase();
    let invalid = || {
        Error::validation(
            "email",
            "Enter a valid email address, like name@example.com",
        )
    };
    if email.is_empty() {
        return Err(Error::validation("email", "Email is required"));
    }
    if email.chars().count() > EMAIL_MAX_CHARS {
        return Err(Error::validation(
            "email",
            "Email must be at most 254 characters long",
        ));
    }
    if email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid());
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Err(invalid());
    };
    let labels_ok = domain.contains('.') && domain.split('.').all(|label| !label.is_empty());
    if local.is_empty()
        || local.chars().count() > EMAIL_LOCAL_MAX_CHARS
        || domain.contains('@')
        || !labels_ok
    {
        return Err(invalid());
    }
    Ok(email)
}

/// A display name, trimmed: 1–100 printable characters (`vici_types::text::unprintable`).
pub fn name(raw: &str) -> Result<String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(Error::validation("name", "Name is required"));
    }
    if name.chars().count() > NAME_MAX_CHARS {
        return Err(Error::validation(
            "name",
            "Name must be at most 100 characters long",
        ));
    }
    if let Some(problem) = vici_types::text::unprintable(name, false) {
        return Err(Error::validation("name", format!("Name {problem}")));
    }
    Ok(name.to_string())
}

/// The password policy, reported under `field` (`password` or `newPassword`): 8–128
/// characters with at least one upper-case letter, one lower-case letter and one digit. The
/// message lists exactly what is missing.
pub fn password(field: &'static str, password: &str) -> Result<()> {
    let chars = password.chars().count();
    if chars == 0 {
        return Err(Error::validation(field, "Password is required"));
    }
    if !(PASSWORD_MIN_CHARS..=PASSWORD_MAX_CHARS).contains(&chars) {
        return Err(Error::validation(
            field,
            "Password must be between 8 and 128 characters long",
        ));
    }
    let mut missing = Vec::new();
    if !password.chars().any(char::is_uppercase) {
        missing.push("one upper-case letter");
    }
    if !password.chars().any(char::is_lowercase) {
        missing.push("one lower-case letter");
    }
    if !password.chars().any(|c| c.is_ascii_digit()) {
        missing.push("one digit");
    }
    match missing.as_slice() {
        [] => Ok(()),
        [one] => Err(Error::validation(
            field,
            format!("Password must contain at least {one}"),
        )),
        [init @ .., last] => Err(Error::validation(
            field,
            format!(
                "Password must contain at least {} and {last}",
                init.join(", ")
            ),
        )),
    }
}

/// A required free-text input (a password typed at login, a token): present and not absurdly
/// long. Longer inputs cannot be valid and would only cost hashing time.
pub fn required(field: &'static str, value: &str, max_chars: usize) -> Result<()> {
    if value.is_empty() {
        return Err(Error::validation(field, format!("`{field}` is required")));
    }
    if value.chars().count() > max_chars {
        return Err(Error::validation(
            field,
            format!("`{field}` must be at most {max_chars} characters long"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_canonical_or_refused() {
        assert_eq!(
            email("  Jane.Doe@Example.COM ").unwrap(),
            "jane.doe@example.com"
        );
        for bad in [
            "",
            "   ",
            "jane",
            "jane@",
            "@example.com",
            "jane@example",
            "jane@@example.com",
            "ja ne@example.com",
            "jane@exa\u{7}mple.com",
            "jane@example..com",
            "jane@.example.com",
        ] {
            assert!(
                email(bad).unwrap_err().details.contains_key("email"),
                "{bad:?}"
            );
        }
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert!(email(&long_local).is_err());
        let long = format!("a@{}.com", "b".repeat(250));
        assert!(email(&long).unwrap_err().message.contains("254"));
    }

    #[test]
    fn password_messages_say_what_is_missing() {
        assert!(password("password", "Password1").is_ok());
        assert!(password("password", "Pässwörd1").is_ok());
        let msg = |p: &str| password("newPassword", p).unwrap_err().message;
        assert_eq!(
            msg("Pass1"),
            "Password must be between 8 and 128 characters long"
        );
        assert_eq!(msg(""), "Password is required");
        assert_eq!(
            msg("password1"),
            "Password must contain at least one upper-case letter"
        );
        assert_eq!(
            msg("password"),
            "Password must contain at least one upper-case letter and one digit"
        );
        assert_eq!(
            msg("!!!!!!!!"),
            "Password must contain at least one upper-case letter, one lower-case letter and one digit"
        );
        assert!(password("password", &format!("Aa1{}", "x".repeat(125))).is_ok());
        assert!(password("password", &format!("Aa1{}", "x".repeat(126))).is_err());
        // Characters, not bytes: 8 two-byte characters are enough.
        assert!(password("password", "Ééééééé1").is_ok());
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(name("  Jane Doe ").unwrap(), "Jane Doe");
        assert!(name("").is_err());
        assert!(name(&"x".repeat(101)).is_err());
        assert!(name(&"é".repeat(100)).is_ok());
        assert!(name("Jane\nDoe").is_err());
    }
}
