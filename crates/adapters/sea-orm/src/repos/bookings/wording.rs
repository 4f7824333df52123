//! [`WordingRepository`] on SQL: one JSON document per tenant and message.

use super::rows::{exec, get, one, stmt};
use crate::connection::SqlStore;
use async_trait::async_trait;
use chrono::Utc;
use frontdesk_bookings::{BookingMessage, BookingsError, Result, Wording, WordingRepository};
use frontdesk_kernel::TenantId;

/// Booking message wording in `booking_message_wording`.
#[derive(Clone, Debug)]
pub struct SeaOrmWording {
    store: SqlStore,
}

impl SeaOrmWording {
    /// A repository over `store`.
    #[must_use]
    pub const fn new(store: SqlStore) -> Self {
        Self { store }
    }
}

#[async_trait]
impl WordingRepository for SeaOrmWording {
    async fn get(&self, tenant: TenantId, message: BookingMessage) -> Result<Option<Wording>> {
        let db = self.store.connection();
        let sql = "SELECT wording FROM booking_message_wording WHERE tenant_id = $1 AND message = $2";
        let row =
            one(&db, stmt(db.get_database_backend(), sql, vec![tenant.as_uuid().into(), message.as_str().into()]))
                .await?;
        row.map(|r| {
            get::<String>(&r, "wording")
                .and_then(|text| serde_json::from_str(&text).map_err(|e| super::rows::corrupt("wording", e)))
        })
        .transpose()
    }

    async fn put(&self, tenant: TenantId, message: BookingMessage, wording: &Wording) -> Result<()> {
        let db = self.store.connection();
        let sql = "INSERT INTO booking_message_wording (tenant_id, message, wording, updated_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (tenant_id, message) DO UPDATE SET wording = excluded.wording, updated_at = excluded.updated_at";
        let text = serde_json::to_string(wording).map_err(BookingsError::storage)?;
        let values =
            vec![tenant.as_uuid().into(), message.as_str().into(), text.into(), Utc::now().timestamp_millis().into()];
        exec(&db, stmt(db.get_database_backend(), sql, values)).await.map(|_| ())
    }

    async fn delete(&self, tenant: TenantId, message: BookingMessage) -> Result<bool> {
        let db = self.store.connection();
        let sql = "DELETE FROM booking_message_wording WHERE tenant_id = $1 AND message = $2";
        let values = vec![tenant.as_uuid().into(), message.as_str().into()];
        Ok(exec(&db, stmt(db.get_database_backend(), sql, values)).await? > 0)
    }
}
