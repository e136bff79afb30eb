//! Forgot/reset password, email verification and change password.
use std::time::Duration;
use vici_kit::ErrorCode;
use vici_testkit::{refused, refused_on};

use vici_identity::revocation::{session_key, user_key};
use vici_proto::auth::v1 as pb;

use crate::harness::{App, GOOD_PASSWORD};

const NEW_PASSWORD: &str = "Brand1NewSecret";

async fn forgot(app: &App, email: &str) {
    let req = pb::ForgotPasswordRequest {
        email: email.into(),
    };
    app.client
        .clone()
        .forgot_password(req)
        .await
        .expect("always Ok");
}

async fn reset(app: &App, token: &str, password: &str) -> Result<(), tonic::Status> {
    let req = pb::ResetPasswordRequest {
        token: token.into(),
        password: password.into(),
    };
    app.client.clone().reset_password(req).await.map(|_| ())
}

async fn verify_email(app: &App, token: &str) -> Result<(), tonic::Status> {
    let req = pb::VerifyEmailRequest {
        token: token.into(),
    };
    app.client.clone().verify_email(req).await.map(|_| ())
}

/// The token of the newest `kind` event about `user_id`.
async fn mailed_token(app: &App, kind: &str, user_id: &str) -> String {
    let mailed = app.mailed(kind, user_id).await;
    mailed.data["token"].as_str().unwrap().to_string()
}

pub async fn forgot_password_for_an_unknown_email_is_ok_and_silent(app: App) {
    let before = app.events().await.len();
    forgot(&app, "nobody@example.com").await;
    forgot(&app, "  NOBODY@example.com ").await;
    assert_eq!(
        app.events().await.len(),
        before,
        "no event for an unknown email"
    );
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM one_time_tokens")
        .fetch_one(app.db.reader())
        .await
        .unwrap();
    assert_eq!(n, 0);
}

pub async fn a_reset_link_works_once_and_ends_every_session(app: App) {
    let s1 = app.register("forgetful@example.com", "For Getful").await;
    let s2 = app
        .login("forgetful@example.com", GOOD_PASSWORD)
        .await
        .unwrap();
    let user_id = s1.user.as_ref().unwrap().id.clone();
    forgot(&app, " Forgetful@Example.com").await;
    let events = app
        .events_of("user.password_reset_requested", &user_id)
        .await;
    assert_eq!(events.len(), 1);
    let data = &events[0].data;
    assert_eq!(data["email"], "forgetful@example.com");
    assert_eq!(data["userId"], user_id.as_str());
    let expires =
        chrono::DateTime::parse_from_rfc3339(data["expiresAt"].as_str().unwrap()).unwrap();
    let in_secs = expires.timestamp() - app.now_secs();
    assert!(
        (3540..=3600).contains(&in_secs),
        "1 h link, got {in_secs} s"
    );
    let token = mailed_token(&app, "user.password_reset_requested", &user_id).await;

    let weak = reset(&app, &token, "weakpass").await;
    refused_on(weak, ErrorCode::Validation, "password");
    reset(&app, &token, NEW_PASSWORD)
        .await
        .expect("the link works");
    let again = reset(&app, &token, "Another1Secret").await;
    let err = refused_on(again, ErrorCode::Validation, "token");
    assert_eq!(err.message, "This reset link is invalid or has expired");
    let bogus = reset(&app, "no-such-token", NEW_PASSWORD).await;
    refused_on(bogus, ErrorCode::Validation, "token");

    for s in [&s1, &s2] {
        refused(app.refresh(&s.refresh_token).await, ErrorCode::Unauthorized);
        let sid = app.verify(&s.access_token).await.sid;
        assert!(app.cached(&session_key(&sid)).await.is_some());
    }
    let (value, _) = app.cached(&user_key(&user_id)).await.expect("user denied");
    assert_eq!(value, "1", "the account's new token version");
    for s in [&s1, &s2] {
        assert!(app.denied(&app.verify(&s.access_token).await).await);
    }
    let old = app.login("forgetful@example.com", GOOD_PASSWORD).await;
    refused(old, ErrorCode::Unauthorized);
    assert!(
        app.login("forgetful@example.com", NEW_PASSWORD)
            .await
            .is_ok()
    );
    assert_eq!(
        app.events_of("user.password_changed", &user_id).await.len(),
        1
    );
    assert!(
        app.account(&user_id).await.email_verified,
        "the link proved the address"
    );
}

pub async fn an_expired_reset_link_is_refused(app: App) {
    let s = app.register("slow@example.com", "Slow Poke").await;
    let user_id = s.user.unwrap().id;
    forgot(&app, "slow@example.com").await;
    let first = mailed_token(&app, "user.password_reset_requested", &user_id).await;
    app.clock.advance(Duration::from_secs(3601));
    let late = reset(&app, &first, NEW_PASSWORD).await;
    refused_on(late, ErrorCode::Validation, "token");
    // A fresh link works, and voids any other outstanding one.
    forgot(&app, "slow@example.com").await;
    let second = mailed_token(&app, "user.password_reset_requested", &user_id).await;
    forgot(&app, "slow@example.com").await;
    let third = mailed_token(&app, "user.password_reset_requested", &user_id).await;
    reset(&app, &third, NEW_PASSWORD).await.unwrap();
    let voided = reset(&app, &second, "Other1Secret").await;
    refused_on(voided, ErrorCode::Validation, "token");
}

pub async fn email_verification_works_once(app: App) {
    let s = app.register("verify.me@example.com", "Veri Fy").await;
    let user_id = s.user.unwrap().id;
    let token = mailed_token(&app, "user.email_verification_requested", &user_id).await;
    assert!(!app.account(&user_id).await.email_verified);
    let bad = verify_email(&app, "not-the-token").await;
    let err = refused_on(bad, ErrorCode::Validation, "token");
    assert_eq!(
        err.message,
        "This verification link is invalid or has expired"
    );
    verify_email(&app, &token).await.expect("verifies");
    assert!(app.account(&user_id).await.email_verified);
    let again = verify_email(&app, &token).await;
    refused_on(again, ErrorCode::Validation, "token");
    let updated = app.events_of("user.updated", &user_id).await;
    assert_eq!(updated.len(), 1);
    assert_eq!(
        updated[0].data["fields"],
        serde_json::json!(["emailVerified"])
    );

    // A verification link lasts 24 hours.
    let late = app.register("late@example.com", "Late Comer").await;
    let late_id = late.user.unwrap().id;
    let token = mailed_token(&app, "user.email_verification_requested", &late_id).await;
    app.clock.advance(Duration::from_secs(24 * 3600 + 1));
    refused_on(
        verify_email(&app, &token).await,
        ErrorCode::Validation,
        "token",
    );
    // A reset token is not a verification token (nor the other way round).
    let jane = app.id_of(crate::harness::JANE).await;
    forgot(&app, crate::harness::JANE).await;
    let reset_token = mailed_token(&app, "user.password_reset_requested", &jane).await;
    refused_on(
        verify_email(&app, &reset_token).await,
        ErrorCode::Validation,
        "token",
    );
}

pub async fn change_password_checks_the_current_one_and_keeps_this_session(app: App) {
    let here = app.register("changer@example.com", "Chan Ger").await;
    let elsewhere = app
        .login("changer@example.com", GOOD_PASSWORD)
        .await
        .unwrap();
    let user_id = here.user.as_ref().unwrap().id.clone();
    let here_sid = app.verify(&here.access_token).await.sid;
    let change = |current: &str, new: &str| pb::ChangePasswordRequest {
        user_id: user_id.clone(),
        current_password: current.into(),
        new_password: new.into(),
        session_id: here_sid.clone(),
    };
    let mut c = app.client.clone();

    let wrong = c.change_password(change("Wrong1Horse", NEW_PASSWORD)).await;
    let err = refused_on(wrong, ErrorCode::Validation, "currentPassword");
    assert_eq!(err.message, "The current password is incorrect");
    assert_eq!(err.code.as_str(), "VALIDATION_ERROR");
    let empty = c.change_password(change("", NEW_PASSWORD)).await;
    refused_on(empty, ErrorCode::Validation, "currentPassword");
    let weak = c.change_password(change(GOOD_PASSWORD, "weak")).await;
    refused_on(weak, ErrorCode::Validation, "newPassword");
    let same = c
        .change_password(change(GOOD_PASSWORD, GOOD_PASSWORD))
        .await;
    refused_on(same, ErrorCode::Validation, "newPassword");
    assert!(
        app.events_of("user.password_changed", &user_id)
            .await
            .is_empty()
    );

    c.change_password(change(GOOD_PASSWORD, NEW_PASSWORD))
        .await
        .expect("changed");
    assert!(
        app.refresh(&here.refresh_token).await.is_ok(),
        "this session stays"
    );
    refused(
        app.refresh(&elsewhere.refresh_token).await,
        ErrorCode::Unauthorized,
    );
    let other_sid = app.verify(&elsewhere.access_token).await.sid;
    assert!(app.cached(&session_key(&other_sid)).await.is_some());
    assert!(app.cached(&session_key(&here_sid)).await.is_none());
    refused(
        app.login("changer@example.com", GOOD_PASSWORD).await,
        ErrorCode::Unauthorized,
    );
    assert!(app.login("changer@example.com", NEW_PASSWORD).await.is_ok());
    assert_eq!(
        app.events_of("user.password_changed", &user_id).await.len(),
        1
    );
}
