//! The shop's settings pages: categories (the tree; create, rename, move, delete), coupons
//! (create, switch on and off, delete) and the notification delivery log (filter, resend).
//! Each row's change is a form of its own, sent to the API as the admin.
use std::collections::HashMap;

use axum::Form;
use axum::extract::Path;
use axum::http::Method;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::dashboard::failed;
use super::{encode, listed};
use crate::console::view::Flash;
use crate::console::{Admin, Payload, Refusal, done};
use crate::extract::QueryPairs;

/// A form's fields as typed, the CSRF token among them.
#[derive(Deserialize, Default)]
#[serde(transparent)]
pub struct Fields(HashMap<String, String>);

impl Fields {
    fn text(&self, name: &str) -> String {
        self.0
            .get(name)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    }

    /// The typed fields `names` that are not empty, as JSON (numbers where they read as one).
    fn body(&self, names: &[&str]) -> Value {
        let mut body = Map::new();
        for name in names {
            let text = self.text(name);
            if !text.is_empty() {
                body.insert(name.to_string(), super::products::number_or_text(&text));
            }
        }
        Value::Object(body)
    }
}

type PageFn = fn(&mut Admin, Flash) -> futures::future::BoxFuture<'_, Response>;

/// A settings page: where it is, and how it is shown again with a refusal.
struct Section {
    path: &'static str,
    page: PageFn,
}

const CATEGORIES: Section = Section {
    path: "/admin/categories",
    page: categories_page,
};
const COUPONS: Section = Section {
    path: "/admin/coupons",
    page: coupons_page,
};

/// One row's change on `section`: the form's CSRF token checked, `method path` sent with
/// `payload` as the admin, then back to the page saying `what`, or the page again with the
/// refusal.
async fn change(
    mut admin: Admin,
    form: &Fields,
    section: Section,
    what: &str,
    method: Method,
    path: &str,
    payload: Payload,
) -> Response {
    if let Some(refused) = admin.forged(&form.text("csrf")) {
        return refused;
    }
    match admin.call(method, path, payload).await {
        Ok(_) => done(section.path, what),
        Err(refusal @ Refusal::Refused { .. }) => {
            (section.page)(&mut admin, Flash::refused(&refusal)).await
        }
        Err(refusal) => failed(&admin, &refusal),
    }
}

// ---- categories ------------------------------------------------------------------------------

pub async fn categories(mut admin: Admin, QueryPairs(pairs): QueryPairs) -> Response {
    categories_page(&mut admin, Flash::from_query(&pairs)).await
}

fn categories_page(admin: &mut Admin, flash: Flash) -> futures::future::BoxFuture<'_, Response> {
    Box::pin(async move {
        let all = match admin.get("/admin/categories").await {
            Ok(answer) => answer["data"].as_array().cloned().unwrap_or_default(),
            Err(refusal) => return failed(admin, &refusal),
        };
        let ctx = json!({"title": "Categories", "section": "categories", "tree": tree(&all)});
        admin.page("categories.html", ctx, flash)
    })
}

/// The categories in tree order, each with its depth and the name of its parent.
fn tree(all: &[Value]) -> Vec<Value> {
    fn visit(all: &[Value], parent: &Value, depth: usize, out: &mut Vec<Value>) {
        let mut children: Vec<&Value> = all.iter().filter(|c| &c["parentId"] == parent).collect();
        children.sort_by_key(|c| {
            (
                c["sortOrder"].as_i64().unwrap_or(0),
                c["name"].as_str().unwrap_or_default().to_string(),
            )
        });
        for c in children {
            let mut row = c.clone();
            row["depth"] = json!(depth);
            row["indent"] = json!("— ".repeat(depth));
            out.push(row);
            visit(all, &c["id"], depth + 1, out);
        }
    }
    let mut out = Vec::with_capacity(all.len());
    visit(all, &Value::Null, 0, &mut out);
    out
}

pub async fn create_category(admin: Admin, Form(form): Form<Fields>) -> Response {
    change(
        admin,
        &form,
        CATEGORIES,
        "category",
        Method::POST,
        CATEGORIES.path,
        Payload::Json(form.body(&["name", "parentId", "description"])),
    )
    .await
}

pub async fn update_category(
    admin: Admin,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Response {
    let mut body = form.body(&["name"]);
    // An empty parent moves the category to the top level.
    body["parentId"] = match form.text("parentId") {
        p if p.is_empty() => Value::Null,
        p => json!(p),
    };
    let path = format!("/admin/categories/{}", encode(&id));
    change(
        admin,
        &form,
        CATEGORIES,
        "category",
        Method::PUT,
        &path,
        Payload::Json(body),
    )
    .await
}

pub async fn delete_category(
    admin: Admin,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Response {
    let path = format!("/admin/categories/{}", encode(&id));
    change(
        admin,
        &form,
        CATEGORIES,
        "deleted",
        Method::DELETE,
        &path,
        Payload::None,
    )
    .await
}

// ---- coupons ---------------------------------------------------------------------------------

pub async fn coupons(mut admin: Admin, QueryPairs(pairs): QueryPairs) -> Response {
    coupons_page(&mut admin, Flash::from_query(&pairs)).await
}

fn coupons_page(admin: &mut Admin, flash: Flash) -> futures::future::BoxFuture<'_, Response> {
    Box::pin(async move {
        let coupons = match admin.get("/admin/coupons?limit=100").await {
            Ok(answer) => answer["data"].clone(),
            Err(refusal) => return failed(admin, &refusal),
        };
        let ctx = json!({"title": "Coupons", "section": "coupons", "coupons": coupons});
        admin.page("coupons.html", ctx, flash)
    })
}

pub async fn create_coupon(admin: Admin, Form(form): Form<Fields>) -> Response {
    let mut body = form.body(&[
        "code",
        "kind",
        "value",
        "minSubtotal",
        "usageLimit",
        "perUserLimit",
        "description",
    ]);
    // A date from the form is the end of that day, UTC.
    let expires = form.text("expiresAt");
    if !expires.is_empty() {
        body["expiresAt"] = json!(format!("{expires}T23:59:59Z"));
    }
    change(
        admin,
        &form,
        COUPONS,
        "coupon",
        Method::POST,
        COUPONS.path,
        Payload::Json(body),
    )
    .await
}

pub async fn update_coupon(
    admin: Admin,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Response {
    let body = json!({"isActive": form.text("isActive") == "true"});
    let path = format!("/admin/coupons/{}", encode(&id));
    change(
        admin,
        &form,
        COUPONS,
        "coupon",
        Method::PUT,
        &path,
        Payload::Json(body),
    )
    .await
}

pub async fn delete_coupon(
    admin: Admin,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Response {
    let path = format!("/admin/coupons/{}", encode(&id));
    change(
        admin,
        &form,
        COUPONS,
        "deleted",
        Method::DELETE,
        &path,
        Payload::None,
    )
    .await
}

// ---- notifications ---------------------------------------------------------------------------

pub async fn notifications(mut admin: Admin, QueryPairs(pairs): QueryPairs) -> Response {
    const PATH: &str = "/admin/notifications";
    let list = match listed(&mut admin, PATH, &["status", "channel", "userId"], &pairs).await {
        Ok(list) => list,
        Err(failed) => return failed,
    };
    let ctx = json!({
        "title": "Notifications", "section": "notifications", "deliveries": list.answer["data"],
        "pages": list.pages(PATH), "query": list.shown(),
        "statuses": ["pending", "sending", "sent", "failed", "skipped"], "channels": ["email", "sms", "in_app"],
    });
    admin.page("notifications.html", ctx, Flash::from_query(&pairs))
}

pub async fn resend(
    mut admin: Admin,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Response {
    if let Some(refused) = admin.forged(&form.text("csrf")) {
        return refused;
    }
    let path = format!("/admin/notifications/{}/resend", encode(&id));
    match admin.call(Method::POST, &path, Payload::None).await {
        Ok(_) => done("/admin/notifications", "resent"),
        Err(refusal) => admin.unless_correctable(&refusal).unwrap_or_else(|| {
            crate::console::view::message(
                axum::http::StatusCode::CONFLICT,
                "Not resent",
                refusal.message(),
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_lists_children_under_their_parents() {
        let all = [
            json!({"id": "b", "name": "Shoes", "parentId": null, "sortOrder": 2}),
            json!({"id": "a", "name": "Phones", "parentId": null, "sortOrder": 1}),
            json!({"id": "c", "name": "Boots", "parentId": "b", "sortOrder": 0}),
        ];
        let names: Vec<(String, i64)> = tree(&all)
            .iter()
            .map(|c| {
                (
                    c["name"].as_str().unwrap().to_string(),
                    c["depth"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            names,
            [
                ("Phones".into(), 0),
                ("Shoes".into(), 0),
                ("Boots".into(), 1)
            ]
        );
    }
}
