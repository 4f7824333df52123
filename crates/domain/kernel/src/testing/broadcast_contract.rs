//! The [`Broadcast`] contract: every adapter must pass all of these.

use crate::broadcast::{Broadcast, BroadcastListener};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A listener that records what it hears.
#[derive(Debug, Default)]
pub struct Recorder {
    messages: Mutex<Vec<String>>,
    live: Mutex<Vec<bool>>,
}

impl Recorder {
    /// The messages heard so far, in order.
    #[must_use]
    pub fn messages(&self) -> Vec<String> {
        super::lock(&self.messages).clone()
    }

    /// Every liveness change heard so far, in order.
    #[must_use]
    pub fn liveness(&self) -> Vec<bool> {
        super::lock(&self.live).clone()
    }

    /// Waits (up to 10 s) until `check` holds for the recorder.
    ///
    /// # Panics
    /// When it never does.
    pub async fn wait_until(&self, what: &str, check: impl Fn(&Self) -> bool) {
        for _ in 0..1000 {
            if check(self) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the listener never saw {what}: messages {:?}, liveness {:?}", self.messages(), self.liveness());
    }
}

impl BroadcastListener for Recorder {
    fn on_message(&self, message: &str) {
        super::lock(&self.messages).push(message.to_owned());
    }

    fn on_live(&self, live: bool) {
        super::lock(&self.live).push(live);
    }
}

/// Runs the whole contract on topics under `prefix` (unique per test run).
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn run_all(bus: &dyn Broadcast, prefix: &str) {
    messages_reach_every_listener_of_the_topic_in_order(bus, prefix).await;
}

/// Two listeners of a topic hear its messages in publication order once
/// live; a listener of another topic hears none of them.
pub async fn messages_reach_every_listener_of_the_topic_in_order(bus: &dyn Broadcast, prefix: &str) {
    let topic = format!("{prefix}topic");
    let (first, second, other) =
        (Arc::new(Recorder::default()), Arc::new(Recorder::default()), Arc::new(Recorder::default()));
    bus.subscribe(&topic, first.clone());
    bus.subscribe(&topic, second.clone());
    bus.subscribe(&format!("{prefix}other"), other.clone());
    for listener in [&first, &second, &other] {
        listener.wait_until("on_live(true)", |r| r.liveness().last() == Some(&true)).await;
    }
    for message in ["user:1", "tenant:2", "*"] {
        bus.publish(&topic, message).await.expect("publish");
    }
    for listener in [&first, &second] {
        listener.wait_until("all three messages", |r| r.messages().len() >= 3).await;
        assert_eq!(listener.messages(), ["user:1", "tenant:2", "*"]);
    }
    bus.publish(&format!("{prefix}other"), "mine").await.expect("publish");
    other.wait_until("its own message", |r| !r.messages().is_empty()).await;
    assert_eq!(other.messages(), ["mine"], "a listener hears only its own topic");
}
