//! Driving vici through its public API only, as a shop moving to vici would: the data's items
//! become products with the admin API, the raters register, the training purchases are
//! imported with their original spacing (shifted to end an hour ago), and the shelves are asked
//! for: each rater's "Recommended for You" with their own token, a product's "Frequently
//! Bought Together".
use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use futures::{StreamExt, stream};
use serde_json::{Value, json};

use super::data::{Listing, Purchase};

/// Events per import upload: `vici up`'s in-process bus keeps 100 000 per partition and drops
/// the oldest beyond, so a larger history is sent in parts the pipeline reads in turn.
const IMPORT_PART: usize = 50_000;
/// How long the pipeline may take to learn one part.
const LEARN_WITHIN: Duration = Duration::from_secs(1_800);
/// Requests in flight while setting the shop up and asking it.
const PARALLEL: usize = 8;
const PASSWORD: &str = "Bench-passw0rd";

/// A running shop and an admin's token.
pub struct Shop {
    pub base: String,
    client: reqwest::Client,
    admin: String,
}

/// A registered rater: their id and refresh token.
pub struct Rater {
    pub id: String,
    refresh: String,
}

impl Shop {
    pub async fn sign_in(base: &str) -> anyhow::Result<Self> {
        let client = reqwest::Client::new();
        let mut shop = Self {
            base: base.to_string(),
            client,
            admin: String::new(),
        };
        let body = json!({"email": "admin@example.com", "password": "password123"});
        let signed = shop.call(reqwest::Method::POST, "/api/auth/login", None, Some(&body));
        shop.admin = token(&signed.await?)?;
        Ok(shop)
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> anyhow::Result<Value> {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        // A browser's: the shop does not learn from bots.
        req = req.header(
            reqwest::header::USER_AGENT,
            "Mozilla/5.0 (X11; Linux x86_64)",
        );
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let reply = req
            .send()
            .await
            .with_context(|| format!("calling {path}"))?;
        let status = reply.status();
        let body: Value = reply
            .json()
            .await
            .with_context(|| format!("reading {path}"))?;
        ensure!(status.is_success(), "{path} answered {status}: {body}");
        Ok(body["data"].clone())
    }

    /// Each listing as a product in stock, in a category per distinct category name; listing
    /// key → product id.
    pub async fn catalogue(&self, listings: &[Listing]) -> anyhow::Result<HashMap<u32, String>> {
        let mut names: Vec<&str> = listings.iter().map(|l| l.category.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        let mut categories = HashMap::new();
        for (n, name) in names.into_iter().enumerate() {
            let body = json!({"name": name, "slug": format!("{}-{n}", slug(name))});
            let path = "/api/admin/categories";
            let made = self
                .call(reqwest::Method::POST, path, Some(&self.admin), Some(&body))
                .await?;
            categories.insert(
                name,
                made["id"].as_str().context("a category id")?.to_string(),
            );
        }
        let made = stream::iter(listings)
            .map(|listing| {
                let body = json!({
                    "name": listing.name, "slug": format!("item-{}", listing.key),
                    "description": listing.description, "price": 9.99,
                    "categoryId": categories[listing.category.as_str()], "stock": 1_000_000,
                    "tags": listing.tags,
                });
                async move {
                    let path = "/api/admin/products";
                    let made = self
                        .call(reqwest::Method::POST, path, Some(&self.admin), Some(&body))
                        .await?;
                    let id = made["id"].as_str().context("a product id")?.to_string();
                    anyhow::Ok((listing.key, id))
                }
            })
            .buffer_unordered(PARALLEL)
            .collect::<Vec<_>>()
            .await;
        made.into_iter().collect()
    }

    /// Registers one account per user; user → rater.
    pub async fn raters(&self, users: &[u32]) -> anyhow::Result<HashMap<u32, Rater>> {
        let run = std::process::id();
        let made = stream::iter(users)
            .map(|&user| async move {
                let body = json!({"email": format!("rater-{user}-{run}@bench.example"),
                                  "password": PASSWORD, "firstName": "Rater",
                                  "lastName": user.to_string()});
                let path = "/api/auth/register";
                let made = self
                    .call(reqwest::Method::POST, path, None, Some(&body))
                    .await?;
                let rater = Rater {
                    id: made["user"]["id"]
                        .as_str()
                        .context("a user id")?
                        .to_string(),
                    refresh: made["refreshToken"]
                        .as_str()
                        .context("a refresh token")?
                        .to_string(),
                };
                anyhow::Ok((user, rater))
            })
            .buffer_unordered(PARALLEL)
            .collect::<Vec<_>>()
            .await;
        made.into_iter().collect()
    }

    /// Imports `train` as purchases, shifted in time so the last ends an hour ago, in NDJSON
    /// uploads of [`IMPORT_PART`] events, each sent once the pipeline has learnt the one before
    /// and swept its users' lists: each shopper a registered rater (`raters`) or else an
    /// anonymous visit of their own. How many were accepted, and how long learning took.
    pub async fn import(
        &self,
        train: &[Purchase],
        products: &HashMap<u32, String>,
        raters: Option<&HashMap<u32, Rater>>,
    ) -> anyhow::Result<(u64, Duration)> {
        let last = train
            .iter()
            .map(|p| p.at_s)
            .max()
            .context("no training data")?;
        let shift = chrono::Utc::now().timestamp() - 3_600 - last;
        let started = Instant::now();
        let mut accepted = 0;
        for part in train.chunks(IMPORT_PART) {
            accepted += self.upload(part, shift, products, raters).await?;
            self.learnt(accepted, LEARN_WITHIN).await?;
        }
        Ok((accepted, started.elapsed()))
    }

    /// One NDJSON upload of `part`, `shift` seconds later; how many were accepted.
    async fn upload(
        &self,
        part: &[Purchase],
        shift: i64,
        products: &HashMap<u32, String>,
        raters: Option<&HashMap<u32, Rater>>,
    ) -> anyhow::Result<u64> {
        let mut ndjson = String::with_capacity(part.len() * 300);
        for p in part {
            let at = chrono::DateTime::from_timestamp(p.at_s + shift, 0).context("a time")?;
            let product = products
                .get(&p.item)
                .context("a product for every purchase")?;
            let mut event = json!({
                "type": "behaviour.purchase", "orderId": format!("o-{}", p.order),
                "productId": product, "quantity": 1, "priceCents": 999,
                "time": at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            });
            match raters {
                Some(raters) => event["userId"] = raters[&p.shopper].id.clone().into(),
                None => event["sessionId"] = format!("shopper-{}", p.shopper).into(),
            }
            ndjson.push_str(&event.to_string());
            ndjson.push('\n');
        }
        let reply = self
            .client
            .post(format!("{}/api/admin/events/import", self.base))
            .bearer_auth(&self.admin)
            .header(reqwest::header::CONTENT_TYPE, "application/x-ndjson")
            .body(ndjson)
            .send()
            .await?;
        let status = reply.status();
        let body: Value = reply.json().await?;
        ensure!(
            status.as_u16() == 202,
            "the import answered {status}: {body}"
        );
        let data = &body["data"];
        if data["rejectedCount"] != 0 {
            bail!("the import refused events: {data}");
        }
        data["accepted"].as_u64().context("a count")
    }

    /// Waits until the pipeline has read `events` behaviour events (learnt or expired) and
    /// swept every user's list since: each list reflects the whole history, as it would for a
    /// rater coming back later.
    async fn learnt(&self, events: u64, within: Duration) -> anyhow::Result<Duration> {
        let started = Instant::now();
        loop {
            let metrics = self.metrics().await?;
            let read = sum(&metrics, "rec_pipeline_events_total{", |l| {
                l.contains("\"learnt\"") || l.contains("\"expired\"")
            });
            let pending = sum(&metrics, "rec_pipeline_sweep_pending", |_| true);
            if read >= events as f64 && pending == 0.0 {
                return Ok(started.elapsed());
            }
            if started.elapsed() > within {
                bail!(
                    "the pipeline read {read} of {events} events within {within:?} (sweep pending: {pending})"
                );
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    async fn metrics(&self) -> anyhow::Result<String> {
        let url = format!("{}/metrics", self.base);
        Ok(self.client.get(url).send().await?.text().await?)
    }

    /// Each rater's "Recommended for You" (`limit` products), as film ids; user → list.
    pub async fn recommended(
        &self,
        raters: &HashMap<u32, Rater>,
        keys: &HashMap<String, u32>,
        limit: usize,
    ) -> anyhow::Result<HashMap<u32, Vec<u32>>> {
        let asked = stream::iter(raters)
            .map(|(&user, rater)| async move {
                let body = json!({"refreshToken": rater.refresh});
                let path = "/api/auth/refresh";
                let session = self
                    .call(reqwest::Method::POST, path, None, Some(&body))
                    .await?;
                let token = token(&session)?;
                let path = format!("/api/products/recommended?limit={limit}");
                let shown = self
                    .call(reqwest::Method::GET, &path, Some(&token), None)
                    .await?;
                anyhow::Ok((user, listed(&shown, keys)?))
            })
            .buffer_unordered(PARALLEL)
            .collect::<Vec<_>>()
            .await;
        asked.into_iter().collect()
    }

    /// "Frequently Bought Together" (`limit` products) of each of `products`, as keys;
    /// product key → list.
    pub async fn bought_together(
        &self,
        products: &[u32],
        ids: &HashMap<u32, String>,
        keys: &HashMap<String, u32>,
        limit: usize,
    ) -> anyhow::Result<HashMap<u32, Vec<u32>>> {
        let asked = stream::iter(products)
            .map(|&product| async move {
                let id = ids.get(&product).context("a product for every key asked")?;
                let path = format!("/api/products/{id}/frequently-bought-together?limit={limit}");
                let shown = self.call(reqwest::Method::GET, &path, None, None).await?;
                anyhow::Ok((product, listed(&shown, keys)?))
            })
            .buffer_unordered(PARALLEL)
            .collect::<Vec<_>>()
            .await;
        asked.into_iter().collect()
    }
}

/// The keys of the products of a shelf.
fn listed(shown: &Value, keys: &HashMap<String, u32>) -> anyhow::Result<Vec<u32>> {
    Ok(shown
        .as_array()
        .context("a list")?
        .iter()
        .filter_map(|p| keys.get(p["id"].as_str()?).copied())
        .collect())
}

/// The sum of the samples of the metric lines starting with `prefix` that `wanted` keeps.
fn sum(metrics: &str, prefix: &str, wanted: impl Fn(&str) -> bool) -> f64 {
    metrics
        .lines()
        .filter(|l| l.starts_with(prefix) && wanted(l))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

fn token(session: &Value) -> anyhow::Result<String> {
    Ok(session["accessToken"]
        .as_str()
        .context("an access token")?
        .to_string())
}

/// `name` in lower case with dashes: a slug the catalogue takes.
fn slug(name: &str) -> String {
    let words: Vec<String> = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    format!("c-{}", words.join("-"))
}
