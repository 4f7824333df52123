//! The ports the receptionist needs: a chat model, conversation storage,
//! and storage for its configuration (strategies and prompt templates).
//!
//! The chat model is not tenant-scoped (the provider is shared; the
//! tenant's voice comes from its [`crate::Strategy`] in the messages). The
//! stores are: their methods take the [`TenantId`] first and an entity of
//! another tenant is `NotFound`, never a permission error that leaks its
//! existence.
//!
//! Strategies and prompt templates each have exactly one default per
//! tenant (once the tenant has any). The repositories keep that true under
//! concurrency, where the service cannot: storing a default unsets the
//! previous one, and deleting the default promotes the oldest remaining
//! one, each in the same transaction (SQL also has a partial unique index
//! on `(tenant_id) WHERE is_default`). The rule that the current default
//! cannot simply be unset is the service's ([`crate::ReceptionistConfig`]).

use crate::conversation::{Channel, Conversation, ConversationId, Message, TurnRecord};
use crate::error::Result;
use crate::strategy::{Strategy, StrategyId};
use crate::template::{PromptTemplate, PromptTemplateId};
use async_trait::async_trait;
use frontdesk_kernel::{LeadId, Page, PageRequest, TenantId};

pub use crate::model::ChatModel;

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

    /// The most recent conversation of `lead` on `channel`, if any.
    ///
    /// # Errors
    /// `Storage`.
    async fn latest(&self, tenant: TenantId, lead: LeadId, channel: Channel) -> Result<Option<Conversation>>;

    /// Conversations of `tenant`, newest first, optionally of one lead and/or channel.
    ///
    /// # Errors
    /// `Storage`.
    async fn list(
        &self,
        tenant: TenantId,
        lead: Option<LeadId>,
        channel: Option<Channel>,
        page: PageRequest,
    ) -> Result<Page<Conversation>>;

    /// A page of the conversation's messages, oldest first.
    ///
    /// # Errors
    /// `NotFound` as for [`Self::get`]; `Storage`.
    async fn messages(&self, tenant: TenantId, id: ConversationId, page: PageRequest) -> Result<Page<Message>>;

    /// Stores a turn.
    ///
    /// # Errors
    /// `NotFound` when its conversation is missing or another tenant's; `Storage`.
    async fn record_turn(&self, turn: &TurnRecord) -> Result<()>;

    /// Stores a finished turn with its two messages — the caller's, then the
    /// reply — appended in that order: all three or none, so a failure never
    /// leaves a caller's message without its reply and turn. What every turn
    /// stores; adapters that can write it in one transaction should (one
    /// commit instead of three). The default is the three calls in turn,
    /// which is atomic only for a store that cannot fail between them.
    ///
    /// # Errors
    /// `NotFound` when the turn's conversation is missing or another tenant's
    /// (nothing stored); `Storage`.
    async fn record_exchange(&self, turn: &TurnRecord, messages: [&Message; 2]) -> Result<()> {
        let (tenant, id) = (turn.tenant_id, turn.conversation_id);
        // The first append is `NotFound` for a missing or foreign conversation, before anything is stored.
        for message in messages {
            self.append(tenant, id, message).await?;
        }
        self.record_turn(turn).await
    }

    /// Stores a finished turn as [`Self::record_exchange`] does and, where the
    /// adapter can make it the same commit, `timeline` (the exchange's
    /// entries on the lead's timeline, all of the conversation's lead;
    /// dropped when that lead is no longer live). Returns whether `timeline`
    /// was handled so; when not, the caller appends it itself. The default
    /// stores the exchange only.
    ///
    /// # Errors
    /// As for [`Self::record_exchange`] (nothing stored).
    async fn record_exchange_and_timeline(
        &self,
        turn: &TurnRecord,
        messages: [&Message; 2],
        timeline: &[frontdesk_leads::TimelineEvent],
    ) -> Result<bool> {
        let _ = timeline;
        self.record_exchange(turn, messages).await?;
        Ok(false)
    }

    /// The last `limit` turns of the conversation, oldest first.
    ///
    /// # Errors
    /// `NotFound` as for [`Self::get`]; `Storage`.
    async fn turns(&self, tenant: TenantId, id: ConversationId, limit: usize) -> Result<Vec<TurnRecord>>;
}

/// Receptionist strategies.
#[async_trait]
pub trait StrategyRepository: Send + Sync + 'static {
    /// Stores a new strategy (in `strategy.tenant_id`); when `strategy.is_default`,
    /// atomically unsets the tenant's previous default.
    ///
    /// # Errors
    /// `Storage`.
    async fn insert(&self, strategy: &Strategy) -> Result<()>;

    /// The strategy `id` of `tenant`.
    ///
    /// # Errors
    /// `NotFound` when missing or another tenant's; `Storage`.
    async fn get(&self, tenant: TenantId, id: StrategyId) -> Result<Strategy>;

    /// Replaces the fields of the strategy `strategy.id` of `tenant` (its id, tenant
    /// and `created_at` never change); when `strategy.is_default`, atomically
    /// unsets any other default of the tenant.
    ///
    /// # Errors
    /// `NotFound` as for [`Self::get`] (also when `strategy.tenant_id` is not `tenant`); `Storage`.
    async fn update(&self, tenant: TenantId, strategy: &Strategy) -> Result<()>;

    /// Deletes the strategy `id` of `tenant`; when it was the default,
    /// atomically promotes the oldest remaining one (`created_at`, then id)
    /// to default, changing nothing else about it. Returns the promoted id, if any.
    ///
    /// # Errors
    /// `NotFound` as for [`Self::get`] (so deleting twice is `NotFound`); `Storage`.
    async fn delete(&self, tenant: TenantId, id: StrategyId) -> Result<Option<StrategyId>>;

    /// One page of the tenant's strategys, oldest first (`created_at`, then id), with the total.
    ///
    /// # Errors
    /// `Storage`.
    async fn list(&self, tenant: TenantId, page: PageRequest) -> Result<Page<Strategy>>;

    /// The tenant's default strategy, if it has any.
    ///
    /// # Errors
    /// `Storage`.
    async fn default_for(&self, tenant: TenantId) -> Result<Option<Strategy>>;

    /// How many strategys the tenant has (a handful; used to make the first one the default).
    ///
    /// # Errors
    /// `Storage`.
    async fn count(&self, tenant: TenantId) -> Result<u64>;
}

/// Prompt templates.
#[async_trait]
pub trait PromptTemplateRepository: Send + Sync + 'static {
    /// Stores a new prompt template (in `template.tenant_id`); when `template.is_default`,
    /// atomically unsets the tenant's previous default.
    ///
    /// # Errors
    /// `Storage`.
    async fn insert(&self, template: &PromptTemplate) -> Result<()>;

    /// The prompt template `id` of `tenant`.
    ///
    /// # Errors
    /// `NotFound` when missing or another tenant's; `Storage`.
    async fn get(&self, tenant: TenantId, id: PromptTemplateId) -> Result<PromptTemplate>;

    /// Replaces the fields of the prompt template `template.id` of `tenant` (its id, tenant
    /// and `created_at` never change); when `template.is_default`, atomically
    /// unsets any other default of the tenant.
    ///
    /// # Errors
    /// `NotFound` as for [`Self::get`] (also when `template.tenant_id` is not `tenant`); `Storage`.
    async fn update(&self, tenant: TenantId, template: &PromptTemplate) -> Result<()>;

    /// Deletes the prompt template `id` of `tenant`; when it was the default,
    /// atomically promotes the oldest remaining one (`created_at`, then id)
    /// to default, changing nothing else about it. Returns the promoted id, if any.
    ///
    /// # Errors
    /// `NotFound` as for [`Self::get`] (so deleting twice is `NotFound`); `Storage`.
    async fn delete(&self, tenant: TenantId, id: PromptTemplateId) -> Result<Option<PromptTemplateId>>;

    /// One page of the tenant's prompt templates, oldest first (`created_at`, then id), with the total.
    ///
    /// # Errors
    /// `Storage`.
    async fn list(&self, tenant: TenantId, page: PageRequest) -> Result<Page<PromptTemplate>>;

    /// The tenant's default prompt template, if it has any.
    ///
    /// # Errors
    /// `Storage`.
    async fn default_for(&self, tenant: TenantId) -> Result<Option<PromptTemplate>>;

    /// How many prompt templates the tenant has (a handful; used to make the first one the default).
    ///
    /// # Errors
    /// `Storage`.
    async fn count(&self, tenant: TenantId) -> Result<u64>;
}

/// Flags on a lead the team should see (`abuse`), written through the
/// leads use cases so caches and the timeline stay right.
#[async_trait]
pub trait LeadFlags: Send + Sync + 'static {
    /// Sets flag `name` on the lead with `detail` (when, where, which turn).
    ///
    /// # Errors
    /// `NotFound`; `Storage`.
    async fn flag(&self, tenant: TenantId, lead: LeadId, name: &str, detail: serde_json::Value) -> Result<()>;
}

/// A sub-account's own chat model (its active OpenAI integration), which
/// wins over the platform's.
#[async_trait]
pub trait TenantModels: Send + Sync + 'static {
    /// `tenant`'s own model, if it has one; `None` uses the platform's (or the fallback).
    async fn model_for(&self, tenant: TenantId) -> Option<std::sync::Arc<dyn crate::model::ChatModel>>;
}
