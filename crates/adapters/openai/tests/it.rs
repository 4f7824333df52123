//! The OpenAI adapter against a local fault server that answers each
//! request from a script: a tool-call answer (with arguments that are not
//! valid JSON, passed through untouched), 429 with `Retry-After`, 500s, an
//! answer that never ends, malformed JSON, a 401, and the breaker opening
//! after repeated failures. Requests are recorded and checked for the
//! chat-completions shape (system first, tools as functions, tool choice).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests")]

#[path = "it/prism.rs"]
mod prism;

use frontdesk_openai::{OpenAiChatModel, OpenAiConfig};
use frontdesk_receptionist::ReceptionistError;
use frontdesk_receptionist::model::{
    ChatMessage, ChatModel, ChatRequest, FinishReason, ToolCall, ToolChoice, ToolSpec,
};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[derive(Clone)]
enum Answer {
    Reply {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: String,
    },
    /// Headers and half a body, then nothing.
    Hang,
}

fn ok(body: Value) -> Answer {
    Answer::Reply { status: 200, headers: Vec::new(), body: body.to_string() }
}

fn status(code: u16) -> Answer {
    Answer::Reply { status: code, headers: Vec::new(), body: json!({"error": {"message": "nope"}}).to_string() }
}

struct FaultServer {
    base: String,
    requests: Arc<Mutex<Vec<Value>>>,
}

async fn serve(script: Vec<Answer>) -> FaultServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&requests);
    tokio::spawn(async move {
        let mut script = script.into_iter();
        loop {
            let Ok((mut socket, _)) = listener.accept().await else { return };
            let mut buffer = Vec::new();
            let mut chunk = [0u8; 8192];
            let body_start = loop {
                let n = socket.read(&mut chunk).await.unwrap_or(0);
                if n == 0 {
                    break None;
                }
                buffer.extend_from_slice(&chunk[..n]);
                if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                    break Some(at + 4);
                }
            };
            let Some(start) = body_start else { continue };
            let head = String::from_utf8_lossy(&buffer[..start]).to_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
                .unwrap_or(0);
            while buffer.len() < start + length {
                let n = socket.read(&mut chunk).await.unwrap_or(0);
                if n == 0 {
                    break;
                }
                buffer.extend_from_slice(&chunk[..n]);
            }
            seen.lock().unwrap().push(serde_json::from_slice(&buffer[start..]).unwrap_or(Value::Null));
            match script.next().unwrap_or_else(|| status(500)) {
                Answer::Reply { status, headers, body } => {
                    let mut response = format!(
                        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
                        body.len()
                    );
                    for (name, value) in headers {
                        response.push_str(&format!("{name}: {value}\r\n"));
                    }
                    response.push_str("\r\n");
                    response.push_str(&body);
                    let _ = socket.write_all(response.as_bytes()).await;
                    let _ = socket.shutdown().await;
                }
                Answer::Hang => {
                    let _ = socket.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{\"id\":").await;
                    tokio::spawn(async move {
                        tokio::time::sleep(Duration::from_secs(120)).await;
                        drop(socket);
                    });
                }
            }
        }
    });
    FaultServer { base, requests }
}

fn model(server: &FaultServer) -> OpenAiChatModel {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = OpenAiConfig {
        base_url: server.base.clone(),
        api_key: "sk-test".into(),
        model: "gpt-4o-mini".into(),
        max_attempts: 4,
        backoff: Duration::from_millis(5),
        extra_headers: Vec::new(),
    };
    OpenAiChatModel::new(reqwest::Client::new(), config)
}

fn request(budget: Duration) -> ChatRequest {
    ChatRequest {
        system: "You are Sam.".into(),
        messages: vec![
            ChatMessage::User { text: "Tuesday at 3?".into() },
            ChatMessage::Assistant {
                text: String::new(),
                tool_calls: vec![ToolCall {
                    id: "call_1".into(),
                    name: "check_availability".into(),
                    arguments: "{}".into(),
                }],
            },
            ChatMessage::Tool { call_id: "call_1".into(), content: "{\"slots\":[]}".into() },
        ],
        tools: vec![ToolSpec {
            name: "check_availability",
            description: "Free slots.",
            parameters: json!({"type": "object", "properties": {"from": {"type": "string"}}}),
        }],
        tool_choice: ToolChoice::Auto,
        max_tokens: 300,
        budget,
        model: None,
    }
}

fn completion(message: Value, finish: &str) -> Value {
    json!({"id": "chatcmpl-1", "object": "chat.completion", "created": 1_764_000_000, "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": null}],
        "usage": {"prompt_tokens": 120, "completion_tokens": 18, "total_tokens": 138}})
}

#[tokio::test]
async fn a_tool_call_answer_parses_and_the_request_has_the_chat_completions_shape() {
    let answer = completion(
        json!({"role": "assistant", "content": null, "tool_calls": [
            {"id": "call_9", "type": "function", "function": {"name": "book_appointment", "arguments": "{\"startsAt\": "}}]}),
        "tool_calls",
    );
    let server = serve(vec![ok(answer)]).await;
    let response = model(&server).complete(&request(Duration::from_secs(5))).await.unwrap();
    assert_eq!(response.finish, FinishReason::ToolCalls);
    assert_eq!(response.tool_calls[0].arguments, "{\"startsAt\": ", "malformed arguments are passed on as written");
    assert_eq!((response.usage.prompt_tokens, response.usage.completion_tokens), (120, 18));
    assert_eq!(response.model, "gpt-4o-mini-2024-07-18");
    let sent = server.requests.lock().unwrap()[0].clone();
    assert_eq!(sent["model"], "gpt-4o-mini");
    assert_eq!(sent["messages"][0], json!({"role": "system", "content": "You are Sam."}));
    assert_eq!(sent["messages"][2]["tool_calls"][0]["function"]["name"], "check_availability");
    assert_eq!(sent["messages"][2]["content"], Value::Null);
    assert_eq!(sent["messages"][3], json!({"role": "tool", "tool_call_id": "call_1", "content": "{\"slots\":[]}"}));
    assert_eq!(sent["tools"][0]["type"], "function");
    assert_eq!(sent["tool_choice"], "auto");
    assert_eq!(sent["max_completion_tokens"], 300);
}

#[tokio::test]
async fn a_429_with_retry_after_and_500s_are_retried_within_the_budget() {
    let text = completion(json!({"role": "assistant", "content": "Tuesday at 3 works."}), "stop");
    let limited = Answer::Reply { status: 429, headers: vec![("retry-after", "0".into())], body: "{}".into() };
    let server = serve(vec![limited, status(500), status(503), ok(text)]).await;
    let response = model(&server).complete(&request(Duration::from_secs(10))).await.unwrap();
    assert_eq!(response.text.as_deref(), Some("Tuesday at 3 works."));
    assert_eq!(server.requests.lock().unwrap().len(), 4);
}

#[tokio::test]
async fn a_retry_after_beyond_the_budget_gives_up_at_once() {
    let limited = Answer::Reply { status: 429, headers: vec![("retry-after", "30".into())], body: "{}".into() };
    let server = serve(vec![limited]).await;
    let err = model(&server).complete(&request(Duration::from_secs(2))).await.unwrap_err();
    let ReceptionistError::ModelUnavailable { message } = err else { panic!("{err:?}") };
    assert!(message.contains("429") && message.contains("no time left"), "{message}");
    assert_eq!(server.requests.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_429_then_a_retry_that_runs_out_of_time_reports_both() {
    let limited = Answer::Reply { status: 429, headers: vec![("retry-after", "0".into())], body: "{}".into() };
    let server = serve(vec![limited, Answer::Hang]).await;
    let err = model(&server).complete(&request(Duration::from_millis(700))).await.unwrap_err();
    let ReceptionistError::ModelUnavailable { message } = err else { panic!("{err:?}") };
    assert!(message.contains("attempt 1: HTTP 429") && message.contains("attempt 2:"), "{message}");
    assert!(message.contains("timed out"), "{message}");
}

#[tokio::test]
async fn an_answer_that_never_ends_runs_out_the_budget() {
    let server = serve(vec![Answer::Hang, Answer::Hang, Answer::Hang, Answer::Hang]).await;
    let err = model(&server).complete(&request(Duration::from_millis(600))).await.unwrap_err();
    let ReceptionistError::ModelUnavailable { message } = err else { panic!("{err:?}") };
    assert!(message.contains("timed out"), "{message}");
}

#[tokio::test]
async fn malformed_answers_and_client_errors_are_not_retried() {
    let garbage = Answer::Reply { status: 200, headers: Vec::new(), body: "{not json".into() };
    let server = serve(vec![garbage]).await;
    let err = model(&server).complete(&request(Duration::from_secs(5))).await.unwrap_err();
    assert!(
        matches!(&err, ReceptionistError::ModelUnavailable { message } if message.contains("not a chat completion")),
        "{err:?}"
    );
    assert_eq!(server.requests.lock().unwrap().len(), 1);

    let server = serve(vec![status(401)]).await;
    let err = model(&server).complete(&request(Duration::from_secs(5))).await.unwrap_err();
    assert!(matches!(&err, ReceptionistError::ModelUnavailable { message } if message.contains("401")), "{err:?}");
    assert_eq!(server.requests.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn the_breaker_opens_after_repeated_failures_and_then_sends_nothing() {
    let server = serve((0..5).map(|_| status(400)).collect()).await;
    let model = model(&server);
    for _ in 0..5 {
        assert!(model.complete(&request(Duration::from_secs(5))).await.is_err());
    }
    assert!(model.breaker().is_open());
    let err = model.complete(&request(Duration::from_secs(5))).await.unwrap_err();
    assert!(
        matches!(&err, ReceptionistError::ModelUnavailable { message } if message.contains("circuit open")),
        "{err:?}"
    );
    assert_eq!(server.requests.lock().unwrap().len(), 5, "no request while open");
}

fn sse(chunks: &[Value]) -> Answer {
    let mut body: String = chunks.iter().map(|c| format!("data: {c}\n\n")).collect();
    body.push_str("data: [DONE]\n\n");
    Answer::Reply { status: 200, headers: vec![("content-type", "text/event-stream".into())], body }
}

fn delta(delta: Value, finish: Option<&str>) -> Value {
    json!({"id": "chatcmpl-2", "object": "chat.completion.chunk", "created": 1_764_000_000,
        "model": "gpt-4o-mini-2024-07-18", "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
}

#[tokio::test]
async fn a_streamed_answer_yields_text_as_written_then_whole_tool_calls_and_usage() {
    use frontdesk_receptionist::model::{ChatResponse, StreamEvent};
    use futures_util::StreamExt;
    let chunks = [
        delta(json!({"role": "assistant", "content": "One "}), None),
        delta(json!({"content": "moment."}), None),
        delta(
            json!({"tool_calls": [{"index": 0, "id": "call_7", "type": "function",
            "function": {"name": "check_availability", "arguments": "{\"af"}}]}),
            None,
        ),
        delta(json!({"tool_calls": [{"index": 0, "function": {"arguments": "ter\":\"15:00\"}"}}]}), None),
        delta(json!({}), Some("tool_calls")),
        json!({"id": "chatcmpl-2", "object": "chat.completion.chunk", "created": 1_764_000_000,
            "model": "gpt-4o-mini-2024-07-18", "choices": [],
            "usage": {"prompt_tokens": 80, "completion_tokens": 9, "total_tokens": 89}}),
    ];
    let server = serve(vec![sse(&chunks), sse(&chunks)]).await;
    let model = model(&server);
    let events: Vec<StreamEvent> =
        model.stream(&request(Duration::from_secs(5))).await.unwrap().map(Result::unwrap).collect().await;
    assert_eq!(events[0], StreamEvent::Text("One ".into()), "text arrives before the answer is complete");
    assert_eq!(events[1], StreamEvent::Text("moment.".into()));
    assert_eq!(
        events[2],
        StreamEvent::ToolCall(ToolCall {
            id: "call_7".into(),
            name: "check_availability".into(),
            arguments: "{\"after\":\"15:00\"}".into()
        })
    );
    assert!(matches!(&events[3], StreamEvent::Done { finish: FinishReason::ToolCalls, usage, .. }
        if usage.prompt_tokens == 80 && usage.completion_tokens == 9));
    let sent = server.requests.lock().unwrap()[0].clone();
    assert_eq!(sent["stream"], true);
    assert_eq!(sent["stream_options"]["include_usage"], true);

    let collected = ChatResponse::collect(model.stream(&request(Duration::from_secs(5))).await.unwrap()).await.unwrap();
    assert_eq!(collected.text.as_deref(), Some("One moment."));
    assert_eq!(collected.tool_calls.len(), 1);
}

#[tokio::test]
async fn a_stream_that_stalls_or_is_cut_ends_with_an_error_not_a_partial_answer() {
    use frontdesk_receptionist::model::ChatResponse;
    let server = serve(vec![Answer::Hang]).await;
    let model_a = model(&server);
    let err =
        ChatResponse::collect(model_a.stream(&request(Duration::from_millis(500))).await.unwrap()).await.unwrap_err();
    assert!(matches!(&err, ReceptionistError::ModelUnavailable { message } if message.contains("stalled")), "{err:?}");

    let cut = Answer::Reply {
        status: 200,
        headers: Vec::new(),
        body: format!("data: {}\n\n", delta(json!({"content": "Half"}), None)),
    };
    let server = serve(vec![cut, status(503), status(503)]).await;
    let model_b = model(&server);
    let err = ChatResponse::collect(model_b.stream(&request(Duration::from_secs(5))).await.unwrap()).await.unwrap_err();
    assert!(
        matches!(&err, ReceptionistError::ModelUnavailable { message } if message.contains("ended before")),
        "{err:?}"
    );
    let err = model_b.stream(&request(Duration::from_millis(800))).await.err().unwrap();
    assert!(matches!(&err, ReceptionistError::ModelUnavailable { message } if message.contains("HTTP 5")), "{err:?}");
}
