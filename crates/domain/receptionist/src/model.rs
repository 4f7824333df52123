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
//!
//! [`ChatModel::stream`] is the same call as a stream of [`StreamEvent`]s —
//! text deltas as the model writes them and each tool call once it is
//! complete — so the voice channel can speak while the model still writes.
//! Models that cannot stream get the default: one delta with the whole
//! text, then the calls.

use crate::error::Result;
use async_trait::async_trait;
use futures_util::stream::{self, BoxStream, StreamExt};
use std::time::Duration;

/// What a streaming call yields, in order: deltas and calls, then one `Done`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StreamEvent {
    /// More of the answer's text.
    Text(String),
    /// A tool call whose name and arguments are complete.
    ToolCall(ToolCall),
    /// The end: why it stopped, what it cost, which model answered.
    Done {
        /// Why it stopped.
        finish: FinishReason,
        /// What it cost.
        usage: Usage,
        /// The model that answered.
        model: String,
    },
}

/// A streaming answer; an `Err` item ends it (`ModelUnavailable`).
pub type ChatStream = BoxStream<'static, Result<StreamEvent>>;

impl ChatResponse {
    /// This answer as the events a stream of it would yield.
    #[must_use]
    pub fn into_events(self) -> Vec<StreamEvent> {
        let mut events = Vec::with_capacity(self.tool_calls.len() + 2);
        if let Some(text) = self.text.filter(|t| !t.is_empty()) {
            events.push(StreamEvent::Text(text));
        }
        events.extend(self.tool_calls.into_iter().map(StreamEvent::ToolCall));
        events.push(StreamEvent::Done { finish: self.finish, usage: self.usage, model: self.model });
        events
    }

    /// Collects a stream back into one answer (what `complete` would have returned).
    ///
    /// # Errors
    /// The stream's first error; `ModelUnavailable` when it ends without `Done`.
    pub async fn collect(mut events: ChatStream) -> Result<Self> {
        let mut text = String::new();
        let mut tool_calls = Vec::new();
        while let Some(event) = events.next().await {
            match event? {
                StreamEvent::Text(delta) => text.push_str(&delta),
                StreamEvent::ToolCall(call) => tool_calls.push(call),
                StreamEvent::Done { finish, usage, model } => {
                    let text = Some(text).filter(|t| !t.trim().is_empty());
                    return Ok(Self { text, tool_calls, finish, usage, model });
                }
            }
        }
        Err(crate::error::ReceptionistError::ModelUnavailable {
            message: "the stream ended before the answer did".into(),
        })
    }
}

/// A large language model that continues a conversation, with tools.
#[async_trait]
pub trait ChatModel: Send + Sync + 'static {
    /// The model's next message for `request`.
    ///
    /// # Errors
    /// `ModelUnavailable` when the provider fails, times out, refuses or
    /// the budget runs out; callers then answer with the fallback.
    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse>;

    /// The same answer as a stream: text deltas as they are written, each
    /// tool call once complete, then `Done`. The default streams the
    /// finished [`complete`](Self::complete) answer.
    ///
    /// # Errors
    /// As `complete`, before the first event; later failures end the stream with an `Err` item.
    async fn stream(&self, request: &ChatRequest) -> Result<ChatStream> {
        let answer = self.complete(request).await?;
        Ok(stream::iter(answer.into_events().into_iter().map(Ok)).boxed())
    }
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
