//! Preferences: defaults on first read, partial updates, refused values.
use vici_proto::user::v1::{Preferences, UpdatePreferencesRequest, UserRef};

use crate::harness::{App, assert_invalid, details, new_user};

fn defaults(user: &str) -> Preferences {
    Preferences {
        user_id: user.to_string(),
        email_notifications: true,
        sms_notifications: false,
        marketing_emails: false,
        language: "en".into(),
        currency: "USD".into(),
    }
}

fn update(user: &str) -> UpdatePreferencesRequest {
    UpdatePreferencesRequest {
        user_id: user.to_string(),
        ..UpdatePreferencesRequest::default()
    }
}

async fn read(app: &App, user: &str) -> Preferences {
    app.client()
        .get_preferences(UserRef {
            user_id: user.to_string(),
        })
        .await
        .unwrap()
        .into_inner()
}

pub async fn defaults_on_first_read_then_partial_updates(app: App) {
    let user = new_user();
    assert_eq!(read(&app, &user).await, defaults(&user));
    let sql = "SELECT COUNT(*) FROM preferences WHERE user_id = $1";
    assert_eq!(
        app.count(sql, &user).await,
        1,
        "the first read stores the defaults"
    );
    assert_eq!(read(&app, &user).await, defaults(&user));
    assert_eq!(app.count(sql, &user).await, 1);

    let mut client = app.client();
    let p = client
        .update_preferences(UpdatePreferencesRequest {
            sms_notifications: Some(true),
            ..update(&user)
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        p,
        Preferences {
            sms_notifications: true,
            ..defaults(&user)
        }
    );
    let p = client
        .update_preferences(UpdatePreferencesRequest {
            email_notifications: Some(false),
            language: Some(" pt-br ".into()),
            currency: Some("eur".into()),
            ..update(&user)
        })
        .await
        .unwrap()
        .into_inner();
    let expected = Preferences {
        email_notifications: false,
        sms_notifications: true,
        language: "pt-BR".into(),
        currency: "EUR".into(),
        ..defaults(&user)
    };
    assert_eq!(p, expected);
    assert_eq!(read(&app, &user).await, expected);
    let unchanged = client
        .update_preferences(update(&user))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(unchanged, expected, "an empty update changes nothing");

    // Updating before ever reading starts from the defaults.
    let fresh = new_user();
    let p = client
        .update_preferences(UpdatePreferencesRequest {
            marketing_emails: Some(true),
            ..update(&fresh)
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        p,
        Preferences {
            marketing_emails: true,
            ..defaults(&fresh)
        }
    );
}

pub async fn bad_preferences_are_refused_and_change_nothing(app: App) {
    let user = new_user();
    let mut client = app.client();
    let language = "Language must be a language tag such as en or en-US";
    let currency = "Currency must be one of USD, EUR, GBP, CAD, AUD, JPY";
    for bad in [
        "",
        "e",
        "english",
        "en_US",
        "en-",
        "12",
        &format!("en-{}", "abcdefgh-".repeat(4)),
    ] {
        let err = client
            .update_preferences(UpdatePreferencesRequest {
                language: Some(bad.to_string()),
                sms_notifications: Some(true),
                ..update(&user)
            })
            .await
            .unwrap_err();
        assert_invalid(&err, "language", language);
    }
    for bad in ["", "BTC", "US", "usd1", "'; DROP TABLE preferences; --"] {
        let err = client
            .update_preferences(UpdatePreferencesRequest {
                currency: Some(bad.to_string()),
                ..update(&user)
            })
            .await
            .unwrap_err();
        assert_invalid(&err, "currency", currency);
    }
    let err = client
        .update_preferences(UpdatePreferencesRequest {
            language: Some("x".into()),
            currency: Some("XXX".into()),
            ..update(&user)
        })
        .await
        .unwrap_err();
    assert_eq!(details(&err).len(), 2, "both problems are reported");
    assert_eq!(read(&app, &user).await, defaults(&user), "nothing changed");
}
