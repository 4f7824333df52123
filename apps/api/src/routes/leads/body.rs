//! The JSON shapes of leads and timeline events, and the request bodies.

use chrono::{DateTime, Utc};
use frontdesk_kernel::UserId;
use frontdesk_leads::{Lead, LeadChanges, NewLead, TimelineEvent};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

/// A lead as clients see it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LeadBody {
    id: String,
    name: String,
    /// E.164.
    phone: Option<String>,
    /// Lower-cased.
    email: Option<String>,
    /// `new|contacted|qualified|booked|won|lost`.
    status: String,
    /// `manual|import|call|sms|email|chat|form|integration`.
    source: String,
    notes: Option<String>,
    #[schema(value_type = Object)]
    metadata: serde_json::Value,
    assigned_to: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    /// Set on leads in the trash (restorable for 30 days).
    #[serde(skip_serializing_if = "Option::is_none")]
    deleted_at: Option<DateTime<Utc>>,
}

impl From<&Lead> for LeadBody {
    fn from(lead: &Lead) -> Self {
        Self {
            id: lead.id.to_string(),
            name: lead.name.as_str().to_owned(),
            phone: lead.phone.as_ref().map(|p| p.as_str().to_owned()),
            email: lead.email.as_ref().map(|e| e.as_str().to_owned()),
            status: lead.status.as_str().to_owned(),
            source: lead.source.as_str().to_owned(),
            notes: lead.notes.clone(),
            metadata: lead.metadata.to_value(),
            assigned_to: lead.assigned_to.map(|u| u.to_string()),
            created_at: lead.created_at,
            updated_at: lead.updated_at,
            deleted_at: lead.deleted_at,
        }
    }
}

/// One timeline event.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEventBody {
    id: String,
    /// `call|sms|email|chat|note|booking|status_change`.
    #[serde(rename = "type")]
    kind: String,
    /// `inbound|outbound`, for communications.
    #[serde(skip_serializing_if = "Option::is_none")]
    direction: Option<String>,
    content: String,
    created_at: DateTime<Utc>,
    #[schema(value_type = Object)]
    meta: serde_json::Value,
}

impl From<&TimelineEvent> for TimelineEventBody {
    fn from(event: &TimelineEvent) -> Self {
        Self {
            id: event.id.to_string(),
            kind: event.kind.as_str().to_owned(),
            direction: event.direction.map(|d| d.as_str().to_owned()),
            content: event.content.clone(),
            created_at: event.created_at,
            meta: event.meta.to_value(),
        }
    }
}

/// An assignee id as sent. A string that is not an id names no user of the
/// tenant, so it becomes the nil id and is reported by the membership check
/// ("assignedTo: must be a user of this sub-account") with the other fields.
fn assignee(raw: &str) -> UserId {
    raw.trim().parse().unwrap_or_else(|_| UserId::from_uuid(uuid::Uuid::nil()))
}

/// Create request.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CreateLeadBody {
    /// 1–200 characters.
    #[serde(default)]
    name: String,
    /// International (`+14155550123`) or, when the sub-account has a country, national.
    phone: Option<String>,
    /// Phone or email is required.
    email: Option<String>,
    /// Default `new`.
    status: Option<String>,
    /// Default `manual`.
    source: Option<String>,
    /// At most 5000 characters.
    notes: Option<String>,
    /// A JSON object of at most 16 KiB.
    #[schema(value_type = Option<Object>)]
    metadata: Option<serde_json::Value>,
    /// A user of this sub-account.
    assigned_to: Option<String>,
}

impl From<CreateLeadBody> for NewLead {
    fn from(body: CreateLeadBody) -> Self {
        Self {
            name: body.name,
            phone: body.phone,
            email: body.email,
            status: body.status,
            source: body.source,
            notes: body.notes,
            metadata: body.metadata,
            assigned_to: body.assigned_to.as_deref().map(assignee),
        }
    }
}

/// Change request: absent fields stay; blank `phone`/`email`/`notes` clear
/// them; `assignedTo: null` unassigns.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpdateLeadBody {
    name: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    /// A move records a `status_change` event on the timeline.
    status: Option<String>,
    notes: Option<String>,
    #[schema(value_type = Option<Object>)]
    metadata: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    assigned_to: Option<Option<String>>,
}

/// Tells "absent" (`None`, via `default`) from "null" (`Some(None)`).
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(deserializer).map(Some)
}

impl From<UpdateLeadBody> for LeadChanges {
    fn from(body: UpdateLeadBody) -> Self {
        Self {
            status: body.status,
            name: body.name,
            phone: body.phone,
            email: body.email,
            notes: body.notes,
            metadata: body.metadata,
            assigned_to: body.assigned_to.map(|raw| raw.as_deref().map(assignee)),
        }
    }
}

/// A note.
#[derive(Deserialize, ToSchema)]
pub struct NoteBody {
    /// 1–10,000 characters.
    #[serde(default)]
    pub content: String,
}
