//! The shop's shared vocabulary, one spelling of each rule the gateway and the services both
//! apply: typed ids, parsed once at the edge of each service and carried as types inside, and
//! idempotency keys with the operations they guard.
pub mod idempotency;
pub mod ids;

pub use idempotency::IdempotencyKey;
pub use ids::{
    AddressId, CartLineId, CategoryId, CouponId, OrderId, ProductId, ReviewId, TypedId, UserId,
    VariantId, new_id,
};
