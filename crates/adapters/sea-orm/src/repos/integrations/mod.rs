//! The integrations ports over `integrations`, `integration_templates`,
//! `webhook_subscriptions` and `webhook_attempts`.

mod store;
mod webhooks;

pub use store::SeaOrmIntegrations;
pub use webhooks::SeaOrmSubscriptions;
