//! The egress guard over real sockets and the machine's own resolver:
//! inside addresses refused by literal and by name (`localhost` resolves
//! to loopback), no redirect followed, a private receiver reachable only
//! when private addresses are allowed.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use frontdesk_webhooks::{Egress, EgressError};
use std::time::Duration;

/// A one-shot-per-connection server answering `status` with `location`.
async fn answering(status: &'static str) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buffer = vec![0u8; 16 * 1024];
            let _ = socket.read(&mut buffer).await;
            let response = format!(
                "HTTP/1.1 {status}\r\nlocation: http://169.254.169.254/latest/meta-data\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"
            );
            let _ = socket.write_all(response.as_bytes()).await;
        }
    });
    port
}

fn refused(result: Result<impl std::fmt::Debug, EgressError>, expected: &str) {
    match result {
        Err(EgressError::Refused(why)) => assert!(why.contains(expected), "{why} (wanted {expected})"),
        other => panic!("not refused: {other:?} (wanted {expected})"),
    }
}

#[tokio::test]
async fn inside_addresses_are_refused_by_literal_and_by_name() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let port = answering("200 OK").await;
    let guard = Egress::new(Duration::from_secs(5), false, true);
    refused(guard.post(&format!("http://127.0.0.1:{port}/hook"), &[], b"{}".to_vec()).await, "loopback");
    refused(guard.post(&format!("http://localhost:{port}/hook"), &[], b"{}".to_vec()).await, "resolves to a loopback");
    refused(guard.vet("http://169.254.169.254/latest/meta-data").await, "cloud metadata");
    refused(guard.vet("http://[::ffff:10.0.0.1]/").await, "private");
    refused(guard.vet("http://[fd00:ec2::254]/").await, "unique local");
    refused(guard.vet("http://0.0.0.0:80/").await, "unspecified");
    refused(guard.vet("ftp://example.com/").await, "scheme");
    refused(guard.vet("https://user:pw@example.com/").await, "credentials");
    refused(guard.vet("not a url").await, "not a URL");
    let https_only = Egress::new(Duration::from_secs(5), false, false);
    refused(https_only.vet("http://example.com/").await, "must be https");
}

#[tokio::test]
async fn allowed_private_receivers_answer_and_redirects_are_not_followed() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let guard = Egress::new(Duration::from_secs(5), true, true);
    let ok = answering("200 OK").await;
    let headers = [("x-test".to_owned(), "1".to_owned())];
    let answer = guard.post(&format!("http://localhost:{ok}/hook"), &headers, b"{}".to_vec()).await.unwrap();
    assert_eq!((answer.status, answer.excerpt.as_str()), (200, "ok"));
    let redirect = answering("302 Found").await;
    let answer = guard.post(&format!("http://127.0.0.1:{redirect}/hook"), &[], b"{}".to_vec()).await.unwrap();
    assert_eq!(answer.status, 302, "the redirect to the metadata service is not followed");
    let closed = guard.post("http://127.0.0.1:9/hook", &[], Vec::new()).await;
    assert!(matches!(closed, Err(EgressError::Unreachable(_))), "{closed:?}");
}
