//! The shop's one postal address (`vici_types::PostalAddress`) in the messages that carry one:
//! a user's saved address and an order's shipping and billing snapshots. Their fields are
//! copied here and nowhere else; what only a message has (ids, times) is the caller's.
use vici_types::PostalAddress;

use crate::order::v1 as order;
use crate::user::v1 as user;

/// Both ways between the postal address and a message that holds its fields under the same
/// names; the message's other fields (ids, times) are left empty on the way in.
macro_rules! carries_postal_address {
    ($message:ty) => {
        impl From<$message> for PostalAddress {
            fn from(a: $message) -> Self {
                PostalAddress {
                    first_name: a.first_name,
                    last_name: a.last_name,
                    address_line1: a.address_line1,
                    address_line2: a.address_line2,
                    city: a.city,
                    state: a.state,
                    postal_code: a.postal_code,
                    country: a.country,
                    phone: a.phone,
                }
            }
        }

        impl From<PostalAddress> for $message {
            fn from(a: PostalAddress) -> Self {
                Self {
                    first_name: a.first_name,
                    last_name: a.last_name,
                    address_line1: a.address_line1,
                    address_line2: a.address_line2,
                    city: a.city,
                    state: a.state,
                    postal_code: a.postal_code,
                    country: a.country,
                    phone: a.phone,
                    ..Default::default()
                }
            }
        }
    };
}

// An order's shipping and billing snapshots (`id`: the saved address copied, if any).
carries_postal_address!(order::Address);
// A user's saved address (`id`, `user_id`, `is_default` and times are the user service's).
carries_postal_address!(user::Address);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_cross_messages_whole() {
        let a = PostalAddress {
            first_name: "Ada".into(),
            last_name: "Lovelace".into(),
            address_line1: "12 St James's Square".into(),
            address_line2: Some("Flat 2".into()),
            city: "London".into(),
            state: "London".into(),
            postal_code: "SW1Y 4JH".into(),
            country: "GB".into(),
            phone: "+44 20 7946 0958".into(),
        };
        let saved = user::Address {
            id: "a-1".into(),
            ..user::Address::from(a.clone())
        };
        let snapshot = order::Address::from(PostalAddress::from(saved));
        assert_eq!(snapshot.id, None);
        assert_eq!(PostalAddress::from(snapshot), a);
    }
}
