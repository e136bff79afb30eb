//! The `coupons` and `coupon_redemptions` tables. A coupon's use count is its redemptions, so
//! giving one back (ReleaseCoupon) is deleting a row and nothing can drift.
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};
use vici_kit::Result;
use vici_pricing::{CouponKind, Usage};
use vici_store::error::{SqlxResultExt as _, Unique, is_unique_violation};
use vici_store::{flag, get_flag};

use crate::domain::coupon::{Coupon, Terms};
use vici_proto::paging::Page;

/// The live-code index, reported as a conflict on the `code` field.
const DUPLICATE_CODE: Unique = Unique {
    table: "coupons",
    column: "code",
    field: "code",
    message: "A coupon with this code already exists",
};

const COLUMNS: &str = "id, code, kind, value, min_subtotal_cents, expires_at, usage_limit, \
     per_user_limit, is_active, description, created_at, updated_at, deleted_at, \
     (SELECT COUNT(*) FROM coupon_redemptions r WHERE r.coupon_id = coupons.id) AS used_count";

fn from_row(r: &AnyRow) -> sqlx::Result<Coupon> {
    let kind: String = r.try_get("kind")?;
    let value: i64 = r.try_get("value")?;
    let kind = match kind.as_str() {
        "percent" => CouponKind::Percent(value),
        "fixed" => CouponKind::Fixed(value),
        other => {
            return Err(sqlx::Error::Decode(
                format!("unknown coupon kind `{other}`").into(),
            ));
        }
    };
    let deleted_at: Option<i64> = r.try_get("deleted_at")?;
    Ok(Coupon {
        id: r.try_get("id")?,
        terms: Terms {
            code: r.try_get("code")?,
            kind,
            min_subtotal_cents: r.try_get("min_subtotal_cents")?,
            expires_at: r.try_get("expires_at")?,
            usage_limit: r.try_get("usage_limit")?,
            per_user_limit: r.try_get("per_user_limit")?,
            is_active: get_flag(r, "is_active")?,
            description: r.try_get("description")?,
        },
        used_count: r.try_get("used_count")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        deleted: deleted_at.is_some(),
    })
}

/// The coupon matching `filter` (one of this module's constant conditions on `$1`); `doing`
/// names the lookup for the log.
async fn one(
    conn: &mut AnyConnection,
    filter: &str,
    value: &str,
    doing: &'static str,
) -> Result<Option<Coupon>> {
    let sql = format!("SELECT {COLUMNS} FROM coupons WHERE {filter}");
    let row = sqlx::query(&sql)
        .bind(value)
        .fetch_optional(conn)
        .await
        .db_err(doing)?;
    row.as_ref().map(from_row).transpose().db_err(doing)
}

/// A coupon by id, deleted ones included (a cart may still hold one).
pub async fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<Coupon>> {
    one(conn, "id = $1", id, "reading a coupon").await
}

/// A coupon by id, unless deleted.
pub async fn get_undeleted(conn: &mut AnyConnection, id: &str) -> Result<Option<Coupon>> {
    let live = "id = $1 AND deleted_at IS NULL";
    one(conn, live, id, "reading an undeleted coupon").await
}

/// The undeleted coupon with this (normalised) code.
pub async fn by_code(conn: &mut AnyConnection, code: &str) -> Result<Option<Coupon>> {
    let live = "code = $1 AND deleted_at IS NULL";
    one(conn, live, code, "reading a coupon by its code").await
}

/// One page of undeleted coupons, newest first, and how many there are.
pub async fn page(conn: &mut AnyConnection, page: Page) -> Result<(Vec<Coupon>, i64)> {
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM coupons WHERE deleted_at IS NULL")
        .fetch_one(&mut *conn)
        .await
        .db_err("counting the coupons")?;
    let sql = format!(
        "SELECT {COLUMNS} FROM coupons WHERE deleted_at IS NULL \
         ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2"
    );
    let rows = sqlx::query(&sql)
        .bind(i64::from(page.limit))
        .bind(page.offset())
        .fetch_all(conn)
        .await
        .db_err("reading a page of coupons")?;
    let coupons = rows
        .iter()
        .map(from_row)
        .collect::<sqlx::Result<_>>()
        .db_err("reading a page of coupons")?;
    Ok((coupons, total))
}

/// Inserts the coupon; with `skip_existing` a coupon whose id or live code exists is left
/// alone (seeding), otherwise a taken live code is a conflict on `code`. Returns whether a row
/// was written.
pub async fn insert(conn: &mut AnyConnection, c: &Coupon, skip_existing: bool) -> Result<bool> {
    let t = &c.terms;
    let sql = format!(
        "INSERT INTO coupons (id, code, kind, value, min_subtotal_cents, expires_at, usage_limit, \
         per_user_limit, is_active, description, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12){}",
        if skip_existing {
            " ON CONFLICT DO NOTHING"
        } else {
            ""
        }
    );
    let done = sqlx::query(&sql)
        .bind(&c.id)
        .bind(&t.code)
        .bind(t.kind_name())
        .bind(t.value())
        .bind(t.min_subtotal_cents)
        .bind(t.expires_at)
        .bind(t.usage_limit)
        .bind(t.per_user_limit)
        .bind(flag(t.is_active))
        .bind(&t.description)
        .bind(c.created_at)
        .bind(c.updated_at)
        .execute(conn)
        .await
        .db_conflict("inserting a coupon", &[DUPLICATE_CODE])?;
    Ok(done.rows_affected() == 1)
}

/// Writes the coupon's terms; a live code another coupon has is a conflict on `code`.
pub async fn update(conn: &mut AnyConnection, c: &Coupon) -> Result<()> {
    let t = &c.terms;
    sqlx::query(
        "UPDATE coupons SET code = $1, kind = $2, value = $3, min_subtotal_cents = $4, \
         expires_at = $5, usage_limit = $6, per_user_limit = $7, is_active = $8, \
         description = $9, updated_at = $10 WHERE id = $11 AND deleted_at IS NULL",
    )
    .bind(&t.code)
    .bind(t.kind_name())
    .bind(t.value())
    .bind(t.min_subtotal_cents)
    .bind(t.expires_at)
    .bind(t.usage_limit)
    .bind(t.per_user_limit)
    .bind(flag(t.is_active))
    .bind(&t.description)
    .bind(c.updated_at)
    .bind(&c.id)
    .execute(conn)
    .await
    .db_conflict("updating a coupon", &[DUPLICATE_CODE])?;
    Ok(())
}

/// Soft-deletes the coupon; `false` when it is unknown or already deleted.
pub async fn delete(conn: &mut AnyConnection, id: &str, now: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE coupons SET deleted_at = $1, updated_at = $1 WHERE id = $2 AND deleted_at IS NULL",
    )
    .bind(now)
    .bind(id)
    .execute(conn)
    .await
    .db_err("deleting a coupon")?;
    Ok(done.rows_affected() == 1)
}

/// How often the coupon was redeemed, in all and by `user_id`.
pub async fn usage(conn: &mut AnyConnection, coupon_id: &str, user_id: &str) -> Result<Usage> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS total, COALESCE(SUM(CASE WHEN user_id = $2 THEN 1 ELSE 0 END), 0) AS mine \
         FROM coupon_redemptions WHERE coupon_id = $1",
    )
    .bind(coupon_id)
    .bind(user_id)
    .fetch_one(conn)
    .await
    .db_err("counting a coupon's redemptions")?;
    usage_from_row(&row).db_err("counting a coupon's redemptions")
}

fn usage_from_row(r: &AnyRow) -> sqlx::Result<Usage> {
    Ok(Usage {
        total: r.try_get("total")?,
        by_user: r.try_get("mine")?,
    })
}

/// Takes the undeleted coupon's row lock for the rest of the transaction (PostgreSQL row lock;
/// SQLite's single writer): redemptions and admin updates of one coupon run one at a time, so
/// two orders can never both take its last use and no update is lost. `false` when there is
/// no such coupon. Read the coupon after this, in the same transaction, to see its terms as
/// they are now.
pub async fn lock(conn: &mut AnyConnection, coupon_id: &str) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE coupons SET updated_at = updated_at WHERE id = $1 AND deleted_at IS NULL",
    )
    .bind(coupon_id)
    .execute(conn)
    .await
    .db_err("locking a coupon")?;
    Ok(done.rows_affected() == 1)
}

/// [`lock`] for the undeleted coupon with this (normalised) code; its id, if there is one.
pub async fn lock_by_code(conn: &mut AnyConnection, code: &str) -> Result<Option<String>> {
    sqlx::query_scalar(
        "UPDATE coupons SET updated_at = updated_at WHERE code = $1 AND deleted_at IS NULL \
         RETURNING id",
    )
    .bind(code)
    .fetch_optional(conn)
    .await
    .db_err("locking a coupon by its code")
}

/// The coupon an order redeemed, if any.
pub async fn redeemed_by(conn: &mut AnyConnection, order_id: &str) -> Result<Option<String>> {
    sqlx::query_scalar("SELECT coupon_id FROM coupon_redemptions WHERE order_id = $1")
        .bind(order_id)
        .fetch_optional(conn)
        .await
        .db_err("reading an order's coupon redemption")
}

/// Records the order's redemption; `false` when the order already has one (a concurrent first
/// redemption of the same order won the race). On PostgreSQL the transaction is then aborted.
pub async fn redeem(
    conn: &mut AnyConnection,
    order_id: &str,
    coupon_id: &str,
    user_id: &str,
    now: i64,
) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO coupon_redemptions (order_id, coupon_id, user_id, redeemed_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(order_id)
    .bind(coupon_id)
    .bind(user_id)
    .bind(now)
    .execute(conn)
    .await;
    match done {
        Err(e) if is_unique_violation(&e) => Ok(false),
        other => other.db_err("inserting a coupon redemption").map(|_| true),
    }
}

/// Gives the order's use back; `false` when it had none.
pub async fn release(conn: &mut AnyConnection, order_id: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM coupon_redemptions WHERE order_id = $1")
        .bind(order_id)
        .execute(conn)
        .await
        .db_err("deleting an order's coupon redemption")?;
    Ok(done.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use vici_store::Backend;

    use super::*;

    /// A second first redemption of one order (the loser of a race) is reported as not
    /// inserted, for the service to answer with the winner's, rather than as a failure.
    async fn a_repeated_redemption_is_not_inserted(backend: Backend) {
        let db = vici_testkit::fresh(backend, "cart").await;
        db.migrate("cart", crate::MIGRATIONS).await.unwrap();
        let mut conn = db.writer().acquire().await.unwrap();
        assert!(
            redeem(&mut conn, "order", "coupon", "user", 1)
                .await
                .unwrap()
        );
        assert!(
            !redeem(&mut conn, "order", "other", "user", 2)
                .await
                .unwrap()
        );
        let kept = redeemed_by(&mut conn, "order").await.unwrap();
        assert_eq!(kept.as_deref(), Some("coupon"), "the first one stays");
        drop(conn);
        vici_testkit::discard(db).await;
    }

    #[tokio::test]
    async fn sqlite_repeated_redemption_is_not_inserted() {
        a_repeated_redemption_is_not_inserted(Backend::Sqlite).await;
    }

    #[tokio::test]
    async fn postgres_repeated_redemption_is_not_inserted() {
        a_repeated_redemption_is_not_inserted(Backend::Postgres).await;
    }
}
