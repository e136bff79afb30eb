//! Coupons: attaching one to a cart, the admin's catalogue of them, and checkout's redemptions.
//! Whether a coupon applies is always `vici_pricing::Coupon::discount` on the subtotal the cart
//! shows, with the use counted from the redemptions table.
use vici_kit::{Error, Result};
use vici_store::error::SqlxResultExt as _;
use vici_store::now_ms;
use vici_types::{CouponId, OrderId, UserId, new_id};

use super::Service;
use crate::domain::coupon::{self, Coupon, Draft, Patch};
use crate::domain::view::{self, View};
use crate::store::coupons as rows;
use vici_proto::paging::Page;

impl Service {
    /// Attaches the coupon named by `code` (replacing any other) when it applies to the cart
    /// as it is now.
    pub async fn apply_coupon(&self, user_id: &UserId, code: &str) -> Result<View> {
        let code = coupon::code("couponCode", code)?;
        let mut s = self.open("apply_coupon", user_id, &[], None).await?;
        let found = rows::by_code(s.conn(), &code)
            .await?
            .filter(Coupon::live)
            .ok_or_else(coupon::invalid_code)?;
        let usage = rows::usage(s.conn(), &found.id, user_id.as_str()).await?;
        let lines = s.basket.lines.clone();
        let (priced, _) = view::render(s.cart.clone(), lines, &s.snapshot, None, s.now);
        found
            .pricing()
            .discount(priced.totals.subtotal_cents, s.now, usage)
            .map_err(|r| coupon::refused(&r))?;
        s.cart.coupon_id = Some(found.id);
        self.commit(s).await
    }

    pub async fn remove_coupon(&self, user_id: &UserId) -> Result<View> {
        let mut s = self.open("remove_coupon", user_id, &[], None).await?;
        s.cart.coupon_id = None;
        self.commit(s).await
    }

    pub async fn coupons(&self, page: Page) -> Result<(Vec<Coupon>, i64)> {
        let mut conn = self
            .db
            .reader()
            .acquire()
            .await
            .db_err("taking a read connection for the coupon list")?;
        rows::page(&mut conn, page).await
    }

    /// One undeleted coupon with its use count.
    pub async fn coupon(&self, coupon_id: &CouponId) -> Result<Coupon> {
        let mut conn = self
            .db
            .reader()
            .acquire()
            .await
            .db_err("taking a read connection for a coupon")?;
        rows::get_undeleted(&mut conn, coupon_id.as_str())
            .await?
            .ok_or_else(coupon::not_found)
    }

    pub async fn create_coupon(&self, draft: Draft) -> Result<Coupon> {
        let now = now_ms();
        let created = Coupon {
            id: new_id(),
            terms: draft.validate()?,
            used_count: 0,
            created_at: now,
            updated_at: now,
            deleted: false,
        };
        let mut conn = self
            .db
            .writer()
            .acquire()
            .await
            .db_err("taking a write connection to create a coupon")?;
        rows::insert(&mut conn, &created, false).await?;
        Ok(created)
    }

    pub async fn update_coupon(&self, coupon_id: &CouponId, patch: Patch) -> Result<Coupon> {
        let coupon_id = coupon_id.as_str();
        let mut tx = self
            .db
            .begin()
            .await
            .db_err("starting the coupon update transaction")?;
        // Lock before reading, so a concurrent update's fields are read, not overwritten.
        if !rows::lock(&mut tx, coupon_id).await? {
            return Err(coupon::not_found());
        }
        let mut found = rows::get_undeleted(&mut tx, coupon_id)
            .await?
            .ok_or_else(coupon::not_found)?;
        found.terms = patch.apply(&found.terms)?;
        found.updated_at = now_ms();
        rows::update(&mut tx, &found).await?;
        tx.commit().await.db_err("committing the coupon update")?;
        Ok(found)
    }

    /// Soft delete: hidden from the list and no longer applies; its redemptions stay.
    pub async fn delete_coupon(&self, coupon_id: &CouponId) -> Result<()> {
        let mut conn = self
            .db
            .writer()
            .acquire()
            .await
            .db_err("taking a write connection to delete a coupon")?;
        if !rows::delete(&mut conn, coupon_id.as_str(), now_ms()).await? {
            return Err(coupon::not_found());
        }
        Ok(())
    }

    /// Counts one use of the coupon for `order_id` when it applies to `subtotal_cents`. A
    /// repeat for the same order answers as the first did without counting again.
    pub async fn redeem_coupon(
        &self,
        code: &str,
        user_id: &UserId,
        order_id: &OrderId,
        subtotal_cents: i64,
    ) -> Result<Coupon> {
        let code = coupon::code("code", code)?;
        let (user_id, order_id) = (user_id.as_str(), order_id.as_str());
        if subtotal_cents < 0 {
            return Err(Error::validation(
                "subtotalCents",
                "The subtotal cannot be negative",
            ));
        }
        match self
            .try_redeem(&code, user_id, order_id, subtotal_cents)
            .await
        {
            // Two first redemptions of one order raced on its key: the loser reads the winner's.
            Err(Redeem::Race) => self.redeemed(&code, order_id).await,
            Err(Redeem::Refused(e)) => Err(e),
            Ok(c) => Ok(c),
        }
    }

    async fn try_redeem(
        &self,
        code: &str,
        user_id: &str,
        order_id: &str,
        subtotal_cents: i64,
    ) -> Result<Coupon, Redeem> {
        let mut tx = self
            .db
            .begin()
            .await
            .db_err("starting the redemption transaction")?;
        // A retry goes by what the order redeemed, even if that coupon was deleted since or
        // its code now names another one.
        if let Some(earlier) = redeemed(&mut tx, order_id).await? {
            return same_coupon(earlier, code).map_err(Redeem::Refused);
        }
        // Lock first, then read: the terms and the count are those no one can change until
        // this redemption commits.
        let locked = rows::lock_by_code(&mut tx, code)
            .await?
            .ok_or_else(coupon::invalid_code)?;
        let found = rows::get_undeleted(&mut tx, &locked)
            .await?
            .ok_or_else(coupon::invalid_code)?;
        if !found.live() {
            return Err(coupon::invalid_code().into());
        }
        let now = now_ms();
        let usage = rows::usage(&mut tx, &found.id, user_id).await?;
        found
            .pricing()
            .discount(subtotal_cents, now, usage)
            .map_err(|r| coupon::refused(&r))?;
        if !rows::redeem(&mut tx, order_id, &found.id, user_id, now).await? {
            return Err(Redeem::Race);
        }
        tx.commit().await.db_err("committing the redemption")?;
        Ok(Coupon {
            used_count: found.used_count + 1,
            ..found
        })
    }

    /// The answer to a repeated redemption of `order_id`.
    async fn redeemed(&self, code: &str, order_id: &str) -> Result<Coupon> {
        let mut conn = self
            .db
            .reader()
            .acquire()
            .await
            .db_err("taking a read connection for an earlier redemption")?;
        let earlier = redeemed(&mut conn, order_id)
            .await?
            .ok_or_else(coupon::invalid_code)?;
        same_coupon(earlier, code)
    }

    /// Gives back the use `order_id` counted, if any (idempotent).
    pub async fn release_coupon(&self, order_id: &OrderId) -> Result<()> {
        let mut conn = self
            .db
            .writer()
            .acquire()
            .await
            .db_err("taking a write connection to release a coupon")?;
        rows::release(&mut conn, order_id.as_str()).await?;
        Ok(())
    }
}

/// Why a first redemption did not complete.
enum Redeem {
    Refused(Error),
    Race,
}

impl From<Error> for Redeem {
    fn from(e: Error) -> Self {
        Redeem::Refused(e)
    }
}

/// The coupon `order_id` redeemed, deleted or not.
async fn redeemed(conn: &mut sqlx::AnyConnection, order_id: &str) -> Result<Option<Coupon>> {
    let Some(coupon_id) = rows::redeemed_by(conn, order_id).await? else {
        return Ok(None);
    };
    rows::get(conn, &coupon_id).await?.map_or_else(
        || {
            Err(Error::internal(anyhow::anyhow!(
                "redeemed coupon {coupon_id} is missing"
            )))
        },
        |c| Ok(Some(c)),
    )
}

/// A repeat is fine for the coupon the order redeemed (named by its code, even if that code now
/// belongs to another coupon); another coupon for that order is not.
fn same_coupon(redeemed: Coupon, code: &str) -> Result<Coupon> {
    if redeemed.terms.code == code {
        Ok(redeemed)
    } else {
        Err(coupon::order_has_another_coupon())
    }
}
