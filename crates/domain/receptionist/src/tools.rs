//! The receptionist's scheduling tools: the bookings use cases, run for the
//! turn's tenant and lead only.
//!
//! Each tool parses its arguments strictly (unknown fields and wrong types
//! are a [`ToolError`] naming the problem), and turns every refusal of the
//! use case — taken, too soon, outside hours, not this caller's booking —
//! into a message the model can act on (offer another time) instead of a
//! failure. A booking is only ever the lead's own: cancelling or moving
//! another lead's booking answers as if it did not exist.

use crate::agent::{Action, AgentTool, ToolError, ToolOutput, TurnScope};
use crate::model::ToolSpec;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use frontdesk_bookings::service::{
    AvailabilityQuery, BookingChange, BookingRequest, Bookings, HoldRequest, Party, TimeBound, local_label,
};
use frontdesk_bookings::{BookingId, BookingsError, HoldId};
use frontdesk_kernel::events::{DomainEvent, EventPublisher};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::sync::Arc;

/// Most slots shown to the model at once.
const MAX_OFFERED: usize = 8;

fn parse<T: DeserializeOwned>(arguments: Value) -> Result<T, ToolError> {
    serde_json::from_value(arguments).map_err(|e| ToolError(format!("bad arguments: {e}")))
}

fn instant(raw: &str, field: &str) -> Result<DateTime<Utc>, ToolError> {
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| ToolError(format!("{field} must be an RFC 3339 instant such as 2026-12-08T15:00:00Z")))
}

fn bound(raw: Option<&str>, field: &str) -> Result<Option<TimeBound>, ToolError> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else { return Ok(None) };
    if let Ok(date) = raw.parse::<NaiveDate>() {
        return Ok(Some(TimeBound::Date(date)));
    }
    instant(raw, field).map(|t| Some(TimeBound::Instant(t)))
}

/// A refusal of the bookings use cases, for the model.
fn refusal(err: BookingsError) -> ToolError {
    match err {
        BookingsError::Storage(_) => ToolError("the calendar is unavailable right now; offer to call back".into()),
        BookingsError::NotFound { entity } => ToolError(format!("no such {entity} for this caller")),
        other => ToolError(other.to_string()),
    }
}

fn id<T: std::str::FromStr>(raw: &str, what: &str) -> Result<T, ToolError> {
    raw.trim().parse().map_err(|_| ToolError(format!("{what} is not an id this caller has")))
}

/// Reads free slots.
pub struct CheckAvailability(pub Arc<Bookings>);

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AvailabilityArgs {
    from: Option<String>,
    to: Option<String>,
    after: Option<String>,
    before: Option<String>,
}

fn local_time(raw: Option<&str>, field: &str) -> Result<Option<chrono::NaiveTime>, ToolError> {
    raw.map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| {
            chrono::NaiveTime::parse_from_str(r, "%H:%M")
                .map_err(|_| ToolError(format!("{field} must be a local time such as 13:00")))
        })
        .transpose()
}

#[async_trait]
impl AgentTool for CheckAvailability {
    fn writes(&self) -> bool {
        false
    }

    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "check_availability",
            description: "Free appointment slots between two dates (YYYY-MM-DD, the business's local dates) or instants; at most 8 are returned, earliest first.",
            parameters: json!({"type": "object", "additionalProperties": false, "properties": {
                "from": {"type": "string", "description": "first day (YYYY-MM-DD) or instant; default now"},
                "to": {"type": "string", "description": "last day (YYYY-MM-DD) or instant; default a week after from"},
                "after": {"type": "string", "description": "only slots starting at or after this local time (HH:MM)"},
                "before": {"type": "string", "description": "only slots starting before this local time (HH:MM)"}}}),
        }
    }

    async fn run(&self, scope: &TurnScope, arguments: Value) -> Result<ToolOutput, ToolError> {
        let args: AvailabilityArgs = parse(arguments)?;
        let query = AvailabilityQuery {
            from: bound(args.from.as_deref(), "from")?,
            to: bound(args.to.as_deref(), "to")?,
            ..AvailabilityQuery::default()
        };
        let (after, before) =
            (local_time(args.after.as_deref(), "after")?, local_time(args.before.as_deref(), "before")?);
        let found = self.0.availability(scope.tenant, query).await.map_err(refusal)?;
        let zone = found.time_zone;
        let fits = |s: &&frontdesk_bookings::availability::Slot| {
            let local = s.starts_at.with_timezone(&zone).time();
            after.is_none_or(|a| local >= a) && before.is_none_or(|b| local < b)
        };
        let matching: Vec<_> = found.slots.iter().filter(fits).collect();
        let slots: Vec<Value> = matching
            .iter()
            .take(MAX_OFFERED)
            .map(|s| {
                json!({"startsAt": s.starts_at.to_rfc3339(), "endsAt": s.ends_at.to_rfc3339(),
                    "local": local_label(s.starts_at, zone)})
            })
            .collect();
        Ok(ToolOutput::read(json!({
            "timeZone": found.time_zone.name(),
            "appointment": found.appointment_type.name,
            "slots": slots,
            "more": matching.len() > MAX_OFFERED,
        })))
    }
}

/// Holds a slot while the caller decides.
pub struct HoldSlot(pub Arc<Bookings>);

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct HoldArgs {
    starts_at: String,
}

#[async_trait]
impl AgentTool for HoldSlot {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "hold_slot",
            description: "Holds a free slot for a few minutes for this caller while they decide; book it with its holdId.",
            parameters: json!({"type": "object", "additionalProperties": false, "required": ["startsAt"],
                "properties": {"startsAt": {"type": "string", "format": "date-time"}}}),
        }
    }

    async fn run(&self, scope: &TurnScope, arguments: Value) -> Result<ToolOutput, ToolError> {
        let args: HoldArgs = parse(arguments)?;
        let request = HoldRequest {
            starts_at: instant(&args.starts_at, "startsAt")?,
            appointment_type_id: None,
            resource_id: None,
            lead_id: Some(scope.lead),
        };
        let hold = self.0.hold(scope.tenant, request).await.map_err(refusal)?;
        let detail = json!({"holdId": hold.id.to_string(), "startsAt": hold.starts_at.to_rfc3339(),
            "expiresAt": hold.expires_at.to_rfc3339()});
        Ok(ToolOutput { result: detail.clone(), action: Some(Action { kind: "held", detail }) })
    }
}

/// Books the caller.
pub struct BookAppointment(pub Arc<Bookings>);

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct BookArgs {
    starts_at: String,
    hold_id: Option<String>,
    notes: Option<String>,
}

#[async_trait]
impl AgentTool for BookAppointment {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "book_appointment",
            description: "Books this caller at a start they clearly chose (with the holdId when the slot was held).",
            parameters: json!({"type": "object", "additionalProperties": false, "required": ["startsAt"],
                "properties": {"startsAt": {"type": "string", "format": "date-time"},
                    "holdId": {"type": "string"}, "notes": {"type": "string", "maxLength": 2000}}}),
        }
    }

    async fn run(&self, scope: &TurnScope, arguments: Value) -> Result<ToolOutput, ToolError> {
        let args: BookArgs = parse(arguments)?;
        let request = BookingRequest {
            lead_id: scope.lead,
            starts_at: instant(&args.starts_at, "startsAt")?,
            appointment_type_id: None,
            resource_id: None,
            hold_id: args.hold_id.as_deref().map(|h| id::<HoldId>(h, "holdId")).transpose()?,
            notes: args.notes,
        };
        let booked = self.0.book(scope.tenant, request).await.map_err(refusal)?;
        let detail = json!({"bookingId": booked.booking.id.to_string(), "startsAt": booked.booking.starts_at.to_rfc3339(),
            "endsAt": booked.booking.ends_at.to_rfc3339()});
        Ok(ToolOutput { result: detail.clone(), action: Some(Action { kind: "booked", detail }) })
    }
}

/// Moves or cancels one of the caller's own bookings.
pub struct ChangeAppointment {
    bookings: Arc<Bookings>,
    cancel: bool,
}

impl ChangeAppointment {
    /// `reschedule_appointment`.
    #[must_use]
    pub const fn reschedule(bookings: Arc<Bookings>) -> Self {
        Self { bookings, cancel: false }
    }

    /// `cancel_appointment`.
    #[must_use]
    pub const fn cancel(bookings: Arc<Bookings>) -> Self {
        Self { bookings, cancel: true }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ChangeArgs {
    booking_id: String,
    starts_at: Option<String>,
    reason: Option<String>,
}

#[async_trait]
impl AgentTool for ChangeAppointment {
    fn spec(&self) -> ToolSpec {
        if self.cancel {
            ToolSpec {
                name: "cancel_appointment",
                description: "Cancels one of this caller's own bookings.",
                parameters: json!({"type": "object", "additionalProperties": false, "required": ["bookingId"],
                    "properties": {"bookingId": {"type": "string"}, "reason": {"type": "string", "maxLength": 500}}}),
            }
        } else {
            ToolSpec {
                name: "reschedule_appointment",
                description: "Moves one of this caller's own bookings to a new free start.",
                parameters: json!({"type": "object", "additionalProperties": false, "required": ["bookingId", "startsAt"],
                    "properties": {"bookingId": {"type": "string"}, "startsAt": {"type": "string", "format": "date-time"}}}),
            }
        }
    }

    async fn run(&self, scope: &TurnScope, arguments: Value) -> Result<ToolOutput, ToolError> {
        let args: ChangeArgs = parse(arguments)?;
        let booking_id: BookingId = id(&args.booking_id, "bookingId")?;
        let booking = self.bookings.booking(scope.tenant, booking_id).await.map_err(refusal)?;
        if booking.lead_id != scope.lead {
            return Err(ToolError("no such booking for this caller".into()));
        }
        let changed = if self.cancel {
            if args.starts_at.is_some() {
                return Err(ToolError("cancel_appointment takes bookingId and reason only".into()));
            }
            self.bookings.cancel(scope.tenant, booking_id, args.reason, Party::Customer).await.map_err(refusal)?
        } else {
            let Some(starts_at) = args.starts_at.as_deref() else {
                return Err(ToolError("startsAt is required".into()));
            };
            let change = BookingChange { starts_at: Some(instant(starts_at, "startsAt")?), status: None };
            self.bookings.change(scope.tenant, booking_id, change, Party::Customer).await.map_err(refusal)?
        };
        let detail = json!({"bookingId": changed.id.to_string(), "status": changed.status.as_str(),
            "startsAt": changed.starts_at.to_rfc3339()});
        let kind = if self.cancel { "cancelled" } else { "rescheduled" };
        Ok(ToolOutput { result: detail.clone(), action: Some(Action { kind, detail }) })
    }
}

/// Lists the caller's own upcoming bookings.
pub struct MyAppointments(pub Arc<Bookings>);

#[async_trait]
impl AgentTool for MyAppointments {
    fn writes(&self) -> bool {
        false
    }

    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "my_appointments",
            description: "This caller's upcoming confirmed bookings, earliest first (ids for reschedule/cancel).",
            parameters: json!({"type": "object", "additionalProperties": false, "properties": {}}),
        }
    }

    async fn run(&self, scope: &TurnScope, arguments: Value) -> Result<ToolOutput, ToolError> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct NoArgs {}
        let NoArgs {} = parse(arguments)?;
        let zone = self.0.schedule(scope.tenant).await.map_err(refusal)?.time_zone;
        let filter = frontdesk_bookings::BookingFilter {
            lead_id: Some(scope.lead),
            status: Some(frontdesk_bookings::BookingStatus::Confirmed),
            from: Some(self.0.now()),
            ..frontdesk_bookings::BookingFilter::default()
        };
        let page = frontdesk_kernel::PageRequest::new(Some(1), Some(10)).map_err(|e| ToolError(e.to_string()))?;
        let found = self.0.list(scope.tenant, &filter, page).await.map_err(refusal)?;
        let bookings: Vec<Value> = found
            .data
            .iter()
            .map(|b| {
                json!({"bookingId": b.id.to_string(), "startsAt": b.starts_at.to_rfc3339(),
                "local": local_label(b.starts_at, zone)})
            })
            .collect();
        Ok(ToolOutput::read(json!({ "bookings": bookings })))
    }
}

/// Asks a person to take over: a note on the lead's timeline with the reason
/// and urgency, a `handoff.requested` event (the team is notified from it),
/// and words for the lead about what happens next.
pub struct HandoffToHuman {
    leads: Arc<dyn frontdesk_leads::LeadRepository>,
    events: Arc<dyn EventPublisher>,
    clock: Arc<dyn frontdesk_kernel::Clock>,
}

/// The kind of the event a handoff publishes.
pub const HANDOFF_REQUESTED: &str = "handoff.requested";

impl HandoffToHuman {
    /// The tool, writing to `leads`' timelines and publishing through `events`.
    #[must_use]
    pub fn new(
        leads: Arc<dyn frontdesk_leads::LeadRepository>,
        events: Arc<dyn EventPublisher>,
        clock: Arc<dyn frontdesk_kernel::Clock>,
    ) -> Self {
        Self { leads, events, clock }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct HandoffArgs {
    reason: String,
    urgency: Option<String>,
}

#[async_trait]
impl AgentTool for HandoffToHuman {
    fn spec(&self) -> ToolSpec {
        ToolSpec {
            name: "handoff_to_human",
            description: "Asks a member of the team to contact this caller (they asked for a person, or you cannot help). Tell the caller what happens next.",
            parameters: json!({"type": "object", "additionalProperties": false, "required": ["reason"],
                "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 500},
                    "urgency": {"type": "string", "enum": ["low", "normal", "high"]}}}),
        }
    }

    async fn run(&self, scope: &TurnScope, arguments: Value) -> Result<ToolOutput, ToolError> {
        let args: HandoffArgs = parse(arguments)?;
        let reason = args.reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(ToolError("reason must be 1 to 500 characters".into()));
        }
        let urgency = args.urgency.as_deref().map(str::trim).unwrap_or("normal");
        if !["low", "normal", "high"].contains(&urgency) {
            return Err(ToolError("urgency must be low, normal or high".into()));
        }
        let input = frontdesk_leads::NewTimelineEvent {
            kind: frontdesk_leads::EventKind::Note,
            direction: None,
            content: format!("Handoff requested ({urgency}): {reason}"),
            meta: Some(
                json!({"handoff": true, "reason": reason, "urgency": urgency, "channel": scope.channel.as_str()}),
            ),
        };
        let event = frontdesk_leads::TimelineEvent::record(scope.tenant, scope.lead, input, self.clock.now())
            .map_err(|e| ToolError(e.to_string()))?;
        self.leads
            .append_event(scope.tenant, &event)
            .await
            .map_err(|_| ToolError("could not reach the team right now; promise a call-back".into()))?;
        let data = json!({"leadId": scope.lead.to_string(), "conversationId": scope.conversation.to_string(),
            "turnId": scope.turn.to_string(), "channel": scope.channel.as_str(), "reason": reason, "urgency": urgency,
            "timelineEventId": event.id.to_string()});
        let published = DomainEvent::new(scope.tenant, HANDOFF_REQUESTED, data, self.clock.now());
        self.events.publish(&published).await.map_err(|e| {
            tracing::error!(tenant.id = %scope.tenant, conversation.id = %scope.conversation, error = %e,
                "handoff not published; the team will not be notified");
            ToolError("could not reach the team right now; take a message and promise a call-back".into())
        })?;
        let detail = json!({"reason": reason, "urgency": urgency, "eventId": event.id.to_string(),
            "handoffEventId": published.id.to_string(), "whatNext": "a member of the team will contact the caller"});
        Ok(ToolOutput { result: detail.clone(), action: Some(Action { kind: "handed_off", detail }) })
    }
}

/// The scheduling tools over `bookings`.
#[must_use]
pub fn scheduling_tools(bookings: &Arc<Bookings>) -> Vec<Arc<dyn AgentTool>> {
    vec![
        Arc::new(CheckAvailability(Arc::clone(bookings))),
        Arc::new(HoldSlot(Arc::clone(bookings))),
        Arc::new(BookAppointment(Arc::clone(bookings))),
        Arc::new(ChangeAppointment::reschedule(Arc::clone(bookings))),
        Arc::new(ChangeAppointment::cancel(Arc::clone(bookings))),
        Arc::new(MyAppointments(Arc::clone(bookings))),
    ]
}
