//! The receptionist's ports: strategies, prompt templates, and conversations with their turns.

mod config;
mod conversations;

pub use config::{SeaOrmPromptTemplateRepository, SeaOrmStrategyRepository};
pub use conversations::SeaOrmConversations;
