//! The lead timeline: an append-only log of everything that happened to a lead.
//!
//! Events are never edited or deleted (they are the audit trail the
//! business sees), so the repository only appends and lists, newest first.
//! Communication events (`call`, `sms`, `email`, `chat`) always say which
//! way they went; bookkeeping events (`status_change`, `note`, `booking`)
//! never do.

use frontdesk_kernel::string_enum;

use crate::lead::{Lead, LeadId};
use crate::status::LeadStatus;
use crate::values::JsonObject;
use chrono::{DateTime, Utc};
use frontdesk_kernel::{TenantId, ValidationErrors, define_id};

define_id!(
    /// One timeline event.
    TimelineEventId,
    "timeline event id"
);

string_enum!(
    /// What kind of thing happened.
    EventKind, "event kind" {
        /// The status moved; `meta` holds `from` and `to`.
        StatusChange => "status_change",
        /// A user wrote a note.
        Note => "note",
        /// A phone call.
        Call => "call",
        /// A text message.
        Sms => "sms",
        /// An email.
        Email => "email",
        /// A chat message.
        Chat => "chat",
        /// A booking was made, moved or cancelled.
        Booking => "booking",
    }
);

impl EventKind {
    /// True for the kinds that are a message to or from the lead.
    #[must_use]
    pub const fn is_communication(self) -> bool {
        matches!(self, Self::Call | Self::Sms | Self::Email | Self::Chat)
    }
}

string_enum!(
    /// Which way a communication went.
    Direction, "direction" {
        /// From the lead to the business.
        Inbound => "inbound",
        /// From the business (or the receptionist) to the lead.
        Outbound => "outbound",
    }
);

/// One event on a lead's timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimelineEvent {
    /// Its id.
    pub id: TimelineEventId,
    /// The tenant.
    pub tenant_id: TenantId,
    /// The lead it happened to.
    pub lead_id: LeadId,
    /// What happened.
    pub kind: EventKind,
    /// For communications, which way.
    pub direction: Option<Direction>,
    /// Human-readable text (message body, note, summary); at most 10,000 characters.
    pub content: String,
    /// Structured details (call duration, status from/to, booking id).
    pub meta: JsonObject,
    /// When it happened.
    pub created_at: DateTime<Utc>,
}

/// Raw input for an event recorded by a use case.
#[derive(Clone, Debug)]
pub struct NewTimelineEvent {
    /// What happened.
    pub kind: EventKind,
    /// Required for communications, refused otherwise.
    pub direction: Option<Direction>,
    /// Text; required for notes.
    pub content: String,
    /// A JSON object of at most 16 KiB (`{}` when absent).
    pub meta: Option<serde_json::Value>,
}

impl TimelineEvent {
    /// Longest accepted content, in characters.
    pub const MAX_CONTENT_CHARS: usize = 10_000;

    /// Validates `input` and builds an event on `lead_id` at `now`.
    ///
    /// # Errors
    /// Every invalid field (`direction`, `content`, `meta`).
    pub fn record(
        tenant_id: TenantId,
        lead_id: LeadId,
        input: NewTimelineEvent,
        now: DateTime<Utc>,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        match (input.kind.is_communication(), input.direction) {
            (true, None) => errors.add("direction", format!("is required for {} events", input.kind)),
            (false, Some(_)) => errors.add("direction", format!("must be absent for {} events", input.kind)),
            _ => {}
        }
        if input.content.chars().count() > Self::MAX_CONTENT_CHARS {
            errors.add("content", format!("must be at most {} characters", Self::MAX_CONTENT_CHARS));
        } else if input.kind == EventKind::Note && input.content.trim().is_empty() {
            errors.add("content", "is required");
        }
        let meta = errors.check("meta", input.meta.map_or_else(|| Ok(JsonObject::default()), JsonObject::parse));
        match meta {
            Some(meta) if errors.is_empty() => Ok(Self {
                id: TimelineEventId::new(),
                tenant_id,
                lead_id,
                kind: input.kind,
                direction: input.direction,
                content: input.content,
                meta,
                created_at: now,
            }),
            _ => Err(errors),
        }
    }

    /// The event recording a status move of `lead`.
    pub(crate) fn status_change(lead: &Lead, from: LeadStatus, to: LeadStatus, now: DateTime<Utc>) -> Self {
        let mut meta = serde_json::Map::new();
        meta.insert("from".into(), from.as_str().into());
        meta.insert("to".into(), to.as_str().into());
        Self {
            id: TimelineEventId::new(),
            tenant_id: lead.tenant_id,
            lead_id: lead.id,
            kind: EventKind::StatusChange,
            direction: None,
            content: format!("Status changed from {from} to {to}"),
            meta: JsonObject::parse(serde_json::Value::Object(meta)).unwrap_or_default(),
            created_at: now,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(kind: EventKind, direction: Option<Direction>, content: &str) -> NewTimelineEvent {
        NewTimelineEvent { kind, direction, content: content.into(), meta: None }
    }

    #[test]
    fn records_an_inbound_sms_with_meta() {
        let now = Utc::now();
        let input = NewTimelineEvent {
            meta: Some(json!({"sid": "SM1"})),
            ..event(EventKind::Sms, Some(Direction::Inbound), "Hi")
        };
        let recorded = TimelineEvent::record(TenantId::new(), LeadId::new(), input, now).unwrap();
        assert_eq!((recorded.kind, recorded.direction), (EventKind::Sms, Some(Direction::Inbound)));
        assert_eq!((recorded.content.as_str(), recorded.created_at), ("Hi", now));
        assert_eq!(recorded.meta.get("sid"), Some(&json!("SM1")));
    }

    #[test]
    fn communications_need_a_direction_and_bookkeeping_refuses_one() {
        let record = |input| TimelineEvent::record(TenantId::new(), LeadId::new(), input, Utc::now());
        let err = record(event(EventKind::Call, None, "")).unwrap_err();
        assert_eq!(err.messages(), ["direction: is required for call events"]);
        let err = record(event(EventKind::Booking, Some(Direction::Outbound), "Booked")).unwrap_err();
        assert_eq!(err.messages(), ["direction: must be absent for booking events"]);
        assert!(record(event(EventKind::Call, Some(Direction::Inbound), "")).is_ok(), "a missed call has no text");
    }

    #[test]
    fn reports_every_bad_field() {
        let input =
            NewTimelineEvent { meta: Some(json!("x")), ..event(EventKind::Note, Some(Direction::Inbound), " ") };
        let err = TimelineEvent::record(TenantId::new(), LeadId::new(), input, Utc::now()).unwrap_err();
        let fields: Vec<_> = err.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["direction", "content", "meta"]);
    }

    #[test]
    fn content_is_capped_at_ten_thousand_characters() {
        let record = |n| {
            TimelineEvent::record(
                TenantId::new(),
                LeadId::new(),
                event(EventKind::Note, None, &"x".repeat(n)),
                Utc::now(),
            )
        };
        assert!(record(10_000).is_ok());
        assert!(record(10_001).is_err());
    }

    #[test]
    fn kinds_round_trip_through_their_string_form() {
        for kind in EventKind::ALL {
            assert_eq!(kind.as_str().parse::<EventKind>(), Ok(*kind));
        }
        assert_eq!(serde_json::to_value(EventKind::StatusChange).unwrap(), json!("status_change"));
    }
}
