//! Periodic maintenance tasks.
//!
//! Each task runs on an interval until the shutdown signal flips; a failed
//! run is logged and retried at the next tick (never crashes the worker).
//! Running the same purge on several workers at once is harmless: it is a
//! single idempotent `DELETE … WHERE expires_at < now`.

use chrono::Utc;
use frontdesk_tenancy::RefreshTokenRepository;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Name of the counter of purged refresh tokens.
pub const PURGED_TOKENS: &str = "worker_refresh_tokens_purged_total";

/// Deletes expired refresh tokens every `every` until `shutdown` becomes true.
pub async fn purge_expired_tokens(
    repo: Arc<dyn RefreshTokenRepository>,
    every: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {
                match repo.purge_expired(Utc::now()).await {
                    Ok(0) => tracing::debug!("no expired refresh tokens"),
                    Ok(purged) => {
                        metrics::counter!(PURGED_TOKENS).increment(purged);
                        tracing::info!(purged, "purged expired refresh tokens");
                    }
                    Err(err) => tracing::warn!(error = %err, "refresh-token purge failed; retrying next tick"),
                }
            }
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    tracing::info!("token purge stopped");
                    return;
                }
            }
        }
    }
}
