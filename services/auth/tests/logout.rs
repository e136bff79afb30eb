//! Logout: which sessions end, and the deny-list entries that stop access tokens at once.
use vici_identity::revocation::{ENTRY_TTL_SECS, session_key, token_key};
use vici_identity::{ACCESS_TTL_SECS, LEEWAY_SECS};
use vici_kit::ErrorCode;
use vici_proto::auth::v1::{LogoutRequest, Session};
use vici_testkit::{refused, refused_on};

use crate::harness::{App, GOOD_PASSWORD};

const EMAIL: &str = "leaver@example.com";

/// Three sessions of one user (a registration and two logins).
async fn sessions(app: &App) -> (String, Vec<Session>) {
    let first = app.register(EMAIL, "Lea Ver").await;
    let mut all = vec![first];
    for _ in 0..2 {
        all.push(app.login(EMAIL, GOOD_PASSWORD).await.unwrap());
    }
    (all[0].user.as_ref().unwrap().id.clone(), all)
}

async fn logout(app: &App, req: LogoutRequest) {
    app.client
        .clone()
        .logout(req)
        .await
        .expect("logout succeeds");
}

/// The logout request the gateway sends for `s`'s access token.
async fn request_for(app: &App, user_id: &str, s: &Session) -> LogoutRequest {
    let c = app.verify(&s.access_token).await;
    LogoutRequest {
        user_id: user_id.into(),
        refresh_token: None,
        all_devices: false,
        access_jti: c.jti,
        access_exp: c.exp,
        session_id: c.sid,
    }
}

pub async fn logout_ends_one_session_and_denies_its_access_token(app: App) {
    let (user_id, s) = sessions(&app).await;
    let mut req = request_for(&app, &user_id, &s[0]).await;
    req.refresh_token = Some(s[0].refresh_token.clone());
    let (jti, sid) = (req.access_jti.clone(), req.session_id.clone());
    logout(&app, req.clone()).await;

    refused(
        app.refresh(&s[0].refresh_token).await,
        ErrorCode::Unauthorized,
    );
    assert!(
        app.refresh(&s[1].refresh_token).await.is_ok(),
        "other sessions live on"
    );
    let (_, ttl) = app
        .cached(&token_key(&jti))
        .await
        .expect("access token denied");
    let max = (ACCESS_TTL_SECS + LEEWAY_SECS) as u64;
    assert!(
        ttl.as_secs() <= max && ttl.as_secs() >= max - 60,
        "until exp: {ttl:?}"
    );
    let (_, ttl) = app
        .cached(&session_key(&sid))
        .await
        .expect("session denied");
    assert!(ttl.as_secs() <= ENTRY_TTL_SECS as u64 && ttl.as_secs() >= 850);
    let other = app.verify(&s[1].access_token).await.sid;
    assert!(app.cached(&session_key(&other)).await.is_none());
    // Logging out twice is fine.
    logout(&app, req).await;
}

pub async fn logout_without_a_refresh_token_ends_the_presented_session(app: App) {
    let (user_id, s) = sessions(&app).await;
    let req = request_for(&app, &user_id, &s[1]).await;
    let sid = req.session_id.clone();
    logout(&app, req).await;
    refused(
        app.refresh(&s[1].refresh_token).await,
        ErrorCode::Unauthorized,
    );
    assert!(app.refresh(&s[0].refresh_token).await.is_ok());
    assert!(app.cached(&session_key(&sid)).await.is_some());

    // An access token that has already expired needs no deny entry.
    let mut late = request_for(&app, &user_id, &s[2]).await;
    late.access_exp = app.now_secs() - 60;
    let jti = late.access_jti.clone();
    logout(&app, late).await;
    assert!(app.cached(&token_key(&jti)).await.is_none());
    // An unknown expiry denies the token for as long as any access token lives.
    let mut unknown = request_for(&app, &user_id, &s[0]).await;
    unknown.access_exp = 0;
    let jti = unknown.access_jti.clone();
    logout(&app, unknown).await;
    let (_, ttl) = app.cached(&token_key(&jti)).await.expect("denied");
    assert!(ttl.as_secs() >= (ACCESS_TTL_SECS + LEEWAY_SECS - 5) as u64);
}

pub async fn logout_on_all_devices_ends_every_session(app: App) {
    let (user_id, s) = sessions(&app).await;
    let mut sids = Vec::new();
    for session in &s {
        sids.push(app.verify(&session.access_token).await.sid);
    }
    let mut req = request_for(&app, &user_id, &s[0]).await;
    req.all_devices = true;
    logout(&app, req).await;
    for (session, sid) in s.iter().zip(&sids) {
        refused(
            app.refresh(&session.refresh_token).await,
            ErrorCode::Unauthorized,
        );
        assert!(
            app.cached(&session_key(sid)).await.is_some(),
            "{sid} denied"
        );
    }
    // Signing in again works.
    assert!(app.login(EMAIL, GOOD_PASSWORD).await.is_ok());
}

pub async fn a_foreign_refresh_token_is_ignored_at_logout(app: App) {
    let (user_id, s) = sessions(&app).await;
    let victim = app.register("victim@example.com", "Vic Tim").await;
    let mut req = request_for(&app, &user_id, &s[0]).await;
    req.refresh_token = Some(victim.refresh_token.clone());
    logout(&app, req).await;
    assert!(
        app.refresh(&victim.refresh_token).await.is_ok(),
        "someone else's session is not ours to end"
    );
    refused(
        app.refresh(&s[0].refresh_token).await,
        ErrorCode::Unauthorized,
    );
    // A malformed user id is a bad request, not a silent success.
    let mut bad = request_for(&app, &user_id, &s[1]).await;
    bad.user_id = "nobody".into();
    let result = app.client.clone().logout(bad).await;
    refused_on(result, ErrorCode::Validation, "userId");
}
