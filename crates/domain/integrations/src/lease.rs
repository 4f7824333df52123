//! One job at a time per vendor record: a short lease in the shared cache
//! (`set_if_absent` with a lifetime well past one request's time limit),
//! taken before a job talks to the vendor about a lead or a booking and
//! released after. A second job of the same record finds it held and waits
//! a moment (its caller defers it) — so a create racing an update cannot
//! make two records there. Without a reachable cache the job runs unguarded
//! (logged) rather than stall every sync.

use frontdesk_kernel::Cache;
use std::time::Duration;

/// How long one job may hold a lease (it expires by itself if the job dies):
/// well past the longest run (four vendor calls of 15 s each).
pub const LEASE: Duration = Duration::from_secs(120);
/// How long a job waits when another holds the lease.
pub const LEASE_WAIT: Duration = Duration::from_secs(2);

/// Takes `key` for `holder`: whether it was free (or the cache is unreachable).
pub async fn take(cache: &dyn Cache, key: &str, holder: &str) -> bool {
    match cache.set_if_absent(key, holder.as_bytes(), LEASE).await {
        Ok(taken) => taken,
        Err(error) => {
            tracing::warn!(%key, %error, "lease unavailable; syncing without it");
            true
        }
    }
}

/// Releases `key` if `holder` still holds it (a lease that expired and was
/// taken by another job is left to that job).
pub async fn release(cache: &dyn Cache, key: &str, holder: &str) {
    match cache.get(key).await {
        Ok(Some(current)) if current == holder.as_bytes() => {
            if let Err(error) = cache.delete(key).await {
                tracing::warn!(%key, %error, "lease not released; it expires by itself");
            }
        }
        Ok(_) => tracing::warn!(%key, "lease expired before the job ended; another job holds it now"),
        Err(error) => tracing::warn!(%key, %error, "lease not released; it expires by itself"),
    }
}
