//! [`ChannelDirectory`] and [`OptOuts`] over `phone_numbers`,
//! `inbound_addresses`, `blocked_numbers` and `sms_opt_outs`.
//!
//! "A number belongs to one sub-account" is the unique index, so two
//! sub-accounts adding the same number at once cannot both win: the loser's
//! insert fails and becomes `AlreadyExists`. Removals are one
//! `DELETE … WHERE tenant_id = $1 AND id = $2`, so another tenant's id
//! deletes nothing and reads as not found.

use crate::connection::SqlStore;
use crate::error::db;
use crate::repos::sql::stmt;
use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use frontdesk_kernel::{Page, PageRequest, PhoneNumber, TenantId};
use frontdesk_receptionist::channels::routing::{
    BlockedNumber, BlockedNumberId, ChannelDirectory, InboundAddress, InboundAddressId, PhoneNumberId, PhoneNumberRoute,
};
use frontdesk_receptionist::channels::sms::OptOuts;
use frontdesk_receptionist::strategy::StrategyId;
use frontdesk_receptionist::{ReceptionistError, Result};
use sea_orm::{ConnectionTrait, DbErr, QueryResult, SqlErr, Value};
use uuid::Uuid;

/// The channels' routing tables.
#[derive(Clone, Debug)]
pub struct SeaOrmChannels {
    store: SqlStore,
}

impl SeaOrmChannels {
    /// The directory over `store`.
    #[must_use]
    pub const fn new(store: SqlStore) -> Self {
        Self { store }
    }

    async fn execute(&self, sql: &str, values: Vec<Value>) -> std::result::Result<u64, DbErr> {
        let db = self.store.connection();
        Ok(db.execute_raw(stmt(db.get_database_backend(), sql, values)).await?.rows_affected())
    }

    async fn all(&self, sql: &str, values: Vec<Value>) -> Result<Vec<QueryResult>> {
        let db = self.store.connection();
        db.query_all_raw(stmt(db.get_database_backend(), sql, values)).await.map_err(storage)
    }

    async fn count(&self, table: &str, tenant: TenantId) -> Result<u64> {
        let sql = format!("SELECT COUNT(*) AS n FROM {table} WHERE tenant_id = $1");
        let rows = self.all(&sql, vec![tenant.as_uuid().into()]).await?;
        let n: i64 = rows.first().map(|r| r.try_get("", "n")).transpose().map_err(corrupt)?.unwrap_or(0);
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// A page of `columns` from `table` for `tenant`, oldest first.
    async fn page<T>(
        &self,
        table: &str,
        columns: &str,
        tenant: TenantId,
        page: PageRequest,
        decode: fn(&QueryResult) -> Result<T>,
    ) -> Result<Page<T>> {
        let total = self.count(table, tenant).await?;
        let sql =
            format!("SELECT {columns} FROM {table} WHERE tenant_id = $1 ORDER BY created_at, id LIMIT $2 OFFSET $3");
        let values = vec![
            tenant.as_uuid().into(),
            i64::from(page.limit()).into(),
            i64::try_from(page.offset()).unwrap_or(i64::MAX).into(),
        ];
        let rows = self.all(&sql, values).await?;
        Ok(Page::new(rows.iter().map(decode).collect::<Result<Vec<_>>>()?, page, total))
    }

    /// Deletes `id` of `tenant` from `table` and returns the row (`NotFound { entity }` when none).
    async fn take<T>(
        &self,
        table: &str,
        columns: &str,
        tenant: TenantId,
        id: Uuid,
        entity: &'static str,
        decode: fn(&QueryResult) -> Result<T>,
    ) -> Result<T> {
        let sql = format!("SELECT {columns} FROM {table} WHERE tenant_id = $1 AND id = $2");
        let rows = self.all(&sql, vec![tenant.as_uuid().into(), id.into()]).await?;
        let found = rows.first().map(decode).transpose()?.ok_or(ReceptionistError::NotFound { entity })?;
        let sql = format!("DELETE FROM {table} WHERE tenant_id = $1 AND id = $2");
        let deleted = self.execute(&sql, vec![tenant.as_uuid().into(), id.into()]).await.map_err(storage)?;
        if deleted == 0 {
            return Err(ReceptionistError::NotFound { entity });
        }
        Ok(found)
    }
}

fn storage(err: DbErr) -> ReceptionistError {
    ReceptionistError::Storage(db(err))
}

fn inserted(result: std::result::Result<u64, DbErr>, entity: &'static str) -> Result<()> {
    match result {
        Ok(_) => Ok(()),
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Err(ReceptionistError::AlreadyExists { entity })
        }
        Err(err) => Err(storage(err)),
    }
}

fn corrupt(err: impl std::fmt::Display) -> ReceptionistError {
    ReceptionistError::storage(std::io::Error::other(format!("corrupt channels row: {err}")))
}

fn millis(at: DateTime<Utc>) -> Value {
    at.timestamp_millis().into()
}

fn instant(row: &QueryResult) -> Result<DateTime<Utc>> {
    let at: i64 = row.try_get("", "created_at").map_err(corrupt)?;
    Utc.timestamp_millis_opt(at).single().ok_or_else(|| corrupt("created_at out of range"))
}

const NUMBER_COLUMNS: &str = "id, tenant_id, number, channel, strategy_id, created_at";

fn number_row(row: &QueryResult) -> Result<PhoneNumberRoute> {
    let id: Uuid = row.try_get("", "id").map_err(corrupt)?;
    let tenant: Uuid = row.try_get("", "tenant_id").map_err(corrupt)?;
    let number: String = row.try_get("", "number").map_err(corrupt)?;
    let channel: String = row.try_get("", "channel").map_err(corrupt)?;
    let strategy: Option<Uuid> = row.try_get("", "strategy_id").map_err(corrupt)?;
    Ok(PhoneNumberRoute {
        id: PhoneNumberId::from_uuid(id),
        tenant_id: TenantId::from_uuid(tenant),
        number: PhoneNumber::from_stored(&number).map_err(corrupt)?,
        channel: channel.parse().map_err(corrupt)?,
        strategy_id: strategy.map(StrategyId::from_uuid),
        created_at: instant(row)?,
    })
}

const ADDRESS_COLUMNS: &str = "id, tenant_id, address, created_at";

fn address_row(row: &QueryResult) -> Result<InboundAddress> {
    let id: Uuid = row.try_get("", "id").map_err(corrupt)?;
    let tenant: Uuid = row.try_get("", "tenant_id").map_err(corrupt)?;
    Ok(InboundAddress {
        id: InboundAddressId::from_uuid(id),
        tenant_id: TenantId::from_uuid(tenant),
        address: row.try_get("", "address").map_err(corrupt)?,
        created_at: instant(row)?,
    })
}

const BLOCKED_COLUMNS: &str = "id, tenant_id, number, reason, created_at";

fn blocked_row(row: &QueryResult) -> Result<BlockedNumber> {
    let id: Uuid = row.try_get("", "id").map_err(corrupt)?;
    let tenant: Uuid = row.try_get("", "tenant_id").map_err(corrupt)?;
    let number: String = row.try_get("", "number").map_err(corrupt)?;
    Ok(BlockedNumber {
        id: BlockedNumberId::from_uuid(id),
        tenant_id: TenantId::from_uuid(tenant),
        number: PhoneNumber::from_stored(&number).map_err(corrupt)?,
        reason: row.try_get("", "reason").map_err(corrupt)?,
        created_at: instant(row)?,
    })
}

#[async_trait]
impl ChannelDirectory for SeaOrmChannels {
    async fn add_number(&self, route: &PhoneNumberRoute) -> Result<()> {
        let sql = "INSERT INTO phone_numbers (id, tenant_id, number, channel, strategy_id, created_at)
            VALUES ($1, $2, $3, $4, $5, $6)";
        let values = vec![
            route.id.as_uuid().into(),
            route.tenant_id.as_uuid().into(),
            route.number.as_str().to_owned().into(),
            route.channel.as_str().into(),
            route.strategy_id.map(|s| s.as_uuid()).into(),
            millis(route.created_at),
        ];
        inserted(self.execute(sql, values).await, "phone number")
    }

    async fn numbers(&self, tenant: TenantId, page: PageRequest) -> Result<Page<PhoneNumberRoute>> {
        self.page("phone_numbers", NUMBER_COLUMNS, tenant, page, number_row).await
    }

    async fn remove_number(&self, tenant: TenantId, id: PhoneNumberId) -> Result<PhoneNumberRoute> {
        self.take("phone_numbers", NUMBER_COLUMNS, tenant, id.as_uuid(), "phone number", number_row).await
    }

    async fn number(&self, number: &str) -> Result<Option<PhoneNumberRoute>> {
        let sql = format!("SELECT {NUMBER_COLUMNS} FROM phone_numbers WHERE number = $1");
        self.all(&sql, vec![number.to_owned().into()]).await?.first().map(number_row).transpose()
    }

    async fn sms_number(&self, tenant: TenantId) -> Result<Option<PhoneNumberRoute>> {
        let sql = format!(
            "SELECT {NUMBER_COLUMNS} FROM phone_numbers WHERE tenant_id = $1 AND channel IN ('sms', 'both')
             ORDER BY created_at, id LIMIT 1"
        );
        self.all(&sql, vec![tenant.as_uuid().into()]).await?.first().map(number_row).transpose()
    }

    async fn add_address(&self, address: &InboundAddress) -> Result<()> {
        let sql = "INSERT INTO inbound_addresses (id, tenant_id, address, created_at) VALUES ($1, $2, $3, $4)";
        let values = vec![
            address.id.as_uuid().into(),
            address.tenant_id.as_uuid().into(),
            address.address.clone().into(),
            millis(address.created_at),
        ];
        inserted(self.execute(sql, values).await, "inbound address")
    }

    async fn addresses(&self, tenant: TenantId, page: PageRequest) -> Result<Page<InboundAddress>> {
        self.page("inbound_addresses", ADDRESS_COLUMNS, tenant, page, address_row).await
    }

    async fn remove_address(&self, tenant: TenantId, id: InboundAddressId) -> Result<InboundAddress> {
        self.take("inbound_addresses", ADDRESS_COLUMNS, tenant, id.as_uuid(), "inbound address", address_row).await
    }

    async fn address(&self, address: &str) -> Result<Option<InboundAddress>> {
        let sql = format!("SELECT {ADDRESS_COLUMNS} FROM inbound_addresses WHERE address = $1");
        self.all(&sql, vec![address.to_owned().into()]).await?.first().map(address_row).transpose()
    }

    async fn block(&self, number: &BlockedNumber) -> Result<()> {
        let sql = "INSERT INTO blocked_numbers (id, tenant_id, number, reason, created_at) VALUES ($1, $2, $3, $4, $5)";
        let values = vec![
            number.id.as_uuid().into(),
            number.tenant_id.as_uuid().into(),
            number.number.as_str().to_owned().into(),
            number.reason.clone().into(),
            millis(number.created_at),
        ];
        inserted(self.execute(sql, values).await, "blocked number")
    }

    async fn blocked(&self, tenant: TenantId, page: PageRequest) -> Result<Page<BlockedNumber>> {
        self.page("blocked_numbers", BLOCKED_COLUMNS, tenant, page, blocked_row).await
    }

    async fn unblock(&self, tenant: TenantId, id: BlockedNumberId) -> Result<BlockedNumber> {
        self.take("blocked_numbers", BLOCKED_COLUMNS, tenant, id.as_uuid(), "blocked number", blocked_row).await
    }

    async fn is_blocked(&self, tenant: TenantId, number: &str) -> Result<bool> {
        let sql = "SELECT 1 AS hit FROM blocked_numbers WHERE tenant_id = $1 AND number = $2";
        Ok(!self.all(sql, vec![tenant.as_uuid().into(), number.to_owned().into()]).await?.is_empty())
    }
}

#[async_trait]
impl OptOuts for SeaOrmChannels {
    async fn set(&self, tenant: TenantId, number: &str, opted_out: bool, at: DateTime<Utc>) -> Result<()> {
        let (sql, values): (&str, Vec<Value>) = if opted_out {
            (
                "INSERT INTO sms_opt_outs (tenant_id, number, opted_out_at) VALUES ($1, $2, $3)
                 ON CONFLICT (tenant_id, number) DO NOTHING",
                vec![tenant.as_uuid().into(), number.to_owned().into(), millis(at)],
            )
        } else {
            (
                "DELETE FROM sms_opt_outs WHERE tenant_id = $1 AND number = $2",
                vec![tenant.as_uuid().into(), number.to_owned().into()],
            )
        };
        self.execute(sql, values).await.map_err(storage)?;
        Ok(())
    }

    async fn is_opted_out(&self, tenant: TenantId, number: &str) -> Result<bool> {
        let sql = "SELECT 1 AS hit FROM sms_opt_outs WHERE tenant_id = $1 AND number = $2";
        Ok(!self.all(sql, vec![tenant.as_uuid().into(), number.to_owned().into()]).await?.is_empty())
    }
}
