//! Authentication use cases: sign-up and session issuance.
//!
//! A session is a 15-minute access token (claims signed by the
//! [`TokenSigner`]) plus a 7-day opaque refresh token of which only the
//! hash is stored, in a new token family. Login, rotation, lockout and
//! logout build on [`AuthService::start_session`] in the identity issue.

use crate::error::{Result, TenancyError};
use crate::membership::Membership;
use crate::ports::{
    AccessClaims, IssuedRefreshToken, MembershipRepository, PasswordHasher, RefreshTokenGenerator,
    RefreshTokenRepository, TokenSigner, UserRepository,
};
use crate::session::{RefreshToken, TokenFamilyId};
use crate::user::{NewUser, User};
use frontdesk_kernel::Clock;
use std::sync::Arc;

/// Access tokens live 15 minutes.
pub const ACCESS_TOKEN_SECONDS: i64 = 15 * 60;

/// A signed-in user and their tokens.
#[derive(Debug)]
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

/// The ports authentication needs.
#[derive(Clone)]
pub struct AuthService {
    users: Arc<dyn UserRepository>,
    memberships: Arc<dyn MembershipRepository>,
    refresh_tokens: Arc<dyn RefreshTokenRepository>,
    hasher: Arc<dyn PasswordHasher>,
    signer: Arc<dyn TokenSigner>,
    generator: Arc<dyn RefreshTokenGenerator>,
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
    /// Time.
    pub clock: Arc<dyn Clock>,
}

impl AuthService {
    /// Builds the service from its ports.
    #[must_use]
    pub fn new(ports: AuthPorts) -> Self {
        let AuthPorts { users, memberships, refresh_tokens, hasher, signer, generator, clock } = ports;
        Self { users, memberships, refresh_tokens, hasher, signer, generator, clock }
    }

    /// Signs up a business user (who starts in onboarding, with no sub-account) and signs them in.
    ///
    /// # Errors
    /// `Validation` listing every bad field (nothing is stored), `Duplicate { field: "email" }`
    /// when the email is taken (also under a concurrent sign-up), `Storage`/`Internal`.
    pub async fn register(&self, input: NewUser) -> Result<Session> {
        let sign_up = input.validate()?;
        // Cheap early answer before the deliberately slow hash; the unique index still decides races.
        if self.users.find_by_email(&sign_up.email).await?.is_some() {
            return Err(TenancyError::Duplicate { field: "email" });
        }
        let hash = self.hasher.hash(&sign_up.password).await?;
        let user = User::new_user(&sign_up, hash, self.clock.now());
        self.users.insert(&user).await?;
        self.start_session(user).await
    }

    /// Issues an access token and a refresh token in a new family for `user`.
    ///
    /// # Errors
    /// `Storage`/`Internal` when the membership lookup, signing or storing fails.
    pub async fn start_session(&self, user: User) -> Result<Session> {
        let now = self.clock.now();
        let membership = self.memberships.find_for_user(user.id).await?;
        let claims = AccessClaims {
            sub: user.id,
            account_type: user.account_type,
            role: membership.as_ref().map(|m| m.role).or(user.admin_role),
            sub_account_id: membership.as_ref().map(|m| m.tenant_id),
            jti: uuid::Uuid::now_v7().to_string(),
            iat: now.timestamp(),
            exp: now.timestamp() + ACCESS_TOKEN_SECONDS,
        };
        let access_token = self.signer.sign(&claims)?;
        let (refresh_token, hash) = self.generator.generate()?;
        self.refresh_tokens.insert(&RefreshToken::issue(user.id, TokenFamilyId::new(), hash, now)).await?;
        Ok(Session { user, membership, access_token, refresh_token, expires_in: ACCESS_TOKEN_SECONDS })
    }
}

#[cfg(all(test, feature = "testing"))]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;
    use crate::testing::{
        FakeSigner, InMemoryMemberships, InMemoryRefreshTokens, InMemoryUsers, PlainTextHasher, SequentialTokens,
    };
    use crate::values::EmailAddress;
    use frontdesk_kernel::AccountType;
    use frontdesk_kernel::testing::ManualClock;

    struct Fixture {
        service: AuthService,
        users: Arc<InMemoryUsers>,
        tokens: Arc<InMemoryRefreshTokens>,
    }

    fn fixture() -> Fixture {
        let users = Arc::new(InMemoryUsers::default());
        let tokens = Arc::new(InMemoryRefreshTokens::default());
        let service = AuthService::new(AuthPorts {
            users: users.clone(),
            memberships: Arc::new(InMemoryMemberships::default()),
            refresh_tokens: tokens.clone(),
            hasher: Arc::new(PlainTextHasher),
            signer: Arc::new(FakeSigner),
            generator: Arc::new(SequentialTokens::default()),
            clock: Arc::new(ManualClock::at(chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap())),
        });
        Fixture { service, users, tokens }
    }

    fn sign_up(email: &str) -> NewUser {
        NewUser { email: email.into(), password: "Secret123".into(), name: "Ana".into() }
    }

    #[tokio::test]
    async fn register_stores_the_user_and_a_hashed_refresh_token_and_signs_onboarding_claims() {
        let f = fixture();
        let session = f.service.register(sign_up("Ana@Example.com")).await.unwrap();
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
        f.service.register(sign_up("ana@example.com")).await.unwrap();
        let err = f.service.register(sign_up("ANA@example.com")).await.unwrap_err();
        assert!(matches!(err, TenancyError::Duplicate { field: "email" }), "{err:?}");
    }

    #[tokio::test]
    async fn register_lists_every_bad_field_and_stores_nothing() {
        let f = fixture();
        let err = f
            .service
            .register(NewUser { email: "nope".into(), password: "short".into(), name: " ".into() })
            .await
            .unwrap_err();
        let TenancyError::Validation(errors) = err else { panic!("expected validation errors") };
        assert_eq!(errors.errors().len(), 3);
        assert!(f.users.find_by_email(&EmailAddress::parse("nope@x.io").unwrap()).await.unwrap().is_none());
    }
}
