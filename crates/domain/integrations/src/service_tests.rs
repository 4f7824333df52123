//! The integrations use case over the in-memory fakes.

use crate::testing::{InMemoryIntegrations, InMemoryTemplates, ScriptedChecks, TestCipher};
use crate::{
    CheckOutcome, IntegrationChange, IntegrationKind, IntegrationRepository, IntegrationStatus, IntegrationTemplate,
    Integrations, IntegrationsError, NewIntegration,
};
use frontdesk_kernel::{PageRequest, SystemClock, TenantId};
use serde_json::{Value, json};
use std::sync::Arc;

const TOKEN: &str = "0123456789abcdef-very-secret";

fn templates() -> InMemoryTemplates {
    InMemoryTemplates(vec![
        IntegrationTemplate {
            kind: IntegrationKind::Twilio,
            name: "Twilio".into(),
            description: "Calls and texts".into(),
            settings_schema: json!({
                "type": "object", "additionalProperties": false,
                "required": ["accountSid", "authToken"],
                "properties": {
                    "accountSid": {"type": "string", "pattern": "^AC[0-9a-f]{32}$"},
                    "authToken": {"type": "string", "minLength": 16},
                    "fromNumber": {"type": "string", "pattern": "^\\+[1-9][0-9]{6,14}$"}
                }
            }),
            secret_fields: vec!["authToken".into()],
        },
        IntegrationTemplate {
            kind: IntegrationKind::Webhook,
            name: "Webhook".into(),
            description: "An endpoint".into(),
            settings_schema: json!({"type": "object", "required": ["url"], "properties": {"url": {"type": "string"}}}),
            secret_fields: Vec::new(),
        },
    ])
}

/// Refuses every URL naming 10.0.0.1.
struct NoPrivate;

#[async_trait::async_trait]
impl crate::UrlPolicy for NoPrivate {
    async fn check(&self, url: &str) -> Result<(), String> {
        if url.contains("10.0.0.1") { Err("the host resolves to a private address".into()) } else { Ok(()) }
    }
}

#[tokio::test]
async fn urls_the_policy_refuses_are_a_validation_error_on_create_and_change() {
    let w = world(TestCipher::new("k1"), vec![]).await;
    let integrations = w.integrations.with_url_policy(Arc::new(NoPrivate));
    let tenant = TenantId::new();
    let hook =
        |url: &str| NewIntegration { kind: "webhook".into(), name: "Hook".into(), settings: Some(json!({"url": url})) };
    assert_eq!(fields(integrations.create(tenant, hook("http://10.0.0.1/x")).await.unwrap_err()), ["settings.url"]);
    let created = integrations.create(tenant, hook("https://hooks.example.com/x")).await.unwrap();
    let change = IntegrationChange { name: None, settings: Some(json!({"url": "http://10.0.0.1/y"})) };
    assert_eq!(fields(integrations.update(tenant, created.id, change).await.unwrap_err()), ["settings.url"]);
    assert_eq!(
        w.repo.get(tenant, created.id).await.unwrap().settings.get("url"),
        Some(&json!("https://hooks.example.com/x"))
    );
}

struct World {
    repo: Arc<InMemoryIntegrations>,
    checks: Arc<ScriptedChecks>,
    integrations: Integrations,
}

async fn world(cipher: TestCipher, outcomes: Vec<CheckOutcome>) -> World {
    world_over(Arc::new(InMemoryIntegrations::default()), cipher, outcomes).await
}

async fn world_over(repo: Arc<InMemoryIntegrations>, cipher: TestCipher, outcomes: Vec<CheckOutcome>) -> World {
    let checks = Arc::new(ScriptedChecks::new(outcomes));
    let integrations =
        Integrations::new(repo.clone(), Arc::new(templates()), Arc::new(cipher), checks.clone(), Arc::new(SystemClock));
    World { repo, checks, integrations }
}

fn sid() -> String {
    format!("AC{}", "a".repeat(32))
}

fn twilio(name: &str) -> NewIntegration {
    NewIntegration {
        kind: "twilio".into(),
        name: name.into(),
        settings: Some(json!({"accountSid": sid(), "authToken": TOKEN})),
    }
}

fn fields(err: IntegrationsError) -> Vec<String> {
    let IntegrationsError::Validation(errors) = err else { panic!("not a validation error: {err:?}") };
    let mut fields: Vec<_> = errors.errors().iter().map(|e| e.field.clone()).collect();
    fields.sort();
    fields
}

#[tokio::test]
async fn create_reports_every_bad_field_and_stores_nothing() {
    let w = world(TestCipher::new("k1"), vec![]).await;
    let tenant = TenantId::new();
    let err = w.integrations.create(tenant, NewIntegration { kind: "zapier".into(), ..NewIntegration::default() });
    assert_eq!(fields(err.await.unwrap_err()), ["kind", "name"]);
    let bad = NewIntegration {
        kind: "twilio".into(),
        name: "Phones".into(),
        settings: Some(json!({"accountSid": "nope", "fromNumber": "555"})),
    };
    let err = w.integrations.create(tenant, bad).await.unwrap_err();
    assert_eq!(fields(err), ["settings.accountSid", "settings.authToken", "settings.fromNumber"]);
    assert_eq!(w.repo.list(tenant, PageRequest::default()).await.unwrap().total, 0);
}

#[tokio::test]
async fn secrets_are_sealed_and_only_their_names_are_kept() {
    let w = world(TestCipher::new("k1"), vec![]).await;
    let tenant = TenantId::new();
    let created = w.integrations.create(tenant, twilio(" Phones ")).await.unwrap();
    assert_eq!((created.name.as_str(), created.status), ("Phones", IntegrationStatus::Pending));
    assert_eq!(created.settings.to_value(), json!({"accountSid": sid()}));
    assert_eq!(created.secret_fields, ["authToken"]);
    let stored = w.repo.get(tenant, created.id).await.unwrap();
    assert_eq!(stored.sealed_credentials.key_id(), "k1");
    let bytes = stored.sealed_credentials.as_bytes();
    assert!(!bytes.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()), "stored in the clear");
    assert!(!format!("{stored:?}").contains(TOKEN));
    assert!(w.integrations.credentials(tenant, IntegrationKind::Twilio).await.unwrap().is_none(), "not active yet");
}

#[tokio::test]
async fn a_change_merges_over_the_current_settings_without_resending_secrets() {
    let w = world(TestCipher::new("k1"), vec![]).await;
    let tenant = TenantId::new();
    let created = w.integrations.create(tenant, twilio("Phones")).await.unwrap();
    let change =
        IntegrationChange { name: Some("Main line".into()), settings: Some(json!({"fromNumber": "+14155550100"})) };
    let changed = w.integrations.update(tenant, created.id, change).await.unwrap();
    assert_eq!(changed.name, "Main line");
    assert_eq!(changed.settings.to_value(), json!({"accountSid": sid(), "fromNumber": "+14155550100"}));
    assert!(changed.updated_at > created.updated_at);
    w.integrations.test(tenant, created.id).await.unwrap();
    let credentials = w.integrations.credentials(tenant, IntegrationKind::Twilio).await.unwrap().unwrap();
    assert_eq!(credentials.secrets.str("authToken"), Some(TOKEN), "the secret survived the change");

    let renamed = IntegrationChange { name: Some("Main".into()), settings: None };
    assert_eq!(w.integrations.update(tenant, created.id, renamed).await.unwrap().status, IntegrationStatus::Active);
    let removed = IntegrationChange { name: None, settings: Some(json!({"fromNumber": null})) };
    let changed = w.integrations.update(tenant, created.id, removed).await.unwrap();
    assert_eq!(changed.settings.to_value(), json!({"accountSid": sid()}));
    assert_eq!(changed.status, IntegrationStatus::Pending, "new settings are unverified");
    assert!(w.integrations.credentials(tenant, IntegrationKind::Twilio).await.unwrap().is_none());
    let shown = format!(
        "{:?} {:?}",
        twilio("x"),
        IntegrationChange { name: None, settings: Some(json!({"authToken": TOKEN})) }
    );
    assert!(!shown.contains(TOKEN) && shown.contains("authToken"), "{shown}");

    let before = w.repo.get(tenant, created.id).await.unwrap();
    let bad = IntegrationChange { name: Some(String::new()), settings: Some(json!({"authToken": null})) };
    let err = w.integrations.update(tenant, created.id, bad).await.unwrap_err();
    assert_eq!(fields(err), ["name", "settings.authToken"]);
    let bad = IntegrationChange { name: None, settings: Some(json!([1])) };
    assert_eq!(fields(w.integrations.update(tenant, created.id, bad).await.unwrap_err()), ["settings"]);
    assert_eq!(w.repo.get(tenant, created.id).await.unwrap(), before, "a refused change changes nothing");
    let other = w.integrations.update(TenantId::new(), created.id, IntegrationChange::default()).await;
    assert!(matches!(other, Err(IntegrationsError::NotFound { .. })));
}

#[tokio::test]
async fn checks_move_the_status_and_keep_the_last_error() {
    let outcomes = vec![
        CheckOutcome::Failed("Twilio refused the credentials (401)".into()),
        CheckOutcome::Connected("Twilio account Acme".into()),
        CheckOutcome::Failed("Twilio did not answer within 10 s".into()),
    ];
    let w = world(TestCipher::new("k1"), outcomes).await;
    let tenant = TenantId::new();
    let created = w.integrations.create(tenant, twilio("Phones")).await.unwrap();
    let (after, outcome) = w.integrations.test(tenant, created.id).await.unwrap();
    assert!(matches!(outcome, CheckOutcome::Failed(_)));
    assert_eq!(after.status, IntegrationStatus::Pending);
    assert_eq!(after.last_error.as_deref(), Some("Twilio refused the credentials (401)"));
    let (after, _) = w.integrations.test(tenant, created.id).await.unwrap();
    assert_eq!(after.status, IntegrationStatus::Active);
    let (after, _) = w.integrations.test(tenant, created.id).await.unwrap();
    assert_eq!(
        (after.status, after.last_error.as_deref()),
        (IntegrationStatus::Error, Some("Twilio did not answer within 10 s"))
    );
    assert_eq!(w.repo.get(tenant, created.id).await.unwrap(), after, "the outcome is stored");
    let seen = w.checks.seen();
    assert_eq!(seen.len(), 3);
    assert_eq!((seen[0].0, seen[0].2.str("authToken")), (IntegrationKind::Twilio, Some(TOKEN)));
    assert_eq!(seen[0].1.to_value(), json!({"accountSid": sid()}), "settings without the secret");
}

#[tokio::test]
async fn disconnecting_erases_the_credentials_for_good() {
    let w = world(TestCipher::new("k1"), vec![]).await;
    let tenant = TenantId::new();
    let created = w.integrations.create(tenant, twilio("Phones")).await.unwrap();
    w.integrations.test(tenant, created.id).await.unwrap();
    let gone = w.integrations.disconnect(tenant, created.id).await.unwrap();
    assert_eq!(gone.status, IntegrationStatus::Disconnected);
    let stored = w.repo.get(tenant, created.id).await.unwrap();
    assert!(stored.sealed_credentials.is_empty() && stored.secret_fields.is_empty());
    assert!(w.integrations.credentials(tenant, IntegrationKind::Twilio).await.unwrap().is_none());
    assert!(matches!(w.integrations.test(tenant, created.id).await, Err(IntegrationsError::Disconnected)));
    let change = IntegrationChange { name: Some("x".into()), settings: None };
    assert!(matches!(w.integrations.update(tenant, created.id, change).await, Err(IntegrationsError::Disconnected)));
    assert!(matches!(
        w.integrations.disconnect(tenant, created.id).await,
        Err(IntegrationsError::InvalidTransition { .. })
    ));
}

#[tokio::test]
async fn rotation_reseals_everything_under_the_new_key_and_can_be_rerun() {
    let repo = Arc::new(InMemoryIntegrations::default());
    let old = world_over(repo.clone(), TestCipher::new("k1"), vec![]).await;
    let tenant = TenantId::new();
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(old.integrations.create(tenant, twilio(&format!("Line {n}"))).await.unwrap().id);
    }
    let orphan = world_over(repo.clone(), TestCipher::new("k0"), vec![]).await;
    let lost = orphan.integrations.create(tenant, twilio("Lost key")).await.unwrap();

    let new = world_over(repo.clone(), TestCipher::new("k2").also_opening("k1"), vec![]).await;
    let mut batches = Vec::new();
    let report = new.integrations.rotate(2, |r| batches.push(r.resealed)).await.unwrap();
    assert_eq!((report.resealed, report.skipped, report.failed.clone()), (5, 0, vec![lost.id]));
    assert!(report.complete);
    assert_eq!(batches.last(), Some(&5));
    assert!(batches.len() >= 3, "progress after every batch: {batches:?}");
    for id in &ids {
        let stored = repo.get(tenant, *id).await.unwrap();
        assert_eq!(stored.sealed_credentials.key_id(), "k2");
    }
    new.integrations.test(tenant, ids[0]).await.unwrap();
    let opened = new.integrations.credentials(tenant, IntegrationKind::Twilio).await.unwrap().unwrap();
    assert_eq!(opened.secrets.str("authToken"), Some(TOKEN));
    let again = new.integrations.rotate(2, |_| {}).await.unwrap();
    assert_eq!((again.resealed, again.failed), (0, vec![lost.id]), "a rerun only meets what cannot open");
}

#[tokio::test]
async fn settings_must_be_an_object() {
    let w = world(TestCipher::new("k1"), vec![]).await;
    let input = NewIntegration { kind: "twilio".into(), name: "x".into(), settings: Some(Value::from(3)) };
    assert_eq!(fields(w.integrations.create(TenantId::new(), input).await.unwrap_err()), ["settings"]);
}

#[tokio::test]
async fn every_write_reseals_under_the_current_key() {
    let repo = Arc::new(InMemoryIntegrations::default());
    let old = world_over(repo.clone(), TestCipher::new("k1"), vec![]).await;
    let tenant = TenantId::new();
    let created = old.integrations.create(tenant, twilio("Phones")).await.unwrap();
    let new = world_over(repo.clone(), TestCipher::new("k2").also_opening("k1"), vec![]).await;
    let rename = IntegrationChange { name: Some("Main".into()), settings: None };
    new.integrations.update(tenant, created.id, rename).await.unwrap();
    assert_eq!(repo.get(tenant, created.id).await.unwrap().sealed_credentials.key_id(), "k2");
    let again = world_over(repo.clone(), TestCipher::new("k3").also_opening("k2"), vec![]).await;
    again.integrations.test(tenant, created.id).await.unwrap();
    assert_eq!(repo.get(tenant, created.id).await.unwrap().sealed_credentials.key_id(), "k3");
}
