//! The `account-events` consumer: registration sets a user up exactly once.
use vici_bus::CloudEvent;
use vici_bus::topics::ACCOUNT_EVENTS;
use vici_proto::user::v1::{UpdatePreferencesRequest, UserRef};

use crate::harness::{App, eventually, new_user};

fn registered(user: &str) -> CloudEvent {
    CloudEvent::new(
        "auth",
        "user.registered",
        user,
        serde_json::json!({"userId": user, "email": "ada@example.com", "name": "Ada"}),
    )
}

async fn set_up(app: &App, user: &str) -> bool {
    app.count("SELECT COUNT(*) FROM preferences WHERE user_id = $1", user)
        .await
        == 1
}

pub async fn registration_sets_up_the_user_once(app: App) {
    let user = new_user();
    let event = registered(&user);
    app.services.publish(ACCOUNT_EVENTS, &event).await;
    eventually("the registration to be applied", || set_up(&app, &user)).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM profiles WHERE user_id = $1", &user)
            .await,
        1
    );
    let prefs = app
        .client()
        .get_preferences(UserRef {
            user_id: user.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert!(prefs.email_notifications && !prefs.marketing_emails);
    assert_eq!(
        (prefs.language.as_str(), prefs.currency.as_str()),
        ("en", "USD")
    );
    let changed = app
        .client()
        .update_preferences(UpdatePreferencesRequest {
            user_id: user.clone(),
            marketing_emails: Some(true),
            currency: Some("GBP".into()),
            ..UpdatePreferencesRequest::default()
        })
        .await
        .unwrap()
        .into_inner();

    // The same delivery again, the same registration under a new event id (a producer retry),
    // an event of another type, and a malformed registration; then a marker registration whose
    // effect proves everything before it was handled (one partition keeps publish order).
    app.services.publish(ACCOUNT_EVENTS, &event).await;
    app.services
        .publish(ACCOUNT_EVENTS, &registered(&user))
        .await;
    let other_type = CloudEvent::new(
        "auth",
        "user.password_changed",
        &user,
        serde_json::json!({"userId": user}),
    );
    app.services.publish(ACCOUNT_EVENTS, &other_type).await;
    let mut broken = registered("not-a-uuid");
    broken.data = serde_json::json!({"email": "x@example.com"});
    app.services.publish(ACCOUNT_EVENTS, &broken).await;
    let marker = new_user();
    app.services
        .publish(ACCOUNT_EVENTS, &registered(&marker))
        .await;
    eventually("the marker registration", || set_up(&app, &marker)).await;

    let after = app
        .client()
        .get_preferences(UserRef {
            user_id: user.clone(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(after, changed, "redeliveries leave preferences untouched");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM profiles WHERE user_id = $1", &user)
            .await,
        1
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM processed_events WHERE event_id = $1",
            &event.id
        )
        .await,
        1,
        "the event id is recorded once"
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM processed_events WHERE consumer = $1",
            vici_user::ACCOUNT_EVENTS_CONSUMER
        )
        .await,
        3,
        "every registration was recorded once; the other type was acknowledged without a record, \
         the malformed one rolled back and dead-lettered"
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM profiles WHERE user_id = $1",
            "not-a-uuid"
        )
        .await,
        0
    );
}
