//! The `carts` and `cart_lines` tables: finding a user's cart, its lines in the order they were
//! added, the statements a change is made of, and the idle-cart queries of the sweeper.
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};
use vici_kit::Result;
use vici_store::error::SqlxResultExt as _;

use crate::domain::cart::{Cart, ItemKey, Line, Write};
use crate::domain::view::Repricing;

const CART_COLUMNS: &str = "id, user_id, coupon_id, created_at, updated_at, version";

pub(super) fn cart_from_row(r: &AnyRow) -> sqlx::Result<Cart> {
    Ok(Cart {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        coupon_id: r.try_get("coupon_id")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        version: r.try_get("version")?,
    })
}

fn line_from_row(r: &AnyRow) -> sqlx::Result<Line> {
    Ok(Line {
        id: r.try_get("id")?,
        item: ItemKey {
            product_id: r.try_get("product_id")?,
            variant_id: r.try_get("variant_id")?,
        },
        quantity: r.try_get("quantity")?,
        unit_price_cents: r.try_get("unit_price_cents")?,
        currency: r.try_get("currency")?,
        added_at: r.try_get("added_at")?,
    })
}

pub async fn find(conn: &mut AnyConnection, user_id: &str) -> Result<Option<Cart>> {
    let sql = format!("SELECT {CART_COLUMNS} FROM carts WHERE user_id = $1");
    let row = sqlx::query(&sql)
        .bind(user_id)
        .fetch_optional(conn)
        .await
        .db_err("reading a user's cart")?;
    row.as_ref()
        .map(cart_from_row)
        .transpose()
        .db_err("reading a user's cart")
}

/// Creates the user's empty cart unless there is one. Not a mutation: an existing cart is left
/// exactly as it is.
pub async fn create_missing(conn: &mut AnyConnection, user_id: &str, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO carts (id, user_id, version, created_at, updated_at) VALUES ($1, $2, 0, $3, $3) \
         ON CONFLICT (user_id) DO NOTHING",
    )
    .bind(vici_types::new_id())
    .bind(user_id)
    .bind(now)
    .execute(conn)
    .await
    .db_err("creating a user's empty cart")?;
    Ok(())
}

/// The cart's lines, oldest first (UUIDv7 ids break ties in creation order).
pub async fn lines(conn: &mut AnyConnection, cart_id: &str) -> Result<Vec<Line>> {
    let rows = sqlx::query(
        "SELECT id, product_id, variant_id, quantity, unit_price_cents, currency, added_at \
         FROM cart_lines WHERE cart_id = $1 ORDER BY added_at, id",
    )
    .bind(cart_id)
    .fetch_all(conn)
    .await
    .db_err("reading the cart's lines")?;
    rows.iter()
        .map(line_from_row)
        .collect::<sqlx::Result<_>>()
        .db_err("reading the cart's lines")
}

/// The products in the user's cart, read without the lock: what to ask the catalogue before a
/// mutation takes it.
pub async fn product_ids(conn: &mut AnyConnection, user_id: &str) -> Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT DISTINCT l.product_id FROM cart_lines l JOIN carts c ON c.id = l.cart_id \
         WHERE c.user_id = $1",
    )
    .bind(user_id)
    .fetch_all(conn)
    .await
    .db_err("reading the products in a user's cart")
}

pub async fn write(conn: &mut AnyConnection, cart_id: &str, w: &Write) -> Result<()> {
    let (doing, query) = match w {
        Write::Insert(l) => (
            "adding a cart line",
            sqlx::query(
                "INSERT INTO cart_lines (id, cart_id, product_id, variant_id, quantity, \
             unit_price_cents, currency, added_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&l.id)
            .bind(cart_id)
            .bind(&l.item.product_id)
            .bind(&l.item.variant_id)
            .bind(l.quantity)
            .bind(l.unit_price_cents)
            .bind(&l.currency)
            .bind(l.added_at),
        ),
        Write::Quantity { line_id, quantity } => (
            "changing a cart line's quantity",
            sqlx::query("UPDATE cart_lines SET quantity = $1 WHERE id = $2 AND cart_id = $3")
                .bind(*quantity)
                .bind(line_id)
                .bind(cart_id),
        ),
        Write::Delete { line_id } => (
            "removing a cart line",
            sqlx::query("DELETE FROM cart_lines WHERE id = $1 AND cart_id = $2")
                .bind(line_id)
                .bind(cart_id),
        ),
    };
    query.execute(conn).await.db_err(doing)?;
    Ok(())
}

pub async fn set_coupon(
    conn: &mut AnyConnection,
    cart_id: &str,
    coupon_id: Option<&str>,
) -> Result<()> {
    sqlx::query("UPDATE carts SET coupon_id = $1 WHERE id = $2")
        .bind(coupon_id)
        .bind(cart_id)
        .execute(conn)
        .await
        .db_err("setting the cart's coupon")?;
    Ok(())
}

/// Stores the prices a rendering showed. Only a line still at the price that rendering saw
/// changes, so a slower read can never put back an older price over a newer one.
pub async fn reprice(conn: &mut AnyConnection, changes: &[Repricing]) -> Result<()> {
    for c in changes {
        sqlx::query(
            "UPDATE cart_lines SET unit_price_cents = $1 WHERE id = $2 AND unit_price_cents = $3",
        )
        .bind(c.to)
        .bind(&c.line_id)
        .bind(c.from)
        .execute(&mut *conn)
        .await
        .db_err("storing a cart line's new price")?;
    }
    Ok(())
}

/// Carts with lines, idle since `idle_since` or earlier and not announced since their last
/// mutation, oldest first.
pub async fn abandoned(conn: &mut AnyConnection, idle_since: i64, limit: i64) -> Result<Vec<Cart>> {
    let sql = format!(
        "SELECT {CART_COLUMNS} FROM carts c WHERE updated_at <= $1 AND abandoned_at IS NULL \
         AND EXISTS (SELECT 1 FROM cart_lines l WHERE l.cart_id = c.id) \
         ORDER BY updated_at, id LIMIT $2"
    );
    let rows = sqlx::query(&sql)
        .bind(idle_since)
        .bind(limit)
        .fetch_all(conn)
        .await
        .db_err("listing abandoned carts")?;
    rows.iter()
        .map(cart_from_row)
        .collect::<sqlx::Result<_>>()
        .db_err("listing abandoned carts")
}

/// Marks the cart announced, unless a mutation locked it since `cart` was read (which also
/// re-arms it): `false` then. Compared on `version`, which every lock bumps, not on
/// `updated_at`, which a mutation within the same millisecond leaves as it was. Not a mutation,
/// so its time is left alone.
pub async fn mark_abandoned(conn: &mut AnyConnection, cart: &Cart, now: i64) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE carts SET abandoned_at = $1 WHERE id = $2 AND abandoned_at IS NULL AND version = $3",
    )
    .bind(now)
    .bind(&cart.id)
    .bind(cart.version)
    .execute(conn)
    .await
    .db_err("marking a cart announced as abandoned")?;
    Ok(done.rows_affected() == 1)
}

/// Ids of carts idle since `idle_since` or earlier.
pub async fn expired(conn: &mut AnyConnection, idle_since: i64, limit: i64) -> Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT id FROM carts WHERE updated_at <= $1 ORDER BY updated_at, id LIMIT $2",
    )
    .bind(idle_since)
    .bind(limit)
    .fetch_all(conn)
    .await
    .db_err("listing expired carts")
}

/// Deletes the cart and its lines if it is still idle since `idle_since`: the first statement
/// takes the cart's row lock, so a mutation racing the purge either lands first (and the cart
/// stays) or waits and then starts a new cart.
pub async fn delete_if_idle(
    conn: &mut AnyConnection,
    cart_id: &str,
    idle_since: i64,
) -> Result<bool> {
    let locked =
        sqlx::query("UPDATE carts SET version = version + 1 WHERE id = $1 AND updated_at <= $2")
            .bind(cart_id)
            .bind(idle_since)
            .execute(&mut *conn)
            .await
            .db_err("locking an idle cart to delete it")?;
    if locked.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query("DELETE FROM cart_lines WHERE cart_id = $1")
        .bind(cart_id)
        .execute(&mut *conn)
        .await
        .db_err("deleting an idle cart's lines")?;
    sqlx::query("DELETE FROM carts WHERE id = $1")
        .bind(cart_id)
        .execute(&mut *conn)
        .await
        .db_err("deleting an idle cart")?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use vici_store::Backend;

    use super::*;

    /// A mutation between the sweeper's selection and its re-check, within the millisecond of
    /// the cart's last one (so `updated_at` stays as it was), still stops the announcement.
    async fn a_same_millisecond_mutation_stops_the_announcement(backend: Backend) {
        let db = vici_testkit::fresh(backend, "cart").await;
        db.migrate("cart", crate::MIGRATIONS).await.unwrap();
        let at = 1_000;
        let mut tx = db.begin().await.unwrap();
        let cart = crate::store::lock_cart(&mut tx, "u", at).await.unwrap();
        let line = Line {
            id: "l".into(),
            item: ItemKey {
                product_id: "p".into(),
                variant_id: String::new(),
            },
            quantity: 1,
            unit_price_cents: 100,
            currency: "USD".into(),
            added_at: at,
        };
        write(&mut tx, &cart.id, &Write::Insert(line))
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let mut conn = db.writer().acquire().await.unwrap();
        let idle = abandoned(&mut conn, at, 10).await.unwrap();
        assert_eq!(idle.len(), 1);
        let again = crate::store::lock_cart(&mut conn, "u", at).await.unwrap();
        assert_eq!(again.updated_at, idle[0].updated_at, "same millisecond");
        assert!(
            !mark_abandoned(&mut conn, &idle[0], at + 1).await.unwrap(),
            "the cart changed after it was selected"
        );
        let idle = abandoned(&mut conn, at, 10).await.unwrap();
        assert!(mark_abandoned(&mut conn, &idle[0], at + 1).await.unwrap());
        drop(conn);
        vici_testkit::discard(db).await;
    }

    #[tokio::test]
    async fn sqlite_same_millisecond_mutation_stops_the_announcement() {
        a_same_millisecond_mutation_stops_the_announcement(Backend::Sqlite).await;
    }

    #[tokio::test]
    async fn postgres_same_millisecond_mutation_stops_the_announcement() {
        a_same_millisecond_mutation_stops_the_announcement(Backend::Postgres).await;
    }
}
