//! The post-call summary: when a call ends, a job writes what happened on
//! the call onto the lead — each thing the caller asked and how it ended
//! (booked, handed off, answered), and the qualification state the turns
//! recorded — as one timeline entry, so staff read one line instead of the
//! transcript. It is built from the stored turns, deterministically, so it
//! needs no model and costs nothing when the provider is down; it runs
//! once per call (the job is keyed by the call id). It then announces
//! `call.completed` (webhooks), with the job's id as the event's, so a
//! re-run announces it once.

use crate::channels::inbound::CALL_SUMMARY_JOB;
use crate::conversation::Channel;
use crate::ports::ConversationStore;
use async_trait::async_trait;
use frontdesk_kernel::LeadId;
use frontdesk_kernel::events::{DomainEvent, EventId, EventPublisher};
use frontdesk_kernel::jobs::{Job, JobFailure, JobHandler, ProgressSink};
use frontdesk_leads::{Direction, EventKind, LeadService, NewTimelineEvent};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

/// Turns looked at (a call rarely has more).
const MAX_TURNS: usize = 50;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Payload {
    lead_id: LeadId,
    call_sid: String,
    status: String,
}

/// Writes the post-call summary.
pub struct CallSummaries {
    conversations: Arc<dyn ConversationStore>,
    leads: Arc<LeadService>,
    events: Arc<dyn EventPublisher>,
}

impl CallSummaries {
    /// The handler (announcing nothing until [`Self::with_events`]).
    #[must_use]
    pub fn new(conversations: Arc<dyn ConversationStore>, leads: Arc<LeadService>) -> Self {
        Self { conversations, leads, events: Arc::new(frontdesk_kernel::events::NoEvents) }
    }

    /// Announces `call.completed` through `events`.
    #[must_use]
    pub fn with_events(mut self, events: Arc<dyn EventPublisher>) -> Self {
        self.events = events;
        self
    }
}

/// The kind of the event a finished call announces.
pub const CALL_COMPLETED: &str = "call.completed";

/// One line per turn: what was said, how it ended.
#[must_use]
pub fn summarise(turns: &[crate::conversation::TurnRecord]) -> String {
    if turns.is_empty() {
        return "The caller hung up before saying anything.".to_owned();
    }
    let said: Vec<String> = turns
        .iter()
        .map(|t| {
            let heard: String = t.inbound.chars().take(120).collect();
            format!("\"{heard}\" ({})", t.outcome.as_str())
        })
        .collect();
    let booked = turns.iter().any(|t| t.outcome == crate::agent::Outcome::Booked);
    let handed = turns.iter().any(|t| t.outcome == crate::agent::Outcome::HandedOff);
    let ending = match (booked, handed) {
        (true, _) => "An appointment was booked.",
        (false, true) => "The caller asked for a person.",
        _ => "No appointment was booked.",
    };
    format!("Call of {} turn(s): {}. {ending}", turns.len(), said.join("; "))
}

#[async_trait]
impl JobHandler for CallSummaries {
    fn kind(&self) -> &'static str {
        CALL_SUMMARY_JOB
    }

    async fn run(&self, job: &Job, _: &dyn ProgressSink) -> Result<serde_json::Value, JobFailure> {
        let payload: Payload = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobFailure::permanent(format!("bad {CALL_SUMMARY_JOB} payload: {e}")))?;
        let tenant = job.tenant_id;
        let conversation = self
            .conversations
            .latest(tenant, payload.lead_id, Channel::Voice)
            .await
            .map_err(|e| JobFailure::retry(e.to_string()))?;
        let turns = match &conversation {
            Some(c) => {
                self.conversations.turns(tenant, c.id, MAX_TURNS).await.map_err(|e| JobFailure::retry(e.to_string()))?
            }
            None => Vec::new(),
        };
        let lead = match self.leads.get(tenant, payload.lead_id).await {
            Ok(lead) => lead,
            Err(frontdesk_leads::LeadsError::NotFound { .. }) => return Ok(json!({"skipped": "lead deleted"})),
            Err(e) => return Err(JobFailure::retry(e.to_string())),
        };
        let qualification = lead.metadata.get("qualification").cloned().unwrap_or(json!({}));
        let summary = summarise(&turns);
        let input = NewTimelineEvent {
            kind: EventKind::Call,
            direction: Some(Direction::Inbound),
            content: summary.clone(),
            meta: Some(json!({"kind": "call_summary", "callSid": payload.call_sid, "status": payload.status,
                "conversationId": conversation.as_ref().map(|c| c.id.to_string()), "turns": turns.len(),
                "qualification": qualification})),
        };
        self.leads.record(tenant, payload.lead_id, input).await.map_err(|e| JobFailure::retry(e.to_string()))?;
        let data = json!({"leadId": payload.lead_id.to_string(), "callSid": payload.call_sid, "status": payload.status,
            "conversationId": conversation.map(|c| c.id.to_string()), "turns": turns.len(), "summary": summary});
        let mut event = DomainEvent::new(tenant, CALL_COMPLETED, data, chrono::Utc::now());
        event.id = EventId::from_uuid(job.id.as_uuid());
        self.events.publish(&event).await.map_err(|e| JobFailure::retry(e.to_string()))?;
        Ok(json!({"summary": summary}))
    }
}
