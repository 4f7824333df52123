//! Appointment types: how long an appointment lasts, the time kept free
//! around it, and which resources can serve it.
//!
//! A tenant with none gets one default (30 minutes, any resource) with a
//! stable id, so "book a call" works before anyone configures anything.

use crate::ids::{AppointmentTypeId, ResourceId};
use chrono::{DateTime, Utc};
use frontdesk_kernel::{TenantId, ValidationErrors, text::check_text};

/// A kind of appointment of one tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppointmentType {
    /// Its id.
    pub id: AppointmentTypeId,
    /// The tenant.
    pub tenant_id: TenantId,
    /// Display name, 1–120 characters.
    pub name: String,
    /// Length, 5–480 minutes.
    pub duration_minutes: u32,
    /// Time kept free before; `None` uses the schedule's.
    pub buffer_before_minutes: Option<u32>,
    /// Time kept free after; `None` uses the schedule's.
    pub buffer_after_minutes: Option<u32>,
    /// Who can serve it; empty = any active resource.
    pub resource_ids: Vec<ResourceId>,
    /// Inactive types are kept but cannot be booked.
    pub active: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// Raw input (create, or the fields a patch sets).
#[derive(Clone, Debug, Default)]
pub struct AppointmentTypeInput {
    /// Name.
    pub name: Option<String>,
    /// Minutes.
    pub duration_minutes: Option<i64>,
    /// Minutes; `Some(None)` falls back to the schedule's.
    pub buffer_before_minutes: Option<Option<i64>>,
    /// Minutes; `Some(None)` falls back to the schedule's.
    pub buffer_after_minutes: Option<Option<i64>>,
    /// Resources; empty = any.
    pub resource_ids: Option<Vec<ResourceId>>,
    /// Active flag.
    pub active: Option<bool>,
}

impl AppointmentType {
    /// Shortest appointment.
    pub const MIN_MINUTES: u32 = 5;
    /// Longest appointment (a working day).
    pub const MAX_MINUTES: u32 = 480;
    /// Longest buffer.
    pub const MAX_BUFFER_MINUTES: u32 = 240;
    /// Longest name.
    pub const MAX_NAME_CHARS: usize = 120;
    /// Most resources listed.
    pub const MAX_RESOURCES: usize = 100;

    /// Validates `input` into a new type.
    ///
    /// # Errors
    /// Every bad field (`name` and `durationMinutes` are required).
    pub fn create(
        tenant_id: TenantId,
        input: AppointmentTypeInput,
        now: DateTime<Utc>,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if input.name.is_none() {
            errors.add("name", "is required");
        }
        if input.duration_minutes.is_none() {
            errors.add("durationMinutes", "is required");
        }
        let mut created = Self::default_for(tenant_id, now);
        created.id = AppointmentTypeId::new();
        if let Err(more) = created.apply(input, now) {
            errors.extend(more);
        }
        errors.into_result().map(|()| created)
    }

    /// The default a tenant without any gets: 30 minutes, any resource, a stable id.
    #[must_use]
    pub fn default_for(tenant_id: TenantId, now: DateTime<Utc>) -> Self {
        Self {
            id: AppointmentTypeId::from_uuid(tenant_id.as_uuid()),
            tenant_id,
            name: "Appointment".into(),
            duration_minutes: 30,
            buffer_before_minutes: None,
            buffer_after_minutes: None,
            resource_ids: Vec::new(),
            active: true,
            created_at: now,
            updated_at: now,
        }
    }

    /// Applies the fields `input` sets.
    ///
    /// # Errors
    /// Every bad field; nothing is changed then.
    pub fn apply(&mut self, input: AppointmentTypeInput, now: DateTime<Utc>) -> Result<(), ValidationErrors> {
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
        let minutes = |errors: &mut ValidationErrors, field: &str, value: i64, min: u32, max: u32| {
            let ok = u32::try_from(value).ok().filter(|v| (min..=max).contains(v));
            if ok.is_none() {
                errors.add(field, format!("must be a whole number of minutes from {min} to {max}"));
            }
            ok
        };
        let duration = input
            .duration_minutes
            .and_then(|v| minutes(&mut errors, "durationMinutes", v, Self::MIN_MINUTES, Self::MAX_MINUTES));
        let before = input
            .buffer_before_minutes
            .map(|v| v.and_then(|v| minutes(&mut errors, "bufferBeforeMinutes", v, 0, Self::MAX_BUFFER_MINUTES)));
        let after = input
            .buffer_after_minutes
            .map(|v| v.and_then(|v| minutes(&mut errors, "bufferAfterMinutes", v, 0, Self::MAX_BUFFER_MINUTES)));
        if let Some(ids) = &input.resource_ids {
            if ids.len() > Self::MAX_RESOURCES {
                errors.add("resourceIds", format!("must list at most {} resources", Self::MAX_RESOURCES));
            }
            let mut seen = std::collections::HashSet::new();
            if !ids.iter().all(|id| seen.insert(*id)) {
                errors.add("resourceIds", "must not list a resource twice");
            }
        }
        errors.into_result()?;
        if let Some(name) = name {
            self.name = name;
        }
        if let Some(duration) = duration {
            self.duration_minutes = duration;
        }
        if let Some(before) = before {
            self.buffer_before_minutes = before;
        }
        if let Some(after) = after {
            self.buffer_after_minutes = after;
        }
        if let Some(ids) = input.resource_ids {
            self.resource_ids = ids;
        }
        if let Some(active) = input.active {
            self.active = active;
        }
        self.updated_at = now;
        Ok(())
    }

    /// Whether `resource` can serve this type.
    #[must_use]
    pub fn served_by(&self, resource: ResourceId) -> bool {
        self.resource_ids.is_empty() || self.resource_ids.contains(&resource)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_reports_every_bad_field() {
        let err = AppointmentType::create(
            TenantId::new(),
            AppointmentTypeInput {
                name: Some("  ".into()),
                duration_minutes: Some(4),
                buffer_after_minutes: Some(Some(-1)),
                ..Default::default()
            },
            Utc::now(),
        )
        .unwrap_err();
        let fields: Vec<_> = err.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "durationMinutes", "bufferAfterMinutes"]);
    }

    #[test]
    fn an_empty_resource_list_means_any_resource() {
        let t = AppointmentType::default_for(TenantId::new(), Utc::now());
        assert!(t.served_by(ResourceId::new()));
        assert_eq!(t.duration_minutes, 30);
    }
}
