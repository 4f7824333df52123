//! Outbound webhooks over the in-memory fakes: validation, the fan-out,
//! one attempt per job with the retry schedule, redelivered jobs, secret
//! rotation, disabling after three days, redelivery and replay.

use crate::outbound::{
    DeliverWebhookJob, DeliverWebhooks, Delivery, NewSubscription, RETRY_DELAYS, SubscriptionChange,
    SubscriptionRepository, SubscriptionStatus, WebhookFanout, WebhookSubscriptions,
};
use crate::ports::UrlPolicy;
use crate::testing::{InMemorySubscriptions, RecordedAlerts, ScriptedTransport, TestCipher};
use crate::{IntegrationsError, outbound::DeliveryAnswer};
use async_trait::async_trait;
use chrono::{Duration, Utc};
use frontdesk_kernel::events::{DomainEvent, EventOutbox, EventSubscriber};
use frontdesk_kernel::jobs::{JobHandler, JobKind, JobRecord, JobStatus, ProgressSink};
use frontdesk_kernel::testing::{InMemoryEventOutbox, InMemoryJobQueue, ManualClock};
use frontdesk_kernel::{Clock, PageRequest, TenantId};
use std::sync::Arc;

struct Quiet;

#[async_trait]
impl ProgressSink for Quiet {
    async fn report(&self, _: u64, _: u64) {}
}

/// Refuses one host, as the egress guard refuses internal addresses.
struct NoInternal;

#[async_trait]
impl UrlPolicy for NoInternal {
    async fn check(&self, url: &str) -> Result<(), String> {
        if url.contains("internal.test") { Err("the host resolves to a loopback address".into()) } else { Ok(()) }
    }
}

struct Harness {
    repo: Arc<InMemorySubscriptions>,
    outbox: Arc<InMemoryEventOutbox>,
    queue: Arc<InMemoryJobQueue>,
    transport: Arc<ScriptedTransport>,
    alerts: Arc<RecordedAlerts>,
    clock: Arc<ManualClock>,
    service: WebhookSubscriptions,
    fanout: WebhookFanout,
    handler: DeliverWebhooks,
    tenant: TenantId,
}

fn harness() -> Harness {
    let repo = Arc::new(InMemorySubscriptions::default());
    let outbox = Arc::new(InMemoryEventOutbox::default());
    let queue = Arc::new(InMemoryJobQueue::default());
    let transport = Arc::new(ScriptedTransport::default());
    let alerts = Arc::new(RecordedAlerts::default());
    let clock = Arc::new(ManualClock::at(Utc::now()));
    let cipher = Arc::new(TestCipher::new("k1"));
    let service = WebhookSubscriptions::new(
        repo.clone(),
        cipher.clone(),
        transport.clone(),
        Arc::new(NoInternal),
        outbox.clone(),
        queue.clone(),
        clock.clone(),
    );
    let fanout = WebhookFanout::new(repo.clone(), queue.clone(), clock.clone());
    let handler = DeliverWebhooks::new(
        repo.clone(),
        outbox.clone(),
        cipher,
        transport.clone(),
        alerts.clone(),
        queue.clone(),
        clock.clone(),
    );
    Harness { repo, outbox, queue, transport, alerts, clock, service, fanout, handler, tenant: TenantId::new() }
}

fn new(url: &str, events: &[&str]) -> NewSubscription {
    NewSubscription { url: url.into(), events: events.iter().map(|e| (*e).to_owned()).collect(), description: None }
}

impl Harness {
    async fn event(&self, kind: &str) -> DomainEvent {
        let event =
            DomainEvent::new(self.tenant, kind, serde_json::json!({ "lead": { "id": "l1" } }), self.clock.now());
        self.outbox.append(std::slice::from_ref(&event)).await.unwrap();
        event
    }

    /// Delivery jobs not run yet, with their payloads.
    fn queued(&self) -> Vec<(JobRecord, Delivery)> {
        self.queue
            .all()
            .into_iter()
            .filter(|r| r.job.kind == DeliverWebhookJob::KIND && r.status == JobStatus::Queued)
            .map(|r| {
                let d = DeliverWebhookJob::payload(&r.job).unwrap();
                (r, d)
            })
            .collect()
    }

    /// Runs every due delivery job once (as a worker would), marking it done.
    async fn run_queued(&self) -> usize {
        let now = self.clock.now();
        let jobs: Vec<_> = self.queued().into_iter().filter(|(r, _)| r.job.run_at <= now).collect();
        for (record, _) in &jobs {
            self.handler.run(&record.job, &Quiet).await.unwrap();
            self.queue.finish(record.job.id, JobStatus::Completed, None, Utc::now()).await.unwrap();
        }
        jobs.len()
    }
}

#[tokio::test]
async fn a_subscription_with_bad_fields_is_refused_naming_each_and_nothing_is_stored() {
    let h = harness();
    let input = NewSubscription {
        url: "ftp://example.com/x".into(),
        events: vec!["lead.created".into(), "lead.exploded".into()],
        description: Some("x".repeat(201)),
    };
    let IntegrationsError::Validation(errors) = h.service.create(h.tenant, input).await.unwrap_err() else {
        panic!("a validation error")
    };
    let fields: Vec<_> = errors.errors().iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["url", "events[1]", "description"]);
    let err = h.service.create(h.tenant, new("https://internal.test/hook", &[])).await.unwrap_err();
    let IntegrationsError::Validation(errors) = err else { panic!("a validation error") };
    let fields: Vec<_> = errors.errors().iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["events", "url"], "the address rule is a url error too");
    assert_eq!(h.repo.count(h.tenant).await.unwrap(), 0);
}

#[tokio::test]
async fn the_secret_is_shown_once_and_sealed_at_rest() {
    let h = harness();
    let created = h.service.create(h.tenant, new("https://hooks.example.com/a", &["lead.created"])).await.unwrap();
    assert!(created.secret.starts_with("whsec_"));
    let stored = h.repo.get(h.tenant, created.subscription.id).await.unwrap();
    assert!(!format!("{stored:?}").contains(&created.secret), "neither stored in the clear nor printed");
    assert_eq!(h.service.secrets(&stored).unwrap().current, created.secret);
    assert!(matches!(
        h.service.get(TenantId::new(), created.subscription.id).await,
        Err(IntegrationsError::NotFound { .. })
    ));
}

#[tokio::test]
async fn an_event_reaches_only_the_subscriptions_that_want_it_signed_with_the_event_id() {
    let h = harness();
    let wants = h.service.create(h.tenant, new("https://a.example.com/in", &["lead.created"])).await.unwrap();
    h.service.create(h.tenant, new("https://b.example.com/in", &["booking.created"])).await.unwrap();
    let other_tenant = TenantId::new();
    h.service.create(other_tenant, new("https://c.example.com/in", &["lead.created"])).await.unwrap();

    let event = h.event("lead.created").await;
    h.fanout.on(&event).await.unwrap();
    h.fanout.on(&event).await.unwrap(); // a re-run of the publish job: still one delivery
    assert_eq!(h.run_queued().await, 1);
    let sent = h.transport.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!((sent[0].url.as_str(), sent[0].id.clone()), ("https://a.example.com/in", event.id.to_string()));
    assert_eq!(sent[0].secrets, std::slice::from_ref(&wants.secret));
    let body: serde_json::Value = serde_json::from_str(&sent[0].body).unwrap();
    assert_eq!(body["type"], "lead.created");
    assert_eq!(body["data"]["lead"]["id"], "l1");
    let log = h.service.attempts(h.tenant, wants.subscription.id, PageRequest::default()).await.unwrap();
    assert_eq!(log.data.len(), 1);
    assert!(log.data[0].succeeded && log.data[0].status_code == Some(200) && log.data[0].next_attempt_at.is_none());
}

#[tokio::test]
async fn a_failing_endpoint_is_retried_on_the_schedule_for_more_than_a_day_then_given_up() {
    let h = harness();
    let created = h.service.create(h.tenant, new("https://a.example.com/in", &["lead.created"])).await.unwrap();
    let event = h.event("lead.created").await;
    h.fanout.on(&event).await.unwrap();
    h.transport.answer((0..20).map(|_| ScriptedTransport::status(503)));
    let first_at = h.clock.now();
    let mut attempts = 0;
    loop {
        let queued = h.queued();
        let Some((record, delivery)) = queued.first() else { break };
        attempts += 1;
        assert_eq!(delivery.attempt, attempts);
        assert!(record.job.run_at <= h.clock.now() + Duration::milliseconds(1), "due when run");
        h.handler.run(&record.job, &Quiet).await.unwrap();
        h.queue.finish(record.job.id, JobStatus::Completed, None, Utc::now()).await.unwrap();
        if let Some((next, _)) = h.queued().first() {
            let wait = next.job.run_at - h.clock.now();
            assert_eq!(wait, Duration::from_std(RETRY_DELAYS[attempts as usize - 1]).unwrap());
            h.clock.advance(wait);
        }
    }
    assert_eq!(attempts, 8);
    let span = h.clock.now() - first_at;
    assert!(span >= Duration::hours(24), "retried for at least 24 h, not {span}");
    let log = h.service.attempts(h.tenant, created.subscription.id, PageRequest::new(None, Some(100)).unwrap());
    let log = log.await.unwrap();
    assert_eq!(log.data.len(), 8);
    assert!(log.data.iter().all(|a| !a.succeeded && a.status_code == Some(503)));
    assert!(log.data[0].next_attempt_at.is_none(), "the last attempt schedules nothing");
    assert_eq!(h.transport.sent().iter().filter(|s| s.id == event.id.to_string()).count(), 8, "one webhook-id");
}

#[tokio::test]
async fn a_job_run_again_after_a_crash_does_not_call_the_endpoint_twice() {
    let h = harness();
    h.service.create(h.tenant, new("https://a.example.com/in", &["lead.created"])).await.unwrap();
    let event = h.event("lead.created").await;
    h.fanout.on(&event).await.unwrap();
    h.transport.answer([ScriptedTransport::status(500)]);
    let (record, _) = h.queued().remove(0);
    h.handler.run(&record.job, &Quiet).await.unwrap();
    // The worker died before completing the job: the queue hands it out again.
    let again = h.handler.run(&record.job, &Quiet).await.unwrap();
    assert_eq!(again["repeated"], true);
    assert_eq!(h.transport.sent().len(), 1, "the attempt was made once");
    let next: Vec<_> = h.queued().into_iter().filter(|(_, d)| d.attempt == 2).collect();
    assert_eq!(next.len(), 1, "and its successor queued once");
}

#[tokio::test]
async fn after_a_rotation_both_secrets_sign_for_a_day_then_only_the_new_one() {
    let h = harness();
    let created = h.service.create(h.tenant, new("https://a.example.com/in", &["lead.created"])).await.unwrap();
    let rotated = h.service.rotate_secret(h.tenant, created.subscription.id).await.unwrap();
    assert_ne!(rotated.secret, created.secret);
    let first = h.event("lead.created").await;
    h.fanout.on(&first).await.unwrap();
    h.run_queued().await;
    h.clock.advance(Duration::hours(24) + Duration::seconds(1));
    let second = h.event("lead.created").await;
    h.fanout.on(&second).await.unwrap();
    h.run_queued().await;
    let sent = h.transport.sent();
    assert_eq!(sent[0].secrets, [rotated.secret.clone(), created.secret.clone()]);
    assert_eq!(sent[1].secrets, std::slice::from_ref(&rotated.secret));
}

#[tokio::test]
async fn a_subscription_failing_for_three_days_is_disabled_and_the_owner_told_until_re_enabled() {
    let h = harness();
    let created = h.service.create(h.tenant, new("https://a.example.com/in", &["lead.created"])).await.unwrap();
    let id = created.subscription.id;
    h.transport
        .answer((0..40).map(|_| DeliveryAnswer::Failed { error: "no answer within 10 s".into(), latency_ms: 10_000 }));
    for _ in 0..4 {
        let event = h.event("lead.created").await;
        h.fanout.on(&event).await.unwrap();
        h.run_queued().await;
        h.clock.advance(Duration::hours(25));
    }
    let stored = h.repo.get(h.tenant, id).await.unwrap();
    assert_eq!(stored.status, SubscriptionStatus::Disabled);
    assert!(stored.disabled_reason.as_deref().unwrap().contains("failed"));
    assert_eq!(h.alerts.all().len(), 1, "told once");
    let sent = h.transport.sent().len();
    let event = h.event("lead.created").await;
    h.fanout.on(&event).await.unwrap();
    h.clock.advance(Duration::days(2));
    h.run_queued().await;
    assert_eq!(h.transport.sent().len(), sent, "a disabled subscription gets nothing");
    assert!(matches!(h.service.redeliver(h.tenant, id, event.id).await, Err(IntegrationsError::Validation(_))));

    let enabled = h
        .service
        .update(
            h.tenant,
            id,
            SubscriptionChange { status: Some(SubscriptionStatus::Active), ..SubscriptionChange::default() },
        )
        .await
        .unwrap();
    assert_eq!(
        (enabled.status, enabled.failing_since, enabled.disabled_reason),
        (SubscriptionStatus::Active, None, None)
    );
}

#[tokio::test]
async fn a_success_clears_the_failure_record() {
    let h = harness();
    let created = h.service.create(h.tenant, new("https://a.example.com/in", &["lead.created"])).await.unwrap();
    h.transport.answer([ScriptedTransport::status(500)]);
    let event = h.event("lead.created").await;
    h.fanout.on(&event).await.unwrap();
    h.run_queued().await;
    assert!(h.repo.get(h.tenant, created.subscription.id).await.unwrap().failing_since.is_some());
    h.clock.advance(Duration::seconds(5));
    h.run_queued().await;
    assert!(h.repo.get(h.tenant, created.subscription.id).await.unwrap().failing_since.is_none());
}

#[tokio::test]
async fn redelivery_and_replay_send_the_same_webhook_id_again() {
    let h = harness();
    let created = h.service.create(h.tenant, new("https://a.example.com/in", &["lead.created"])).await.unwrap();
    let id = created.subscription.id;
    let early = h.event("lead.created").await;
    h.event("booking.created").await; // not a kind it wants
    h.clock.advance(Duration::hours(1));
    let late = h.event("lead.created").await;

    h.service.redeliver(h.tenant, id, early.id).await.unwrap();
    h.run_queued().await;
    assert_eq!(h.transport.sent().last().unwrap().id, early.id.to_string());
    assert!(matches!(
        h.service.redeliver(h.tenant, id, frontdesk_kernel::events::EventId::new()).await,
        Err(IntegrationsError::NotFound { entity: "event" })
    ));
    assert!(matches!(
        h.service.redeliver(TenantId::new(), id, early.id).await,
        Err(IntegrationsError::NotFound { .. })
    ));

    let from = early.occurred_at;
    let queued = h.service.replay(h.tenant, id, from, late.occurred_at + Duration::milliseconds(1)).await.unwrap();
    assert_eq!(queued, 2);
    h.run_queued().await;
    let ids: Vec<_> = h.transport.sent().into_iter().skip(1).map(|s| s.id).collect();
    assert_eq!(ids, [early.id.to_string(), late.id.to_string()]);
    let err = h.service.replay(h.tenant, id, from, from + Duration::days(8)).await.unwrap_err();
    assert!(matches!(err, IntegrationsError::Validation(e) if e.errors().iter().any(|f| f.field == "to")));
}

#[tokio::test]
async fn a_deleted_subscription_stops_its_queued_deliveries() {
    let h = harness();
    let created = h.service.create(h.tenant, new("https://a.example.com/in", &["lead.created"])).await.unwrap();
    let event = h.event("lead.created").await;
    h.fanout.on(&event).await.unwrap();
    h.service.delete(h.tenant, created.subscription.id).await.unwrap();
    assert_eq!(h.run_queued().await, 1);
    assert!(h.transport.sent().is_empty());
    assert!(matches!(
        h.service.delete(h.tenant, created.subscription.id).await,
        Err(IntegrationsError::NotFound { .. })
    ));
}

#[tokio::test]
async fn a_key_rotation_reseals_signing_secrets_and_reports_those_that_do_not_open() {
    let h = harness();
    let kept = h.service.create(h.tenant, new("https://a.example.com/in", &["lead.created"])).await.unwrap();
    let lost = h.service.create(h.tenant, new("https://b.example.com/in", &["lead.created"])).await.unwrap();
    // The second one was sealed under a key the new ring no longer has.
    let mut orphan = h.repo.get(h.tenant, lost.subscription.id).await.unwrap();
    orphan.sealed_secrets = crate::SealedSecret::new("k0", orphan.sealed_secrets.as_bytes().to_vec());
    h.repo.update(&orphan, orphan.updated_at).await.unwrap();

    let rotated = WebhookSubscriptions::new(
        h.repo.clone(),
        Arc::new(TestCipher::new("k2").also_opening("k1")),
        h.transport.clone(),
        Arc::new(NoInternal),
        h.outbox.clone(),
        h.queue.clone(),
        h.clock.clone(),
    );
    let mut report = crate::RotationReport { complete: true, ..crate::RotationReport::default() };
    rotated.rotate_keys(1, &mut report).await.unwrap();
    assert_eq!((report.resealed, report.failed_subscriptions.clone()), (1, vec![lost.subscription.id]));
    let stored = h.repo.get(h.tenant, kept.subscription.id).await.unwrap();
    assert_eq!(stored.sealed_secrets.key_id(), "k2");
    assert_eq!(rotated.secrets(&stored).unwrap().current, kept.secret, "the same secret, under the new key");
    assert!(stored.updated_at > kept.subscription.updated_at, "a write prepared from the old row now conflicts");
}
