//! Connecting to the database: the pool, the start-up wait and migrations.
//!
//! The pool is created lazily, so building it never fails on a database
//! that is still starting. [`SqlStore::wait_until_ready`] then pings with a
//! log line per attempt until the database answers or the start-up budget
//! runs out; the caller decides whether an unreachable database is fatal
//! (it is when migrations must run) or a degraded start (readiness answers
//! 503 until it comes back).

use frontdesk_migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};
use std::time::{Duration, Instant};

/// Which SQL engine a URL selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// `postgres://` or `postgresql://`.
    Postgres,
    /// `sqlite:` (a file; the embedded default).
    Sqlite,
}

impl Backend {
    /// The backend a database URL selects, if supported.
    #[must_use]
    pub fn from_url(url: &str) -> Option<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Self::Postgres)
        } else if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else {
            None
        }
    }

    /// `postgres` or `sqlite`, for logs and `/status`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Postgres => "postgres",
            Self::Sqlite => "sqlite",
        }
    }
}

/// Pool settings. `Debug` omits the URL, which may hold a password.
#[derive(Clone)]
pub struct DbConfig {
    /// `postgres://…` or `sqlite://path?mode=rwc`.
    pub url: String,
    /// Largest number of pooled connections.
    pub max_connections: u32,
    /// How long a query waits for a free connection before failing.
    pub acquire_timeout: Duration,
}

impl std::fmt::Debug for DbConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbConfig")
            .field("backend", &Backend::from_url(&self.url).map(Backend::name))
            .field("max_connections", &self.max_connections)
            .field("acquire_timeout", &self.acquire_timeout)
            .finish_non_exhaustive()
    }
}

/// Why the store could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The URL names no supported backend.
    #[error("DATABASE_URL must start with postgres:// or sqlite: (got {scheme:?})")]
    UnsupportedUrl {
        /// The scheme part of the URL (never the credentials).
        scheme: String,
    },
    /// The database did not answer within the start-up budget.
    #[error("database did not answer within {waited_secs} s: {source}")]
    NotReady {
        /// Seconds waited.
        waited_secs: u64,
        /// The last error.
        #[source]
        source: DbErr,
    },
    /// Building the pool or running migrations failed.
    #[error("database error: {0}")]
    Db(#[from] DbErr),
}

/// The pooled connection shared by every SeaORM repository.
#[derive(Clone, Debug)]
pub struct SqlStore {
    db: DatabaseConnection,
    backend: Backend,
}

impl SqlStore {
    /// Builds the (lazy) pool. Nothing is contacted yet.
    ///
    /// # Errors
    /// [`ConnectError::UnsupportedUrl`] for an unknown scheme.
    pub async fn connect(config: &DbConfig) -> Result<Self, ConnectError> {
        let backend = Backend::from_url(&config.url).ok_or_else(|| ConnectError::UnsupportedUrl {
            scheme: config.url.split(':').next().unwrap_or_default().chars().take(20).collect(),
        })?;
        let mut options = ConnectOptions::new(config.url.clone());
        options
            .max_connections(config.max_connections)
            .min_connections(0)
            .acquire_timeout(config.acquire_timeout)
            .connect_timeout(config.acquire_timeout)
            .idle_timeout(Duration::from_secs(300))
            // A connection used within the last second is handed out as it is; an older
            // one is pinged first. Pinging on every checkout (the default) cost a round
            // trip per query — a third of a cached page of leads (docs/benchmarks.md).
            .test_before_acquire_if_idle_for(Duration::from_secs(1))
            .connect_lazy(true)
            .sqlx_logging(false);
        if backend == Backend::Sqlite {
            // WAL lets readers proceed during a write; the busy timeout makes
            // concurrent writers queue instead of failing with SQLITE_BUSY.
            options.map_sqlx_sqlite_opts(|opts| {
                opts.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(5))
                    .foreign_keys(true)
                    .create_if_missing(true)
            });
        }
        let db = Database::connect(options).await?;
        Ok(Self { db, backend })
    }

    /// Pings until the database answers, logging each failed attempt.
    ///
    /// # Errors
    /// [`ConnectError::NotReady`] when `budget` runs out first.
    pub async fn wait_until_ready(&self, budget: Duration) -> Result<(), ConnectError> {
        let started = Instant::now();
        let mut attempt = 1u32;
        loop {
            let outcome = match tokio::time::timeout(Duration::from_secs(3), self.db.ping()).await {
                Ok(result) => result,
                Err(_) => Err(DbErr::Custom("ping timed out after 3 s".into())),
            };
            match outcome {
                Ok(()) => {
                    if attempt > 1 {
                        tracing::info!(attempt, waited_ms = started.elapsed().as_millis() as u64, "database is ready");
                    }
                    return Ok(());
                }
                Err(err) if started.elapsed() >= budget => {
                    return Err(ConnectError::NotReady { waited_secs: started.elapsed().as_secs(), source: err });
                }
                Err(err) => {
                    tracing::warn!(
                        attempt,
                        waited_s = started.elapsed().as_secs(),
                        budget_s = budget.as_secs(),
                        error = %err,
                        backend = self.backend.name(),
                        "waiting for the database"
                    );
                    let pause = Duration::from_millis(250 * u64::from(attempt.min(8)));
                    tokio::time::sleep(pause.min(budget.saturating_sub(started.elapsed()))).await;
                    attempt += 1;
                }
            }
        }
    }

    /// Applies pending migrations.
    ///
    /// # Errors
    /// The first failing migration.
    pub async fn migrate_up(&self) -> Result<(), ConnectError> {
        Migrator::up(&self.db, None).await?;
        Ok(())
    }

    /// Rolls back every migration (tests and disaster recovery only).
    ///
    /// # Errors
    /// The first failing rollback.
    pub async fn migrate_down_all(&self) -> Result<(), ConnectError> {
        Migrator::down(&self.db, None).await?;
        Ok(())
    }

    /// Names of the tables that exist, sorted (used by migration tests).
    ///
    /// # Errors
    /// On query failure.
    pub async fn table_names(&self) -> Result<Vec<String>, DbErr> {
        let sql = match self.backend {
            Backend::Postgres => {
                "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1"
            }
            Backend::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1"
            }
        };
        let rows = self.db.query_all_raw(sea_orm::Statement::from_string(self.db_backend(), sql)).await?;
        rows.iter().map(|row| row.try_get::<String>("", "name")).collect()
    }

    /// Which engine this store talks to.
    #[must_use]
    pub const fn backend(&self) -> Backend {
        self.backend
    }

    fn db_backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    /// A handle on the same pool, for adapters outside this crate that take a
    /// plain SeaORM connection (the SQL job queue), so they share the pool
    /// without depending on this crate. Cloning is cheap: the pool is shared.
    #[must_use]
    pub fn connection(&self) -> DatabaseConnection {
        self.db.clone()
    }

    /// The SeaORM connection, for repositories in this crate.
    pub(crate) const fn conn(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Begins a transaction that will write.
    ///
    /// On SQLite a plain `BEGIN` is deferred: a transaction that reads first
    /// and writes later fails with `SQLITE_BUSY` (no waiting helps) when
    /// another connection — the embedded job worker, another request —
    /// committed in between. Taking the write lock first (an `UPDATE` that
    /// matches nothing acquires it, honouring the busy timeout) makes such
    /// transactions queue behind each other instead, as `BEGIN IMMEDIATE`
    /// would. PostgreSQL needs nothing: its row locks do the job.
    pub(crate) async fn begin_write(&self) -> Result<sea_orm::DatabaseTransaction, DbErr> {
        use sea_orm::TransactionTrait;
        let txn = self.db.begin().await?;
        if self.db.get_database_backend() == DbBackend::Sqlite {
            txn.execute_unprepared("UPDATE tenants SET id = id WHERE 1 = 0").await?;
        }
        Ok(txn)
    }

    /// Pings once.
    pub(crate) async fn ping(&self) -> Result<(), DbErr> {
        self.db.ping().await
    }

    /// Closes the pool (graceful shutdown).
    pub async fn close(&self) {
        if let Err(err) = self.db.close_by_ref().await {
            tracing::warn!(error = %err, "closing the database pool failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_follows_the_url_scheme() {
        assert_eq!(Backend::from_url("postgres://u@h/db"), Some(Backend::Postgres));
        assert_eq!(Backend::from_url("postgresql://u@h/db"), Some(Backend::Postgres));
        assert_eq!(Backend::from_url("sqlite://./data/x.db?mode=rwc"), Some(Backend::Sqlite));
        assert_eq!(Backend::from_url("mysql://h/db"), None);
    }
}
