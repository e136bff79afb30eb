//! Refresh-token rotation: the grace window, reuse detection, races and expiry.
use std::time::Duration;
use vici_kit::ErrorCode;
use vici_testkit::refused;

use vici_identity::revocation::{ENTRY_TTL_SECS, session_key};

use crate::harness::App;

const EXPIRED: &str = "Your session has expired; please sign in again";

async fn reasons(app: &App, family: &str) -> Vec<Option<String>> {
    sqlx::query_scalar(
        "SELECT revoke_reason FROM refresh_tokens WHERE family_id = $1 ORDER BY created_at, id",
    )
    .bind(family)
    .fetch_all(app.db.reader())
    .await
    .unwrap()
}

pub async fn refresh_rotates_and_a_late_replay_revokes_the_family(app: App) {
    let s1 = app.register("rotate@example.com", "Ro Tate").await;
    let c1 = app.verify(&s1.access_token).await;
    app.clock.advance(Duration::from_secs(5));
    let s2 = app.refresh(&s1.refresh_token).await.expect("rotation");
    assert_ne!(s2.refresh_token, s1.refresh_token);
    assert_ne!(s2.access_token, s1.access_token);
    assert_eq!(s2.user, s1.user);
    let c2 = app.verify(&s2.access_token).await;
    assert_eq!(c2.sid, c1.sid, "the same session");
    assert_ne!(c2.jti, c1.jti);
    assert!(c2.iat >= c1.iat + 5);
    assert_eq!(reasons(&app, &c1.sid).await, [Some("rotated".into()), None]);

    // Past the grace window the old token is a stolen copy: the whole session ends.
    app.clock.advance(tokens_grace() + Duration::from_secs(1));
    let late = app.refresh(&s1.refresh_token).await;
    let err = refused(late, ErrorCode::Unauthorized);
    assert_eq!(err.message, EXPIRED);
    assert_eq!(
        reasons(&app, &c1.sid).await,
        [Some("rotated".into()), Some("reuse".into())]
    );
    let newest = app.refresh(&s2.refresh_token).await;
    refused(newest, ErrorCode::Unauthorized);
    let (_, ttl) = app
        .cached(&session_key(&c1.sid))
        .await
        .expect("the session's access tokens are denied");
    assert!(
        ttl.as_secs() <= ENTRY_TTL_SECS as u64 && ttl.as_secs() >= 850,
        "{ttl:?}"
    );
}

fn tokens_grace() -> Duration {
    vici_auth::REFRESH_GRACE
}

pub async fn concurrent_refreshes_with_one_token_get_the_same_pair(app: App) {
    let s = app.register("twice@example.com", "Twice").await;
    for round in 0..2 {
        let token = match round {
            0 => s.refresh_token.clone(),
            _ => {
                app.login("twice@example.com", crate::harness::GOOD_PASSWORD)
                    .await
                    .unwrap()
                    .refresh_token
            }
        };
        let attempts: Vec<_> = (0..4)
            .map(|_| {
                let mut client = app.client.clone();
                let token = token.clone();
                tokio::spawn(async move {
                    client
                        .refresh(vici_proto::auth::v1::RefreshRequest {
                            refresh_token: token,
                        })
                        .await
                        .map(|r| r.into_inner())
                })
            })
            .collect();
        let mut pairs = Vec::new();
        for a in attempts {
            let s = a.await.unwrap().expect("every concurrent refresh succeeds");
            pairs.push((s.access_token, s.refresh_token));
        }
        assert!(
            pairs.windows(2).all(|w| w[0] == w[1]),
            "byte-identical pairs: {pairs:?}"
        );
        // A replay later inside the window still gets the same pair …
        app.clock.advance(Duration::from_secs(20));
        let replay = app.refresh(&token).await.unwrap();
        assert_eq!((replay.access_token, replay.refresh_token), pairs[0]);
        // … and that pair works: the access token verifies, the refresh token rotates.
        let claims = app.verify(&pairs[0].0).await;
        assert_eq!(claims.exp - claims.iat, vici_identity::ACCESS_TTL_SECS);
        let next = app
            .refresh(&pairs[0].1)
            .await
            .expect("the new token rotates");
        assert_ne!(next.refresh_token, pairs[0].1);
    }
}

pub async fn a_grace_replay_after_the_successor_logged_out_is_refused(app: App) {
    let s1 = app.register("graceless@example.com", "Grace Less").await;
    let s2 = app.refresh(&s1.refresh_token).await.unwrap();
    let c2 = app.verify(&s2.access_token).await;
    let user_id = s1.user.as_ref().unwrap().id.clone();
    app.client
        .clone()
        .logout(vici_proto::auth::v1::LogoutRequest {
            user_id,
            refresh_token: Some(s2.refresh_token.clone()),
            all_devices: false,
            access_jti: c2.jti,
            access_exp: c2.exp,
            session_id: c2.sid,
        })
        .await
        .unwrap();
    app.clock.advance(Duration::from_secs(2));
    let replay = app.refresh(&s1.refresh_token).await;
    let err = refused(replay, ErrorCode::Unauthorized);
    assert_eq!(err.message, EXPIRED);
    refused(
        app.refresh(&s2.refresh_token).await,
        ErrorCode::Unauthorized,
    );
}

pub async fn expired_and_unknown_refresh_tokens_are_refused(app: App) {
    let s = app.register("expiry@example.com", "Ex Piry").await;
    let unknown = app
        .refresh("bm90LWEtcmVhbC10b2tlbi1idXQtNDMtY2hhcnMtbG9uZw")
        .await;
    refused(unknown, ErrorCode::Unauthorized);
    let huge = app.refresh(&"x".repeat(10_000)).await;
    refused(huge, ErrorCode::Unauthorized);
    // Six days on, the token still rotates; seven days after that rotation it is dead.
    app.clock.advance(Duration::from_secs(6 * 86_400));
    let s2 = app
        .refresh(&s.refresh_token)
        .await
        .expect("alive for 7 days");
    app.clock.advance(Duration::from_secs(7 * 86_400 + 1));
    let expired = app.refresh(&s2.refresh_token).await;
    let err = refused(expired, ErrorCode::Unauthorized);
    assert_eq!(err.message, EXPIRED);
    // Expiry is not reuse: nothing was revoked by that attempt.
    let sid = crate::harness::peek(&s2.access_token).sid;
    assert_eq!(reasons(&app, &sid).await, [Some("rotated".into()), None]);
}
