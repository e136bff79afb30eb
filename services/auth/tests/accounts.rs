//! The account record: listing and search, admin changes, renaming, seeding.
use std::time::Duration;
use vici_kit::ErrorCode;
use vici_testkit::{refused, refused_on};

use vici_catalog::Catalog;
use vici_identity::revocation::{ENTRY_TTL_SECS, user_key};
use vici_proto::auth::v1 as pb;
use vici_proto::common::v1::PageRequest;
use vici_testkit::scalar;

use crate::harness::{ADMIN, App, DEMO_PASSWORD, JANE};

async fn list(app: &App, search: &str, role: &str, page: u32, limit: u32) -> pb::AccountPage {
    let req = pb::ListAccountsRequest {
        page: Some(PageRequest { page, limit }),
        search: search.into(),
        role: crate::harness::role_value(role),
    };
    app.client
        .clone()
        .list_accounts(req)
        .await
        .unwrap()
        .into_inner()
}

fn emails(page: &pb::AccountPage) -> Vec<&str> {
    page.accounts.iter().map(|a| a.email.as_str()).collect()
}

pub async fn accounts_are_listed_newest_first_and_searched_literally(app: App) {
    let people = [
        ("percent@example.com", "Fifty % Off"),
        ("under_score@example.com", "Under Score"),
        ("plain@example.com", "Plain Percentless"),
        ("bang@example.com", "Bang! Escape"),
    ];
    for (email, name) in people {
        app.register(email, name).await;
    }
    let all = list(&app, "", "", 1, 0).await;
    let info = all.page.unwrap();
    assert_eq!((info.page, info.limit, info.total), (1, 20, 6));
    assert_eq!(
        emails(&all)[..4],
        [
            "bang@example.com",
            "plain@example.com",
            "under_score@example.com",
            "percent@example.com"
        ],
        "newest first"
    );

    // LIKE wildcards match only themselves.
    assert_eq!(
        emails(&list(&app, "%", "", 1, 0).await),
        ["percent@example.com"]
    );
    assert_eq!(
        emails(&list(&app, "_", "", 1, 0).await),
        ["under_score@example.com"]
    );
    assert_eq!(
        emails(&list(&app, "!", "", 1, 0).await),
        ["bang@example.com"]
    );
    assert_eq!(
        emails(&list(&app, "p_a", "", 1, 0).await),
        Vec::<&str>::new()
    );
    // Case-insensitive, on email or name.
    assert_eq!(emails(&list(&app, "JANE", "", 1, 0).await), [JANE]);
    assert_eq!(emails(&list(&app, "admin user", "", 1, 0).await), [ADMIN]);
    let percent = list(&app, "PERCENT", "", 1, 0).await;
    assert_eq!(percent.page.unwrap().total, 2, "percent@ and Percentless");
    // Role filter.
    assert_eq!(emails(&list(&app, "", "admin", 1, 0).await), [ADMIN]);
    assert_eq!(
        list(&app, "", "customer", 1, 0).await.page.unwrap().total,
        5
    );
    // Pages never overlap; limits are clamped.
    let p1 = list(&app, "", "", 1, 4).await;
    let p2 = list(&app, "", "", 2, 4).await;
    assert_eq!(p1.accounts.len(), 4);
    assert_eq!(p2.accounts.len(), 2);
    assert!(
        p1.accounts
            .iter()
            .all(|a| !p2.accounts.iter().any(|b| b.id == a.id))
    );
    assert_eq!(list(&app, "", "", 0, 1000).await.page.unwrap().limit, 100);
    assert!(list(&app, "", "", 9, 20).await.accounts.is_empty());
}

pub async fn an_admin_cannot_demote_or_deactivate_themselves(app: App) {
    let admin_id = app.id_of(ADMIN).await;
    let demote = app
        .admin_update(&admin_id, Some("customer"), None, &admin_id)
        .await;
    let err = refused_on(demote, ErrorCode::Validation, "role");
    assert_eq!(
        err.message,
        "You cannot remove your own administrator access"
    );
    let off = app
        .admin_update(&admin_id, None, Some(false), &admin_id)
        .await;
    let err = refused_on(off, ErrorCode::Validation, "isActive");
    assert_eq!(err.message, "You cannot deactivate your own account");
    let shouted = app
        .admin_update(&admin_id, Some("customer"), None, &admin_id.to_uppercase())
        .await;
    refused_on(shouted, ErrorCode::Validation, "role");
    assert_eq!(app.account(&admin_id).await.role, "admin");
    // A no-op on themselves is fine.
    let same = app
        .admin_update(&admin_id, Some("admin"), Some(true), &admin_id)
        .await
        .unwrap();
    assert!(same.is_active);

    let unknown = uuid::Uuid::now_v7().to_string();
    let missing = app
        .admin_update(&unknown, Some("admin"), None, &admin_id)
        .await;
    refused(missing, ErrorCode::NotFound);
    let jane = app.id_of(JANE).await;
    let bogus = app.admin_update(&jane, Some("root"), None, &admin_id).await;
    refused_on(bogus, ErrorCode::Validation, "role");
    assert!(
        app.events().await.is_empty(),
        "nothing changed, nothing announced"
    );
}

pub async fn a_role_change_denies_old_tokens_and_refresh_carries_the_new_role(app: App) {
    let admin_id = app.id_of(ADMIN).await;
    let s = app.login(JANE, DEMO_PASSWORD).await.unwrap();
    let jane = s.user.as_ref().unwrap().id.clone();
    app.clock.advance(std::time::Duration::from_secs(2));
    let promoted = app
        .admin_update(&jane, Some("admin"), None, &admin_id)
        .await
        .unwrap();
    assert_eq!(promoted.role, "admin");
    let (value, ttl) = app.cached(&user_key(&jane)).await.expect("user entry");
    assert_eq!(value, "1", "the account's new token version");
    assert_eq!(app.token_version(&jane).await, 1);
    assert!(ttl.as_secs() <= ENTRY_TTL_SECS as u64 && ttl.as_secs() > 800);
    let old = app.verify(&s.access_token).await;
    assert_eq!(old.ver, 0);
    assert!(app.denied(&old).await, "the old token is denied");
    let refreshed = app
        .refresh(&s.refresh_token)
        .await
        .expect("the session lives on");
    let new = app.verify(&refreshed.access_token).await;
    assert_eq!(new.role, "admin");
    assert_eq!(new.ver, 1);
    assert!(!app.denied(&new).await, "the new token is not denied");
    let updated = app.events_of("user.updated", &jane).await;
    assert_eq!(updated.len(), 1);
    assert_eq!(
        updated[0].data,
        serde_json::json!({"userId": jane, "fields": ["role"]})
    );
    // Jane, now an admin, may demote the other admin (but not herself).
    let back = app
        .admin_update(&admin_id, Some("customer"), None, &jane)
        .await;
    assert_eq!(back.unwrap().role, "customer");
}

pub async fn a_role_change_denies_a_token_minted_earlier_in_the_same_second(app: App) {
    let admin_id = app.id_of(ADMIN).await;
    let s = app.login(JANE, DEMO_PASSWORD).await.unwrap();
    let jane = s.user.as_ref().unwrap().id.clone();
    let mut refresh_token = s.refresh_token;
    // Each round: a token, the role change, a token by refresh, all meant to fall in one
    // second; a round that straddles a second boundary (a slow machine) is played again.
    for (round, role) in ["admin", "customer", "admin", "customer", "admin"]
        .into_iter()
        .enumerate()
    {
        app.start_a_second();
        let before = app.refresh(&refresh_token).await.unwrap();
        app.admin_update(&jane, Some(role), None, &admin_id)
            .await
            .unwrap();
        let after = app
            .refresh(&before.refresh_token)
            .await
            .expect("the session lives on");
        refresh_token = after.refresh_token.clone();
        let old = app.verify(&before.access_token).await;
        let new = app.verify(&after.access_token).await;
        let version = round as i64 + 1;
        assert_eq!((old.ver, new.ver), (version - 1, version));
        assert_eq!(
            app.cached(&user_key(&jane)).await.unwrap().0,
            version.to_string()
        );
        assert_ne!(old.role, role);
        assert!(app.denied(&old).await, "minted before the change: denied");
        assert_eq!(new.role, role, "minted after the change: the new role");
        assert!(!app.denied(&new).await, "minted after the change: accepted");
        // A replay inside the grace window re-signs the very same token, new version and all.
        let replay = app.refresh(&before.refresh_token).await.unwrap();
        assert_eq!(replay.access_token, after.access_token);
        if old.iat == new.iat {
            return;
        }
    }
    panic!("no round fitted in one second");
}

pub async fn a_deactivation_denies_a_token_minted_earlier_in_the_same_second(app: App) {
    let admin_id = app.id_of(ADMIN).await;
    let s = app.login(JANE, DEMO_PASSWORD).await.unwrap();
    let jane = s.user.as_ref().unwrap().id.clone();
    app.start_a_second();
    let minted = app.refresh(&s.refresh_token).await.unwrap();
    app.admin_update(&jane, None, Some(false), &admin_id)
        .await
        .unwrap();
    let old = app.verify(&minted.access_token).await;
    assert_eq!(
        old.iat,
        app.now_secs(),
        "minted in the second of the change"
    );
    // The user entry alone denies it, whatever the session entry says.
    let (value, _) = app.cached(&user_key(&jane)).await.expect("user entry");
    assert_eq!(value, "1");
    let user_only = [None, None, Some(value.into_bytes())];
    assert!(vici_identity::revocation::is_revoked(&old, &user_only));
    assert!(app.denied(&old).await);
    refused(
        app.refresh(&minted.refresh_token).await,
        ErrorCode::Unauthorized,
    );
    assert_eq!(app.live_refresh_tokens(&jane).await, 0);
    // Reactivated, she signs in again under the next version, in that very second too.
    app.admin_update(&jane, None, Some(true), &admin_id)
        .await
        .unwrap();
    let again = app.login(JANE, DEMO_PASSWORD).await.unwrap();
    let new = app.verify(&again.access_token).await;
    assert_eq!(new.ver, 2);
    assert!(!app.denied(&new).await);
    assert!(app.denied(&old).await);
}

/// Refreshes racing admin changes (on PostgreSQL truly concurrent): a token minted by the race
/// carries the new version and role, or is denied; after a deactivation no refresh token of
/// the account still works, and every token minted is denied.
pub async fn refreshes_racing_admin_changes_mint_nothing_that_outlives_them(app: App) {
    let admin_id = app.id_of(ADMIN).await;
    let jane = app.id_of(JANE).await;
    for (round, role) in ["admin", "customer", "admin"].into_iter().enumerate() {
        let s = app.login(JANE, DEMO_PASSWORD).await.unwrap();
        let refresh = async {
            // Now and then the change gets a head start.
            if round % 2 == 1 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            app.refresh(&s.refresh_token).await
        };
        let (refreshed, changed) = tokio::join!(
            refresh,
            app.admin_update(&jane, Some(role), None, &admin_id)
        );
        changed.expect("the change is made");
        if let Ok(refreshed) = refreshed {
            let claims = app.verify(&refreshed.access_token).await;
            let current = app.token_version(&jane).await;
            assert!(
                (claims.ver == current && claims.role == role) || app.denied(&claims).await,
                "round {round}: {claims:?} under version {current}"
            );
        }
        let s = app.login(JANE, DEMO_PASSWORD).await.unwrap();
        let (minted, deactivated) = tokio::join!(
            app.refresh(&s.refresh_token),
            app.admin_update(&jane, None, Some(false), &admin_id)
        );
        deactivated.expect("the change is made");
        if let Ok(minted) = minted {
            let claims = app.verify(&minted.access_token).await;
            assert!(app.denied(&claims).await, "round {round}: {claims:?}");
            assert!(claims.ver < app.token_version(&jane).await);
        }
        assert_eq!(app.live_refresh_tokens(&jane).await, 0, "round {round}");
        app.admin_update(&jane, None, Some(true), &admin_id)
            .await
            .unwrap();
    }
}

pub async fn renaming_is_validated_and_announced_once(app: App) {
    let s = app.register("rename@example.com", "Old Name").await;
    let id = s.user.unwrap().id;
    let mut c = app.client.clone();
    let rename = |name: Option<&str>| pb::UpdateAccountRequest {
        user_id: id.clone(),
        name: name.map(str::to_string),
    };
    let a = c
        .update_account(rename(Some("  New Name ")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(a.name, "New Name");
    assert_eq!(app.account(&id).await.name, "New Name");
    c.update_account(rename(Some("New Name"))).await.unwrap();
    c.update_account(rename(None)).await.unwrap();
    let updated = app.events_of("user.updated", &id).await;
    assert_eq!(updated.len(), 1, "only a real change is announced");
    assert_eq!(updated[0].data["fields"], serde_json::json!(["name"]));
    let empty = c.update_account(rename(Some("  "))).await;
    refused_on(empty, ErrorCode::Validation, "name");
    let unknown = pb::UpdateAccountRequest {
        user_id: uuid::Uuid::now_v7().to_string(),
        name: Some("X".into()),
    };
    refused(c.update_account(unknown).await, ErrorCode::NotFound);
    let missing = pb::AccountRef {
        user_id: uuid::Uuid::now_v7().to_string(),
    };
    refused(c.get_account(missing).await, ErrorCode::NotFound);
}

pub async fn seeding_is_idempotent_with_deterministic_ids(app: App) {
    let catalog = Catalog::demo();
    assert_eq!(vici_auth::seed(&app.db, &catalog).await.unwrap(), 0);
    for user in &catalog.users {
        let account = app.account(&user.id().to_string()).await;
        assert_eq!(account.email, user.email);
        assert_eq!(account.role, user.role);
        assert!(account.email_verified && account.is_active);
        assert!(account.last_login_at.is_none());
    }
}

impl App {
    /// Moves the clock to just after the start of the next second, so the calls that follow
    /// most likely fall in one second (`iat` resolution).
    fn start_a_second(&self) {
        use vici_auth::Clock as _;
        let into = self.clock.now_ms().rem_euclid(1000);
        self.clock
            .advance(Duration::from_millis((1000 - into + 20) as u64));
    }

    /// The stored token version of account `user_id`.
    async fn token_version(&self, user_id: &str) -> i64 {
        let sql = "SELECT token_version FROM accounts WHERE id = $1";
        scalar(&self.db, sql, &[user_id]).await
    }

    /// How many refresh tokens of `user_id` still work.
    async fn live_refresh_tokens(&self, user_id: &str) -> i64 {
        let sql = "SELECT COUNT(*) FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL";
        scalar(&self.db, sql, &[user_id]).await
    }
}
