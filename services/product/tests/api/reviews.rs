//! Reviews and their fold into the product's rating.
use tonic::Code;
use vici_catalog::Catalog;
use vici_proto::product::v1::{
    CreateReviewRequest, GetProductRequest, ListReviewsRequest, MarkReviewHelpfulRequest,
    get_product_request::Key,
};

use vici_bus::CloudEvent;
use vici_bus::topics::{ORDER_EVENTS, PURCHASE_EVENTS};

use crate::browse::page;
use crate::harness::Env;

// Users as the gateway names them: by the UUIDs of their accounts.
const U1: &str = "0192f0a4-0000-7000-8000-0000000000a1";
const U2: &str = "0192f0a4-0000-7000-8000-0000000000a2";
const U7: &str = "0192f0a4-0000-7000-8000-0000000000a7";
const U8: &str = "0192f0a4-0000-7000-8000-0000000000a8";
const BUYER: &str = "0192f0a4-0000-7000-8000-0000000000b0";
const STRANGER: &str = "0192f0a4-0000-7000-8000-0000000000b1";

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
        // Claimed by the caller, never believed: only a purchase verifies a review.
        verified: true,
    };
    let created = app
        .client
        .clone()
        .create_review(review(U1, 1))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (created.rating, created.helpful, created.verified),
        (1, 0, false)
    );
    assert_eq!(
        created.user_avatar.as_deref(),
        Some(format!("https://cdn.example.com/{U1}.png").as_str()),
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
        .create_review(review(U1, 5))
        .await
        .unwrap_err();
    assert_eq!(dup.code(), Code::AlreadyExists);
    assert_eq!(
        app.client
            .clone()
            .create_review(review(U2, 6))
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
        .mark_review_helpful(vote(U7))
        .await
        .unwrap();
    let twice = app
        .client
        .clone()
        .mark_review_helpful(vote(U7))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(twice.helpful, 1, "one vote per user");
    assert_eq!(
        app.client
            .clone()
            .mark_review_helpful(vote(U8))
            .await
            .unwrap()
            .into_inner()
            .helpful,
        2
    );

    let list = ListReviewsRequest {
        product_id: book.clone(),
        page: page(1, 10),
        sort: vici_proto::product::v1::ReviewSort::Helpful.into(),
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
        sort: crate::browse::UNKNOWN_VALUE,
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

/// `behaviour.purchase` as the order service announces a paid order line.
fn purchase(user: &str, product: &str) -> CloudEvent {
    purchase_in("o-1", user, product)
}

fn purchase_in(order: &str, user: &str, product: &str) -> CloudEvent {
    CloudEvent::new(
        "order",
        "behaviour.purchase",
        user,
        serde_json::json!({"orderId": order, "userId": user, "productId": product,
            "quantity": 1, "priceCents": 1_999}),
    )
}

/// `order.cancelled` as the order service announces it (one line of `product`).
fn cancelled(order: &str, user: &str, product: &str) -> CloudEvent {
    CloudEvent::new(
        "order",
        "order.cancelled",
        order,
        serde_json::json!({"orderId": order, "userId": user, "status": "CANCELLED",
            "items": [{"productId": product, "quantity": 1}], "reason": "Cancelled by customer"}),
    )
}

/// Waits (5 s at most) until the purchases consumer has applied `n` events in all.
async fn applied(app: &crate::harness::App, n: i64) {
    for _ in 0..100 {
        let count: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM processed_events WHERE consumer = 'product-purchases'",
        )
        .fetch_one(app.db.reader())
        .await
        .unwrap();
        if count >= n {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the purchases consumer never applied {n} events");
}

async fn is_verified(app: &crate::harness::App, product: &str, user: &str) -> bool {
    let reviews = app
        .client
        .clone()
        .list_reviews(ListReviewsRequest {
            product_id: product.into(),
            page: page(1, 50),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    reviews
        .reviews
        .iter()
        .any(|r| r.user_id == user && r.verified)
}

fn review_by(product: &str, user: &str) -> CreateReviewRequest {
    CreateReviewRequest {
        product_id: product.into(),
        user_id: user.into(),
        user_name: "Buyer".into(),
        rating: 5,
        title: "Bought it".into(),
        comment: "Worth it".into(),
        ..Default::default()
    }
}

/// Waits (5 s at most) until `user`'s review of `product` reads `verified`.
async fn eventually_verified(app: &crate::harness::App, product: &str, user: &str) {
    for _ in 0..100 {
        if is_verified(app, product, user).await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{user}'s review of {product} never became verified");
}

pub async fn only_buyers_write_verified_reviews(env: Env) {
    let app = env.start(Catalog::demo()).await;
    let mouse = app.id_of("logitech-mx-master-3s");
    let book = app.id_of("atomic-habits-book");
    // An anonymous visit's purchase from an imported history is taken and verifies nothing.
    let mut anonymous = purchase("", &mouse);
    anonymous.data["userId"] = serde_json::Value::Null;
    anonymous.data["imported"] = true.into();
    app.services.publish(PURCHASE_EVENTS, &anonymous).await;
    applied(&app, 1).await;
    // A purchase first: the review written afterwards is verified.
    app.services
        .publish(PURCHASE_EVENTS, &purchase(BUYER, &mouse))
        .await;
    let mut verified = false;
    for _ in 0..100 {
        let mut conn = app.db.reader().acquire().await.unwrap();
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM purchases")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        if n == 1 {
            verified = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(verified, "the purchase was recorded");
    let created = app
        .client
        .clone()
        .create_review(review_by(&mouse, BUYER))
        .await
        .unwrap();
    assert!(created.into_inner().verified);
    // Buying one product verifies nothing else, and nobody else.
    let other = app
        .client
        .clone()
        .create_review(review_by(&book, BUYER))
        .await
        .unwrap();
    assert!(!other.into_inner().verified);
    let stranger = app
        .client
        .clone()
        .create_review(review_by(&mouse, STRANGER))
        .await
        .unwrap();
    assert!(!stranger.into_inner().verified);
    // A review written before buying becomes verified with the purchase; a repeat is harmless.
    let event = purchase(BUYER, &book);
    app.services.publish(PURCHASE_EVENTS, &event).await;
    app.services.publish(PURCHASE_EVENTS, &event).await;
    eventually_verified(&app, &book, BUYER).await;
}

pub async fn a_cancelled_order_no_longer_verifies_its_reviews(env: Env) {
    let app = env.start(Catalog::demo()).await;
    let mouse = app.id_of("logitech-mx-master-3s");
    let book = app.id_of("atomic-habits-book");
    // Two orders of the mouse: the review stays verified until both are cancelled.
    app.services
        .publish(PURCHASE_EVENTS, &purchase_in("o-1", BUYER, &mouse))
        .await;
    app.services
        .publish(PURCHASE_EVENTS, &purchase_in("o-2", BUYER, &mouse))
        .await;
    applied(&app, 2).await;
    let mut client = app.client.clone();
    let review = client.create_review(review_by(&mouse, BUYER)).await;
    assert!(review.unwrap().into_inner().verified);
    app.services
        .publish(ORDER_EVENTS, &cancelled("o-1", BUYER, &mouse))
        .await;
    applied(&app, 3).await;
    assert!(is_verified(&app, &mouse, BUYER).await, "o-2 still stands");
    app.services
        .publish(ORDER_EVENTS, &cancelled("o-2", BUYER, &mouse))
        .await;
    applied(&app, 4).await;
    assert!(!is_verified(&app, &mouse, BUYER).await);
    // A new review by that user is not verified either.
    let again = client.create_review(review_by(&book, BUYER)).await;
    assert!(!again.unwrap().into_inner().verified);

    // The cancellation may arrive before the purchase it cancels (another topic): the late
    // purchase does not verify anything.
    app.services
        .publish(ORDER_EVENTS, &cancelled("o-3", BUYER, &book))
        .await;
    app.services
        .publish(PURCHASE_EVENTS, &purchase_in("o-3", BUYER, &book))
        .await;
    applied(&app, 6).await;
    assert!(!is_verified(&app, &book, BUYER).await);
    // Buying it again in an order that stands verifies the review.
    app.services
        .publish(PURCHASE_EVENTS, &purchase_in("o-4", BUYER, &book))
        .await;
    eventually_verified(&app, &book, BUYER).await;
}

/// Review text is refused when it holds NUL or other control characters (line breaks and tabs
/// are fine in a comment) or bidirectional controls, with the same answer on SQLite and
/// PostgreSQL (which cannot store NUL at all); nothing is stored.
pub async fn unprintable_review_text_is_refused_on_both_backends(env: Env) {
    let app = env.start(Catalog::demo()).await;
    let product = app.id_of("sony-wh1000xm5");
    let with = |title: &str, comment: &str| CreateReviewRequest {
        title: title.into(),
        comment: comment.into(),
        ..review_by(&product, U8)
    };
    let refused = [
        (with("Fine", "nul \0 inside"), "comment"),
        (with("Fine", "bell \u{7}"), "comment"),
        (with("tab\there", "ok"), "title"),
        (with("\u{202E}won", "ok"), "title"),
        (with("Fine", "isolate \u{2066}x\u{2069}"), "comment"),
    ];
    for (review, field) in refused {
        let answer = app.client.clone().create_review(review.clone()).await;
        let problem = vici_testkit::invalid(answer, field);
        assert!(problem.contains("characters"), "{review:?}: {problem}");
    }
    let listed = |app: &crate::harness::App| {
        let request = ListReviewsRequest {
            product_id: product.clone(),
            ..Default::default()
        };
        let mut client = app.client.clone();
        async move {
            client
                .list_reviews(request)
                .await
                .unwrap()
                .into_inner()
                .reviews
        }
    };
    assert!(
        listed(&app).await.iter().all(|r| r.user_id != U8),
        "nothing stored"
    );
    let lines = with("Two lines", "first line\nsecond\tline\r\n");
    app.client.clone().create_review(lines).await.unwrap();
    let stored = listed(&app)
        .await
        .into_iter()
        .find(|r| r.user_id == U8)
        .unwrap();
    assert_eq!(
        stored.comment, "first line\nsecond\tline",
        "stored as written, trimmed"
    );
}
