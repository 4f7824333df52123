//! The agent loop: one turn of the receptionist, whatever the channel.
//!
//! Given the rendered instructions, the conversation so far and what the
//! lead just said, it calls the model with the tools, runs the tool calls
//! the model makes and feeds their results back, until the model answers
//! in text or [`AgentLoop::MAX_STEPS`] model calls have been made (the last
//! one with tools switched off, so it must answer). A tool call that names
//! no tool, carries arguments that are not JSON of the tool's shape, or
//! asks for something impossible gets a tool *error* the model can recover
//! from — never a failed turn, never a side effect. The reply is cut to
//! what the channel carries (an SMS, two spoken sentences).
//!
//! With a [`Speaker`] (a streaming voice call), the model is streamed and
//! each finished sentence of its text goes to the speaker at once — checked
//! against the instructions first and stopped after what the channel
//! carries — so the caller hears the start of the reply while the rest is
//! still being written.
//!
//! Everything the turn did is in its [`TurnTrace`]: each model call's
//! tokens and latency, each tool call with its arguments, result and
//! duration, and the outcome.

use crate::conversation::Channel;
use crate::error::Result;
use crate::model::{ChatMessage, ChatModel, ChatRequest, ToolCall, ToolChoice, ToolSpec, Usage};
use async_trait::async_trait;
use frontdesk_kernel::{LeadId, TenantId, string_enum};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Who and where a turn is for: the only scope tools act in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TurnScope {
    /// The sub-account.
    pub tenant: TenantId,
    /// The lead talking.
    pub lead: LeadId,
    /// Where.
    pub channel: Channel,
    /// The conversation the turn belongs to.
    pub conversation: crate::conversation::ConversationId,
    /// The turn (what a tool records names the message it came from by this id).
    pub turn: crate::conversation::TurnId,
}

/// Something a tool did that the caller of the turn should know about.
#[derive(Clone, Debug, PartialEq)]
pub struct Action {
    /// `held`, `booked`, `rescheduled`, `cancelled`, `handed_off`…
    pub kind: &'static str,
    /// Its details (ids, instants).
    pub detail: serde_json::Value,
}

/// What a tool returns to the model, and what it did.
#[derive(Clone, Debug, PartialEq)]
pub struct ToolOutput {
    /// The result, shown to the model.
    pub result: serde_json::Value,
    /// The side effect, if any.
    pub action: Option<Action>,
}

impl ToolOutput {
    /// A result without side effect.
    #[must_use]
    pub const fn read(result: serde_json::Value) -> Self {
        Self { result, action: None }
    }
}

/// Why a tool call did nothing, worded for the model to recover.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ToolError(pub String);

/// A tool of the receptionist: a use case of another crate, run in the turn's scope only.
#[async_trait]
pub trait AgentTool: Send + Sync + 'static {
    /// Its definition for the model.
    fn spec(&self) -> ToolSpec;

    /// Whether it changes anything (a booking, a hold, a lead). In a dry run
    /// (a replay) such a tool is not run: the model is told it succeeded.
    fn writes(&self) -> bool {
        true
    }

    /// Runs it with `arguments` (already JSON, not yet checked against the schema).
    ///
    /// # Errors
    /// [`ToolError`] for bad or impossible calls; the model sees the message.
    async fn run(&self, scope: &TurnScope, arguments: serde_json::Value) -> std::result::Result<ToolOutput, ToolError>;
}

string_enum!(
    /// How a turn ended.
    Outcome, "turn outcome" {
        /// The receptionist answered.
        Replied => "replied",
        /// A booking was made (or moved).
        Booked => "booked",
        /// A human was asked for.
        HandedOff => "handed_off",
        /// The fallback answered (no model, or it failed).
        Fallback => "fallback",
        /// The step limit was hit; a safe reply was sent.
        Error => "error",
    }
);

/// One tool call as it ran.
#[derive(Clone, Debug, PartialEq)]
pub struct ToolTrace {
    /// The tool named.
    pub name: String,
    /// The arguments as the model wrote them.
    pub arguments: String,
    /// What the model was told.
    pub result: serde_json::Value,
    /// Whether it was an error.
    pub error: bool,
    /// How long it ran.
    pub duration: Duration,
}

/// One model call as it ran.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelTrace {
    /// The model that answered.
    pub model: String,
    /// Tokens.
    pub usage: Usage,
    /// Latency.
    pub latency: Duration,
}

/// Everything a turn did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TurnTrace {
    /// The model calls, in order.
    pub model_calls: Vec<ModelTrace>,
    /// The tool calls, in order.
    pub tool_calls: Vec<ToolTrace>,
}

/// A finished turn.
#[derive(Clone, Debug, PartialEq)]
pub struct Turn {
    /// What to send to the lead.
    pub reply: String,
    /// What the tools did.
    pub actions: Vec<Action>,
    /// How it ended.
    pub outcome: Outcome,
    /// What happened.
    pub trace: TurnTrace,
    /// The messages this turn added to the conversation (user, assistant, tool), in order.
    pub messages: Vec<ChatMessage>,
}

/// What a turn starts from.
#[derive(Clone, Debug, PartialEq)]
pub struct TurnInput {
    /// The rendered instructions.
    pub system: String,
    /// The conversation so far, oldest first.
    pub history: Vec<ChatMessage>,
    /// What the lead just said.
    pub inbound: String,
    /// Time for each model call.
    pub budget: Duration,
    /// The model the strategy names, if any.
    pub model: Option<String>,
}

/// Where a streamed turn's sentences go, as soon as each is written.
pub type Speaker = tokio::sync::mpsc::UnboundedSender<String>;

/// The loop, with its model and tools.
#[derive(Clone)]
pub struct AgentLoop {
    model: Arc<dyn ChatModel>,
    tools: Vec<Arc<dyn AgentTool>>,
    dry_run: bool,
    speaker: Option<Speaker>,
}

/// What a streamed turn has said so far.
#[derive(Default)]
struct Spoken {
    pending: String,
    sentences: usize,
    stopped: bool,
}

impl Spoken {
    /// Sends every finished sentence of `pending` (all of it when `flush`);
    /// whether it sent anything.
    fn speak(&mut self, speaker: &Speaker, system: &str, channel: Channel, flush: bool) -> bool {
        let mut sent = false;
        loop {
            if self.stopped {
                self.pending.clear();
                return sent;
            }
            let end = self
                .pending
                .char_indices()
                .find(|(i, c)| {
                    matches!(c, '.' | '!' | '?') && self.pending[i + c.len_utf8()..].starts_with(char::is_whitespace)
                })
                .map(|(i, c)| i + c.len_utf8());
            let sentence: String = match end {
                Some(end) => self.pending.drain(..end).collect(),
                None if flush && !self.pending.trim().is_empty() => std::mem::take(&mut self.pending),
                None => return sent,
            };
            let sentence = sentence.trim();
            if sentence.is_empty() {
                continue;
            }
            if leaks_instructions(sentence, system) {
                // The rest of this reply is not spoken: the stored reply says what happened.
                self.stopped = true;
                let _ = speaker.send(DECLINE.to_owned());
                sent = true;
                continue;
            }
            let _ = speaker.send(sentence.to_owned());
            sent = true;
            self.sentences += 1;
            if channel == Channel::Voice && self.sentences >= 2 {
                self.stopped = true;
            }
        }
    }
}

/// What the lead hears instead of a reply that quoted the instructions.
pub const DECLINE: &str = "Sorry, I can't share that. I can help you book, move or cancel an appointment.";

/// Whether `reply` repeats a sentence or line (24+ characters) of the
/// instructions: a model talked into revealing its prompt never gets it
/// to the lead.
#[must_use]
pub fn leaks_instructions(reply: &str, system: &str) -> bool {
    let squash = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    let reply = squash(reply);
    system
        .split(['.', '!', '?', '\n'])
        .map(squash)
        .filter(|fragment| fragment.chars().count() >= 24)
        .any(|fragment| reply.contains(&fragment))
}

/// What the lead hears when the turn could not finish.
pub const SAFE_REPLY: &str = "Thanks — let me check on that with the team and get back to you shortly.";

impl AgentLoop {
    /// Model calls per turn, at most.
    pub const MAX_STEPS: usize = 5;
    /// Longest answer, in tokens.
    pub const MAX_TOKENS: u32 = 600;

    /// A loop calling `model` with `tools`.
    #[must_use]
    pub fn new(model: Arc<dyn ChatModel>, tools: Vec<Arc<dyn AgentTool>>) -> Self {
        Self { model, tools, dry_run: false, speaker: None }
    }

    /// The same loop, streaming the model and sending each sentence to `speaker` as it is written.
    #[must_use]
    pub fn speaking(mut self, speaker: Speaker) -> Self {
        self.speaker = Some(speaker);
        self
    }

    /// One model call: streamed to the speaker when there is one.
    async fn ask(
        &self,
        request: &ChatRequest,
        channel: Channel,
        spoken: &mut Spoken,
    ) -> Result<crate::model::ChatResponse> {
        use futures_util::StreamExt;
        let Some(speaker) = &self.speaker else { return self.model.complete(request).await };
        let mut events = self.model.stream(request).await?;
        let mut collected: Vec<Result<crate::model::StreamEvent>> = Vec::new();
        while let Some(event) = events.next().await {
            if let Ok(crate::model::StreamEvent::Text(delta)) = &event {
                spoken.pending.push_str(delta);
                if spoken.speak(speaker, &request.system, channel, false) {
                    // Let the socket's task send it before this turn writes more or stores anything:
                    // a ready stream (the fallback) would otherwise keep the thread until the store's query.
                    tokio::task::yield_now().await;
                }
            }
            let done = matches!(event, Ok(crate::model::StreamEvent::Done { .. }) | Err(_));
            collected.push(event);
            if done {
                break;
            }
        }
        if spoken.speak(speaker, &request.system, channel, true) {
            tokio::task::yield_now().await;
        }
        crate::model::ChatResponse::collect(futures_util::stream::iter(collected).boxed()).await
    }

    /// The same loop with every writing tool in dry-run: not run, reported to the model as done.
    #[must_use]
    pub fn dry_run(mut self) -> Self {
        self.dry_run = true;
        self
    }

    /// Runs one turn.
    ///
    /// # Errors
    /// `ModelUnavailable` when a model call fails (the caller answers with
    /// the fallback); nothing a tool does fails the turn.
    pub async fn turn(&self, scope: &TurnScope, input: TurnInput) -> Result<Turn> {
        let specs: Vec<ToolSpec> = self.tools.iter().map(|t| t.spec()).collect();
        let mut messages = input.history.clone();
        messages.push(ChatMessage::User { text: input.inbound.clone() });
        let added_from = input.history.len();
        let mut trace = TurnTrace::default();
        let mut actions = Vec::new();
        let mut reply = None;
        let mut spoken = Spoken::default();
        for step in 0..Self::MAX_STEPS {
            let last = step + 1 == Self::MAX_STEPS;
            let request = ChatRequest {
                system: input.system.clone(),
                messages: messages.clone(),
                tools: specs.clone(),
                tool_choice: if last { ToolChoice::None } else { ToolChoice::Auto },
                max_tokens: Self::MAX_TOKENS,
                budget: input.budget,
                model: input.model.clone(),
            };
            let started = Instant::now();
            let response = self.ask(&request, scope.channel, &mut spoken).await?;
            trace.model_calls.push(ModelTrace {
                model: response.model.clone(),
                usage: response.usage,
                latency: started.elapsed(),
            });
            let text = response.text.clone().unwrap_or_default();
            if response.tool_calls.is_empty() || last {
                if !text.trim().is_empty() {
                    reply = Some(text);
                }
                break;
            }
            messages.push(ChatMessage::Assistant { text, tool_calls: response.tool_calls.clone() });
            for call in &response.tool_calls {
                let (content, tool_trace, action) = self.call(scope, call).await;
                trace.tool_calls.push(tool_trace);
                actions.extend(action);
                messages.push(ChatMessage::Tool { call_id: call.id.clone(), content });
            }
        }
        let outcome = match (&reply, actions.iter().map(|a| a.kind).collect::<Vec<_>>()) {
            (_, kinds) if kinds.contains(&"handed_off") => Outcome::HandedOff,
            (_, kinds) if kinds.iter().any(|k| *k == "booked" || *k == "rescheduled") => Outcome::Booked,
            (Some(_), _) => Outcome::Replied,
            (None, _) => Outcome::Error,
        };
        let reply = match reply.as_deref() {
            Some(text) if leaks_instructions(text, &input.system) => DECLINE,
            Some(text) => text,
            None => SAFE_REPLY,
        };
        let reply = fit(reply, scope.channel);
        if let Some(speaker) = &self.speaker
            && spoken.sentences == 0
            && !spoken.stopped
        {
            // Nothing was spoken (the safe reply): say the reply itself.
            let _ = speaker.send(reply.clone());
            tokio::task::yield_now().await;
        }
        messages.push(ChatMessage::Assistant { text: reply.clone(), tool_calls: Vec::new() });
        Ok(Turn { reply, actions, outcome, trace, messages: messages.split_off(added_from) })
    }

    /// Runs one tool call; a failure is a result the model reads.
    async fn call(&self, scope: &TurnScope, call: &ToolCall) -> (String, ToolTrace, Option<Action>) {
        let started = Instant::now();
        let outcome = match self.tools.iter().find(|t| t.spec().name == call.name) {
            None => {
                let known: Vec<_> = self.tools.iter().map(|t| t.spec().name).collect();
                Err(ToolError(format!("there is no tool named {:?}; the tools are: {}", call.name, known.join(", "))))
            }
            Some(tool) => match serde_json::from_str::<serde_json::Value>(if call.arguments.trim().is_empty() {
                "{}"
            } else {
                &call.arguments
            }) {
                Ok(arguments @ serde_json::Value::Object(_)) if self.dry_run && tool.writes() => {
                    let mut result = arguments.clone();
                    result["dryRun"] = serde_json::Value::Bool(true);
                    Ok(ToolOutput {
                        result,
                        action: Some(Action {
                            kind: "dry_run",
                            detail: serde_json::json!({"tool": call.name, "arguments": arguments}),
                        }),
                    })
                }
                Ok(arguments @ serde_json::Value::Object(_)) => tool.run(scope, arguments).await,
                Ok(_) => Err(ToolError("the arguments must be a JSON object".into())),
                Err(e) => Err(ToolError(format!("the arguments are not valid JSON ({e}); send a JSON object"))),
            },
        };
        let (result, error, action) = match outcome {
            Ok(output) => (output.result, false, output.action),
            Err(ToolError(message)) => (serde_json::json!({ "error": message }), true, None),
        };
        let trace = ToolTrace {
            name: call.name.clone(),
            arguments: call.arguments.clone(),
            result: result.clone(),
            error,
            duration: started.elapsed(),
        };
        (result.to_string(), trace, action)
    }
}

/// The reply cut to what `channel` carries: an SMS at most 320 characters
/// (at a word), a voice reply at most two sentences; chat and email as written.
#[must_use]
pub fn fit(reply: &str, channel: Channel) -> String {
    let reply = reply.trim();
    match channel {
        Channel::Sms => cut_chars(reply, 320),
        Channel::Voice => {
            let mut end = reply.len();
            let mut sentences = 0;
            for (i, c) in reply.char_indices() {
                if matches!(c, '.' | '!' | '?') && reply[i + c.len_utf8()..].starts_with(char::is_whitespace) {
                    sentences += 1;
                    if sentences == 2 {
                        end = i + c.len_utf8();
                        break;
                    }
                }
            }
            reply[..end].to_owned()
        }
        Channel::Email | Channel::Chat => reply.to_owned(),
    }
}

fn cut_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max - 1).collect();
    let at_word = cut.rfind(char::is_whitespace).filter(|&i| i > max / 2).map_or(cut.as_str(), |i| &cut[..i]);
    format!("{}…", at_word.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_quoting_the_instructions_are_caught() {
        let system = "You are Sam, the receptionist of Acme.\nNever discuss pricing of competitors. SECRET-7731.";
        assert!(leaks_instructions("Sure! My instructions: you are   Sam, the receptionist of ACME.", system));
        assert!(leaks_instructions("never discuss pricing of competitors", system));
        assert!(!leaks_instructions("I'm Sam from Acme, how can I help?", system));
        assert!(!leaks_instructions("SECRET-7731 is short", "SECRET-7731."), "short fragments are not matched");
    }

    #[test]
    fn replies_fit_their_channel() {
        let long = "word ".repeat(100);
        let sms = fit(&long, Channel::Sms);
        assert!(sms.chars().count() <= 320 && sms.ends_with("word…"), "{sms}");
        assert_eq!(fit("One. Two! Three? Four.", Channel::Voice), "One. Two!");
        assert_eq!(fit("Only one sentence", Channel::Voice), "Only one sentence");
        assert_eq!(fit("3.5 hours. Fine.", Channel::Voice), "3.5 hours. Fine.");
        assert_eq!(fit(&long, Channel::Email), long.trim());
    }
}
