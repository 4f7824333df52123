//! Connecting the stores a profile needs, with the start-up policy.
//!
//! * Database: wait up to `DATABASE_STARTUP_TIMEOUT_SECS`, logging each
//!   attempt. If it never answers and migrations must run, start-up fails
//!   (nothing sensible can be served); with `RUN_MIGRATIONS=false` the
//!   process starts degraded and readiness answers 503 until it answers.
//! * Redis: optional. Unset selects the in-process cache (`redis: disabled`
//!   in health). Set but down: start anyway (the cache is fail-open) while
//!   the client reconnects in the background; health reports `error`.

use crate::settings::{JobBackendKind, Settings};
use frontdesk_files::{LocalFileStorage, SpreadsheetCodec};
use frontdesk_kernel::files::{FileStorage, TabularCodec};
use frontdesk_kernel::jobs::{JobQueue, JobSource, JobStore};
use frontdesk_kernel::{Cache, HealthCheck, RateLimiter};
use frontdesk_memory::{InProcessCache, InProcessRateLimiter};
use frontdesk_redis::{FredCache, FredRateLimiter, RedisConfig, RedisHealthCheck, RedisStore, RedisStoreError};
use frontdesk_redis_queue::{RedisJobQueue, RedisQueueConfig};
use frontdesk_sea_orm::{ConnectError, SqlHealthCheck, SqlStore};
use frontdesk_sql_queue::{SqlJobQueue, SqlJobStore, SqlQueueConfig};
use std::sync::Arc;
use std::time::Duration;

/// Why the stores could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The database failed to connect or migrate.
    #[error("database: {0}")]
    Database(#[from] ConnectError),
    /// Redis settings were rejected.
    #[error("redis: {0}")]
    Redis(#[from] RedisStoreError),
    /// The job queue could not be set up.
    #[error("job queue: {0}")]
    Jobs(#[source] frontdesk_kernel::jobs::JobError),
    /// The S3 bucket settings are unusable.
    #[error("S3 bucket {bucket}: {source}")]
    Files {
        /// `S3_BUCKET`.
        bucket: String,
        /// What the adapter said.
        #[source]
        source: frontdesk_kernel::files::FileError,
    },
    /// The SQLite data directory could not be created.
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// Applies pending migrations to the configured database and closes it (`frontdesk-api migrate`).
///
/// # Errors
/// The database could not be reached within `DATABASE_STARTUP_TIMEOUT_SECS`, or a migration failed.
pub async fn migrate(settings: &Settings) -> Result<(), StartupError> {
    let config = frontdesk_sea_orm::DbConfig { max_connections: 2, ..settings.database.db_config() };
    let store = SqlStore::connect(&config).await?;
    store.wait_until_ready(settings.database.startup_timeout).await?;
    store.migrate_up().await?;
    store.close().await;
    Ok(())
}

/// The connected stores of one process.
#[derive(Clone)]
pub struct Stores {
    /// The SQL store every repository shares.
    pub sql: SqlStore,
    /// The cache (Redis or in-process).
    pub cache: Arc<dyn Cache>,
    /// Health checks of the configured services.
    health_checks: Vec<Arc<dyn HealthCheck>>,
    /// Services not configured in this profile.
    disabled_services: Vec<&'static str>,
    /// The rate limiter (Redis or in-process), exact: every hit is counted where it is shared.
    pub rate_limiter: Arc<dyn RateLimiter>,
    /// The limiter of the api's per-caller limits: on Redis, hits are counted
    /// locally and shared in batches of `API_RATE_LIMIT_BATCH`.
    pub api_rate_limiter: Arc<dyn RateLimiter>,
    /// Cross-process notices (Redis pub/sub, or in-process on the embedded profile).
    pub broadcast: Arc<dyn frontdesk_kernel::Broadcast>,
    /// Who belongs where, cached in this process and invalidated through [`Self::broadcast`].
    pub memberships: Arc<frontdesk_tenancy::MembershipCache>,
    /// The job queue, its consumer side and the status store.
    pub jobs: JobBackend,
    /// File storage (local directory `FILES_DIR`, or S3 when `S3_BUCKET` is set).
    pub files: Arc<dyn FileStorage>,
    /// Presigned links of the S3 storage; `None` on local storage, whose
    /// links the api signs and serves itself (`Services::files`).
    pub presigned_links: Option<Arc<dyn frontdesk_kernel::files::FileLinks>>,
    /// The CSV/XLSX codec, bounded by the `IMPORT_MAX_*` limits.
    pub codec: Arc<dyn TabularCodec>,
    redis: Option<RedisStore>,
}

/// The three faces of the configured job backend.
#[derive(Clone)]
pub struct JobBackend {
    /// For producers.
    pub queue: Arc<dyn JobQueue>,
    /// For the worker loop.
    pub source: Arc<dyn JobSource>,
    /// Status, results and progress (always SQL).
    pub store: Arc<dyn JobStore>,
}

impl JobBackend {
    /// Connects the backend `settings.jobs.backend` names.
    ///
    /// # Errors
    /// [`StartupError::Jobs`] when the Redis queue cannot be set up.
    pub async fn connect(settings: &Settings, sql: &SqlStore) -> Result<Self, StartupError> {
        let store = Arc::new(SqlJobStore::new(sql.connection()).with_queue(settings.jobs.queue.clone()));
        match settings.jobs.backend {
            JobBackendKind::Sql => {
                let mut config = SqlQueueConfig::new(settings.jobs.queue.clone());
                config.visibility_timeout = settings.jobs.visibility_timeout;
                config.max_interruptions = settings.jobs.max_interruptions;
                let queue = Arc::new(SqlJobQueue::new(sql.connection(), config));
                tracing::info!(queue = %settings.jobs.queue, "jobs: SQL queue");
                Ok(Self { queue: queue.clone(), source: queue, store })
            }
            JobBackendKind::Redis => {
                let url = settings.redis.url().unwrap_or_default().to_owned();
                let mut config = RedisQueueConfig::new(url);
                config.key_prefix = settings.redis.key_prefix.clone();
                config.queue = settings.jobs.queue.clone();
                config.visibility_timeout = settings.jobs.visibility_timeout;
                config.max_interruptions = settings.jobs.max_interruptions;
                config.pool_size = u32::try_from(settings.jobs.worker_concurrency + 4).unwrap_or(u32::MAX);
                let queue = Arc::new(RedisJobQueue::connect(config, store.clone()).await.map_err(StartupError::Jobs)?);
                tracing::info!(queue = %settings.jobs.queue, "jobs: Redis Streams queue, status in SQL");
                Ok(Self { queue: queue.clone(), source: queue, store })
            }
        }
    }
}

impl Stores {
    /// Connects everything `settings` asks for; see the module docs for the policy.
    ///
    /// # Errors
    /// [`StartupError`] naming the store that failed.
    pub async fn connect(settings: &Settings) -> Result<Self, StartupError> {
        if settings.database.is_embedded {
            let path = std::path::Path::new("./data");
            std::fs::create_dir_all(path)
                .map_err(|source| StartupError::DataDir { path: path.display().to_string(), source })?;
        }
        let sql = SqlStore::connect(&settings.database.db_config()).await?;
        tracing::info!(
            backend = sql.backend().name(),
            embedded = settings.database.is_embedded,
            "connecting to the database"
        );
        match sql.wait_until_ready(settings.database.startup_timeout).await {
            Ok(()) => {
                if settings.database.run_migrations {
                    sql.migrate_up().await?;
                    tracing::info!("database migrations applied");
                }
            }
            Err(err) if settings.database.run_migrations => return Err(err.into()),
            Err(err) => tracing::error!(
                error = %err,
                "starting without a database (RUN_MIGRATIONS=false); readiness answers 503 until it answers"
            ),
        }

        let mut health_checks: Vec<Arc<dyn HealthCheck>> = vec![Arc::new(SqlHealthCheck::new(sql.clone()))];
        let mut disabled_services = Vec::new();
        type Shared =
            (Arc<dyn Cache>, Arc<dyn RateLimiter>, Arc<dyn RateLimiter>, Arc<dyn frontdesk_kernel::Broadcast>);
        let ((cache, rate_limiter, api_rate_limiter, broadcast), redis): (Shared, _) = match settings.redis.url() {
            Some(url) => {
                let store = RedisStore::connect(&RedisConfig {
                    url: url.to_owned(),
                    pool_size: settings.redis.pool_size,
                    key_prefix: settings.redis.key_prefix.clone(),
                    command_timeout: Duration::from_secs(2),
                })?;
                if let Err(err) = store.wait_until_ready(Duration::from_secs(5)).await {
                    tracing::error!(error = %err, "redis is not answering; continuing with cache misses while it reconnects");
                }
                health_checks.push(Arc::new(RedisHealthCheck::new(store.clone())));
                let broadcast = Arc::new(frontdesk_redis::RedisBroadcast::new(store.clone(), url)?);
                let limiter = Arc::new(FredRateLimiter::new(store.clone()));
                let batched =
                    Arc::new(frontdesk_kernel::BatchedRateLimiter::new(limiter.clone(), settings.http.api_rate_batch));
                let shared: Arc<dyn Cache> = Arc::new(FredCache::new(store.clone()));
                let cache: Arc<dyn Cache> = if settings.redis.near_cache_ttl.is_zero() {
                    shared
                } else {
                    frontdesk_kernel::NearCache::start(
                        shared,
                        Arc::clone(&broadcast) as Arc<dyn frontdesk_kernel::Broadcast>,
                        frontdesk_kernel::NearCacheConfig {
                            prefixes: vec![
                                frontdesk_leads::service::CACHE_PREFIX.to_owned(),
                                frontdesk_bookings::schedule_cache::CACHE_PREFIX.to_owned(),
                                frontdesk_receptionist::config::STAMP_PREFIX.to_owned(),
                            ],
                            ttl: settings.redis.near_cache_ttl,
                            max_entries: settings.redis.near_cache_max_entries,
                        },
                    )
                };
                ((cache, limiter, batched, broadcast), Some(store))
            }
            None => {
                tracing::info!("REDIS_URL unset: using the in-process cache");
                disabled_services.push("redis");
                let broadcast = Arc::new(frontdesk_memory::LocalBroadcast::new());
                let limiter = Arc::new(InProcessRateLimiter::new());
                ((Arc::new(InProcessCache::new()), limiter.clone(), limiter, broadcast), None)
            }
        };
        let memberships =
            frontdesk_tenancy::MembershipCache::start(Arc::clone(&broadcast), settings.auth.membership_cache_ttl);
        let jobs = JobBackend::connect(settings, &sql).await?;
        let (files, presigned_links): (Arc<dyn FileStorage>, Option<Arc<dyn frontdesk_kernel::files::FileLinks>>) =
            match &settings.s3 {
                None => (Arc::new(LocalFileStorage::new(settings.files.dir.clone())), None),
                Some(s3) => {
                    use secrecy::ExposeSecret;
                    let config = frontdesk_s3::S3Config {
                        endpoint: s3.endpoint.clone(),
                        region: s3.region.clone(),
                        bucket: s3.bucket.clone(),
                        access_key: s3.access_key.clone(),
                        secret_key: s3.secret_key.expose_secret().to_owned(),
                        path_style: s3.path_style,
                        timeout: std::time::Duration::from_secs(30),
                    };
                    let storage = frontdesk_s3::S3FileStorage::new(&config)
                        .map_err(|source| StartupError::Files { bucket: s3.bucket.clone(), source })?;
                    tracing::info!(bucket = %s3.bucket, endpoint = %s3.endpoint, "files are stored in S3");
                    let storage = Arc::new(storage);
                    (storage.clone(), Some(storage))
                }
            };
        let codec: Arc<dyn TabularCodec> = Arc::new(SpreadsheetCodec::new(settings.files.import_limits));
        Ok(Self {
            sql,
            cache,
            health_checks,
            disabled_services,
            rate_limiter,
            api_rate_limiter,
            broadcast,
            memberships,
            jobs,
            files,
            presigned_links,
            codec,
            redis,
        })
    }

    /// Runs every health check.
    pub async fn health(&self) -> crate::HealthReport {
        crate::health::run(&self.health_checks, &self.disabled_services).await
    }

    /// Closes pools (graceful shutdown).
    pub async fn close(&self) {
        if let Some(redis) = &self.redis {
            redis.close().await;
        }
        self.sql.close().await;
    }
}
