//! `X-Twilio-Signature`: base64(HMAC-SHA1(auth token, URL + sorted params)).
//!
//! The URL is the one Twilio requested, which we rebuild from
//! `PUBLIC_BASE_URL` and the request's path and raw query — never from
//! `Host` or `X-Forwarded-*`, which the sender controls. Twilio's own
//! libraries accept two variants of that URL (the port removed; the
//! scheme's default port added when there is none), so a proxy that adds
//! or drops `:443` does not break verification; this does exactly the
//! same and nothing more (the vectors in `tests/fixtures` come from
//! twilio-python and the verifier agrees with every verdict). Parameters
//! are sorted by key in code-point order and each key's *distinct* values
//! in order. The comparison is `ring::hmac::verify`, constant time. No
//! token configured means every request is refused (fail closed).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use frontdesk_receptionist::channels::webhook::SignedRequests;
use ring::hmac;
use secrecy::{ExposeSecret, SecretString};

/// Verifies (and, for tests and tools, computes) Twilio request signatures.
#[derive(Clone)]
pub struct TwilioSignatures {
    key: Option<hmac::Key>,
}

impl std::fmt::Debug for TwilioSignatures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioSignatures").field("configured", &self.key.is_some()).finish()
    }
}

impl TwilioSignatures {
    /// A verifier keyed by the account's auth token; `None` refuses everything.
    #[must_use]
    pub fn new(auth_token: Option<&SecretString>) -> Self {
        let key = auth_token
            .map(|t| t.expose_secret().trim().to_owned())
            .filter(|t| !t.is_empty())
            .map(|t| hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, t.as_bytes()));
        Self { key }
    }

    /// The signature Twilio would send for `url` and `params` (None without a token).
    #[must_use]
    pub fn sign(&self, url: &str, params: &[(String, String)]) -> Option<String> {
        let key = self.key.as_ref()?;
        Some(STANDARD.encode(hmac::sign(key, string_to_sign(url, params).as_bytes()).as_ref()))
    }
}

impl TwilioSignatures {
    /// Verifies a JSON-bodied request: the signature covers the URL alone,
    /// and the URL's `bodySHA256` must be the SHA-256 of `body` (hex).
    #[must_use]
    pub fn verify_json(&self, url: &str, body: &[u8], signature: &str) -> bool {
        let claimed = url
            .split_once('?')
            .map(|(_, query)| query)
            .into_iter()
            .flat_map(|q| q.split('&'))
            .find_map(|pair| pair.strip_prefix("bodySHA256="));
        let Some(claimed) = claimed else { return false };
        let actual: String =
            ring::digest::digest(&ring::digest::SHA256, body).as_ref().iter().map(|b| format!("{b:02x}")).collect();
        // The hash is of a body the sender already knows: no secret to protect by comparing in constant time.
        let hash_ok = actual.eq_ignore_ascii_case(claimed);
        hash_ok & self.verify(url, &[], signature)
    }
}

/// The URL followed by every key and its distinct values, sorted.
#[must_use]
pub fn string_to_sign(url: &str, params: &[(String, String)]) -> String {
    let mut pairs: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    pairs.sort_unstable();
    pairs.dedup();
    let mut out = String::with_capacity(url.len() + pairs.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>());
    out.push_str(url);
    for (key, value) in pairs {
        out.push_str(key);
        out.push_str(value);
    }
    out
}

/// The two URLs Twilio's libraries accept: without a port, and with the
/// scheme's default port when none was given (or as given when one was).
fn candidates(url: &str) -> [String; 2] {
    let Some((scheme, rest)) = url.split_once("://") else { return [url.to_owned(), url.to_owned()] };
    let split = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(split);
    // The port is after the last ':' of the authority (no IPv6 literals in public webhook URLs).
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => (host, Some(port)),
        _ => (authority, None),
    };
    let without = format!("{scheme}://{host}{tail}");
    let with = match port {
        Some(_) => url.to_owned(),
        None => {
            let default = if scheme.eq_ignore_ascii_case("https") { "443" } else { "80" };
            format!("{scheme}://{host}:{default}{tail}")
        }
    };
    [without, with]
}

impl SignedRequests for TwilioSignatures {
    fn verify(&self, url: &str, params: &[(String, String)], signature: &str) -> bool {
        let Some(key) = &self.key else { return false };
        let Ok(expected) = STANDARD.decode(signature.as_bytes()) else { return false };
        if expected.is_empty() {
            return false;
        }
        // Both candidates are always computed, so timing says nothing about which one matched.
        let verdicts = candidates(url)
            .map(|candidate| hmac::verify(key, string_to_sign(&candidate, params).as_bytes(), &expected).is_ok());
        verdicts[0] | verdicts[1]
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn candidates_strip_or_add_the_default_port() {
        assert_eq!(
            candidates("https://a.example.com/x?y=1"),
            ["https://a.example.com/x?y=1".to_owned(), "https://a.example.com:443/x?y=1".to_owned()]
        );
        assert_eq!(
            candidates("http://localhost:8080/v"),
            ["http://localhost/v".to_owned(), "http://localhost:8080/v".to_owned()]
        );
    }

    #[test]
    fn no_token_refuses_everything() {
        let verifier = TwilioSignatures::new(None);
        assert!(verifier.sign("https://a/b", &[]).is_none());
        assert!(!verifier.verify("https://a/b", &[], "anything"));
    }
}
