//! The contract suite for [`LeadRepository`] adapters.
//!
//! It takes a fresh, empty store and [`Fixtures`] the caller has already
//! stored (SQL adapters have foreign keys to tenants and users). Each check
//! uses its own pair of tenants, so checks never see each other's rows.
#![allow(clippy::expect_used, clippy::unwrap_used, reason = "a contract suite panics to report a broken contract")]

use crate::error::LeadsError;
use crate::filter::{LeadFilter, LeadSort};
use crate::lead::{Lead, LeadChanges, LeadId, NewLead};
use crate::ports::LeadRepository;
use crate::status::{LeadSource, LeadStatus};
use crate::timeline::{Direction, EventKind, NewTimelineEvent, TimelineEvent};
use chrono::{DateTime, Duration, SubsecRound, Utc};
use frontdesk_kernel::jobs::JobId;
use frontdesk_kernel::{PageRequest, TenantId, UserId};
use std::sync::Arc;

/// Rows the suite needs to exist before it runs.
#[derive(Clone, Debug)]
pub struct Fixtures {
    /// At least 16 tenants, none with leads.
    pub tenants: Vec<TenantId>,
    /// A user leads may be assigned to.
    pub user: UserId,
    /// A job (stored, for backends with a foreign key) of `tenants[14]`, used by the import check.
    pub job: JobId,
}

impl Fixtures {
    fn pair(&self, n: usize) -> (TenantId, TenantId) {
        (self.tenants[2 * n], self.tenants[2 * n + 1])
    }
}

/// A timestamp with microsecond precision: what every backend can store exactly.
fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

fn lead(tenant: TenantId, name: &str, phone: Option<&str>, email: Option<&str>, at: DateTime<Utc>) -> Lead {
    let input =
        NewLead { name: name.into(), phone: phone.map(Into::into), email: email.map(Into::into), ..NewLead::default() };
    Lead::create(tenant, input, None, at).expect("valid lead")
}

fn page(page: u32, limit: u32) -> PageRequest {
    PageRequest::new(Some(page), Some(limit)).expect("page")
}

fn ids(leads: &[Lead]) -> Vec<LeadId> {
    leads.iter().map(|l| l.id).collect()
}

fn not_found<T: std::fmt::Debug>(result: Result<T, LeadsError>) -> bool {
    matches!(result, Err(LeadsError::NotFound { .. }))
}

fn sms(tenant: TenantId, lead: LeadId, content: &str, at: DateTime<Utc>) -> TimelineEvent {
    let input = NewTimelineEvent {
        kind: EventKind::Sms,
        direction: Some(Direction::Inbound),
        content: content.into(),
        meta: Some(serde_json::json!({"sid": content})),
    };
    TimelineEvent::record(tenant, lead, input, at).expect("valid event")
}

async fn events_of(repo: &dyn LeadRepository, tenant: TenantId, lead: LeadId) -> Vec<TimelineEvent> {
    repo.timeline(tenant, lead, page(1, 100)).await.expect("timeline").data
}

/// Runs every check.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn leads(repo: Arc<dyn LeadRepository>, fixtures: &Fixtures) {
    assert!(fixtures.tenants.len() >= 18, "the suite needs 18 tenants");
    round_trip_and_tenant_isolation(repo.as_ref(), fixtures).await;
    per_tenant_uniqueness(repo.clone(), fixtures).await;
    update_is_versioned_and_atomic(repo.as_ref(), fixtures).await;
    soft_delete_restore_and_trash(repo.as_ref(), fixtures).await;
    list_filters_sorts_and_pages(repo.as_ref(), fixtures).await;
    timeline_is_atomic_ordered_and_scoped(repo.as_ref(), fixtures).await;
    purge_removes_only_expired_leads(repo.as_ref(), fixtures).await;
    import_batches_skip_duplicates_and_apply_once(repo.as_ref(), fixtures).await;
}

/// Totals and keyset pages, on a repository built to count filtered lists up
/// to 3 (`with_count_cap(3)`): the unfiltered total is exact at any size and
/// follows creates, imports, deletes and restores; a filtered total stops at
/// the cap (`total_is_exact: false`); cursor pages walk every lead once, in
/// every sort, and agree with the page numbers.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn list_counts_and_cursors(capped: &dyn LeadRepository, fixtures: &Fixtures) {
    use crate::filter::LeadCursor;
    let (tenant, other) = fixtures.pair(8);
    let t0 = now();
    let names = ["émile Zola", "Ana", "bob", "Ana", "Cleo", "dora"];
    let mut made = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let mut l = lead(
            tenant,
            name,
            Some(&format!("+1415555700{i}")),
            None,
            t0 + Duration::seconds(i64::try_from(i % 3).unwrap_or(0)),
        );
        l.updated_at = t0 - Duration::seconds(i64::try_from(i).unwrap_or(0));
        if i % 2 == 0 {
            l.status = LeadStatus::Contacted;
        }
        capped.insert(&l, &[]).await.expect("insert");
        made.push(l);
    }
    capped.insert(&lead(other, "Elsewhere", Some("+14155557099"), None, t0), &[]).await.expect("other tenant");
    let everything = LeadFilter::default();
    let all = capped.list(tenant, &everything, page(1, 2)).await.expect("list");
    assert_eq!((all.total, all.total_is_exact), (6, true), "the unfiltered total is exact beyond the cap");
    let contacted = LeadFilter { status: Some(LeadStatus::Contacted), ..LeadFilter::default() };
    let some = capped.list(tenant, &contacted, page(1, 2)).await.expect("list");
    assert_eq!((some.total, some.total_is_exact), (3, true), "at the cap: exact");
    let named = LeadFilter { q: Some("a".into()), ..LeadFilter::default() };
    let many = capped.list(tenant, &named, page(1, 2)).await.expect("list");
    assert_eq!((many.total, many.total_is_exact), (3, false), "over the cap: at least 3");

    for sort in [LeadSort::CreatedAtDesc, LeadSort::CreatedAtAsc, LeadSort::Name, LeadSort::UpdatedAt] {
        let by_pages: Vec<LeadId> = {
            let f = LeadFilter { sort, ..LeadFilter::default() };
            capped.list(tenant, &f, page(1, 100)).await.expect("list").data.iter().map(|l| l.id).collect()
        };
        let mut walked = Vec::new();
        let mut filter = LeadFilter { sort, ..LeadFilter::default() };
        for _ in 0..10 {
            let number = if filter.after.is_some() { 7 } else { 1 };
            let found = capped.list(tenant, &filter, page(number, 2)).await.expect("cursor page");
            assert_eq!(found.total, 6, "{sort:?}: the total is the list's, not what is left");
            walked.extend(found.data.iter().map(|l| l.id));
            match found.data.last() {
                Some(last) if found.data.len() == 2 => filter.after = Some(LeadCursor::after(last, sort)),
                _ => break,
            }
        }
        assert_eq!(walked, by_pages, "{sort:?}: cursor pages (the page number ignored) walk the same order");
    }

    // The counter follows deletes and restores (and only real ones).
    capped.soft_delete(tenant, made[0].id, now()).await.expect("delete");
    assert!(capped.soft_delete(tenant, made[0].id, now()).await.is_err(), "deleted already");
    assert_eq!(capped.list(tenant, &everything, page(1, 1)).await.expect("list").total, 5);
    capped.restore(tenant, made[0].id, t0 - Duration::days(1), now()).await.expect("restore");
    assert_eq!(capped.list(tenant, &everything, page(1, 1)).await.expect("list").total, 6);
    let batch =
        [lead(tenant, "Imported", Some("+14155557010"), None, t0), lead(tenant, "Dup", Some("+14155557000"), None, t0)];
    capped.import_batch(tenant, fixtures.job, 9, &batch).await.expect("import");
    capped.import_batch(tenant, fixtures.job, 9, &batch).await.expect("again");
    assert_eq!(capped.list(tenant, &everything, page(1, 1)).await.expect("list").total, 7, "one imported, once");
    assert_eq!(capped.list(other, &everything, page(1, 1)).await.expect("list").total, 1);
}

/// An import batch skips contacts that exist (in the tenant or earlier in
/// the batch) and, run again for the same job and batch, changes nothing
/// and returns the recorded outcome.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn import_batches_skip_duplicates_and_apply_once(repo: &dyn LeadRepository, fixtures: &Fixtures) {
    let (tenant, other) = fixtures.pair(7);
    let t0 = now();
    repo.insert(&lead(tenant, "Existing", Some("+14155556001"), None, t0), &[]).await.expect("insert");
    repo.insert(&lead(other, "Elsewhere", Some("+14155556002"), None, t0), &[]).await.expect("insert");
    let batch = [
        lead(tenant, "New 1", Some("+14155556002"), None, t0),
        lead(tenant, "Dup of existing", Some("+14155556001"), None, t0),
        lead(tenant, "New 2", None, Some("new2@import.test"), t0),
        lead(tenant, "Dup in batch", None, Some("NEW2@import.test"), t0),
    ];
    let outcome = repo.import_batch(tenant, fixtures.job, 0, &batch).await.expect("batch");
    assert_eq!((outcome.inserted, outcome.duplicates), (2, 2));
    let late = [lead(tenant, "Late", None, Some("late@import.test"), t0)];
    let again = repo.import_batch(tenant, fixtures.job, 0, &late).await.expect("replay");
    assert_eq!(again, outcome, "a replayed batch returns the recorded outcome");
    let all = repo.list(tenant, &LeadFilter::default(), PageRequest::default()).await.expect("list");
    assert_eq!(all.total, 3, "nothing inserted by the replay");
    let second = [lead(tenant, "Batch 2", None, Some("b2@import.test"), t0)];
    assert_eq!(repo.import_batch(tenant, fixtures.job, 1, &second).await.expect("batch 2").inserted, 1);
}

/// Leads round-trip; another tenant's (or an unknown) id is `NotFound`.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn round_trip_and_tenant_isolation(repo: &dyn LeadRepository, fixtures: &Fixtures) {
    let (tenant, other) = fixtures.pair(0);
    let mut ana = lead(tenant, "Ana Lopez", Some("+14155552671"), Some("ana@example.com"), now());
    ana.notes = Some("Wants a quote".into());
    ana.assigned_to = Some(fixtures.user);
    ana.status = LeadStatus::Qualified;
    ana.source = LeadSource::Form;
    ana.metadata = crate::JsonObject::parse(serde_json::json!({"utm": {"source": "ads"}, "n": 1.5})).expect("meta");
    repo.insert(&ana, &[]).await.expect("insert");
    assert_eq!(repo.get(tenant, ana.id).await.expect("get"), ana);
    assert!(not_found(repo.get(other, ana.id).await), "cross-tenant get");
    assert!(not_found(repo.get(tenant, LeadId::new()).await));
}

/// Phone and email are unique per tenant only, name the lead that holds
/// them, and hold under concurrent inserts; `find_by_phone` finds the live
/// holder of a number in its tenant only.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn per_tenant_uniqueness(repo: Arc<dyn LeadRepository>, fixtures: &Fixtures) {
    let (tenant, other) = fixtures.pair(1);
    let ana = lead(tenant, "Ana", Some("+14155552672"), Some("ana@uniq.test"), now());
    repo.insert(&ana, &[]).await.expect("insert");

    let same_phone = lead(tenant, "Ana again", Some("+1 (415) 555-2672"), None, now());
    let err = repo.insert(&same_phone, &[]).await.expect_err("duplicate phone");
    assert!(matches!(err, LeadsError::Duplicate { field: "phone", existing } if existing == ana.id), "{err:?}");
    let same_email = lead(tenant, "Ana again", None, Some("ANA@uniq.test"), now());
    let err = repo.insert(&same_email, &[]).await.expect_err("duplicate email");
    assert!(matches!(err, LeadsError::Duplicate { field: "email", existing } if existing == ana.id), "{err:?}");

    let elsewhere = lead(other, "Ana elsewhere", Some("+14155552672"), Some("ana@uniq.test"), now());
    repo.insert(&elsewhere, &[]).await.expect("the same contacts are allowed in another tenant");

    // Eight concurrent inserts of one new number: exactly one wins.
    let tasks: Vec<_> = (0..8)
        .map(|i| {
            let repo = repo.clone();
            let racer = lead(tenant, &format!("Racer {i}"), Some("+14155552679"), None, now());
            tokio::spawn(async move { repo.insert(&racer, &[]).await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.expect("task"));
    }
    let won = outcomes.iter().filter(|r| r.is_ok()).count();
    let duplicates = outcomes.iter().filter(|r| matches!(r, Err(LeadsError::Duplicate { field: "phone", .. }))).count();
    assert_eq!((won, duplicates), (1, 7), "{outcomes:?}");
    let racers = LeadFilter { q: Some("racer".into()), ..LeadFilter::default() };
    assert_eq!(repo.list(tenant, &racers, PageRequest::default()).await.expect("list").total, 1);

    // The holder of a number, per tenant, live leads only.
    let find = |tenant, phone: &str| {
        let repo = repo.clone();
        let phone = frontdesk_kernel::PhoneNumber::parse(phone).expect("phone");
        async move { repo.find_by_phone(tenant, &phone).await.expect("find_by_phone") }
    };
    assert_eq!(find(tenant, "+14155552672").await, Some(ana.id));
    assert_eq!(find(other, "+14155552672").await, Some(elsewhere.id));
    assert_eq!(find(tenant, "+14155552600").await, None);
    repo.soft_delete(tenant, ana.id, now()).await.expect("delete");
    assert_eq!(find(tenant, "+14155552672").await, None, "a deleted lead frees its number");
    assert_eq!(find(other, "+14155552672").await, Some(elsewhere.id));
}

/// Updates persist with their events in one transaction, bump the version,
/// and refuse a stale version or a duplicate contact without writing anything.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn update_is_versioned_and_atomic(repo: &dyn LeadRepository, fixtures: &Fixtures) {
    let (tenant, other) = fixtures.pair(2);
    let t0 = now();
    let mut ana = lead(tenant, "Ana", Some("+14155552673"), None, t0);
    let bob = lead(tenant, "Bob", Some("+14155552674"), Some("bob@upd.test"), t0);
    repo.insert(&ana, &[]).await.expect("insert");
    repo.insert(&bob, &[]).await.expect("insert");

    let t1 = t0 + Duration::minutes(1);
    let changes = LeadChanges {
        name: Some("Ana Lopez".into()),
        email: Some("ana@upd.test".into()),
        status: Some("contacted".into()),
        ..LeadChanges::default()
    };
    let event = ana.apply(changes, None, t1).expect("changes").expect("a status event");
    ana.version = repo.update(tenant, &ana, std::slice::from_ref(&event)).await.expect("update");
    assert_eq!(ana.version, 1);
    assert_eq!(repo.get(tenant, ana.id).await.expect("get"), ana);
    assert_eq!(events_of(repo, tenant, ana.id).await, std::slice::from_ref(&event), "the event came with the change");
    assert!(not_found(repo.update(other, &ana, &[]).await), "cross-tenant update");

    let mut stale = ana.clone();
    stale.version = 0;
    stale.name = crate::LeadName::parse("Stale").expect("name");
    assert!(matches!(repo.update(tenant, &stale, &[]).await, Err(LeadsError::Conflict { .. })));

    let mut clash = ana.clone();
    let move_event = clash.change_status(LeadStatus::Qualified, t1).expect("move");
    clash.email = bob.email.clone();
    let err = repo.update(tenant, &clash, &[move_event]).await.expect_err("duplicate on update");
    assert!(matches!(err, LeadsError::Duplicate { field: "email", existing } if existing == bob.id), "{err:?}");
    assert_eq!(repo.get(tenant, ana.id).await.expect("get"), ana, "a refused update changes nothing");
    assert_eq!(events_of(repo, tenant, ana.id).await, [event], "and records no event");
}

/// Soft deletion hides a lead and frees its contacts; the trash lists it;
/// restore brings it back unless too old or its contacts were taken.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn soft_delete_restore_and_trash(repo: &dyn LeadRepository, fixtures: &Fixtures) {
    let (tenant, other) = fixtures.pair(3);
    let t0 = now();
    let ana = lead(tenant, "Ana", Some("+14155552675"), None, t0);
    let bob = lead(tenant, "Bob", Some("+14155552676"), Some("bob@del.test"), t0);
    repo.insert(&ana, &[]).await.expect("insert");
    repo.insert(&bob, &[]).await.expect("insert");

    let t1 = t0 + Duration::minutes(1);
    assert!(not_found(repo.soft_delete(other, bob.id, t1).await), "cross-tenant delete");
    repo.soft_delete(tenant, bob.id, t1).await.expect("delete");
    assert!(not_found(repo.get(tenant, bob.id).await));
    assert!(not_found(repo.soft_delete(tenant, bob.id, t1).await), "twice");
    let listed = repo.list(tenant, &LeadFilter::default(), PageRequest::default()).await.expect("list");
    assert_eq!(ids(&listed.data), [ana.id]);
    let trash = LeadFilter { deleted: true, ..LeadFilter::default() };
    let trashed = repo.list(tenant, &trash, PageRequest::default()).await.expect("trash");
    assert_eq!((ids(&trashed.data), trashed.data[0].deleted_at), (vec![bob.id], Some(t1)));

    let t2 = t1 + Duration::minutes(1);
    assert!(not_found(repo.restore(other, bob.id, t0, t2).await), "cross-tenant restore");
    assert!(not_found(repo.restore(tenant, bob.id, t1 + Duration::seconds(1), t2).await), "deleted too long ago");
    assert!(not_found(repo.restore(tenant, ana.id, t0, t2).await), "not deleted");
    let restored = repo.restore(tenant, bob.id, t0, t2).await.expect("restore");
    assert_eq!((restored.deleted_at, restored.updated_at), (None, t2));
    assert_eq!(repo.get(tenant, bob.id).await.expect("get"), restored);

    repo.soft_delete(tenant, bob.id, t2).await.expect("delete again");
    let successor = lead(tenant, "Bob's successor", Some("+14155552676"), None, t2);
    repo.insert(&successor, &[]).await.expect("a deleted lead frees its phone and email");
    let err = repo.restore(tenant, bob.id, t0, t2).await.expect_err("its phone is taken now");
    assert!(matches!(err, LeadsError::Duplicate { field: "phone", existing } if existing == successor.id), "{err:?}");
    assert!(not_found(repo.get(tenant, bob.id).await), "still deleted");
}

/// Listing is tenant-scoped, filters with AND, sorts with id tie-breaks, and pages with a total.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn list_filters_sorts_and_pages(repo: &dyn LeadRepository, fixtures: &Fixtures) {
    let (tenant, other) = fixtures.pair(4);
    let t0 = now();
    let agent = fixtures.user;
    let mut carla = lead(tenant, "carla Diaz", Some("+14155553201"), None, t0);
    let mut ana = lead(tenant, "Ana Lopez", None, Some("ana@list.test"), t0 + Duration::seconds(1));
    let mut bob = lead(tenant, "Bob Stone", Some("+14155553203"), None, t0 + Duration::seconds(2));
    carla.source = LeadSource::Call;
    ana.assigned_to = Some(agent);
    bob.status = LeadStatus::Qualified;
    bob.updated_at = t0 - Duration::seconds(5);
    ana.updated_at = t0 + Duration::seconds(10);
    for l in [&carla, &ana, &bob] {
        repo.insert(l, &[]).await.expect("insert");
    }
    repo.insert(&lead(other, "Ana Other", Some("+14155553201"), None, t0), &[]).await.expect("other tenant");

    let list = |filter: LeadFilter, p: PageRequest| async move { repo.list(tenant, &filter, p).await.expect("list") };
    let all = list(LeadFilter::default(), PageRequest::default()).await;
    assert_eq!((ids(&all.data), all.total), (vec![bob.id, ana.id, carla.id], 3), "newest first, own tenant only");
    assert_eq!(all.data[1], ana, "listed rows round-trip");

    let sorted = |sort| LeadFilter { sort, ..LeadFilter::default() };
    assert_eq!(
        ids(&list(sorted(LeadSort::CreatedAtAsc), PageRequest::default()).await.data),
        [carla.id, ana.id, bob.id]
    );
    assert_eq!(ids(&list(sorted(LeadSort::Name), PageRequest::default()).await.data), [ana.id, bob.id, carla.id]);
    assert_eq!(ids(&list(sorted(LeadSort::UpdatedAt), PageRequest::default()).await.data), [ana.id, carla.id, bob.id]);

    let second = list(sorted(LeadSort::CreatedAtAsc), page(2, 2)).await;
    assert_eq!((ids(&second.data), second.total, second.page, second.limit), (vec![bob.id], 3, 2, 2));
    let beyond = list(LeadFilter::default(), page(5, 2)).await;
    assert_eq!((beyond.data.len(), beyond.total), (0, 3), "a page past the end is empty but keeps the total");

    let by = |f: LeadFilter| async move { ids(&list(f, PageRequest::default()).await.data) };
    assert_eq!(by(LeadFilter { status: Some(LeadStatus::Qualified), ..LeadFilter::default() }).await, [bob.id]);
    assert_eq!(by(LeadFilter { source: Some(LeadSource::Call), ..LeadFilter::default() }).await, [carla.id]);
    assert_eq!(by(LeadFilter { assigned_to: Some(agent), ..LeadFilter::default() }).await, [ana.id]);
    let q = |q: &str| LeadFilter { q: Some(q.into()), ..LeadFilter::default() };
    assert_eq!(by(q("LOPEZ")).await, [ana.id]);
    assert_eq!(by(q("list.test")).await, [ana.id]);
    assert_eq!(by(q("555-3203")).await, [bob.id], "phone digits, separators ignored");
    assert_eq!(by(q("%")).await, Vec::<LeadId>::new(), "LIKE wildcards are literal");
    assert_eq!(by(q("a_a")).await, Vec::<LeadId>::new(), "LIKE wildcards are literal");
    assert_eq!(by(q("o")).await, [bob.id, ana.id], "short fragments still match");
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

/// Events list newest first per lead and page; appending needs a live lead
/// of the tenant; a failing insert leaves no event behind.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn timeline_is_atomic_ordered_and_scoped(repo: &dyn LeadRepository, fixtures: &Fixtures) {
    let (tenant, other) = fixtures.pair(5);
    let t0 = now();
    let ana = lead(tenant, "Ana", Some("+14155554001"), None, t0);
    let first = sms(tenant, ana.id, "first", t0);
    repo.insert(&ana, std::slice::from_ref(&first)).await.expect("insert with an event");
    let second = sms(tenant, ana.id, "second", t0 + Duration::seconds(1));
    let third = sms(tenant, ana.id, "third", t0 + Duration::seconds(2));
    repo.append_event(tenant, &third).await.expect("append");
    repo.append_event(tenant, &second).await.expect("append");

    let all = repo.timeline(tenant, ana.id, PageRequest::default()).await.expect("timeline");
    assert_eq!(all.total, 3);
    assert_eq!(all.data, [third, second.clone(), first.clone()], "newest first, round-tripped exactly");
    let last = repo.timeline(tenant, ana.id, page(2, 2)).await.expect("timeline");
    assert_eq!((last.data, last.total), (vec![first], 3));
    let foreign = repo.timeline(other, ana.id, PageRequest::default()).await.expect("timeline");
    assert_eq!((foreign.data.len(), foreign.total), (0, 0), "another tenant sees nothing");

    let stray = sms(other, ana.id, "stray", t0);
    assert!(not_found(repo.append_event(other, &stray).await), "cannot append to another tenant's lead");
    assert!(not_found(repo.append_event(tenant, &sms(tenant, LeadId::new(), "x", t0)).await), "unknown lead");

    let twin = lead(tenant, "Ana twin", Some("+14155554001"), None, t0);
    let orphan = sms(tenant, twin.id, "orphan", t0);
    assert!(matches!(repo.insert(&twin, &[orphan]).await, Err(LeadsError::Duplicate { .. })));
    assert!(events_of(repo, tenant, twin.id).await.is_empty(), "a failing insert leaves no event");

    // Several at once: all or none.
    let mut asked = sms(tenant, ana.id, "asked", t0 + Duration::seconds(4));
    asked.direction = None; // no direction stored, none read back
    let answered = sms(tenant, ana.id, "answered", t0 + Duration::seconds(5));
    repo.append_events(tenant, &[asked.clone(), answered.clone()]).await.expect("append both");
    let newest = repo.timeline(tenant, ana.id, page(1, 2)).await.expect("timeline");
    assert_eq!((newest.data, newest.total), (vec![answered, asked], 5));
    let bea = lead(tenant, "Bea", Some("+14155554002"), None, t0);
    repo.insert(&bea, &[]).await.expect("insert");
    repo.append_events(tenant, &[sms(tenant, bea.id, "to bea", t0), sms(tenant, ana.id, "to ana", t0)])
        .await
        .expect("events of two leads at once");
    assert_eq!(events_of(repo, tenant, bea.id).await.len(), 1);
    let half_foreign = [sms(tenant, ana.id, "mine", t0), sms(tenant, LeadId::new(), "nobody's", t0)];
    assert!(not_found(repo.append_events(tenant, &half_foreign).await), "one unknown lead");
    assert!(not_found(repo.append_events(other, &[sms(other, ana.id, "stray", t0)]).await), "another tenant's lead");
    let labelled_elsewhere = [sms(tenant, ana.id, "mine", t0), sms(other, ana.id, "theirs", t0)];
    assert!(not_found(repo.append_events(tenant, &labelled_elsewhere).await), "an event of another tenant");
    assert!(not_found(repo.append_events(tenant, &[sms(other, bea.id, "x", t0), sms(other, ana.id, "y", t0)]).await));
    repo.append_events(tenant, &[]).await.expect("nothing to append");
    assert_eq!(repo.timeline(tenant, ana.id, PageRequest::default()).await.expect("timeline").total, 6, "none of them");

    repo.soft_delete(tenant, ana.id, t0 + Duration::seconds(3)).await.expect("delete");
    assert!(not_found(repo.append_event(tenant, &sms(tenant, ana.id, "late", t0)).await), "deleted lead");
    assert!(not_found(repo.append_events(tenant, &[sms(tenant, ana.id, "later", t0)]).await), "deleted lead");
    assert_eq!(repo.timeline(tenant, ana.id, PageRequest::default()).await.expect("timeline").total, 6, "kept");
    let _ = second;
}

/// The purge removes leads deleted before the cutoff, with their events, in every tenant.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn purge_removes_only_expired_leads(repo: &dyn LeadRepository, fixtures: &Fixtures) {
    let (tenant, other) = fixtures.pair(5 + 1);
    let t0 = now();
    let old = lead(tenant, "Old", Some("+14155555001"), None, t0 - Duration::days(60));
    let recent = lead(tenant, "Recent", Some("+14155555002"), None, t0 - Duration::days(60));
    let kept = lead(tenant, "Kept", Some("+14155555003"), None, t0 - Duration::days(60));
    let old_elsewhere = lead(other, "Old elsewhere", Some("+14155555001"), None, t0 - Duration::days(60));
    repo.insert(&old, &[sms(tenant, old.id, "gone", t0 - Duration::days(59))]).await.expect("insert");
    for l in [&recent, &kept, &old_elsewhere] {
        repo.insert(l, &[]).await.expect("insert");
    }
    repo.soft_delete(tenant, old.id, t0 - Duration::days(40)).await.expect("delete");
    repo.soft_delete(other, old_elsewhere.id, t0 - Duration::days(31)).await.expect("delete");
    repo.soft_delete(tenant, recent.id, t0 - Duration::days(10)).await.expect("delete");

    assert_eq!(repo.purge_deleted(t0 - Duration::days(30)).await.expect("purge"), 2);
    assert!(repo.timeline(tenant, old.id, PageRequest::default()).await.expect("timeline").data.is_empty());
    assert!(not_found(repo.restore(tenant, old.id, t0 - Duration::days(365), t0).await), "purged for good");
    repo.restore(tenant, recent.id, t0 - Duration::days(30), t0).await.expect("recent is still restorable");
    repo.get(tenant, kept.id).await.expect("live leads are untouched");
    assert_eq!(repo.purge_deleted(t0 - Duration::days(30)).await.expect("purge"), 0, "idempotent");
}
