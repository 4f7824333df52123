//! The contract suite for [`ConversationStore`] adapters.
//!
//! It takes a fresh, empty store: callers give every run its own database
//! (or in-memory instance), so runs never see each other's rows.
#![allow(clippy::expect_used, clippy::unwrap_used, reason = "a contract suite panics to report a broken contract")]

use crate::conversation::{Channel, Conversation, ConversationId, Message, MessageRole};
use crate::error::ReceptionistError;
use crate::ports::ConversationStore;
use chrono::{DateTime, Duration, SubsecRound, Utc};
use frontdesk_kernel::TenantId;
use frontdesk_leads::LeadId;

/// A timestamp with microsecond precision: what every backend can store exactly.
fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

fn not_found<T: std::fmt::Debug>(result: Result<T, ReceptionistError>) -> bool {
    matches!(result, Err(ReceptionistError::NotFound { .. }))
}

/// Conversations round-trip; messages come back in order, the latest
/// `limit` of them; another tenant's conversation is `NotFound` everywhere.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn conversations(store: &dyn ConversationStore) {
    let (tenant, other) = (TenantId::new(), TenantId::new());
    let t0 = now();
    let conversation = Conversation::start(tenant, LeadId::new(), Channel::Sms, t0);
    let unrelated = Conversation::start(tenant, LeadId::new(), Channel::Chat, t0);
    store.create(&conversation).await.expect("create");
    store.create(&unrelated).await.expect("create");
    assert_eq!(store.get(tenant, conversation.id).await.expect("get"), conversation);
    assert!(not_found(store.get(other, conversation.id).await), "cross-tenant get");
    assert!(not_found(store.get(tenant, ConversationId::new()).await));

    let turns = [
        (MessageRole::System, "You are Sam."),
        (MessageRole::User, "Hi, my roof leaks"),
        (MessageRole::Assistant, "Sorry to hear that! What is your address?"),
        (MessageRole::User, "12 Main St"),
    ];
    let messages: Vec<_> = turns
        .iter()
        .enumerate()
        .map(|(i, (role, text))| Message::new(*role, *text, t0 + Duration::seconds(i as i64)).expect("message"))
        .collect();
    for message in &messages {
        store.append(tenant, conversation.id, message).await.expect("append");
    }
    let elsewhere = Message::new(MessageRole::User, "other thread", t0).expect("message");
    store.append(tenant, unrelated.id, &elsewhere).await.expect("append");

    assert_eq!(store.history(tenant, conversation.id, 50).await.expect("history"), messages);
    assert_eq!(store.history(tenant, conversation.id, 2).await.expect("history"), messages[2..]);
    assert!(store.history(tenant, conversation.id, 0).await.expect("history").is_empty());
    assert_eq!(store.history(tenant, unrelated.id, 50).await.expect("history"), std::slice::from_ref(&elsewhere));

    assert!(not_found(store.append(other, conversation.id, &elsewhere).await), "cross-tenant append");
    assert!(not_found(store.history(other, conversation.id, 50).await), "cross-tenant history");
    assert_eq!(store.history(tenant, conversation.id, 50).await.expect("history").len(), 4, "nothing leaked in");
}
