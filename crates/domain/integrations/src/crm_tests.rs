//! Pushing leads to GoHighLevel over the in-memory fakes: one upsert per
//! lead event of a tenant with an active integration, an update of the
//! linked contact (never a second one) across retried jobs, nothing sent
//! when GoHighLevel already has the lead as it is (the echo of its own
//! webhook included), and deferral on a spent budget or a 429.

use crate::crm::{CrmContact, CrmContacts, CrmError, LeadContactFanout, UpsertContactJob, UpsertContacts, UpsertParts};
use crate::testing::{InMemoryIntegrations, InMemoryLinks};
use crate::webhooks::ExternalLinks;
use crate::{IntegrationKind, IntegrationTemplate, Integrations, Secrets};
use async_trait::async_trait;
use chrono::Utc;
use frontdesk_kernel::events::{DomainEvent, EventSubscriber};
use frontdesk_kernel::jobs::{JobHandler, JobKind, JobStatus, ProgressSink};
use frontdesk_kernel::testing::InMemoryJobQueue;
use frontdesk_kernel::{JsonObject, RateDecision, RateLimitError, RateLimiter, SystemClock, TenantId};
use frontdesk_leads::testing::InMemoryLeadStore;
use frontdesk_leads::{Lead, LeadRepository, NewLead};
use serde_json::json;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

struct Quiet;

#[async_trait]
impl ProgressSink for Quiet {
    async fn report(&self, _: u64, _: u64) {}
}

/// Answers from a script (then a new id per call); records calls.
#[derive(Default)]
struct ScriptedCrm {
    answers: Mutex<VecDeque<Result<String, CrmError>>>,
    calls: Mutex<Vec<(Option<String>, CrmContact, String)>>,
}

#[async_trait]
impl CrmContacts for ScriptedCrm {
    async fn upsert(
        &self,
        settings: &JsonObject,
        secrets: &Secrets,
        existing: Option<&str>,
        contact: &CrmContact,
    ) -> Result<String, CrmError> {
        assert_eq!(secrets.str("privateIntegrationToken"), Some("pit-secret-token"));
        let location = settings.get("locationId").and_then(|v| v.as_str()).unwrap_or_default().to_owned();
        self.calls.lock().unwrap().push((existing.map(str::to_owned), contact.clone(), location));
        let n = self.calls.lock().unwrap().len();
        self.answers
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or_else(|| Ok(existing.map_or(format!("contact-{n}"), str::to_owned)))
    }
}

/// Allows or refuses every hit, as switched.
#[derive(Default)]
struct Budget(AtomicBool);

#[async_trait]
impl RateLimiter for Budget {
    async fn hit(&self, _: &str, limit: u32, _: Duration) -> Result<RateDecision, RateLimitError> {
        let spent = self.0.load(Ordering::SeqCst);
        Ok(RateDecision {
            allowed: !spent,
            limit,
            remaining: if spent { 0 } else { limit },
            reset_after: Duration::from_secs(7),
        })
    }
}

struct World {
    integrations: Arc<Integrations>,
    leads: Arc<InMemoryLeadStore>,
    links: Arc<InMemoryLinks>,
    crm: Arc<ScriptedCrm>,
    budget: Arc<Budget>,
    queue: Arc<InMemoryJobQueue>,
    leases: Arc<frontdesk_kernel::testing::MapCache>,
    fanout: LeadContactFanout,
    handler: UpsertContacts,
    tenant: TenantId,
    integration: crate::IntegrationId,
}

async fn world() -> World {
    let template = IntegrationTemplate {
        kind: IntegrationKind::GoHighLevel,
        name: "GoHighLevel".into(),
        description: "CRM".into(),
        settings_schema: json!({"type": "object", "required": ["locationId", "privateIntegrationToken"],
            "properties": {"locationId": {"type": "string"}, "privateIntegrationToken": {"type": "string"}}}),
        secret_fields: vec!["privateIntegrationToken".into()],
    };
    let settings = json!({"locationId": "loc-1", "privateIntegrationToken": "pit-secret-token"});
    let crate::testing::ActiveIntegration { repo, integrations, tenant, id } =
        crate::testing::active_integration(template, settings).await;
    let leads = Arc::new(InMemoryLeadStore::default());
    let links = Arc::new(InMemoryLinks::default());
    let crm = Arc::new(ScriptedCrm::default());
    let budget = Arc::new(Budget::default());
    let queue = Arc::new(InMemoryJobQueue::default());
    let leases = Arc::new(frontdesk_kernel::testing::MapCache::default());
    let handler = UpsertContacts::new(UpsertParts {
        integrations: integrations.clone(),
        leads: leads.clone(),
        links: links.clone(),
        crm: crm.clone(),
        limiter: budget.clone(),
        leases: leases.clone(),
        queue: queue.clone(),
        clock: Arc::new(SystemClock),
    });
    let fanout = LeadContactFanout::new(repo, queue.clone());
    World { integrations, leads, links, crm, budget, queue, leases, fanout, handler, tenant, integration: id }
}

impl World {
    fn handler_integrations(&self) -> Arc<Integrations> {
        self.integrations.clone()
    }

    async fn lead(&self, email: &str) -> Lead {
        let new = NewLead { name: "Ana Lopez".into(), email: Some(email.into()), ..NewLead::default() };
        let lead = Lead::create(self.tenant, new, None, Utc::now()).unwrap();
        self.leads.insert(&lead, &[]).await.unwrap();
        lead
    }

    async fn announce(&self, lead: &Lead, kind: &str) {
        let event = DomainEvent::new(
            self.tenant,
            kind,
            json!({"lead": frontdesk_leads::events::lead_payload(lead)}),
            Utc::now(),
        );
        self.fanout.on(&event).await.unwrap();
    }

    /// Runs every queued upsert job once; their results.
    async fn run(&self) -> Vec<serde_json::Value> {
        let mut results = Vec::new();
        for record in self.queue.all() {
            if record.job.kind != UpsertContactJob::KIND || record.status != JobStatus::Queued {
                continue;
            }
            results.push(self.handler.run(&record.job, &Quiet).await.unwrap());
            self.queue.finish(record.job.id, JobStatus::Completed, None, Utc::now()).await.unwrap();
        }
        results
    }
}

#[tokio::test]
async fn a_new_lead_becomes_a_contact_and_a_change_updates_the_same_contact() {
    let w = world().await;
    let mut lead = w.lead("ana@crm.test").await;
    w.announce(&lead, "lead.created").await;
    w.run().await;
    let calls = w.crm.calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        (calls[0].0.as_deref(), calls[0].1.email.as_deref(), calls[0].2.as_str()),
        (None, Some("ana@crm.test"), "loc-1")
    );
    let linked = w.links.contact_of(w.integration, lead.id).await.unwrap().unwrap();
    assert_eq!(linked.external_id, "contact-1");

    // A change: an update of contact-1, never a new contact.
    lead.apply(frontdesk_leads::LeadChanges { name: Some("Ana L.".into()), ..Default::default() }, None, Utc::now())
        .unwrap();
    w.leads.update(w.tenant, &lead, &[]).await.unwrap();
    w.announce(&lead, "lead.updated").await;
    w.run().await;
    let calls = w.crm.calls.lock().unwrap().clone();
    assert_eq!((calls.len(), calls[1].0.as_deref(), calls[1].1.name.as_str()), (2, Some("contact-1"), "Ana L."));
}

#[tokio::test]
async fn a_retried_job_or_an_unchanged_lead_sends_nothing_twice() {
    let w = world().await;
    let lead = w.lead("bo@crm.test").await;
    w.announce(&lead, "lead.created").await;
    let job = w.queue.all()[0].job.clone();
    w.handler.run(&job, &Quiet).await.unwrap();
    let again = w.handler.run(&job, &Quiet).await.unwrap(); // the worker died before completing it
    assert_eq!(again["skipped"], "GoHighLevel has this lead as it is");
    w.announce(&lead, "lead.updated").await; // e.g. only a note changed
    w.run().await;
    assert_eq!(w.crm.calls.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn a_change_that_came_from_gohighlevel_is_not_pushed_back() {
    let w = world().await;
    let lead = w.lead("cy@crm.test").await;
    // The inbound webhook applied contact-9 to this lead and recorded it as in sync.
    let print = crate::crm::fingerprint(&lead);
    w.links.record_sync(w.tenant, w.integration, "contact-9", lead.id, &print).await.unwrap();
    w.announce(&lead, "lead.updated").await;
    let results = w.run().await;
    assert_eq!(results[0]["skipped"], "GoHighLevel has this lead as it is");
    assert!(w.crm.calls.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_spent_budget_or_a_429_defers_the_job_instead_of_failing_it() {
    let w = world().await;
    let lead = w.lead("di@crm.test").await;
    w.announce(&lead, "lead.created").await;
    w.budget.0.store(true, Ordering::SeqCst);
    let results = w.run().await;
    assert_eq!(results[0]["deferred"], "the location's rate budget is spent");
    assert!(w.crm.calls.lock().unwrap().is_empty(), "no request beyond the budget");
    let deferred: Vec<_> = w.queue.all().into_iter().filter(|r| r.status == JobStatus::Queued).collect();
    assert_eq!(deferred.len(), 1);
    assert!(deferred[0].job.run_at > Utc::now() + chrono::Duration::seconds(5), "queued for when the budget refills");

    w.budget.0.store(false, Ordering::SeqCst);
    w.crm.answers.lock().unwrap().push_back(Err(CrmError::RateLimited(Some(Duration::from_secs(30)))));
    let results = w.run().await;
    assert_eq!(results[0]["deferred"], "GoHighLevel answered 429");
    let results = w.run().await;
    assert_eq!(results[0]["contactId"], "contact-2");
    assert_eq!(UpsertContactJob::payload(&w.queue.all().last().unwrap().job).unwrap().deferrals, 2);
}

#[tokio::test]
async fn refused_credentials_fail_the_job_for_good_and_tenants_without_gohighlevel_queue_nothing() {
    let w = world().await;
    let lead = w.lead("ed@crm.test").await;
    w.announce(&lead, "lead.created").await;
    w.crm.answers.lock().unwrap().push_back(Err(CrmError::Refused("401 bad token".into())));
    let job = w.queue.all()[0].job.clone();
    let failure = w.handler.run(&job, &Quiet).await.unwrap_err();
    assert!(!failure.retryable && failure.message.contains("401"), "{failure:?}");

    let other =
        DomainEvent::new(TenantId::new(), "lead.created", json!({"lead": {"id": lead.id.to_string()}}), Utc::now());
    let before = w.queue.all().len();
    w.fanout.on(&other).await.unwrap();
    assert_eq!(w.queue.all().len(), before);
}

/// Two pages of contacts, the second only after the first's cursor.
struct TwoPages;

#[async_trait]
impl crate::crm::CrmDirectory for TwoPages {
    async fn page(
        &self,
        settings: &JsonObject,
        _: &Secrets,
        after: Option<&crate::crm::ImportCursor>,
    ) -> Result<crate::crm::ContactPage, CrmError> {
        assert_eq!(settings.get("locationId").and_then(|v| v.as_str()), Some("loc-1"));
        let contact = |id: &str, email: &str| json!({"id": id, "name": format!("Contact {id}"), "email": email});
        Ok(match after.map(|a| a.after_id.as_str()) {
            None => crate::crm::ContactPage {
                contacts: vec![contact("c1", "one@crm.test"), contact("c2", "two@crm.test")],
                next: Some(crate::crm::ImportCursor { after_id: "c2".into(), after_ms: 2 }),
            },
            Some("c2") => crate::crm::ContactPage {
                contacts: vec![contact("c3", "three@crm.test"), json!({"id": "c4"})],
                next: None,
            },
            Some(other) => panic!("an unknown cursor {other}"),
        })
    }
}

#[tokio::test]
async fn an_import_reads_every_page_resumes_at_its_cursor_and_makes_each_contact_one_lead() {
    use crate::crm::{ImportContactsJob, ImportCursors, ImportGhlContacts};
    use crate::testing::{InMemoryCursors, InMemoryEventLog};
    use frontdesk_leads::LeadService;
    let w = world().await;
    let leads = Arc::new(LeadService::new(
        w.leads.clone(),
        Arc::new(frontdesk_kernel::testing::MapCache::default()),
        Arc::new(frontdesk_leads::testing::InMemoryDirectory::default()),
        Arc::new(SystemClock),
    ));
    let repo = Arc::new(InMemoryIntegrations::default());
    let inbound = Arc::new(crate::InboundEvents::new(crate::InboundParts {
        repo,
        events: Arc::new(InMemoryEventLog::default()),
        links: w.links.clone(),
        leads,
        gohighlevel: Arc::new(NeverSigned),
        clock: Arc::new(SystemClock),
    }));
    let cursors = Arc::new(InMemoryCursors::default());
    let import = ImportGhlContacts::new(
        w.handler_integrations(),
        inbound,
        Arc::new(TwoPages),
        cursors.clone(),
        w.budget.clone(),
    );
    let job = ImportContactsJob::new_job(w.tenant, &crate::crm::ImportContacts { integration_id: w.integration })
        .unwrap()
        .into_job(Utc::now(), Utc::now());
    let result = import.run(&job, &Quiet).await.unwrap();
    assert_eq!((result["imported"].as_u64(), result["ignored"].as_u64()), (Some(3), Some(1)), "{result}");
    assert_eq!(cursors.load(job.id).await.unwrap().map(|(c, n)| (c.after_id, n)), Some(("c2".into(), 2)));
    // A run after a crash starts at the saved cursor: the first page is not read again.
    let again = import.run(&job, &Quiet).await.unwrap();
    assert_eq!(again["imported"].as_u64(), Some(3), "two counted before the crash, one more");
    let all =
        w.leads.list(w.tenant, &frontdesk_leads::LeadFilter::default(), frontdesk_kernel::PageRequest::default()).await;
    assert_eq!(all.unwrap().total, 3, "each contact is one lead");
}

struct NeverSigned;

impl crate::WebhookSignatures for NeverSigned {
    fn verify(&self, _: &[u8], _: Option<&str>) -> bool {
        false
    }
}

#[tokio::test]
async fn one_push_per_lead_at_a_time_the_second_waits_its_turn() {
    use frontdesk_kernel::Cache;
    let w = world().await;
    let lead = w.lead("cy@crm.test").await;
    w.announce(&lead, "lead.created").await;
    let job = w.queue.all()[0].job.clone();
    let lease = format!("integrations:ghl-contact:{}:{}", w.integration, lead.id);
    w.leases.set(&lease, b"another job", Duration::from_secs(30)).await.unwrap();
    let waited = w.handler.run(&job, &Quiet).await.unwrap();
    assert_eq!(waited["deferred"], "another push of this lead is running");
    assert!(w.crm.calls.lock().unwrap().is_empty(), "nothing sent while another push holds the lead");
    w.leases.delete(&lease).await.unwrap();
    w.handler.run(&job, &Quiet).await.unwrap();
    assert_eq!(w.crm.calls.lock().unwrap().len(), 1);
    assert!(w.leases.get(&lease).await.unwrap().is_none(), "released after the push");
}
