//! Tests of the layered configuration: defaults, overrides, errors naming their key, masking.
use super::*;

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn defaults_give_an_embedded_shop() {
    let c = Config::from_sources(None, &env(&[])).unwrap();
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
    assert_eq!(
        c.gateway.cache_ttl,
        Duration::from_secs(1),
        "catalogue micro-cache on by default"
    );
}

#[test]
fn environment_beats_file_beats_default() {
    let file =
        "port_base = 4000\nlog_format = \"json\"\n[services]\nproduct = \"http://product:3003\"\n";
    let c = Config::from_sources(
        Some(("vici.toml", file)),
        &env(&[("VICI_PORT_BASE", "5000")]),
    )
    .unwrap();
    assert_eq!(c.port_base, 5000);
    assert_eq!(c.log_format, LogFormat::Json);
    assert_eq!(c.service_url(ServiceName::Product), "http://product:3003");
}

#[test]
fn database_placeholder_names_each_service() {
    let c = Config::from_sources(
        None,
        &env(&[(
            "VICI_DATABASE_URL",
            "postgres://root@127.0.0.1/vici_{service}",
        )]),
    )
    .unwrap();
    assert_eq!(
        c.database_url_for(ServiceName::Order),
        "postgres://root@127.0.0.1/vici_order"
    );
}

#[test]
fn identity_settings_parse_and_keyrings_stay_hidden() {
    let c = Config::from_sources(
        None,
        &env(&[
            ("VICI_RATE_LIMITS", "login=3/1m"),
            ("VICI_TRUST_FORWARDED_FOR", "true"),
            ("VICI_AUTH_SIGNING_KEYS", r#"{"keys":[]}"#),
        ]),
    )
    .unwrap();
    assert_eq!(c.gateway.rate_limits.login.requests, 3);
    assert!(c.gateway.trust_forwarded_for);
    assert_eq!(c.auth.key_rotation, Duration::from_secs(30 * 86_400));
    let shown = c.describe().iter().find(|(k, ..)| k == "auth.signing_keys");
    assert_eq!(shown.map(|(_, v, _)| v.as_str()), Some("****"));
    let e = Config::from_sources(None, &env(&[("VICI_RATE_LIMITS", "login=lots")])).unwrap_err();
    assert_eq!(e.key, "gateway.rate_limits");
    let e = Config::from_sources(None, &env(&[("VICI_TRUST_FORWARDED_FOR", "maybe")])).unwrap_err();
    assert_eq!(e.key, "gateway.trust_forwarded_for");
}

#[test]
fn stock_and_cart_timings_default_and_override() {
    let c = Config::from_sources(None, &env(&[])).unwrap();
    assert_eq!(c.inventory.reservation_ttl, Duration::from_secs(15 * 60));
    assert_eq!(c.cart.abandon_after, Duration::from_secs(24 * 3600));
    assert_eq!(c.cart.expire_after, Duration::from_secs(30 * 86_400));
    let c = Config::from_sources(
        None,
        &env(&[
            ("VICI_RESERVATION_TTL_SECS", "60"),
            ("VICI_CART_SWEEP_SECS", "5"),
        ]),
    )
    .unwrap();
    assert_eq!(c.inventory.reservation_ttl, Duration::from_secs(60));
    assert_eq!(c.cart.sweep_interval, Duration::from_secs(5));
    let e = Config::from_sources(None, &env(&[("VICI_RESERVATION_TTL_SECS", "0")])).unwrap_err();
    assert_eq!(e.key, "inventory.reservation_ttl_secs");
}

#[test]
fn bad_values_name_their_key_and_source() {
    let e = Config::from_sources(None, &env(&[("VICI_PORT_BASE", "abc")])).unwrap_err();
    assert_eq!(e.key, "port_base");
    assert!(e.to_string().contains("VICI_PORT_BASE"), "{e}");
    let e = Config::from_sources(None, &env(&[("VICI_BUS_URL", "amqp://x")])).unwrap_err();
    assert_eq!(e.key, "bus_url");
    let e = Config::from_sources(Some(("vici.toml", "prot_base = 1")), &env(&[])).unwrap_err();
    assert_eq!(e.key, "prot_base");
    assert!(e.problem.contains("unknown"));
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
    let c = Config::from_sources(None, &env(&[("VICI_CACHE_URL", "redis://:pw@r:6379")])).unwrap();
    let shown = c
        .describe()
        .iter()
        .find(|(k, _, _)| k == "cache_url")
        .unwrap();
    assert!(!shown.1.contains("pw"));
}

#[test]
fn payment_provider_and_saga_recovery_settings() {
    let c = Config::from_sources(None, &env(&[])).unwrap();
    assert_eq!(
        c.payment.provider,
        PaymentProvider::Simulated {
            latency: Duration::from_millis(150)
        }
    );
    assert!(c.payment.webhook_secret.is_none());
    assert_eq!(c.order.recovery_after, Duration::from_secs(60));
    let c = Config::from_sources(
        None,
        &env(&[
            ("VICI_PAYMENT_PROVIDER", "stripe"),
            ("VICI_STRIPE_SECRET_KEY", "sk_test_123"),
            ("VICI_STRIPE_API_URL", "http://127.0.0.1:9/"),
            ("VICI_STRIPE_WEBHOOK_SECRET", "whsec_abc"),
        ]),
    )
    .unwrap();
    assert_eq!(
        c.payment.provider,
        PaymentProvider::Stripe {
            secret_key: "sk_test_123".into(),
            api_url: "http://127.0.0.1:9".into()
        }
    );
    for k in ["payment.stripe_secret_key", "payment.stripe_webhook_secret"] {
        let shown = c.describe().iter().find(|(name, ..)| name == k).unwrap();
        assert_eq!(shown.1, "****", "{k}");
    }
    let e = Config::from_sources(None, &env(&[("VICI_PAYMENT_PROVIDER", "stripe")])).unwrap_err();
    assert_eq!(e.key, "payment.stripe_secret_key");
    let e = Config::from_sources(None, &env(&[("VICI_PAYMENT_PROVIDER", "paypal")])).unwrap_err();
    assert_eq!(e.key, "payment.provider");
}
