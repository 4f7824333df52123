//! Store builders for both backends.

use frontdesk_sea_orm::testing::TestDatabase;
use frontdesk_sea_orm::{DbConfig, SqlStore};
use std::time::Duration;

/// A migrated store plus whatever keeps its database alive.
pub struct Fixture {
    pub store: SqlStore,
    _pg: Option<TestDatabase>,
    _dir: Option<tempfile::TempDir>,
}

fn config(url: String) -> DbConfig {
    DbConfig { url, max_connections: 5, acquire_timeout: Duration::from_secs(5) }
}

/// A fresh PostgreSQL database with migrations applied.
pub async fn postgres() -> Fixture {
    let db = TestDatabase::create().await;
    let store = SqlStore::connect(&config(db.url().to_owned())).await.unwrap();
    store.wait_until_ready(Duration::from_secs(10)).await.unwrap();
    store.migrate_up().await.unwrap();
    Fixture { store, _pg: Some(db), _dir: None }
}

/// A fresh SQLite file with migrations applied.
pub async fn sqlite() -> Fixture {
    sqlite_with(5).await
}

/// [`sqlite`] on one connection: for tests that run migrations down and up
/// again, whose DDL another pooled connection could see from a stale
/// snapshot ("index … already exists" after the table was dropped, ~1 run in 8).
pub async fn sqlite_single() -> Fixture {
    sqlite_with(1).await
}

async fn sqlite_with(connections: u32) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
    let store = SqlStore::connect(&DbConfig { max_connections: connections, ..config(url) }).await.unwrap();
    store.wait_until_ready(Duration::from_secs(10)).await.unwrap();
    store.migrate_up().await.unwrap();
    Fixture { store, _pg: None, _dir: Some(dir) }
}
