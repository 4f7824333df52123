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
