//! The ports the receptionist needs: a chat model and conversation storage.
//!
//! The chat model is not tenant-scoped (the provider is shared; the
//! tenant's voice comes from its [`crate::Strategy`] in the messages). The
//! conversation store is: its methods take the [`TenantId`] first and a
//! conversation of another tenant is `NotFound`.

use crate::conversation::{Conversation, ConversationId, Message};
use crate::error::Result;
use async_trait::async_trait;
use frontdesk_kernel::TenantId;

/// A large language model that continues a conversation.
#[async_trait]
pub trait ChatModel: Send + Sync + 'static {
    /// The assistant's next message for `messages` (system prompt first, oldest turn first).
    ///
    /// # Errors
    /// `ModelUnavailable` when the provider fails, times out or refuses;
    /// callers then answer with a [`crate::FallbackReply`].
    async fn complete(&self, messages: &[Message]) -> Result<String>;
}

/// Conversations and their messages.
#[async_trait]
pub trait ConversationStore: Send + Sync + 'static {
    /// Stores a new conversation (in `conversation.tenant_id`).
    ///
    /// # Errors
    /// `Storage`.
    async fn create(&self, conversation: &Conversation) -> Result<()>;

    /// The conversation `id` of `tenant`.
    ///
    /// # Errors
    /// `NotFound` when missing or another tenant's; `Storage`.
    async fn get(&self, tenant: TenantId, id: ConversationId) -> Result<Conversation>;

    /// Appends `message` to the conversation `id` of `tenant`.
    ///
    /// # Errors
    /// `NotFound` as for [`Self::get`]; `Storage`.
    async fn append(&self, tenant: TenantId, id: ConversationId, message: &Message) -> Result<()>;

    /// The last `limit` messages of the conversation `id` of `tenant`, oldest
    /// first, in the order they were appended.
    ///
    /// # Errors
    /// `NotFound` as for [`Self::get`]; `Storage`.
    async fn history(&self, tenant: TenantId, id: ConversationId, limit: usize) -> Result<Vec<Message>>;
}
