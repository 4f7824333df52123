//! JSON Web Tokens: [`JwtTokenSigner`] (our HS256 access tokens, the
//! [`TokenSigner`] port) on top of [`JwtVerifier`] (a strict verifier that
//! also checks third-party tokens and the PyJWT vectors).
//!
//! Design decisions:
//! * **The algorithm comes from us, never from the token.** A verifier is
//!   built for one key family with an explicit allow-list; the header's
//!   `alg` is checked against it before any cryptography, so `none`/`nOnE`,
//!   `HS512` on an `HS256` verifier and RS256→HS256 key confusion are
//!   rejected. An HMAC secret that looks like a PEM or SSH public key is
//!   refused at construction (the key-confusion guard PyJWT also has), and
//!   an allow-list mixing HMAC and RSA is refused too.
//! * **Time is an input.** `jsonwebtoken` compares `exp`/`nbf` with the
//!   system clock, which makes verdicts untestable at a fixed instant and
//!   its `exp` boundary is off by one from RFC 7519 (`exp == now` passes).
//!   So the crate's `validate_exp`/`validate_nbf` are switched off and
//!   [`JwtVerifier::verify_at`] checks `exp`, `nbf` and `iat` itself, with
//!   leeway 0 by default, against the instant it is given ([`JwtTokenSigner`]
//!   passes its [`Clock`]). The rules are PyJWT's: expired when
//!   `exp <= now`, not yet valid when `nbf > now` or `iat > now`;
//!   fractional NumericDates are truncated to whole seconds.
//! * **Every other check the crate has stays on** (signature, allow-list,
//!   required `exp`/`sub`/`aud`/`iss`, audience, issuer), and ours run on
//!   top: the crate ignores `iat` in its required-claims list, does not
//!   require `aud`/`iss` when they are configured, and accepts an `iss`
//!   array. A token therefore passes only if both agree.
//! * Secrets enter as [`secrecy`] types and live on only inside
//!   `jsonwebtoken`'s keys, which redact `Debug` and zeroize on drop.

use crate::error::{CryptoError, TokenRejection};
use crate::rsa_pem::rsa_public_key_der;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use frontdesk_kernel::Clock;
use frontdesk_tenancy::{AccessClaims, TenancyError, TokenSigner};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretSlice, SecretString};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

/// A signature algorithm a [`JwtVerifier`] can allow. There is no `none`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JwtAlgorithm {
    /// HMAC with SHA-256.
    Hs256,
    /// HMAC with SHA-384.
    Hs384,
    /// HMAC with SHA-512.
    Hs512,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    Rs384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    Rs512,
}

impl JwtAlgorithm {
    const ALL: [Self; 6] = [Self::Hs256, Self::Hs384, Self::Hs512, Self::Rs256, Self::Rs384, Self::Rs512];

    /// The JOSE name (`HS256`), as it appears in a token header.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Hs256 => "HS256",
            Self::Hs384 => "HS384",
            Self::Hs512 => "HS512",
            Self::Rs256 => "RS256",
            Self::Rs384 => "RS384",
            Self::Rs512 => "RS512",
        }
    }

    /// Whether this is an HMAC (shared-secret) algorithm.
    #[must_use]
    pub const fn is_hmac(self) -> bool {
        matches!(self, Self::Hs256 | Self::Hs384 | Self::Hs512)
    }

    /// The shortest HMAC key allowed: the hash output size (RFC 7518 §3.2). Zero for RSA.
    const fn min_hmac_key_bytes(self) -> usize {
        match self {
            Self::Hs256 => 32,
            Self::Hs384 => 48,
            Self::Hs512 => 64,
            Self::Rs256 | Self::Rs384 | Self::Rs512 => 0,
        }
    }

    const fn to_jsonwebtoken(self) -> Algorithm {
        match self {
            Self::Hs256 => Algorithm::HS256,
            Self::Hs384 => Algorithm::HS384,
            Self::Hs512 => Algorithm::HS512,
            Self::Rs256 => Algorithm::RS256,
            Self::Rs384 => Algorithm::RS384,
            Self::Rs512 => Algorithm::RS512,
        }
    }
}

impl FromStr for JwtAlgorithm {
    type Err = CryptoError;

    /// Parses an exact, case-sensitive JOSE name; `none` in any spelling is unsupported.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|alg| alg.name() == name)
            .ok_or_else(|| CryptoError::UnsupportedAlgorithm(name.to_owned()))
    }
}

impl fmt::Display for JwtAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

const fn reject(reason: TokenRejection) -> CryptoError {
    CryptoError::InvalidToken(reason)
}

/// A strict JWT verifier bound to one key and an algorithm allow-list.
///
/// Built with [`JwtVerifier::hmac`] or [`JwtVerifier::rsa_pem`], refined
/// with the `with_*`/[`require`](Self::require) builders (default: `exp`
/// required, no audience, no issuer, leeway 0), then used with
/// [`verify_at`](Self::verify_at).
#[derive(Clone, Debug)]
pub struct JwtVerifier {
    algorithms: Vec<JwtAlgorithm>,
    key: DecodingKey,
    audience: Option<String>,
    issuer: Option<String>,
    require: Vec<String>,
    leeway_secs: i64,
}

/// Whether `key` is PEM or OpenSSH key material (never a valid HMAC secret).
fn looks_like_public_key(key: &[u8]) -> bool {
    const SSH_PREFIXES: [&[u8]; 6] =
        [b"ssh-rsa", b"ssh-dss", b"ssh-ed25519", b"ecdsa-sha2-", b"sk-ecdsa-sha2-", b"sk-ssh-ed25519"];
    let trimmed = key.trim_ascii_start();
    key.windows(b"-----BEGIN ".len()).any(|w| w == b"-----BEGIN ")
        || SSH_PREFIXES.iter().any(|prefix| trimmed.starts_with(prefix))
}

fn check_allow_list(algorithms: &[JwtAlgorithm], hmac: bool) -> Result<(), CryptoError> {
    if algorithms.is_empty() || algorithms.iter().any(|a| a.is_hmac() != algorithms[0].is_hmac()) {
        return Err(CryptoError::MixedAlgorithms);
    }
    if algorithms[0].is_hmac() != hmac {
        return Err(CryptoError::InvalidKey {
            reason: if hmac {
                "an HMAC secret cannot verify RSA algorithms"
            } else {
                "an RSA public key cannot verify HMAC algorithms"
            },
        });
    }
    Ok(())
}

impl JwtVerifier {
    /// A verifier of HMAC tokens (`HS256`, `HS384`, `HS512` as allowed) with a shared secret.
    ///
    /// # Errors
    /// [`CryptoError::MixedAlgorithms`] for an empty or mixed allow-list;
    /// [`CryptoError::InvalidKey`] for RSA algorithms, a secret shorter than
    /// the largest allowed hash output (RFC 7518 §3.2), or a secret that is
    /// really a PEM/SSH public key.
    pub fn hmac(algorithms: &[JwtAlgorithm], secret: &SecretSlice<u8>) -> Result<Self, CryptoError> {
        check_allow_list(algorithms, true)?;
        let secret = secret.expose_secret();
        let min = algorithms.iter().map(|a| a.min_hmac_key_bytes()).max().unwrap_or(0);
        if secret.len() < min {
            return Err(CryptoError::InvalidKey { reason: "HMAC secret is shorter than the hash output" });
        }
        if looks_like_public_key(secret) {
            return Err(CryptoError::InvalidKey {
                reason: "looks like a PEM or SSH public key, which must never be used as an HMAC secret",
            });
        }
        Ok(Self::with_key(algorithms, DecodingKey::from_secret(secret)))
    }

    /// A verifier of RSA tokens (`RS256`, `RS384`, `RS512` as allowed) with a PEM public key
    /// (`BEGIN PUBLIC KEY` or `BEGIN RSA PUBLIC KEY`).
    ///
    /// # Errors
    /// [`CryptoError::MixedAlgorithms`] for an empty or mixed allow-list;
    /// [`CryptoError::InvalidKey`] for HMAC algorithms or an unreadable key.
    pub fn rsa_pem(algorithms: &[JwtAlgorithm], public_key_pem: &str) -> Result<Self, CryptoError> {
        check_allow_list(algorithms, false)?;
        let der = rsa_public_key_der(public_key_pem)?;
        Ok(Self::with_key(algorithms, DecodingKey::from_rsa_der(&der)))
    }

    fn with_key(algorithms: &[JwtAlgorithm], key: DecodingKey) -> Self {
        Self {
            algorithms: algorithms.to_vec(),
            key,
            audience: None,
            issuer: None,
            require: vec!["exp".to_owned()],
            leeway_secs: 0,
        }
    }

    /// Accept only tokens whose `aud` names `audience` (then `aud` is required).
    /// Without one, tokens carrying a non-empty `aud` are rejected.
    #[must_use]
    pub fn with_audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// Accept only tokens whose `iss` is exactly `issuer` (then `iss` is required).
    #[must_use]
    pub fn with_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// The claims that must be present and non-null (replaces the default `["exp"]`).
    #[must_use]
    pub fn require(mut self, claims: &[&str]) -> Self {
        self.require = claims.iter().map(|c| (*c).to_owned()).collect();
        self
    }

    /// Clock-skew allowance for `exp`, `nbf` and `iat` (default 0).
    #[must_use]
    pub fn with_leeway(mut self, leeway: std::time::Duration) -> Self {
        self.leeway_secs = i64::try_from(leeway.as_secs()).unwrap_or(i64::MAX);
        self
    }

    /// The `jsonwebtoken` settings, all set explicitly: see the module docs for why
    /// `validate_exp`/`validate_nbf` are off here and enforced in [`Self::check_claims`].
    fn validation(&self) -> Validation {
        let mut validation = Validation::new(self.algorithms[0].to_jsonwebtoken());
        validation.algorithms = self.algorithms.iter().map(|a| a.to_jsonwebtoken()).collect();
        validation.leeway = 0;
        validation.reject_tokens_expiring_in_less_than = 0;
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.validate_aud = true;
        let mut required: Vec<&str> = self.require.iter().map(String::as_str).collect();
        if let Some(audience) = &self.audience {
            validation.set_audience(&[audience]);
            required.push("aud");
        }
        if let Some(issuer) = &self.issuer {
            validation.set_issuer(&[issuer]);
            required.push("iss");
        }
        validation.set_required_spec_claims(&required);
        validation
    }

    /// Verifies `token` as of `now` and deserializes its claims into `T`.
    ///
    /// # Errors
    /// [`CryptoError::InvalidToken`] with the first reason found; claims that
    /// verify but do not fit `T` are [`TokenRejection::Malformed`].
    pub fn verify_at<T: DeserializeOwned>(&self, token: &str, now: DateTime<Utc>) -> Result<T, CryptoError> {
        let claims = self.verify_claims_at(token, now)?;
        serde_json::from_value(Value::Object(claims)).map_err(|_| reject(TokenRejection::Malformed))
    }

    /// Verifies `token` as of `now` and returns its claims as JSON.
    ///
    /// # Errors
    /// [`CryptoError::InvalidToken`] with the first reason found.
    pub fn verify_claims_at(&self, token: &str, now: DateTime<Utc>) -> Result<Map<String, Value>, CryptoError> {
        self.check_header(token)?;
        let data = jsonwebtoken::decode::<Value>(token, &self.key, &self.validation()).map_err(from_jsonwebtoken)?;
        let Value::Object(claims) = data.claims else { return Err(reject(TokenRejection::Malformed)) };
        self.check_claims(&claims, now.timestamp())?;
        Ok(claims)
    }

    /// Our own header check, before any cryptography: a JSON object whose `alg`
    /// is on the allow-list, and no `crit` extensions (we understand none).
    fn check_header(&self, token: &str) -> Result<(), CryptoError> {
        let mut parts = token.split('.');
        let (Some(header), Some(_), Some(_), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(reject(TokenRejection::Malformed));
        };
        let bytes = URL_SAFE_NO_PAD.decode(header).map_err(|_| reject(TokenRejection::Malformed))?;
        let Ok(Value::Object(header)) = serde_json::from_slice::<Value>(&bytes) else {
            return Err(reject(TokenRejection::Malformed));
        };
        let allowed = header
            .get("alg")
            .and_then(Value::as_str)
            .is_some_and(|alg| self.algorithms.iter().any(|allowed| allowed.name() == alg));
        if !allowed {
            return Err(reject(TokenRejection::AlgorithmNotAllowed));
        }
        if header.contains_key("crit") {
            return Err(reject(TokenRejection::UnsupportedCriticalHeader));
        }
        Ok(())
    }

    /// The registered-claim rules, in PyJWT's order: required, `iat`, `nbf`,
    /// `exp`, `iss`, `aud`, then the types of `sub` and `jti`.
    fn check_claims(&self, claims: &Map<String, Value>, now: i64) -> Result<(), CryptoError> {
        for claim in &self.require {
            if claims.get(claim).is_none_or(Value::is_null) {
                return Err(reject(TokenRejection::MissingClaim(claim.clone())));
            }
        }
        if numeric_date(claims, "iat")?.is_some_and(|iat| iat > now.saturating_add(self.leeway_secs)) {
            return Err(reject(TokenRejection::IssuedInTheFuture));
        }
        if numeric_date(claims, "nbf")?.is_some_and(|nbf| nbf > now.saturating_add(self.leeway_secs)) {
            return Err(reject(TokenRejection::NotYetValid));
        }
        if numeric_date(claims, "exp")?.is_some_and(|exp| exp <= now.saturating_sub(self.leeway_secs)) {
            return Err(reject(TokenRejection::Expired));
        }
        if let Some(expected) = &self.issuer {
            match claims.get("iss") {
                None => return Err(reject(TokenRejection::MissingClaim("iss".to_owned()))),
                Some(Value::String(iss)) if iss == expected => {}
                Some(_) => return Err(reject(TokenRejection::WrongIssuer)),
            }
        }
        check_audience(claims.get("aud").filter(|aud| is_truthy(aud)), self.audience.as_deref())?;
        for claim in ["sub", "jti"] {
            if claims.get(claim).is_some_and(|value| !value.is_string()) {
                return Err(reject(TokenRejection::InvalidClaim(claim)));
            }
        }
        Ok(())
    }
}

/// PyJWT's audience rule: without an expected audience, a non-empty `aud` is
/// refused; with one, `aud` (a string or an array of strings) must contain it.
fn check_audience(aud: Option<&Value>, expected: Option<&str>) -> Result<(), CryptoError> {
    match (aud, expected) {
        (None, None) => Ok(()),
        (Some(_), None) => Err(reject(TokenRejection::WrongAudience)),
        (None, Some(_)) => Err(reject(TokenRejection::MissingClaim("aud".to_owned()))),
        (Some(Value::String(aud)), Some(expected)) if aud == expected => Ok(()),
        (Some(Value::Array(items)), Some(expected))
            if items.iter().all(Value::is_string) && items.iter().any(|item| item.as_str() == Some(expected)) =>
        {
            Ok(())
        }
        (Some(_), Some(_)) => Err(reject(TokenRejection::WrongAudience)),
    }
}

/// JSON truthiness as Python sees it (`null`, `false`, `0`, `""`, `[]`, `{}` are falsy).
fn is_truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
    }
}

/// A NumericDate claim in whole seconds (fractions truncated, out-of-range values saturated).
/// Only JSON numbers are accepted: PyJWT would also take `"123"` or `true`, we do not.
fn numeric_date(claims: &Map<String, Value>, claim: &'static str) -> Result<Option<i64>, CryptoError> {
    let Some(value) = claims.get(claim) else { return Ok(None) };
    let Value::Number(n) = value else { return Err(reject(TokenRejection::InvalidClaim(claim))) };
    if let Some(i) = n.as_i64() {
        return Ok(Some(i));
    }
    if n.as_u64().is_some() {
        return Ok(Some(i64::MAX));
    }
    match n.as_f64() {
        // `as` saturates at the i64 bounds, which is what a comparison with "now" needs.
        Some(f) if f.is_finite() => Ok(Some(f.trunc() as i64)),
        _ => Err(reject(TokenRejection::InvalidClaim(claim))),
    }
}

fn from_jsonwebtoken(err: jsonwebtoken::errors::Error) -> CryptoError {
    reject(match err.into_kind() {
        ErrorKind::InvalidAlgorithm | ErrorKind::MissingAlgorithm | ErrorKind::InvalidAlgorithmName => {
            TokenRejection::AlgorithmNotAllowed
        }
        ErrorKind::InvalidSignature => TokenRejection::BadSignature,
        ErrorKind::MissingRequiredClaim(claim) => TokenRejection::MissingClaim(claim),
        ErrorKind::ExpiredSignature => TokenRejection::Expired,
        ErrorKind::ImmatureSignature => TokenRejection::NotYetValid,
        ErrorKind::InvalidAudience => TokenRejection::WrongAudience,
        ErrorKind::InvalidIssuer => TokenRejection::WrongIssuer,
        ErrorKind::InvalidSubject => TokenRejection::InvalidClaim("sub"),
        _ => TokenRejection::Malformed,
    })
}

/// Signs and verifies our own access tokens: HS256 only, `exp`, `iat` and
/// `sub` required, leeway 0, time read from the injected [`Clock`].
#[derive(Clone)]
pub struct JwtTokenSigner {
    encoding: EncodingKey,
    verifier: JwtVerifier,
    clock: Arc<dyn Clock>,
}

impl fmt::Debug for JwtTokenSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtTokenSigner").field("algorithm", &"HS256").finish_non_exhaustive()
    }
}

impl JwtTokenSigner {
    /// The shortest accepted `JWT_SECRET`, in bytes (the SHA-256 output size).
    pub const MIN_SECRET_BYTES: usize = 32;

    /// A signer keyed by `JWT_SECRET`.
    ///
    /// # Errors
    /// [`CryptoError::WeakJwtSecret`] when the secret is shorter than
    /// [`Self::MIN_SECRET_BYTES`]; [`CryptoError::InvalidKey`] when it is a
    /// PEM/SSH public key.
    pub fn new(secret: &SecretString, clock: Arc<dyn Clock>) -> Result<Self, CryptoError> {
        Self::from_bytes(&SecretSlice::from(secret.expose_secret().as_bytes().to_vec()), clock)
    }

    /// A signer keyed by raw secret bytes.
    ///
    /// # Errors
    /// As [`Self::new`].
    pub fn from_bytes(secret: &SecretSlice<u8>, clock: Arc<dyn Clock>) -> Result<Self, CryptoError> {
        let bytes = secret.expose_secret();
        if bytes.len() < Self::MIN_SECRET_BYTES {
            return Err(CryptoError::WeakJwtSecret { min: Self::MIN_SECRET_BYTES, actual: bytes.len() });
        }
        let verifier = JwtVerifier::hmac(&[JwtAlgorithm::Hs256], secret)?.require(&["exp", "iat", "sub"]);
        Ok(Self { encoding: EncodingKey::from_secret(bytes), verifier, clock })
    }

    /// Verifies one of our access tokens as of `now` (the port's
    /// [`TokenSigner::verify`] uses the clock's now).
    ///
    /// # Errors
    /// [`CryptoError::InvalidToken`] with the reason.
    pub fn verify_at(&self, token: &str, now: DateTime<Utc>) -> Result<AccessClaims, CryptoError> {
        self.verifier.verify_at(token, now)
    }
}

impl TokenSigner for JwtTokenSigner {
    fn sign(&self, claims: &AccessClaims) -> frontdesk_tenancy::Result<String> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|err| TenancyError::storage(CryptoError::Signing(err)))
    }

    fn verify(&self, token: &str) -> frontdesk_tenancy::Result<AccessClaims> {
        self.verify_at(token, self.clock.now()).map_err(|_| TenancyError::InvalidToken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn algorithm_names_are_exact() {
        assert_eq!("HS256".parse::<JwtAlgorithm>().ok(), Some(JwtAlgorithm::Hs256));
        for bad in ["hs256", "none", "nOnE", "", "ES256"] {
            assert!(bad.parse::<JwtAlgorithm>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn public_keys_are_recognised() {
        assert!(looks_like_public_key(b"-----BEGIN PUBLIC KEY-----\nMIIB"));
        assert!(looks_like_public_key(b"  ssh-ed25519 AAAAC3Nza"));
        assert!(!looks_like_public_key(b"an ordinary secret of sufficient length!"));
    }

    #[test]
    fn truthiness_matches_python() {
        for falsy in [Value::Null, Value::from(false), Value::from(0), Value::from(""), Value::Array(vec![])] {
            assert!(!is_truthy(&falsy), "{falsy}");
        }
        assert!(is_truthy(&Value::from("api")));
    }

    #[test]
    fn numeric_dates_accept_numbers_only() {
        let claims: Map<String, Value> = serde_json::from_str(
            r#"{"a": 10, "b": 10.9, "c": -1.5, "d": 18446744073709551615, "e": "10", "f": true, "g": 1e300}"#,
        )
        .unwrap_or_default();
        assert_eq!(numeric_date(&claims, "a").ok(), Some(Some(10)));
        assert_eq!(numeric_date(&claims, "b").ok(), Some(Some(10)));
        assert_eq!(numeric_date(&claims, "c").ok(), Some(Some(-1)));
        assert_eq!(numeric_date(&claims, "d").ok(), Some(Some(i64::MAX)));
        assert!(numeric_date(&claims, "e").is_err());
        assert!(numeric_date(&claims, "f").is_err());
        assert_eq!(numeric_date(&claims, "g").ok(), Some(Some(i64::MAX)));
        assert_eq!(numeric_date(&claims, "missing").ok(), Some(None));
    }
}
