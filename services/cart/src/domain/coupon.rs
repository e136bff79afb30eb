//! Coupons as the admin edits them: code format, the checks on every field (all problems of a
//! form reported at once), partial updates, and the errors a shopper sees when one is refused.
//! What a coupon takes off is `vici_pricing`'s rule, not this module's.
use vici_kit::{Error, Problems, Result};
use vici_pricing::{CouponKind, CouponRefusal};

pub const MAX_CODE_CHARS: usize = 32;
pub const MAX_DESCRIPTION_CHARS: usize = 500;
/// $100,000.00: far above any basket, low enough that no sum of discounts overflows.
pub const MAX_FIXED_CENTS: i64 = 10_000_000;
const CODE_MESSAGE: &str = "A coupon code is 1 to 32 letters, digits, hyphens or underscores";

/// A coupon as stored, with how often it has been redeemed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coupon {
    pub id: String,
    pub terms: Terms,
    pub used_count: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub deleted: bool,
}

impl Coupon {
    /// Whether a shopper may still use it (not deleted, not deactivated).
    pub fn live(&self) -> bool {
        self.terms.is_active && !self.deleted
    }

    pub fn pricing(&self) -> vici_pricing::Coupon {
        let t = &self.terms;
        vici_pricing::Coupon {
            kind: t.kind,
            min_subtotal_cents: t.min_subtotal_cents,
            expires_at_ms: t.expires_at,
            usage_limit: t.usage_limit,
            per_user_limit: t.per_user_limit,
        }
    }
}

/// A coupon's editable fields, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Terms {
    pub code: String,
    pub kind: CouponKind,
    pub min_subtotal_cents: i64,
    pub expires_at: Option<i64>,
    pub usage_limit: Option<i64>,
    pub per_user_limit: Option<i64>,
    pub is_active: bool,
    pub description: String,
}

pub const KIND_MESSAGE: &str = "Kind must be percent or fixed";

/// What a coupon's value means: whole percent off, or cents off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Percent,
    Fixed,
}

impl Kind {
    /// The name the coupons table and the seed catalogue use.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Percent => "percent",
            Kind::Fixed => "fixed",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        [Kind::Percent, Kind::Fixed]
            .into_iter()
            .find(|k| k.name() == name)
    }
}

impl Terms {
    pub fn kind(&self) -> Kind {
        match self.kind {
            CouponKind::Percent(_) => Kind::Percent,
            CouponKind::Fixed(_) => Kind::Fixed,
        }
    }

    pub fn kind_name(&self) -> &'static str {
        self.kind().name()
    }

    pub fn value(&self) -> i64 {
        match self.kind {
            CouponKind::Percent(v) | CouponKind::Fixed(v) => v,
        }
    }
}

/// A coupon's fields as an admin gave them (a create) or as an update would leave them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Draft {
    pub code: String,
    /// `None`: the caller named no kind this service knows.
    pub kind: Option<Kind>,
    pub value: i64,
    pub min_subtotal_cents: i64,
    pub expires_at: Option<String>,
    pub usage_limit: Option<i64>,
    pub per_user_limit: Option<i64>,
    pub is_active: bool,
    pub description: String,
}

/// An update: only the fields present change; `clear_*` removes an optional limit or expiry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Patch {
    pub code: Option<String>,
    pub kind: Option<Kind>,
    pub value: Option<i64>,
    pub min_subtotal_cents: Option<i64>,
    pub expires_at: Option<String>,
    pub usage_limit: Option<i64>,
    pub per_user_limit: Option<i64>,
    pub is_active: Option<bool>,
    pub description: Option<String>,
    pub clear_expires_at: bool,
    pub clear_usage_limit: bool,
    pub clear_per_user_limit: bool,
}

/// A code as typed, trimmed and upper-cased, when it has the shape of a code.
fn normalised(raw: &str) -> Option<String> {
    let code = raw.trim().to_ascii_uppercase();
    let shaped = (1..=MAX_CODE_CHARS).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    shaped.then_some(code)
}

/// A code given by a caller, normalised, or a validation error on `field`.
pub fn code(field: &str, raw: &str) -> Result<String> {
    normalised(raw).ok_or_else(|| Error::validation(field, CODE_MESSAGE))
}

fn parse_time(raw: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(raw.trim())
        .ok()
        .map(|t| t.timestamp_millis())
}

impl Draft {
    /// Checks every field and reports all problems at once.
    pub fn validate(self) -> Result<Terms> {
        let mut p = Problems::default();
        let code = normalised(&self.code);
        p.check(code.is_some(), "code", CODE_MESSAGE);
        let kind = match self.kind {
            Some(Kind::Percent) => {
                let ok = (1..=100).contains(&self.value);
                p.check(ok, "value", "A percent coupon takes 1 to 100 percent off");
                Some(CouponKind::Percent(self.value))
            }
            Some(Kind::Fixed) => {
                let ok = (1..=MAX_FIXED_CENTS).contains(&self.value);
                p.check(ok, "value", "A fixed coupon takes 1 to 10000000 cents off");
                Some(CouponKind::Fixed(self.value))
            }
            None => None,
        };
        p.check(kind.is_some(), "kind", KIND_MESSAGE);
        p.check(
            self.min_subtotal_cents >= 0,
            "minSubtotalCents",
            "The minimum subtotal cannot be negative",
        );
        let expires_at = self.expires_at.as_deref().map(parse_time);
        p.check(
            expires_at != Some(None),
            "expiresAt",
            "Expiry must be an RFC 3339 time such as 2026-12-31T23:59:59Z",
        );
        for (field, limit) in [
            ("usageLimit", self.usage_limit),
            ("perUserLimit", self.per_user_limit),
        ] {
            p.check(
                limit.is_none_or(|l| l >= 1),
                field,
                "A limit must be at least 1",
            );
        }
        let description = self.description.trim().to_string();
        p.check(
            description.chars().count() <= MAX_DESCRIPTION_CHARS,
            "description",
            format!("Description must be at most {MAX_DESCRIPTION_CHARS} characters"),
        );
        p.finish()?;
        Ok(Terms {
            code: code.unwrap_or_default(),
            kind: kind.unwrap_or(CouponKind::Percent(0)),
            min_subtotal_cents: self.min_subtotal_cents,
            expires_at: expires_at.flatten(),
            usage_limit: self.usage_limit,
            per_user_limit: self.per_user_limit,
            is_active: self.is_active,
            description,
        })
    }
}

impl From<&Terms> for Draft {
    fn from(t: &Terms) -> Self {
        Draft {
            code: t.code.clone(),
            kind: Some(t.kind()),
            value: t.value(),
            min_subtotal_cents: t.min_subtotal_cents,
            expires_at: t.expires_at.map(vici_store::rfc3339),
            usage_limit: t.usage_limit,
            per_user_limit: t.per_user_limit,
            is_active: t.is_active,
            description: t.description.clone(),
        }
    }
}

impl Patch {
    /// `terms` with this patch applied, checked as a whole (a new kind is checked against the
    /// value it ends up with). Setting and clearing the same field is refused as ambiguous.
    pub fn apply(self, terms: &Terms) -> Result<Terms> {
        let mut p = Problems::default();
        let both = "Either set this field or clear it, not both";
        p.check(
            !(self.clear_expires_at && self.expires_at.is_some()),
            "expiresAt",
            both,
        );
        p.check(
            !(self.clear_usage_limit && self.usage_limit.is_some()),
            "usageLimit",
            both,
        );
        let per_user = self.clear_per_user_limit && self.per_user_limit.is_some();
        p.check(!per_user, "perUserLimit", both);
        p.finish()?;
        let d = Draft::from(terms);
        let keep_or_clear = |clear: bool, new: Option<i64>, old: Option<i64>| {
            if clear { None } else { new.or(old) }
        };
        Draft {
            code: self.code.unwrap_or(d.code),
            kind: self.kind.or(d.kind),
            value: self.value.unwrap_or(d.value),
            min_subtotal_cents: self.min_subtotal_cents.unwrap_or(d.min_subtotal_cents),
            expires_at: if self.clear_expires_at {
                None
            } else {
                self.expires_at.or(d.expires_at)
            },
            usage_limit: keep_or_clear(self.clear_usage_limit, self.usage_limit, d.usage_limit),
            per_user_limit: keep_or_clear(
                self.clear_per_user_limit,
                self.per_user_limit,
                d.per_user_limit,
            ),
            is_active: self.is_active.unwrap_or(d.is_active),
            description: self.description.unwrap_or(d.description),
        }
        .validate()
    }
}

/// A code that names no live coupon (unknown, deleted or deactivated look the same).
pub fn invalid_code() -> Error {
    Error::not_found("Invalid coupon code")
}

pub fn not_found() -> Error {
    Error::not_found("Coupon not found")
}

/// The contract's refusal: its sentence, and `details.reason` for the client to act on.
pub fn refused(r: &CouponRefusal) -> Error {
    Error::conflict(r.message()).with_detail("reason", r.reason())
}

pub fn order_has_another_coupon() -> Error {
    Error::conflict("This order already redeemed another coupon")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> Draft {
        Draft {
            code: " spring-25 ".into(),
            kind: Some(Kind::Percent),
            value: 25,
            is_active: true,
            ..Draft::default()
        }
    }

    #[test]
    fn codes_are_trimmed_upper_cased_and_shaped() {
        assert_eq!(code("couponCode", " save20 ").unwrap(), "SAVE20");
        assert_eq!(code("c", "A_b-9").unwrap(), "A_B-9");
        for bad in [
            "",
            "   ",
            "SAVE 20",
            "ÉTÉ",
            "x'; --",
            &"A".repeat(33),
            &"A".repeat(10_240),
        ] {
            let err = code("couponCode", bad).unwrap_err();
            assert_eq!(err.details["couponCode"], CODE_MESSAGE, "{bad}");
        }
    }

    #[test]
    fn every_bad_field_is_reported() {
        let err = Draft {
            code: "no good".into(),
            kind: Some(Kind::Percent),
            value: 101,
            min_subtotal_cents: -1,
            expires_at: Some("tomorrow".into()),
            usage_limit: Some(0),
            per_user_limit: Some(-3),
            is_active: true,
            description: "x".repeat(501),
        }
        .validate()
        .unwrap_err();
        let fields: Vec<&str> = err.details.keys().map(String::as_str).collect();
        assert_eq!(
            fields,
            [
                "code",
                "description",
                "expiresAt",
                "minSubtotalCents",
                "perUserLimit",
                "usageLimit",
                "value"
            ]
        );
        let fixed = Draft {
            kind: Some(Kind::Fixed),
            value: MAX_FIXED_CENTS + 1,
            ..draft()
        };
        assert!(fixed.validate().unwrap_err().details.contains_key("value"));
        let odd = Draft {
            kind: None,
            ..draft()
        };
        assert!(odd.validate().unwrap_err().details.contains_key("kind"));
    }

    #[test]
    fn patches_change_only_what_they_name() {
        let terms = Draft {
            expires_at: Some("2030-01-01T00:00:00Z".into()),
            usage_limit: Some(10),
            ..draft()
        }
        .validate()
        .unwrap();
        assert_eq!(terms.code, "SPRING-25");
        let same = Patch::default().apply(&terms).unwrap();
        assert_eq!(same, terms);
        let changed = Patch {
            value: Some(30),
            clear_expires_at: true,
            per_user_limit: Some(1),
            ..Patch::default()
        }
        .apply(&terms)
        .unwrap();
        assert_eq!(changed.kind, CouponKind::Percent(30));
        assert_eq!(
            (
                changed.expires_at,
                changed.usage_limit,
                changed.per_user_limit
            ),
            (None, Some(10), Some(1))
        );
        // Switching to fixed keeps the value, which must now be cents.
        let fixed = Patch {
            kind: Some(Kind::Fixed),
            ..Patch::default()
        };
        assert_eq!(fixed.apply(&terms).unwrap().kind, CouponKind::Fixed(25));
        let ambiguous = Patch {
            usage_limit: Some(3),
            clear_usage_limit: true,
            ..Patch::default()
        };
        assert!(
            ambiguous
                .apply(&terms)
                .unwrap_err()
                .details
                .contains_key("usageLimit")
        );
    }
}
