//! The product entity and its editorial status.
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Status {
    #[default]
    Active,
    Inactive,
    OutOfStock,
    Draft,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Active,
        Status::Inactive,
        Status::OutOfStock,
        Status::Draft,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "ACTIVE",
            Status::Inactive => "INACTIVE",
            Status::OutOfStock => "OUT_OF_STOCK",
            Status::Draft => "DRAFT",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        let s = s.trim().to_ascii_uppercase().replace('-', "_");
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Whether a shopper may open the product's page: INACTIVE and DRAFT products are hidden,
    /// OUT_OF_STOCK ones are not (lists show ACTIVE only; that rule lives in the filter).
    pub fn is_public(self) -> bool {
        !matches!(self, Status::Inactive | Status::Draft)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Product {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub long_description: String,
    pub price_cents: i64,
    pub original_price_cents: Option<i64>,
    pub currency: String,
    pub category_id: String,
    pub category_name: String,
    pub category_slug: String,
    pub images: Vec<String>,
    /// Exact running mean of review ratings; shown rounded (`text::display_rating`).
    pub rating: f64,
    pub review_count: i64,
    /// A JSON object, compact.
    pub specifications: String,
    pub tags: Vec<String>,
    pub is_new: bool,
    pub is_featured: bool,
    pub is_on_sale: bool,
    pub sku: String,
    pub status: Status,
    pub variants: Vec<Variant>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Variant {
    pub id: String,
    pub name: String,
    pub sku: String,
    pub price_cents: i64,
    pub attributes: BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_statuses_read_back_loosely() {
        for status in Status::ALL {
            assert_eq!(Status::parse(status.as_str()), Some(status));
        }
        assert_eq!(Status::parse("out-of-stock"), Some(Status::OutOfStock));
        assert_eq!(Status::parse("SOLD"), None);
    }
}
