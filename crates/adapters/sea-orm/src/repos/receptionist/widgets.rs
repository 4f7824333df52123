//! [`WidgetStore`] over `chat_widgets`: one row per sub-account, written
//! with one upsert; the key's unique index makes the public lookup exact.

use crate::connection::SqlStore;
use crate::repos::sql::stmt;
use async_trait::async_trait;
use chrono::{TimeZone, Utc};
use frontdesk_kernel::TenantId;
use frontdesk_receptionist::channels::widget::{ChatWidget, WidgetStore};
use frontdesk_receptionist::{ReceptionistError, Result};
use sea_orm::{ConnectionTrait, QueryResult, Value};
use uuid::Uuid;

/// Chat widgets in SQL.
#[derive(Clone, Debug)]
pub struct SeaOrmWidgets {
    store: SqlStore,
}

impl SeaOrmWidgets {
    /// Widgets over `store`.
    #[must_use]
    pub const fn new(store: SqlStore) -> Self {
        Self { store }
    }

    async fn one(&self, sql: &str, value: Value) -> Result<Option<ChatWidget>> {
        let db = self.store.connection();
        let rows = db
            .query_all_raw(stmt(db.get_database_backend(), sql, vec![value]))
            .await
            .map_err(|e| ReceptionistError::Storage(crate::error::db(e)))?;
        rows.first().map(decode).transpose()
    }
}

fn corrupt(err: impl std::fmt::Display) -> ReceptionistError {
    ReceptionistError::storage(std::io::Error::other(format!("corrupt chat_widgets row: {err}")))
}

const COLUMNS: &str =
    "tenant_id, widget_key, allowed_origins, greeting, primary_color, text_color, created_at, updated_at";

fn decode(row: &QueryResult) -> Result<ChatWidget> {
    let tenant: Uuid = row.try_get("", "tenant_id").map_err(corrupt)?;
    let origins: String = row.try_get("", "allowed_origins").map_err(corrupt)?;
    let at = |name: &str| -> Result<chrono::DateTime<Utc>> {
        let millis: i64 = row.try_get("", name).map_err(corrupt)?;
        Utc.timestamp_millis_opt(millis).single().ok_or_else(|| corrupt("instant out of range"))
    };
    Ok(ChatWidget {
        tenant_id: TenantId::from_uuid(tenant),
        key: row.try_get("", "widget_key").map_err(corrupt)?,
        allowed_origins: serde_json::from_str(&origins).map_err(corrupt)?,
        greeting: row.try_get("", "greeting").map_err(corrupt)?,
        primary_color: row.try_get("", "primary_color").map_err(corrupt)?,
        text_color: row.try_get("", "text_color").map_err(corrupt)?,
        created_at: at("created_at")?,
        updated_at: at("updated_at")?,
    })
}

#[async_trait]
impl WidgetStore for SeaOrmWidgets {
    async fn get(&self, tenant: TenantId) -> Result<Option<ChatWidget>> {
        self.one(&format!("SELECT {COLUMNS} FROM chat_widgets WHERE tenant_id = $1"), tenant.as_uuid().into()).await
    }

    async fn by_key(&self, key: &str) -> Result<Option<ChatWidget>> {
        self.one(&format!("SELECT {COLUMNS} FROM chat_widgets WHERE widget_key = $1"), key.to_owned().into()).await
    }

    async fn put(&self, widget: &ChatWidget) -> Result<()> {
        let db = self.store.connection();
        let sql = format!(
            "INSERT INTO chat_widgets ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (tenant_id) DO UPDATE SET allowed_origins = excluded.allowed_origins,
               greeting = excluded.greeting, primary_color = excluded.primary_color,
               text_color = excluded.text_color, updated_at = excluded.updated_at"
        );
        let values: Vec<Value> = vec![
            widget.tenant_id.as_uuid().into(),
            widget.key.clone().into(),
            serde_json::to_string(&widget.allowed_origins).map_err(ReceptionistError::storage)?.into(),
            widget.greeting.clone().into(),
            widget.primary_color.clone().into(),
            widget.text_color.clone().into(),
            widget.created_at.timestamp_millis().into(),
            widget.updated_at.timestamp_millis().into(),
        ];
        db.execute_raw(stmt(db.get_database_backend(), &sql, values))
            .await
            .map_err(|e| ReceptionistError::Storage(crate::error::db(e)))?;
        Ok(())
    }
}
