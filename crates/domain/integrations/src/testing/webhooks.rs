//! In-memory outbound-webhook adapters: subscriptions with their attempt
//! log, and a transport that records deliveries and answers as told.

use crate::error::{IntegrationsError, Result};
use crate::outbound::{
    Attempt, DeliveryAnswer, SignedDelivery, Subscription, SubscriptionAlerts, SubscriptionId, SubscriptionRepository,
    SubscriptionStatus, WebhookTransport,
};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk_kernel::events::EventId;
use frontdesk_kernel::testing::{lock, page_of};
use frontdesk_kernel::{Page, PageRequest, TenantId};
use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

const NOT_FOUND: IntegrationsError = IntegrationsError::NotFound { entity: "webhook subscription" };

/// Subscriptions and attempts in vectors, under one lock each.
#[derive(Debug, Default)]
pub struct InMemorySubscriptions {
    subscriptions: Mutex<Vec<Subscription>>,
    attempts: Mutex<Vec<Attempt>>,
}

impl InMemorySubscriptions {
    /// Every attempt logged, oldest first.
    #[must_use]
    pub fn all_attempts(&self) -> Vec<Attempt> {
        lock(&self.attempts).clone()
    }
}

#[async_trait]
impl SubscriptionRepository for InMemorySubscriptions {
    async fn insert(&self, subscription: &Subscription) -> Result<()> {
        lock(&self.subscriptions).push(subscription.clone());
        Ok(())
    }

    async fn get(&self, tenant: TenantId, id: SubscriptionId) -> Result<Subscription> {
        lock(&self.subscriptions).iter().find(|s| s.tenant_id == tenant && s.id == id).cloned().ok_or(NOT_FOUND)
    }

    async fn list(&self, tenant: TenantId, page: PageRequest) -> Result<Page<Subscription>> {
        let mut found: Vec<_> = lock(&self.subscriptions).iter().filter(|s| s.tenant_id == tenant).cloned().collect();
        found.sort_by_key(|s| (s.created_at, s.id));
        Ok(page_of(&found, page))
    }

    async fn count(&self, tenant: TenantId) -> Result<u64> {
        Ok(lock(&self.subscriptions).iter().filter(|s| s.tenant_id == tenant).count() as u64)
    }

    async fn wanting(&self, tenant: TenantId, kind: &str) -> Result<Vec<Subscription>> {
        Ok(lock(&self.subscriptions).iter().filter(|s| s.tenant_id == tenant && s.wants(kind)).cloned().collect())
    }

    async fn update(&self, subscription: &Subscription, seen: DateTime<Utc>) -> Result<()> {
        let mut all = lock(&self.subscriptions);
        let stored = all
            .iter_mut()
            .find(|s| s.tenant_id == subscription.tenant_id && s.id == subscription.id)
            .ok_or(NOT_FOUND)?;
        if stored.updated_at != seen {
            return Err(IntegrationsError::Conflict);
        }
        *stored = Subscription { created_at: stored.created_at, ..subscription.clone() };
        Ok(())
    }

    async fn set_failing_since(
        &self,
        tenant: TenantId,
        id: SubscriptionId,
        since: Option<DateTime<Utc>>,
    ) -> Result<()> {
        if let Some(s) = lock(&self.subscriptions).iter_mut().find(|s| s.tenant_id == tenant && s.id == id) {
            s.failing_since = since;
        }
        Ok(())
    }

    async fn delete(&self, tenant: TenantId, id: SubscriptionId) -> Result<()> {
        let mut all = lock(&self.subscriptions);
        let before = all.len();
        all.retain(|s| !(s.tenant_id == tenant && s.id == id));
        if all.len() == before {
            return Err(NOT_FOUND);
        }
        lock(&self.attempts).retain(|a| a.subscription_id != id);
        Ok(())
    }

    async fn record_attempt(&self, attempt: &Attempt) -> Result<bool> {
        let mut all = lock(&self.attempts);
        if all.iter().any(|a| {
            (a.subscription_id, a.event_id, &a.series, a.attempt)
                == (attempt.subscription_id, attempt.event_id, &attempt.series, attempt.attempt)
        }) {
            return Ok(false);
        }
        all.push(attempt.clone());
        Ok(true)
    }

    async fn find_attempt(
        &self,
        subscription: SubscriptionId,
        event: EventId,
        series: &str,
        attempt: u32,
    ) -> Result<Option<Attempt>> {
        Ok(lock(&self.attempts)
            .iter()
            .find(|a| {
                a.subscription_id == subscription && a.event_id == event && a.series == series && a.attempt == attempt
            })
            .cloned())
    }

    async fn sealed_under_other_keys(
        &self,
        key_id: &str,
        after: Option<SubscriptionId>,
        limit: u32,
    ) -> Result<Vec<Subscription>> {
        let mut found: Vec<_> = lock(&self.subscriptions)
            .iter()
            .filter(|s| s.sealed_secrets.key_id() != key_id && after.is_none_or(|a| s.id > a))
            .cloned()
            .collect();
        found.sort_by_key(|s| s.id);
        found.truncate(limit as usize);
        Ok(found)
    }

    async fn reseal(
        &self,
        id: SubscriptionId,
        from_key: &str,
        seen: DateTime<Utc>,
        sealed: &crate::SealedSecret,
    ) -> Result<bool> {
        let mut all = lock(&self.subscriptions);
        let Some(s) = all.iter_mut().find(|s| s.id == id) else { return Ok(false) };
        if s.sealed_secrets.key_id() != from_key || s.updated_at != seen {
            return Ok(false);
        }
        s.sealed_secrets = sealed.clone();
        s.updated_at = seen + chrono::Duration::milliseconds(1);
        Ok(true)
    }

    async fn purge_attempts(&self, before: DateTime<Utc>) -> Result<u64> {
        let mut all = lock(&self.attempts);
        let len = all.len();
        all.retain(|a| a.attempted_at >= before);
        Ok((len - all.len()) as u64)
    }

    async fn attempts(&self, tenant: TenantId, id: SubscriptionId, page: PageRequest) -> Result<Page<Attempt>> {
        let mut found: Vec<_> =
            lock(&self.attempts).iter().filter(|a| a.tenant_id == tenant && a.subscription_id == id).cloned().collect();
        found.reverse();
        found.sort_by_key(|a| std::cmp::Reverse(a.attempted_at));
        Ok(page_of(&found, page))
    }
}

/// A delivery as the [`ScriptedTransport`] saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentDelivery {
    /// Endpoint.
    pub url: String,
    /// `webhook-id`.
    pub id: String,
    /// `webhook-timestamp`.
    pub timestamp: i64,
    /// Body.
    pub body: String,
    /// The secrets it was signed with.
    pub secrets: Vec<String>,
}

/// Records deliveries; answers from a script (then 200), makes numbered secrets.
#[derive(Debug, Default)]
pub struct ScriptedTransport {
    answers: Mutex<VecDeque<DeliveryAnswer>>,
    sent: Mutex<Vec<SentDelivery>>,
    secrets: AtomicU64,
}

impl ScriptedTransport {
    /// The next deliveries get `answers`, in order.
    pub fn answer(&self, answers: impl IntoIterator<Item = DeliveryAnswer>) {
        lock(&self.answers).extend(answers);
    }

    /// A `status` answer.
    #[must_use]
    pub fn status(status: u16) -> DeliveryAnswer {
        DeliveryAnswer::Answered { status, latency_ms: 3, excerpt: format!("status {status}") }
    }

    /// Every delivery made.
    #[must_use]
    pub fn sent(&self) -> Vec<SentDelivery> {
        lock(&self.sent).clone()
    }
}

#[async_trait]
impl WebhookTransport for ScriptedTransport {
    fn new_secret(&self) -> Result<String> {
        let n = self.secrets.fetch_add(1, Ordering::SeqCst);
        Ok(format!("whsec_dGVzdC1zZWNyZXQtbnVtYmVyLTAwMDAw{n:04}"))
    }

    async fn deliver(&self, delivery: SignedDelivery<'_>) -> DeliveryAnswer {
        lock(&self.sent).push(SentDelivery {
            url: delivery.url.to_owned(),
            id: delivery.id.to_owned(),
            timestamp: delivery.timestamp,
            body: String::from_utf8_lossy(delivery.body).into_owned(),
            secrets: delivery.secrets.iter().map(|s| (*s).to_owned()).collect(),
        });
        lock(&self.answers).pop_front().unwrap_or_else(|| Self::status(200))
    }
}

/// Remembers the subscriptions it was told were disabled.
#[derive(Debug, Default)]
pub struct RecordedAlerts(Mutex<Vec<(SubscriptionId, String)>>);

impl RecordedAlerts {
    /// Every alert.
    #[must_use]
    pub fn all(&self) -> Vec<(SubscriptionId, String)> {
        lock(&self.0).clone()
    }
}

#[async_trait]
impl SubscriptionAlerts for RecordedAlerts {
    async fn disabled(&self, subscription: &Subscription, reason: &str) {
        assert_eq!(subscription.status, SubscriptionStatus::Disabled);
        lock(&self.0).push((subscription.id, reason.to_owned()));
    }
}
