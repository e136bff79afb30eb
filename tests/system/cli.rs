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
    for command in ["up", "serve", "migrate", "seed", "config", "keyring"] {
        assert!(text.contains(command), "{command} missing from:\n{text}");
    }
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
