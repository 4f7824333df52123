//! Periodic maintenance tasks: purges of expired refresh tokens, leads past
//! their 30 days in the trash, completed jobs, and files (exports past
//! `EXPORT_TTL_HOURS`; uploads that outlived their import, which normally
//! deletes its upload when it ends). The worker runs them; so
//! does the api when it runs the job worker in-process (the embedded
//! profile has no separate worker).
//!
//! Each task runs on an interval until the shutdown signal flips; a failed
//! run is logged and retried at the next tick (never crashes the process).
//! Running the same purge on several workers at once is harmless: each is
//! a single idempotent `DELETE … WHERE <expired>`.

use chrono::Utc;
use frontdesk_kernel::files::{FileError, FileStorage};
use frontdesk_leads::LeadService;
use frontdesk_tenancy::RefreshTokenRepository;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Name of the counter of purged refresh tokens.
pub const PURGED_TOKENS: &str = "worker_refresh_tokens_purged_total";
/// Name of the counter of leads purged after their 30 days in the trash.
pub const PURGED_LEADS: &str = "worker_leads_purged_total";
/// Name of the counter of completed jobs purged after [`JOB_RETENTION_DAYS`].
pub const PURGED_JOBS: &str = "worker_jobs_purged_total";
/// How long completed jobs (status, result) stay readable.
pub const JOB_RETENTION_DAYS: i64 = 7;
/// Name of the counter of purged files (expired exports, orphaned uploads).
pub const PURGED_FILES: &str = "worker_files_purged_total";
/// How long an upload may outlive its import (one whose worker died at the
/// wrong moment, or a poison job's): after this it is purged.
pub const UPLOAD_RETENTION_DAYS: i64 = 7;

/// Runs `run` every `every` until `shutdown` becomes true, counting what it removed under `counter`.
async fn periodically<F, Fut>(
    what: &'static str,
    counter: &'static str,
    every: Duration,
    mut shutdown: watch::Receiver<bool>,
    run: F,
) where
    F: Fn() -> Fut,
    Fut: Future<Output = Result<u64, String>>,
{
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {
                match run().await {
                    Ok(0) => tracing::debug!(task = what, "nothing to purge"),
                    Ok(purged) => {
                        metrics::counter!(counter).increment(purged);
                        tracing::info!(task = what, purged, "purged");
                    }
                    Err(err) => tracing::warn!(task = what, error = %err, "purge failed; retrying next tick"),
                }
            }
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    tracing::info!(task = what, "stopped");
                    return;
                }
            }
        }
    }
}

/// Deletes expired refresh tokens every `every` until `shutdown` becomes true.
pub async fn purge_expired_tokens(
    repo: Arc<dyn RefreshTokenRepository>,
    every: Duration,
    shutdown: watch::Receiver<bool>,
) {
    periodically("refresh-token purge", PURGED_TOKENS, every, shutdown, || {
        let repo = Arc::clone(&repo);
        async move { repo.purge_expired(Utc::now()).await.map_err(|e| e.to_string()) }
    })
    .await;
}

/// Removes leads deleted more than 30 days ago (with their timelines) every `every`.
pub async fn purge_deleted_leads(leads: LeadService, every: Duration, shutdown: watch::Receiver<bool>) {
    periodically("deleted-lead purge", PURGED_LEADS, every, shutdown, || {
        let leads = leads.clone();
        async move { leads.purge_expired().await.map_err(|e| e.to_string()) }
    })
    .await;
}

/// Deletes jobs completed more than [`JOB_RETENTION_DAYS`] ago every `every`
/// (dead jobs stay for an operator; see `frontdesk-worker redrive`).
pub async fn purge_completed_jobs(
    store: Arc<dyn frontdesk_kernel::jobs::JobStore>,
    every: Duration,
    shutdown: watch::Receiver<bool>,
) {
    periodically("completed-job purge", PURGED_JOBS, every, shutdown, || {
        let store = Arc::clone(&store);
        async move {
            store
                .purge_completed(Utc::now() - chrono::Duration::days(JOB_RETENTION_DAYS))
                .await
                .map_err(|e| e.to_string())
        }
    })
    .await;
}

/// Deletes exports written more than `export_ttl` before `now` and uploads
/// older than [`UPLOAD_RETENTION_DAYS`]; returns how many files went.
///
/// # Errors
/// The storage's, on listing or deleting (what was deleted before stays deleted).
pub async fn purge_expired_files(
    files: &dyn FileStorage,
    export_ttl: Duration,
    now: chrono::DateTime<Utc>,
) -> Result<u64, FileError> {
    let export_ttl = chrono::Duration::from_std(export_ttl).unwrap_or(chrono::Duration::MAX);
    let mut purged = 0;
    for (folder, max_age) in [("exports", export_ttl), ("imports", chrono::Duration::days(UPLOAD_RETENTION_DAYS))] {
        let cutoff = now.checked_sub_signed(max_age).unwrap_or(chrono::DateTime::<Utc>::MIN_UTC);
        for file in files.list(folder).await? {
            if file.modified < cutoff {
                files.delete(&file.key).await?;
                purged += 1;
            }
        }
    }
    Ok(purged)
}

/// Runs [`purge_expired_files`] every `every`.
pub async fn purge_files(
    files: Arc<dyn FileStorage>,
    export_ttl: Duration,
    every: Duration,
    shutdown: watch::Receiver<bool>,
) {
    periodically("file purge", PURGED_FILES, every, shutdown, || {
        let files = Arc::clone(&files);
        async move { purge_expired_files(&*files, export_ttl, Utc::now()).await.map_err(|e| e.to_string()) }
    })
    .await;
}

/// Spawns every purge (each every `every`; exports expire after `export_ttl`) on `tasks`, until `shutdown` flips.
pub fn spawn_purges(
    stores: &crate::Stores,
    every: Duration,
    export_ttl: Duration,
    shutdown: &watch::Receiver<bool>,
    tasks: &mut tokio::task::JoinSet<()>,
) {
    let tokens = Arc::new(frontdesk_sea_orm::SeaOrmRefreshTokenRepository::new(stores.sql.clone()));
    tasks.spawn(purge_expired_tokens(tokens, every, shutdown.clone()));
    tasks.spawn(purge_deleted_leads(crate::services::lead_service(stores), every, shutdown.clone()));
    tasks.spawn(purge_completed_jobs(Arc::clone(&stores.jobs.store), every, shutdown.clone()));
    tasks.spawn(purge_files(Arc::clone(&stores.files), export_ttl, every, shutdown.clone()));
}
