//! The demo catalogue (`seed/catalog.json`) as cases name it: products by slug.
use vici_catalog::{Catalog, SeedProduct};

/// The demo product with this slug.
pub fn product(slug: &str) -> SeedProduct {
    Catalog::demo()
        .products
        .into_iter()
        .find(|p| p.slug == slug)
        .unwrap_or_else(|| panic!("no demo product `{slug}`"))
}

/// The id of the demo product with this slug.
pub fn product_id(slug: &str) -> String {
    product(slug).id().to_string()
}

/// The id of the variant named `name` of the demo product `slug`.
pub fn variant_id(slug: &str, name: &str) -> String {
    let p = product(slug);
    let v = p.variants.iter().find(|v| v.name == name);
    let v = v.unwrap_or_else(|| panic!("`{slug}` has no variant `{name}`"));
    p.variant_id(&v.sku).to_string()
}
