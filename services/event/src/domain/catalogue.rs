//! The behaviour types of events.md, each with its fields, its topics and who may record it:
//! one table that validation, the published JSON Schemas and the Segment mapping all read.
use vici_bus::topics::{CART_EVENTS, PRODUCT_VIEWS, PURCHASE_EVENTS, SEARCH_EVENTS, USER_EVENTS};

/// What a field holds, with its bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// An id of the shop (product, category, order, list, request): 1–64 characters.
    Id,
    /// Free text of at most this many characters.
    Text(usize),
    /// A whole number in `min..=max`.
    Count { min: i64, max: i64 },
    /// At most this many ids.
    Ids(usize),
    /// At most this many whole numbers ≥ 0.
    Positions(usize),
}

/// One field of an event's data.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
}

const fn required(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: true,
    }
}

const fn optional(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: false,
    }
}

/// Who records a type. Purchases, cart changes and sign-ins are facts the shop itself knows;
/// taking them from a browser would let anyone forge what recommendations and reviews trust.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The storefront (or any client) may post it; the shop records it too where it can.
    Client,
    /// Only the shop's own services record it.
    Shop,
}

/// One behaviour type.
#[derive(Debug)]
pub struct EventType {
    /// `behaviour.<name>`.
    pub name: &'static str,
    pub origin: Origin,
    /// `user-events` first, then the subset topic, if any.
    pub topics: &'static [&'static str],
    /// The fields of this type besides the common ones ([`COMMON`]).
    pub fields: &'static [Field],
    /// The Segment e-commerce spec's name for it, so Segment-shaped tools map it.
    pub segment: &'static str,
    pub summary: &'static str,
}

/// Longest free text of the common fields and of a search.
pub const TEXT_MAX: usize = 200;
/// Most ids in one list event.
pub const LIST_MAX: usize = 100;

/// Fields every type may carry (`sessionId` is required of every event, but may come as the
/// `X-Session-Id` header instead of in the body).
pub const COMMON: &[Field] = &[
    required("sessionId", Kind::Id),
    optional("source", Kind::Text(40)),
    optional("requestId", Kind::Id),
    optional(
        "position",
        Kind::Count {
            min: 0,
            max: 10_000,
        },
    ),
    optional("clientTime", Kind::Text(40)),
];

const PRODUCT: Field = required("productId", Kind::Id);
const QUANTITY: Field = required("quantity", Kind::Count { min: 1, max: 999 });
const PRICE: Field = optional(
    "priceCents",
    Kind::Count {
        min: 0,
        max: 100_000_000,
    },
);

pub const ALL: &[EventType] = &[
    EventType {
        name: "behaviour.page_view",
        origin: Origin::Client,
        topics: &[USER_EVENTS],
        fields: &[optional("path", Kind::Text(TEXT_MAX))],
        segment: "Page Viewed",
        summary: "A page of the shop was shown",
    },
    EventType {
        name: "behaviour.category_view",
        origin: Origin::Client,
        topics: &[USER_EVENTS],
        fields: &[required("categoryId", Kind::Id)],
        segment: "Product List Viewed",
        summary: "A category page was shown",
    },
    EventType {
        name: "behaviour.product_view",
        origin: Origin::Client,
        topics: &[USER_EVENTS, PRODUCT_VIEWS],
        fields: &[PRODUCT, optional("categoryId", Kind::Id), PRICE],
        segment: "Product Viewed",
        summary: "A product page was shown",
    },
    EventType {
        name: "behaviour.product_click",
        origin: Origin::Client,
        topics: &[USER_EVENTS, PRODUCT_VIEWS],
        fields: &[PRODUCT, optional("listId", Kind::Id)],
        segment: "Product Clicked",
        summary: "A product in a list was clicked (with the list's requestId and the position)",
    },
    EventType {
        name: "behaviour.product_list_view",
        origin: Origin::Client,
        topics: &[USER_EVENTS],
        fields: &[
            required("listId", Kind::Id),
            required("productIds", Kind::Ids(LIST_MAX)),
            optional("positions", Kind::Positions(LIST_MAX)),
            optional("categoryId", Kind::Id),
        ],
        segment: "Product List Viewed",
        summary: "A list of products was shown, in this order",
    },
    EventType {
        name: "behaviour.recommendation_impression",
        origin: Origin::Client,
        topics: &[USER_EVENTS],
        fields: &[
            required("listType", Kind::Id),
            required("productIds", Kind::Ids(LIST_MAX)),
            optional("gen", Kind::Id),
            optional("modelVersion", Kind::Id),
        ],
        segment: "Product List Viewed",
        summary: "A recommendation list was shown (requestId names the list)",
    },
    EventType {
        name: "behaviour.search",
        origin: Origin::Client,
        topics: &[USER_EVENTS, SEARCH_EVENTS],
        fields: &[
            required("query", Kind::Text(TEXT_MAX)),
            optional(
                "resultsCount",
                Kind::Count {
                    min: 0,
                    max: i64::MAX,
                },
            ),
            optional("resultProductIds", Kind::Ids(LIST_MAX)),
        ],
        segment: "Products Searched",
        summary: "A search and what it found",
    },
    EventType {
        name: "behaviour.add_to_cart",
        origin: Origin::Shop,
        topics: &[USER_EVENTS, CART_EVENTS],
        fields: &[PRODUCT, optional("variantId", Kind::Id), QUANTITY, PRICE],
        segment: "Product Added",
        summary: "Units added to a cart",
    },
    EventType {
        name: "behaviour.remove_from_cart",
        origin: Origin::Shop,
        topics: &[USER_EVENTS, CART_EVENTS],
        fields: &[PRODUCT, optional("variantId", Kind::Id), QUANTITY, PRICE],
        segment: "Product Removed",
        summary: "Units taken out of a cart",
    },
    EventType {
        name: "behaviour.wishlist_add",
        origin: Origin::Shop,
        topics: &[USER_EVENTS],
        fields: &[PRODUCT],
        segment: "Product Added to Wishlist",
        summary: "A product put on the wishlist",
    },
    EventType {
        name: "behaviour.wishlist_remove",
        origin: Origin::Shop,
        topics: &[USER_EVENTS],
        fields: &[PRODUCT],
        segment: "Product Removed from Wishlist",
        summary: "A product taken off the wishlist",
    },
    EventType {
        name: "behaviour.checkout_start",
        origin: Origin::Shop,
        topics: &[USER_EVENTS],
        fields: &[PRICE],
        segment: "Checkout Started",
        summary: "Checkout began, with the cart's value",
    },
    EventType {
        name: "behaviour.purchase",
        origin: Origin::Shop,
        topics: &[USER_EVENTS, PURCHASE_EVENTS],
        fields: &[
            required("orderId", Kind::Id),
            PRODUCT,
            QUANTITY,
            required(
                "priceCents",
                Kind::Count {
                    min: 0,
                    max: 100_000_000,
                },
            ),
        ],
        segment: "Order Completed",
        summary: "One line of a paid order",
    },
    EventType {
        name: "behaviour.identify",
        origin: Origin::Shop,
        topics: &[USER_EVENTS],
        fields: &[],
        segment: "Identify",
        summary: "A session signed in or registered: its events so far were this user's",
    },
];

/// The type named `name`, if it is one of ours.
pub fn find(name: &str) -> Option<&'static EventType> {
    ALL.iter().find(|t| t.name == name)
}

impl EventType {
    /// Its field named `name`, common or its own.
    pub fn field(&self, name: &str) -> Option<&'static Field> {
        COMMON
            .iter()
            .chain(self.fields.iter())
            .find(|f| f.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_goes_to_user_events_first_and_names_are_unique() {
        let mut names = std::collections::BTreeSet::new();
        for t in ALL {
            assert_eq!(t.topics[0], USER_EVENTS, "{}", t.name);
            assert!(t.name.starts_with("behaviour."), "{}", t.name);
            assert!(names.insert(t.name), "{} twice", t.name);
            for f in t.fields {
                assert!(
                    COMMON.iter().all(|c| c.name != f.name),
                    "{}: {} shadows a common field",
                    t.name,
                    f.name
                );
            }
        }
    }

    #[test]
    fn the_segment_table_of_the_docs_lists_every_type_as_here() {
        let doc = include_str!("../../../../docs/behaviour-events.md");
        for t in ALL {
            let row = doc
                .lines()
                .find(|l| l.starts_with(&format!("| `{}` |", t.name)))
                .unwrap_or_else(|| panic!("docs/behaviour-events.md has no row for {}", t.name));
            assert!(row.contains(t.segment), "{}: {row}", t.name);
            for topic in t.topics {
                assert!(row.contains(topic), "{}: {row} lacks {topic}", t.name);
            }
        }
    }

    #[test]
    fn the_subset_topics_carry_the_types_events_md_lists() {
        let on = |topic: &str| -> Vec<&str> {
            ALL.iter()
                .filter(|t| t.topics.contains(&topic))
                .map(|t| t.name)
                .collect()
        };
        assert_eq!(
            on(PRODUCT_VIEWS),
            ["behaviour.product_view", "behaviour.product_click"]
        );
        assert_eq!(
            on(CART_EVENTS),
            ["behaviour.add_to_cart", "behaviour.remove_from_cart"]
        );
        assert_eq!(on(SEARCH_EVENTS), ["behaviour.search"]);
        assert_eq!(on(PURCHASE_EVENTS), ["behaviour.purchase"]);
    }
}
