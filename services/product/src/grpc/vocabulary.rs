//! The contract's closed vocabularies (protobuf enums) ↔ the domain's types. A value this
//! service does not know (a newer caller) is INVALID_ARGUMENT naming its field; UNSPECIFIED is
//! "not given", whose meaning each field documents in product.proto.
use vici_kit::{Error, Result};
use vici_proto::product::v1 as pb;

use crate::domain::Sort;
use crate::domain::Status;
use crate::domain::curated::Kind;
use crate::domain::review::ReviewSort;

/// The enum value behind `raw`, or a 400 naming `field`.
fn known<E: TryFrom<i32>>(raw: i32, field: &str) -> Result<E> {
    E::try_from(raw).map_err(|_| Error::validation(field, format!("Unknown `{field}` value {raw}")))
}

/// `None`: the list's default order.
pub fn sort(raw: i32) -> Result<Option<Sort>> {
    Ok(match known(raw, "sort")? {
        pb::ProductSort::Unspecified => None,
        pb::ProductSort::Featured => Some(Sort::Featured),
        pb::ProductSort::PriceAsc => Some(Sort::PriceAsc),
        pb::ProductSort::PriceDesc => Some(Sort::PriceDesc),
        pb::ProductSort::Rating => Some(Sort::Rating),
        pb::ProductSort::Newest => Some(Sort::Newest),
        pb::ProductSort::Name => Some(Sort::Name),
        pb::ProductSort::Relevance => Some(Sort::Relevance),
    })
}

pub fn review_sort(raw: i32) -> Result<ReviewSort> {
    Ok(match known(raw, "sort")? {
        pb::ReviewSort::Unspecified | pb::ReviewSort::Newest => ReviewSort::Newest,
        pb::ReviewSort::Helpful => ReviewSort::Helpful,
        pb::ReviewSort::RatingDesc => ReviewSort::RatingDesc,
        pb::ReviewSort::RatingAsc => ReviewSort::RatingAsc,
    })
}

pub fn kind(raw: i32) -> Result<Kind> {
    match known(raw, "kind")? {
        pb::CuratedKind::Unspecified => Err(Error::validation("kind", "Say which list to show")),
        pb::CuratedKind::Recommended => Ok(Kind::Recommended),
        pb::CuratedKind::Trending => Ok(Kind::Trending),
        pb::CuratedKind::NewArrivals => Ok(Kind::NewArrivals),
        pb::CuratedKind::Related => Ok(Kind::Related),
        pb::CuratedKind::FrequentlyBoughtTogether => Ok(Kind::FrequentlyBoughtTogether),
    }
}

/// `None`: not given.
pub fn status(raw: i32) -> Result<Option<Status>> {
    Ok(match known(raw, "status")? {
        pb::ProductStatus::Unspecified => None,
        pb::ProductStatus::Active => Some(Status::Active),
        pb::ProductStatus::Inactive => Some(Status::Inactive),
        pb::ProductStatus::OutOfStock => Some(Status::OutOfStock),
        pb::ProductStatus::Draft => Some(Status::Draft),
    })
}

pub fn status_to_proto(status: Status) -> pb::ProductStatus {
    match status {
        Status::Active => pb::ProductStatus::Active,
        Status::Inactive => pb::ProductStatus::Inactive,
        Status::OutOfStock => pb::ProductStatus::OutOfStock,
        Status::Draft => pb::ProductStatus::Draft,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_goes_both_ways_and_unknown_values_name_their_field() {
        for s in Status::ALL {
            assert_eq!(status(status_to_proto(s) as i32).unwrap(), Some(s));
        }
        assert_eq!(status(0).unwrap(), None);
        assert!(status(99).unwrap_err().details.contains_key("status"));
        assert_eq!(sort(0).unwrap(), None);
        assert_eq!(
            sort(pb::ProductSort::PriceAsc as i32).unwrap(),
            Some(Sort::PriceAsc)
        );
        assert!(sort(42).unwrap_err().details.contains_key("sort"));
        assert_eq!(review_sort(0).unwrap(), ReviewSort::Newest);
        assert!(kind(0).unwrap_err().details.contains_key("kind"));
        assert_eq!(
            kind(pb::CuratedKind::NewArrivals as i32).unwrap(),
            Kind::NewArrivals
        );
    }
}
