//! `/api/v1/subaccounts/*`: tenants, their invitations, joining, onboarding status.
//!
//! Fixed paths (`status`, `join`, `invitations/…`) are registered before
//! `{id}` so they are never parsed as ids.

mod crud;
pub use crud::PageQuery;
mod invitations;

use chrono::{DateTime, Utc};
use frontdesk_tenancy::Tenant;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;

/// Registers the routes (fixed paths first).
pub fn configure(cfg: &mut impl crate::routes::Routes) {
    cfg.service(crud::status)
        .service(invitations::validate)
        .service(invitations::join)
        .service(crud::create)
        .service(crud::list)
        .service(crud::get)
        .service(crud::update)
        .service(crud::delete)
        .service(invitations::create);
}

/// A sub-account as clients see it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SubAccountBody {
    id: String,
    name: String,
    /// IANA time zone.
    timezone: String,
    /// ISO 3166-1 alpha-2, when set.
    country: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<&Tenant> for SubAccountBody {
    fn from(tenant: &Tenant) -> Self {
        Self {
            id: tenant.id.to_string(),
            name: tenant.name.as_str().to_owned(),
            timezone: tenant.timezone.name().to_owned(),
            country: tenant.country.map(|c| c.to_string()),
            created_at: tenant.created_at,
            updated_at: tenant.updated_at,
        }
    }
}

/// Parses a path id; a malformed id cannot name anything, so it is a 404 like any unknown id.
fn tenant_id(raw: &str) -> Result<frontdesk_kernel::TenantId, ApiError> {
    crate::routes::path_id(raw, "sub-account")
}
