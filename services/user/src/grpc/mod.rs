//! The gRPC handlers of `vici.user.v1.UserService`: each checks the caller's user id, calls one
//! use case of `service` and encodes the answer. Errors are `vici_kit::Error`s, so codes and
//! field details reach the gateway intact.
mod convert;

use std::sync::Arc;
use vici_types::{AddressId, ProductId, TypedId, UserId};

use tonic::{Request, Response, Status};
use vici_proto::common::v1::Empty;
use vici_proto::user::v1 as pb;
use vici_proto::user::v1::user_service_server::UserService;

use crate::domain::profile::Patch as ProfilePatch;
use crate::domain::wishlist::not_in_wishlist;
use crate::service::Service;
use vici_proto::paging::Page;

pub struct UserApi {
    service: Arc<Service>,
}

impl UserApi {
    pub fn new(service: Arc<Service>) -> Self {
        Self { service }
    }
}

type Reply<T> = Result<Response<T>, Status>;

#[tonic::async_trait]
impl UserService for UserApi {
    async fn get_profile(&self, req: Request<pb::UserRef>) -> Reply<pb::Profile> {
        let user = UserId::parse(&req.into_inner().user_id)?;
        let profile = self.service.profile(&user).await?;
        Ok(Response::new(convert::profile(profile)))
    }

    async fn update_profile(&self, req: Request<pb::UpdateProfileRequest>) -> Reply<pb::Profile> {
        let r = req.into_inner();
        let user = UserId::parse(&r.user_id)?;
        let patch = ProfilePatch::parse(r.phone, r.avatar)?;
        let profile = self.service.update_profile(&user, patch).await?;
        Ok(Response::new(convert::profile(profile)))
    }

    async fn set_avatar(&self, req: Request<pb::SetAvatarRequest>) -> Reply<pb::Profile> {
        let r = req.into_inner();
        let user = UserId::parse(&r.user_id)?;
        let profile = self.service.set_avatar(&user, r.data).await?;
        Ok(Response::new(convert::profile(profile)))
    }

    async fn list_addresses(&self, req: Request<pb::UserRef>) -> Reply<pb::AddressList> {
        let user = UserId::parse(&req.into_inner().user_id)?;
        let list = self.service.addresses(&user).await?;
        Ok(Response::new(pb::AddressList {
            addresses: list.into_iter().map(convert::address).collect(),
        }))
    }

    async fn get_address(&self, req: Request<pb::AddressRef>) -> Reply<pb::Address> {
        let r = req.into_inner();
        let user = UserId::parse(&r.user_id)?;
        let found = self
            .service
            .address(&user, &AddressId::from_path(&r.address_id)?)
            .await?;
        Ok(Response::new(convert::address(found)))
    }

    async fn create_address(&self, req: Request<pb::AddressInput>) -> Reply<pb::Address> {
        let r = req.into_inner();
        let user = UserId::parse(&r.user_id)?;
        let created = self
            .service
            .create_address(&user, convert::address_input(&r), r.is_default)
            .await?;
        Ok(Response::new(convert::address(created)))
    }

    async fn update_address(&self, req: Request<pb::UpdateAddressRequest>) -> Reply<pb::Address> {
        let r = req.into_inner();
        let user = UserId::parse(&r.user_id)?;
        let updated = self
            .service
            .update_address(
                &user,
                &AddressId::from_path(&r.address_id)?,
                convert::address_update(&r),
                r.is_default,
            )
            .await?;
        Ok(Response::new(convert::address(updated)))
    }

    async fn delete_address(&self, req: Request<pb::AddressRef>) -> Reply<Empty> {
        let r = req.into_inner();
        let user = UserId::parse(&r.user_id)?;
        let address = AddressId::from_path(&r.address_id)?;
        self.service.delete_address(&user, &address).await?;
        Ok(Response::new(Empty {}))
    }

    async fn get_preferences(&self, req: Request<pb::UserRef>) -> Reply<pb::Preferences> {
        let user = UserId::parse(&req.into_inner().user_id)?;
        let prefs = self.service.preferences(&user).await?;
        Ok(Response::new(convert::preferences(prefs)))
    }

    async fn update_preferences(
        &self,
        req: Request<pb::UpdatePreferencesRequest>,
    ) -> Reply<pb::Preferences> {
        let r = req.into_inner();
        let user = UserId::parse(&r.user_id)?;
        let prefs = self
            .service
            .update_preferences(&user, convert::preferences_update(r))
            .await?;
        Ok(Response::new(convert::preferences(prefs)))
    }

    async fn list_wishlist(
        &self,
        req: Request<pb::ListWishlistRequest>,
    ) -> Reply<pb::WishlistPage> {
        let r = req.into_inner();
        let user = UserId::parse(&r.user_id)?;
        let asked = r.page.unwrap_or_default();
        let page = Page::new(asked.page, asked.limit);
        let (items, total) = self.service.wishlist(&user, page).await?;
        Ok(Response::new(pb::WishlistPage {
            items: items.into_iter().map(convert::wishlist_item).collect(),
            page: page.info(total),
        }))
    }

    async fn add_to_wishlist(&self, req: Request<pb::WishlistRef>) -> Reply<pb::WishlistItem> {
        let r = req.into_inner();
        let user = UserId::parse(&r.user_id)?;
        let product = ProductId::parse(&r.product_id)?;
        let item = self.service.add_to_wishlist(&user, &product).await?;
        Ok(Response::new(convert::wishlist_item(item)))
    }

    async fn remove_from_wishlist(&self, req: Request<pb::WishlistRef>) -> Reply<Empty> {
        let r = req.into_inner();
        let user = UserId::parse(&r.user_id)?;
        // An id that is not one names nothing the wishlist holds.
        let product = ProductId::from_path(&r.product_id).map_err(|_| not_in_wishlist())?;
        self.service.remove_from_wishlist(&user, &product).await?;
        Ok(Response::new(Empty {}))
    }
}
