//! Sign/verify round trips and every way a token must be refused.
use super::*;

const NOW: i64 = 1_800_000_000;

fn claims() -> Claims {
    Claims {
        sub: "0190a4c2-0000-7000-8000-000000000001".into(),
        email: "jane.doe@example.com".into(),
        role: "customer".into(),
        sid: "0190a4c2-0000-7000-8000-0000000000aa".into(),
        jti: "0190a4c2-0000-7000-8000-0000000000bb".into(),
        ver: 3,
        iat: NOW,
        exp: NOW + ACCESS_TTL_SECS,
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
    }
}

fn verifier_for(keys: &[&SigningKey]) -> Verifier {
    Verifier::from_jwks(&Jwks {
        keys: keys.iter().map(|k| k.public_jwk()).collect(),
    })
    .unwrap()
}

/// Re-encodes one part of a token, leaving the others (signature included) as they were.
fn with_part(token: &str, index: usize, json: serde_json::Value) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_string).collect();
    parts[index] = B64.encode(json.to_string());
    parts.join(".")
}

#[test]
fn rfc_8037_key_and_thumbprint() {
    // RFC 8037 appendix A.1–A.3.
    let seed: [u8; 32] = B64
        .decode("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")
        .unwrap()
        .try_into()
        .unwrap();
    let key = SigningKey::from_seed(seed);
    assert_eq!(
        key.public_jwk().x,
        "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
    );
    assert_eq!(key.kid(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
    // A.4: the signature over the RFC's example is what dalek produces from this key.
    let input = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
    let expected =
        "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";
    let ours = ed25519_dalek::SigningKey::from_bytes(&seed).sign(input.as_bytes());
    assert_eq!(B64.encode(ours.to_bytes()), expected);
}

#[test]
fn a_signed_token_verifies_and_round_trips_its_claims() {
    let key = SigningKey::generate();
    let token = key.sign(&claims());
    assert_eq!(verifier_for(&[&key]).verify(&token, NOW + 10), Ok(claims()));
    assert_eq!(token, key.sign(&claims()), "signatures are deterministic");
}

#[test]
fn a_token_minted_before_versions_existed_reads_as_version_0() {
    let key = SigningKey::generate();
    let mut old = serde_json::to_value(claims()).unwrap();
    old.as_object_mut().unwrap().remove("ver");
    let header = serde_json::json!({"alg": ALG, "typ": "JWT", "kid": key.kid()});
    let input = format!(
        "{}.{}",
        B64.encode(header.to_string()),
        B64.encode(old.to_string())
    );
    let signature = key.key.sign(input.as_bytes());
    let token = format!("{input}.{}", B64.encode(signature.to_bytes()));
    let verified = verifier_for(&[&key]).verify(&token, NOW).unwrap();
    assert_eq!(verified, Claims { ver: 0, ..claims() });
}

#[test]
fn a_seed_restores_the_same_key() {
    let key = SigningKey::generate();
    let again = SigningKey::from_seed(key.seed());
    assert_eq!(key.kid(), again.kid());
    assert_eq!(key.sign(&claims()), again.sign(&claims()));
}

#[test]
fn alg_none_and_other_algorithms_are_refused() {
    let key = SigningKey::generate();
    let token = key.sign(&claims());
    let verifier = verifier_for(&[&key]);
    let none = with_part(
        &token,
        0,
        serde_json::json!({"alg": "none", "kid": key.kid()}),
    );
    assert_eq!(
        verifier.verify(&none, NOW),
        Err(TokenError::UnsupportedAlgorithm("none".into()))
    );
    // The classic `alg: none` form with an empty signature.
    let unsigned = format!("{}.", &none[..none.rfind('.').unwrap()]);
    assert!(verifier.verify(&unsigned, NOW).is_err());
    let hs256 = with_part(
        &token,
        0,
        serde_json::json!({"alg": "HS256", "kid": key.kid()}),
    );
    assert!(matches!(
        verifier.verify(&hs256, NOW),
        Err(TokenError::UnsupportedAlgorithm(_))
    ));
}

#[test]
fn a_token_from_another_key_is_refused() {
    let ours = SigningKey::generate();
    let theirs = SigningKey::generate();
    let verifier = verifier_for(&[&ours]);
    assert_eq!(
        verifier.verify(&theirs.sign(&claims()), NOW),
        Err(TokenError::UnknownKey(theirs.kid().into()))
    );
    // Their signature under our key id.
    let forged = with_part(
        &theirs.sign(&claims()),
        0,
        serde_json::json!({"alg": "EdDSA", "typ": "JWT", "kid": ours.kid()}),
    );
    assert_eq!(verifier.verify(&forged, NOW), Err(TokenError::BadSignature));
}

#[test]
fn a_tampered_payload_is_refused() {
    let key = SigningKey::generate();
    let token = key.sign(&claims());
    let mut promoted = serde_json::to_value(claims()).unwrap();
    promoted["role"] = "admin".into();
    let tampered = with_part(&token, 1, promoted);
    assert_eq!(
        verifier_for(&[&key]).verify(&tampered, NOW),
        Err(TokenError::BadSignature)
    );
}

#[test]
fn expiry_issuer_audience_and_issue_time_are_checked() {
    let key = SigningKey::generate();
    let verifier = verifier_for(&[&key]);
    let expired = Claims {
        exp: NOW - 60,
        ..claims()
    };
    assert_eq!(
        verifier.verify(&key.sign(&expired), NOW),
        Err(TokenError::Expired)
    );
    let at_expiry = claims();
    assert_eq!(
        verifier.verify(&key.sign(&at_expiry), at_expiry.exp + LEEWAY_SECS),
        Err(TokenError::Expired)
    );
    let other_aud = Claims {
        aud: "someone-else".into(),
        ..claims()
    };
    assert_eq!(
        verifier.verify(&key.sign(&other_aud), NOW),
        Err(TokenError::WrongAudience)
    );
    let other_iss = Claims {
        iss: "evil".into(),
        ..claims()
    };
    assert_eq!(
        verifier.verify(&key.sign(&other_iss), NOW),
        Err(TokenError::WrongIssuer)
    );
    let future = Claims {
        iat: NOW + 3600,
        exp: NOW + 7200,
        ..claims()
    };
    assert_eq!(
        verifier.verify(&key.sign(&future), NOW),
        Err(TokenError::NotYetValid)
    );
}

#[test]
fn garbage_is_malformed_never_a_panic() {
    let key = SigningKey::generate();
    let verifier = verifier_for(&[&key]);
    for token in ["", ".", "..", "a.b.c", "a.b.c.d", "eyJ9.e30.", "😀.😀.😀"] {
        assert!(verifier.verify(token, NOW).is_err(), "{token:?}");
    }
    let crit = with_part(
        &key.sign(&claims()),
        0,
        serde_json::json!({"alg": "EdDSA", "kid": key.kid(), "crit": ["exp"]}),
    );
    assert_eq!(verifier.verify(&crit, NOW), Err(TokenError::Malformed));
}

#[test]
fn jwks_round_trips_and_skips_foreign_key_types() {
    let a = SigningKey::generate();
    let b = SigningKey::generate();
    let mut jwks = Jwks {
        keys: vec![a.public_jwk(), b.public_jwk()],
    };
    jwks.keys.push(Jwk {
        kty: "RSA".into(),
        crv: String::new(),
        x: String::new(),
        kid: "rsa".into(),
        alg: None,
        use_: None,
    });
    let json = serde_json::to_string(&jwks).unwrap();
    let verifier = Verifier::from_jwks(&serde_json::from_str(&json).unwrap()).unwrap();
    assert!(verifier.knows(a.kid()) && verifier.knows(b.kid()) && !verifier.knows("rsa"));
    assert!(verifier.verify(&b.sign(&claims()), NOW).is_ok());
    let broken = Jwks {
        keys: vec![Jwk {
            x: "short".into(),
            ..a.public_jwk()
        }],
    };
    assert!(Verifier::from_jwks(&broken).is_err());
}
