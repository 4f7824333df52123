//! What happens after `handoff_to_human`: the team hears of it.
//!
//! The tool writes the timeline note and publishes `handoff.requested`
//! (see [`crate::tools::HandoffToHuman`]); [`StaffHandoffNotice`] acts on
//! that event by sending the sub-account's staff a notice through the
//! messaging port (the outbox in the embedded profile, `GET /api/v1/outbox`),
//! keyed by the event id so a redelivered event notifies once. Issue 14's
//! outbound webhooks subscribe to the same event.

use crate::tools::HANDOFF_REQUESTED;
use async_trait::async_trait;
use frontdesk_kernel::LeadId;
use frontdesk_kernel::events::{DomainEvent, EventSubscriber};
use frontdesk_kernel::jobs::JobFailure;
use frontdesk_kernel::messaging::{MessageChannel, MessagingError, OutboundMessage, OutboundMessenger};
use frontdesk_leads::{LeadRepository, LeadsError};
use serde_json::Value;
use std::sync::Arc;

/// Notifies the staff of a handoff.
pub struct StaffHandoffNotice {
    messenger: Arc<dyn OutboundMessenger>,
    leads: Arc<dyn LeadRepository>,
}

impl StaffHandoffNotice {
    /// Notices through `messenger`, naming the lead from `leads`.
    #[must_use]
    pub fn new(messenger: Arc<dyn OutboundMessenger>, leads: Arc<dyn LeadRepository>) -> Self {
        Self { messenger, leads }
    }
}

fn field<'a>(data: &'a Value, key: &str) -> &'a str {
    data.get(key).and_then(Value::as_str).unwrap_or_default()
}

#[async_trait]
impl EventSubscriber for StaffHandoffNotice {
    fn name(&self) -> &'static str {
        "staff-handoff-notice"
    }

    fn kinds(&self) -> &'static [&'static str] {
        &[HANDOFF_REQUESTED]
    }

    async fn on(&self, event: &DomainEvent) -> Result<(), JobFailure> {
        let data = &event.data;
        let lead_id: LeadId =
            field(data, "leadId").parse().map_err(|_| JobFailure::permanent("a handoff event without its lead"))?;
        let who = match self.leads.get(event.tenant_id, lead_id).await {
            Ok(lead) => {
                let contact =
                    lead.phone.as_ref().map(|p| p.as_str().to_owned()).or(lead.email.map(|e| e.as_str().to_owned()));
                match contact {
                    Some(contact) => format!("{} ({contact})", lead.name.as_str()),
                    None => lead.name.as_str().to_owned(),
                }
            }
            Err(LeadsError::NotFound { .. }) => "A lead who has since been deleted".to_owned(),
            Err(e) => return Err(JobFailure::retry(format!("lead unavailable: {e}"))),
        };
        let urgency = field(data, "urgency");
        let message = OutboundMessage {
            tenant_id: event.tenant_id,
            channel: MessageChannel::Staff,
            to: "staff".into(),
            subject: Some(format!("A caller asked for a person ({urgency} urgency)")),
            body: format!(
                "{who} asked for a person on {}: {}. Conversation {}.",
                field(data, "channel"),
                field(data, "reason"),
                field(data, "conversationId"),
            ),
            dedupe_key: format!("handoff:{}", event.id),
            headers: Vec::new(),
        };
        match self.messenger.send(&message).await {
            Ok(_) => Ok(()),
            Err(MessagingError::Unavailable(e)) => Err(JobFailure::retry(format!("messaging unavailable: {e}"))),
            Err(MessagingError::Rejected(why)) => {
                let why = frontdesk_kernel::redact::mask_pii(&why);
                tracing::warn!(tenant.id = %event.tenant_id, event.id = %event.id, %why, "the staff notice of a handoff was refused");
                Ok(())
            }
        }
    }
}
