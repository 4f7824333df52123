//! [`LoginAttemptRepository`] on SeaORM.

use crate::connection::SqlStore;
use crate::entities::tenancy::login_attempts::{ActiveModel, Column, Entity};
use crate::error::db;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk_tenancy::{EmailAddress, LoginAttempt, LoginAttemptId, LoginAttemptRepository, Result, TenancyError};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// The address as stored (the column holds 64 characters; lookups must truncate alike).
fn stored_ip(ip: &str) -> String {
    ip.chars().take(64).collect()
}

/// Attempts in the `login_attempts` table (indexed by (email, time) and (email, ip, time)).
#[derive(Clone, Debug)]
pub struct SeaOrmLoginAttemptRepository {
    store: SqlStore,
}

impl SeaOrmLoginAttemptRepository {
    /// A repository over `store`.
    #[must_use]
    pub const fn new(store: SqlStore) -> Self {
        Self { store }
    }
}

#[async_trait]
impl LoginAttemptRepository for SeaOrmLoginAttemptRepository {
    async fn record(&self, attempt: &LoginAttempt) -> Result<()> {
        let row = ActiveModel {
            id: Set(attempt.id.as_uuid()),
            email: Set(attempt.email.as_str().to_owned()),
            succeeded: Set(attempt.succeeded),
            ip: Set(attempt.ip.as_deref().map(stored_ip)),
            user_agent: Set(attempt.user_agent.as_ref().map(|ua| ua.chars().take(256).collect())),
            at: Set(attempt.at),
        };
        Entity::insert(row)
            .exec_without_returning(self.store.conn())
            .await
            .map_err(|e| TenancyError::Storage(db(e)))?;
        Ok(())
    }

    async fn mark_succeeded(&self, id: LoginAttemptId) -> Result<()> {
        Entity::update_many()
            .col_expr(Column::Succeeded, Expr::value(true))
            .filter(Column::Id.eq(id.as_uuid()))
            .exec(self.store.conn())
            .await
            .map_err(|e| TenancyError::Storage(db(e)))?;
        Ok(())
    }

    async fn recent_failures(
        &self,
        email: &EmailAddress,
        ip: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(LoginAttemptId, DateTime<Utc>)>> {
        let conn = self.store.conn();
        let key = Condition::all().add(Column::Email.eq(email.as_str())).add(match ip {
            Some(ip) => Column::Ip.eq(stored_ip(ip)),
            None => Column::Ip.is_null(),
        });
        // Two index range scans on (email, ip, at): the last success, then the failures after it.
        let last_success: Option<(uuid::Uuid, DateTime<Utc>)> = Entity::find()
            .select_only()
            .column(Column::Id)
            .column(Column::At)
            .filter(key.clone())
            .filter(Column::Succeeded.eq(true))
            .order_by_desc(Column::At)
            .order_by_desc(Column::Id)
            .limit(1)
            .into_tuple()
            .one(conn)
            .await
            .map_err(|e| TenancyError::Storage(db(e)))?;
        let mut failures = Entity::find()
            .select_only()
            .column(Column::Id)
            .column(Column::At)
            .filter(key)
            .filter(Column::Succeeded.eq(false));
        if let Some((id, at)) = last_success {
            // Strictly after (at, id) of the last success.
            failures = failures.filter(
                Condition::any()
                    .add(Column::At.gt(at))
                    .add(Condition::all().add(Column::At.eq(at)).add(Column::Id.gt(id))),
            );
        }
        let rows: Vec<(uuid::Uuid, DateTime<Utc>)> = failures
            .order_by_desc(Column::At)
            .order_by_desc(Column::Id)
            .limit(limit as u64)
            .into_tuple()
            .all(conn)
            .await
            .map_err(|e| TenancyError::Storage(db(e)))?;
        Ok(rows.into_iter().map(|(id, at)| (LoginAttemptId::from_uuid(id), at)).collect())
    }

    async fn failures_since(
        &self,
        email: &EmailAddress,
        since: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<DateTime<Utc>>> {
        // One range scan on (email, at).
        Entity::find()
            .select_only()
            .column(Column::At)
            .filter(Column::Email.eq(email.as_str()))
            .filter(Column::At.gt(since))
            .filter(Column::Succeeded.eq(false))
            .order_by_desc(Column::At)
            .limit(limit as u64)
            .into_tuple()
            .all(self.store.conn())
            .await
            .map_err(|e| TenancyError::Storage(db(e)))
    }

    async fn purge_before(&self, before: DateTime<Utc>) -> Result<u64> {
        let result = Entity::delete_many()
            .filter(Column::At.lt(before))
            .exec(self.store.conn())
            .await
            .map_err(|e| TenancyError::Storage(db(e)))?;
        Ok(result.rows_affected)
    }
}
