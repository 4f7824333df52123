//! `JwtTokenSigner`: our HS256 access tokens through the `TokenSigner` port.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use frontdesk_crypto::{CryptoError, JwtTokenSigner, TokenRejection};
use frontdesk_kernel::testing::ManualClock;
use frontdesk_kernel::{AccountType, Role, TenantId, UserId};
use frontdesk_tenancy::{AccessClaims, TenancyError, TokenSigner};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use secrecy::SecretString;
use serde_json::{Value, json};
use std::sync::Arc;

const SECRET: &str = "0123456789abcdef0123456789abcdef-test-secret";

fn issued_at() -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000, 0).unwrap()
}

fn claims() -> AccessClaims {
    AccessClaims {
        sub: UserId::new(),
        account_type: AccountType::User,
        role: Some(Role::Owner),
        sub_account_id: Some(TenantId::new()),
        jti: "jti-1".into(),
        sid: None,
        iat: issued_at().timestamp(),
        exp: issued_at().timestamp() + 900,
    }
}

fn signer() -> (JwtTokenSigner, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::at(issued_at()));
    let signer = JwtTokenSigner::new(&SecretString::from(SECRET), clock.clone()).unwrap();
    (signer, clock)
}

/// A token signed with `SECRET` (or another key) and any header algorithm, for hostile cases.
fn forge(alg: Algorithm, key: &[u8], payload: &Value) -> String {
    jsonwebtoken::encode(&Header::new(alg), payload, &EncodingKey::from_secret(key)).unwrap()
}

fn rejection(signer: &JwtTokenSigner, token: &str) -> TokenRejection {
    match signer.verify_at(token, issued_at()) {
        Err(CryptoError::InvalidToken(reason)) => reason,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[test]
fn sign_then_verify_round_trips() {
    let (signer, _) = signer();
    let claims = claims();
    let token = signer.sign(&claims).unwrap();
    assert_eq!(signer.verify(&token).unwrap(), claims);

    let header = token.split('.').next().unwrap();
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    assert_eq!(header, json!({"alg": "HS256", "typ": "JWT"}));
}

#[test]
fn secrets_shorter_than_32_bytes_are_refused_naming_jwt_secret() {
    let clock = Arc::new(ManualClock::at(issued_at()));
    let err = JwtTokenSigner::new(&SecretString::from("x".repeat(31)), clock.clone()).unwrap_err();
    assert!(matches!(err, CryptoError::WeakJwtSecret { min: 32, actual: 31 }));
    assert!(err.to_string().contains("JWT_SECRET"), "{err}");
    assert!(JwtTokenSigner::new(&SecretString::from("x".repeat(32)), clock).is_ok());
}

#[test]
fn a_public_key_is_refused_as_the_secret() {
    let clock = Arc::new(ManualClock::at(issued_at()));
    let pem = format!("-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n", "A".repeat(64));
    assert!(matches!(JwtTokenSigner::new(&SecretString::from(pem), clock), Err(CryptoError::InvalidKey { .. })));
}

#[test]
fn expiry_follows_the_injected_clock_with_no_leeway() {
    let (signer, clock) = signer();
    let claims = claims();
    let token = signer.sign(&claims).unwrap();
    clock.advance(Duration::seconds(899));
    assert!(signer.verify(&token).is_ok(), "one second before exp");
    clock.advance(Duration::seconds(1));
    assert!(matches!(signer.verify(&token), Err(TenancyError::InvalidToken)), "at exp");
    let at_exp = DateTime::from_timestamp(claims.exp, 0).unwrap();
    assert_eq!(signer.verify_at(&token, at_exp).unwrap_err().rejection(), Some(&TokenRejection::Expired));
}

#[test]
fn a_token_issued_in_the_future_is_rejected() {
    let (signer, _) = signer();
    let mut claims = claims();
    claims.iat += 1;
    let token = signer.sign(&claims).unwrap();
    assert_eq!(rejection(&signer, &token), TokenRejection::IssuedInTheFuture);
}

#[test]
fn every_failure_maps_to_invalid_token() {
    let (signer, _) = signer();
    let good = signer.sign(&claims()).unwrap();
    let (header, payload, signature) = {
        let mut parts = good.split('.');
        (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap())
    };
    // Change the first signature character: it carries six significant bits (the last one carries padding bits).
    let first = if signature.starts_with('A') { "B" } else { "A" };
    let flipped = format!("{first}{}", &signature[1..]);
    for bad in [
        String::new(),
        "garbage".to_owned(),
        format!("{header}.{payload}"),
        format!("{header}.{payload}."),
        format!("{header}.{payload}.{flipped}"),
        format!("{header}.{payload}.{signature}.extra"),
    ] {
        assert!(matches!(signer.verify(&bad), Err(TenancyError::InvalidToken)), "{bad:?}");
    }
}

#[test]
fn tokens_from_another_secret_are_rejected() {
    let (signer, _) = signer();
    let payload = serde_json::to_value(claims()).unwrap();
    let token = forge(Algorithm::HS256, b"another-secret-of-sufficient-length-0000000", &payload);
    assert_eq!(rejection(&signer, &token), TokenRejection::BadSignature);
}

#[test]
fn other_algorithms_are_rejected_even_with_our_secret() {
    let (signer, _) = signer();
    let payload = serde_json::to_value(claims()).unwrap();
    for alg in [Algorithm::HS384, Algorithm::HS512] {
        let token = forge(alg, SECRET.as_bytes(), &payload);
        assert_eq!(rejection(&signer, &token), TokenRejection::AlgorithmNotAllowed, "{alg:?}");
    }
}

#[test]
fn unsigned_tokens_are_rejected() {
    let (signer, _) = signer();
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims()).unwrap());
    for alg in ["none", "None", "nOnE", "NONE"] {
        let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#));
        let token = format!("{header}.{payload}.");
        assert_eq!(rejection(&signer, &token), TokenRejection::AlgorithmNotAllowed, "{alg}");
    }
    let no_alg = URL_SAFE_NO_PAD.encode(r#"{"typ":"JWT"}"#);
    assert_eq!(rejection(&signer, &format!("{no_alg}.{payload}.")), TokenRejection::AlgorithmNotAllowed);
}

#[test]
fn critical_header_extensions_are_rejected() {
    let (signer, _) = signer();
    let mut header = Header::new(Algorithm::HS256);
    header.crit = Some(vec!["exp".into()]);
    let token = jsonwebtoken::encode(&header, &claims(), &EncodingKey::from_secret(SECRET.as_bytes())).unwrap();
    assert_eq!(rejection(&signer, &token), TokenRejection::UnsupportedCriticalHeader);
}

#[test]
fn exp_iat_and_sub_are_required() {
    let (signer, _) = signer();
    let full = serde_json::to_value(claims()).unwrap();
    for claim in ["exp", "iat", "sub"] {
        let mut payload = full.clone();
        payload.as_object_mut().unwrap().remove(claim);
        let token = forge(Algorithm::HS256, SECRET.as_bytes(), &payload);
        assert_eq!(rejection(&signer, &token), TokenRejection::MissingClaim(claim.to_owned()), "{claim}");
        payload[claim] = Value::Null;
        let token = forge(Algorithm::HS256, SECRET.as_bytes(), &payload);
        assert!(signer.verify(&token).is_err(), "{claim}: null");
    }
}

#[test]
fn a_future_nbf_is_rejected() {
    let (signer, _) = signer();
    let mut payload = serde_json::to_value(claims()).unwrap();
    payload["nbf"] = json!(issued_at().timestamp() + 1);
    let token = forge(Algorithm::HS256, SECRET.as_bytes(), &payload);
    assert_eq!(rejection(&signer, &token), TokenRejection::NotYetValid);
    payload["nbf"] = json!(issued_at().timestamp());
    let token = forge(Algorithm::HS256, SECRET.as_bytes(), &payload);
    assert!(signer.verify_at(&token, issued_at()).is_ok(), "nbf == now is valid");
}

#[test]
fn a_token_with_an_audience_is_not_ours() {
    let (signer, _) = signer();
    let mut payload = serde_json::to_value(claims()).unwrap();
    payload["aud"] = json!("someone-else");
    let token = forge(Algorithm::HS256, SECRET.as_bytes(), &payload);
    assert_eq!(rejection(&signer, &token), TokenRejection::WrongAudience);
}

#[test]
fn string_dates_are_not_numbers() {
    let (signer, _) = signer();
    let mut payload = serde_json::to_value(claims()).unwrap();
    payload["exp"] = json!("4102444800");
    let token = forge(Algorithm::HS256, SECRET.as_bytes(), &payload);
    assert!(signer.verify_at(&token, issued_at()).is_err());
}

#[test]
fn debug_does_not_show_the_secret() {
    let (signer, _) = signer();
    assert!(!format!("{signer:?}").contains("0123456789abcdef"));
}
