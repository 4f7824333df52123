//! The integrations ports over `integrations`, `integration_templates`,
//! `webhook_subscriptions` and `webhook_attempts`.

mod store;
mod webhooks;

pub use store::SeaOrmIntegrations;
pub use webhooks::SeaOrmSubscriptions;

use chrono::{DateTime, Utc};
use frontdesk_integrations::IntegrationsError;
use sea_orm::Value;

/// Base64 for sealed bytes (one text column type on both backends).
pub(super) const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// A database error as the domain's `Storage`.
pub(super) fn storage(err: sea_orm::DbErr) -> IntegrationsError {
    IntegrationsError::Storage(crate::error::db(err))
}

/// A row that does not decode.
pub(super) fn corrupt(err: impl std::fmt::Display) -> IntegrationsError {
    IntegrationsError::storage(std::io::Error::other(format!("corrupt integrations row: {err}")))
}

/// An instant as epoch milliseconds.
pub(super) fn millis(at: DateTime<Utc>) -> Value {
    at.timestamp_millis().into()
}

/// An optional instant as epoch milliseconds.
pub(super) fn optional_millis(at: Option<DateTime<Utc>>) -> Value {
    at.map(|t| t.timestamp_millis()).into()
}
