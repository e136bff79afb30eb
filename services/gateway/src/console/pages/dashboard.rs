//! The dashboard: the shop's totals, low stock and recent orders, and a period's analytics
//! (revenue over time, the funnel, top products, categories, recommendation lists) beside the
//! period before, with the charts drawn as SVG.
use axum::response::Response;
use serde_json::{Value, json};

use super::{encode, param};
use crate::console::charts;
use crate::console::view::Flash;
use crate::console::{Admin, Refusal};
use crate::extract::QueryPairs;

fn number(v: &Value) -> f64 {
    v.as_f64().unwrap_or(0.0)
}

pub async fn show(mut admin: Admin, QueryPairs(pairs): QueryPairs) -> Response {
    let mut query: Vec<String> = ["from", "to", "interval"]
        .iter()
        .map(|k| (k, param(&pairs, k)))
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", encode(&v)))
        .collect();
    query.push("limit=10".into());
    let mut flash = Flash::from_query(&pairs);
    let totals = match admin.get("/admin/dashboard").await {
        Ok(answer) => answer["data"].clone(),
        Err(refusal) => return failed(&admin, &refusal),
    };
    let period = match admin
        .get(&format!("/admin/analytics?{}", query.join("&")))
        .await
    {
        Ok(answer) => answer["data"].clone(),
        // A period the API refuses (from after to, an unknown interval): the default one, saying why.
        Err(refusal @ Refusal::Refused { .. }) => {
            flash = Flash::refused(&refusal);
            flash.status = None;
            match admin.get("/admin/analytics").await {
                Ok(answer) => answer["data"].clone(),
                Err(refusal) => return failed(&admin, &refusal),
            }
        }
        Err(refusal) => return failed(&admin, &refusal),
    };
    let revenue: Vec<(String, f64)> = period["revenueOverTime"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            (
                p["date"].as_str().unwrap_or_default().to_string(),
                number(&p["revenue"]),
            )
        })
        .collect();
    let f = &period["funnel"];
    let funnel: Vec<(String, f64)> = [
        ("Sessions", "sessions"),
        ("Product views", "productViews"),
        ("Added to cart", "addToCarts"),
        ("Checkouts", "checkouts"),
        ("Purchases", "purchases"),
    ]
    .iter()
    .map(|(label, key)| (label.to_string(), number(&f[key])))
    .collect();
    let statuses: Vec<(String, f64)> = totals["ordersByStatus"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(status, n)| (status.clone(), number(n)))
        .collect();
    let charts = json!({
        "revenue": charts::columns("revenue-chart", &revenue, "$"),
        "funnel": charts::bars("funnel-chart", &funnel),
        "statuses": charts::bars("status-chart", &statuses),
    });
    let ctx = json!({"title": "Dashboard", "section": "dashboard", "totals": totals, "period": period, "charts": charts});
    admin.page("dashboard.html", ctx, flash)
}

/// A page that could not be read: sign in again, or the shop's failure.
pub fn failed(admin: &Admin, refusal: &Refusal) -> Response {
    admin.unless_correctable(refusal).unwrap_or_else(|| {
        crate::console::view::message(
            axum::http::StatusCode::BAD_REQUEST,
            "Cannot show this page",
            refusal.message(),
        )
    })
}
