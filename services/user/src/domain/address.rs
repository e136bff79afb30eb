//! Address rules: what each field accepts, the per-user limit, and how the default moves. The
//! store keeps the "exactly one default while any exist" invariant with these decisions.
use vici_kit::{Error, Result};

use super::country;
use super::fields::{Problems, phone, text};

/// Most addresses one user may keep; the next create is refused with a conflict.
pub const MAX_ADDRESSES: i64 = 10;

pub fn limit_reached() -> Error {
    Error::conflict(format!("You can have at most {MAX_ADDRESSES} addresses"))
        .with_detail("limit", MAX_ADDRESSES)
}

pub fn not_found() -> Error {
    Error::not_found("No such address")
}

/// The stored content of an address, every field validated and trimmed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Fields {
    pub first_name: String,
    pub last_name: String,
    pub address_line1: String,
    pub address_line2: Option<String>,
    pub city: String,
    pub state: String,
    pub postal_code: String,
    /// Upper-case ISO 3166-1 alpha-2.
    pub country: String,
    pub phone: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Address {
    pub id: String,
    pub user_id: String,
    pub fields: Fields,
    pub is_default: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Address fields as a caller sent them: `None` is "not given". On update an empty
/// `address_line2` clears it.
#[derive(Clone, Debug, Default)]
pub struct Patch {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub address_line1: Option<String>,
    pub address_line2: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    pub phone: Option<String>,
}

/// Checks `value` when given (or, for a `complete` form, when required) with `rule`.
fn field(
    value: Option<String>,
    complete: bool,
    rule: impl FnOnce(&str) -> String,
) -> Option<String> {
    match value {
        Some(v) => Some(rule(&v)),
        None if complete => Some(rule("")),
        None => None,
    }
}

impl Patch {
    /// The given fields checked and normalised; with `complete` (a create) every required field
    /// must be there. All problems are reported together.
    pub fn validate(self, complete: bool) -> Result<Patch> {
        let mut p = Problems::default();
        let out = Patch {
            first_name: field(self.first_name, complete, |v| {
                text(&mut p, "firstName", "First name", v, 1, 100)
            }),
            last_name: field(self.last_name, complete, |v| {
                text(&mut p, "lastName", "Last name", v, 1, 100)
            }),
            address_line1: field(self.address_line1, complete, |v| {
                text(&mut p, "addressLine1", "Address line 1", v, 1, 200)
            }),
            address_line2: self
                .address_line2
                .map(|v| text(&mut p, "addressLine2", "Address line 2", &v, 0, 200)),
            city: field(self.city, complete, |v| {
                text(&mut p, "city", "City", v, 1, 100)
            }),
            state: field(self.state, complete, |v| {
                text(&mut p, "state", "State", v, 1, 100)
            }),
            postal_code: field(self.postal_code, complete, |v| postal_code(&mut p, v)),
            country: field(self.country, complete, |v| country_code(&mut p, v)),
            phone: field(self.phone, complete, |v| phone(&mut p, "phone", v)),
        };
        p.finish()?;
        Ok(out)
    }
}

fn postal_code(p: &mut Problems, value: &str) -> String {
    let value = text(p, "postalCode", "Postal code", value, 1, 20);
    let plain = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-');
    if !plain {
        p.add(
            "postalCode",
            "Postal code may only contain letters, digits, spaces and hyphens",
        );
    }
    value
}

fn country_code(p: &mut Problems, value: &str) -> String {
    let code = value.trim().to_ascii_uppercase();
    if code.is_empty() {
        p.add("country", "Country is required");
    } else if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_alphabetic()) {
        p.add(
            "country",
            "Country must be a two-letter ISO 3166-1 code such as US",
        );
    } else if !country::is_assigned(&code) {
        p.add(
            "country",
            format!("{code} is not an ISO 3166-1 country code"),
        );
    }
    code
}

impl Fields {
    /// The fields of a new address from a patch validated as `complete`.
    pub fn from_complete(p: Patch) -> Fields {
        let mut f = Fields::default();
        f.apply(p);
        f
    }

    /// Overwrites the fields a validated patch gives.
    pub fn apply(&mut self, p: Patch) {
        let set = |slot: &mut String, v: Option<String>| {
            if let Some(v) = v {
                *slot = v;
            }
        };
        set(&mut self.first_name, p.first_name);
        set(&mut self.last_name, p.last_name);
        set(&mut self.address_line1, p.address_line1);
        if let Some(line2) = p.address_line2 {
            self.address_line2 = (!line2.is_empty()).then_some(line2);
        }
        set(&mut self.city, p.city);
        set(&mut self.state, p.state);
        set(&mut self.postal_code, p.postal_code);
        set(&mut self.country, p.country);
        set(&mut self.phone, p.phone);
    }
}

/// Whether an update makes the address the default. Unsetting the current default is refused:
/// the user would be left without one, so another address must be made the default instead.
pub fn becomes_default(is_default_now: bool, wanted: Option<bool>) -> Result<bool> {
    match wanted {
        Some(false) if is_default_now => Err(Error::validation(
            "isDefault",
            "To change your default address, make another address the default",
        )),
        Some(true) => Ok(!is_default_now),
        _ => Ok(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete() -> Patch {
        Patch {
            first_name: Some(" Ada ".into()),
            last_name: Some("Lovelace".into()),
            address_line1: Some("12 St James's Square".into()),
            address_line2: Some("".into()),
            city: Some("London".into()),
            state: Some("London".into()),
            postal_code: Some("SW1Y 4JH".into()),
            country: Some("gb".into()),
            phone: Some("+44 20 7946 0958".into()),
        }
    }

    #[test]
    fn a_complete_address_is_trimmed_and_normalised() {
        let f = Fields::from_complete(complete().validate(true).unwrap());
        assert_eq!(f.first_name, "Ada");
        assert_eq!(f.country, "GB");
        assert_eq!(f.address_line2, None);
    }

    #[test]
    fn a_create_reports_every_missing_field() {
        let err = Patch::default().validate(true).unwrap_err();
        let fields: Vec<&str> = err.details.keys().map(String::as_str).collect();
        assert_eq!(
            fields,
            [
                "addressLine1",
                "city",
                "country",
                "firstName",
                "lastName",
                "phone",
                "postalCode",
                "state"
            ]
        );
        assert!(Patch::default().validate(false).is_ok());
    }

    #[test]
    fn countries_must_be_assigned_codes() {
        for (given, message) in [
            (
                "USA",
                "Country must be a two-letter ISO 3166-1 code such as US",
            ),
            (
                "U1",
                "Country must be a two-letter ISO 3166-1 code such as US",
            ),
            ("zz", "ZZ is not an ISO 3166-1 country code"),
        ] {
            let patch = Patch {
                country: Some(given.into()),
                ..Patch::default()
            };
            assert_eq!(patch.validate(false).unwrap_err().message, message);
        }
    }

    #[test]
    fn the_default_moves_only_forwards() {
        assert!(becomes_default(true, Some(false)).is_err());
        assert!(!becomes_default(true, Some(true)).unwrap());
        assert!(becomes_default(false, Some(true)).unwrap());
        assert!(!becomes_default(false, Some(false)).unwrap());
        assert!(!becomes_default(false, None).unwrap());
    }
}
