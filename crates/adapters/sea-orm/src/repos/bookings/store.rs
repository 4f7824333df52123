//! [`BookingRepository`] on SQL: the guarded writes.
//!
//! Every write that claims time runs in one transaction
//! ([`SqlStore::begin_write`], which on SQLite takes the write lock first,
//! so writers are serialized) and, per candidate resource, inside a
//! savepoint: expired hold claims overlapping the interval are deleted
//! (an expired hold never blocks, cleanup job or not), then — on SQLite —
//! an overlapping live claim refuses the candidate, and the claim is
//! inserted; on PostgreSQL the exclusion constraint refuses a concurrent
//! overlap with 23P01, which rolls back to the savepoint and tries the
//! next candidate. The booking row, the lead's timeline event and its
//! `booked` status are written in the same transaction, and so is the
//! `booking.*` domain event (the outbox, `domain_events`).

use super::rows::{all, at, exec, get, is_overlap, ms, one, stmt, storage};
use crate::connection::SqlStore;
use crate::repos::events::append_in;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk_bookings::events;
use frontdesk_bookings::{
    AppointmentTypeId, Booking, BookingFilter, BookingId, BookingRepository, BookingStatus, BookingsError, Busy,
    Candidate, Hold, HoldId, ResourceId, Result, TimeSlot, TimelineEntry,
};
use frontdesk_kernel::{LeadId, Page, PageRequest, TenantId};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, QueryResult, TransactionTrait, Value};
use uuid::Uuid;

/// Bookings, holds and their claims.
#[derive(Clone, Debug)]
pub struct SeaOrmBookings {
    store: SqlStore,
}

impl SeaOrmBookings {
    /// A repository over `store`.
    #[must_use]
    pub const fn new(store: SqlStore) -> Self {
        Self { store }
    }

    async fn begin(&self) -> Result<DatabaseTransaction> {
        self.store.begin_write().await.map_err(storage)
    }
}

const BOOKING_COLUMNS: &str = "id, tenant_id, lead_id, resource_id, appointment_type_id, starts_at, ends_at, \
    blocks_from, blocks_until, status, notes, cancel_reason, manage_token_hash, reschedule_count, created_at, updated_at";

const HOLD_COLUMNS: &str = "id, tenant_id, resource_id, appointment_type_id, lead_id, starts_at, ends_at, blocks_from, blocks_until, expires_at, created_at";

fn slot(from: i64, until: i64) -> Result<TimeSlot> {
    TimeSlot::new(at(from), at(until)).map_err(|e| super::rows::corrupt("claim", e))
}

fn booking_from(row: &QueryResult) -> Result<Booking> {
    let status: String = get(row, "status")?;
    Ok(Booking {
        id: BookingId::from_uuid(get(row, "id")?),
        tenant_id: TenantId::from_uuid(get(row, "tenant_id")?),
        lead_id: LeadId::from_uuid(get(row, "lead_id")?),
        resource_id: ResourceId::from_uuid(get(row, "resource_id")?),
        appointment_type_id: AppointmentTypeId::from_uuid(get(row, "appointment_type_id")?),
        starts_at: at(get(row, "starts_at")?),
        ends_at: at(get(row, "ends_at")?),
        blocks: slot(get(row, "blocks_from")?, get(row, "blocks_until")?)?,
        status: status.parse::<BookingStatus>().map_err(|e| super::rows::corrupt("booking status", e))?,
        notes: get(row, "notes")?,
        cancel_reason: get(row, "cancel_reason")?,
        manage_token_hash: get(row, "manage_token_hash")?,
        reschedule_count: u32::try_from(get::<i32>(row, "reschedule_count")?).unwrap_or(0),
        created_at: at(get(row, "created_at")?),
        updated_at: at(get(row, "updated_at")?),
    })
}

fn hold_from(row: &QueryResult) -> Result<Hold> {
    Ok(Hold {
        id: HoldId::from_uuid(get(row, "id")?),
        tenant_id: TenantId::from_uuid(get(row, "tenant_id")?),
        resource_id: ResourceId::from_uuid(get(row, "resource_id")?),
        appointment_type_id: AppointmentTypeId::from_uuid(get(row, "appointment_type_id")?),
        lead_id: get::<Option<Uuid>>(row, "lead_id")?.map(LeadId::from_uuid),
        starts_at: at(get(row, "starts_at")?),
        ends_at: at(get(row, "ends_at")?),
        blocks: slot(get(row, "blocks_from")?, get(row, "blocks_until")?)?,
        expires_at: at(get(row, "expires_at")?),
        created_at: at(get(row, "created_at")?),
    })
}

/// Claims `blocks` of `resource` for `id` (`expires` for a hold) unless a live claim overlaps.
/// Runs in a savepoint of `txn`; `Ok(false)` when taken.
async fn claim(
    txn: &DatabaseTransaction,
    tenant: TenantId,
    id: Uuid,
    resource: ResourceId,
    blocks: TimeSlot,
    expires: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let backend = txn.get_database_backend();
    let savepoint = txn.begin().await.map_err(storage)?;
    let (from, until) = (ms(blocks.start()), ms(blocks.end()));
    let scope = || vec![tenant.as_uuid().into(), resource.as_uuid().into(), from.into(), until.into(), ms(now).into()];
    // Expired holds never block: they go first, with their hold rows.
    let expired =
        "FROM slot_claims WHERE tenant_id = $1 AND resource_id = $2 AND blocks_from < $4 AND blocks_until > $3
        AND kind = 'hold' AND expires_at <= $5";
    exec(&savepoint, stmt(backend, &format!("DELETE FROM booking_holds WHERE id IN (SELECT id {expired})"), scope()))
        .await?;
    exec(&savepoint, stmt(backend, &format!("DELETE {expired}"), scope())).await?;
    if backend == DbBackend::Sqlite {
        let live = "SELECT 1 AS one FROM slot_claims WHERE tenant_id = $1 AND resource_id = $2 AND blocks_from < $4
            AND blocks_until > $3 AND (expires_at IS NULL OR expires_at > $5) LIMIT 1";
        if one(&savepoint, stmt(backend, live, scope())).await?.is_some() {
            savepoint.rollback().await.map_err(storage)?;
            return Ok(false);
        }
    }
    let insert = "INSERT INTO slot_claims (id, tenant_id, resource_id, blocks_from, blocks_until, kind, expires_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7)";
    let values: Vec<Value> = vec![
        id.into(),
        tenant.as_uuid().into(),
        resource.as_uuid().into(),
        from.into(),
        until.into(),
        if expires.is_some() { "hold" } else { "booking" }.into(),
        expires.map(ms).into(),
    ];
    match savepoint.execute_raw(stmt(backend, insert, values)).await {
        Ok(_) => {
            savepoint.commit().await.map_err(storage)?;
            Ok(true)
        }
        Err(err) if is_overlap(&err) => {
            savepoint.rollback().await.map_err(storage)?;
            Ok(false)
        }
        Err(err) => Err(storage(err)),
    }
}

/// Appends the timeline entry and, when asked, moves the lead to `booked` (from an open status).
async fn record(
    txn: &DatabaseTransaction,
    tenant: TenantId,
    lead: LeadId,
    entry: &TimelineEntry,
    now: DateTime<Utc>,
) -> Result<()> {
    let backend = txn.get_database_backend();
    let insert = "INSERT INTO lead_events (id, tenant_id, lead_id, kind, direction, content, meta, created_at)
        VALUES ($1, $2, $3, 'booking', NULL, $4, $5, $6)";
    let values: Vec<Value> = vec![
        Uuid::now_v7().into(),
        tenant.as_uuid().into(),
        lead.as_uuid().into(),
        entry.content.clone().into(),
        entry.meta.to_value().into(),
        now.into(),
    ];
    exec(txn, stmt(backend, insert, values)).await?;
    if entry.mark_booked {
        let before = crate::repos::leads::read_in(txn, tenant, lead).await.map_err(BookingsError::storage)?;
        let update = "UPDATE leads SET status = 'booked', version = version + 1, updated_at = $3
            WHERE tenant_id = $1 AND id = $2 AND status IN ('new', 'contacted', 'qualified')";
        let moved =
            exec(txn, stmt(backend, update, vec![tenant.as_uuid().into(), lead.as_uuid().into(), now.into()])).await?;
        // The lead's own events, in the same transaction: lead.updated and lead.status_changed.
        if moved == 1
            && let (Some(before), Some(after)) =
                (before, crate::repos::leads::read_in(txn, tenant, lead).await.map_err(BookingsError::storage)?)
        {
            let payload = frontdesk_leads::events::lead_payload(&after);
            let events = [
                frontdesk_kernel::events::DomainEvent::new(
                    tenant,
                    frontdesk_leads::events::LEAD_UPDATED,
                    serde_json::json!({ "lead": payload }),
                    now,
                ),
                frontdesk_kernel::events::DomainEvent::new(
                    tenant,
                    frontdesk_leads::events::LEAD_STATUS_CHANGED,
                    serde_json::json!({ "lead": payload, "from": before.status.as_str(), "to": after.status.as_str() }),
                    now,
                ),
            ];
            append_in(txn, &events).await.map_err(storage)?;
        }
    }
    Ok(())
}

/// The booking `id` of `tenant`, read inside `db`.
async fn read_booking(db: &impl ConnectionTrait, tenant: TenantId, id: BookingId) -> Result<Booking> {
    let sql = format!("SELECT {BOOKING_COLUMNS} FROM bookings WHERE tenant_id = $1 AND id = $2");
    let row = one(db, stmt(db.get_database_backend(), &sql, vec![tenant.as_uuid().into(), id.as_uuid().into()]))
        .await?
        .ok_or(BookingsError::NotFound { entity: "booking" })?;
    booking_from(&row)
}

#[async_trait]
impl BookingRepository for SeaOrmBookings {
    async fn insert_hold(&self, hold: &Hold, now: DateTime<Utc>) -> Result<()> {
        let txn = self.begin().await?;
        if !claim(&txn, hold.tenant_id, hold.id.as_uuid(), hold.resource_id, hold.blocks, Some(hold.expires_at), now)
            .await?
        {
            return Err(BookingsError::SlotTaken { any: false });
        }
        let sql =
            format!("INSERT INTO booking_holds ({HOLD_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)");
        let values: Vec<Value> = vec![
            hold.id.as_uuid().into(),
            hold.tenant_id.as_uuid().into(),
            hold.resource_id.as_uuid().into(),
            hold.appointment_type_id.as_uuid().into(),
            hold.lead_id.map(|l| l.as_uuid()).into(),
            ms(hold.starts_at).into(),
            ms(hold.ends_at).into(),
            ms(hold.blocks.start()).into(),
            ms(hold.blocks.end()).into(),
            ms(hold.expires_at).into(),
            ms(hold.created_at).into(),
        ];
        exec(&txn, stmt(txn.get_database_backend(), &sql, values)).await?;
        txn.commit().await.map_err(storage)
    }

    async fn get_hold(&self, tenant: TenantId, id: HoldId) -> Result<Hold> {
        let db = self.store.connection();
        let sql = format!("SELECT {HOLD_COLUMNS} FROM booking_holds WHERE tenant_id = $1 AND id = $2");
        let row = one(&db, stmt(db.get_database_backend(), &sql, vec![tenant.as_uuid().into(), id.as_uuid().into()]))
            .await?
            .ok_or(BookingsError::NotFound { entity: "hold" })?;
        hold_from(&row)
    }

    async fn delete_hold(&self, tenant: TenantId, id: HoldId) -> Result<()> {
        let txn = self.begin().await?;
        let backend = txn.get_database_backend();
        let scope = || vec![tenant.as_uuid().into(), id.as_uuid().into()];
        let gone =
            exec(&txn, stmt(backend, "DELETE FROM booking_holds WHERE tenant_id = $1 AND id = $2", scope())).await?;
        if gone == 0 {
            return Err(BookingsError::NotFound { entity: "hold" });
        }
        exec(&txn, stmt(backend, "DELETE FROM slot_claims WHERE tenant_id = $1 AND id = $2", scope())).await?;
        txn.commit().await.map_err(storage)
    }

    async fn insert_booking(
        &self,
        booking: &Booking,
        candidates: &[Candidate],
        hold: Option<HoldId>,
        entry: &TimelineEntry,
        now: DateTime<Utc>,
    ) -> Result<Booking> {
        let tenant = booking.tenant_id;
        let txn = self.begin().await?;
        let backend = txn.get_database_backend();
        let lead = "SELECT 1 AS one FROM leads WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL";
        if one(&txn, stmt(backend, lead, vec![tenant.as_uuid().into(), booking.lead_id.as_uuid().into()]))
            .await?
            .is_none()
        {
            return Err(BookingsError::NotFound { entity: "lead" });
        }
        if let Some(hold) = hold {
            let scope = || vec![tenant.as_uuid().into(), hold.as_uuid().into(), ms(now).into()];
            let converted = exec(
                &txn,
                stmt(
                    backend,
                    "DELETE FROM booking_holds WHERE tenant_id = $1 AND id = $2 AND expires_at > $3",
                    scope(),
                ),
            )
            .await?;
            if converted == 0 {
                return Err(BookingsError::HoldExpired(format!("hold {hold} has expired or was released")));
            }
            exec(&txn, stmt(backend, "DELETE FROM slot_claims WHERE tenant_id = $1 AND id = $2 AND $3 = $3", scope()))
                .await?;
        }
        let mut chosen = None;
        for candidate in candidates {
            if claim(&txn, tenant, booking.id.as_uuid(), candidate.resource_id, candidate.blocks, None, now).await? {
                chosen = Some(*candidate);
                break;
            }
        }
        let Some(chosen) = chosen else { return Err(BookingsError::SlotTaken { any: candidates.len() > 1 }) };
        let stored = Booking { resource_id: chosen.resource_id, blocks: chosen.blocks, ..booking.clone() };
        let sql = format!(
            "INSERT INTO bookings ({BOOKING_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
        );
        let values: Vec<Value> = vec![
            stored.id.as_uuid().into(),
            tenant.as_uuid().into(),
            stored.lead_id.as_uuid().into(),
            stored.resource_id.as_uuid().into(),
            stored.appointment_type_id.as_uuid().into(),
            ms(stored.starts_at).into(),
            ms(stored.ends_at).into(),
            ms(stored.blocks.start()).into(),
            ms(stored.blocks.end()).into(),
            stored.status.as_str().into(),
            stored.notes.clone().into(),
            stored.cancel_reason.clone().into(),
            stored.manage_token_hash.clone().into(),
            i32::try_from(stored.reschedule_count).unwrap_or(0).into(),
            ms(stored.created_at).into(),
            ms(stored.updated_at).into(),
        ];
        exec(&txn, stmt(backend, &sql, values)).await?;
        record(&txn, tenant, stored.lead_id, entry, now).await?;
        append_in(&txn, &events::created(&stored, now)).await.map_err(storage)?;
        txn.commit().await.map_err(storage)?;
        Ok(stored)
    }

    #[allow(
        clippy::too_many_arguments,
        reason = "one guarded write: the booking, its new times and blocks, the event and now"
    )]
    async fn reschedule(
        &self,
        tenant: TenantId,
        id: BookingId,
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
        blocks: TimeSlot,
        entry: &TimelineEntry,
        now: DateTime<Utc>,
    ) -> Result<Booking> {
        let txn = self.begin().await?;
        let backend = txn.get_database_backend();
        let current = read_booking(&txn, tenant, id).await?;
        if current.status != BookingStatus::Confirmed {
            return Err(BookingsError::InvalidTransition { from: current.status, to: BookingStatus::Confirmed });
        }
        // Its own claim never conflicts with its new interval: release it, then claim anew.
        exec(
            &txn,
            stmt(
                backend,
                "DELETE FROM slot_claims WHERE tenant_id = $1 AND id = $2",
                vec![tenant.as_uuid().into(), id.as_uuid().into()],
            ),
        )
        .await?;
        if !claim(&txn, tenant, id.as_uuid(), current.resource_id, blocks, None, now).await? {
            return Err(BookingsError::SlotTaken { any: false });
        }
        let update = "UPDATE bookings SET starts_at = $3, ends_at = $4, blocks_from = $5, blocks_until = $6,
            reschedule_count = reschedule_count + 1, updated_at = $7 WHERE tenant_id = $1 AND id = $2";
        let values: Vec<Value> = vec![
            tenant.as_uuid().into(),
            id.as_uuid().into(),
            ms(starts_at).into(),
            ms(ends_at).into(),
            ms(blocks.start()).into(),
            ms(blocks.end()).into(),
            ms(now).into(),
        ];
        exec(&txn, stmt(backend, update, values)).await?;
        record(&txn, tenant, current.lead_id, entry, now).await?;
        let stored = read_booking(&txn, tenant, id).await?;
        append_in(&txn, &events::rescheduled(&current, &stored, now)).await.map_err(storage)?;
        txn.commit().await.map_err(storage)?;
        Ok(stored)
    }

    async fn set_status(
        &self,
        tenant: TenantId,
        id: BookingId,
        to: BookingStatus,
        reason: Option<String>,
        entry: &TimelineEntry,
        now: DateTime<Utc>,
    ) -> Result<Booking> {
        let txn = self.begin().await?;
        let backend = txn.get_database_backend();
        let current = read_booking(&txn, tenant, id).await?;
        if !current.status.can_transition_to(to) {
            return Err(BookingsError::InvalidTransition { from: current.status, to });
        }
        let update =
            "UPDATE bookings SET status = $3, cancel_reason = $4, updated_at = $5 WHERE tenant_id = $1 AND id = $2";
        let values: Vec<Value> =
            vec![tenant.as_uuid().into(), id.as_uuid().into(), to.as_str().into(), reason.into(), ms(now).into()];
        exec(&txn, stmt(backend, update, values)).await?;
        if !to.occupies_slot() {
            exec(
                &txn,
                stmt(
                    backend,
                    "DELETE FROM slot_claims WHERE tenant_id = $1 AND id = $2",
                    vec![tenant.as_uuid().into(), id.as_uuid().into()],
                ),
            )
            .await?;
        }
        record(&txn, tenant, current.lead_id, entry, now).await?;
        let stored = read_booking(&txn, tenant, id).await?;
        append_in(&txn, &events::status_changed(&stored, now)).await.map_err(storage)?;
        txn.commit().await.map_err(storage)?;
        Ok(stored)
    }

    async fn get(&self, tenant: TenantId, id: BookingId) -> Result<Booking> {
        read_booking(&self.store.connection(), tenant, id).await
    }

    async fn by_token_hash(&self, hash: &str) -> Result<Booking> {
        let db = self.store.connection();
        let sql = format!("SELECT {BOOKING_COLUMNS} FROM bookings WHERE manage_token_hash = $1");
        let row = one(&db, stmt(db.get_database_backend(), &sql, vec![hash.into()]))
            .await?
            .ok_or(BookingsError::NotFound { entity: "booking" })?;
        booking_from(&row)
    }

    async fn list(&self, tenant: TenantId, filter: &BookingFilter, page: PageRequest) -> Result<Page<Booking>> {
        let db = self.store.connection();
        let backend = db.get_database_backend();
        let mut clauses = vec!["tenant_id = $1".to_owned()];
        let mut values: Vec<Value> = vec![tenant.as_uuid().into()];
        let mut add = |clause: &str, value: Value| {
            values.push(value);
            clauses.push(clause.replace('?', &format!("${}", values.len())));
        };
        if let Some(from) = filter.from {
            add("starts_at >= ?", ms(from).into());
        }
        if let Some(to) = filter.to {
            add("starts_at < ?", ms(to).into());
        }
        if let Some(lead) = filter.lead_id {
            add("lead_id = ?", lead.as_uuid().into());
        }
        if let Some(resource) = filter.resource_id {
            add("resource_id = ?", resource.as_uuid().into());
        }
        if let Some(status) = filter.status {
            add("status = ?", status.as_str().into());
        }
        let filter_sql = clauses.join(" AND ");
        let count =
            one(&db, stmt(backend, &format!("SELECT COUNT(*) AS n FROM bookings WHERE {filter_sql}"), values.clone()))
                .await?
                .map(|r| get::<i64>(&r, "n"))
                .transpose()?
                .unwrap_or(0);
        let n = values.len();
        values.push(i64::from(page.limit()).into());
        values.push(i64::try_from(page.offset()).unwrap_or(i64::MAX).into());
        let sql = format!(
            "SELECT {BOOKING_COLUMNS} FROM bookings WHERE {filter_sql} ORDER BY starts_at, id LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        let data = all(&db, stmt(backend, &sql, values)).await?.iter().map(booking_from).collect::<Result<Vec<_>>>()?;
        Ok(Page::new(data, page, u64::try_from(count).unwrap_or(0)))
    }

    async fn busy(
        &self,
        tenant: TenantId,
        resources: &[ResourceId],
        window: TimeSlot,
        now: DateTime<Utc>,
    ) -> Result<Vec<Busy>> {
        let db = self.store.connection();
        let sql = "SELECT resource_id, blocks_from, blocks_until FROM slot_claims WHERE tenant_id = $1
            AND blocks_from < $3 AND blocks_until > $2 AND (expires_at IS NULL OR expires_at > $4)";
        let values: Vec<Value> =
            vec![tenant.as_uuid().into(), ms(window.start()).into(), ms(window.end()).into(), ms(now).into()];
        let rows = all(&db, stmt(db.get_database_backend(), sql, values)).await?;
        let mut busy = Vec::with_capacity(rows.len());
        for row in &rows {
            let resource_id = ResourceId::from_uuid(get(row, "resource_id")?);
            if resources.contains(&resource_id) {
                busy.push(Busy { resource_id, blocks: slot(get(row, "blocks_from")?, get(row, "blocks_until")?)? });
            }
        }
        Ok(busy)
    }
}
