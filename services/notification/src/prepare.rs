//! What a delivery needs before it can leave: who it goes to — a user (skipped with the reason
//! when their preferences, missing details or the daily limit say so) or the shop's admins —
//! and what it says, rendered in their language from the event and the facts looked up for it
//! (an order's number, products' names).
use std::collections::HashMap;

use serde_json::Value;
use vici_store::now_ms;

use crate::compose::{self, Facts};
use crate::message::{Rendered, Template};
use crate::plan::{ADMINS, Channel, Kind, ORDERED_FIRST, SHIPPING_NEWS, SUPERSEDED, kind};
use crate::recipient::{self, Recipient, Unavailable};
use crate::store::deliveries::Delivery;
use crate::store::{orders_placed, rules};
use crate::worker::{End, Worker, skipped};

/// A delivery ready to leave.
pub(crate) struct Prepared {
    /// `(name, address)` of each recipient: one, but every admin for the shop's own messages.
    pub recipients: Vec<(String, String)>,
    pub rendered: Rendered,
}

impl Prepared {
    /// Where it went, as the log keeps it.
    pub fn recipient(&self) -> String {
        let addresses: Vec<&str> = self.recipients.iter().map(|(_, a)| a.as_str()).collect();
        addresses.join(", ")
    }
}

/// Who a delivery goes to, in which language, with which name in the greeting.
struct Audience {
    recipients: Vec<(String, String)>,
    language: String,
    name: String,
}

const DAY_MS: i64 = 24 * 3600 * 1000;

/// Update and marketing messages: the ones the daily limit counts.
const LIMITED: &[Template] = &[
    Template::Welcome,
    Template::OrderShipped,
    Template::OrderDelivered,
    Template::AbandonedCart,
];

impl Worker {
    /// Who, where and what; or how the delivery ends without leaving.
    pub(crate) async fn prepare(&self, d: &Delivery) -> Result<Prepared, End> {
        let unavailable = |e: Unavailable| self.transient(d, d.attempts + 1, e.0);
        let audience = if d.user_id == ADMINS {
            self.admins().await.map_err(unavailable)?
        } else {
            self.user(d).await?
        };
        let given = |field: &str| d.data.get(field).and_then(Value::as_str);
        let order_number = match (d.template, given("orderNumber"), given("orderId")) {
            (Template::PaymentFailed, None, Some(order)) => {
                let found = self.directory.order_number(&d.user_id, order).await;
                found.map_err(unavailable)?
            }
            _ => None,
        };
        let names = match products_named(d) {
            ids if ids.is_empty() => HashMap::new(),
            ids => self
                .directory
                .product_names(&ids)
                .await
                .map_err(unavailable)?,
        };
        let facts = Facts {
            name: &audience.name,
            base: &self.public_url,
            order_number: order_number.as_deref(),
            product_names: &names,
        };
        let rendered = compose::context(d.template, &d.data, &facts)
            .and_then(|ctx| {
                let rendered = self.templates.render(d.template, &audience.language, &ctx);
                rendered.map_err(|e| e.to_string())
            })
            .map_err(|reason| End::Failed {
                reason,
                exhausted: false,
            })?;
        Ok(Prepared {
            recipients: audience.recipients,
            rendered,
        })
    }

    /// The user a delivery goes to, where, unless they are not to get it (or it is news
    /// already superseded: the intake skips those still waiting, this catches one that was
    /// being tried at that moment and came back for another attempt).
    async fn user(&self, d: &Delivery) -> Result<Audience, End> {
        if SHIPPING_NEWS.contains(&d.template) {
            let later = self.count_in_log(d, rules::later(d, SHIPPING_NEWS)).await?;
            if later > 0 {
                return Err(skipped(SUPERSEDED));
            }
        }
        // Likewise a reminder whose calling off missed it mid-attempt.
        if d.template == Template::AbandonedCart && self.ordered_since(d).await? {
            return Err(skipped(ORDERED_FIRST));
        }
        let who: Recipient = match self.directory.recipient(&d.user_id).await {
            Ok(Some(r)) => r,
            Ok(None) => return Err(skipped("the account does not exist")),
            Err(e) => return Err(self.transient(d, d.attempts + 1, e.0)),
        };
        let mut address = recipient::address(d.template, d.channel, &who).map_err(skipped)?;
        let given = |field: &str| {
            d.data
                .get(field)
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        // A mailed link goes to the address the event names (the one being verified).
        if d.channel == Channel::Email
            && let Some(email) = given("email")
        {
            address = email;
        }
        if kind(d.template) != Kind::Essential
            && d.channel != Channel::InApp
            && self.daily_limit > 0
        {
            let since = now_ms() - DAY_MS;
            let sent = rules::sent_since(&d.user_id, LIMITED, since);
            if self.count_in_log(d, sent).await? >= i64::from(self.daily_limit) {
                let limit = self.daily_limit;
                return Err(skipped(format!(
                    "the user's limit of {limit} such messages a day is reached"
                )));
            }
        }
        let name = given("name").unwrap_or(who.name);
        Ok(Audience {
            recipients: vec![(name.clone(), address)],
            language: who.language,
            name,
        })
    }

    /// Counts the log's rows `query` selects; a log that cannot be read now is a transient
    /// failure of `d`.
    async fn count_in_log(&self, d: &Delivery, query: vici_store::sql::Sql) -> Result<i64, End> {
        let counted = rules::count(&self.db, &query).await;
        counted.map_err(|e| self.transient(d, d.attempts + 1, e.to_string()))
    }

    /// Whether `d`'s user placed an order since `d` was planned.
    async fn ordered_since(&self, d: &Delivery) -> Result<bool, End> {
        let failed = |e: String| self.transient(d, d.attempts + 1, e);
        let mut conn = self
            .db
            .reader()
            .acquire()
            .await
            .map_err(|e| failed(e.to_string()))?;
        let last = orders_placed::last(&mut conn, &d.user_id).await;
        Ok(last
            .map_err(|e| failed(e.to_string()))?
            .is_some_and(|at| at >= d.created_at))
    }

    /// Every active admin with a usable address, for the shop's own messages (in English):
    /// one address the mail cannot even be addressed to must not silence the others.
    async fn admins(&self) -> Result<Audience, Unavailable> {
        let admins = self.directory.admins().await?;
        let recipients = admins
            .into_iter()
            .filter(|a| a.active && a.email.parse::<lettre::Address>().is_ok())
            .map(|a| (a.name, a.email))
            .collect();
        Ok(Audience {
            recipients,
            language: crate::message::FALLBACK_LOCALE.into(),
            name: String::new(),
        })
    }
}

/// The products whose names the message shows: a cart's lines, a low-stock product.
fn products_named(d: &Delivery) -> Vec<String> {
    let id = |v: &Value| {
        v.get("productId")
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    match d.template {
        Template::AbandonedCart => {
            let items = d.data.get("items").and_then(Value::as_array);
            items.into_iter().flatten().filter_map(id).collect()
        }
        Template::LowStock => id(&d.data).into_iter().collect(),
        _ => Vec::new(),
    }
}
