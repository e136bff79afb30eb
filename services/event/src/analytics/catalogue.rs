//! What the projection knows of the catalogue, for naming and filing what it counts: each
//! product's name, category and whether it is on sale, each category's name, each product's
//! stock and low-stock threshold. Seeded from the demo catalogue (seeding announces nothing),
//! then kept current by `product-events` and `inventory-events`.
use sqlx::AnyConnection;
use vici_catalog::Catalog;
use vici_store::Db;
use vici_store::sql::Param;

use super::rows::upsert;
use super::tally::Tally;
use super::write::DEFAULT_THRESHOLD;

type Result<T> = std::result::Result<T, sqlx::Error>;

/// Runs a multi-row insert, its answer unread.
async fn insert(
    conn: &mut AnyConnection,
    head: &str,
    rows: &[Vec<Param>],
    tail: &str,
) -> Result<()> {
    upsert(conn, head, rows, tail).await.map(drop)
}

/// Writes the batch's products, categories and stock.
pub async fn write(conn: &mut AnyConnection, t: &Tally) -> Result<()> {
    // -1: the event did not say whether the product is on sale.
    let products: Vec<Vec<Param>> = t
        .products
        .values()
        .map(|p| {
            vec![
                p.id.as_str().into(),
                p.name.as_deref().unwrap_or_default().into(),
                p.category.as_deref().into(),
                p.active.map_or(-1, i64::from).into(),
            ]
        })
        .collect();
    insert(
        conn,
        "INSERT INTO analytics_products (product_id, name, category_id, active) VALUES ",
        &products,
        " ON CONFLICT (product_id) DO UPDATE SET \
         name = CASE WHEN excluded.name = '' THEN analytics_products.name ELSE excluded.name END, \
         category_id = COALESCE(excluded.category_id, analytics_products.category_id), \
         active = CASE WHEN excluded.active < 0 THEN analytics_products.active ELSE excluded.active END",
    )
    .await?;
    let named: Vec<Vec<Param>> = t
        .line_names
        .iter()
        .filter(|(id, _)| !t.products.contains_key(*id))
        .map(|(id, name)| vec![id.into(), name.into(), Param::NullText, (-1i64).into()])
        .collect();
    insert(
        conn,
        "INSERT INTO analytics_products (product_id, name, category_id, active) VALUES ",
        &named,
        " ON CONFLICT (product_id) DO UPDATE SET name = CASE WHEN analytics_products.name = '' \
         THEN excluded.name ELSE analytics_products.name END",
    )
    .await?;
    let categories: Vec<Vec<Param>> = t
        .categories
        .iter()
        .map(|(id, name)| vec![id.into(), name.into()])
        .collect();
    insert(
        conn,
        "INSERT INTO analytics_categories (category_id, name) VALUES ",
        &categories,
        " ON CONFLICT (category_id) DO UPDATE SET name = excluded.name",
    )
    .await?;
    for with_threshold in [true, false] {
        let rows: Vec<Vec<Param>> = t
            .stock
            .iter()
            .filter(|(_, (_, threshold))| threshold.is_some() == with_threshold)
            .map(|(id, (available, threshold))| {
                vec![
                    id.into(),
                    (*available).into(),
                    threshold.unwrap_or(DEFAULT_THRESHOLD).into(),
                ]
            })
            .collect();
        let keep = if with_threshold {
            "threshold = excluded.threshold"
        } else {
            "threshold = analytics_stock.threshold"
        };
        let tail = format!(
            " ON CONFLICT (product_id) DO UPDATE SET available = excluded.available, {keep}"
        );
        insert(
            conn,
            "INSERT INTO analytics_stock (product_id, available, threshold) VALUES ",
            &rows,
            &tail,
        )
        .await?;
    }
    Ok(())
}

/// Files the seeded catalogue's products, categories and stock; how many products.
/// Idempotent: what events have changed since is kept.
pub async fn seed(db: &Db, catalog: &Catalog) -> anyhow::Result<usize> {
    let mut tx = db.begin().await?;
    let categories: Vec<Vec<Param>> = catalog
        .categories
        .iter()
        .map(|c| {
            vec![
                vici_catalog::category_id(&c.slug).to_string().into(),
                c.name.as_str().into(),
            ]
        })
        .collect();
    insert(
        &mut tx,
        "INSERT INTO analytics_categories (category_id, name) VALUES ",
        &categories,
        " ON CONFLICT (category_id) DO NOTHING",
    )
    .await?;
    let products: Vec<Vec<Param>> = catalog
        .products
        .iter()
        .map(|p| {
            vec![
                p.id().to_string().into(),
                p.name.as_str().into(),
                vici_catalog::category_id(&p.category).to_string().into(),
                i64::from(p.status == "ACTIVE").into(),
            ]
        })
        .collect();
    insert(
        &mut tx,
        "INSERT INTO analytics_products (product_id, name, category_id, active) VALUES ",
        &products,
        " ON CONFLICT (product_id) DO NOTHING",
    )
    .await?;
    let stock: Vec<Vec<Param>> = catalog
        .products
        .iter()
        .map(|p| {
            vec![
                p.id().to_string().into(),
                p.stock.into(),
                DEFAULT_THRESHOLD.into(),
            ]
        })
        .collect();
    insert(
        &mut tx,
        "INSERT INTO analytics_stock (product_id, available, threshold) VALUES ",
        &stock,
        " ON CONFLICT (product_id) DO NOTHING",
    )
    .await?;
    tx.commit().await?;
    Ok(catalog.products.len())
}
