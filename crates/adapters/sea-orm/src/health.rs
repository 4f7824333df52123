//! The database health check: a real round trip, bounded in time.

use crate::connection::SqlStore;
use async_trait::async_trait;
use frontdesk_kernel::{HealthCheck, HealthError};
use std::time::Duration;

/// Pings the database with a 2-second budget.
#[derive(Clone, Debug)]
pub struct SqlHealthCheck {
    store: SqlStore,
}

impl SqlHealthCheck {
    /// A check over `store`'s pool.
    #[must_use]
    pub const fn new(store: SqlStore) -> Self {
        Self { store }
    }
}

#[async_trait]
impl HealthCheck for SqlHealthCheck {
    fn service(&self) -> &'static str {
        "database"
    }

    async fn check(&self) -> Result<(), HealthError> {
        match tokio::time::timeout(Duration::from_secs(2), self.store.ping()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(err)) => Err(HealthError { service: "database", message: err.to_string() }),
            Err(_) => Err(HealthError { service: "database", message: "no answer within 2 s".into() }),
        }
    }
}
