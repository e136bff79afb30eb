//! How a batch of facts changes the projection, worked out in memory: [`Known`] is what the
//! database knew of the batch's orders, visits, lists and products before it; [`Tally`] is
//! what to add to the sums and which rows to write. Applying the batch in order keeps `Known`
//! current, so an order confirmed and cancelled within one batch nets to nothing.
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::facts::{
    DAY_MS, Fact, OrderFact, OrderLine, ProductFact, Step, VisitFact, counts_as_sale, day_of, stage,
};

/// How long after a click on a recommended product its purchase is credited to the list.
pub const ATTRIBUTION_MS: i64 = 7 * DAY_MS;

/// An order as the projection keeps it.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderRow {
    pub id: String,
    pub number: String,
    pub user_id: String,
    pub status: String,
    pub placed_at: i64,
    pub total_cents: i64,
    pub refunded_cents: i64,
    pub item_count: i64,
    /// The lines as they were counted, while the order counts as a sale: taking the order
    /// back out subtracts exactly what was added, whatever became of the product since.
    pub counted: Option<Vec<CountedLine>>,
}

impl OrderRow {
    pub fn day(&self) -> i64 {
        day_of(self.placed_at)
    }

    /// What the order adds to revenue: its total net of refunds.
    fn net_cents(&self) -> i64 {
        self.total_cents - self.refunded_cents
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CountedLine {
    #[serde(rename = "p")]
    pub product: String,
    #[serde(rename = "c", default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(rename = "u")]
    pub units: i64,
    #[serde(rename = "r")]
    pub revenue_cents: i64,
}

/// What the database knew before the batch, of the keys the batch touches.
#[derive(Default, Debug)]
pub struct Known {
    pub orders: HashMap<String, OrderRow>,
    /// (day, visitor) → the stages reached.
    pub visits: HashMap<(i64, String), i64>,
    /// Request id of a recommendation list shown → its list type.
    pub impressions: HashMap<String, String>,
    /// (visitor, product) → the list a click on it came from, and when.
    pub clicks: HashMap<(String, String), (String, i64)>,
    /// Product → its category.
    pub categories: HashMap<String, String>,
}

/// One day's sales and funnel: what a batch adds, or what a period sums to.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DaySums {
    pub revenue_cents: i64,
    pub orders: i64,
    pub sessions: i64,
    pub product_views: i64,
    pub add_to_carts: i64,
    pub checkouts: i64,
    pub purchases: i64,
}

impl DaySums {
    /// The columns of `analytics_days` that hold these sums, in the order of [`DaySums::values`].
    pub const COLUMNS: [&'static str; 7] = [
        "revenue_cents",
        "orders",
        "sessions",
        "product_views",
        "add_to_carts",
        "checkouts",
        "purchases",
    ];

    pub fn values(&self) -> [i64; 7] {
        [
            self.revenue_cents,
            self.orders,
            self.sessions,
            self.product_views,
            self.add_to_carts,
            self.checkouts,
            self.purchases,
        ]
    }
}

/// Units and revenue to add.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Sales {
    pub units: i64,
    pub revenue_cents: i64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ListDelta {
    pub impressions: i64,
    pub clicks: i64,
    pub attributed_cents: i64,
}

/// A customer's change: counted orders added, and the day of the order counted.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CustomerDelta {
    pub orders: i64,
    pub first_day: i64,
}

/// What a batch writes.
#[derive(Default, Debug)]
pub struct Tally {
    /// Orders to write as they now are.
    pub orders: HashMap<String, OrderRow>,
    /// Named counters to add to (`status:<STATUS>`).
    pub counters: HashMap<String, i64>,
    pub days: HashMap<i64, DaySums>,
    pub product_days: HashMap<(i64, String), Sales>,
    pub category_days: HashMap<(i64, String), Sales>,
    pub customers: HashMap<String, CustomerDelta>,
    pub customer_days: HashMap<(i64, String), i64>,
    /// (day, visitor) → the stages now reached.
    pub visits: HashMap<(i64, String), i64>,
    pub list_days: HashMap<(i64, String), ListDelta>,
    /// Lists shown: request id → (list type, when).
    pub impressions: HashMap<String, (String, i64)>,
    pub clicks: HashMap<(String, String), (String, i64)>,
    pub products: HashMap<String, ProductFact>,
    /// Names order lines gave products, for products the projection has no name for.
    pub line_names: HashMap<String, String>,
    pub categories: HashMap<String, String>,
    pub stock: HashMap<String, (i64, Option<i64>)>,
}

/// The category lines of an order without one are filed under.
pub const UNCATEGORISED: &str = "";

impl Tally {
    /// Adds what `fact` changes, reading and updating `known`.
    pub fn apply(&mut self, known: &mut Known, fact: Fact) {
        match fact {
            Fact::Order(o) => self.order(known, o),
            Fact::Visit(v) => self.visit(known, v),
            Fact::Product(p) => {
                if let Some(c) = &p.category {
                    known.categories.insert(p.id.clone(), c.clone());
                }
                let merged = self.products.entry(p.id.clone()).or_insert(ProductFact {
                    id: p.id.clone(),
                    name: None,
                    category: None,
                    active: None,
                });
                merged.name = p.name.or(merged.name.take());
                merged.category = p.category.or(merged.category.take());
                merged.active = p.active.or(merged.active);
            }
            Fact::Category { id, name } => {
                if let Some(name) = name {
                    self.categories.insert(id, name);
                }
            }
            Fact::Stock {
                product,
                available,
                threshold,
            } => {
                let kept = self.stock.entry(product).or_insert((available, None));
                kept.0 = available;
                kept.1 = threshold.or(kept.1);
            }
        }
    }

    fn order(&mut self, known: &mut Known, o: OrderFact) {
        let row = known
            .orders
            .entry(o.order_id.clone())
            .or_insert_with(|| OrderRow {
                id: o.order_id.clone(),
                number: o.order_number.clone(),
                user_id: o.user_id.clone(),
                status: String::new(),
                placed_at: o.at_ms,
                total_cents: o.total_cents,
                refunded_cents: 0,
                item_count: 0,
                counted: None,
            });
        if row.status != o.status {
            if !row.status.is_empty() {
                *self
                    .counters
                    .entry(status_counter(&row.status))
                    .or_default() -= 1;
            }
            *self.counters.entry(status_counter(&o.status)).or_default() += 1;
        }
        let before_net = row.net_cents();
        row.status = o.status;
        row.total_cents = o.total_cents;
        row.item_count = o.lines.iter().map(|l| l.quantity).sum();
        if let Some(refunded) = o.refunded_cents {
            row.refunded_cents = refunded;
        }
        for l in &o.lines {
            self.line_names
                .entry(l.product_id.clone())
                .or_insert_with(|| l.name.clone());
        }
        let day = row.day();
        let counted = row.counted.take();
        match (counted, counts_as_sale(&row.status)) {
            (None, true) => {
                let lines = counted_lines(&o.lines, &known.categories);
                self.count(day, &row.user_id, row.net_cents(), &lines, 1);
                row.counted = Some(lines);
            }
            (Some(lines), false) => self.count(day, &row.user_id, before_net, &lines, -1),
            (Some(lines), true) => {
                self.days.entry(day).or_default().revenue_cents += row.net_cents() - before_net;
                row.counted = Some(lines);
            }
            (None, false) => {}
        }
        self.orders.insert(row.id.clone(), row.clone());
    }

    /// Adds (`sign` 1) or takes back (-1) an order's sale.
    fn count(&mut self, day: i64, user: &str, net_cents: i64, lines: &[CountedLine], sign: i64) {
        let totals = self.days.entry(day).or_default();
        totals.revenue_cents += sign * net_cents;
        totals.orders += sign;
        for l in lines {
            let category = l.category.as_deref().unwrap_or(UNCATEGORISED);
            for sales in [
                self.product_days
                    .entry((day, l.product.clone()))
                    .or_default(),
                self.category_days
                    .entry((day, category.to_string()))
                    .or_default(),
            ] {
                sales.units += sign * l.units;
                sales.revenue_cents += sign * l.revenue_cents;
            }
        }
        let customer = self
            .customers
            .entry(user.to_string())
            .or_insert(CustomerDelta {
                orders: 0,
                first_day: day,
            });
        customer.orders += sign;
        customer.first_day = customer.first_day.min(day);
        *self
            .customer_days
            .entry((day, user.to_string()))
            .or_default() += sign;
    }

    fn visit(&mut self, known: &mut Known, v: VisitFact) {
        let day = day_of(v.at_ms);
        let key = (day, v.visitor.clone());
        let reached = known.visits.entry(key.clone()).or_default();
        let new = v.step.stages() & !*reached;
        if new != 0 {
            *reached |= new;
            self.visits.insert(key, *reached);
            let d = self.days.entry(day).or_default();
            for (bit, count) in [
                (stage::SESSION, &mut d.sessions),
                (stage::PRODUCT_VIEW, &mut d.product_views),
                (stage::ADD_TO_CART, &mut d.add_to_carts),
                (stage::CHECKOUT, &mut d.checkouts),
                (stage::PURCHASE, &mut d.purchases),
            ] {
                if new & bit != 0 {
                    *count += 1;
                }
            }
        }
        match v.step {
            Step::Impression { list_type, request } => {
                self.list(day, &list_type).impressions += 1;
                known.impressions.insert(request.clone(), list_type.clone());
                self.impressions.insert(request, (list_type, v.at_ms));
            }
            Step::Click {
                product,
                list: Some(list),
            }
            | Step::ProductView {
                product,
                list: Some(list),
            } => {
                let Some(list_type) = known.impressions.get(&list).cloned() else {
                    return;
                };
                self.list(day, &list_type).clicks += 1;
                let click = (list_type, v.at_ms);
                known
                    .clicks
                    .insert((v.visitor.clone(), product.clone()), click.clone());
                self.clicks.insert((v.visitor, product), click);
            }
            Step::Purchase {
                product,
                cents,
                session,
            } => {
                let credited = [Some(v.visitor), session]
                    .into_iter()
                    .flatten()
                    .find_map(|who| {
                        let (list, at) = known.clicks.get(&(who, product.clone()))?;
                        (*at <= v.at_ms && v.at_ms - at <= ATTRIBUTION_MS).then(|| list.clone())
                    });
                if let Some(list_type) = credited {
                    self.list(day, &list_type).attributed_cents += cents;
                }
            }
            _ => {}
        }
    }

    fn list(&mut self, day: i64, list_type: &str) -> &mut ListDelta {
        self.list_days
            .entry((day, list_type.to_string()))
            .or_default()
    }
}

/// The counter of orders in `status`.
pub fn status_counter(status: &str) -> String {
    format!("status:{status}")
}

fn counted_lines(lines: &[OrderLine], categories: &HashMap<String, String>) -> Vec<CountedLine> {
    lines
        .iter()
        .map(|l| CountedLine {
            product: l.product_id.clone(),
            category: categories.get(&l.product_id).cloned(),
            units: l.quantity,
            revenue_cents: l.quantity.saturating_mul(l.unit_cents),
        })
        .collect()
}

#[cfg(test)]
#[path = "tally_tests.rs"]
mod tests;
