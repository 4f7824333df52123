//! Test helpers (feature `testing`): a throw-away PostgreSQL database per test.
//!
//! Each [`TestDatabase`] creates a uniquely named database on the server at
//! `TEST_DATABASE_URL` (default `postgres://postgres:postgres@127.0.0.1:5432/postgres`; the
//! password is ignored by `trust` auth and set by `scripts/test.sh` otherwise)
//! and drops it (`WITH (FORCE)`) when dropped, so tests never share rows and
//! never leave databases behind — even when they fail.

use sea_orm::{ConnectionTrait, Database};

/// Where test databases are created, overridable for other machines.
#[must_use]
pub fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres:postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A fresh, empty PostgreSQL database, dropped with this value.
#[derive(Debug)]
pub struct TestDatabase {
    name: String,
    url: String,
}

impl TestDatabase {
    /// Creates the database.
    ///
    /// # Panics
    /// When the PostgreSQL server at [`admin_url`] cannot be reached: run `./scripts/test.sh`, which starts it.
    pub async fn create() -> Self {
        let admin = admin_url();
        let name = format!("fd_test_{}", uuid::Uuid::now_v7().simple());
        let conn = Database::connect(&admin)
            .await
            .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {admin} ({e}); run ./scripts/test.sh"));
        if let Err(e) = conn.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await {
            panic!("cannot create test database {name}: {e}");
        }
        let _ = conn.close().await;
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(base, _)| base);
        let url = format!("{base}/{name}");
        Self { name, url }
    }

    /// The URL of the new database.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs outside async context (or inside a runtime we must not block):
        // use a private thread and runtime.
        let handle = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            runtime.block_on(async move {
                if let Ok(conn) = Database::connect(&admin_url()).await {
                    let _ = conn.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
                    let _ = conn.close().await;
                }
            });
        });
        let _ = handle.join();
    }
}
