//! The leads use cases: what the HTTP layer, the receptionist and the
//! import job call. Each is one small method over the ports.
//!
//! # Cache-aside
//! [`LeadService::get`] reads `lead:{tenant}:{id}` from the [`Cache`] port
//! (TTL [`CACHE_TTL`]) and falls back to the repository. The rules that
//! keep a stale lead from being served after a write:
//!
//! * readers fill the cache with `set_if_absent`, writers overwrite with
//!   `set` after their transaction commits (write-through). A reader that
//!   loaded the row *before* a write and fills *after* it finds the
//!   writer's entry and stores nothing;
//! * a delete writes a tombstone instead of removing the key, for the same
//!   reason (a slow reader must not re-cache a lead that was just deleted);
//! * a lead changed by another crate's store (a booking moves it to
//!   `booked` in SQL) is marked changed with [`mark_changed`], not removed:
//!   for [`CHANGED_TTL`] readers read the database and fill nothing, so a
//!   reader that loaded the row before that write cannot cache it after;
//! * if the cache write fails the key is deleted; if that fails too the
//!   error is logged: the entry then expires within [`CACHE_TTL`].
//!
//! What is left: two writers committing back to back whose cache writes
//! arrive in the opposite order. Updates are serialized by the version
//! check, so this needs two updates of one lead within a Redis round trip;
//! the TTL bounds its effect. A cache failure never fails a request.
//!
//! # Concurrent updates
//! An update reads the lead, applies the changes and writes with the
//! version it read; on `Conflict` it re-reads and re-applies (up to
//! [`UPDATE_ATTEMPTS`] times), so two users editing different fields both
//! keep their change and a status move is never recorded against a stale
//! status.

use crate::error::{LeadsError, Result};
use crate::filter::LeadFilter;
use crate::lead::{Lead, LeadChanges, LeadId, NewLead};
use crate::ports::{LeadRepository, TenantDirectory};
use crate::timeline::{EventKind, NewTimelineEvent, TimelineEvent};
use chrono::Duration as Days;
use frontdesk_kernel::{Cache, Clock, Country, Page, PageRequest, PhoneNumber, TenantId, UserId, ValidationErrors};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// How long a lead stays cached.
pub const CACHE_TTL: Duration = Duration::from_secs(180);
/// How long a deleted lead stays restorable before the purge removes it.
pub const RETENTION_DAYS: i64 = 30;
/// Tries of an update that keeps losing the version race before `Conflict` reaches the caller.
pub const UPDATE_ATTEMPTS: usize = 3;

/// What the cache holds under a lead's key.
#[derive(Serialize, Deserialize)]
enum CacheEntry {
    /// The lead as last written or read.
    Live(Box<Lead>),
    /// Deleted: answer `NotFound` without asking the database.
    Deleted,
    /// Changed outside this service: read the database, cache nothing until it expires.
    Changed,
}

/// How long a lead marked changed ([`mark_changed`]) is read from the database.
pub const CHANGED_TTL: Duration = Duration::from_secs(10);

/// Marks lead `id` of `tenant` changed by a write that did not go through
/// [`LeadService`] (a booking's status move): every process stops serving its
/// cached copy, and for [`CHANGED_TTL`] reads go to the database without
/// filling the cache, so a read that loaded the row before the write cannot
/// put it back afterwards (a plain delete would let it).
///
/// # Errors
/// The cache's; the old entry then expires within [`CACHE_TTL`].
pub async fn mark_changed(
    cache: &dyn Cache,
    tenant: TenantId,
    id: LeadId,
) -> std::result::Result<(), frontdesk_kernel::CacheError> {
    let bytes = encode(&CacheEntry::Changed).unwrap_or_default();
    cache.set(&cache_key(tenant, id), &bytes, CHANGED_TTL).await
}

/// What every lead's cache key starts with.
pub const CACHE_PREFIX: &str = "lead:";

/// The cache key of a lead.
#[must_use]
pub fn cache_key(tenant: TenantId, id: LeadId) -> String {
    format!("{}{id}", tenant_cache_prefix(tenant))
}

/// The cache key of the phone index entry: which lead of `tenant` had
/// `phone` when it was last looked up (checked against that lead on use).
#[must_use]
pub fn phone_cache_key(tenant: TenantId, phone: &PhoneNumber) -> String {
    format!("{}phone:{}", tenant_cache_prefix(tenant), phone.as_str())
}

/// What every cache key of `tenant`'s leads starts with (to drop them all when the sub-account goes).
#[must_use]
pub fn tenant_cache_prefix(tenant: TenantId) -> String {
    format!("{CACHE_PREFIX}{tenant}:")
}

/// The leads use cases.
#[derive(Clone)]
pub struct LeadService {
    repo: Arc<dyn LeadRepository>,
    cache: Arc<dyn Cache>,
    directory: Arc<dyn TenantDirectory>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for LeadService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeadService").finish_non_exhaustive()
    }
}

impl LeadService {
    /// A service over its ports.
    pub fn new(
        repo: Arc<dyn LeadRepository>,
        cache: Arc<dyn Cache>,
        directory: Arc<dyn TenantDirectory>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { repo, cache, directory, clock }
    }

    /// Creates a lead in `tenant`.
    ///
    /// # Errors
    /// `Validation` listing every bad field (also `assignedTo` when not a
    /// member of the tenant); `Duplicate` naming the lead that has the
    /// phone or email; `Storage`.
    pub async fn create(&self, tenant: TenantId, input: NewLead) -> Result<Lead> {
        let region = self.region_for(tenant, input.phone.as_deref()).await?;
        let assignee = self.check_assignee(tenant, input.assigned_to).await?;
        let lead = match (Lead::create(tenant, input, region, self.now()), assignee) {
            (Ok(lead), None) => lead,
            (Ok(_), Some(message)) => return Err(ValidationErrors::single("assignedTo", message).into()),
            (Err(mut errors), assignee) => {
                if let Some(message) = assignee {
                    errors.add("assignedTo", message);
                }
                return Err(errors.into());
            }
        };
        self.repo.insert(&lead, &[]).await?;
        Ok(lead)
    }

    /// The live lead of `tenant` that `phone` belongs to (a national number
    /// is read in the tenant's country). Callers who get in touch again are
    /// found with one indexed read; [`Self::create`] is for those who are new.
    ///
    /// # Errors
    /// `Validation` (`phone`) when it is not a phone number; `Storage`.
    pub async fn find_by_phone(&self, tenant: TenantId, phone: &str) -> Result<Option<LeadId>> {
        let region = self.region_for(tenant, Some(phone)).await?;
        let phone =
            PhoneNumber::parse_in(phone, region).map_err(|message| ValidationErrors::single("phone", message))?;
        let key = phone_cache_key(tenant, &phone);
        if let Some(id) = self.cached_phone_owner(tenant, &key, &phone).await {
            return Ok(Some(id));
        }
        let found = self.repo.find_by_phone(tenant, &phone).await?;
        if let Some(id) = found
            && let Err(err) = self.cache.set(&key, id.to_string().as_bytes(), CACHE_TTL).await
        {
            tracing::warn!(%key, error = %err, "cache fill failed");
        }
        Ok(found)
    }

    /// The lead the phone index entry `key` names, if that lead is live and
    /// still has `phone`. The entry is only a hint: it is checked against
    /// the lead itself ([`Self::get`], whose entry every write keeps
    /// current), so a number that moved to another lead, or a lead deleted
    /// since, is never answered from it. Nothing is cached for a number
    /// nobody has: the next read after a lead takes it must find that lead.
    async fn cached_phone_owner(&self, tenant: TenantId, key: &str, phone: &PhoneNumber) -> Option<LeadId> {
        let bytes = match self.cache.get(key).await {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return None,
            Err(err) => {
                tracing::warn!(%key, error = %err, "cache read failed; reading the database");
                return None;
            }
        };
        let id: LeadId = std::str::from_utf8(&bytes).ok()?.parse().ok()?;
        match self.get(tenant, id).await {
            Ok(lead) if lead.phone.as_ref() == Some(phone) => Some(id),
            _ => None,
        }
    }

    /// The live lead `id` of `tenant`, from the cache when it is there.
    ///
    /// # Errors
    /// `NotFound` when missing, deleted or another tenant's; `Storage`.
    pub async fn get(&self, tenant: TenantId, id: LeadId) -> Result<Lead> {
        let key = cache_key(tenant, id);
        match self.cache.get(&key).await {
            Ok(Some(bytes)) => match serde_json::from_slice::<CacheEntry>(&bytes) {
                Ok(CacheEntry::Live(lead)) if lead.tenant_id == tenant && lead.id == id => return Ok(*lead),
                Ok(CacheEntry::Deleted) => return Err(LeadsError::NotFound { entity: "lead" }),
                Ok(CacheEntry::Changed) => return self.repo.get(tenant, id).await,
                Ok(CacheEntry::Live(_)) | Err(_) => {
                    tracing::warn!(%key, "unreadable cache entry; reading the database")
                }
            },
            Ok(None) => {}
            Err(err) => tracing::warn!(%key, error = %err, "cache read failed; reading the database"),
        }
        let lead = self.repo.get(tenant, id).await?;
        if let Some(bytes) = encode(&CacheEntry::Live(Box::new(lead.clone())))
            && let Err(err) = self.cache.set_if_absent(&key, &bytes, CACHE_TTL).await
        {
            tracing::warn!(%key, error = %err, "cache fill failed");
        }
        Ok(lead)
    }

    /// Applies `changes` to the lead `id` of `tenant`; a status move is
    /// recorded on the timeline in the same transaction.
    ///
    /// # Errors
    /// `Validation`, `InvalidTransition`, `NotFound`, `Duplicate`,
    /// `Conflict` after [`UPDATE_ATTEMPTS`] lost races, `Storage`.
    pub async fn update(&self, tenant: TenantId, id: LeadId, changes: LeadChanges) -> Result<Lead> {
        let region = self.region_for(tenant, changes.phone.as_deref()).await?;
        let assignee = self.check_assignee(tenant, changes.assigned_to.flatten()).await?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut lead = self.repo.get(tenant, id).await?;
            let event = match (lead.apply(changes.clone(), region, self.now()), &assignee) {
                (Ok(event), None) => event,
                (Ok(_), Some(message)) => return Err(ValidationErrors::single("assignedTo", message.clone()).into()),
                (Err(LeadsError::Validation(mut errors)), Some(message)) => {
                    errors.add("assignedTo", message.clone());
                    return Err(errors.into());
                }
                (Err(err), _) => return Err(err),
            };
            match self.repo.update(tenant, &lead, event.as_slice()).await {
                Ok(version) => {
                    lead.version = version;
                    self.write_through(tenant, id, &CacheEntry::Live(Box::new(lead.clone()))).await;
                    return Ok(lead);
                }
                Err(LeadsError::Conflict { .. }) if attempt < UPDATE_ATTEMPTS => {
                    tracing::debug!(lead_id = %id, attempt, "lead changed concurrently; re-reading");
                }
                Err(err) => return Err(err),
            }
        }
    }

    /// Soft-deletes the lead `id` of `tenant`: hidden from lists and reads,
    /// restorable for [`RETENTION_DAYS`] days.
    ///
    /// # Errors
    /// `NotFound`; `Storage`.
    pub async fn delete(&self, tenant: TenantId, id: LeadId) -> Result<()> {
        self.repo.soft_delete(tenant, id, self.now()).await?;
        self.write_through(tenant, id, &CacheEntry::Deleted).await;
        Ok(())
    }

    /// Brings back a lead deleted less than [`RETENTION_DAYS`] days ago.
    ///
    /// # Errors
    /// `NotFound` when unknown, deleted too long ago, or another tenant's;
    /// `Duplicate` when a live lead took its phone or email; `Storage`.
    /// Restoring a live lead is a no-op that returns it (restore is idempotent:
    /// a retried request, or one racing another restore, succeeds).
    pub async fn restore(&self, tenant: TenantId, id: LeadId) -> Result<Lead> {
        let now = self.now();
        let lead = match self.repo.restore(tenant, id, now - Days::days(RETENTION_DAYS), now).await {
            Err(LeadsError::NotFound { .. }) => return self.get(tenant, id).await,
            other => other?,
        };
        self.write_through(tenant, id, &CacheEntry::Live(Box::new(lead.clone()))).await;
        Ok(lead)
    }

    /// One page of the tenant's leads.
    ///
    /// # Errors
    /// `Storage`.
    pub async fn list(&self, tenant: TenantId, filter: &LeadFilter, page: PageRequest) -> Result<Page<Lead>> {
        let found = self.repo.list(tenant, filter, page).await?;
        // A full page has a next one to try: its cursor starts after the last lead.
        let next = (found.data.len() == page.limit() as usize)
            .then(|| found.data.last().map(|last| crate::filter::LeadCursor::after(last, filter.sort).encode()))
            .flatten();
        Ok(found.with_next_cursor(next))
    }

    /// One page of the lead's timeline, newest first.
    ///
    /// # Errors
    /// `NotFound` when the lead is missing, deleted or another tenant's; `Storage`.
    pub async fn timeline(&self, tenant: TenantId, id: LeadId, page: PageRequest) -> Result<Page<TimelineEvent>> {
        self.get(tenant, id).await?;
        self.repo.timeline(tenant, id, page).await
    }

    /// Adds a note by `author` to the lead's timeline.
    ///
    /// # Errors
    /// `Validation` (`content` blank or over 10,000 characters); `NotFound`; `Storage`.
    pub async fn add_note(&self, tenant: TenantId, id: LeadId, author: UserId, content: &str) -> Result<TimelineEvent> {
        let input = NewTimelineEvent {
            kind: EventKind::Note,
            direction: None,
            content: content.trim().to_owned(),
            meta: Some(serde_json::json!({ "authorId": author })),
        };
        self.record(tenant, id, input).await
    }

    /// Records any event (a call, a message, a booking) on the lead's timeline.
    ///
    /// # Errors
    /// `Validation`; `NotFound`; `Storage`.
    pub async fn record(&self, tenant: TenantId, id: LeadId, input: NewTimelineEvent) -> Result<TimelineEvent> {
        let event = TimelineEvent::record(tenant, id, input, self.now())?;
        self.repo.append_event(tenant, &event).await?;
        Ok(event)
    }

    /// Removes leads deleted more than [`RETENTION_DAYS`] days ago, in every
    /// tenant; returns how many. Run by the worker's maintenance task.
    ///
    /// # Errors
    /// `Storage`.
    pub async fn purge_expired(&self) -> Result<u64> {
        self.repo.purge_deleted(self.now() - Days::days(RETENTION_DAYS)).await
    }

    /// Now, to the microsecond: what every backend stores, so a lead
    /// returned by a write equals the same lead read back.
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        use chrono::SubsecRound;
        self.clock.now().trunc_subsecs(6)
    }

    /// The region a raw phone is read in: only looked up (one query) when
    /// the number is national, since an international one carries its own.
    async fn region_for(&self, tenant: TenantId, phone: Option<&str>) -> Result<Option<Country>> {
        match phone.map(str::trim) {
            Some(raw) if !raw.is_empty() && !raw.starts_with('+') => self.directory.default_region(tenant).await,
            _ => Ok(None),
        }
    }

    /// The error message for an assignee who is not a member of `tenant`.
    async fn check_assignee(&self, tenant: TenantId, user: Option<UserId>) -> Result<Option<String>> {
        match user {
            Some(user) if !self.directory.is_member(tenant, user).await? => {
                Ok(Some("must be a user of this sub-account".into()))
            }
            _ => Ok(None),
        }
    }

    /// Overwrites the cache entry after a committed write (see the module docs).
    async fn write_through(&self, tenant: TenantId, id: LeadId, entry: &CacheEntry) {
        let key = cache_key(tenant, id);
        let written = match encode(entry) {
            Some(bytes) => self.cache.set(&key, &bytes, CACHE_TTL).await.map_err(|e| e.to_string()),
            None => Err("could not encode the lead".into()),
        };
        if let Err(reason) = written {
            tracing::warn!(%key, %reason, "cache write after a lead change failed; deleting the entry");
            if let Err(err) = self.cache.delete(&key).await {
                tracing::error!(%key, error = %err, "could not invalidate the cached lead; it may be served stale until it expires");
            }
        }
    }
}

fn encode(entry: &CacheEntry) -> Option<Vec<u8>> {
    serde_json::to_vec(entry).ok()
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use super::*;
    use crate::status::LeadStatus;
    use crate::testing::{InMemoryDirectory, InMemoryLeadStore};
    use async_trait::async_trait;
    use chrono::{DateTime, Utc};
    use frontdesk_kernel::testing::{ManualClock, MapCache};
    use tokio::sync::{Mutex as AsyncMutex, oneshot};

    struct Harness {
        service: LeadService,
        store: Arc<InMemoryLeadStore>,
        cache: Arc<MapCache>,
        directory: Arc<InMemoryDirectory>,
        clock: Arc<ManualClock>,
        tenant: TenantId,
    }

    fn harness() -> Harness {
        let store = Arc::new(InMemoryLeadStore::default());
        harness_over(store.clone(), store)
    }

    fn harness_over(repo: Arc<dyn LeadRepository>, store: Arc<InMemoryLeadStore>) -> Harness {
        let cache = Arc::new(MapCache::default());
        let directory = Arc::new(InMemoryDirectory::default());
        let clock = Arc::new(ManualClock::at(Utc::now()));
        let service = LeadService::new(repo, cache.clone(), directory.clone(), clock.clone());
        Harness { service, store, cache, directory, clock, tenant: TenantId::new() }
    }

    fn ana() -> NewLead {
        NewLead { name: "Ana".into(), phone: Some("+14155552671".into()), ..NewLead::default() }
    }

    fn rename(name: &str) -> LeadChanges {
        LeadChanges { name: Some(name.into()), ..LeadChanges::default() }
    }

    #[tokio::test]
    async fn national_numbers_use_the_tenant_country() {
        let h = harness();
        let national = NewLead { phone: Some("(415) 555-2671".into()), ..ana() };
        let err = h.service.create(h.tenant, national.clone()).await.unwrap_err();
        assert!(matches!(err, LeadsError::Validation(ref e) if e.messages()[0].contains("international form")));
        h.directory.set_region(h.tenant, Country::parse("US").unwrap());
        let lead = h.service.create(h.tenant, national).await.unwrap();
        assert_eq!(lead.phone.unwrap().as_str(), "+14155552671");
    }

    #[tokio::test]
    async fn the_assignee_must_be_a_member_and_is_reported_with_the_other_fields() {
        let h = harness();
        let stranger = UserId::new();
        let bad = NewLead { name: String::new(), assigned_to: Some(stranger), ..ana() };
        let LeadsError::Validation(errors) = h.service.create(h.tenant, bad).await.unwrap_err() else { panic!() };
        assert_eq!(errors.messages(), ["name: is required", "assignedTo: must be a user of this sub-account"]);
        h.directory.add_member(h.tenant, stranger);
        let lead = h.service.create(h.tenant, NewLead { assigned_to: Some(stranger), ..ana() }).await.unwrap();
        assert_eq!(lead.assigned_to, Some(stranger));
    }

    #[tokio::test]
    async fn a_number_is_found_from_the_cache_but_never_for_a_lead_that_lost_it() {
        use std::sync::atomic::Ordering::SeqCst;
        let staged = Arc::new(Staged::default());
        let h = harness_over(staged.clone(), staged.store.clone());
        let find = || h.service.find_by_phone(h.tenant, "+14155552671");
        let key = phone_cache_key(h.tenant, &PhoneNumber::parse("+14155552671").unwrap());
        assert_eq!(find().await.unwrap(), None);
        assert!(h.cache.peek(&key).is_none(), "nothing is cached for a number nobody has");
        let first = h.service.create(h.tenant, ana()).await.unwrap();
        assert_eq!(find().await.unwrap(), Some(first.id), "a new lead is found at once");
        assert_eq!(h.cache.peek(&key), Some(first.id.to_string().into_bytes()), "and remembered");
        let reads = staged.phone_reads.load(SeqCst);
        assert_eq!(find().await.unwrap(), Some(first.id));
        assert_eq!(staged.phone_reads.load(SeqCst), reads, "the second lookup reads no index");

        // Ana's number moves to Ben: the entry still names Ana, who no longer has it.
        let moved = LeadChanges { phone: Some("+14155550000".into()), ..LeadChanges::default() };
        h.service.update(h.tenant, first.id, moved).await.unwrap();
        assert_eq!(find().await.unwrap(), None, "the entry is checked against the lead");
        let ben = h.service.create(h.tenant, NewLead { name: "Ben".into(), ..ana() }).await.unwrap();
        assert_eq!(find().await.unwrap(), Some(ben.id));
        assert_eq!(h.cache.peek(&key), Some(ben.id.to_string().into_bytes()), "re-pointed");

        // Ben is deleted: his number belongs to nobody again.
        h.service.delete(h.tenant, ben.id).await.unwrap();
        assert_eq!(find().await.unwrap(), None);

        // An entry naming another tenant's lead, or not an id, is not believed.
        let stranger = h.service.create(TenantId::new(), ana()).await.unwrap();
        h.cache.set(&key, stranger.id.to_string().as_bytes(), CACHE_TTL).await.unwrap();
        assert_eq!(find().await.unwrap(), None);
        h.cache.set(&key, b"not an id", CACHE_TTL).await.unwrap();
        assert_eq!(find().await.unwrap(), None);
    }

    #[tokio::test]
    async fn reads_are_cached_and_updates_write_through() {
        let h = harness();
        let lead = h.service.create(h.tenant, ana()).await.unwrap();
        assert_eq!(h.service.get(h.tenant, lead.id).await.unwrap(), lead);
        assert!(h.cache.peek(&cache_key(h.tenant, lead.id)).is_some(), "filled on read");
        let updated = h.service.update(h.tenant, lead.id, rename("Ana Lopez")).await.unwrap();
        assert_eq!(updated.version, 1);
        assert_eq!(h.service.get(h.tenant, lead.id).await.unwrap(), updated, "no stale read after an update");
        h.service.delete(h.tenant, lead.id).await.unwrap();
        assert!(matches!(h.service.get(h.tenant, lead.id).await, Err(LeadsError::NotFound { .. })));
        let restored = h.service.restore(h.tenant, lead.id).await.unwrap();
        assert_eq!(h.service.get(h.tenant, lead.id).await.unwrap(), restored);
        assert!(matches!(h.service.get(TenantId::new(), lead.id).await, Err(LeadsError::NotFound { .. })));
    }

    /// The in-memory store with two staged misbehaviours: when `gate` is
    /// set, the next `get` returns its row but then waits for a signal (a
    /// reader that loaded a lead before an update and fills the cache after
    /// it); while `conflicts` is above zero, each `update` reports
    /// `Conflict` and counts it down (a lost version race).
    #[derive(Default)]
    struct Staged {
        store: Arc<InMemoryLeadStore>,
        gate: AsyncMutex<Option<(oneshot::Sender<()>, oneshot::Receiver<()>)>>,
        conflicts: std::sync::atomic::AtomicUsize,
        phone_reads: std::sync::atomic::AtomicUsize,
    }

    #[async_trait]
    impl LeadRepository for Staged {
        async fn insert(&self, lead: &Lead, events: &[TimelineEvent]) -> Result<()> {
            self.store.insert(lead, events).await
        }
        async fn get(&self, tenant: TenantId, id: LeadId) -> Result<Lead> {
            let lead = self.store.get(tenant, id).await;
            let gate = self.gate.lock().await.take();
            if let Some((loaded, release)) = gate {
                let _ = loaded.send(());
                let _ = release.await;
            }
            lead
        }
        async fn find_by_phone(&self, tenant: TenantId, phone: &PhoneNumber) -> Result<Option<LeadId>> {
            self.phone_reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            self.store.find_by_phone(tenant, phone).await
        }
        async fn update(&self, tenant: TenantId, lead: &Lead, events: &[TimelineEvent]) -> Result<i64> {
            use std::sync::atomic::Ordering;
            if self.conflicts.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() {
                return Err(LeadsError::Conflict { entity: "lead" });
            }
            self.store.update(tenant, lead, events).await
        }
        async fn soft_delete(&self, tenant: TenantId, id: LeadId, at: DateTime<Utc>) -> Result<()> {
            self.store.soft_delete(tenant, id, at).await
        }
        async fn restore(&self, t: TenantId, id: LeadId, since: DateTime<Utc>, now: DateTime<Utc>) -> Result<Lead> {
            self.store.restore(t, id, since, now).await
        }
        async fn purge_deleted(&self, before: DateTime<Utc>) -> Result<u64> {
            self.store.purge_deleted(before).await
        }
        async fn list(&self, tenant: TenantId, filter: &LeadFilter, page: PageRequest) -> Result<Page<Lead>> {
            self.store.list(tenant, filter, page).await
        }
        async fn import_batch(
            &self,
            tenant: TenantId,
            job: frontdesk_kernel::jobs::JobId,
            batch: u32,
            leads: &[Lead],
        ) -> Result<crate::transfer::BatchOutcome> {
            self.store.import_batch(tenant, job, batch, leads).await
        }
        async fn append_event(&self, tenant: TenantId, event: &TimelineEvent) -> Result<()> {
            self.store.append_event(tenant, event).await
        }
        async fn append_events(&self, tenant: TenantId, events: &[TimelineEvent]) -> Result<()> {
            self.store.append_events(tenant, events).await
        }
        async fn timeline(&self, tenant: TenantId, lead: LeadId, page: PageRequest) -> Result<Page<TimelineEvent>> {
            self.store.timeline(tenant, lead, page).await
        }
    }

    #[tokio::test]
    async fn a_read_that_loaded_before_an_update_cannot_cache_the_old_lead() {
        let slow = Arc::new(Staged::default());
        let h = harness_over(slow.clone(), slow.store.clone());
        let lead = h.service.create(h.tenant, ana()).await.unwrap();

        let (loaded_tx, loaded_rx) = oneshot::channel();
        let (release_tx, release_rx) = oneshot::channel();
        *slow.gate.lock().await = Some((loaded_tx, release_rx));
        let reader = {
            let (service, tenant) = (h.service.clone(), h.tenant);
            tokio::spawn(async move { service.get(tenant, lead.id).await })
        };
        loaded_rx.await.unwrap(); // the reader holds the old row, not yet cached
        let updated = h.service.update(h.tenant, lead.id, rename("Ana Updated")).await.unwrap();
        release_tx.send(()).unwrap();
        let old = reader.await.unwrap().unwrap();
        assert_eq!(old.name.as_str(), "Ana", "the slow read returns what it loaded");
        assert_eq!(h.service.get(h.tenant, lead.id).await.unwrap(), updated, "but the cache holds the update");
    }

    #[tokio::test]
    async fn a_lead_marked_changed_elsewhere_is_read_afresh_and_a_slow_read_cannot_cache_it() {
        let slow = Arc::new(Staged::default());
        let h = harness_over(slow.clone(), slow.store.clone());
        let lead = h.service.create(h.tenant, ana()).await.unwrap();
        assert_eq!(h.service.get(h.tenant, lead.id).await.unwrap(), lead, "cached");

        // A reader loads the row; another store (a booking) changes it and marks it changed.
        let (loaded_tx, loaded_rx) = oneshot::channel();
        let (release_tx, release_rx) = oneshot::channel();
        h.cache.delete(&cache_key(h.tenant, lead.id)).await.unwrap();
        *slow.gate.lock().await = Some((loaded_tx, release_rx));
        let reader = {
            let (service, tenant) = (h.service.clone(), h.tenant);
            tokio::spawn(async move { service.get(tenant, lead.id).await })
        };
        loaded_rx.await.unwrap();
        let mut booked = lead.clone();
        booked
            .apply(LeadChanges { status: Some("booked".into()), ..LeadChanges::default() }, None, Utc::now())
            .unwrap();
        slow.store.update(h.tenant, &booked, &[]).await.unwrap();
        mark_changed(h.cache.as_ref(), h.tenant, lead.id).await.unwrap();
        release_tx.send(()).unwrap();
        assert_eq!(reader.await.unwrap().unwrap().status, LeadStatus::New, "the slow read returns what it loaded");

        // Every read now sees the change, and none fills the cache while the mark lives.
        for _ in 0..2 {
            assert_eq!(h.service.get(h.tenant, lead.id).await.unwrap().status, LeadStatus::Booked);
        }
        let entry = h.cache.peek(&cache_key(h.tenant, lead.id)).expect("the mark stays");
        assert!(matches!(serde_json::from_slice(&entry).unwrap(), CacheEntry::Changed));
        // A write through the service replaces the mark as usual.
        let renamed = h.service.update(h.tenant, lead.id, rename("Ana Booked")).await.unwrap();
        assert_eq!(h.service.get(h.tenant, lead.id).await.unwrap(), renamed);
    }

    #[tokio::test]
    async fn a_cache_outage_never_fails_a_request_nor_leaves_a_stale_entry() {
        let h = harness();
        let lead = h.service.create(h.tenant, ana()).await.unwrap();
        h.service.get(h.tenant, lead.id).await.unwrap();
        h.cache.set_down(true);
        assert_eq!(h.service.get(h.tenant, lead.id).await.unwrap(), lead, "read from the database");
        let updated = h.service.update(h.tenant, lead.id, rename("During outage")).await.unwrap();
        h.cache.set_down(false);
        // The write-through failed and so did the delete: the old entry is
        // there until its TTL. This is the documented residual window.
        let cached = h.service.get(h.tenant, lead.id).await.unwrap();
        assert_eq!(cached.name.as_str(), "Ana");
        assert_ne!(cached, updated);
    }

    #[tokio::test]
    async fn status_moves_are_recorded_with_the_update_and_bad_moves_are_refused() {
        let h = harness();
        let lead = h.service.create(h.tenant, ana()).await.unwrap();
        let to = |s: &str| LeadChanges { status: Some(s.into()), ..LeadChanges::default() };
        h.service.update(h.tenant, lead.id, to("won")).await.unwrap();
        let err = h.service.update(h.tenant, lead.id, to("contacted")).await.unwrap_err();
        assert!(matches!(err, LeadsError::InvalidTransition { from: LeadStatus::Won, to: LeadStatus::Contacted }));
        let events = h.store.events();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].meta.to_value(), serde_json::json!({"from": "new", "to": "won"}));
    }

    #[tokio::test]
    async fn updates_retry_lost_version_races_then_give_up_with_conflict() {
        let contended = Arc::new(Staged { conflicts: (UPDATE_ATTEMPTS - 1).into(), ..Staged::default() });
        let h = harness_over(contended.clone(), contended.store.clone());
        let lead = h.service.create(h.tenant, ana()).await.unwrap();
        assert_eq!(h.service.update(h.tenant, lead.id, rename("Second try")).await.unwrap().version, 1);
        contended.conflicts.store(UPDATE_ATTEMPTS, std::sync::atomic::Ordering::SeqCst);
        let err = h.service.update(h.tenant, lead.id, rename("Never")).await.unwrap_err();
        assert!(matches!(err, LeadsError::Conflict { .. }));
    }

    #[tokio::test]
    async fn notes_need_content_and_a_live_lead_of_the_tenant() {
        let h = harness();
        let lead = h.service.create(h.tenant, ana()).await.unwrap();
        let author = UserId::new();
        let note = h.service.add_note(h.tenant, lead.id, author, "  Called back, wants Tuesday ").await.unwrap();
        assert_eq!((note.kind, note.content.as_str()), (EventKind::Note, "Called back, wants Tuesday"));
        assert_eq!(note.meta.to_value(), serde_json::json!({"authorId": author}));
        assert!(matches!(h.service.add_note(h.tenant, lead.id, author, "  ").await, Err(LeadsError::Validation(_))));
        let foreign = h.service.add_note(TenantId::new(), lead.id, author, "x").await;
        assert!(matches!(foreign, Err(LeadsError::NotFound { .. })));
        let page = h.service.timeline(h.tenant, lead.id, PageRequest::default()).await.unwrap();
        assert_eq!(page.data, [note]);
    }

    #[tokio::test]
    async fn deleted_leads_are_purged_after_the_retention_period() {
        let h = harness();
        let lead = h.service.create(h.tenant, ana()).await.unwrap();
        h.service.delete(h.tenant, lead.id).await.unwrap();
        h.clock.advance(chrono::Duration::days(RETENTION_DAYS - 1));
        assert_eq!(h.service.purge_expired().await.unwrap(), 0);
        h.clock.advance(chrono::Duration::days(2));
        assert!(matches!(h.service.restore(h.tenant, lead.id).await, Err(LeadsError::NotFound { .. })), "too old");
        assert_eq!(h.service.purge_expired().await.unwrap(), 1);
    }
}
