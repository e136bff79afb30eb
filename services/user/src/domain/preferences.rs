//! Preference rules: the defaults a new user gets, the language tags and the currencies accepted.
use vici_kit::Result;

use vici_kit::Problems;

/// Currencies the shop can show prices in. Prices are stored in USD cents; these are the ones the
/// storefront has formats and rates for, so anything else would be a setting nobody honours.
pub const CURRENCIES: [&str; 6] = ["USD", "EUR", "GBP", "CAD", "AUD", "JPY"];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preferences {
    pub user_id: String,
    pub email_notifications: bool,
    pub sms_notifications: bool,
    pub marketing_emails: bool,
    pub language: String,
    pub currency: String,
}

impl Preferences {
    /// A new user's preferences (api-contract: e-mail on, SMS and marketing off, en, USD).
    pub fn defaults(user_id: &str) -> Preferences {
        Preferences {
            user_id: user_id.to_string(),
            email_notifications: true,
            sms_notifications: false,
            marketing_emails: false,
            language: "en".into(),
            currency: "USD".into(),
        }
    }
}

/// A partial update; `None` leaves the setting as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Patch {
    pub email_notifications: Option<bool>,
    pub sms_notifications: Option<bool>,
    pub marketing_emails: Option<bool>,
    pub language: Option<String>,
    pub currency: Option<String>,
}

impl Patch {
    /// Checks and normalises the language and currency when given.
    pub fn validate(self) -> Result<Patch> {
        let mut p = Problems::default();
        let language = self.language.map(|l| {
            language_tag(&l).unwrap_or_else(|| {
                p.add(
                    "language",
                    "Language must be a language tag such as en or en-US",
                );
                l
            })
        });
        let currency = self.currency.map(|c| {
            let code = c.trim().to_ascii_uppercase();
            if !CURRENCIES.contains(&code.as_str()) {
                p.add(
                    "currency",
                    format!("Currency must be one of {}", CURRENCIES.join(", ")),
                );
            }
            code
        });
        p.finish()?;
        Ok(Patch {
            language,
            currency,
            ..self
        })
    }
}

/// A BCP 47 style tag — 2–3 letters, then `-` subtags of 2–8 letters or digits, 35 characters at
/// most — in its conventional case (`en`, `pt-BR`, `zh-Hant-TW`); `None` when malformed.
pub fn language_tag(value: &str) -> Option<String> {
    let value = value.trim();
    if !(2..=35).contains(&value.len()) {
        return None;
    }
    let mut parts = value.split('-');
    let primary = parts.next()?;
    if !(2..=3).contains(&primary.len()) || !primary.bytes().all(|b| b.is_ascii_alphabetic()) {
        return None;
    }
    let mut out = primary.to_ascii_lowercase();
    for sub in parts {
        if !(2..=8).contains(&sub.len()) || !sub.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        let alphabetic = sub.bytes().all(|b| b.is_ascii_alphabetic());
        out.push('-');
        match sub.len() {
            2 if alphabetic => out.push_str(&sub.to_ascii_uppercase()),
            4 if alphabetic => {
                out.push_str(&sub[..1].to_ascii_uppercase());
                out.push_str(&sub[1..].to_ascii_lowercase());
            }
            _ => out.push_str(&sub.to_ascii_lowercase()),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags_are_checked_and_cased() {
        assert_eq!(language_tag("en").as_deref(), Some("en"));
        assert_eq!(language_tag(" PT-br ").as_deref(), Some("pt-BR"));
        assert_eq!(language_tag("zh-hant-tw").as_deref(), Some("zh-Hant-TW"));
        assert_eq!(language_tag("es-419").as_deref(), Some("es-419"));
        for bad in [
            "e",
            "english",
            "en_US",
            "en-",
            "en--US",
            "en-a",
            "1en",
            &"en-abcdefgh".repeat(4),
        ] {
            assert_eq!(language_tag(bad), None, "{bad}");
        }
    }

    #[test]
    fn currencies_come_from_the_supported_list() {
        let ok = Patch {
            currency: Some(" eur ".into()),
            ..Patch::default()
        };
        assert_eq!(ok.validate().unwrap().currency.as_deref(), Some("EUR"));
        let bad = Patch {
            currency: Some("BTC".into()),
            ..Patch::default()
        };
        assert_eq!(
            bad.validate().unwrap_err().details["currency"],
            "Currency must be one of USD, EUR, GBP, CAD, AUD, JPY"
        );
    }
}
