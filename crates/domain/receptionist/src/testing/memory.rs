//! In-memory implementations of the receptionist ports.

use crate::conversation::{Conversation, ConversationId, Message};
use crate::error::{ReceptionistError, Result};
use crate::ports::{ChatModel, ConversationStore};
use async_trait::async_trait;
use frontdesk_kernel::TenantId;
use frontdesk_kernel::testing::lock;
use std::collections::VecDeque;
use std::sync::Mutex;

const NOT_FOUND: ReceptionistError = ReceptionistError::NotFound { entity: "conversation" };

/// Conversations with their messages, in a `Vec`.
#[derive(Debug, Default)]
pub struct InMemoryConversations(Mutex<Vec<(Conversation, Vec<Message>)>>);

#[async_trait]
impl ConversationStore for InMemoryConversations {
    async fn create(&self, conversation: &Conversation) -> Result<()> {
        lock(&self.0).push((conversation.clone(), Vec::new()));
        Ok(())
    }

    async fn get(&self, tenant: TenantId, id: ConversationId) -> Result<Conversation> {
        lock(&self.0).iter().find(|(c, _)| c.tenant_id == tenant && c.id == id).map(|(c, _)| c.clone()).ok_or(NOT_FOUND)
    }

    async fn append(&self, tenant: TenantId, id: ConversationId, message: &Message) -> Result<()> {
        let mut all = lock(&self.0);
        let (_, messages) = all.iter_mut().find(|(c, _)| c.tenant_id == tenant && c.id == id).ok_or(NOT_FOUND)?;
        messages.push(message.clone());
        Ok(())
    }

    async fn history(&self, tenant: TenantId, id: ConversationId, limit: usize) -> Result<Vec<Message>> {
        let all = lock(&self.0);
        let (_, messages) = all.iter().find(|(c, _)| c.tenant_id == tenant && c.id == id).ok_or(NOT_FOUND)?;
        Ok(messages[messages.len().saturating_sub(limit)..].to_vec())
    }
}

/// A chat model that replays a script: each call takes the next entry,
/// `Ok(reply)` or `Err(provider message)`; an exhausted script is unavailable.
#[derive(Debug, Default)]
pub struct ScriptedChatModel {
    script: Mutex<VecDeque<std::result::Result<String, String>>>,
    calls: Mutex<Vec<Vec<Message>>>,
}

impl ScriptedChatModel {
    /// A model answering `replies`, in order.
    #[must_use]
    pub fn replying<I: IntoIterator<Item = S>, S: Into<String>>(replies: I) -> Self {
        Self::scripted(replies.into_iter().map(|r| Ok(r.into())))
    }

    /// A model whose every call fails (the provider is down).
    #[must_use]
    pub fn unavailable() -> Self {
        Self::default()
    }

    /// A model following `script` exactly.
    #[must_use]
    pub fn scripted(script: impl IntoIterator<Item = std::result::Result<String, String>>) -> Self {
        Self { script: Mutex::new(script.into_iter().collect()), calls: Mutex::default() }
    }

    /// The messages of every call so far, in call order.
    #[must_use]
    pub fn calls(&self) -> Vec<Vec<Message>> {
        lock(&self.calls).clone()
    }
}

#[async_trait]
impl ChatModel for ScriptedChatModel {
    async fn complete(&self, messages: &[Message]) -> Result<String> {
        lock(&self.calls).push(messages.to_vec());
        match lock(&self.script).pop_front() {
            Some(Ok(reply)) => Ok(reply),
            Some(Err(message)) => Err(ReceptionistError::ModelUnavailable { message }),
            None => Err(ReceptionistError::ModelUnavailable { message: "script exhausted".into() }),
        }
    }
}
