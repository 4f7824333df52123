//! [`AuditLog`] on SeaORM (append-only `audit_log` table).

use crate::connection::SqlStore;
use crate::entities::tenancy::audit_log::{ActiveModel, Column, Entity, Model};
use crate::error::{corrupt, db};
use async_trait::async_trait;
use frontdesk_kernel::{TenantId, UserId};
use frontdesk_tenancy::{AuditAction, AuditEntry, AuditLog, Result, TenancyError};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// The audit trail in SQL.
#[derive(Clone, Debug)]
pub struct SeaOrmAuditLog {
    store: SqlStore,
}

impl SeaOrmAuditLog {
    /// A trail over `store`.
    #[must_use]
    pub const fn new(store: SqlStore) -> Self {
        Self { store }
    }
}

const ACTIONS: [AuditAction; 12] = [
    AuditAction::SignUp,
    AuditAction::AdminCreated,
    AuditAction::LoginSucceeded,
    AuditAction::LoginFailed,
    AuditAction::LockedOut,
    AuditAction::PasswordChanged,
    AuditAction::SubAccountCreated,
    AuditAction::SubAccountDeleted,
    AuditAction::InvitationCreated,
    AuditAction::InvitationAccepted,
    AuditAction::RoleChanged,
    AuditAction::UserRemoved,
];

fn to_domain(row: Model) -> Result<AuditEntry> {
    let action = ACTIONS
        .into_iter()
        .find(|a| a.as_str() == row.action)
        .ok_or_else(|| corrupt("audit_log", format!("action {:?}", row.action)))?;
    Ok(AuditEntry {
        actor: row.actor_id.map(UserId::from_uuid),
        tenant: row.tenant_id.map(TenantId::from_uuid),
        action,
        target: row.target,
        ip: row.ip,
        user_agent: row.user_agent,
        at: row.at,
    })
}

#[async_trait]
impl AuditLog for SeaOrmAuditLog {
    async fn record(&self, entry: &AuditEntry) -> Result<()> {
        let row = ActiveModel {
            id: Set(uuid::Uuid::now_v7()),
            actor_id: Set(entry.actor.map(|a| a.as_uuid())),
            tenant_id: Set(entry.tenant.map(|t| t.as_uuid())),
            action: Set(entry.action.as_str().to_owned()),
            target: Set(entry.target.clone()),
            ip: Set(entry.ip.as_ref().map(|ip| ip.chars().take(64).collect())),
            user_agent: Set(entry.user_agent.as_ref().map(|ua| ua.chars().take(256).collect())),
            at: Set(entry.at),
        };
        Entity::insert(row)
            .exec_without_returning(self.store.conn())
            .await
            .map_err(|e| TenancyError::Storage(db(e)))?;
        Ok(())
    }

    async fn recent(&self, tenant: Option<TenantId>, limit: usize) -> Result<Vec<AuditEntry>> {
        let mut query = Entity::find();
        if let Some(tenant) = tenant {
            query = query.filter(Column::TenantId.eq(tenant.as_uuid()));
        }
        let rows = query
            .order_by_desc(Column::At)
            .limit(limit as u64)
            .all(self.store.conn())
            .await
            .map_err(|e| TenancyError::Storage(db(e)))?;
        rows.into_iter().map(to_domain).collect()
    }

    async fn purge_before(&self, before: chrono::DateTime<chrono::Utc>) -> Result<u64> {
        let result = Entity::delete_many()
            .filter(Column::At.lt(before))
            .exec(self.store.conn())
            .await
            .map_err(|e| TenancyError::Storage(db(e)))?;
        Ok(result.rows_affected)
    }
}
