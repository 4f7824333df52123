//! Our verifier against PyJWT 2.15.1 on every token of `tests/fixtures/vectors/jwt_hs256.json`.
//!
//! The verdicts were computed at the file's `generated_at` (or a vector's own
//! `now`), so that instant is passed to `verify_claims_at`: with the system
//! clock, time-dependent vectors would drift as the file ages.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use frontdesk_crypto::{CryptoError, JwtAlgorithm, JwtVerifier, TokenRejection};
use secrecy::SecretSlice;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize)]
struct VectorFile {
    generated_at: i64,
    secret: String,
    rsa_public_key_pem: String,
    tokens: Vec<Vector>,
}

#[derive(Debug, Deserialize)]
struct Vector {
    name: String,
    token: String,
    verifier: VerifierConfig,
    verdict: String,
    pyjwt_error: Option<String>,
    now: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct VerifierConfig {
    key: String,
    algorithms: Vec<String>,
    audience: Option<String>,
    issuer: Option<String>,
    #[serde(default)]
    require: Vec<String>,
}

fn vectors_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../tests/fixtures/vectors/jwt_hs256.json")
}

fn load() -> VectorFile {
    let path = vectors_path();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| {
        panic!(
            "cannot read the JWT vectors at {} ({err}); they are kept in the repository at \
             tests/fixtures/vectors/jwt_hs256.json",
            path.display()
        )
    });
    serde_json::from_str(&text)
        .unwrap_or_else(|err| panic!("{} is not the expected vector file: {err}", path.display()))
}

fn at(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).expect("a representable instant")
}

/// Builds the verifier a vector describes; the key's meaning follows the algorithm family,
/// exactly as PyJWT's `prepare_key` does.
fn verifier(config: &VerifierConfig) -> Result<JwtVerifier, CryptoError> {
    let algorithms = config.algorithms.iter().map(|name| name.parse()).collect::<Result<Vec<JwtAlgorithm>, _>>()?;
    let mut verifier = if algorithms.first().is_some_and(|alg| alg.is_hmac()) {
        JwtVerifier::hmac(&algorithms, &SecretSlice::from(config.key.as_bytes().to_vec()))?
    } else {
        JwtVerifier::rsa_pem(&algorithms, &config.key)?
    };
    let require: Vec<&str> = config.require.iter().map(String::as_str).collect();
    verifier = verifier.require(&require);
    if let Some(audience) = &config.audience {
        verifier = verifier.with_audience(audience.clone());
    }
    if let Some(issuer) = &config.issuer {
        verifier = verifier.with_issuer(issuer.clone());
    }
    Ok(verifier)
}

fn judge(file: &VectorFile, vector: &Vector) -> Result<(), CryptoError> {
    let now = at(vector.now.unwrap_or(file.generated_at));
    verifier(&vector.verifier)?.verify_claims_at(&vector.token, now).map(|_| ())
}

/// The rejection that corresponds to PyJWT's exception class.
fn expected_rejection(pyjwt_error: &str) -> Option<TokenRejection> {
    let class = pyjwt_error.split(':').next().unwrap_or_default();
    Some(match class {
        "ExpiredSignatureError" => TokenRejection::Expired,
        "ImmatureSignatureError" => TokenRejection::NotYetValid,
        "InvalidSignatureError" => TokenRejection::BadSignature,
        "InvalidAlgorithmError" => TokenRejection::AlgorithmNotAllowed,
        "InvalidAudienceError" => TokenRejection::WrongAudience,
        "InvalidIssuerError" => TokenRejection::WrongIssuer,
        "MissingRequiredClaimError" => {
            let claim = pyjwt_error.split('"').nth(1).unwrap_or_default();
            TokenRejection::MissingClaim(claim.to_owned())
        }
        _ => return None,
    })
}

#[test]
fn the_vector_file_is_the_one_we_expect() {
    let file = load();
    assert_eq!(file.tokens.len(), 17, "PyJWT vector count changed; review the new vectors");
    for vector in &file.tokens {
        assert!(
            matches!(vector.verdict.as_str(), "valid" | "invalid"),
            "{}: verdict {:?}",
            vector.name,
            vector.verdict
        );
    }
}

#[test]
fn our_verdict_agrees_with_pyjwt_on_every_vector() {
    let file = load();
    let mut disagreements = Vec::new();
    for vector in &file.tokens {
        let ours = judge(&file, vector);
        let ours_valid = ours.is_ok();
        if ours_valid != (vector.verdict == "valid") {
            disagreements.push(format!(
                "{}: PyJWT says {} ({}), we say {}",
                vector.name,
                vector.verdict,
                vector.pyjwt_error.as_deref().unwrap_or("no error"),
                ours.map_or_else(|err| err.to_string(), |()| "valid".to_owned()),
            ));
        }
    }
    assert!(disagreements.is_empty(), "disagreements with PyJWT:\n  {}", disagreements.join("\n  "));
}

#[test]
fn our_rejection_reason_matches_pyjwts_error_class() {
    let file = load();
    let mut mismatches = Vec::new();
    for vector in file.tokens.iter().filter(|v| v.verdict == "invalid") {
        let Some(expected) = vector.pyjwt_error.as_deref().and_then(expected_rejection) else {
            mismatches.push(format!("{}: unmapped PyJWT error {:?}", vector.name, vector.pyjwt_error));
            continue;
        };
        match judge(&file, vector) {
            Err(CryptoError::InvalidToken(reason)) if reason == expected => {}
            other => mismatches.push(format!("{}: expected {expected:?}, got {other:?}", vector.name)),
        }
    }
    assert!(mismatches.is_empty(), "rejection reasons differ from PyJWT:\n  {}", mismatches.join("\n  "));
}

#[test]
fn hostile_algorithms_are_rejected_before_any_crypto() {
    let file = load();
    let hostile = [
        "alg_none",
        "alg_none_mixed_case",
        "rs256_hs256_confusion_vs_rs256_verifier",
        "rs256_token_to_hs256_verifier",
        "hs512_token_to_hs256_verifier",
    ];
    for name in hostile {
        let vector = file.tokens.iter().find(|v| v.name == name).unwrap_or_else(|| panic!("vector {name} missing"));
        let err = judge(&file, vector).expect_err(name);
        assert_eq!(err.rejection(), Some(&TokenRejection::AlgorithmNotAllowed), "{name}");
    }
    // The key-confusion token also fails on an HS256 verifier holding the real secret.
    let confusion = file.tokens.iter().find(|v| v.name == "rs256_hs256_confusion_vs_hs256_verifier").unwrap();
    assert_eq!(judge(&file, confusion).unwrap_err().rejection(), Some(&TokenRejection::BadSignature));
}

#[test]
fn a_mixed_hmac_and_rsa_allow_list_is_refused_like_pyjwt() {
    // PyJWT: `hs256_rs256_mixed_allowlist_with_public_key` -> InvalidKeyError.
    let file = load();
    let mixed = [JwtAlgorithm::Hs256, JwtAlgorithm::Rs256];
    let public_key = SecretSlice::from(file.rsa_public_key_pem.as_bytes().to_vec());
    assert!(matches!(JwtVerifier::hmac(&mixed, &public_key), Err(CryptoError::MixedAlgorithms)));
    assert!(matches!(JwtVerifier::rsa_pem(&mixed, &file.rsa_public_key_pem), Err(CryptoError::MixedAlgorithms)));
    // And the public key is never accepted as an HMAC secret, whatever the allow-list.
    assert!(matches!(JwtVerifier::hmac(&[JwtAlgorithm::Hs256], &public_key), Err(CryptoError::InvalidKey { .. })));
}

#[test]
fn expiry_boundary_is_exact_with_no_leeway() {
    let file = load();
    let vector = file.tokens.iter().find(|v| v.name == "leeway_probe_expired_5s_ago").unwrap();
    let payload = vector.token.split('.').nth(1).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    let exp = claims["exp"].as_i64().unwrap();
    assert_eq!(exp, file.generated_at - 5);
    let verifier = verifier(&vector.verifier).unwrap();
    assert!(verifier.verify_claims_at(&vector.token, at(exp - 1)).is_ok(), "valid one second before exp");
    let err = verifier.verify_claims_at(&vector.token, at(exp)).unwrap_err();
    assert_eq!(
        err.rejection(),
        Some(&TokenRejection::Expired),
        "expired at exp itself (RFC 7519: now must be before exp)"
    );
    // A leeway, when asked for, is honoured.
    let lenient = verifier.with_leeway(std::time::Duration::from_secs(5));
    assert!(lenient.verify_claims_at(&vector.token, at(exp + 4)).is_ok());
    assert!(lenient.verify_claims_at(&vector.token, at(exp + 5)).is_err());
}

#[test]
fn the_valid_token_yields_its_claims() {
    let file = load();
    let vector = file.tokens.iter().find(|v| v.name == "valid_hs256").unwrap();
    assert_eq!(vector.verifier.key, file.secret);
    let claims = verifier(&vector.verifier).unwrap().verify_claims_at(&vector.token, at(file.generated_at)).unwrap();
    assert_eq!(claims["sub"], "user_123");
    assert_eq!(claims["tid"], "tenant_acme");
}
