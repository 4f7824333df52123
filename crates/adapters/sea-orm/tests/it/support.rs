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
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
    let store = SqlStore::connect(&config(url)).await.unwrap();
    store.wait_until_ready(Duration::from_secs(10)).await.unwrap();
    store.migrate_up().await.unwrap();
    Fixture { store, _pg: None, _dir: Some(dir) }
}
