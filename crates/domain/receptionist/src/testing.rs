//! In-memory adapters, a scripted chat model and the conversation-store
//! contract suite (feature `testing`).
//!
//! [`ScriptedChatModel`] replays canned replies (or failures) and records
//! what it was sent, so use cases can be tested without a provider,
//! including the fallback path.

pub mod contract;
mod memory;

pub use memory::{InMemoryConversations, ScriptedChatModel};
