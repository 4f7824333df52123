//! Migrations go up, down and up again on both backends.

use crate::support::{Fixture, postgres, sqlite};

const TABLES: [&str; 7] =
    ["audit_log", "invitations", "login_attempts", "memberships", "refresh_tokens", "tenants", "users"];

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
    up_down_up(sqlite().await).await;
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
