//! Periodic maintenance tasks: purges of expired refresh tokens, leads past
//! their 30 days in the trash, completed jobs, login attempts and audit
//! entries past their retention ([`Retention`]), relayed domain events
//! past [`EVENT_RETENTION_DAYS`], and files (exports past
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
use frontdesk_tenancy::{AuditLog, LoginAttemptRepository, RefreshTokenRepository};
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
/// Name of the counter of login attempts purged after their retention.
pub const PURGED_LOGIN_ATTEMPTS: &str = "worker_login_attempts_purged_total";
/// Name of the counter of audit entries purged after their retention.
pub const PURGED_AUDIT_ENTRIES: &str = "worker_audit_entries_purged_total";

/// How long security records are kept before the purge deletes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    /// Login attempts (`LOGIN_ATTEMPT_RETENTION_DAYS`, default 90 days).
    pub login_attempts: Duration,
    /// Audit entries (`AUDIT_RETENTION_DAYS`, default 365 days).
    pub audit: Duration,
    /// Exported files (`EXPORT_TTL_HOURS`, default 24 hours).
    pub exports: Duration,
}

impl Retention {
    /// The retention configured in `settings`.
    #[must_use]
    pub const fn from_settings(settings: &crate::Settings) -> Self {
        Self {
            login_attempts: settings.auth.login_attempt_retention,
            audit: settings.auth.audit_retention,
            exports: settings.files.export_ttl,
        }
    }
}

/// The cut-off `keep` before now: rows older than it are purged.
fn older_than(keep: Duration) -> chrono::DateTime<Utc> {
    Utc::now() - chrono::Duration::from_std(keep).unwrap_or(chrono::Duration::MAX)
}

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

/// Deletes login attempts older than `keep` every `every` (the lockout looks back 15 minutes;
/// the rest is the login audit, kept for the retention).
pub async fn purge_old_login_attempts(
    repo: Arc<dyn LoginAttemptRepository>,
    keep: Duration,
    every: Duration,
    shutdown: watch::Receiver<bool>,
) {
    periodically("login-attempt purge", PURGED_LOGIN_ATTEMPTS, every, shutdown, || {
        let repo = Arc::clone(&repo);
        async move { repo.purge_before(older_than(keep)).await.map_err(|e| e.to_string()) }
    })
    .await;
}

/// Deletes audit entries older than `keep` every `every`.
pub async fn purge_old_audit_entries(
    log: Arc<dyn AuditLog>,
    keep: Duration,
    every: Duration,
    shutdown: watch::Receiver<bool>,
) {
    periodically("audit purge", PURGED_AUDIT_ENTRIES, every, shutdown, || {
        let log = Arc::clone(&log);
        async move { log.purge_before(older_than(keep)).await.map_err(|e| e.to_string()) }
    })
    .await;
}

/// Name of the counter of relayed domain events purged after [`EVENT_RETENTION_DAYS`].
pub const PURGED_EVENTS: &str = "worker_domain_events_purged_total";
/// How long relayed domain events stay in the outbox, replayable to webhooks.
pub const EVENT_RETENTION_DAYS: u64 = 30;

/// Deletes relayed events older than [`EVENT_RETENTION_DAYS`] every `every`
/// (an event never relayed is never purged).
pub async fn purge_old_events(
    outbox: Arc<dyn frontdesk_kernel::events::EventOutbox>,
    every: Duration,
    shutdown: watch::Receiver<bool>,
) {
    periodically("domain event purge", PURGED_EVENTS, every, shutdown, || {
        let outbox = Arc::clone(&outbox);
        async move {
            outbox
                .purge(older_than(Duration::from_secs(EVENT_RETENTION_DAYS * 86_400)))
                .await
                .map_err(|e| e.to_string())
        }
    })
    .await;
}

/// Name of the counter of webhook attempts purged after [`EVENT_RETENTION_DAYS`].
pub const PURGED_ATTEMPTS: &str = "worker_webhook_attempts_purged_total";

/// Deletes webhook delivery attempts older than [`EVENT_RETENTION_DAYS`] every `every`.
pub async fn purge_old_attempts(
    repo: Arc<dyn frontdesk_integrations::outbound::SubscriptionRepository>,
    every: Duration,
    shutdown: watch::Receiver<bool>,
) {
    periodically("webhook attempt purge", PURGED_ATTEMPTS, every, shutdown, || {
        let repo = Arc::clone(&repo);
        async move {
            repo.purge_attempts(older_than(Duration::from_secs(EVENT_RETENTION_DAYS * 86_400)))
                .await
                .map_err(|e| e.to_string())
        }
    })
    .await;
}

/// Spawns every purge (each every `every`; exports expire after `retention.exports`) on `tasks`, until `shutdown` flips.
pub fn spawn_purges(
    stores: &crate::Stores,
    retention: Retention,
    every: Duration,
    shutdown: &watch::Receiver<bool>,
    tasks: &mut tokio::task::JoinSet<()>,
) {
    let tokens = Arc::new(frontdesk_sea_orm::SeaOrmRefreshTokenRepository::new(stores.sql.clone()));
    tasks.spawn(purge_expired_tokens(tokens, every, shutdown.clone()));
    let attempts = Arc::new(frontdesk_sea_orm::SeaOrmLoginAttemptRepository::new(stores.sql.clone()));
    tasks.spawn(purge_old_login_attempts(attempts, retention.login_attempts, every, shutdown.clone()));
    let audit = Arc::new(frontdesk_sea_orm::SeaOrmAuditLog::new(stores.sql.clone()));
    tasks.spawn(purge_old_audit_entries(audit, retention.audit, every, shutdown.clone()));
    tasks.spawn(purge_deleted_leads(crate::services::lead_service(stores), every, shutdown.clone()));
    tasks.spawn(purge_completed_jobs(Arc::clone(&stores.jobs.store), every, shutdown.clone()));
    tasks.spawn(purge_files(Arc::clone(&stores.files), retention.exports, every, shutdown.clone()));
    let outbox = Arc::new(frontdesk_sea_orm::SeaOrmEventOutbox::new(stores.sql.clone()));
    tasks.spawn(purge_old_events(outbox, every, shutdown.clone()));
    let attempts = Arc::new(frontdesk_sea_orm::SeaOrmSubscriptions::new(stores.sql.clone()));
    tasks.spawn(purge_old_attempts(attempts, every, shutdown.clone()));
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use frontdesk_tenancy::testing::{InMemoryAuditLog, InMemoryLoginAttempts};
    use frontdesk_tenancy::{AuditAction, AuditEntry, ClientInfo, EmailAddress, LoginAttempt, LoginAttemptId};

    const DAY: Duration = Duration::from_secs(86_400);

    /// Runs one purge task until `done` holds (its first tick is immediate), then stops it.
    async fn run_until<F: Future<Output = ()> + Send + 'static>(
        task: impl FnOnce(watch::Receiver<bool>) -> F,
        done: impl AsyncFn() -> bool,
    ) {
        let (stop, shutdown) = watch::channel(false);
        let handle = tokio::spawn(task(shutdown));
        for _ in 0..500 {
            if done().await {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        stop.send(true).unwrap();
        handle.await.unwrap();
    }

    #[tokio::test]
    async fn login_attempts_older_than_the_retention_are_purged_and_newer_ones_kept() {
        let repo = Arc::new(InMemoryLoginAttempts::default());
        let email = EmailAddress::parse("ana@example.com").unwrap();
        for age_days in [120, 91, 89, 1] {
            let attempt = LoginAttempt {
                id: LoginAttemptId::new(),
                email: email.clone(),
                succeeded: false,
                ip: None,
                user_agent: None,
                at: Utc::now() - chrono::Duration::days(age_days),
            };
            repo.record(&attempt).await.unwrap();
        }
        let since = Utc::now() - chrono::Duration::days(365);
        let remaining = || async { repo.failures_since(&email, since, 10).await.unwrap().len() };
        let purging: Arc<dyn LoginAttemptRepository> = repo.clone();
        run_until(
            |stop| purge_old_login_attempts(purging, 90 * DAY, Duration::from_secs(3600), stop),
            async || remaining().await == 2,
        )
        .await;
        let left = repo.failures_since(&email, since, 10).await.unwrap();
        assert_eq!(left.len(), 2, "the 89- and 1-day-old attempts stay");
        assert!(left.iter().all(|at| *at > Utc::now() - chrono::Duration::days(90)));
    }

    #[tokio::test]
    async fn audit_entries_older_than_the_retention_are_purged_and_newer_ones_kept() {
        let log = Arc::new(InMemoryAuditLog::default());
        for age_days in [400, 366, 364, 0] {
            let at = Utc::now() - chrono::Duration::days(age_days);
            log.record(&AuditEntry::new(AuditAction::LoginFailed, None, &ClientInfo::default(), at)).await.unwrap();
        }
        let purging: Arc<dyn AuditLog> = log.clone();
        run_until(
            |stop| purge_old_audit_entries(purging, 365 * DAY, Duration::from_secs(3600), stop),
            async || log.recent(None, 10).await.unwrap().len() == 2,
        )
        .await;
        let left = log.recent(None, 10).await.unwrap();
        assert_eq!(left.len(), 2, "the 364- and 0-day-old entries stay");
        assert!(left.iter().all(|e| e.at > Utc::now() - chrono::Duration::days(365)));
    }

    #[test]
    fn retention_comes_from_the_settings() {
        let settings = crate::Settings::from_vars(
            &[("LOGIN_ATTEMPT_RETENTION_DAYS", "7"), ("AUDIT_RETENTION_DAYS", "30")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        )
        .unwrap();
        assert_eq!(
            Retention::from_settings(&settings),
            Retention { login_attempts: 7 * DAY, audit: 30 * DAY, exports: DAY }
        );
    }
}
