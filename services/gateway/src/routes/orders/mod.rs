//! Checkout, orders and payments: `/checkout/*`, `/orders/*`, `/admin/orders/*` and the
//! payment provider's webhook. The order service runs the checkout saga and owns orders; the
//! gateway resolves saved addresses, fingerprints bodies for `Idempotency-Key` and renders.
use axum::Router;
use axum::routing::{get, post, put};

use crate::AppState;

pub mod admin;
pub mod checkout;
pub mod history;
pub mod webhook;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/checkout/calculate", post(checkout::calculate))
        .route("/checkout/payment-intent", post(checkout::payment_intent))
        .route("/checkout/confirm", post(checkout::confirm))
        .route("/orders", get(history::list).post(checkout::create))
        .route("/orders/{id}", get(history::get))
        .route("/orders/{id}/history", get(history::status_history))
        .route("/orders/{id}/pay", post(checkout::pay))
        .route("/orders/{id}/cancel", post(history::cancel))
        .route("/admin/orders", get(admin::list))
        .route("/admin/orders/{id}", get(admin::get))
        .route("/admin/orders/{id}/status", put(admin::set_status))
        .route("/payments/webhook", post(webhook::receive))
}

/// An order id from the path; a malformed one names no order.
pub fn order_id(raw: &str) -> crate::ApiResult<String> {
    uuid::Uuid::parse_str(raw.trim())
        .map(|u| u.to_string())
        .map_err(|_| crate::ApiError::not_found("Order not found"))
}
