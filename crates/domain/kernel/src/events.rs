//! Domain events: facts one part of the product announces and others act
//! on (`handoff.requested` now; lead, booking and call events with the
//! outbound webhooks of issue 14).
//!
//! Publishing goes through the job queue ([`QueuedEvents`]): the event is a
//! durable `events.publish` job keyed by the event's id, so it survives a
//! crash of the process that raised it and a retried publish is one event.
//! The [`EventDispatcher`] job handler hands each event to every
//! [`EventSubscriber`] of its kind (one failing does not stop the others); a subscriber must be idempotent (the
//! job is delivered at least once), which the messaging port's dedupe key
//! makes easy.

use crate::jobs::{Job, JobFailure, JobHandler, JobKind, JobQueue, ProgressSink};
use crate::{TenantId, define_id};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

define_id!(
    /// A domain event.
    EventId,
    "event id"
);

/// Something that happened in a sub-account.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DomainEvent {
    /// Its id (the dedupe key of everything done about it).
    pub id: EventId,
    /// The sub-account.
    pub tenant_id: TenantId,
    /// What happened (`handoff.requested`).
    pub kind: String,
    /// When.
    pub occurred_at: DateTime<Utc>,
    /// The facts, as the event's kind defines them.
    pub data: serde_json::Value,
}

impl DomainEvent {
    /// A new event of `kind` in `tenant`.
    #[must_use]
    pub fn new(tenant_id: TenantId, kind: &str, data: serde_json::Value, occurred_at: DateTime<Utc>) -> Self {
        use chrono::SubsecRound as _;
        // Milliseconds: what every store keeps, so an event reads back equal.
        Self { id: EventId::new(), tenant_id, kind: kind.to_owned(), occurred_at: occurred_at.trunc_subsecs(3), data }
    }
}

/// The event could not be published.
#[derive(Debug, thiserror::Error)]
#[error("event not published: {0}")]
pub struct PublishError(pub String);

/// Announces events.
#[async_trait]
pub trait EventPublisher: Send + Sync + 'static {
    /// Publishes `event` durably (at least once to every subscriber).
    ///
    /// # Errors
    /// [`PublishError`] when it could not be recorded: nothing will act on it.
    async fn publish(&self, event: &DomainEvent) -> Result<(), PublishError>;
}

/// Drops every event (sandboxes, dry runs, tests that do not look).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoEvents;

#[async_trait]
impl EventPublisher for NoEvents {
    async fn publish(&self, _: &DomainEvent) -> Result<(), PublishError> {
        Ok(())
    }
}

/// Whether anyone acts on a kind of event for a tenant, so an event that is
/// frequent and wanted by few (`conversation.message`: two per turn) costs
/// nothing on the hot path of tenants who do not subscribe to it.
#[async_trait]
pub trait EventInterest: Send + Sync + 'static {
    /// Whether `tenant` has a subscriber for `kind` (answers may lag a
    /// change by the implementation's cache lifetime).
    async fn wants(&self, tenant: TenantId, kind: &str) -> bool;
}

/// Every event is wanted (the default: publish all).
#[derive(Clone, Copy, Debug, Default)]
pub struct AllWanted;

#[async_trait]
impl EventInterest for AllWanted {
    async fn wants(&self, _: TenantId, _: &str) -> bool {
        true
    }
}

/// The `events.publish` job kind: one job per event.
#[derive(Debug)]
pub struct PublishEventJob;

impl JobKind for PublishEventJob {
    const KIND: &'static str = "events.publish";
    type Payload = DomainEvent;
    type Output = PublishedTo;
}

/// Which subscribers acted on an event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedTo {
    /// Their names.
    pub subscribers: Vec<String>,
}

/// Publishes by queueing an `events.publish` job keyed by the event id.
pub struct QueuedEvents(Arc<dyn JobQueue>);

impl QueuedEvents {
    /// Events through `queue`.
    #[must_use]
    pub fn new(queue: Arc<dyn JobQueue>) -> Self {
        Self(queue)
    }
}

#[async_trait]
impl EventPublisher for QueuedEvents {
    async fn publish(&self, event: &DomainEvent) -> Result<(), PublishError> {
        let job = PublishEventJob::new_job(event.tenant_id, event)
            .map_err(|e| PublishError(e.to_string()))?
            .with_idempotency_key(format!("event:{}", event.id));
        self.0.enqueue(job).await.map_err(|e| PublishError(e.to_string()))?;
        tracing::info!(tenant.id = %event.tenant_id, event.id = %event.id, event.kind = %event.kind, "event published");
        Ok(())
    }
}

/// Acts on events of some kinds.
#[async_trait]
pub trait EventSubscriber: Send + Sync + 'static {
    /// Its name, for logs and the job's result.
    fn name(&self) -> &'static str;

    /// The kinds it acts on.
    fn kinds(&self) -> &'static [&'static str];

    /// Acts on `event` (possibly again: be idempotent).
    ///
    /// # Errors
    /// [`JobFailure`]: retryable failures run the whole event again.
    async fn on(&self, event: &DomainEvent) -> Result<(), JobFailure>;
}

/// The `events.publish` handler: every subscriber of the event's kind, in order.
pub struct EventDispatcher(Vec<Arc<dyn EventSubscriber>>);

impl EventDispatcher {
    /// A dispatcher to `subscribers`.
    #[must_use]
    pub fn new(subscribers: Vec<Arc<dyn EventSubscriber>>) -> Self {
        Self(subscribers)
    }
}

#[async_trait]
impl JobHandler for EventDispatcher {
    fn kind(&self) -> &'static str {
        PublishEventJob::KIND
    }

    async fn run(&self, job: &Job, _progress: &dyn ProgressSink) -> Result<serde_json::Value, JobFailure> {
        let event = PublishEventJob::payload(job)?;
        if event.tenant_id != job.tenant_id {
            return Err(JobFailure::permanent("an event of another sub-account"));
        }
        // Every subscriber runs even when one fails, so one failing effect
        // (a notice through an unavailable provider) never starves the others;
        // the job then fails (retryably if any failure is) and runs all again (each is idempotent).
        let mut subscribers = Vec::new();
        let mut failure: Option<JobFailure> = None;
        for subscriber in self.0.iter().filter(|s| s.kinds().contains(&event.kind.as_str())) {
            match subscriber.on(&event).await {
                Ok(()) => subscribers.push(subscriber.name().to_owned()),
                Err(error) => {
                    tracing::warn!(event.id = %event.id, subscriber = subscriber.name(), %error, "event subscriber failed");
                    // A retryable failure wins: a retry can still do that subscriber's work.
                    failure = match failure {
                        Some(first) if first.retryable || !error.retryable => Some(first),
                        _ => Some(error),
                    };
                }
            }
        }
        if let Some(failure) = failure {
            return Err(failure);
        }
        tracing::info!(tenant.id = %event.tenant_id, event.id = %event.id, event.kind = %event.kind,
            subscribers = subscribers.len(), "event dispatched");
        PublishEventJob::encode(&PublishedTo { subscribers })
    }
}

/// The event kinds a webhook subscription may ask for, in the order the
/// documentation lists them.
pub const WEBHOOK_EVENT_KINDS: &[&str] = &[
    "lead.created",
    "lead.updated",
    "lead.status_changed",
    "lead.deleted",
    "lead.restored",
    "booking.created",
    "booking.rescheduled",
    "booking.cancelled",
    "conversation.message",
    "handoff.requested",
    "call.completed",
];

/// The transactional outbox: events stored with the change they announce
/// (repositories append inside their own transactions), relayed to the job
/// queue by [`OutboxRelay`], and kept for replays.
#[async_trait]
pub trait EventOutbox: Send + Sync + 'static {
    /// Appends `events` on their own (an event with no row change to join,
    /// such as a handoff request); a known id is skipped.
    ///
    /// # Errors
    /// [`PublishError`] when they could not be stored.
    async fn append(&self, events: &[DomainEvent]) -> Result<(), PublishError>;

    /// Up to `limit` events not relayed yet, oldest first.
    ///
    /// # Errors
    /// [`PublishError`].
    async fn pending(&self, limit: u32) -> Result<Vec<DomainEvent>, PublishError>;

    /// Marks `ids` relayed at `at`.
    ///
    /// # Errors
    /// [`PublishError`].
    async fn mark_relayed(&self, ids: &[EventId], at: DateTime<Utc>) -> Result<(), PublishError>;

    /// The event `id` of `tenant`, if it is still kept.
    ///
    /// # Errors
    /// [`PublishError`].
    async fn get(&self, tenant: TenantId, id: EventId) -> Result<Option<DomainEvent>, PublishError>;

    /// Up to `limit` events of `tenant` of one of `kinds` that occurred in
    /// `from..to`, oldest first (a replay).
    ///
    /// # Errors
    /// [`PublishError`].
    async fn between(
        &self,
        tenant: TenantId,
        kinds: &[String],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<DomainEvent>, PublishError>;

    /// Deletes relayed events that occurred before `before`; how many.
    ///
    /// # Errors
    /// [`PublishError`].
    async fn purge(&self, before: DateTime<Utc>) -> Result<u64, PublishError>;
}

/// Publishes by appending to the [`EventOutbox`] (the relay takes it from there).
pub struct OutboxEvents(Arc<dyn EventOutbox>);

impl OutboxEvents {
    /// Events into `outbox`.
    #[must_use]
    pub fn new(outbox: Arc<dyn EventOutbox>) -> Self {
        Self(outbox)
    }
}

#[async_trait]
impl EventPublisher for OutboxEvents {
    async fn publish(&self, event: &DomainEvent) -> Result<(), PublishError> {
        self.0.append(std::slice::from_ref(event)).await?;
        tracing::info!(tenant.id = %event.tenant_id, event.id = %event.id, event.kind = %event.kind, "event recorded");
        Ok(())
    }
}

/// Moves events from the [`EventOutbox`] to the job queue: each becomes an
/// `events.publish` job keyed by the event id, then is marked relayed. A
/// crash between the two re-relays the batch, and the idempotency key makes
/// that one job per event; several relays at once are just as safe.
pub struct OutboxRelay {
    outbox: Arc<dyn EventOutbox>,
    events: QueuedEvents,
    clock: Arc<dyn crate::Clock>,
}

impl OutboxRelay {
    /// A relay from `outbox` to `queue`.
    #[must_use]
    pub fn new(outbox: Arc<dyn EventOutbox>, queue: Arc<dyn JobQueue>, clock: Arc<dyn crate::Clock>) -> Self {
        Self { outbox, events: QueuedEvents::new(queue), clock }
    }

    /// Relays up to `limit` pending events; how many.
    ///
    /// # Errors
    /// [`PublishError`] when the outbox or the queue failed (what was
    /// enqueued before the failure is relayed again next time, harmlessly).
    pub async fn relay_once(&self, limit: u32) -> Result<usize, PublishError> {
        let pending = self.outbox.pending(limit).await?;
        if pending.is_empty() {
            return Ok(0);
        }
        for event in &pending {
            self.events.publish(event).await?;
        }
        let ids: Vec<EventId> = pending.iter().map(|e| e.id).collect();
        self.outbox.mark_relayed(&ids, self.clock.now()).await?;
        Ok(ids.len())
    }
}
