//! Product image uploads.
use tonic::Code;
use vici_catalog::Catalog;
use vici_proto::product::v1::AddProductImageRequest;

use crate::admin::detail_fields;
use crate::harness::Env;

pub async fn images_are_sniffed_stored_and_linked(env: Env) {
    let app = env.start(Catalog::demo()).await;
    let dell = app.id_of("dell-xps-15");
    let upload = |data: Vec<u8>| AddProductImageRequest {
        product_id: dell.clone(),
        content_type: "image/png".into(),
        data,
        filename: "photo.png".into(),
    };
    let png = vici_testkit::pictures::png(64, 48);
    let updated = app
        .client
        .clone()
        .add_product_image(upload(png))
        .await
        .unwrap()
        .into_inner();
    let url = updated.images.last().unwrap();
    let prefix = format!("http://shop.test/api/media/products/{dell}/");
    assert!(url.starts_with(&prefix) && url.ends_with(".png"), "{url}");
    assert_eq!(updated.images.len(), 3, "appended to the two seeded images");
    let event = app.next_event().await;
    assert_eq!(event.data["fields"], serde_json::json!(["images"]));

    let gif = b"GIF89a-not-allowed".to_vec();
    let err = app
        .client
        .clone()
        .add_product_image(upload(gif))
        .await
        .unwrap_err();
    assert_eq!(
        (err.code(), detail_fields(&err)),
        (Code::InvalidArgument, vec!["image".to_string()])
    );
    let huge = vici_testkit::pictures::png_of_len(5 * 1024 * 1024 + 1);
    let bomb = vici_testkit::pictures::bomb(5000, 4000);
    let polyglot = [
        vici_testkit::pictures::png(8, 8).as_slice(),
        b"<html><script>alert(1)</script>",
    ]
    .concat();
    let damaged = [b"\x89PNG\r\n\x1a\n".as_slice(), &[0u8; 64]].concat();
    for (bad, why) in [
        (huge, "The image must be at most 5 MB"),
        (
            bomb,
            "The image has too many pixels (5000×4000); make it smaller",
        ),
        (
            damaged,
            "The image could not be read: it is damaged or not what its type says",
        ),
    ] {
        let err = app
            .client
            .clone()
            .add_product_image(upload(bad))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument);
        assert_eq!(err.message(), why);
    }
    // A picture with something else appended is kept as the picture alone.
    let kept = app
        .client
        .clone()
        .add_product_image(upload(polyglot))
        .await
        .unwrap()
        .into_inner();
    let key = kept.images.last().unwrap();
    let key = key.strip_prefix("http://shop.test/api/media/").unwrap();
    let blob = &app.services.platform().blob;
    let stored = blob.get(key).await.unwrap().expect("stored");
    assert!(!String::from_utf8_lossy(&stored.bytes).contains("<script>"));
    let nowhere = AddProductImageRequest {
        product_id: "0190a000-0000-7000-8000-000000000000".into(),
        ..upload(vici_testkit::pictures::jpeg(8, 8))
    };
    assert_eq!(
        app.client
            .clone()
            .add_product_image(nowhere)
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );
}
