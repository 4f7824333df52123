//! In-memory implementations of the receptionist ports.
//!
//! Not only for tests: an evaluation runs a tenant's scenarios in a sandbox
//! built on these (see [`crate::evaluation`] and ADR 0012), so they are
//! compiled into every build.

use crate::conversation::{Channel, Conversation, ConversationId, Message, TurnRecord};
use crate::error::{ReceptionistError, Result};
use crate::model::{ChatRequest, ChatResponse};
use crate::ports::{ChatModel, ConversationStore, PromptTemplateRepository, StrategyRepository};
use crate::strategy::{Strategy, StrategyId};
use crate::template::{PromptTemplate, PromptTemplateId};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk_kernel::testing::{lock, page_of};
use frontdesk_kernel::{LeadId, Page, PageRequest, TenantId};
use std::collections::VecDeque;
use std::sync::Mutex;

const NOT_FOUND: ReceptionistError = ReceptionistError::NotFound { entity: "conversation" };

/// Conversations with their messages and turns, in `Vec`s.
#[derive(Debug, Default)]
pub struct InMemoryConversations(Mutex<Vec<(Conversation, Vec<Message>)>>, Mutex<Vec<TurnRecord>>);

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

    async fn latest(&self, tenant: TenantId, lead: LeadId, channel: Channel) -> Result<Option<Conversation>> {
        Ok(lock(&self.0)
            .iter()
            .rev()
            .find(|(c, _)| c.tenant_id == tenant && c.lead_id == lead && c.channel == channel)
            .map(|(c, _)| c.clone()))
    }

    async fn list(
        &self,
        tenant: TenantId,
        lead: Option<LeadId>,
        channel: Option<Channel>,
        page: PageRequest,
    ) -> Result<Page<Conversation>> {
        let mine: Vec<Conversation> = lock(&self.0)
            .iter()
            .rev()
            .filter(|(c, _)| {
                c.tenant_id == tenant && lead.is_none_or(|l| l == c.lead_id) && channel.is_none_or(|ch| ch == c.channel)
            })
            .map(|(c, _)| c.clone())
            .collect();
        Ok(page_of(&mine, page))
    }

    async fn messages(&self, tenant: TenantId, id: ConversationId, page: PageRequest) -> Result<Page<Message>> {
        let all = lock(&self.0);
        let (_, messages) = all.iter().find(|(c, _)| c.tenant_id == tenant && c.id == id).ok_or(NOT_FOUND)?;
        Ok(page_of(messages, page))
    }

    async fn record_turn(&self, turn: &TurnRecord) -> Result<()> {
        self.get(turn.tenant_id, turn.conversation_id).await?;
        lock(&self.1).push(turn.clone());
        Ok(())
    }

    async fn record_exchange(&self, turn: &TurnRecord, messages: [&Message; 2]) -> Result<()> {
        {
            let mut all = lock(&self.0);
            let (_, stored) = all
                .iter_mut()
                .find(|(c, _)| c.tenant_id == turn.tenant_id && c.id == turn.conversation_id)
                .ok_or(NOT_FOUND)?;
            stored.extend(messages.into_iter().cloned());
        }
        lock(&self.1).push(turn.clone());
        Ok(())
    }

    async fn turns(&self, tenant: TenantId, id: ConversationId, limit: usize) -> Result<Vec<TurnRecord>> {
        self.get(tenant, id).await?;
        let mine: Vec<TurnRecord> =
            lock(&self.1).iter().filter(|t| t.tenant_id == tenant && t.conversation_id == id).cloned().collect();
        Ok(mine[mine.len().saturating_sub(limit)..].to_vec())
    }
}

/// A chat model that replays a script: each call takes the next entry,
/// `Ok(reply)` or `Err(provider message)`; an exhausted script is unavailable.
#[derive(Debug, Default)]
pub struct ScriptedChatModel {
    script: Mutex<VecDeque<std::result::Result<ChatResponse, String>>>,
    calls: Mutex<Vec<ChatRequest>>,
}

impl ScriptedChatModel {
    /// A model answering `replies`, in order.
    #[must_use]
    pub fn replying<I: IntoIterator<Item = S>, S: Into<String>>(replies: I) -> Self {
        Self::scripted(replies.into_iter().map(|r| Ok(ChatResponse::text("scripted", r))))
    }

    /// A model whose every call fails (the provider is down).
    #[must_use]
    pub fn unavailable() -> Self {
        Self::default()
    }

    /// A model following `script` exactly.
    #[must_use]
    pub fn scripted(script: impl IntoIterator<Item = std::result::Result<ChatResponse, String>>) -> Self {
        Self { script: Mutex::new(script.into_iter().collect()), calls: Mutex::default() }
    }

    /// Every request so far, in call order.
    #[must_use]
    pub fn calls(&self) -> Vec<ChatRequest> {
        lock(&self.calls).clone()
    }
}

#[async_trait]
impl ChatModel for ScriptedChatModel {
    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse> {
        lock(&self.calls).push(request.clone());
        match lock(&self.script).pop_front() {
            Some(Ok(reply)) => Ok(reply),
            Some(Err(message)) => Err(ReceptionistError::ModelUnavailable { message }),
            None => Err(ReceptionistError::ModelUnavailable { message: "script exhausted".into() }),
        }
    }
}

/// What the configuration fakes need to know about their rows.
trait ConfigRow: Clone {
    type Id: Copy + Ord;
    const NOT_FOUND: ReceptionistError;
    fn id(&self) -> Self::Id;
    fn tenant(&self) -> TenantId;
    fn created_at(&self) -> DateTime<Utc>;
    fn is_default(&self) -> bool;
    /// Sets `is_default`.
    fn set_default(&mut self, is_default: bool);
    /// Sets `created_at` (kept from the stored row on update).
    fn set_created_at(&mut self, at: DateTime<Utc>);
}

/// Implements [`ConfigRow`] for a configuration entity.
macro_rules! config_row {
    ($entity:ty, $id:ty, $what:literal) => {
        impl ConfigRow for $entity {
            type Id = $id;
            const NOT_FOUND: ReceptionistError = ReceptionistError::NotFound { entity: $what };
            fn id(&self) -> $id {
                self.id
            }
            fn tenant(&self) -> TenantId {
                self.tenant_id
            }
            fn created_at(&self) -> DateTime<Utc> {
                self.created_at
            }
            fn is_default(&self) -> bool {
                self.is_default
            }
            fn set_default(&mut self, is_default: bool) {
                self.is_default = is_default;
            }
            fn set_created_at(&mut self, at: DateTime<Utc>) {
                self.created_at = at;
            }
        }
    };
}

config_row!(Strategy, StrategyId, "strategy");
config_row!(PromptTemplate, PromptTemplateId, "prompt template");

/// Rows of one kind; the "one default per tenant" rules run under the same
/// lock as the write, the fakes' equivalent of a transaction.
#[derive(Debug)]
struct ConfigRows<T>(Mutex<Vec<T>>);

impl<T> Default for ConfigRows<T> {
    fn default() -> Self {
        Self(Mutex::default())
    }
}

impl<T: ConfigRow> ConfigRows<T> {
    /// The tenant's rows, oldest first (`created_at`, then id).
    fn of(rows: &[T], tenant: TenantId) -> Vec<T> {
        let mut own: Vec<_> = rows.iter().filter(|r| r.tenant() == tenant).cloned().collect();
        own.sort_by_key(|r| (r.created_at(), r.id()));
        own
    }

    /// Unsets every default of `tenant` but `keep`.
    fn unset_other_defaults(rows: &mut [T], tenant: TenantId, keep: T::Id) {
        for row in rows.iter_mut().filter(|r| r.tenant() == tenant && r.id() != keep) {
            row.set_default(false);
        }
    }

    fn insert(&self, row: &T) {
        let mut rows = lock(&self.0);
        if row.is_default() {
            Self::unset_other_defaults(&mut rows, row.tenant(), row.id());
        }
        rows.push(row.clone());
    }

    fn get(&self, tenant: TenantId, id: T::Id) -> Result<T> {
        lock(&self.0).iter().find(|r| r.tenant() == tenant && r.id() == id).cloned().ok_or(T::NOT_FOUND)
    }

    fn update(&self, tenant: TenantId, row: &T) -> Result<()> {
        let mut rows = lock(&self.0);
        if row.tenant() != tenant {
            return Err(T::NOT_FOUND);
        }
        let index = rows.iter().position(|r| r.tenant() == tenant && r.id() == row.id()).ok_or(T::NOT_FOUND)?;
        if row.is_default() {
            Self::unset_other_defaults(&mut rows, tenant, row.id());
        }
        let mut updated = row.clone();
        updated.set_created_at(rows[index].created_at());
        rows[index] = updated;
        Ok(())
    }

    fn delete(&self, tenant: TenantId, id: T::Id) -> Result<Option<T::Id>> {
        let mut rows = lock(&self.0);
        let index = rows.iter().position(|r| r.tenant() == tenant && r.id() == id).ok_or(T::NOT_FOUND)?;
        if !rows.remove(index).is_default() {
            return Ok(None);
        }
        let oldest = Self::of(&rows, tenant).first().map(ConfigRow::id);
        for row in rows.iter_mut().filter(|r| r.tenant() == tenant && Some(r.id()) == oldest) {
            row.set_default(true);
        }
        Ok(oldest)
    }

    fn list(&self, tenant: TenantId, page: PageRequest) -> Page<T> {
        page_of(&Self::of(&lock(&self.0), tenant), page)
    }

    fn default_for(&self, tenant: TenantId) -> Option<T> {
        lock(&self.0).iter().find(|r| r.tenant() == tenant && r.is_default()).cloned()
    }

    fn count(&self, tenant: TenantId) -> u64 {
        lock(&self.0).iter().filter(|r| r.tenant() == tenant).count() as u64
    }
}

/// Implements a configuration repository port over [`ConfigRows`].
macro_rules! config_repository {
    ($(#[$meta:meta])* $fake:ident, $port:ident, $entity:ty, $id:ty) => {
        $(#[$meta])*
        #[derive(Debug, Default)]
        pub struct $fake(ConfigRows<$entity>);

        #[async_trait]
        impl $port for $fake {
            async fn insert(&self, item: &$entity) -> Result<()> {
                self.0.insert(item);
                Ok(())
            }

            async fn get(&self, tenant: TenantId, id: $id) -> Result<$entity> {
                self.0.get(tenant, id)
            }

            async fn update(&self, tenant: TenantId, item: &$entity) -> Result<()> {
                self.0.update(tenant, item)
            }

            async fn delete(&self, tenant: TenantId, id: $id) -> Result<Option<$id>> {
                self.0.delete(tenant, id)
            }

            async fn list(&self, tenant: TenantId, page: PageRequest) -> Result<Page<$entity>> {
                Ok(self.0.list(tenant, page))
            }

            async fn default_for(&self, tenant: TenantId) -> Result<Option<$entity>> {
                Ok(self.0.default_for(tenant))
            }

            async fn count(&self, tenant: TenantId) -> Result<u64> {
                Ok(self.0.count(tenant))
            }
        }
    };
}

config_repository!(
    /// Strategies in a `Vec`; the default rules run under the write's lock.
    InMemoryStrategies,
    StrategyRepository,
    Strategy,
    StrategyId
);

config_repository!(
    /// Prompt templates in a `Vec`; the default rules run under the write's lock.
    InMemoryPromptTemplates,
    PromptTemplateRepository,
    PromptTemplate,
    PromptTemplateId
);
