//! The checkout and order request bodies as the OpenAPI document shows them. The handlers read
//! these bodies as loose JSON (`dto::checkout`), checking one field at a time so each problem
//! names its field; these types exist for the document only.
#![allow(dead_code)] // Fields are read by the `ToSchema` derive, never at run time.

use utoipa::ToSchema;

/// `POST /checkout/calculate`.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CalculateBody {
    #[schema(format = Uuid)]
    shipping_address_id: Option<String>,
    /// `code` is accepted as an alias.
    coupon_code: Option<String>,
}

/// `POST /checkout/payment-intent`.
#[derive(ToSchema)]
pub struct PaymentIntentBody {
    /// Dollars; when given it must equal the cart's checkout total (else 409 "Cart changed").
    amount: Option<f64>,
    /// `USD` only.
    currency: Option<String>,
}

/// An address typed in at checkout (every field but `addressLine2` required).
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutAddress {
    first_name: String,
    last_name: String,
    address_line1: String,
    address_line2: Option<String>,
    city: String,
    state: String,
    postal_code: String,
    /// ISO 3166-1 alpha-2.
    country: String,
    phone: String,
}

/// `POST /checkout/confirm` and `POST /orders`: a saved address id or a typed address.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PlaceOrderBody {
    /// Required by `/checkout/confirm`.
    payment_intent_id: Option<String>,
    #[schema(format = Uuid)]
    shipping_address_id: Option<String>,
    shipping_address: Option<CheckoutAddress>,
    #[schema(format = Uuid)]
    billing_address_id: Option<String>,
    billing_address: Option<CheckoutAddress>,
    /// `pm_card_visa`, `pm_card_mastercard`, `cash_on_delivery`, ...
    payment_method: String,
    coupon_code: Option<String>,
    /// Dollars: the total the shopper was shown. When the cart now costs more, or its coupon
    /// stopped applying, the order is refused with 409 "Cart changed" and nothing happens.
    expected_total: Option<f64>,
}

/// `POST /orders/{id}/pay`.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PayBody {
    payment_method: String,
}

/// `POST /orders/{id}/cancel`.
#[derive(ToSchema)]
pub struct CancelBody {
    reason: Option<String>,
}

/// Tracking of a shipped order.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrackingBody {
    carrier: String,
    /// `number` is accepted as an alias.
    tracking_number: String,
    url: Option<String>,
    estimated_delivery: Option<String>,
}

/// `PUT /admin/orders/{id}/status`.
#[derive(ToSchema)]
pub struct StatusChangeBody {
    /// The new status (any case), one of the moves the order's state machine allows.
    status: String,
    note: Option<String>,
    tracking: Option<TrackingBody>,
}

/// `POST /payments/webhook`: the provider's event, verified against `Stripe-Signature`.
#[derive(ToSchema)]
pub struct WebhookEvent {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    #[schema(value_type = Object)]
    data: serde_json::Value,
}
