//! The gRPC handlers of `vici.payment.v1.PaymentService`: each decodes its request, calls one
//! use case of `service` and encodes the answer. Errors are `vici_kit::Error`s, so codes and
//! field details reach the order service and the gateway intact.
mod convert;

use std::sync::Arc;

use tonic::{Request, Response, Status};
use vici_proto::payment::v1 as pb;
use vici_proto::payment::v1::payment_service_server::PaymentService;
use vici_types::{OrderId, TypedId, UserId};

use crate::service::Service;
use crate::service::authorize::AuthorizeRequest;
use crate::service::intents::IntentRequest;
use crate::service::refunds::RefundRequest;

pub struct PaymentApi {
    service: Arc<Service>,
}

impl PaymentApi {
    pub fn new(service: Arc<Service>) -> Self {
        Self { service }
    }
}

type Reply<T> = Result<Response<T>, Status>;

#[tonic::async_trait]
impl PaymentService for PaymentApi {
    async fn create_intent(
        &self,
        req: Request<pb::CreateIntentRequest>,
    ) -> Reply<pb::PaymentIntent> {
        let r = req.into_inner();
        let intent = self
            .service
            .create_intent(IntentRequest {
                user_id: UserId::parse(&r.user_id)?,
                amount_cents: r.amount_cents,
                currency: r.currency,
                idempotency_key: r.idempotency_key,
            })
            .await?;
        Ok(Response::new(convert::intent(intent)))
    }

    async fn authorize(&self, req: Request<pb::AuthorizeRequest>) -> Reply<pb::Payment> {
        let r = req.into_inner();
        let payment = self
            .service
            .authorize(AuthorizeRequest {
                order_id: OrderId::parse(&r.order_id)?,
                attempt_id: r.attempt_id,
                user_id: UserId::parse(&r.user_id)?,
                payment_method: r.payment_method,
                amount_cents: r.amount_cents,
                currency: r.currency,
                intent_id: r.intent_id,
            })
            .await?;
        Ok(Response::new(convert::payment(payment)))
    }

    async fn capture(&self, req: Request<pb::PaymentKey>) -> Reply<pb::Payment> {
        let order = OrderId::parse(&req.into_inner().order_id)?;
        Ok(Response::new(convert::payment(
            self.service.capture(&order).await?,
        )))
    }

    async fn reverse(&self, req: Request<pb::ReverseRequest>) -> Reply<pb::Payment> {
        let r = req.into_inner();
        let order = OrderId::parse(&r.order_id)?;
        let payment = self.service.reverse(&order, &r.reason).await?;
        Ok(Response::new(convert::payment(payment)))
    }

    async fn refund_payment(&self, req: Request<pb::RefundRequest>) -> Reply<pb::Refund> {
        let r = req.into_inner();
        let (refund, payment) = self
            .service
            .refund(RefundRequest {
                order_id: OrderId::parse(&r.order_id)?,
                amount_cents: r.amount_cents,
                reason: r.reason,
                idempotency_key: r.idempotency_key,
            })
            .await?;
        Ok(Response::new(convert::refund(refund, payment)))
    }

    async fn get_payment(&self, req: Request<pb::PaymentKey>) -> Reply<pb::Payment> {
        let order = OrderId::parse(&req.into_inner().order_id)?;
        Ok(Response::new(convert::payment(
            self.service.payment_of(&order).await?,
        )))
    }

    async fn handle_webhook(&self, req: Request<pb::WebhookRequest>) -> Reply<pb::WebhookAck> {
        let r = req.into_inner();
        let ack = self
            .service
            .handle_webhook(&r.payload, &r.signature)
            .await?;
        Ok(Response::new(pb::WebhookAck {
            event_id: ack.event_id,
            r#type: ack.kind,
            applied: ack.applied,
        }))
    }
}
