//! Login: demo bcrypt users, the single "invalid" answer, deactivated accounts.
use tonic::Code;
use vici_kit::ErrorCode;
use vici_testkit::refused;

use crate::harness::{ADMIN, App, DEMO_PASSWORD, GOOD_PASSWORD, JANE};

async fn stored_hash(app: &App, email: &str) -> String {
    sqlx::query_scalar("SELECT password_hash FROM accounts WHERE email = $1")
        .bind(email)
        .fetch_one(app.db.reader())
        .await
        .unwrap()
}

pub async fn demo_bcrypt_users_log_in_and_are_upgraded_to_argon2id(app: App) {
    assert!(stored_hash(&app, JANE).await.starts_with("$2b$"));
    let s = app.login(JANE, DEMO_PASSWORD).await.expect("jane logs in");
    let user = s.user.unwrap();
    assert_eq!(user.email, JANE);
    assert_eq!(user.name, "Jane Doe");
    assert_eq!(user.role, "customer");
    assert_eq!(app.verify(&s.access_token).await.sub, user.id);
    let upgraded = stored_hash(&app, JANE).await;
    assert!(
        upgraded.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{upgraded}"
    );
    // With the new hash, and with the email typed carelessly.
    let again = app
        .login("  Jane.Doe@Example.com ", DEMO_PASSWORD)
        .await
        .unwrap();
    assert_eq!(again.user.unwrap().id, user.id);
    assert_eq!(
        stored_hash(&app, JANE).await,
        upgraded,
        "no rehash once current"
    );
    assert!(app.account(&user.id).await.last_login_at.is_some());
    assert!(app.account(&user.id).await.email_verified);

    let admin = app
        .login(ADMIN, DEMO_PASSWORD)
        .await
        .expect("admin logs in");
    assert_eq!(admin.user.as_ref().unwrap().role, "admin");
    assert_eq!(app.verify(&admin.access_token).await.role, "admin");
    // Two sign-ins are two sessions.
    assert_ne!(
        app.verify(&s.access_token).await.sid,
        app.verify(&again.access_token).await.sid
    );
}

pub async fn a_wrong_password_and_an_unknown_email_look_the_same(app: App) {
    let wrong = app.login(JANE, "password124").await.unwrap_err();
    let unknown = app
        .login("nobody@example.com", DEMO_PASSWORD)
        .await
        .unwrap_err();
    assert_eq!(wrong.code(), Code::Unauthenticated);
    assert_eq!(unknown.code(), Code::Unauthenticated);
    assert_eq!(wrong.message(), "Invalid email or password");
    assert_eq!(wrong.message(), unknown.message());
    assert_eq!(wrong.details(), unknown.details());
    assert_eq!(
        vici_testkit::refusal(&wrong).code.as_str(),
        vici_testkit::refusal(&unknown).code.as_str()
    );
    // A failed attempt changes nothing: the bcrypt hash is still there.
    assert!(stored_hash(&app, JANE).await.starts_with("$2b$"));
    let s = app.register("someone@example.com", "Some One").await;
    let third = app.login("someone@example.com", "Wrong1Horse").await;
    let err = refused(third, ErrorCode::Unauthorized);
    assert_eq!(err.message, "Invalid email or password");
    assert!(
        app.login("someone@example.com", GOOD_PASSWORD)
            .await
            .is_ok()
    );
    assert!(!s.refresh_token.is_empty());
}

pub async fn a_deactivated_account_is_refused_only_with_the_right_password(app: App) {
    let jane_id = app.id_of(JANE).await;
    let admin_id = app.id_of(ADMIN).await;
    let before = app.login(JANE, DEMO_PASSWORD).await.unwrap();
    let changed = app
        .admin_update(&jane_id, None, Some(false), &admin_id)
        .await
        .unwrap();
    assert!(!changed.is_active);

    let right = app.login(JANE, DEMO_PASSWORD).await;
    let err = refused(right, ErrorCode::Forbidden);
    assert_eq!(err.message, "This account has been deactivated");
    let wrong = app.login(JANE, "nope-nope").await;
    refused(wrong, ErrorCode::Unauthorized);
    // Her existing session is over, refresh token and access tokens alike.
    let refreshed = app.refresh(&before.refresh_token).await;
    refused(refreshed, ErrorCode::Unauthorized);
    let key = vici_identity::revocation::user_key(&jane_id);
    let (value, ttl) = app.cached(&key).await.expect("user deny entry");
    assert_eq!(value, "1", "the account's new token version");
    assert!(
        ttl.as_secs() <= vici_identity::revocation::ENTRY_TTL_SECS as u64 && ttl.as_secs() > 800
    );
    let old = app.verify(&before.access_token).await;
    assert!(old.ver < 1 && app.denied(&old).await);
    // The ended sessions are denied by id as well.
    let session = vici_identity::revocation::session_key(&old.sid);
    assert!(app.cached(&session).await.is_some(), "session deny entry");

    app.admin_update(&jane_id, None, Some(true), &admin_id)
        .await
        .unwrap();
    let after = app.login(JANE, DEMO_PASSWORD).await.unwrap();
    let new = app.verify(&after.access_token).await;
    assert_eq!(new.ver, 2, "reactivation moved the version on too");
    assert!(!app.denied(&new).await);
}
