//! Contract suites for the integrations ports.
//!
//! The repository suite takes a fresh, empty repository: callers give
//! every run its own database (or in-memory instance).
#![allow(clippy::expect_used, clippy::unwrap_used, reason = "a contract suite panics to report a broken contract")]

use crate::error::IntegrationsError;
use crate::integration::{Integration, IntegrationId, IntegrationStatus, NewIntegration};
use crate::ports::{IntegrationRepository, SecretCipher};
use crate::secret::SealedSecret;
use chrono::{DateTime, Duration, SubsecRound, Utc};
use frontdesk_kernel::TenantId;

/// A timestamp with microsecond precision: what every backend can store exactly.
fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

fn integration(tenant: TenantId, kind: &str, name: &str, at: DateTime<Utc>) -> Integration {
    let input = NewIntegration {
        kind: kind.into(),
        name: name.into(),
        settings: Some(serde_json::json!({"url": "https://hooks.example.com/x", "retries": 3})),
    };
    Integration::create(tenant, input, SealedSecret::from_bytes(vec![0, 1, 2, 254, 255]), at).expect("valid")
}

/// Integrations round-trip (sealed bytes exactly), list per tenant oldest
/// first, and move only along the lifecycle; other tenants see `NotFound`.
///
/// # Panics
/// When the adapter breaks the contract.
pub async fn integrations(repo: &dyn IntegrationRepository) {
    let (tenant, other) = (TenantId::new(), TenantId::new());
    let t0 = now();
    let hook = integration(tenant, "webhook", "Zap", t0);
    let crm = integration(tenant, "gohighlevel", "CRM", t0 + Duration::seconds(1));
    let foreign = integration(other, "google_calendar", "Calendar", t0);
    for i in [&crm, &hook, &foreign] {
        repo.insert(i).await.expect("insert");
    }
    assert_eq!(repo.get(tenant, hook.id).await.expect("get"), hook);
    assert!(matches!(repo.get(other, hook.id).await, Err(IntegrationsError::NotFound { .. })), "cross-tenant get");
    assert!(matches!(repo.get(tenant, IntegrationId::new()).await, Err(IntegrationsError::NotFound { .. })));
    let listed: Vec<_> = repo.list(tenant).await.expect("list").iter().map(|i| i.id).collect();
    assert_eq!(listed, [hook.id, crm.id]);

    let t1 = t0 + Duration::minutes(1);
    let active = repo.update_status(tenant, hook.id, IntegrationStatus::Active, t1).await.expect("activate");
    assert_eq!((active.status, active.updated_at), (IntegrationStatus::Active, t1));
    assert_eq!(repo.get(tenant, hook.id).await.expect("get"), active);
    let err = repo.update_status(tenant, crm.id, IntegrationStatus::Error, t1).await.expect_err("pending -> error");
    assert!(matches!(err, IntegrationsError::InvalidTransition { .. }), "{err:?}");
    assert_eq!(repo.get(tenant, crm.id).await.expect("get"), crm, "a refused move changes nothing");
    assert!(matches!(
        repo.update_status(other, hook.id, IntegrationStatus::Disconnected, t1).await,
        Err(IntegrationsError::NotFound { .. })
    ));
    for step in [IntegrationStatus::Error, IntegrationStatus::Active, IntegrationStatus::Disconnected] {
        repo.update_status(tenant, hook.id, step, t1).await.expect("lifecycle step");
    }
    let err = repo.update_status(tenant, hook.id, IntegrationStatus::Active, t1).await.expect_err("terminal");
    assert!(matches!(err, IntegrationsError::InvalidTransition { .. }), "{err:?}");
    assert_eq!(repo.get(other, foreign.id).await.expect("get").status, IntegrationStatus::Pending);
}

/// Sealing round-trips, hides the plaintext, varies per call, and altered
/// or foreign bytes fail to open with `Crypto`.
///
/// # Panics
/// When the adapter breaks the contract.
pub fn cipher(cipher: &dyn SecretCipher) {
    let secret = br#"{"apiKey":"sk_live_very_secret"}"#;
    let sealed = cipher.seal(secret).expect("seal");
    assert_eq!(cipher.open(&sealed).expect("open"), secret);
    assert!(!sealed.as_bytes().windows(8).any(|w| secret.windows(8).any(|s| s == w)), "plaintext visible");
    assert_ne!(cipher.seal(secret).expect("seal"), sealed, "a fresh nonce per seal");
    assert_eq!(cipher.open(&cipher.seal(b"").expect("seal")).expect("open"), b"");

    let mut tampered = sealed.as_bytes().to_vec();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0x01;
    let err = cipher.open(&SealedSecret::from_bytes(tampered)).expect_err("tampered");
    assert!(matches!(err, IntegrationsError::Crypto { .. }), "{err:?}");
    let err = cipher.open(&SealedSecret::from_bytes(b"garbage".to_vec())).expect_err("garbage");
    assert!(matches!(err, IntegrationsError::Crypto { .. }), "{err:?}");
    let err = cipher.open(&SealedSecret::default()).expect_err("empty");
    assert!(matches!(err, IntegrationsError::Crypto { .. }), "{err:?}");
}
