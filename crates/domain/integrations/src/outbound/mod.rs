//! Outbound webhooks (Standard Webhooks): a tenant's subscriptions, the
//! fan-out of domain events to them, and signed, retried, logged deliveries.

pub mod delivery;
pub mod ports;
pub mod service;
pub mod subscription;

pub use delivery::{AUTO_SERIES, DeliverWebhookJob, DeliverWebhooks, Delivery, RETRY_DELAYS, WebhookFanout, body_of};
pub use ports::{
    DeliveryAnswer, NoAlerts, SignedDelivery, SubscriptionAlerts, SubscriptionRepository, WebhookTransport,
};
pub use service::{NewSubscription, SubscriptionChange, WebhookSubscriptions, WithSecret, open_secrets};
pub use subscription::{Attempt, SigningSecrets, Subscription, SubscriptionId, SubscriptionStatus};
