//! Reviews and their fold into the product's rating.
use tonic::Code;
use vici_kit::seed::Catalog;
use vici_proto::product::v1::{
    CreateReviewRequest, GetProductRequest, ListReviewsRequest, MarkReviewHelpfulRequest,
    get_product_request::Key,
};

use crate::browse::page;
use crate::harness::Env;

pub async fn reviews_fold_into_the_rating_once_per_user(env: Env) {
    let app = env.start(Catalog::demo()).await;
    let book = app.id_of("atomic-habits-book");
    let review = |user: &str, rating: u32| CreateReviewRequest {
        product_id: book.clone(),
        user_id: user.into(),
        user_name: "Jane".into(),
        user_avatar: Some(format!("https://cdn.example.com/{user}.png")),
        rating,
        title: "Changed my mornings".into(),
        comment: "Short chapters.".into(),
        images: vec![],
        verified: true,
    };
    let created = app
        .client
        .clone()
        .create_review(review("u1", 1))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (created.rating, created.helpful, created.verified),
        (1, 0, true)
    );
    assert_eq!(
        created.user_avatar.as_deref(),
        Some("https://cdn.example.com/u1.png"),
        "the reviewer's avatar is kept with the review"
    );
    let event = app.next_event().await;
    assert_eq!(
        (event.event_type.as_str(), event.subject.as_str()),
        ("product.updated", book.as_str())
    );
    assert_eq!(
        event.data["fields"],
        serde_json::json!(["rating", "reviewCount"])
    );

    let dup = app
        .client
        .clone()
        .create_review(review("u1", 5))
        .await
        .unwrap_err();
    assert_eq!(dup.code(), Code::AlreadyExists);
    assert_eq!(
        app.client
            .clone()
            .create_review(review("u2", 6))
            .await
            .unwrap_err()
            .code(),
        Code::InvalidArgument
    );

    let get = GetProductRequest {
        key: Some(Key::Id(book.clone())),
        include_all_statuses: false,
    };
    let product = app
        .client
        .clone()
        .get_product(get)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(product.review_count, 15_235);
    assert_eq!(
        product.rating,
        ((4.9 * 15_234.0 + 1.0) / 15_235.0 * 10.0_f64).round() / 10.0
    );

    let vote = |user: &str| MarkReviewHelpfulRequest {
        review_id: created.id.clone(),
        user_id: user.into(),
    };
    app.client
        .clone()
        .mark_review_helpful(vote("u7"))
        .await
        .unwrap();
    let twice = app
        .client
        .clone()
        .mark_review_helpful(vote("u7"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(twice.helpful, 1, "one vote per user");
    assert_eq!(
        app.client
            .clone()
            .mark_review_helpful(vote("u8"))
            .await
            .unwrap()
            .into_inner()
            .helpful,
        2
    );

    let list = ListReviewsRequest {
        product_id: book.clone(),
        page: page(1, 10),
        sort: "helpful".into(),
    };
    let reviews = app
        .client
        .clone()
        .list_reviews(list)
        .await
        .unwrap()
        .into_inner();
    let summary = reviews.summary.unwrap();
    assert_eq!((reviews.reviews.len(), reviews.page.unwrap().total), (1, 1));
    assert_eq!(
        (summary.average, summary.count, summary.distribution),
        (product.rating, 15_235, vec![1, 0, 0, 0, 0])
    );
    let bad_sort = ListReviewsRequest {
        product_id: book,
        page: None,
        sort: "best".into(),
    };
    assert_eq!(
        app.client
            .clone()
            .list_reviews(bad_sort)
            .await
            .unwrap_err()
            .code(),
        Code::InvalidArgument
    );
}
