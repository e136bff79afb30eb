//! The gRPC handlers of `vici.cart.v1.CartService`: each checks the caller's user id, calls one
//! use case of `service` and encodes the answer. Errors are `vici_kit::Error`s, so codes and
//! field details reach the gateway intact.
mod convert;

use std::sync::Arc;

use tonic::{Request, Response, Status};
use vici_proto::cart::v1 as pb;
use vici_proto::cart::v1::cart_service_server::CartService;
use vici_proto::common::v1::Empty;

use crate::domain::id;
use crate::service::Service;
use vici_proto::paging::Page;

pub struct CartApi {
    service: Arc<Service>,
}

impl CartApi {
    pub fn new(service: Arc<Service>) -> Self {
        Self { service }
    }
}

type Reply<T> = Result<Response<T>, Status>;

fn user_id(raw: &str) -> Result<String, Status> {
    Ok(id("userId", raw)?)
}

fn cart(view: crate::domain::view::View) -> Reply<pb::Cart> {
    Ok(Response::new(convert::cart(view)))
}

#[tonic::async_trait]
impl CartService for CartApi {
    async fn get_cart(&self, req: Request<pb::CartRef>) -> Reply<pb::Cart> {
        let user = user_id(&req.into_inner().user_id)?;
        cart(self.service.cart(&user).await?)
    }

    async fn add_item(&self, req: Request<pb::AddItemRequest>) -> Reply<pb::Cart> {
        let r = req.into_inner();
        let user = user_id(&r.user_id)?;
        let view = self
            .service
            .add_item(
                &user,
                &r.product_id,
                r.variant_id.as_deref(),
                r.quantity,
                r.session_id,
            )
            .await?;
        cart(view)
    }

    async fn update_item(&self, req: Request<pb::UpdateItemRequest>) -> Reply<pb::Cart> {
        let r = req.into_inner();
        let user = user_id(&r.user_id)?;
        let view = self
            .service
            .update_item(&user, &r.item_id, r.quantity, r.session_id)
            .await?;
        cart(view)
    }

    async fn remove_item(&self, req: Request<pb::RemoveItemRequest>) -> Reply<pb::Cart> {
        let r = req.into_inner();
        let user = user_id(&r.user_id)?;
        cart(
            self.service
                .remove_item(&user, &r.item_id, r.session_id)
                .await?,
        )
    }

    async fn clear_cart(&self, req: Request<pb::ClearCartRequest>) -> Reply<pb::Cart> {
        let r = req.into_inner();
        let user = user_id(&r.user_id)?;
        cart(
            self.service
                .clear_cart(&user, r.session_id, r.after_order, &r.item_ids)
                .await?,
        )
    }

    async fn apply_coupon(&self, req: Request<pb::ApplyCouponRequest>) -> Reply<pb::Cart> {
        let r = req.into_inner();
        let user = user_id(&r.user_id)?;
        cart(self.service.apply_coupon(&user, &r.code).await?)
    }

    async fn remove_coupon(&self, req: Request<pb::CartRef>) -> Reply<pb::Cart> {
        let user = user_id(&req.into_inner().user_id)?;
        cart(self.service.remove_coupon(&user).await?)
    }

    async fn merge_cart(&self, req: Request<pb::MergeCartRequest>) -> Reply<pb::MergeCartResponse> {
        let r = req.into_inner();
        let user = user_id(&r.user_id)?;
        let items = r.items.into_iter().map(convert::merge_input).collect();
        let (view, skipped) = self.service.merge_cart(&user, items, r.session_id).await?;
        Ok(Response::new(pb::MergeCartResponse {
            cart: Some(convert::cart(view)),
            skipped: skipped.into_iter().map(convert::skipped).collect(),
        }))
    }

    async fn list_coupons(&self, req: Request<pb::ListCouponsRequest>) -> Reply<pb::CouponPage> {
        let asked = req.into_inner().page.unwrap_or_default();
        let page = Page::new(asked.page, asked.limit);
        let (coupons, total) = self.service.coupons(page).await?;
        Ok(Response::new(pb::CouponPage {
            coupons: coupons.into_iter().map(convert::coupon).collect(),
            page: page.info(total),
        }))
    }

    async fn get_coupon(&self, req: Request<pb::CouponRef>) -> Reply<pb::Coupon> {
        let found = self.service.coupon(&req.into_inner().id).await?;
        Ok(Response::new(convert::coupon(found)))
    }

    async fn create_coupon(&self, req: Request<pb::CouponInput>) -> Reply<pb::Coupon> {
        let created = self
            .service
            .create_coupon(convert::draft(req.into_inner()))
            .await?;
        Ok(Response::new(convert::coupon(created)))
    }

    async fn update_coupon(&self, req: Request<pb::UpdateCouponRequest>) -> Reply<pb::Coupon> {
        let r = req.into_inner();
        let coupon_id = r.id.clone();
        let updated = self
            .service
            .update_coupon(&coupon_id, convert::patch(r))
            .await?;
        Ok(Response::new(convert::coupon(updated)))
    }

    async fn delete_coupon(&self, req: Request<pb::CouponRef>) -> Reply<Empty> {
        self.service.delete_coupon(&req.into_inner().id).await?;
        Ok(Response::new(Empty {}))
    }

    async fn redeem_coupon(&self, req: Request<pb::RedeemCouponRequest>) -> Reply<pb::Coupon> {
        let r = req.into_inner();
        let user = user_id(&r.user_id)?;
        let redeemed = self
            .service
            .redeem_coupon(&r.code, &user, &r.order_id, r.subtotal_cents)
            .await?;
        Ok(Response::new(convert::coupon(redeemed)))
    }

    async fn release_coupon(&self, req: Request<pb::ReleaseCouponRequest>) -> Reply<Empty> {
        self.service
            .release_coupon(&req.into_inner().order_id)
            .await?;
        Ok(Response::new(Empty {}))
    }
}
