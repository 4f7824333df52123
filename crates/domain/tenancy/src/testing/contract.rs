//! Contract suites for the tenancy repositories.
//!
//! Each suite takes fresh, empty repositories: callers give every run its
//! own database (or in-memory instance), so suites never see each other's rows.

use crate::error::TenancyError;
use crate::membership::Membership;
use crate::ports::{MembershipRepository, RefreshTokenRepository, TenantRepository, UserRepository};
use crate::session::{RefreshToken, TokenFamilyId, TokenHash};
use crate::tenant::{NewTenant, Tenant};
use crate::user::{NewUser, PasswordHash, User};
use crate::values::EmailAddress;
use chrono::{DateTime, Duration, SubsecRound, Utc};
use frontdesk_kernel::{PageRequest, Role, TenantId, UserId};

/// A timestamp with microsecond precision: what every backend can store exactly.
fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

fn tenant(name: &str, at: DateTime<Utc>) -> Tenant {
    Tenant::create(
        NewTenant { name: name.into(), timezone: Some("America/Chicago".into()), country: Some("US".into()) },
        at,
    )
    .expect("tenant")
}

fn user(email: &str) -> User {
    let sign_up = NewUser { email: email.into(), password: "Secret123".into(), name: "Test User".into() }
        .validate()
        .expect("valid");
    User::new_user(&sign_up, PasswordHash::from_stored("$2b$04$hash".into()), now())
}

/// Tenants round-trip, unknown ids are `NotFound`, lists page in creation order.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn tenants(repo: &dyn TenantRepository) {
    let t0 = now();
    let first = tenant("First Co", t0);
    let second = tenant("Second Co", t0 + Duration::seconds(1));
    let third = tenant("Third Co", t0 + Duration::seconds(2));
    for t in [&second, &first, &third] {
        repo.insert(t).await.expect("insert");
    }
    assert_eq!(repo.get(first.id).await.expect("get"), first);
    assert!(matches!(repo.get(TenantId::new()).await, Err(TenancyError::NotFound { .. })));

    let page = repo.list(PageRequest::new(Some(1), Some(2)).expect("page")).await.expect("list");
    assert_eq!(page.total, 3);
    assert_eq!(page.data.iter().map(|t| t.id).collect::<Vec<_>>(), [first.id, second.id]);
    let page = repo.list(PageRequest::new(Some(2), Some(2)).expect("page")).await.expect("list");
    assert_eq!(page.data.iter().map(|t| t.id).collect::<Vec<_>>(), [third.id]);
}

/// Users round-trip; email is unique case-insensitively; lookups by email work.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn users(repo: &dyn UserRepository) {
    let ana = user("ana@example.com");
    repo.insert(&ana).await.expect("insert");
    assert_eq!(repo.get(ana.id).await.expect("get"), ana);
    assert!(matches!(repo.get(UserId::new()).await, Err(TenancyError::NotFound { .. })));

    let again = user("ANA@Example.com");
    assert!(matches!(repo.insert(&again).await, Err(TenancyError::Duplicate { field: "email" })));

    let found = repo.find_by_email(&EmailAddress::parse("Ana@example.com").expect("email")).await.expect("find");
    assert_eq!(found.map(|u| u.id), Some(ana.id));
    let missing = repo.find_by_email(&EmailAddress::parse("bob@example.com").expect("email")).await.expect("find");
    assert!(missing.is_none());

    let bob = user("bob@example.com");
    repo.insert(&bob).await.expect("insert");
    let mut many = repo.get_many(&[bob.id, UserId::new(), ana.id]).await.expect("get_many");
    many.sort_by_key(|u| u.email.as_str().to_owned());
    assert_eq!(many.iter().map(|u| u.id).collect::<Vec<_>>(), [ana.id, bob.id], "unknown ids are skipped");
    assert!(repo.get_many(&[]).await.expect("empty").is_empty());

    let later = ana.updated_at + Duration::minutes(1);
    let renamed = crate::values::PersonName::parse("Ana Renamed").expect("name");
    repo.update_name(ana.id, &renamed, later).await.expect("rename");
    assert_eq!(repo.get(ana.id).await.expect("get").name, renamed);
    repo.update_password(ana.id, &PasswordHash::from_stored("$2b$04$new".into()), later).await.expect("update");
    let updated = repo.get(ana.id).await.expect("get");
    assert_eq!((updated.password_hash.as_str(), updated.updated_at), ("$2b$04$new", later));
    assert!(matches!(
        repo.update_password(UserId::new(), &PasswordHash::from_stored("x".into()), later).await,
        Err(TenancyError::NotFound { .. })
    ));
}

/// Login attempts: failures since the last success per (email, address),
/// newest first, capped; failures per email across addresses; the retention purge.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn login_attempts(repo: &dyn crate::ports::LoginAttemptRepository) {
    use crate::ports::LoginAttempt;
    let email = EmailAddress::parse("locked@example.com").expect("email");
    let other = EmailAddress::parse("other@example.com").expect("email");
    const HOME: &str = "127.0.0.1";
    let t0 = now();
    let attempt_from = |ip: Option<&str>, email: &EmailAddress, succeeded: bool, minutes: i64| LoginAttempt {
        id: crate::ports::LoginAttemptId::new(),
        email: email.clone(),
        succeeded,
        ip: ip.map(str::to_owned),
        user_agent: Some("contract".into()),
        at: t0 + Duration::minutes(minutes),
    };
    let attempt =
        |email: &EmailAddress, succeeded: bool, minutes: i64| attempt_from(Some(HOME), email, succeeded, minutes);
    for (ok, minute) in [(false, 0), (true, 1), (false, 2), (false, 3), (false, 4)] {
        repo.record(&attempt(&email, ok, minute)).await.expect("record");
    }
    repo.record(&attempt(&other, false, 5)).await.expect("record");
    let failures = repo.recent_failures(&email, Some(HOME), 5).await.expect("failures");
    let times: Vec<_> = failures.iter().map(|(_, at)| *at).collect();
    assert_eq!(times, [t0 + Duration::minutes(4), t0 + Duration::minutes(3), t0 + Duration::minutes(2)]);
    assert_eq!(repo.recent_failures(&email, Some(HOME), 2).await.expect("failures").len(), 2);

    // Per address: another address's failures (and successes) are its own.
    let (away, elsewhere) = ("203.0.113.9", "2001:db8::7");
    repo.record(&attempt_from(Some(away), &email, false, 0)).await.expect("record");
    repo.record(&attempt_from(Some(elsewhere), &email, true, 5)).await.expect("record");
    repo.record(&attempt_from(None, &email, false, 5)).await.expect("record");
    let away_failures = repo.recent_failures(&email, Some(away), 5).await.expect("failures");
    assert_eq!(
        away_failures.iter().map(|(_, at)| *at).collect::<Vec<_>>(),
        [t0],
        "the success at home does not reset it"
    );
    assert_eq!(repo.recent_failures(&email, Some(HOME), 5).await.expect("failures").len(), 3, "nor does one elsewhere");
    assert_eq!(repo.recent_failures(&email, None, 5).await.expect("failures").len(), 1, "no address is a key too");
    assert!(repo.recent_failures(&email, Some(elsewhere), 5).await.expect("failures").is_empty());

    // Per email, any address, after a time: failures only, newest first, capped.
    let since = repo.failures_since(&email, t0 + Duration::minutes(2), 10).await.expect("since");
    assert_eq!(
        since,
        [t0 + Duration::minutes(5), t0 + Duration::minutes(4), t0 + Duration::minutes(3)],
        "strictly after"
    );
    assert_eq!(repo.failures_since(&email, t0 - Duration::minutes(1), 10).await.expect("since").len(), 6);
    assert_eq!(repo.failures_since(&email, t0 - Duration::minutes(1), 2).await.expect("since").len(), 2);
    assert_eq!(repo.failures_since(&other, t0, 10).await.expect("since"), [t0 + Duration::minutes(5)]);

    // Same instant: ordered by id, newest first. Marking one succeeded hides it and everything older.
    let same = t0 + Duration::minutes(6);
    let (a, b) = (
        LoginAttempt { at: same, ..attempt(&email, false, 0) },
        LoginAttempt { at: same, ..attempt(&email, false, 0) },
    );
    repo.record(&a).await.expect("record");
    repo.record(&b).await.expect("record");
    let newest: Vec<_> =
        repo.recent_failures(&email, Some(HOME), 2).await.expect("failures").into_iter().map(|(id, _)| id).collect();
    assert_eq!(newest, [b.id, a.id]);
    repo.mark_succeeded(a.id).await.expect("mark");
    let after: Vec<_> =
        repo.recent_failures(&email, Some(HOME), 5).await.expect("failures").into_iter().map(|(id, _)| id).collect();
    assert_eq!(after, [b.id], "only failures after the success remain");
    let nobody = EmailAddress::parse("none@example.com").expect("e");
    assert!(repo.recent_failures(&nobody, Some(HOME), 5).await.expect("f").is_empty());

    // Retention: attempts strictly older than the cut-off go, of every email and address.
    assert_eq!(repo.purge_before(t0 + Duration::minutes(2)).await.expect("purge"), 3);
    assert!(repo.recent_failures(&email, Some(away), 5).await.expect("failures").is_empty());
    assert_eq!(repo.failures_since(&email, t0 - Duration::minutes(1), 10).await.expect("since").len(), 5);
    assert_eq!(repo.purge_before(t0 + Duration::minutes(2)).await.expect("purge again"), 0);
}

/// Memberships: one tenant per user, listed per tenant only.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn memberships(tenants: &dyn TenantRepository, users: &dyn UserRepository, repo: &dyn MembershipRepository) {
    let t0 = now();
    let (a, b) = (tenant("A Co", t0), tenant("B Co", t0));
    tenants.insert(&a).await.expect("tenant");
    tenants.insert(&b).await.expect("tenant");
    let (owner, agent, other) = (user("owner@a.test"), user("agent@a.test"), user("owner@b.test"));
    for u in [&owner, &agent, &other] {
        users.insert(u).await.expect("user");
    }
    let m_owner = Membership::new(a.id, owner.id, Role::Owner, t0).expect("m");
    let m_agent = Membership::new(a.id, agent.id, Role::Agent, t0 + Duration::seconds(1)).expect("m");
    let m_other = Membership::new(b.id, other.id, Role::Owner, t0).expect("m");
    for m in [&m_owner, &m_agent, &m_other] {
        repo.insert(m).await.expect("membership");
    }

    let twice = Membership::new(b.id, owner.id, Role::Agent, t0).expect("m");
    assert!(matches!(repo.insert(&twice).await, Err(TenancyError::Duplicate { .. })));

    assert_eq!(repo.find_for_user(agent.id).await.expect("find"), Some(m_agent.clone()));
    assert_eq!(repo.find_for_user(UserId::new()).await.expect("find"), None);

    let page = repo.list_for_tenant(a.id, PageRequest::default()).await.expect("list");
    assert_eq!(page.total, 2, "tenant B's member must not appear in tenant A's list");
    assert_eq!(page.data, [m_owner.clone(), m_agent.clone()]);

    // Role changes and removals are scoped by tenant: tenant B cannot touch A's member.
    assert!(matches!(repo.update_role(b.id, agent.id, Role::Manager).await, Err(TenancyError::NotFound { .. })));
    repo.update_role(a.id, agent.id, Role::Manager).await.expect("role");
    assert_eq!(repo.find_for_user(agent.id).await.expect("find").map(|m| m.role), Some(Role::Manager));
    assert!(matches!(repo.remove(b.id, agent.id).await, Err(TenancyError::NotFound { .. })));
    repo.remove(a.id, agent.id).await.expect("remove");
    assert_eq!(repo.find_for_user(agent.id).await.expect("find"), None);
    assert!(matches!(repo.remove(a.id, agent.id).await, Err(TenancyError::NotFound { .. })));
}

/// Refresh tokens: families start with a login, rotation is single-use and
/// checks the family, revoking a family revokes only its tokens and forbids
/// issuing into it.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn refresh_tokens(users: &dyn UserRepository, repo: &dyn RefreshTokenRepository) {
    let owner = user("tokens@a.test");
    users.insert(&owner).await.expect("user");
    let t0 = now();
    let family = TokenFamilyId::new();
    let other_family = TokenFamilyId::new();
    let hash = |c: char| TokenHash::from_hex(&c.to_string().repeat(64)).expect("hex");
    let first = RefreshToken::issue(owner.id, family, hash('a'), t0);
    let unrelated = RefreshToken::issue(owner.id, other_family, hash('c'), t0);
    repo.start_family(&first).await.expect("start");
    repo.start_family(&unrelated).await.expect("start");
    let same_hash = RefreshToken::issue(owner.id, TokenFamilyId::new(), hash('a'), t0);
    assert!(matches!(repo.start_family(&same_hash).await, Err(TenancyError::Duplicate { .. })));
    let same_family = RefreshToken::issue(owner.id, family, hash('0'), t0);
    assert!(
        matches!(repo.start_family(&same_family).await, Err(TenancyError::Duplicate { .. })),
        "one start per family"
    );
    assert_eq!(repo.find_by_hash(&hash('a')).await.expect("find"), Some(first.clone()));
    assert_eq!(repo.find_by_hash(&hash('d')).await.expect("find"), None);

    // Rotation: single use, keeps the family's start (whatever the successor claims).
    let policy = crate::session::SessionPolicy::default();
    let later = t0 + Duration::days(3);
    let second = first.successor(hash('b'), later, policy);
    assert!(repo.rotate(first.id, &second, later).await.expect("rotate"));
    assert_eq!(repo.find_by_hash(&hash('a')).await.expect("find").expect("exists").revoked_at, Some(later));
    let stored = repo.find_by_hash(&hash('b')).await.expect("find").expect("stored");
    assert_eq!(stored, second);
    assert_eq!(stored.family_started_at, t0);
    let replay = first.successor(hash('e'), later, policy);
    assert!(!repo.rotate(first.id, &replay, later).await.expect("rotate twice"), "a used token rotates once");
    assert_eq!(repo.find_by_hash(&hash('e')).await.expect("find"), None, "nothing stored for the loser");

    let at = t0 + Duration::days(4);
    assert_eq!(repo.revoke_family(family, at).await.expect("revoke"), 1, "only the live token");
    assert_eq!(repo.revoke_family(family, at).await.expect("revoke again"), 0, "already revoked");
    assert_eq!(repo.find_by_hash(&hash('b')).await.expect("find").expect("exists").revoked_at, Some(at));
    assert!(
        repo.find_by_hash(&hash('c')).await.expect("find").expect("exists").is_usable(at),
        "other family untouched"
    );
    // A revoked token never rotates again (the service treats that as reuse).
    let mut stale = second.clone();
    stale.revoked_at = None;
    let after_revocation = stale.successor(hash('f'), at, policy);
    assert!(!repo.rotate(second.id, &after_revocation, at).await.expect("rotate"));
    assert_eq!(repo.find_by_hash(&hash('f')).await.expect("find"), None);

    // Revoking other families keeps the named one, and those families stay closed.
    let keep_family = TokenFamilyId::new();
    let kept = RefreshToken::issue(owner.id, keep_family, hash('1'), t0);
    let dropped = RefreshToken::issue(owner.id, TokenFamilyId::new(), hash('2'), t0);
    repo.start_family(&kept).await.expect("start");
    repo.start_family(&dropped).await.expect("start");
    // Live tokens of the user outside keep_family: 'c' (other_family) and '2'.
    assert_eq!(repo.revoke_other_families(owner.id, Some(keep_family), at).await.expect("revoke others"), 2);
    assert!(repo.find_by_hash(&hash('1')).await.expect("find").expect("exists").is_usable(at));
    assert!(!repo.find_by_hash(&hash('2')).await.expect("find").expect("exists").is_usable(at));
    let mut reopened = dropped.clone();
    reopened.revoked_at = None;
    assert!(!repo.rotate(dropped.id, &reopened.successor(hash('3'), at, policy), at).await.expect("rotate"));
    assert!(repo.rotate(kept.id, &kept.successor(hash('4'), at, policy), at).await.expect("kept family rotates"));

    // Purge: only tokens whose expiry is before the cut-off go (with families left empty).
    let mut old = RefreshToken::issue(owner.id, TokenFamilyId::new(), hash('5'), t0 - Duration::days(30));
    old.expires_at = t0 - Duration::days(23);
    repo.start_family(&old).await.expect("start");
    assert_eq!(repo.purge_expired(t0).await.expect("purge"), 1);
    assert_eq!(repo.find_by_hash(&hash('5')).await.expect("find"), None);
    assert!(repo.find_by_hash(&hash('a')).await.expect("find").is_some(), "unexpired tokens stay");
    assert!(repo.find_by_hash(&hash('4')).await.expect("find").expect("exists").is_usable(at));
}

/// Theft detection under a race: `parallel` rotations of one token at once,
/// each loser revoking the family as the auth service does. At most one
/// rotation wins, and afterwards no token of the family is live — including
/// the winner's freshly issued one. Runs `rounds` times, one family each.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn refresh_token_races(
    users: &dyn UserRepository,
    repo: &dyn RefreshTokenRepository,
    parallel: usize,
    rounds: usize,
) {
    let owner = user("racer@a.test");
    users.insert(&owner).await.expect("user");
    let policy = crate::session::SessionPolicy::default();
    for round in 0..rounds {
        let t0 = now();
        let family = TokenFamilyId::new();
        let token_hash = |n: usize| TokenHash::from_hex(&format!("{round:08x}{n:056x}")).expect("hex");
        let stolen = RefreshToken::issue(owner.id, family, token_hash(usize::MAX >> 8), t0);
        repo.start_family(&stolen).await.expect("start");
        let successors: Vec<_> = (0..parallel).map(|n| stolen.successor(token_hash(n), t0, policy)).collect();
        let outcomes = join_all(successors.iter().map(|next| async {
            let won = repo.rotate(stolen.id, next, t0).await.expect("rotate");
            if !won {
                repo.revoke_family(family, t0).await.expect("revoke family");
            }
            won
        }))
        .await;
        let winners = outcomes.iter().filter(|won| **won).count();
        assert!(winners <= 1, "round {round}: {winners} rotations of one token won");
        assert!(winners < parallel, "round {round}: someone lost, so the family was revoked");
        for (n, next) in successors.iter().enumerate() {
            if let Some(stored) = repo.find_by_hash(&next.token_hash).await.expect("find") {
                assert!(stored.revoked_at.is_some(), "round {round}: successor {n} is live after reuse was detected");
                let mut probe = stored.clone();
                probe.revoked_at = None;
                let again = probe.successor(token_hash(parallel + n), t0, policy);
                assert!(
                    !repo.rotate(stored.id, &again, t0).await.expect("rotate"),
                    "round {round}: successor {n} rotates"
                );
            }
        }
        assert!(repo.find_by_hash(&stolen.token_hash).await.expect("find").expect("exists").revoked_at.is_some());
    }
}

/// Polls every future to completion concurrently on the current task (the
/// suites do not depend on a runtime; the adapters' I/O still overlaps).
async fn join_all<F: std::future::Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    let mut pending: Vec<_> = futures.into_iter().map(|f| Some(Box::pin(f))).collect();
    let mut outputs: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (slot, output) in pending.iter_mut().zip(outputs.iter_mut()) {
            if let Some(future) = slot {
                match future.as_mut().poll(cx) {
                    std::task::Poll::Ready(value) => {
                        *output = Some(value);
                        *slot = None;
                    }
                    std::task::Poll::Pending => done = false,
                }
            }
        }
        if done { std::task::Poll::Ready(()) } else { std::task::Poll::Pending }
    })
    .await;
    outputs.into_iter().map(|o| o.expect("every future completed")).collect()
}

/// Tenant lifecycle: creating with an owner is atomic, update, delete cascades memberships.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn tenant_lifecycle(
    tenants: &dyn TenantRepository,
    users: &dyn UserRepository,
    memberships: &dyn MembershipRepository,
) {
    let t0 = now();
    let owner = user("lifecycle-owner@a.test");
    users.insert(&owner).await.expect("user");
    let first = tenant("Lifecycle Co", t0);
    let owned = Membership::new(first.id, owner.id, Role::Owner, t0).expect("m");
    tenants.create_with_owner(&first, Some(&owned)).await.expect("create");
    assert_eq!(memberships.find_for_user(owner.id).await.expect("find"), Some(owned));

    // A second tenant for the same owner fails whole: no orphan tenant is left.
    let second = tenant("Orphan Co", t0);
    let again = Membership::new(second.id, owner.id, Role::Owner, t0).expect("m");
    assert!(matches!(tenants.create_with_owner(&second, Some(&again)).await, Err(TenancyError::Duplicate { .. })));
    assert!(matches!(tenants.get(second.id).await, Err(TenancyError::NotFound { .. })), "rolled back");

    let ownerless = tenant("Admin Made Co", t0);
    tenants.create_with_owner(&ownerless, None).await.expect("ownerless");

    let mut renamed = first.clone();
    renamed.name = crate::values::TenantName::parse("Renamed Co").expect("name");
    renamed.updated_at = t0 + Duration::seconds(5);
    tenants.update(&renamed).await.expect("update");
    assert_eq!(tenants.get(first.id).await.expect("get"), renamed);
    assert!(matches!(tenants.update(&tenant("Ghost", t0)).await, Err(TenancyError::NotFound { .. })));

    tenants.delete(first.id).await.expect("delete");
    assert!(matches!(tenants.get(first.id).await, Err(TenancyError::NotFound { .. })));
    assert_eq!(memberships.find_for_user(owner.id).await.expect("find"), None, "members return to onboarding");
    assert!(matches!(tenants.delete(first.id).await, Err(TenancyError::NotFound { .. })));
    assert!(tenants.get(ownerless.id).await.is_ok(), "other tenants untouched");
}

/// Invitations: found by code hash; accepting marks used and adds the member atomically, once.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn invitations(
    tenants: &dyn TenantRepository,
    users: &dyn UserRepository,
    memberships: &dyn MembershipRepository,
    repo: &dyn crate::ports::InvitationRepository,
) {
    use crate::invitation::Invitation;
    let t0 = now();
    let owner = user("inv-owner@a.test");
    let invitee = user("invitee@a.test");
    users.insert(&owner).await.expect("user");
    users.insert(&invitee).await.expect("user");
    let company = tenant("Inviting Co", t0);
    tenants
        .create_with_owner(&company, Some(&Membership::new(company.id, owner.id, Role::Owner, t0).expect("m")))
        .await
        .expect("tenant");

    let hash = |c: char| TokenHash::from_hex(&c.to_string().repeat(64)).expect("hex");
    let invitation =
        Invitation::new(company.id, invitee.email.clone(), Role::Agent, hash('9'), owner.id, t0).expect("inv");
    repo.insert(&invitation).await.expect("insert");
    assert_eq!(repo.find_by_code(&hash('9')).await.expect("find"), Some(invitation.clone()));
    assert_eq!(repo.find_by_code(&hash('8')).await.expect("find"), None);

    let joined = Membership::new(company.id, invitee.id, Role::Agent, t0).expect("m");
    assert!(repo.accept(invitation.id, &joined, t0).await.expect("accept"));
    assert_eq!(memberships.find_for_user(invitee.id).await.expect("find"), Some(joined.clone()));
    assert_eq!(repo.find_by_code(&hash('9')).await.expect("find").expect("exists").used_at, Some(t0));
    assert!(!repo.accept(invitation.id, &joined, t0).await.expect("accept again"), "single use");

    // An invitee who already belongs somewhere: the invitation stays unused.
    let second = Invitation::new(company.id, owner.email.clone(), Role::Manager, hash('7'), owner.id, t0).expect("inv");
    repo.insert(&second).await.expect("insert");
    let dup = Membership::new(company.id, owner.id, Role::Manager, t0).expect("m");
    assert!(matches!(repo.accept(second.id, &dup, t0).await, Err(TenancyError::Duplicate { .. })));
    assert_eq!(repo.find_by_code(&hash('7')).await.expect("find").expect("exists").used_at, None, "rolled back");
}

/// The audit trail: entries round-trip, newest first, filtered by tenant.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn audit_log(log: &dyn crate::audit::AuditLog) {
    use crate::audit::{AuditAction, AuditEntry};
    let t0 = now();
    let client = crate::auth::ClientInfo { ip: Some("198.51.100.4".into()), user_agent: Some("contract".into()) };
    let tenant = TenantId::new();
    let actor = UserId::new();
    let first = AuditEntry::new(AuditAction::SubAccountCreated, Some(actor), &client, t0).tenant(tenant).target("Acme");
    let second =
        AuditEntry::new(AuditAction::LoginFailed, None, &client, t0 + Duration::seconds(1)).target("x@example.com");
    let third =
        AuditEntry::new(AuditAction::RoleChanged, Some(actor), &client, t0 + Duration::seconds(2)).tenant(tenant);
    for entry in [&first, &second, &third] {
        log.record(entry).await.expect("record");
    }
    assert_eq!(log.recent(Some(tenant), 10).await.expect("recent"), [third.clone(), first]);
    assert_eq!(log.recent(None, 2).await.expect("recent"), [third.clone(), second]);

    // Retention: only entries strictly older than the cut-off go.
    assert_eq!(log.purge_before(t0 + Duration::seconds(2)).await.expect("purge"), 2);
    assert_eq!(log.recent(None, 10).await.expect("recent"), [third]);
    assert_eq!(log.purge_before(t0).await.expect("purge again"), 0);
}
