//! Users: every account, searched; an admin changes a role or deactivates an account (which
//! ends its sessions at once, in the auth service).
use axum::Form;
use axum::extract::Path;
use axum::http::Method;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::dashboard::failed;
use super::{encode, listed};
use crate::console::view::Flash;
use crate::console::{Admin, Payload, Refusal, done};
use crate::extract::QueryPairs;

pub async fn list(mut admin: Admin, QueryPairs(pairs): QueryPairs) -> Response {
    list_page(&mut admin, &pairs, Flash::from_query(&pairs)).await
}

async fn list_page(admin: &mut Admin, pairs: &[(String, String)], flash: Flash) -> Response {
    const PATH: &str = "/admin/users";
    let list = match listed(admin, PATH, &["search"], pairs).await {
        Ok(list) => list,
        Err(failed) => return failed,
    };
    let ctx = json!({
        "title": "Users", "section": "users", "users": list.answer["data"],
        "pages": list.pages(PATH), "query": list.shown(),
    });
    admin.page("users.html", ctx, flash)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AccountForm {
    csrf: String,
    role: Option<String>,
    #[serde(rename = "isActive")]
    is_active: Option<String>,
}

pub async fn update(
    mut admin: Admin,
    Path(id): Path<String>,
    Form(form): Form<AccountForm>,
) -> Response {
    if let Some(refused) = admin.forged(&form.csrf) {
        return refused;
    }
    let mut body = json!({});
    if let Some(role) = &form.role {
        body["role"] = json!(role);
    }
    if let Some(active) = &form.is_active {
        body["isActive"] = json!(active == "true");
    }
    let path = format!("/admin/users/{}", encode(&id));
    match admin.call(Method::PUT, &path, Payload::Json(body)).await {
        Ok(_) => done("/admin/users", "user"),
        Err(refusal @ Refusal::Refused { .. }) => {
            list_page(&mut admin, &[], Flash::refused(&refusal)).await
        }
        Err(refusal) => failed(&admin, &refusal),
    }
}
