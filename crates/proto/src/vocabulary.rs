//! The contracts' closed vocabularies as the REST API and the shared contract spell them
//! (`price-asc`, `new-arrivals`, `OUT_OF_STOCK`, `SET`, `admin`, `percent`): the one table of
//! spellings, read by the gateway (parsing a request once, rendering an answer) and by services
//! that show a value. Between services these values travel as the protobuf enums.
use crate::auth::v1::Role;
use crate::cart::v1::CouponKind;
use crate::inventory::v1::StockOperation;
use crate::order::v1::OrderStatus;
use crate::payment::v1::PaymentStatus;
use crate::product::v1::{CuratedKind, ProductSort, ProductStatus, ReviewSort};
use crate::recommendation::v1::RecommendationKind;

/// A protobuf enum with its REST spelling per value.
pub trait Spelled: Sized + Copy + 'static {
    /// Every value but UNSPECIFIED, in the contract's order, with its spelling.
    const SPELLINGS: &'static [(Self, &'static str)];

    /// The REST spelling; empty for UNSPECIFIED.
    fn spelling(self) -> &'static str
    where
        Self: PartialEq,
    {
        Self::SPELLINGS
            .iter()
            .find(|(value, _)| *value == self)
            .map_or("", |(_, spelled)| spelled)
    }

    /// The value a caller spelled, in any case, with `_`, `-` or a space between words
    /// (`price_asc`, `Price-Asc`, `out-of-stock`); `None` when it names none.
    fn parse(raw: &str) -> Option<Self> {
        let words = |s: &str| s.trim().to_ascii_lowercase().replace(['_', ' '], "-");
        let wanted = words(raw);
        Self::SPELLINGS
            .iter()
            .find(|(_, spelled)| words(spelled) == wanted)
            .map(|(value, _)| *value)
    }

    /// `a, b, c`: the spellings, for a message that lists what is accepted.
    fn accepted() -> String {
        let names: Vec<&str> = Self::SPELLINGS.iter().map(|(_, s)| *s).collect();
        names.join(", ")
    }
}

impl Spelled for ProductSort {
    const SPELLINGS: &'static [(Self, &'static str)] = &[
        (Self::Featured, "featured"),
        (Self::PriceAsc, "price-asc"),
        (Self::PriceDesc, "price-desc"),
        (Self::Rating, "rating"),
        (Self::Newest, "newest"),
        (Self::Name, "name"),
        (Self::Relevance, "relevance"),
    ];
}

impl Spelled for ReviewSort {
    const SPELLINGS: &'static [(Self, &'static str)] = &[
        (Self::Newest, "newest"),
        (Self::Helpful, "helpful"),
        (Self::RatingDesc, "rating-desc"),
        (Self::RatingAsc, "rating-asc"),
    ];
}

impl Spelled for CuratedKind {
    const SPELLINGS: &'static [(Self, &'static str)] = &[
        (Self::Recommended, "recommended"),
        (Self::Trending, "trending"),
        (Self::NewArrivals, "new-arrivals"),
        (Self::Related, "related"),
        (Self::FrequentlyBoughtTogether, "frequently-bought-together"),
    ];
}

/// As the impression event's `listType` names each list.
impl Spelled for RecommendationKind {
    const SPELLINGS: &'static [(Self, &'static str)] = &[
        (Self::Recommended, "recommended"),
        (Self::Trending, "trending"),
        (Self::NewArrivals, "new-arrivals"),
        (Self::RecentlyViewed, "recently-viewed"),
        (Self::Related, "related"),
        (Self::FrequentlyBoughtTogether, "frequently-bought-together"),
    ];
}

impl Spelled for ProductStatus {
    const SPELLINGS: &'static [(Self, &'static str)] = &[
        (Self::Active, "ACTIVE"),
        (Self::Inactive, "INACTIVE"),
        (Self::OutOfStock, "OUT_OF_STOCK"),
        (Self::Draft, "DRAFT"),
    ];
}

impl Spelled for OrderStatus {
    const SPELLINGS: &'static [(Self, &'static str)] = &[
        (Self::Pending, "PENDING"),
        (Self::PaymentPending, "PAYMENT_PENDING"),
        (Self::Confirmed, "CONFIRMED"),
        (Self::Processing, "PROCESSING"),
        (Self::Shipped, "SHIPPED"),
        (Self::Delivered, "DELIVERED"),
        (Self::Cancelled, "CANCELLED"),
        (Self::Refunded, "REFUNDED"),
    ];
}

impl Spelled for PaymentStatus {
    const SPELLINGS: &'static [(Self, &'static str)] = &[
        (Self::Processing, "PROCESSING"),
        (Self::Pending, "PENDING"),
        (Self::Authorized, "AUTHORIZED"),
        (Self::Succeeded, "SUCCEEDED"),
        (Self::Failed, "FAILED"),
        (Self::Cancelled, "CANCELLED"),
        (Self::PartiallyRefunded, "PARTIALLY_REFUNDED"),
        (Self::Refunded, "REFUNDED"),
    ];
}

impl Spelled for StockOperation {
    const SPELLINGS: &'static [(Self, &'static str)] = &[
        (Self::Add, "ADD"),
        (Self::Subtract, "SUBTRACT"),
        (Self::Set, "SET"),
    ];
}

impl Spelled for Role {
    const SPELLINGS: &'static [(Self, &'static str)] =
        &[(Self::Customer, "customer"), (Self::Admin, "admin")];
}

impl Spelled for CouponKind {
    const SPELLINGS: &'static [(Self, &'static str)] =
        &[(Self::Percent, "percent"), (Self::Fixed, "fixed")];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_parse_in_any_case_and_separator_and_print_back() {
        assert_eq!(ProductSort::parse("price_asc"), Some(ProductSort::PriceAsc));
        assert_eq!(
            ProductSort::parse(" Price-Desc "),
            Some(ProductSort::PriceDesc)
        );
        assert_eq!(ProductSort::parse("cheapest"), None);
        assert_eq!(ProductSort::parse(""), None);
        assert_eq!(ReviewSort::parse("RATING_ASC"), Some(ReviewSort::RatingAsc));
        assert_eq!(
            CuratedKind::parse("new arrivals"),
            Some(CuratedKind::NewArrivals)
        );
        assert_eq!(
            ProductStatus::parse("out-of-stock"),
            Some(ProductStatus::OutOfStock)
        );
        assert_eq!(ProductStatus::OutOfStock.spelling(), "OUT_OF_STOCK");
        assert_eq!(ProductStatus::Unspecified.spelling(), "");
        assert_eq!(ProductStatus::parse("unspecified"), None);
        assert_eq!(
            ReviewSort::accepted(),
            "newest, helpful, rating-desc, rating-asc"
        );
    }

    #[test]
    fn every_value_but_unspecified_has_one_spelling() {
        fn check<T: Spelled + PartialEq + std::fmt::Debug + TryFrom<i32>>(count: i32) {
            for n in 1..count {
                let value = T::try_from(n).ok().expect("contiguous values");
                assert!(!value.spelling().is_empty(), "{value:?}");
                assert_eq!(T::parse(value.spelling()), Some(value));
            }
            assert!(T::try_from(count).is_err(), "a value without a spelling");
        }
        check::<ProductSort>(8);
        check::<ReviewSort>(5);
        check::<CuratedKind>(6);
        check::<RecommendationKind>(7);
        check::<ProductStatus>(5);
        check::<OrderStatus>(9);
        check::<PaymentStatus>(9);
        check::<StockOperation>(4);
        check::<Role>(3);
        check::<CouponKind>(3);
    }
}
