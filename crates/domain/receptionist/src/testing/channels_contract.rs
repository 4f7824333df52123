//! The contracts of the channels' storage ports, run against the
//! in-memory adapters and the SQL ones (PostgreSQL and SQLite).
#![allow(clippy::unwrap_used, clippy::panic, reason = "a contract suite panics to report a broken contract")]

use crate::ConversationId;
use crate::channels::email::EmailThreads;
use crate::channels::routing::{
    BlockedNumber, BlockedNumberId, ChannelDirectory, InboundAddress, InboundAddressId, NumberChannel, PhoneNumberId,
    PhoneNumberRoute,
};
use crate::channels::sms::OptOuts;
use crate::channels::widget::{ChatWidget, WidgetStore};
use crate::error::ReceptionistError;
use chrono::{SubsecRound, Utc};
use frontdesk_kernel::{PageRequest, PhoneNumber, TenantId};

fn number(tenant: TenantId, e164: &str, channel: NumberChannel) -> PhoneNumberRoute {
    PhoneNumberRoute {
        id: PhoneNumberId::new(),
        tenant_id: tenant,
        number: PhoneNumber::parse(e164).unwrap(),
        channel,
        strategy_id: None,
        created_at: Utc::now().trunc_subsecs(3),
    }
}

fn page() -> PageRequest {
    PageRequest::new(Some(1), Some(50)).unwrap()
}

/// Numbers, addresses and blocks: one owner per number and address, lookups
/// across tenants, removals only by the owner; `tenants` are two stored sub-accounts.
pub async fn directory(store: &dyn ChannelDirectory, tenants: [TenantId; 2]) {
    let [a, b] = tenants;
    let voice = number(a, "+14155550101", NumberChannel::Voice);
    let both = number(a, "+14155550102", NumberChannel::Both);
    store.add_number(&voice).await.unwrap();
    store.add_number(&both).await.unwrap();
    let taken = store.add_number(&number(b, "+14155550101", NumberChannel::Sms)).await;
    assert!(matches!(taken, Err(ReceptionistError::AlreadyExists { entity: "phone number" })), "{taken:?}");
    assert_eq!(store.number("+14155550101").await.unwrap(), Some(voice.clone()), "stored as given");
    assert_eq!(store.number("+14155550199").await.unwrap(), None);
    assert_eq!(store.sms_number(a).await.unwrap(), Some(both.clone()), "the voice-only number does not text");
    assert_eq!(store.sms_number(b).await.unwrap(), None);
    let listed = store.numbers(a, page()).await.unwrap();
    assert_eq!((listed.total, listed.data.len()), (2, 2));
    assert_eq!(store.numbers(b, page()).await.unwrap().total, 0);
    assert!(matches!(store.remove_number(b, voice.id).await, Err(ReceptionistError::NotFound { .. })));
    assert_eq!(store.remove_number(a, voice.id).await.unwrap(), voice);
    assert_eq!(store.number("+14155550101").await.unwrap(), None);
    store.add_number(&number(b, "+14155550101", NumberChannel::Sms)).await.unwrap();

    let address = InboundAddress {
        id: InboundAddressId::new(),
        tenant_id: a,
        address: "desk@acme.example".into(),
        created_at: Utc::now().trunc_subsecs(3),
    };
    store.add_address(&address).await.unwrap();
    let again = InboundAddress { id: InboundAddressId::new(), tenant_id: b, ..address.clone() };
    assert!(matches!(store.add_address(&again).await, Err(ReceptionistError::AlreadyExists { .. })));
    assert_eq!(store.address("desk@acme.example").await.unwrap(), Some(address.clone()));
    assert_eq!(store.addresses(b, page()).await.unwrap().total, 0);
    assert!(matches!(store.remove_address(b, address.id).await, Err(ReceptionistError::NotFound { .. })));
    assert_eq!(store.remove_address(a, address.id).await.unwrap(), address);

    let blocked = BlockedNumber {
        id: BlockedNumberId::new(),
        tenant_id: a,
        number: PhoneNumber::parse("+14155550177").unwrap(),
        reason: Some("prank calls".into()),
        created_at: Utc::now().trunc_subsecs(3),
    };
    store.block(&blocked).await.unwrap();
    let twice = BlockedNumber { id: BlockedNumberId::new(), ..blocked.clone() };
    assert!(matches!(store.block(&twice).await, Err(ReceptionistError::AlreadyExists { .. })));
    store.block(&BlockedNumber { id: BlockedNumberId::new(), tenant_id: b, ..blocked.clone() }).await.unwrap();
    assert!(store.is_blocked(a, "+14155550177").await.unwrap());
    assert!(!store.is_blocked(a, "+14155550178").await.unwrap());
    assert_eq!(store.blocked(a, page()).await.unwrap().data, vec![blocked.clone()]);
    assert!(matches!(store.unblock(b, blocked.id).await, Err(ReceptionistError::NotFound { .. })));
    store.unblock(a, blocked.id).await.unwrap();
    assert!(!store.is_blocked(a, "+14155550177").await.unwrap());
    assert!(store.is_blocked(b, "+14155550177").await.unwrap(), "the other tenant's block stays");
}

/// STOP and START, per tenant.
pub async fn opt_outs(store: &dyn OptOuts, tenants: [TenantId; 2]) {
    let [a, b] = tenants;
    assert!(!store.is_opted_out(a, "+14155550177").await.unwrap());
    store.set(a, "+14155550177", true, Utc::now()).await.unwrap();
    store.set(a, "+14155550177", true, Utc::now()).await.unwrap();
    assert!(store.is_opted_out(a, "+14155550177").await.unwrap());
    assert!(!store.is_opted_out(b, "+14155550177").await.unwrap(), "per tenant");
    store.set(a, "+14155550177", false, Utc::now()).await.unwrap();
    assert!(!store.is_opted_out(a, "+14155550177").await.unwrap());
}

/// Email ids: found in the order asked, kept under their first conversation,
/// by subject the latest; `conversations` are two stored conversations of `tenants[0]`.
pub async fn email_threads(store: &dyn EmailThreads, tenants: [TenantId; 2], conversations: [ConversationId; 2]) {
    let [a, b] = tenants;
    let [first, second] = conversations;
    let ids = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    assert_eq!(store.find(a, &ids(&["m1@x"])).await.unwrap(), None);
    store.remember(a, &ids(&["m1@x", "m2@x"]), first, "ana@x.example", "roof repair").await.unwrap();
    store.remember(a, &ids(&["m2@x", "m3@x"]), second, "ana@x.example", "roof repair").await.unwrap();
    assert_eq!(
        store.find(a, &ids(&["nope@x", "m2@x"])).await.unwrap(),
        Some(first),
        "an id keeps its first conversation"
    );
    assert_eq!(store.find(a, &ids(&["m3@x", "m1@x"])).await.unwrap(), Some(second), "in the order asked");
    assert_eq!(store.find(b, &ids(&["m1@x"])).await.unwrap(), None, "per tenant");
    assert_eq!(store.by_subject(a, "ana@x.example", "roof repair").await.unwrap(), Some(second), "the latest");
    assert_eq!(store.by_subject(a, "bo@x.example", "roof repair").await.unwrap(), None);
    assert_eq!(store.find(a, &[]).await.unwrap(), None);
}

/// One widget per tenant, found by its key; a put keeps the key.
pub async fn widgets(store: &dyn WidgetStore, tenants: [TenantId; 2]) {
    let [a, b] = tenants;
    let now = Utc::now().trunc_subsecs(3);
    let widget = ChatWidget {
        tenant_id: a,
        key: format!("wk_{}", uuid::Uuid::now_v7().simple()),
        allowed_origins: vec!["https://www.acme.example".into()],
        greeting: "Hi — how can we help? ✓".into(),
        primary_color: "#112233".into(),
        text_color: "#ffffff".into(),
        created_at: now,
        updated_at: now,
    };
    assert_eq!(store.get(a).await.unwrap(), None);
    store.put(&widget).await.unwrap();
    assert_eq!(store.get(a).await.unwrap(), Some(widget.clone()));
    assert_eq!(store.by_key(&widget.key).await.unwrap(), Some(widget.clone()));
    assert_eq!(store.get(b).await.unwrap(), None);
    let changed = ChatWidget { greeting: "Hello".into(), allowed_origins: Vec::new(), ..widget.clone() };
    store.put(&changed).await.unwrap();
    assert_eq!(store.by_key(&widget.key).await.unwrap(), Some(changed));
    assert_eq!(store.by_key("wk_unknown").await.unwrap(), None);
}
