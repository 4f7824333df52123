//! [`InvitationRepository`] on SeaORM.

use crate::connection::SqlStore;
use crate::entities::tenancy::invitations::{ActiveModel, Column, Entity, Model};
use crate::error::{corrupt, db, tenancy_err};
use crate::repos::tenancy::memberships::membership_row;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk_kernel::{Role, TenantId, UserId};
use frontdesk_tenancy::{
    EmailAddress, Invitation, InvitationId, InvitationRepository, Membership, Result, TenancyError, TokenHash,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

/// Invitations in the `invitations` table.
#[derive(Clone, Debug)]
pub struct SeaOrmInvitationRepository {
    store: SqlStore,
}

impl SeaOrmInvitationRepository {
    /// A repository over `store`.
    #[must_use]
    pub const fn new(store: SqlStore) -> Self {
        Self { store }
    }
}

fn to_domain(row: Model) -> Result<Invitation> {
    Ok(Invitation {
        id: InvitationId::from_uuid(row.id),
        tenant_id: TenantId::from_uuid(row.tenant_id),
        email: EmailAddress::parse(&row.email).map_err(|e| corrupt("invitations", e))?,
        role: row.role.parse::<Role>().map_err(|e| corrupt("invitations", e))?,
        code_hash: TokenHash::from_hex(&row.code_hash).map_err(|e| corrupt("invitations", e))?,
        invited_by: UserId::from_uuid(row.invited_by),
        created_at: row.created_at,
        expires_at: row.expires_at,
        used_at: row.used_at,
    })
}

#[async_trait]
impl InvitationRepository for SeaOrmInvitationRepository {
    async fn insert(&self, invitation: &Invitation) -> Result<()> {
        let row = ActiveModel {
            id: Set(invitation.id.as_uuid()),
            tenant_id: Set(invitation.tenant_id.as_uuid()),
            email: Set(invitation.email.as_str().to_owned()),
            role: Set(invitation.role.as_str().to_owned()),
            code_hash: Set(invitation.code_hash.as_str().to_owned()),
            invited_by: Set(invitation.invited_by.as_uuid()),
            created_at: Set(invitation.created_at),
            expires_at: Set(invitation.expires_at),
            used_at: Set(invitation.used_at),
        };
        Entity::insert(row).exec_without_returning(self.store.conn()).await.map_err(|e| tenancy_err(e, "code"))?;
        Ok(())
    }

    async fn find_by_code(&self, hash: &TokenHash) -> Result<Option<Invitation>> {
        let row = Entity::find()
            .filter(Column::CodeHash.eq(hash.as_str()))
            .one(self.store.conn())
            .await
            .map_err(|e| TenancyError::Storage(db(e)))?;
        row.map(to_domain).transpose()
    }

    async fn accept(&self, id: InvitationId, membership: &Membership, at: DateTime<Utc>) -> Result<bool> {
        let txn = self.store.begin_write().await.map_err(|e| TenancyError::Storage(db(e)))?;
        // Claim the invitation first: of two concurrent joins only one updates a row.
        let claimed = Entity::update_many()
            .col_expr(Column::UsedAt, Expr::value(at))
            .filter(Column::Id.eq(id.as_uuid()))
            .filter(Column::UsedAt.is_null())
            .exec(&txn)
            .await
            .map_err(|e| TenancyError::Storage(db(e)))?;
        if claimed.rows_affected != 1 {
            txn.rollback().await.map_err(|e| TenancyError::Storage(db(e)))?;
            return Ok(false);
        }
        crate::entities::tenancy::memberships::Entity::insert(membership_row(membership))
            .exec_without_returning(&txn)
            .await
            .map_err(|e| tenancy_err(e, "user"))?;
        txn.commit().await.map_err(|e| TenancyError::Storage(db(e)))?;
        Ok(true)
    }
}
