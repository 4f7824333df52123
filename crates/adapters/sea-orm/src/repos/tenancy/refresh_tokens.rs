//! [`RefreshTokenRepository`] on SeaORM.
//!
//! Tokens live in `refresh_tokens`, their families (one per login: start and
//! revoked mark) in `refresh_token_families`. Every write that must not
//! interleave with theft detection runs in one transaction that touches the
//! family row first: [`rotate`](RefreshTokenRepository::rotate) locks it
//! (`SELECT … FOR UPDATE` on PostgreSQL) and consumes the old token only if
//! the family is still live; [`revoke_family`](RefreshTokenRepository::revoke_family)
//! marks the row, then revokes the tokens. On PostgreSQL the row lock orders
//! the two, and the revocation's token UPDATE, a new statement under READ
//! COMMITTED, sees a token a rotation committed first. SQLite serialises
//! writers, and every transaction here starts with a write, so none reads a
//! snapshot it later cannot upgrade.

use crate::connection::SqlStore;
use crate::entities::tenancy::refresh_token_families as families;
use crate::entities::tenancy::refresh_tokens::{ActiveModel, Column, Entity, Model};
use crate::error::{corrupt, db, tenancy_err};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk_kernel::UserId;
use frontdesk_tenancy::{
    RefreshToken, RefreshTokenId, RefreshTokenRepository, Result, TenancyError, TokenFamilyId, TokenHash,
};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, QuerySelect};

/// Refresh-token hashes in the `refresh_tokens` table, families in `refresh_token_families`.
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

/// The token row as a domain value. A token whose family row is missing
/// (only possible after a purge raced a rotation) counts its session from
/// its own creation; rotation refuses it anyway, as its family is not live.
fn to_domain(row: Model, family_started_at: Option<DateTime<Utc>>) -> Result<RefreshToken> {
    Ok(RefreshToken {
        id: RefreshTokenId::from_uuid(row.id),
        user_id: UserId::from_uuid(row.user_id),
        family_id: TokenFamilyId::from_uuid(row.family_id),
        token_hash: TokenHash::from_hex(&row.token_hash).map_err(|e| corrupt("refresh_tokens", e))?,
        created_at: row.created_at,
        expires_at: row.expires_at,
        revoked_at: row.revoked_at,
        family_started_at: family_started_at.unwrap_or(row.created_at),
    })
}

fn token_row(token: &RefreshToken) -> ActiveModel {
    ActiveModel {
        id: Set(token.id.as_uuid()),
        user_id: Set(token.user_id.as_uuid()),
        family_id: Set(token.family_id.as_uuid()),
        token_hash: Set(token.token_hash.as_str().to_owned()),
        created_at: Set(token.created_at),
        expires_at: Set(token.expires_at),
        revoked_at: Set(token.revoked_at),
    }
}

/// `SELECT id FROM refresh_token_families WHERE id = $family AND revoked_at IS NULL`.
fn live_family(family: uuid::Uuid) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(families::Column::Id)
        .from(families::Entity)
        .and_where(families::Column::Id.eq(family))
        .and_where(families::Column::RevokedAt.is_null())
        .to_owned()
}

/// Marks the families matched by `filter` revoked, then revokes their live tokens, in `txn`.
async fn revoke_families<C: ConnectionTrait>(
    txn: &C,
    families_of: sea_orm::sea_query::SelectStatement,
    tokens: sea_orm::Condition,
    at: DateTime<Utc>,
) -> std::result::Result<u64, sea_orm::DbErr> {
    families::Entity::update_many()
        .col_expr(families::Column::RevokedAt, Expr::value(at))
        .filter(families::Column::Id.in_subquery(families_of))
        .filter(families::Column::RevokedAt.is_null())
        .exec(txn)
        .await?;
    let revoked = Entity::update_many()
        .col_expr(Column::RevokedAt, Expr::value(at))
        .filter(tokens)
        .filter(Column::RevokedAt.is_null())
        .exec(txn)
        .await?;
    Ok(revoked.rows_affected)
}

#[async_trait]
impl RefreshTokenRepository for SeaOrmRefreshTokenRepository {
    async fn start_family(&self, token: &RefreshToken) -> Result<()> {
        let txn = self.store.begin_write().await.map_err(|e| TenancyError::Storage(db(e)))?;
        let family = families::ActiveModel {
            id: Set(token.family_id.as_uuid()),
            started_at: Set(token.family_started_at),
            revoked_at: Set(None),
        };
        families::Entity::insert(family).exec_without_returning(&txn).await.map_err(|e| tenancy_err(e, "token"))?;
        Entity::insert(token_row(token)).exec_without_returning(&txn).await.map_err(|e| tenancy_err(e, "token"))?;
        txn.commit().await.map_err(|e| TenancyError::Storage(db(e)))
    }

    async fn find_by_hash(&self, hash: &TokenHash) -> Result<Option<RefreshToken>> {
        let conn = self.store.conn();
        let Some(row) = Entity::find()
            .filter(Column::TokenHash.eq(hash.as_str()))
            .one(conn)
            .await
            .map_err(|e| TenancyError::Storage(db(e)))?
        else {
            return Ok(None);
        };
        let started: Option<DateTime<Utc>> = families::Entity::find_by_id(row.family_id)
            .select_only()
            .column(families::Column::StartedAt)
            .into_tuple()
            .one(conn)
            .await
            .map_err(|e| TenancyError::Storage(db(e)))?;
        to_domain(row, started).map(Some)
    }

    async fn rotate(&self, current: RefreshTokenId, next: &RefreshToken, at: DateTime<Utc>) -> Result<bool> {
        let family = next.family_id.as_uuid();
        let txn = self.store.begin_write().await.map_err(|e| TenancyError::Storage(db(e)))?;
        if txn.get_database_backend() == DatabaseBackend::Postgres {
            // Waits for a revocation of this family in flight (and makes it wait for us).
            families::Entity::find_by_id(family)
                .select_only()
                .column(families::Column::Id)
                .lock_exclusive()
                .into_tuple::<uuid::Uuid>()
                .one(&txn)
                .await
                .map_err(|e| TenancyError::Storage(db(e)))?;
        }
        // Consume the old token only if it is live and its family is: of concurrent
        // rotations one updates a row, and none after the family's revocation.
        let consumed = Entity::update_many()
            .col_expr(Column::RevokedAt, Expr::value(at))
            .filter(Column::Id.eq(current.as_uuid()))
            .filter(Column::FamilyId.eq(family))
            .filter(Column::RevokedAt.is_null())
            .filter(Column::FamilyId.in_subquery(live_family(family)))
            .exec(&txn)
            .await
            .map_err(|e| TenancyError::Storage(db(e)))?;
        if consumed.rows_affected != 1 {
            txn.rollback().await.map_err(|e| TenancyError::Storage(db(e)))?;
            return Ok(false);
        }
        Entity::insert(token_row(next)).exec_without_returning(&txn).await.map_err(|e| tenancy_err(e, "token"))?;
        txn.commit().await.map_err(|e| TenancyError::Storage(db(e)))?;
        Ok(true)
    }

    async fn revoke_other_families(
        &self,
        user_id: UserId,
        keep: Option<TokenFamilyId>,
        at: DateTime<Utc>,
    ) -> Result<u64> {
        let mut families_of = Query::select()
            .column(Column::FamilyId)
            .from(Entity)
            .and_where(Column::UserId.eq(user_id.as_uuid()))
            .to_owned();
        let mut tokens = sea_orm::Condition::all().add(Column::UserId.eq(user_id.as_uuid()));
        if let Some(keep) = keep {
            families_of.and_where(Column::FamilyId.ne(keep.as_uuid()));
            tokens = tokens.add(Column::FamilyId.ne(keep.as_uuid()));
        }
        let txn = self.store.begin_write().await.map_err(|e| TenancyError::Storage(db(e)))?;
        let revoked = revoke_families(&txn, families_of, tokens, at).await.map_err(|e| TenancyError::Storage(db(e)))?;
        txn.commit().await.map_err(|e| TenancyError::Storage(db(e)))?;
        Ok(revoked)
    }

    async fn revoke_family(&self, family_id: TokenFamilyId, at: DateTime<Utc>) -> Result<u64> {
        let family = family_id.as_uuid();
        let only = Query::select().expr(Expr::val(family)).to_owned();
        let txn = self.store.begin_write().await.map_err(|e| TenancyError::Storage(db(e)))?;
        let tokens = sea_orm::Condition::all().add(Column::FamilyId.eq(family));
        let revoked = revoke_families(&txn, only, tokens, at).await.map_err(|e| TenancyError::Storage(db(e)))?;
        txn.commit().await.map_err(|e| TenancyError::Storage(db(e)))?;
        Ok(revoked)
    }

    async fn purge_expired(&self, before: DateTime<Utc>) -> Result<u64> {
        let conn = self.store.conn();
        let result = Entity::delete_many()
            .filter(Column::ExpiresAt.lt(before))
            .exec(conn)
            .await
            .map_err(|e| TenancyError::Storage(db(e)))?;
        // Families left without tokens (a family and its first token are inserted together).
        families::Entity::delete_many()
            .filter(
                families::Column::Id.not_in_subquery(Query::select().column(Column::FamilyId).from(Entity).to_owned()),
            )
            .exec(conn)
            .await
            .map_err(|e| TenancyError::Storage(db(e)))?;
        Ok(result.rows_affected)
    }
}
