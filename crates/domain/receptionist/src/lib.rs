//! The AI receptionist: channels, conversations, its configuration and the chat-model port.
//!
//! This crate owns the shape of a conversation (role-tagged, bounded
//! messages on one channel with one lead), the tenant's configuration —
//! [`Strategy`] (persona, tone, goal, questions, business facts) and
//! [`PromptTemplate`] (the tenant's wording, with `{{variables}}` checked
//! when saved and filled from the strategy and the lead) — the
//! [`ChatModel`], [`ConversationStore`], [`StrategyRepository`] and
//! [`PromptTemplateRepository`] ports, the [`ReceptionistConfig`] service
//! that keeps exactly one default strategy and template per tenant, and the
//! deterministic [`FallbackReply`] that keeps leads answered when the model
//! provider is down. [`agent::AgentLoop`] is one turn of the receptionist:
//! the model ([`model`]: requests with tools, answers with tool calls) and
//! the tools ([`tools`]: the bookings use cases in the turn's tenant and
//! lead only), at most five model steps, every bad tool call an error the
//! model reads, the reply fitted to its channel, a trace of all of it. The
//! orchestration around it (context from the strategy and template,
//! storage, fallback) builds on these; [`evaluation`] plays a tenant's
//! scenarios against all of it in a sandbox of in-memory stores
//! ([`memory`]).
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod agent;
pub mod channels;
pub mod config;
pub mod context;
pub mod conversation;
pub mod error;
pub mod evaluation;
pub mod fallback;
pub mod fallback_model;
pub mod handoff;
pub mod lead_tools;
pub mod locks;
pub mod memory;
pub mod model;
pub mod phrases;
pub mod ports;
pub mod receptionist;
pub mod strategy;
pub mod template;
pub mod tools;

#[cfg(feature = "testing")]
pub mod testing;

pub use config::ReceptionistConfig;
pub use conversation::{Channel, Conversation, ConversationId, Message, MessageRole};
pub use error::{ReceptionistError, Result};
pub use fallback::FallbackReply;
pub use ports::{ChatModel, ConversationStore, PromptTemplateRepository, StrategyRepository};
pub use strategy::{NewStrategy, Strategy, StrategyChanges, StrategyId};
pub use template::{
    KNOWN_VARIABLES, NewPromptTemplate, PromptTemplate, PromptTemplateChanges, PromptTemplateId, RenderContext,
};

#[cfg(all(test, feature = "testing"))]
mod contract_tests {
    //! The contract suite and the scripted model, exercised in-process.
    use crate::testing::{
        InMemoryConversations, InMemoryPromptTemplates, InMemoryStrategies, ScriptedChatModel, contract,
    };
    use crate::{ChatModel, ReceptionistError};
    use frontdesk_kernel::TenantId;

    #[tokio::test]
    async fn in_memory_conversations_meet_the_contract() {
        contract::conversations(&InMemoryConversations::default(), [TenantId::new(), TenantId::new()]).await;
    }

    #[tokio::test]
    async fn in_memory_strategies_meet_the_contract() {
        contract::strategies(&InMemoryStrategies::default(), [TenantId::new(), TenantId::new()]).await;
    }

    #[tokio::test]
    async fn in_memory_prompt_templates_meet_the_contract() {
        contract::prompt_templates(&InMemoryPromptTemplates::default(), [TenantId::new(), TenantId::new()]).await;
    }

    #[tokio::test]
    async fn in_memory_channel_stores_meet_the_contracts() {
        use crate::channels::memory::{InMemoryChannels, InMemoryEmailThreads, InMemoryWidgets};
        use crate::testing::channels_contract as channels;
        channels::directory(&InMemoryChannels::default(), [TenantId::new(), TenantId::new()]).await;
        channels::opt_outs(&InMemoryChannels::default(), [TenantId::new(), TenantId::new()]).await;
        let conversations = [crate::ConversationId::new(), crate::ConversationId::new()];
        channels::email_threads(&InMemoryEmailThreads::default(), [TenantId::new(), TenantId::new()], conversations)
            .await;
        channels::widgets(&InMemoryWidgets::default(), [TenantId::new(), TenantId::new()]).await;
    }

    #[tokio::test]
    async fn the_contracts_accept_trait_objects() {
        let repo: &dyn crate::StrategyRepository = &InMemoryStrategies::default();
        contract::strategies(repo, [TenantId::new(), TenantId::new()]).await;
    }

    #[tokio::test]
    async fn the_scripted_model_replays_its_script_then_becomes_unavailable() {
        let model = ScriptedChatModel::scripted([
            Ok(crate::model::ChatResponse::text("m", "Hello!")),
            Err("rate limited".into()),
        ]);
        let turn = request();
        assert_eq!(model.complete(&turn).await.unwrap().text.as_deref(), Some("Hello!"));
        let err = model.complete(&turn).await.unwrap_err();
        assert!(matches!(err, ReceptionistError::ModelUnavailable { ref message } if message == "rate limited"));
        assert!(matches!(model.complete(&turn).await, Err(ReceptionistError::ModelUnavailable { .. })));
        assert_eq!(model.calls().len(), 3);
        assert_eq!(model.calls()[0], turn);
    }

    #[tokio::test]
    async fn an_unavailable_model_always_fails() {
        let model = ScriptedChatModel::unavailable();
        assert!(model.complete(&request()).await.is_err());
        let first = ScriptedChatModel::replying(["a", "b"]).complete(&request()).await.unwrap();
        assert_eq!(first.text.as_deref(), Some("a"));
    }

    fn request() -> crate::model::ChatRequest {
        crate::model::ChatRequest {
            system: "Be brief.".into(),
            messages: vec![crate::model::ChatMessage::User { text: "Hi".into() }],
            tools: Vec::new(),
            tool_choice: crate::model::ToolChoice::Auto,
            max_tokens: 100,
            budget: std::time::Duration::from_secs(1),
            model: None,
        }
    }
}
