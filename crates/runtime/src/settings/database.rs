//! `database`: PostgreSQL or the embedded SQLite file.

use super::AppEnv;
use super::reader::Reader;
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

/// The embedded default database: a SQLite file under `./data/`.
pub const EMBEDDED_DATABASE_URL: &str = "sqlite://./data/receptionist.db?mode=rwc";

/// The SQL store.
#[derive(Clone)]
pub struct DatabaseSettings {
    /// `DATABASE_URL`, or the embedded SQLite file when unset (holds credentials: see [`Self::url`]).
    url: SecretString,
    /// True when `DATABASE_URL` was unset and the embedded SQLite default is used.
    pub is_embedded: bool,
    /// `DATABASE_MAX_CONNECTIONS`.
    pub max_connections: u32,
    /// `DATABASE_STARTUP_TIMEOUT_SECS`: how long start-up waits for the database.
    pub startup_timeout: Duration,
    /// `RUN_MIGRATIONS`: apply migrations at start-up.
    pub run_migrations: bool,
}

impl DatabaseSettings {
    pub(super) fn read(r: &mut Reader<'_>, env: AppEnv) -> Self {
        let (url, is_embedded) = match r.raw("DATABASE_URL") {
            None => (EMBEDDED_DATABASE_URL.to_owned(), true),
            Some(url) => {
                if !(url.starts_with("postgres://") || url.starts_with("postgresql://") || url.starts_with("sqlite:")) {
                    r.error("DATABASE_URL", "must start with postgres://, postgresql:// or sqlite:");
                }
                (url.to_owned(), false)
            }
        };
        if env == AppEnv::Production && is_embedded {
            r.error("DATABASE_URL", "required when APP_ENV=production (postgres://…)");
        }
        Self {
            url: SecretString::from(url),
            is_embedded,
            max_connections: r.positive("DATABASE_MAX_CONNECTIONS", 10u32, "a number of connections"),
            startup_timeout: r.seconds("DATABASE_STARTUP_TIMEOUT_SECS", 30),
            run_migrations: r.flag("RUN_MIGRATIONS", true),
        }
    }

    /// The database URL (contains credentials: never log it).
    #[must_use]
    pub fn url(&self) -> &str {
        self.url.expose_secret()
    }

    /// The adapter's own configuration for this store.
    #[must_use]
    pub fn db_config(&self) -> frontdesk_sea_orm::DbConfig {
        frontdesk_sea_orm::DbConfig {
            url: self.url().to_owned(),
            max_connections: self.max_connections,
            acquire_timeout: Duration::from_secs(5),
        }
    }
}
