//! The shop's shared vocabulary, one spelling of each rule the gateway and the services both
//! apply: typed ids, parsed once at the edge of each service and carried as types inside;
//! idempotency keys with the operations they guard; postal addresses (`address`, with the
//! ISO country list in `country`), the rules for typed text and phone numbers (`text`) and
//! for product tags (`tags`).
pub mod address;
pub mod country;
pub mod idempotency;
pub mod ids;
pub mod tags;
pub mod text;

pub use address::{AddressPatch, PostalAddress};
pub use idempotency::IdempotencyKey;
pub use ids::{
    AddressId, CartLineId, CategoryId, CouponId, DeliveryId, NotificationId, OrderId, ProductId,
    ReviewId, TypedId, UserId, VariantId, new_id,
};
