//! The seed catalogue (`seed/catalog.json`, the shop's demo data) and a synthetic generator for
//! benchmarks. Ids are derived deterministically, so each service seeds its own share of the
//! same catalogue without asking the others, and seeding twice changes nothing.
use serde::Deserialize;
use uuid::Uuid;

const DEMO: &str = include_str!("../../../seed/catalog.json");

/// A valid UUIDv7 whose timestamp is `unix_ms` and whose random bits come from hashing `key`.
/// Seeding is idempotent because the same key always yields the same id.
pub fn seeded_id(unix_ms: u64, key: &str) -> Uuid {
    // FNV-1a, twice with different offsets, for 128 bits of stable pseudo-randomness.
    fn fnv(seed: u64, key: &str) -> u64 {
        key.bytes()
            .fold(seed, |h, b| (h ^ b as u64).wrapping_mul(0x100000001b3))
    }
    let hi = fnv(0xcbf29ce484222325, key);
    let lo = fnv(0x84222325cbf29ce4, key);
    let mut bytes = [0u8; 16];
    bytes[..6].copy_from_slice(&unix_ms.to_be_bytes()[2..]);
    bytes[6..14].copy_from_slice(&hi.to_be_bytes());
    bytes[14..].copy_from_slice(&lo.to_be_bytes()[..2]);
    bytes[6] = (bytes[6] & 0x0f) | 0x70; // version 7
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
    Uuid::from_bytes(bytes)
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Catalog {
    pub currency: String,
    pub categories: Vec<SeedCategory>,
    pub products: Vec<SeedProduct>,
    #[serde(default)]
    pub users: Vec<SeedUser>,
    #[serde(default)]
    pub coupons: Vec<SeedCoupon>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedCategory {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub parent: Option<String>,
    #[serde(default)]
    pub image: String,
    #[serde(default)]
    pub icon: Option<String>,
    #[serde(default)]
    pub sort_order: i32,
    #[serde(default = "yes")]
    pub is_active: bool,
}

fn yes() -> bool {
    true
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedProduct {
    pub slug: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub long_description: String,
    pub price_cents: i64,
    pub original_price_cents: Option<i64>,
    /// Category slug.
    pub category: String,
    #[serde(default)]
    pub images: Vec<String>,
    #[serde(default)]
    pub specifications: serde_json::Map<String, serde_json::Value>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub rating: f64,
    #[serde(default)]
    pub review_count: i64,
    #[serde(default)]
    pub is_featured: bool,
    #[serde(default)]
    pub is_new: bool,
    #[serde(default)]
    pub is_on_sale: bool,
    pub sku: String,
    pub status: String,
    #[serde(default)]
    pub stock: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    #[serde(default)]
    pub variants: Vec<SeedVariant>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedVariant {
    pub name: String,
    pub sku: String,
    pub price_cents: i64,
    #[serde(default)]
    pub stock: i64,
    #[serde(default)]
    pub attributes: std::collections::BTreeMap<String, String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedUser {
    pub email: String,
    pub name: String,
    pub role: String,
    pub bcrypt_hash: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeedCoupon {
    pub code: String,
    pub kind: String,
    pub value: Option<i64>,
    pub value_cents: Option<i64>,
    #[serde(default)]
    pub min_subtotal_cents: i64,
    pub per_user_limit: Option<i64>,
    pub usage_limit: Option<i64>,
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default)]
    pub description: String,
}

/// Fixed epoch for ids of things whose seed has no creation time.
const SEED_EPOCH_MS: u64 = 1_767_225_600_000; // 2026-01-01

impl Catalog {
    pub fn demo() -> Self {
        Self::parse(DEMO).expect("the bundled demo catalogue is valid")
    }

    pub fn parse(json: &str) -> anyhow::Result<Self> {
        let catalog: Self = serde_json::from_str(json)?;
        catalog.validate()?;
        Ok(catalog)
    }

    fn validate(&self) -> anyhow::Result<()> {
        let slugs: std::collections::HashSet<&str> =
            self.categories.iter().map(|c| c.slug.as_str()).collect();
        for c in &self.categories {
            if let Some(p) = &c.parent {
                anyhow::ensure!(
                    slugs.contains(p.as_str()),
                    "category `{}` has unknown parent `{p}`",
                    c.slug
                );
            }
        }
        for p in &self.products {
            anyhow::ensure!(
                slugs.contains(p.category.as_str()),
                "product `{}` has unknown category `{}`",
                p.slug,
                p.category
            );
            anyhow::ensure!(
                p.price_cents >= 0 && p.stock >= 0,
                "product `{}` has a negative price or stock",
                p.slug
            );
        }
        Ok(())
    }

    /// `n` realistic products over the demo categories, for load tests. Deterministic.
    pub fn synthetic(n: usize) -> Self {
        let demo = Self::demo();
        let leaves: Vec<&SeedCategory> = demo
            .categories
            .iter()
            .filter(|c| {
                !demo
                    .categories
                    .iter()
                    .any(|o| o.parent.as_deref() == Some(c.slug.as_str()))
            })
            .collect();
        const ADJ: [&str; 16] = [
            "Classic",
            "Premium",
            "Compact",
            "Wireless",
            "Ultra",
            "Smart",
            "Eco",
            "Pro",
            "Vintage",
            "Modern",
            "Portable",
            "Deluxe",
            "Rugged",
            "Slim",
            "Heavy-Duty",
            "Essential",
        ];
        const NOUN: [&str; 16] = [
            "Speaker",
            "Jacket",
            "Blender",
            "Backpack",
            "Lamp",
            "Headphones",
            "Sneakers",
            "Novel",
            "Keyboard",
            "Watch",
            "Tent",
            "Chair",
            "Camera",
            "Kettle",
            "Monitor",
            "Dress",
        ];
        const BRAND: [&str; 8] = [
            "Acme",
            "Northwind",
            "Contoso",
            "Fabrikam",
            "Umbra",
            "Vertex",
            "Lumen",
            "Orbit",
        ];
        let mut state: u64 = 0x9E3779B97F4A7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let base = chrono::DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z")
            .expect("valid")
            .to_utc();
        let products = (0..n)
            .map(|i| {
                let r = next();
                let (adj, noun, brand) = (
                    ADJ[(r % 16) as usize],
                    NOUN[((r >> 8) % 16) as usize],
                    BRAND[((r >> 16) % 8) as usize],
                );
                let cat = leaves[((r >> 24) as usize) % leaves.len()];
                let price = 499 + (r >> 32) as i64 % 199_500;
                let on_sale = r % 5 == 0;
                SeedProduct {
                    slug: format!("{}-{}-{}-{i}", brand, adj, noun).to_lowercase(),
                    name: format!("{brand} {adj} {noun} {}", i % 1000),
                    description: format!(
                        "A {} {} by {brand}.",
                        adj.to_lowercase(),
                        noun.to_lowercase()
                    ),
                    long_description: format!(
                        "The {brand} {adj} {noun} is built for everyday use in {}. Model {i}.",
                        cat.name.to_lowercase()
                    ),
                    price_cents: price,
                    original_price_cents: on_sale.then_some(price + price / 5),
                    category: cat.slug.clone(),
                    images: vec![format!("https://picsum.photos/seed/vici{i}/800/800")],
                    specifications: serde_json::Map::from_iter([(
                        "brand".to_string(),
                        brand.into(),
                    )]),
                    tags: vec![noun.to_lowercase(), brand.to_lowercase()],
                    rating: ((r >> 40) % 41) as f64 / 10.0 + 1.0,
                    review_count: ((r >> 48) % 2000) as i64,
                    is_featured: r % 17 == 0,
                    is_new: r % 11 == 0,
                    is_on_sale: on_sale,
                    sku: format!("SYN-{i:07}"),
                    status: if r % 50 == 0 {
                        "INACTIVE".into()
                    } else {
                        "ACTIVE".into()
                    },
                    stock: ((r >> 20) % 200) as i64,
                    created_at: base + chrono::Duration::minutes(i as i64),
                    variants: Vec::new(),
                }
            })
            .collect();
        Self {
            currency: demo.currency,
            categories: demo.categories,
            products,
            users: Vec::new(),
            coupons: Vec::new(),
        }
    }
}

pub fn category_id(slug: &str) -> Uuid {
    seeded_id(SEED_EPOCH_MS, &format!("category:{slug}"))
}

impl SeedProduct {
    pub fn id(&self) -> Uuid {
        seeded_id(
            self.created_at.timestamp_millis() as u64,
            &format!("product:{}", self.slug),
        )
    }

    pub fn variant_id(&self, sku: &str) -> Uuid {
        seeded_id(
            self.created_at.timestamp_millis() as u64,
            &format!("variant:{}:{sku}", self.slug),
        )
    }
}

impl SeedUser {
    pub fn id(&self) -> Uuid {
        seeded_id(
            SEED_EPOCH_MS,
            &format!("user:{}", self.email.to_lowercase()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_ids_are_stable_v7() {
        let a = seeded_id(1_700_000_000_000, "product:macbook");
        assert_eq!(a, seeded_id(1_700_000_000_000, "product:macbook"));
        assert_ne!(a, seeded_id(1_700_000_000_000, "product:iphone"));
        assert_eq!(a.get_version_num(), 7);
    }

    #[test]
    fn demo_catalogue_loads_with_stable_ids() {
        let c = Catalog::demo();
        assert_eq!(c.products.len(), 16);
        assert_eq!(c.products[0].id(), Catalog::demo().products[0].id());
        let under_200 = c
            .products
            .iter()
            .filter(|p| p.price_cents <= 20_000 && p.status == "ACTIVE")
            .count();
        assert_eq!(under_200, 7);
    }

    #[test]
    fn synthetic_catalogue_is_deterministic_and_unique() {
        let a = Catalog::synthetic(2000);
        let b = Catalog::synthetic(2000);
        assert_eq!(a.products[1234].slug, b.products[1234].slug);
        let ids: std::collections::HashSet<_> = a.products.iter().map(|p| p.id()).collect();
        assert_eq!(ids.len(), 2000);
    }

    #[test]
    fn bad_catalogues_are_refused() {
        let bad = DEMO.replacen(
            "\"category\": \"computers-accessories\"",
            "\"category\": \"nope\"",
            1,
        );
        assert!(Catalog::parse(&bad).is_err());
    }
}
