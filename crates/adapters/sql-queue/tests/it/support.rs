//! Migrated databases on both backends, tenants, and the macro that runs a
//! scenario on each.

use chrono::Utc;
use frontdesk_kernel::TenantId;
use frontdesk_kernel::jobs::{Backoff, JobId};
use frontdesk_sea_orm::testing::TestDatabase;
use frontdesk_sea_orm::{DbConfig, SqlStore};
use frontdesk_sql_queue::{SqlJobQueue, SqlQueueConfig};
use sea_orm::sea_query::{Alias, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, TransactionTrait, Value};
use std::time::Duration;

/// A migrated database plus whatever keeps it alive.
pub struct Fixture {
    pub db: DatabaseConnection,
    url: String,
    _pg: Option<TestDatabase>,
    _dir: Option<tempfile::TempDir>,
}

async fn connect(url: &str) -> SqlStore {
    let config = DbConfig { url: url.to_owned(), max_connections: 5, acquire_timeout: Duration::from_secs(10) };
    let store = SqlStore::connect(&config).await.unwrap();
    store.wait_until_ready(Duration::from_secs(10)).await.unwrap();
    store
}

async fn migrated(url: String, pg: Option<TestDatabase>, dir: Option<tempfile::TempDir>) -> Fixture {
    let store = connect(&url).await;
    store.migrate_up().await.unwrap();
    Fixture { db: store.connection(), url, _pg: pg, _dir: dir }
}

/// A fresh PostgreSQL database with migrations applied.
pub async fn postgres() -> Fixture {
    let db = TestDatabase::create().await;
    migrated(db.url().to_owned(), Some(db), None).await
}

/// A fresh SQLite file with migrations applied.
pub async fn sqlite() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
    migrated(url, None, Some(dir)).await
}

impl Fixture {
    /// Another pool on the same database (another worker process).
    pub async fn second_connection(&self) -> DatabaseConnection {
        connect(&self.url).await.connection()
    }

    /// A queue on this database.
    pub fn queue(&self, config: SqlQueueConfig) -> SqlJobQueue {
        SqlJobQueue::new(self.db.clone(), config)
    }

    /// A new tenant row (jobs reference tenants).
    pub async fn tenant(&self) -> TenantId {
        let id = TenantId::new();
        let now = Utc::now();
        let insert = Query::insert()
            .into_table(Alias::new("tenants"))
            .columns(["id", "name", "timezone", "created_at", "updated_at"].map(Alias::new))
            .values_panic([id.as_uuid().into(), "Acme".into(), "UTC".into(), now.into(), now.into()])
            .to_owned();
        self.db.execute(&insert).await.unwrap();
        id
    }

    /// A raw statement for this backend (`$n` placeholders work on both).
    pub fn statement(&self, sql: &str, values: impl IntoIterator<Item = Value>) -> Statement {
        Statement::from_sql_and_values(self.db.get_database_backend(), sql, values)
    }

    /// `SELECT COUNT(*) AS n …`.
    pub async fn count(&self, sql: &str, values: impl IntoIterator<Item = Value>) -> i64 {
        let row = self.db.query_one_raw(self.statement(sql, values)).await.unwrap().unwrap();
        row.try_get::<i64>("", "n").unwrap()
    }

    /// What an idempotent handler does: records "step `effect` of `job` is
    /// done" in the transaction that applies the effect; a redelivery's insert
    /// hits the primary key and does nothing.
    pub async fn apply_effect(&self, job: JobId, outcome: serde_json::Value) {
        let txn = self.db.begin().await.unwrap();
        let insert = self.statement(
            "INSERT INTO job_effects (job_id, step, outcome, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (job_id, step) DO NOTHING",
            [job.as_uuid().into(), "effect".into(), outcome.into(), Utc::now().into()],
        );
        txn.execute_raw(insert).await.unwrap();
        // …the effect itself would be written here, in the same transaction.
        txn.commit().await.unwrap();
    }
}

/// A queue config for tests: fast polls and a 10 ms backoff, so retries come
/// due at once and no test waits seconds.
pub fn fast(queue: &str) -> SqlQueueConfig {
    SqlQueueConfig {
        poll_interval: Duration::from_millis(10),
        backoff: Backoff { base: Duration::from_millis(10), cap: Duration::from_millis(40) },
        ..SqlQueueConfig::new(queue)
    }
}

/// Runs each scenario (an `async fn(Fixture)` in the invoking module) on
/// PostgreSQL and on SQLite, as `…::postgres::<name>` and `…::sqlite::<name>`.
macro_rules! on_both_backends {
    ($($scenario:ident),+ $(,)?) => {
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    super::$scenario($crate::support::postgres().await).await;
                }
            )+
        }
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $scenario() {
                    super::$scenario($crate::support::sqlite().await).await;
                }
            )+
        }
    };
}
pub(crate) use on_both_backends;
