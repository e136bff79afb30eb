//! Postal addresses: one type ([`PostalAddress`]) for a user's saved addresses and the snapshots
//! an order keeps, and one rule for what each field accepts — the contract's: every field but
//! `addressLine2` required, names and places within 100 characters, address lines within 200, a
//! postal code of letters, digits, spaces and hyphens, an assigned ISO 3166-1 country (kept upper
//! case) and a phone that can be dialled. Every bad field is reported at once, by its contract
//! name, under a prefix when the address is part of a larger request (`shippingAddress.city`).
use serde::{Deserialize, Serialize};
use vici_kit::{Problems, Result};

use crate::country;
use crate::text::{phone, text};

/// A postal address, its fields trimmed and checked.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostalAddress {
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

/// Address fields as a caller sent them: `None` is "not given". On update an empty
/// `address_line2` clears it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AddressPatch {
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

impl AddressPatch {
    /// The given fields checked and normalised, their problems recorded in `p`; with
    /// `complete` (a new address) every required field must be there.
    pub fn check(self, complete: bool, p: &mut Problems) -> AddressPatch {
        AddressPatch {
            first_name: field(self.first_name, complete, |v| {
                text(p, "firstName", "First name", v, 1, 100)
            }),
            last_name: field(self.last_name, complete, |v| {
                text(p, "lastName", "Last name", v, 1, 100)
            }),
            address_line1: field(self.address_line1, complete, |v| {
                text(p, "addressLine1", "Address line 1", v, 1, 200)
            }),
            address_line2: self
                .address_line2
                .map(|v| text(p, "addressLine2", "Address line 2", &v, 0, 200)),
            city: field(self.city, complete, |v| text(p, "city", "City", v, 1, 100)),
            state: field(self.state, complete, |v| {
                text(p, "state", "State", v, 1, 100)
            }),
            postal_code: field(self.postal_code, complete, |v| postal_code(p, v)),
            country: field(self.country, complete, |v| country_code(p, v)),
            phone: field(self.phone, complete, |v| phone(p, "phone", v)),
        }
    }

    /// [`AddressPatch::check`] of a request that is only this address.
    pub fn validate(self, complete: bool) -> Result<AddressPatch> {
        let mut p = Problems::new();
        let checked = self.check(complete, &mut p);
        p.finish()?;
        Ok(checked)
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

impl PostalAddress {
    /// The address of a patch checked as `complete`.
    pub fn from_complete(p: AddressPatch) -> PostalAddress {
        let mut a = PostalAddress::default();
        a.apply(p);
        a
    }

    /// Overwrites the fields a checked patch gives.
    pub fn apply(&mut self, p: AddressPatch) {
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

    /// This address as sent within a larger request, checked whole and normalised; its
    /// problems are reported under `prefix` (`shippingAddress.city`).
    pub fn checked(self, prefix: &str) -> Result<PostalAddress> {
        let mut p = Problems::under(prefix);
        let patch = AddressPatch::from(self).check(true, &mut p);
        p.finish()?;
        Ok(PostalAddress::from_complete(patch))
    }
}

/// Every field given, as a complete address is.
impl From<PostalAddress> for AddressPatch {
    fn from(a: PostalAddress) -> Self {
        AddressPatch {
            first_name: Some(a.first_name),
            last_name: Some(a.last_name),
            address_line1: Some(a.address_line1),
            address_line2: a.address_line2,
            city: Some(a.city),
            state: Some(a.state),
            postal_code: Some(a.postal_code),
            country: Some(a.country),
            phone: Some(a.phone),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete() -> PostalAddress {
        PostalAddress {
            first_name: " Ada ".into(),
            last_name: "Lovelace".into(),
            address_line1: "12 St James's Square".into(),
            address_line2: Some("".into()),
            city: "London".into(),
            state: "London".into(),
            postal_code: "SW1Y 4JH".into(),
            country: "gb".into(),
            phone: "+44 20 7946 0958".into(),
        }
    }

    #[test]
    fn a_complete_address_is_trimmed_and_normalised() {
        let a =
            PostalAddress::from_complete(AddressPatch::from(complete()).validate(true).unwrap());
        assert_eq!(a.first_name, "Ada");
        assert_eq!(a.country, "GB");
        assert_eq!(a.address_line2, None);
        assert_eq!(complete().checked("shippingAddress").unwrap(), a);
    }

    #[test]
    fn a_create_reports_every_missing_field() {
        let err = AddressPatch::default().validate(true).unwrap_err();
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
        assert!(AddressPatch::default().validate(false).is_ok());
    }

    #[test]
    fn an_address_within_a_request_reports_under_its_name() {
        let mut a = complete();
        a.city = " ".into();
        a.country = "x".repeat(201);
        a.phone = "555".into();
        let err = a.checked("billingAddress").unwrap_err();
        assert_eq!(err.message, "City is required");
        let fields: Vec<&str> = err.details.keys().map(String::as_str).collect();
        assert_eq!(
            fields,
            [
                "billingAddress.city",
                "billingAddress.country",
                "billingAddress.phone"
            ]
        );
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
            let patch = AddressPatch {
                country: Some(given.into()),
                ..AddressPatch::default()
            };
            assert_eq!(patch.validate(false).unwrap_err().message, message);
        }
    }
}
