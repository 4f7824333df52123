//! Conversations: one thread between a lead and the receptionist on one channel.
//!
//! A conversation belongs to a tenant and a lead; its messages are an
//! ordered list of role-tagged turns, the shape every chat model takes.
//! Messages are bounded (10,000 characters) so one runaway turn cannot
//! blow the model's context or the row size.

use frontdesk_kernel::string_enum;

use chrono::{DateTime, Utc};
use frontdesk_kernel::{TenantId, ValidationErrors, define_id};
use frontdesk_leads::LeadId;

define_id!(
    /// A conversation.
    ConversationId,
    "conversation id"
);

string_enum!(
    /// Where a conversation happens.
    Channel, "channel" {
        /// A phone call (speech turned into text).
        Voice => "voice",
        /// Text messages.
        Sms => "sms",
        /// Email.
        Email => "email",
        /// The website chat widget.
        Chat => "chat",
    }
);

string_enum!(
    /// Who said a message, in chat-model terms.
    MessageRole, "role" {
        /// The lead.
        User => "user",
        /// The receptionist.
        Assistant => "assistant",
        /// Instructions to the model (the strategy's prompt).
        System => "system",
        /// The result of a tool call (availability lookup, booking).
        Tool => "tool",
    }
);

/// A conversation thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conversation {
    /// Its id.
    pub id: ConversationId,
    /// The tenant.
    pub tenant_id: TenantId,
    /// The lead talking.
    pub lead_id: LeadId,
    /// Where.
    pub channel: Channel,
    /// When it started.
    pub created_at: DateTime<Utc>,
}

impl Conversation {
    /// A new conversation with `lead_id` on `channel`, started at `now`.
    #[must_use]
    pub fn start(tenant_id: TenantId, lead_id: LeadId, channel: Channel, now: DateTime<Utc>) -> Self {
        Self { id: ConversationId::new(), tenant_id, lead_id, channel, created_at: now }
    }
}

/// One turn of a conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// Who said it.
    pub role: MessageRole,
    /// What was said, 1–10,000 characters, kept verbatim.
    pub content: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

define_id!(
    /// One turn of the receptionist (a lead's message and everything done to answer it).
    TurnId,
    "turn id"
);

/// A turn as stored: what came in, what went out, and everything in between.
#[derive(Clone, Debug, PartialEq)]
pub struct TurnRecord {
    /// Its id.
    pub id: TurnId,
    /// The tenant.
    pub tenant_id: TenantId,
    /// The conversation.
    pub conversation_id: ConversationId,
    /// What the lead said.
    pub inbound: String,
    /// What was answered.
    pub reply: String,
    /// How it ended.
    pub outcome: crate::agent::Outcome,
    /// The model that answered (`fallback` for the fallback).
    pub model: String,
    /// The strategy used, if the tenant has one.
    pub strategy_id: Option<crate::strategy::StrategyId>,
    /// The prompt template used, if any.
    pub template_id: Option<crate::template::PromptTemplateId>,
    /// SHA-free fingerprint of the rendered instructions (64-bit FNV-1a, hex): same prompt, same hash.
    pub prompt_hash: String,
    /// The messages the turn added (user, assistant, tool), the model's next context.
    pub messages: Vec<crate::model::ChatMessage>,
    /// Model calls and tool calls with their timings.
    pub trace: serde_json::Value,
    /// What the tools did.
    pub actions: serde_json::Value,
    /// Tokens in.
    pub prompt_tokens: u32,
    /// Tokens out.
    pub completion_tokens: u32,
    /// Wall time of the turn.
    pub duration_ms: u64,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl Message {
    /// Longest accepted message, in characters.
    pub const MAX_CHARS: usize = 10_000;

    /// A message said by `role` at `now`.
    ///
    /// # Errors
    /// `content` when blank or longer than [`Self::MAX_CHARS`].
    pub fn new(role: MessageRole, content: impl Into<String>, now: DateTime<Utc>) -> Result<Self, ValidationErrors> {
        let content = content.into();
        if content.trim().is_empty() {
            return Err(ValidationErrors::single("content", "is required"));
        }
        if content.chars().count() > Self::MAX_CHARS {
            return Err(ValidationErrors::single("content", format!("must be at most {} characters", Self::MAX_CHARS)));
        }
        Ok(Self { role, content, created_at: now })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_kept_verbatim_and_bounded() {
        let now = Utc::now();
        let message = Message::new(MessageRole::User, "  Hi,\nI need a quote ", now).unwrap();
        assert_eq!(message.content, "  Hi,\nI need a quote ");
        assert!(Message::new(MessageRole::User, "x".repeat(10_000), now).is_ok());
        let err = Message::new(MessageRole::User, "x".repeat(10_001), now).unwrap_err();
        assert_eq!(err.messages(), ["content: must be at most 10000 characters"]);
        assert_eq!(Message::new(MessageRole::Assistant, " \n", now).unwrap_err().messages(), ["content: is required"]);
    }

    #[test]
    fn a_conversation_starts_on_a_channel_for_a_lead() {
        let (tenant, lead, now) = (TenantId::new(), LeadId::new(), Utc::now());
        let conversation = Conversation::start(tenant, lead, Channel::Sms, now);
        assert_eq!((conversation.tenant_id, conversation.lead_id), (tenant, lead));
        assert_eq!((conversation.channel, conversation.created_at), (Channel::Sms, now));
    }

    #[test]
    fn channels_and_roles_use_their_string_forms() {
        for channel in Channel::ALL {
            assert_eq!(channel.as_str().parse::<Channel>(), Ok(*channel));
        }
        assert_eq!(serde_json::to_value(MessageRole::Assistant).unwrap(), "assistant");
        assert!("fax".parse::<Channel>().unwrap_err().contains("voice, sms, email, chat"));
    }
}
