//! Categories, reviews, price ranges, search results and suggestions.
use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;
use vici_proto::product::v1 as pb;

use super::rendered::{self, RenderedProduct};
use super::{ProductDto, dollars, one_decimal};
use crate::envelope::Pagination;

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CategoryDto {
    pub id: String,
    pub name: String,
    pub slug: String,
    pub description: String,
    pub image: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    /// Active products in this category and its descendants.
    pub product_count: u64,
    pub is_active: bool,
    pub sort_order: i32,
    /// Present when the category has children (and always on the single-category route).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(no_recursion)]
    pub children: Option<Vec<CategoryDto>>,
}

impl CategoryDto {
    /// For lists: `children` only when there are some.
    pub fn from_list(c: &pb::Category) -> Self {
        Self::convert(c, false)
    }

    /// For the single-category route: `children` always, possibly empty.
    pub fn with_children(c: &pb::Category) -> Self {
        Self::convert(c, true)
    }

    /// Every category of `roots` and below, parents before their children, without `children`.
    pub fn flatten(roots: &[pb::Category]) -> Vec<Self> {
        let mut out = Vec::new();
        let mut stack: Vec<&pb::Category> = roots.iter().rev().collect();
        while let Some(c) = stack.pop() {
            out.push(Self {
                children: None,
                ..Self::convert(c, false)
            });
            stack.extend(c.children.iter().rev());
        }
        out
    }

    fn convert(c: &pb::Category, always_children: bool) -> Self {
        let children = (always_children || !c.children.is_empty())
            .then(|| c.children.iter().map(Self::from_list).collect());
        Self {
            id: c.id.clone(),
            name: c.name.clone(),
            slug: c.slug.clone(),
            description: c.description.clone(),
            image: c.image.clone(),
            icon: c.icon.clone(),
            parent_id: c.parent_id.clone().filter(|p| !p.is_empty()),
            product_count: c.product_count,
            is_active: c.is_active,
            sort_order: c.sort_order,
            children,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReviewDto {
    pub id: String,
    pub product_id: String,
    pub user_id: String,
    pub user_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_avatar: Option<String>,
    /// 1–5.
    pub rating: u32,
    pub title: String,
    pub comment: String,
    pub images: Vec<String>,
    pub helpful: u64,
    /// The reviewer bought the product.
    pub verified: bool,
    pub created_at: String,
}

impl From<&pb::Review> for ReviewDto {
    fn from(r: &pb::Review) -> Self {
        Self {
            id: r.id.clone(),
            product_id: r.product_id.clone(),
            user_id: r.user_id.clone(),
            user_name: r.user_name.clone(),
            user_avatar: r.user_avatar.clone().filter(|a| !a.is_empty()),
            rating: r.rating,
            title: r.title.clone(),
            comment: r.comment.clone(),
            images: r.images.clone(),
            helpful: r.helpful,
            verified: r.verified,
            created_at: r.created_at.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReviewSummaryDto {
    /// The product's `rating`, one decimal.
    pub average: f64,
    /// The product's `reviewCount`.
    pub count: u64,
    /// Reviews per star, keyed `"1"` … `"5"`.
    pub distribution: BTreeMap<String, u64>,
}

impl From<Option<&pb::ReviewSummary>> for ReviewSummaryDto {
    fn from(s: Option<&pb::ReviewSummary>) -> Self {
        let s = s.cloned().unwrap_or_default();
        let distribution = (1..=5)
            .map(|star| {
                (
                    star.to_string(),
                    s.distribution.get(star - 1).copied().unwrap_or(0),
                )
            })
            .collect();
        Self {
            average: one_decimal(s.average),
            count: s.count,
            distribution,
        }
    }
}

/// Reviews are a list with a sibling `summary` besides `pagination`.
#[derive(Serialize, ToSchema)]
pub struct ReviewsEnvelope {
    pub success: bool,
    pub data: Vec<ReviewDto>,
    pub pagination: Pagination,
    pub summary: ReviewSummaryDto,
}

/// `GET /products/price-range`, in dollars; all zeros when nothing matches.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PriceRangeDto {
    pub min_price: f64,
    pub max_price: f64,
    pub avg_price: f64,
    pub product_count: u64,
}

impl From<&pb::PriceRange> for PriceRangeDto {
    fn from(r: &pb::PriceRange) -> Self {
        Self {
            min_price: dollars(r.min_cents),
            max_price: dollars(r.max_cents),
            avg_price: dollars(r.avg_cents),
            product_count: r.product_count,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CategoryFacetDto {
    pub id: String,
    pub name: String,
    pub count: u64,
}

#[derive(Serialize, ToSchema)]
pub struct PriceRangeFacetDto {
    /// Dollars.
    pub min: f64,
    /// Dollars; `null` for the open-ended top bucket.
    pub max: Option<f64>,
    pub count: u64,
}

#[derive(Serialize, ToSchema)]
pub struct RatingFacetDto {
    pub rating: u32,
    pub count: u64,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FacetsDto {
    pub categories: Vec<CategoryFacetDto>,
    pub price_ranges: Vec<PriceRangeFacetDto>,
    pub ratings: Vec<RatingFacetDto>,
}

/// `GET /products/search`'s `data`.
#[derive(Serialize, ToSchema)]
pub struct SearchResultDto {
    #[schema(value_type = Vec<ProductDto>)]
    pub products: Vec<RenderedProduct>,
    pub total: u64,
    pub suggestions: Vec<String>,
    pub facets: FacetsDto,
}

impl From<&pb::SearchProductsResponse> for SearchResultDto {
    fn from(r: &pb::SearchProductsResponse) -> Self {
        Self {
            products: rendered::products(&r.products),
            total: r.page.as_ref().map_or(0, |p| p.total),
            suggestions: r.suggestions.clone(),
            facets: FacetsDto {
                categories: r
                    .categories
                    .iter()
                    .map(|c| CategoryFacetDto {
                        id: c.id.clone(),
                        name: c.name.clone(),
                        count: c.count,
                    })
                    .collect(),
                price_ranges: r
                    .price_ranges
                    .iter()
                    .map(|p| PriceRangeFacetDto {
                        min: dollars(p.min_cents),
                        max: p.max_cents.map(dollars),
                        count: p.count,
                    })
                    .collect(),
                ratings: r
                    .ratings
                    .iter()
                    .map(|f| RatingFacetDto {
                        rating: f.rating,
                        count: f.count,
                    })
                    .collect(),
            },
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SuggestionDto {
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
}

impl From<&pb::Suggestion> for SuggestionDto {
    fn from(s: &pb::Suggestion) -> Self {
        Self {
            text: s.text.clone(),
            product_id: s.product_id.clone(),
            slug: s.slug.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_show_children_only_when_present_in_lists() {
        let leaf = pb::Category {
            id: "c2".into(),
            ..Default::default()
        };
        let parent = pb::Category {
            id: "c1".into(),
            children: vec![leaf.clone()],
            ..Default::default()
        };
        let json = serde_json::to_value(CategoryDto::from_list(&parent)).unwrap();
        assert_eq!(json["children"][0]["id"], "c2");
        assert!(json["children"][0].get("children").is_none());
        assert!(json.get("parentId").is_none());
        let json = serde_json::to_value(CategoryDto::with_children(&leaf)).unwrap();
        assert_eq!(json["children"], serde_json::json!([]));
    }

    #[test]
    fn review_summary_keys_stars_one_to_five() {
        let s = pb::ReviewSummary {
            average: 4.26,
            count: 7,
            distribution: vec![0, 1, 0, 2, 4],
        };
        let json = serde_json::to_value(ReviewSummaryDto::from(Some(&s))).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"average": 4.3, "count": 7, "distribution": {"1": 0, "2": 1, "3": 0, "4": 2, "5": 4}})
        );
        let empty = serde_json::to_value(ReviewSummaryDto::from(None)).unwrap();
        assert_eq!(empty["distribution"]["5"], 0);
    }

    #[test]
    fn facets_render_dollars_and_open_ended_buckets() {
        let r = pb::SearchProductsResponse {
            price_ranges: vec![pb::PriceRangeFacet {
                min_cents: 10_000,
                max_cents: None,
                count: 3,
            }],
            page: Some(vici_proto::common::v1::PageInfo {
                page: 1,
                limit: 20,
                total: 3,
            }),
            ..Default::default()
        };
        let json = serde_json::to_value(SearchResultDto::from(&r)).unwrap();
        assert_eq!(
            json["facets"]["priceRanges"][0],
            serde_json::json!({"min": 100.0, "max": null, "count": 3})
        );
        assert_eq!(json["total"], 3);
    }
}
