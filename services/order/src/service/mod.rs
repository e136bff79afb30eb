//! The order service's use cases behind the gRPC handlers: checking what callers send, reads
//! and lists (`mod`), quotes and checkout (`checkout`), idempotency (`idempotent`), and
//! cancellations and admin moves (`admin`). The saga itself is `crate::saga`. Requests come in
//! and answers go out as the service's own types; the handlers translate the messages.
pub mod admin;
pub mod checkout;
pub mod idempotent;

use std::sync::Arc;

use vici_kit::{Error, Result};
use vici_proto::paging::Page;
use vici_types::{OrderId, UserId};

use crate::domain::order::{HistoryEntry, Order};
use crate::domain::status::OrderStatus;
use crate::domain::time_bound;
use crate::moves::not_found;
use crate::saga::Engine;
use crate::store::orders::{self, Filter};

pub struct Service {
    pub engine: Arc<Engine>,
}

/// Who asks for an order: its owner, or an admin (`any_user`).
pub struct Caller {
    pub user_id: UserId,
    pub any_user: bool,
}

/// A list of orders as the caller asked for it: a page, filtered by status and (admins) by
/// creation time and customer.
pub struct ListQuery {
    pub caller: Caller,
    pub page: Page,
    pub status: Option<OrderStatus>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub customer: Option<String>,
}

impl Service {
    /// The order `order_id` as `caller` may see it: another user's is NOT_FOUND unless admin.
    pub async fn order(&self, caller: &Caller, order_id: &OrderId) -> Result<Order> {
        let order = self.engine.order(order_id).await?;
        if !caller.any_user && order.user_id != caller.user_id {
            return Err(not_found());
        }
        Ok(order)
    }

    pub async fn history(&self, caller: &Caller, order_id: &OrderId) -> Result<Vec<HistoryEntry>> {
        let order = self.order(caller, order_id).await?;
        let mut conn = self
            .engine
            .reader("taking a read connection for an order's history")
            .await?;
        orders::history(&mut conn, &order.id).await
    }

    /// A page of orders and how many the whole list has.
    pub async fn list(&self, r: ListQuery) -> Result<(Vec<Order>, i64)> {
        let caller = r.caller;
        let status = r.status;
        let from = time_bound("from", r.from.as_deref())?;
        let to = time_bound("to", r.to.as_deref())?;
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(Error::validation("from", "`from` must not be after `to`"));
        }
        let customer = r.customer.filter(|c| !c.trim().is_empty());
        if customer.as_ref().is_some_and(|c| c.chars().count() > 320) {
            return Err(Error::validation("customer", "`customer` is too long"));
        }
        let filter = Filter {
            user_id: (!caller.any_user).then(|| caller.user_id.clone()),
            status,
            from,
            to,
            customer: customer.filter(|_| caller.any_user),
        };
        let mut conn = self
            .engine
            .reader("taking a read connection for a list of orders")
            .await?;
        orders::list(&mut conn, &filter, r.page).await
    }
}
