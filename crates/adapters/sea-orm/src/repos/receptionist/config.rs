//! [`StrategyRepository`] and [`PromptTemplateRepository`] on SeaORM.
//!
//! Both keep exactly one default per tenant with the same moves, written
//! once here over a small [`Defaultable`] description of each table:
//! making one the default clears the others in the same transaction, and
//! deleting the default promotes the oldest remaining row in the same
//! transaction. A partial unique index (`WHERE is_default`) backs this: two
//! requests making different rows the default at once cannot both commit;
//! the loser's transaction is retried (it then clears the winner).

use crate::connection::SqlStore;
use crate::entities::receptionist::{prompt_templates, strategies};
use crate::error::{CorruptRow, db};
use async_trait::async_trait;
use frontdesk_kernel::{Page, PageRequest, TenantId};
use frontdesk_leads::{JsonObject, PhoneNumber};
use frontdesk_receptionist::{
    PromptTemplate, PromptTemplateId, PromptTemplateRepository, ReceptionistError, Result, Strategy, StrategyId,
    StrategyRepository,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, SqlErr,
};
use uuid::Uuid;

/// How many times a write that lost a race for the default is retried.
const DEFAULT_RACE_ATTEMPTS: usize = 3;

/// The columns the default rules need, per table.
trait Defaultable: EntityTrait {
    /// The entity's name in errors.
    const ENTITY: &'static str;
    fn id() -> Self::Column;
    fn tenant() -> Self::Column;
    fn is_default() -> Self::Column;
    fn created_at() -> Self::Column;
}

impl Defaultable for strategies::Entity {
    const ENTITY: &'static str = "strategy";
    fn id() -> Self::Column {
        strategies::Column::Id
    }
    fn tenant() -> Self::Column {
        strategies::Column::TenantId
    }
    fn is_default() -> Self::Column {
        strategies::Column::IsDefault
    }
    fn created_at() -> Self::Column {
        strategies::Column::CreatedAt
    }
}

impl Defaultable for prompt_templates::Entity {
    const ENTITY: &'static str = "prompt template";
    fn id() -> Self::Column {
        prompt_templates::Column::Id
    }
    fn tenant() -> Self::Column {
        prompt_templates::Column::TenantId
    }
    fn is_default() -> Self::Column {
        prompt_templates::Column::IsDefault
    }
    fn created_at() -> Self::Column {
        prompt_templates::Column::CreatedAt
    }
}

fn corrupt(table: &'static str, detail: impl std::fmt::Display) -> ReceptionistError {
    ReceptionistError::storage(CorruptRow { table, detail: detail.to_string() })
}

fn not_found<E: Defaultable>() -> ReceptionistError {
    ReceptionistError::NotFound { entity: E::ENTITY }
}

/// Serializes default changes of one tenant: `SELECT … FOR UPDATE` on its
/// row (PostgreSQL; SQLite has no row locks and serializes writers anyway).
/// Without it, concurrent "make X the default" requests would each clear
/// the defaults they can see and then collide on the unique index.
async fn lock_tenant(txn: &DatabaseTransaction, tenant: Uuid) -> Result<(), DbErr> {
    use crate::entities::tenancy::tenants;
    if txn.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        tenants::Entity::find_by_id(tenant)
            .select_only()
            .column(tenants::Column::Id)
            .lock_exclusive()
            .into_tuple::<Uuid>()
            .one(txn)
            .await?;
    }
    Ok(())
}

/// Clears every default of `tenant` except `keep`.
async fn clear_other_defaults<E: Defaultable>(
    txn: &DatabaseTransaction,
    tenant: Uuid,
    keep: Uuid,
) -> Result<(), DbErr> {
    E::update_many()
        .col_expr(E::is_default(), Expr::value(false))
        .filter(E::tenant().eq(tenant))
        .filter(E::is_default().eq(true))
        .filter(E::id().ne(keep))
        .exec(txn)
        .await
        .map(|_| ())
}

/// Runs `write` in a transaction that first clears the tenant's other
/// defaults when `is_default`; retried when a concurrent default wins the index.
async fn write_with_default<E, F, Fut>(
    store: &SqlStore,
    tenant: Uuid,
    id: Uuid,
    is_default: bool,
    write: F,
) -> Result<u64>
where
    E: Defaultable,
    F: Fn(DatabaseTransaction) -> Fut,
    Fut: std::future::Future<Output = (DatabaseTransaction, Result<u64, DbErr>)>,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        let txn = store.begin_write().await.map_err(|e| ReceptionistError::Storage(db(e)))?;
        let cleared = if is_default {
            match lock_tenant(&txn, tenant).await {
                Ok(()) => clear_other_defaults::<E>(&txn, tenant, id).await,
                Err(err) => Err(err),
            }
        } else {
            Ok(())
        };
        let (txn, written) = match cleared {
            Ok(()) => write(txn).await,
            Err(err) => (txn, Err(err)),
        };
        match written {
            // Nothing matched (unknown id, another tenant's): roll back the cleared defaults too.
            Ok(0) => return Ok(0),
            Ok(rows) => {
                txn.commit().await.map_err(|e| ReceptionistError::Storage(db(e)))?;
                return Ok(rows);
            }
            Err(err)
                if attempt < DEFAULT_RACE_ATTEMPTS
                    && matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) =>
            {
                drop(txn);
                tracing::debug!(entity = E::ENTITY, attempt, "lost a race for the default; retrying");
            }
            Err(err) => return Err(ReceptionistError::Storage(db(err))),
        }
    }
}

/// Deletes `id` of `tenant`; if it was the default, promotes the oldest remaining row.
async fn delete_and_promote<E: Defaultable>(store: &SqlStore, tenant: Uuid, id: Uuid) -> Result<Option<Uuid>> {
    let txn = store.begin_write().await.map_err(|e| ReceptionistError::Storage(db(e)))?;
    let was_default = E::find()
        .select_only()
        .column(E::is_default())
        .filter(E::tenant().eq(tenant))
        .filter(E::id().eq(id))
        .into_tuple::<bool>()
        .one(&txn)
        .await
        .map_err(|e| ReceptionistError::Storage(db(e)))?
        .ok_or_else(not_found::<E>)?;
    E::delete_many()
        .filter(E::tenant().eq(tenant))
        .filter(E::id().eq(id))
        .exec(&txn)
        .await
        .map_err(|e| ReceptionistError::Storage(db(e)))?;
    let promoted = if was_default {
        let oldest = E::find()
            .select_only()
            .column(E::id())
            .filter(E::tenant().eq(tenant))
            .order_by_asc(E::created_at())
            .order_by_asc(E::id())
            .into_tuple::<Uuid>()
            .one(&txn)
            .await
            .map_err(|e| ReceptionistError::Storage(db(e)))?;
        if let Some(next) = oldest {
            E::update_many()
                .col_expr(E::is_default(), Expr::value(true))
                .filter(E::id().eq(next))
                .exec(&txn)
                .await
                .map_err(|e| ReceptionistError::Storage(db(e)))?;
        }
        oldest
    } else {
        None
    };
    txn.commit().await.map_err(|e| ReceptionistError::Storage(db(e)))?;
    Ok(promoted)
}

async fn count<E: Defaultable>(conn: &impl ConnectionTrait, tenant: Uuid) -> Result<u64>
where
    E::Model: Sync,
{
    E::find().filter(E::tenant().eq(tenant)).count(conn).await.map_err(|e| ReceptionistError::Storage(db(e)))
}

async fn page_of<E: Defaultable>(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    page: PageRequest,
) -> Result<(Vec<E::Model>, u64)>
where
    E::Model: Sync,
{
    let total = count::<E>(conn, tenant).await?;
    let rows = E::find()
        .filter(E::tenant().eq(tenant))
        .order_by_asc(E::created_at())
        .order_by_asc(E::id())
        .offset(page.offset())
        .limit(u64::from(page.limit()))
        .all(conn)
        .await
        .map_err(|e| ReceptionistError::Storage(db(e)))?;
    Ok((rows, total))
}

async fn find<E: Defaultable>(
    conn: &impl ConnectionTrait,
    tenant: Uuid,
    filter: sea_orm::Condition,
) -> Result<Option<E::Model>> {
    E::find()
        .filter(E::tenant().eq(tenant))
        .filter(filter)
        .one(conn)
        .await
        .map_err(|e| ReceptionistError::Storage(db(e)))
}

/// Strategies in `strategies`.
#[derive(Clone, Debug)]
pub struct SeaOrmStrategyRepository {
    store: SqlStore,
}

impl SeaOrmStrategyRepository {
    /// A repository over `store`.
    #[must_use]
    pub const fn new(store: SqlStore) -> Self {
        Self { store }
    }
}

fn strategy_to_domain(row: strategies::Model) -> Result<Strategy> {
    let bad = |e: String| corrupt("strategies", e);
    Ok(Strategy {
        id: StrategyId::from_uuid(row.id),
        tenant_id: TenantId::from_uuid(row.tenant_id),
        name: row.name,
        persona: row.persona,
        tone: row.tone,
        goal: row.goal,
        qualification_questions: serde_json::from_value(row.qualification_questions).map_err(|e| bad(e.to_string()))?,
        business_facts: JsonObject::parse(row.business_facts).map_err(bad)?,
        handoff_phone: row.handoff_phone.as_deref().map(PhoneNumber::from_stored).transpose().map_err(bad)?,
        is_default: row.is_default,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn strategy_row(strategy: &Strategy) -> strategies::ActiveModel {
    strategies::ActiveModel {
        id: Set(strategy.id.as_uuid()),
        tenant_id: Set(strategy.tenant_id.as_uuid()),
        name: Set(strategy.name.clone()),
        persona: Set(strategy.persona.clone()),
        tone: Set(strategy.tone.clone()),
        goal: Set(strategy.goal.clone()),
        qualification_questions: Set(serde_json::Value::from(strategy.qualification_questions.clone())),
        business_facts: Set(strategy.business_facts.to_value()),
        handoff_phone: Set(strategy.handoff_phone.as_ref().map(|p| p.as_str().to_owned())),
        is_default: Set(strategy.is_default),
        created_at: Set(strategy.created_at),
        updated_at: Set(strategy.updated_at),
    }
}

#[async_trait]
impl StrategyRepository for SeaOrmStrategyRepository {
    async fn insert(&self, strategy: &Strategy) -> Result<()> {
        let tenant = strategy.tenant_id.as_uuid();
        write_with_default::<strategies::Entity, _, _>(
            &self.store,
            tenant,
            strategy.id.as_uuid(),
            strategy.is_default,
            |txn| async move {
                let written = strategies::Entity::insert(strategy_row(strategy)).exec_without_returning(&txn).await;
                (txn, written.map(|_| 1))
            },
        )
        .await
        .map(|_| ())
    }

    async fn get(&self, tenant: TenantId, id: StrategyId) -> Result<Strategy> {
        let row = find::<strategies::Entity>(
            self.store.conn(),
            tenant.as_uuid(),
            sea_orm::Condition::all().add(strategies::Column::Id.eq(id.as_uuid())),
        )
        .await?;
        row.map(strategy_to_domain).transpose()?.ok_or_else(not_found::<strategies::Entity>)
    }

    async fn update(&self, tenant: TenantId, strategy: &Strategy) -> Result<()> {
        if strategy.tenant_id != tenant {
            return Err(not_found::<strategies::Entity>());
        }
        let rows = write_with_default::<strategies::Entity, _, _>(
            &self.store,
            tenant.as_uuid(),
            strategy.id.as_uuid(),
            strategy.is_default,
            |txn| async move {
                let mut row = strategy_row(strategy).into_active_model();
                row.created_at = sea_orm::ActiveValue::NotSet;
                let written = strategies::Entity::update_many()
                    .set(row)
                    .filter(strategies::Column::TenantId.eq(tenant.as_uuid()))
                    .filter(strategies::Column::Id.eq(strategy.id.as_uuid()))
                    .exec(&txn)
                    .await
                    .map(|r| r.rows_affected);
                (txn, written)
            },
        )
        .await?;
        if rows == 0 { Err(not_found::<strategies::Entity>()) } else { Ok(()) }
    }

    async fn delete(&self, tenant: TenantId, id: StrategyId) -> Result<Option<StrategyId>> {
        Ok(delete_and_promote::<strategies::Entity>(&self.store, tenant.as_uuid(), id.as_uuid())
            .await?
            .map(StrategyId::from_uuid))
    }

    async fn list(&self, tenant: TenantId, page: PageRequest) -> Result<Page<Strategy>> {
        let (rows, total) = page_of::<strategies::Entity>(self.store.conn(), tenant.as_uuid(), page).await?;
        let data = rows.into_iter().map(strategy_to_domain).collect::<Result<Vec<_>>>()?;
        Ok(Page::new(data, page, total))
    }

    async fn default_for(&self, tenant: TenantId) -> Result<Option<Strategy>> {
        let row = find::<strategies::Entity>(
            self.store.conn(),
            tenant.as_uuid(),
            sea_orm::Condition::all().add(strategies::Column::IsDefault.eq(true)),
        )
        .await?;
        row.map(strategy_to_domain).transpose()
    }

    async fn count(&self, tenant: TenantId) -> Result<u64> {
        count::<strategies::Entity>(self.store.conn(), tenant.as_uuid()).await
    }
}

/// Prompt templates in `prompt_templates`.
#[derive(Clone, Debug)]
pub struct SeaOrmPromptTemplateRepository {
    store: SqlStore,
}

impl SeaOrmPromptTemplateRepository {
    /// A repository over `store`.
    #[must_use]
    pub const fn new(store: SqlStore) -> Self {
        Self { store }
    }
}

fn template_to_domain(row: prompt_templates::Model) -> Result<PromptTemplate> {
    Ok(PromptTemplate {
        id: PromptTemplateId::from_uuid(row.id),
        tenant_id: TenantId::from_uuid(row.tenant_id),
        name: row.name,
        body: row.body,
        variables: serde_json::from_value(row.variables).map_err(|e| corrupt("prompt_templates", e))?,
        is_default: row.is_default,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn template_row(template: &PromptTemplate) -> prompt_templates::ActiveModel {
    prompt_templates::ActiveModel {
        id: Set(template.id.as_uuid()),
        tenant_id: Set(template.tenant_id.as_uuid()),
        name: Set(template.name.clone()),
        body: Set(template.body.clone()),
        variables: Set(serde_json::Value::from(template.variables.clone())),
        is_default: Set(template.is_default),
        created_at: Set(template.created_at),
        updated_at: Set(template.updated_at),
    }
}

#[async_trait]
impl PromptTemplateRepository for SeaOrmPromptTemplateRepository {
    async fn insert(&self, template: &PromptTemplate) -> Result<()> {
        let tenant = template.tenant_id.as_uuid();
        write_with_default::<prompt_templates::Entity, _, _>(
            &self.store,
            tenant,
            template.id.as_uuid(),
            template.is_default,
            |txn| async move {
                let written =
                    prompt_templates::Entity::insert(template_row(template)).exec_without_returning(&txn).await;
                (txn, written.map(|_| 1))
            },
        )
        .await
        .map(|_| ())
    }

    async fn get(&self, tenant: TenantId, id: PromptTemplateId) -> Result<PromptTemplate> {
        let row = find::<prompt_templates::Entity>(
            self.store.conn(),
            tenant.as_uuid(),
            sea_orm::Condition::all().add(prompt_templates::Column::Id.eq(id.as_uuid())),
        )
        .await?;
        row.map(template_to_domain).transpose()?.ok_or_else(not_found::<prompt_templates::Entity>)
    }

    async fn update(&self, tenant: TenantId, template: &PromptTemplate) -> Result<()> {
        if template.tenant_id != tenant {
            return Err(not_found::<prompt_templates::Entity>());
        }
        let rows = write_with_default::<prompt_templates::Entity, _, _>(
            &self.store,
            tenant.as_uuid(),
            template.id.as_uuid(),
            template.is_default,
            |txn| async move {
                let mut row = template_row(template);
                row.created_at = sea_orm::ActiveValue::NotSet;
                let written = prompt_templates::Entity::update_many()
                    .set(row)
                    .filter(prompt_templates::Column::TenantId.eq(tenant.as_uuid()))
                    .filter(prompt_templates::Column::Id.eq(template.id.as_uuid()))
                    .exec(&txn)
                    .await
                    .map(|r| r.rows_affected);
                (txn, written)
            },
        )
        .await?;
        if rows == 0 { Err(not_found::<prompt_templates::Entity>()) } else { Ok(()) }
    }

    async fn delete(&self, tenant: TenantId, id: PromptTemplateId) -> Result<Option<PromptTemplateId>> {
        Ok(delete_and_promote::<prompt_templates::Entity>(&self.store, tenant.as_uuid(), id.as_uuid())
            .await?
            .map(PromptTemplateId::from_uuid))
    }

    async fn list(&self, tenant: TenantId, page: PageRequest) -> Result<Page<PromptTemplate>> {
        let (rows, total) = page_of::<prompt_templates::Entity>(self.store.conn(), tenant.as_uuid(), page).await?;
        let data = rows.into_iter().map(template_to_domain).collect::<Result<Vec<_>>>()?;
        Ok(Page::new(data, page, total))
    }

    async fn default_for(&self, tenant: TenantId) -> Result<Option<PromptTemplate>> {
        let row = find::<prompt_templates::Entity>(
            self.store.conn(),
            tenant.as_uuid(),
            sea_orm::Condition::all().add(prompt_templates::Column::IsDefault.eq(true)),
        )
        .await?;
        row.map(template_to_domain).transpose()
    }

    async fn count(&self, tenant: TenantId) -> Result<u64> {
        count::<prompt_templates::Entity>(self.store.conn(), tenant.as_uuid()).await
    }
}
