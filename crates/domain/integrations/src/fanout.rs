//! The steps every integration's event subscriber shares (GoHighLevel
//! contacts and appointments, Google Calendar events): find the tenant's
//! active integration of a kind, read the entity id the event is about, and
//! queue the typed job that acts on it under a key (so a redelivered event
//! queues nothing twice).

use crate::integration::{Integration, IntegrationKind};
use crate::ports::IntegrationRepository;
use frontdesk_kernel::events::DomainEvent;
use frontdesk_kernel::jobs::{JobFailure, JobKind, JobQueue};

/// `event`'s tenant's active integration of `kind`, if it has one.
///
/// # Errors
/// A retryable failure when the integrations cannot be read.
pub(crate) async fn active(
    repo: &dyn IntegrationRepository,
    event: &DomainEvent,
    kind: IntegrationKind,
) -> Result<Option<Integration>, JobFailure> {
    repo.active_of_kind(event.tenant_id, kind).await.map_err(|e| JobFailure::retry(e.to_string()))
}

/// The id at `data.{entity}.id` of `event`.
///
/// # Errors
/// A permanent failure when it is missing or not an id.
pub(crate) fn entity_id<T: std::str::FromStr>(event: &DomainEvent, entity: &str) -> Result<T, JobFailure> {
    event.data[entity]["id"]
        .as_str()
        .and_then(|id| id.parse::<T>().ok())
        .ok_or_else(|| JobFailure::permanent(format!("a {} event without a {entity} id", event.kind)))
}

/// Queues a `K` job of `payload` for `event`'s tenant under `key`.
///
/// # Errors
/// Permanent when the payload cannot be written; retryable when the queue refuses.
pub(crate) async fn enqueue<K: JobKind>(
    queue: &dyn JobQueue,
    event: &DomainEvent,
    payload: &K::Payload,
    key: String,
) -> Result<(), JobFailure> {
    let job = K::new_job(event.tenant_id, payload).map_err(|e| JobFailure::permanent(e.to_string()))?;
    queue.enqueue(job.with_idempotency_key(key)).await.map_err(|e| JobFailure::retry(e.to_string()))?;
    Ok(())
}
