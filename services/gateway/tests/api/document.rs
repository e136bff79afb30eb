//! The gateway's own OpenAPI document as tests read it: every operation with its access level,
//! so tests pick routes by what they are rather than by name.
use serde_json::Value;

use crate::{Gateway, get};

#[derive(Clone, Debug)]
pub struct Operation {
    pub method: axum::http::Method,
    /// As documented, e.g. `/api/products/{id}`.
    pub path: String,
    /// Needs a token (documents a bearer requirement).
    pub private: bool,
    /// Needs the admin role (documents a 403).
    pub admin: bool,
}

impl Operation {
    /// The path with every `{param}` filled by a fresh UUID.
    pub fn uri(&self) -> String {
        self.path
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    uuid::Uuid::now_v7().to_string()
                } else {
                    segment.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("/")
    }
}

pub async fn operations(gw: &Gateway) -> Vec<Operation> {
    let doc = get(&gw.app, "/api/openapi.json").await.json();
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let responses = &op["responses"];
            found.push(Operation {
                method: method.to_ascii_uppercase().parse().expect("a method"),
                path: path.clone(),
                private: op["security"].as_array().is_some_and(|s| !s.is_empty()),
                admin: responses.get("403").is_some(),
            });
        }
    }
    found
}

/// Whether `body` is the answer of no route at all (the router's fallbacks).
pub fn fell_through(status: u16, body: &Value) -> bool {
    status == 405
        || (status == 404
            && body["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("No such route")))
}
