//! The receptionist's memory: `conversations` (one thread per lead and
//! channel), `conversation_messages` (what the lead and the receptionist
//! said, in `position` order) and `conversation_turns` (each turn with the
//! model's messages, tool calls, timings, tokens and outcome — the trace
//! behind `GET /api/v1/conversations/{id}/turns`). Instants are epoch
//! microseconds.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLES: &[&str] = &[
    "CREATE TABLE conversations (id {uuid} PRIMARY KEY, tenant_id {uuid} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        lead_id {uuid} NOT NULL, channel varchar(8) NOT NULL, created_at bigint NOT NULL)",
    "CREATE INDEX idx_conversations_lead ON conversations (tenant_id, lead_id, channel, created_at)",
    "CREATE INDEX idx_conversations_tenant ON conversations (tenant_id, created_at, id)",
    "CREATE TABLE conversation_messages (conversation_id {uuid} NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        position integer NOT NULL, tenant_id {uuid} NOT NULL, role varchar(16) NOT NULL, content text NOT NULL,
        created_at bigint NOT NULL, PRIMARY KEY (conversation_id, position))",
    "CREATE TABLE conversation_turns (id {uuid} PRIMARY KEY,
        conversation_id {uuid} NOT NULL REFERENCES conversations (id) ON DELETE CASCADE, tenant_id {uuid} NOT NULL,
        inbound text NOT NULL, reply text NOT NULL, outcome varchar(16) NOT NULL, model varchar(120) NOT NULL,
        strategy_id {uuid} NULL, template_id {uuid} NULL, prompt_hash varchar(32) NOT NULL,
        messages text NOT NULL, trace text NOT NULL, actions text NOT NULL,
        prompt_tokens integer NOT NULL, completion_tokens integer NOT NULL, duration_ms bigint NOT NULL,
        created_at bigint NOT NULL)",
    "CREATE INDEX idx_conversation_turns ON conversation_turns (conversation_id, created_at, id)",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(manager, TABLES).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::drop_all(manager, &["conversation_turns", "conversation_messages", "conversations"]).await
    }
}
