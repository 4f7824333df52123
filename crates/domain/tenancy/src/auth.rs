//! Authentication use cases: sign-up, login with lockout, refresh-token
//! rotation with reuse detection, logout and password change.
//!
//! A session is a 15-minute access token (claims signed by the
//! [`TokenSigner`]) plus a 7-day opaque refresh token of which only the
//! hash is stored. Each login starts a token *family*; refreshing revokes
//! the presented token and issues the next one in the same family, in one
//! atomic step of the repository. Presenting a revoked token means it was
//! copied: the whole family is revoked (the thief and the victim both have
//! to log in again), and because rotation checks the family, no token of it
//! answers again — even one issued by a rotation racing the detection.
//! Refreshing never extends a session past [`SessionPolicy::absolute_lifetime`]
//! from its login.

use crate::audit::{self, AuditAction, AuditEntry, AuditLog};
use crate::error::{Result, TenancyError};
use crate::lockout::LockoutPolicy;
use crate::membership::Membership;
use crate::ports::{
    AccessClaims, IssuedRefreshToken, MembershipRepository, PasswordHasher, RefreshTokenGenerator,
    RefreshTokenRepository, TokenSigner, UserRepository,
};
use crate::ports::{LoginAttempt, LoginAttemptId, LoginAttemptRepository};
use crate::session::{RefreshToken, SessionPolicy, TokenFamilyId};
use crate::user::{NewUser, User};
use crate::values::{EmailAddress, Password};
use frontdesk_kernel::{Clock, UserId, ValidationErrors};
use std::sync::Arc;

/// Who is calling, for the lockout rule and the audit trail.
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    /// The client address: the socket peer, or what a trusted proxy reported for it.
    pub ip: Option<String>,
    /// The User-Agent header (truncated to 256 characters).
    pub user_agent: Option<String>,
}

/// Access tokens live 15 minutes.
pub const ACCESS_TOKEN_SECONDS: i64 = 15 * 60;

/// A signed-in user and their tokens. `Debug` omits the access token.
pub struct Session {
    /// The account.
    pub user: User,
    /// Their sub-account membership; `None` while onboarding.
    pub membership: Option<Membership>,
    /// The signed access token.
    pub access_token: String,
    /// The refresh token (shown once).
    pub refresh_token: IssuedRefreshToken,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("user", &self.user.id)
            .field("membership", &self.membership)
            .field("refresh_token", &self.refresh_token)
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

/// The ports authentication needs.
#[derive(Clone)]
pub struct AuthService {
    users: Arc<dyn UserRepository>,
    memberships: Arc<dyn MembershipRepository>,
    refresh_tokens: Arc<dyn RefreshTokenRepository>,
    hasher: Arc<dyn PasswordHasher>,
    signer: Arc<dyn TokenSigner>,
    generator: Arc<dyn RefreshTokenGenerator>,
    attempts: Arc<dyn LoginAttemptRepository>,
    lockout: LockoutPolicy,
    sessions: SessionPolicy,
    audit: Arc<dyn AuditLog>,
    clock: Arc<dyn Clock>,
}

/// The adapters an [`AuthService`] is built from.
pub struct AuthPorts {
    /// Accounts.
    pub users: Arc<dyn UserRepository>,
    /// Memberships.
    pub memberships: Arc<dyn MembershipRepository>,
    /// Refresh-token hashes.
    pub refresh_tokens: Arc<dyn RefreshTokenRepository>,
    /// Password hashing.
    pub hasher: Arc<dyn PasswordHasher>,
    /// Access-token signing.
    pub signer: Arc<dyn TokenSigner>,
    /// Refresh-token generation.
    pub generator: Arc<dyn RefreshTokenGenerator>,
    /// Login attempts (lockout and audit).
    pub attempts: Arc<dyn LoginAttemptRepository>,
    /// The lockout thresholds.
    pub lockout: LockoutPolicy,
    /// Session lifetimes.
    pub sessions: SessionPolicy,
    /// The audit trail.
    pub audit: Arc<dyn AuditLog>,
    /// Time.
    pub clock: Arc<dyn Clock>,
}

impl AuthService {
    /// Builds the service from its ports.
    #[must_use]
    pub fn new(ports: AuthPorts) -> Self {
        let AuthPorts {
            users,
            memberships,
            refresh_tokens,
            hasher,
            signer,
            generator,
            attempts,
            lockout,
            sessions,
            audit,
            clock,
        } = ports;
        Self {
            users,
            memberships,
            refresh_tokens,
            hasher,
            signer,
            generator,
            attempts,
            lockout,
            sessions,
            audit,
            clock,
        }
    }

    /// Signs up a business user (who starts in onboarding, with no sub-account) and signs them in.
    ///
    /// # Errors
    /// `Validation` listing every bad field (nothing is stored), `Duplicate { field: "email" }`
    /// when the email is taken (also under a concurrent sign-up), `Storage`/`Internal`.
    pub async fn register(&self, input: NewUser, client: &ClientInfo) -> Result<Session> {
        let sign_up = input.validate()?;
        // Cheap early answer before the deliberately slow hash; the unique index still decides races.
        if self.users.find_by_email(&sign_up.email).await?.is_some() {
            return Err(TenancyError::Duplicate { field: "email" });
        }
        let hash = self.hasher.hash(&sign_up.password).await?;
        let user = User::new_user(&sign_up, hash, self.clock.now());
        self.users.insert(&user).await?;
        let entry = AuditEntry::new(AuditAction::SignUp, Some(user.id), client, user.created_at);
        audit::append(self.audit.as_ref(), entry.target(user.email.as_str())).await;
        self.start_session(user, TokenFamilyId::new()).await
    }

    /// Creates a platform admin (`admin` or `super_admin`) and signs them in.
    /// The caller has checked the admin bootstrap code (or runs on the server's command line).
    ///
    /// # Errors
    /// As [`Self::register`], plus `Validation` for a tenant role.
    pub async fn register_admin(
        &self,
        input: NewUser,
        role: frontdesk_kernel::Role,
        client: &ClientInfo,
    ) -> Result<Session> {
        let sign_up = input.validate()?;
        if self.users.find_by_email(&sign_up.email).await?.is_some() {
            return Err(TenancyError::Duplicate { field: "email" });
        }
        let hash = self.hasher.hash(&sign_up.password).await?;
        let admin = User::new_admin(&sign_up, hash, role, self.clock.now())?;
        self.users.insert(&admin).await?;
        tracing::info!(user.id = %admin.id, role = %role, "admin account created");
        let entry = AuditEntry::new(AuditAction::AdminCreated, Some(admin.id), client, admin.created_at);
        audit::append(self.audit.as_ref(), entry.target(role.as_str())).await;
        self.start_session(admin, TokenFamilyId::new()).await
    }

    /// Checks email and password and signs in.
    ///
    /// # Errors
    /// `Validation` for a malformed email or empty password, `Locked` while the
    /// email is locked for this client address (and on the failure that locks
    /// it), `Throttled` while the email has too many recent failures from all
    /// addresses, `InvalidCredentials` for a wrong password or an unknown email
    /// alike, `Storage`/`Internal`.
    pub async fn login(&self, email: &str, password: &str, client: &ClientInfo) -> Result<Session> {
        let mut errors = ValidationErrors::new();
        let email = errors.check("email", EmailAddress::parse(email));
        if password.is_empty() {
            errors.add("password", "is required");
        }
        errors.into_result()?;
        let Some(email) = email else { return Err(TenancyError::InvalidCredentials) };

        let now = self.clock.now();
        let ip = client.ip.as_deref();
        let max = self.lockout.max_failures;
        let window_start = now - self.lockout.window;
        let times = |failures: &[(LoginAttemptId, chrono::DateTime<chrono::Utc>)]| -> Vec<_> {
            failures.iter().map(|(_, at)| *at).collect()
        };
        let settled = self.attempts.recent_failures(&email, ip, max).await?;
        if let Some(until) = self.lockout.locked_until(&times(&settled), now) {
            return Err(TenancyError::Locked { until });
        }
        let ceiling = self.lockout.email_ceiling;
        let email_failures = self.attempts.failures_since(&email, window_start, ceiling).await?;
        if let Some(until) = self.lockout.throttled_until(&email_failures, now) {
            return Err(TenancyError::Throttled { until });
        }
        // Reserve: the attempt counts as a failure until the password is proven,
        // so concurrent guesses (bcrypt takes ~0.3 s) see each other. Only the
        // first `max` reservations since the last success get a password check.
        let attempt = LoginAttempt {
            id: LoginAttemptId::new(),
            email: email.clone(),
            succeeded: false,
            ip: client.ip.clone(),
            user_agent: client.user_agent.clone(),
            at: now,
        };
        self.attempts.record(&attempt).await?;
        let in_flight = self.attempts.recent_failures(&email, ip, max.saturating_mul(4).max(1)).await?;
        // Failures older than this attempt that still count (inside the window; the
        // failures behind an expired lock are older than the window by construction).
        let older = in_flight
            .iter()
            .position(|(id, _)| *id == attempt.id)
            .map(|p| in_flight[p + 1..].iter().filter(|(_, at)| *at > window_start).count());
        let user = self.users.find_by_email(&email).await?;
        let matches = match (older, &user) {
            (Some(older), Some(user)) if older < max => self.hasher.verify(password, &user.password_hash).await?,
            (Some(older), None) if older < max => self.hasher.dummy_verify(password).await?,
            _ => false, // more guesses in flight than the rule allows: refused unchecked
        };
        match user {
            Some(user) if matches => {
                self.attempts.mark_succeeded(attempt.id).await?;
                let entry = AuditEntry::new(AuditAction::LoginSucceeded, Some(user.id), client, now);
                audit::append(self.audit.as_ref(), entry.target(email.as_str())).await;
                self.start_session(user, TokenFamilyId::new()).await
            }
            user => {
                let actor = user.map(|u| u.id);
                let entry = AuditEntry::new(AuditAction::LoginFailed, actor, client, now).target(email.as_str());
                audit::append(self.audit.as_ref(), entry).await;
                let failures = times(&self.attempts.recent_failures(&email, ip, max).await?);
                let until = self.lockout.locked_until(&failures, now).or_else(|| {
                    // Refused unchecked (too many in flight): lock as if those had failed.
                    older.is_none_or(|older| older >= max).then(|| now + self.lockout.lock_for)
                });
                if let Some(until) = until {
                    tracing::warn!(ip = ?client.ip, "login locked after repeated failures");
                    let entry = AuditEntry::new(AuditAction::LockedOut, actor, client, now).target(email.as_str());
                    audit::append(self.audit.as_ref(), entry).await;
                    return Err(TenancyError::Locked { until });
                }
                Err(TenancyError::InvalidCredentials)
            }
        }
    }

    /// Exchanges a refresh token for a new pair (rotation).
    ///
    /// # Errors
    /// `InvalidToken` for an unknown, expired or revoked token; a revoked one
    /// (or one a concurrent rotation consumed first) also revokes its whole
    /// family (reuse means theft). `SessionExpired` once the session is older
    /// than its absolute lifetime.
    pub async fn refresh(&self, presented: &str) -> Result<Session> {
        let now = self.clock.now();
        let hash = self.generator.hash(presented);
        let record = self.refresh_tokens.find_by_hash(&hash).await?.ok_or(TenancyError::InvalidToken)?;
        if record.revoked_at.is_some() {
            let revoked = self.refresh_tokens.revoke_family(record.family_id, now).await?;
            tracing::warn!(user.id = %record.user_id, revoked, "revoked refresh token presented again; family revoked");
            return Err(TenancyError::InvalidToken);
        }
        if now >= record.session_ends_at(self.sessions) {
            return Err(TenancyError::SessionExpired);
        }
        if now >= record.expires_at {
            return Err(TenancyError::InvalidToken);
        }
        let user = self.users.get(record.user_id).await?;
        let (refresh_token, next_hash) = self.generator.generate()?;
        let next = record.successor(next_hash, now, self.sessions);
        // Consume and issue in one step: of concurrent rotations only one wins,
        // and none can issue into a family that reuse detection has revoked.
        if !self.refresh_tokens.rotate(record.id, &next, now).await? {
            self.refresh_tokens.revoke_family(record.family_id, now).await?;
            tracing::warn!(user.id = %record.user_id, "concurrent reuse of a refresh token; family revoked");
            return Err(TenancyError::InvalidToken);
        }
        self.session_for(user, record.family_id, refresh_token, now).await
    }

    /// Ends the session the refresh token belongs to, if it is `user_id`'s.
    /// Unknown or foreign tokens are ignored: logout always succeeds and reveals nothing.
    ///
    /// # Errors
    /// `Storage`.
    pub async fn logout(&self, user_id: UserId, presented: &str) -> Result<()> {
        let hash = self.generator.hash(presented);
        if let Some(record) = self.refresh_tokens.find_by_hash(&hash).await?
            && record.user_id == user_id
        {
            self.refresh_tokens.revoke_family(record.family_id, self.clock.now()).await?;
        }
        Ok(())
    }

    /// Changes the password after checking the current one, and ends every
    /// other session of the user (`keep` is the caller's own session).
    ///
    /// # Errors
    /// `Validation` (new password policy), `InvalidCredentials` (wrong current password), `Storage`.
    pub async fn change_password(
        &self,
        user_id: UserId,
        current: &str,
        new: &str,
        keep: Option<TokenFamilyId>,
        client: &ClientInfo,
    ) -> Result<()> {
        let mut errors = ValidationErrors::new();
        if current.is_empty() {
            errors.add("currentPassword", "is required");
        }
        let new = errors.check("newPassword", Password::parse(new));
        errors.into_result()?;
        let Some(new) = new else { return Err(TenancyError::InvalidCredentials) };
        let user = self.users.get(user_id).await?;
        if !self.hasher.verify(current, &user.password_hash).await? {
            return Err(TenancyError::InvalidCredentials);
        }
        let now = self.clock.now();
        let hash = self.hasher.hash(&new).await?;
        self.users.update_password(user_id, &hash, now).await?;
        let revoked = self.refresh_tokens.revoke_other_families(user_id, keep, now).await?;
        tracing::info!(user.id = %user_id, revoked, "password changed; other sessions revoked");
        audit::append(self.audit.as_ref(), AuditEntry::new(AuditAction::PasswordChanged, Some(user_id), client, now))
            .await;
        Ok(())
    }

    /// The account behind an access token, with its membership.
    ///
    /// # Errors
    /// `NotFound` when the account was deleted, `Storage`.
    pub async fn current_user(&self, user_id: UserId) -> Result<(User, Option<Membership>)> {
        let user = self.users.get(user_id).await?;
        let membership = self.memberships.find_for_user(user_id).await?;
        Ok((user, membership))
    }

    /// Verifies an access token.
    ///
    /// # Errors
    /// `InvalidToken`.
    pub fn verify_access(&self, token: &str) -> Result<AccessClaims> {
        self.signer.verify(token)
    }

    /// Signs `user` in: starts a new token family and issues its first refresh token with an access token.
    ///
    /// # Errors
    /// `Storage`/`Internal` when the membership lookup, signing or storing fails.
    pub async fn start_session(&self, user: User, family: TokenFamilyId) -> Result<Session> {
        let now = self.clock.now();
        let (refresh_token, hash) = self.generator.generate()?;
        let first = RefreshToken::issue(user.id, family, hash, now).capped(self.sessions);
        self.refresh_tokens.start_family(&first).await?;
        self.session_for(user, family, refresh_token, now).await
    }

    /// The access token for `user` in `family`, with the already stored `refresh_token`.
    async fn session_for(
        &self,
        user: User,
        family: TokenFamilyId,
        refresh_token: IssuedRefreshToken,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Session> {
        let membership = self.memberships.find_for_user(user.id).await?;
        let claims = AccessClaims {
            sub: user.id,
            account_type: user.account_type,
            role: membership.as_ref().map(|m| m.role).or(user.admin_role),
            sub_account_id: membership.as_ref().map(|m| m.tenant_id),
            jti: uuid::Uuid::now_v7().to_string(),
            sid: Some(family),
            iat: now.timestamp(),
            exp: now.timestamp() + ACCESS_TOKEN_SECONDS,
        };
        let access_token = self.signer.sign(&claims)?;
        Ok(Session { user, membership, access_token, refresh_token, expires_in: ACCESS_TOKEN_SECONDS })
    }
}

#[cfg(all(test, feature = "testing"))]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;
    use crate::testing::{
        FakeSigner, InMemoryAuditLog, InMemoryLoginAttempts, InMemoryMemberships, InMemoryRefreshTokens, InMemoryUsers,
        PlainTextHasher, SequentialTokens,
    };
    use crate::values::EmailAddress;
    use frontdesk_kernel::AccountType;
    use frontdesk_kernel::testing::ManualClock;

    struct Fixture {
        service: AuthService,
        users: Arc<InMemoryUsers>,
        tokens: Arc<InMemoryRefreshTokens>,
        clock: Arc<ManualClock>,
        audit: Arc<InMemoryAuditLog>,
    }

    fn fixture() -> Fixture {
        let users = Arc::new(InMemoryUsers::default());
        let tokens = Arc::new(InMemoryRefreshTokens::default());
        let clock = Arc::new(ManualClock::at(chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap()));
        let audit = Arc::new(InMemoryAuditLog::default());
        let service = AuthService::new(AuthPorts {
            users: users.clone(),
            memberships: Arc::new(InMemoryMemberships::default()),
            refresh_tokens: tokens.clone(),
            hasher: Arc::new(PlainTextHasher),
            signer: Arc::new(FakeSigner),
            generator: Arc::new(SequentialTokens::default()),
            attempts: Arc::new(InMemoryLoginAttempts::default()),
            lockout: LockoutPolicy::default(),
            sessions: SessionPolicy::default(),
            audit: audit.clone(),
            clock: clock.clone(),
        });
        Fixture { service, users, tokens, clock, audit }
    }

    fn sign_up(email: &str) -> NewUser {
        NewUser { email: email.into(), password: "Secret123".into(), name: "Ana".into() }
    }

    #[tokio::test]
    async fn register_stores_the_user_and_a_hashed_refresh_token_and_signs_onboarding_claims() {
        let f = fixture();
        let session = f.service.register(sign_up("Ana@Example.com"), &client()).await.unwrap();
        let stored = f.users.find_by_email(&EmailAddress::parse("ana@example.com").unwrap()).await.unwrap().unwrap();
        assert_eq!(stored.id, session.user.id);
        assert_ne!(stored.password_hash.as_str(), "Secret123", "the hasher ran");

        let claims = FakeSigner.verify(&session.access_token).unwrap();
        assert_eq!(claims.sub, session.user.id);
        assert_eq!(claims.account_type, AccountType::User);
        assert_eq!((claims.role, claims.sub_account_id), (None, None), "onboarding: no role, no sub-account");
        assert_eq!(claims.exp - claims.iat, ACCESS_TOKEN_SECONDS);

        let hash = SequentialTokens::hash_of(session.refresh_token.expose());
        let record = f.tokens.find_by_hash(&hash).await.unwrap().expect("refresh token stored by hash");
        assert_eq!(record.user_id, session.user.id);
    }

    #[tokio::test]
    async fn register_rejects_a_taken_email_case_insensitively() {
        let f = fixture();
        f.service.register(sign_up("ana@example.com"), &client()).await.unwrap();
        let err = f.service.register(sign_up("ANA@example.com"), &client()).await.unwrap_err();
        assert!(matches!(err, TenancyError::Duplicate { field: "email" }), "{err:?}");
    }

    #[tokio::test]
    async fn register_lists_every_bad_field_and_stores_nothing() {
        let f = fixture();
        let err = f
            .service
            .register(NewUser { email: "nope".into(), password: "short".into(), name: " ".into() }, &client())
            .await
            .unwrap_err();
        let TenancyError::Validation(errors) = err else { panic!("expected validation errors") };
        assert_eq!(errors.errors().len(), 3);
        assert!(f.users.find_by_email(&EmailAddress::parse("nope@x.io").unwrap()).await.unwrap().is_none());
    }

    fn client() -> ClientInfo {
        ClientInfo { ip: Some("203.0.113.7".into()), user_agent: Some("test".into()) }
    }

    #[tokio::test]
    async fn login_answers_the_same_error_for_a_wrong_password_and_an_unknown_email() {
        let f = fixture();
        f.service.register(sign_up("ana@example.com"), &client()).await.unwrap();
        let wrong = f.service.login("ana@example.com", "Wrong1234", &client()).await.unwrap_err();
        let unknown = f.service.login("bob@example.com", "Secret123", &client()).await.unwrap_err();
        assert!(matches!(wrong, TenancyError::InvalidCredentials));
        assert!(matches!(unknown, TenancyError::InvalidCredentials));
        assert!(f.service.login("ANA@example.com", "Secret123", &client()).await.is_ok());
    }

    #[tokio::test]
    async fn five_failures_lock_the_email_for_thirty_minutes_and_a_success_resets_the_count() {
        let f = fixture();
        f.service.register(sign_up("ana@example.com"), &client()).await.unwrap();
        for _ in 0..3 {
            f.service.login("ana@example.com", "Wrong1234", &client()).await.unwrap_err();
        }
        f.service.login("ana@example.com", "Secret123", &client()).await.unwrap();
        for attempt in 1..=5 {
            f.clock.advance(chrono::Duration::minutes(1));
            let err = f.service.login("ana@example.com", "Wrong1234", &client()).await.unwrap_err();
            if attempt < 5 {
                assert!(matches!(err, TenancyError::InvalidCredentials), "attempt {attempt}: {err:?}");
            } else {
                assert!(matches!(err, TenancyError::Locked { .. }), "the fifth failure locks: {err:?}");
            }
        }
        // Even the right password is refused while locked.
        f.clock.advance(chrono::Duration::minutes(29));
        let locked = f.service.login("ana@example.com", "Secret123", &client()).await.unwrap_err();
        assert!(matches!(locked, TenancyError::Locked { .. }));
        f.clock.advance(chrono::Duration::minutes(1));
        assert!(f.service.login("ana@example.com", "Secret123", &client()).await.is_ok(), "unlocked after 30 min");
    }

    fn from(ip: &str) -> ClientInfo {
        ClientInfo { ip: Some(ip.into()), user_agent: Some("test".into()) }
    }

    #[tokio::test]
    async fn failures_from_one_ip_lock_that_ip_only_and_the_owner_logs_in_from_another() {
        let f = fixture();
        f.service.register(sign_up("ana@example.com"), &client()).await.unwrap();
        for attempt in 1..=5 {
            let err = f.service.login("ana@example.com", "Wrong1234", &from("198.51.100.9")).await.unwrap_err();
            assert_eq!(matches!(err, TenancyError::Locked { .. }), attempt == 5, "attempt {attempt}: {err:?}");
        }
        let attacker = f.service.login("ana@example.com", "Secret123", &from("198.51.100.9")).await.unwrap_err();
        assert!(matches!(attacker, TenancyError::Locked { .. }), "{attacker:?}");
        assert!(f.service.login("ana@example.com", "Secret123", &from("203.0.113.5")).await.is_ok());
    }

    #[tokio::test]
    async fn failures_spread_over_many_ips_throttle_the_email_instead_of_locking_it() {
        use frontdesk_kernel::ErrorCode;
        let f = fixture();
        f.service.register(sign_up("ana@example.com"), &client()).await.unwrap();
        let ceiling = LockoutPolicy::default().email_ceiling;
        for n in 0..ceiling {
            f.clock.advance(chrono::Duration::seconds(10));
            let ip = format!("198.51.100.{}", n / 4);
            let err = f.service.login("ana@example.com", "Wrong1234", &from(&ip)).await.unwrap_err();
            assert!(matches!(err, TenancyError::InvalidCredentials), "failure {n}: {err:?}");
        }
        let throttled = f.service.login("ana@example.com", "Secret123", &from("203.0.113.5")).await.unwrap_err();
        assert_eq!(throttled.code().as_str(), "login_throttled", "{throttled:?}");
        let TenancyError::Throttled { until } = throttled else { unreachable!() };
        // The oldest of the counted failures leaves the 15-minute window first.
        assert_eq!(
            until,
            f.clock.now() - chrono::Duration::seconds(10 * (ceiling as i64 - 1)) + chrono::Duration::minutes(15)
        );
        f.clock.advance(until - f.clock.now());
        assert!(f.service.login("ana@example.com", "Secret123", &from("203.0.113.5")).await.is_ok(), "not a lock");
    }

    #[tokio::test]
    async fn refresh_rotates_and_reuse_revokes_the_whole_family() {
        let f = fixture();
        let first = f.service.register(sign_up("ana@example.com"), &client()).await.unwrap();
        let second = f.service.refresh(first.refresh_token.expose()).await.unwrap();
        assert_ne!(second.refresh_token, first.refresh_token);
        let third = f.service.refresh(second.refresh_token.expose()).await.unwrap();

        // The first token is presented again: theft. Everything in the family dies.
        assert!(matches!(f.service.refresh(first.refresh_token.expose()).await, Err(TenancyError::InvalidToken)));
        assert!(matches!(f.service.refresh(third.refresh_token.expose()).await, Err(TenancyError::InvalidToken)));
        assert!(matches!(f.service.refresh("never-issued").await, Err(TenancyError::InvalidToken)));
    }

    #[tokio::test]
    async fn refresh_tokens_expire_after_seven_days() {
        let f = fixture();
        let session = f.service.register(sign_up("ana@example.com"), &client()).await.unwrap();
        f.clock.advance(chrono::Duration::days(7));
        assert!(matches!(f.service.refresh(session.refresh_token.expose()).await, Err(TenancyError::InvalidToken)));
    }

    #[tokio::test]
    async fn a_session_refreshed_every_six_days_still_ends_thirty_days_after_login() {
        use frontdesk_kernel::ErrorCode;
        let f = fixture();
        let started = f.clock.now();
        let mut session = f.service.register(sign_up("ana@example.com"), &client()).await.unwrap();
        for _ in 0..4 {
            f.clock.advance(chrono::Duration::days(6));
            session = f.service.refresh(session.refresh_token.expose()).await.unwrap();
        }
        // Day 29, 23 h: still inside the absolute lifetime, but the new token may not outlive it.
        f.clock.advance(chrono::Duration::days(5) + chrono::Duration::hours(23));
        session = f.service.refresh(session.refresh_token.expose()).await.unwrap();
        let stored = f.tokens.find_by_hash(&SequentialTokens::hash_of(session.refresh_token.expose())).await.unwrap();
        assert_eq!(stored.map(|t| t.expires_at), Some(started + chrono::Duration::days(30)));

        f.clock.advance(chrono::Duration::hours(1));
        let err = f.service.refresh(session.refresh_token.expose()).await.unwrap_err();
        assert_eq!(err.code().as_str(), "session_expired", "{err:?}");
        assert!(err.to_string().contains("log in again"), "{err}");
        // A fresh login starts a new 30 days.
        let again = f.service.login("ana@example.com", "Secret123", &client()).await.unwrap();
        assert!(f.service.refresh(again.refresh_token.expose()).await.is_ok());
    }

    #[tokio::test]
    async fn logout_ends_only_the_callers_own_session() {
        let f = fixture();
        let ana = f.service.register(sign_up("ana@example.com"), &client()).await.unwrap();
        let bob = f.service.register(sign_up("bob@example.com"), &client()).await.unwrap();
        // Ana cannot log Bob out with his token.
        f.service.logout(ana.user.id, bob.refresh_token.expose()).await.unwrap();
        assert!(f.service.refresh(bob.refresh_token.expose()).await.is_ok());
        f.service.logout(ana.user.id, ana.refresh_token.expose()).await.unwrap();
        assert!(matches!(f.service.refresh(ana.refresh_token.expose()).await, Err(TenancyError::InvalidToken)));
    }

    #[tokio::test]
    async fn change_password_keeps_this_session_and_kills_the_others() {
        let f = fixture();
        let first = f.service.register(sign_up("ana@example.com"), &client()).await.unwrap();
        let other = f.service.login("ana@example.com", "Secret123", &client()).await.unwrap();
        let sid = FakeSigner.verify(&first.access_token).unwrap().sid;

        let wrong =
            f.service.change_password(first.user.id, "Nope12345", "Better456", sid, &client()).await.unwrap_err();
        assert!(matches!(wrong, TenancyError::InvalidCredentials));
        let weak = f.service.change_password(first.user.id, "Secret123", "weak", sid, &client()).await.unwrap_err();
        assert!(matches!(weak, TenancyError::Validation(_)));

        f.service.change_password(first.user.id, "Secret123", "Better456", sid, &client()).await.unwrap();
        assert!(f.service.refresh(first.refresh_token.expose()).await.is_ok(), "own session survives");
        assert!(matches!(f.service.refresh(other.refresh_token.expose()).await, Err(TenancyError::InvalidToken)));
        assert!(f.service.login("ana@example.com", "Better456", &client()).await.is_ok());
        assert!(f.service.login("ana@example.com", "Secret123", &client()).await.is_err());
        assert!(f.users.get(first.user.id).await.is_ok());
        assert!(
            f.tokens.find_by_hash(&SequentialTokens::hash_of(other.refresh_token.expose())).await.unwrap().is_some()
        );
    }

    #[tokio::test]
    async fn sign_ups_logins_failures_and_lockouts_are_audited_with_the_client() {
        use crate::audit::{AuditAction, AuditLog};
        let f = fixture();
        let session = f.service.register(sign_up("ana@example.com"), &client()).await.unwrap();
        f.service.login("ana@example.com", "Secret123", &client()).await.unwrap();
        for _ in 0..5 {
            f.clock.advance(chrono::Duration::seconds(1));
            let _ = f.service.login("ana@example.com", "Wrong1234", &client()).await;
        }
        let trail = f.audit.recent(None, 20).await.unwrap();
        let count = |action| trail.iter().filter(|e| e.action == action).count();
        assert_eq!(count(AuditAction::SignUp), 1);
        assert_eq!(count(AuditAction::LoginSucceeded), 1);
        assert_eq!(count(AuditAction::LoginFailed), 5);
        assert_eq!(count(AuditAction::LockedOut), 1);
        assert!(trail.iter().all(|e| e.ip.as_deref() == Some("203.0.113.7")));
        assert!(
            trail.iter().filter(|e| e.action == AuditAction::LoginFailed).all(|e| e.actor == Some(session.user.id))
        );
    }

    /// A hasher slow enough for concurrent logins to overlap, counting password checks.
    #[derive(Default)]
    struct SlowHasher(std::sync::atomic::AtomicUsize);

    #[async_trait::async_trait]
    impl crate::ports::PasswordHasher for SlowHasher {
        async fn hash(&self, password: &crate::values::Password) -> Result<crate::user::PasswordHash> {
            PlainTextHasher.hash(password).await
        }
        async fn dummy_verify(&self, candidate: &str) -> Result<bool> {
            self.verify(candidate, &crate::user::PasswordHash::from_stored("plain:".into())).await.map(|_| false)
        }
        async fn verify(&self, candidate: &str, hash: &crate::user::PasswordHash) -> Result<bool> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            PlainTextHasher.verify(candidate, hash).await
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_guesses_get_at_most_five_password_checks_per_lock() {
        let hasher = Arc::new(SlowHasher::default());
        let clock = Arc::new(ManualClock::at(chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap()));
        let service = AuthService::new(AuthPorts {
            users: Arc::new(InMemoryUsers::default()),
            memberships: Arc::new(InMemoryMemberships::default()),
            refresh_tokens: Arc::new(InMemoryRefreshTokens::default()),
            hasher: hasher.clone(),
            signer: Arc::new(FakeSigner),
            generator: Arc::new(SequentialTokens::default()),
            attempts: Arc::new(InMemoryLoginAttempts::default()),
            lockout: LockoutPolicy::default(),
            sessions: SessionPolicy::default(),
            audit: Arc::new(InMemoryAuditLog::default()),
            clock,
        });
        service.register(sign_up("ana@example.com"), &client()).await.unwrap();
        let before = hasher.0.load(std::sync::atomic::Ordering::SeqCst);
        let mut guesses = tokio::task::JoinSet::new();
        for i in 0..12 {
            let service = service.clone();
            guesses.spawn(async move { service.login("ana@example.com", &format!("Guess{i:04}x"), &client()).await });
        }
        let mut refused = 0;
        while let Some(outcome) = guesses.join_next().await {
            assert!(outcome.unwrap().is_err());
            refused += 1;
        }
        assert_eq!(refused, 12);
        let checks = hasher.0.load(std::sync::atomic::Ordering::SeqCst) - before;
        assert!(checks <= 5, "{checks} passwords were checked; the rule allows 5 per lock");
        let locked = service.login("ana@example.com", "Secret123", &client()).await.unwrap_err();
        assert!(matches!(locked, TenancyError::Locked { .. }), "{locked:?}");
    }

    /// Refresh tokens whose issuing step is slow: the window in which a
    /// concurrent reuse detection used to revoke the family *before* the
    /// winner's new token was stored, leaving that token alive.
    struct SlowIssuing(InMemoryRefreshTokens);

    #[async_trait::async_trait]
    impl RefreshTokenRepository for SlowIssuing {
        async fn start_family(&self, token: &RefreshToken) -> Result<()> {
            self.0.start_family(token).await
        }
        async fn find_by_hash(&self, hash: &crate::session::TokenHash) -> Result<Option<RefreshToken>> {
            self.0.find_by_hash(hash).await
        }
        async fn rotate(
            &self,
            current: crate::session::RefreshTokenId,
            next: &RefreshToken,
            at: chrono::DateTime<chrono::Utc>,
        ) -> Result<bool> {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            self.0.rotate(current, next, at).await
        }
        async fn revoke_other_families(
            &self,
            user_id: UserId,
            keep: Option<TokenFamilyId>,
            at: chrono::DateTime<chrono::Utc>,
        ) -> Result<u64> {
            self.0.revoke_other_families(user_id, keep, at).await
        }
        async fn revoke_family(&self, family_id: TokenFamilyId, at: chrono::DateTime<chrono::Utc>) -> Result<u64> {
            self.0.revoke_family(family_id, at).await
        }
        async fn purge_expired(&self, before: chrono::DateTime<chrono::Utc>) -> Result<u64> {
            self.0.purge_expired(before).await
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn after_parallel_refreshes_of_one_token_no_token_of_the_family_refreshes_however_slow_issuing_is() {
        let tokens = Arc::new(SlowIssuing(InMemoryRefreshTokens::default()));
        let service = AuthService::new(AuthPorts {
            users: Arc::new(InMemoryUsers::default()),
            memberships: Arc::new(InMemoryMemberships::default()),
            refresh_tokens: tokens.clone(),
            hasher: Arc::new(PlainTextHasher),
            signer: Arc::new(FakeSigner),
            generator: Arc::new(SequentialTokens::default()),
            attempts: Arc::new(InMemoryLoginAttempts::default()),
            lockout: LockoutPolicy::default(),
            sessions: SessionPolicy::default(),
            audit: Arc::new(InMemoryAuditLog::default()),
            clock: Arc::new(ManualClock::at(chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap())),
        });
        service.register(sign_up("ana@example.com"), &client()).await.unwrap();
        for round in 0..5 {
            let stolen = service.login("ana@example.com", "Secret123", &client()).await.unwrap().refresh_token;
            let mut refreshes = tokio::task::JoinSet::new();
            for _ in 0..20 {
                let (service, stolen) = (service.clone(), stolen.clone());
                refreshes.spawn(async move { service.refresh(stolen.expose()).await });
            }
            let mut family = vec![stolen];
            while let Some(outcome) = refreshes.join_next().await {
                match outcome.unwrap() {
                    Ok(session) => family.push(session.refresh_token),
                    Err(err) => assert!(matches!(err, TenancyError::InvalidToken), "round {round}: {err:?}"),
                }
            }
            assert!(family.len() <= 2, "round {round}: one rotation at most");
            // Stored state first, then the newest token first: presenting the stolen
            // one again would itself (rightly) revoke the family and hide the bug.
            for (i, member) in family.iter().enumerate() {
                let stored = tokens.find_by_hash(&SequentialTokens::hash_of(member.expose())).await.unwrap().unwrap();
                assert!(stored.revoked_at.is_some(), "round {round}: token {i} is stored live");
            }
            for (i, member) in family.iter().enumerate().rev() {
                let again = service.refresh(member.expose()).await;
                assert!(matches!(again, Err(TenancyError::InvalidToken)), "round {round}: token {i} refreshes");
            }
        }
    }
}
