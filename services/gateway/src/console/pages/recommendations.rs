//! Recommendations: the store's current generation and model, the earlier generations it was
//! published over (rolling back to one is a button), the pipeline's lag, and each list's
//! click-through and attributed revenue over the last 30 days (from the analytics).
use axum::Form;
use axum::http::Method;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::dashboard::failed;
use crate::console::view::Flash;
use crate::console::{Admin, Payload, Refusal, done};
use crate::extract::QueryPairs;

pub async fn show(mut admin: Admin, QueryPairs(pairs): QueryPairs) -> Response {
    page(&mut admin, Flash::from_query(&pairs)).await
}

async fn page(admin: &mut Admin, flash: Flash) -> Response {
    let store = match admin.get("/admin/recommendations").await {
        Ok(answer) => answer["data"].clone(),
        Err(refusal) => return failed(admin, &refusal),
    };
    let lists = admin
        .get("/admin/analytics")
        .await
        .map(|a| a["data"]["recommendations"].clone())
        .unwrap_or(Value::Array(Vec::new()));
    let ctx = json!({"title": "Recommendations", "section": "recommendations", "store": store, "lists": lists});
    admin.page("recommendations.html", ctx, flash)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RollBackForm {
    csrf: String,
    generation: String,
}

pub async fn roll_back(mut admin: Admin, Form(form): Form<RollBackForm>) -> Response {
    if let Some(refused) = admin.forged(&form.csrf) {
        return refused;
    }
    let body = json!({"generation": form.generation});
    match admin
        .call(
            Method::POST,
            "/admin/recommendations/rollback",
            Payload::Json(body),
        )
        .await
    {
        Ok(_) => done("/admin/recommendations", "rolled"),
        Err(refusal @ Refusal::Refused { .. }) => page(&mut admin, Flash::refused(&refusal)).await,
        Err(refusal) => failed(&admin, &refusal),
    }
}
