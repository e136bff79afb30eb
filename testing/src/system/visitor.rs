//! A shopper as the storefront is one: a client address of its own and, once signed in, a
//! token pair sent on every request.
use reqwest::Method;
use serde_json::{Value, json};

use super::{Reply, Shop};

/// The demo users' password (contract §4).
pub const DEMO_PASSWORD: &str = "password123";

/// The password [`Visitor::register`] gives every new account.
pub const NEW_PASSWORD: &str = "Sup3r-secret";

/// An address in 10.0.0.0/8, different on every call (for `X-Forwarded-For`).
pub fn random_ip() -> String {
    let b = uuid::Uuid::new_v4().into_bytes();
    format!("10.{}.{}.{}", b[0], b[1], b[2])
}

/// An email no other test (or run) uses.
pub fn unique_email(tag: &str) -> String {
    format!("{tag}-{}@example.com", uuid::Uuid::new_v4().simple())
}

pub struct Visitor<'a> {
    pub shop: &'a Shop,
    pub ip: String,
    pub access_token: Option<String>,
    pub refresh_token: Option<String>,
    /// `user` of the last sign-in.
    pub user: Value,
}

impl Shop {
    pub fn visitor(&self) -> Visitor<'_> {
        Visitor {
            shop: self,
            ip: random_ip(),
            access_token: None,
            refresh_token: None,
            user: Value::Null,
        }
    }
}

impl<'a> Visitor<'a> {
    /// A request from this visitor with its token, if any.
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let req = self
            .shop
            .client
            .request(method, self.shop.url(path))
            .header("x-forwarded-for", &self.ip);
        match &self.access_token {
            Some(token) => req.bearer_auth(token),
            None => req,
        }
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Reply {
        let req = self.request(method, path);
        let req = match body {
            Some(body) => req.json(body),
            None => req,
        };
        self.shop.send(req).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: &Value) -> Reply {
        self.call(Method::PUT, path, Some(body)).await
    }

    /// A body-less call, the way the client sends logout, remove and cancel.
    pub async fn bare(&self, method: Method, path: &str) -> Reply {
        self.call(method, path, None).await
    }

    fn keep_session(&mut self, data: &Value) {
        self.access_token = data["accessToken"].as_str().map(String::from);
        self.refresh_token = data["refreshToken"].as_str().map(String::from);
        if !data["user"].is_null() {
            self.user = data["user"].clone();
        }
    }

    /// Registers a new account with a valid password and keeps its session.
    pub async fn register(&mut self, tag: &str) -> Reply {
        let body = json!({
            "email": unique_email(tag),
            "password": NEW_PASSWORD,
            "firstName": "Test",
            "lastName": tag,
        });
        let reply = self.post("/api/auth/register", &body).await;
        if reply.status == 201 {
            self.keep_session(reply.data());
        }
        reply
    }

    pub async fn login(&mut self, email: &str, password: &str) -> Reply {
        let body = json!({"email": email, "password": password});
        let reply = self.post("/api/auth/login", &body).await;
        if reply.status == 200 {
            self.keep_session(reply.data());
        }
        reply
    }

    /// Exchanges the refresh token; keeps the new pair when it worked.
    pub async fn refresh(&mut self) -> Reply {
        let body = json!({"refreshToken": self.refresh_token});
        let reply = self.post("/api/auth/refresh", &body).await;
        if reply.status == 200 {
            self.keep_session(reply.data());
        }
        reply
    }

    pub fn user_id(&self) -> String {
        self.user["id"].as_str().expect("signed in").to_string()
    }
}
