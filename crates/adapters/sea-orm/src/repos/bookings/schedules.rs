//! [`ScheduleRepository`], [`ResourceRepository`] and [`AppointmentTypeRepository`] on SQL.

use super::rows::{all, at, corrupt, exec, get, ms, one, stmt};
use crate::connection::SqlStore;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use frontdesk_bookings::{
    AppointmentType, AppointmentTypeId, AppointmentTypeRepository, BookingsError, Resource, ResourceId, ResourceKind,
    ResourceRepository, Result, Schedule, ScheduleRepository,
};
use frontdesk_kernel::{Page, PageRequest, TenantId, UserId};
use sea_orm::{QueryResult, Value};
use uuid::Uuid;

/// The sub-account schedules in `schedules`.
#[derive(Clone, Debug)]
pub struct SeaOrmSchedules {
    store: SqlStore,
}

impl SeaOrmSchedules {
    /// A repository over `store`.
    #[must_use]
    pub const fn new(store: SqlStore) -> Self {
        Self { store }
    }
}

fn schedule_json(schedule: &Schedule) -> Result<String> {
    serde_json::to_string(schedule).map_err(BookingsError::storage)
}

fn schedule_from(text: &str) -> Result<Schedule> {
    serde_json::from_str(text).map_err(|e| corrupt("schedule", e))
}

#[async_trait]
impl ScheduleRepository for SeaOrmSchedules {
    async fn get(&self, tenant: TenantId) -> Result<Option<Schedule>> {
        let db = self.store.connection();
        let row = one(
            &db,
            stmt(
                db.get_database_backend(),
                "SELECT schedule FROM schedules WHERE tenant_id = $1",
                vec![tenant.as_uuid().into()],
            ),
        )
        .await?;
        row.map(|r| get::<String>(&r, "schedule").and_then(|t| schedule_from(&t))).transpose()
    }

    async fn put(&self, tenant: TenantId, schedule: &Schedule) -> Result<()> {
        let db = self.store.connection();
        let sql = "INSERT INTO schedules (tenant_id, schedule, updated_at) VALUES ($1, $2, $3)
            ON CONFLICT (tenant_id) DO UPDATE SET schedule = excluded.schedule, updated_at = excluded.updated_at";
        let values = vec![tenant.as_uuid().into(), schedule_json(schedule)?.into(), ms(Utc::now()).into()];
        exec(&db, stmt(db.get_database_backend(), sql, values)).await.map(|_| ())
    }

    async fn tenant_zone(&self, tenant: TenantId) -> Result<Tz> {
        let db = self.store.connection();
        let row = one(
            &db,
            stmt(
                db.get_database_backend(),
                "SELECT timezone FROM tenants WHERE id = $1",
                vec![tenant.as_uuid().into()],
            ),
        )
        .await?
        .ok_or(BookingsError::NotFound { entity: "sub-account" })?;
        let name: String = get(&row, "timezone")?;
        name.parse::<Tz>().map_err(|e| corrupt("tenant time zone", e))
    }
}

/// Resources in `resources` (soft-deleted with `deleted_at`).
#[derive(Clone, Debug)]
pub struct SeaOrmResources {
    store: SqlStore,
}

impl SeaOrmResources {
    /// A repository over `store`.
    #[must_use]
    pub const fn new(store: SqlStore) -> Self {
        Self { store }
    }
}

const RESOURCE_COLUMNS: &str = "id, tenant_id, name, kind, user_id, active, schedule, created_at, updated_at";

fn resource_from(row: &QueryResult) -> Result<Resource> {
    let schedule: Option<String> = get(row, "schedule")?;
    let kind: String = get(row, "kind")?;
    Ok(Resource {
        id: ResourceId::from_uuid(get(row, "id")?),
        tenant_id: TenantId::from_uuid(get(row, "tenant_id")?),
        name: get(row, "name")?,
        kind: kind.parse::<ResourceKind>().map_err(|e| corrupt("resource kind", e))?,
        user_id: get::<Option<Uuid>>(row, "user_id")?.map(UserId::from_uuid),
        active: get(row, "active")?,
        schedule: schedule.as_deref().map(schedule_from).transpose()?,
        created_at: at(get(row, "created_at")?),
        updated_at: at(get(row, "updated_at")?),
    })
}

impl SeaOrmResources {
    async fn select(&self, tail: &str, values: Vec<Value>) -> Result<Vec<Resource>> {
        let db = self.store.connection();
        let sql =
            format!("SELECT {RESOURCE_COLUMNS} FROM resources WHERE tenant_id = $1 AND deleted_at IS NULL {tail}");
        all(&db, stmt(db.get_database_backend(), &sql, values)).await?.iter().map(resource_from).collect()
    }
}

#[async_trait]
impl ResourceRepository for SeaOrmResources {
    async fn list(&self, tenant: TenantId, page: PageRequest) -> Result<Page<Resource>> {
        let data = self
            .select(
                "ORDER BY name, id LIMIT $2 OFFSET $3",
                vec![
                    tenant.as_uuid().into(),
                    i64::from(page.limit()).into(),
                    i64::try_from(page.offset()).unwrap_or(i64::MAX).into(),
                ],
            )
            .await?;
        let db = self.store.connection();
        let row = one(
            &db,
            stmt(
                db.get_database_backend(),
                "SELECT COUNT(*) AS n FROM resources WHERE tenant_id = $1 AND deleted_at IS NULL",
                vec![tenant.as_uuid().into()],
            ),
        )
        .await?;
        let total = row.map(|r| get::<i64>(&r, "n")).transpose()?.unwrap_or(0);
        Ok(Page::new(data, page, u64::try_from(total).unwrap_or(0)))
    }

    async fn all(&self, tenant: TenantId) -> Result<Vec<Resource>> {
        self.select("ORDER BY name, id", vec![tenant.as_uuid().into()]).await
    }

    async fn any_ever(&self, tenant: TenantId) -> Result<bool> {
        let db = self.store.connection();
        let row = one(
            &db,
            stmt(
                db.get_database_backend(),
                "SELECT 1 AS one FROM resources WHERE tenant_id = $1 LIMIT 1",
                vec![tenant.as_uuid().into()],
            ),
        )
        .await?;
        Ok(row.is_some())
    }

    async fn get(&self, tenant: TenantId, id: ResourceId) -> Result<Resource> {
        self.select("AND id = $2", vec![tenant.as_uuid().into(), id.as_uuid().into()])
            .await?
            .into_iter()
            .next()
            .ok_or(BookingsError::NotFound { entity: "resource" })
    }

    async fn insert(&self, r: &Resource) -> Result<()> {
        let db = self.store.connection();
        let sql = format!(
            "INSERT INTO resources ({RESOURCE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING"
        );
        let values = vec![
            r.id.as_uuid().into(),
            r.tenant_id.as_uuid().into(),
            r.name.clone().into(),
            r.kind.as_str().into(),
            r.user_id.map(|u| u.as_uuid()).into(),
            r.active.into(),
            r.schedule.as_ref().map(schedule_json).transpose()?.into(),
            ms(r.created_at).into(),
            ms(r.updated_at).into(),
        ];
        exec(&db, stmt(db.get_database_backend(), &sql, values)).await.map(|_| ())
    }

    async fn update(&self, r: &Resource) -> Result<()> {
        let db = self.store.connection();
        let sql = "UPDATE resources SET name = $3, kind = $4, user_id = $5, active = $6, schedule = $7, updated_at = $8
            WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL";
        let values = vec![
            r.tenant_id.as_uuid().into(),
            r.id.as_uuid().into(),
            r.name.clone().into(),
            r.kind.as_str().into(),
            r.user_id.map(|u| u.as_uuid()).into(),
            r.active.into(),
            r.schedule.as_ref().map(schedule_json).transpose()?.into(),
            ms(r.updated_at).into(),
        ];
        match exec(&db, stmt(db.get_database_backend(), sql, values)).await? {
            0 => Err(BookingsError::NotFound { entity: "resource" }),
            _ => Ok(()),
        }
    }

    async fn is_member(&self, tenant: TenantId, user: UserId) -> Result<bool> {
        let db = self.store.connection();
        let row = one(
            &db,
            stmt(
                db.get_database_backend(),
                "SELECT 1 AS one FROM memberships WHERE tenant_id = $1 AND user_id = $2",
                vec![tenant.as_uuid().into(), user.as_uuid().into()],
            ),
        )
        .await?;
        Ok(row.is_some())
    }

    async fn delete(&self, tenant: TenantId, id: ResourceId, now: DateTime<Utc>) -> Result<()> {
        let db = self.store.connection();
        let backend = db.get_database_backend();
        let upcoming = one(
            &db,
            stmt(
                backend,
                "SELECT COUNT(*) AS n FROM bookings WHERE tenant_id = $1 AND resource_id = $2 AND status = 'confirmed' AND ends_at > $3",
                vec![tenant.as_uuid().into(), id.as_uuid().into(), ms(now).into()],
            ),
        )
        .await?
        .map(|r| get::<i64>(&r, "n"))
        .transpose()?
        .unwrap_or(0);
        if upcoming > 0 {
            return Err(BookingsError::Conflict(format!(
                "this resource has {upcoming} upcoming booking(s): cancel or move them first"
            )));
        }
        let sql = "UPDATE resources SET deleted_at = $3, active = false WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL";
        match exec(&db, stmt(backend, sql, vec![tenant.as_uuid().into(), id.as_uuid().into(), ms(now).into()])).await? {
            0 => Err(BookingsError::NotFound { entity: "resource" }),
            _ => Ok(()),
        }
    }
}

/// Appointment types in `appointment_types` (soft-deleted with `deleted_at`).
#[derive(Clone, Debug)]
pub struct SeaOrmAppointmentTypes {
    store: SqlStore,
}

impl SeaOrmAppointmentTypes {
    /// A repository over `store`.
    #[must_use]
    pub const fn new(store: SqlStore) -> Self {
        Self { store }
    }

    async fn select(&self, tail: &str, values: Vec<Value>) -> Result<Vec<AppointmentType>> {
        let db = self.store.connection();
        let sql =
            format!("SELECT {TYPE_COLUMNS} FROM appointment_types WHERE tenant_id = $1 AND deleted_at IS NULL {tail}");
        all(&db, stmt(db.get_database_backend(), &sql, values)).await?.iter().map(type_from).collect()
    }
}

const TYPE_COLUMNS: &str = "id, tenant_id, name, duration_minutes, buffer_before_minutes, buffer_after_minutes, \
    resource_ids, active, created_at, updated_at";

fn minutes(value: Option<i32>) -> Option<u32> {
    value.and_then(|v| u32::try_from(v).ok())
}

fn type_from(row: &QueryResult) -> Result<AppointmentType> {
    let ids: String = get(row, "resource_ids")?;
    let ids: Vec<ResourceId> = serde_json::from_str(&ids).map_err(|e| corrupt("appointment type resources", e))?;
    Ok(AppointmentType {
        id: AppointmentTypeId::from_uuid(get(row, "id")?),
        tenant_id: TenantId::from_uuid(get(row, "tenant_id")?),
        name: get(row, "name")?,
        duration_minutes: minutes(Some(get(row, "duration_minutes")?)).unwrap_or(30),
        buffer_before_minutes: minutes(get(row, "buffer_before_minutes")?),
        buffer_after_minutes: minutes(get(row, "buffer_after_minutes")?),
        resource_ids: ids,
        active: get(row, "active")?,
        created_at: at(get(row, "created_at")?),
        updated_at: at(get(row, "updated_at")?),
    })
}

fn type_values(t: &AppointmentType) -> Result<Vec<Value>> {
    let int = |v: Option<u32>| v.and_then(|v| i32::try_from(v).ok());
    Ok(vec![
        t.id.as_uuid().into(),
        t.tenant_id.as_uuid().into(),
        t.name.clone().into(),
        i32::try_from(t.duration_minutes).unwrap_or(i32::MAX).into(),
        int(t.buffer_before_minutes).into(),
        int(t.buffer_after_minutes).into(),
        serde_json::to_string(&t.resource_ids).map_err(BookingsError::storage)?.into(),
        t.active.into(),
        ms(t.created_at).into(),
        ms(t.updated_at).into(),
    ])
}

#[async_trait]
impl AppointmentTypeRepository for SeaOrmAppointmentTypes {
    async fn all(&self, tenant: TenantId) -> Result<Vec<AppointmentType>> {
        self.select("ORDER BY name, id", vec![tenant.as_uuid().into()]).await
    }

    async fn get(&self, tenant: TenantId, id: AppointmentTypeId) -> Result<AppointmentType> {
        self.select("AND id = $2", vec![tenant.as_uuid().into(), id.as_uuid().into()])
            .await?
            .into_iter()
            .next()
            .ok_or(BookingsError::NotFound { entity: "appointment type" })
    }

    async fn insert(&self, t: &AppointmentType) -> Result<()> {
        let db = self.store.connection();
        let sql = format!(
            "INSERT INTO appointment_types ({TYPE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING"
        );
        exec(&db, stmt(db.get_database_backend(), &sql, type_values(t)?)).await.map(|_| ())
    }

    async fn update(&self, t: &AppointmentType) -> Result<()> {
        let db = self.store.connection();
        let sql = "UPDATE appointment_types SET name = $3, duration_minutes = $4, buffer_before_minutes = $5,
            buffer_after_minutes = $6, resource_ids = $7, active = $8, updated_at = $10
            WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL AND created_at = $9";
        match exec(&db, stmt(db.get_database_backend(), sql, type_values(t)?)).await? {
            0 => Err(BookingsError::NotFound { entity: "appointment type" }),
            _ => Ok(()),
        }
    }

    async fn delete(&self, tenant: TenantId, id: AppointmentTypeId) -> Result<()> {
        let db = self.store.connection();
        let sql =
            "UPDATE appointment_types SET deleted_at = $3 WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL";
        match exec(
            &db,
            stmt(
                db.get_database_backend(),
                sql,
                vec![tenant.as_uuid().into(), id.as_uuid().into(), ms(Utc::now()).into()],
            ),
        )
        .await?
        {
            0 => Err(BookingsError::NotFound { entity: "appointment type" }),
            _ => Ok(()),
        }
    }
}
