//! The corpus against a *model*: a scripted model replays, step by step,
//! the tool calls and texts recorded in `tests/recordings/<scenario>.json`,
//! as the configured model — so the turns go through the model path of the
//! receptionist (not its fallback path), and every booking, move and
//! cancellation is made by the tools from recorded arguments.
//!
//! Ids a model copies from tool results (a hold, a booking) are different
//! on every run, so a recording names them by reference — `$ref:holdId@<startsAt>`,
//! "the `holdId` of the result whose `startsAt` is this" — and the replaying
//! model resolves them in the results it is shown, the way a model copies
//! them. A replay that runs out of script, or a turn that ends on the
//! fallback, fails the test: the recording must carry every turn.
//!
//! `RECORD_SCENARIOS=1 cargo nextest run -p frontdesk-receptionist replays`
//! writes the recordings from the fallback receptionist's decisions.

use super::scenarios::{World, world};
use async_trait::async_trait;
use frontdesk_receptionist::Result;
use frontdesk_receptionist::evaluation::Scenario;
use frontdesk_receptionist::fallback_model::{Facts, FallbackModel};
use frontdesk_receptionist::model::{ChatMessage, ChatRequest, ChatResponse, FinishReason, ToolCall, Usage};
use frontdesk_receptionist::strategy::{NewStrategy, Strategy};
use frontdesk_receptionist::{ChatModel, ReceptionistError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// One model answer as recorded.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Step {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tool_calls: Vec<RecordedCall>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecordedCall {
    id: String,
    name: String,
    arguments: Value,
}

/// Every JSON object in the tool results `request` shows, latest first.
fn result_objects(request: &ChatRequest) -> Vec<Value> {
    fn walk(value: &Value, found: &mut Vec<Value>) {
        match value {
            Value::Object(map) => {
                found.push(value.clone());
                map.values().for_each(|v| walk(v, found));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, found)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    for message in request.messages.iter().rev() {
        if let ChatMessage::Tool { content, .. } = message
            && let Ok(value) = serde_json::from_str::<Value>(content)
        {
            walk(&value, &mut found);
        }
    }
    found
}

/// `arguments` with every id replaced by a reference to the result it came from.
fn to_references(arguments: &str, request: &ChatRequest) -> Value {
    let mut value: Value = serde_json::from_str(arguments).unwrap_or(Value::String(arguments.to_owned()));
    let objects = result_objects(request);
    if let Value::Object(map) = &mut value {
        for (key, v) in map.iter_mut() {
            let Some(id) = v.as_str().filter(|s| uuid::Uuid::parse_str(s).is_ok()).map(str::to_owned) else { continue };
            let source = objects.iter().find(|o| o.get(key).and_then(Value::as_str) == Some(id.as_str()));
            if let Some(at) = source.and_then(|o| o.get("startsAt")).and_then(Value::as_str) {
                *v = Value::String(format!("$ref:{key}@{at}"));
            }
        }
    }
    value
}

/// `arguments` with every reference resolved in the results `request` shows.
fn from_references(arguments: &Value, request: &ChatRequest) -> String {
    let mut value = arguments.clone();
    let objects = result_objects(request);
    if let Value::Object(map) = &mut value {
        for v in map.values_mut() {
            let Some((key, at)) = v.as_str().and_then(|s| s.strip_prefix("$ref:")).and_then(|r| r.split_once('@'))
            else {
                continue;
            };
            let (key, at) = (key.to_owned(), at.to_owned());
            let found = objects
                .iter()
                .find(|o| o.get("startsAt").and_then(Value::as_str) == Some(at.as_str()) && o.get(&key).is_some());
            if let Some(id) = found.and_then(|o| o.get(&key)).cloned() {
                *v = id;
            }
        }
    }
    if let Value::String(raw) = value { raw } else { value.to_string() }
}

/// The fallback's decisions, written down.
struct Recorder {
    inner: FallbackModel,
    steps: Mutex<Vec<Step>>,
}

#[async_trait]
impl ChatModel for Recorder {
    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse> {
        let response = self.inner.complete(request).await?;
        let calls = response
            .tool_calls
            .iter()
            .map(|c| RecordedCall {
                id: c.id.clone(),
                name: c.name.clone(),
                arguments: to_references(&c.arguments, request),
            })
            .collect();
        self.steps.lock().unwrap().push(Step { text: response.text.clone(), tool_calls: calls });
        Ok(response)
    }
}

/// A recording, played back.
struct Replayer {
    steps: Mutex<VecDeque<Step>>,
}

#[async_trait]
impl ChatModel for Replayer {
    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse> {
        let Some(step) = self.steps.lock().unwrap().pop_front() else {
            return Err(ReceptionistError::ModelUnavailable { message: "the recording has no more steps".into() });
        };
        let tool_calls: Vec<ToolCall> = step
            .tool_calls
            .iter()
            .map(|c| ToolCall {
                id: c.id.clone(),
                name: c.name.clone(),
                arguments: from_references(&c.arguments, request),
            })
            .collect();
        let finish = if tool_calls.is_empty() { FinishReason::Stop } else { FinishReason::ToolCalls };
        Ok(ChatResponse { text: step.text, tool_calls, finish, usage: Usage::default(), model: "replay".into() })
    }
}

fn recording(scenario_file: &Path) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/recordings");
    dir.join(scenario_file.file_name().unwrap())
}

/// The fallback as the sandbox's would be: the world's facts with the scenario's laid over them.
fn fallback_for(w: &World, scenario: &Scenario) -> FallbackModel {
    let mut facts = w.facts.as_object().cloned().unwrap_or_default();
    facts.extend(scenario.facts.clone().unwrap_or_default());
    let strategy = NewStrategy {
        name: "Main".into(),
        persona: "You are Sam.".into(),
        goal: "Book inspections.".into(),
        business_facts: Some(Value::Object(facts)),
        ..NewStrategy::default()
    };
    let strategy = Strategy::create(w.base.tenant(), strategy, w.now).unwrap();
    let now =
        frontdesk_receptionist::evaluation::scenario::local_instant(scenario.now.as_deref().unwrap(), w.zone).unwrap();
    FallbackModel::new(Facts::of(Some(&strategy)), w.zone, now)
}

#[tokio::test]
async fn every_scenario_of_the_corpus_holds_when_a_model_replays_its_recorded_tool_calls() {
    let record = std::env::var("RECORD_SCENARIOS").is_ok_and(|v| v == "1");
    let w = world().await;
    let mut failures = Vec::new();
    let mut tool_calls = 0;
    for file in super::scenarios::corpus() {
        let scenario: Scenario = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        if record {
            let recorder = Arc::new(Recorder { inner: fallback_for(&w, &scenario), steps: Mutex::default() });
            let trial = w.runner(Some(recorder.clone())).play(&w.base, &scenario, w.now).await;
            assert!(trial.passed, "{name}: the recording run failed: {:?}", trial.expectations);
            let steps = recorder.steps.lock().unwrap().clone();
            std::fs::create_dir_all(recording(&file).parent().unwrap()).unwrap();
            std::fs::write(recording(&file), serde_json::to_string_pretty(&steps).unwrap() + "\n").unwrap();
        }
        let text = std::fs::read_to_string(recording(&file))
            .unwrap_or_else(|_| panic!("{name} has no recording; run with RECORD_SCENARIOS=1"));
        let steps: Vec<Step> = serde_json::from_str(&text).unwrap_or_else(|e| panic!("recording of {name}: {e}"));
        tool_calls += steps.iter().map(|s| s.tool_calls.len()).sum::<usize>();
        let replayer = Arc::new(Replayer { steps: Mutex::new(steps.into()) });
        let trial = w.runner(Some(replayer.clone())).play(&w.base, &scenario, w.now).await;
        let left = replayer.steps.lock().unwrap().len();
        let fell_back = trial.outcomes.iter().any(|o| o == "fallback");
        if !trial.passed || left > 0 || fell_back {
            failures.push(format!(
                "{name}: {}; {left} steps unplayed; outcomes {:?}; replies {:?}",
                super::scenarios::broken(&trial),
                trial.outcomes,
                trial.replies
            ));
        }
    }
    assert!(failures.is_empty(), "{} scenarios failed on replay:\n{}", failures.len(), failures.join("\n"));
    assert!(tool_calls >= 100, "the recordings hold only {tool_calls} tool calls");
}
