//! Outbound-webhook wiring: the signed transport (Standard Webhooks
//! signatures from the crypto adapter, sent through the egress guard), the
//! owner alert (an email to every owner of the sub-account through the
//! messenger), the use case and the job handler, and the outbox relay loop.

use crate::settings::Settings;
use crate::stores::Stores;
use async_trait::async_trait;
use frontdesk_integrations::outbound::{
    DeliverWebhooks, DeliveryAnswer, SignedDelivery, Subscription, SubscriptionAlerts, WebhookSubscriptions,
    WebhookTransport,
};
use frontdesk_integrations::{IntegrationsError, Result};
use frontdesk_kernel::events::OutboxRelay;
use frontdesk_kernel::messaging::{MessageChannel, OutboundMessage, OutboundMessenger};
use frontdesk_kernel::{PageRequest, Role, SystemClock};
use frontdesk_sea_orm::{SeaOrmEventOutbox, SeaOrmSubscriptions};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Signs with [`frontdesk_crypto::sign_webhook`] and posts through the [`frontdesk_webhooks::Egress`] guard.
#[derive(Clone, Debug)]
pub struct SignedTransport(pub frontdesk_webhooks::Egress);

#[async_trait]
impl WebhookTransport for SignedTransport {
    fn new_secret(&self) -> Result<String> {
        frontdesk_crypto::generate_webhook_secret().map_err(|e| IntegrationsError::Crypto { message: e.to_string() })
    }

    async fn deliver(&self, delivery: SignedDelivery<'_>) -> DeliveryAnswer {
        let started = Instant::now();
        let elapsed = || u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let mut signatures = Vec::with_capacity(delivery.secrets.len());
        for secret in &delivery.secrets {
            match frontdesk_crypto::sign_webhook(secret, delivery.id, delivery.timestamp, delivery.body) {
                Ok(signature) => signatures.push(signature),
                Err(err) => return DeliveryAnswer::Failed { error: format!("not signed: {err}"), latency_ms: 0 },
            }
        }
        let headers = vec![
            ("webhook-id".to_owned(), delivery.id.to_owned()),
            ("webhook-timestamp".to_owned(), delivery.timestamp.to_string()),
            ("webhook-signature".to_owned(), signatures.join(" ")),
            ("user-agent".to_owned(), "Frontdesk-Webhooks/1".to_owned()),
        ];
        match self.0.post(delivery.url, &headers, delivery.body.to_vec()).await {
            Ok(answer) => DeliveryAnswer::Answered {
                status: answer.status,
                latency_ms: u64::try_from(answer.latency.as_millis()).unwrap_or(u64::MAX),
                excerpt: answer.excerpt,
            },
            Err(err) => DeliveryAnswer::Failed { error: err.to_string(), latency_ms: elapsed() },
        }
    }
}

/// Emails every owner of the sub-account when a subscription is disabled.
pub struct OwnerAlerts {
    stores: Stores,
    messenger: Arc<dyn OutboundMessenger>,
}

impl OwnerAlerts {
    /// Alerts through `messenger` to the owners found in `stores`.
    #[must_use]
    pub fn new(stores: &Stores, messenger: Arc<dyn OutboundMessenger>) -> Self {
        Self { stores: stores.clone(), messenger }
    }
}

#[async_trait]
impl SubscriptionAlerts for OwnerAlerts {
    async fn disabled(&self, subscription: &Subscription, reason: &str) {
        use frontdesk_tenancy::{MembershipRepository, UserRepository};
        let memberships = frontdesk_sea_orm::SeaOrmMembershipRepository::new(self.stores.sql.clone());
        let users = frontdesk_sea_orm::SeaOrmUserRepository::new(self.stores.sql.clone());
        let page = PageRequest::new(Some(1), Some(100)).unwrap_or_default();
        let owners = match memberships.list_for_tenant(subscription.tenant_id, page).await {
            Ok(page) => page.data.into_iter().filter(|m| m.role == Role::Owner).map(|m| m.user_id).collect::<Vec<_>>(),
            Err(error) => {
                tracing::error!(%error, subscription.id = %subscription.id, "owners not found; nobody told of the disabled webhook");
                return;
            }
        };
        let owners = users.get_many(&owners).await.unwrap_or_default();
        for owner in owners {
            let message = OutboundMessage {
                tenant_id: subscription.tenant_id,
                channel: MessageChannel::Email,
                to: owner.email.as_str().to_owned(),
                subject: Some("A webhook subscription was disabled".into()),
                body: format!(
                    "Frontdesk stopped sending events to {} (subscription {}): {reason}.\n\
                     Fix the endpoint, then set the subscription's status back to active \
                     (PATCH /api/v1/webhooks/{}); events of the last days can be replayed.",
                    subscription.url, subscription.id, subscription.id
                ),
                dedupe_key: format!(
                    "webhook-disabled:{}:{}:{}",
                    subscription.id,
                    subscription.updated_at.timestamp_millis(),
                    owner.id
                ),
                headers: Vec::new(),
            };
            if let Err(error) = self.messenger.send(&message).await {
                tracing::error!(%error, subscription.id = %subscription.id, "the owner could not be told of the disabled webhook");
            }
        }
    }
}

/// The subscriptions use case over `stores`.
///
/// # Errors
/// An unusable key ring.
pub fn subscriptions(
    settings: &Settings,
    stores: &Stores,
) -> std::result::Result<WebhookSubscriptions, frontdesk_crypto::CryptoError> {
    let repo = Arc::new(SeaOrmSubscriptions::new(stores.sql.clone()));
    Ok(WebhookSubscriptions::new(
        repo,
        Arc::new(crate::integrations::keyring(settings)?),
        Arc::new(SignedTransport(crate::integrations::egress(settings))),
        Arc::new(crate::integrations::EgressPolicy(crate::integrations::egress(settings))),
        Arc::new(SeaOrmEventOutbox::new(stores.sql.clone())),
        Arc::clone(&stores.jobs.queue),
        Arc::new(SystemClock),
    )
    .with_limiter(Arc::clone(&stores.rate_limiter)))
}

/// The `webhooks.deliver` handler.
///
/// # Errors
/// An unusable key ring.
pub fn deliveries(
    settings: &Settings,
    stores: &Stores,
    messenger: Arc<dyn OutboundMessenger>,
) -> std::result::Result<DeliverWebhooks, frontdesk_crypto::CryptoError> {
    Ok(DeliverWebhooks::new(
        Arc::new(SeaOrmSubscriptions::new(stores.sql.clone())),
        Arc::new(SeaOrmEventOutbox::new(stores.sql.clone())),
        Arc::new(crate::integrations::keyring(settings)?),
        Arc::new(SignedTransport(crate::integrations::egress(settings))),
        Arc::new(OwnerAlerts::new(stores, messenger)),
        Arc::clone(&stores.jobs.queue),
        Arc::new(SystemClock),
    ))
}

/// Events relayed per batch.
const RELAY_BATCH: u32 = 200;

/// Relays the outbox to the job queue until `shutdown` flips: a batch
/// every `every`, and at once again while batches come back full.
pub async fn relay_outbox(stores: Stores, every: Duration, mut shutdown: watch::Receiver<bool>) {
    let relay = OutboxRelay::new(
        Arc::new(SeaOrmEventOutbox::new(stores.sql.clone())),
        Arc::clone(&stores.jobs.queue),
        Arc::new(SystemClock),
    );
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = shutdown.changed() => return,
        }
        if *shutdown.borrow() {
            return;
        }
        loop {
            match relay.relay_once(RELAY_BATCH).await {
                Ok(n) if n == RELAY_BATCH as usize => {}
                Ok(_) => break,
                Err(error) => {
                    tracing::warn!(%error, "outbox relay failed; events stay pending and are retried");
                    break;
                }
            }
        }
    }
}

/// How long "does this tenant subscribe to this kind" is reused per process.
pub const INTEREST_TTL: Duration = Duration::from_secs(30);

/// [`frontdesk_kernel::events::EventInterest`] from the active webhook
/// subscriptions, remembered [`INTEREST_TTL`] per (tenant, kind): a turn of
/// a tenant without a `conversation.message` subscriber costs no query and
/// writes no event; a new subscription receives them within that time.
/// When the subscriptions cannot be read, the event is published (better a
/// needless outbox row than a lost event).
pub struct SubscribedKinds {
    subscriptions: Arc<dyn frontdesk_integrations::outbound::SubscriptionRepository>,
    memo: crate::memo::TtlMap<(frontdesk_kernel::TenantId, String), bool>,
}

impl SubscribedKinds {
    /// Over `stores`' subscriptions.
    #[must_use]
    pub fn new(stores: &Stores) -> Self {
        Self {
            subscriptions: Arc::new(SeaOrmSubscriptions::new(stores.sql.clone())),
            memo: crate::memo::TtlMap::new(INTEREST_TTL),
        }
    }
}

#[async_trait]
impl frontdesk_kernel::events::EventInterest for SubscribedKinds {
    async fn wants(&self, tenant: frontdesk_kernel::TenantId, kind: &str) -> bool {
        let key = (tenant, kind.to_owned());
        if let Some(wanted) = self.memo.fresh(&key) {
            return wanted;
        }
        match self.subscriptions.wanting(tenant, kind).await {
            Ok(found) => {
                self.memo.put_evicting(key, !found.is_empty());
                !found.is_empty()
            }
            Err(error) => {
                tracing::warn!(tenant.id = %tenant, %kind, %error, "subscriptions unreadable; publishing the event anyway");
                true
            }
        }
    }
}
