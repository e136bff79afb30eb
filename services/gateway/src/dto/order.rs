//! The Order, OrderItem, tracking and history objects of contract §2, the checkout quote, the
//! PaymentIntent and the confirm answer, rendered from the order and payment services' messages.
use serde::Serialize;
use utoipa::ToSchema;
use vici_proto::order::v1 as pb;
use vici_proto::payment::v1 as payment;

use super::dollars;

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderItemDto {
    pub id: String,
    pub product_id: String,
    pub variant_id: Option<String>,
    pub name: String,
    pub image: String,
    pub sku: String,
    pub slug: String,
    pub quantity: i64,
    pub unit_price: f64,
    /// Alias of `unitPrice` the client reads.
    pub price: f64,
    pub total_price: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_price: Option<f64>,
}

impl From<pb::OrderItem> for OrderItemDto {
    fn from(i: pb::OrderItem) -> Self {
        Self {
            unit_price: dollars(i.unit_price_cents),
            price: dollars(i.unit_price_cents),
            total_price: dollars(i.total_price_cents),
            original_price: i.original_price_cents.map(dollars),
            id: i.id,
            product_id: i.product_id,
            variant_id: i.variant_id,
            name: i.name,
            image: i.image,
            sku: i.sku,
            slug: i.product_slug,
            quantity: i.quantity,
        }
    }
}

/// The Address fields as they were when the order was placed.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderAddressDto {
    /// The saved address it was copied from, if any.
    pub id: Option<String>,
    pub user_id: String,
    pub first_name: String,
    pub last_name: String,
    pub address_line1: String,
    pub address_line2: Option<String>,
    pub city: String,
    pub state: String,
    pub postal_code: String,
    pub country: String,
    pub phone: String,
    pub is_default: bool,
}

impl OrderAddressDto {
    fn new(a: pb::Address, user_id: &str) -> Self {
        Self {
            id: a.id,
            user_id: user_id.to_string(),
            first_name: a.first_name,
            last_name: a.last_name,
            address_line1: a.address_line1,
            address_line2: a.address_line2,
            city: a.city,
            state: a.state,
            postal_code: a.postal_code,
            country: a.country,
            phone: a.phone,
            is_default: false,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrackingDto {
    pub tracking_number: String,
    /// Alias of `trackingNumber` the client reads.
    pub number: String,
    pub carrier: String,
    pub url: String,
    pub shipped_at: Option<String>,
    pub estimated_delivery: Option<String>,
}

impl From<pb::Tracking> for TrackingDto {
    fn from(t: pb::Tracking) -> Self {
        Self {
            number: t.tracking_number.clone(),
            tracking_number: t.tracking_number,
            carrier: t.carrier,
            url: t.url,
            shipped_at: t.shipped_at,
            estimated_delivery: t.estimated_delivery,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrderDto {
    pub id: String,
    pub order_number: String,
    pub user_id: String,
    pub items: Vec<OrderItemDto>,
    pub item_count: i64,
    pub subtotal: f64,
    pub shipping: f64,
    pub tax: f64,
    pub discount: f64,
    pub total: f64,
    pub savings: f64,
    pub currency: String,
    pub status: String,
    pub payment_status: String,
    /// Why the order was cancelled or its payment failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    pub shipping_address: Option<OrderAddressDto>,
    pub billing_address: Option<OrderAddressDto>,
    pub payment_method: String,
    pub payment_id: Option<String>,
    pub coupon_code: Option<String>,
    pub tracking: Option<TrackingDto>,
    /// Alias of `createdAt` the client reads.
    pub date: String,
    pub created_at: String,
    pub updated_at: String,
}

impl From<pb::Order> for OrderDto {
    fn from(o: pb::Order) -> Self {
        let address = |a: Option<pb::Address>| a.map(|a| OrderAddressDto::new(a, &o.user_id));
        Self {
            item_count: o.items.iter().map(|i| i.quantity).sum(),
            subtotal: dollars(o.subtotal_cents),
            shipping: dollars(o.shipping_cents),
            tax: dollars(o.tax_cents),
            discount: dollars(o.discount_cents),
            total: dollars(o.total_cents),
            savings: dollars(o.savings_cents),
            shipping_address: address(o.shipping_address.clone()),
            billing_address: address(o.billing_address.clone()),
            items: o.items.into_iter().map(Into::into).collect(),
            tracking: o.tracking.map(Into::into),
            date: o.created_at.clone(),
            id: o.id,
            order_number: o.order_number,
            user_id: o.user_id,
            currency: o.currency,
            status: o.status,
            payment_status: o.payment_status,
            status_reason: o.status_reason,
            payment_method: o.payment_method,
            payment_id: o.payment_id,
            coupon_code: o.coupon_code,
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct HistoryEntryDto {
    pub status: String,
    pub note: String,
    pub at: String,
    pub by: String,
}

pub fn history(h: pb::History) -> Vec<HistoryEntryDto> {
    h.entries
        .into_iter()
        .map(|e| HistoryEntryDto {
            status: e.status,
            note: e.note,
            at: e.at,
            by: e.by,
        })
        .collect()
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuoteLineDto {
    pub product_id: String,
    pub variant_id: Option<String>,
    pub name: String,
    pub quantity: i64,
    pub unit_price: f64,
    pub total_price: f64,
}

/// `POST /checkout/calculate`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuoteDto {
    pub items: Vec<QuoteLineDto>,
    pub subtotal: f64,
    pub shipping: f64,
    pub tax: f64,
    pub discount: f64,
    pub total: f64,
    pub savings: f64,
    pub currency: String,
    pub coupon_code: Option<String>,
}

impl From<pb::Quote> for QuoteDto {
    fn from(q: pb::Quote) -> Self {
        Self {
            items: q
                .lines
                .into_iter()
                .map(|l| QuoteLineDto {
                    unit_price: dollars(l.unit_price_cents),
                    total_price: dollars(l.total_price_cents),
                    product_id: l.product_id,
                    variant_id: l.variant_id,
                    name: l.name,
                    quantity: l.quantity,
                })
                .collect(),
            subtotal: dollars(q.subtotal_cents),
            shipping: dollars(q.shipping_cents),
            tax: dollars(q.tax_cents),
            discount: dollars(q.discount_cents),
            total: dollars(q.total_cents),
            savings: dollars(q.savings_cents),
            currency: q.currency,
            coupon_code: q.coupon_code,
        }
    }
}

/// The contract's PaymentIntent.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PaymentIntentDto {
    pub id: String,
    pub client_secret: String,
    pub amount: f64,
    pub currency: String,
    pub status: String,
}

impl From<payment::PaymentIntent> for PaymentIntentDto {
    fn from(i: payment::PaymentIntent) -> Self {
        Self {
            amount: dollars(i.amount_cents),
            id: i.id,
            client_secret: i.client_secret,
            currency: i.currency,
            status: i.status,
        }
    }
}

/// `POST /checkout/confirm`'s answer.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConfirmedDto {
    pub order_id: String,
    pub order_number: String,
    pub payment_id: Option<String>,
    pub status: &'static str,
    pub total: f64,
    pub message: String,
    pub order: OrderDto,
}

impl From<pb::Order> for ConfirmedDto {
    fn from(o: pb::Order) -> Self {
        Self {
            order_id: o.id.clone(),
            order_number: o.order_number.clone(),
            payment_id: o.payment_id.clone(),
            status: "success",
            total: dollars(o.total_cents),
            message: format!("Order {} confirmed", o.order_number),
            order: OrderDto::from(o),
        }
    }
}
