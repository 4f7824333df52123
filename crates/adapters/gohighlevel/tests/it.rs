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
