//! Delivering events to subscriptions: the fan-out ([`WebhookFanout`], an
//! `events.publish` subscriber that queues one delivery job per interested
//! subscription) and the delivery job ([`DeliverWebhooks`]).
//!
//! A job makes **one** attempt and logs it; a failed attempt queues the
//! next one of its series at the time [`RETRY_DELAYS`] says (5 s, 5 min,
//! 30 min, 2 h, 5 h, 10 h, 10 h: the last attempt ~27.6 h after the first).
//! Every job is keyed `webhook:{subscription}:{event}:{series}:{attempt}`
//! and every attempt is logged under the same four values, so a job run
//! twice — its worker killed after the attempt — finds the attempt made and
//! only makes sure the next one is queued: the endpoint sees each attempt
//! once, unless the worker dies between the HTTP call and its log entry
//! (at-least-once: the receiver de-duplicates on `webhook-id`, the event
//! id, the same across retries, redeliveries and replays).
//!
//! A subscription whose attempts have all failed for [`DISABLE_AFTER_DAYS`]
//! is disabled and its sub-account's owners are told.

use super::ports::{DeliveryAnswer, SignedDelivery, SubscriptionAlerts, SubscriptionRepository, WebhookTransport};
use super::service::open_secrets;
use super::subscription::{Attempt, SubscriptionId, SubscriptionStatus};
use crate::IntegrationsError;
use crate::ports::SecretCipher;
use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use frontdesk_kernel::events::{DomainEvent, EventId, EventOutbox, EventSubscriber, WEBHOOK_EVENT_KINDS};
use frontdesk_kernel::jobs::{Job, JobFailure, JobHandler, JobKind, JobQueue, ProgressSink};
use frontdesk_kernel::{Clock, TenantId};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Delays before attempts 2…8 of a series.
pub const RETRY_DELAYS: [std::time::Duration; 7] = [
    std::time::Duration::from_secs(5),
    std::time::Duration::from_secs(5 * 60),
    std::time::Duration::from_secs(30 * 60),
    std::time::Duration::from_secs(2 * 3600),
    std::time::Duration::from_secs(5 * 3600),
    std::time::Duration::from_secs(10 * 3600),
    std::time::Duration::from_secs(10 * 3600),
];
/// A subscription failing this long is disabled.
pub const DISABLE_AFTER_DAYS: i64 = 3;
/// The series of an event's own deliveries.
pub const AUTO_SERIES: &str = "auto";

/// One attempt to make: the `webhooks.deliver` job's payload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// To whom.
    pub subscription_id: SubscriptionId,
    /// What.
    pub event_id: EventId,
    /// `auto`, `redeliver-…`, `replay-…`.
    pub series: String,
    /// 1-based.
    pub attempt: u32,
}

impl Delivery {
    /// The job's idempotency key.
    #[must_use]
    pub fn key(&self) -> String {
        format!("webhook:{}:{}:{}:{}", self.subscription_id, self.event_id, self.series, self.attempt)
    }
}

/// The `webhooks.deliver` job kind.
#[derive(Debug)]
pub struct DeliverWebhookJob;

impl JobKind for DeliverWebhookJob {
    const KIND: &'static str = "webhooks.deliver";
    type Payload = Delivery;
    type Output = serde_json::Value;
}

async fn enqueue(
    queue: &dyn JobQueue,
    tenant: TenantId,
    delivery: &Delivery,
    at: DateTime<Utc>,
) -> Result<(), JobFailure> {
    let job = DeliverWebhookJob::new_job(tenant, delivery)
        .map_err(|e| JobFailure::permanent(e.to_string()))?
        .with_idempotency_key(delivery.key());
    queue.enqueue_at(job, at).await.map_err(|e| JobFailure::retry(format!("could not queue a delivery: {e}")))?;
    Ok(())
}

/// Queues a delivery per active subscription that wants the event.
pub struct WebhookFanout {
    repo: Arc<dyn SubscriptionRepository>,
    queue: Arc<dyn JobQueue>,
    clock: Arc<dyn Clock>,
}

impl WebhookFanout {
    /// A fan-out over the subscriptions in `repo` into `queue`.
    #[must_use]
    pub fn new(repo: Arc<dyn SubscriptionRepository>, queue: Arc<dyn JobQueue>, clock: Arc<dyn Clock>) -> Self {
        Self { repo, queue, clock }
    }
}

#[async_trait]
impl EventSubscriber for WebhookFanout {
    fn name(&self) -> &'static str {
        "webhooks"
    }

    fn kinds(&self) -> &'static [&'static str] {
        WEBHOOK_EVENT_KINDS
    }

    async fn on(&self, event: &DomainEvent) -> Result<(), JobFailure> {
        let subscriptions = self
            .repo
            .wanting(event.tenant_id, &event.kind)
            .await
            .map_err(|e| JobFailure::retry(format!("subscriptions unavailable: {e}")))?;
        for subscription in subscriptions {
            let delivery = Delivery {
                subscription_id: subscription.id,
                event_id: event.id,
                series: AUTO_SERIES.to_owned(),
                attempt: 1,
            };
            enqueue(&*self.queue, event.tenant_id, &delivery, self.clock.now()).await?;
        }
        Ok(())
    }
}

/// The Standard Webhooks body of `event`: `{"type", "timestamp", "data"}`.
#[must_use]
pub fn body_of(event: &DomainEvent) -> Vec<u8> {
    let body = serde_json::json!({
        "type": event.kind,
        "timestamp": event.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "data": event.data,
    });
    body.to_string().into_bytes()
}

/// Runs `webhooks.deliver` jobs.
pub struct DeliverWebhooks {
    repo: Arc<dyn SubscriptionRepository>,
    outbox: Arc<dyn EventOutbox>,
    cipher: Arc<dyn SecretCipher>,
    transport: Arc<dyn WebhookTransport>,
    alerts: Arc<dyn SubscriptionAlerts>,
    queue: Arc<dyn JobQueue>,
    clock: Arc<dyn Clock>,
}

impl DeliverWebhooks {
    /// The handler over its ports.
    #[must_use]
    #[allow(clippy::too_many_arguments, reason = "the handler's ports, each one thing it needs")]
    pub fn new(
        repo: Arc<dyn SubscriptionRepository>,
        outbox: Arc<dyn EventOutbox>,
        cipher: Arc<dyn SecretCipher>,
        transport: Arc<dyn WebhookTransport>,
        alerts: Arc<dyn SubscriptionAlerts>,
        queue: Arc<dyn JobQueue>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { repo, outbox, cipher, transport, alerts, queue, clock }
    }

    fn next_at(&self, delivery: &Delivery, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let delay = RETRY_DELAYS.get(delivery.attempt.saturating_sub(1) as usize)?;
        Some(now + Duration::from_std(*delay).unwrap_or_default())
    }

    async fn queue_next(&self, tenant: TenantId, delivery: &Delivery, at: DateTime<Utc>) -> Result<(), JobFailure> {
        let next = Delivery { attempt: delivery.attempt + 1, ..delivery.clone() };
        enqueue(&*self.queue, tenant, &next, at).await
    }

    /// Records a failure against the subscription's health; disables it
    /// once it has failed for [`DISABLE_AFTER_DAYS`].
    async fn failed(&self, subscription: &super::Subscription, now: DateTime<Utc>) -> Result<(), IntegrationsError> {
        let Some(since) = subscription.failing_since else {
            return self.repo.set_failing_since(subscription.tenant_id, subscription.id, Some(now)).await;
        };
        if now - since < Duration::days(DISABLE_AFTER_DAYS) {
            return Ok(());
        }
        let reason = format!(
            "every delivery since {} failed; re-enable it once the endpoint works",
            since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
        let mut disabled = subscription.clone();
        disabled.status = SubscriptionStatus::Disabled;
        disabled.disabled_reason = Some(reason.clone());
        disabled.updated_at = subscription.next_updated_at(now);
        match self.repo.update(&disabled, subscription.updated_at).await {
            Ok(()) => {
                tracing::warn!(tenant.id = %subscription.tenant_id, subscription.id = %subscription.id,
                    "webhook subscription disabled after failing for {DISABLE_AFTER_DAYS} days");
                self.alerts.disabled(&disabled, &reason).await;
                Ok(())
            }
            // Changed meanwhile (re-enabled, edited): the tenant's word wins.
            Err(IntegrationsError::Conflict | IntegrationsError::NotFound { .. }) => Ok(()),
            Err(err) => Err(err),
        }
    }
}

fn infra(err: impl std::fmt::Display) -> JobFailure {
    JobFailure::retry(err.to_string())
}

#[async_trait]
impl JobHandler for DeliverWebhooks {
    fn kind(&self) -> &'static str {
        DeliverWebhookJob::KIND
    }

    async fn run(&self, job: &Job, _progress: &dyn ProgressSink) -> Result<serde_json::Value, JobFailure> {
        let delivery = DeliverWebhookJob::payload(job)?;
        let tenant = job.tenant_id;
        let subscription = match self.repo.get(tenant, delivery.subscription_id).await {
            Ok(subscription) => subscription,
            Err(IntegrationsError::NotFound { .. }) => {
                return Ok(serde_json::json!({ "skipped": "the subscription was deleted" }));
            }
            Err(err) => return Err(infra(err)),
        };
        if subscription.status == SubscriptionStatus::Disabled {
            return Ok(serde_json::json!({ "skipped": "the subscription is disabled" }));
        }
        let now = self.clock.now();
        if let Some(made) = self
            .repo
            .find_attempt(subscription.id, delivery.event_id, &delivery.series, delivery.attempt)
            .await
            .map_err(infra)?
        {
            // A redelivered job: the attempt was made; make sure its successor is queued.
            if let Some(at) = made.next_attempt_at {
                self.queue_next(tenant, &delivery, at).await?;
            }
            return Ok(
                serde_json::json!({ "attempt": delivery.attempt, "succeeded": made.succeeded, "repeated": true }),
            );
        }
        let Some(event) = self.outbox.get(tenant, delivery.event_id).await.map_err(infra)? else {
            return Ok(serde_json::json!({ "skipped": "the event is no longer kept" }));
        };
        if !subscription.events.contains(&event.kind) {
            // The tenant stopped subscribing to this kind since it was queued.
            return Ok(serde_json::json!({ "skipped": "the subscription no longer receives this kind" }));
        }
        let secrets = open_secrets(&*self.cipher, &subscription).map_err(|e| JobFailure::permanent(e.to_string()))?;
        let mut signing = vec![secrets.current.as_str()];
        if let (Some(previous), Some(until)) = (&secrets.previous, subscription.previous_until)
            && now < until
        {
            signing.push(previous.as_str());
        }
        let body = body_of(&event);
        let id = event.id.to_string();
        let answer = self
            .transport
            .deliver(SignedDelivery {
                url: &subscription.url,
                id: &id,
                timestamp: now.timestamp(),
                body: &body,
                secrets: signing,
            })
            .await;
        let (status_code, latency_ms, excerpt, error) = match answer {
            DeliveryAnswer::Answered { status, latency_ms, excerpt } => (Some(status), latency_ms, excerpt, None),
            // Bounded: the reason names the host, which the tenant chose (the column holds 500).
            DeliveryAnswer::Failed { error, latency_ms } => {
                (None, latency_ms, String::new(), Some(error.chars().take(400).collect::<String>()))
            }
        };
        let succeeded = status_code.is_some_and(|s| (200..300).contains(&s));
        let next_attempt_at = if succeeded { None } else { self.next_at(&delivery, now) };
        let attempt = Attempt {
            subscription_id: subscription.id,
            tenant_id: tenant,
            event_id: event.id,
            event_kind: event.kind.clone(),
            series: delivery.series.clone(),
            attempt: delivery.attempt,
            attempted_at: now,
            status_code,
            latency_ms,
            excerpt: frontdesk_kernel::text::strip_controls(&excerpt),
            error: error.clone(),
            succeeded,
            next_attempt_at,
        };
        self.repo.record_attempt(&attempt).await.map_err(infra)?;
        tracing::info!(tenant.id = %tenant, subscription.id = %subscription.id, event.id = %event.id,
            event.kind = %event.kind, attempt = delivery.attempt, series = %delivery.series, status = ?status_code,
            latency_ms, succeeded, error = ?error, "webhook attempt");
        if succeeded {
            if subscription.failing_since.is_some() {
                self.repo.set_failing_since(tenant, subscription.id, None).await.map_err(infra)?;
            }
        } else {
            self.failed(&subscription, now).await.map_err(infra)?;
            if let Some(at) = next_attempt_at {
                self.queue_next(tenant, &delivery, at).await?;
            }
        }
        Ok(serde_json::json!({ "attempt": delivery.attempt, "status": status_code, "succeeded": succeeded }))
    }
}
