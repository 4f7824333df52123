//! [`MembershipRepository`] on SeaORM.

use crate::connection::SqlStore;
use crate::entities::tenancy::memberships::{ActiveModel, Column, Entity, Model};
use crate::error::{corrupt, db, found, tenancy_err};
use async_trait::async_trait;
use frontdesk_kernel::{Page, PageRequest, Role, TenantId, UserId};
use frontdesk_tenancy::{Membership, MembershipRepository, Result, TenancyError};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};

/// Memberships in the `memberships` table (one tenant per user, enforced by a unique index).
#[derive(Clone, Debug)]
pub struct SeaOrmMembershipRepository {
    store: SqlStore,
}

impl SeaOrmMembershipRepository {
    /// A repository over `store`.
    #[must_use]
    pub const fn new(store: SqlStore) -> Self {
        Self { store }
    }
}

fn to_domain(row: Model) -> Result<Membership> {
    Ok(Membership {
        tenant_id: TenantId::from_uuid(row.tenant_id),
        user_id: UserId::from_uuid(row.user_id),
        role: row.role.parse::<Role>().map_err(|e| corrupt("memberships", e))?,
        created_at: row.created_at,
    })
}

/// The row for a membership (shared with the transactional inserts of tenants and invitations).
pub(crate) fn membership_row(membership: &Membership) -> ActiveModel {
    ActiveModel {
        tenant_id: Set(membership.tenant_id.as_uuid()),
        user_id: Set(membership.user_id.as_uuid()),
        role: Set(membership.role.as_str().to_owned()),
        created_at: Set(membership.created_at),
    }
}

#[async_trait]
impl MembershipRepository for SeaOrmMembershipRepository {
    async fn insert(&self, membership: &Membership) -> Result<()> {
        Entity::insert(membership_row(membership))
            .exec_without_returning(self.store.conn())
            .await
            .map_err(|e| tenancy_err(e, "user"))?;
        Ok(())
    }

    async fn find_for_user(&self, user_id: UserId) -> Result<Option<Membership>> {
        let row = Entity::find()
            .filter(Column::UserId.eq(user_id.as_uuid()))
            .one(self.store.conn())
            .await
            .map_err(|e| TenancyError::Storage(db(e)))?;
        row.map(to_domain).transpose()
    }

    async fn update_role(&self, tenant_id: TenantId, user_id: UserId, role: Role) -> Result<()> {
        let result = Entity::update_many()
            .col_expr(Column::Role, Expr::value(role.as_str()))
            .filter(Column::TenantId.eq(tenant_id.as_uuid()))
            .filter(Column::UserId.eq(user_id.as_uuid()))
            .exec(self.store.conn())
            .await
            .map_err(|e| TenancyError::Storage(db(e)))?;
        found(result.rows_affected, "user")
    }

    async fn remove(&self, tenant_id: TenantId, user_id: UserId) -> Result<()> {
        let result = Entity::delete_many()
            .filter(Column::TenantId.eq(tenant_id.as_uuid()))
            .filter(Column::UserId.eq(user_id.as_uuid()))
            .exec(self.store.conn())
            .await
            .map_err(|e| TenancyError::Storage(db(e)))?;
        found(result.rows_affected, "user")
    }

    async fn list_for_tenant(&self, tenant_id: TenantId, page: PageRequest) -> Result<Page<Membership>> {
        let conn = self.store.conn();
        let scoped = Entity::find().filter(Column::TenantId.eq(tenant_id.as_uuid()));
        let total = scoped.clone().count(conn).await.map_err(|e| TenancyError::Storage(db(e)))?;
        let rows = scoped
            .order_by_asc(Column::CreatedAt)
            .order_by_asc(Column::UserId)
            .offset(page.offset())
            .limit(u64::from(page.limit()))
            .all(conn)
            .await
            .map_err(|e| TenancyError::Storage(db(e)))?;
        let data = rows.into_iter().map(to_domain).collect::<Result<Vec<_>>>()?;
        Ok(Page::new(data, page, total))
    }
}
