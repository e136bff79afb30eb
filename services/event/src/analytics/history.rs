//! A busy shop's past, generated for benchmarks (`vici seed --history-orders N`): day by day
//! over the last `days`, orders placed by returning and new customers (some cancelled, some
//! refunded), each with the visit that led to it, and browsing visits with recommendation lists
//! shown and clicked until the behaviour budget is spent. The events go through the same
//! projection as live ones, so the numbers are what those events would have made them.
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use vici_bus::CloudEvent;
use vici_store::Db;

use super::facts::DAY_MS;
use super::project::{Projected, Redeliveries, project};

/// Events per transaction.
const BATCH: usize = 5_000;
const LISTS: [&str; 5] = [
    "trending",
    "popular",
    "related",
    "recommended",
    "bought_together",
];

/// What to generate.
#[derive(Clone, Debug)]
pub struct Spec {
    pub orders: u64,
    pub behaviour_events: u64,
    pub days: i64,
    /// The last day's end, unix ms.
    pub until_ms: i64,
    pub seed: u64,
}

/// A product to sell: its id and price.
#[derive(Clone, Debug)]
pub struct Ware {
    pub id: String,
    pub name: String,
    pub price_cents: i64,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Generated {
    pub orders: u64,
    pub behaviour_events: u64,
    pub order_events: u64,
}

struct Generator<'a> {
    rng: StdRng,
    wares: &'a [Ware],
    customers: u64,
    pending: Vec<CloudEvent>,
    made: Generated,
    order_seq: u64,
}

/// Generates `spec`'s history over `wares` into the projection of `db`; `progress` hears the
/// counts after each batch.
pub async fn generate(
    db: &Db,
    wares: &[Ware],
    spec: &Spec,
    mut progress: impl FnMut(&Generated),
) -> anyhow::Result<Generated> {
    anyhow::ensure!(!wares.is_empty(), "a history needs products to sell");
    let mut g = Generator {
        rng: StdRng::seed_from_u64(spec.seed),
        wares,
        customers: (spec.orders * 2 / 5).max(1),
        pending: Vec::with_capacity(BATCH),
        made: Generated::default(),
        order_seq: 0,
    };
    let days = spec.days.max(1);
    let first = spec.until_ms - days * DAY_MS;
    for d in 0..days {
        let share = |total: u64| {
            let (d, days) = (d as u64, days as u64);
            (d + 1) * total / days - d * total / days
        };
        let day_start = first + d * DAY_MS;
        let budget = g.made.behaviour_events + share(spec.behaviour_events);
        for _ in 0..share(spec.orders) {
            let at = day_start + g.rng.random_range(0..DAY_MS);
            g.order(at);
            g.flush_full(db, &mut progress).await?;
        }
        while g.made.behaviour_events < budget {
            let at = day_start + g.rng.random_range(0..DAY_MS);
            g.browse(at, budget - g.made.behaviour_events);
            g.flush_full(db, &mut progress).await?;
        }
    }
    g.flush(db, &mut progress).await?;
    Ok(g.made)
}

impl Generator<'_> {
    fn ware(&mut self) -> Ware {
        self.wares[self.rng.random_range(0..self.wares.len())].clone()
    }

    fn push(&mut self, kind: &str, subject: &str, data: Value, at_ms: i64) {
        let mut e = CloudEvent::new("history", kind, subject, data);
        e.time = chrono::DateTime::from_timestamp_millis(at_ms)
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        if kind.starts_with("behaviour.") {
            self.made.behaviour_events += 1;
        } else {
            self.made.order_events += 1;
        }
        self.pending.push(e);
    }

    /// An order and the visit that led to it: views, cart adds, checkout, payment, purchases;
    /// then perhaps its cancellation or, once delivered, its refund.
    fn order(&mut self, at: i64) {
        self.order_seq += 1;
        self.made.orders += 1;
        let user = uuid_of(0x1000_0000_0000 + self.rng.random_range(0..self.customers));
        let order = uuid_of(0x2000_0000_0000 + self.order_seq);
        let lines: Vec<(Ware, i64)> = (0..self.rng.random_range(1..=3))
            .map(|_| (self.ware(), self.rng.random_range(1..=2)))
            .collect();
        let visit = |extra: Value| {
            let mut data = json!({"userId": user, "sessionId": format!("s-{order}")});
            if let (Some(d), Value::Object(e)) = (data.as_object_mut(), extra) {
                d.extend(e);
            }
            data
        };
        for (w, q) in &lines {
            self.push(
                "behaviour.product_view",
                &user,
                visit(json!({"productId": w.id})),
                at - 600_000,
            );
            let cart =
                visit(json!({"productId": w.id, "quantity": q, "priceCents": w.price_cents}));
            self.push("behaviour.add_to_cart", &user, cart, at - 300_000);
        }
        self.push(
            "behaviour.checkout_start",
            &user,
            visit(json!({})),
            at - 60_000,
        );
        let total: i64 = lines.iter().map(|(w, q)| w.price_cents * q).sum();
        let items: Vec<Value> = lines
            .iter()
            .map(|(w, q)| json!({"productId": w.id, "name": w.name, "quantity": q, "unitPriceCents": w.price_cents}))
            .collect();
        let number = format!("VS-{}", 100_000 + self.order_seq);
        let status = |g: &mut Self, s: &str, at: i64, extra: Value| {
            let mut data = json!({"orderId": order, "orderNumber": number, "userId": user, "status": s,
                "totalCents": total, "currency": "USD", "items": items});
            if let (Some(d), Value::Object(e)) = (data.as_object_mut(), extra) {
                d.extend(e);
            }
            let kind = match s {
                "PENDING" => "order.created".to_string(),
                other => format!("order.{}", other.to_lowercase()),
            };
            g.push(&kind, &order, data, at);
        };
        status(self, "PENDING", at, json!({}));
        let fate = self.rng.random_range(0..100);
        if fate < 3 {
            status(
                self,
                "CANCELLED",
                at + 1_000,
                json!({"reason": "payment declined"}),
            );
            return;
        }
        status(self, "CONFIRMED", at + 1_000, json!({}));
        for (w, q) in &lines {
            let data = visit(
                json!({"orderId": order, "productId": w.id, "quantity": q, "priceCents": w.price_cents}),
            );
            self.push("behaviour.purchase", &user, data, at + 1_000);
        }
        match fate {
            3..=5 => status(
                self,
                "CANCELLED",
                at + 3_600_000,
                json!({"reason": "changed my mind"}),
            ),
            6..=7 => {
                status(self, "DELIVERED", at + 3 * DAY_MS, json!({}));
                status(
                    self,
                    "REFUNDED",
                    at + 5 * DAY_MS,
                    json!({"amountCents": total}),
                );
            }
            _ => {}
        }
    }

    /// A browsing visit of at most `left` events: a list, a recommendation list perhaps
    /// clicked, a few product views, sometimes a cart add.
    fn browse(&mut self, at: i64, left: u64) {
        let signed_in = self.rng.random_bool(0.3);
        let session = format!("b-{}", self.rng.random::<u64>());
        let user =
            signed_in.then(|| uuid_of(0x1000_0000_0000 + self.rng.random_range(0..self.customers)));
        let key = user.clone().unwrap_or_else(|| format!("anon:{session}"));
        let base = match &user {
            Some(u) => json!({"userId": u, "sessionId": session}),
            None => json!({"sessionId": session}),
        };
        let with = |extra: Value| {
            let mut d = base.clone();
            if let (Some(m), Value::Object(e)) = (d.as_object_mut(), extra) {
                m.extend(e);
            }
            d
        };
        let steps = self.rng.random_range(2..=6).min(left);
        for step in 0..steps {
            let w = self.ware();
            let at = at + step as i64 * 30_000;
            let event = match step {
                0 => (
                    "behaviour.product_list_view",
                    with(json!({"listId": "shop", "productIds": [w.id]})),
                ),
                1 => {
                    let list = LISTS[self.rng.random_range(0..LISTS.len())];
                    let request = format!("r-{session}");
                    (
                        "behaviour.recommendation_impression",
                        with(json!({"listType": list, "requestId": request, "productIds": [w.id]})),
                    )
                }
                2 if self.rng.random_bool(0.2) => (
                    "behaviour.product_click",
                    with(json!({"productId": w.id, "requestId": format!("r-{session}")})),
                ),
                _ if self.rng.random_bool(0.1) => (
                    "behaviour.add_to_cart",
                    with(json!({"productId": w.id, "quantity": 1, "priceCents": w.price_cents})),
                ),
                _ => ("behaviour.product_view", with(json!({"productId": w.id}))),
            };
            self.push(event.0, &key, event.1, at);
        }
    }

    async fn flush_full(
        &mut self,
        db: &Db,
        progress: &mut impl FnMut(&Generated),
    ) -> anyhow::Result<()> {
        if self.pending.len() >= BATCH {
            self.flush(db, progress).await?;
        }
        Ok(())
    }

    async fn flush(
        &mut self,
        db: &Db,
        progress: &mut impl FnMut(&Generated),
    ) -> anyhow::Result<()> {
        let batch = std::mem::take(&mut self.pending);
        let now = vici_store::now_ms();
        let Projected { ignored, .. } = project(db, &batch, Redeliveries::Impossible, now).await?;
        anyhow::ensure!(
            ignored == 0,
            "{ignored} generated events were not understood"
        );
        progress(&self.made);
        Ok(())
    }
}

/// A stable UUID-shaped id for generated number `n`.
fn uuid_of(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}
