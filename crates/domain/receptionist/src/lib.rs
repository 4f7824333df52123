//! The AI receptionist: channels, conversations, strategies and the chat-model port.
//!
//! This crate owns the shape of a conversation (role-tagged, bounded
//! messages on one channel with one lead), the tenant's [`Strategy`] (the
//! editable part of the prompt), the [`ChatModel`] and [`ConversationStore`]
//! ports, and the deterministic [`FallbackReply`] that keeps leads answered
//! when the model provider is down. The orchestration use case (pick the
//! strategy, call the model with a timeout, fall back, record the timeline)
//! builds on these.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod conversation;
pub mod error;
pub mod fallback;
pub mod ports;
pub mod strategy;

#[cfg(feature = "testing")]
pub mod testing;

pub use conversation::{Channel, Conversation, ConversationId, Message, MessageRole};
pub use error::{ReceptionistError, Result};
pub use fallback::FallbackReply;
pub use ports::{ChatModel, ConversationStore};
pub use strategy::{NewStrategy, Strategy, StrategyId};

#[cfg(all(test, feature = "testing"))]
mod contract_tests {
    //! The contract suite and the scripted model, exercised in-process.
    use crate::testing::{InMemoryConversations, ScriptedChatModel, contract};
    use crate::{ChatModel, Message, MessageRole, ReceptionistError};
    use chrono::Utc;

    #[tokio::test]
    async fn in_memory_conversations_meet_the_contract() {
        contract::conversations(&InMemoryConversations::default()).await;
    }

    #[tokio::test]
    async fn the_scripted_model_replays_its_script_then_becomes_unavailable() {
        let model = ScriptedChatModel::scripted([Ok("Hello!".into()), Err("rate limited".into())]);
        let turn = [Message::new(MessageRole::User, "Hi", Utc::now()).unwrap()];
        assert_eq!(model.complete(&turn).await.unwrap(), "Hello!");
        let err = model.complete(&turn).await.unwrap_err();
        assert!(matches!(err, ReceptionistError::ModelUnavailable { ref message } if message == "rate limited"));
        assert!(matches!(model.complete(&turn).await, Err(ReceptionistError::ModelUnavailable { .. })));
        assert_eq!(model.calls().len(), 3);
        assert_eq!(model.calls()[0], turn);
    }

    #[tokio::test]
    async fn an_unavailable_model_always_fails() {
        let model = ScriptedChatModel::unavailable();
        assert!(model.complete(&[]).await.is_err());
        assert_eq!(ScriptedChatModel::replying(["a", "b"]).complete(&[]).await.unwrap(), "a");
    }
}
