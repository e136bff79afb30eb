//! Tests of the layered configuration: defaults, overrides, sections, errors naming their key,
//! masking.
use super::*;

pub(crate) fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A section as a service declares one.
#[derive(Debug)]
struct Sweeper {
    every: Duration,
    token: Option<String>,
}

impl Section for Sweeper {
    const KEYS: &'static [Key] = &[
        key("sweeper.every_secs", "VICI_SWEEP_EVERY", Some("15")),
        secret("sweeper.token", "VICI_SWEEP_TOKEN"),
    ];
    fn parse(s: &Settings) -> Result<Self, ConfigError> {
        Ok(Self {
            every: s.secs("sweeper.every_secs", 1..=60)?,
            token: s.text("sweeper.token"),
        })
    }
}

fn load(file: Option<(&str, &str)>, pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
    Config::from_sources(file, &env(pairs), &[Sweeper::KEYS])
}

#[test]
fn defaults_give_an_embedded_shop() {
    let c = load(None, &[]).unwrap();
    assert_eq!(c.port_base, 3000);
    assert_eq!(c.port_of(ServiceName::Product), 3003);
    assert_eq!(
        c.service_url(ServiceName::Inventory),
        "http://127.0.0.1:3004"
    );
    assert_eq!(
        c.database_url_for(ServiceName::Cart),
        "sqlite://./data/cart.db"
    );
    assert!(c.cache_url.is_none() && c.bus_url.is_none());
    assert_eq!(c.call_timeout, Duration::from_secs(5));
    assert_eq!(c.public_url, "http://localhost:3000");
}

#[test]
fn environment_beats_file_beats_default() {
    let file =
        "port_base = 4000\nlog_format = \"json\"\n[services]\nproduct = \"http://product:3003\"\n";
    let c = load(Some(("vici.toml", file)), &[("VICI_PORT_BASE", "5000")]).unwrap();
    assert_eq!(c.port_base, 5000);
    assert_eq!(c.log_format, LogFormat::Json);
    assert_eq!(c.service_url(ServiceName::Product), "http://product:3003");
}

#[test]
fn database_placeholder_names_each_service() {
    let c = load(
        None,
        &[(
            "VICI_DATABASE_URL",
            "postgres://root@127.0.0.1/vici_{service}",
        )],
    )
    .unwrap();
    assert_eq!(
        c.database_url_for(ServiceName::Order),
        "postgres://root@127.0.0.1/vici_order"
    );
}

#[test]
fn sections_read_their_own_keys_from_every_source() {
    let c = load(None, &[]).unwrap();
    let s: Sweeper = c.section().unwrap();
    assert_eq!(s.every, Duration::from_secs(15));
    assert!(s.token.is_none());
    let file = "[sweeper]\nevery_secs = 30\n";
    let c = load(Some(("vici.toml", file)), &[("VICI_SWEEP_TOKEN", "t0k3n")]).unwrap();
    let s: Sweeper = c.section().unwrap();
    assert_eq!(s.every, Duration::from_secs(30));
    assert_eq!(s.token.as_deref(), Some("t0k3n"));
    let shown = c.describe();
    let token = shown.iter().find(|(k, ..)| k == "sweeper.token").unwrap();
    assert_eq!(
        (token.1.as_str(), token.2.as_str()),
        ("****", "env VICI_SWEEP_TOKEN")
    );
    let c = load(None, &[("VICI_SWEEP_EVERY", "0")]).unwrap();
    let e = c.section::<Sweeper>().unwrap_err();
    assert_eq!(e.key, "sweeper.every_secs");
    assert!(e.to_string().contains("VICI_SWEEP_EVERY"), "{e}");
    // A section nobody declared is unknown in a file.
    let e = Config::from_sources(Some(("vici.toml", file)), &env(&[]), &[]).unwrap_err();
    assert_eq!(e.key, "sweeper.every_secs");
}

#[test]
fn bad_values_name_their_key_and_source() {
    let e = load(None, &[("VICI_PORT_BASE", "abc")]).unwrap_err();
    assert_eq!(e.key, "port_base");
    assert!(e.to_string().contains("VICI_PORT_BASE"), "{e}");
    let e = load(None, &[("VICI_BUS_URL", "amqp://x")]).unwrap_err();
    assert_eq!(e.key, "bus_url");
    let e = load(Some(("vici.toml", "prot_base = 1")), &[]).unwrap_err();
    assert_eq!(e.key, "prot_base");
    assert!(e.problem.contains("unknown"));
    let e = load(None, &[("VICI_GATEWAY_TIMEOUT_MS", "10")]).unwrap_err();
    assert_eq!(e.key, "gateway.timeout_ms");
}

#[test]
fn secrets_are_masked() {
    assert_eq!(
        mask_url("postgres://root:hunter2@db/x"),
        "postgres://root:****@db/x"
    );
    assert_eq!(
        mask_url("s3://b?endpoint=http://m:9000&secret_access_key=abc"),
        "s3://b?endpoint=http://m:9000&secret_access_key=****"
    );
    let c = load(None, &[("VICI_CACHE_URL", "redis://:pw@r:6379")]).unwrap();
    let shown = c.describe();
    let cache = shown.iter().find(|(k, _, _)| k == "cache_url").unwrap();
    assert!(!cache.1.contains("pw"));
}

#[test]
fn metrics_take_an_address_of_their_own_only_when_asked() {
    assert_eq!(load(None, &[]).unwrap().metrics_address, None);
    let c = load(None, &[("VICI_METRICS_ADDRESS", "0.0.0.0:9100")]).unwrap();
    assert_eq!(c.metrics_address, Some("0.0.0.0:9100".parse().unwrap()));
    let e = load(None, &[("VICI_METRICS_ADDRESS", "9100")]).unwrap_err();
    assert_eq!(e.key, "server.metrics_address");
    assert!(e.to_string().contains("such as 0.0.0.0:9100"), "{e}");
}
