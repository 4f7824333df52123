//! `integration_templates` (seeded here from `seeds/integration_templates_v1.json`:
//! what each kind of integration needs, as JSON Schema, and which settings
//! are secret) and `integrations` (a tenant's connections: public settings
//! as JSON text, secrets sealed with AES-256-GCM as base64 next to the id of
//! the key that sealed them, the lifecycle status and the last error).
//!
//! The seed is a file of this migration, frozen with it: a later change to
//! a template is a later migration, so every database that ran this one
//! holds the same templates.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SEED: &str = include_str!("seeds/integration_templates_v1.json");

const TABLES: &[&str] = &[
    "CREATE TABLE integration_templates (kind varchar(40) PRIMARY KEY, name varchar(120) NOT NULL,
        description varchar(500) NOT NULL, settings_schema text NOT NULL, secret_fields text NOT NULL,
        position integer NOT NULL)",
    "CREATE TABLE integrations (id {uuid} PRIMARY KEY,
        tenant_id {uuid} NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
        kind varchar(40) NOT NULL REFERENCES integration_templates (kind),
        name varchar(120) NOT NULL, status varchar(20) NOT NULL, settings text NOT NULL,
        secret_fields text NOT NULL, credentials text NOT NULL, credentials_key_id varchar(32) NOT NULL,
        last_error varchar(500), last_error_at bigint, last_checked_at bigint,
        created_at bigint NOT NULL, updated_at bigint NOT NULL)",
    "CREATE INDEX ix_integrations_tenant ON integrations (tenant_id, created_at, id)",
    "CREATE INDEX ix_integrations_tenant_kind ON integrations (tenant_id, kind, status)",
    "CREATE INDEX ix_integrations_key ON integrations (credentials_key_id, id)",
];

/// `text` as an SQL string literal.
fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

fn seed_statements() -> Result<Vec<String>, DbErr> {
    let bad = |what: &str| DbErr::Migration(format!("integration template seed: {what}"));
    let templates: serde_json::Value = serde_json::from_str(SEED).map_err(|e| bad(&e.to_string()))?;
    let templates = templates.as_array().ok_or_else(|| bad("not an array"))?;
    let mut statements = Vec::new();
    for (position, template) in templates.iter().enumerate() {
        let text = |field: &str| template.get(field).and_then(|v| v.as_str()).ok_or_else(|| bad(field));
        let json = |field: &str| template.get(field).map(ToString::to_string).ok_or_else(|| bad(field));
        statements.push(format!(
            "INSERT INTO integration_templates (kind, name, description, settings_schema, secret_fields, position)
             VALUES ({}, {}, {}, {}, {}, {position})",
            literal(text("kind")?),
            literal(text("name")?),
            literal(text("description")?),
            literal(&json("settingsSchema")?),
            literal(&json("secretFields")?),
        ));
    }
    Ok(statements)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::run_all(manager, TABLES).await?;
        for statement in seed_statements()? {
            manager.get_connection().execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        crate::drop_all(manager, &["integrations", "integration_templates"]).await
    }
}
