//! Registration: the session it returns, its events, duplicates and input validation.
use vici_kit::ErrorCode;
use vici_testkit::refused_on;

use vici_identity::{ACCESS_TTL_SECS, AUDIENCE, ISSUER};
use vici_proto::auth::v1 as pb;

use crate::harness::{App, GOOD_PASSWORD};

pub async fn a_new_account_gets_a_session_whose_token_carries_every_claim(app: App) {
    let s = app.register("  New.User@Example.COM ", "  New User ").await;
    let user = s.user.clone().unwrap();
    assert_eq!(
        user.email, "new.user@example.com",
        "trimmed and lower-cased"
    );
    assert_eq!(user.name, "New User");
    assert_eq!(user.role, "customer");
    assert_eq!(s.expires_in, ACCESS_TTL_SECS);
    assert_eq!(s.refresh_token.len(), 43, "32 random bytes in base64url");
    uuid::Uuid::parse_str(&user.id).expect("a UUID id");

    let claims = app.verify(&s.access_token).await;
    assert_eq!(claims.sub, user.id);
    assert_eq!(claims.email, user.email);
    assert_eq!(claims.role, "customer");
    assert_eq!(claims.iss, ISSUER);
    assert_eq!(claims.aud, AUDIENCE);
    assert_eq!(claims.exp - claims.iat, ACCESS_TTL_SECS);
    assert!((claims.iat - app.now_secs()).abs() <= 10);
    uuid::Uuid::parse_str(&claims.sid).expect("sid is the session (family) id");
    uuid::Uuid::parse_str(&claims.jti).expect("jti is a UUID");
    let kid = app.jwks().await.keys[0].kid.clone();
    assert!(s.access_token.split('.').next().is_some());
    let header: serde_json::Value =
        serde_json::from_slice(&base64_url(s.access_token.split('.').next().unwrap())).unwrap();
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(header["kid"], kid.as_str());

    let account = app.account(&user.id).await;
    assert!(account.is_active && !account.email_verified);
    assert!(account.created_at.ends_with('Z'));
    assert!(account.last_login_at.is_some());
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM accounts WHERE id = $1")
        .bind(&user.id)
        .fetch_one(app.db.reader())
        .await
        .unwrap();
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );

    let events = app.events().await;
    let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(
        types,
        ["user.registered", "user.email_verification_requested"]
    );
    assert_eq!(
        events[0].data,
        serde_json::json!({"userId": user.id, "email": user.email, "name": "New User"})
    );
    assert_eq!(events[0].subject, user.id);
    assert_eq!(events[0].source, "/vici/auth");
    let v = &events[1].data;
    assert_eq!(v["userId"], user.id.as_str());
    assert_eq!(v["email"], user.email.as_str());
    let mailed = app.mailed(&events[1].event_type, &user.id).await;
    let token = mailed.data["token"].as_str().unwrap();
    assert_eq!(token.len(), 43);
    // Once published, the outbox row keeps no usable link.
    let redacted = || async {
        let now = app.events_of("user.email_verification_requested", &user.id);
        now.await[0].data["token"] == vici_store::outbox::REDACTED
    };
    vici_testkit::eventually("the published link redacted in the outbox", redacted).await;
    let expires = chrono::DateTime::parse_from_rfc3339(v["expiresAt"].as_str().unwrap()).unwrap();
    let in_secs = expires.timestamp() - app.now_secs();
    assert!(
        (86_340..=86_400).contains(&in_secs),
        "24 h link, got {in_secs} s"
    );
    let stored: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM one_time_tokens WHERE token_hash = $1")
            .bind(token)
            .fetch_one(app.db.reader())
            .await
            .unwrap();
    assert_eq!(stored, 0, "tokens are stored hashed, never in the clear");
}

fn base64_url(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .unwrap()
}

pub async fn registration_events_reach_the_bus(app: App) {
    let mut sub = app
        .services
        .drain("test", &[vici_bus::topics::ACCOUNT_EVENTS])
        .await;
    let s = app.register("bus@example.com", "Bus Rider").await;
    let mut seen = Vec::new();
    for (key, event) in sub.take(2).await {
        assert_eq!(key, s.user.as_ref().unwrap().id, "keyed by user id");
        seen.push(event.event_type);
    }
    assert_eq!(
        seen,
        ["user.registered", "user.email_verification_requested"]
    );
}

pub async fn a_taken_email_conflicts_even_when_two_registrations_race(app: App) {
    app.register("taken@example.com", "First").await;
    let again = app
        .try_register(" TAKEN@example.com", GOOD_PASSWORD, "Second")
        .await;
    let err = refused_on(again, ErrorCode::Conflict, "email");
    assert_eq!(err.message, "An account with this email already exists");
    // The demo users are taken too.
    let demo = app
        .try_register("jane.doe@example.com", GOOD_PASSWORD, "Jane")
        .await;
    refused_on(demo, ErrorCode::Conflict, "email");

    for round in 0..3 {
        let email = format!("race{round}@example.com");
        let attempts: Vec<_> = (0..2)
            .map(|i| {
                let mut client = app.client.clone();
                let email = email.clone();
                tokio::spawn(async move {
                    client
                        .register(pb::RegisterRequest {
                            email,
                            password: GOOD_PASSWORD.into(),
                            name: format!("Racer {i}"),
                        })
                        .await
                })
            })
            .collect();
        let mut ok = 0;
        for a in attempts {
            match a.await.unwrap() {
                Ok(_) => ok += 1,
                Err(status) => {
                    refused_on(Err::<(), _>(status), ErrorCode::Conflict, "email");
                }
            }
        }
        assert_eq!(ok, 1, "exactly one of two racing registrations succeeds");
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts WHERE email = $1")
            .bind(&email)
            .fetch_one(app.db.reader())
            .await
            .unwrap();
        assert_eq!(n, 1);
    }
}

pub async fn every_bad_input_names_its_field(app: App) {
    let long_email = format!("{}@example.com", "a".repeat(250));
    let cases: &[(&str, &str, &str, &str)] = &[
        ("", GOOD_PASSWORD, "Name", "email"),
        ("not-an-email", GOOD_PASSWORD, "Name", "email"),
        ("two@@example.com", GOOD_PASSWORD, "Name", "email"),
        ("no@domain", GOOD_PASSWORD, "Name", "email"),
        ("sp ace@example.com", GOOD_PASSWORD, "Name", "email"),
        ("@example.com", GOOD_PASSWORD, "Name", "email"),
        (&long_email, GOOD_PASSWORD, "Name", "email"),
        ("ok@example.com", "", "Name", "password"),
        ("ok@example.com", "Sh0rt", "Name", "password"),
        ("ok@example.com", "alllower1", "Name", "password"),
        ("ok@example.com", "ALLUPPER1", "Name", "password"),
        ("ok@example.com", "NoDigitsHere", "Name", "password"),
        ("ok@example.com", "Aa1", "Name", "password"),
        ("ok@example.com", GOOD_PASSWORD, "", "name"),
        ("ok@example.com", GOOD_PASSWORD, "   ", "name"),
        ("ok@example.com", GOOD_PASSWORD, "Line\nbreak", "name"),
        ("ok@example.com", GOOD_PASSWORD, "Eve\u{202E}lin", "name"),
    ];
    for (email, password, name, field) in cases {
        let result = app.try_register(email, password, name).await;
        let err = refused_on(result, ErrorCode::Validation, field);
        assert_eq!(err.code.as_str(), "VALIDATION_ERROR");
        assert!(
            !err.message.is_empty() && err.message.len() < 120,
            "{}",
            err.message
        );
    }
    let too_long = format!("Aa1{}", "x".repeat(126));
    refused_on(
        app.try_register("ok@example.com", &too_long, "Name").await,
        ErrorCode::Validation,
        "password",
    );
    let long_name = "n".repeat(101);
    refused_on(
        app.try_register("ok@example.com", GOOD_PASSWORD, &long_name)
            .await,
        ErrorCode::Validation,
        "name",
    );
    let missing = app.try_register("ok@example.com", "password", "Name").await;
    let err = refused_on(missing, ErrorCode::Validation, "password");
    assert_eq!(
        err.message,
        "Password must contain at least one upper-case letter and one digit"
    );
    // Several problems at once are all reported.
    let all = app.try_register("nope", "short", "").await;
    let err = refused_on(all, ErrorCode::Validation, "email");
    assert!(err.details.contains_key("password") && err.details.contains_key("name"));

    // The other RPCs' inputs.
    let login = app.login("", "whatever").await;
    refused_on(login, ErrorCode::Validation, "email");
    refused_on(
        app.login("a@b.co", "").await,
        ErrorCode::Validation,
        "password",
    );
    refused_on(app.refresh("").await, ErrorCode::Validation, "refreshToken");
    let mut c = app.client.clone();
    let forgot = c
        .forgot_password(pb::ForgotPasswordRequest {
            email: "nope".into(),
        })
        .await;
    refused_on(forgot, ErrorCode::Validation, "email");
    let verify = c
        .verify_email(pb::VerifyEmailRequest { token: "".into() })
        .await;
    refused_on(verify, ErrorCode::Validation, "token");
    let reset = c
        .reset_password(pb::ResetPasswordRequest {
            token: "whatever".into(),
            password: "weak".into(),
        })
        .await;
    refused_on(reset, ErrorCode::Validation, "password");
    let get = c
        .get_account(pb::AccountRef {
            user_id: "not-a-uuid".into(),
        })
        .await;
    refused_on(get, ErrorCode::Validation, "userId");
    let list = c
        .list_accounts(pb::ListAccountsRequest {
            role: crate::harness::role_value("superuser"),
            ..Default::default()
        })
        .await;
    refused_on(list, ErrorCode::Validation, "role");

    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
        .fetch_one(app.db.reader())
        .await
        .unwrap();
    assert_eq!(n, 2, "only the two demo accounts: nothing bad was stored");
    assert!(app.events().await.is_empty(), "and nothing was announced");
}

pub async fn hostile_names_are_stored_verbatim(app: App) {
    let names = [
        "Robert'); DROP TABLE accounts;--",
        "' OR '1'='1",
        "\"; DELETE FROM refresh_tokens; --",
        "Zoë 🚀 <script>alert(1)</script>",
        "50%_off \\ back",
    ];
    for (i, name) in names.iter().enumerate() {
        let s = app.register(&format!("hostile{i}@example.com"), name).await;
        let id = s.user.unwrap().id;
        assert_eq!(app.account(&id).await.name, *name);
    }
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
        .fetch_one(app.db.reader())
        .await
        .unwrap();
    assert_eq!(n, 2 + names.len() as i64);
}
