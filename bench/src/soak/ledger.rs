//! The soak's ledger: read every service's PostgreSQL database once the shop has settled and
//! check the money, stock and event invariants across them. Each check counts what it looked at
//! and lists what broke it; the ledger is clean when no check lists anything.
use std::collections::{BTreeMap, HashMap};

use sqlx::{PgPool, Row as _};

use super::events::{EXPIRED, applied, events_check};
use super::shoppers::Ack;

/// `VICI_DATABASE_URL` of the deployment, `{service}` in it.
pub struct Databases {
    pub template: String,
}

impl Databases {
    pub async fn open(&self, service: &str) -> anyhow::Result<PgPool> {
        let url = self.template.replace("{service}", service);
        Ok(PgPool::connect(&url).await?)
    }

    /// Drops every service's database (its services are told to let go: `WITH (FORCE)`).
    pub async fn drop_all(&self) -> anyhow::Result<()> {
        let (server, pattern) = self
            .template
            .rsplit_once('/')
            .ok_or_else(|| anyhow::anyhow!("a database URL names its database"))?;
        let admin = PgPool::connect(&format!("{server}/postgres")).await?;
        for service in vici_kit::ServiceName::ALL
            .into_iter()
            .filter(|s| s.has_database())
        {
            let name = pattern.replace("{service}", service.as_str());
            sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .execute(&admin)
                .await?;
        }
        admin.close().await;
        Ok(())
    }
}

/// Stock per (product, variant): (available, reserved).
pub type Stock = BTreeMap<(String, String), (i64, i64)>;

pub async fn stock(inventory: &PgPool) -> anyhow::Result<Stock> {
    let rows = sqlx::query("SELECT product_id, variant_id, available, reserved FROM stock")
        .fetch_all(inventory)
        .await?;
    Ok(rows
        .iter()
        .map(|r| ((r.get(0), r.get(1)), (r.get(2), r.get(3))))
        .collect())
}

/// One check: how many things it looked at, and each that broke it.
pub struct Check {
    pub name: &'static str,
    pub looked_at: usize,
    pub broken: Vec<String>,
}

/// Whether the shop is at rest: every outbox published, no saga running, every reservation
/// past its time swept and the order service told of it. What still moves, when something does.
pub async fn unsettled(db: &Databases, now_ms: i64) -> anyhow::Result<Option<String>> {
    for service in vici_kit::ServiceName::ALL {
        if !service.has_database() {
            continue;
        }
        let pool = db.open(service.as_str()).await?;
        let pending: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE published_at IS NULL")
                .fetch_one(&pool)
                .await?;
        pool.close().await;
        if pending > 0 {
            return Ok(Some(format!("{pending} events of {service} unpublished")));
        }
    }
    let order = db.open("order").await?;
    let inventory = db.open("inventory").await?;
    let running: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sagas WHERE state = 'running'")
        .fetch_one(&order)
        .await?;
    let overdue: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM reservations WHERE status = 'HELD' AND expires_at < $1",
    )
    .bind(now_ms)
    .fetch_one(&inventory)
    .await?;
    let expiries = applied(&inventory, EXPIRED, &order, "order").await?;
    order.close().await;
    inventory.close().await;
    Ok(if running > 0 {
        Some(format!("{running} sagas running"))
    } else if overdue > 0 {
        Some(format!(
            "{overdue} reservations past their time not yet swept"
        ))
    } else if expiries.0 < expiries.1 {
        Some(format!(
            "{} of {} expiries applied to orders",
            expiries.0, expiries.1
        ))
    } else {
        None
    })
}

struct OrderRow {
    status: String,
    total_cents: i64,
    method: String,
}

struct PaymentRow {
    order_id: String,
    status: String,
    amount_cents: i64,
    refunded_cents: i64,
}

/// Every check over the settled shop; `before` is the stock when the load began.
pub async fn check(
    db: &Databases,
    before: &Stock,
    acks: &[(String, Ack)],
    since_ms: i64,
    now_ms: i64,
) -> anyhow::Result<Vec<Check>> {
    let order_db = db.open("order").await?;
    let inventory = db.open("inventory").await?;
    let payment_db = db.open("payment").await?;
    let product_db = db.open("product").await?;
    let orders: HashMap<String, OrderRow> =
        sqlx::query("SELECT id, status, total_cents, draft::json->>'paymentMethod' FROM orders")
            .fetch_all(&order_db)
            .await?
            .iter()
            .map(|r| {
                let method: Option<String> = r.get(3);
                (
                    r.get(0),
                    OrderRow {
                        status: r.get(1),
                        total_cents: r.get(2),
                        method: method.unwrap_or_default(),
                    },
                )
            })
            .collect();
    let payments: Vec<PaymentRow> =
        sqlx::query("SELECT order_id, status, amount_cents, refunded_cents FROM payments")
            .fetch_all(&payment_db)
            .await?
            .iter()
            .map(|r| PaymentRow {
                order_id: r.get(0),
                status: r.get(1),
                amount_cents: r.get(2),
                refunded_cents: r.get(3),
            })
            .collect();
    let reservations: HashMap<String, String> =
        sqlx::query("SELECT order_id, status FROM reservations")
            .fetch_all(&inventory)
            .await?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
    let mut checks = vec![
        stock_check(&inventory, before, since_ms).await?,
        charges_check(&orders, &payments),
        orders_check(&orders, &payments, &reservations),
        acks_check(&orders, acks),
    ];
    checks.push(overdue_check(&inventory, now_ms).await?);
    checks.push(events_check(&order_db, &inventory, &product_db).await?);
    for pool in [order_db, inventory, payment_db, product_db] {
        pool.close().await;
    }
    Ok(checks)
}

/// No oversell: every unit the load began with, or an admin added since, is still available,
/// held for a reservation, or in a committed one; held units match the held reservations;
/// nothing is negative.
async fn stock_check(inventory: &PgPool, before: &Stock, since_ms: i64) -> anyhow::Result<Check> {
    let after = stock(inventory).await?;
    let added: HashMap<(String, String), i64> = sqlx::query(
        "SELECT product_id, variant_id, SUM(delta)::BIGINT FROM movements \
         WHERE kind = 'ADJUST' AND at >= $1 GROUP BY product_id, variant_id",
    )
    .bind(since_ms)
    .fetch_all(inventory)
    .await?
    .iter()
    .map(|r| ((r.get(0), r.get(1)), r.get(2)))
    .collect();
    let lines = sqlx::query(
        "SELECT l.product_id, l.variant_id, r.status, SUM(l.quantity)::BIGINT FROM reservation_lines l \
         JOIN reservations r ON r.id = l.reservation_id WHERE r.status IN ('HELD', 'COMMITTED') \
         GROUP BY l.product_id, l.variant_id, r.status",
    )
    .fetch_all(inventory)
    .await?;
    let mut held: HashMap<(String, String), i64> = HashMap::new();
    let mut sold: HashMap<(String, String), i64> = HashMap::new();
    for r in &lines {
        let key = (r.get::<String, _>(0), r.get::<String, _>(1));
        let n: i64 = r.get(3);
        match r.get::<String, _>(2).as_str() {
            "HELD" => *held.entry(key).or_default() += n,
            _ => *sold.entry(key).or_default() += n,
        }
    }
    let mut broken = Vec::new();
    for (key, &(available, reserved)) in &after {
        let (a0, r0) = before.get(key).copied().unwrap_or((0, 0));
        let had = a0 + r0 + added.get(key).copied().unwrap_or(0);
        let sold_units = sold.get(key).copied().unwrap_or(0);
        if had != available + reserved + sold_units {
            broken.push(format!("{key:?}: had {had} units, now {available} available + {reserved} held + {sold_units} sold"));
        }
        if reserved != held.get(key).copied().unwrap_or(0) || available < 0 {
            broken.push(format!(
                "{key:?}: {reserved} held in stock, {} in held reservations, {available} available",
                held.get(key).copied().unwrap_or(0)
            ));
        }
    }
    Ok(Check {
        name: "no oversell: stock conserved, held units match held reservations",
        looked_at: after.len(),
        broken,
    })
}

/// No reservation held past its time (and the sweeper's minute).
async fn overdue_check(inventory: &PgPool, now_ms: i64) -> anyhow::Result<Check> {
    let rows = sqlx::query("SELECT order_id, expires_at FROM reservations WHERE status = 'HELD'")
        .fetch_all(inventory)
        .await?;
    let broken = rows
        .iter()
        .filter(|r| r.get::<i64, _>(1) < now_ms - 60_000)
        .map(|r| {
            format!(
                "order {}: held {} s past its time",
                r.get::<String, _>(0),
                (now_ms - r.get::<i64, _>(1)) / 1000
            )
        })
        .collect();
    Ok(Check {
        name: "no reservation past its time",
        looked_at: rows.len(),
        broken,
    })
}

/// No double charge, no charge without an order, no authorisation left open.
fn charges_check(orders: &HashMap<String, OrderRow>, payments: &[PaymentRow]) -> Check {
    let mut broken = Vec::new();
    let mut taken: HashMap<&str, usize> = HashMap::new();
    for p in payments {
        let money_taken = matches!(
            p.status.as_str(),
            "SUCCEEDED" | "REFUNDED" | "PARTIALLY_REFUNDED"
        );
        if money_taken {
            *taken.entry(p.order_id.as_str()).or_default() += 1;
            if !orders.contains_key(&p.order_id) {
                broken.push(format!(
                    "a {} payment for order {} that does not exist",
                    p.status, p.order_id
                ));
            }
        }
        if matches!(p.status.as_str(), "AUTHORIZED" | "PROCESSING" | "PENDING") {
            broken.push(format!("order {}: a payment left {}", p.order_id, p.status));
        }
    }
    for (order, n) in taken {
        if n > 1 {
            broken.push(format!("order {order}: charged {n} times"));
        }
    }
    Check {
        name: "no double charge, no charge without an order",
        looked_at: payments.len(),
        broken,
    }
}

/// Each order's money and stock agree with its status.
fn orders_check(
    orders: &HashMap<String, OrderRow>,
    payments: &[PaymentRow],
    reservations: &HashMap<String, String>,
) -> Check {
    let mut by_order: HashMap<&str, Vec<&PaymentRow>> = HashMap::new();
    for p in payments {
        by_order.entry(p.order_id.as_str()).or_default().push(p);
    }
    let mut broken = Vec::new();
    for (id, o) in orders {
        let paid = by_order.get(id.as_str()).into_iter().flatten();
        let captured: Vec<_> = paid
            .filter(|p| p.status != "FAILED" && p.status != "CANCELLED")
            .collect();
        let reservation = reservations.get(id).map(String::as_str);
        let card = o.method != "cash_on_delivery";
        match o.status.as_str() {
            "CONFIRMED" => {
                let one = captured.len() == 1
                    && captured[0].status == "SUCCEEDED"
                    && captured[0].amount_cents == o.total_cents;
                if card && !one {
                    broken.push(format!("confirmed order {id} is not paid its total once"));
                }
                if reservation != Some("COMMITTED") {
                    broken.push(format!("confirmed order {id}: reservation {reservation:?}"));
                }
            }
            "CANCELLED" => {
                if captured
                    .iter()
                    .any(|p| p.status != "REFUNDED" || p.refunded_cents != p.amount_cents)
                {
                    broken.push(format!("cancelled order {id} kept money"));
                }
                if matches!(reservation, Some("HELD" | "COMMITTED")) {
                    broken.push(format!("cancelled order {id}: stock still {reservation:?}"));
                }
            }
            "PAYMENT_PENDING" => {
                if !captured.is_empty() || reservation != Some("HELD") {
                    broken.push(format!(
                        "order awaiting payment {id}: {} payments, reservation {reservation:?}",
                        captured.len()
                    ));
                }
            }
            other => broken.push(format!("order {id} left {other}")),
        }
    }
    Check {
        name: "every order's money and stock match its status",
        looked_at: orders.len(),
        broken,
    }
}

/// Every order the shop acknowledged is there, as acknowledged.
fn acks_check(orders: &HashMap<String, OrderRow>, acks: &[(String, Ack)]) -> Check {
    let mut last: HashMap<&str, Ack> = HashMap::new();
    for (id, ack) in acks {
        last.insert(id.as_str(), *ack);
    }
    let mut broken = Vec::new();
    for (id, ack) in &last {
        let status = orders.get(*id).map(|o| o.status.as_str());
        let fine = match ack {
            Ack::Confirmed | Ack::Paid => status == Some("CONFIRMED"),
            Ack::Cancelled => status == Some("CANCELLED"),
            Ack::CancelAsked => {
                matches!(status, Some("CONFIRMED" | "CANCELLED" | "PAYMENT_PENDING"))
            }
            // Then paid, cancelled or expired by the shop: present is what was promised.
            Ack::Placed => status.is_some(),
        };
        if !fine {
            broken.push(format!("order {id} acknowledged {ack:?}, found {status:?}"));
        }
    }
    Check {
        name: "every acknowledged order present, as acknowledged",
        looked_at: last.len(),
        broken,
    }
}
