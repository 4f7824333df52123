//! What the receptionist asks a chat model and what it gets back, in the
//! shape real tool-calling models share (OpenAI's chat completions, and
//! the OpenAI-compatible servers: vLLM, Ollama): a system prompt, the
//! conversation as user / assistant / tool messages, tool definitions as
//! JSON Schema and a tool choice; back, text and/or tool calls, a finish
//! reason and token usage.
//!
//! Tool-call arguments stay the raw JSON text the model wrote: models do
//! write malformed or wrongly-typed arguments, and the agent loop must be
//! able to hand that back to the model as a tool error rather than fail.

use crate::error::Result;
use async_trait::async_trait;
use std::time::Duration;

/// A large language model that continues a conversation, with tools.
#[async_trait]
pub trait ChatModel: Send + Sync + 'static {
    /// The model's next message for `request`.
    ///
    /// # Errors
    /// `ModelUnavailable` when the provider fails, times out, refuses or
    /// the budget runs out; callers then answer with the fallback.
    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse>;
}

/// A tool the model may call.
#[derive(Clone, Debug, PartialEq)]
pub struct ToolSpec {
    /// Its name (`check_availability`).
    pub name: &'static str,
    /// What it does, for the model.
    pub description: &'static str,
    /// Its arguments as a JSON Schema object.
    pub parameters: serde_json::Value,
}

/// Whether the model may, must or must not call tools.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ToolChoice {
    /// The model decides.
    #[default]
    Auto,
    /// Text only (the last step of a turn).
    None,
}

/// A tool call the model asked for.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolCall {
    /// The model's id for it (tool results refer to it).
    pub id: String,
    /// The tool's name, as the model wrote it (may name no tool).
    pub name: String,
    /// The arguments, as the JSON text the model wrote (may be malformed).
    pub arguments: String,
}

/// One message of the conversation as the model sees it (stored with each turn, as JSON).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "role", rename_all = "camelCase")]
pub enum ChatMessage {
    /// What the lead said.
    User {
        /// The text.
        text: String,
    },
    /// What the receptionist said, and the tools it called.
    #[serde(rename_all = "camelCase")]
    Assistant {
        /// Its text (may be empty when it only called tools).
        text: String,
        /// The calls it made.
        tool_calls: Vec<ToolCall>,
    },
    /// The result of one tool call.
    #[serde(rename_all = "camelCase")]
    Tool {
        /// The call it answers.
        call_id: String,
        /// The result (or error) as JSON text.
        content: String,
    },
}

/// A request to the model.
#[derive(Clone, Debug, PartialEq)]
pub struct ChatRequest {
    /// The instructions (the rendered prompt).
    pub system: String,
    /// The conversation, oldest first.
    pub messages: Vec<ChatMessage>,
    /// The tools it may call.
    pub tools: Vec<ToolSpec>,
    /// Whether it may call them.
    pub tool_choice: ToolChoice,
    /// Longest answer, in tokens.
    pub max_tokens: u32,
    /// How long the call may take in all (retries included): a voice turn gets less than an email.
    pub budget: Duration,
    /// The model to use, when the strategy names one.
    pub model: Option<String>,
}

/// Why the model stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FinishReason {
    /// A complete answer.
    Stop,
    /// It wants tool results.
    ToolCalls,
    /// It ran out of tokens.
    Length,
    /// The provider's filter stopped it.
    ContentFilter,
}

/// Tokens used by one call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Prompt tokens.
    pub prompt_tokens: u32,
    /// Completion tokens.
    pub completion_tokens: u32,
}

/// The model's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatResponse {
    /// Its text, if any.
    pub text: Option<String>,
    /// The tools it called, in order.
    pub tool_calls: Vec<ToolCall>,
    /// Why it stopped.
    pub finish: FinishReason,
    /// What it cost.
    pub usage: Usage,
    /// The model that answered.
    pub model: String,
}

impl ChatResponse {
    /// A text answer.
    #[must_use]
    pub fn text(model: &str, text: impl Into<String>) -> Self {
        Self {
            text: Some(text.into()),
            tool_calls: Vec::new(),
            finish: FinishReason::Stop,
            usage: Usage::default(),
            model: model.to_owned(),
        }
    }

    /// An answer that only calls tools.
    #[must_use]
    pub fn calls(model: &str, calls: Vec<ToolCall>) -> Self {
        Self {
            text: None,
            tool_calls: calls,
            finish: FinishReason::ToolCalls,
            usage: Usage::default(),
            model: model.to_owned(),
        }
    }
}
