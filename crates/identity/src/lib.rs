//! Access tokens: the EdDSA-signed JWTs the auth service issues and the gateway verifies
//! locally from the auth service's JWKS, so no request costs a call to the auth service.
//!
//! Only one algorithm exists here (Ed25519, `alg: EdDSA`): a token naming any other, `none`
//! included, is refused before its signature is looked at, so algorithm confusion cannot
//! arise. Keys are named by their RFC 7638 thumbprint, which makes a `kid` stable for a key
//! wherever it is loaded.
use std::collections::HashMap;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ed25519_dalek::Signer as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// The `iss` of every access token.
pub const ISSUER: &str = "vici-auth";
/// The `aud` of every access token: the shop's API behind the gateway.
pub const AUDIENCE: &str = "vici-api";
/// How long an access token lives.
pub const ACCESS_TTL_SECS: i64 = 15 * 60;
/// Clock skew tolerated between the signer and a verifier.
pub const LEEWAY_SECS: i64 = 5;

const ALG: &str = "EdDSA";

pub mod revocation;

/// What an access token says about its bearer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    pub email: String,
    /// `customer` or `admin`.
    pub role: String,
    /// The session (refresh-token family) the token belongs to, so logout can end it.
    pub sid: String,
    /// Unique per token, for the deny-list that makes logout immediate.
    pub jti: String,
    /// The account's token version when the token was minted. The auth service bumps it on
    /// every change that must cut off existing tokens (role change, deactivation, password
    /// reset), and the deny-list refuses tokens older than the stored version. Absent in
    /// tokens minted before versions existed, which then read as 0.
    #[serde(default)]
    pub ver: i64,
    /// Issued at, unix seconds.
    pub iat: i64,
    /// Expires at, unix seconds.
    pub exp: i64,
    pub iss: String,
    pub aud: String,
}

/// Why a token was refused. The gateway treats every variant alike (no identity); the
/// distinction serves logs and tests.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the token is not a well-formed JWT")]
    Malformed,
    #[error("the token's algorithm {0:?} is not accepted")]
    UnsupportedAlgorithm(String),
    #[error("the token names an unknown key {0:?}")]
    UnknownKey(String),
    #[error("the token's signature does not verify")]
    BadSignature,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token was issued by someone else")]
    WrongIssuer,
    #[error("the token is meant for someone else")]
    WrongAudience,
}

/// One public key in JWKS form (RFC 8037 OKP key).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    pub kty: String,
    #[serde(default)]
    pub crv: String,
    #[serde(default)]
    pub x: String,
    #[serde(default)]
    pub kid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
}

/// A JWKS document: `{"keys": [...]}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

/// An Ed25519 private key with its key id.
pub struct SigningKey {
    kid: String,
    key: ed25519_dalek::SigningKey,
}

impl SigningKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        Self::from_seed(rand::random())
    }

    /// The key whose 32-byte secret seed is `seed` (what the auth service keeps).
    pub fn from_seed(seed: [u8; 32]) -> Self {
        let key = ed25519_dalek::SigningKey::from_bytes(&seed);
        let kid = thumbprint(&B64.encode(key.verifying_key().as_bytes()));
        Self { kid, key }
    }

    pub fn seed(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The compact JWS of `claims`. Ed25519 signatures are deterministic: the same claims
    /// always give the same token, which the auth service's refresh grace window relies on.
    pub fn sign(&self, claims: &Claims) -> String {
        let header = serde_json::json!({"alg": ALG, "typ": "JWT", "kid": self.kid});
        let payload = serde_json::to_vec(claims).expect("claims serialise");
        let signing_input = format!("{}.{}", B64.encode(header.to_string()), B64.encode(payload));
        let signature = self.key.sign(signing_input.as_bytes());
        format!("{signing_input}.{}", B64.encode(signature.to_bytes()))
    }

    pub fn public_jwk(&self) -> Jwk {
        Jwk {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            x: B64.encode(self.key.verifying_key().as_bytes()),
            kid: self.kid.clone(),
            alg: Some(ALG.into()),
            use_: Some("sig".into()),
        }
    }
}

/// RFC 7638 thumbprint of an Ed25519 public key (members in lexicographic order).
fn thumbprint(x: &str) -> String {
    let canonical = format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#);
    B64.encode(Sha256::digest(canonical.as_bytes()))
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    #[serde(default)]
    kid: Option<String>,
    /// Extensions a verifier must understand; none are, so any is a refusal (RFC 7515 §4.1.11).
    #[serde(default)]
    crit: Option<serde_json::Value>,
}

/// Verifies access tokens against the public keys of a JWKS.
#[derive(Clone, Default)]
pub struct Verifier {
    keys: HashMap<String, ed25519_dalek::VerifyingKey>,
}

impl Verifier {
    /// The Ed25519 keys of `jwks`; keys of other types are skipped, malformed Ed25519 keys
    /// are an error (the auth service published something broken).
    pub fn from_jwks(jwks: &Jwks) -> Result<Self, String> {
        let mut keys = HashMap::new();
        for jwk in &jwks.keys {
            if jwk.kty != "OKP" || jwk.crv != "Ed25519" {
                continue;
            }
            let bytes: [u8; 32] = B64
                .decode(&jwk.x)
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| format!("key {:?} has a malformed `x`", jwk.kid))?;
            let key = ed25519_dalek::VerifyingKey::from_bytes(&bytes)
                .map_err(|_| format!("key {:?} is not a valid Ed25519 point", jwk.kid))?;
            keys.insert(jwk.kid.clone(), key);
        }
        Ok(Self { keys })
    }

    pub fn knows(&self, kid: &str) -> bool {
        self.keys.contains_key(kid)
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The claims of `token` if it is signed by one of the keys, unexpired at `now` (unix
    /// seconds) and meant for this API.
    pub fn verify(&self, token: &str, now: i64) -> Result<Claims, TokenError> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        let header: Header = decode_json(header)?;
        if header.alg != ALG {
            return Err(TokenError::UnsupportedAlgorithm(header.alg));
        }
        if header.crit.is_some() {
            return Err(TokenError::Malformed);
        }
        let kid = header.kid.unwrap_or_default();
        let key = self
            .keys
            .get(&kid)
            .ok_or_else(|| TokenError::UnknownKey(kid.clone()))?;
        let signature: [u8; 64] = B64
            .decode(signature)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or(TokenError::Malformed)?;
        let signing_input = &token[..header_and_payload_len(token)];
        key.verify_strict(
            signing_input.as_bytes(),
            &ed25519_dalek::Signature::from_bytes(&signature),
        )
        .map_err(|_| TokenError::BadSignature)?;
        let claims: Claims = decode_json(payload)?;
        if claims.iss != ISSUER {
            return Err(TokenError::WrongIssuer);
        }
        if claims.aud != AUDIENCE {
            return Err(TokenError::WrongAudience);
        }
        if now >= claims.exp + LEEWAY_SECS {
            return Err(TokenError::Expired);
        }
        if claims.iat > now + LEEWAY_SECS {
            return Err(TokenError::NotYetValid);
        }
        Ok(claims)
    }
}

/// Length of `header.payload`, the part the signature covers.
fn header_and_payload_len(token: &str) -> usize {
    token.rfind('.').unwrap_or(0)
}

fn decode_json<T: serde::de::DeserializeOwned>(part: &str) -> Result<T, TokenError> {
    let bytes = B64.decode(part).map_err(|_| TokenError::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| TokenError::Malformed)
}

#[cfg(test)]
mod tests;
