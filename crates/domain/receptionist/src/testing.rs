//! The in-memory adapters and scripted chat model (re-exported from
//! [`crate::memory`]) and the contract suites of the storage ports (feature `testing`).
//!
//! [`ScriptedChatModel`] replays canned replies (or failures) and records
//! what it was sent, so use cases can be tested without a provider,
//! including the fallback path. [`InMemoryStrategies`] and
//! [`InMemoryPromptTemplates`] keep the same "one default per tenant" rules
//! as the SQL repositories, and both are checked by the suites in [`contract`].

pub mod channels_contract;
pub mod contract;

pub use crate::memory::{InMemoryConversations, InMemoryPromptTemplates, InMemoryStrategies, ScriptedChatModel};
