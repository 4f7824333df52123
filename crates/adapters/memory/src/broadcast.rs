//! [`Broadcast`] within one process: the embedded profile runs one api
//! process, so telling "every process" is telling this one.
//!
//! Messages are delivered synchronously, in publication order, to the
//! topic's listeners; a listener is live from the moment it subscribes.

use async_trait::async_trait;
use frontdesk_kernel::{Broadcast, BroadcastError, BroadcastListener};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// The in-process broadcast.
#[derive(Default)]
pub struct LocalBroadcast {
    listeners: Mutex<HashMap<String, Vec<Arc<dyn BroadcastListener>>>>,
}

impl std::fmt::Debug for LocalBroadcast {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalBroadcast").finish_non_exhaustive()
    }
}

impl LocalBroadcast {
    /// A broadcast with no listeners.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn listeners(&self, topic: &str) -> Vec<Arc<dyn BroadcastListener>> {
        self.listeners.lock().unwrap_or_else(PoisonError::into_inner).get(topic).cloned().unwrap_or_default()
    }
}

#[async_trait]
impl Broadcast for LocalBroadcast {
    async fn publish(&self, topic: &str, message: &str) -> Result<(), BroadcastError> {
        for listener in self.listeners(topic) {
            listener.on_message(message);
        }
        Ok(())
    }

    fn subscribe(&self, topic: &str, listener: Arc<dyn BroadcastListener>) {
        listener.on_live(true);
        self.listeners
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(topic.to_owned())
            .or_default()
            .push(listener);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontdesk_kernel::testing::broadcast_contract;

    #[tokio::test]
    async fn local_broadcast_meets_the_broadcast_contract() {
        broadcast_contract::run_all(&LocalBroadcast::new(), "test:").await;
    }
}
