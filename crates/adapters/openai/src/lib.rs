//! [`OpenAiChatModel`]: the receptionist's [`ChatModel`] over OpenAI's
//! `POST /chat/completions` — or any server speaking it (vLLM, Ollama,
//! Azure-style gateways) through `OPENAI_BASE_URL`.
//!
//! Written on reqwest rather than async-openai (ADR 0011): the adapter must
//! see each HTTP answer (status, `Retry-After`) to retry within the
//! caller's time budget and to feed its circuit breaker, and it uses one
//! endpoint whose JSON is small and stable.
//!
//! * **Budget.** Each call gets the request's `budget` in all: attempts,
//!   waits and retries never run past it (a voice turn gets seconds, an
//!   email a minute). When it runs out the call fails with
//!   `ModelUnavailable` and the receptionist answers with its fallback.
//! * **Retries** on 429, 5xx, timeouts and connection errors, with
//!   exponential backoff and full jitter, waiting `Retry-After` when the
//!   server says so — unless that wait would overrun the budget, in which
//!   case it gives up at once.
//! * **Circuit breaker** ([`breaker`]): after consecutive failed calls it
//!   opens and calls fail at once (no request) for a cool-down; then one
//!   probe call decides whether it closes again.
//! * **Arguments stay raw.** Tool-call arguments are passed on as the text
//!   the model wrote; the agent loop tells the model when they are wrong.
//! * **Streaming** (`stream: true`, server-sent events): retries and the
//!   breaker cover everything up to the answer's headers; after that the
//!   body is read chunk by chunk against the same deadline, and a stream
//!   that stalls, breaks or ends early ends with `ModelUnavailable`.
//! * **Metrics**: `model_calls_total{model,outcome}`,
//!   `model_latency_seconds{model}` and `model_tokens_total{model,kind}`.

pub mod breaker;
mod models;
mod wire;

pub use models::check_models;

use async_trait::async_trait;
use breaker::Breaker;
use frontdesk_receptionist::model::{ChatModel, ChatRequest, ChatResponse, ChatStream, StreamEvent};
use frontdesk_receptionist::{ReceptionistError, Result};
use futures_util::StreamExt;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How to reach the model.
#[derive(Clone, Debug)]
pub struct OpenAiConfig {
    /// `https://api.openai.com/v1` or a compatible server's base (no trailing `/chat/completions`).
    pub base_url: String,
    /// The bearer key (`OPENAI_API_KEY`); may be empty for local servers.
    pub api_key: String,
    /// The model when the request names none (`OPENAI_MODEL`, default `gpt-4o-mini`).
    pub model: String,
    /// Attempts per call at most (the budget usually ends them first).
    pub max_attempts: u32,
    /// First backoff step.
    pub backoff: Duration,
    /// Headers sent with every call (a gateway's routing header, `OpenAI-Project`, …).
    pub extra_headers: Vec<(String, String)>,
}

impl OpenAiConfig {
    /// OpenAI's API with `api_key` and `gpt-4o-mini`.
    #[must_use]
    pub fn openai(api_key: impl Into<String>) -> Self {
        Self {
            base_url: "https://api.openai.com/v1".into(),
            api_key: api_key.into(),
            model: "gpt-4o-mini".into(),
            max_attempts: 4,
            backoff: Duration::from_millis(250),
            extra_headers: Vec::new(),
        }
    }
}

/// The chat model over HTTP.
#[derive(Debug)]
pub struct OpenAiChatModel {
    http: reqwest::Client,
    config: OpenAiConfig,
    endpoint: String,
    breaker: Arc<Breaker>,
}

/// Why one attempt failed, and whether another may help.
#[derive(Debug)]
struct Failure {
    message: String,
    retry: bool,
    retry_after: Option<Duration>,
}

/// What a successful attempt gives: a parsed answer, or a stream's response to read.
enum Attempted {
    Answer(ChatResponse),
    Stream(reqwest::Response),
}

impl OpenAiChatModel {
    /// A model client over `http` (share one client per process).
    #[must_use]
    pub fn new(http: reqwest::Client, config: OpenAiConfig) -> Self {
        let endpoint = format!("{}/chat/completions", config.base_url.trim_end_matches('/'));
        Self { http, config, endpoint, breaker: Arc::new(Breaker::default()) }
    }

    /// The breaker (for metrics and tests).
    #[must_use]
    pub fn breaker(&self) -> &Breaker {
        &self.breaker
    }

    async fn attempt(
        &self,
        body: &serde_json::Value,
        time_left: Duration,
        stream: bool,
    ) -> std::result::Result<Attempted, Failure> {
        let mut request = self.http.post(&self.endpoint).timeout(time_left).json(body);
        if !self.config.api_key.is_empty() {
            request = request.bearer_auth(&self.config.api_key);
        }
        for (name, value) in &self.config.extra_headers {
            request = request.header(name, value);
        }
        let response = request.send().await.map_err(|e| Failure {
            message: if e.is_timeout() { "timed out".into() } else { format!("request failed: {e}") },
            retry: true,
            retry_after: None,
        })?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64);
        if stream && status.is_success() {
            return Ok(Attempted::Stream(response));
        }
        let text = response.text().await.map_err(|e| Failure {
            message: if e.is_timeout() {
                "timed out reading the answer".into()
            } else {
                format!("reading the answer: {e}")
            },
            retry: true,
            retry_after: None,
        })?;
        if !status.is_success() {
            let retry = status.as_u16() == 429 || status.is_server_error();
            let excerpt: String = text.chars().take(300).collect();
            return Err(Failure { message: format!("HTTP {status}: {excerpt}"), retry, retry_after });
        }
        wire::parse_response(&text).map(Attempted::Answer).map_err(|message| Failure {
            message,
            retry: false,
            retry_after: None,
        })
    }

    /// Attempts `body` until one succeeds, a failure is final or the deadline would pass.
    async fn call(&self, body: &serde_json::Value, model: &str, deadline: Instant, stream: bool) -> Result<Attempted> {
        if !self.breaker.allow() {
            metrics::counter!("model_calls_total", "model" => model.to_owned(), "outcome" => "circuit_open")
                .increment(1);
            return Err(unavailable("circuit open: the model failed repeatedly; waiting before trying again"));
        }
        // Every attempt's failure is reported, not only the last: a 429
        // followed by a retry that runs out of time is a rate limit, and the
        // operator reading the log must see that, not just "timed out".
        let mut failures: Vec<String> = Vec::new();
        for n in 0..self.config.max_attempts.max(1) {
            let time_left = deadline.saturating_duration_since(Instant::now());
            if time_left.is_zero() {
                break;
            }
            match self.attempt(body, time_left, stream).await {
                Ok(attempted) => return Ok(attempted),
                Err(failure) => {
                    tracing::warn!(model = %model, attempt = n + 1, error = %frontdesk_kernel::redact::mask_pii(&failure.message), "chat model call failed");
                    let mut message = format!("attempt {}: {}", n + 1, failure.message);
                    let retry = failure.retry;
                    let wait = failure.retry_after.unwrap_or_else(|| self.backoff(n));
                    let out_of_time = retry && Instant::now() + wait >= deadline;
                    if out_of_time {
                        message.push_str(" (no time left in the budget to retry)");
                    }
                    failures.push(message);
                    if !retry || out_of_time {
                        break;
                    }
                    tokio::time::sleep(wait).await;
                }
            }
        }
        let last = if failures.is_empty() {
            String::from("no attempt made: the budget was spent")
        } else {
            failures.join("; ")
        };
        self.breaker.record(false);
        metrics::counter!("model_calls_total", "model" => model.to_owned(), "outcome" => "failed").increment(1);
        Err(unavailable(last))
    }

    /// A jittered exponential backoff step for attempt `n` (0-based).
    fn backoff(&self, n: u32) -> Duration {
        use std::hash::{BuildHasher, Hasher};
        let ceiling = self.config.backoff.saturating_mul(2u32.saturating_pow(n));
        let random = std::collections::hash_map::RandomState::new().build_hasher().finish();
        let fraction = (random % 1000) as f64 / 1000.0;
        ceiling.mul_f64(fraction.max(0.1))
    }
}

fn unavailable(message: impl Into<String>) -> ReceptionistError {
    ReceptionistError::ModelUnavailable { message: message.into() }
}

/// Counts a finished answer in the metrics and the log.
fn answered(response_model: &str, usage: frontdesk_receptionist::model::Usage, started: Instant) {
    let model = response_model.to_owned();
    metrics::counter!("model_calls_total", "model" => model.clone(), "outcome" => "answered").increment(1);
    metrics::histogram!("model_latency_seconds", "model" => model.clone()).record(started.elapsed().as_secs_f64());
    metrics::counter!("model_tokens_total", "model" => model.clone(), "kind" => "prompt")
        .increment(u64::from(usage.prompt_tokens));
    metrics::counter!("model_tokens_total", "model" => model, "kind" => "completion")
        .increment(u64::from(usage.completion_tokens));
    tracing::info!(model = %response_model, prompt_tokens = usage.prompt_tokens, completion_tokens = usage.completion_tokens,
        latency_ms = started.elapsed().as_millis(), "chat model answered");
}

#[async_trait]
impl ChatModel for OpenAiChatModel {
    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse> {
        let started = Instant::now();
        let model = request.model.clone().unwrap_or_else(|| self.config.model.clone());
        let body = wire::request_body(request, &model, false);
        match self.call(&body, &model, started + request.budget, false).await? {
            Attempted::Answer(response) => {
                self.breaker.record(true);
                answered(&response.model, response.usage, started);
                Ok(response)
            }
            Attempted::Stream(_) => Err(unavailable("a streamed answer to a request that asked for none")),
        }
    }

    async fn stream(&self, request: &ChatRequest) -> Result<ChatStream> {
        let started = Instant::now();
        let deadline = started + request.budget;
        let model = request.model.clone().unwrap_or_else(|| self.config.model.clone());
        let body = wire::request_body(request, &model, true);
        let response = match self.call(&body, &model, deadline, true).await? {
            Attempted::Stream(response) => response,
            Attempted::Answer(answer) => {
                self.breaker.record(true);
                return Ok(futures_util::stream::iter(answer.into_events().into_iter().map(Ok)).boxed());
            }
        };
        let reading = Reading {
            response: Some(response),
            sse: wire::SseAssembler::default(),
            pending: VecDeque::new(),
            deadline,
            started,
            breaker: Arc::clone(&self.breaker),
        };
        Ok(futures_util::stream::unfold(reading, Reading::next).boxed())
    }
}

/// A streamed answer being read.
struct Reading {
    response: Option<reqwest::Response>,
    sse: wire::SseAssembler,
    pending: VecDeque<StreamEvent>,
    deadline: Instant,
    started: Instant,
    breaker: Arc<Breaker>,
}

impl Reading {
    async fn next(mut self) -> Option<(Result<StreamEvent>, Self)> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                if let StreamEvent::Done { usage, model, .. } = &event {
                    self.breaker.record(true);
                    answered(model, *usage, self.started);
                }
                return Some((Ok(event), self));
            }
            let response = self.response.as_mut()?;
            let time_left = self.deadline.saturating_duration_since(Instant::now());
            let read = tokio::time::timeout(time_left, response.chunk()).await;
            let fed = match read {
                Err(_) => Err("the stream stalled past the time budget".to_owned()),
                Ok(Err(e)) if e.is_timeout() => Err("the stream stalled past the time budget".to_owned()),
                Ok(Err(e)) => Err(format!("reading the stream: {e}")),
                Ok(Ok(Some(bytes))) => self.sse.feed(&bytes),
                Ok(Ok(None)) => {
                    self.response = None;
                    self.sse.end()
                }
            };
            match fed {
                Ok(events) => {
                    self.pending.extend(events);
                    if self.sse.is_done() {
                        self.response = None;
                    }
                }
                Err(message) => {
                    self.response = None;
                    self.pending.clear();
                    self.breaker.record(false);
                    tracing::warn!(error = %frontdesk_kernel::redact::mask_pii(&message), "chat model stream failed");
                    return Some((Err(unavailable(message)), self));
                }
            }
        }
    }
}
