//! The `jobs` table as a SeaORM entity. Private: the store and the queue map
//! rows to the kernel's job types, so nothing outside this crate sees SQL.
#![allow(missing_docs)]

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub tenant_id: Uuid,
    pub queue: String,
    pub kind: String,
    pub payload: Json,
    pub status: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub idempotency_key: Option<String>,
    pub result: Option<Json>,
    pub error: Option<String>,
    pub progress_processed: Option<i64>,
    pub progress_total: Option<i64>,
    pub run_at: DateTimeUtc,
    pub lease_until: Option<DateTimeUtc>,
    pub lease_token: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub interruptions: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Every column, in table order, for `RETURNING` clauses of raw statements.
pub(crate) const COLUMNS: &str = "id, tenant_id, queue, kind, payload, status, attempts, max_attempts, \
     idempotency_key, result, error, progress_processed, progress_total, run_at, lease_until, lease_token, \
     created_at, updated_at, interruptions";
