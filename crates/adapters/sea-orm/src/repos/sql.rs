//! Plain SQL for the repositories written as statements rather than entities
//! (bookings, outbox, conversations): one placeholder style for both backends.

use sea_orm::{DbBackend, Statement, Value};

/// A statement written with `$1…` placeholders, for `backend` (`?1…` on SQLite).
pub(crate) fn stmt(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = if backend == DbBackend::Sqlite { sql.replace('$', "?") } else { sql.to_owned() };
    Statement::from_sql_and_values(backend, sql, values)
}
