//! Orders: every customer's, filtered by status; an order's lines, address and history; and
//! moving it (with tracking when shipped) as the API's state machine allows. Cancelling
//! refunds and restocks; the API does it.
use axum::Form;
use axum::extract::Path;
use axum::http::Method;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::dashboard::failed;
use super::{encode, listed};
use crate::console::view::Flash;
use crate::console::{Admin, Payload, Refusal, done};
use crate::extract::QueryPairs;
use crate::query::orders::STATUSES;

/// Where an order in `status` may go next (contract: allowed moves).
fn moves(status: &str) -> &'static [&'static str] {
    match status {
        "PENDING" => &["PAYMENT_PENDING", "CONFIRMED", "CANCELLED"],
        "PAYMENT_PENDING" => &["CONFIRMED", "CANCELLED"],
        "CONFIRMED" => &["PROCESSING", "CANCELLED"],
        "PROCESSING" => &["SHIPPED", "CANCELLED"],
        "SHIPPED" => &["DELIVERED"],
        "DELIVERED" => &["REFUNDED"],
        _ => &[],
    }
}

pub async fn list(mut admin: Admin, QueryPairs(pairs): QueryPairs) -> Response {
    const PATH: &str = "/admin/orders";
    let list = match listed(&mut admin, PATH, &["status"], &pairs).await {
        Ok(list) => list,
        Err(failed) => return failed,
    };
    let ctx = json!({
        "title": "Orders", "section": "orders", "orders": list.answer["data"], "statuses": STATUSES,
        "pages": list.pages(PATH), "query": list.shown(),
    });
    admin.page("orders.html", ctx, Flash::from_query(&pairs))
}

async fn order_page(admin: &mut Admin, id: &str, flash: Flash) -> Response {
    let id = encode(id);
    let order = match admin.get(&format!("/admin/orders/{id}")).await {
        Ok(answer) => answer["data"].clone(),
        Err(refusal) => return failed(admin, &refusal),
    };
    let history = admin
        .get(&format!("/admin/orders/{id}/history"))
        .await
        .map(|a| a["data"].clone())
        .unwrap_or(Value::Array(Vec::new()));
    let title = format!(
        "Order {}",
        order["orderNumber"].as_str().unwrap_or_default()
    );
    let moves = moves(order["status"].as_str().unwrap_or_default());
    let ctx = json!({"title": title, "section": "orders", "order": order, "history": history, "moves": moves});
    admin.page("order.html", ctx, flash)
}

pub async fn show(
    mut admin: Admin,
    Path(id): Path<String>,
    QueryPairs(pairs): QueryPairs,
) -> Response {
    order_page(&mut admin, &id, Flash::from_query(&pairs)).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MoveForm {
    csrf: String,
    status: String,
    carrier: String,
    #[serde(rename = "trackingNumber")]
    tracking_number: String,
    url: String,
    note: String,
}

impl MoveForm {
    fn body(&self) -> Value {
        let mut body = json!({"status": self.status});
        if !self.note.trim().is_empty() {
            body["note"] = json!(self.note.trim());
        }
        if !self.tracking_number.trim().is_empty() || !self.carrier.trim().is_empty() {
            let mut tracking = json!({"carrier": self.carrier.trim(), "trackingNumber": self.tracking_number.trim()});
            if !self.url.trim().is_empty() {
                tracking["url"] = json!(self.url.trim());
            }
            body["tracking"] = tracking;
        }
        body
    }
}

pub async fn move_status(
    mut admin: Admin,
    Path(id): Path<String>,
    Form(form): Form<MoveForm>,
) -> Response {
    if let Some(refused) = admin.forged(&form.csrf) {
        return refused;
    }
    let path = format!("/admin/orders/{}/status", encode(&id));
    match admin
        .call(Method::PUT, &path, Payload::Json(form.body()))
        .await
    {
        Ok(_) => done(&format!("/admin/orders/{}", encode(&id)), "moved"),
        Err(refusal @ Refusal::Refused { .. }) => {
            order_page(&mut admin, &id, Flash::refused(&refusal)).await
        }
        Err(refusal) => failed(&admin, &refusal),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_follow_the_contracts_state_machine() {
        assert_eq!(moves("PROCESSING"), ["SHIPPED", "CANCELLED"]);
        assert!(moves("CANCELLED").is_empty() && moves("REFUNDED").is_empty());
        for s in STATUSES {
            assert!(moves(s).iter().all(|to| STATUSES.contains(to)), "{s}");
        }
    }
}
