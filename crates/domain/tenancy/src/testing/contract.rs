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

/// Login attempts: failures since the last success, newest first, capped.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn login_attempts(repo: &dyn crate::ports::LoginAttemptRepository) {
    use crate::ports::LoginAttempt;
    let email = EmailAddress::parse("locked@example.com").expect("email");
    let other = EmailAddress::parse("other@example.com").expect("email");
    let t0 = now();
    let attempt = |email: &EmailAddress, succeeded: bool, minutes: i64| LoginAttempt {
        id: crate::ports::LoginAttemptId::new(),
        email: email.clone(),
        succeeded,
        ip: Some("127.0.0.1".into()),
        user_agent: Some("contract".into()),
        at: t0 + Duration::minutes(minutes),
    };
    for (ok, minute) in [(false, 0), (true, 1), (false, 2), (false, 3), (false, 4)] {
        repo.record(&attempt(&email, ok, minute)).await.expect("record");
    }
    repo.record(&attempt(&other, false, 5)).await.expect("record");
    let failures = repo.recent_failures(&email, 5).await.expect("failures");
    let times: Vec<_> = failures.iter().map(|(_, at)| *at).collect();
    assert_eq!(times, [t0 + Duration::minutes(4), t0 + Duration::minutes(3), t0 + Duration::minutes(2)]);
    assert_eq!(repo.recent_failures(&email, 2).await.expect("failures").len(), 2);

    // Same instant: ordered by id, newest first. Marking one succeeded hides it and everything older.
    let same = t0 + Duration::minutes(6);
    let (a, b) = (
        LoginAttempt { at: same, ..attempt(&email, false, 0) },
        LoginAttempt { at: same, ..attempt(&email, false, 0) },
    );
    repo.record(&a).await.expect("record");
    repo.record(&b).await.expect("record");
    let newest: Vec<_> =
        repo.recent_failures(&email, 2).await.expect("failures").into_iter().map(|(id, _)| id).collect();
    assert_eq!(newest, [b.id, a.id]);
    repo.mark_succeeded(a.id).await.expect("mark");
    let after: Vec<_> =
        repo.recent_failures(&email, 5).await.expect("failures").into_iter().map(|(id, _)| id).collect();
    assert_eq!(after, [b.id], "only failures after the success remain");
    assert!(repo.recent_failures(&EmailAddress::parse("none@example.com").expect("e"), 5).await.expect("f").is_empty());
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

/// Refresh tokens: found by hash; revoking a family revokes only its live tokens.
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
    let second = RefreshToken::issue(owner.id, family, hash('b'), t0);
    let unrelated = RefreshToken::issue(owner.id, other_family, hash('c'), t0);
    for t in [&first, &second, &unrelated] {
        repo.insert(t).await.expect("insert");
    }
    assert!(matches!(repo.insert(&first).await, Err(TenancyError::Duplicate { .. })));
    assert_eq!(repo.find_by_hash(&hash('a')).await.expect("find"), Some(first.clone()));
    assert_eq!(repo.find_by_hash(&hash('d')).await.expect("find"), None);

    let at = t0 + Duration::minutes(5);
    assert_eq!(repo.revoke_family(family, at).await.expect("revoke"), 2);
    assert_eq!(repo.revoke_family(family, at).await.expect("revoke again"), 0, "already revoked");
    let revoked = repo.find_by_hash(&hash('b')).await.expect("find").expect("exists");
    assert_eq!(revoked.revoked_at, Some(at));
    let untouched = repo.find_by_hash(&hash('c')).await.expect("find").expect("exists");
    assert!(untouched.is_usable(at));

    // Single revocation succeeds once; revoking other families keeps the named one.
    let single = RefreshToken::issue(owner.id, TokenFamilyId::new(), hash('f'), t0);
    repo.insert(&single).await.expect("insert");
    assert!(repo.revoke(single.id, at).await.expect("revoke"));
    assert!(!repo.revoke(single.id, at).await.expect("revoke twice"), "second revocation loses");
    let keep_family = TokenFamilyId::new();
    repo.insert(&RefreshToken::issue(owner.id, keep_family, hash('1'), t0)).await.expect("insert");
    repo.insert(&RefreshToken::issue(owner.id, TokenFamilyId::new(), hash('2'), t0)).await.expect("insert");
    // Live tokens of the user outside keep_family: 'c' (other_family) and '2'.
    assert_eq!(repo.revoke_other_families(owner.id, Some(keep_family), at).await.expect("revoke others"), 2);
    assert!(repo.find_by_hash(&hash('1')).await.expect("find").expect("exists").is_usable(at));
    assert!(!repo.find_by_hash(&hash('2')).await.expect("find").expect("exists").is_usable(at));

    // Purge: only tokens whose expiry is before the cut-off go.
    let mut old = RefreshToken::issue(owner.id, TokenFamilyId::new(), hash('e'), t0 - Duration::days(30));
    old.expires_at = t0 - Duration::days(23);
    repo.insert(&old).await.expect("insert");
    assert_eq!(repo.purge_expired(t0).await.expect("purge"), 1);
    assert_eq!(repo.find_by_hash(&hash('e')).await.expect("find"), None);
    assert!(repo.find_by_hash(&hash('a')).await.expect("find").is_some(), "unexpired tokens stay");
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
    assert_eq!(log.recent(None, 2).await.expect("recent"), [third, second]);
}
