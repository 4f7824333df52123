//! An in-memory [`EventOutbox`].

use crate::TenantId;
use crate::events::{DomainEvent, EventId, EventOutbox, PublishError};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use std::sync::Mutex;

/// Events in a vector, with their relay time.
#[derive(Debug, Default)]
pub struct InMemoryEventOutbox {
    rows: Mutex<Vec<(DomainEvent, Option<DateTime<Utc>>)>>,
}

impl InMemoryEventOutbox {
    /// Every event stored, in order.
    #[must_use]
    pub fn all(&self) -> Vec<DomainEvent> {
        self.rows.lock().unwrap().iter().map(|(e, _)| e.clone()).collect()
    }
}

fn sorted(mut events: Vec<DomainEvent>) -> Vec<DomainEvent> {
    events.sort_by_key(|e| (e.occurred_at, e.id));
    events
}

#[async_trait]
impl EventOutbox for InMemoryEventOutbox {
    async fn append(&self, events: &[DomainEvent]) -> Result<(), PublishError> {
        let mut rows = self.rows.lock().unwrap();
        for event in events {
            if !rows.iter().any(|(e, _)| e.id == event.id) {
                rows.push((event.clone(), None));
            }
        }
        Ok(())
    }

    async fn pending(&self, limit: u32) -> Result<Vec<DomainEvent>, PublishError> {
        let rows = self.rows.lock().unwrap();
        let pending = rows.iter().filter(|(_, r)| r.is_none()).map(|(e, _)| e.clone()).collect();
        Ok(sorted(pending).into_iter().take(limit as usize).collect())
    }

    async fn mark_relayed(&self, ids: &[EventId], at: DateTime<Utc>) -> Result<(), PublishError> {
        for (event, relayed) in self.rows.lock().unwrap().iter_mut() {
            if ids.contains(&event.id) {
                *relayed = Some(at);
            }
        }
        Ok(())
    }

    async fn get(&self, tenant: TenantId, id: EventId) -> Result<Option<DomainEvent>, PublishError> {
        Ok(self.rows.lock().unwrap().iter().map(|(e, _)| e).find(|e| e.id == id && e.tenant_id == tenant).cloned())
    }

    async fn between(
        &self,
        tenant: TenantId,
        kinds: &[String],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<DomainEvent>, PublishError> {
        let rows = self.rows.lock().unwrap();
        let found = rows
            .iter()
            .map(|(e, _)| e)
            .filter(|e| e.tenant_id == tenant && kinds.contains(&e.kind) && e.occurred_at >= from && e.occurred_at < to)
            .cloned()
            .collect();
        Ok(sorted(found).into_iter().take(limit as usize).collect())
    }

    async fn purge(&self, before: DateTime<Utc>) -> Result<u64, PublishError> {
        let mut rows = self.rows.lock().unwrap();
        let len = rows.len();
        rows.retain(|(e, relayed)| relayed.is_none() || e.occurred_at >= before);
        Ok((len - rows.len()) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::InMemoryEventOutbox;
    use crate::TenantId;
    use crate::events::{DomainEvent, EventOutbox, OutboxRelay, PublishEventJob};
    use crate::jobs::JobKind;
    use crate::testing::{InMemoryJobQueue, ManualClock};
    use chrono::Utc;
    use std::sync::Arc;

    #[tokio::test]
    async fn the_in_memory_event_outbox_keeps_the_contract() {
        let outbox = InMemoryEventOutbox::default();
        crate::testing::event_outbox_contract::event_outbox(&outbox, [TenantId::new(), TenantId::new()]).await;
    }

    #[tokio::test]
    async fn the_relay_turns_each_event_into_one_publish_job_even_when_it_runs_twice() {
        let outbox = Arc::new(InMemoryEventOutbox::default());
        let queue = Arc::new(InMemoryJobQueue::default());
        let clock = Arc::new(ManualClock::at(Utc::now()));
        let tenant = TenantId::new();
        let events: Vec<_> = (0..3)
            .map(|i| DomainEvent::new(tenant, "lead.created", serde_json::json!({ "n": i }), Utc::now()))
            .collect();
        outbox.append(&events).await.unwrap();
        let relay = OutboxRelay::new(outbox.clone(), queue.clone(), clock);
        assert_eq!(relay.relay_once(2).await.unwrap(), 2, "a batch is bounded");
        assert_eq!(relay.relay_once(10).await.unwrap(), 1);
        assert_eq!(relay.relay_once(10).await.unwrap(), 0, "nothing left");

        // A relay that crashed before marking its batch sends it again: still one job per event.
        let again = Arc::new(InMemoryEventOutbox::default());
        again.append(&events).await.unwrap();
        let second = OutboxRelay::new(again, queue.clone(), Arc::new(ManualClock::at(Utc::now())));
        assert_eq!(second.relay_once(10).await.unwrap(), 3);
        let jobs = queue.all();
        assert_eq!(jobs.len(), 3, "the event id is the job's idempotency key");
        for (job, event) in jobs.iter().zip(&events) {
            assert_eq!(job.job.kind, PublishEventJob::KIND);
            assert_eq!(PublishEventJob::payload(&job.job).unwrap(), *event);
        }
    }

    #[tokio::test]
    async fn a_queue_outage_leaves_the_events_pending() {
        let outbox = Arc::new(InMemoryEventOutbox::default());
        let queue = Arc::new(InMemoryJobQueue::default());
        let event = DomainEvent::new(TenantId::new(), "booking.created", serde_json::json!({}), Utc::now());
        outbox.append(std::slice::from_ref(&event)).await.unwrap();
        queue.set_down(true);
        let relay = OutboxRelay::new(outbox.clone(), queue.clone(), Arc::new(ManualClock::at(Utc::now())));
        assert!(relay.relay_once(10).await.is_err());
        assert_eq!(outbox.pending(10).await.unwrap(), [event], "nothing lost");
        queue.set_down(false);
        assert_eq!(relay.relay_once(10).await.unwrap(), 1);
    }
}
