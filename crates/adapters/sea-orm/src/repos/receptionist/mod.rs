//! The receptionist's configuration ports: strategies and prompt templates.

mod config;

pub use config::{SeaOrmPromptTemplateRepository, SeaOrmStrategyRepository};
