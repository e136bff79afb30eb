//! Domain rows to the proto's messages: times as RFC 3339, a payment's status as the contract's
//! enum, the other statuses as their contract text.
use vici_proto::payment::v1 as pb;
use vici_store::rfc3339;

use crate::domain::{Intent, Payment, Refund, Status};

pub fn intent(i: Intent) -> pb::PaymentIntent {
    pb::PaymentIntent {
        id: i.id,
        client_secret: i.client_secret,
        amount_cents: i.amount_cents,
        currency: i.currency,
        status: i.status.as_str().into(),
        user_id: i.user_id,
        created_at: rfc3339(i.created_at),
    }
}

pub fn payment(p: Payment) -> pb::Payment {
    pb::Payment {
        id: p.id,
        order_id: p.order_id,
        user_id: p.user_id,
        attempt_id: p.attempt_id,
        intent_id: p.intent_id,
        payment_method: p.payment_method,
        amount_cents: p.amount_cents,
        refunded_cents: p.refunded_cents,
        currency: p.currency,
        status: payment_status(p.status).into(),
        failure_code: p.failure_code,
        failure_message: p.failure_message,
        provider: p.provider.as_str().into(),
        created_at: rfc3339(p.created_at),
        updated_at: rfc3339(p.updated_at),
    }
}

pub fn refund(r: Refund, p: Payment) -> pb::Refund {
    pb::Refund {
        id: r.id,
        payment_id: r.payment_id,
        order_id: r.order_id,
        amount_cents: r.amount_cents,
        status: r.status.as_str().into(),
        reason: r.reason,
        created_at: rfc3339(r.created_at),
        payment: Some(payment(p)),
    }
}

fn payment_status(status: Status) -> pb::PaymentStatus {
    match status {
        Status::Processing => pb::PaymentStatus::Processing,
        Status::Pending => pb::PaymentStatus::Pending,
        Status::Authorized => pb::PaymentStatus::Authorized,
        Status::Succeeded => pb::PaymentStatus::Succeeded,
        Status::Failed => pb::PaymentStatus::Failed,
        Status::Cancelled => pb::PaymentStatus::Cancelled,
        Status::PartiallyRefunded => pb::PaymentStatus::PartiallyRefunded,
        Status::Refunded => pb::PaymentStatus::Refunded,
    }
}
