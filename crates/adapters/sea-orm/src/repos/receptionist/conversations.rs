//! [`ConversationStore`] on SQL: conversations, their messages in
//! `position` order, and the stored turns (messages, trace and actions as
//! JSON text). Instants are epoch microseconds, so what is read back equals
//! what was written on both backends.

use crate::connection::SqlStore;
use crate::error::db;
use crate::repos::sql::stmt;
use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use frontdesk_kernel::{LeadId, Page, PageRequest, TenantId};
use frontdesk_leads::TimelineEvent;
use frontdesk_receptionist::conversation::{TurnId, TurnRecord};
use frontdesk_receptionist::ports::ConversationStore;
use frontdesk_receptionist::{Channel, Conversation, ConversationId, Message, ReceptionistError, Result};
use sea_orm::{ConnectionTrait, DbErr, QueryResult, Value};
use uuid::Uuid;

/// Conversations, messages and turns in SQL.
#[derive(Clone, Debug)]
pub struct SeaOrmConversations {
    store: SqlStore,
}

impl SeaOrmConversations {
    /// A store over `store`.
    #[must_use]
    pub const fn new(store: SqlStore) -> Self {
        Self { store }
    }
}

const NOT_FOUND: ReceptionistError = ReceptionistError::NotFound { entity: "conversation" };

fn storage(err: DbErr) -> ReceptionistError {
    ReceptionistError::Storage(db(err))
}

fn corrupt(what: &str, err: impl std::fmt::Display) -> ReceptionistError {
    ReceptionistError::storage(std::io::Error::other(format!("corrupt {what}: {err}")))
}

fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

fn at(us: i64) -> DateTime<Utc> {
    Utc.timestamp_micros(us).single().unwrap_or_default()
}

fn col<T: sea_orm::TryGetable>(row: &QueryResult, name: &str) -> Result<T> {
    row.try_get("", name).map_err(|e| corrupt(name, e))
}

fn conversation(row: &QueryResult) -> Result<Conversation> {
    Ok(Conversation {
        id: ConversationId::from_uuid(col(row, "id")?),
        tenant_id: TenantId::from_uuid(col(row, "tenant_id")?),
        lead_id: LeadId::from_uuid(col(row, "lead_id")?),
        channel: col::<String>(row, "channel")?.parse().map_err(|e| corrupt("channel", e))?,
        created_at: at(col(row, "created_at")?),
    })
}

fn message(row: &QueryResult) -> Result<Message> {
    Ok(Message {
        role: col::<String>(row, "role")?.parse().map_err(|e| corrupt("role", e))?,
        content: col(row, "content")?,
        created_at: at(col(row, "created_at")?),
    })
}

fn json(row: &QueryResult, name: &str) -> Result<serde_json::Value> {
    serde_json::from_str(&col::<String>(row, name)?).map_err(|e| corrupt(name, e))
}

fn turn(row: &QueryResult) -> Result<TurnRecord> {
    let id = |name: &str| -> Result<Option<Uuid>> { col(row, name) };
    Ok(TurnRecord {
        id: TurnId::from_uuid(col(row, "id")?),
        tenant_id: TenantId::from_uuid(col(row, "tenant_id")?),
        conversation_id: ConversationId::from_uuid(col(row, "conversation_id")?),
        inbound: col(row, "inbound")?,
        reply: col(row, "reply")?,
        outcome: col::<String>(row, "outcome")?.parse().map_err(|e| corrupt("outcome", e))?,
        model: col(row, "model")?,
        strategy_id: id("strategy_id")?.map(frontdesk_receptionist::strategy::StrategyId::from_uuid),
        template_id: id("template_id")?.map(frontdesk_receptionist::template::PromptTemplateId::from_uuid),
        prompt_hash: col(row, "prompt_hash")?,
        messages: serde_json::from_value(json(row, "messages")?).map_err(|e| corrupt("messages", e))?,
        trace: json(row, "trace")?,
        actions: json(row, "actions")?,
        prompt_tokens: u32::try_from(col::<i32>(row, "prompt_tokens")?).unwrap_or(0),
        completion_tokens: u32::try_from(col::<i32>(row, "completion_tokens")?).unwrap_or(0),
        duration_ms: u64::try_from(col::<i64>(row, "duration_ms")?).unwrap_or(0),
        created_at: at(col(row, "created_at")?),
    })
}

const CONVERSATION_COLUMNS: &str = "id, tenant_id, lead_id, channel, created_at";
const TURN_COLUMNS: &str = "id, tenant_id, conversation_id, inbound, reply, outcome, model, strategy_id, template_id, \
    prompt_hash, messages, trace, actions, prompt_tokens, completion_tokens, duration_ms, created_at";

impl SeaOrmConversations {
    /// The exchange as two statements in one transaction; `false` (nothing
    /// stored) when the conversation is missing or another tenant's.
    /// The turn `t` with its two messages and, with `timeline`, its entries
    /// on the lead's timeline (written only while the lead is live): all in
    /// one commit, nothing when the conversation is missing or another
    /// tenant's (`NotFound`).
    async fn exchange(
        &self,
        t: &TurnRecord,
        messages: [&Message; 2],
        timeline: Option<(LeadId, &[TimelineEvent])>,
    ) -> Result<()> {
        let backend = self.store.conn().get_database_backend();
        let mut values: Vec<Value> = vec![t.conversation_id.as_uuid().into(), t.tenant_id.as_uuid().into()];
        for message in messages {
            values.push(message.role.as_str().into());
            values.push(message.content.clone().into());
            values.push(micros(message.created_at).into());
        }
        let turn = turn_values(t)?;
        // All or nothing, one commit. On PostgreSQL one statement (the turn is
        // inserted only when the messages were, the timeline only when the
        // turn was); on SQLite, which has no INSERT in WITH, the statements in
        // one transaction. The messages' INSERT checks the conversation's
        // tenant. A concurrent turn of the same conversation that took the
        // same positions makes the primary key refuse ours; the whole
        // exchange then runs again.
        let events = timeline.map(|(lead, events)| {
            let first = if backend == sea_orm::DbBackend::Postgres { values.len() + turn.len() + 1 } else { 1 };
            crate::repos::leads::one_lead_events_insert(t.tenant_id, lead.as_uuid(), events, first)
        });
        let one_statement = (backend == sea_orm::DbBackend::Postgres).then(|| {
            let turn_insert = format!(
                "INSERT INTO conversation_turns ({TURN_COLUMNS}) SELECT {} WHERE EXISTS (SELECT 1 FROM appended)",
                placeholders(values.len() + 1, turn.len())
            );
            match &events {
                None => format!("WITH appended AS ({EXCHANGE_MESSAGES} RETURNING 1) {turn_insert}"),
                Some((timeline, _)) => format!(
                    "WITH appended AS ({EXCHANGE_MESSAGES} RETURNING 1), turn AS ({turn_insert} RETURNING 1),
                     timeline AS ({timeline} AND EXISTS (SELECT 1 FROM turn))
                     SELECT COUNT(*) AS n FROM turn"
                ),
            }
        });
        let mut attempt = 0;
        loop {
            attempt += 1;
            let stored = if let Some(sql) = &one_statement {
                let mut all: Vec<Value> = values.iter().chain(&turn).cloned().collect();
                let conn = self.store.conn();
                match &events {
                    None => conn.execute_raw(stmt(backend, sql, all)).await.map(|done| done.rows_affected() == 1),
                    Some((_, timeline)) => {
                        all.extend(timeline.iter().cloned());
                        conn.query_one_raw(stmt(backend, sql, all))
                            .await
                            .map(|row| row.and_then(|r| r.try_get::<i64>("", "n").ok()) == Some(1))
                    }
                }
            } else {
                self.exchange_in_transaction(&values, &turn, events.as_ref()).await
            };
            match stored {
                Ok(true) => return Ok(()),
                Ok(false) => return Err(NOT_FOUND),
                Err(err) if attempt < 20 && lost_a_position(&err) => {}
                Err(err) => return Err(storage(err)),
            }
        }
    }

    async fn exchange_in_transaction(
        &self,
        messages: &[Value],
        turn: &[Value],
        timeline: Option<&(String, Vec<Value>)>,
    ) -> std::result::Result<bool, DbErr> {
        let backend = self.store.conn().get_database_backend();
        let txn = self.store.begin_write().await?;
        let appended = txn.execute_raw(stmt(backend, EXCHANGE_MESSAGES, messages.to_vec())).await?;
        if appended.rows_affected() == 0 {
            txn.rollback().await?;
            return Ok(false);
        }
        txn.execute_raw(stmt(backend, &turn_insert_sql(), turn.to_vec())).await?;
        if let Some((sql, values)) = timeline {
            txn.execute_raw(stmt(backend, sql, values.clone())).await?;
        }
        txn.commit().await?;
        Ok(true)
    }

    async fn exists(&self, tenant: TenantId, id: ConversationId) -> Result<()> {
        self.get(tenant, id).await.map(|_| ())
    }

    async fn count(&self, sql: &str, values: Vec<Value>) -> Result<u64> {
        let db = self.store.connection();
        let row = db.query_one_raw(stmt(db.get_database_backend(), sql, values)).await.map_err(storage)?;
        let n: i64 = row.map(|r| col(&r, "n")).transpose()?.unwrap_or(0);
        Ok(u64::try_from(n).unwrap_or(0))
    }
}

#[async_trait]
impl ConversationStore for SeaOrmConversations {
    async fn create(&self, c: &Conversation) -> Result<()> {
        let db = self.store.connection();
        let sql = "INSERT INTO conversations (id, tenant_id, lead_id, channel, created_at) VALUES ($1, $2, $3, $4, $5)";
        let values = vec![
            c.id.as_uuid().into(),
            c.tenant_id.as_uuid().into(),
            c.lead_id.as_uuid().into(),
            c.channel.as_str().into(),
            micros(c.created_at).into(),
        ];
        db.execute_raw(stmt(db.get_database_backend(), sql, values)).await.map_err(storage)?;
        Ok(())
    }

    async fn get(&self, tenant: TenantId, id: ConversationId) -> Result<Conversation> {
        let db = self.store.connection();
        let sql = format!("SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE tenant_id = $1 AND id = $2");
        let row = db
            .query_one_raw(stmt(db.get_database_backend(), &sql, vec![tenant.as_uuid().into(), id.as_uuid().into()]))
            .await
            .map_err(storage)?
            .ok_or(NOT_FOUND)?;
        conversation(&row)
    }

    async fn append(&self, tenant: TenantId, id: ConversationId, message: &Message) -> Result<()> {
        let db = self.store.connection();
        // The conversation's ownership is checked by the insert itself: no row of
        // `tenant`'s, nothing inserted, `NotFound` (one round trip, not two).
        let sql = "INSERT INTO conversation_messages (conversation_id, position, tenant_id, role, content, created_at)
            SELECT c.id, (SELECT COALESCE(MAX(m.position), 0) + 1 FROM conversation_messages m WHERE m.conversation_id = c.id),
                c.tenant_id, $3, $4, $5
            FROM conversations c WHERE c.id = $1 AND c.tenant_id = $2";
        let values = vec![
            id.as_uuid().into(),
            tenant.as_uuid().into(),
            message.role.as_str().into(),
            message.content.clone().into(),
            micros(message.created_at).into(),
        ];
        // Two turns of one conversation at once compute the same next
        // position; the primary key refuses the second, which takes the next.
        let mut attempt = 0;
        loop {
            attempt += 1;
            match db.execute_raw(stmt(db.get_database_backend(), sql, values.clone())).await {
                Ok(done) if done.rows_affected() == 0 => return Err(NOT_FOUND),
                Ok(_) => return Ok(()),
                Err(err) if attempt < 20 && lost_a_position(&err) => {}
                Err(err) => return Err(storage(err)),
            }
        }
    }

    async fn history(&self, tenant: TenantId, id: ConversationId, limit: usize) -> Result<Vec<Message>> {
        self.exists(tenant, id).await?;
        let db = self.store.connection();
        let sql =
            "SELECT role, content, created_at FROM conversation_messages WHERE conversation_id = $1 AND tenant_id = $2
            ORDER BY position DESC LIMIT $3";
        let values =
            vec![id.as_uuid().into(), tenant.as_uuid().into(), i64::try_from(limit).unwrap_or(i64::MAX).into()];
        let rows = db.query_all_raw(stmt(db.get_database_backend(), sql, values)).await.map_err(storage)?;
        let mut messages = rows.iter().map(message).collect::<Result<Vec<_>>>()?;
        messages.reverse();
        Ok(messages)
    }

    async fn latest(&self, tenant: TenantId, lead: LeadId, channel: Channel) -> Result<Option<Conversation>> {
        let db = self.store.connection();
        let sql = format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE tenant_id = $1 AND lead_id = $2 AND channel = $3
             ORDER BY created_at DESC, id DESC LIMIT 1"
        );
        let values = vec![tenant.as_uuid().into(), lead.as_uuid().into(), channel.as_str().into()];
        let row = db.query_one_raw(stmt(db.get_database_backend(), &sql, values)).await.map_err(storage)?;
        row.as_ref().map(conversation).transpose()
    }

    async fn list(
        &self,
        tenant: TenantId,
        lead: Option<LeadId>,
        channel: Option<Channel>,
        page: PageRequest,
    ) -> Result<Page<Conversation>> {
        let mut filter = String::from("tenant_id = $1");
        let mut values: Vec<Value> = vec![tenant.as_uuid().into()];
        if let Some(lead) = lead {
            values.push(lead.as_uuid().into());
            filter.push_str(&format!(" AND lead_id = ${}", values.len()));
        }
        if let Some(channel) = channel {
            values.push(channel.as_str().into());
            filter.push_str(&format!(" AND channel = ${}", values.len()));
        }
        let total =
            self.count(&format!("SELECT COUNT(*) AS n FROM conversations WHERE {filter}"), values.clone()).await?;
        let n = values.len();
        let sql = format!(
            "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE {filter} ORDER BY created_at DESC, id DESC
             LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        values.push(i64::from(page.limit()).into());
        values.push(i64::try_from(page.offset()).unwrap_or(i64::MAX).into());
        let db = self.store.connection();
        let rows = db.query_all_raw(stmt(db.get_database_backend(), &sql, values)).await.map_err(storage)?;
        Ok(Page::new(rows.iter().map(conversation).collect::<Result<_>>()?, page, total))
    }

    async fn messages(&self, tenant: TenantId, id: ConversationId, page: PageRequest) -> Result<Page<Message>> {
        self.exists(tenant, id).await?;
        let scope = vec![id.as_uuid().into(), tenant.as_uuid().into()];
        let total = self
            .count(
                "SELECT COUNT(*) AS n FROM conversation_messages WHERE conversation_id = $1 AND tenant_id = $2",
                scope.clone(),
            )
            .await?;
        let sql =
            "SELECT role, content, created_at FROM conversation_messages WHERE conversation_id = $1 AND tenant_id = $2
            ORDER BY position LIMIT $3 OFFSET $4";
        let mut values = scope;
        values.push(i64::from(page.limit()).into());
        values.push(i64::try_from(page.offset()).unwrap_or(i64::MAX).into());
        let db = self.store.connection();
        let rows = db.query_all_raw(stmt(db.get_database_backend(), sql, values)).await.map_err(storage)?;
        Ok(Page::new(rows.iter().map(message).collect::<Result<_>>()?, page, total))
    }

    async fn record_turn(&self, t: &TurnRecord) -> Result<()> {
        let values = turn_values(t)?;
        let db = self.store.conn();
        let done =
            db.execute_raw(stmt(db.get_database_backend(), &turn_insert_sql(), values)).await.map_err(storage)?;
        if done.rows_affected() == 0 { Err(NOT_FOUND) } else { Ok(()) }
    }

    async fn record_exchange(&self, t: &TurnRecord, messages: [&Message; 2]) -> Result<()> {
        self.exchange(t, messages, None).await
    }

    async fn record_exchange_and_timeline(
        &self,
        t: &TurnRecord,
        messages: [&Message; 2],
        timeline: &[TimelineEvent],
    ) -> Result<bool> {
        // Nothing to write, or not one lead's: the caller appends it.
        let lead = timeline
            .first()
            .map(|first| first.lead_id)
            .filter(|lead| timeline.iter().all(|e| e.lead_id == *lead && e.tenant_id == t.tenant_id));
        self.exchange(t, messages, lead.map(|lead| (lead, timeline))).await?;
        Ok(lead.is_some())
    }

    async fn turns(&self, tenant: TenantId, id: ConversationId, limit: usize) -> Result<Vec<TurnRecord>> {
        self.exists(tenant, id).await?;
        let db = self.store.connection();
        let sql = format!(
            "SELECT {TURN_COLUMNS} FROM conversation_turns WHERE conversation_id = $1 AND tenant_id = $2
             ORDER BY created_at DESC, id DESC LIMIT $3"
        );
        let values =
            vec![id.as_uuid().into(), tenant.as_uuid().into(), i64::try_from(limit).unwrap_or(i64::MAX).into()];
        let rows = db.query_all_raw(stmt(db.get_database_backend(), &sql, values)).await.map_err(storage)?;
        let mut turns = rows.iter().map(turn).collect::<Result<Vec<_>>>()?;
        turns.reverse();
        Ok(turns)
    }
}

/// The values of turn `t`, in [`TURN_COLUMNS`] order.
fn turn_values(t: &TurnRecord) -> Result<Vec<Value>> {
    let messages = serde_json::to_value(&t.messages).map_err(ReceptionistError::storage)?;
    let values: Vec<Value> = vec![
        t.id.as_uuid().into(),
        t.tenant_id.as_uuid().into(),
        t.conversation_id.as_uuid().into(),
        t.inbound.clone().into(),
        t.reply.clone().into(),
        t.outcome.as_str().into(),
        t.model.clone().into(),
        t.strategy_id.map(|s| s.as_uuid()).into(),
        t.template_id.map(|s| s.as_uuid()).into(),
        t.prompt_hash.clone().into(),
        messages.to_string().into(),
        t.trace.to_string().into(),
        t.actions.to_string().into(),
        i32::try_from(t.prompt_tokens).unwrap_or(i32::MAX).into(),
        i32::try_from(t.completion_tokens).unwrap_or(i32::MAX).into(),
        i64::try_from(t.duration_ms).unwrap_or(i64::MAX).into(),
        micros(t.created_at).into(),
    ];
    Ok(values)
}

/// Stores a turn given as [`turn_values`] (`$1…`), in its conversation only
/// when that is the turn's tenant's.
fn turn_insert_sql() -> String {
    format!(
        "INSERT INTO conversation_turns ({TURN_COLUMNS}) SELECT {} FROM conversations WHERE id = $3 AND tenant_id = $2",
        placeholders(1, TURN_COLUMNS.split(',').count())
    )
}

/// `$first, $first+1, …` for `n` values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
}

/// The two messages of a turn, appended after the conversation's last
/// position in one statement; no row when the conversation is missing or
/// another tenant's. `VALUES` columns are `column1…` on both backends.
const EXCHANGE_MESSAGES: &str = "INSERT INTO conversation_messages (conversation_id, position, tenant_id, role, content, created_at)
    SELECT c.id, (SELECT COALESCE(MAX(m.position), 0) FROM conversation_messages m WHERE m.conversation_id = c.id) + v.column1,
        c.tenant_id, v.column2, v.column3, v.column4
    FROM conversations c, (VALUES (1, $3, $4, $5), (2, $6, $7, $8)) v
    WHERE c.id = $1 AND c.tenant_id = $2";

/// Whether `err` is the messages' primary key refusing a position another
/// turn took first (retry), not any other unique key (a turn stored twice
/// under one id is not helped by retrying).
fn lost_a_position(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(detail)) if detail.contains("conversation_messages"))
}
