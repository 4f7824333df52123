//! Logging setup: JSON lines in production, pretty output for humans.
//!
//! Initialisation is idempotent (`try_init`), so test binaries that build
//! several apps in one process do not panic on a second subscriber.

use crate::settings::{LogFormat, Settings};
use tracing_subscriber::EnvFilter;

/// Installs the global `tracing` subscriber from the settings.
///
/// Noisy dependencies are capped at `warn` unless `RUST_LOG` names them.
pub fn init(settings: &Settings) {
    init_with(settings.log.format, &settings.log.filter);
}

/// Installs the subscriber with an explicit format and filter.
pub fn init_with(format: LogFormat, filter: &str) {
    let mut directives = filter.to_owned();
    for noisy in ["sqlx", "sea_orm", "sea_orm_migration", "fred", "h2", "hyper", "rustls"] {
        if !filter.contains(noisy) {
            directives.push_str(&format!(",{noisy}=warn"));
        }
    }
    let env_filter = EnvFilter::try_new(&directives).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(env_filter).with_target(true);
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).with_current_span(true).with_span_list(false).try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
}

/// Logging for tests: silent unless `TEST_LOG` is set.
pub fn init_for_tests() {
    if std::env::var_os("TEST_LOG").is_some() {
        init_with(LogFormat::Pretty, "debug");
    }
}
