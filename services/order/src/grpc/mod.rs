//! The gRPC side of the service: the handlers of `vici.order.v1.OrderService` (here), each
//! translating its request into one use case of `service` and the answer back (`convert`), and
//! the clients of the neighbours behind the saga's ports (`clients`). Protobuf stops here.
//! Errors are `vici_kit::Error`s, so codes and field details reach the gateway intact.
pub mod clients;
pub mod convert;

use std::sync::Arc;

use tonic::{Request, Response, Status};
use vici_kit::Result;
use vici_proto::order::v1 as pb;
use vici_proto::order::v1::order_service_server::OrderService;
use vici_proto::paging::Page;
use vici_proto::payment::v1::PaymentIntent;
use vici_types::{OrderId, TypedId as _, UserId};

use crate::domain::status::OrderStatus;
use crate::service::admin::StatusChange;
use crate::service::checkout::{CartIntent, PayOrder};
use crate::service::{Caller, ListQuery, Service};

pub struct OrderApi {
    service: Arc<Service>,
}

impl OrderApi {
    pub fn new(service: Arc<Service>) -> Self {
        Self { service }
    }
}

type Reply<T> = Result<Response<T>, Status>;

/// Who asks: the user `user_id` names, an admin when `any_user`.
fn caller(user_id: &str, any_user: bool) -> Result<Caller> {
    Ok(Caller {
        user_id: UserId::parse(user_id)?,
        any_user,
    })
}

#[tonic::async_trait]
impl OrderService for OrderApi {
    async fn calculate(&self, req: Request<pb::CalculateRequest>) -> Reply<pb::Quote> {
        let r = req.into_inner();
        let priced = self
            .service
            .calculate(&UserId::parse(&r.user_id)?, r.coupon_code, &r.session_id)
            .await?;
        Ok(Response::new(convert::quote(priced)))
    }

    async fn create_payment_intent(
        &self,
        req: Request<pb::CreatePaymentIntentRequest>,
    ) -> Reply<PaymentIntent> {
        let r = req.into_inner();
        let key = convert::idempotency(r.idempotency)?.map(|i| i.key);
        let ask = CartIntent {
            user_id: UserId::parse(&r.user_id)?,
            expected_amount_cents: r.expected_amount_cents,
            currency: r.currency,
            key,
        };
        let intent = self.service.payment_intent(ask).await?;
        Ok(Response::new(convert::intent(intent)))
    }

    async fn place_order(&self, req: Request<pb::PlaceOrderRequest>) -> Reply<pb::Order> {
        let mut r = req.into_inner();
        let idem = r.idempotency.take();
        let place = convert::place(r)?;
        let idem = convert::idempotency(idem)?;
        let answer = self.service.place_order(place, idem).await?;
        Ok(Response::new(convert::answer(answer)?))
    }

    async fn pay_order(&self, req: Request<pb::PayOrderRequest>) -> Reply<pb::Order> {
        let r = req.into_inner();
        let pay = PayOrder {
            user_id: UserId::parse(&r.user_id)?,
            order_id: OrderId::parse(&r.order_id)?,
            payment_method: r.payment_method,
        };
        let idem = convert::idempotency(r.idempotency)?;
        let answer = self.service.pay_order(pay, idem).await?;
        Ok(Response::new(convert::answer(answer)?))
    }

    async fn get_order(&self, req: Request<pb::OrderRef>) -> Reply<pb::Order> {
        let r = req.into_inner();
        let caller = caller(&r.user_id, r.any_user)?;
        let order = self
            .service
            .order(&caller, &OrderId::parse(&r.order_id)?)
            .await?;
        Ok(Response::new(convert::order(order)))
    }

    async fn get_history(&self, req: Request<pb::OrderRef>) -> Reply<pb::History> {
        let r = req.into_inner();
        let caller = caller(&r.user_id, r.any_user)?;
        let order_id = OrderId::parse(&r.order_id)?;
        let entries = self.service.history(&caller, &order_id).await?;
        Ok(Response::new(convert::history(entries)))
    }

    async fn list_orders(&self, req: Request<pb::ListOrdersRequest>) -> Reply<pb::OrderPage> {
        let r = req.into_inner();
        let page = Page::asked(r.page);
        let query = ListQuery {
            caller: caller(&r.user_id, r.any_user)?,
            page,
            status: convert::status_in(r.status)?,
            from: r.from,
            to: r.to,
            customer: r.customer,
        };
        let (orders, total) = self.service.list(query).await?;
        Ok(Response::new(pb::OrderPage {
            orders: orders.into_iter().map(convert::order).collect(),
            page: page.info(total),
        }))
    }

    async fn cancel_order(&self, req: Request<pb::CancelOrderRequest>) -> Reply<pb::Order> {
        let r = req.into_inner();
        let caller = caller(&r.user_id, r.any_user)?;
        let order_id = OrderId::parse(&r.order_id)?;
        let order = self.service.cancel(&caller, &order_id, &r.reason).await?;
        Ok(Response::new(convert::order(order)))
    }

    async fn set_status(&self, req: Request<pb::SetStatusRequest>) -> Reply<pb::Order> {
        let r = req.into_inner();
        let change = StatusChange {
            order_id: OrderId::parse(&r.order_id)?,
            status: convert::status_in(r.status)?.ok_or_else(|| OrderStatus::unknown("status"))?,
            note: r.note,
            tracking: r.tracking.map(convert::tracking_in),
            actor: r.actor,
        };
        let order = self.service.set_status(change).await?;
        Ok(Response::new(convert::order(order)))
    }
}
