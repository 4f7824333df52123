//! The signature verifier against every verdict twilio-python gave
//! (`fixtures/twilio_signatures.json`, the vendor's vectors copied into this crate).
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

mod messages {
    //! Texts against Twilio's own API description (`CreateMessage`,
    //! trimmed from twilio/twilio-oai, in `tests/fixtures/`) served by
    //! Stoplight Prism, which validates our form and basic auth; faults
    //! Twilio does not describe (429, 500, a refusal) from a local server.
    //! Prism is installed by `scripts/test.sh`; without it these tests say
    //! so and pass, under `CI=true` they fail.

    use async_trait::async_trait;
    use frontdesk_kernel::messaging::{MessageChannel, MessagingError, OutboundMessage, OutboundMessenger, Sent};
    use frontdesk_kernel::{PhoneNumber, RateDecision, RateLimitError, RateLimiter, TenantId};
    use frontdesk_receptionist::channels::routing::{NumberChannel, PhoneNumberId, PhoneNumberRoute, SmsSenders};
    use frontdesk_twilio::{TwilioConfig, TwilioMessenger};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::time::Duration;

    const SPEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/twilio_api_v2010.trimmed.json");
    const SID: &str = "AC00000000000000000000000000000001";

    fn prism() -> Option<frontdesk_test_support::Prism> {
        frontdesk_test_support::Prism::serve(SPEC)
    }

    /// Every tenant texts from +14155550199.
    struct OneNumber;

    #[async_trait]
    impl SmsSenders for OneNumber {
        async fn sms_number(&self, tenant: TenantId) -> frontdesk_receptionist::Result<Option<PhoneNumberRoute>> {
            Ok(Some(PhoneNumberRoute {
                id: PhoneNumberId::new(),
                tenant_id: tenant,
                number: PhoneNumber::parse("+14155550199").unwrap(),
                channel: NumberChannel::Both,
                strategy_id: None,
                created_at: chrono::Utc::now(),
            }))
        }
    }

    /// Allows `limit` hits in all, then refuses.
    struct Budget(AtomicU32, u32);

    #[async_trait]
    impl RateLimiter for Budget {
        async fn hit(&self, _: &str, _: u32, window: Duration) -> Result<RateDecision, RateLimitError> {
            let count = self.0.fetch_add(1, Ordering::SeqCst) + 1;
            Ok(RateDecision::from_count(u64::from(count), self.1, window))
        }
    }

    fn messenger(base: &str, budget: u32) -> TwilioMessenger {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let config = TwilioConfig {
            account_sid: SID.into(),
            auth_token: secrecy::SecretString::from("0123456789abcdef0123456789abcdef".to_owned()),
            base_url: base.into(),
            per_number_per_minute: budget,
            timeout: Duration::from_secs(5),
        };
        TwilioMessenger::new(config, Arc::new(OneNumber), Arc::new(Budget(AtomicU32::new(0), budget))).unwrap()
    }

    fn text(body: &str) -> OutboundMessage {
        OutboundMessage {
            tenant_id: TenantId::new(),
            channel: MessageChannel::Sms,
            to: "+14155550123".into(),
            subject: None,
            body: body.into(),
            dedupe_key: "k".into(),
            headers: Vec::new(),
        }
    }

    #[tokio::test]
    async fn our_texts_validate_against_twilios_description() {
        let Some(prism) = prism() else { return };
        let sent = messenger(&prism.url, 100).send(&text("Booked for Tue 3 PM. Reply STOP to opt out. 🙂")).await;
        assert!(matches!(sent, Ok(Sent::New(_))), "{sent:?}");
        // The control: Prism refuses a form without `To` and a request without credentials.
        let http = reqwest::Client::new();
        let url = format!("{}/2010-04-01/Accounts/{SID}/Messages.json", prism.url);
        let missing = http.post(&url).basic_auth(SID, Some("t")).form(&[("Body", "x")]).send().await.unwrap();
        assert!(missing.status().is_client_error(), "{}", missing.status());
        let anonymous = http.post(&url).form(&[("To", "+14155550123"), ("Body", "x")]).send().await.unwrap();
        assert_eq!(anonymous.status().as_u16(), 401);
        // Not an SMS: refused before any request.
        let mut email = text("x");
        email.channel = MessageChannel::Email;
        assert!(matches!(messenger(&prism.url, 100).send(&email).await, Err(MessagingError::Rejected(_))));
    }

    #[tokio::test]
    async fn an_account_check_is_twilios_fetch_account() {
        let Some(prism) = prism() else { return };
        let _ = rustls::crypto::ring::default_provider().install_default();
        let token = secrecy::SecretString::from("0123456789abcdef0123456789abcdef".to_owned());
        let reached = frontdesk_twilio::check_account(&prism.url, SID, &token, Duration::from_secs(10)).await;
        assert!(reached.as_ref().is_ok_and(|r| r.starts_with("Twilio account ")), "{reached:?}");
        // The control: the same request without credentials is refused by the description.
        let anonymous = reqwest::get(format!("{}/2010-04-01/Accounts/{SID}.json", prism.url)).await.unwrap();
        assert_eq!(anonymous.status().as_u16(), 401);
        for (status, expected) in [
            ("401 Unauthorized", "refused the account SID or auth token"),
            ("500 Internal Server Error", "answered 500"),
        ] {
            let base = answering(status).await;
            let why = frontdesk_twilio::check_account(&base, SID, &token, Duration::from_secs(5)).await.unwrap_err();
            assert!(why.contains(expected) && !why.contains("0123456789abcdef"), "{status}: {why}");
        }
        let why = frontdesk_twilio::check_account("http://127.0.0.1:9", SID, &token, Duration::from_secs(5)).await;
        assert!(why.unwrap_err().contains("could not be reached"));
    }

    /// A server answering every request with `status`.
    async fn answering(status: &'static str) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut buffer = vec![0u8; 16 * 1024];
                let _ = socket.read(&mut buffer).await;
                let body = r#"{"code": 21610, "message": "Attempt to send to unsubscribed recipient"}"#;
                let response = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
            }
        });
        base
    }

    #[tokio::test]
    async fn faults_are_retryable_and_refusals_are_not() {
        for (status, retry) in
            [("429 Too Many Requests", true), ("500 Internal Server Error", true), ("400 Bad Request", false)]
        {
            let base = answering(status).await;
            match messenger(&base, 100).send(&text("hi")).await {
                Err(MessagingError::Unavailable(_)) => assert!(retry, "{status}"),
                Err(MessagingError::Rejected(why)) => {
                    assert!(!retry, "{status}");
                    assert!(why.contains("21610"), "{why}");
                }
                other => panic!("{status}: {other:?}"),
            }
        }
        // Nothing listening: unavailable.
        let closed = messenger("http://127.0.0.1:9", 100).send(&text("hi")).await;
        assert!(matches!(closed, Err(MessagingError::Unavailable(_))));
    }

    #[tokio::test]
    async fn a_number_over_its_send_rate_waits_for_the_retry() {
        let base = answering("201 Created").await;
        let texts = messenger(&base, 2);
        assert!(texts.send(&text("1")).await.is_ok());
        assert!(texts.send(&text("2")).await.is_ok());
        assert!(matches!(texts.send(&text("3")).await, Err(MessagingError::Unavailable(_))));
    }
}

/// Recording media against a local server playing Twilio's media endpoint
/// (the API description covers the recording's JSON, not its audio).
mod recordings {
    use frontdesk_kernel::TenantId;
    use frontdesk_receptionist::channels::recordings::{RecordingError, RecordingSource};
    use frontdesk_twilio::TwilioRecordings;
    use secrecy::SecretString;
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    const SID: &str = "AC0123456789abcdef0123456789abcdef";
    const TOKEN: &str = "recording-token";
    const MP3: &[u8] = b"ID3\x04\0\0\0\0\0\x10recorded audio";

    /// Serves `RE…0001.mp3` to the account's basic auth; `RE…0404` is still processing; `RE…0big` is large.
    async fn media_server() -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let own = base.clone();
        let auth = format!(
            "authorization: basic {}",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, format!("{SID}:{TOKEN}"))
        );
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut buffer = vec![0u8; 16 * 1024];
                let n = socket.read(&mut buffer).await.unwrap_or(0);
                let request = String::from_utf8_lossy(&buffer[..n]).to_ascii_lowercase();
                let path = request.split_whitespace().nth(1).unwrap_or_default().to_owned();
                let (status, body): (&str, Vec<u8>) = if path.starts_with("/signed/") {
                    // The redirect's target: no credentials expected (and none must arrive).
                    if request.contains("authorization:") {
                        ("400 Bad Request", b"{}".to_vec())
                    } else {
                        ("200 OK", MP3.to_vec())
                    }
                } else if path.ends_with("0302.mp3") && request.contains(&auth.to_ascii_lowercase()) {
                    let head = format!(
                        "HTTP/1.1 302 Found\r\nlocation: {own}/signed/RE0302.mp3?sig=x\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                    );
                    let _ = socket.write_all(head.as_bytes()).await;
                    continue;
                } else if !request.contains(&auth.to_ascii_lowercase()) {
                    ("401 Unauthorized", b"{}".to_vec())
                } else if path.ends_with("0001.mp3") {
                    ("200 OK", MP3.to_vec())
                } else if path.ends_with("0b16.mp3") {
                    ("200 OK", vec![0xff; 4096])
                } else {
                    ("404 Not Found", b"{}".to_vec())
                };
                let head = format!("HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n", body.len());
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(&body).await;
            }
        });
        base
    }

    fn url(base: &str, sid: &str) -> String {
        format!("{base}/2010-04-01/Accounts/{SID}/Recordings/{sid}")
    }

    #[tokio::test]
    async fn a_recording_is_fetched_with_the_accounts_credentials_and_within_the_limit() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let base = media_server().await;
        let tenant = TenantId::new();
        let source = TwilioRecordings::new(&base, SID, SecretString::from(TOKEN), Duration::from_secs(5)).unwrap();
        let audio = source.fetch(tenant, &url(&base, "RE00000000000000000000000000000001"), 1024).await.unwrap();
        assert_eq!(audio, MP3);

        let moved = source.fetch(tenant, &url(&base, "RE00000000000000000000000000000302"), 1024).await.unwrap();
        assert_eq!(moved, MP3, "the redirect is followed once, without our credentials");
        let pending = source.fetch(tenant, &url(&base, "RE00000000000000000000000000000404"), 1024).await;
        assert!(matches!(pending, Err(RecordingError::Unavailable(_))), "not yet: retried");
        let big = source.fetch(tenant, &url(&base, "RE00000000000000000000000000000b16"), 1024).await;
        assert!(matches!(big, Err(RecordingError::Refused(ref m)) if m.contains("limit")), "{big:?}");
        let elsewhere = source.fetch(tenant, "https://evil.example/x.mp3", 1024).await;
        assert!(matches!(elsewhere, Err(RecordingError::Refused(_))), "never sent the credentials elsewhere");

        let wrong = TwilioRecordings::new(&base, SID, SecretString::from("wrong"), Duration::from_secs(5)).unwrap();
        let refused = wrong.fetch(tenant, &url(&base, "RE00000000000000000000000000000001"), 1024).await;
        assert!(matches!(refused, Err(RecordingError::Refused(ref m)) if m.contains("refused")), "{refused:?}");
        let closed =
            TwilioRecordings::new("http://127.0.0.1:9", SID, SecretString::from(TOKEN), Duration::from_secs(5))
                .unwrap()
                .fetch(tenant, &url("http://127.0.0.1:9", "RE00000000000000000000000000000001"), 1024)
                .await;
        assert!(matches!(closed, Err(RecordingError::Unavailable(_))));
    }
}
