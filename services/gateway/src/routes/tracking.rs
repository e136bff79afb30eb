//! Behaviour tracking (product views, events, recently viewed): public routes of the contract
//! that the behaviour-events issue builds; until then they answer 501 from the table.
use axum::http::Method;

use super::table::{Access::Public, Route};

const FEATURE: &str = "Behaviour tracking";

pub fn routes() -> Vec<Route> {
    vec![
        Route::planned(Method::POST, Public, "/products/{id}/view", FEATURE)
            .doc("Tracking", "record_product_view", "Record a product view")
            .accepted(),
        Route::planned(Method::GET, Public, "/products/recently-viewed", FEATURE).doc(
            "Tracking",
            "recently_viewed",
            "Products the caller (or X-Session-Id) viewed",
        ),
        Route::planned(Method::POST, Public, "/events", FEATURE)
            .doc("Tracking", "record_event", "Record one behaviour event")
            .accepted(),
        Route::planned(Method::POST, Public, "/events/batch", FEATURE)
            .doc(
                "Tracking",
                "record_events",
                "Record up to 500 behaviour events",
            )
            .accepted(),
        Route::planned(Method::GET, Public, "/events/schema", FEATURE).doc(
            "Tracking",
            "event_schema",
            "The JSON Schema of every event type",
        ),
    ]
}
