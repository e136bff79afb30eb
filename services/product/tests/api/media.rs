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
    let png = [b"\x89PNG\r\n\x1a\n".as_slice(), &[0u8; 64]].concat();
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
    let huge = [b"\xFF\xD8\xFF".as_slice(), &vec![0u8; 5 * 1024 * 1024]].concat();
    let err = app
        .client
        .clone()
        .add_product_image(upload(huge))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    let nowhere = AddProductImageRequest {
        product_id: "0190a000-0000-7000-8000-000000000000".into(),
        ..upload(vec![0xFF, 0xD8, 0xFF, 0])
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
