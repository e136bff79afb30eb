//! Calling a case's services: the message of a unary answer, and the calls the cases of several
//! services make on their neighbours (stock set and read, carts filled, products created and
//! changed), made as an admin or the gateway makes them.
use tonic::{Response, Status};
use vici_kit::grpc::Channel;
use vici_proto::cart::v1::{self as cart, cart_service_client::CartServiceClient};
use vici_proto::inventory::v1::{
    self as inventory, inventory_service_client::InventoryServiceClient,
};
use vici_proto::product::v1::{self as product, product_service_client::ProductServiceClient};

use crate::Services;

/// The message of a unary call's answer.
pub trait Unary<T> {
    /// The message, or the refusal.
    fn message(self) -> Result<T, Status>;

    /// The message of a call that must succeed; a refusal panics naming `call`.
    fn expect_message(self, call: &str) -> T;
}

impl<T> Unary<T> for Result<Response<T>, Status> {
    fn message(self) -> Result<T, Status> {
        self.map(Response::into_inner)
    }

    #[track_caller]
    fn expect_message(self, call: &str) -> T {
        self.message()
            .unwrap_or_else(|status| panic!("{call}: {status:?}"))
    }
}

impl Services {
    fn inventory(&self) -> InventoryServiceClient<Channel> {
        self.client()
    }

    fn cart(&self) -> CartServiceClient<Channel> {
        self.client()
    }

    /// Sets the available stock of a product, or of one of its variants.
    pub async fn set_stock(&self, product_id: &str, variant_id: Option<&str>, quantity: i64) {
        let request = inventory::AdjustRequest {
            product_id: product_id.into(),
            variant_id: variant_id.map(str::to_string),
            operation: inventory::StockOperation::Set.into(),
            quantity,
            reason: "test setup".into(),
            actor: "test".into(),
        };
        let answer = self.inventory().adjust(request).await;
        answer.expect_message("adjust stock");
    }

    /// (available, reserved) of a product's own stock.
    pub async fn stock(&self, product_id: &str) -> (i64, i64) {
        let request = inventory::GetStockLevelsRequest {
            product_ids: vec![product_id.into()],
        };
        let answer = self.inventory().get_stock_levels(request).await;
        let level = &answer.expect_message("stock levels").levels[0];
        (level.available, level.reserved)
    }

    /// Waits until the inventory service reports `want` (available, reserved) for a product:
    /// after a change made where it does not hear of it at once (another replica, a sweep run
    /// directly on its database), which reaches its known levels by the bus.
    pub async fn stock_becomes(&self, product_id: &str, want: (i64, i64)) {
        let what = format!("the stock of {product_id} to become {want:?}");
        crate::eventually(&what, || async { self.stock(product_id).await == want }).await;
    }

    /// `user`'s cart.
    pub async fn cart_of(&self, user: &str) -> cart::Cart {
        let request = cart::CartRef {
            user_id: user.into(),
            session_id: String::new(),
        };
        self.cart()
            .get_cart(request)
            .await
            .expect_message("get cart")
    }

    /// Adds `quantity` of a product to `user`'s cart; the cart.
    pub async fn add_to_cart(&self, user: &str, product_id: &str, quantity: i64) -> cart::Cart {
        let request = cart::AddItemRequest {
            user_id: user.into(),
            product_id: product_id.into(),
            variant_id: None,
            quantity,
            session_id: "session-1".into(),
        };
        self.cart()
            .add_item(request)
            .await
            .expect_message("add item")
    }

    /// Applies coupon `code` to `user`'s cart.
    pub async fn apply_coupon(&self, user: &str, code: &str) -> Result<cart::Cart, Status> {
        let request = cart::ApplyCouponRequest {
            user_id: user.into(),
            code: code.into(),
        };
        self.cart().apply_coupon(request).await.message()
    }

    /// Changes a product as an admin does.
    pub async fn update_product(&self, product_id: &str, patch: product::ProductPatch) {
        let request = product::UpdateProductRequest {
            id: product_id.into(),
            patch: Some(patch),
        };
        let mut products: ProductServiceClient<Channel> = self.client();
        products
            .update_product(request)
            .await
            .expect_message("update product");
    }

    /// A new active product at `price_cents` with `stock` available; its id.
    pub async fn create_product(&self, name: &str, price_cents: i64, stock: i64) -> String {
        let input = product::ProductInput {
            name: name.into(),
            price_cents,
            category: "computers-accessories".into(),
            images: vec!["https://img.test/p.jpg".into()],
            status: product::ProductStatus::Active.into(),
            ..product::ProductInput::default()
        };
        let mut products: ProductServiceClient<Channel> = self.client();
        let created = products.create_product(input).await;
        let id = created.expect_message("create product").id;
        self.set_stock(&id, None, stock).await;
        id
    }
}
