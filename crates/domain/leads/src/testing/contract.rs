//! Contract suites for the leads repositories.
//!
//! Each suite takes a fresh, empty repository: callers give every run its
//! own database (or in-memory instance), so suites never see each other's rows.
#![allow(clippy::expect_used, clippy::unwrap_used, reason = "a contract suite panics to report a broken contract")]

use crate::error::LeadsError;
use crate::filter::{LeadFilter, LeadSort};
use crate::lead::{Lead, LeadChanges, LeadId, NewLead};
use crate::ports::{LeadRepository, TimelineRepository};
use crate::status::{LeadSource, LeadStatus};
use crate::timeline::{Direction, EventKind, NewTimelineEvent, TimelineEvent};
use chrono::{DateTime, Duration, SubsecRound, Utc};
use frontdesk_kernel::{PageRequest, TenantId, UserId};

/// A timestamp with microsecond precision: what every backend can store exactly.
fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

fn lead(tenant: TenantId, name: &str, phone: Option<&str>, email: Option<&str>, at: DateTime<Utc>) -> Lead {
    let input =
        NewLead { name: name.into(), phone: phone.map(Into::into), email: email.map(Into::into), ..NewLead::default() };
    Lead::create(tenant, input, at).expect("valid lead")
}

fn page(page: u32, limit: u32) -> PageRequest {
    PageRequest::new(Some(page), Some(limit)).expect("page")
}

fn ids(leads: &[Lead]) -> Vec<LeadId> {
    leads.iter().map(|l| l.id).collect()
}

/// Runs every lead-repository check.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn leads(repo: &dyn LeadRepository) {
    round_trip_and_tenant_isolation(repo).await;
    per_tenant_uniqueness(repo).await;
    update_and_soft_delete(repo).await;
    list_filters_sorts_and_pages(repo).await;
}

/// Leads round-trip; another tenant's (or an unknown) id is `NotFound`.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn round_trip_and_tenant_isolation(repo: &dyn LeadRepository) {
    let (tenant, other) = (TenantId::new(), TenantId::new());
    let mut ana = lead(tenant, "Ana Lopez", Some("+14155550100"), Some("ana@example.com"), now());
    ana.notes = Some("Wants a quote".into());
    ana.assigned_to = Some(UserId::new());
    ana.metadata = crate::JsonObject::parse(serde_json::json!({"utm": {"source": "ads"}})).expect("meta");
    repo.insert(&ana).await.expect("insert");
    assert_eq!(repo.get(tenant, ana.id).await.expect("get"), ana);
    assert!(matches!(repo.get(other, ana.id).await, Err(LeadsError::NotFound { .. })), "cross-tenant get");
    assert!(matches!(repo.get(tenant, LeadId::new()).await, Err(LeadsError::NotFound { .. })));
}

/// Phone and email are unique per tenant only, and name the lead that holds them.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn per_tenant_uniqueness(repo: &dyn LeadRepository) {
    let (tenant, other) = (TenantId::new(), TenantId::new());
    let ana = lead(tenant, "Ana", Some("+14155550101"), Some("ana@uniq.test"), now());
    repo.insert(&ana).await.expect("insert");

    let same_phone = lead(tenant, "Ana again", Some("+1 (415) 555-0101"), None, now());
    let err = repo.insert(&same_phone).await.expect_err("duplicate phone");
    assert!(matches!(err, LeadsError::Duplicate { field: "phone", existing } if existing == ana.id), "{err:?}");
    let same_email = lead(tenant, "Ana again", None, Some("ANA@uniq.test"), now());
    let err = repo.insert(&same_email).await.expect_err("duplicate email");
    assert!(matches!(err, LeadsError::Duplicate { field: "email", existing } if existing == ana.id), "{err:?}");

    let elsewhere = lead(other, "Ana elsewhere", Some("+14155550101"), Some("ana@uniq.test"), now());
    repo.insert(&elsewhere).await.expect("the same contacts are allowed in another tenant");
}

/// Updates persist (and are unique-checked); soft deletion hides a lead and frees its contacts.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn update_and_soft_delete(repo: &dyn LeadRepository) {
    let (tenant, other) = (TenantId::new(), TenantId::new());
    let t0 = now();
    let mut ana = lead(tenant, "Ana", Some("+14155550102"), None, t0);
    let bob = lead(tenant, "Bob", Some("+14155550103"), Some("bob@upd.test"), t0);
    repo.insert(&ana).await.expect("insert");
    repo.insert(&bob).await.expect("insert");

    let t1 = t0 + Duration::minutes(1);
    ana.apply(
        LeadChanges { name: Some("Ana Lopez".into()), email: Some("ana@upd.test".into()), ..LeadChanges::default() },
        t1,
    )
    .expect("changes");
    let event = ana.change_status(LeadStatus::Contacted, t1).expect("transition");
    assert_eq!(event.kind, EventKind::StatusChange);
    repo.update(tenant, &ana).await.expect("update");
    assert_eq!(repo.get(tenant, ana.id).await.expect("get"), ana);
    assert!(matches!(repo.update(other, &ana).await, Err(LeadsError::NotFound { .. })), "cross-tenant update");

    let mut clash = ana.clone();
    clash.email = bob.email.clone();
    let err = repo.update(tenant, &clash).await.expect_err("duplicate on update");
    assert!(matches!(err, LeadsError::Duplicate { field: "email", existing } if existing == bob.id), "{err:?}");
    assert_eq!(repo.get(tenant, ana.id).await.expect("get"), ana, "a refused update changes nothing");

    assert!(matches!(repo.soft_delete(other, bob.id, t1).await, Err(LeadsError::NotFound { .. })));
    repo.soft_delete(tenant, bob.id, t1).await.expect("delete");
    assert!(matches!(repo.get(tenant, bob.id).await, Err(LeadsError::NotFound { .. })));
    assert!(matches!(repo.soft_delete(tenant, bob.id, t1).await, Err(LeadsError::NotFound { .. })), "twice");
    let listed = repo.list(tenant, &LeadFilter::default(), PageRequest::default()).await.expect("list");
    assert_eq!(ids(&listed.data), [ana.id]);

    let reuse = lead(tenant, "Bob's successor", Some("+14155550103"), Some("bob@upd.test"), t1);
    repo.insert(&reuse).await.expect("a deleted lead frees its phone and email");
}

/// Listing is tenant-scoped, filters with AND, sorts with id tie-breaks, and pages with a total.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn list_filters_sorts_and_pages(repo: &dyn LeadRepository) {
    let (tenant, other) = (TenantId::new(), TenantId::new());
    let t0 = now();
    let agent = UserId::new();
    let mut carla = lead(tenant, "carla Diaz", Some("+14155550201"), None, t0);
    let mut ana = lead(tenant, "Ana Lopez", None, Some("ana@list.test"), t0 + Duration::seconds(1));
    let mut bob = lead(tenant, "Bob Stone", Some("+14155550203"), None, t0 + Duration::seconds(2));
    carla.source = LeadSource::Call;
    ana.assigned_to = Some(agent);
    bob.status = LeadStatus::Qualified;
    bob.updated_at = t0 - Duration::seconds(5);
    ana.updated_at = t0 + Duration::seconds(10);
    for l in [&carla, &ana, &bob] {
        repo.insert(l).await.expect("insert");
    }
    repo.insert(&lead(other, "Ana Other", Some("+14155550201"), None, t0)).await.expect("other tenant");

    let list = |filter: LeadFilter, p: PageRequest| async move { repo.list(tenant, &filter, p).await.expect("list") };
    let all = list(LeadFilter::default(), PageRequest::default()).await;
    assert_eq!((ids(&all.data), all.total), (vec![bob.id, ana.id, carla.id], 3), "newest first, own tenant only");

    let sorted = |sort| LeadFilter { sort, ..LeadFilter::default() };
    assert_eq!(
        ids(&list(sorted(LeadSort::CreatedAtAsc), PageRequest::default()).await.data),
        [carla.id, ana.id, bob.id]
    );
    assert_eq!(ids(&list(sorted(LeadSort::Name), PageRequest::default()).await.data), [ana.id, bob.id, carla.id]);
    assert_eq!(ids(&list(sorted(LeadSort::UpdatedAt), PageRequest::default()).await.data), [ana.id, carla.id, bob.id]);

    let second = list(sorted(LeadSort::CreatedAtAsc), page(2, 2)).await;
    assert_eq!((ids(&second.data), second.total, second.page, second.limit), (vec![bob.id], 3, 2, 2));

    let by = |f: LeadFilter| async move { ids(&list(f, PageRequest::default()).await.data) };
    assert_eq!(by(LeadFilter { status: Some(LeadStatus::Qualified), ..LeadFilter::default() }).await, [bob.id]);
    assert_eq!(by(LeadFilter { source: Some(LeadSource::Call), ..LeadFilter::default() }).await, [carla.id]);
    assert_eq!(by(LeadFilter { assigned_to: Some(agent), ..LeadFilter::default() }).await, [ana.id]);
    assert_eq!(by(LeadFilter { q: Some("LOPEZ".into()), ..LeadFilter::default() }).await, [ana.id]);
    assert_eq!(by(LeadFilter { q: Some("list.test".into()), ..LeadFilter::default() }).await, [ana.id]);
    assert_eq!(by(LeadFilter { q: Some("555-0203".into()), ..LeadFilter::default() }).await, [bob.id]);
    let window = LeadFilter {
        created_from: Some(t0 + Duration::seconds(1)),
        created_to: Some(t0 + Duration::seconds(2)),
        ..LeadFilter::default()
    };
    assert_eq!(by(window).await, [ana.id], "from inclusive, to exclusive");
    let none =
        LeadFilter { status: Some(LeadStatus::Qualified), source: Some(LeadSource::Call), ..LeadFilter::default() };
    assert_eq!(list(none, PageRequest::default()).await.total, 0);
}

fn event(tenant: TenantId, lead: LeadId, content: &str, at: DateTime<Utc>) -> TimelineEvent {
    let input = NewTimelineEvent {
        kind: EventKind::Sms,
        direction: Some(Direction::Inbound),
        content: content.into(),
        meta: Some(serde_json::json!({"sid": content})),
    };
    TimelineEvent::record(tenant, lead, input, at).expect("valid event")
}

/// Events round-trip, list newest first per lead, page, and never cross tenants.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn timeline(repo: &dyn TimelineRepository) {
    let (tenant, other) = (TenantId::new(), TenantId::new());
    let (lead, other_lead) = (LeadId::new(), LeadId::new());
    let t0 = now();
    let first = event(tenant, lead, "first", t0);
    let second = event(tenant, lead, "second", t0 + Duration::seconds(1));
    let third = event(tenant, lead, "third", t0 + Duration::seconds(2));
    for e in [&second, &third, &first] {
        repo.append(e).await.expect("append");
    }
    repo.append(&event(tenant, other_lead, "other lead", t0)).await.expect("append");
    repo.append(&event(other, lead, "other tenant", t0)).await.expect("append");

    let all = repo.list(tenant, lead, PageRequest::default()).await.expect("list");
    assert_eq!(all.total, 3);
    assert_eq!(all.data, [third.clone(), second, first.clone()], "newest first, round-tripped exactly");

    let last = repo.list(tenant, lead, page(2, 2)).await.expect("list");
    assert_eq!((last.data, last.total), (vec![first], 3));

    let foreign = repo.list(other, lead, PageRequest::default()).await.expect("list");
    assert_eq!(foreign.data.iter().map(|e| e.content.as_str()).collect::<Vec<_>>(), ["other tenant"]);
    let empty = repo.list(TenantId::new(), lead, PageRequest::default()).await.expect("list");
    assert_eq!((empty.data.len(), empty.total), (0, 0), "another tenant sees nothing");
}
