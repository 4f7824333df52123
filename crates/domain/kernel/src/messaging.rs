//! Outbound messages: what the product sends to leads (SMS, email) and to
//! the sub-account's staff, through one port.
//!
//! Booking confirmations and reminders use it now; the receptionist's
//! channels (Twilio SMS, Postmark email) implement it later. The embedded
//! profile's adapter is an outbox table the tenant can read
//! (`GET /api/v1/outbox`), so the whole product runs without a vendor
//! account and every message it would have sent can be inspected.
//!
//! Sending is idempotent per `(tenant, dedupe_key)`: jobs are delivered at
//! least once, so a retried job must not text a customer twice.

use crate::{Code, ErrorCode, Page, PageRequest, TenantId, define_id, string_enum};
use async_trait::async_trait;
use chrono::{DateTime, Utc};

define_id!(
    /// An outbound message.
    MessageId,
    "message id"
);

string_enum!(
    /// Where a message goes.
    MessageChannel, "message channel" {
        /// A text message to a phone number.
        Sms => "sms",
        /// An email.
        Email => "email",
        /// A notification to the sub-account's staff.
        Staff => "staff",
    }
);

/// A message to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboundMessage {
    /// The sub-account sending it.
    pub tenant_id: TenantId,
    /// How it goes.
    pub channel: MessageChannel,
    /// The phone number (E.164), email address, or staff audience.
    pub to: String,
    /// Email subject or notification title.
    pub subject: Option<String>,
    /// The text.
    pub body: String,
    /// Sending the same key again (same tenant) sends nothing.
    pub dedupe_key: String,
    /// Extra headers of an email (`In-Reply-To`, `References`), in order.
    pub headers: Vec<(String, String)>,
}

/// A message as the outbox stored it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentMessage {
    /// Its id.
    pub id: MessageId,
    /// What was sent.
    pub message: OutboundMessage,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// What a send did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sent {
    /// The message went out (or was stored) now.
    New(MessageId),
    /// A message with this key was already sent: nothing was sent again.
    Duplicate,
}

/// Why a message could not be sent or listed.
#[derive(Debug, thiserror::Error)]
pub enum MessagingError {
    /// The provider or the store failed; retrying may help.
    #[error("messaging unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The provider refused this message for good (bad number, unsubscribed).
    #[error("message rejected: {0}")]
    Rejected(String),
}

impl MessagingError {
    /// Wraps a backend error.
    pub fn unavailable(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Unavailable(Box::new(err))
    }
}

impl crate::DomainError for MessagingError {}

impl ErrorCode for MessagingError {
    fn code(&self) -> Code {
        match self {
            Self::Unavailable(_) => Code::DependencyUnavailable,
            Self::Rejected(_) => Code::Unprocessable,
        }
    }
}

/// Sends messages.
#[async_trait]
pub trait OutboundMessenger: Send + Sync + 'static {
    /// Sends `message` unless one with its key was sent before.
    ///
    /// # Errors
    /// `Unavailable` (retry); `Rejected` (do not).
    async fn send(&self, message: &OutboundMessage) -> Result<Sent, MessagingError>;
}

/// Reads what was sent.
#[async_trait]
pub trait Outbox: Send + Sync + 'static {
    /// The messages of `tenant`, newest first, optionally of one channel.
    ///
    /// # Errors
    /// `Unavailable`.
    async fn list(
        &self,
        tenant: TenantId,
        channel: Option<MessageChannel>,
        page: PageRequest,
    ) -> Result<Page<SentMessage>, MessagingError>;
}

/// A record of sends that can forget one (a provider failed before sending it).
#[async_trait]
pub trait MessageLedger: OutboundMessenger {
    /// Forgets the send of `dedupe_key` by `tenant`, so a retry may send it.
    ///
    /// # Errors
    /// `Unavailable`.
    async fn forget(&self, tenant: TenantId, dedupe_key: &str) -> Result<(), MessagingError>;
}

/// Records every message in a [`MessageLedger`] first (the outbox), then
/// hands it to the provider of its channel when one is configured.
///
/// The record is the idempotency: a key already recorded sends nothing,
/// so a job redelivered after a crash never texts or emails twice. When
/// the provider fails with `Unavailable` the record is forgotten and the
/// error returned, so the job's retry sends it; a provider's `Rejected`
/// keeps the record (retrying would be refused again). A crash between
/// the record and the provider's answer loses that one message rather
/// than risking a second copy — at most once, by design. Channels without
/// a provider (the embedded profile; staff notices) end at the record,
/// which `GET /api/v1/outbox` lists.
pub struct LedgerMessenger {
    ledger: std::sync::Arc<dyn MessageLedger>,
    providers: Vec<(MessageChannel, std::sync::Arc<dyn OutboundMessenger>)>,
}

impl LedgerMessenger {
    /// Records in `ledger`; no provider yet.
    #[must_use]
    pub fn new(ledger: std::sync::Arc<dyn MessageLedger>) -> Self {
        Self { ledger, providers: Vec::new() }
    }

    /// Sends `channel`'s messages through `provider` after recording them.
    #[must_use]
    pub fn with_provider(mut self, channel: MessageChannel, provider: std::sync::Arc<dyn OutboundMessenger>) -> Self {
        self.providers.push((channel, provider));
        self
    }
}

#[async_trait]
impl OutboundMessenger for LedgerMessenger {
    async fn send(&self, message: &OutboundMessage) -> Result<Sent, MessagingError> {
        let recorded = self.ledger.send(message).await?;
        let Sent::New(id) = recorded else { return Ok(Sent::Duplicate) };
        let Some((_, provider)) = self.providers.iter().find(|(c, _)| *c == message.channel) else {
            return Ok(recorded);
        };
        match provider.send(message).await {
            Ok(_) => Ok(Sent::New(id)),
            Err(MessagingError::Unavailable(cause)) => {
                self.ledger.forget(message.tenant_id, &message.dedupe_key).await?;
                Err(MessagingError::Unavailable(cause))
            }
            Err(rejected) => Err(rejected),
        }
    }
}
