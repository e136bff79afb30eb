//! The gRPC handlers of `vici.order.v1.OrderService`: each calls one use case of `service` and
//! encodes the answer. Errors are `vici_kit::Error`s, so codes and field details reach the
//! gateway intact.
pub mod convert;

use std::sync::Arc;

use tonic::{Request, Response, Status};
use vici_proto::order::v1 as pb;
use vici_proto::order::v1::order_service_server::OrderService;
use vici_proto::payment::v1::PaymentIntent;

use crate::service::{Caller, Service};

pub struct OrderApi {
    service: Arc<Service>,
}

impl OrderApi {
    pub fn new(service: Arc<Service>) -> Self {
        Self { service }
    }
}

type Reply<T> = Result<Response<T>, Status>;

#[tonic::async_trait]
impl OrderService for OrderApi {
    async fn calculate(&self, req: Request<pb::CalculateRequest>) -> Reply<pb::Quote> {
        let r = req.into_inner();
        let (priced, _) = self
            .service
            .calculate(&r.user_id, r.coupon_code, &r.session_id)
            .await?;
        Ok(Response::new(convert::quote(priced)))
    }

    async fn create_payment_intent(
        &self,
        req: Request<pb::CreatePaymentIntentRequest>,
    ) -> Reply<PaymentIntent> {
        Ok(Response::new(
            self.service.payment_intent(req.into_inner()).await?,
        ))
    }

    async fn place_order(&self, req: Request<pb::PlaceOrderRequest>) -> Reply<pb::Order> {
        Ok(Response::new(
            self.service.place_order(req.into_inner()).await?,
        ))
    }

    async fn pay_order(&self, req: Request<pb::PayOrderRequest>) -> Reply<pb::Order> {
        Ok(Response::new(
            self.service.pay_order(req.into_inner()).await?,
        ))
    }

    async fn get_order(&self, req: Request<pb::OrderRef>) -> Reply<pb::Order> {
        let r = req.into_inner();
        let caller = Caller::new(&r.user_id, r.any_user)?;
        let order = self.service.order(&caller, &r.order_id).await?;
        Ok(Response::new(convert::order(order)))
    }

    async fn get_history(&self, req: Request<pb::OrderRef>) -> Reply<pb::History> {
        let r = req.into_inner();
        let caller = Caller::new(&r.user_id, r.any_user)?;
        let entries = self.service.history(&caller, &r.order_id).await?;
        Ok(Response::new(convert::history(entries)))
    }

    async fn list_orders(&self, req: Request<pb::ListOrdersRequest>) -> Reply<pb::OrderPage> {
        let (orders, total, page) = self.service.list(req.into_inner()).await?;
        Ok(Response::new(pb::OrderPage {
            orders: orders.into_iter().map(convert::order).collect(),
            page: page.info(total),
        }))
    }

    async fn cancel_order(&self, req: Request<pb::CancelOrderRequest>) -> Reply<pb::Order> {
        let order = self.service.cancel(req.into_inner()).await?;
        Ok(Response::new(convert::order(order)))
    }

    async fn set_status(&self, req: Request<pb::SetStatusRequest>) -> Reply<pb::Order> {
        let order = self.service.set_status(req.into_inner()).await?;
        Ok(Response::new(convert::order(order)))
    }
}
