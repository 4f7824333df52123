//! The contract of [`OutboundMessenger`] + [`Outbox`] adapters: what is sent
//! is listed (newest first, per tenant, per channel, paged), exactly as
//! given, and a repeated dedupe key sends nothing.
#![allow(clippy::unwrap_used, clippy::panic, reason = "a contract suite panics to report a broken contract")]

use crate::messaging::{MessageChannel, OutboundMessage, OutboundMessenger, Outbox, Sent};
use crate::{PageRequest, TenantId};

fn message(tenant: TenantId, channel: MessageChannel, key: &str) -> OutboundMessage {
    OutboundMessage {
        tenant_id: tenant,
        channel,
        to: if channel == MessageChannel::Email { "ana@example.com".into() } else { "+14155550100".into() },
        subject: (channel == MessageChannel::Email).then(|| "Your visit — confirmed ✓".into()),
        body: format!("Hi Ana,\nyour visit is booked ({key}) — see you then. {{{{not.a.variable}}}}"),
        dedupe_key: key.into(),
        headers: if channel == MessageChannel::Email {
            vec![
                ("In-Reply-To".into(), "<a@x.example>".into()),
                ("References".into(), "<r@x.example> <a@x.example>".into()),
            ]
        } else {
            Vec::new()
        },
    }
}

/// Runs every check; `tenants` are two stored sub-accounts with no messages.
pub async fn outbox(messenger: &dyn OutboundMessenger, outbox: &dyn Outbox, tenants: [TenantId; 2]) {
    let [a, b] = tenants;
    let first = message(a, MessageChannel::Sms, "booking:1:confirmation:lead");
    let Sent::New(first_id) = messenger.send(&first).await.unwrap() else { panic!("a new key is sent") };
    assert_eq!(messenger.send(&first).await.unwrap(), Sent::Duplicate, "the same key sends nothing");
    let changed = crate::messaging::OutboundMessage { body: "other".into(), ..first.clone() };
    assert_eq!(messenger.send(&changed).await.unwrap(), Sent::Duplicate, "the key decides, not the body");
    // The same key in another tenant is another message.
    let theirs = message(b, MessageChannel::Sms, "booking:1:confirmation:lead");
    assert!(matches!(messenger.send(&theirs).await.unwrap(), Sent::New(_)));
    let email = message(a, MessageChannel::Email, "booking:1:reminder:lead");
    messenger.send(&email).await.unwrap();
    let staff = message(a, MessageChannel::Staff, "booking:1:confirmation:staff");
    messenger.send(&staff).await.unwrap();

    let page = outbox.list(a, None, PageRequest::new(Some(1), Some(10)).unwrap()).await.unwrap();
    assert_eq!(page.total, 3);
    let listed: Vec<_> = page.data.iter().map(|m| m.message.clone()).collect();
    assert_eq!(listed, vec![staff.clone(), email.clone(), first.clone()], "newest first, stored as given");
    assert_eq!(page.data[2].id, first_id);
    let emails =
        outbox.list(a, Some(MessageChannel::Email), PageRequest::new(Some(1), Some(10)).unwrap()).await.unwrap();
    assert_eq!((emails.total, emails.data[0].message.clone()), (1, email));
    let second = outbox.list(a, None, PageRequest::new(Some(2), Some(2)).unwrap()).await.unwrap();
    assert_eq!((second.total, second.data.len()), (3, 1));
    assert_eq!(second.data[0].message, first);
    let other = outbox.list(b, None, PageRequest::new(Some(1), Some(10)).unwrap()).await.unwrap();
    assert_eq!(other.data.iter().map(|m| m.message.clone()).collect::<Vec<_>>(), vec![theirs]);
    assert_eq!(
        outbox.list(TenantId::new(), None, PageRequest::new(Some(1), Some(10)).unwrap()).await.unwrap().total,
        0
    );
}

/// The [`crate::messaging::MessageLedger`] contract: a forgotten send can
/// be sent again, only in its own tenant; and the [`crate::messaging::LedgerMessenger`]
/// over it sends through the provider once per key, forgetting the record
/// when the provider is unavailable. `tenants` are two stored sub-accounts.
pub async fn ledger(ledger: std::sync::Arc<dyn crate::messaging::MessageLedger>, tenants: [TenantId; 2]) {
    use crate::messaging::{LedgerMessenger, MessagingError};
    let [a, b] = tenants;
    let sms = message(a, MessageChannel::Sms, "ledger:1");
    let theirs = message(b, MessageChannel::Sms, "ledger:1");
    assert!(matches!(ledger.send(&sms).await.unwrap(), Sent::New(_)));
    assert!(matches!(ledger.send(&theirs).await.unwrap(), Sent::New(_)));
    ledger.forget(a, "ledger:1").await.unwrap();
    assert!(matches!(ledger.send(&sms).await.unwrap(), Sent::New(_)), "forgotten: sent again");
    assert_eq!(ledger.send(&theirs).await.unwrap(), Sent::Duplicate, "the other tenant's record stays");

    let provider = std::sync::Arc::new(crate::testing::InMemoryOutbox::default());
    let messenger = LedgerMessenger::new(std::sync::Arc::clone(&ledger))
        .with_provider(MessageChannel::Sms, std::sync::Arc::clone(&provider) as _);
    let text = message(a, MessageChannel::Sms, "ledger:2");
    provider.set_down(true);
    assert!(matches!(messenger.send(&text).await, Err(MessagingError::Unavailable(_))));
    provider.set_down(false);
    assert!(matches!(messenger.send(&text).await.unwrap(), Sent::New(_)), "the retry sends it");
    assert_eq!(messenger.send(&text).await.unwrap(), Sent::Duplicate);
    let staff = message(a, MessageChannel::Staff, "ledger:3");
    assert!(matches!(messenger.send(&staff).await.unwrap(), Sent::New(_)), "no provider: the record is the send");
    let through: Vec<_> = provider.all().into_iter().map(|m| m.message.dedupe_key).collect();
    assert_eq!(through, ["ledger:2"], "the provider got the text once, the staff notice never");
}
