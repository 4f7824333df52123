//! Mapping database errors to domain errors, in one place.

use frontdesk_tenancy::TenancyError;
use sea_orm::{DbErr, SqlErr};

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
        TenancyError::storage(err)
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
