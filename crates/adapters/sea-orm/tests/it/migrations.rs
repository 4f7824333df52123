//! Migrations go up, down and up again on both backends.

use crate::support::{Fixture, postgres, sqlite_single};

const TABLES: [&str; 8] = [
    "audit_log",
    "invitations",
    "login_attempts",
    "memberships",
    "refresh_token_families",
    "refresh_tokens",
    "tenants",
    "users",
];

async fn up_down_up(fixture: Fixture) {
    let store = &fixture.store;
    let tables = store.table_names().await.unwrap();
    for table in TABLES {
        assert!(tables.iter().any(|t| t == table), "{table} missing after up: {tables:?}");
    }
    store.migrate_down_all().await.unwrap();
    let tables = store.table_names().await.unwrap();
    for table in TABLES {
        assert!(!tables.iter().any(|t| t == table), "{table} left after down: {tables:?}");
    }
    store.migrate_up().await.unwrap();
    assert!(store.table_names().await.unwrap().iter().any(|t| t == "users"));
    // Applying again is a no-op, not an error (every start-up does this).
    store.migrate_up().await.unwrap();
}

#[tokio::test]
async fn postgres_migrations_go_up_down_and_up_again() {
    up_down_up(postgres().await).await;
}

#[tokio::test]
async fn sqlite_migrations_go_up_down_and_up_again() {
    up_down_up(sqlite_single().await).await;
}

/// Sessions issued before `refresh_token_families` existed keep working: the
/// migration gives each family a row starting at its oldest token.
async fn existing_refresh_tokens_get_their_family(fixture: Fixture) {
    use frontdesk_migrations::{Migrator, MigratorTrait};
    use frontdesk_tenancy::{RefreshTokenRepository, SessionPolicy, TokenHash, UserRepository};
    use sea_orm::ConnectionTrait;
    use sea_orm::sea_query::{Alias, Query};
    let store = &fixture.store;
    let conn = store.connection();
    Migrator::down(&conn, None).await.unwrap();
    let before_families =
        Migrator::migrations().iter().position(|m| m.name().contains("refresh_token_families")).unwrap();
    Migrator::up(&conn, Some(u32::try_from(before_families).unwrap())).await.unwrap();

    let sign_up = frontdesk_tenancy::NewUser {
        email: "old@example.com".into(),
        password: "Secret123".into(),
        name: "Old".into(),
    }
    .validate()
    .unwrap();
    let owner = frontdesk_tenancy::User::new_user(
        &sign_up,
        frontdesk_tenancy::PasswordHash::from_stored("$2b$04$x".into()),
        chrono::Utc::now(),
    );
    frontdesk_sea_orm::SeaOrmUserRepository::new(store.clone()).insert(&owner).await.unwrap();
    let family = uuid::Uuid::now_v7();
    let started = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
    let hash = |c: char| c.to_string().repeat(64);
    for (c, days, revoked) in [('a', 0, true), ('b', 1, false)] {
        let created = started + chrono::Duration::days(days);
        let revoked_at: Option<chrono::DateTime<chrono::Utc>> = revoked.then_some(created + chrono::Duration::days(1));
        let insert = Query::insert()
            .into_table(Alias::new("refresh_tokens"))
            .columns(
                ["id", "user_id", "family_id", "token_hash", "created_at", "expires_at", "revoked_at"].map(Alias::new),
            )
            .values_panic([
                uuid::Uuid::now_v7().into(),
                owner.id.as_uuid().into(),
                family.into(),
                hash(c).into(),
                created.into(),
                (created + chrono::Duration::days(7)).into(),
                revoked_at.into(),
            ])
            .to_owned();
        conn.execute(&insert).await.unwrap();
    }
    store.migrate_up().await.unwrap();

    let tokens = frontdesk_sea_orm::SeaOrmRefreshTokenRepository::new(store.clone());
    let live = tokens.find_by_hash(&TokenHash::from_hex(&hash('b')).unwrap()).await.unwrap().unwrap();
    assert_eq!(live.family_started_at, started, "the family starts at its oldest token");
    let at = started + chrono::Duration::days(2);
    let next = live.successor(TokenHash::from_hex(&hash('c')).unwrap(), at, SessionPolicy::default());
    assert!(tokens.rotate(live.id, &next, at).await.unwrap(), "the backfilled family is live");
}

#[tokio::test]
async fn postgres_backfills_families_of_existing_refresh_tokens() {
    existing_refresh_tokens_get_their_family(postgres().await).await;
}

#[tokio::test]
async fn sqlite_backfills_families_of_existing_refresh_tokens() {
    existing_refresh_tokens_get_their_family(sqlite_single().await).await;
}

#[tokio::test]
async fn unreachable_database_fails_the_wait_with_the_last_error() {
    let config = frontdesk_sea_orm::DbConfig {
        url: "postgres://postgres@127.0.0.1:1/nothing".into(),
        max_connections: 1,
        acquire_timeout: std::time::Duration::from_millis(500),
    };
    let store = frontdesk_sea_orm::SqlStore::connect(&config).await.unwrap();
    let err = store.wait_until_ready(std::time::Duration::from_secs(1)).await.unwrap_err();
    assert!(err.to_string().starts_with("database did not answer within"), "{err}");
}

#[tokio::test]
async fn unsupported_url_names_the_variable() {
    let config = frontdesk_sea_orm::DbConfig {
        url: "mysql://root@localhost/db".into(),
        max_connections: 1,
        acquire_timeout: std::time::Duration::from_secs(1),
    };
    let err = frontdesk_sea_orm::SqlStore::connect(&config).await.unwrap_err();
    assert!(err.to_string().contains("DATABASE_URL"), "{err}");
}
