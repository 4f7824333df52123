//! Postmark: email out through `POST {base}/email` (`X-Postmark-Server-Token`),
//! with the message's extra headers (`In-Reply-To`, `References`) so the
//! customer's mail client threads a reply. A 422 (Postmark refused this
//! message: an inactive recipient, a bad address) is `Rejected`; 429, 5xx
//! and timeouts are `Unavailable` and the job retries. The record that
//! makes a send happen once sits in front of this (the ledger messenger).
//! Inbound email is parsed by the webhook route into the domain's
//! `InboundEmail`; nothing vendor-specific reaches the use case.

use async_trait::async_trait;
use frontdesk_kernel::messaging::{
    MessageChannel, MessageId, MessagingError, OutboundMessage, OutboundMessenger, Sent,
};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use std::time::Duration;

/// How to reach Postmark.
#[derive(Clone, Debug)]
pub struct PostmarkConfig {
    /// `POSTMARK_SERVER_TOKEN`.
    pub server_token: SecretString,
    /// `POSTMARK_FROM`.
    pub from: String,
    /// `POSTMARK_API_BASE_URL`.
    pub base_url: String,
    /// One request's time limit.
    pub timeout: Duration,
}

/// Sends email through Postmark.
#[derive(Debug)]
pub struct PostmarkMessenger {
    config: PostmarkConfig,
    http: reqwest::Client,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Header<'a> {
    name: &'a str,
    value: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Email<'a> {
    from: &'a str,
    to: &'a str,
    subject: &'a str,
    text_body: &'a str,
    headers: Vec<Header<'a>>,
    message_stream: &'a str,
}

fn failed(message: String) -> MessagingError {
    MessagingError::unavailable(std::io::Error::other(message))
}

impl PostmarkMessenger {
    /// A messenger over `config`.
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(config: PostmarkConfig) -> Result<Self, String> {
        let http = reqwest::Client::builder().timeout(config.timeout).build().map_err(|e| e.to_string())?;
        Ok(Self { config, http })
    }

    /// The request body for `message` (what Postmark receives).
    ///
    /// # Errors
    /// Never in practice (serialising owned strings).
    pub fn body(&self, message: &OutboundMessage) -> serde_json::Result<serde_json::Value> {
        serde_json::to_value(Email {
            from: &self.config.from,
            to: &message.to,
            subject: message.subject.as_deref().unwrap_or("(no subject)"),
            text_body: &message.body,
            headers: message.headers.iter().map(|(name, value)| Header { name, value }).collect(),
            message_stream: "outbound",
        })
    }
}

#[async_trait]
impl OutboundMessenger for PostmarkMessenger {
    async fn send(&self, message: &OutboundMessage) -> Result<Sent, MessagingError> {
        if message.channel != MessageChannel::Email {
            return Err(MessagingError::Rejected(format!("Postmark sends email, not {}", message.channel)));
        }
        let body = self.body(message).map_err(|e| failed(e.to_string()))?;
        let response = self
            .http
            .post(format!("{}/email", self.config.base_url.trim_end_matches('/')))
            .header("X-Postmark-Server-Token", self.config.server_token.expose_secret())
            .header("Accept", "application/json")
            .json(&body)
            .send()
            .await
            .map_err(|e| failed(format!("Postmark unreachable: {e}")))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if status.is_success() {
            tracing::info!(tenant.id = %message.tenant_id, "email sent through Postmark");
            return Ok(Sent::New(MessageId::new()));
        }
        let detail: String = text.chars().take(300).collect();
        if status.as_u16() == 429 || status.is_server_error() {
            return Err(failed(format!("Postmark answered {status}: {detail}")));
        }
        Err(MessagingError::Rejected(format!("Postmark refused the email ({status}): {detail}")))
    }
}

/// Checks a tenant's Postmark server token: `GET {base}/server` (Postmark's
/// "get server", read-only): `Ok("Postmark server <name>")`, or why not, in
/// words the tenant can act on (never the token).
///
/// # Errors
/// The reason, when the token or Postmark fail.
pub async fn check_server(base_url: &str, server_token: &SecretString, budget: Duration) -> Result<String, String> {
    let http = reqwest::Client::builder().timeout(budget).build().map_err(|e| e.to_string())?;
    let response = http
        .get(format!("{}/server", base_url.trim_end_matches('/')))
        .header("X-Postmark-Server-Token", server_token.expose_secret())
        .header("Accept", "application/json")
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                format!("Postmark did not answer within {} s", budget.as_secs_f32())
            } else {
                format!("Postmark could not be reached ({})", e.without_url())
            }
        })?;
    let status = response.status();
    match status.as_u16() {
        200 => {
            let server: serde_json::Value =
                response.json().await.map_err(|_| "Postmark answered with an unreadable server".to_owned())?;
            Ok(format!("Postmark server {}", server.get("Name").and_then(serde_json::Value::as_str).unwrap_or("?")))
        }
        401 | 403 | 422 => Err(format!("Postmark refused the server token ({status})")),
        _ => Err(format!("Postmark answered {status}")),
    }
}
