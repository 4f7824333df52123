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

pub mod breaker;
mod wire;

use async_trait::async_trait;
use breaker::Breaker;
use frontdesk_receptionist::model::{ChatModel, ChatRequest, ChatResponse};
use frontdesk_receptionist::{ReceptionistError, Result};
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
        }
    }
}

/// The chat model over HTTP.
#[derive(Debug)]
pub struct OpenAiChatModel {
    http: reqwest::Client,
    config: OpenAiConfig,
    endpoint: String,
    breaker: Breaker,
}

/// Why one attempt failed, and whether another may help.
#[derive(Debug)]
struct Failure {
    message: String,
    retry: bool,
    retry_after: Option<Duration>,
}

impl OpenAiChatModel {
    /// A model client over `http` (share one client per process).
    #[must_use]
    pub fn new(http: reqwest::Client, config: OpenAiConfig) -> Self {
        let endpoint = format!("{}/chat/completions", config.base_url.trim_end_matches('/'));
        Self { http, config, endpoint, breaker: Breaker::default() }
    }

    /// The breaker (for metrics and tests).
    #[must_use]
    pub const fn breaker(&self) -> &Breaker {
        &self.breaker
    }

    async fn attempt(
        &self,
        body: &serde_json::Value,
        time_left: Duration,
    ) -> std::result::Result<ChatResponse, Failure> {
        let mut request = self.http.post(&self.endpoint).timeout(time_left).json(body);
        if !self.config.api_key.is_empty() {
            request = request.bearer_auth(&self.config.api_key);
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
        wire::parse_response(&text).map_err(|message| Failure { message, retry: false, retry_after: None })
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

#[async_trait]
impl ChatModel for OpenAiChatModel {
    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse> {
        if !self.breaker.allow() {
            return Err(unavailable("circuit open: the model failed repeatedly; waiting before trying again"));
        }
        let started = Instant::now();
        let deadline = started + request.budget;
        let model = request.model.clone().unwrap_or_else(|| self.config.model.clone());
        let body = wire::request_body(request, &model);
        let mut last = String::from("no attempt made");
        for n in 0..self.config.max_attempts.max(1) {
            let time_left = deadline.saturating_duration_since(Instant::now());
            if time_left.is_zero() {
                break;
            }
            match self.attempt(&body, time_left).await {
                Ok(response) => {
                    self.breaker.record(true);
                    tracing::info!(model = %response.model, attempt = n + 1,
                        prompt_tokens = response.usage.prompt_tokens, completion_tokens = response.usage.completion_tokens,
                        latency_ms = started.elapsed().as_millis(), "chat model answered");
                    return Ok(response);
                }
                Err(failure) => {
                    tracing::warn!(model = %model, attempt = n + 1, error = %failure.message, "chat model call failed");
                    last = failure.message;
                    if !failure.retry {
                        break;
                    }
                    let wait = failure.retry_after.unwrap_or_else(|| self.backoff(n));
                    if Instant::now() + wait >= deadline {
                        last.push_str(" (no time left in the budget to retry)");
                        break;
                    }
                    tokio::time::sleep(wait).await;
                }
            }
        }
        self.breaker.record(false);
        Err(unavailable(last))
    }
}
