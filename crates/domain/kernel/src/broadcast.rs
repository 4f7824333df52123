//! The broadcast port: tell every process of the deployment that something changed.
//!
//! In-process caches of data that must not go stale for long (who belongs
//! to which sub-account, with which role) are only safe when every api
//! process learns of a change at once. A [`Broadcast`] carries short
//! messages on a topic to every subscribed process; a
//! [`BroadcastListener`] also hears when its subscription is down (the
//! transport disconnected, messages may be lost) and up again, so a cache
//! can stop trusting itself while it might miss a change and start afresh
//! when it is back. Delivery is at-most-once: listeners must treat any
//! message they do not understand as "forget everything".

use async_trait::async_trait;
use std::sync::Arc;

/// Why a message could not be published.
#[derive(Debug, thiserror::Error)]
#[error("broadcast unavailable: {message}")]
pub struct BroadcastError {
    /// What the transport said.
    pub message: String,
}

/// Receives a topic's messages.
pub trait BroadcastListener: Send + Sync + 'static {
    /// One message published on the topic (by this process or another).
    fn on_message(&self, message: &str);

    /// `true` once the subscription is established (again), `false` as soon
    /// as it is lost. Messages published while it was down are not replayed.
    fn on_live(&self, live: bool);
}

/// Publishes to and subscribes on topics shared by every process.
#[async_trait]
pub trait Broadcast: Send + Sync + 'static {
    /// Publishes `message` on `topic` to every subscribed process, this one included.
    ///
    /// # Errors
    /// [`BroadcastError`] when the transport is unreachable.
    async fn publish(&self, topic: &str, message: &str) -> Result<(), BroadcastError>;

    /// Delivers `topic`'s messages to `listener` for the rest of the
    /// process's life, reconnecting after failures. The listener hears
    /// `on_live(true)` once subscribed and `on_live(false)` whenever the
    /// subscription drops; it starts out not live.
    fn subscribe(&self, topic: &str, listener: Arc<dyn BroadcastListener>);
}
