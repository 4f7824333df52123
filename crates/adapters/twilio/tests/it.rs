//! The signature verifier against every verdict twilio-python gave
//! (`fixtures/twilio_signatures.json`, copied from `../shared/vectors`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use frontdesk_receptionist::channels::webhook::SignedRequests;
use frontdesk_twilio::TwilioSignatures;
use secrecy::SecretString;
use serde_json::Value;

fn vectors() -> Value {
    serde_json::from_str(include_str!("fixtures/twilio_signatures.json")).unwrap()
}

fn params(v: &Value) -> Vec<(String, String)> {
    v["params"]
        .as_array()
        .map(|ps| ps.iter().map(|p| (p[0].as_str().unwrap().to_owned(), p[1].as_str().unwrap().to_owned())).collect())
        .unwrap_or_default()
}

fn verifier(v: &Value) -> TwilioSignatures {
    TwilioSignatures::new(Some(&SecretString::from(v["auth_token"].as_str().unwrap().to_owned())))
}

/// The form parameters a vector signs: a GET (or JSON body) signs its URL alone.
fn signed_params(v: &Value) -> Vec<(String, String)> {
    let json_body = v.get("body").is_some() || v["url"].as_str().unwrap().contains("bodySHA256=");
    if v["method"] == "GET" || json_body { Vec::new() } else { params(v) }
}

#[test]
fn every_positive_vector_verifies_and_is_signed_alike() {
    let all = vectors();
    let list = all["vectors"].as_array().unwrap();
    assert_eq!(list.len(), 15);
    for v in list {
        let id = v["id"].as_str().unwrap();
        let url = v["url"].as_str().unwrap();
        let signature = v["expected_signature"].as_str().unwrap();
        let verifier = verifier(v);
        let ps = signed_params(v);
        assert_eq!(verifier.sign(url, &ps).as_deref(), Some(signature), "{id}: the same signature");
        assert!(verifier.verify(url, &ps, signature), "{id}: verifies");
        if let Some(body) = v.get("body").and_then(Value::as_str) {
            assert!(verifier.verify_json(url, body.as_bytes(), signature), "{id}: the body hash matches");
            assert!(!verifier.verify_json(url, b"{}", signature), "{id}: another body does not");
        }
    }
}

#[test]
fn every_negative_vector_gets_the_libraries_verdict() {
    let all = vectors();
    let base: std::collections::HashMap<&str, &Value> =
        all["vectors"].as_array().unwrap().iter().map(|v| (v["id"].as_str().unwrap(), v)).collect();
    let list = all["negative"].as_array().unwrap();
    assert_eq!(list.len(), 17);
    for v in list {
        let id = v["id"].as_str().unwrap();
        let original = base[v["base"].as_str().unwrap()];
        // A mutation carries its own params when it changed them.
        let mut merged = (*original).clone();
        for key in ["params", "body", "url"] {
            if let Some(value) = v.get(key) {
                merged[key] = value.clone();
            }
        }
        let (url, signature) = (v["url"].as_str().unwrap(), v["signature"].as_str().unwrap());
        let verdict = match merged.get("body").and_then(Value::as_str) {
            Some(body) => verifier(v).verify_json(url, body.as_bytes(), signature),
            None => verifier(v).verify(url, &signed_params(&merged), signature),
        };
        assert_eq!(verdict, v["valid"].as_bool().unwrap(), "{id}");
    }
}

#[test]
fn every_port_probe_gets_the_libraries_verdict() {
    let all = vectors();
    let token = all["vectors"][0]["auth_token"].as_str().unwrap().to_owned();
    let verifier = TwilioSignatures::new(Some(&SecretString::from(token)));
    for probe in all["port_probes"].as_array().unwrap() {
        let verdict = verifier.verify(
            probe["validated_url"].as_str().unwrap(),
            &params(probe),
            probe["signature"].as_str().unwrap(),
        );
        assert_eq!(verdict, probe["valid"].as_bool().unwrap(), "{probe}");
    }
}

#[test]
fn a_signature_for_another_token_or_no_token_fails_closed() {
    let all = vectors();
    let v = &all["vectors"][0];
    let signature = v["expected_signature"].as_str().unwrap();
    let other = TwilioSignatures::new(Some(&SecretString::from("ffffffffffffffffffffffffffffffff".to_owned())));
    assert!(!other.verify(v["url"].as_str().unwrap(), &params(v), signature));
    assert!(!TwilioSignatures::new(None).verify(v["url"].as_str().unwrap(), &params(v), signature));
    assert!(!verifier(v).verify(v["url"].as_str().unwrap(), &params(v), "not base64 !!"));
}
