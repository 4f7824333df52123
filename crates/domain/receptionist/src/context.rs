//! A conversation's short-term context: the messages of its last
//! [`RECENT_TURNS`] turns, verbatim, and a rolling summary of the turns
//! before them (what the caller said, what was done), so a long
//! conversation neither loses its beginning nor grows the prompt without end.
//!
//! It is cached (Redis when configured, in-process otherwise) with the
//! caller's latest conversation on the channel ([`Latest`], under
//! `receptionist:latest:{<tenant>:<lead>:<channel>}`), and rebuilt from the
//! stored turns on a miss, an unreadable entry or a cache outage. An entry
//! can also say that the caller has no conversation on the channel yet
//! (written when a call's stream opens, so the first turn reads nothing). The
//! entry is read as the turn lease is taken and written as it is given
//! back ([`crate::locks`]), so only the lease's holder writes it, after
//! storing its turn, and it follows the database turn by turn; a turn that
//! fails removes it. A write that fails removes the entry (the next turn
//! rebuilds it); if the removal fails too (the cache is down), the entry
//! can lag one turn until it expires — which is why it expires after 30
//! idle minutes, not days. Conversations are only ever started by a turn
//! under the lease, and never change or move, so the entry's conversation
//! is the one `ConversationStore::latest` would find. An email answered
//! in an older thread than the latest rebuilds that thread's context.

use crate::conversation::{Channel, Conversation, ConversationId, TurnRecord};
use crate::locks::After;
use crate::model::ChatMessage;
use chrono::{DateTime, Utc};
use frontdesk_kernel::{LeadId, TenantId};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Turns given to the model verbatim.
pub const RECENT_TURNS: usize = 10;
/// Turns read to rebuild a context (the older ones only feed the summary).
pub const REBUILD_TURNS: usize = 50;
/// Longest summary, in characters (its oldest lines go first).
pub const MAX_SUMMARY_CHARS: usize = 1_500;
/// How long an idle conversation's context stays cached.
const TTL: Duration = Duration::from_secs(30 * 60);

/// What the model is given of the past.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Context {
    /// Turns folded in (since the last rebuild, which reads at most [`REBUILD_TURNS`]).
    pub turns: u64,
    /// One line per older turn, oldest first.
    pub summary: Vec<String>,
    /// The recent turns' messages, one list per turn, oldest first.
    pub recent: Vec<Vec<ChatMessage>>,
}

fn clip(text: &str, max: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= max { text } else { format!("{}…", text.chars().take(max).collect::<String>()) }
}

impl Context {
    /// Adds a finished turn; the oldest recent turn moves into the summary.
    pub fn push(&mut self, turn: &TurnRecord) {
        self.turns += 1;
        self.recent.push(turn.messages.clone());
        while self.recent.len() > RECENT_TURNS {
            let oldest = self.recent.remove(0);
            self.summary.push(Self::line(&oldest));
        }
        while self.summary.iter().map(|l| l.chars().count() + 1).sum::<usize>() > MAX_SUMMARY_CHARS
            && !self.summary.is_empty()
        {
            self.summary.remove(0);
        }
    }

    /// A turn in one line: what the caller said and which tools ran.
    fn line(messages: &[ChatMessage]) -> String {
        let said: Vec<&str> = messages
            .iter()
            .filter_map(|m| match m {
                ChatMessage::User { text } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        let tools: Vec<&str> = messages
            .iter()
            .flat_map(|m| match m {
                ChatMessage::Assistant { tool_calls, .. } => tool_calls.iter().map(|c| c.name.as_str()).collect(),
                _ => Vec::new(),
            })
            .collect();
        let mut line = format!("caller: \"{}\"", clip(&said.join(" "), 120));
        if !tools.is_empty() {
            line.push_str(&format!("; tools: {}", tools.join(", ")));
        }
        line
    }

    /// Built from stored turns, oldest first.
    #[must_use]
    pub fn from_turns(turns: &[TurnRecord]) -> Self {
        let mut context = Self::default();
        for turn in turns {
            context.push(turn);
        }
        context
    }

    /// The history messages for the model.
    #[must_use]
    pub fn history(&self) -> Vec<ChatMessage> {
        self.recent.iter().flatten().cloned().collect()
    }

    /// The summary as a paragraph of the instructions, if there is one.
    #[must_use]
    pub fn summary_text(&self) -> Option<String> {
        (!self.summary.is_empty())
            .then(|| format!("Earlier in this conversation (oldest first):\n- {}", self.summary.join("\n- ")))
    }
}

/// A caller's latest conversation on one channel and its context: what
/// a turn needs of the past before it can call the model, as one cache
/// entry read with the turn lease.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Latest {
    /// The conversation.
    pub conversation: ConversationId,
    /// When it started (conversations never change once started).
    pub started: DateTime<Utc>,
    /// Its context after its last stored turn.
    pub context: Context,
}

impl Latest {
    /// The entry's key: it shares the turn lease's [`crate::locks::tag`].
    #[must_use]
    pub fn key(tenant: TenantId, lead: LeadId, channel: Channel) -> String {
        format!("receptionist:latest:{}", crate::locks::tag(tenant, lead, channel))
    }

    /// The entry read back: `Some(None)` when it says the caller has no
    /// conversation on the channel yet, `None` when it is unreadable (the
    /// turn then reads the store).
    #[must_use]
    pub fn decode(bytes: &[u8]) -> Option<Option<Self>> {
        serde_json::from_slice(bytes).ok()
    }

    /// What releasing the lease does: store this entry for [`TTL`].
    #[must_use]
    pub fn store(&self) -> After {
        serde_json::to_vec(&Some(self)).map_or(After::Forget, |bytes| After::Store(bytes, TTL))
    }

    /// What releasing the lease does when the caller has no conversation on
    /// the channel: store that, so their first turn need not ask the store.
    #[must_use]
    pub fn store_none() -> After {
        After::Store(b"null".to_vec(), TTL)
    }

    /// The conversation it names (of `tenant`'s `lead` on `channel`, the key's parts).
    #[must_use]
    pub const fn conversation(&self, tenant: TenantId, lead: LeadId, channel: Channel) -> Conversation {
        Conversation { id: self.conversation, tenant_id: tenant, lead_id: lead, channel, created_at: self.started }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::Outcome;
    use crate::model::ToolCall;

    fn turn(i: usize) -> TurnRecord {
        TurnRecord {
            id: crate::conversation::TurnId::new(),
            tenant_id: TenantId::new(),
            conversation_id: ConversationId::new(),
            inbound: format!("message {i}"),
            reply: "ok".into(),
            outcome: Outcome::Replied,
            model: "m".into(),
            strategy_id: None,
            template_id: None,
            prompt_hash: String::new(),
            messages: vec![
                ChatMessage::User { text: format!("message {i}   with  spaces") },
                ChatMessage::Assistant {
                    text: String::new(),
                    tool_calls: vec![ToolCall {
                        id: "c".into(),
                        name: "check_availability".into(),
                        arguments: "{}".into(),
                    }],
                },
                ChatMessage::Assistant { text: "ok".into(), tool_calls: Vec::new() },
            ],
            trace: serde_json::Value::Null,
            actions: serde_json::Value::Null,
            prompt_tokens: 0,
            completion_tokens: 0,
            duration_ms: 0,
            created_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn older_turns_roll_into_a_bounded_summary() {
        let turns: Vec<TurnRecord> = (0..12).map(turn).collect();
        let context = Context::from_turns(&turns);
        assert_eq!((context.turns, context.recent.len(), context.summary.len()), (12, RECENT_TURNS, 2));
        assert_eq!(context.summary[0], "caller: \"message 0 with spaces\"; tools: check_availability");
        assert_eq!(context.history().len(), RECENT_TURNS * 3);
        assert!(context.summary_text().unwrap().starts_with("Earlier in this conversation"));
        let long: Vec<TurnRecord> = (0..400).map(turn).collect();
        let context = Context::from_turns(&long);
        let size: usize = context.summary.iter().map(|l| l.chars().count() + 1).sum();
        assert!(size <= MAX_SUMMARY_CHARS && context.summary.last().unwrap().contains("message 389"), "{size}");
        assert!(Context::default().summary_text().is_none());
    }

    #[test]
    fn a_latest_entry_survives_the_cache_round_trip() {
        let context = Context::from_turns(&(0..11).map(turn).collect::<Vec<_>>());
        let latest = Latest { conversation: ConversationId::new(), started: chrono::Utc::now(), context };
        let After::Store(bytes, ttl) = latest.store() else { panic!("stored") };
        assert_eq!((Latest::decode(&bytes), ttl), (Some(Some(latest)), TTL));
        let After::Store(none, _) = Latest::store_none() else { panic!("stored") };
        assert_eq!(Latest::decode(&none), Some(None), "no conversation yet");
        assert_eq!(Latest::decode(b"{not json"), None);
    }

    #[test]
    fn the_entry_and_the_lease_share_one_hash_tag() {
        let (tenant, lead) = (TenantId::new(), LeadId::new());
        let key = Latest::key(tenant, lead, Channel::Voice);
        assert_eq!(key, format!("receptionist:latest:{{{tenant}:{lead}:voice}}"));
    }
}
