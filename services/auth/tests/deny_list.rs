//! The deny-list survives its cache: entries are recorded in the auth database, and a cache
//! that lost them (a restart without persistence) is filled again by the periodic check; ended
//! entries are forgotten.
use std::time::Duration;

use vici_identity::revocation::{self, ENTRY_TTL_SECS};
use vici_proto::auth::v1::LogoutRequest;
use vici_testkit::{eventually, scalar};

use crate::harness::{ADMIN, App, GOOD_PASSWORD};

pub async fn a_cache_that_lost_the_deny_list_gets_it_back(app: App) {
    // A signed-out session, and a deactivated account whose token is still in someone's hand.
    let leaver = app.register("gone@example.com", "Lea Ver").await;
    let left = app.verify(&leaver.access_token).await;
    let logout = LogoutRequest {
        user_id: left.sub.clone(),
        refresh_token: Some(leaver.refresh_token.clone()),
        all_devices: false,
        access_jti: left.jti.clone(),
        access_exp: left.exp,
        session_id: left.sid.clone(),
    };
    app.client.clone().logout(logout).await.expect("logout");
    let banned = app.register("banned@example.com", "Ban Ned").await;
    let ban = app.verify(&banned.access_token).await;
    let admin_id = app.id_of(ADMIN).await;
    app.admin_update(&ban.sub, None, Some(false), &admin_id)
        .await
        .expect("deactivated");
    let kept = app.login("gone@example.com", GOOD_PASSWORD).await.unwrap();
    let kept = app.verify(&kept.access_token).await;
    assert!(app.denied(&left).await && app.denied(&ban).await);

    // The cache loses everything it held.
    let cache = &app.services.platform().cache;
    let mut lost = revocation::keys_for(&left).to_vec();
    lost.extend(revocation::keys_for(&ban));
    for key in &lost {
        cache.delete(key).await.unwrap();
    }
    assert!(!app.denied(&left).await && !app.denied(&ban).await);

    // The marker is written after the entries it vouches for: the refill is complete once
    // both are back.
    eventually(
        "the deny-list and its marker back in the cache",
        async || {
            let marked = cache.get(revocation::LOADED_KEY).await.unwrap().is_some();
            marked && app.denied(&left).await && app.denied(&ban).await
        },
    )
    .await;
    assert!(!app.denied(&kept).await, "a live session stays live");
    let version = cache.get_string(&revocation::user_key(&ban.sub)).await;
    let committed: i64 = scalar(
        &app.db,
        "SELECT token_version FROM accounts WHERE id = $1",
        &[&ban.sub],
    )
    .await;
    assert_eq!(version.unwrap(), Some(committed.to_string()));

    // Once no token it could deny is alive, an entry is forgotten.
    let recorded = || scalar::<i64>(&app.db, "SELECT COUNT(*) FROM deny_list", &[]);
    assert!(recorded().await >= 3);
    app.clock
        .advance(Duration::from_secs(ENTRY_TTL_SECS as u64 + 1));
    eventually("ended entries forgotten", async || recorded().await == 0).await;
}
