//! [`EmailThreads`] over `email_threads`: one row per message id, so a
//! reply is found by any id its `In-Reply-To` or `References` carries.
//! Filing is `INSERT … ON CONFLICT DO NOTHING`: an id keeps the first
//! conversation it was filed under, and a redelivered email files nothing new.

use crate::connection::SqlStore;
use crate::error::db;
use crate::repos::sql::stmt;
use async_trait::async_trait;
use chrono::Utc;
use frontdesk_kernel::TenantId;
use frontdesk_receptionist::channels::email::EmailThreads;
use frontdesk_receptionist::{ConversationId, ReceptionistError, Result};
use sea_orm::{ConnectionTrait, Value};
use uuid::Uuid;

/// Email threads in SQL.
#[derive(Clone, Debug)]
pub struct SeaOrmEmailThreads {
    store: SqlStore,
}

impl SeaOrmEmailThreads {
    /// Threads over `store`.
    #[must_use]
    pub const fn new(store: SqlStore) -> Self {
        Self { store }
    }
}

fn storage(err: sea_orm::DbErr) -> ReceptionistError {
    ReceptionistError::Storage(db(err))
}

fn corrupt(err: impl std::fmt::Display) -> ReceptionistError {
    ReceptionistError::storage(std::io::Error::other(format!("corrupt email_threads row: {err}")))
}

/// Ids looked up at once (a `References` header rarely lists more).
const MAX_IDS: usize = 50;

#[async_trait]
impl EmailThreads for SeaOrmEmailThreads {
    async fn find(&self, tenant: TenantId, ids: &[String]) -> Result<Option<ConversationId>> {
        let ids: Vec<&String> = ids.iter().take(MAX_IDS).collect();
        if ids.is_empty() {
            return Ok(None);
        }
        let db = self.store.connection();
        let placeholders: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT message_id, conversation_id FROM email_threads WHERE tenant_id = $1 AND message_id IN ({})",
            placeholders.join(", ")
        );
        let mut values: Vec<Value> = vec![tenant.as_uuid().into()];
        values.extend(ids.iter().map(|id| Value::from((*id).clone())));
        let rows = db.query_all_raw(stmt(db.get_database_backend(), &sql, values)).await.map_err(storage)?;
        let mut known = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: String = row.try_get("", "message_id").map_err(corrupt)?;
            let conversation: Uuid = row.try_get("", "conversation_id").map_err(corrupt)?;
            known.push((id, ConversationId::from_uuid(conversation)));
        }
        Ok(ids.iter().find_map(|id| known.iter().find(|(k, _)| k == *id).map(|(_, c)| *c)))
    }

    async fn by_subject(&self, tenant: TenantId, sender: &str, subject_key: &str) -> Result<Option<ConversationId>> {
        let db = self.store.connection();
        let sql = "SELECT conversation_id FROM email_threads WHERE tenant_id = $1 AND sender = $2 AND subject_key = $3
                   ORDER BY created_at DESC LIMIT 1";
        let values: Vec<Value> = vec![tenant.as_uuid().into(), sender.to_owned().into(), subject_key.to_owned().into()];
        let rows = db.query_all_raw(stmt(db.get_database_backend(), sql, values)).await.map_err(storage)?;
        rows.first()
            .map(|row| row.try_get::<Uuid>("", "conversation_id").map(ConversationId::from_uuid).map_err(corrupt))
            .transpose()
    }

    async fn remember(
        &self,
        tenant: TenantId,
        ids: &[String],
        conversation: ConversationId,
        sender: &str,
        subject_key: &str,
    ) -> Result<()> {
        let db = self.store.connection();
        let now = Utc::now().timestamp_micros();
        for id in ids.iter().take(MAX_IDS) {
            let sql =
                "INSERT INTO email_threads (tenant_id, message_id, conversation_id, sender, subject_key, created_at)
                       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, message_id) DO NOTHING";
            let values: Vec<Value> = vec![
                tenant.as_uuid().into(),
                id.clone().into(),
                conversation.as_uuid().into(),
                sender.to_owned().into(),
                subject_key.to_owned().into(),
                now.into(),
            ];
            db.execute_raw(stmt(db.get_database_backend(), sql, values)).await.map_err(storage)?;
        }
        Ok(())
    }
}
