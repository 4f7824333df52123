//! The lead: a person who contacted (or was imported into) a business.
//!
//! A lead is reachable by phone or email, at least one, and each is unique
//! per tenant among live leads, so a second call from the same number
//! lands on the existing lead's timeline instead of creating a duplicate.
//! Deletion is soft (`deleted_at`) so timelines and bookings keep pointing
//! at something; a soft-deleted lead frees its phone and email.
//!
//! The status only moves through [`Lead::change_status`], which enforces
//! [`LeadStatus::can_transition_to`] and hands back the timeline event that
//! records the move, so no status change goes unlogged.

use crate::error::LeadsError;
use crate::status::{LeadSource, LeadStatus};
use crate::timeline::TimelineEvent;
use crate::values::{EmailAddress, JsonObject, LeadName, PhoneNumber};
use chrono::{DateTime, Utc};
use frontdesk_kernel::{Country, TenantId, UserId, ValidationErrors};
use serde::{Deserialize, Serialize};

pub use frontdesk_kernel::LeadId;

/// A lead of one tenant. Serializable for the cache, not for clients
/// (the HTTP layer has its own DTO).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lead {
    /// Its id.
    pub id: LeadId,
    /// The tenant it belongs to.
    pub tenant_id: TenantId,
    /// Display name.
    pub name: LeadName,
    /// E.164 phone; unique per tenant among live leads.
    pub phone: Option<PhoneNumber>,
    /// Normalized email; unique per tenant among live leads.
    pub email: Option<EmailAddress>,
    /// Pipeline status.
    pub status: LeadStatus,
    /// How the lead arrived.
    pub source: LeadSource,
    /// Free-text notes, at most 5000 characters.
    pub notes: Option<String>,
    /// Free-form data from forms and integrations (UTM tags, external ids).
    pub metadata: JsonObject,
    /// The user responsible for the lead.
    pub assigned_to: Option<UserId>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When it was soft-deleted.
    pub deleted_at: Option<DateTime<Utc>>,
    /// Bumped by the repository on every update: an update carries the
    /// version it was read at and fails with `Conflict` if another write
    /// came first (optimistic locking, so no change is silently lost).
    pub version: i64,
}

/// Raw input for a new lead, as a client sent it. Blank optional strings count as absent.
#[derive(Clone, Debug, Default)]
pub struct NewLead {
    /// Name, 1–200 characters.
    pub name: String,
    /// Phone in international form; this or `email` is required.
    pub phone: Option<String>,
    /// Email; this or `phone` is required.
    pub email: Option<String>,
    /// Initial status (`new` when absent); imports may bring any status.
    pub status: Option<String>,
    /// Source (`manual` when absent).
    pub source: Option<String>,
    /// Notes, at most 5000 characters.
    pub notes: Option<String>,
    /// A JSON object of at most 16 KiB (`{}` when absent).
    pub metadata: Option<serde_json::Value>,
    /// The responsible user.
    pub assigned_to: Option<UserId>,
}

/// A partial update. `None` leaves a field alone; for `phone`, `email` and
/// `notes`, a blank string clears it.
#[derive(Clone, Debug, Default)]
pub struct LeadChanges {
    /// New status; moving it records a `status_change` event.
    pub status: Option<String>,
    /// New name.
    pub name: Option<String>,
    /// New phone, or blank to remove it.
    pub phone: Option<String>,
    /// New email, or blank to remove it.
    pub email: Option<String>,
    /// New notes, or blank to remove them.
    pub notes: Option<String>,
    /// Replacement metadata object.
    pub metadata: Option<serde_json::Value>,
    /// `Some(None)` unassigns.
    pub assigned_to: Option<Option<UserId>>,
}

impl Lead {
    /// Longest accepted notes, in characters.
    pub const MAX_NOTES_CHARS: usize = 5000;

    /// Validates `input` and builds a lead of `tenant_id` created at `now`;
    /// a national phone number is read in `region` (the tenant's country).
    ///
    /// # Errors
    /// Every invalid field (`name`, `phone`, `email`, `status`, `source`,
    /// `notes`, `metadata`); a lead with neither phone nor email is reported
    /// under `phone`.
    pub fn create(
        tenant_id: TenantId,
        input: NewLead,
        region: Option<Country>,
        now: DateTime<Utc>,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = errors.check("name", LeadName::parse(&input.name));
        let phone = optional(&mut errors, "phone", input.phone.as_deref(), |p| PhoneNumber::parse_in(p, region));
        let email = optional(&mut errors, "email", input.email.as_deref(), EmailAddress::parse);
        if matches!((&phone, &email), (Some(None), Some(None))) {
            errors.add("phone", "a phone number or an email is required");
        }
        let status = optional(&mut errors, "status", input.status.as_deref(), str::parse::<LeadStatus>);
        let source = optional(&mut errors, "source", input.source.as_deref(), str::parse::<LeadSource>);
        let notes = errors.check("notes", parse_notes(input.notes.as_deref()));
        let metadata =
            errors.check("metadata", input.metadata.map_or_else(|| Ok(JsonObject::default()), JsonObject::parse));
        match (name, phone, email, status, source, notes, metadata) {
            (Some(name), Some(phone), Some(email), Some(status), Some(source), Some(notes), Some(metadata))
                if errors.is_empty() =>
            {
                Ok(Self {
                    id: LeadId::new(),
                    tenant_id,
                    name,
                    phone,
                    email,
                    status: status.unwrap_or_default(),
                    source: source.unwrap_or_default(),
                    notes,
                    metadata,
                    assigned_to: input.assigned_to,
                    created_at: now,
                    updated_at: now,
                    deleted_at: None,
                    version: 0,
                })
            }
            _ => Err(errors),
        }
    }

    /// Applies a partial update at `now` and returns the timeline event it
    /// calls for (a `status_change` when the status moves). Changes nothing
    /// unless every field is valid and the status move is allowed; asking
    /// for the status the lead already has is not a move and records nothing.
    ///
    /// # Errors
    /// `Validation` listing every invalid field (removing the last of phone
    /// and email is reported under `phone`); `InvalidTransition`.
    pub fn apply(
        &mut self,
        changes: LeadChanges,
        region: Option<Country>,
        now: DateTime<Utc>,
    ) -> Result<Option<TimelineEvent>, LeadsError> {
        let mut errors = ValidationErrors::new();
        let status = changes.status.map(|raw| errors.check("status", raw.trim().parse::<LeadStatus>()));
        let name = changes.name.map(|raw| errors.check("name", LeadName::parse(&raw)));
        let phone =
            changes.phone.map(|raw| optional(&mut errors, "phone", Some(&raw), |p| PhoneNumber::parse_in(p, region)));
        let email = changes.email.map(|raw| optional(&mut errors, "email", Some(&raw), EmailAddress::parse));
        let notes = changes.notes.map(|raw| errors.check("notes", parse_notes(Some(&raw))));
        let metadata = changes.metadata.map(|raw| errors.check("metadata", JsonObject::parse(raw)));
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let phone_after = phone.clone().flatten().unwrap_or_else(|| self.phone.clone());
        let email_after = email.clone().flatten().unwrap_or_else(|| self.email.clone());
        if phone_after.is_none() && email_after.is_none() {
            return Err(ValidationErrors::single("phone", "a phone number or an email is required").into());
        }
        let status = status.flatten().filter(|to| *to != self.status);
        if let Some(to) = status
            && !self.status.can_transition_to(to)
        {
            return Err(LeadsError::InvalidTransition { from: self.status, to });
        }
        if let Some(Some(name)) = name {
            self.name = name;
        }
        self.phone = phone_after;
        self.email = email_after;
        if let Some(Some(notes)) = notes {
            self.notes = notes;
        }
        if let Some(Some(metadata)) = metadata {
            self.metadata = metadata;
        }
        if let Some(assigned_to) = changes.assigned_to {
            self.assigned_to = assigned_to;
        }
        self.updated_at = now;
        match status {
            Some(to) => self.change_status(to, now).map(Some),
            None => Ok(None),
        }
    }

    /// The text `q` searches: the lower-cased name, email and E.164 phone,
    /// one per line. Stored as a column so SQL matches exactly what
    /// [`crate::LeadFilter::matches`] does (no field can hold a newline, so
    /// a match never spans two fields).
    #[must_use]
    pub fn search_text(&self) -> String {
        format!(
            "{}\n{}\n{}",
            self.name.as_str().to_lowercase(),
            self.email.as_ref().map_or("", EmailAddress::as_str),
            self.phone.as_ref().map_or("", PhoneNumber::as_str)
        )
    }

    /// Moves the lead to `to` at `now` and returns the `status_change` event to append.
    ///
    /// # Errors
    /// `InvalidTransition` when the rule forbids the move (including staying put);
    /// `NotFound` when the lead is soft-deleted.
    pub fn change_status(&mut self, to: LeadStatus, now: DateTime<Utc>) -> Result<TimelineEvent, LeadsError> {
        if self.deleted_at.is_some() {
            return Err(LeadsError::NotFound { entity: "lead" });
        }
        let from = self.status;
        if !from.can_transition_to(to) {
            return Err(LeadsError::InvalidTransition { from, to });
        }
        self.status = to;
        self.updated_at = now;
        Ok(TimelineEvent::status_change(self, from, to, now))
    }
}

/// Parses an optional raw field: absent or blank is `Some(None)`, valid is
/// `Some(Some(value))`, invalid records an error and is `None`.
fn optional<T>(
    errors: &mut ValidationErrors,
    field: &str,
    raw: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Option<Option<T>> {
    match raw.map(str::trim) {
        None | Some("") => Some(None),
        Some(value) => errors.check(field, parse(value)).map(Some),
    }
}

/// Trims notes; blank is `None`.
fn parse_notes(raw: Option<&str>) -> Result<Option<String>, String> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(notes) if notes.chars().count() > Lead::MAX_NOTES_CHARS => {
            Err(format!("must be at most {} characters", Lead::MAX_NOTES_CHARS))
        }
        Some(notes) => {
            frontdesk_kernel::text::check_text(notes)?;
            Ok(Some(notes.to_owned()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::EventKind;
    use serde_json::json;

    fn input() -> NewLead {
        NewLead { name: " Ana Lopez ".into(), phone: Some("+1 415 555 2671".into()), ..NewLead::default() }
    }

    fn fields(errors: &ValidationErrors) -> Vec<&str> {
        errors.errors().iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn creates_a_new_manual_lead_with_normalized_contacts() {
        let now = Utc::now();
        let lead =
            Lead::create(TenantId::new(), NewLead { email: Some(" Ana@X.io ".into()), ..input() }, None, now).unwrap();
        assert_eq!(lead.name.as_str(), "Ana Lopez");
        assert_eq!(lead.phone.as_ref().map(PhoneNumber::as_str), Some("+14155552671"));
        assert_eq!(lead.email.as_ref().map(EmailAddress::as_str), Some("ana@x.io"));
        assert_eq!((lead.status, lead.source), (LeadStatus::New, LeadSource::Manual));
        assert_eq!((lead.created_at, lead.updated_at, lead.deleted_at), (now, now, None));
        assert_eq!(lead.metadata, JsonObject::default());
    }

    #[test]
    fn reports_every_bad_field_in_order() {
        let bad = NewLead {
            name: String::new(),
            phone: Some("555-0123".into()),
            email: Some("nope".into()),
            status: Some("pending".into()),
            source: Some("fax".into()),
            notes: Some("n".repeat(5001)),
            metadata: Some(json!([])),
            assigned_to: None,
        };
        let errors = Lead::create(TenantId::new(), bad, None, Utc::now()).unwrap_err();
        assert_eq!(fields(&errors), ["name", "phone", "email", "status", "source", "notes", "metadata"]);
    }

    #[test]
    fn a_lead_needs_a_phone_or_an_email_reported_under_phone() {
        let errors = Lead::create(TenantId::new(), NewLead { phone: Some("  ".into()), ..input() }, None, Utc::now())
            .unwrap_err();
        assert_eq!(errors.messages(), ["phone: a phone number or an email is required"]);
        let email_only = NewLead { phone: None, email: Some("a@b.co".into()), ..input() };
        assert!(Lead::create(TenantId::new(), email_only, None, Utc::now()).is_ok());
    }

    #[test]
    fn imports_may_set_status_source_and_metadata() {
        let raw = NewLead {
            status: Some("won".into()),
            source: Some("import".into()),
            metadata: Some(json!({"crmId": 7})),
            ..input()
        };
        let lead = Lead::create(TenantId::new(), raw, None, Utc::now()).unwrap();
        assert_eq!((lead.status, lead.source), (LeadStatus::Won, LeadSource::Import));
        assert_eq!(lead.metadata.get("crmId"), Some(&json!(7)));
    }

    #[test]
    fn apply_updates_only_given_fields_and_clears_blank_ones() {
        let t0 = Utc::now();
        let mut lead =
            Lead::create(TenantId::new(), NewLead { notes: Some("old".into()), ..input() }, None, t0).unwrap();
        let later = t0 + chrono::Duration::minutes(1);
        let changes = LeadChanges {
            email: Some("ana@x.io".into()),
            notes: Some(String::new()),
            assigned_to: Some(Some(UserId::new())),
            ..LeadChanges::default()
        };
        assert_eq!(lead.apply(changes, None, later).unwrap(), None, "no status move, no event");
        assert_eq!(lead.name.as_str(), "Ana Lopez");
        assert!(lead.phone.is_some() && lead.email.is_some() && lead.assigned_to.is_some());
        assert_eq!((lead.notes.as_deref(), lead.updated_at), (None, later));
    }

    #[test]
    fn apply_refuses_to_remove_the_last_contact_and_changes_nothing_on_error() {
        let mut lead = Lead::create(TenantId::new(), input(), None, Utc::now()).unwrap();
        let before = lead.clone();
        let err = lead.apply(LeadChanges { phone: Some(String::new()), ..LeadChanges::default() }, None, Utc::now());
        let Err(LeadsError::Validation(errors)) = err else { panic!("{err:?}") };
        assert_eq!(errors.messages(), ["phone: a phone number or an email is required"]);
        let err = lead.apply(
            LeadChanges {
                status: Some("pending".into()),
                name: Some(String::new()),
                email: Some("bad".into()),
                ..LeadChanges::default()
            },
            None,
            Utc::now(),
        );
        let Err(LeadsError::Validation(errors)) = err else { panic!("{err:?}") };
        assert_eq!(fields(&errors), ["status", "name", "email"]);
        assert_eq!(lead, before);
        let err = lead.apply(
            LeadChanges { status: Some("won".into()), name: Some("Renamed".into()), ..LeadChanges::default() },
            None,
            Utc::now(),
        );
        assert!(err.is_ok(), "new -> won is allowed");
        let mut won = lead.clone();
        let err = won.apply(
            LeadChanges { status: Some("contacted".into()), name: Some("Again".into()), ..LeadChanges::default() },
            None,
            Utc::now(),
        );
        assert!(matches!(err, Err(LeadsError::InvalidTransition { .. })), "{err:?}");
        assert_eq!(won, lead, "a refused move changes no other field either");
    }

    #[test]
    fn apply_records_a_status_move_and_ignores_the_same_status() {
        let t0 = Utc::now();
        let mut lead = Lead::create(TenantId::new(), input(), None, t0).unwrap();
        let same = LeadChanges { status: Some("new".into()), ..LeadChanges::default() };
        assert_eq!(lead.apply(same, None, t0).unwrap(), None);
        let moved = LeadChanges { status: Some(" qualified ".into()), ..LeadChanges::default() };
        let event = lead.apply(moved, None, t0).unwrap().expect("an event");
        assert_eq!((event.kind, lead.status), (EventKind::StatusChange, LeadStatus::Qualified));
        assert_eq!(event.meta.to_value(), json!({"from": "new", "to": "qualified"}));
    }

    #[test]
    fn national_numbers_use_the_region_given() {
        let us = Country::parse("US").ok();
        let national = NewLead { phone: Some("(415) 555-2671".into()), ..input() };
        let lead = Lead::create(TenantId::new(), national.clone(), us, Utc::now()).unwrap();
        assert_eq!(lead.phone.unwrap().as_str(), "+14155552671");
        let errors = Lead::create(TenantId::new(), national, None, Utc::now()).unwrap_err();
        assert!(errors.messages()[0].starts_with("phone: must be in international form"), "{errors:?}");
    }

    #[test]
    fn search_text_holds_each_field_on_its_own_line() {
        let raw = NewLead { email: Some("Ana@X.io".into()), ..input() };
        let lead = Lead::create(TenantId::new(), raw, None, Utc::now()).unwrap();
        assert_eq!(lead.search_text(), "ana lopez\nana@x.io\n+14155552671");
    }

    #[test]
    fn change_status_returns_the_event_to_append() {
        let t0 = Utc::now();
        let mut lead = Lead::create(TenantId::new(), input(), None, t0).unwrap();
        let later = t0 + chrono::Duration::hours(1);
        let event = lead.change_status(LeadStatus::Contacted, later).unwrap();
        assert_eq!((lead.status, lead.updated_at), (LeadStatus::Contacted, later));
        assert_eq!((event.kind, event.lead_id, event.tenant_id), (EventKind::StatusChange, lead.id, lead.tenant_id));
        assert_eq!(event.content, "Status changed from new to contacted");
        assert_eq!(event.meta.to_value(), json!({"from": "new", "to": "contacted"}));
        assert_eq!(event.created_at, later);
    }

    #[test]
    fn change_status_refuses_forbidden_moves_and_deleted_leads() {
        let mut lead =
            Lead::create(TenantId::new(), NewLead { status: Some("won".into()), ..input() }, None, Utc::now()).unwrap();
        let err = lead.change_status(LeadStatus::Contacted, Utc::now()).unwrap_err();
        assert!(matches!(err, LeadsError::InvalidTransition { from: LeadStatus::Won, to: LeadStatus::Contacted }));
        assert_eq!(lead.status, LeadStatus::Won);
        lead.deleted_at = Some(Utc::now());
        assert!(matches!(lead.change_status(LeadStatus::Lost, Utc::now()), Err(LeadsError::NotFound { .. })));
    }
}
