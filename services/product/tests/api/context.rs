//! The request context travels: a caller's request id rides gRPC metadata into the service and
//! lands in the events the request causes (gateway → gRPC → events).
use std::sync::Arc;

use vici_catalog::Catalog;
use vici_proto::product::v1::ProductInput;

use crate::harness::Env;

pub async fn request_ids_reach_the_events_a_request_causes(env: Env) {
    let app = env.start(Catalog::demo()).await;
    let input = ProductInput {
        name: "Traced Kettle".into(),
        price_cents: 2_500,
        category: "kitchen-appliances".into(),
        specifications_json: "{}".into(),
        images: vec!["https://images.example/kettle.jpg".into()],
        ..Default::default()
    };
    // The gateway runs each request inside its request id; the kit channel forwards it.
    let created = vici_kit::context::with_request_id(Arc::from("storefront-req-42"), async {
        app.client.clone().create_product(input).await
    })
    .await
    .expect("created")
    .into_inner();
    let event = app.next_event().await;
    assert_eq!(event.subject, created.id);
    assert_eq!(event.requestid.as_deref(), Some("storefront-req-42"));
    let traceparent = event.traceparent.expect("traceparent set");
    assert!(
        traceparent.starts_with("00-") && traceparent.len() == 55,
        "{traceparent}"
    );
}
