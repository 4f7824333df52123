//! [`FileLinks`] for local storage: the api serves the file itself at
//! `GET /files/download?key=…&expires=…&signature=…`, and the signature is an
//! HMAC-SHA256 of the key and the expiry under a key derived from the
//! deployment's secret — so a link cannot be stretched, pointed at another
//! key or forged, and is checked in constant time (`frontdesk_crypto::HmacSeals`).

use async_trait::async_trait;
use frontdesk_crypto::HmacSeals;
use frontdesk_kernel::files::{FileError, FileLinks, is_valid_key};
use frontdesk_kernel::seals::Seals;

/// The path the api serves signed links on.
pub const DOWNLOAD_PATH: &str = "/files/download";

/// Links signed by this process, valid on every api process sharing the secret.
pub struct SignedLinks {
    base_url: String,
    seals: HmacSeals,
}

impl std::fmt::Debug for SignedLinks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedLinks").field("base_url", &self.base_url).finish_non_exhaustive()
    }
}

impl SignedLinks {
    /// Links under `base_url` (`https://api.example.com`), signed with a key
    /// derived from `secret` (the deployment's `JWT_SECRET`): a separate key,
    /// so a link signature can never be replayed as anything else.
    #[must_use]
    pub fn new(base_url: &str, secret: &[u8]) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            seals: HmacSeals::new(secret, b"frontdesk/file-links/v1"),
        }
    }

    fn message(key: &str, expires: i64) -> String {
        format!("{key}\n{expires}")
    }

    /// The signature of `key` until `expires` (unix seconds).
    #[must_use]
    pub fn sign(&self, key: &str, expires: i64) -> String {
        self.seals.seal(&Self::message(key, expires))
    }
}

/// `key` with every byte outside `A-Za-z0-9-._~/` percent-encoded.
fn encode(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[async_trait]
impl FileLinks for SignedLinks {
    async fn link(&self, key: &str, lifetime: std::time::Duration) -> Result<String, FileError> {
        if !is_valid_key(key) {
            return Err(FileError::InvalidKey(key.to_owned()));
        }
        let seconds = i64::try_from(lifetime.as_secs().max(1)).unwrap_or(i64::MAX / 4);
        let expires = chrono::Utc::now().timestamp().saturating_add(seconds);
        Ok(format!(
            "{}{DOWNLOAD_PATH}?key={}&expires={expires}&signature={}",
            self.base_url,
            encode(key),
            self.sign(key, expires)
        ))
    }

    fn verify(&self, key: &str, expires: i64, signature: &str) -> bool {
        self.seals.opens(&Self::message(key, expires), signature)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn query(url: &str) -> std::collections::HashMap<String, String> {
        let (_, q) = url.split_once('?').unwrap();
        q.split('&').map(|kv| kv.split_once('=').unwrap()).map(|(k, v)| (k.to_owned(), v.to_owned())).collect()
    }

    #[tokio::test]
    async fn a_link_verifies_only_for_its_key_expiry_and_secret() {
        let links = SignedLinks::new("https://api.example.com/", b"secret-one");
        let url = links.link("files/t/a.png", std::time::Duration::from_secs(60)).await.unwrap();
        assert!(url.starts_with("https://api.example.com/files/download?key=files/t/a.png&expires="), "{url}");
        let q = query(&url);
        let expires: i64 = q["expires"].parse().unwrap();
        assert!(links.verify("files/t/a.png", expires, &q["signature"]));
        assert!(!links.verify("files/t/b.png", expires, &q["signature"]), "another key");
        assert!(!links.verify("files/t/a.png", expires + 1, &q["signature"]), "a stretched expiry");
        assert!(!links.verify("files/t/a.png", expires, "not base64!"), "garbage");
        assert!(!links.verify("files/t/a.png", expires, ""), "empty");
        let other = SignedLinks::new("https://api.example.com", b"secret-two");
        assert!(!other.verify("files/t/a.png", expires, &q["signature"]), "another deployment's secret");
        assert!(links.link("../etc/passwd", std::time::Duration::from_secs(1)).await.is_err());
    }

    #[test]
    fn keys_are_percent_encoded_outside_the_safe_set() {
        assert_eq!(encode("files/a b&c=d%.png"), "files/a%20b%26c%3Dd%25.png");
    }
}
