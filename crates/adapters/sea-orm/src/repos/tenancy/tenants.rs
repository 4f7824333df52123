//! [`TenantRepository`] on SeaORM.

use crate::connection::SqlStore;
use crate::entities::tenancy::tenants::{ActiveModel, Column, Entity, Model};
use crate::error::{corrupt, db, found, tenancy_err};
use crate::repos::tenancy::memberships::membership_row;
use async_trait::async_trait;
use frontdesk_kernel::{Country, Page, PageRequest, TenantId};
use frontdesk_tenancy::{Membership, Result, TenancyError, Tenant, TenantName, TenantRepository, TimeZone};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

/// Tenants in the `tenants` table.
#[derive(Clone, Debug)]
pub struct SeaOrmTenantRepository {
    store: SqlStore,
}

impl SeaOrmTenantRepository {
    /// A repository over `store`.
    #[must_use]
    pub const fn new(store: SqlStore) -> Self {
        Self { store }
    }
}

fn to_domain(row: Model) -> Result<Tenant> {
    Ok(Tenant {
        id: TenantId::from_uuid(row.id),
        name: TenantName::parse(&row.name).map_err(|e| corrupt("tenants", e))?,
        timezone: TimeZone::parse(&row.timezone).map_err(|e| corrupt("tenants", e))?,
        country: row.country.as_deref().map(Country::parse).transpose().map_err(|e| corrupt("tenants", e))?,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn tenant_row(tenant: &Tenant) -> ActiveModel {
    ActiveModel {
        id: Set(tenant.id.as_uuid()),
        name: Set(tenant.name.as_str().to_owned()),
        timezone: Set(tenant.timezone.name().to_owned()),
        country: Set(tenant.country.map(|c| c.to_string())),
        created_at: Set(tenant.created_at),
        updated_at: Set(tenant.updated_at),
    }
}

#[async_trait]
impl TenantRepository for SeaOrmTenantRepository {
    async fn insert(&self, tenant: &Tenant) -> Result<()> {
        Entity::insert(tenant_row(tenant))
            .exec_without_returning(self.store.conn())
            .await
            .map_err(|e| tenancy_err(e, "id"))?;
        Ok(())
    }

    async fn create_with_owner(&self, tenant: &Tenant, owner: Option<&Membership>) -> Result<()> {
        let txn = self.store.begin_write().await.map_err(|e| TenancyError::Storage(db(e)))?;
        Entity::insert(tenant_row(tenant)).exec_without_returning(&txn).await.map_err(|e| tenancy_err(e, "id"))?;
        if let Some(owner) = owner {
            // On error the transaction is dropped uncommitted: no orphan tenant.
            crate::entities::tenancy::memberships::Entity::insert(membership_row(owner))
                .exec_without_returning(&txn)
                .await
                .map_err(|e| tenancy_err(e, "user"))?;
        }
        txn.commit().await.map_err(|e| TenancyError::Storage(db(e)))
    }

    async fn update(&self, tenant: &Tenant) -> Result<()> {
        let result = Entity::update_many()
            .col_expr(Column::Name, Expr::value(tenant.name.as_str()))
            .col_expr(Column::Timezone, Expr::value(tenant.timezone.name()))
            .col_expr(Column::Country, Expr::value(tenant.country.map(|c| c.to_string())))
            .col_expr(Column::UpdatedAt, Expr::value(tenant.updated_at))
            .filter(Column::Id.eq(tenant.id.as_uuid()))
            .exec(self.store.conn())
            .await
            .map_err(|e| TenancyError::Storage(db(e)))?;
        found(result.rows_affected, "sub-account")
    }

    async fn delete(&self, id: TenantId) -> Result<()> {
        // Memberships and invitations go with it (ON DELETE CASCADE).
        let result = Entity::delete_by_id(id.as_uuid())
            .exec(self.store.conn())
            .await
            .map_err(|e| TenancyError::Storage(db(e)))?;
        found(result.rows_affected, "sub-account")
    }

    async fn get(&self, id: TenantId) -> Result<Tenant> {
        let row =
            Entity::find_by_id(id.as_uuid()).one(self.store.conn()).await.map_err(|e| TenancyError::Storage(db(e)))?;
        row.map(to_domain).transpose()?.ok_or(TenancyError::NotFound { entity: "sub-account" })
    }

    async fn list(&self, page: PageRequest) -> Result<Page<Tenant>> {
        let conn = self.store.conn();
        let total = Entity::find().count(conn).await.map_err(|e| TenancyError::Storage(db(e)))?;
        let rows = Entity::find()
            .order_by_asc(Column::CreatedAt)
            .order_by_asc(Column::Id)
            .offset(page.offset())
            .limit(u64::from(page.limit()))
            .all(conn)
            .await
            .map_err(|e| TenancyError::Storage(db(e)))?;
        let data = rows.into_iter().map(to_domain).collect::<Result<Vec<_>>>()?;
        Ok(Page::new(data, page, total))
    }
}
