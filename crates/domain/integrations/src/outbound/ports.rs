//! The ports outbound webhooks need: the subscriptions and their attempt
//! log, the signed HTTP call, and a way to tell a sub-account's owners.

use super::subscription::{Attempt, Subscription, SubscriptionId};
use crate::error::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk_kernel::events::EventId;
use frontdesk_kernel::{Page, PageRequest, TenantId};

/// Subscriptions and their delivery attempts.
#[async_trait]
pub trait SubscriptionRepository: Send + Sync + 'static {
    /// Stores a new subscription.
    ///
    /// # Errors
    /// `Storage`.
    async fn insert(&self, subscription: &Subscription) -> Result<()>;

    /// The subscription `id` of `tenant`.
    ///
    /// # Errors
    /// `NotFound` when missing or another tenant's; `Storage`.
    async fn get(&self, tenant: TenantId, id: SubscriptionId) -> Result<Subscription>;

    /// One page of `tenant`'s subscriptions, oldest first.
    ///
    /// # Errors
    /// `Storage`.
    async fn list(&self, tenant: TenantId, page: PageRequest) -> Result<Page<Subscription>>;

    /// How many subscriptions `tenant` has.
    ///
    /// # Errors
    /// `Storage`.
    async fn count(&self, tenant: TenantId) -> Result<u64>;

    /// The active subscriptions of `tenant` that want events of `kind`.
    ///
    /// # Errors
    /// `Storage`.
    async fn wanting(&self, tenant: TenantId, kind: &str) -> Result<Vec<Subscription>>;

    /// Writes every mutable field if the row's `updated_at` is still `seen`.
    ///
    /// # Errors
    /// `NotFound`; `Conflict` when it changed since; `Storage`.
    async fn update(&self, subscription: &Subscription, seen: DateTime<Utc>) -> Result<()>;

    /// Sets when it started failing (`None`: it delivers again), without touching `updated_at`.
    ///
    /// # Errors
    /// `Storage`.
    async fn set_failing_since(&self, tenant: TenantId, id: SubscriptionId, since: Option<DateTime<Utc>>)
    -> Result<()>;

    /// Deletes it and its attempt log.
    ///
    /// # Errors
    /// `NotFound`; `Storage`.
    async fn delete(&self, tenant: TenantId, id: SubscriptionId) -> Result<()>;

    /// Logs `attempt`; `false` when that attempt (subscription, event,
    /// series, number) was logged already — a redelivered job.
    ///
    /// # Errors
    /// `Storage`.
    async fn record_attempt(&self, attempt: &Attempt) -> Result<bool>;

    /// The logged attempt, if any.
    ///
    /// # Errors
    /// `Storage`.
    async fn find_attempt(
        &self,
        subscription: SubscriptionId,
        event: EventId,
        series: &str,
        attempt: u32,
    ) -> Result<Option<Attempt>>;

    /// Up to `limit` subscriptions, of any tenant, whose secrets are sealed
    /// under a key other than `key_id`, with ids above `after`, by id (a key rotation's work list).
    ///
    /// # Errors
    /// `Storage`.
    async fn sealed_under_other_keys(
        &self,
        key_id: &str,
        after: Option<SubscriptionId>,
        limit: u32,
    ) -> Result<Vec<Subscription>>;

    /// Replaces the sealed secrets of `id` if they are still under `from_key`
    /// and `updated_at` is still `seen`, moving `updated_at` on by 1 ms;
    /// whether it did.
    ///
    /// # Errors
    /// `Storage`.
    async fn reseal(
        &self,
        id: SubscriptionId,
        from_key: &str,
        seen: DateTime<Utc>,
        sealed: &crate::SealedSecret,
    ) -> Result<bool>;

    /// Deletes attempts made before `before`; how many.
    ///
    /// # Errors
    /// `Storage`.
    async fn purge_attempts(&self, before: DateTime<Utc>) -> Result<u64>;

    /// One page of the subscription's attempts, newest first.
    ///
    /// # Errors
    /// `Storage`.
    async fn attempts(&self, tenant: TenantId, id: SubscriptionId, page: PageRequest) -> Result<Page<Attempt>>;
}

/// A signed delivery to make.
#[derive(Clone)]
pub struct SignedDelivery<'a> {
    /// The endpoint.
    pub url: &'a str,
    /// `webhook-id`.
    pub id: &'a str,
    /// `webhook-timestamp` (seconds).
    pub timestamp: i64,
    /// The JSON body.
    pub body: &'a [u8],
    /// The `whsec_` secrets to sign with, one `v1,` signature each.
    pub secrets: Vec<&'a str>,
}

/// What came back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeliveryAnswer {
    /// The endpoint answered.
    Answered {
        /// HTTP status.
        status: u16,
        /// Time to the answer.
        latency_ms: u64,
        /// The body's first 1 KiB.
        excerpt: String,
    },
    /// No answer: refused by the address rule, unreachable or timed out.
    Failed {
        /// Why (no internal address in it).
        error: String,
        /// Time spent.
        latency_ms: u64,
    },
}

/// Signs (Standard Webhooks) and sends deliveries; makes signing secrets.
#[async_trait]
pub trait WebhookTransport: Send + Sync + 'static {
    /// A new `whsec_` secret.
    ///
    /// # Errors
    /// `Crypto` when no randomness was available.
    fn new_secret(&self) -> Result<String>;

    /// POSTs `delivery`, signed, under the egress rules. Never fails: a failure is an answer.
    async fn deliver(&self, delivery: SignedDelivery<'_>) -> DeliveryAnswer;
}

/// Tells a sub-account's owners something went wrong with a subscription.
#[async_trait]
pub trait SubscriptionAlerts: Send + Sync + 'static {
    /// `subscription` was disabled for `reason` (best effort: failures are logged).
    async fn disabled(&self, subscription: &Subscription, reason: &str);
}

/// Alerts nobody (tests).
#[derive(Clone, Copy, Debug, Default)]
pub struct NoAlerts;

#[async_trait]
impl SubscriptionAlerts for NoAlerts {
    async fn disabled(&self, _: &Subscription, _: &str) {}
}
