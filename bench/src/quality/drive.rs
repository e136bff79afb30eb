//! Driving vici through its public API only, as a shop moving to vici would: the films become
//! products (their genres categories and tags) with the admin API, the raters register, their
//! training ratings are imported as purchases with their original spacing (shifted to end an
//! hour ago), and each user's "Recommended for You" is asked for with their own token.
use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use futures::{StreamExt, stream};
use serde_json::{Value, json};

use super::data::{Film, Interaction};

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

    /// Each film as a product in the category of its first genre, tagged with all of them,
    /// in stock; film id → product id.
    pub async fn catalogue(&self, films: &[Film]) -> anyhow::Result<HashMap<u32, String>> {
        let mut genres: Vec<&str> = films
            .iter()
            .filter_map(|f| f.genres.first().map(String::as_str))
            .collect();
        genres.sort_unstable();
        genres.dedup();
        let mut categories = HashMap::new();
        for genre in genres {
            let body = json!({"name": format!("Films: {genre}"), "slug": slug("films", genre)});
            let made = self
                .call(
                    reqwest::Method::POST,
                    "/api/admin/categories",
                    Some(&self.admin),
                    Some(&body),
                )
                .await?;
            categories.insert(
                genre,
                made["id"].as_str().context("a category id")?.to_string(),
            );
        }
        let made = stream::iter(films)
            .map(|film| {
                let category = film.genres.first().and_then(|g| categories.get(g.as_str()));
                let body = json!({
                    "name": film.title, "slug": format!("film-{}", film.id),
                    "description": format!("{} ({})", film.title, film.year),
                    "price": 9.99, "categoryId": category, "stock": 1_000_000,
                    "tags": film.genres,
                });
                async move {
                    let path = "/api/admin/products";
                    let made = self
                        .call(reqwest::Method::POST, path, Some(&self.admin), Some(&body))
                        .await?;
                    let id = made["id"].as_str().context("a product id")?.to_string();
                    anyhow::Ok((film.id, id))
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

    /// Imports `train` as purchases (one order per user and day), shifted in time so the last
    /// ends an hour ago, as one NDJSON upload; how many were accepted.
    pub async fn import(
        &self,
        train: &[Interaction],
        products: &HashMap<u32, String>,
        raters: &HashMap<u32, Rater>,
    ) -> anyhow::Result<u64> {
        let last = train
            .iter()
            .map(|i| i.at_s)
            .max()
            .context("no training data")?;
        let shift = chrono::Utc::now().timestamp() - 3_600 - last;
        let mut ndjson = String::with_capacity(train.len() * 300);
        for i in train {
            let at = chrono::DateTime::from_timestamp(i.at_s + shift, 0).context("a time")?;
            let event = json!({
                "type": "behaviour.purchase", "userId": raters[&i.user].id,
                "orderId": format!("ml-{}-{}", i.user, i.at_s / 86_400),
                "productId": products[&i.item], "quantity": 1, "priceCents": 999,
                "time": at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            });
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
    pub async fn learnt(&self, events: u64, within: Duration) -> anyhow::Result<Duration> {
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
        films: &HashMap<String, u32>,
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
                let list = shown
                    .as_array()
                    .context("a list")?
                    .iter()
                    .filter_map(|p| films.get(p["id"].as_str()?).copied())
                    .collect();
                anyhow::Ok((user, list))
            })
            .buffer_unordered(PARALLEL)
            .collect::<Vec<_>>()
            .await;
        asked.into_iter().collect()
    }
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

/// `prefix-name` in lower case with dashes: a slug the catalogue takes.
fn slug(prefix: &str, name: &str) -> String {
    let words: Vec<String> = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    format!("{prefix}-{}", words.join("-"))
}
