//! The membership cache's rules, with an in-memory store and a broadcast
//! the test controls (delivery and liveness).

use super::*;
use crate::testing::InMemoryMemberships;
use chrono::Utc;
use frontdesk_kernel::BroadcastError;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A broadcast whose listeners the test drives; it records what was published.
#[derive(Default)]
struct TestBroadcast {
    listeners: Mutex<Vec<Arc<dyn BroadcastListener>>>,
    published: Mutex<Vec<String>>,
}

impl TestBroadcast {
    fn deliver(&self, message: &str) {
        for listener in self.listeners.lock().unwrap().iter() {
            listener.on_message(message);
        }
    }

    fn set_live(&self, live: bool) {
        for listener in self.listeners.lock().unwrap().iter() {
            listener.on_live(live);
        }
    }
}

#[async_trait]
impl Broadcast for TestBroadcast {
    async fn publish(&self, _topic: &str, message: &str) -> std::result::Result<(), BroadcastError> {
        self.published.lock().unwrap().push(message.to_owned());
        Ok(())
    }

    fn subscribe(&self, _topic: &str, listener: Arc<dyn BroadcastListener>) {
        listener.on_live(false);
        self.listeners.lock().unwrap().push(listener);
    }
}

/// Counts the reads that reach the store.
struct Counting {
    inner: InMemoryMemberships,
    reads: AtomicUsize,
}

#[async_trait]
impl MembershipRepository for Counting {
    async fn insert(&self, membership: &Membership) -> Result<()> {
        self.inner.insert(membership).await
    }
    async fn find_for_user(&self, user_id: UserId) -> Result<Option<Membership>> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        self.inner.find_for_user(user_id).await
    }
    async fn update_role(&self, tenant_id: TenantId, user_id: UserId, role: Role) -> Result<()> {
        self.inner.update_role(tenant_id, user_id, role).await
    }
    async fn remove(&self, tenant_id: TenantId, user_id: UserId) -> Result<()> {
        self.inner.remove(tenant_id, user_id).await
    }
    async fn list_for_tenant(&self, tenant_id: TenantId, page: PageRequest) -> Result<Page<Membership>> {
        self.inner.list_for_tenant(tenant_id, page).await
    }
}

struct Fixture {
    bus: Arc<TestBroadcast>,
    store: Arc<Counting>,
    cache: Arc<MembershipCache>,
    repo: Arc<dyn MembershipRepository>,
}

impl Fixture {
    fn new(ttl: Duration) -> Self {
        let bus = Arc::new(TestBroadcast::default());
        let store = Arc::new(Counting { inner: InMemoryMemberships::default(), reads: AtomicUsize::new(0) });
        let cache = MembershipCache::start(bus.clone(), ttl);
        let repo = cache.wrap(store.clone());
        bus.set_live(true);
        Self { bus, store, cache, repo }
    }

    fn reads(&self) -> usize {
        self.store.reads.load(Ordering::SeqCst)
    }

    /// A member stored behind the cache's back (as another process would).
    async fn member(&self, tenant: TenantId, role: Role) -> UserId {
        let user = UserId::new();
        self.store.inner.insert(&Membership::new(tenant, user, role, Utc::now()).unwrap()).await.unwrap();
        user
    }
}

const MINUTE: Duration = Duration::from_secs(60);

#[tokio::test]
async fn a_second_read_is_answered_from_memory() {
    let f = Fixture::new(MINUTE);
    let user = f.member(TenantId::new(), Role::Agent).await;
    for _ in 0..3 {
        assert_eq!(f.repo.find_for_user(user).await.unwrap().unwrap().role, Role::Agent);
    }
    assert_eq!(f.reads(), 1);
}

#[tokio::test]
async fn not_a_member_is_cached_and_forgotten_when_the_user_joins() {
    let f = Fixture::new(MINUTE);
    let user = UserId::new();
    assert_eq!(f.repo.find_for_user(user).await.unwrap(), None);
    assert_eq!(f.repo.find_for_user(user).await.unwrap(), None);
    assert_eq!(f.reads(), 1);
    let tenant = TenantId::new();
    f.repo.insert(&Membership::new(tenant, user, Role::Agent, Utc::now()).unwrap()).await.unwrap();
    assert_eq!(f.repo.find_for_user(user).await.unwrap().unwrap().tenant_id, tenant);
    assert_eq!(*f.bus.published.lock().unwrap(), [format!("user:{user}")]);
}

#[tokio::test]
async fn a_change_announced_by_another_process_is_read_afresh() {
    let f = Fixture::new(MINUTE);
    let tenant = TenantId::new();
    let user = f.member(tenant, Role::Manager).await;
    assert_eq!(f.repo.find_for_user(user).await.unwrap().unwrap().role, Role::Manager);
    // Another process demotes the user and announces it.
    f.store.inner.update_role(tenant, user, Role::Agent).await.unwrap();
    f.bus.deliver(&format!("user:{user}"));
    assert_eq!(f.repo.find_for_user(user).await.unwrap().unwrap().role, Role::Agent);
    assert_eq!(f.reads(), 2);
}

#[tokio::test]
async fn removal_and_role_changes_through_the_cache_are_announced_and_seen_at_once() {
    let f = Fixture::new(MINUTE);
    let tenant = TenantId::new();
    let user = f.member(tenant, Role::Manager).await;
    f.repo.find_for_user(user).await.unwrap();
    f.repo.update_role(tenant, user, Role::Agent).await.unwrap();
    assert_eq!(f.repo.find_for_user(user).await.unwrap().unwrap().role, Role::Agent);
    f.repo.remove(tenant, user).await.unwrap();
    assert_eq!(f.repo.find_for_user(user).await.unwrap(), None);
    assert_eq!(*f.bus.published.lock().unwrap(), [format!("user:{user}"), format!("user:{user}")]);
}

#[tokio::test]
async fn a_deleted_tenant_forgets_its_members_only() {
    let f = Fixture::new(MINUTE);
    let (gone, kept) = (TenantId::new(), TenantId::new());
    let (a, b, c) =
        (f.member(gone, Role::Owner).await, f.member(gone, Role::Agent).await, f.member(kept, Role::Owner).await);
    for user in [a, b, c] {
        f.repo.find_for_user(user).await.unwrap();
    }
    f.cache.changed(AccessChange::Tenant(gone)).await;
    for user in [a, b, c] {
        f.repo.find_for_user(user).await.unwrap();
    }
    assert_eq!(f.reads(), 3 + 2, "only the deleted tenant's two members are read again");
    assert_eq!(*f.bus.published.lock().unwrap(), [format!("tenant:{gone}")]);
}

#[tokio::test]
async fn a_message_it_does_not_understand_forgets_everything() {
    let f = Fixture::new(MINUTE);
    let user = f.member(TenantId::new(), Role::Agent).await;
    f.repo.find_for_user(user).await.unwrap();
    f.bus.deliver("something new");
    f.repo.find_for_user(user).await.unwrap();
    assert_eq!(f.reads(), 2);
}

#[tokio::test]
async fn while_the_subscription_is_down_every_read_goes_to_the_store_and_it_restarts_empty() {
    let f = Fixture::new(MINUTE);
    let tenant = TenantId::new();
    let user = f.member(tenant, Role::Manager).await;
    f.repo.find_for_user(user).await.unwrap();
    f.bus.set_live(false);
    f.repo.find_for_user(user).await.unwrap();
    f.repo.find_for_user(user).await.unwrap();
    assert_eq!(f.reads(), 3, "nothing is answered from memory while changes may be missed");
    // A removal announced while down is never heard; coming back up starts empty.
    f.store.inner.remove(tenant, user).await.unwrap();
    f.bus.set_live(true);
    assert_eq!(f.repo.find_for_user(user).await.unwrap(), None);
}

#[tokio::test]
async fn a_read_that_raced_a_change_is_returned_but_not_kept() {
    let f = Fixture::new(MINUTE);
    let user = f.member(TenantId::new(), Role::Manager).await;
    let Err(Some(generation)) = f.cache.memberships.lookup(&user) else { panic!("expected a miss") };
    let stale = f.store.inner.find_for_user(user).await.unwrap();
    // The change lands between the read and the keep.
    f.bus.deliver(&format!("user:{user}"));
    f.cache.memberships.keep(user, stale, generation);
    assert!(f.cache.memberships.lookup(&user).is_err(), "the stale read was not kept");
}

#[tokio::test]
async fn a_zero_ttl_never_caches() {
    let f = Fixture::new(Duration::ZERO);
    let user = f.member(TenantId::new(), Role::Agent).await;
    f.repo.find_for_user(user).await.unwrap();
    f.repo.find_for_user(user).await.unwrap();
    assert_eq!(f.reads(), 2);
}

#[test]
fn changes_round_trip_through_their_wire_form() {
    let (user, tenant) = (AccessChange::User(UserId::new()), AccessChange::Tenant(TenantId::new()));
    assert_eq!(AccessChange::decode(&user.encode()), Some(user));
    assert_eq!(AccessChange::decode(&tenant.encode()), Some(tenant));
    assert_eq!(AccessChange::decode("user:not-a-uuid"), None);
    assert_eq!(AccessChange::decode("*"), None);
}

/// The account behind `/auth/me`: answered from memory after one read, and
/// read afresh once a name or password change is announced by any process.
#[tokio::test]
async fn accounts_are_kept_and_forgotten_when_any_process_changes_them() {
    use crate::testing::InMemoryUsers;
    use crate::user::{NewUser, PasswordHash, User};
    use crate::values::PersonName;

    struct CountingUsers {
        inner: InMemoryUsers,
        reads: AtomicUsize,
    }
    #[async_trait]
    impl UserRepository for CountingUsers {
        async fn insert(&self, user: &User) -> Result<()> {
            self.inner.insert(user).await
        }
        async fn get(&self, id: UserId) -> Result<User> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            self.inner.get(id).await
        }
        async fn get_many(&self, ids: &[UserId]) -> Result<Vec<User>> {
            self.inner.get_many(ids).await
        }
        async fn update_name(&self, id: UserId, name: &PersonName, at: chrono::DateTime<Utc>) -> Result<()> {
            self.inner.update_name(id, name, at).await
        }
        async fn update_password(&self, id: UserId, hash: &PasswordHash, at: chrono::DateTime<Utc>) -> Result<()> {
            self.inner.update_password(id, hash, at).await
        }
        async fn find_by_email(&self, email: &frontdesk_kernel::EmailAddress) -> Result<Option<User>> {
            self.inner.find_by_email(email).await
        }
    }

    let f = Fixture::new(MINUTE);
    let store = Arc::new(CountingUsers { inner: InMemoryUsers::default(), reads: AtomicUsize::new(0) });
    let (here, there) = (f.cache.wrap_users(store.clone()), {
        // Another process: its own cache on the same bus.
        let other = MembershipCache::start(f.bus.clone(), MINUTE);
        f.bus.set_live(true);
        other.wrap_users(store.clone())
    });
    let sign_up = NewUser { email: "ana@example.com".into(), password: "Secret123".into(), name: "Ana".into() }
        .validate()
        .unwrap();
    let user = User::new_user(&sign_up, PasswordHash::from_stored("$2b$04$hash".into()), Utc::now());
    here.insert(&user).await.unwrap();
    let reads = || store.reads.load(Ordering::SeqCst);

    for _ in 0..3 {
        assert_eq!(here.get(user.id).await.unwrap().name.as_str(), "Ana");
        assert_eq!(there.get(user.id).await.unwrap().name.as_str(), "Ana");
    }
    assert_eq!(reads(), 2, "one read per process");

    here.update_name(user.id, &PersonName::parse("Ana Maria").unwrap(), Utc::now()).await.unwrap();
    f.bus.deliver(&f.bus.published.lock().unwrap()[0].clone()); // what the bus carries to every process
    assert_eq!(there.get(user.id).await.unwrap().name.as_str(), "Ana Maria", "the other process forgot it");
    assert_eq!(here.get(user.id).await.unwrap().name.as_str(), "Ana Maria");
    assert_eq!(*f.bus.published.lock().unwrap(), [format!("user:{}", user.id)]);

    let hash = PasswordHash::from_stored("$2b$04$other".into());
    there.update_password(user.id, &hash, Utc::now()).await.unwrap();
    f.bus.deliver(&format!("user:{}", user.id));
    assert_eq!(here.get(user.id).await.unwrap().password_hash, hash, "a new password is read afresh");

    // While the subscription is down every read goes to the store.
    f.bus.set_live(false);
    let before = reads();
    here.get(user.id).await.unwrap();
    here.get(user.id).await.unwrap();
    assert_eq!(reads(), before + 2);
}
