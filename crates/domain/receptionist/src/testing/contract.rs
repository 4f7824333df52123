//! The contract suites for the receptionist's storage adapters.
//!
//! [`conversations`] takes a fresh, empty store: callers give every run its
//! own database (or in-memory instance), so runs never see each other's rows.
//! [`strategies`] and [`prompt_templates`] take an empty repository and two
//! tenant ids that exist in it (SQL adapters insert the tenant rows first,
//! for their foreign keys) and have no strategies or templates yet.
#![allow(clippy::expect_used, clippy::unwrap_used, reason = "a contract suite panics to report a broken contract")]

use crate::agent::Outcome;
use crate::conversation::{Channel, Conversation, ConversationId, Message, MessageRole, TurnId, TurnRecord};
use crate::error::ReceptionistError;
use crate::model::{ChatMessage, ToolCall};
use crate::ports::{ConversationStore, PromptTemplateRepository, StrategyRepository};
use crate::strategy::{NewStrategy, Strategy, StrategyChanges, StrategyId};
use crate::template::{NewPromptTemplate, PromptTemplate, PromptTemplateChanges, PromptTemplateId};
use chrono::{DateTime, Duration, SubsecRound, Utc};
use frontdesk_kernel::{PageRequest, TenantId};
use frontdesk_leads::LeadId;
use serde_json::json;

/// A timestamp with microsecond precision: what every backend can store exactly.
fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

fn not_found<T: std::fmt::Debug>(result: Result<T, ReceptionistError>) -> bool {
    matches!(result, Err(ReceptionistError::NotFound { .. }))
}

fn page(page: u32, limit: u32) -> PageRequest {
    PageRequest::new(Some(page), Some(limit)).expect("page")
}

/// Conversations round-trip; messages come back in order, the latest
/// `limit` of them; another tenant's conversation is `NotFound` everywhere.
///
/// # Panics
/// When the adapter breaks the contract.
/// `tenants` are two existing tenants without conversations.
pub async fn conversations(store: &dyn ConversationStore, tenants: [TenantId; 2]) {
    let [tenant, other] = tenants;
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

    // Paged messages, oldest first.
    let second = store.messages(tenant, conversation.id, page(2, 3)).await.expect("messages");
    assert_eq!((second.total, second.data.clone()), (4, messages[3..].to_vec()));
    assert!(not_found(store.messages(other, conversation.id, page(1, 10)).await), "cross-tenant messages");

    // The latest conversation of a lead on a channel; lists newest first, filtered.
    assert_eq!(
        store.latest(tenant, conversation.lead_id, Channel::Sms).await.expect("latest"),
        Some(conversation.clone())
    );
    assert_eq!(store.latest(tenant, conversation.lead_id, Channel::Chat).await.expect("latest"), None);
    assert_eq!(store.latest(other, conversation.lead_id, Channel::Sms).await.expect("latest"), None);
    let later = Conversation::start(tenant, conversation.lead_id, Channel::Sms, t0 + Duration::seconds(60));
    store.create(&later).await.expect("create");
    assert_eq!(store.latest(tenant, conversation.lead_id, Channel::Sms).await.expect("latest"), Some(later.clone()));
    let all = store.list(tenant, None, None, page(1, 10)).await.expect("list");
    assert_eq!(all.total, 3);
    assert_eq!(all.data[0], later, "newest first");
    let theirs = store.list(tenant, Some(conversation.lead_id), Some(Channel::Sms), page(1, 10)).await.expect("list");
    assert_eq!(theirs.data, vec![later.clone(), conversation.clone()]);
    assert_eq!(store.list(other, None, None, page(1, 10)).await.expect("list").total, 0);

    // Turns round-trip, latest `limit` oldest first, per conversation and tenant.
    let turn = |n: i64, id: ConversationId| TurnRecord {
        id: TurnId::new(),
        tenant_id: tenant,
        conversation_id: id,
        inbound: format!("message {n} — «ünïcode»"),
        reply: "Sure!\nTuesday?".into(),
        outcome: Outcome::Booked,
        model: "gpt-4o-mini".into(),
        strategy_id: None,
        template_id: None,
        prompt_hash: "00ff00ff00ff00ff".into(),
        messages: vec![
            ChatMessage::User { text: format!("message {n}") },
            ChatMessage::Assistant {
                text: String::new(),
                tool_calls: vec![ToolCall { id: "c1".into(), name: "hold_slot".into(), arguments: "{\"a\":1}".into() }],
            },
            ChatMessage::Tool { call_id: "c1".into(), content: "{\"ok\":true}".into() },
        ],
        trace: serde_json::json!({"modelCalls": [{"latencyMs": 12}]}),
        actions: serde_json::json!([{"kind": "held"}]),
        prompt_tokens: 321,
        completion_tokens: 12,
        duration_ms: 40,
        created_at: t0 + Duration::seconds(n),
    };
    let turns: Vec<_> = (0..3).map(|n| turn(n, conversation.id)).collect();
    for t in &turns {
        store.record_turn(t).await.expect("record");
    }
    store.record_turn(&turn(9, later.id)).await.expect("record");
    assert_eq!(store.turns(tenant, conversation.id, 10).await.expect("turns"), turns);
    assert_eq!(store.turns(tenant, conversation.id, 2).await.expect("turns"), turns[1..]);
    assert!(not_found(store.turns(other, conversation.id, 10).await), "cross-tenant turns");
    let foreign = TurnRecord { tenant_id: other, ..turn(5, conversation.id) };
    assert!(not_found(store.record_turn(&foreign).await), "a turn in another tenant's conversation");

    // A whole exchange: both messages after the last one, in order, and the turn.
    let asked = Message::new(MessageRole::User, "Tuesday at 3?", t0 + Duration::seconds(10)).expect("message");
    let answered =
        Message::new(MessageRole::Assistant, "Booked: Tuesday 3pm.", t0 + Duration::seconds(11)).expect("message");
    let exchange = turn(10, conversation.id);
    store.record_exchange(&exchange, [&asked, &answered]).await.expect("exchange");
    let history = store.history(tenant, conversation.id, 50).await.expect("history");
    assert_eq!(history.len(), 6);
    assert_eq!(history[4..], [asked.clone(), answered.clone()], "appended after the last message, in order");
    assert_eq!(store.turns(tenant, conversation.id, 1).await.expect("turns"), vec![exchange]);
    // Into another tenant's conversation (or none): NotFound, and nothing stored.
    let foreign = TurnRecord { tenant_id: other, ..turn(11, conversation.id) };
    assert!(not_found(store.record_exchange(&foreign, [&asked, &answered]).await), "cross-tenant exchange");
    let nowhere = turn(12, ConversationId::new());
    assert!(not_found(store.record_exchange(&nowhere, [&asked, &answered]).await), "exchange without a conversation");
    assert_eq!(store.history(tenant, conversation.id, 50).await.expect("history").len(), 6, "nothing stored");
    assert_eq!(store.turns(tenant, conversation.id, 50).await.expect("turns").len(), 4, "no turn stored");
}

fn strategy(tenant: TenantId, name: &str, is_default: bool, at: DateTime<Utc>) -> Strategy {
    let input = NewStrategy {
        name: name.into(),
        persona: format!("You are {name}."),
        goal: "Book a visit.".into(),
        is_default,
        ..NewStrategy::default()
    };
    Strategy::create(tenant, input, at).expect("valid strategy")
}

/// Strategies round-trip every field, list oldest first with paging, never
/// cross tenants, and keep exactly one default per tenant through inserts,
/// updates and deletes.
///
/// `tenants` are two existing tenants without strategies.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn strategies(repo: &(impl StrategyRepository + ?Sized), tenants: [TenantId; 2]) {
    let [tenant, other] = tenants;
    let t0 = now();
    let ids = |items: &[Strategy]| items.iter().map(|s| s.id).collect::<Vec<_>>();
    let defaults = |items: &[Strategy]| items.iter().filter(|s| s.is_default).map(|s| s.id).collect::<Vec<_>>();
    let all = || async move { repo.list(tenant, page(1, 100)).await.expect("list").data };

    assert_eq!(repo.count(tenant).await.expect("count"), 0, "the suite needs a tenant without strategies");
    assert_eq!(repo.default_for(tenant).await.expect("default"), None);
    let empty = repo.list(tenant, PageRequest::default()).await.expect("list");
    assert_eq!((empty.data.len(), empty.total), (0, 0));

    let input = NewStrategy {
        name: "Main".into(),
        persona: "You are Sam, the front desk of Acme Roofing.".into(),
        tone: Some("warm".into()),
        goal: "Book a free roof inspection.".into(),
        qualification_questions: vec!["What is your address?".into(), "When did the leak start?".into()],
        business_facts: Some(json!({"name": "Acme", "services": ["repairs", "roofs"], "pricing": {"visit": 0}})),
        handoff_phone: Some("+14155552671".into()),
        is_default: true,
    };
    let first = Strategy::create(tenant, input, t0).expect("valid strategy");
    repo.insert(&first).await.expect("insert");
    assert_eq!(repo.get(tenant, first.id).await.expect("get"), first, "every field round-trips");
    assert_eq!(repo.default_for(tenant).await.expect("default"), Some(first.clone()));
    assert_eq!(repo.count(tenant).await.expect("count"), 1);
    assert!(not_found(repo.get(other, first.id).await), "cross-tenant get");
    assert!(not_found(repo.get(tenant, StrategyId::new()).await));

    let second = strategy(tenant, "Second", false, t0 + Duration::seconds(1));
    let third = strategy(tenant, "Third", true, t0 + Duration::seconds(2));
    repo.insert(&second).await.expect("insert");
    assert_eq!(defaults(&all().await), [first.id], "a non-default insert leaves the default alone");
    repo.insert(&third).await.expect("insert");
    let listed = all().await;
    assert_eq!(ids(&listed), [first.id, second.id, third.id]);
    assert_eq!(defaults(&listed), [third.id], "inserting a default unsets the previous one");
    assert_eq!(listed[1], second, "a strategy without handoff phone or facts round-trips");
    assert_eq!(repo.default_for(tenant).await.expect("default"), Some(third.clone()));

    let foreign = strategy(other, "Foreign", true, t0);
    repo.insert(&foreign).await.expect("insert");
    assert_eq!(repo.default_for(tenant).await.expect("default").map(|s| s.id), Some(third.id), "per tenant");
    assert_eq!(repo.default_for(other).await.expect("default"), Some(foreign.clone()));

    let t1 = t0 + Duration::minutes(1);
    let mut second = second;
    let changes = StrategyChanges {
        name: Some("Second, renamed".into()),
        persona: Some("You are Alex.".into()),
        tone: Some("brisk".into()),
        goal: Some("Sell gutters.".into()),
        qualification_questions: Some(vec!["How long are your gutters?".into()]),
        business_facts: Some(json!({"hours": "9-5", "area": 25, "open": true})),
        handoff_phone: Some("+442079460958".into()),
        is_default: Some(true),
    };
    second.apply(changes, t1).expect("valid changes");
    repo.update(tenant, &second).await.expect("update");
    assert_eq!(repo.get(tenant, second.id).await.expect("get"), second, "every field round-trips on update");
    assert_eq!(defaults(&all().await), [second.id], "updating to default unsets the other");

    let mut third = repo.get(tenant, third.id).await.expect("get");
    assert!(!third.is_default);
    third.apply(StrategyChanges { handoff_phone: Some(String::new()), ..StrategyChanges::default() }, t1).expect("ok");
    repo.update(tenant, &third).await.expect("update");
    assert_eq!(repo.get(tenant, third.id).await.expect("get"), third);
    assert_eq!(defaults(&all().await), [second.id], "updating a non-default leaves the default alone");

    let mut stolen = second.clone();
    stolen.name = "Stolen".into();
    assert!(not_found(repo.update(other, &stolen).await), "cross-tenant update");
    stolen.tenant_id = other;
    assert!(not_found(repo.update(other, &stolen).await), "cross-tenant update, tenant rewritten");
    assert!(not_found(repo.update(tenant, &stolen).await), "tenant mismatch");
    assert!(not_found(repo.update(tenant, &strategy(tenant, "Ghost", true, t1)).await), "unknown id");
    assert_eq!(repo.get(tenant, second.id).await.expect("get"), second, "a refused update changes nothing");
    assert_eq!(repo.default_for(other).await.expect("default"), Some(foreign.clone()));

    let tie = strategy(tenant, "Tie", false, t0 + Duration::seconds(2));
    repo.insert(&tie).await.expect("insert");
    let mut expected = vec![(first.created_at, first.id), (second.created_at, second.id)];
    expected.extend([(third.created_at, third.id), (tie.created_at, tie.id)]);
    expected.sort();
    let expected: Vec<_> = expected.into_iter().map(|(_, id)| id).collect();
    let head = repo.list(tenant, page(1, 3)).await.expect("list");
    assert_eq!((ids(&head.data), head.total, head.page, head.limit), (expected[..3].to_vec(), 4, 1, 3));
    let tail = repo.list(tenant, page(2, 3)).await.expect("list");
    assert_eq!((ids(&tail.data), tail.total, tail.page), (expected[3..].to_vec(), 4, 2), "created_at, then id");
    assert_eq!(repo.list(tenant, page(3, 3)).await.expect("list").data, []);
    assert_eq!((repo.count(tenant).await.expect("count"), repo.count(other).await.expect("count")), (4, 1));

    assert!(not_found(repo.delete(other, second.id).await), "cross-tenant delete");
    assert_eq!(repo.delete(tenant, second.id).await.expect("delete"), Some(first.id), "promotes the oldest");
    assert!(not_found(repo.get(tenant, second.id).await));
    assert!(not_found(repo.delete(tenant, second.id).await), "deleting twice");
    let promoted = repo.get(tenant, first.id).await.expect("get");
    assert_eq!(promoted, Strategy { is_default: true, ..first.clone() }, "promotion changes nothing else");
    assert_eq!(defaults(&all().await), [first.id]);
    assert_eq!(repo.delete(tenant, tie.id).await.expect("delete"), None, "deleting a non-default promotes nothing");
    assert_eq!(repo.delete(tenant, third.id).await.expect("delete"), None);
    assert_eq!(repo.default_for(tenant).await.expect("default"), Some(promoted));
    assert_eq!(repo.delete(tenant, first.id).await.expect("delete"), None, "the last one leaves none to promote");
    assert_eq!(repo.default_for(tenant).await.expect("default"), None);
    assert_eq!(
        (repo.count(tenant).await.expect("count"), repo.list(tenant, page(1, 10)).await.expect("list").total),
        (0, 0)
    );
    assert_eq!(repo.default_for(other).await.expect("default"), Some(foreign), "the other tenant is untouched");
    assert_eq!(repo.count(other).await.expect("count"), 1);
}

fn template(tenant: TenantId, name: &str, is_default: bool, at: DateTime<Utc>) -> PromptTemplate {
    let input = NewPromptTemplate {
        name: name.into(),
        body: format!("{name}: greet {{{{lead.firstName}}}}."),
        variables: None,
        is_default,
    };
    PromptTemplate::create(tenant, input, at).expect("valid template")
}

/// Prompt templates round-trip every field (the variables list in order),
/// list oldest first with paging, never cross tenants, and keep exactly one
/// default per tenant through inserts, updates and deletes.
///
/// `tenants` are two existing tenants without prompt templates.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn prompt_templates(repo: &(impl PromptTemplateRepository + ?Sized), tenants: [TenantId; 2]) {
    let [tenant, other] = tenants;
    let t0 = now();
    let ids = |items: &[PromptTemplate]| items.iter().map(|t| t.id).collect::<Vec<_>>();
    let defaults = |items: &[PromptTemplate]| items.iter().filter(|t| t.is_default).map(|t| t.id).collect::<Vec<_>>();
    let all = || async move { repo.list(tenant, page(1, 100)).await.expect("list").data };

    assert_eq!(repo.count(tenant).await.expect("count"), 0, "the suite needs a tenant without templates");
    assert_eq!(repo.default_for(tenant).await.expect("default"), None);
    let empty = repo.list(tenant, PageRequest::default()).await.expect("list");
    assert_eq!((empty.data.len(), empty.total), (0, 0));

    let input = NewPromptTemplate {
        name: "Main".into(),
        body: "You are {{strategy.persona}}.\nGreet {{ lead.firstName }} ({{lead.phone}}); hours: {{business.hours}}."
            .into(),
        variables: None,
        is_default: true,
    };
    let first = PromptTemplate::create(tenant, input, t0).expect("valid template");
    repo.insert(&first).await.expect("insert");
    assert_eq!(repo.get(tenant, first.id).await.expect("get"), first, "every field round-trips");
    assert_eq!(first.variables, ["strategy.persona", "lead.firstName", "lead.phone", "business.hours"]);
    assert_eq!(repo.default_for(tenant).await.expect("default"), Some(first.clone()));
    assert_eq!(repo.count(tenant).await.expect("count"), 1);
    assert!(not_found(repo.get(other, first.id).await), "cross-tenant get");
    assert!(not_found(repo.get(tenant, PromptTemplateId::new()).await));

    let second = template(tenant, "Second", false, t0 + Duration::seconds(1));
    let third = template(tenant, "Third", true, t0 + Duration::seconds(2));
    repo.insert(&second).await.expect("insert");
    assert_eq!(defaults(&all().await), [first.id], "a non-default insert leaves the default alone");
    repo.insert(&third).await.expect("insert");
    let listed = all().await;
    assert_eq!(ids(&listed), [first.id, second.id, third.id]);
    assert_eq!(defaults(&listed), [third.id], "inserting a default unsets the previous one");
    assert_eq!(listed[1], second);
    assert_eq!(repo.default_for(tenant).await.expect("default"), Some(third.clone()));

    let foreign = template(other, "Foreign", true, t0);
    repo.insert(&foreign).await.expect("insert");
    assert_eq!(repo.default_for(tenant).await.expect("default").map(|t| t.id), Some(third.id), "per tenant");
    assert_eq!(repo.default_for(other).await.expect("default"), Some(foreign.clone()));

    let t1 = t0 + Duration::minutes(1);
    let mut second = second;
    let changes = PromptTemplateChanges {
        name: Some("Second, renamed".into()),
        body: Some("{{business.services}} for {{lead.name}}, {{business.services}}".into()),
        variables: Some(vec!["lead.name".into()]),
        is_default: Some(true),
    };
    second.apply(changes, t1).expect("valid changes");
    repo.update(tenant, &second).await.expect("update");
    assert_eq!(repo.get(tenant, second.id).await.expect("get"), second, "every field round-trips on update");
    assert_eq!(defaults(&all().await), [second.id], "updating to default unsets the other");

    let mut third = repo.get(tenant, third.id).await.expect("get");
    assert!(!third.is_default);
    let rename = PromptTemplateChanges { name: Some("Third, renamed".into()), ..PromptTemplateChanges::default() };
    third.apply(rename, t1).expect("ok");
    repo.update(tenant, &third).await.expect("update");
    assert_eq!(repo.get(tenant, third.id).await.expect("get"), third);
    assert_eq!(defaults(&all().await), [second.id], "updating a non-default leaves the default alone");

    let mut stolen = second.clone();
    stolen.name = "Stolen".into();
    assert!(not_found(repo.update(other, &stolen).await), "cross-tenant update");
    stolen.tenant_id = other;
    assert!(not_found(repo.update(other, &stolen).await), "cross-tenant update, tenant rewritten");
    assert!(not_found(repo.update(tenant, &stolen).await), "tenant mismatch");
    assert!(not_found(repo.update(tenant, &template(tenant, "Ghost", true, t1)).await), "unknown id");
    assert_eq!(repo.get(tenant, second.id).await.expect("get"), second, "a refused update changes nothing");
    assert_eq!(repo.default_for(other).await.expect("default"), Some(foreign.clone()));

    let tie = template(tenant, "Tie", false, t0 + Duration::seconds(2));
    repo.insert(&tie).await.expect("insert");
    let mut expected = vec![(first.created_at, first.id), (second.created_at, second.id)];
    expected.extend([(third.created_at, third.id), (tie.created_at, tie.id)]);
    expected.sort();
    let expected: Vec<_> = expected.into_iter().map(|(_, id)| id).collect();
    let head = repo.list(tenant, page(1, 3)).await.expect("list");
    assert_eq!((ids(&head.data), head.total, head.page, head.limit), (expected[..3].to_vec(), 4, 1, 3));
    let tail = repo.list(tenant, page(2, 3)).await.expect("list");
    assert_eq!((ids(&tail.data), tail.total, tail.page), (expected[3..].to_vec(), 4, 2), "created_at, then id");
    assert_eq!(repo.list(tenant, page(3, 3)).await.expect("list").data, []);
    assert_eq!((repo.count(tenant).await.expect("count"), repo.count(other).await.expect("count")), (4, 1));

    assert!(not_found(repo.delete(other, second.id).await), "cross-tenant delete");
    assert_eq!(repo.delete(tenant, second.id).await.expect("delete"), Some(first.id), "promotes the oldest");
    assert!(not_found(repo.get(tenant, second.id).await));
    assert!(not_found(repo.delete(tenant, second.id).await), "deleting twice");
    let promoted = repo.get(tenant, first.id).await.expect("get");
    assert_eq!(promoted, PromptTemplate { is_default: true, ..first.clone() }, "promotion changes nothing else");
    assert_eq!(defaults(&all().await), [first.id]);
    assert_eq!(repo.delete(tenant, tie.id).await.expect("delete"), None, "deleting a non-default promotes nothing");
    assert_eq!(repo.delete(tenant, third.id).await.expect("delete"), None);
    assert_eq!(repo.default_for(tenant).await.expect("default"), Some(promoted));
    assert_eq!(repo.delete(tenant, first.id).await.expect("delete"), None, "the last one leaves none to promote");
    assert_eq!(repo.default_for(tenant).await.expect("default"), None);
    assert_eq!(
        (repo.count(tenant).await.expect("count"), repo.list(tenant, page(1, 10)).await.expect("list").total),
        (0, 0)
    );
    assert_eq!(repo.default_for(other).await.expect("default"), Some(foreign), "the other tenant is untouched");
    assert_eq!(repo.count(other).await.expect("count"), 1);
}
