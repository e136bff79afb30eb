//! The soak's shoppers: each registers, then until told to stop browses, fills its cart and
//! checks out (paying at once, or later, or never), and sometimes cancels. Every answer the shop
//! gave is counted; every order the shop acknowledged (a 2xx) is written down for the ledger.
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

/// What the shop acknowledged about an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ack {
    /// `POST /checkout/confirm` answered 201: paid.
    Confirmed,
    /// `POST /orders` answered 201: awaiting payment.
    Placed,
    /// `POST /orders/{id}/pay` answered 200: paid.
    Paid,
    /// `POST /orders/{id}/cancel` is about to be sent: from here the order may end either way
    /// (an answer lost to a fault leaves the shopper not knowing).
    CancelAsked,
    /// `POST /orders/{id}/cancel` answered 200.
    Cancelled,
}

/// Everything the shoppers saw, shared by them.
#[derive(Default)]
pub struct Tally {
    /// `(journey step, status or "transport")` → count.
    pub answers: Mutex<BTreeMap<(String, String), u64>>,
    /// Every acknowledgement, in the order received.
    pub acks: Mutex<Vec<(String, Ack)>>,
}

impl Tally {
    fn count(&self, step: &str, outcome: &str) {
        let mut answers = self.answers.lock().unwrap();
        *answers.entry((step.into(), outcome.into())).or_default() += 1;
    }

    fn ack(&self, order_id: &str, ack: Ack) {
        self.acks.lock().unwrap().push((order_id.into(), ack));
    }
}

/// One shopper's identity and connection to the gateway.
pub struct Shopper {
    pub base: String,
    pub client: reqwest::Client,
    pub ip: String,
    pub token: Option<String>,
    pub tally: Arc<Tally>,
    pub products: Arc<Vec<String>>,
    pub seed: u64,
}

/// An answer: the status and JSON body, or `None` when none came (refused, reset, timed out).
type Answer = Option<(u16, Value)>;

const STEP_PAUSE: Duration = Duration::from_millis(300);
const RETRY_PAUSE: Duration = Duration::from_secs(1);
/// How often a step with an idempotency key is sent again while the shop is failing.
const ATTEMPTS: usize = 8;

impl Shopper {
    fn next(&mut self, n: u64) -> u64 {
        // xorshift: enough to spread choices, and reproducible from the seed.
        self.seed ^= self.seed << 13;
        self.seed ^= self.seed >> 7;
        self.seed ^= self.seed << 17;
        self.seed % n.max(1)
    }

    fn any_product(&mut self) -> String {
        let i = self.next(self.products.len() as u64) as usize;
        self.products[i].clone()
    }

    async fn call(
        &self,
        step: &str,
        method: Method,
        path: &str,
        body: Option<&Value>,
        key: Option<&str>,
    ) -> Answer {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("x-forwarded-for", &self.ip);
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        if let Some(key) = key {
            req = req.header("idempotency-key", key);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let answer = match req.send().await {
            Ok(r) => {
                let status = r.status().as_u16();
                let body = r.json::<Value>().await.unwrap_or(Value::Null);
                Some((status, body))
            }
            Err(_) => None,
        };
        let outcome = answer
            .as_ref()
            .map_or("transport".into(), |(s, _)| s.to_string());
        self.tally.count(step, &outcome);
        answer
    }

    /// Sends a step until the shop gives a definite answer (2xx or 4xx other than 429), up to
    /// [`ATTEMPTS`] times; the same key each time, so a repeat acts once.
    async fn until_answered(
        &self,
        step: &str,
        method: Method,
        path: &str,
        body: &Value,
        key: &str,
    ) -> Answer {
        for _ in 0..ATTEMPTS {
            if let Some((status, body)) = self
                .call(step, method.clone(), path, Some(body), Some(key))
                .await
                && (200..500).contains(&status)
                && status != 429
            {
                return Some((status, body));
            }
            tokio::time::sleep(RETRY_PAUSE).await;
        }
        None
    }

    async fn sign_up(&mut self) -> bool {
        let email = format!("soak-{}@example.com", uuid::Uuid::new_v4().simple());
        let body = json!({"email": email, "password": "Sup3r-secret", "firstName": "Soak", "lastName": "Shopper"});
        let key = uuid::Uuid::new_v4().to_string();
        match self
            .until_answered("register", Method::POST, "/api/auth/register", &body, &key)
            .await
        {
            Some((201, data)) => {
                self.token = data["data"]["accessToken"].as_str().map(String::from);
                self.token.is_some()
            }
            _ => false,
        }
    }

    async fn browse(&mut self) {
        let page = self.next(5) + 1;
        self.call(
            "browse",
            Method::GET,
            &format!("/api/products?page={page}&limit=12"),
            None,
            None,
        )
        .await;
        let product = self.any_product();
        self.call(
            "product",
            Method::GET,
            &format!("/api/products/{product}"),
            None,
            None,
        )
        .await;
    }

    /// An empty cart with one or two units of one product in it; whether that worked.
    async fn fill_cart(&mut self) -> bool {
        self.call("clear", Method::DELETE, "/api/cart", None, None)
            .await;
        let product = self.any_product();
        let body = json!({"productId": product, "quantity": self.next(2) + 1});
        matches!(
            self.call("add", Method::POST, "/api/cart/items", Some(&body), None)
                .await,
            Some((201, _))
        )
    }

    async fn cancel(&self, order_id: &str) {
        let path = format!("/api/orders/{order_id}/cancel");
        let body = json!({"reason": "soak"});
        self.tally.ack(order_id, Ack::CancelAsked);
        // A cancel while the payment is being taken is refused (409): asked again, as a person would.
        for _ in 0..ATTEMPTS {
            match self
                .call("cancel", Method::POST, &path, Some(&body), None)
                .await
            {
                Some((200, _)) => return self.tally.ack(order_id, Ack::Cancelled),
                Some((409, body))
                    if body["message"]
                        .as_str()
                        .is_some_and(|m| m.contains("being taken")) => {}
                Some((s, _)) if (400..500).contains(&s) && s != 429 => return,
                _ => {}
            }
            tokio::time::sleep(RETRY_PAUSE).await;
        }
    }

    /// Pays at once; sometimes cancels afterwards (a refund).
    async fn pay_now(&mut self) {
        let body = json!({"shippingAddress": ship_to(), "paymentMethod": "pm_card_visa"});
        let key = uuid::Uuid::new_v4().to_string();
        if let Some((201, data)) = self
            .until_answered(
                "confirm",
                Method::POST,
                "/api/checkout/confirm",
                &body,
                &key,
            )
            .await
            && let Some(id) = data["data"]["orderId"].as_str()
        {
            self.tally.ack(id, Ack::Confirmed);
            if self.next(4) == 0 {
                self.cancel(id).await;
            }
        }
    }

    /// Orders to pay later; then pays, cancels, or lets the reservation expire.
    async fn pay_later(&mut self) {
        let body = json!({"shippingAddress": ship_to(), "paymentMethod": "pm_card_visa"});
        let key = uuid::Uuid::new_v4().to_string();
        let Some((201, data)) = self
            .until_answered("place", Method::POST, "/api/orders", &body, &key)
            .await
        else {
            return;
        };
        let Some(id) = data["data"]["id"].as_str().map(String::from) else {
            return;
        };
        self.tally.ack(&id, Ack::Placed);
        match self.next(4) {
            0 | 1 => {
                let pay = json!({"paymentMethod": "pm_card_visa"});
                let key = uuid::Uuid::new_v4().to_string();
                let path = format!("/api/orders/{id}/pay");
                if let Some((200, _)) = self
                    .until_answered("pay", Method::POST, &path, &pay, &key)
                    .await
                {
                    self.tally.ack(&id, Ack::Paid);
                    if self.next(3) == 0 {
                        self.cancel(&id).await;
                    }
                }
            }
            2 => self.cancel(&id).await,
            _ => {} // Left to expire.
        }
    }

    /// Shops until `stop` is set.
    pub async fn run(mut self, stop: Arc<AtomicBool>) {
        while !stop.load(Ordering::Relaxed) && !self.sign_up().await {
            tokio::time::sleep(RETRY_PAUSE).await;
        }
        while !stop.load(Ordering::Relaxed) {
            self.browse().await;
            if self.fill_cart().await {
                match self.next(3) {
                    0 | 1 => self.pay_now().await,
                    _ => self.pay_later().await,
                }
            }
            tokio::time::sleep(STEP_PAUSE).await;
        }
    }
}

impl Shopper {
    /// The shop's stock keeper: signed in as the demo admin, tops up every product running low,
    /// so the shoppers can buy for the whole soak (the ledger counts these adjustments).
    pub async fn restock(mut self, stop: Arc<AtomicBool>) {
        let login = json!({"email": "admin@example.com", "password": "password123"});
        let key = uuid::Uuid::new_v4().to_string();
        if let Some((200, data)) = self
            .until_answered("admin login", Method::POST, "/api/auth/login", &login, &key)
            .await
        {
            self.token = data["data"]["accessToken"].as_str().map(String::from);
        }
        let products = self.products.clone();
        while !stop.load(Ordering::Relaxed) {
            for product in products.iter() {
                let Some((200, data)) = self
                    .call(
                        "stock check",
                        Method::GET,
                        &format!("/api/products/{product}"),
                        None,
                        None,
                    )
                    .await
                else {
                    continue;
                };
                if data["data"]["stock"].as_i64().is_some_and(|n| n < 30) {
                    let add = json!({"operation": "ADD", "quantity": 60, "reason": "soak restock"});
                    let path = format!("/api/admin/inventory/{product}");
                    self.call("restock", Method::PUT, &path, Some(&add), None)
                        .await;
                }
            }
            tokio::time::sleep(Duration::from_secs(3)).await;
        }
    }
}

fn ship_to() -> Value {
    json!({"firstName": "Ada", "lastName": "Lovelace", "addressLine1": "12 St James's Square",
        "city": "London", "state": "LDN", "postalCode": "SW1Y 4JH", "country": "GB",
        "phone": "+44 20 7946 0000"})
}
