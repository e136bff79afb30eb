//! Translation between the protobuf contract and the domain, both ways. No rules live here
//! beyond "absent means default"; validation is the domain's.
use vici_kit::Result;
use vici_proto::product::v1 as pb;
use vici_types::{ProductId, TypedId as _, UserId};

use crate::domain::category::{CategoryPatch, Node};
use crate::domain::edit::{Draft, Patch, VariantDraft};
use crate::domain::facets::{PRICE_BANDS, RATING_STEPS};
use crate::domain::filter::FilterParts;
use crate::domain::review::{Review, ReviewDraft};
use crate::domain::text::display_rating;
use crate::domain::{Filter, Status};
use crate::service::Stocked;
use crate::service::browse::SearchResult;
use vici_proto::paging::Page;

use super::vocabulary;

pub fn filter(f: Option<pb::ProductFilter>) -> Result<Filter> {
    let f = f.unwrap_or_default();
    Filter::new(FilterParts {
        category: f.category,
        min_price_cents: f.min_price_cents,
        max_price_cents: f.max_price_cents,
        min_rating: f.min_rating,
        in_stock: f.in_stock,
        is_featured: f.is_featured,
        is_new: f.is_new,
        is_on_sale: f.is_on_sale,
        tags: f.tags,
        include_all_statuses: f.include_all_statuses,
        status: vocabulary::status(f.status)?,
    })
}

pub fn product(s: Stocked) -> pb::Product {
    let Stocked { product: p, stock } = s;
    pb::Product {
        variants: p
            .variants
            .into_iter()
            .map(|v| pb::Variant {
                stock: stock.variants.get(&v.id).copied().unwrap_or_default(),
                id: v.id,
                name: v.name,
                sku: v.sku,
                price_cents: v.price_cents,
                attributes: v.attributes.into_iter().collect(),
            })
            .collect(),
        id: p.id,
        name: p.name,
        slug: p.slug,
        description: p.description,
        long_description: p.long_description,
        price_cents: p.price_cents,
        original_price_cents: p.original_price_cents,
        currency: p.currency,
        category_id: p.category_id,
        category_name: p.category_name,
        category_slug: p.category_slug,
        images: p.images,
        rating: display_rating(p.rating),
        review_count: p.review_count,
        stock: stock.available,
        specifications_json: p.specifications,
        tags: p.tags,
        is_new: p.is_new,
        is_featured: p.is_featured,
        is_on_sale: p.is_on_sale,
        sku: p.sku,
        status: vocabulary::status_to_proto(p.status) as i32,
        created_at: vici_store::rfc3339(p.created_at),
        updated_at: vici_store::rfc3339(p.updated_at),
    }
}

pub fn products(list: Vec<Stocked>) -> Vec<pb::Product> {
    list.into_iter().map(product).collect()
}

pub fn search_response(r: SearchResult, page: Page) -> pb::SearchProductsResponse {
    pb::SearchProductsResponse {
        page: page.info(r.total),
        products: products(r.products),
        suggestions: r.suggestions,
        categories: r
            .categories
            .into_iter()
            .map(|(id, name, count)| pb::CategoryFacet { id, name, count })
            .collect(),
        price_ranges: PRICE_BANDS
            .iter()
            .zip(r.facets.price_bands)
            .map(|(&(min_cents, max_cents), count)| pb::PriceRangeFacet {
                min_cents,
                max_cents,
                count,
            })
            .collect(),
        ratings: RATING_STEPS
            .iter()
            .zip(r.facets.ratings)
            .map(|(&rating, count)| pb::RatingFacet { rating, count })
            .collect(),
    }
}

/// CreateProduct's input and the category it names (id or slug).
pub fn draft(i: pb::ProductInput) -> Result<(Draft, String)> {
    let draft = Draft {
        name: i.name,
        slug: i.slug,
        description: i.description,
        long_description: i.long_description,
        price_cents: i.price_cents,
        original_price_cents: i.original_price_cents,
        images: i.images,
        specifications_json: i.specifications_json,
        tags: i.tags,
        is_new: i.is_new,
        is_featured: i.is_featured,
        is_on_sale: i.is_on_sale,
        sku: i.sku,
        status: vocabulary::status(i.status)?.unwrap_or(Status::Active),
        initial_stock: i.initial_stock,
        variants: i
            .variants
            .into_iter()
            .map(|v| VariantDraft {
                name: v.name,
                sku: v.sku,
                price_cents: v.price_cents,
                attributes: v.attributes.into_iter().collect(),
                initial_stock: v.initial_stock,
            })
            .collect(),
    };
    Ok((draft, i.category))
}

/// UpdateProduct's patch and the category it moves the product to, if any. Repeated fields
/// replace the current list when `replace_*` is set and are appended otherwise.
pub fn patch(p: pb::ProductPatch) -> Result<(Patch, Option<String>)> {
    let status = vocabulary::status(p.status)?;
    let (tags, add_tags) = if p.replace_tags {
        (Some(p.tags), Vec::new())
    } else {
        (None, p.tags)
    };
    let (images, add_images) = if p.replace_images {
        (Some(p.images), Vec::new())
    } else {
        (None, p.images)
    };
    let patch = Patch {
        name: p.name,
        slug: p.slug,
        description: p.description,
        long_description: p.long_description,
        price_cents: p.price_cents,
        original_price_cents: p.original_price_cents,
        clear_original_price: p.clear_original_price,
        category_id: None,
        specifications_json: p.specifications_json,
        tags,
        add_tags,
        is_new: p.is_new,
        is_featured: p.is_featured,
        is_on_sale: p.is_on_sale,
        sku: p.sku,
        status,
        images,
        add_images,
    };
    Ok((patch, p.category))
}

pub fn category(n: Node) -> pb::Category {
    let c = n.category;
    pb::Category {
        id: c.id,
        name: c.name,
        slug: c.slug,
        description: c.description,
        image: c.image,
        icon: c.icon,
        parent_id: c.parent_id,
        product_count: n.product_count,
        is_active: c.is_active,
        sort_order: c.sort_order,
        children: n.children.into_iter().map(category).collect(),
    }
}

pub fn new_category(i: pb::CategoryInput) -> CategoryPatch {
    CategoryPatch {
        name: Some(i.name),
        slug: i.slug,
        description: Some(i.description),
        image: Some(i.image),
        icon: i.icon,
        parent: i.parent,
        clear_parent: false,
        sort_order: Some(i.sort_order),
        is_active: Some(i.is_active),
    }
}

pub fn category_patch(p: pb::CategoryPatch) -> CategoryPatch {
    CategoryPatch {
        name: p.name,
        slug: p.slug,
        description: p.description,
        image: p.image,
        icon: p.icon,
        parent: p.parent,
        clear_parent: p.clear_parent,
        sort_order: p.sort_order,
        is_active: p.is_active,
    }
}

pub fn review(r: Review) -> pb::Review {
    pb::Review {
        id: r.id,
        product_id: r.product_id,
        user_id: r.user_id,
        user_name: r.user_name,
        user_avatar: r.user_avatar,
        rating: r.rating,
        title: r.title,
        comment: r.comment,
        images: r.images,
        helpful: r.helpful,
        verified: r.verified,
        created_at: vici_store::rfc3339(r.created_at),
    }
}

/// The reviewed product (a 404 when the id names none) and the review.
pub fn review_draft(r: pb::CreateReviewRequest) -> Result<(ProductId, ReviewDraft)> {
    let product = ProductId::from_path(&r.product_id)?;
    let draft = ReviewDraft {
        user_id: UserId::parse(&r.user_id)?.into(),
        user_name: r.user_name,
        user_avatar: r.user_avatar.filter(|a| !a.is_empty()),
        rating: r.rating,
        title: r.title,
        comment: r.comment,
        images: r.images,
    };
    Ok((product, draft))
}
