//! The subscriptions use case: create, read, change, delete, rotate the
//! secret, read the attempt log, redeliver one event, replay a time range.
//!
//! The signing secret is shown once — in the answer to the create or the
//! rotation — and sealed at rest like integration credentials. A rotation
//! keeps the previous secret signing for [`ROTATION_OVERLAP_HOURS`], so a
//! receiver can switch over without losing a delivery.

use super::delivery::{DeliverWebhookJob, Delivery};
use super::ports::{SubscriptionRepository, WebhookTransport};
use super::subscription::{
    Attempt, SigningSecrets, Subscription, SubscriptionId, SubscriptionStatus, check_description, check_events,
    check_url, secret_context,
};
use crate::error::{IntegrationsError, Result};
use crate::ports::{SecretCipher, UrlPolicy};
use chrono::{DateTime, Duration, Utc};
use frontdesk_kernel::events::{EventId, EventOutbox};
use frontdesk_kernel::jobs::{JobKind, JobQueue};
use frontdesk_kernel::{Clock, Page, PageRequest, TenantId, ValidationErrors};
use std::sync::Arc;

/// How long the previous secret keeps signing after a rotation.
pub const ROTATION_OVERLAP_HOURS: i64 = 24;
/// Most subscriptions per sub-account.
pub const MAX_SUBSCRIPTIONS: u64 = 20;
/// Longest time range one replay covers.
pub const MAX_REPLAY_DAYS: i64 = 7;
/// Most events one replay queues.
pub const MAX_REPLAY_EVENTS: u32 = 1000;
/// Redeliveries and replays a sub-account may ask for per hour.
pub const MAX_RESENDS_PER_HOUR: u32 = 30;

/// Input of a new subscription.
#[derive(Clone, Debug, Default)]
pub struct NewSubscription {
    /// The endpoint.
    pub url: String,
    /// Event kinds.
    pub events: Vec<String>,
    /// What it is for.
    pub description: Option<String>,
}

/// A change; absent fields stay.
#[derive(Clone, Debug, Default)]
pub struct SubscriptionChange {
    /// New endpoint.
    pub url: Option<String>,
    /// New event kinds.
    pub events: Option<Vec<String>>,
    /// New description (`Some("")` clears it).
    pub description: Option<String>,
    /// `active` (re-enable) or `disabled`.
    pub status: Option<SubscriptionStatus>,
}

/// A subscription and its signing secret, shown once (`Debug` hides the secret).
#[derive(Clone)]
pub struct WithSecret {
    /// The subscription.
    pub subscription: Subscription,
    /// The secret to verify deliveries with.
    pub secret: String,
}

impl std::fmt::Debug for WithSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WithSecret").field("subscription", &self.subscription).finish_non_exhaustive()
    }
}

/// The use case.
pub struct WebhookSubscriptions {
    repo: Arc<dyn SubscriptionRepository>,
    cipher: Arc<dyn SecretCipher>,
    transport: Arc<dyn WebhookTransport>,
    urls: Arc<dyn UrlPolicy>,
    outbox: Arc<dyn EventOutbox>,
    queue: Arc<dyn JobQueue>,
    clock: Arc<dyn Clock>,
    limiter: Option<Arc<dyn frontdesk_kernel::RateLimiter>>,
}

impl WebhookSubscriptions {
    /// Limits redeliveries and replays per sub-account through `limiter`
    /// ([`MAX_RESENDS_PER_HOUR`]): each queues work that calls an outside URL.
    #[must_use]
    pub fn with_limiter(mut self, limiter: Arc<dyn frontdesk_kernel::RateLimiter>) -> Self {
        self.limiter = Some(limiter);
        self
    }

    async fn spend_resend(&self, tenant: TenantId) -> Result<()> {
        let Some(limiter) = &self.limiter else { return Ok(()) };
        let key = format!("webhook-resends:{tenant}");
        let decision = limiter
            .hit(&key, MAX_RESENDS_PER_HOUR, std::time::Duration::from_secs(3600))
            .await
            .map_err(IntegrationsError::storage)?;
        if decision.allowed {
            Ok(())
        } else {
            Err(IntegrationsError::RateLimited(format!(
                "at most {MAX_RESENDS_PER_HOUR} redeliveries and replays per hour; try again in {} s",
                decision.reset_after.as_secs().max(1)
            )))
        }
    }

    /// The use case over its ports.
    #[must_use]
    pub fn new(
        repo: Arc<dyn SubscriptionRepository>,
        cipher: Arc<dyn SecretCipher>,
        transport: Arc<dyn WebhookTransport>,
        urls: Arc<dyn UrlPolicy>,
        outbox: Arc<dyn EventOutbox>,
        queue: Arc<dyn JobQueue>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { repo, cipher, transport, urls, outbox, queue, clock, limiter: None }
    }

    fn seal(&self, id: SubscriptionId, secrets: &SigningSecrets) -> Result<crate::SealedSecret> {
        let json = serde_json::to_vec(secrets).map_err(|e| IntegrationsError::Crypto { message: e.to_string() })?;
        self.cipher.seal(&json, &secret_context(id))
    }

    /// Opens the signing secrets of `subscription`.
    ///
    /// # Errors
    /// `Crypto`.
    pub fn secrets(&self, subscription: &Subscription) -> Result<SigningSecrets> {
        open_secrets(&*self.cipher, subscription)
    }

    async fn check_address(&self, errors: &mut ValidationErrors, url: &str) {
        if let Err(why) = self.urls.check(url).await {
            errors.add("url", why);
        }
    }

    /// Creates a subscription with a new secret.
    ///
    /// # Errors
    /// `Validation` naming every bad field (a URL the egress rule refuses
    /// included); `Validation` on `url` beyond [`MAX_SUBSCRIPTIONS`]; `Storage`.
    pub async fn create(&self, tenant: TenantId, input: NewSubscription) -> Result<WithSecret> {
        let mut errors = ValidationErrors::new();
        let url = check_url(&mut errors, &input.url);
        let events = check_events(&mut errors, &input.events);
        let description = check_description(&mut errors, input.description.as_deref());
        if let Some(url) = &url {
            self.check_address(&mut errors, url).await;
        }
        errors.into_result()?;
        if self.repo.count(tenant).await? >= MAX_SUBSCRIPTIONS {
            return Err(ValidationErrors::single(
                "url",
                format!("a sub-account has at most {MAX_SUBSCRIPTIONS} webhook subscriptions; delete one first"),
            )
            .into());
        }
        let id = SubscriptionId::new();
        let secret = self.transport.new_secret()?;
        let now = self.clock.now();
        let subscription = Subscription {
            id,
            tenant_id: tenant,
            url: url.unwrap_or_default(),
            description,
            events,
            status: SubscriptionStatus::Active,
            sealed_secrets: self.seal(id, &SigningSecrets { current: secret.clone(), previous: None })?,
            previous_until: None,
            failing_since: None,
            disabled_reason: None,
            created_at: now,
            updated_at: now,
        };
        self.repo.insert(&subscription).await?;
        tracing::info!(tenant.id = %tenant, subscription.id = %id, events = ?subscription.events, "webhook subscription created");
        Ok(WithSecret { subscription, secret })
    }

    /// The subscription `id` of `tenant`.
    ///
    /// # Errors
    /// `NotFound`; `Storage`.
    pub async fn get(&self, tenant: TenantId, id: SubscriptionId) -> Result<Subscription> {
        self.repo.get(tenant, id).await
    }

    /// One page of `tenant`'s subscriptions.
    ///
    /// # Errors
    /// `Storage`.
    pub async fn list(&self, tenant: TenantId, page: PageRequest) -> Result<Page<Subscription>> {
        self.repo.list(tenant, page).await
    }

    /// Changes a subscription; re-enabling clears its failure record.
    ///
    /// # Errors
    /// `Validation`; `NotFound`; `Conflict` when it changed meanwhile; `Storage`.
    pub async fn update(
        &self,
        tenant: TenantId,
        id: SubscriptionId,
        change: SubscriptionChange,
    ) -> Result<Subscription> {
        let current = self.repo.get(tenant, id).await?;
        let mut next = current.clone();
        let mut errors = ValidationErrors::new();
        if let Some(url) = &change.url
            && let Some(url) = check_url(&mut errors, url)
        {
            self.check_address(&mut errors, &url).await;
            next.url = url;
        }
        if let Some(events) = &change.events {
            next.events = check_events(&mut errors, events);
        }
        if let Some(description) = &change.description {
            next.description = check_description(&mut errors, Some(description));
        }
        errors.into_result()?;
        if let Some(status) = change.status {
            if status == SubscriptionStatus::Active && current.status == SubscriptionStatus::Disabled {
                next.failing_since = None;
                next.disabled_reason = None;
            }
            next.status = status;
        }
        next.updated_at = current.next_updated_at(self.clock.now());
        self.repo.update(&next, current.updated_at).await?;
        tracing::info!(tenant.id = %tenant, subscription.id = %id, status = %next.status, "webhook subscription changed");
        Ok(next)
    }

    /// Deletes a subscription; queued deliveries find it gone and stop.
    ///
    /// # Errors
    /// `NotFound`; `Storage`.
    pub async fn delete(&self, tenant: TenantId, id: SubscriptionId) -> Result<()> {
        self.repo.delete(tenant, id).await?;
        tracing::info!(tenant.id = %tenant, subscription.id = %id, "webhook subscription deleted");
        Ok(())
    }

    /// A new signing secret; the old one keeps signing (a second
    /// signature) for [`ROTATION_OVERLAP_HOURS`].
    ///
    /// # Errors
    /// `NotFound`; `Conflict`; `Crypto`; `Storage`.
    pub async fn rotate_secret(&self, tenant: TenantId, id: SubscriptionId) -> Result<WithSecret> {
        let current = self.repo.get(tenant, id).await?;
        let old = self.secrets(&current)?;
        let secret = self.transport.new_secret()?;
        let now = self.clock.now();
        let mut next = current.clone();
        next.sealed_secrets =
            self.seal(id, &SigningSecrets { current: secret.clone(), previous: Some(old.current) })?;
        next.previous_until = Some(now + Duration::hours(ROTATION_OVERLAP_HOURS));
        next.updated_at = current.next_updated_at(now);
        self.repo.update(&next, current.updated_at).await?;
        tracing::info!(tenant.id = %tenant, subscription.id = %id, "webhook signing secret rotated");
        Ok(WithSecret { subscription: next, secret })
    }

    /// One page of the subscription's attempt log.
    ///
    /// # Errors
    /// `NotFound`; `Storage`.
    pub async fn attempts(&self, tenant: TenantId, id: SubscriptionId, page: PageRequest) -> Result<Page<Attempt>> {
        self.repo.get(tenant, id).await?;
        self.repo.attempts(tenant, id, page).await
    }

    async fn queue(&self, subscription: &Subscription, event: EventId, series: &str) -> Result<()> {
        let delivery =
            Delivery { subscription_id: subscription.id, event_id: event, series: series.to_owned(), attempt: 1 };
        let job = DeliverWebhookJob::new_job(subscription.tenant_id, &delivery)
            .map_err(IntegrationsError::storage)?
            .with_idempotency_key(delivery.key());
        self.queue.enqueue(job).await.map_err(IntegrationsError::storage)?;
        Ok(())
    }

    /// Delivers event `event` to the subscription again (same `webhook-id`),
    /// with its own retries.
    ///
    /// # Errors
    /// `NotFound` (`subscription`, or `event` when unknown or no longer
    /// kept); `Validation` when the subscription is disabled; `Storage`.
    pub async fn redeliver(&self, tenant: TenantId, id: SubscriptionId, event: EventId) -> Result<()> {
        let subscription = self.repo.get(tenant, id).await?;
        refuse_disabled(&subscription)?;
        let Some(found) = self.outbox.get(tenant, event).await.map_err(IntegrationsError::storage)? else {
            return Err(IntegrationsError::NotFound { entity: "event" });
        };
        if !subscription.events.contains(&found.kind) {
            return Err(ValidationErrors::single(
                "eventId",
                format!("the subscription does not receive {} events", found.kind),
            )
            .into());
        }
        self.spend_resend(tenant).await?;
        self.queue(&subscription, event, &format!("redeliver-{}", uuid::Uuid::now_v7())).await
    }

    /// Queues every event of the subscription's kinds that occurred in
    /// `from..to` (at most [`MAX_REPLAY_DAYS`] long, [`MAX_REPLAY_EVENTS`]
    /// events); how many were queued.
    ///
    /// # Errors
    /// `Validation` (`from`/`to`, or a disabled subscription); `NotFound`; `Storage`.
    pub async fn replay(
        &self,
        tenant: TenantId,
        id: SubscriptionId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<u32> {
        let subscription = self.repo.get(tenant, id).await?;
        let mut errors = ValidationErrors::new();
        if to <= from {
            errors.add("to", "must be after from");
        } else if to - from > Duration::days(MAX_REPLAY_DAYS) {
            errors.add("to", format!("a replay covers at most {MAX_REPLAY_DAYS} days"));
        }
        errors.into_result()?;
        refuse_disabled(&subscription)?;
        self.spend_resend(tenant).await?;
        let events = self
            .outbox
            .between(tenant, &subscription.events, from, to, MAX_REPLAY_EVENTS)
            .await
            .map_err(IntegrationsError::storage)?;
        let series = format!("replay-{}", uuid::Uuid::now_v7());
        for event in &events {
            self.queue(&subscription, event.id, &series).await?;
        }
        tracing::info!(tenant.id = %tenant, subscription.id = %id, events = events.len(), "webhook replay queued");
        Ok(u32::try_from(events.len()).unwrap_or(u32::MAX))
    }
}

impl WebhookSubscriptions {
    /// Re-seals every signing secret not under the current key, `batch` at
    /// a time, into `report` (the integrations' rotation report): each one
    /// only if it did not change since it was read; rows that raced are
    /// taken again in another pass. Resumable.
    ///
    /// # Errors
    /// `Storage` (what was re-sealed stays re-sealed).
    pub async fn rotate_keys(&self, batch: u32, report: &mut crate::RotationReport) -> Result<()> {
        const PASSES: usize = 5;
        let current = self.cipher.current_key_id().to_owned();
        for _ in 0..PASSES {
            let (mut after, mut raced) = (None, 0);
            loop {
                let work = self.repo.sealed_under_other_keys(&current, after, batch.max(1)).await?;
                let Some(last) = work.last() else { break };
                after = Some(last.id);
                for subscription in &work {
                    if report.failed_subscriptions.contains(&subscription.id) {
                        continue;
                    }
                    match self.secrets(subscription).and_then(|secrets| self.seal(subscription.id, &secrets)) {
                        Ok(sealed) => {
                            let from = subscription.sealed_secrets.key_id();
                            if self.repo.reseal(subscription.id, from, subscription.updated_at, &sealed).await? {
                                report.resealed += 1;
                            } else {
                                raced += 1;
                            }
                        }
                        Err(_) => report.failed_subscriptions.push(subscription.id),
                    }
                }
            }
            report.skipped += raced;
            if raced == 0 {
                return Ok(());
            }
        }
        report.complete = false;
        Ok(())
    }
}

fn refuse_disabled(subscription: &Subscription) -> Result<()> {
    if subscription.status == SubscriptionStatus::Disabled {
        return Err(ValidationErrors::single("status", "the subscription is disabled; enable it first").into());
    }
    Ok(())
}

/// Opens the signing secrets of `subscription` with `cipher`.
///
/// # Errors
/// `Crypto`.
pub fn open_secrets(cipher: &dyn SecretCipher, subscription: &Subscription) -> Result<SigningSecrets> {
    let bytes = cipher.open(&subscription.sealed_secrets, &secret_context(subscription.id))?;
    serde_json::from_slice(&bytes).map_err(|e| IntegrationsError::Crypto { message: format!("signing secrets: {e}") })
}
