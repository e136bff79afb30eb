//! Checkout, orders and payments: `/checkout/*`, `/orders/*`, `/admin/orders/*` and the
//! payment provider's webhook. The order service runs the checkout saga and owns orders; the
//! gateway resolves saved addresses, fingerprints bodies for `Idempotency-Key` and renders.
use super::table::{
    Access::Admin, Access::Public, Access::User, IDEMPOTENCY_KEY, Route, STRIPE_SIGNATURE,
};
use crate::dto::order::{ConfirmedDto, HistoryEntryDto, OrderDto, PaymentIntentDto, QuoteDto};
use crate::dto::order_bodies::{
    CalculateBody, CancelBody, PayBody, PaymentIntentBody, PlaceOrderBody, StatusChangeBody,
    WebhookEvent,
};
use crate::dto::params::{AdminOrdersParams, OrdersParams, PageParams};

pub mod admin;
pub mod checkout;
pub mod history;
pub mod webhook;

pub fn routes() -> Vec<Route> {
    [checkout_routes(), order_routes()]
        .into_iter()
        .flatten()
        .collect()
}

fn checkout_routes() -> Vec<Route> {
    vec![
        Route::post(User, "/checkout/calculate", checkout::calculate)
            .doc("Checkout", "calculate_checkout", "Price the caller's cart")
            .optional_json::<CalculateBody>()
            .data::<QuoteDto>(),
        Route::post(User, "/checkout/payment-intent", checkout::payment_intent)
            .doc(
                "Checkout",
                "create_payment_intent",
                "Start a card payment for the cart total",
            )
            .created()
            .optional_json::<PaymentIntentBody>()
            .header(IDEMPOTENCY_KEY)
            .data::<PaymentIntentDto>()
            .error(409, "Cart changed"),
        Route::post(User, "/checkout/confirm", checkout::confirm)
            .refreshes()
            .doc(
                "Checkout",
                "confirm_checkout",
                "Place the order and take the payment",
            )
            .describe(
                "Runs the checkout saga; on success the cart is emptied. A declined payment is a \
                 402 with `details.orderId`, and the cart is kept.",
            )
            .created()
            .optional_json::<PlaceOrderBody>()
            .header(IDEMPOTENCY_KEY)
            .data::<ConfirmedDto>()
            .error(402, "The payment was declined")
            .error(
                409,
                "Out of stock, a coupon refused, or another checkout of this user running",
            ),
        Route::post(User, "/orders", checkout::create)
            .refreshes()
            .doc("Orders", "create_order", "Create an order from the cart")
            .created()
            .optional_json::<PlaceOrderBody>()
            .header(IDEMPOTENCY_KEY)
            .data::<OrderDto>()
            .error(409, "Out of stock or a coupon refused"),
    ]
}

fn order_routes() -> Vec<Route> {
    vec![
        Route::get(User, "/orders", history::list)
            .doc("Orders", "list_orders", "The caller's orders, newest first")
            .query::<OrdersParams>()
            .query::<PageParams>()
            .page::<OrderDto>(),
        Route::get(User, "/orders/{id}", history::get)
            .doc("Orders", "get_order", "One of the caller's orders")
            .data::<OrderDto>(),
        Route::get(User, "/orders/{id}/history", history::status_history)
            .doc("Orders", "order_history", "An order's status history")
            .items::<HistoryEntryDto>(),
        Route::post(User, "/orders/{id}/pay", checkout::pay)
            .refreshes()
            .doc("Orders", "pay_order", "Pay for a pending order")
            .optional_json::<PayBody>()
            .header(IDEMPOTENCY_KEY)
            .data::<OrderDto>()
            .error(402, "The payment was declined"),
        Route::post(User, "/orders/{id}/cancel", history::cancel)
            .refreshes()
            .doc("Orders", "cancel_order", "Cancel an order before it ships")
            .optional_json::<CancelBody>()
            .data::<OrderDto>()
            .error(409, "The order can no longer be cancelled"),
        Route::get(Admin, "/admin/orders", admin::list)
            .doc("Admin", "admin_list_orders", "All orders, filtered")
            .query::<OrdersParams>()
            .query::<AdminOrdersParams>()
            .query::<PageParams>()
            .page::<OrderDto>(),
        Route::get(Admin, "/admin/orders/{id}", admin::get)
            .doc("Admin", "admin_get_order", "One order, whoever placed it")
            .data::<OrderDto>(),
        Route::get(Admin, "/admin/orders/{id}/history", admin::status_history)
            .doc(
                "Admin",
                "admin_order_history",
                "An order's status history, whoever placed it",
            )
            .items::<HistoryEntryDto>(),
        Route::put(Admin, "/admin/orders/{id}/status", admin::set_status)
            .refreshes()
            .doc(
                "Admin",
                "admin_set_order_status",
                "Move an order to a new status",
            )
            .json::<StatusChangeBody>()
            .data::<OrderDto>()
            .error(409, "A move the order's state machine does not allow"),
        Route::post(Public, "/payments/webhook", webhook::receive)
            .refreshes()
            .doc(
                "Payments",
                "payment_webhook",
                "The payment provider's signed webhook",
            )
            .raw::<WebhookEvent>()
            .header(STRIPE_SIGNATURE)
            .data::<webhook::Received>(),
    ]
}
