//! [`Egress`]: HTTP requests to URLs a tenant chose (webhook endpoints),
//! which must never reach inside our network.
//!
//! A URL is vetted **after DNS resolution**: every address its host
//! resolves to must be public (not loopback, private, link-local — the
//! cloud metadata service at 169.254.169.254 included — CGNAT, multicast,
//! reserved, or an IPv6 form of one of those), and the request then
//! connects only to the addresses that were vetted (the resolution is
//! pinned, so a DNS answer that changes between the check and the connect
//! — rebinding — cannot redirect it). Redirects are not followed (a 3xx is
//! a failed delivery), and only `https` is accepted unless `http` is
//! allowed (development). `ALLOW_PRIVATE_WEBHOOKS=true` lifts the address
//! rule for tests and self-hosting on a private network.

mod address;

pub use address::forbidden_reason;

use std::net::SocketAddr;

/// How much of an answer is read and kept.
const EXCERPT_BYTES: usize = 1024;
use std::time::{Duration, Instant};

/// Why a request was not made or got no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EgressError {
    /// The URL is not acceptable (scheme, form, or an address it resolves to).
    #[error("refused: {0}")]
    Refused(String),
    /// The host did not resolve or answer, or the request timed out.
    #[error("unreachable: {0}")]
    Unreachable(String),
}

/// An answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Time to the answer's end.
    pub latency: Duration,
    /// The body's first 1 KiB, as text.
    pub excerpt: String,
}

/// The policy and the client for tenant-chosen URLs.
#[derive(Clone, Debug)]
pub struct Egress {
    allow_private: bool,
    allow_http: bool,
    timeout: Duration,
}

impl Egress {
    /// Requests time out after `timeout`; `allow_private` lifts the address
    /// rule, `allow_http` accepts `http://` URLs.
    #[must_use]
    pub const fn new(timeout: Duration, allow_private: bool, allow_http: bool) -> Self {
        Self { allow_private, allow_http, timeout }
    }

    /// Checks `url` and resolves its host: the host and the addresses a
    /// request may connect to.
    ///
    /// # Errors
    /// `Refused` naming why; `Unreachable` when the host does not resolve.
    pub async fn vet(&self, url: &str) -> Result<(reqwest::Url, Vec<SocketAddr>), EgressError> {
        let parsed = reqwest::Url::parse(url).map_err(|e| EgressError::Refused(format!("not a URL ({e})")))?;
        match parsed.scheme() {
            "https" => {}
            "http" if self.allow_http => {}
            other => return Err(EgressError::Refused(format!("the scheme must be https, not {other}"))),
        }
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(EgressError::Refused("credentials in the URL are not accepted".into()));
        }
        let host = parsed.host_str().ok_or_else(|| EgressError::Refused("the URL has no host".into()))?;
        let port = parsed.port_or_known_default().unwrap_or(443);
        let host = host.trim_start_matches('[').trim_end_matches(']').to_owned();
        let addresses: Vec<SocketAddr> = match host.parse::<std::net::IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => tokio::time::timeout(self.timeout, tokio::net::lookup_host((host.as_str(), port)))
                .await
                .map_err(|_| EgressError::Unreachable(format!("{host} did not resolve in time")))?
                .map_err(|_| EgressError::Unreachable(format!("{host} does not resolve")))?
                .collect(),
        };
        if addresses.is_empty() {
            return Err(EgressError::Unreachable(format!("{host} does not resolve")));
        }
        if !self.allow_private
            && let Some((address, why)) =
                addresses.iter().find_map(|a| forbidden_reason(a.ip()).map(|why| (a.ip(), why)))
        {
            // The address itself stays in our logs: telling it to the tenant would map our network.
            tracing::info!(%host, %address, why, "egress refused: the URL resolves inside our network");
            return Err(EgressError::Refused(format!("the host resolves to a {why} address")));
        }
        Ok((parsed, addresses))
    }

    /// POSTs `body` with `headers` to `url`, connecting only to its vetted
    /// addresses, following no redirect.
    ///
    /// # Errors
    /// As [`Self::vet`]; `Unreachable` when no answer came in time.
    pub async fn post(&self, url: &str, headers: &[(String, String)], body: Vec<u8>) -> Result<Answer, EgressError> {
        let (client, parsed) = self.client_for(url).await?;
        let host = parsed.host_str().unwrap_or_default().to_owned();
        let mut request = client.post(parsed).header("content-type", "application/json").body(body);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let started = Instant::now();
        let mut response = request.send().await.map_err(|e| {
            EgressError::Unreachable(if e.is_timeout() {
                format!("no answer within {} s", self.timeout.as_secs_f32())
            } else {
                format!("{host} could not be reached")
            })
        })?;
        let status = response.status().as_u16();
        // At most 1 KiB of the answer is read: an endpoint streaming forever costs nothing.
        let mut excerpt = Vec::new();
        while excerpt.len() < EXCERPT_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => excerpt.extend_from_slice(&chunk[..chunk.len().min(EXCERPT_BYTES - excerpt.len())]),
                Ok(None) | Err(_) => break,
            }
        }
        Ok(Answer { status, latency: started.elapsed(), excerpt: String::from_utf8_lossy(&excerpt).into_owned() })
    }

    /// A client for `url` after [`Self::vet`]: it connects only to the vetted
    /// addresses, follows no redirect and uses no proxy — for calls other
    /// adapters make to a tenant-chosen base URL (an OpenAI-compatible server).
    ///
    /// # Errors
    /// As [`Self::vet`].
    pub async fn client_for(&self, url: &str) -> Result<(reqwest::Client, reqwest::Url), EgressError> {
        let (parsed, addresses) = self.vet(url).await?;
        let host = parsed.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']').to_owned();
        let client = reqwest::Client::builder()
            .timeout(self.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .resolve_to_addrs(&host, &addresses)
            .no_proxy()
            .build()
            .map_err(|e| EgressError::Unreachable(e.to_string()))?;
        Ok((client, parsed))
    }
}
