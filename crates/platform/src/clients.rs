//! Typed gRPC clients of the services: which service each one talks to, and how it is set up
//! over a channel (message limits large enough for image uploads).
use vici_kit::ServiceName;
use vici_kit::grpc::{Channel, MAX_MESSAGE_BYTES};
use vici_proto::auth::v1::auth_service_client::AuthServiceClient;
use vici_proto::cart::v1::cart_service_client::CartServiceClient;
use vici_proto::event::v1::event_service_client::EventServiceClient;
use vici_proto::inventory::v1::inventory_service_client::InventoryServiceClient;
use vici_proto::notification::v1::notification_service_client::NotificationServiceClient;
use vici_proto::order::v1::order_service_client::OrderServiceClient;
use vici_proto::payment::v1::payment_service_client::PaymentServiceClient;
use vici_proto::product::v1::product_service_client::ProductServiceClient;
use vici_proto::recommendation::v1::recommendation_service_client::RecommendationServiceClient;
use vici_proto::user::v1::user_service_client::UserServiceClient;

/// A gRPC client of one service.
pub trait Client: Sized {
    const SERVICE: ServiceName;
    fn over(channel: Channel) -> Self;
}

macro_rules! clients {
    ($($client:ident => $service:ident),* $(,)?) => {$(
        impl Client for $client<Channel> {
            const SERVICE: ServiceName = ServiceName::$service;
            fn over(channel: Channel) -> Self {
                $client::new(channel)
                    .max_decoding_message_size(MAX_MESSAGE_BYTES)
                    .max_encoding_message_size(MAX_MESSAGE_BYTES)
            }
        }
    )*};
}

clients! {
    AuthServiceClient => Auth,
    UserServiceClient => User,
    ProductServiceClient => Product,
    InventoryServiceClient => Inventory,
    CartServiceClient => Cart,
    OrderServiceClient => Order,
    PaymentServiceClient => Payment,
    RecommendationServiceClient => Recommendation,
    EventServiceClient => Event,
    NotificationServiceClient => Notification,
}
