//! The tenancy repository contract suites, run on both backends, plus races
//! the in-memory fakes cannot show.

use crate::support::{Fixture, postgres, sqlite};
use frontdesk_sea_orm::{
    SeaOrmAuditLog, SeaOrmInvitationRepository, SeaOrmLoginAttemptRepository, SeaOrmMembershipRepository,
    SeaOrmRefreshTokenRepository, SeaOrmTenantRepository, SeaOrmUserRepository,
};
use frontdesk_tenancy::testing::contract;
use frontdesk_tenancy::{NewUser, PasswordHash, TenancyError, User, UserRepository};

async fn all_contracts(fixture: Fixture) {
    let store = fixture.store.clone();
    let tenants = SeaOrmTenantRepository::new(store.clone());
    let users = SeaOrmUserRepository::new(store.clone());
    contract::tenants(&tenants).await;
    contract::users(&users).await;
    contract::memberships(&tenants, &users, &SeaOrmMembershipRepository::new(store.clone())).await;
    contract::refresh_tokens(&users, &SeaOrmRefreshTokenRepository::new(store.clone())).await;
    contract::refresh_token_races(&users, &SeaOrmRefreshTokenRepository::new(store.clone()), 24, 8).await;
    contract::login_attempts(&SeaOrmLoginAttemptRepository::new(store.clone())).await;
    let memberships = SeaOrmMembershipRepository::new(store.clone());
    contract::tenant_lifecycle(&tenants, &users, &memberships).await;
    contract::invitations(&tenants, &users, &memberships, &SeaOrmInvitationRepository::new(store.clone())).await;
    contract::audit_log(&SeaOrmAuditLog::new(store)).await;
}

#[tokio::test]
async fn postgres_repositories_meet_the_tenancy_contracts() {
    all_contracts(postgres().await).await;
}

#[tokio::test]
async fn sqlite_repositories_meet_the_tenancy_contracts() {
    all_contracts(sqlite().await).await;
}

fn user(email: &str) -> User {
    let sign_up =
        NewUser { email: email.into(), password: "Secret123".into(), name: "Racer".into() }.validate().unwrap();
    User::new_user(&sign_up, PasswordHash::from_stored("$2b$04$x".into()), chrono::Utc::now())
}

/// Two concurrent sign-ups with one email: the database, not a prior SELECT, decides.
async fn concurrent_registrations_yield_one_duplicate(fixture: Fixture) {
    let users = SeaOrmUserRepository::new(fixture.store.clone());
    let (a, b) = (user("race@example.com"), user("Race@Example.com"));
    let (ra, rb) = tokio::join!(users.insert(&a), users.insert(&b));
    let outcomes = [ra, rb];
    assert_eq!(outcomes.iter().filter(|r| r.is_ok()).count(), 1, "{outcomes:?}");
    assert!(outcomes.iter().any(|r| matches!(r, Err(TenancyError::Duplicate { field: "email" }))));
}

#[tokio::test]
async fn postgres_unique_email_holds_under_concurrent_inserts() {
    concurrent_registrations_yield_one_duplicate(postgres().await).await;
}

#[tokio::test]
async fn sqlite_unique_email_holds_under_concurrent_inserts() {
    concurrent_registrations_yield_one_duplicate(sqlite().await).await;
}
