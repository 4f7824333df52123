//! The integrations ports over `integrations` and `integration_templates`.

mod store;

pub use store::SeaOrmIntegrations;
