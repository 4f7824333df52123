//! The JSON of `POST /chat/completions`: our request in, the answer out.

use frontdesk_receptionist::model::{
    ChatMessage, ChatRequest, ChatResponse, FinishReason, StreamEvent, ToolCall, ToolChoice, Usage,
};
use serde::Deserialize;
use serde_json::{Value, json};

/// The request body for `request` on `model`.
pub(crate) fn request_body(request: &ChatRequest, model: &str, stream: bool) -> Value {
    let mut messages = vec![json!({"role": "system", "content": request.system})];
    for message in &request.messages {
        messages.push(match message {
            ChatMessage::User { text } => json!({"role": "user", "content": text}),
            ChatMessage::Assistant { text, tool_calls } if tool_calls.is_empty() => {
                json!({"role": "assistant", "content": text})
            }
            ChatMessage::Assistant { text, tool_calls } => json!({
                "role": "assistant",
                "content": if text.is_empty() { Value::Null } else { json!(text) },
                "tool_calls": tool_calls.iter().map(|c| json!({
                    "id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments},
                })).collect::<Vec<_>>(),
            }),
            ChatMessage::Tool { call_id, content } => {
                json!({"role": "tool", "tool_call_id": call_id, "content": content})
            }
        });
    }
    let mut body = json!({"model": model, "messages": messages, "max_completion_tokens": request.max_tokens});
    if !request.tools.is_empty() {
        body["tools"] = request
            .tools
            .iter()
            .map(|t| json!({"type": "function", "function": {"name": t.name, "description": t.description, "parameters": t.parameters}}))
            .collect();
        body["tool_choice"] = json!(match request.tool_choice {
            ToolChoice::Auto => "auto",
            ToolChoice::None => "none",
        });
    }
    if stream {
        body["stream"] = json!(true);
        body["stream_options"] = json!({"include_usage": true});
    }
    body
}

#[derive(Deserialize)]
struct Completion {
    model: String,
    choices: Vec<Choice>,
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct Choice {
    message: WireMessage,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct WireMessage {
    content: Option<String>,
    #[serde(default)]
    tool_calls: Vec<WireToolCall>,
    refusal: Option<String>,
}

#[derive(Deserialize)]
struct WireToolCall {
    id: String,
    function: WireFunction,
}

#[derive(Deserialize)]
struct WireFunction {
    name: String,
    arguments: String,
}

#[derive(Deserialize)]
struct WireUsage {
    prompt_tokens: u32,
    completion_tokens: u32,
}

/// The answer in `text`, or why it is not one.
pub(crate) fn parse_response(text: &str) -> Result<ChatResponse, String> {
    let completion: Completion =
        serde_json::from_str(text).map_err(|e| format!("the answer is not a chat completion: {e}"))?;
    let Some(choice) = completion.choices.into_iter().next() else {
        return Err("the answer has no choices".into());
    };
    let finish = match choice.finish_reason.as_deref() {
        Some("tool_calls" | "function_call") => FinishReason::ToolCalls,
        Some("length") => FinishReason::Length,
        Some("content_filter") => FinishReason::ContentFilter,
        _ => FinishReason::Stop,
    };
    let text = choice.message.content.or(choice.message.refusal).filter(|t| !t.trim().is_empty());
    Ok(ChatResponse {
        text,
        tool_calls: choice
            .message
            .tool_calls
            .into_iter()
            .map(|c| ToolCall { id: c.id, name: c.function.name, arguments: c.function.arguments })
            .collect(),
        finish,
        usage: completion
            .usage
            .map(|u| Usage { prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens })
            .unwrap_or_default(),
        model: completion.model,
    })
}

/// Turns the server-sent events of a streamed completion
/// (`data: {chunk}\n\n` … `data: [DONE]`) into [`StreamEvent`]s: text deltas
/// at once, tool calls (whose names and arguments arrive in pieces, keyed
/// by index) once the choice finishes, and `Done` with the usage chunk.
#[derive(Debug, Default)]
pub(crate) struct SseAssembler {
    buffer: Vec<u8>,
    calls: Vec<(String, String, String)>,
    finish: Option<FinishReason>,
    usage: Usage,
    model: String,
    done: bool,
}

#[derive(Deserialize)]
struct Chunk {
    #[serde(default)]
    model: String,
    #[serde(default)]
    choices: Vec<ChunkChoice>,
    usage: Option<WireUsage>,
}

#[derive(Deserialize)]
struct ChunkChoice {
    #[serde(default)]
    delta: Delta,
    finish_reason: Option<String>,
}

#[derive(Deserialize, Default)]
struct Delta {
    content: Option<String>,
    refusal: Option<String>,
    #[serde(default)]
    tool_calls: Vec<DeltaCall>,
}

#[derive(Deserialize)]
struct DeltaCall {
    #[serde(default)]
    index: usize,
    id: Option<String>,
    function: Option<DeltaFunction>,
}

#[derive(Deserialize)]
struct DeltaFunction {
    name: Option<String>,
    arguments: Option<String>,
}

fn finish_reason(reason: &str) -> FinishReason {
    match reason {
        "tool_calls" | "function_call" => FinishReason::ToolCalls,
        "length" => FinishReason::Length,
        "content_filter" => FinishReason::ContentFilter,
        _ => FinishReason::Stop,
    }
}

impl SseAssembler {
    /// Whether `[DONE]` was seen.
    pub(crate) const fn is_done(&self) -> bool {
        self.done
    }

    /// Feeds `bytes` read from the body; returns the events they complete.
    pub(crate) fn feed(&mut self, bytes: &[u8]) -> Result<Vec<StreamEvent>, String> {
        self.buffer.extend_from_slice(bytes);
        let mut events = Vec::new();
        while let Some(end) = self.buffer.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.buffer.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            let Some(data) = line.trim_end_matches(['\r', '\n']).strip_prefix("data:") else { continue };
            let data = data.trim();
            if data == "[DONE]" {
                events.extend(self.finish_now());
                self.done = true;
                break;
            }
            let chunk: Chunk =
                serde_json::from_str(data).map_err(|e| format!("a stream chunk is not a completion chunk: {e}"))?;
            if !chunk.model.is_empty() {
                self.model = chunk.model;
            }
            if let Some(usage) = chunk.usage {
                self.usage = Usage { prompt_tokens: usage.prompt_tokens, completion_tokens: usage.completion_tokens };
            }
            for choice in chunk.choices {
                if let Some(text) = choice.delta.content.or(choice.delta.refusal).filter(|t| !t.is_empty()) {
                    events.push(StreamEvent::Text(text));
                }
                for piece in choice.delta.tool_calls {
                    if piece.index > 64 {
                        return Err(format!("a tool call index of {} is beyond any real answer", piece.index));
                    }
                    if self.calls.len() <= piece.index {
                        self.calls.resize_with(piece.index + 1, Default::default);
                    }
                    let call = &mut self.calls[piece.index];
                    if let Some(id) = piece.id {
                        call.0 = id;
                    }
                    if let Some(function) = piece.function {
                        call.1.push_str(function.name.as_deref().unwrap_or_default());
                        call.2.push_str(function.arguments.as_deref().unwrap_or_default());
                    }
                }
                if let Some(reason) = choice.finish_reason {
                    self.finish = Some(finish_reason(&reason));
                    events.extend(
                        self.calls
                            .drain(..)
                            .map(|(id, name, arguments)| StreamEvent::ToolCall(ToolCall { id, name, arguments })),
                    );
                }
            }
        }
        Ok(events)
    }

    /// The body ended: whatever is still pending, then `Done` — or why the answer is incomplete.
    pub(crate) fn end(&mut self) -> Result<Vec<StreamEvent>, String> {
        if self.done {
            return Ok(Vec::new());
        }
        if self.finish.is_none() {
            return Err("the stream ended before the answer did".into());
        }
        self.done = true;
        Ok(self.finish_now())
    }

    fn finish_now(&mut self) -> Vec<StreamEvent> {
        let mut events: Vec<StreamEvent> = self
            .calls
            .drain(..)
            .map(|(id, name, arguments)| StreamEvent::ToolCall(ToolCall { id, name, arguments }))
            .collect();
        events.push(StreamEvent::Done {
            finish: self.finish.unwrap_or(FinishReason::Stop),
            usage: self.usage,
            model: std::mem::take(&mut self.model),
        });
        events
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    fn deltas_split_anywhere_assemble_into_text_calls_and_usage() {
        let body = concat!(
            "data: {\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Let me \"}}]}\n\n",
            "data: {\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"check.\"}}]}\n\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"check_availability\",\"arguments\":\"\"}}]}}]}\n\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"date\\\":\"}}]}}]}\n\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"2026-12-08\\\"}\"}}]}}]}\n\n",
            "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n",
            "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":90,\"completion_tokens\":12,\"total_tokens\":102}}\n\n",
            "data: [DONE]\n\n",
        );
        for split in [1, 7, 64, body.len()] {
            let mut sse = SseAssembler::default();
            let mut events = Vec::new();
            for piece in body.as_bytes().chunks(split) {
                events.extend(sse.feed(piece).unwrap());
            }
            events.extend(sse.end().unwrap());
            let text: String = events
                .iter()
                .filter_map(|e| if let StreamEvent::Text(t) = e { Some(t.as_str()) } else { None })
                .collect();
            assert_eq!(text, "Let me check.");
            assert!(events.contains(&StreamEvent::ToolCall(ToolCall {
                id: "call_1".into(),
                name: "check_availability".into(),
                arguments: "{\"date\":\"2026-12-08\"}".into()
            })));
            assert_eq!(
                events.last(),
                Some(&StreamEvent::Done {
                    finish: FinishReason::ToolCalls,
                    usage: Usage { prompt_tokens: 90, completion_tokens: 12 },
                    model: "gpt-4o-mini".into()
                })
            );
        }
    }

    #[test]
    fn a_stream_cut_before_its_end_is_an_error_and_garbage_is_named() {
        let mut sse = SseAssembler::default();
        sse.feed(b"data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n").unwrap();
        assert!(sse.end().is_err());
        assert!(SseAssembler::default().feed(b"data: {not json\n").unwrap_err().contains("not a completion chunk"));
    }
}
