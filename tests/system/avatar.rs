//! Avatar uploads end to end: stored in the blob store (a directory, or S3 in the distributed
//! run), linked from the profile, served back re-encoded with its real type; anything else
//! refused.
use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::json;
use vici_testkit::pictures;
use vici_testkit::system::{Reply, Visitor, shop};

async fn upload(v: &Visitor<'_>, bytes: Vec<u8>, name: &str) -> Reply {
    let form = Form::new().part("avatar", Part::bytes(bytes).file_name(name.to_string()));
    v.shop
        .send(v.request(Method::POST, "/api/users/avatar").multipart(form))
        .await
}

#[tokio::test]
async fn an_avatar_is_stored_linked_and_served_with_its_real_type() {
    let mut v = shop().visitor();
    v.register("avatar").await.data();
    // A picture with a script after it: what is kept and served is the picture alone.
    let polyglot = [
        pictures::png(24, 24).as_slice(),
        b"<script>alert(1)</script>",
    ]
    .concat();
    let profile = upload(&v, polyglot, "me.png").await.data().clone();
    let url = profile["avatar"].as_str().expect("avatar URL").to_string();
    let path = &url[url.find("/api/media/").expect("served by the gateway")..];
    let served = shop().client.get(shop().url(path)).send().await.unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(served.headers()["x-content-type-options"], "nosniff");
    let served = served.bytes().await.unwrap();
    assert_eq!(vici_blob::sniff_image(&served), Some("image/png"));
    assert!(!String::from_utf8_lossy(&served).contains("<script>"));
    assert_eq!(
        v.get("/api/users/profile").await.data()["avatar"],
        url.as_str()
    );
}

#[tokio::test]
async fn uploads_that_are_not_images_or_too_large_are_refused_and_change_nothing() {
    let mut v = shop().visitor();
    v.register("badavatar").await.data();
    let before = v.get("/api/users/profile").await.data().clone();
    let html = upload(
        &v,
        b"<html><script>alert(1)</script></html>".to_vec(),
        "x.png",
    )
    .await;
    assert_eq!(html.error(400), "VALIDATION_ERROR");
    assert!(html.body["details"]["avatar"].is_string(), "{}", html.body);
    let big = upload(&v, pictures::png_of_len(2 * 1024 * 1024 + 1), "big.png").await;
    assert_eq!(big.error(400), "VALIDATION_ERROR");
    let bomb = upload(&v, pictures::bomb(4096, 4096), "bomb.png").await;
    assert_eq!(bomb.error(400), "VALIDATION_ERROR");
    assert_eq!(
        bomb.body["details"]["avatar"],
        "The image has too many pixels (4096×4096); make it smaller"
    );
    let not_multipart = v.post("/api/users/avatar", &json!({"avatar": "x"})).await;
    assert_eq!(not_multipart.error(400), "VALIDATION_ERROR");
    assert_eq!(v.get("/api/users/profile").await.data(), &before);
}

#[tokio::test]
async fn review_text_is_stored_verbatim_or_refused_when_oversized() {
    let mut v = shop().visitor();
    v.register("reviewtext").await.data();
    let product = crate::account::product_id(&v, "dell-xps-15").await;
    let path = format!("/api/products/{product}/reviews");
    let huge = json!({"rating": 3, "title": "t", "comment": "c".repeat(100_000)});
    assert_eq!(v.post(&path, &huge).await.error(400), "VALIDATION_ERROR");
    let evil = "'; DELETE FROM reviews; --";
    let stored = v
        .post(&path, &json!({"rating": 5, "title": evil, "comment": evil}))
        .await;
    assert_eq!(stored.status, 201, "{}", stored.body);
    assert_eq!(stored.data()["title"], evil);
    assert_eq!(stored.data()["comment"], evil);
}
