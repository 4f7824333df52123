//! The S3 adapter against a real S3-compatible server (s3s-fs, which checks
//! SigV4 signatures and presigned-URL expiry like S3): the `FileStorage`
//! contract, and presigned links fetched over plain HTTP — before expiry,
//! after it, and tampered. Without s3s-fs these tests say so and pass;
//! under `CI=true` they fail.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use frontdesk_kernel::files::{FileLinks, FileStorage};
use frontdesk_s3::{S3Config, S3FileStorage};
use frontdesk_test_support::S3Server;
use std::time::Duration;

async fn storage(server: &S3Server, bucket: &str) -> S3FileStorage {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = S3Config {
        endpoint: server.endpoint.clone(),
        region: "us-east-1".into(),
        bucket: bucket.into(),
        access_key: server.access_key.into(),
        secret_key: server.secret_key.into(),
        path_style: true,
        timeout: Duration::from_secs(10),
    };
    let storage = S3FileStorage::new(&config).unwrap();
    storage.ensure_bucket().await.unwrap();
    storage
}

#[tokio::test]
async fn the_bucket_meets_the_file_storage_contract() {
    let Some(server) = S3Server::start() else { return };
    let storage = storage(&server, "frontdesk-contract").await;
    frontdesk_kernel::testing::file_storage_contract::run_all(&storage).await;
}

#[tokio::test]
async fn a_presigned_link_downloads_until_it_expires_and_not_after() {
    let Some(server) = S3Server::start() else { return };
    let storage = storage(&server, "frontdesk-links").await;
    let key = "exports/0190d5a0-0000-7000-8000-000000000001/leads.csv";
    storage.put(key, b"name,email\nAna,ana@example.com\n".to_vec(), "text/csv").await.unwrap();
    let http = reqwest::Client::new();

    let link = storage.link(key, Duration::from_secs(2)).await.unwrap();
    assert!(link.contains("X-Amz-Signature") && link.contains("X-Amz-Expires=2"), "{link}");
    let fetched = http.get(&link).send().await.unwrap();
    assert_eq!(fetched.status(), 200);
    assert!(link.contains("response-content-disposition=attachment"), "{link}");
    assert_eq!(fetched.text().await.unwrap(), "name,email\nAna,ana@example.com\n");

    let tampered = link.replace("leads.csv", "other.csv");
    assert!(http.get(&tampered).send().await.unwrap().status().is_client_error(), "another key, same signature");

    tokio::time::sleep(Duration::from_secs(3)).await;
    let late = http.get(&link).send().await.unwrap();
    assert!(late.status().is_client_error(), "an expired link is refused: {}", late.status());

    let unsigned = format!("{}/frontdesk-links/{key}", server.endpoint);
    assert!(http.get(&unsigned).send().await.unwrap().status().is_client_error(), "the bucket is not public");
    assert!(storage.link("../escape", Duration::from_secs(60)).await.is_err(), "keys are checked before signing");
}
