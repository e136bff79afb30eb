//! The gRPC handlers of `vici.cart.v1.CartService`: each checks the caller's user id, calls one
//! use case of `service` and encodes the answer. Errors are `vici_kit::Error`s, so codes and
//! field details reach the gateway intact.
mod convert;

use std::sync::Arc;

use tonic::{Request, Response, Status};
use vici_proto::cart::v1 as pb;
use vici_proto::cart::v1::cart_service_server::CartService;
use vici_proto::common::v1::Empty;

use vici_proto::paging::Page;
use vici_types::{CartLineId, CouponId, OrderId, ProductId, TypedId, UserId, VariantId};

use crate::service::Service;

pub struct CartApi {
    service: Arc<Service>,
}

impl CartApi {
    pub fn new(service: Arc<Service>) -> Self {
        Self { service }
    }
}

type Reply<T> = Result<Response<T>, Status>;

/// Admin coupon calls name their coupon `id`, as the gateway's routes do.
fn coupon_id(raw: &str) -> vici_kit::Result<CouponId> {
    CouponId::parse_as("id", raw)
}

fn cart(view: crate::domain::view::View) -> Reply<pb::Cart> {
    Ok(Response::new(convert::cart(view)))
}

#[tonic::async_trait]
impl CartService for CartApi {
    async fn get_cart(&self, req: Request<pb::CartRef>) -> Reply<pb::Cart> {
        let user = UserId::parse(&req.into_inner().user_id)?;
        cart(self.service.cart(&user).await?)
    }

    async fn add_item(&self, req: Request<pb::AddItemRequest>) -> Reply<pb::Cart> {
        let r = req.into_inner();
        let user = UserId::parse(&r.user_id)?;
        let view = self
            .service
            .add_item(
                &user,
                ProductId::parse(&r.product_id)?,
                VariantId::parse_optional(r.variant_id.as_deref())?,
                r.quantity,
                r.session_id,
            )
            .await?;
        cart(view)
    }

    async fn update_item(&self, req: Request<pb::UpdateItemRequest>) -> Reply<pb::Cart> {
        let r = req.into_inner();
        let user = UserId::parse(&r.user_id)?;
        let view = self
            .service
            .update_item(
                &user,
                &CartLineId::parse(&r.item_id)?,
                r.quantity,
                r.session_id,
            )
            .await?;
        cart(view)
    }

    async fn remove_item(&self, req: Request<pb::RemoveItemRequest>) -> Reply<pb::Cart> {
        let r = req.into_inner();
        let user = UserId::parse(&r.user_id)?;
        cart(
            self.service
                .remove_item(&user, &CartLineId::parse(&r.item_id)?, r.session_id)
                .await?,
        )
    }

    async fn clear_cart(&self, req: Request<pb::ClearCartRequest>) -> Reply<pb::Cart> {
        let r = req.into_inner();
        let user = UserId::parse(&r.user_id)?;
        let only = r.item_ids.iter().enumerate();
        let only = only
            .map(|(i, id)| CartLineId::parse_as(&format!("itemIds[{i}]"), id))
            .collect::<vici_kit::Result<Vec<_>>>()?;
        cart(
            self.service
                .clear_cart(&user, r.session_id, r.after_order, &only)
                .await?,
        )
    }

    async fn apply_coupon(&self, req: Request<pb::ApplyCouponRequest>) -> Reply<pb::Cart> {
        let r = req.into_inner();
        let user = UserId::parse(&r.user_id)?;
        cart(self.service.apply_coupon(&user, &r.code).await?)
    }

    async fn remove_coupon(&self, req: Request<pb::CartRef>) -> Reply<pb::Cart> {
        let user = UserId::parse(&req.into_inner().user_id)?;
        cart(self.service.remove_coupon(&user).await?)
    }

    async fn merge_cart(&self, req: Request<pb::MergeCartRequest>) -> Reply<pb::MergeCartResponse> {
        let r = req.into_inner();
        let user = UserId::parse(&r.user_id)?;
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
        let found = self
            .service
            .coupon(&coupon_id(&req.into_inner().id)?)
            .await?;
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
        let id = coupon_id(&r.id)?;
        let patch = convert::patch(r)?;
        let updated = self.service.update_coupon(&id, patch).await?;
        Ok(Response::new(convert::coupon(updated)))
    }

    async fn delete_coupon(&self, req: Request<pb::CouponRef>) -> Reply<Empty> {
        self.service
            .delete_coupon(&coupon_id(&req.into_inner().id)?)
            .await?;
        Ok(Response::new(Empty {}))
    }

    async fn redeem_coupon(&self, req: Request<pb::RedeemCouponRequest>) -> Reply<pb::Coupon> {
        let r = req.into_inner();
        let user = UserId::parse(&r.user_id)?;
        let redeemed = self
            .service
            .redeem_coupon(
                &r.code,
                &user,
                &OrderId::parse(&r.order_id)?,
                r.subtotal_cents,
            )
            .await?;
        Ok(Response::new(convert::coupon(redeemed)))
    }

    async fn release_coupon(&self, req: Request<pb::ReleaseCouponRequest>) -> Reply<Empty> {
        let order_id = OrderId::parse(&req.into_inner().order_id)?;
        self.service.release_coupon(&order_id).await?;
        Ok(Response::new(Empty {}))
    }
}
