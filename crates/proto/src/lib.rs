//! Generated gRPC contracts of every vici service, one module per `proto/vici/<service>/v1`, the
//! paging every list call shares, the spellings of the contracts' vocabularies, and the shop's
//! postal address in the messages that carry one.

pub mod address;
pub mod paging;
pub mod vocabulary;

macro_rules! contract {
    ($name:ident, $pkg:literal) => {
        pub mod $name {
            pub mod v1 {
                tonic::include_proto!($pkg);
            }
        }
    };
}

contract!(common, "vici.common.v1");
contract!(product, "vici.product.v1");
contract!(inventory, "vici.inventory.v1");
contract!(auth, "vici.auth.v1");
contract!(user, "vici.user.v1");
contract!(cart, "vici.cart.v1");
contract!(order, "vici.order.v1");
contract!(payment, "vici.payment.v1");
contract!(recommendation, "vici.recommendation.v1");
contract!(event, "vici.event.v1");
contract!(notification, "vici.notification.v1");
