//! Integrations over real HTTP: templates, validation listing every
//! violation with nothing stored, write-only secrets (never in a response,
//! the database or the logs), live checks against Postmark's own API
//! description in Prism and against an unreachable server, the lifecycle,
//! and other sub-accounts' integrations answering 404.

use crate::helpers::{Owner, Prism, Profile, Received, Receiver, Team, TestApp};
use frontdesk_integrations::{IntegrationId, IntegrationRepository};
use reqwest::Method;
use serde_json::{Value, json};
use std::io::Write;
use std::sync::{Arc, Mutex};

const SERVER_TOKEN: &str = "pm-server-token-7f3c9d1e-unique";
const OPENAI_KEY: &str = "sk-openai-key-b81d44aa-unique";
const ROTATED_TOKEN: &str = "pm-server-token-rotated-52e0-unique";

/// Every log line of the process, at `debug` and above.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn install() -> Self {
        let captured = Self::default();
        let writer = captured.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .try_init()
            .expect("this test captures the process's logs: run it without TEST_LOG");
        captured
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

fn fields(answer: &Value) -> Vec<String> {
    let mut fields: Vec<String> = answer["message"]
        .as_array()
        .unwrap_or_else(|| panic!("not a validation error: {answer}"))
        .iter()
        .map(|m| m.as_str().unwrap().split(':').next().unwrap().to_owned())
        .collect();
    fields.sort();
    fields
}

async fn a_full_life_cycle_never_shows_a_secret(profile: Profile) {
    let logs = Captured::install();
    let Some(postmark) = Prism::serve("crates/adapters/postmark/tests/fixtures/postmark-server.apisguru.oas3.json")
    else {
        return;
    };
    let mut builder = TestApp::builder(profile).vendor("postmark_api", &postmark.url);
    if profile == Profile::Production {
        builder = builder.env("ENCRYPTION_KEYS", "k2026:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
    }
    let app = builder.spawn().await;
    let team = Team::create(&app, "integrations.test").await;
    let owner = team.owner.token.as_str();

    // Templates: readable by every member.
    let templates = app.expect(&team.agent.token, Method::GET, "/api/v1/integration-templates", None, 200).await;
    let kinds: Vec<_> = templates["data"].as_array().unwrap().iter().map(|t| t["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["gohighlevel", "google_calendar", "twilio", "postmark", "openai", "webhook"]);
    let postmark_template = &templates["data"][3];
    assert_eq!(postmark_template["secretFields"], json!(["serverToken"]));
    assert_eq!(postmark_template["settingsSchema"]["required"], json!(["serverToken", "fromAddress"]));

    // One 400 naming every bad field; nothing stored; the bad value is not echoed.
    let bad =
        json!({"kind": "postmark", "name": "", "settings": {"serverToken": "tiny1", "fromAddress": "nope", "x": 1}});
    let answer = app.expect(owner, Method::POST, "/api/v1/integrations", Some(bad), 400).await;
    assert_eq!(fields(&answer), ["name", "settings", "settings.fromAddress", "settings.serverToken"], "{answer}");
    assert!(!answer.to_string().contains("tiny1") && !answer.to_string().contains("nope"), "{answer}");
    let answer = app
        .expect(owner, Method::POST, "/api/v1/integrations", Some(json!({"kind": "zapier", "name": "Z"})), 400)
        .await;
    assert_eq!(fields(&answer), ["kind"]);
    assert_eq!(app.expect(owner, Method::GET, "/api/v1/integrations", None, 200).await["total"], 0);

    // Created: the secret is sealed, named, never returned.
    let create = json!({"kind": "postmark", "name": "Mail", "settings": {"serverToken": SERVER_TOKEN, "fromAddress": "desk@integrations.test"}});
    let created = app.expect(owner, Method::POST, "/api/v1/integrations", Some(create), 201).await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!((created["status"].as_str(), &created["secretFields"]), (Some("pending"), &json!(["serverToken"])));
    assert_eq!(created["settings"], json!({"fromAddress": "desk@integrations.test"}));

    // A real check against Postmark's API description: active.
    let tested = app.expect(owner, Method::POST, &format!("/api/v1/integrations/{id}/test"), None, 200).await;
    assert_eq!(
        (tested["ok"].as_bool(), tested["integration"]["status"].as_str()),
        (Some(true), Some("active")),
        "{tested}"
    );
    assert!(tested["message"].as_str().unwrap().starts_with("Postmark server"), "{tested}");

    // A change need not resend the secret; a new secret replaces it.
    let renamed = app
        .expect(owner, Method::PATCH, &format!("/api/v1/integrations/{id}"), Some(json!({"name": "Support mail"})), 200)
        .await;
    assert_eq!((renamed["name"].as_str(), &renamed["secretFields"]), (Some("Support mail"), &json!(["serverToken"])));
    let patch = json!({"settings": {"serverToken": ROTATED_TOKEN, "messageStream": "BAD STREAM"}});
    let answer = app.expect(owner, Method::PATCH, &format!("/api/v1/integrations/{id}"), Some(patch), 400).await;
    assert_eq!(fields(&answer), ["settings.messageStream"]);
    let patch = json!({"settings": {"serverToken": ROTATED_TOKEN}});
    app.expect(owner, Method::PATCH, &format!("/api/v1/integrations/{id}"), Some(patch), 200).await;
    let tested = app.expect(owner, Method::POST, &format!("/api/v1/integrations/{id}/test"), None, 200).await;
    assert_eq!(tested["ok"], true, "{tested}");

    // A model server inside our network is refused (the SSRF rule covers baseUrl too).
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let inside = json!({"kind": "openai", "name": "Model", "settings": {"apiKey": OPENAI_KEY, "baseUrl": format!("http://127.0.0.1:{port}/v1")}});
    let answer = app.expect(owner, Method::POST, "/api/v1/integrations", Some(inside), 400).await;
    assert!(answer["message"][0].as_str().unwrap().starts_with("settings.baseUrl:"), "{answer}");
    // An unreachable one: the check fails, the integration stays pending with the reason.
    let openai = json!({"kind": "openai", "name": "Model", "settings": {"apiKey": OPENAI_KEY, "baseUrl": "http://model-server.invalid/v1"}});
    let model = app.expect(owner, Method::POST, "/api/v1/integrations", Some(openai), 201).await;
    let model_id = model["id"].as_str().unwrap();
    let tested = app.expect(owner, Method::POST, &format!("/api/v1/integrations/{model_id}/test"), None, 200).await;
    assert_eq!((tested["ok"].as_bool(), tested["integration"]["status"].as_str()), (Some(false), Some("pending")));
    assert!(tested["integration"]["lastError"].as_str().unwrap().contains("does not resolve"), "{tested}");
    assert!(tested["integration"]["lastErrorAt"].is_string());

    // Another sub-account sees none of it.
    let other = Owner::create(&app, "other-integrations.test").await;
    for (method, path, body) in [
        (Method::GET, format!("/api/v1/integrations/{id}"), None),
        (Method::PATCH, format!("/api/v1/integrations/{id}"), Some(json!({"name": "Mine"}))),
        (Method::POST, format!("/api/v1/integrations/{id}/test"), None),
        (Method::DELETE, format!("/api/v1/integrations/{id}"), None),
    ] {
        let answer = app.expect(&other.token, method.clone(), &path, body, 404).await;
        assert_eq!(answer["code"], "not_found", "{method} {path}");
    }
    assert_eq!(app.expect(&other.token, Method::GET, "/api/v1/integrations", None, 200).await["total"], 0);

    // What is stored: ciphertext under the configured (or generated) key, no plaintext.
    let store = app.store().await;
    let repo = frontdesk_sea_orm::SeaOrmIntegrations::new(store.clone());
    let tenant = team.owner.sub_account_id.parse().unwrap();
    let stored = repo.get(tenant, id.parse::<IntegrationId>().unwrap()).await.unwrap();
    let expected_key = if profile == Profile::Production { "k2026" } else { "local1" };
    assert_eq!(stored.sealed_credentials.key_id(), expected_key);
    for secret in [SERVER_TOKEN, ROTATED_TOKEN] {
        assert!(!stored.sealed_credentials.as_bytes().windows(secret.len()).any(|w| w == secret.as_bytes()));
    }
    assert!(!stored.settings.to_value().to_string().contains(ROTATED_TOKEN));

    // Disconnected: listed, without secrets, unusable.
    app.expect(owner, Method::DELETE, &format!("/api/v1/integrations/{id}"), None, 204).await;
    let gone = app.expect(owner, Method::GET, &format!("/api/v1/integrations/{id}"), None, 200).await;
    assert_eq!((gone["status"].as_str(), &gone["secretFields"]), (Some("disconnected"), &json!([])));
    assert!(repo.get(tenant, id.parse().unwrap()).await.unwrap().sealed_credentials.is_empty(), "credentials erased");
    store.close().await;
    app.expect(owner, Method::POST, &format!("/api/v1/integrations/{id}/test"), None, 422).await;
    app.expect(owner, Method::PATCH, &format!("/api/v1/integrations/{id}"), Some(json!({"name": "x"})), 422).await;
    app.expect(owner, Method::DELETE, &format!("/api/v1/integrations/{id}"), None, 422).await;
    let list = app.expect(owner, Method::GET, "/api/v1/integrations", None, 200).await;
    assert_eq!(list["total"], 2);

    // No response and no log line ever carried a secret.
    let responses = list.to_string() + &templates.to_string();
    let logs = logs.text();
    assert!(logs.contains("integration tested"), "the logs were captured");
    for secret in [SERVER_TOKEN, ROTATED_TOKEN, OPENAI_KEY] {
        assert!(!responses.contains(secret), "a response carried {secret}");
        assert!(!logs.contains(secret), "the logs carried {secret}");
    }
}

const KEY_1: &str = "k1:AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
const KEY_2: &str = "k2:AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI=";

fn secret_of(n: usize) -> String {
    format!("whsec_{}", format!("c2VjcmV0LW51bWJlci0{n:04}").repeat(2))
}

/// Credentials sealed under an old key are re-sealed under the new one by
/// `rotate-encryption-key` while the api (configured with both keys, new
/// first) keeps serving changes and checks of the same integrations; then
/// the new key alone opens everything, each secret intact.
async fn key_rotation_while_the_api_serves(profile: Profile) {
    use frontdesk_integrations::testing::ScriptedChecks;
    use frontdesk_integrations::{Integrations, NewIntegration};
    let app = TestApp::builder(profile).env("ENCRYPTION_KEYS", &format!("{KEY_2},{KEY_1}")).spawn().await;
    let owner = Owner::create(&app, "rotation.test").await;
    let tenant: frontdesk_kernel::TenantId = owner.sub_account_id.parse().unwrap();
    let store = app.store().await;
    let repo = Arc::new(frontdesk_sea_orm::SeaOrmIntegrations::new(store.clone()));
    let with_keys = |keys: &str| {
        let keyring = Arc::new(frontdesk_crypto::AesGcmKeyring::parse(keys).unwrap());
        let (repo, checks) = (repo.clone(), Arc::new(ScriptedChecks::default()));
        async move {
            let integrations = Integrations::new(
                repo.clone(),
                repo.clone(),
                keyring,
                checks.clone(),
                Arc::new(frontdesk_kernel::SystemClock),
            );
            (integrations, checks)
        }
    };

    // Twelve integrations sealed under the old key, as an older deployment left them.
    let (old, _) = with_keys(KEY_1).await;
    let mut ids = Vec::new();
    for n in 0..12 {
        let settings = json!({"url": format!("https://hooks.example.com/{n}"), "signingSecret": secret_of(n)});
        let input = NewIntegration { kind: "webhook".into(), name: format!("Hook {n}"), settings: Some(settings) };
        ids.push(old.create(tenant, input).await.unwrap().id);
    }

    // Rotate in small batches while the api renames and checks the same integrations.
    let mut vars: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    vars.insert("APP_ENV".into(), "test".into());
    vars.insert("DATABASE_URL".into(), app.database_url.clone());
    vars.insert("ENCRYPTION_KEYS".into(), format!("{KEY_2},{KEY_1}"));
    let settings = frontdesk_runtime::Settings::from_vars(&vars).unwrap();
    let rotation = frontdesk_runtime::integrations::rotate_encryption_key(&settings, &store, 2);
    // A write that raced a re-seal is a 409 (read again, retry), never an old key put back.
    let until_done = |method: Method, path: String, body: Option<Value>| {
        let (app, token) = (&app, owner.token.clone());
        async move {
            for _ in 0..5 {
                let (status, answer) = app.call(&token, method.clone(), &path, body.clone()).await;
                match status {
                    200 => return answer,
                    409 => continue,
                    other => panic!("{method} {path}: {other} {answer}"),
                }
            }
            panic!("{method} {path}: still conflicting");
        }
    };
    let serving = async {
        for (n, id) in ids.iter().enumerate() {
            let path = format!("/api/v1/integrations/{id}");
            if n % 3 == 0 {
                until_done(Method::PATCH, path.clone(), Some(json!({"name": format!("Renamed {n}")}))).await;
            }
            let tested = until_done(Method::POST, format!("{path}/test"), None).await;
            assert_eq!(tested["integration"]["secretFields"], json!(["signingSecret"]), "{tested}");
        }
    };
    let (report, ()) = tokio::join!(rotation, serving);
    let report = report.unwrap();
    assert!(report.failed.is_empty() && report.complete, "{report:?}");
    assert!(report.resealed <= 12, "{report:?}");
    let left = frontdesk_integrations::IntegrationRepository::sealed_under_other_keys(repo.as_ref(), "k2", None, 100);
    assert!(left.await.unwrap().is_empty(), "everything is sealed under k2");

    // The new key alone opens every secret, unchanged.
    let (new, checks) = with_keys(KEY_2).await;
    for id in &ids {
        new.test(tenant, *id).await.unwrap();
    }
    let mut opened: Vec<String> =
        checks.seen().iter().map(|(_, _, s)| s.str("signingSecret").unwrap().to_owned()).collect();
    let mut expected: Vec<String> = (0..12).map(secret_of).collect();
    opened.sort();
    expected.sort();
    assert_eq!(opened, expected);
    store.close().await;
}

crate::per_profile!(
    a_full_life_cycle_never_shows_a_secret,
    key_rotation_while_the_api_serves,
    gohighlevel_contacts_become_leads_only_when_signed,
    webhook_endpoints_inside_our_network_are_refused,
    a_webhook_check_is_a_delivery_the_standard_webhooks_algorithm_verifies,
    leads_made_here_become_gohighlevel_contacts,
    a_gohighlevel_location_s_contacts_are_imported_as_leads
);

/// `POST /api/v1/integrations/{id}/sync` imports the location's contacts
/// (GoHighLevel's contacts description in Prism answers its example page)
/// as leads in a job that reports its result; a pending integration, or
/// another kind, is refused; another sub-account's integration is 404.
async fn a_gohighlevel_location_s_contacts_are_imported_as_leads(profile: Profile) {
    let Some(ghl) = Prism::serve("crates/adapters/gohighlevel/tests/fixtures/apps/contacts.json") else { return };
    let app = TestApp::builder(profile).vendor("gohighlevel_api", &ghl.url).spawn().await;
    let owner = Owner::create(&app, "ghl-import.test").await;
    let settings = json!({"locationId": "loc_Acme0000000000001", "privateIntegrationToken": "pit-0123456789abcdef"});
    let body = json!({"kind": "gohighlevel", "name": "CRM", "settings": settings});
    let created = app.expect(&owner.token, Method::POST, "/api/v1/integrations", Some(body), 201).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let sync = format!("/api/v1/integrations/{id}/sync");
    let refused = app.expect(&owner.token, Method::POST, &sync, None, 400).await;
    assert!(refused["message"][0].as_str().unwrap().starts_with("status:"), "pending: {refused}");
    app.expect(&owner.token, Method::POST, &format!("/api/v1/integrations/{id}/test"), None, 200).await;
    let other = Owner::create(&app, "ghl-import-other.test").await;
    app.expect(&other.token, Method::POST, &sync, None, 404).await;
    let agent = crate::helpers::member(&app, &owner.token, "agent@ghl-import.test", "agent").await;
    app.expect(&agent, Method::POST, &sync, None, 403).await;

    let started = app.expect(&owner.token, Method::POST, &sync, None, 202).await;
    let job = app.wait_for_job(&owner.token, started["jobId"].as_str().unwrap()).await;
    assert_eq!(job["status"], "completed", "{job}");
    let imported = job["result"]["imported"].as_u64().unwrap() + job["result"]["ignored"].as_u64().unwrap();
    assert!(imported >= 1, "the example page holds contacts: {job}");
    let leads = app.expect(&owner.token, Method::GET, "/api/v1/leads?source=integration", None, 200).await;
    assert_eq!(leads["total"].as_u64(), job["result"]["imported"].as_u64(), "{leads}");
    // Again: the same contacts update their leads, never duplicate them.
    let again = app.expect(&owner.token, Method::POST, &sync, None, 202).await;
    app.wait_for_job(&owner.token, again["jobId"].as_str().unwrap()).await;
    let after = app.expect(&owner.token, Method::GET, "/api/v1/leads?source=integration", None, 200).await;
    assert_eq!(after["total"], leads["total"]);
}

/// A lead created, then renamed, in Frontdesk is pushed to GoHighLevel (its
/// contacts API description in Prism validates every request): the contact
/// id is linked to the lead and the pushed state recorded; an unchanged
/// lead is not pushed again.
async fn leads_made_here_become_gohighlevel_contacts(profile: Profile) {
    use frontdesk_integrations::webhooks::ExternalLinks;
    let Some(ghl) = Prism::serve("crates/adapters/gohighlevel/tests/fixtures/apps/contacts.json") else { return };
    let app = TestApp::builder(profile).vendor("gohighlevel_api", &ghl.url).spawn().await;
    let owner = Owner::create(&app, "ghl-push.test").await;
    let settings = json!({"locationId": "loc_Acme0000000000001", "privateIntegrationToken": "pit-0123456789abcdef"});
    let body = json!({"kind": "gohighlevel", "name": "CRM", "settings": settings});
    let created = app.expect(&owner.token, Method::POST, "/api/v1/integrations", Some(body), 201).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let tested = app.expect(&owner.token, Method::POST, &format!("/api/v1/integrations/{id}/test"), None, 200).await;
    assert_eq!(tested["integration"]["status"], "active", "{tested}");

    let lead = json!({"name": "Ana Lopez", "email": "ana@ghl-push.test", "phone": "+14155550123"});
    let lead = app.expect(&owner.token, Method::POST, "/api/v1/leads", Some(lead), 201).await;
    let lead_id: frontdesk_kernel::LeadId = lead["id"].as_str().unwrap().parse().unwrap();
    let links = frontdesk_sea_orm::SeaOrmIntegrations::new(app.store().await);
    let integration: frontdesk_integrations::IntegrationId = id.parse().unwrap();
    let synced = |want: &'static str| {
        let links = links.clone();
        async move {
            for _ in 0..300 {
                if let Some(contact) = links.contact_of(integration, lead_id).await.unwrap()
                    && contact.fingerprint.as_deref().is_some_and(|f| f.starts_with(want))
                {
                    return contact;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            panic!("the lead was not pushed as {want}");
        }
    };
    let first = synced("Ana Lopez").await;
    assert!(!first.external_id.is_empty());
    let path = format!("/api/v1/leads/{lead_id}");
    app.expect(&owner.token, Method::PATCH, &path, Some(json!({"name": "Ana L."})), 200).await;
    let second = synced("Ana L.").await;
    assert_eq!(second.fingerprint.unwrap(), "Ana L.\u{1f}ana@ghl-push.test\u{1f}+14155550123");
}

const GHL_VECTORS: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/vectors/ghl_webhooks.json"));

/// GoHighLevel's contact events, signed as its SDK signs them (the vendor
/// vectors, with their throwaway key configured): a lead is created once,
/// follows the contact's changes, and nothing unsigned gets in.
async fn gohighlevel_contacts_become_leads_only_when_signed(profile: Profile) {
    let vectors: Value = serde_json::from_str(GHL_VECTORS).unwrap();
    let key = vectors["test_keys"]["ed25519_public_pem"].as_str().unwrap();
    let Some(ghl) = Prism::serve("crates/adapters/gohighlevel/tests/fixtures/apps/contacts.json") else { return };
    let app = TestApp::builder(profile)
        .env("GOHIGHLEVEL_WEBHOOK_PUBLIC_KEY", key)
        .vendor("gohighlevel_api", &ghl.url)
        .spawn()
        .await;
    let owner = Owner::create(&app, "ghl.test").await;
    let settings = json!({"locationId": "loc_Acme0000000000001", "privateIntegrationToken": "pit-0123456789abcdef"});
    let created = app
        .expect(
            &owner.token,
            Method::POST,
            "/api/v1/integrations",
            Some(json!({"kind": "gohighlevel", "name": "CRM", "settings": settings})),
            201,
        )
        .await;
    let id = created["id"].as_str().unwrap();
    let url = format!("{}/webhooks/gohighlevel/{id}", app.address);
    let vector = |event: &str| {
        let v = vectors["vectors"].as_array().unwrap().iter().find(|v| v["event"] == event).unwrap();
        (v["raw_body"].as_str().unwrap().to_owned(), v["x_ghl_signature"].as_str().unwrap().to_owned())
    };
    let post = |url: String, body: String, signature: Option<String>| {
        let mut request = app.client.post(url).header("content-type", "application/json").body(body);
        if let Some(signature) = signature {
            request = request.header("x-ghl-signature", signature);
        }
        async move {
            let response = request.send().await.unwrap();
            (response.status().as_u16(), response.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let leads = || app.expect(&owner.token, Method::GET, "/api/v1/leads", None, 200);

    // Unsigned, forged, re-serialised, the legacy RSA header, or signed with another key: 403, nothing stored.
    let (body, signature) = vector("ContactCreate");
    let pretty = serde_json::to_string_pretty(&serde_json::from_str::<Value>(&body).unwrap()).unwrap();
    let legacy = vectors["vectors"][0]["legacy_x_wh_signature_rsa_sha256"].as_str().unwrap().to_owned();
    let tampered = body.replace("José", "Eve");
    for (what, body, signature) in [
        ("unsigned", body.clone(), None),
        ("empty", body.clone(), Some(String::new())),
        ("tampered", tampered, Some(signature.clone())),
        ("re-serialised", pretty, Some(signature.clone())),
        ("legacy", body.clone(), Some(legacy)),
    ] {
        let (status, answer) = post(url.clone(), body, signature).await;
        assert_eq!((status, answer["code"].as_str()), (403, Some("forbidden")), "{what}: {answer}");
    }
    assert_eq!(leads().await["total"], 0);

    // Signed, but the integration is unverified: its location id is only what the tenant typed.
    let (status, answer) = post(url.clone(), body.clone(), Some(signature.clone())).await;
    assert_eq!((status, answer["status"].as_str()), (200, Some("ignored")), "{answer}");
    let tested = app.expect(&owner.token, Method::POST, &format!("/api/v1/integrations/{id}/test"), None, 200).await;
    assert_eq!(tested["integration"]["status"], "active", "{tested}");

    // Signed and verified: one lead, once.
    let (status, answer) = post(url.clone(), body.clone(), Some(signature.clone())).await;
    assert_eq!((status, answer["status"].as_str()), (200, Some("applied")), "{answer}");
    let lead_id = answer["leadId"].as_str().unwrap().to_owned();
    let lead = app.expect(&owner.token, Method::GET, &format!("/api/v1/leads/{lead_id}"), None, 200).await;
    assert_eq!((lead["name"].as_str(), lead["source"].as_str()), (Some("José Müller"), Some("integration")));
    assert_eq!(lead["email"], "jose.muller@example.com");
    let (status, answer) = post(url.clone(), body, Some(signature)).await;
    assert_eq!((status, answer["status"].as_str()), (200, Some("duplicate")), "{answer}");

    // The contact's change reaches the same lead; appointments are not used yet.
    let (body, signature) = vector("ContactUpdate");
    let (_, answer) = post(url.clone(), body, Some(signature)).await;
    assert_eq!((answer["status"].as_str(), answer["leadId"].as_str()), (Some("applied"), Some(lead_id.as_str())));
    let lead = app.expect(&owner.token, Method::GET, &format!("/api/v1/leads/{lead_id}"), None, 200).await;
    assert_eq!(lead["email"], "jose.m@example.com");
    let (body, signature) = vector("AppointmentCreate");
    let (_, answer) = post(url.clone(), body, Some(signature)).await;
    assert_eq!(answer["status"], "ignored", "{answer}");
    assert_eq!(leads().await["total"], 1);

    // A signed event for an integration that is not there: 404.
    let (body, signature) = vector("ContactCreate");
    for id in [uuid::Uuid::now_v7().to_string(), "not-an-id".to_owned()] {
        let (status, _) =
            post(format!("{}/webhooks/gohighlevel/{id}", app.address), body.clone(), Some(signature.clone())).await;
        assert_eq!(status, 404, "{id}");
    }
    let metrics = app.client.get(format!("{}/metrics", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("webhook_rejections_total{vendor=\"gohighlevel\"} 5"), "{metrics}");
}

/// A webhook receiver on 127.0.0.1 answering `status`, keeping what it got.
async fn receiver(status: &'static str) -> (String, Arc<Mutex<Vec<Received>>>) {
    let receiver = Receiver::start(status).await;
    (receiver.url.clone(), receiver.seen.clone())
}

/// Loopback, private and metadata URLs are refused when an integration is
/// made or changed (by literal and by a name resolving there); nothing is stored.
async fn webhook_endpoints_inside_our_network_are_refused(profile: Profile) {
    let app = TestApp::builder(profile).spawn().await;
    let owner = Owner::create(&app, "ssrf.test").await;
    let (url, seen) = receiver("200 OK").await;
    let localhost = url.replace("127.0.0.1", "localhost");
    for (target, reason) in [
        (url.as_str(), "loopback"),
        (localhost.as_str(), "resolves to a loopback"),
        ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
        ("http://[::ffff:10.0.0.7]/hook", "private"),
    ] {
        let body = json!({"kind": "webhook", "name": "Hook", "settings": {"url": target}});
        let answer = app.expect(&owner.token, Method::POST, "/api/v1/integrations", Some(body), 400).await;
        let message = answer["message"][0].as_str().unwrap();
        assert!(message.starts_with("settings.url:") && message.contains(reason), "{target}: {answer}");
    }
    assert_eq!(app.expect(&owner.token, Method::GET, "/api/v1/integrations", None, 200).await["total"], 0);
    let body = json!({"kind": "webhook", "name": "Hook", "settings": {"url": "https://hooks.example.com/frontdesk"}});
    let created = app.expect(&owner.token, Method::POST, "/api/v1/integrations", Some(body), 201).await;
    let path = format!("/api/v1/integrations/{}", created["id"].as_str().unwrap());
    let answer = app.expect(&owner.token, Method::PATCH, &path, Some(json!({"settings": {"url": url}})), 400).await;
    assert!(answer["message"][0].as_str().unwrap().contains("loopback"), "{answer}");
    assert!(seen.lock().unwrap().is_empty(), "the receiver was never called");
}

/// With private receivers allowed (tests, self-hosting), `test` delivers a
/// signed `integration.test` event that a receiver verifies with the
/// Standard Webhooks algorithm; a failing receiver makes it a failed check.
async fn a_webhook_check_is_a_delivery_the_standard_webhooks_algorithm_verifies(profile: Profile) {
    let app = TestApp::builder(profile).env("ALLOW_PRIVATE_WEBHOOKS", "true").spawn().await;
    let owner = Owner::create(&app, "hooks.test").await;
    let secret = frontdesk_crypto::generate_webhook_secret().unwrap();
    let (url, seen) = receiver("200 OK").await;
    let body = json!({"kind": "webhook", "name": "Hook", "settings": {"url": url, "signingSecret": secret}});
    let created = app.expect(&owner.token, Method::POST, "/api/v1/integrations", Some(body), 201).await;
    assert_eq!(created["secretFields"], json!(["signingSecret"]));
    let id = created["id"].as_str().unwrap();
    let tested = app.expect(&owner.token, Method::POST, &format!("/api/v1/integrations/{id}/test"), None, 200).await;
    assert_eq!(
        (tested["ok"].as_bool(), tested["integration"]["status"].as_str()),
        (Some(true), Some("active")),
        "{tested}"
    );
    let delivered = seen.lock().unwrap().first().cloned().expect("one delivery");
    let now = chrono::Utc::now().timestamp();
    assert!(frontdesk_crypto::verify_webhook(
        &[&secret],
        delivered.header("webhook-id"),
        delivered.header("webhook-timestamp"),
        delivered.header("webhook-signature"),
        &delivered.body,
        now,
        300
    ));
    let event: Value = serde_json::from_slice(&delivered.body).unwrap();
    assert_eq!(event["type"], "integration.test");
    assert!(!String::from_utf8_lossy(&delivered.body).contains(&secret));

    let (failing, _) = receiver("500 Internal Server Error").await;
    let body = json!({"kind": "webhook", "name": "Down", "settings": {"url": failing}});
    let down = app.expect(&owner.token, Method::POST, "/api/v1/integrations", Some(body), 201).await;
    let tested = app
        .expect(
            &owner.token,
            Method::POST,
            &format!("/api/v1/integrations/{}/test", down["id"].as_str().unwrap()),
            None,
            200,
        )
        .await;
    assert_eq!(tested["ok"], false);
    assert!(tested["message"].as_str().unwrap().contains("answered 500"), "{tested}");
}
