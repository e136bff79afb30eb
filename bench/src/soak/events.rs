//! The ledger's event checks: which of the events one service wrote another has applied, and
//! whether any status move of an order was announced twice.
use std::collections::HashSet;

use sqlx::{PgPool, Row as _};

use super::ledger::Check;

pub const EXPIRED: &str = "inventory.reservation_expired";

/// Of the events of type `kind` written to `source`'s outbox, how many `consumer` (in `sink`)
/// has applied, and how many there are.
pub async fn applied(
    source: &PgPool,
    kind: &str,
    sink: &PgPool,
    consumer: &str,
) -> anyhow::Result<(usize, usize)> {
    let written: HashSet<String> = sqlx::query_scalar(
        "SELECT DISTINCT payload::json->>'id' FROM outbox WHERE payload::json->>'type' = $1",
    )
    .bind(kind)
    .fetch_all(source)
    .await?
    .into_iter()
    .collect();
    let done: HashSet<String> =
        sqlx::query_scalar("SELECT event_id FROM processed_events WHERE consumer = $1")
            .bind(consumer)
            .fetch_all(sink)
            .await?
            .into_iter()
            .collect();
    Ok((written.intersection(&done).count(), written.len()))
}

/// No lost or duplicated domain event: one event per order per status move, and every event a
/// consumer wants recorded in its ledger (`processed_events`).
pub async fn events_check(
    order_db: &PgPool,
    inventory: &PgPool,
    product_db: &PgPool,
) -> anyhow::Result<Check> {
    let mut broken = Vec::new();
    let duplicated = sqlx::query(
        "SELECT payload::json->>'type' AS t, payload::json->>'subject' AS s, COUNT(*) FROM outbox \
         WHERE topic = 'order-events' GROUP BY t, s HAVING COUNT(*) > 1",
    )
    .fetch_all(order_db)
    .await?;
    for r in &duplicated {
        broken.push(format!(
            "{} about {} written {} times",
            r.get::<String, _>(0),
            r.get::<String, _>(1),
            r.get::<i64, _>(2)
        ));
    }
    let mut looked_at = 0;
    // (where it is written, its type, the consumer's database and name)
    let wanted: [(&PgPool, &str, &PgPool, &str); 3] = [
        (inventory, EXPIRED, order_db, "order"),
        (
            order_db,
            "behaviour.purchase",
            product_db,
            "product-purchases",
        ),
        (order_db, "order.cancelled", product_db, "product-purchases"),
    ];
    for (source, kind, sink, consumer) in wanted {
        let (done, written) = applied(source, kind, sink, consumer).await?;
        looked_at += written;
        if done < written {
            broken.push(format!(
                "{} of {written} {kind} events never applied by {consumer}",
                written - done
            ));
        }
    }
    Ok(Check {
        name: "no lost or duplicated domain event",
        looked_at,
        broken,
    })
}
