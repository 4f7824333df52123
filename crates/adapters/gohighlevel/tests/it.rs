//! The GoHighLevel adapter against the vendor's own material: the webhook
//! vectors signed by `@gohighlevel/api-client`'s `WebhookManager` (the
//! repository's `tests/fixtures/vectors/`), and the contacts API description served by
//! Stoplight Prism (which checks the `Version` header and bearer token).
//! Without Prism these tests say so and pass; under `CI=true` they fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use frontdesk_gohighlevel::GhlSignatures;
use frontdesk_integrations::WebhookSignatures;
use serde_json::Value;
use std::time::Duration;

const VECTORS: &str =
    include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../tests/fixtures/vectors/ghl_webhooks.json"));
const SPEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/apps/contacts.json");

#[test]
fn the_verifier_agrees_with_every_verdict_of_the_vendors_sdk() {
    let vectors: Value = serde_json::from_str(VECTORS).unwrap();
    let keys = &vectors["test_keys"];
    let by_pem = GhlSignatures::new(keys["ed25519_public_pem"].as_str().unwrap()).unwrap();
    let by_raw = GhlSignatures::new(keys["ed25519_public_raw_b64"].as_str().unwrap()).unwrap();
    let official = GhlSignatures::new(vectors["scheme"]["official_public_key_pem"].as_str().unwrap()).unwrap();
    let cases = vectors["vectors"].as_array().unwrap();
    assert_eq!(cases.len(), 3);
    for case in cases {
        let event = case["event"].as_str().unwrap();
        let body = case["raw_body"].as_str().unwrap().as_bytes();
        let signature = case["x_ghl_signature"].as_str().unwrap();
        let verdicts = &case["sdk_verdicts"];
        assert_eq!(by_pem.verify(body, Some(signature)), verdicts["ed25519_valid_pem_key"] == true, "{event} pem");
        assert_eq!(by_raw.verify(body, Some(signature)), verdicts["ed25519_valid_raw_b64_key"] == true, "{event} raw");
        let mut tampered = body.to_vec();
        let last = tampered.len() - 2;
        tampered[last] ^= 1;
        assert_eq!(
            by_pem.verify(&tampered, Some(signature)),
            verdicts["ed25519_tampered_body"] == true,
            "{event} tampered"
        );
        let pretty = serde_json::to_vec_pretty(&serde_json::from_slice::<Value>(body).unwrap()).unwrap();
        assert_eq!(
            by_pem.verify(&pretty, Some(signature)),
            verdicts["ed25519_reserialized_pretty_json"] == true,
            "{event} re-serialised"
        );
        assert_eq!(
            official.verify(body, Some(signature)),
            verdicts["ed25519_against_official_ghl_key"] == true,
            "{event} official key"
        );
        assert_eq!(by_pem.verify(body, Some("")), verdicts["ed25519_empty_signature"] == true, "{event} empty");
        // Where the vendor's SDK lets a request through, we refuse it.
        assert!(!by_pem.verify(body, None), "{event}: a missing header fails closed");
        assert!(!by_pem.verify(body, Some("not base64 !")), "{event}: garbage fails closed");
        let legacy = case["legacy_x_wh_signature_rsa_sha256"].as_str().unwrap();
        assert!(!by_pem.verify(body, Some(legacy)), "{event}: the legacy RSA header is not accepted");
    }
}

fn prism() -> Option<frontdesk_test_support::Prism> {
    frontdesk_test_support::Prism::serve(SPEC)
}

#[tokio::test]
async fn a_token_check_is_a_contacts_search_the_description_accepts() {
    let Some(prism) = prism() else { return };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let token = secrecy::SecretString::from("pit-0123456789abcdef".to_owned());
    let reached =
        frontdesk_gohighlevel::check_location(&prism.url, &token, "ve9EPM428h8vShlRW1KT", Duration::from_secs(10))
            .await;
    assert!(reached.as_ref().is_ok_and(|r| r.contains("answers contact searches")), "{reached:?}");
    // The control: without the Version header the description refuses the same request.
    let http = reqwest::Client::new();
    let bare = http
        .post(format!("{}/contacts/search", prism.url))
        .bearer_auth("pit-0123456789abcdef")
        .json(&serde_json::json!({"locationId": "ve9EPM428h8vShlRW1KT", "pageLimit": 1}))
        .send()
        .await
        .unwrap();
    assert!(bare.status().is_client_error(), "{}", bare.status());
    let why = frontdesk_gohighlevel::check_location("http://127.0.0.1:9", &token, "x", Duration::from_secs(5)).await;
    assert!(why.unwrap_err().contains("could not be reached"));
}

fn contact() -> frontdesk_integrations::crm::CrmContact {
    frontdesk_integrations::crm::CrmContact {
        name: "Ana Lopez".into(),
        phone: Some("+14155550100".into()),
        email: Some("ana@example.com".into()),
        source: "Frontdesk (web)".into(),
    }
}

#[tokio::test]
async fn a_lead_is_upserted_or_updated_as_the_description_expects() {
    let Some(prism) = prism() else { return };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let token = secrecy::SecretString::from("pit-0123456789abcdef".to_owned());
    let contacts = frontdesk_gohighlevel::GhlContacts::new(&prism.url, Duration::from_secs(10)).unwrap();
    // Prism validates the request (Version header, bearer token, body) and answers the example.
    let created = contacts.upsert(&token, "ve9EPM428h8vShlRW1KT", None, &contact()).await;
    assert!(created.as_ref().is_ok_and(|id| !id.is_empty()), "{created:?}");
    let updated = contacts.upsert(&token, "ve9EPM428h8vShlRW1KT", Some("ocQHyuzHvysMo5N5VsXc"), &contact()).await;
    assert!(updated.as_ref().is_ok_and(|id| !id.is_empty()), "{updated:?}");
}

/// A server answering every request with `status` (and `extra` headers).
async fn answering(status: &'static str, extra: &'static str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buffer = [0u8; 8192];
            let _ = socket.read(&mut buffer).await;
            let reply = format!("HTTP/1.1 {status}\r\n{extra}content-length: 2\r\nconnection: close\r\n\r\n{{}}");
            let _ = socket.write_all(reply.as_bytes()).await;
        }
    });
    url
}

#[tokio::test]
async fn a_429_carries_its_retry_after_and_other_failures_say_whether_a_retry_can_help() {
    use frontdesk_integrations::crm::CrmError;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let token = secrecy::SecretString::from("pit-0123456789abcdef".to_owned());
    let limited = answering("429 Too Many Requests", "retry-after: 30\r\n").await;
    let contacts = frontdesk_gohighlevel::GhlContacts::new(&limited, Duration::from_secs(5)).unwrap();
    assert_eq!(
        contacts.upsert(&token, "loc", None, &contact()).await,
        Err(CrmError::RateLimited(Some(Duration::from_secs(30))))
    );
    let down = answering("503 Service Unavailable", "").await;
    let contacts = frontdesk_gohighlevel::GhlContacts::new(&down, Duration::from_secs(5)).unwrap();
    assert!(matches!(contacts.upsert(&token, "loc", None, &contact()).await, Err(CrmError::Unavailable(_))));
    let refused = answering("401 Unauthorized", "").await;
    let contacts = frontdesk_gohighlevel::GhlContacts::new(&refused, Duration::from_secs(5)).unwrap();
    assert!(
        matches!(contacts.upsert(&token, "loc", Some("c1"), &contact()).await, Err(CrmError::Refused(why)) if why.starts_with("401"))
    );
    let gone = frontdesk_gohighlevel::GhlContacts::new("http://127.0.0.1:9", Duration::from_secs(5)).unwrap();
    assert!(matches!(gone.upsert(&token, "loc", None, &contact()).await, Err(CrmError::Unavailable(_))));
}

const CALENDARS_SPEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/apps/calendars.json");

/// Appointments and busy reads, validated by the calendars description in
/// Prism (its `Version: 2021-04-15`, bearer token, query and body schemas);
/// the control shows the description refuses the contacts service's version.
#[tokio::test]
async fn appointments_and_busy_reads_are_requests_the_calendars_description_accepts() {
    let Some(prism) = frontdesk_test_support::Prism::serve(CALENDARS_SPEC) else { return };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let token = secrecy::SecretString::from("pit-0123456789abcdef".to_owned());
    let calendars = frontdesk_gohighlevel::GhlCalendars::new(&prism.url, Duration::from_secs(10)).unwrap();
    let start = chrono::Utc::now() + chrono::Duration::days(1);
    let appointment = frontdesk_gohighlevel::Appointment {
        title: "Ana — Visit",
        starts_at: start,
        ends_at: start + chrono::Duration::minutes(30),
    };
    let created = calendars
        .create(&token, "ve9EPM428h8vShlRW1KT", "BqTwX8QFwXzpegMve9EQ", "9NkT25Vor1v4aQatFsv2", &appointment)
        .await;
    assert!(created.as_ref().is_ok_and(|id| !id.is_empty()), "{created:?}");
    let id = created.unwrap();
    let moved = calendars.update(&token, &id, &appointment).await;
    assert!(moved.is_ok(), "{moved:?}");
    let cancelled = calendars.cancel(&token, &id).await;
    assert!(cancelled.is_ok(), "{cancelled:?}");
    let busy = calendars
        .busy(&token, "ve9EPM428h8vShlRW1KT", "BqTwX8QFwXzpegMve9EQ", start, start + chrono::Duration::days(7))
        .await;
    assert!(busy.is_ok(), "{busy:?}");

    let http = reqwest::Client::new();
    let wrong = http
        .post(format!("{}/calendars/events/appointments", prism.url))
        .bearer_auth("pit-0123456789abcdef")
        .header("Version", frontdesk_gohighlevel::CONTACTS_VERSION)
        .json(&serde_json::json!({"calendarId": "c", "locationId": "l", "contactId": "x", "startTime": "2026-01-01T10:00:00Z"}))
        .send()
        .await
        .unwrap();
    assert!(wrong.status().is_client_error(), "the contacts Version is refused here: {}", wrong.status());
}
