//! Email against Postmark's own API description (`sendEmail`, in
//! `tests/fixtures/`) served by Stoplight Prism, which checks our body and
//! the server-token header; faults it does not describe from a local
//! server. Without Prism (installed by `scripts/test.sh`) these tests say
//! so and pass; under `CI=true` they fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use frontdesk_kernel::TenantId;
use frontdesk_kernel::messaging::{MessageChannel, MessagingError, OutboundMessage, OutboundMessenger, Sent};
use frontdesk_postmark::{PostmarkConfig, PostmarkMessenger};
use std::time::Duration;

const SPEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/postmark-server.apisguru.oas3.json");

fn mock() -> Option<frontdesk_test_support::Prism> {
    frontdesk_test_support::Prism::serve(SPEC)
}

fn messenger(base: &str) -> PostmarkMessenger {
    let _ = rustls::crypto::ring::default_provider().install_default();
    PostmarkMessenger::new(PostmarkConfig {
        server_token: secrecy::SecretString::from("server-token".to_owned()),
        from: "desk@acme.example".into(),
        base_url: base.into(),
        timeout: Duration::from_secs(5),
    })
    .unwrap()
}

fn reply() -> OutboundMessage {
    OutboundMessage {
        tenant_id: TenantId::new(),
        channel: MessageChannel::Email,
        to: "dana@example.org".into(),
        subject: Some("Re: New patient".into()),
        body: "Tuesday at 3 PM is booked. — Acme".into(),
        dedupe_key: "k".into(),
        headers: vec![
            ("In-Reply-To".into(), "<CAF1@mail.example.org>".into()),
            ("References".into(), "<CAF1@mail.example.org>".into()),
        ],
    }
}

#[tokio::test]
async fn our_email_validates_against_postmarks_description_and_carries_the_thread_headers() {
    let body = messenger("http://unused").body(&reply()).unwrap();
    assert_eq!(body["Headers"][0]["Name"], "In-Reply-To");
    assert_eq!(body["Headers"][1]["Value"], "<CAF1@mail.example.org>");
    assert_eq!((body["From"].as_str(), body["To"].as_str()), (Some("desk@acme.example"), Some("dana@example.org")));
    let Some(mock) = mock() else { return };
    let sent = messenger(&mock.url).send(&reply()).await;
    assert!(matches!(sent, Ok(Sent::New(_))), "{sent:?}");
    // The control: Prism refuses a request without the server token.
    let anonymous = reqwest::Client::new().post(format!("{}/email", mock.url)).json(&body).send().await.unwrap();
    assert!(anonymous.status().is_client_error(), "{}", anonymous.status());
}

async fn answering(status: &'static str) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buffer = vec![0u8; 16 * 1024];
            let _ = socket.read(&mut buffer).await;
            let body = r#"{"ErrorCode": 406, "Message": "You tried to send to a recipient that has been marked as inactive."}"#;
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
        [("429 Too Many Requests", true), ("503 Service Unavailable", true), ("422 Unprocessable Entity", false)]
    {
        match messenger(&answering(status).await).send(&reply()).await {
            Err(MessagingError::Unavailable(_)) => assert!(retry, "{status}"),
            Err(MessagingError::Rejected(why)) => assert!(!retry && why.contains("inactive"), "{status}: {why}"),
            other => panic!("{status}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_token_check_is_postmarks_get_server() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let token = secrecy::SecretString::from("pm-token-0123456789".to_owned());
    if let Some(prism) = mock() {
        let reached = frontdesk_postmark::check_server(&prism.url, &token, Duration::from_secs(10)).await;
        assert!(reached.as_ref().is_ok_and(|r| r.starts_with("Postmark server ")), "{reached:?}");
    }
    for (status, expected) in
        [("401 Unauthorized", "refused the server token"), ("503 Service Unavailable", "answered 503")]
    {
        let base = answering(status).await;
        let why = frontdesk_postmark::check_server(&base, &token, Duration::from_secs(5)).await.unwrap_err();
        assert!(why.contains(expected) && !why.contains("pm-token"), "{status}: {why}");
    }
}
