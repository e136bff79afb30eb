//! The pipeline's journal, in the service's own database: every signal it learnt, under its
//! event id, and what it knows of each product (hidden or not, when it arrived). It makes the
//! pipeline idempotent (a redelivered event is kept once, so learnt once) and restart-safe
//! (the model is rebuilt from it at start; an in-process store, emptied by the restart, gets
//! its live keys, hidden set and arrivals back from it too).
use std::collections::HashSet;

use sqlx::Row as _;
use vici_catalog::Catalog;
use vici_store::sql::{Param, Sql, row_runs};
use vici_store::{Db, Migration};

use crate::pipeline::content::words;
use crate::pipeline::signal::{Kind, Signal};

pub const MIGRATIONS: &[Migration] = &[Migration::new(
    1,
    "journal",
    "CREATE TABLE signals (
        event_id TEXT PRIMARY KEY,
        user_id TEXT,
        session_id TEXT NOT NULL,
        product_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        weight DOUBLE PRECISION NOT NULL,
        at_ms BIGINT NOT NULL,
        order_id TEXT
     );
     CREATE INDEX signals_age ON signals (at_ms, event_id);
     CREATE INDEX signals_session ON signals (session_id);
     CREATE TABLE products (
        product_id TEXT PRIMARY KEY,
        inactive BIGINT NOT NULL DEFAULT 0,
        sold_out BIGINT NOT NULL DEFAULT 0,
        arrived_s BIGINT,
        category_id TEXT,
        words TEXT
     );",
)];

/// Signals read back per statement when the model is rebuilt.
const REPLAY_PAGE: i64 = 5_000;

/// What the journal knows of one product.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductFacts {
    pub product: String,
    pub hidden: bool,
    /// When it was created (unix s), when the pipeline saw it created.
    pub arrived_s: Option<i64>,
    /// Its category and the words of its name and tags (`content::words`), once described.
    pub described: Option<(String, String)>,
}

/// A change to what is known of a product.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fact {
    Arrived {
        at_s: i64,
    },
    /// What it is: its category and the words of its name and tags.
    Described {
        category: String,
        words: String,
    },
    /// Deleted, retired or back on sale.
    Inactive(bool),
    /// Out of stock, or back in stock.
    SoldOut(bool),
}

#[derive(Clone)]
pub struct Journal {
    db: Db,
}

impl Journal {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Keeps each signal under its event id; returns those that were new, in their order: the
    /// ones to learn from. An id kept before (a redelivery), or twice in `signals`, is kept once.
    pub async fn keep(
        &self,
        signals: Vec<(String, Signal)>,
    ) -> anyhow::Result<Vec<(String, Signal)>> {
        let mut once = HashSet::new();
        let signals: Vec<(String, Signal)> = signals
            .into_iter()
            .filter(|(id, _)| once.insert(id.clone()))
            .collect();
        if signals.is_empty() {
            return Ok(Vec::new()); // A batch of catalogue events only: no transaction.
        }
        let mut new = HashSet::with_capacity(signals.len());
        let mut tx = self.db.begin().await?;
        for run in row_runs(signals.len()) {
            let mut sql = Sql::new(
                "INSERT INTO signals (event_id, user_id, session_id, product_id, kind, weight, at_ms, order_id) VALUES ",
            );
            for (i, (id, s)) in signals[run].iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind_list([
                    Param::from(id.as_str()),
                    s.user.as_deref().into(),
                    s.session.as_str().into(),
                    s.product.as_str().into(),
                    s.kind.as_str().into(),
                    s.weight.into(),
                    s.at_ms.into(),
                    s.order.as_deref().into(),
                ]);
            }
            sql.push(" ON CONFLICT (event_id) DO NOTHING RETURNING event_id");
            for row in sql.query().fetch_all(&mut *tx).await? {
                new.insert(row.try_get::<String, _>("event_id")?);
            }
        }
        tx.commit().await?;
        Ok(signals
            .into_iter()
            .filter(|(id, _)| new.contains(id))
            .collect())
    }

    /// Makes the anonymous signals of `session` `user`'s (a sign-in or a registration), so a
    /// rebuild learns them as the user's.
    pub async fn identify(&self, session: &str, user: &str) -> anyhow::Result<()> {
        sqlx::query("UPDATE signals SET user_id = $1 WHERE session_id = $2 AND user_id IS NULL")
            .bind(user)
            .bind(session)
            .execute(self.db.writer())
            .await?;
        Ok(())
    }

    /// Hands every signal at or after `since_ms` to `each`, oldest first; how many.
    pub async fn replay(&self, since_ms: i64, mut each: impl FnMut(Signal)) -> anyhow::Result<u64> {
        let mut after = (since_ms, String::new());
        let mut count = 0;
        loop {
            let rows = sqlx::query(
                "SELECT event_id, user_id, session_id, product_id, kind, weight, at_ms, order_id FROM signals \
                 WHERE at_ms > $1 OR (at_ms = $1 AND event_id > $2) \
                 ORDER BY at_ms, event_id LIMIT $3",
            )
            .bind(after.0)
            .bind(&after.1)
            .bind(REPLAY_PAGE)
            .fetch_all(self.db.reader())
            .await?;
            let Some(last) = rows.last() else {
                return Ok(count);
            };
            after = (last.try_get("at_ms")?, last.try_get("event_id")?);
            for row in &rows {
                let kind: String = row.try_get("kind")?;
                let Some(kind) = Kind::parse(&kind) else {
                    continue; // A kind this version no longer learns from.
                };
                each(Signal {
                    user: row.try_get("user_id")?,
                    session: row.try_get("session_id")?,
                    product: row.try_get("product_id")?,
                    weight: row.try_get("weight")?,
                    at_ms: row.try_get("at_ms")?,
                    kind,
                    order: row.try_get("order_id")?,
                });
                count += 1;
            }
        }
    }

    /// Forgets the signals older than `before_ms`; how many.
    pub async fn forget_before(&self, before_ms: i64) -> anyhow::Result<u64> {
        let done = sqlx::query("DELETE FROM signals WHERE at_ms < $1")
            .bind(before_ms)
            .execute(self.db.writer())
            .await?;
        Ok(done.rows_affected())
    }

    /// Records `fact` of `product`; returns whether the product is hidden now.
    pub async fn note(&self, product: &str, fact: &Fact) -> anyhow::Result<bool> {
        let set: Vec<(&str, Param)> = match fact {
            Fact::Arrived { at_s } => vec![("arrived_s", (*at_s).into())],
            Fact::Described { category, words } => vec![
                ("category_id", category.as_str().into()),
                ("words", words.as_str().into()),
            ],
            Fact::Inactive(yes) => vec![("inactive", i64::from(*yes).into())],
            Fact::SoldOut(yes) => vec![("sold_out", i64::from(*yes).into())],
        };
        // The column names are the literals above, never input.
        let columns: Vec<&str> = set.iter().map(|(c, _)| *c).collect();
        let mut sql = Sql::new("INSERT INTO products (product_id, ");
        sql.push(&columns.join(", "))
            .push(") VALUES (")
            .bind(product);
        for (_, value) in set {
            sql.push(", ").bind(value);
        }
        let updates: Vec<String> = columns
            .iter()
            .map(|c| format!("{c} = excluded.{c}"))
            .collect();
        sql.push(") ON CONFLICT (product_id) DO UPDATE SET ")
            .push(&updates.join(", "))
            .push(" RETURNING inactive, sold_out");
        let row = sql.query().fetch_one(self.db.writer()).await?;
        let (inactive, sold_out): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
        Ok(inactive != 0 || sold_out != 0)
    }

    /// Every product the journal knows of.
    pub async fn products(&self) -> anyhow::Result<Vec<ProductFacts>> {
        let rows = sqlx::query(
            "SELECT product_id, inactive, sold_out, arrived_s, category_id, words FROM products",
        )
        .fetch_all(self.db.reader())
        .await?;
        rows.iter()
            .map(|row| {
                let (inactive, sold_out): (i64, i64) =
                    (row.try_get("inactive")?, row.try_get("sold_out")?);
                Ok(ProductFacts {
                    product: row.try_get("product_id")?,
                    hidden: inactive != 0 || sold_out != 0,
                    arrived_s: row.try_get("arrived_s")?,
                    described: match (row.try_get("category_id")?, row.try_get("words")?) {
                        (Some(category), Some(words)) => Some((category, words)),
                        _ => None,
                    },
                })
            })
            .collect()
    }
}

/// Describes the seeded catalogue's products (what they are, when they arrived, whether they
/// are on sale) so the pipeline knows them before any event; returns how many. Idempotent.
pub async fn seed(db: &Db, catalog: &Catalog) -> anyhow::Result<usize> {
    let mut tx = db.begin().await?;
    for p in &catalog.products {
        let tags: Vec<&str> = p.tags.iter().map(String::as_str).collect();
        sqlx::query(
            "INSERT INTO products (product_id, inactive, arrived_s, category_id, words) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (product_id) DO NOTHING",
        )
        .bind(p.id().to_string())
        .bind(i64::from(p.status != "ACTIVE"))
        .bind(p.created_at.timestamp())
        .bind(vici_catalog::category_id(&p.category).to_string())
        .bind(words(&p.name, &tags))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(catalog.products.len())
}
