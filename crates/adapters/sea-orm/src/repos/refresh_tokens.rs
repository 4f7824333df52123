//! [`RefreshTokenRepository`] on SeaORM.

use crate::connection::SqlStore;
use crate::entities::refresh_tokens::{ActiveModel, Column, Entity, Model};
use crate::error::{corrupt, db, tenancy_err};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk_kernel::UserId;
use frontdesk_tenancy::{
    RefreshToken, RefreshTokenId, RefreshTokenRepository, Result, TenancyError, TokenFamilyId, TokenHash,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

/// Refresh-token hashes in the `refresh_tokens` table.
#[derive(Clone, Debug)]
pub struct SeaOrmRefreshTokenRepository {
    store: SqlStore,
}

impl SeaOrmRefreshTokenRepository {
    /// A repository over `store`.
    #[must_use]
    pub const fn new(store: SqlStore) -> Self {
        Self { store }
    }
}

fn to_domain(row: Model) -> Result<RefreshToken> {
    Ok(RefreshToken {
        id: RefreshTokenId::from_uuid(row.id),
        user_id: UserId::from_uuid(row.user_id),
        family_id: TokenFamilyId::from_uuid(row.family_id),
        token_hash: TokenHash::from_hex(&row.token_hash).map_err(|e| corrupt("refresh_tokens", e))?,
        created_at: row.created_at,
        expires_at: row.expires_at,
        revoked_at: row.revoked_at,
    })
}

#[async_trait]
impl RefreshTokenRepository for SeaOrmRefreshTokenRepository {
    async fn insert(&self, token: &RefreshToken) -> Result<()> {
        let row = ActiveModel {
            id: Set(token.id.as_uuid()),
            user_id: Set(token.user_id.as_uuid()),
            family_id: Set(token.family_id.as_uuid()),
            token_hash: Set(token.token_hash.as_str().to_owned()),
            created_at: Set(token.created_at),
            expires_at: Set(token.expires_at),
            revoked_at: Set(token.revoked_at),
        };
        Entity::insert(row).exec_without_returning(self.store.conn()).await.map_err(|e| tenancy_err(e, "token"))?;
        Ok(())
    }

    async fn find_by_hash(&self, hash: &TokenHash) -> Result<Option<RefreshToken>> {
        let row = Entity::find()
            .filter(Column::TokenHash.eq(hash.as_str()))
            .one(self.store.conn())
            .await
            .map_err(|e| TenancyError::Storage(db(e)))?;
        row.map(to_domain).transpose()
    }

    async fn revoke(&self, id: RefreshTokenId, at: DateTime<Utc>) -> Result<bool> {
        // Conditional UPDATE: of two concurrent rotations only one sees a row affected.
        let result = Entity::update_many()
            .col_expr(Column::RevokedAt, Expr::value(at))
            .filter(Column::Id.eq(id.as_uuid()))
            .filter(Column::RevokedAt.is_null())
            .exec(self.store.conn())
            .await
            .map_err(|e| TenancyError::Storage(db(e)))?;
        Ok(result.rows_affected == 1)
    }

    async fn revoke_other_families(
        &self,
        user_id: UserId,
        keep: Option<TokenFamilyId>,
        at: DateTime<Utc>,
    ) -> Result<u64> {
        let mut update = Entity::update_many()
            .col_expr(Column::RevokedAt, Expr::value(at))
            .filter(Column::UserId.eq(user_id.as_uuid()))
            .filter(Column::RevokedAt.is_null());
        if let Some(keep) = keep {
            update = update.filter(Column::FamilyId.ne(keep.as_uuid()));
        }
        let result = update.exec(self.store.conn()).await.map_err(|e| TenancyError::Storage(db(e)))?;
        Ok(result.rows_affected)
    }

    async fn revoke_family(&self, family_id: TokenFamilyId, at: DateTime<Utc>) -> Result<u64> {
        // One UPDATE, so a concurrent rotation cannot slip a live token past the revocation.
        let result = Entity::update_many()
            .col_expr(Column::RevokedAt, Expr::value(at))
            .filter(Column::FamilyId.eq(family_id.as_uuid()))
            .filter(Column::RevokedAt.is_null())
            .exec(self.store.conn())
            .await
            .map_err(|e| TenancyError::Storage(db(e)))?;
        Ok(result.rows_affected)
    }

    async fn purge_expired(&self, before: DateTime<Utc>) -> Result<u64> {
        let result = Entity::delete_many()
            .filter(Column::ExpiresAt.lt(before))
            .exec(self.store.conn())
            .await
            .map_err(|e| TenancyError::Storage(db(e)))?;
        Ok(result.rows_affected)
    }
}
