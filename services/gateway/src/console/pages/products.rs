//! Products: the list (search, status, category), a product's form (create, edit), its images
//! (uploaded to the shop's object storage through the API), its stock (adjust with a reason,
//! movement history) and retiring it.
use axum::Form;
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

use super::dashboard::failed;
use super::{encode, listed, param};
use crate::console::view::Flash;
use crate::console::{Admin, Payload, done};
use crate::extract::QueryPairs;

const STATUSES: [&str; 4] = ["ACTIVE", "DRAFT", "INACTIVE", "OUT_OF_STOCK"];

/// Every category as `{id, label}`, a child labelled under its parent.
async fn categories(admin: &mut Admin) -> Vec<Value> {
    let Ok(answer) = admin.get("/admin/categories").await else {
        return Vec::new();
    };
    let all = answer["data"].as_array().cloned().unwrap_or_default();
    let name_of = |id: &Value| {
        all.iter()
            .find(|c| &c["id"] == id)
            .and_then(|c| c["name"].as_str())
            .map(str::to_string)
    };
    let mut labelled: Vec<Value> = all
        .iter()
        .map(|c| {
            let name = c["name"].as_str().unwrap_or_default();
            let label = match name_of(&c["parentId"]) {
                Some(parent) => format!("{parent} › {name}"),
                None => name.to_string(),
            };
            json!({"id": c["id"], "label": label})
        })
        .collect();
    labelled.sort_by(|a, b| a["label"].as_str().cmp(&b["label"].as_str()));
    labelled
}

pub async fn list(mut admin: Admin, QueryPairs(pairs): QueryPairs) -> Response {
    const PATH: &str = "/admin/products";
    let list = match listed(&mut admin, PATH, &["search", "status", "category"], &pairs).await {
        Ok(list) => list,
        Err(failed) => return failed,
    };
    let categories = categories(&mut admin).await;
    let ctx = json!({
        "title": "Products", "section": "products", "products": list.answer["data"],
        "pages": list.pages(PATH), "query": list.shown(),
        "statuses": STATUSES, "categories": categories,
    });
    admin.page("products.html", ctx, Flash::from_query(&pairs))
}

/// The product form's fields, as typed.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ProductForm {
    csrf: String,
    name: String,
    price: String,
    #[serde(rename = "categoryId")]
    category_id: String,
    sku: String,
    status: String,
    stock: String,
    description: String,
}

/// A number the admin typed as a JSON number; as typed otherwise, for the API to say why not.
pub fn number_or_text(text: &str) -> Value {
    let text = text.trim();
    text.parse::<i64>()
        .map(Value::from)
        .or_else(|_| text.parse::<f64>().map(Value::from))
        .unwrap_or_else(|_| Value::from(text))
}

impl ProductForm {
    fn body(&self, creating: bool) -> Value {
        let mut body = json!({
            "name": self.name.trim(), "price": number_or_text(&self.price), "categoryId": self.category_id,
            "status": self.status, "description": self.description,
        });
        if !self.sku.trim().is_empty() {
            body["sku"] = json!(self.sku.trim());
        }
        if creating {
            body["stock"] = number_or_text(if self.stock.trim().is_empty() {
                "0"
            } else {
                &self.stock
            });
        }
        body
    }

    /// What the form shows again after a refusal.
    fn shown(&self, id: Option<&str>) -> Value {
        json!({"id": id, "name": self.name, "price": self.price, "categoryId": self.category_id,
               "sku": self.sku, "status": self.status, "description": self.description, "images": []})
    }
}

async fn form_page(
    admin: &mut Admin,
    title: &str,
    product: Value,
    extra: Value,
    flash: Flash,
) -> Response {
    let categories = categories(admin).await;
    let mut ctx = json!({
        "title": title, "section": "products", "product": product,
        "categories": categories, "statuses": STATUSES,
    });
    if let (Value::Object(ctx), Value::Object(extra)) = (&mut ctx, extra) {
        ctx.extend(extra);
    }
    admin.page("product.html", ctx, flash)
}

pub async fn new(mut admin: Admin) -> Response {
    let blank = json!({"status": "ACTIVE", "images": []});
    form_page(
        &mut admin,
        "New product",
        blank,
        json!({}),
        Flash::default(),
    )
    .await
}

pub async fn create(mut admin: Admin, Form(form): Form<ProductForm>) -> Response {
    if let Some(refused) = admin.forged(&form.csrf) {
        return refused;
    }
    let body = Payload::Json(form.body(true));
    match admin.call(Method::POST, "/admin/products", body).await {
        Ok(answer) => {
            let id = answer["data"]["id"].as_str().unwrap_or_default();
            done(&format!("/admin/products/{id}"), "created")
        }
        Err(refusal) => match admin.unless_correctable(&refusal) {
            Some(response) => response,
            None => {
                form_page(
                    &mut admin,
                    "New product",
                    form.shown(None),
                    json!({}),
                    Flash::refused(&refusal),
                )
                .await
            }
        },
    }
}

/// The product page: its form, images, stock and movements.
async fn product_page(
    admin: &mut Admin,
    id: &str,
    flash: Flash,
    typed: Option<&ProductForm>,
) -> Response {
    let id = encode(id);
    let product = match admin.get(&format!("/products/{id}")).await {
        Ok(answer) => answer["data"].clone(),
        Err(refusal) => return failed(admin, &refusal),
    };
    let stock = admin
        .get(&format!("/admin/inventory/{id}"))
        .await
        .map(|a| a["data"].clone());
    let movements = admin
        .get(&format!("/admin/inventory/{id}/movements?limit=20"))
        .await
        .map(|a| a["data"].clone());
    let shown = match typed {
        Some(form) => {
            let mut shown = form.shown(product["id"].as_str());
            shown["images"] = product["images"].clone();
            shown
        }
        None => product,
    };
    let title = shown["name"].as_str().unwrap_or("Product").to_string();
    let extra =
        json!({"stock": stock.unwrap_or_default(), "movements": movements.unwrap_or_default()});
    form_page(admin, &title, shown, extra, flash).await
}

pub async fn show(
    mut admin: Admin,
    Path(id): Path<String>,
    QueryPairs(pairs): QueryPairs,
) -> Response {
    product_page(&mut admin, &id, Flash::from_query(&pairs), None).await
}

/// After a change to product `id`: back to its page saying `what`, or the page again with the
/// API's refusal (and, for the product form, what the admin typed).
async fn after(
    admin: &mut Admin,
    id: &str,
    outcome: Result<Value, crate::console::Refusal>,
    what: &str,
    typed: Option<&ProductForm>,
) -> Response {
    match outcome {
        Ok(_) => done(&format!("/admin/products/{}", encode(id)), what),
        Err(refusal) => match admin.unless_correctable(&refusal) {
            Some(response) => response,
            None => product_page(admin, id, Flash::refused(&refusal), typed).await,
        },
    }
}

pub async fn update(
    mut admin: Admin,
    Path(id): Path<String>,
    Form(form): Form<ProductForm>,
) -> Response {
    if let Some(refused) = admin.forged(&form.csrf) {
        return refused;
    }
    let path = format!("/admin/products/{}", encode(&id));
    let outcome = admin
        .call(Method::PUT, &path, Payload::Json(form.body(false)))
        .await;
    after(&mut admin, &id, outcome, "saved", Some(&form)).await
}

/// The browser's multipart upload, handed to the API as it came; the CSRF token rides in the
/// form's address (a multipart body is the API's to read).
pub async fn upload(
    mut admin: Admin,
    Path(id): Path<String>,
    QueryPairs(pairs): QueryPairs,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refused) = admin.forged(&param(&pairs, "csrf")) {
        return refused;
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .cloned()
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let path = format!("/admin/products/{}/images", encode(&id));
    let outcome = admin
        .call(Method::POST, &path, Payload::Raw(content_type, body))
        .await;
    after(&mut admin, &id, outcome, "uploaded", None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StockForm {
    csrf: String,
    operation: String,
    quantity: String,
    reason: String,
}

pub async fn adjust(
    mut admin: Admin,
    Path(id): Path<String>,
    Form(form): Form<StockForm>,
) -> Response {
    if let Some(refused) = admin.forged(&form.csrf) {
        return refused;
    }
    let body = json!({"operation": form.operation, "quantity": number_or_text(&form.quantity), "reason": form.reason.trim()});
    let path = format!("/admin/inventory/{}", encode(&id));
    let outcome = admin.call(Method::PUT, &path, Payload::Json(body)).await;
    after(&mut admin, &id, outcome, "stock", None).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Confirmed {
    csrf: String,
}

pub async fn retire(
    mut admin: Admin,
    Path(id): Path<String>,
    Form(form): Form<Confirmed>,
) -> Response {
    if let Some(refused) = admin.forged(&form.csrf) {
        return refused;
    }
    let path = format!("/admin/products/{}", encode(&id));
    let outcome = admin.call(Method::DELETE, &path, Payload::None).await;
    after(&mut admin, &id, outcome, "retired", None).await
}
