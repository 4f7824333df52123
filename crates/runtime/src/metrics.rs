//! The Prometheus recorder behind `/metrics`.
//!
//! A metrics recorder is process-global by nature (`metrics` macros write to
//! it from anywhere), so it is installed once and its render handle shared.
//! Histogram buckets are set for HTTP latency so `/metrics` exposes real
//! `_bucket` series, not summaries.
//!
//! The exporter keeps every histogram sample until it folds them into the
//! buckets, which it does only when `/metrics` is rendered or upkeep runs.
//! Nothing scrapes a process by default, so an upkeep thread folds them every
//! [`UPKEEP_EVERY`]: without it the api grew by ~15 bytes per request (a
//! 10-minute soak: 65 → 182 MB; issue 15).

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Duration;

/// Name of the request-latency histogram.
pub const HTTP_REQUEST_DURATION: &str = "http_request_duration_seconds";
/// Name of the ConversationRelay histogram: a caller's `prompt` received →
/// the first `text` token handed to the socket (the dead air the api adds).
pub const RELAY_FIRST_TOKEN: &str = "relay_first_token_seconds";
/// Name of the request counter.
pub const HTTP_REQUESTS_TOTAL: &str = "http_requests_total";

/// How often histogram samples are folded into buckets (what they cost in
/// memory between two folds: one `f64` per request).
pub const UPKEEP_EVERY: Duration = Duration::from_secs(1);

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the recorder (first call) and returns the handle that renders it.
///
/// Returns `None` only if another recorder was installed by someone else.
pub fn install() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Full(HTTP_REQUEST_DURATION.to_owned()),
                    &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0],
                )
                .ok()?
                .set_buckets_for_metric(
                    Matcher::Full(RELAY_FIRST_TOKEN.to_owned()),
                    &[0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5],
                )
                .ok()?
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            metrics::describe_histogram!(HTTP_REQUEST_DURATION, metrics::Unit::Seconds, "HTTP request latency");
            metrics::describe_counter!(HTTP_REQUESTS_TOTAL, "HTTP requests served");
            metrics::describe_histogram!(
                RELAY_FIRST_TOKEN,
                metrics::Unit::Seconds,
                "ConversationRelay: prompt received to first text token sent"
            );
            let upkeep = handle.clone();
            // A plain thread: `install` may run outside a Tokio runtime, and the
            // fold is a short lock-free drain.
            std::thread::Builder::new()
                .name("metrics-upkeep".into())
                .spawn(move || {
                    loop {
                        std::thread::sleep(UPKEEP_EVERY);
                        upkeep.run_upkeep();
                    }
                })
                .ok()?;
            Some(handle)
        })
        .clone()
}
