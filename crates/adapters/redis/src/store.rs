//! The shared fred pool and its configuration.

use fred::prelude::{Builder, ClientLike, Config, Pool, ReconnectPolicy};
use std::time::Duration;

/// Connection settings. `Debug` omits the URL, which may hold a password.
#[derive(Clone)]
pub struct RedisConfig {
    /// `redis://[:password@]host:port[/db]` (or `rediss://` for TLS), or a Redis
    /// Cluster as `redis-cluster://[user:password@]host:port?node=host:port&…`.
    pub url: String,
    /// Connections in the round-robin pool.
    pub pool_size: usize,
    /// Prepended to every key (`frontdesk:`).
    pub key_prefix: String,
    /// Deadline of every command.
    pub command_timeout: Duration,
}

impl std::fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisConfig")
            .field("pool_size", &self.pool_size)
            .field("key_prefix", &self.key_prefix)
            .field("command_timeout", &self.command_timeout)
            .finish_non_exhaustive()
    }
}

/// Why the pool could not be built.
#[derive(Debug, thiserror::Error)]
pub enum RedisStoreError {
    /// The URL or settings were rejected by the client.
    #[error("REDIS_URL is not usable: {0}")]
    Config(String),
    /// Redis did not answer within the start-up budget.
    #[error("redis did not answer within {waited_secs} s: {message}")]
    NotReady {
        /// Seconds waited.
        waited_secs: u64,
        /// The last error.
        message: String,
    },
}

/// A connected (or reconnecting) pool plus the key prefix.
#[derive(Clone)]
pub struct RedisStore {
    pool: Pool,
    prefix: String,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The pool's config holds the password; show only the prefix.
        f.debug_struct("RedisStore").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Builds the pool and starts its connection tasks. Does not wait for Redis:
    /// call [`Self::wait_until_ready`] for that.
    ///
    /// # Errors
    /// [`RedisStoreError::Config`] for an unusable URL.
    pub fn connect(config: &RedisConfig) -> Result<Self, RedisStoreError> {
        let mut client_config = Config::from_url(&config.url).map_err(|e| RedisStoreError::Config(e.to_string()))?;
        // Keep retrying a Redis that is down at start-up instead of failing:
        // the cache is an optimisation, the api must come up without it.
        client_config.fail_fast = false;
        let timeout = config.command_timeout;
        let pool = Builder::from_config(client_config)
            .with_connection_config(|c| {
                c.connection_timeout = timeout;
                c.internal_command_timeout = timeout;
                c.max_command_attempts = 2;
            })
            .with_performance_config(|p| p.default_command_timeout = timeout)
            // 0 attempts = retry forever; delay 100 ms doubling to 5 s.
            .set_policy(ReconnectPolicy::new_exponential(0, 100, 5_000, 2))
            .build_pool(config.pool_size.max(1))
            .map_err(|e| RedisStoreError::Config(e.to_string()))?;
        let _tasks = pool.connect_pool();
        Ok(Self { pool, prefix: config.key_prefix.clone() })
    }

    /// Waits until every pooled connection is up, or `budget` runs out.
    ///
    /// # Errors
    /// [`RedisStoreError::NotReady`] on time-out.
    pub async fn wait_until_ready(&self, budget: Duration) -> Result<(), RedisStoreError> {
        match tokio::time::timeout(budget, self.pool.wait_for_connect()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(err)) => Err(RedisStoreError::NotReady { waited_secs: budget.as_secs(), message: err.to_string() }),
            Err(_) => Err(RedisStoreError::NotReady {
                waited_secs: budget.as_secs(),
                message: "no connection established".into(),
            }),
        }
    }

    /// The full key for `key`.
    pub(crate) fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    /// The pool.
    pub(crate) const fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Closes every connection (graceful shutdown).
    pub async fn close(&self) {
        if let Err(err) = self.pool.quit().await {
            tracing::debug!(error = %err, "closing the redis pool");
        }
    }
}
