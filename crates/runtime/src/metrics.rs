//! The Prometheus recorder behind `/metrics`.
//!
//! A metrics recorder is process-global by nature (`metrics` macros write to
//! it from anywhere), so it is installed once and its render handle shared.
//! Histogram buckets are set for HTTP latency so `/metrics` exposes real
//! `_bucket` series, not summaries.

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

/// Name of the request-latency histogram.
pub const HTTP_REQUEST_DURATION: &str = "http_request_duration_seconds";
/// Name of the request counter.
pub const HTTP_REQUESTS_TOTAL: &str = "http_requests_total";

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
                .build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok()?;
            metrics::describe_histogram!(HTTP_REQUEST_DURATION, metrics::Unit::Seconds, "HTTP request latency");
            metrics::describe_counter!(HTTP_REQUESTS_TOTAL, "HTTP requests served");
            Some(handle)
        })
        .clone()
}
