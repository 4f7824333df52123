//! The Redis health check: a `PING` with the command deadline.

use crate::store::RedisStore;
use async_trait::async_trait;
use fred::prelude::ClientLike;
use frontdesk_kernel::{HealthCheck, HealthError};
use std::time::Duration;

/// Pings Redis with a 2-second budget.
#[derive(Clone, Debug)]
pub struct RedisHealthCheck {
    store: RedisStore,
}

impl RedisHealthCheck {
    /// A check over `store`.
    #[must_use]
    pub const fn new(store: RedisStore) -> Self {
        Self { store }
    }
}

#[async_trait]
impl HealthCheck for RedisHealthCheck {
    fn service(&self) -> &'static str {
        "redis"
    }

    async fn check(&self) -> Result<(), HealthError> {
        let ping = self.store.pool().next().ping::<String>(None);
        match tokio::time::timeout(Duration::from_secs(2), ping).await {
            Ok(Ok(reply)) if reply == "PONG" => Ok(()),
            Ok(Ok(reply)) => Err(HealthError { service: "redis", message: format!("unexpected PING reply {reply:?}") }),
            Ok(Err(err)) => Err(HealthError { service: "redis", message: err.to_string() }),
            Err(_) => Err(HealthError { service: "redis", message: "no answer within 2 s".into() }),
        }
    }
}
