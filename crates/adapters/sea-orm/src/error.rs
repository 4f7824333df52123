//! Mapping database errors to domain errors, in one place.

use frontdesk_kernel::Unavailable;
use frontdesk_tenancy::TenancyError;
use sea_orm::sqlx;
use sea_orm::{DbErr, RuntimeErr, SqlErr};

/// A database error, boxed for a domain `Storage` variant: connection-level
/// failures (refused, reset, pool timed out or closed, server shutting down
/// or starting up) are wrapped in [`Unavailable`] so the api answers 503 with
/// `Retry-After`; everything else stays a 500 (a bug or a corrupt row).
pub(crate) fn db(err: DbErr) -> Box<dyn std::error::Error + Send + Sync> {
    if is_connection_failure(&err) { Box::new(Unavailable::new("database", err)) } else { Box::new(err) }
}

/// Whether `err` says the database could not be reached rather than that the statement failed.
pub(crate) fn is_connection_failure(err: &DbErr) -> bool {
    let runtime = match err {
        DbErr::ConnectionAcquire(_) => return true,
        DbErr::Conn(runtime) | DbErr::Exec(runtime) | DbErr::Query(runtime) => runtime,
        _ => return false,
    };
    let RuntimeErr::SqlxError(sqlx_err) = runtime else { return false };
    match &**sqlx_err {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        // Class 08 (connection exception), 57P01-57P03 (admin shutdown, crash shutdown, cannot connect now).
        sqlx::Error::Database(db) => {
            db.code().is_some_and(|code| code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03"))
        }
        _ => false,
    }
}

/// A row that cannot be turned back into a domain value (corrupt or hand-edited data).
#[derive(Debug, thiserror::Error)]
#[error("corrupt {table} row: {detail}")]
pub(crate) struct CorruptRow {
    pub(crate) table: &'static str,
    pub(crate) detail: String,
}

/// `Duplicate { field }` for a unique violation, `Storage` otherwise.
pub(crate) fn tenancy_err(err: DbErr, unique_field: &'static str) -> TenancyError {
    if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) {
        TenancyError::Duplicate { field: unique_field }
    } else {
        TenancyError::Storage(db(err))
    }
}

/// A corrupt-row error for `table`.
pub(crate) fn corrupt(table: &'static str, detail: impl std::fmt::Display) -> TenancyError {
    TenancyError::storage(CorruptRow { table, detail: detail.to_string() })
}

/// `Ok` when a write touched a row, `NotFound { entity }` when it matched none
/// (unknown id, or a row of another tenant filtered out by the WHERE clause).
pub(crate) fn found(rows_affected: u64, entity: &'static str) -> frontdesk_tenancy::Result<()> {
    if rows_affected == 0 { Err(TenancyError::NotFound { entity }) } else { Ok(()) }
}
