//! [`SubscriptionRepository`] over `webhook_subscriptions` and `webhook_attempts`.
//!
//! Signing secrets are stored sealed, as base64 beside their key id; the
//! event filter is a JSON array (a subscription has at most eleven kinds, so
//! `wanting` filters the tenant's few active rows in memory). An attempt
//! is keyed (subscription, event, series, attempt): `ON CONFLICT DO NOTHING`
//! tells a redelivered job that its attempt was made.

use super::{B64, corrupt, millis, optional_millis, storage};
use crate::connection::SqlStore;
use crate::repos::sql::stmt;
use async_trait::async_trait;
use base64::Engine as _;
use chrono::{DateTime, TimeZone, Utc};
use frontdesk_integrations::outbound::{
    Attempt, Subscription, SubscriptionId, SubscriptionRepository, SubscriptionStatus,
};
use frontdesk_integrations::{IntegrationsError, Result, SealedSecret};
use frontdesk_kernel::events::EventId;
use frontdesk_kernel::{Page, PageRequest, TenantId};
use sea_orm::{ConnectionTrait, QueryResult, Value};
use uuid::Uuid;

const COLUMNS: &str = "id, tenant_id, created_at, url, description, events, status, secrets, secrets_key_id,
    previous_until, failing_since, disabled_reason, updated_at";

const ATTEMPT_COLUMNS: &str = "id, subscription_id, tenant_id, event_id, event_kind, series, attempt, attempted_at,
    status_code, latency_ms, excerpt, error, succeeded, next_attempt_at";

const NOT_FOUND: IntegrationsError = IntegrationsError::NotFound { entity: "webhook subscription" };

/// Subscriptions and their attempt log in SQL.
#[derive(Clone, Debug)]
pub struct SeaOrmSubscriptions {
    store: SqlStore,
}

impl SeaOrmSubscriptions {
    /// Subscriptions over `store`.
    #[must_use]
    pub const fn new(store: SqlStore) -> Self {
        Self { store }
    }

    async fn rows(&self, sql: &str, values: Vec<Value>) -> Result<Vec<QueryResult>> {
        let db = self.store.conn();
        db.query_all_raw(stmt(db.get_database_backend(), sql, values)).await.map_err(storage)
    }

    async fn execute(&self, sql: &str, values: Vec<Value>) -> Result<u64> {
        let db = self.store.conn();
        Ok(db.execute_raw(stmt(db.get_database_backend(), sql, values)).await.map_err(storage)?.rows_affected())
    }

    async fn count_of(&self, sql: &str, values: Vec<Value>) -> Result<u64> {
        let rows = self.rows(sql, values).await?;
        let n: i64 = rows.first().map(|r| r.try_get("", "n")).transpose().map_err(corrupt)?.unwrap_or(0);
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

fn instant(row: &QueryResult, name: &str) -> Result<Option<DateTime<Utc>>> {
    let millis: Option<i64> = row.try_get("", name).map_err(corrupt)?;
    millis.map(|m| Utc.timestamp_millis_opt(m).single().ok_or_else(|| corrupt("instant out of range"))).transpose()
}

fn required(row: &QueryResult, name: &str) -> Result<DateTime<Utc>> {
    instant(row, name)?.ok_or_else(|| corrupt(format!("no {name}")))
}

/// The values of the columns a write changes, in `COLUMNS` order from `url` to `updated_at`.
fn changeable(s: &Subscription) -> Vec<Value> {
    vec![
        s.url.clone().into(),
        s.description.clone().into(),
        serde_json::json!(s.events).to_string().into(),
        s.status.as_str().into(),
        B64.encode(s.sealed_secrets.as_bytes()).into(),
        s.sealed_secrets.key_id().to_owned().into(),
        optional_millis(s.previous_until),
        optional_millis(s.failing_since),
        s.disabled_reason.clone().into(),
        millis(s.updated_at),
    ]
}

fn decode(row: &QueryResult) -> Result<Subscription> {
    let text = |name: &str| -> Result<String> { row.try_get("", name).map_err(corrupt) };
    let id: Uuid = row.try_get("", "id").map_err(corrupt)?;
    let tenant: Uuid = row.try_get("", "tenant_id").map_err(corrupt)?;
    Ok(Subscription {
        id: SubscriptionId::from_uuid(id),
        tenant_id: TenantId::from_uuid(tenant),
        url: text("url")?,
        description: row.try_get("", "description").map_err(corrupt)?,
        events: serde_json::from_str(&text("events")?).map_err(corrupt)?,
        status: text("status")?.parse::<SubscriptionStatus>().map_err(corrupt)?,
        sealed_secrets: SealedSecret::new(text("secrets_key_id")?, B64.decode(text("secrets")?).map_err(corrupt)?),
        previous_until: instant(row, "previous_until")?,
        failing_since: instant(row, "failing_since")?,
        disabled_reason: row.try_get("", "disabled_reason").map_err(corrupt)?,
        created_at: required(row, "created_at")?,
        updated_at: required(row, "updated_at")?,
    })
}

fn decode_attempt(row: &QueryResult) -> Result<Attempt> {
    let subscription: Uuid = row.try_get("", "subscription_id").map_err(corrupt)?;
    let tenant: Uuid = row.try_get("", "tenant_id").map_err(corrupt)?;
    let event: Uuid = row.try_get("", "event_id").map_err(corrupt)?;
    let attempt: i32 = row.try_get("", "attempt").map_err(corrupt)?;
    let status: Option<i32> = row.try_get("", "status_code").map_err(corrupt)?;
    let latency: i64 = row.try_get("", "latency_ms").map_err(corrupt)?;
    Ok(Attempt {
        subscription_id: SubscriptionId::from_uuid(subscription),
        tenant_id: TenantId::from_uuid(tenant),
        event_id: EventId::from_uuid(event),
        event_kind: row.try_get("", "event_kind").map_err(corrupt)?,
        series: row.try_get("", "series").map_err(corrupt)?,
        attempt: u32::try_from(attempt).map_err(corrupt)?,
        attempted_at: required(row, "attempted_at")?,
        status_code: status.map(u16::try_from).transpose().map_err(corrupt)?,
        latency_ms: u64::try_from(latency).map_err(corrupt)?,
        excerpt: row.try_get("", "excerpt").map_err(corrupt)?,
        error: row.try_get("", "error").map_err(corrupt)?,
        succeeded: row.try_get("", "succeeded").map_err(corrupt)?,
        next_attempt_at: instant(row, "next_attempt_at")?,
    })
}

#[async_trait]
impl SubscriptionRepository for SeaOrmSubscriptions {
    async fn insert(&self, s: &Subscription) -> Result<()> {
        let sql = format!(
            "INSERT INTO webhook_subscriptions ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        );
        let mut values = vec![s.id.as_uuid().into(), s.tenant_id.as_uuid().into(), millis(s.created_at)];
        values.extend(changeable(s));
        self.execute(&sql, values).await.map(|_| ())
    }

    async fn get(&self, tenant: TenantId, id: SubscriptionId) -> Result<Subscription> {
        let sql = format!("SELECT {COLUMNS} FROM webhook_subscriptions WHERE tenant_id = $1 AND id = $2");
        let rows = self.rows(&sql, vec![tenant.as_uuid().into(), id.as_uuid().into()]).await?;
        rows.first().map(decode).transpose()?.ok_or(NOT_FOUND)
    }

    async fn list(&self, tenant: TenantId, page: PageRequest) -> Result<Page<Subscription>> {
        let total = self.count(tenant).await?;
        let sql = format!(
            "SELECT {COLUMNS} FROM webhook_subscriptions WHERE tenant_id = $1 ORDER BY created_at, id LIMIT $2 OFFSET $3"
        );
        let values = vec![
            tenant.as_uuid().into(),
            i64::from(page.limit()).into(),
            i64::try_from(page.offset()).unwrap_or(i64::MAX).into(),
        ];
        let data = self.rows(&sql, values).await?.iter().map(decode).collect::<Result<Vec<_>>>()?;
        Ok(Page::new(data, page, total))
    }

    async fn count(&self, tenant: TenantId) -> Result<u64> {
        self.count_of(
            "SELECT COUNT(*) AS n FROM webhook_subscriptions WHERE tenant_id = $1",
            vec![tenant.as_uuid().into()],
        )
        .await
    }

    async fn wanting(&self, tenant: TenantId, kind: &str) -> Result<Vec<Subscription>> {
        let sql = format!("SELECT {COLUMNS} FROM webhook_subscriptions WHERE tenant_id = $1 AND status = 'active'");
        let rows = self.rows(&sql, vec![tenant.as_uuid().into()]).await?;
        let all = rows.iter().map(decode).collect::<Result<Vec<_>>>()?;
        Ok(all.into_iter().filter(|s| s.wants(kind)).collect())
    }

    async fn update(&self, s: &Subscription, seen: DateTime<Utc>) -> Result<()> {
        let sql = "UPDATE webhook_subscriptions SET url = $1, description = $2, events = $3, status = $4,
            secrets = $5, secrets_key_id = $6, previous_until = $7, failing_since = $8, disabled_reason = $9,
            updated_at = $10 WHERE tenant_id = $11 AND id = $12 AND updated_at = $13";
        let mut values = changeable(s);
        values.extend([s.tenant_id.as_uuid().into(), s.id.as_uuid().into(), millis(seen)]);
        if self.execute(sql, values).await? == 1 {
            return Ok(());
        }
        // Gone (NotFound) or changed since it was read (Conflict).
        self.get(s.tenant_id, s.id).await.and(Err(IntegrationsError::Conflict))
    }

    async fn set_failing_since(
        &self,
        tenant: TenantId,
        id: SubscriptionId,
        since: Option<DateTime<Utc>>,
    ) -> Result<()> {
        let sql = "UPDATE webhook_subscriptions SET failing_since = $1 WHERE tenant_id = $2 AND id = $3";
        self.execute(sql, vec![optional_millis(since), tenant.as_uuid().into(), id.as_uuid().into()]).await.map(|_| ())
    }

    async fn delete(&self, tenant: TenantId, id: SubscriptionId) -> Result<()> {
        // The attempt log goes with it (ON DELETE CASCADE; SQLite connections enable foreign keys).
        let values = || vec![tenant.as_uuid().into(), id.as_uuid().into()];
        self.execute("DELETE FROM webhook_attempts WHERE tenant_id = $1 AND subscription_id = $2", values()).await?;
        match self.execute("DELETE FROM webhook_subscriptions WHERE tenant_id = $1 AND id = $2", values()).await? {
            0 => Err(NOT_FOUND),
            _ => Ok(()),
        }
    }

    async fn record_attempt(&self, a: &Attempt) -> Result<bool> {
        let sql = format!(
            "INSERT INTO webhook_attempts ({ATTEMPT_COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
             ON CONFLICT (subscription_id, event_id, series, attempt) DO NOTHING"
        );
        let values: Vec<Value> = vec![
            Uuid::now_v7().into(),
            a.subscription_id.as_uuid().into(),
            a.tenant_id.as_uuid().into(),
            a.event_id.as_uuid().into(),
            a.event_kind.clone().into(),
            a.series.clone().into(),
            i32::try_from(a.attempt).unwrap_or(i32::MAX).into(),
            millis(a.attempted_at),
            a.status_code.map(i32::from).into(),
            i64::try_from(a.latency_ms).unwrap_or(i64::MAX).into(),
            a.excerpt.clone().into(),
            a.error.clone().into(),
            a.succeeded.into(),
            optional_millis(a.next_attempt_at),
        ];
        Ok(self.execute(&sql, values).await? == 1)
    }

    async fn find_attempt(
        &self,
        subscription: SubscriptionId,
        event: EventId,
        series: &str,
        attempt: u32,
    ) -> Result<Option<Attempt>> {
        let sql = format!(
            "SELECT {ATTEMPT_COLUMNS} FROM webhook_attempts
             WHERE subscription_id = $1 AND event_id = $2 AND series = $3 AND attempt = $4"
        );
        let values: Vec<Value> = vec![
            subscription.as_uuid().into(),
            event.as_uuid().into(),
            series.to_owned().into(),
            i32::try_from(attempt).unwrap_or(i32::MAX).into(),
        ];
        self.rows(&sql, values).await?.first().map(decode_attempt).transpose()
    }

    async fn sealed_under_other_keys(
        &self,
        key_id: &str,
        after: Option<SubscriptionId>,
        limit: u32,
    ) -> Result<Vec<Subscription>> {
        let (sql, values): (String, Vec<Value>) = match after {
            None => (
                format!("SELECT {COLUMNS} FROM webhook_subscriptions WHERE secrets_key_id <> $1 ORDER BY id LIMIT $2"),
                vec![key_id.to_owned().into(), i64::from(limit).into()],
            ),
            Some(after) => (
                format!(
                    "SELECT {COLUMNS} FROM webhook_subscriptions WHERE secrets_key_id <> $1 AND id > $2 ORDER BY id LIMIT $3"
                ),
                vec![key_id.to_owned().into(), after.as_uuid().into(), i64::from(limit).into()],
            ),
        };
        self.rows(&sql, values).await?.iter().map(decode).collect()
    }

    async fn reseal(
        &self,
        id: SubscriptionId,
        from_key: &str,
        seen: DateTime<Utc>,
        sealed: &SealedSecret,
    ) -> Result<bool> {
        let sql = "UPDATE webhook_subscriptions SET secrets = $1, secrets_key_id = $2, updated_at = $3
            WHERE id = $4 AND secrets_key_id = $5 AND updated_at = $6";
        let values: Vec<Value> = vec![
            B64.encode(sealed.as_bytes()).into(),
            sealed.key_id().to_owned().into(),
            millis(seen + chrono::Duration::milliseconds(1)),
            id.as_uuid().into(),
            from_key.to_owned().into(),
            millis(seen),
        ];
        Ok(self.execute(sql, values).await? == 1)
    }

    async fn purge_attempts(&self, before: DateTime<Utc>) -> Result<u64> {
        self.execute("DELETE FROM webhook_attempts WHERE attempted_at < $1", vec![millis(before)]).await
    }

    async fn attempts(&self, tenant: TenantId, id: SubscriptionId, page: PageRequest) -> Result<Page<Attempt>> {
        let scope = || vec![tenant.as_uuid().into(), id.as_uuid().into()];
        let total = self
            .count_of(
                "SELECT COUNT(*) AS n FROM webhook_attempts WHERE tenant_id = $1 AND subscription_id = $2",
                scope(),
            )
            .await?;
        let sql = format!(
            "SELECT {ATTEMPT_COLUMNS} FROM webhook_attempts WHERE tenant_id = $1 AND subscription_id = $2
             ORDER BY attempted_at DESC, id DESC LIMIT $3 OFFSET $4"
        );
        let mut values = scope();
        values.push(i64::from(page.limit()).into());
        values.push(i64::try_from(page.offset()).unwrap_or(i64::MAX).into());
        let data = self.rows(&sql, values).await?.iter().map(decode_attempt).collect::<Result<Vec<_>>>()?;
        Ok(Page::new(data, page, total))
    }
}
