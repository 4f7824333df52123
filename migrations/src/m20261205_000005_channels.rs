//! The channels' routing: `phone_numbers` (a number belongs to one
//! sub-account in the whole deployment — the unique index on `number` is
//! the rule), `inbound_addresses` (likewise, lower-cased),
//! `blocked_numbers` (per sub-account) and `sms_opt_outs` (who said STOP to
//! which sub-account; the messenger reads it before every text).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: &[&str] = &[
    "CREATE TABLE phone_numbers (id {uuid} PRIMARY KEY,
        tenant_id {uuid} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        number varchar(20) NOT NULL, channel varchar(8) NOT NULL, strategy_id {uuid} NULL, created_at bigint NOT NULL)",
    "CREATE UNIQUE INDEX ux_phone_numbers_number ON phone_numbers (number)",
    "CREATE INDEX idx_phone_numbers_tenant ON phone_numbers (tenant_id, created_at, id)",
    "CREATE TABLE inbound_addresses (id {uuid} PRIMARY KEY,
        tenant_id {uuid} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        address varchar(320) NOT NULL, created_at bigint NOT NULL)",
    "CREATE UNIQUE INDEX ux_inbound_addresses_address ON inbound_addresses (address)",
    "CREATE INDEX idx_inbound_addresses_tenant ON inbound_addresses (tenant_id, created_at, id)",
    "CREATE TABLE blocked_numbers (id {uuid} PRIMARY KEY,
        tenant_id {uuid} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        number varchar(20) NOT NULL, reason varchar(800) NULL, created_at bigint NOT NULL)",
    "CREATE UNIQUE INDEX ux_blocked_numbers ON blocked_numbers (tenant_id, number)",
    "CREATE INDEX idx_blocked_numbers_tenant ON blocked_numbers (tenant_id, created_at, id)",
    "CREATE TABLE sms_opt_outs (tenant_id {uuid} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        number varchar(20) NOT NULL, opted_out_at bigint NOT NULL, PRIMARY KEY (tenant_id, number))",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(manager, TABLES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::drop_all(manager, &["sms_opt_outs", "blocked_numbers", "inbound_addresses", "phone_numbers"]).await
    }
}
