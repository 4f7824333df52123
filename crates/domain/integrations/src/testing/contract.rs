//! Contract suites for the integrations ports.
//!
//! The repository suite takes a fresh, empty repository: callers give
//! every run its own database (or in-memory instance).
#![allow(clippy::expect_used, clippy::unwrap_used, reason = "a contract suite panics to report a broken contract")]

use crate::error::IntegrationsError;
use crate::integration::{Integration, IntegrationId, IntegrationKind, IntegrationStatus};
use crate::ports::{IntegrationRepository, SecretCipher};
use crate::secret::SealedSecret;
use chrono::{DateTime, Duration, Utc};
use frontdesk_kernel::{JsonObject, PageRequest, TenantId};

/// A timestamp with millisecond precision: what every backend stores exactly.
fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).expect("in range")
}

fn integration(tenant: TenantId, kind: IntegrationKind, name: &str, key: &str, at: DateTime<Utc>) -> Integration {
    Integration {
        id: IntegrationId::new(),
        tenant_id: tenant,
        kind,
        name: name.into(),
        status: IntegrationStatus::Pending,
        settings: JsonObject::parse(serde_json::json!({"url": "https://hooks.example.com/x", "retries": 3})).unwrap(),
        secret_fields: vec!["token".into()],
        sealed_credentials: SealedSecret::new(key, vec![0, 1, 2, 254, 255]),
        last_error: None,
        last_error_at: None,
        last_checked_at: None,
        created_at: at,
        updated_at: at,
    }
}

/// Integrations round-trip (sealed bytes and key id exactly), list per
/// tenant oldest first, update only from the version read, and give the
/// rotation its work list; other tenants see `NotFound`.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn integrations(repo: &dyn IntegrationRepository, [tenant, other]: [TenantId; 2]) {
    let t0 = now();
    let hook = integration(tenant, IntegrationKind::Webhook, "Zap", "k1", t0);
    let crm = integration(tenant, IntegrationKind::GoHighLevel, "CRM", "k2", t0 + Duration::seconds(1));
    let foreign = integration(other, IntegrationKind::GoogleCalendar, "Calendar", "k1", t0);
    for i in [&crm, &hook, &foreign] {
        repo.insert(i).await.expect("insert");
    }
    assert_eq!(repo.get(tenant, hook.id).await.expect("get"), hook);
    assert!(matches!(repo.get(other, hook.id).await, Err(IntegrationsError::NotFound { .. })), "cross-tenant get");
    assert!(matches!(repo.get(tenant, IntegrationId::new()).await, Err(IntegrationsError::NotFound { .. })));
    assert_eq!(repo.find(foreign.id).await.expect("find"), foreign, "find ignores the tenant");
    assert!(matches!(repo.find(IntegrationId::new()).await, Err(IntegrationsError::NotFound { .. })));
    let page = repo.list(tenant, PageRequest::default()).await.expect("list");
    assert_eq!((page.data.iter().map(|i| i.id).collect::<Vec<_>>(), page.total), (vec![hook.id, crm.id], 2));
    let second = repo.list(tenant, PageRequest::new(Some(2), Some(1)).unwrap()).await.expect("page 2");
    assert_eq!((second.data.iter().map(|i| i.id).collect::<Vec<_>>(), second.total), (vec![crm.id], 2));

    // Updates apply only over the version read.
    let t1 = t0 + Duration::minutes(1);
    let mut changed = hook.clone();
    changed.name = "Zapier".into();
    changed.status = IntegrationStatus::Active;
    changed.last_error = Some("timeout".into());
    changed.last_error_at = Some(t1);
    changed.last_checked_at = Some(t1);
    changed.secret_fields = vec!["token".into(), "other".into()];
    changed.sealed_credentials = SealedSecret::new("k3", vec![9; 40]);
    changed.settings = JsonObject::parse(serde_json::json!({"url": "https://elsewhere.example.com"})).unwrap();
    changed.updated_at = t1;
    repo.update(&changed, t0).await.expect("update");
    assert_eq!(repo.get(tenant, hook.id).await.expect("get"), changed);
    let mut stale = changed.clone();
    stale.name = "Lost".into();
    let err = repo.update(&stale, t0).await.expect_err("stale version");
    assert!(matches!(err, IntegrationsError::Conflict), "{err:?}");
    let mut foreign_edit = foreign.clone();
    foreign_edit.tenant_id = tenant;
    assert!(matches!(repo.update(&foreign_edit, t0).await, Err(IntegrationsError::NotFound { .. })));
    assert_eq!(repo.get(tenant, hook.id).await.expect("get").name, "Zapier");

    // Active of a kind: only active ones, only the tenant's.
    assert_eq!(
        repo.active_of_kind(tenant, IntegrationKind::Webhook).await.expect("active").map(|i| i.id),
        Some(hook.id)
    );
    assert!(repo.active_of_kind(tenant, IntegrationKind::GoHighLevel).await.expect("pending").is_none());
    assert!(repo.active_of_kind(other, IntegrationKind::Webhook).await.expect("other").is_none());

    // Rotation work list and conditional re-seal.
    let mut work: Vec<_> =
        repo.sealed_under_other_keys("k3", None, 10).await.expect("work").iter().map(|i| i.id).collect();
    let mut expected = vec![crm.id, foreign.id];
    expected.sort();
    work.sort();
    assert_eq!(work, expected);
    let first = repo.sealed_under_other_keys("k3", None, 1).await.expect("first");
    let rest = repo.sealed_under_other_keys("k3", Some(first[0].id), 10).await.expect("rest");
    assert_eq!(rest.len(), 1);
    assert!(rest[0].id > first[0].id, "ordered by id");
    let resealed = SealedSecret::new("k3", vec![7; 30]);
    let seen = crm.updated_at;
    assert!(!repo.reseal(crm.id, "k1", seen, &resealed).await.expect("wrong from-key"), "a concurrent change wins");
    let later = seen + Duration::seconds(1);
    assert!(!repo.reseal(crm.id, "k2", later, &resealed).await.expect("changed row"), "an edit since the read wins");
    assert!(repo.reseal(crm.id, "k2", seen, &resealed).await.expect("reseal"));
    let stored = repo.get(tenant, crm.id).await.expect("get");
    assert_eq!((&stored.sealed_credentials, stored.updated_at), (&resealed, seen + Duration::milliseconds(1)));
    let mut prepared_before = crm.clone();
    prepared_before.name = "Written from the old row".into();
    let err = repo.update(&prepared_before, seen).await.expect_err("a write prepared before the reseal");
    assert!(matches!(err, IntegrationsError::Conflict), "{err:?}");
    assert_eq!(repo.sealed_under_other_keys("k3", None, 10).await.expect("work").len(), 1);
}

/// Sealing round-trips, hides the plaintext, varies per call, and altered
/// bytes, another context or an unknown key id fail to open with `Crypto`.
///
/// # Panics
/// When the adapter breaks the contract.
pub fn cipher(cipher: &dyn SecretCipher, other: &dyn SecretCipher) {
    let secret = br#"{"apiKey":"sk_live_very_secret"}"#;
    let sealed = cipher.seal(secret, b"integration:1").expect("seal");
    assert_eq!(sealed.key_id(), cipher.current_key_id());
    assert_eq!(cipher.open(&sealed, b"integration:1").expect("open"), secret);
    assert!(!sealed.as_bytes().windows(8).any(|w| secret.windows(8).any(|s| s == w)), "plaintext visible");
    assert_ne!(cipher.seal(secret, b"integration:1").expect("seal"), sealed, "a fresh nonce per seal");
    assert_eq!(cipher.open(&cipher.seal(b"", b"c").expect("seal"), b"c").expect("open"), b"");

    let crypto = |r: Result<Vec<u8>, IntegrationsError>, what: &str| {
        assert!(matches!(r, Err(IntegrationsError::Crypto { .. })), "{what}: {r:?}");
    };
    crypto(cipher.open(&sealed, b"integration:2"), "another context");
    let mut tampered = sealed.as_bytes().to_vec();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0x01;
    crypto(cipher.open(&SealedSecret::new(sealed.key_id(), tampered), b"integration:1"), "tampered");
    crypto(cipher.open(&SealedSecret::new(sealed.key_id(), b"garbage".to_vec()), b"c"), "garbage");
    crypto(cipher.open(&SealedSecret::new(sealed.key_id(), Vec::new()), b"c"), "empty");
    crypto(cipher.open(&SealedSecret::new("no-such-key", sealed.as_bytes().to_vec()), b"integration:1"), "unknown key");
    crypto(other.open(&sealed, b"integration:1"), "a cipher without the key");
}

/// Events de-duplicate per integration and can be withdrawn; links map one
/// outside id to one lead per integration, the newest winning.
///
/// # Panics
/// When the adapters break the contract.
pub async fn inbound(
    events: &dyn crate::webhooks::EventLog,
    links: &dyn crate::webhooks::ExternalLinks,
    tenant: TenantId,
    [a, b]: [IntegrationId; 2],
) {
    let at = now();
    assert!(events.record(a, "signature:abc", "ContactCreate", at).await.expect("record"));
    assert!(!events.record(a, "signature:abc", "ContactCreate", at).await.expect("again"), "a duplicate");
    assert!(events.record(b, "signature:abc", "ContactCreate", at).await.expect("other integration"));
    events.forget(a, "signature:abc").await.expect("forget");
    assert!(events.record(a, "signature:abc", "ContactCreate", at).await.expect("after forget"));

    let (first, second) = (frontdesk_kernel::LeadId::new(), frontdesk_kernel::LeadId::new());
    assert_eq!(links.lead_for(a, "ct_1").await.expect("none"), None);
    links.link(tenant, a, "ct_1", first).await.expect("link");
    assert_eq!(links.lead_for(a, "ct_1").await.expect("linked"), Some(first));
    assert_eq!(links.lead_for(b, "ct_1").await.expect("per integration"), None);
    links.link(tenant, a, "ct_1", second).await.expect("relink");
    assert_eq!(links.lead_for(a, "ct_1").await.expect("relinked"), Some(second));

    // The contact a lead was synced with, and what it looked like then.
    let synced = links.contact_of(a, second).await.expect("contact_of");
    assert_eq!(synced.map(|s| (s.external_id, s.fingerprint)), Some(("ct_1".to_owned(), None)), "linked, never synced");
    assert_eq!(links.contact_of(b, second).await.expect("per integration"), None);
    links.record_sync(tenant, a, "ct_1", second, "Ana\u{1f}ana@example.com\u{1f}").await.expect("record");
    let synced = links.contact_of(a, second).await.expect("synced").expect("a contact");
    assert_eq!(synced.fingerprint.as_deref(), Some("Ana\u{1f}ana@example.com\u{1f}"));
    links.link(tenant, a, "ct_1", second).await.expect("a later link");
    let kept = links.contact_of(a, second).await.expect("kept").expect("a contact");
    assert_eq!(
        kept.fingerprint.as_deref(),
        Some("Ana\u{1f}ana@example.com\u{1f}"),
        "a plain link keeps the fingerprint"
    );
    links.record_sync(tenant, a, "ct_2", first, "Bo\u{1f}\u{1f}+14155550100").await.expect("record new");
    assert_eq!(links.lead_for(a, "ct_2").await.expect("linked by the sync"), Some(first));
}

/// A booking's appointment is found per integration; a newer link replaces the older one.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn appointment_links(
    links: &dyn crate::appointments::AppointmentLinks,
    tenant: TenantId,
    [a, b]: [IntegrationId; 2],
) {
    let booking = uuid::Uuid::now_v7();
    assert_eq!(links.appointment_of(a, booking).await.expect("none"), None);
    links.link_appointment(tenant, a, booking, "apt_1").await.expect("link");
    assert_eq!(links.appointment_of(a, booking).await.expect("linked").as_deref(), Some("apt_1"));
    assert_eq!(links.appointment_of(b, booking).await.expect("per integration"), None);
    assert_eq!(links.appointment_of(a, uuid::Uuid::now_v7()).await.expect("per booking"), None);
    links.link_appointment(tenant, a, booking, "apt_2").await.expect("relink");
    assert_eq!(links.appointment_of(a, booking).await.expect("relinked").as_deref(), Some("apt_2"));
}

fn subscription(tenant: TenantId, events: &[&str], at: DateTime<Utc>) -> crate::outbound::Subscription {
    crate::outbound::Subscription {
        id: crate::outbound::SubscriptionId::new(),
        tenant_id: tenant,
        url: "https://hooks.example.com/in".into(),
        description: Some("CRM sync".into()),
        events: events.iter().map(|e| (*e).to_owned()).collect(),
        status: crate::outbound::SubscriptionStatus::Active,
        sealed_secrets: SealedSecret::new("k1", vec![9, 8, 7, 0, 255]),
        previous_until: None,
        failing_since: None,
        disabled_reason: None,
        created_at: at,
        updated_at: at,
    }
}

fn attempt(
    s: &crate::outbound::Subscription,
    event: frontdesk_kernel::events::EventId,
    series: &str,
    n: u32,
    at: DateTime<Utc>,
) -> crate::outbound::Attempt {
    crate::outbound::Attempt {
        subscription_id: s.id,
        tenant_id: s.tenant_id,
        event_id: event,
        event_kind: "lead.created".into(),
        series: series.into(),
        attempt: n,
        attempted_at: at,
        status_code: Some(500),
        latency_ms: 12,
        excerpt: "oops".into(),
        error: None,
        succeeded: false,
        next_attempt_at: Some(at + Duration::seconds(5)),
    }
}

/// Subscriptions round-trip, are found by the kinds they want (active
/// only), update only from the version read, and keep an attempt log where
/// an attempt is recorded once; other tenants see `NotFound`. `tenants`
/// must exist where the adapter has foreign keys.
///
/// # Panics
/// When the contract is broken.
pub async fn subscriptions(repo: &dyn crate::outbound::SubscriptionRepository, tenants: [TenantId; 2]) {
    use crate::outbound::SubscriptionStatus;
    use frontdesk_kernel::events::EventId;
    let [a, b] = tenants;
    let t0 = now();
    let first = subscription(a, &["lead.created", "booking.created"], t0);
    let second = subscription(a, &["lead.updated"], t0 + Duration::milliseconds(5));
    repo.insert(&first).await.unwrap();
    repo.insert(&second).await.unwrap();
    assert_eq!(repo.get(a, first.id).await.unwrap(), first, "round trip, sealed bytes included");
    assert!(matches!(repo.get(b, first.id).await, Err(IntegrationsError::NotFound { .. })));
    assert_eq!(repo.count(a).await.unwrap(), 2);
    assert_eq!(repo.count(b).await.unwrap(), 0);
    let page = repo.list(a, PageRequest::new(Some(1), Some(1)).unwrap()).await.unwrap();
    assert_eq!((page.total, page.data[0].id), (2, first.id), "oldest first");
    assert!(repo.list(b, PageRequest::default()).await.unwrap().data.is_empty());

    let wanting: Vec<_> = repo.wanting(a, "lead.created").await.unwrap().into_iter().map(|s| s.id).collect();
    assert_eq!(wanting, [first.id]);
    assert!(repo.wanting(b, "lead.created").await.unwrap().is_empty());

    let mut disabled = first.clone();
    disabled.status = SubscriptionStatus::Disabled;
    disabled.disabled_reason = Some("failing".into());
    disabled.updated_at = t0 + Duration::milliseconds(10);
    assert!(matches!(repo.update(&disabled, t0 - Duration::seconds(1)).await, Err(IntegrationsError::Conflict)));
    repo.update(&disabled, t0).await.unwrap();
    assert_eq!(repo.get(a, first.id).await.unwrap(), disabled);
    assert!(repo.wanting(a, "lead.created").await.unwrap().is_empty(), "a disabled subscription wants nothing");
    let mut foreign = disabled.clone();
    foreign.tenant_id = b;
    assert!(matches!(repo.update(&foreign, disabled.updated_at).await, Err(IntegrationsError::NotFound { .. })));

    repo.set_failing_since(a, second.id, Some(t0)).await.unwrap();
    assert_eq!(repo.get(a, second.id).await.unwrap().failing_since, Some(t0));
    assert_eq!(repo.get(a, second.id).await.unwrap().updated_at, second.updated_at, "health is not an edit");
    repo.set_failing_since(a, second.id, None).await.unwrap();
    assert_eq!(repo.get(a, second.id).await.unwrap().failing_since, None);

    let event = EventId::new();
    let one = attempt(&second, event, "auto", 1, t0);
    assert!(repo.record_attempt(&one).await.unwrap());
    assert!(!repo.record_attempt(&one).await.unwrap(), "an attempt is logged once");
    let two = crate::outbound::Attempt {
        attempt: 2,
        attempted_at: t0 + Duration::seconds(6),
        status_code: None,
        error: Some("timed out".into()),
        succeeded: true,
        next_attempt_at: None,
        excerpt: String::new(),
        ..one.clone()
    };
    assert!(repo.record_attempt(&two).await.unwrap());
    assert_eq!(repo.find_attempt(second.id, event, "auto", 1).await.unwrap(), Some(one.clone()));
    assert_eq!(repo.find_attempt(second.id, event, "replay-x", 1).await.unwrap(), None);
    let log = repo.attempts(a, second.id, PageRequest::default()).await.unwrap();
    assert_eq!(log.data, [two, one], "newest first");
    assert!(repo.attempts(b, second.id, PageRequest::default()).await.unwrap().data.is_empty());
    assert_eq!(repo.purge_attempts(t0 + Duration::seconds(1)).await.unwrap(), 1, "only the older attempt");
    assert_eq!(repo.find_attempt(second.id, event, "auto", 1).await.unwrap(), None);
    assert!(repo.find_attempt(second.id, event, "auto", 2).await.unwrap().is_some());

    assert!(matches!(repo.delete(b, second.id).await, Err(IntegrationsError::NotFound { .. })));
    repo.delete(a, second.id).await.unwrap();
    assert!(matches!(repo.get(a, second.id).await, Err(IntegrationsError::NotFound { .. })));
    assert_eq!(repo.find_attempt(second.id, event, "auto", 1).await.unwrap(), None, "its log goes with it");
}
