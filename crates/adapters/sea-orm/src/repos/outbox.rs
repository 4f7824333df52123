//! The outbox: [`OutboundMessenger`] and [`Outbox`] over `outbox_messages`.
//!
//! The embedded profile's messenger — what the product would text or
//! email is stored and listed (`GET /api/v1/outbox`) instead of sent — and
//! the record a real provider adapter can write alongside its sends.
//! `INSERT … ON CONFLICT (tenant_id, dedupe_key) DO NOTHING` makes a send
//! idempotent on both backends in one statement.

use crate::connection::SqlStore;
use crate::error::db;
use crate::repos::sql::stmt;
use async_trait::async_trait;
use chrono::{TimeZone, Utc};
use frontdesk_kernel::messaging::{
    MessageChannel, MessageId, MessageLedger, MessagingError, OutboundMessage, OutboundMessenger, Outbox, Sent,
    SentMessage,
};
use frontdesk_kernel::{Page, PageRequest, TenantId};
use sea_orm::{ConnectionTrait, QueryResult, Value};
use uuid::Uuid;

/// Messages in `outbox_messages`.
#[derive(Clone, Debug)]
pub struct SeaOrmOutbox {
    store: SqlStore,
}

impl SeaOrmOutbox {
    /// An outbox over `store`.
    #[must_use]
    pub const fn new(store: SqlStore) -> Self {
        Self { store }
    }
}

fn unavailable(err: sea_orm::DbErr) -> MessagingError {
    MessagingError::Unavailable(db(err))
}

fn corrupt(err: impl std::fmt::Display) -> MessagingError {
    MessagingError::unavailable(std::io::Error::other(format!("corrupt outbox row: {err}")))
}

fn decode(row: &QueryResult) -> Result<SentMessage, MessagingError> {
    let col = |name: &str| row.try_get::<String>("", name).map_err(corrupt);
    let id: Uuid = row.try_get("", "id").map_err(corrupt)?;
    let tenant: Uuid = row.try_get("", "tenant_id").map_err(corrupt)?;
    let created: i64 = row.try_get("", "created_at").map_err(corrupt)?;
    Ok(SentMessage {
        id: MessageId::from_uuid(id),
        message: OutboundMessage {
            tenant_id: TenantId::from_uuid(tenant),
            channel: col("channel")?.parse().map_err(corrupt)?,
            to: col("recipient")?,
            subject: row.try_get::<Option<String>>("", "subject").map_err(corrupt)?,
            body: col("body")?,
            dedupe_key: col("dedupe_key")?,
            headers: match row.try_get::<Option<String>>("", "headers").map_err(corrupt)? {
                Some(json) => serde_json::from_str(&json).map_err(corrupt)?,
                None => Vec::new(),
            },
        },
        created_at: Utc.timestamp_millis_opt(created).single().unwrap_or_default(),
    })
}

#[async_trait]
impl OutboundMessenger for SeaOrmOutbox {
    async fn send(&self, message: &OutboundMessage) -> Result<Sent, MessagingError> {
        let db = self.store.connection();
        let id = MessageId::new();
        let sql =
            "INSERT INTO outbox_messages (id, tenant_id, channel, recipient, subject, body, dedupe_key, created_at, headers)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (tenant_id, dedupe_key) DO NOTHING";
        let values: Vec<Value> = vec![
            id.as_uuid().into(),
            message.tenant_id.as_uuid().into(),
            message.channel.as_str().into(),
            message.to.clone().into(),
            message.subject.clone().into(),
            message.body.clone().into(),
            message.dedupe_key.clone().into(),
            Utc::now().timestamp_millis().into(),
            (!message.headers.is_empty()).then(|| serde_json::to_string(&message.headers).unwrap_or_default()).into(),
        ];
        let done = db.execute_raw(stmt(db.get_database_backend(), sql, values)).await.map_err(unavailable)?;
        Ok(if done.rows_affected() == 1 { Sent::New(id) } else { Sent::Duplicate })
    }
}

#[async_trait]
impl MessageLedger for SeaOrmOutbox {
    async fn forget(&self, tenant: TenantId, dedupe_key: &str) -> Result<(), MessagingError> {
        let db = self.store.connection();
        let sql = "DELETE FROM outbox_messages WHERE tenant_id = $1 AND dedupe_key = $2";
        let values: Vec<Value> = vec![tenant.as_uuid().into(), dedupe_key.to_owned().into()];
        db.execute_raw(stmt(db.get_database_backend(), sql, values)).await.map_err(unavailable)?;
        Ok(())
    }
}

#[async_trait]
impl Outbox for SeaOrmOutbox {
    async fn list(
        &self,
        tenant: TenantId,
        channel: Option<MessageChannel>,
        page: PageRequest,
    ) -> Result<Page<SentMessage>, MessagingError> {
        let db = self.store.connection();
        let backend = db.get_database_backend();
        let (filter, mut values): (&str, Vec<Value>) = match channel {
            Some(channel) => {
                ("tenant_id = $1 AND channel = $2", vec![tenant.as_uuid().into(), channel.as_str().into()])
            }
            None => ("tenant_id = $1", vec![tenant.as_uuid().into()]),
        };
        let count = format!("SELECT COUNT(*) AS n FROM outbox_messages WHERE {filter}");
        let total: i64 = db
            .query_one_raw(stmt(backend, &count, values.clone()))
            .await
            .map_err(unavailable)?
            .map(|row| row.try_get("", "n").map_err(corrupt))
            .transpose()?
            .unwrap_or(0);
        let n = values.len();
        let rows = format!(
            "SELECT id, tenant_id, channel, recipient, subject, body, dedupe_key, created_at, headers FROM outbox_messages
             WHERE {filter} ORDER BY created_at DESC, id DESC LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        values.push(i64::from(page.limit()).into());
        values.push(i64::try_from(page.offset()).unwrap_or(i64::MAX).into());
        let rows = db.query_all_raw(stmt(backend, &rows, values)).await.map_err(unavailable)?;
        let data = rows.iter().map(decode).collect::<Result<Vec<_>, _>>()?;
        Ok(Page::new(data, page, u64::try_from(total).unwrap_or(0)))
    }
}
