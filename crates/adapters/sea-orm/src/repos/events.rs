//! The transactional outbox, `domain_events`: [`append_in`] lets a
//! repository store the events of a write inside that write's transaction;
//! [`SeaOrmEventOutbox`] is the [`EventOutbox`] the relay and replays read.
//!
//! One multi-row `INSERT … ON CONFLICT (id) DO NOTHING` per write, so an
//! event costs one statement in a transaction the write opened anyway.
//! Pending events are found through a partial index on unrelayed rows.

use crate::connection::SqlStore;
use crate::repos::sql::stmt;
use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use frontdesk_kernel::TenantId;
use frontdesk_kernel::events::{DomainEvent, EventId, EventOutbox, PublishError};
use sea_orm::{ConnectionTrait, DbErr, QueryResult, Value};
use uuid::Uuid;

const COLUMNS: &str = "id, tenant_id, kind, occurred_at, data";

/// Stores `events` through `db` (a transaction of the caller's); known ids are skipped.
///
/// # Errors
/// The database error.
pub(crate) async fn append_in(db: &impl ConnectionTrait, events: &[DomainEvent]) -> Result<(), DbErr> {
    if events.is_empty() {
        return Ok(());
    }
    let (sql, values) = append_sql(events, 1);
    db.execute_raw(stmt(db.get_database_backend(), &sql, values)).await.map(|_| ())
}

/// The `INSERT` of `events` (not empty) with its placeholders numbered from
/// `first`, for callers that fold it into a larger statement.
pub(crate) fn append_sql(events: &[DomainEvent], first: usize) -> (String, Vec<Value>) {
    let mut values: Vec<Value> = Vec::with_capacity(events.len() * 5);
    let mut rows = Vec::with_capacity(events.len());
    for (i, event) in events.iter().enumerate() {
        let n = first + i * 5;
        rows.push(format!("(${}, ${}, ${}, ${}, ${})", n, n + 1, n + 2, n + 3, n + 4));
        values.push(event.id.as_uuid().into());
        values.push(event.tenant_id.as_uuid().into());
        values.push(event.kind.clone().into());
        values.push(event.occurred_at.timestamp_millis().into());
        values.push(event.data.to_string().into());
    }
    (format!("INSERT INTO domain_events ({COLUMNS}) VALUES {} ON CONFLICT (id) DO NOTHING", rows.join(", ")), values)
}

/// `domain_events` on SQL.
#[derive(Clone, Debug)]
pub struct SeaOrmEventOutbox {
    store: SqlStore,
}

impl SeaOrmEventOutbox {
    /// The outbox in `store`.
    #[must_use]
    pub const fn new(store: SqlStore) -> Self {
        Self { store }
    }

    async fn query(&self, sql: &str, values: Vec<Value>) -> Result<Vec<DomainEvent>, PublishError> {
        let db = self.store.conn();
        let rows = db.query_all_raw(stmt(db.get_database_backend(), sql, values)).await.map_err(failed)?;
        rows.iter().map(decode).collect()
    }
}

fn failed(err: impl std::fmt::Display) -> PublishError {
    PublishError(format!("event outbox: {err}"))
}

fn decode(row: &QueryResult) -> Result<DomainEvent, PublishError> {
    let id: Uuid = row.try_get("", "id").map_err(failed)?;
    let tenant: Uuid = row.try_get("", "tenant_id").map_err(failed)?;
    let occurred: i64 = row.try_get("", "occurred_at").map_err(failed)?;
    let data: String = row.try_get("", "data").map_err(failed)?;
    Ok(DomainEvent {
        id: EventId::from_uuid(id),
        tenant_id: TenantId::from_uuid(tenant),
        kind: row.try_get("", "kind").map_err(failed)?,
        occurred_at: Utc.timestamp_millis_opt(occurred).single().unwrap_or_default(),
        data: serde_json::from_str(&data).map_err(failed)?,
    })
}

#[async_trait]
impl EventOutbox for SeaOrmEventOutbox {
    async fn append(&self, events: &[DomainEvent]) -> Result<(), PublishError> {
        append_in(self.store.conn(), events).await.map_err(failed)
    }

    async fn pending(&self, limit: u32) -> Result<Vec<DomainEvent>, PublishError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM domain_events WHERE relayed_at IS NULL ORDER BY occurred_at, id LIMIT {}",
            limit.max(1)
        );
        self.query(&sql, Vec::new()).await
    }

    async fn mark_relayed(&self, ids: &[EventId], at: DateTime<Utc>) -> Result<(), PublishError> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut values: Vec<Value> = vec![at.timestamp_millis().into()];
        let marks: Vec<String> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                values.push(id.as_uuid().into());
                format!("${}", i + 2)
            })
            .collect();
        let sql = format!("UPDATE domain_events SET relayed_at = $1 WHERE id IN ({})", marks.join(", "));
        let db = self.store.conn();
        db.execute_raw(stmt(db.get_database_backend(), &sql, values)).await.map(|_| ()).map_err(failed)
    }

    async fn get(&self, tenant: TenantId, id: EventId) -> Result<Option<DomainEvent>, PublishError> {
        let sql = format!("SELECT {COLUMNS} FROM domain_events WHERE tenant_id = $1 AND id = $2");
        Ok(self.query(&sql, vec![tenant.as_uuid().into(), id.as_uuid().into()]).await?.pop())
    }

    async fn between(
        &self,
        tenant: TenantId,
        kinds: &[String],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<DomainEvent>, PublishError> {
        if kinds.is_empty() {
            return Ok(Vec::new());
        }
        let mut values: Vec<Value> =
            vec![tenant.as_uuid().into(), from.timestamp_millis().into(), to.timestamp_millis().into()];
        let marks: Vec<String> = kinds
            .iter()
            .enumerate()
            .map(|(i, kind)| {
                values.push(kind.clone().into());
                format!("${}", i + 4)
            })
            .collect();
        let sql = format!(
            "SELECT {COLUMNS} FROM domain_events WHERE tenant_id = $1 AND occurred_at >= $2 AND occurred_at < $3
             AND kind IN ({}) ORDER BY occurred_at, id LIMIT {}",
            marks.join(", "),
            limit.max(1)
        );
        self.query(&sql, values).await
    }

    async fn purge(&self, before: DateTime<Utc>) -> Result<u64, PublishError> {
        let db = self.store.conn();
        let sql = "DELETE FROM domain_events WHERE relayed_at IS NOT NULL AND occurred_at < $1";
        db.execute_raw(stmt(db.get_database_backend(), sql, vec![before.timestamp_millis().into()]))
            .await
            .map(|r| r.rows_affected())
            .map_err(failed)
    }
}
