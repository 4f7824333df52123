//! Email in and out: an inbound email routed to its sub-account by its
//! recipients, machines ignored, the sender's lead found or created, and a
//! job ([`EmailReplies`], keyed by the provider's id so a redelivery is one
//! reply) that finds the thread, runs the turn in that conversation and
//! sends the reply with `In-Reply-To` and `References`, so the customer's
//! client shows it in the same thread.

use crate::channels::email::{EmailThreads, InboundEmail, thread_subject};
use crate::channels::inbound::Inbound;
use crate::conversation::Channel;
use crate::error::{ReceptionistError, Result};
use crate::receptionist::{Receptionist, Thread};
use async_trait::async_trait;
use frontdesk_kernel::jobs::{Job, JobFailure, JobHandler, NewJob, ProgressSink};
use frontdesk_kernel::messaging::{MessageChannel, MessagingError, OutboundMessage, OutboundMessenger, Sent};
use frontdesk_kernel::{Cache, LeadId};
use frontdesk_leads::{LeadsError, NewLead};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// The job that answers an email.
pub const EMAIL_REPLY_JOB: &str = "receptionist.email_reply";

/// What an inbound email led to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Received {
    /// None of its recipients is routed: 404, nothing stored.
    Unrouted,
    /// Not answered (an auto-reply, a bounce, an empty message), and why.
    Ignored(&'static str),
    /// A reply job was queued (or had been, for a redelivery).
    Queued(frontdesk_kernel::jobs::JobId),
}

/// A reply job's payload.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct EmailJob {
    lead_id: LeadId,
    provider_id: String,
    from: String,
    subject: String,
    message_id: Option<String>,
    in_reply_to: Vec<String>,
    references: Vec<String>,
    text: String,
}

impl Inbound {
    /// An email arrived.
    ///
    /// # Errors
    /// `Storage` (the provider retries).
    pub async fn email_received(&self, email: &InboundEmail) -> Result<Received> {
        let Some(route) = self.routes.route_address(email.recipients.iter().map(String::as_str)).await? else {
            return Ok(Received::Unrouted);
        };
        let tenant = route.tenant_id;
        if let Some(why) = email.automatic() {
            tracing::info!(tenant.id = %tenant, email.id = %email.provider_id, why, "automatic email not answered");
            return Ok(Received::Ignored("automatic"));
        }
        let text = frontdesk_kernel::text::strip_controls(&email.new_text());
        if text.is_empty() {
            return Ok(Received::Ignored("empty"));
        }
        let from = email.from.trim().to_lowercase();
        let name = email
            .from_name
            .as_deref()
            .map(frontdesk_kernel::text::strip_controls)
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty() && n.chars().count() <= 200)
            .unwrap_or_else(|| format!("Sender {from}"));
        let input = NewLead { name, email: Some(from.clone()), source: Some("email".into()), ..NewLead::default() };
        let lead = match self.leads.create(tenant, input).await {
            Ok(lead) => lead.id,
            Err(LeadsError::Duplicate { existing, .. }) => existing,
            Err(LeadsError::Validation(_)) => return Ok(Received::Ignored("sender address not accepted")),
            Err(other) => return Err(ReceptionistError::storage(other)),
        };
        let payload = EmailJob {
            lead_id: lead,
            provider_id: email.provider_id.clone(),
            from,
            subject: frontdesk_kernel::text::strip_controls(&email.subject).chars().take(998).collect(),
            message_id: email.message_id.clone(),
            in_reply_to: email.in_reply_to.clone(),
            references: email.references.clone(),
            text: text.chars().take(10_000).collect(),
        };
        let job = NewJob::new(tenant, EMAIL_REPLY_JOB, serde_json::to_value(&payload).unwrap_or_default())
            .with_idempotency_key(format!("email:{}", email.provider_id));
        let queued = self.jobs.enqueue(job).await.map_err(ReceptionistError::storage)?;
        Ok(Received::Queued(queued.id()))
    }
}

/// Answers an email in its thread.
pub struct EmailReplies {
    desk: Receptionist,
    threads: Arc<dyn EmailThreads>,
    messenger: Arc<dyn OutboundMessenger>,
    cache: Arc<dyn Cache>,
}

impl EmailReplies {
    /// The handler.
    #[must_use]
    pub fn new(
        desk: Receptionist,
        threads: Arc<dyn EmailThreads>,
        messenger: Arc<dyn OutboundMessenger>,
        cache: Arc<dyn Cache>,
    ) -> Self {
        Self { desk, threads, messenger, cache }
    }

    /// The thread of `job`: its `In-Reply-To`, then its `References`
    /// (newest first), then the sender's last thread with this subject.
    async fn thread(&self, tenant: frontdesk_kernel::TenantId, job: &EmailJob, subject_key: &str) -> Result<Thread> {
        let mut ids = job.in_reply_to.clone();
        ids.extend(job.references.iter().rev().cloned());
        if let Some(found) = self.threads.find(tenant, &ids).await? {
            return Ok(Thread::Existing(found));
        }
        if !subject_key.is_empty()
            && let Some(found) = self.threads.by_subject(tenant, &job.from, subject_key).await?
        {
            return Ok(Thread::Existing(found));
        }
        Ok(Thread::New)
    }
}

fn failure(e: &ReceptionistError) -> JobFailure {
    match e {
        ReceptionistError::NotFound { .. } | ReceptionistError::Validation(_) => JobFailure::permanent(e.to_string()),
        _ => JobFailure::retry(e.to_string()),
    }
}

#[async_trait]
impl JobHandler for EmailReplies {
    fn kind(&self) -> &'static str {
        EMAIL_REPLY_JOB
    }

    async fn run(&self, job: &Job, _: &dyn ProgressSink) -> std::result::Result<serde_json::Value, JobFailure> {
        let payload: EmailJob = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobFailure::permanent(format!("bad {EMAIL_REPLY_JOB} payload: {e}")))?;
        let tenant = job.tenant_id;
        let subject_key = thread_subject(&payload.subject);
        let kept = format!("email:reply:{tenant}:{}", payload.provider_id);
        let (reply, conversation) = match self.cache.get(&kept).await {
            Ok(Some(bytes)) => serde_json::from_slice::<(String, crate::ConversationId)>(&bytes)
                .map_err(|e| JobFailure::permanent(e.to_string()))?,
            _ => {
                let thread = self.thread(tenant, &payload, &subject_key).await.map_err(|e| failure(&e))?;
                let answered = match self
                    .desk
                    .handle_in_thread(tenant, payload.lead_id, Channel::Email, &payload.text, None, thread)
                    .await
                {
                    // A thread of another lead (a forwarded email): a new conversation for this sender.
                    Err(ReceptionistError::NotFound { entity: "conversation" }) => {
                        self.desk
                            .handle_in_thread(tenant, payload.lead_id, Channel::Email, &payload.text, None, Thread::New)
                            .await
                    }
                    other => other,
                }
                .map_err(|e| failure(&e))?;
                let kept_value = serde_json::to_vec(&(&answered.reply, answered.conversation_id)).unwrap_or_default();
                let _ = self.cache.set(&kept, &kept_value, Duration::from_secs(24 * 3600)).await;
                (answered.reply, answered.conversation_id)
            }
        };
        let mut ids: Vec<String> = payload.references.clone();
        ids.extend(payload.in_reply_to.iter().cloned());
        ids.extend(payload.message_id.iter().cloned());
        ids.dedup();
        self.threads
            .remember(tenant, &ids, conversation, &payload.from, &subject_key)
            .await
            .map_err(|e| failure(&e))?;
        let mut headers = Vec::new();
        if let Some(id) = &payload.message_id {
            let mut references: Vec<String> = payload.references.clone();
            if !references.contains(id) {
                references.push(id.clone());
            }
            headers.push(("In-Reply-To".to_owned(), format!("<{id}>")));
            let joined: Vec<String> = references.iter().map(|r| format!("<{r}>")).collect();
            headers.push(("References".to_owned(), joined.join(" ")));
        }
        let subject = if subject_key.is_empty() {
            "Re: your message".to_owned()
        } else if payload.subject.trim().to_ascii_lowercase().starts_with("re:") {
            payload.subject.trim().to_owned()
        } else {
            format!("Re: {}", payload.subject.trim())
        };
        let message = OutboundMessage {
            tenant_id: tenant,
            channel: MessageChannel::Email,
            to: payload.from.clone(),
            subject: Some(subject),
            body: reply,
            dedupe_key: format!("email-reply:{}", payload.provider_id),
            headers,
        };
        match self.messenger.send(&message).await {
            Ok(sent) => Ok(json!({"sent": matches!(sent, Sent::New(_)), "conversationId": conversation.to_string()})),
            Err(MessagingError::Rejected(why)) => Ok(json!({"sent": false, "rejected": why})),
            Err(e) => Err(JobFailure::retry(e.to_string())),
        }
    }
}
