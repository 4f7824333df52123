//! Resources: what gets booked — a staff member, a room, a truck.
//!
//! A resource may be linked to a user (the staff member's own account) and
//! may have its own [`Schedule`]; without one it follows the sub-account's.
//! Deleting is soft, so past bookings keep pointing at it.

use crate::ids::ResourceId;
use crate::schedule::Schedule;
use chrono::{DateTime, Utc};
use frontdesk_kernel::{TenantId, UserId, ValidationErrors, string_enum, text::check_text};

string_enum!(
    /// What kind of thing a resource is.
    ResourceKind, "resource kind" {
        /// A person.
        Staff => "staff",
        /// A room or chair.
        Room => "room",
        /// A vehicle or machine.
        Equipment => "equipment",
        /// Anything else.
        Other => "other",
    }
);

/// A bookable resource of one tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resource {
    /// Its id.
    pub id: ResourceId,
    /// The tenant.
    pub tenant_id: TenantId,
    /// Display name, 1–120 characters.
    pub name: String,
    /// What it is.
    pub kind: ResourceKind,
    /// The user it is (for staff), if any.
    pub user_id: Option<UserId>,
    /// Inactive resources are kept but never offered.
    pub active: bool,
    /// Its own hours and rules; `None` follows the sub-account's.
    pub schedule: Option<Schedule>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// Raw input for a resource (create, or the fields a patch sets).
#[derive(Clone, Debug, Default)]
pub struct ResourceInput {
    /// Name.
    pub name: Option<String>,
    /// `staff|room|equipment|other`.
    pub kind: Option<String>,
    /// Linked user; `Some(None)` unlinks.
    pub user_id: Option<Option<UserId>>,
    /// Active flag.
    pub active: Option<bool>,
}

impl Resource {
    /// Longest name.
    pub const MAX_NAME_CHARS: usize = 120;

    /// Validates `input` into a new resource.
    ///
    /// # Errors
    /// Every bad field (`name` is required).
    pub fn create(tenant_id: TenantId, input: ResourceInput, now: DateTime<Utc>) -> Result<Self, ValidationErrors> {
        let mut resource = Self {
            id: ResourceId::new(),
            tenant_id,
            name: String::new(),
            kind: ResourceKind::Staff,
            user_id: None,
            active: true,
            schedule: None,
            created_at: now,
            updated_at: now,
        };
        let mut errors = ValidationErrors::new();
        if input.name.is_none() {
            errors.add("name", "is required");
        }
        if let Err(more) = resource.apply(input, now) {
            errors.extend(more);
        }
        errors.into_result().map(|()| resource)
    }

    /// The default resource a tenant without any gets: one calendar, following the sub-account's hours.
    #[must_use]
    pub fn default_for(tenant_id: TenantId, now: DateTime<Utc>) -> Self {
        Self {
            id: ResourceId::from_uuid(tenant_id.as_uuid()),
            tenant_id,
            name: "Main calendar".into(),
            kind: ResourceKind::Other,
            user_id: None,
            active: true,
            schedule: None,
            created_at: now,
            updated_at: now,
        }
    }

    /// Applies the fields `input` sets.
    ///
    /// # Errors
    /// Every bad field; nothing is changed then.
    pub fn apply(&mut self, input: ResourceInput, now: DateTime<Utc>) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = input.name.map(|n| n.trim().to_owned());
        if let Some(name) = &name {
            if name.is_empty() {
                errors.add("name", "must not be blank");
            } else if name.chars().count() > Self::MAX_NAME_CHARS {
                errors.add("name", format!("must be at most {} characters", Self::MAX_NAME_CHARS));
            } else if let Err(e) = check_text(name) {
                errors.add("name", e);
            }
        }
        let kind = input.kind.as_deref().and_then(|k| {
            errors.check(
                "kind",
                k.trim()
                    .to_ascii_lowercase()
                    .parse::<ResourceKind>()
                    .map_err(|_| "must be staff, room, equipment or other"),
            )
        });
        errors.into_result()?;
        if let Some(name) = name {
            self.name = name;
        }
        if let Some(kind) = kind {
            self.kind = kind;
        }
        if let Some(user) = input.user_id {
            self.user_id = user;
        }
        if let Some(active) = input.active {
            self.active = active;
        }
        self.updated_at = now;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_requires_a_clean_name_and_a_known_kind() {
        let now = Utc::now();
        let err = Resource::create(
            TenantId::new(),
            ResourceInput { kind: Some("boat".into()), ..ResourceInput::default() },
            now,
        )
        .unwrap_err();
        let fields: Vec<_> = err.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "kind"]);
        let bad = Resource::create(
            TenantId::new(),
            ResourceInput { name: Some("a\u{0}b".into()), ..Default::default() },
            now,
        );
        assert!(bad.is_err());
        let ok = Resource::create(
            TenantId::new(),
            ResourceInput { name: Some(" Dr. Lee ".into()), kind: Some("Staff".into()), ..Default::default() },
            now,
        )
        .unwrap();
        assert_eq!((ok.name.as_str(), ok.kind, ok.active), ("Dr. Lee", ResourceKind::Staff, true));
    }

    #[test]
    fn the_default_resource_has_a_stable_id_per_tenant() {
        let tenant = TenantId::new();
        assert_eq!(Resource::default_for(tenant, Utc::now()).id, Resource::default_for(tenant, Utc::now()).id);
    }
}
