//! Email threading: `outbox_messages.headers` (an email's `In-Reply-To` and
//! `References`, JSON, so the record shows what the customer's client
//! threads by) and `email_threads` — every message id of a thread (the
//! customer's and ours) mapped to its conversation, plus the normalised
//! subject and sender, the last resort when a client drops the headers.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: &[&str] = &[
    "ALTER TABLE outbox_messages ADD COLUMN headers text NULL",
    "CREATE TABLE email_threads (tenant_id {uuid} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        message_id varchar(998) NOT NULL, conversation_id {uuid} NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        sender varchar(320) NOT NULL, subject_key varchar(998) NOT NULL, created_at bigint NOT NULL,
        PRIMARY KEY (tenant_id, message_id))",
    "CREATE INDEX idx_email_threads_subject ON email_threads (tenant_id, sender, subject_key, created_at)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(manager, TABLES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::drop_all(manager, &["email_threads"]).await?;
        crate::run_all(manager, &["ALTER TABLE outbox_messages DROP COLUMN headers"]).await
    }
}
