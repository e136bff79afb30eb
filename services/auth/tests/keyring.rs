//! The signing keyring: the key file's creation, reload, rotation and pruning, a corrupt file,
//! and a configured keyring.
use std::path::PathBuf;
use std::time::Duration;

use vici_auth::{Clock as _, KeySource};
use vici_identity::{Jwks, Verifier};
use vici_proto::auth::v1::LoginRequest;
use vici_proto::common::v1::Empty;

use crate::harness::{App, Client, DEMO_PASSWORD, JANE, peek};

async fn jwks_of(client: &Client) -> Jwks {
    let json = client
        .clone()
        .get_jwks(Empty {})
        .await
        .unwrap()
        .into_inner()
        .json;
    serde_json::from_str(&json).unwrap()
}

fn kids(jwks: &Jwks) -> Vec<String> {
    jwks.keys.iter().map(|k| k.kid.clone()).collect()
}

/// The `kid` in the header of `token`.
fn kid_of(token: &str) -> String {
    use base64::Engine as _;
    let header = token.split('.').next().unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    v["kid"].as_str().unwrap().to_string()
}

async fn login_with(client: &Client) -> String {
    let req = LoginRequest {
        email: JANE.into(),
        password: DEMO_PASSWORD.into(),
    };
    client
        .clone()
        .login(req)
        .await
        .unwrap()
        .into_inner()
        .access_token
}

pub async fn the_key_file_is_private_and_reloads_identically(app: App) {
    let path = app.key_path();
    assert!(
        path.exists(),
        "created on first start, parent directories included"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    let text = std::fs::read_to_string(&path).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["keys"].as_array().unwrap().len(), 1);
    assert!(v["refreshSecret"].is_string() && v["keys"][0]["createdAt"].is_i64());

    let first = jwks_of(&app.client).await;
    assert_eq!(first.keys.len(), 1);
    assert_eq!(first.keys[0].alg.as_deref(), Some("EdDSA"));
    assert_eq!(first.keys[0].crv, "Ed25519");
    let token = login_with(&app.client).await;
    let s = app.login(JANE, DEMO_PASSWORD).await.unwrap();

    let restarted = app.boot(app.key_file()).await.expect("restart");
    assert_eq!(
        jwks_of(&restarted).await,
        first,
        "the same keys after a restart"
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        text,
        "file untouched"
    );
    let verifier = Verifier::from_jwks(&jwks_of(&restarted).await).unwrap();
    assert!(verifier.verify(&token, app.now_secs()).is_ok());
    // The refresh secret survived too: the restarted process rotates the old token.
    let req = vici_proto::auth::v1::RefreshRequest {
        refresh_token: s.refresh_token,
    };
    assert!(restarted.clone().refresh(req).await.is_ok());
}

pub async fn an_old_key_is_rotated_and_later_pruned(app: App) {
    let old = jwks_of(&app.client).await;
    let old_token = login_with(&app.client).await;
    app.clock.advance(Duration::from_secs(31 * 86_400));
    let rotated = app.boot(app.key_file()).await.expect("restart");
    let jwks = jwks_of(&rotated).await;
    assert_eq!(jwks.keys.len(), 2, "old and new key both published");
    assert_eq!(jwks.keys[0], old.keys[0]);
    let new_kid = jwks.keys[1].kid.clone();
    assert_ne!(new_kid, old.keys[0].kid);
    let token = login_with(&rotated).await;
    assert_eq!(kid_of(&token), new_kid, "the newest key signs");
    assert_eq!(kid_of(&old_token), old.keys[0].kid);
    let verifier = Verifier::from_jwks(&jwks).unwrap();
    assert!(verifier.verify(&token, app.now_secs()).is_ok());
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(app.key_path()).unwrap()).unwrap();
    assert_eq!(
        written["keys"].as_array().unwrap().len(),
        2,
        "saved before use"
    );
    let stamped = written["keys"][1]["createdAt"].as_i64().unwrap();
    assert!(
        (app.clock.now_secs() - stamped).abs() <= 5,
        "stamped with the service's clock, 31 days on"
    );

    // Once every token the old key signed has expired, it leaves the JWKS.
    app.clock.advance(Duration::from_secs(16 * 60 + 1));
    let pruned = app.boot(app.key_file()).await.expect("restart");
    assert_eq!(
        kids(&jwks_of(&pruned).await),
        std::slice::from_ref(&new_kid)
    );
    assert_eq!(kid_of(&login_with(&pruned).await), new_kid);
    assert!(
        peek(&old_token).exp < app.now_secs(),
        "nothing it signed is alive"
    );
}

pub async fn a_corrupt_key_file_stops_start_up(app: App) {
    let path = app.dir.join("broken").join("keys.json");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    for garbage in ["{not json", r#"{"refreshSecret": "x", "keys": []}"#, ""] {
        std::fs::write(&path, garbage).unwrap();
        let source = KeySource::File {
            path: path.clone(),
            rotate_after: Duration::from_secs(86_400),
        };
        let err = app.boot(source).await.expect_err("start-up fails");
        let text = format!("{err:#}");
        assert!(text.contains(&path.display().to_string()), "{text}");
        assert!(text.contains("corrupt"), "{text}");
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            garbage,
            "never silently replaced"
        );
    }
}

pub async fn a_configured_keyring_is_used_as_given(app: App) {
    let json = vici_auth::new_keyring_json(app.clock.now_secs() - 400 * 86_400);
    let client = app
        .boot(KeySource::Configured(json.clone()))
        .await
        .expect("starts with a configured keyring");
    let jwks = jwks_of(&client).await;
    assert_eq!(jwks.keys.len(), 1, "an old configured key is not rotated");
    assert_eq!(kid_of(&login_with(&client).await), jwks.keys[0].kid);
    let again = app.boot(KeySource::Configured(json)).await.unwrap();
    assert_eq!(jwks_of(&again).await, jwks);

    let err = app
        .boot(KeySource::Configured("{\"keys\": \"s3cr3t\"}".into()))
        .await
        .expect_err("a bad secret stops start-up");
    let text = format!("{err:#}");
    assert!(
        text.contains("auth.signing_keys") && !text.contains("s3cr3t"),
        "{text}"
    );
}

impl App {
    /// The key file every case starts with (the configured default: in the data directory,
    /// rotated after 30 days).
    fn key_path(&self) -> PathBuf {
        self.dir.join("auth-keys.json")
    }

    fn key_file(&self) -> KeySource {
        let config = self.services.platform().section().expect("auth settings");
        KeySource::from_config(&config, &self.dir)
    }

    /// Starts another process of the service on the same database, bus, cache and clock with
    /// `keys` (a restart, as far as anything stored is concerned) and returns its client.
    async fn boot(&self, keys: KeySource) -> anyhow::Result<Client> {
        let mut deps = vici_auth::Deps::from_platform(self.services.platform()).await?;
        deps.keys = keys;
        let app = vici_auth::start_with_clock(deps, self.clock.clone()).await?;
        Ok(vici_testkit::client_at(&self.services.serve(app).await))
    }
}
