//! The jobs migration goes down and up again on both backends, cascades
//! included.

use crate::support::{Fixture, on_both_backends};
use frontdesk_migrations::{Migrator, MigratorTrait};
use sea_orm::ConnectionTrait;

on_both_backends!(the_jobs_migration_goes_down_and_up_again);

async fn tables(f: &Fixture) -> Vec<String> {
    let sql = match f.db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()"
        }
        _ => "SELECT name FROM sqlite_master WHERE type = 'table'",
    };
    let rows = f.db.query_all_raw(f.statement(sql, [])).await.unwrap();
    rows.iter().map(|row| row.try_get::<String>("", "name").unwrap()).collect()
}

async fn the_jobs_migration_goes_down_and_up_again(f: Fixture) {
    let has = |tables: &[String], name: &str| tables.iter().any(|t| t == name);
    let before = tables(&f).await;
    assert!(has(&before, "jobs") && has(&before, "job_effects"), "{before:?}");

    // The jobs tables and the due-jobs index, with every migration added after them.
    let migrations = Migrator::migrations();
    let jobs = migrations.iter().position(|m| m.name().ends_with("_jobs")).unwrap();
    Migrator::down(&f.db, Some(u32::try_from(migrations.len() - jobs).unwrap())).await.unwrap();
    let after = tables(&f).await;
    assert!(!has(&after, "jobs") && !has(&after, "job_effects"), "{after:?}");
    assert!(has(&after, "tenants"), "only the jobs migrations went down");

    Migrator::up(&f.db, None).await.unwrap();
    let again = tables(&f).await;
    assert!(has(&again, "jobs") && has(&again, "job_effects"), "{again:?}");
}
