//! Shared SQL helpers: statements for either backend, instants as epoch
//! milliseconds, and the one error that means "overlap" on PostgreSQL.

use crate::error::db;
use chrono::{DateTime, TimeZone, Utc};
use frontdesk_bookings::BookingsError;
use sea_orm::{ConnectionTrait, DbErr, QueryResult, Statement};

pub(super) use crate::repos::sql::stmt;

/// Epoch milliseconds.
pub(super) fn ms(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

/// Back from epoch milliseconds.
pub(super) fn at(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// A storage error.
pub(super) fn storage(err: DbErr) -> BookingsError {
    BookingsError::Storage(db(err))
}

/// A row that does not decode.
pub(super) fn corrupt(what: &str, err: impl std::fmt::Display) -> BookingsError {
    BookingsError::storage(std::io::Error::other(format!("corrupt {what} row: {err}")))
}

/// Whether PostgreSQL refused a write with `exclusion_violation` (23P01): an overlapping claim.
pub(super) fn is_overlap(err: &DbErr) -> bool {
    let (DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e)) | DbErr::Query(sea_orm::RuntimeErr::SqlxError(e))) = err else {
        return false;
    };
    e.as_database_error().and_then(|d| d.code()).is_some_and(|code| code == "23P01")
}

/// Runs a query returning rows.
pub(super) async fn all(db: &impl ConnectionTrait, statement: Statement) -> Result<Vec<QueryResult>, BookingsError> {
    db.query_all_raw(statement).await.map_err(storage)
}

/// Runs a query returning at most one row.
pub(super) async fn one(db: &impl ConnectionTrait, statement: Statement) -> Result<Option<QueryResult>, BookingsError> {
    db.query_one_raw(statement).await.map_err(storage)
}

/// Runs a statement; returns the rows affected.
pub(super) async fn exec(db: &impl ConnectionTrait, statement: Statement) -> Result<u64, BookingsError> {
    db.execute_raw(statement).await.map(|r| r.rows_affected()).map_err(storage)
}

/// A column of `row`.
pub(super) fn get<T: sea_orm::TryGetable>(row: &QueryResult, column: &str) -> Result<T, BookingsError> {
    row.try_get::<T>("", column).map_err(|e| corrupt(column, e))
}
