//! The receptionist's ports: strategies, prompt templates, conversations with their turns, and the channels' routing.

mod channels;
mod config;
mod conversations;
mod email_threads;
mod widgets;

pub use channels::SeaOrmChannels;
pub use config::{SeaOrmPromptTemplateRepository, SeaOrmStrategyRepository};
pub use conversations::SeaOrmConversations;
pub use email_threads::SeaOrmEmailThreads;
pub use widgets::SeaOrmWidgets;
