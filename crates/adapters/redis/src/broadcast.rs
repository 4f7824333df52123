//! [`Broadcast`] on Redis pub/sub: every api process subscribed to a
//! topic hears what any of them publishes.
//!
//! Publishing goes through the shared fred pool (`PUBLISH`, one round
//! trip, bounded by the command deadline). Each subscription owns one
//! dedicated connection (a `redis` crate pub/sub connection, whose stream
//! ends when the connection does) in a task that reconnects forever with
//! backoff. The listener is told `on_live(false)` the moment that stream
//! ends and `on_live(true)` only after `SUBSCRIBE` is acknowledged again, so
//! a cache fed by it knows exactly when it may have missed a message.
//! Channels are `{prefix}bc:{topic}`: deployments (and test runs) sharing
//! one Redis do not hear each other. `PUBLISH` reaches every node of a
//! Redis Cluster, so on a cluster (`redis-cluster://host:port?node=…`)
//! subscriptions listen on the URL's first host: give a name that stays
//! (a cloud cluster's configuration endpoint) rather than one node's address.

use crate::store::RedisStore;
use async_trait::async_trait;
use fred::prelude::PubsubInterface;
use frontdesk_kernel::{Broadcast, BroadcastError, BroadcastListener};
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;

/// The longest wait between two reconnection attempts of a subscription.
const MAX_BACKOFF: Duration = Duration::from_secs(2);

/// Redis pub/sub broadcast.
#[derive(Clone)]
pub struct RedisBroadcast {
    store: RedisStore,
    client: redis::Client,
}

impl std::fmt::Debug for RedisBroadcast {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisBroadcast").field("store", &self.store).finish_non_exhaustive()
    }
}

impl RedisBroadcast {
    /// A broadcast publishing through `store` and subscribing on its own
    /// connections to `url` (the same `REDIS_URL`).
    ///
    /// # Errors
    /// [`crate::RedisStoreError::Config`] for an unusable URL.
    pub fn new(store: RedisStore, url: &str) -> Result<Self, crate::RedisStoreError> {
        let client = redis::Client::open(subscription_url(url).as_str())
            .map_err(|e| crate::RedisStoreError::Config(e.to_string()))?;
        Ok(Self { store, client })
    }

    fn channel(&self, topic: &str) -> String {
        self.store.key(&format!("bc:{topic}"))
    }
}

/// Where subscriptions connect: `url` itself, or for a cluster URL its first
/// host as a plain server URL (`redis-cluster://a@h:1?node=…` → `redis://a@h:1`).
fn subscription_url(url: &str) -> String {
    for (cluster, plain) in [("redis-cluster://", "redis://"), ("rediss-cluster://", "rediss://")] {
        if let Some(rest) = url.strip_prefix(cluster) {
            let first = rest.split_once('?').map_or(rest, |(first, _)| first);
            return format!("{plain}{}", first.trim_end_matches('/'));
        }
    }
    url.to_owned()
}

/// One subscription's life: connect, subscribe, deliver until the stream
/// ends, report not live, back off, again.
async fn follow(client: redis::Client, channel: String, listener: Arc<dyn BroadcastListener>) {
    let mut backoff = Duration::from_millis(50);
    loop {
        match client.get_async_pubsub().await {
            Ok(mut pubsub) => match pubsub.subscribe(&channel).await {
                Ok(()) => {
                    backoff = Duration::from_millis(50);
                    listener.on_live(true);
                    let mut messages = pubsub.into_on_message();
                    while let Some(message) = messages.next().await {
                        match message.get_payload::<String>() {
                            Ok(payload) => listener.on_message(&payload),
                            // Not text: say "something changed" rather than drop it.
                            Err(_) => listener.on_message("*"),
                        }
                    }
                    listener.on_live(false);
                    tracing::warn!(%channel, "broadcast subscription lost; reconnecting");
                }
                Err(err) => tracing::warn!(%channel, error = %err, "broadcast SUBSCRIBE failed; retrying"),
            },
            Err(err) => tracing::warn!(%channel, error = %err, "broadcast connection failed; retrying"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

#[async_trait]
impl Broadcast for RedisBroadcast {
    async fn publish(&self, topic: &str, message: &str) -> Result<(), BroadcastError> {
        let _receivers: i64 = self
            .store
            .pool()
            .next()
            .publish(self.channel(topic), message)
            .await
            .map_err(|e| BroadcastError { message: e.to_string() })?;
        Ok(())
    }

    fn subscribe(&self, topic: &str, listener: Arc<dyn BroadcastListener>) {
        listener.on_live(false);
        tokio::spawn(follow(self.client.clone(), self.channel(topic), listener));
    }
}

#[cfg(test)]
mod tests {
    use super::subscription_url;

    #[test]
    fn subscriptions_listen_on_a_cluster_urls_first_host() {
        assert_eq!(subscription_url("redis://:pw@r:6379/2"), "redis://:pw@r:6379/2");
        assert_eq!(subscription_url("redis-cluster://u:p@a:30001?node=b:30002"), "redis://u:p@a:30001");
        assert_eq!(subscription_url("rediss-cluster://cfg.example:6379/"), "rediss://cfg.example:6379");
    }
}
