//! [`LeadRepository`] and [`TenantDirectory`] on SeaORM.
//!
//! Writes that carry timeline events run in one transaction with them and
//! with the domain events they announce (the outbox, `domain_events`).
//! Per-tenant uniqueness of phone and email is the partial unique indexes'
//! job (so it holds under concurrent inserts); on a violation the
//! transaction is dropped and one query finds the lead that holds the
//! contact, so the caller can be told which one. Updates are optimistic:
//! `… WHERE version = $read_version`, and zero rows means gone or changed.

use crate::connection::SqlStore;
use crate::entities::leads::lead::{ActiveModel, Column, Entity, Model};
use crate::entities::leads::lead_events as events;
use crate::error::{CorruptRow, db};
use crate::repos::events::append_in;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk_kernel::jobs::JobId;
use frontdesk_kernel::{Country, Page, PageRequest, TenantId, UserId};
use frontdesk_leads::filter::phone_digits;
use frontdesk_leads::timeline::TimelineEventId;
use frontdesk_leads::transfer::BatchOutcome;
use frontdesk_leads::{
    EmailAddress, JsonObject, Lead, LeadFilter, LeadId, LeadName, LeadRepository, LeadSort, LeadsError, PhoneNumber,
    Result, TenantDirectory, TimelineEvent,
};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, OnConflict, Order};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Select, SqlErr,
};

/// Leads and their timelines in `leads` and `lead_events`.
#[derive(Clone, Debug)]
pub struct SeaOrmLeadRepository {
    store: SqlStore,
    count_cap: u64,
}

impl SeaOrmLeadRepository {
    /// A repository over `store`.
    #[must_use]
    pub const fn new(store: SqlStore) -> Self {
        Self { store, count_cap: frontdesk_leads::filter::COUNT_CAP }
    }

    /// The same, counting filtered lists up to `cap` (tests use a small one).
    #[must_use]
    pub const fn with_count_cap(mut self, cap: u64) -> Self {
        self.count_cap = cap;
        self
    }
}

/// How many rows a tenant's live-lead count is split over. 64, not 16: with 32
/// concurrent creates in one tenant, 16 shards made a third of them wait for
/// another's commit on the same row (pgbench of the create statement: 4,344
/// tps with 16, 5,270 with 64, 5,280 with no counter at all; docs/benchmarks.md
/// 2026-12-07). Only the sum means anything, so rows written under another
/// count stay correct; reading the total sums at most this many rows.
const COUNTER_SHARDS: u8 = 64;

/// Moves `tenant`'s live-lead counter by `delta` on the shard `by` picks,
/// inside the caller's transaction (so the count changes if and only if the
/// leads do). [`COUNTER_SHARDS`] shards per tenant, so concurrent writes of
/// one tenant rarely queue on one row lock; kept as the last statement
/// before the commit, so a lock is held for the shortest time.
async fn count_live(
    txn: &impl ConnectionTrait,
    tenant: TenantId,
    by: uuid::Uuid,
    delta: i64,
) -> std::result::Result<(), sea_orm::DbErr> {
    if delta == 0 {
        return Ok(());
    }
    let (sql, values) = counter_sql(tenant, by, delta, 1);
    txn.execute_raw(crate::repos::sql::stmt(txn.get_database_backend(), &sql, values)).await.map(|_| ())
}

/// The counter upsert of [`count_live`], placeholders numbered from `first`.
fn counter_sql(tenant: TenantId, by: uuid::Uuid, delta: i64, first: usize) -> (String, Vec<sea_orm::Value>) {
    let shard = i16::from(by.as_bytes()[15] % COUNTER_SHARDS);
    let sql = format!(
        "INSERT INTO lead_counts (tenant_id, shard, live) VALUES (${first}, ${}, ${})
        ON CONFLICT (tenant_id, shard) DO UPDATE SET live = lead_counts.live + excluded.live",
        first + 1,
        first + 2
    );
    (sql, vec![tenant.as_uuid().into(), shard.into(), delta.into()])
}

const NOT_FOUND: LeadsError = LeadsError::NotFound { entity: "lead" };

fn corrupt(table: &'static str, detail: impl std::fmt::Display) -> LeadsError {
    LeadsError::storage(CorruptRow { table, detail: detail.to_string() })
}

fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// The live lead `id` of `tenant` as `db` (a transaction of the caller's) sees it.
pub(crate) async fn read_in(conn: &impl ConnectionTrait, tenant: TenantId, id: LeadId) -> Result<Option<Lead>> {
    let row = Entity::find()
        .filter(Column::TenantId.eq(tenant.as_uuid()))
        .filter(Column::Id.eq(id.as_uuid()))
        .filter(Column::DeletedAt.is_null())
        .one(conn)
        .await
        .map_err(|e| LeadsError::Storage(db(e)))?;
    row.map(to_domain).transpose()
}

fn to_domain(row: Model) -> Result<Lead> {
    let bad = |e: String| corrupt("leads", e);
    Ok(Lead {
        id: LeadId::from_uuid(row.id),
        tenant_id: TenantId::from_uuid(row.tenant_id),
        name: LeadName::parse(&row.name).map_err(bad)?,
        phone: row.phone.as_deref().map(PhoneNumber::from_stored).transpose().map_err(bad)?,
        email: row.email.as_deref().map(EmailAddress::parse).transpose().map_err(bad)?,
        status: row.status.parse().map_err(bad)?,
        source: row.source.parse().map_err(bad)?,
        notes: row.notes,
        metadata: JsonObject::parse(row.metadata).map_err(bad)?,
        assigned_to: row.assigned_to.map(UserId::from_uuid),
        created_at: row.created_at,
        updated_at: row.updated_at,
        deleted_at: row.deleted_at,
        version: row.version,
    })
}

fn lead_row(lead: &Lead) -> ActiveModel {
    ActiveModel {
        id: Set(lead.id.as_uuid()),
        tenant_id: Set(lead.tenant_id.as_uuid()),
        name: Set(lead.name.as_str().to_owned()),
        phone: Set(lead.phone.as_ref().map(|p| p.as_str().to_owned())),
        email: Set(lead.email.as_ref().map(|e| e.as_str().to_owned())),
        status: Set(lead.status.as_str().to_owned()),
        source: Set(lead.source.as_str().to_owned()),
        notes: Set(lead.notes.clone()),
        metadata: Set(lead.metadata.to_value()),
        assigned_to: Set(lead.assigned_to.map(|u| u.as_uuid())),
        search: Set(lead.search_text()),
        version: Set(lead.version),
        created_at: Set(lead.created_at),
        updated_at: Set(lead.updated_at),
        deleted_at: Set(lead.deleted_at),
    }
}

fn event_row(event: &TimelineEvent) -> events::ActiveModel {
    events::ActiveModel {
        id: Set(event.id.as_uuid()),
        tenant_id: Set(event.tenant_id.as_uuid()),
        lead_id: Set(event.lead_id.as_uuid()),
        kind: Set(event.kind.as_str().to_owned()),
        direction: Set(event.direction.map(|d| d.as_str().to_owned())),
        content: Set(event.content.clone()),
        meta: Set(event.meta.to_value()),
        created_at: Set(event.created_at),
    }
}

/// A timeline write that failed: `NotFound` when the lead's row went away
/// under it (the foreign key), `Storage` otherwise.
fn event_write_failed(err: DbErr) -> LeadsError {
    if matches!(err.sql_err(), Some(SqlErr::ForeignKeyConstraintViolation(_))) {
        NOT_FOUND
    } else {
        LeadsError::Storage(db(err))
    }
}

fn event_to_domain(row: events::Model) -> Result<TimelineEvent> {
    let bad = |e: String| corrupt("lead_events", e);
    Ok(TimelineEvent {
        id: TimelineEventId::from_uuid(row.id),
        tenant_id: TenantId::from_uuid(row.tenant_id),
        lead_id: LeadId::from_uuid(row.lead_id),
        kind: row.kind.parse().map_err(bad)?,
        direction: row.direction.as_deref().map(str::parse).transpose().map_err(bad)?,
        content: row.content,
        meta: JsonObject::parse(row.meta).map_err(bad)?,
        created_at: row.created_at,
    })
}

/// `q` as a `LIKE` pattern matching it anywhere, with `\`, `%` and `_` taken literally.
fn contains_pattern(q: &str) -> LikeExpr {
    let escaped = q.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

/// The live (or, for the trash, deleted) leads of `tenant` matching `filter`, unordered.
fn filtered(tenant: TenantId, filter: &LeadFilter) -> Select<Entity> {
    let mut select = Entity::find().filter(Column::TenantId.eq(tenant.as_uuid()));
    select = if filter.deleted {
        select.filter(Column::DeletedAt.is_not_null())
    } else {
        select.filter(Column::DeletedAt.is_null())
    };
    if let Some(status) = filter.status {
        select = select.filter(Column::Status.eq(status.as_str()));
    }
    if let Some(source) = filter.source {
        select = select.filter(Column::Source.eq(source.as_str()));
    }
    if let Some(user) = filter.assigned_to {
        select = select.filter(Column::AssignedTo.eq(user.as_uuid()));
    }
    if let Some(from) = filter.created_from {
        select = select.filter(Column::CreatedAt.gte(from));
    }
    if let Some(to) = filter.created_to {
        select = select.filter(Column::CreatedAt.lt(to));
    }
    if let Some(q) = filter.search_term() {
        let mut text = Expr::col(Column::Search).like(contains_pattern(&q));
        if let Some(digits) = phone_digits(&q).filter(|d| *d != q) {
            text = text.or(Expr::col(Column::Search).like(contains_pattern(&digits)));
        }
        select = select.filter(text);
    }
    select
}

/// The keyset condition of `cursor`: rows strictly after it in its sort's
/// order, as a row-value comparison `(key, id) < (k, i)` — an index
/// condition on the sort's `(tenant_id, key, id)` index (an `OR` of the two
/// halves would be a filter over every row before the cursor).
fn after(cursor: &frontdesk_leads::filter::LeadCursor) -> sea_orm::sea_query::SimpleExpr {
    use frontdesk_leads::filter::CursorKey;
    let id = cursor.id.as_uuid();
    let (column, value): (sea_orm::sea_query::SimpleExpr, sea_orm::sea_query::SimpleExpr) = match &cursor.key {
        CursorKey::Instant(at) => {
            let column = if cursor.sort == LeadSort::UpdatedAt { Column::UpdatedAt } else { Column::CreatedAt };
            (Expr::col(column), Expr::value(*at))
        }
        CursorKey::Text(name) => {
            (Func::lower(Expr::col(Column::Name)).into(), Func::lower(Expr::value(name.clone())).into())
        }
    };
    let ours = Expr::tuple([column, Expr::col(Column::Id)]);
    let theirs = Expr::tuple([value, Expr::value(id)]);
    if matches!(cursor.sort, LeadSort::CreatedAtAsc | LeadSort::Name) { ours.gt(theirs) } else { ours.lt(theirs) }
}

fn sorted(select: Select<Entity>, sort: LeadSort) -> Select<Entity> {
    match sort {
        LeadSort::CreatedAtAsc => select.order_by_asc(Column::CreatedAt).order_by_asc(Column::Id),
        LeadSort::CreatedAtDesc => select.order_by_desc(Column::CreatedAt).order_by_desc(Column::Id),
        LeadSort::Name => select.order_by(Func::lower(Expr::col(Column::Name)), Order::Asc).order_by_asc(Column::Id),
        LeadSort::UpdatedAt => select.order_by_desc(Column::UpdatedAt).order_by_desc(Column::Id),
    }
}

/// The tenant's live leads, from the per-tenant counter (a subquery, `$1` = the tenant).
const COUNTER_SQL: &str = "(SELECT CAST(COALESCE(SUM(live), 0) AS BIGINT) FROM lead_counts WHERE tenant_id = $1)";

/// A row of an unfiltered page with the tenant's counter read in the same statement.
#[derive(Debug, sea_orm::FromQueryResult)]
struct CountedRow {
    #[sea_orm(nested)]
    lead: Model,
    lead_total: i64,
}

impl SeaOrmLeadRepository {
    /// The tenant's live leads, from the per-tenant counter.
    async fn live_count(&self, tenant: TenantId) -> Result<u64> {
        let conn = self.store.conn();
        let storage = |e: sea_orm::DbErr| LeadsError::Storage(db(e));
        let sql = format!("SELECT {COUNTER_SQL} AS live");
        let row = conn
            .query_one_raw(crate::repos::sql::stmt(conn.get_database_backend(), &sql, vec![tenant.as_uuid().into()]))
            .await
            .map_err(storage)?;
        let live: i64 = row.map(|r| r.try_get_by_index(0)).transpose().map_err(storage)?.unwrap_or(0);
        Ok(u64::try_from(live).unwrap_or(0))
    }

    /// After a unique violation: the live lead of the tenant, other than
    /// `lead`, that holds its phone (checked first) or email.
    async fn duplicate_of(&self, lead: &Lead) -> LeadsError {
        let conn = self.store.conn();
        let live_other = || {
            Entity::find()
                .filter(Column::TenantId.eq(lead.tenant_id.as_uuid()))
                .filter(Column::DeletedAt.is_null())
                .filter(Column::Id.ne(lead.id.as_uuid()))
        };
        let candidates = [
            ("phone", lead.phone.as_ref().map(|p| (Column::Phone, p.as_str()))),
            ("email", lead.email.as_ref().map(|e| (Column::Email, e.as_str()))),
        ];
        for (field, contact) in candidates {
            let Some((column, value)) = contact else { continue };
            match live_other().filter(column.eq(value)).one(conn).await {
                Ok(Some(row)) => return LeadsError::Duplicate { field, existing: LeadId::from_uuid(row.id) },
                Ok(None) => {}
                Err(err) => return LeadsError::Storage(db(err)),
            }
        }
        // The holder went away between the violation and this query: let the caller retry.
        LeadsError::Conflict { entity: "lead" }
    }

    /// Maps a write error: a unique violation names the duplicate, anything else is `Storage`.
    async fn write_err(&self, err: DbErr, lead: &Lead) -> LeadsError {
        if is_unique_violation(&err) { self.duplicate_of(lead).await } else { LeadsError::Storage(db(err)) }
    }

    async fn insert_events(conn: &impl ConnectionTrait, events: &[TimelineEvent]) -> std::result::Result<(), DbErr> {
        if events.is_empty() {
            return Ok(());
        }
        events::Entity::insert_many(events.iter().map(event_row)).exec_without_returning(conn).await.map(|_| ())
    }
}

#[async_trait]
impl LeadRepository for SeaOrmLeadRepository {
    async fn insert(&self, lead: &Lead, events: &[TimelineEvent]) -> Result<()> {
        if events.is_empty() && self.store.backend() == crate::connection::Backend::Postgres {
            // The lead, its `lead.created` event and the counter in one statement: as atomic
            // as the transaction below, in one round trip instead of five.
            let conn = self.store.conn();
            let lead_insert = Entity::insert(lead_row(lead)).build(sea_orm::DbBackend::Postgres);
            let mut values = lead_insert.values.map(|v| v.0).unwrap_or_default();
            let (event_sql, event_values) =
                crate::repos::events::append_sql(&frontdesk_leads::events::created(lead), values.len() + 1);
            values.extend(event_values);
            let (counter, counter_values) = counter_sql(lead.tenant_id, lead.id.as_uuid(), 1, values.len() + 1);
            values.extend(counter_values);
            let sql =
                format!("WITH lead AS ({}), event AS ({event_sql}), counted AS ({counter}) SELECT 1", lead_insert.sql);
            let statement = sea_orm::Statement::from_sql_and_values(sea_orm::DbBackend::Postgres, sql, values);
            return match conn.execute_raw(statement).await {
                Ok(_) => Ok(()),
                Err(err) => Err(self.write_err(err, lead).await),
            };
        }
        // The lead, its timeline and its `lead.created` event: one transaction (the outbox).
        let txn = self.store.begin_write().await.map_err(|e| LeadsError::Storage(db(e)))?;
        let written = match Entity::insert(lead_row(lead)).exec_without_returning(&txn).await {
            Ok(_) => match Self::insert_events(&txn, events).await {
                Ok(()) => match append_in(&txn, &frontdesk_leads::events::created(lead)).await {
                    Ok(()) => count_live(&txn, lead.tenant_id, lead.id.as_uuid(), 1).await,
                    Err(err) => Err(err),
                },
                Err(err) => Err(err),
            },
            Err(err) => Err(err),
        };
        match written {
            Ok(()) => txn.commit().await.map_err(|e| LeadsError::Storage(db(e))),
            Err(err) => {
                // Roll back before looking for the duplicate: on PostgreSQL the
                // failed transaction accepts no more statements.
                drop(txn);
                Err(self.write_err(err, lead).await)
            }
        }
    }

    async fn get(&self, tenant: TenantId, id: LeadId) -> Result<Lead> {
        let row = Entity::find()
            .filter(Column::TenantId.eq(tenant.as_uuid()))
            .filter(Column::Id.eq(id.as_uuid()))
            .filter(Column::DeletedAt.is_null())
            .one(self.store.conn())
            .await
            .map_err(|e| LeadsError::Storage(db(e)))?;
        row.map(to_domain).transpose()?.ok_or(NOT_FOUND)
    }

    async fn find_by_phone(&self, tenant: TenantId, phone: &PhoneNumber) -> Result<Option<LeadId>> {
        // Served by the partial unique index on (tenant_id, phone) of live leads.
        let id: Option<uuid::Uuid> = Entity::find()
            .select_only()
            .column(Column::Id)
            .filter(Column::TenantId.eq(tenant.as_uuid()))
            .filter(Column::Phone.eq(phone.as_str()))
            .filter(Column::DeletedAt.is_null())
            .into_tuple()
            .one(self.store.conn())
            .await
            .map_err(|e| LeadsError::Storage(db(e)))?;
        Ok(id.map(LeadId::from_uuid))
    }

    async fn update(&self, tenant: TenantId, lead: &Lead, events: &[TimelineEvent]) -> Result<i64> {
        if lead.tenant_id != tenant {
            return Err(NOT_FOUND);
        }
        let txn = self.store.begin_write().await.map_err(|e| LeadsError::Storage(db(e)))?;
        let result = Entity::update_many()
            .col_expr(Column::Name, Expr::value(lead.name.as_str()))
            .col_expr(Column::Phone, Expr::value(lead.phone.as_ref().map(|p| p.as_str().to_owned())))
            .col_expr(Column::Email, Expr::value(lead.email.as_ref().map(|e| e.as_str().to_owned())))
            .col_expr(Column::Status, Expr::value(lead.status.as_str()))
            .col_expr(Column::Source, Expr::value(lead.source.as_str()))
            .col_expr(Column::Notes, Expr::value(lead.notes.clone()))
            .col_expr(Column::Metadata, Expr::value(lead.metadata.to_value()))
            .col_expr(Column::AssignedTo, Expr::value(lead.assigned_to.map(|u| u.as_uuid())))
            .col_expr(Column::Search, Expr::value(lead.search_text()))
            .col_expr(Column::UpdatedAt, Expr::value(lead.updated_at))
            .col_expr(Column::Version, Expr::col(Column::Version).add(1))
            .filter(Column::TenantId.eq(tenant.as_uuid()))
            .filter(Column::Id.eq(lead.id.as_uuid()))
            .filter(Column::DeletedAt.is_null())
            .filter(Column::Version.eq(lead.version))
            .exec(&txn)
            .await;
        let written = match result {
            Ok(result) if result.rows_affected == 0 => {
                drop(txn);
                // Gone (NotFound) or changed by someone else (Conflict).
                return self.get(tenant, lead.id).await.and(Err(LeadsError::Conflict { entity: "lead" }));
            }
            Ok(_) => match Self::insert_events(&txn, events).await {
                Ok(()) => append_in(&txn, &frontdesk_leads::events::updated(lead, events)).await,
                Err(err) => Err(err),
            },
            Err(err) => Err(err),
        };
        match written {
            Ok(()) => {
                txn.commit().await.map_err(|e| LeadsError::Storage(db(e)))?;
                Ok(lead.version + 1)
            }
            Err(err) => {
                drop(txn);
                Err(self.write_err(err, lead).await)
            }
        }
    }

    async fn soft_delete(&self, tenant: TenantId, id: LeadId, at: DateTime<Utc>) -> Result<()> {
        // The move to the trash and its `lead.deleted` event: one transaction (the outbox).
        let storage = |e: sea_orm::DbErr| LeadsError::Storage(db(e));
        let txn = self.store.begin_write().await.map_err(storage)?;
        let result = Entity::update_many()
            .col_expr(Column::DeletedAt, Expr::value(at))
            .col_expr(Column::UpdatedAt, Expr::value(at))
            .col_expr(Column::Version, Expr::col(Column::Version).add(1))
            .filter(Column::TenantId.eq(tenant.as_uuid()))
            .filter(Column::Id.eq(id.as_uuid()))
            .filter(Column::DeletedAt.is_null())
            .exec(&txn)
            .await
            .map_err(storage)?;
        if result.rows_affected == 0 {
            return Err(NOT_FOUND);
        }
        let row = Entity::find_by_id(id.as_uuid()).one(&txn).await.map_err(storage)?.ok_or(NOT_FOUND)?;
        append_in(&txn, &frontdesk_leads::events::deleted(&to_domain(row)?, at)).await.map_err(storage)?;
        count_live(&txn, tenant, id.as_uuid(), -1).await.map_err(storage)?;
        txn.commit().await.map_err(storage)
    }

    async fn restore(
        &self,
        tenant: TenantId,
        id: LeadId,
        deleted_since: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Lead> {
        let conn = self.store.conn();
        let row = Entity::find()
            .filter(Column::TenantId.eq(tenant.as_uuid()))
            .filter(Column::Id.eq(id.as_uuid()))
            .filter(Column::DeletedAt.gte(deleted_since))
            .one(conn)
            .await
            .map_err(|e| LeadsError::Storage(db(e)))?
            .ok_or(NOT_FOUND)?;
        let mut lead = to_domain(row)?;
        // The restore and its `lead.restored` event: one transaction (the outbox).
        let txn = self.store.begin_write().await.map_err(|e| LeadsError::Storage(db(e)))?;
        let result = Entity::update_many()
            .col_expr(Column::DeletedAt, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(Column::UpdatedAt, Expr::value(now))
            .col_expr(Column::Version, Expr::col(Column::Version).add(1))
            .filter(Column::TenantId.eq(tenant.as_uuid()))
            .filter(Column::Id.eq(id.as_uuid()))
            .filter(Column::Version.eq(lead.version))
            .filter(Column::DeletedAt.is_not_null())
            .exec(&txn)
            .await;
        match result {
            Ok(result) if result.rows_affected == 0 => Err(LeadsError::Conflict { entity: "lead" }),
            Ok(_) => {
                lead.deleted_at = None;
                lead.updated_at = now;
                lead.version += 1;
                let announced = match append_in(&txn, &frontdesk_leads::events::restored(&lead)).await {
                    Ok(()) => count_live(&txn, tenant, id.as_uuid(), 1).await,
                    Err(err) => Err(err),
                };
                match announced {
                    Ok(()) => txn.commit().await.map(|()| lead).map_err(|e| LeadsError::Storage(db(e))),
                    Err(err) => Err(LeadsError::Storage(db(err))),
                }
            }
            Err(err) => {
                drop(txn);
                Err(self.write_err(err, &lead).await)
            }
        }
    }

    async fn purge_deleted(&self, deleted_before: DateTime<Utc>) -> Result<u64> {
        // Events go with their lead (ON DELETE CASCADE).
        let result = Entity::delete_many()
            .filter(Column::DeletedAt.is_not_null())
            .filter(Column::DeletedAt.lt(deleted_before))
            .exec(self.store.conn())
            .await
            .map_err(|e| LeadsError::Storage(db(e)))?;
        Ok(result.rows_affected)
    }

    async fn list(&self, tenant: TenantId, filter: &LeadFilter, page: PageRequest) -> Result<Page<Lead>> {
        let conn = self.store.conn();
        let storage = |e: sea_orm::DbErr| LeadsError::Storage(db(e));
        let select = filtered(tenant, filter);
        let mut rows = sorted(select.clone(), filter.sort);
        rows = match &filter.after {
            Some(cursor) => rows.filter(after(cursor)),
            None => rows.offset(page.offset()),
        };
        let rows = rows.limit(u64::from(page.limit()));
        let (rows, (total, exact)) = if filter.is_everything() {
            // The per-tenant counter (exact, kept in every write's transaction), read in
            // the page's own statement: one round trip and one pooled connection per page.
            let counted = rows
                .column_as(Expr::cust_with_values(COUNTER_SQL, [tenant.as_uuid()]), "lead_total")
                .into_model::<CountedRow>()
                .all(conn)
                .await
                .map_err(storage)?;
            let total = match counted.first() {
                Some(row) => u64::try_from(row.lead_total).unwrap_or(0),
                // An empty first page: the same snapshot's counter is zero too.
                None if filter.after.is_none() && page.offset() == 0 => 0,
                // Past the end: the counter alone.
                None => self.live_count(tenant).await?,
            };
            (counted.into_iter().map(|row| row.lead).collect::<Vec<_>>(), (total, true))
        } else {
            // Counting stops at the cap: a filter over a huge tenant costs at most `cap` index entries.
            let capped = select.limit(self.count_cap + 1).count(conn);
            let (rows, counted) = tokio::join!(rows.all(conn), capped);
            let counted = counted.map_err(storage)?;
            (rows.map_err(storage)?, (Ord::min(counted, self.count_cap), counted <= self.count_cap))
        };
        let data = rows.into_iter().map(to_domain).collect::<Result<Vec<_>>>()?;
        Ok(Page::counted(data, page, total, exact))
    }

    async fn import_batch(&self, tenant: TenantId, job: JobId, batch: u32, leads: &[Lead]) -> Result<BatchOutcome> {
        use crate::entities::leads::job_effects;
        let step = format!("leads.import:batch:{batch}");
        let recorded = || async {
            let row = job_effects::Entity::find_by_id((job.as_uuid(), step.clone()))
                .one(self.store.conn())
                .await
                .map_err(|e| LeadsError::Storage(db(e)))?
                .ok_or_else(|| corrupt("job_effects", format!("{step} of job {job} vanished")))?;
            serde_json::from_value::<BatchOutcome>(row.outcome).map_err(|e| corrupt("job_effects", e))
        };
        let txn = self.store.begin_write().await.map_err(|e| LeadsError::Storage(db(e)))?;
        // Claim the step first: a concurrent or repeated run of the same job
        // waits here for the first to commit, then finds the step taken.
        let claim = job_effects::ActiveModel {
            job_id: Set(job.as_uuid()),
            step: Set(step.clone()),
            outcome: Set(serde_json::json!({})),
            created_at: Set(Utc::now()),
        };
        let claimed = job_effects::Entity::insert(claim)
            .on_conflict_do_nothing()
            .exec_without_returning(&txn)
            .await
            .map_err(|e| LeadsError::Storage(db(e)))?;
        if !matches!(claimed, sea_orm::TryInsertResult::Inserted(rows) if rows > 0) {
            drop(txn);
            return recorded().await;
        }
        let mut insert = Entity::insert_many(leads.iter().filter(|l| l.tenant_id == tenant).map(lead_row)).into_query();
        // No conflict target: any unique index (the per-tenant phone/email ones) skips the row.
        insert.on_conflict(OnConflict::new().do_nothing().to_owned()).returning_col(Column::Id);
        let ids: std::collections::HashSet<uuid::Uuid> = if leads.is_empty() {
            std::collections::HashSet::new()
        } else {
            let rows = txn.query_all(&insert).await.map_err(|e| LeadsError::Storage(db(e)))?;
            rows.iter()
                .map(|r| r.try_get_by_index::<uuid::Uuid>(0))
                .collect::<std::result::Result<_, _>>()
                .map_err(|e| LeadsError::Storage(db(e)))?
        };
        let inserted = ids.len() as u64;
        // Each imported lead announces itself like any other (`lead.created`), in this transaction.
        let created: Vec<_> =
            leads.iter().filter(|l| ids.contains(&l.id.as_uuid())).flat_map(frontdesk_leads::events::created).collect();
        append_in(&txn, &created).await.map_err(|e| LeadsError::Storage(db(e)))?;
        let delta = i64::try_from(inserted).unwrap_or(i64::MAX);
        count_live(&txn, tenant, job.as_uuid(), delta).await.map_err(|e| LeadsError::Storage(db(e)))?;
        let outcome = BatchOutcome { inserted, duplicates: leads.len() as u64 - inserted };
        job_effects::Entity::update_many()
            .col_expr(
                job_effects::Column::Outcome,
                Expr::value(serde_json::to_value(outcome).map_err(LeadsError::storage)?),
            )
            .filter(job_effects::Column::JobId.eq(job.as_uuid()))
            .filter(job_effects::Column::Step.eq(step.as_str()))
            .exec(&txn)
            .await
            .map_err(|e| LeadsError::Storage(db(e)))?;
        txn.commit().await.map_err(|e| LeadsError::Storage(db(e)))?;
        Ok(outcome)
    }

    async fn append_event(&self, tenant: TenantId, event: &TimelineEvent) -> Result<()> {
        if event.tenant_id != tenant {
            return Err(NOT_FOUND);
        }
        // No transaction: it would lock nothing the two statements need; a
        // purge between them is caught by the foreign key below.
        let conn = self.store.conn();
        let live = Entity::find()
            .select_only()
            .column(Column::Id)
            .filter(Column::TenantId.eq(tenant.as_uuid()))
            .filter(Column::Id.eq(event.lead_id.as_uuid()))
            .filter(Column::DeletedAt.is_null())
            .into_tuple::<uuid::Uuid>()
            .one(conn)
            .await
            .map_err(|e| LeadsError::Storage(db(e)))?;
        if live.is_none() {
            return Err(NOT_FOUND);
        }
        match events::Entity::insert(event_row(event)).exec_without_returning(conn).await {
            Ok(_) => Ok(()),
            Err(err) => Err(event_write_failed(err)),
        }
    }

    async fn append_events(&self, tenant: TenantId, events: &[TimelineEvent]) -> Result<()> {
        if events.iter().any(|event| event.tenant_id != tenant) {
            return Err(NOT_FOUND);
        }
        let mut leads: Vec<uuid::Uuid> = events.iter().map(|event| event.lead_id.as_uuid()).collect();
        leads.sort_unstable();
        leads.dedup();
        if leads.is_empty() {
            return Ok(());
        }
        let conn = self.store.conn();
        if let [lead] = leads[..] {
            // One lead: one statement that inserts every event only if the
            // lead is live and the tenant's.
            let (sql, values) = one_lead_events_insert(tenant, lead, events, 1);
            return match conn.execute_raw(crate::repos::sql::stmt(conn.get_database_backend(), &sql, values)).await {
                Ok(done) if done.rows_affected() == 0 => Err(NOT_FOUND),
                Ok(_) => Ok(()),
                Err(err) => Err(event_write_failed(err)),
            };
        }
        // Several leads (no caller does this on a hot path): every lead checked
        // at once, then every event in one INSERT (all or none). As for one
        // event, the two are not one transaction: a purge between them is
        // caught by the foreign key, a soft delete between them is not.
        let live = Entity::find()
            .select_only()
            .column(Column::Id)
            .filter(Column::TenantId.eq(tenant.as_uuid()))
            .filter(Column::Id.is_in(leads.iter().copied()))
            .filter(Column::DeletedAt.is_null())
            .into_tuple::<uuid::Uuid>()
            .all(conn)
            .await
            .map_err(|e| LeadsError::Storage(db(e)))?;
        if live.len() != leads.len() {
            return Err(NOT_FOUND);
        }
        match events::Entity::insert_many(events.iter().map(event_row)).exec_without_returning(conn).await {
            Ok(_) => Ok(()),
            Err(err) => Err(event_write_failed(err)),
        }
    }

    async fn timeline(&self, tenant: TenantId, lead: LeadId, page: PageRequest) -> Result<Page<TimelineEvent>> {
        let conn = self.store.conn();
        let select = events::Entity::find()
            .filter(events::Column::TenantId.eq(tenant.as_uuid()))
            .filter(events::Column::LeadId.eq(lead.as_uuid()));
        let total = select.clone().count(conn).await.map_err(|e| LeadsError::Storage(db(e)))?;
        let rows = select
            .order_by_desc(events::Column::CreatedAt)
            .order_by_desc(events::Column::Id)
            .offset(page.offset())
            .limit(u64::from(page.limit()))
            .all(conn)
            .await
            .map_err(|e| LeadsError::Storage(db(e)))?;
        let data = rows.into_iter().map(event_to_domain).collect::<Result<Vec<_>>>()?;
        Ok(Page::new(data, page, total))
    }
}

/// The tenant facts the leads domain needs, read from `tenants` and `memberships`.
#[derive(Clone, Debug)]
pub struct SeaOrmTenantDirectory {
    store: SqlStore,
}

impl SeaOrmTenantDirectory {
    /// A directory over `store`.
    #[must_use]
    pub const fn new(store: SqlStore) -> Self {
        Self { store }
    }
}

#[async_trait]
impl TenantDirectory for SeaOrmTenantDirectory {
    async fn default_region(&self, tenant: TenantId) -> Result<Option<Country>> {
        use crate::entities::tenancy::tenants;
        let country = tenants::Entity::find_by_id(tenant.as_uuid())
            .select_only()
            .column(tenants::Column::Country)
            .into_tuple::<Option<String>>()
            .one(self.store.conn())
            .await
            .map_err(|e| LeadsError::Storage(db(e)))?
            .ok_or(LeadsError::NotFound { entity: "sub-account" })?;
        country.as_deref().map(Country::parse).transpose().map_err(|e| corrupt("tenants", e))
    }

    async fn is_member(&self, tenant: TenantId, user: UserId) -> Result<bool> {
        use crate::entities::tenancy::memberships;
        let count = memberships::Entity::find()
            .filter(memberships::Column::TenantId.eq(tenant.as_uuid()))
            .filter(memberships::Column::UserId.eq(user.as_uuid()))
            .count(self.store.conn())
            .await
            .map_err(|e| LeadsError::Storage(db(e)))?;
        Ok(count > 0)
    }
}

/// `INSERT` of `events`, all of lead `lead` of `tenant`, written only while
/// that lead is live (no row otherwise), with placeholders from `$first`;
/// and its values. A receptionist turn appends it to its exchange's
/// statement, so a turn and its timeline entries are one commit.
pub(crate) fn one_lead_events_insert(
    tenant: TenantId,
    lead: uuid::Uuid,
    events: &[TimelineEvent],
    first: usize,
) -> (String, Vec<sea_orm::Value>) {
    let mut values: Vec<sea_orm::Value> = Vec::with_capacity(2 + 6 * events.len());
    values.push(tenant.as_uuid().into());
    values.push(lead.into());
    let mut rows = Vec::with_capacity(events.len());
    for event in events {
        let n = first + values.len() - 1;
        rows.push(format!("(${}, ${}, ${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4, n + 5, n + 6));
        values.push(event.id.as_uuid().into());
        values.push(event.kind.as_str().into());
        values.push(event.direction.map(|d| d.as_str().to_owned()).into());
        values.push(event.content.clone().into());
        values.push(event.meta.to_value().into());
        values.push(event.created_at.into());
    }
    let sql = format!(
        "INSERT INTO lead_events (id, tenant_id, lead_id, kind, direction, content, meta, created_at)
         SELECT v.column1, l.tenant_id, l.id, v.column2, v.column3, v.column4, v.column5, v.column6
         FROM leads l, (VALUES {}) v WHERE l.tenant_id = ${} AND l.id = ${} AND l.deleted_at IS NULL",
        rows.join(", "),
        first,
        first + 1
    );
    (sql, values)
}
