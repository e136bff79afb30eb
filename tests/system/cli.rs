//! The `vici` command line as an operator meets it: configuration errors, masked secrets, help.
use std::process::Command;

use vici_testkit::system::vici_bin;

fn vici(args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let out = Command::new(vici_bin())
        .args(args)
        .env_remove("VICI_DATABASE_URL")
        .env_remove("VICI_SERVICE_KEYS")
        .envs(env.iter().copied())
        .output()
        .expect("vici runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn a_bad_value_stops_start_up_naming_its_key() {
    let (code, text) = vici(&["up"], &[("VICI_PORT_BASE", "abc")]);
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("port_base") && text.contains("VICI_PORT_BASE"),
        "{text}"
    );
    let (code, text) = vici(&["serve", "product"], &[("VICI_BUS_URL", "amqp://broker")]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("bus_url"), "{text}");
    let (code, text) = vici(&["serve", "shipping"], &[]);
    assert_ne!(code, 0);
    assert!(text.contains("unknown service `shipping`"), "{text}");
    let (code, text) = vici(&["serve", "product"], &[("VICI_SERVICE_KEYS", "short")]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("service_keys"), "{text}");
}

#[test]
fn one_service_alone_needs_the_shared_service_key() {
    let data = std::env::temp_dir().join(format!("vici-cli-{}", uuid::Uuid::new_v4().simple()));
    let data = data.display().to_string();
    let (code, text) = vici(&["serve", "product"], &[("VICI_DATA_DIR", &data)]);
    let _ = std::fs::remove_dir_all(&data);
    assert_ne!(code, 0);
    assert!(text.contains("VICI_SERVICE_KEYS"), "{text}");
}

#[test]
fn config_shows_effective_values_with_secrets_masked() {
    let (code, text) = vici(
        &["config"],
        &[
            (
                "VICI_DATABASE_URL",
                "postgres://shop:hunter2@db/vici_{service}",
            ),
            ("VICI_PORT_BASE", "4000"),
        ],
    );
    assert_eq!(code, 0, "{text}");
    assert!(!text.contains("hunter2"), "{text}");
    assert!(
        text.contains("postgres://shop:****@db/vici_product"),
        "{text}"
    );
    assert!(
        text.contains("port_base = \"4000\"    # env VICI_PORT_BASE"),
        "{text}"
    );
    assert!(text.contains("cache_url unset: in-process cache"), "{text}");
}

#[test]
fn help_lists_every_command() {
    let (code, text) = vici(&["--help"], &[]);
    assert_eq!(code, 0);
    for command in [
        "up", "serve", "migrate", "seed", "config", "recs", "notify", "keyring",
    ] {
        assert!(text.contains(command), "{command} missing from:\n{text}");
    }
}

/// What a message would look like, rendered by the binary with the shop's public URL; an
/// unknown template is refused with the list of known ones.
#[test]
fn notify_preview_renders_a_message_to_files() {
    let out = std::env::temp_dir().join(format!("vici-preview-{}", uuid::Uuid::new_v4()));
    let dir = out.to_string_lossy().to_string();
    let args = [
        "notify",
        "preview",
        "password_reset",
        "--locale",
        "de",
        "--out",
        &dir,
    ];
    let (code, text) = vici(&args, &[("VICI_PUBLIC_URL", "https://shop.example")]);
    assert_eq!(code, 0, "{text}");
    let mail = std::fs::read_to_string(out.join("password_reset.de.txt")).unwrap();
    assert!(
        mail.starts_with("Subject: Setzen Sie Ihr Passwort zurück\n"),
        "{mail}"
    );
    assert!(
        mail.contains("https://shop.example/reset-password?token="),
        "{mail}"
    );
    let html = std::fs::read_to_string(out.join("password_reset.de.html")).unwrap();
    assert!(html.contains("<html lang=\"de\">"), "{html}");
    let (code, text) = vici(&["notify", "preview", "no_such_mail", "--out", &dir], &[]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("no template `no_such_mail`"), "{text}");
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn keyring_prints_a_fresh_secret_that_config_masks() {
    let (code, first) = vici(&["keyring"], &[]);
    assert_eq!(code, 0, "{first}");
    let keyring: serde_json::Value = serde_json::from_str(first.trim()).expect("JSON keyring");
    assert_eq!(keyring["keys"].as_array().map(Vec::len), Some(1), "{first}");
    let (_, second) = vici(&["keyring"], &[]);
    assert_ne!(first, second, "every keyring is new");
    let (code, text) = vici(&["config"], &[("VICI_AUTH_SIGNING_KEYS", first.trim())]);
    assert_eq!(code, 0, "{text}");
    assert!(
        !text.contains(first.trim()),
        "the keyring is a secret: {text}"
    );
    assert!(text.contains("auth.signing_keys = \"****\""), "{text}");
}

/// A free port on loopback (taken and given back; another process could take it meanwhile,
/// which would fail the case loudly, not pass it).
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test]
async fn metrics_can_be_served_on_an_address_of_their_own() {
    let data = std::env::temp_dir().join(format!("vici-cli-{}", uuid::Uuid::new_v4().simple()));
    let product_port = free_port().max(3);
    let metrics_port = free_port();
    let mut child = tokio::process::Command::new(vici_bin())
        .args(["serve", "product"])
        .env_remove("VICI_DATABASE_URL")
        .env_remove("VICI_BUS_URL")
        .env_remove("VICI_CACHE_URL")
        .env_remove("VICI_BLOB_URL")
        .env("VICI_DATA_DIR", &data)
        .env("VICI_PORT_BASE", (product_port - 3).to_string())
        .env("VICI_METRICS_ADDRESS", format!("127.0.0.1:{metrics_port}"))
        .env("VICI_SERVICE_KEYS", "a-shared-secret-of-at-least-32-chars!")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("vici starts");
    let client = reqwest::Client::new();
    let at = |port: u16, path: &str| format!("http://127.0.0.1:{port}{path}");
    let get = |url: String| {
        let client = client.clone();
        async move { client.get(url).send().await.ok() }
    };
    let mut metrics = None;
    for _ in 0..1200 {
        if let Some(r) = get(at(metrics_port, "/metrics")).await {
            metrics = Some(r.text().await.unwrap());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let metrics = metrics.expect("/metrics served on its own address within a minute");
    assert!(metrics.contains("vici_build_info"), "{metrics}");
    let health = get(at(product_port, "/health")).await.expect("the service");
    assert_eq!(health.status(), 200);
    // A gRPC port answers an unknown path as gRPC does (200 with grpc-status 12): no metrics.
    let public = get(at(product_port, "/metrics"))
        .await
        .expect("the service");
    let status = public.status();
    let text = public.text().await.unwrap();
    assert!(
        !text.contains("vici_build_info"),
        "not on the service's own port: {status} {text}"
    );
    child.kill().await.unwrap();
    let _ = std::fs::remove_dir_all(&data);
}
