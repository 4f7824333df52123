//! `/api/v1/leads/*`: the CRM core. Every route is tenant-scoped through
//! [`TenantScope`](crate::extract::tenant::TenantScope): another
//! tenant's lead id answers 404, exactly like an unknown one.

mod body;
mod crud;
mod query;
mod timeline;
mod transfer;

pub use body::{LeadBody, TimelineEventBody};

use crate::error::ApiError;
use frontdesk_leads::LeadId;

/// Registers the routes.
pub fn configure(cfg: &mut impl crate::routes::Routes) {
    // Fixed paths before `{id}`.
    cfg.service(transfer::import)
        .service(transfer::export)
        .service(crud::list)
        .service(crud::create)
        .service(crud::get)
        .service(crud::update)
        .service(crud::delete)
        .service(crud::restore)
        .service(timeline::list)
        .service(timeline::add_note);
}

/// Parses a lead id from the path (malformed → 404, like an unknown id).
fn lead_id(raw: &str) -> Result<LeadId, ApiError> {
    crate::routes::path_id(raw, "lead")
}
