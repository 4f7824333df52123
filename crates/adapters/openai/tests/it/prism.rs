//! The adapter against OpenAI's own API description (`createChatCompletion`,
//! trimmed from openai/openai-openapi, in `tests/fixtures/`) served by
//! Stoplight Prism, which validates every request body against OpenAI's
//! schema (422 naming the violation) and answers with OpenAI's documented
//! examples. Streaming is not covered here: Prism cannot serve
//! server-sent events (the fault server in `it.rs` does).
//!
//! Prism is installed by `scripts/test.sh` (`FRONTDESK_PRISM`); run alone
//! without it these tests say so and pass, under `CI=true` they fail.

use super::{ChatModel, FinishReason, OpenAiChatModel, OpenAiConfig, ReceptionistError, request};
use frontdesk_receptionist::model::{ChatMessage, ToolCall, ToolChoice};
use frontdesk_test_support::Prism;
use serde_json::{Value, json};
use std::time::Duration;

const SPEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/openai.chat-completions.trimmed.json");

/// A Prism mock of the description; killed when dropped.
fn prism() -> Option<Prism> {
    Prism::serve(SPEC)
}

fn model_at(prism: &Prism, headers: &[(&str, &str)]) -> OpenAiChatModel {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = OpenAiConfig {
        base_url: prism.url.clone(),
        api_key: "sk-test".into(),
        model: "gpt-4o-mini".into(),
        max_attempts: 2,
        backoff: Duration::from_millis(5),
        extra_headers: headers.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect(),
    };
    OpenAiChatModel::new(reqwest::Client::new(), config)
}

#[tokio::test]
async fn our_requests_validate_against_openais_schema_and_its_tool_call_example_parses() {
    let Some(prism) = prism() else { return };

    // Every shape the agent loop sends: system, user, assistant with tool
    // calls, tool results, plain assistant text, tools with either choice.
    let model = model_at(&prism, &[]);
    let mut full = request(Duration::from_secs(20));
    full.messages.push(ChatMessage::Assistant { text: "Tuesday at 3 is free.".into(), tool_calls: Vec::new() });
    full.messages.push(ChatMessage::User { text: "Book it".into() });
    let answer = model.complete(&full).await.unwrap();
    assert!(answer.text.is_some(), "the description's default example is a text answer");
    full.tool_choice = ToolChoice::None;
    full.model = Some("gpt-4o".into());
    model.complete(&full).await.unwrap();
    let mut bare = request(Duration::from_secs(20));
    bare.tools.clear();
    bare.messages.truncate(1);
    model.complete(&bare).await.unwrap();

    // OpenAI's documented tool-call answer.
    let functions = model_at(&prism, &[("Prefer", "example=functions")]);
    let answer = functions.complete(&full).await.unwrap();
    assert_eq!(answer.finish, FinishReason::ToolCalls);
    let call: &ToolCall = &answer.tool_calls[0];
    assert_eq!(call.name, "get_current_weather");
    let arguments: Value = serde_json::from_str(&call.arguments).unwrap();
    assert_eq!(arguments["location"], "Boston, MA");

    // The control: Prism does reject what breaks OpenAI's schema, so the
    // passes above mean something.
    let http = reqwest::Client::new();
    let broken = json!({"model": "gpt-4o-mini", "messages": [{"role": "tool", "content": "{}"}]});
    let response =
        http.post(format!("{}/chat/completions", prism.url)).bearer_auth("sk-test").json(&broken).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 422, "a tool message without tool_call_id is refused");
}

#[tokio::test]
async fn the_descriptions_429_is_retried_then_reported_within_the_budget() {
    let Some(prism) = prism() else { return };
    let limited = model_at(&prism, &[("Prefer", "code=429")]);
    // The budget is generous so a loaded host's slow Prism cannot turn the
    // first 429 into a timeout; each attempt's failure is in the report, so
    // the 429 is named even when a later attempt runs out of time.
    let err = limited.complete(&request(Duration::from_secs(15))).await.unwrap_err();
    let ReceptionistError::ModelUnavailable { message } = err else { panic!("{err:?}") };
    assert!(message.starts_with("attempt 1: HTTP 429"), "{message}");
}

#[tokio::test]
async fn a_key_check_lists_the_models_as_openais_description_serves_them() {
    let Some(prism) = prism() else { return };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::new();
    let reached =
        frontdesk_openai::check_models(&http, &prism.url, "sk-test", Some("gpt-4o-mini"), Duration::from_secs(10))
            .await;
    assert!(reached.as_ref().is_ok_and(|r| r.starts_with("the model server lists")), "{reached:?}");
    let why =
        frontdesk_openai::check_models(&http, "http://127.0.0.1:9", "sk-test", None, Duration::from_secs(5)).await;
    assert!(why.unwrap_err().contains("could not be reached"));
}
