//! Coupon rules: what a coupon takes off a subtotal, or why it does not apply right now.

use crate::{dollars, ratio_half_up};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CouponKind {
    /// Whole percent off the subtotal, 1–100.
    Percent(i64),
    /// A fixed amount off, never more than the subtotal.
    Fixed(i64),
}

/// The terms of one coupon, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coupon {
    pub kind: CouponKind,
    /// The subtotal must reach this (the minimum itself qualifies).
    pub min_subtotal_cents: i64,
    /// Milliseconds since the epoch after which the coupon no longer applies.
    pub expires_at_ms: Option<i64>,
    /// Redemptions allowed across all users.
    pub usage_limit: Option<i64>,
    /// Redemptions allowed per user.
    pub per_user_limit: Option<i64>,
}

/// How often a coupon has been redeemed, in all and by the user asking.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    pub total: i64,
    pub by_user: i64,
}

/// Why a coupon does not apply; `reason()` is the contract's `details.reason`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CouponRefusal {
    Expired,
    Minimum { min_subtotal_cents: i64 },
    Used,
}

impl CouponRefusal {
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Expired => "expired",
            Self::Minimum { .. } => "minimum",
            Self::Used => "used",
        }
    }

    /// The sentence the shopper reads (the contract's wording).
    pub fn message(&self) -> String {
        match self {
            Self::Expired => "This coupon has expired".into(),
            Self::Minimum { min_subtotal_cents } => {
                format!("Minimum order {} required", dollars(*min_subtotal_cents))
            }
            Self::Used => "This coupon has already been used up".into(),
        }
    }
}

impl Coupon {
    /// The discount on `subtotal_cents` at `now_ms`, or why there is none. Checked in the order a
    /// shopper can act on least to most: expiry, usage, then the minimum.
    pub fn discount(
        &self,
        subtotal_cents: i64,
        now_ms: i64,
        usage: Usage,
    ) -> Result<i64, CouponRefusal> {
        if self.expires_at_ms.is_some_and(|at| now_ms >= at) {
            return Err(CouponRefusal::Expired);
        }
        let used_up = |limit: Option<i64>, used: i64| limit.is_some_and(|l| used >= l);
        if used_up(self.usage_limit, usage.total) || used_up(self.per_user_limit, usage.by_user) {
            return Err(CouponRefusal::Used);
        }
        if subtotal_cents < self.min_subtotal_cents {
            return Err(CouponRefusal::Minimum {
                min_subtotal_cents: self.min_subtotal_cents,
            });
        }
        let off = match self.kind {
            CouponKind::Percent(pct) => ratio_half_up(subtotal_cents, pct, 100),
            CouponKind::Fixed(cents) => cents,
        };
        Ok(off.clamp(0, subtotal_cents))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn percent(pct: i64, min: i64) -> Coupon {
        Coupon {
            kind: CouponKind::Percent(pct),
            min_subtotal_cents: min,
            expires_at_ms: None,
            usage_limit: None,
            per_user_limit: None,
        }
    }

    #[test]
    fn percent_rounds_half_up_and_the_minimum_itself_qualifies() {
        let save20 = percent(20, 5_000);
        assert_eq!(save20.discount(5_000, 0, Usage::default()), Ok(1_000));
        // 20 % of 50.03 = 10.006 → 10.01; of 50.02 = 10.004 → 10.00.
        assert_eq!(save20.discount(5_003, 0, Usage::default()), Ok(1_001));
        assert_eq!(save20.discount(5_002, 0, Usage::default()), Ok(1_000));
        let refusal = save20.discount(4_999, 0, Usage::default()).unwrap_err();
        assert_eq!(refusal.reason(), "minimum");
        assert_eq!(refusal.message(), "Minimum order $50.00 required");
        // 10 % of 0.05 = 0.005 → 0.01 (half-up).
        assert_eq!(percent(10, 0).discount(5, 0, Usage::default()), Ok(1));
    }

    #[test]
    fn fixed_never_exceeds_the_subtotal() {
        let flat = Coupon {
            kind: CouponKind::Fixed(1_500),
            ..percent(0, 1_000)
        };
        assert_eq!(flat.discount(1_200, 0, Usage::default()), Ok(1_200));
        assert_eq!(flat.discount(10_000, 0, Usage::default()), Ok(1_500));
    }

    #[test]
    fn expiry_and_limits_refuse_with_their_reason() {
        let c = Coupon {
            expires_at_ms: Some(1_000),
            usage_limit: Some(5),
            per_user_limit: Some(1),
            ..percent(10, 0)
        };
        assert_eq!(c.discount(100, 999, Usage::default()), Ok(10));
        assert_eq!(
            c.discount(100, 1_000, Usage::default()),
            Err(CouponRefusal::Expired)
        );
        let used = |total, by_user| c.discount(100, 0, Usage { total, by_user });
        assert_eq!(used(5, 0), Err(CouponRefusal::Used));
        assert_eq!(used(1, 1), Err(CouponRefusal::Used));
        assert_eq!(used(4, 0), Ok(10));
        assert_eq!(CouponRefusal::Expired.message(), "This coupon has expired");
    }
}
