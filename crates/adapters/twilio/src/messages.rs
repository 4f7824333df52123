//! Texts through Twilio's Messages API: `POST {base}/2010-04-01/Accounts/
//! {AccountSid}/Messages.json` (form `To`, `From`, `Body`, basic auth with
//! the account SID and auth token). `From` is the sub-account's own SMS
//! number (its routed number), so replies come from the number the
//! customer texted. A number sends at most [`TwilioConfig::per_number_per_minute`]
//! texts a minute (the carriers' long-code pace); beyond that the send is
//! `Unavailable` and the job retries later. Twilio's 4xx answers (an
//! invalid or unsubscribed number) are `Rejected` — retrying cannot help —
//! 429, 5xx and timeouts are `Unavailable`. Only SMS goes through here;
//! the messenger that records every send first (and so never sends one
//! key twice) sits in front of it.

use async_trait::async_trait;
use frontdesk_kernel::RateLimiter;
use frontdesk_kernel::messaging::{
    MessageChannel, MessageId, MessagingError, OutboundMessage, OutboundMessenger, Sent,
};
use frontdesk_receptionist::channels::routing::SmsSenders;
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use std::time::Duration;

/// How to reach Twilio.
#[derive(Clone, Debug)]
pub struct TwilioConfig {
    /// `TWILIO_ACCOUNT_SID`.
    pub account_sid: String,
    /// `TWILIO_AUTH_TOKEN`.
    pub auth_token: SecretString,
    /// `TWILIO_API_BASE_URL` (default `https://api.twilio.com`).
    pub base_url: String,
    /// Texts a minute from one number.
    pub per_number_per_minute: u32,
    /// One request's time limit.
    pub timeout: Duration,
}

/// Sends SMS through Twilio.
pub struct TwilioMessenger {
    config: TwilioConfig,
    http: reqwest::Client,
    senders: Arc<dyn SmsSenders>,
    limiter: Arc<dyn RateLimiter>,
}

impl std::fmt::Debug for TwilioMessenger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioMessenger").field("base_url", &self.config.base_url).finish_non_exhaustive()
    }
}

fn failed(message: impl Into<String>) -> MessagingError {
    MessagingError::unavailable(std::io::Error::other(message.into()))
}

impl TwilioMessenger {
    /// A messenger over `config`, sending from the numbers `senders` knows.
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(
        config: TwilioConfig,
        senders: Arc<dyn SmsSenders>,
        limiter: Arc<dyn RateLimiter>,
    ) -> Result<Self, String> {
        let http = reqwest::Client::builder().timeout(config.timeout).build().map_err(|e| e.to_string())?;
        Ok(Self { config, http, senders, limiter })
    }
}

#[async_trait]
impl OutboundMessenger for TwilioMessenger {
    async fn send(&self, message: &OutboundMessage) -> Result<Sent, MessagingError> {
        if message.channel != MessageChannel::Sms {
            return Err(MessagingError::Rejected(format!("Twilio sends SMS, not {}", message.channel)));
        }
        let from = self.senders.sms_number(message.tenant_id).await.map_err(MessagingError::unavailable)?.ok_or_else(
            || MessagingError::Rejected("the sub-account has no SMS number (POST /api/v1/phone-numbers)".into()),
        )?;
        let key = format!("sms:send:{}", from.number.as_str());
        if let Ok(decision) = self.limiter.hit(&key, self.config.per_number_per_minute, Duration::from_secs(60)).await
            && !decision.allowed
        {
            return Err(failed(format!("{} is over its send rate; retry later", from.number.as_str())));
        }
        let url = format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            self.config.base_url.trim_end_matches('/'),
            self.config.account_sid
        );
        let form = [("To", message.to.as_str()), ("From", from.number.as_str()), ("Body", message.body.as_str())];
        let response = self
            .http
            .post(&url)
            .basic_auth(&self.config.account_sid, Some(self.config.auth_token.expose_secret()))
            .form(&form)
            .send()
            .await
            .map_err(|e| failed(format!("Twilio unreachable: {e}")))?;
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        if status.is_success() {
            let sid = serde_json::from_str::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v.get("sid").and_then(|s| s.as_str()).map(str::to_owned));
            tracing::info!(tenant.id = %message.tenant_id, twilio.sid = ?sid, "text sent through Twilio");
            return Ok(Sent::New(MessageId::new()));
        }
        let detail: String = body.chars().take(300).collect();
        if status.as_u16() == 429 || status.is_server_error() {
            return Err(failed(format!("Twilio answered {status}: {detail}")));
        }
        Err(MessagingError::Rejected(format!("Twilio refused the message ({status}): {detail}")))
    }
}
