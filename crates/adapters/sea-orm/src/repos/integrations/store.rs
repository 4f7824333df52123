//! [`IntegrationRepository`] and [`TemplateSource`] in SQL.
//!
//! Sealed credentials are stored as base64 text beside their key id (one
//! column type on both backends); updates are conditional on the
//! `updated_at` the caller read, and re-sealing on the key id it replaces,
//! so neither a late check nor a rotation ever undoes a concurrent edit.

use super::{B64, corrupt, millis, optional_millis, storage};
use crate::connection::SqlStore;
use crate::repos::sql::stmt;
use async_trait::async_trait;
use base64::Engine as _;
use chrono::{DateTime, TimeZone, Utc};
use frontdesk_integrations::{
    EventLog, ExternalLinks, Integration, IntegrationId, IntegrationKind, IntegrationRepository, IntegrationStatus,
    IntegrationTemplate, IntegrationsError, Result, SealedSecret, TemplateSource,
};
use frontdesk_kernel::{JsonObject, LeadId, Page, PageRequest, TenantId};
use sea_orm::{ConnectionTrait, QueryResult, Value};
use uuid::Uuid;

const COLUMNS: &str = "id, tenant_id, kind, created_at, name, status, settings, secret_fields, credentials,
    credentials_key_id, last_error, last_error_at, last_checked_at, updated_at";

/// The values of the columns a write changes, in `COLUMNS` order from `name` to `updated_at`.
fn changeable(i: &Integration) -> Vec<Value> {
    vec![
        i.name.clone().into(),
        i.status.as_str().into(),
        json_text(&i.settings.to_value()),
        json_text(&serde_json::json!(i.secret_fields)),
        B64.encode(i.sealed_credentials.as_bytes()).into(),
        i.sealed_credentials.key_id().to_owned().into(),
        i.last_error.clone().into(),
        optional_millis(i.last_error_at),
        optional_millis(i.last_checked_at),
        millis(i.updated_at),
    ]
}

/// Integrations and their templates in SQL.
#[derive(Clone, Debug)]
pub struct SeaOrmIntegrations {
    store: SqlStore,
}

impl SeaOrmIntegrations {
    /// Integrations over `store`.
    #[must_use]
    pub const fn new(store: SqlStore) -> Self {
        Self { store }
    }

    async fn all(&self, sql: &str, values: Vec<Value>) -> Result<Vec<QueryResult>> {
        let db = self.store.connection();
        db.query_all_raw(stmt(db.get_database_backend(), sql, values)).await.map_err(storage)
    }

    async fn execute(&self, sql: &str, values: Vec<Value>) -> Result<u64> {
        let db = self.store.connection();
        Ok(db.execute_raw(stmt(db.get_database_backend(), sql, values)).await.map_err(storage)?.rows_affected())
    }

    async fn decode_all(&self, sql: &str, values: Vec<Value>) -> Result<Vec<Integration>> {
        self.all(sql, values).await?.iter().map(decode).collect()
    }
}

const NOT_FOUND: IntegrationsError = IntegrationsError::NotFound { entity: "integration" };

fn instant(millis: i64) -> Result<DateTime<Utc>> {
    Utc.timestamp_millis_opt(millis).single().ok_or_else(|| corrupt("instant out of range"))
}

fn decode(row: &QueryResult) -> Result<Integration> {
    let text = |name: &str| -> Result<String> { row.try_get("", name).map_err(corrupt) };
    let at = |name: &str| -> Result<Option<DateTime<Utc>>> {
        let millis: Option<i64> = row.try_get("", name).map_err(corrupt)?;
        millis.map(instant).transpose()
    };
    let id: Uuid = row.try_get("", "id").map_err(corrupt)?;
    let tenant: Uuid = row.try_get("", "tenant_id").map_err(corrupt)?;
    let settings: serde_json::Value = serde_json::from_str(&text("settings")?).map_err(corrupt)?;
    let credentials = B64.decode(text("credentials")?).map_err(corrupt)?;
    Ok(Integration {
        id: IntegrationId::from_uuid(id),
        tenant_id: TenantId::from_uuid(tenant),
        kind: text("kind")?.parse::<IntegrationKind>().map_err(corrupt)?,
        name: text("name")?,
        status: text("status")?.parse::<IntegrationStatus>().map_err(corrupt)?,
        settings: JsonObject::parse(settings).map_err(corrupt)?,
        secret_fields: serde_json::from_str(&text("secret_fields")?).map_err(corrupt)?,
        sealed_credentials: SealedSecret::new(text("credentials_key_id")?, credentials),
        last_error: row.try_get("", "last_error").map_err(corrupt)?,
        last_error_at: at("last_error_at")?,
        last_checked_at: at("last_checked_at")?,
        created_at: at("created_at")?.ok_or_else(|| corrupt("no created_at"))?,
        updated_at: at("updated_at")?.ok_or_else(|| corrupt("no updated_at"))?,
    })
}

fn json_text(value: &serde_json::Value) -> Value {
    value.to_string().into()
}

#[async_trait]
impl IntegrationRepository for SeaOrmIntegrations {
    async fn insert(&self, i: &Integration) -> Result<()> {
        let sql = format!(
            "INSERT INTO integrations ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        );
        let mut values =
            vec![i.id.as_uuid().into(), i.tenant_id.as_uuid().into(), i.kind.as_str().into(), millis(i.created_at)];
        values.extend(changeable(i));
        self.execute(&sql, values).await?;
        Ok(())
    }

    async fn get(&self, tenant: TenantId, id: IntegrationId) -> Result<Integration> {
        let sql = format!("SELECT {COLUMNS} FROM integrations WHERE id = $1 AND tenant_id = $2");
        let found = self.decode_all(&sql, vec![id.as_uuid().into(), tenant.as_uuid().into()]).await?;
        found.into_iter().next().ok_or(NOT_FOUND)
    }

    async fn find(&self, id: IntegrationId) -> Result<Integration> {
        let sql = format!("SELECT {COLUMNS} FROM integrations WHERE id = $1");
        self.decode_all(&sql, vec![id.as_uuid().into()]).await?.into_iter().next().ok_or(NOT_FOUND)
    }

    async fn list(&self, tenant: TenantId, page: PageRequest) -> Result<Page<Integration>> {
        let rows =
            self.all("SELECT COUNT(*) AS n FROM integrations WHERE tenant_id = $1", vec![tenant.as_uuid().into()]);
        let n: i64 = rows.await?.first().map(|r| r.try_get("", "n")).transpose().map_err(corrupt)?.unwrap_or(0);
        let sql = format!(
            "SELECT {COLUMNS} FROM integrations WHERE tenant_id = $1 ORDER BY created_at, id LIMIT $2 OFFSET $3"
        );
        let values = vec![
            tenant.as_uuid().into(),
            i64::from(page.limit()).into(),
            i64::try_from(page.offset()).unwrap_or(i64::MAX).into(),
        ];
        Ok(Page::new(self.decode_all(&sql, values).await?, page, u64::try_from(n).unwrap_or(0)))
    }

    async fn update(&self, i: &Integration, seen: DateTime<Utc>) -> Result<()> {
        let sql = "UPDATE integrations SET name = $1, status = $2, settings = $3, secret_fields = $4,
                credentials = $5, credentials_key_id = $6, last_error = $7, last_error_at = $8,
                last_checked_at = $9, updated_at = $10
             WHERE id = $11 AND tenant_id = $12 AND updated_at = $13";
        let mut values = changeable(i);
        values.extend([i.id.as_uuid().into(), i.tenant_id.as_uuid().into(), millis(seen)]);
        if self.execute(sql, values).await? == 1 {
            return Ok(());
        }
        // Nothing changed: tell a missing (or foreign) row from a concurrent edit.
        self.get(i.tenant_id, i.id).await?;
        Err(IntegrationsError::Conflict)
    }

    async fn active_of_kind(&self, tenant: TenantId, kind: IntegrationKind) -> Result<Option<Integration>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM integrations WHERE tenant_id = $1 AND kind = $2 AND status = 'active'
             ORDER BY created_at DESC, id DESC LIMIT 1"
        );
        Ok(self.decode_all(&sql, vec![tenant.as_uuid().into(), kind.as_str().into()]).await?.into_iter().next())
    }

    async fn sealed_under_other_keys(
        &self,
        key_id: &str,
        after: Option<IntegrationId>,
        limit: u32,
    ) -> Result<Vec<Integration>> {
        let after = after.map_or(Uuid::nil(), |id| id.as_uuid());
        let sql = format!(
            "SELECT {COLUMNS} FROM integrations WHERE credentials_key_id <> $1 AND credentials <> '' AND id > $2
             ORDER BY id LIMIT $3"
        );
        self.decode_all(&sql, vec![key_id.to_owned().into(), after.into(), i64::from(limit).into()]).await
    }

    async fn reseal(
        &self,
        id: IntegrationId,
        from_key: &str,
        seen: DateTime<Utc>,
        sealed: &SealedSecret,
    ) -> Result<bool> {
        let sql = "UPDATE integrations SET credentials = $1, credentials_key_id = $2, updated_at = $3
             WHERE id = $4 AND credentials_key_id = $5 AND updated_at = $6 AND credentials <> ''";
        let values = vec![
            B64.encode(sealed.as_bytes()).into(),
            sealed.key_id().to_owned().into(),
            millis(seen + chrono::Duration::milliseconds(1)),
            id.as_uuid().into(),
            from_key.to_owned().into(),
            millis(seen),
        ];
        Ok(self.execute(sql, values).await? == 1)
    }
}

#[async_trait]
impl TemplateSource for SeaOrmIntegrations {
    async fn templates(&self) -> Result<Vec<IntegrationTemplate>> {
        let rows = self
            .all(
                "SELECT kind, name, description, settings_schema, secret_fields FROM integration_templates
                 ORDER BY position",
                Vec::new(),
            )
            .await?;
        rows.iter()
            .map(|row| {
                let text = |name: &str| -> Result<String> { row.try_get("", name).map_err(corrupt) };
                Ok(IntegrationTemplate {
                    kind: text("kind")?.parse::<IntegrationKind>().map_err(corrupt)?,
                    name: text("name")?,
                    description: text("description")?,
                    settings_schema: serde_json::from_str(&text("settings_schema")?).map_err(corrupt)?,
                    secret_fields: serde_json::from_str(&text("secret_fields")?).map_err(corrupt)?,
                })
            })
            .collect()
    }
}

#[async_trait]
impl EventLog for SeaOrmIntegrations {
    async fn record(
        &self,
        integration: IntegrationId,
        event_id: &str,
        event_type: &str,
        at: DateTime<Utc>,
    ) -> Result<bool> {
        let sql = "INSERT INTO integration_events (integration_id, event_id, event_type, received_at)
             VALUES ($1, $2, $3, $4) ON CONFLICT (integration_id, event_id) DO NOTHING";
        let values =
            vec![integration.as_uuid().into(), event_id.to_owned().into(), event_type.to_owned().into(), millis(at)];
        Ok(self.execute(sql, values).await? == 1)
    }

    async fn forget(&self, integration: IntegrationId, event_id: &str) -> Result<()> {
        let sql = "DELETE FROM integration_events WHERE integration_id = $1 AND event_id = $2";
        self.execute(sql, vec![integration.as_uuid().into(), event_id.to_owned().into()]).await?;
        Ok(())
    }
}

#[async_trait]
impl ExternalLinks for SeaOrmIntegrations {
    async fn lead_for(&self, integration: IntegrationId, external_id: &str) -> Result<Option<LeadId>> {
        let sql = "SELECT lead_id FROM integration_links WHERE integration_id = $1 AND external_id = $2";
        let rows = self.all(sql, vec![integration.as_uuid().into(), external_id.to_owned().into()]).await?;
        rows.first().map(|row| row.try_get::<Uuid>("", "lead_id").map(LeadId::from_uuid).map_err(corrupt)).transpose()
    }

    async fn link(&self, tenant: TenantId, integration: IntegrationId, external_id: &str, lead: LeadId) -> Result<()> {
        let sql = "INSERT INTO integration_links (integration_id, external_id, tenant_id, lead_id, created_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (integration_id, external_id) DO UPDATE SET lead_id = excluded.lead_id";
        let values = vec![
            integration.as_uuid().into(),
            external_id.to_owned().into(),
            tenant.as_uuid().into(),
            lead.as_uuid().into(),
            millis(Utc::now()),
        ];
        self.execute(sql, values).await?;
        Ok(())
    }

    async fn contact_of(
        &self,
        integration: IntegrationId,
        lead: LeadId,
    ) -> Result<Option<frontdesk_integrations::crm::SyncedContact>> {
        let sql = "SELECT external_id, fingerprint FROM integration_links WHERE integration_id = $1 AND lead_id = $2
             ORDER BY created_at DESC LIMIT 1";
        let rows = self.all(sql, vec![integration.as_uuid().into(), lead.as_uuid().into()]).await?;
        rows.first()
            .map(|row| {
                Ok(frontdesk_integrations::crm::SyncedContact {
                    external_id: row.try_get("", "external_id").map_err(corrupt)?,
                    fingerprint: row.try_get("", "fingerprint").map_err(corrupt)?,
                })
            })
            .transpose()
    }

    async fn record_sync(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        external_id: &str,
        lead: LeadId,
        fingerprint: &str,
    ) -> Result<()> {
        let sql =
            "INSERT INTO integration_links (integration_id, external_id, tenant_id, lead_id, created_at, fingerprint)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (integration_id, external_id)
             DO UPDATE SET lead_id = excluded.lead_id, fingerprint = excluded.fingerprint";
        let values = vec![
            integration.as_uuid().into(),
            external_id.to_owned().into(),
            tenant.as_uuid().into(),
            lead.as_uuid().into(),
            millis(Utc::now()),
            fingerprint.to_owned().into(),
        ];
        self.execute(sql, values).await?;
        Ok(())
    }
}

#[async_trait]
impl frontdesk_integrations::crm::ImportCursors for SeaOrmIntegrations {
    async fn load(
        &self,
        job: frontdesk_kernel::jobs::JobId,
    ) -> Result<Option<(frontdesk_integrations::crm::ImportCursor, u64)>> {
        let sql = "SELECT cursor, imported FROM integration_import_cursors WHERE job_id = $1";
        let rows = self.all(sql, vec![job.as_uuid().into()]).await?;
        rows.first()
            .map(|row| {
                let cursor: String = row.try_get("", "cursor").map_err(corrupt)?;
                let imported: i64 = row.try_get("", "imported").map_err(corrupt)?;
                Ok((serde_json::from_str(&cursor).map_err(corrupt)?, u64::try_from(imported).unwrap_or(0)))
            })
            .transpose()
    }

    async fn save(
        &self,
        tenant: TenantId,
        job: frontdesk_kernel::jobs::JobId,
        cursor: &frontdesk_integrations::crm::ImportCursor,
        imported: u64,
    ) -> Result<()> {
        let sql = "INSERT INTO integration_import_cursors (job_id, tenant_id, cursor, imported, updated_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (job_id) DO UPDATE SET cursor = excluded.cursor, imported = excluded.imported,
             updated_at = excluded.updated_at";
        let values = vec![
            job.as_uuid().into(),
            tenant.as_uuid().into(),
            serde_json::to_string(cursor).map_err(corrupt)?.into(),
            i64::try_from(imported).unwrap_or(i64::MAX).into(),
            millis(Utc::now()),
        ];
        self.execute(sql, values).await.map(|_| ())
    }
}

#[async_trait]
impl frontdesk_integrations::appointments::AppointmentLinks for SeaOrmIntegrations {
    async fn appointment_of(&self, integration: IntegrationId, booking: uuid::Uuid) -> Result<Option<String>> {
        let sql = "SELECT external_id FROM integration_appointments WHERE integration_id = $1 AND booking_id = $2";
        let rows = self.all(sql, vec![integration.as_uuid().into(), booking.into()]).await?;
        rows.first().map(|row| row.try_get("", "external_id").map_err(corrupt)).transpose()
    }

    async fn link_appointment(
        &self,
        tenant: TenantId,
        integration: IntegrationId,
        booking: uuid::Uuid,
        external_id: &str,
    ) -> Result<()> {
        let sql =
            "INSERT INTO integration_appointments (integration_id, booking_id, tenant_id, external_id, updated_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (integration_id, booking_id) DO UPDATE SET external_id = excluded.external_id,
             updated_at = excluded.updated_at";
        let values = vec![
            integration.as_uuid().into(),
            booking.into(),
            tenant.as_uuid().into(),
            external_id.to_owned().into(),
            millis(Utc::now()),
        ];
        self.execute(sql, values).await.map(|_| ())
    }
}
