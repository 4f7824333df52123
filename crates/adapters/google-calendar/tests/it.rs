//! The Google Calendar adapter: free/busy requests checked by the Calendar
//! API description in Prism (bearer token, body shape), and — since Prism
//! answers only its example — busy intervals parsed from a freeBusy answer
//! of the documented shape, a calendar error failing the call, and the
//! OAuth refresh-token exchange (RFC 6749 §6; Google's token endpoint is
//! not in the Calendar description) against a local token endpoint.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use chrono::{TimeZone, Utc};
use frontdesk_google_calendar::{AccessToken, GoogleCalendar, GoogleError};
use secrecy::SecretString;
use std::time::{Duration, Instant};

const SPEC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/calendar-v3.apisguru.oas3.json");

fn token() -> AccessToken {
    AccessToken {
        token: SecretString::from("ya29.test-token".to_owned()),
        expires_at: Instant::now() + Duration::from_secs(3600),
    }
}

/// A server answering every request with `status` and `body`, keeping the requests' text.
async fn answering(
    status: &'static str,
    body: &'static str,
) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let keep = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buffer = vec![0u8; 16384];
            let n = socket.read(&mut buffer).await.unwrap_or(0);
            keep.lock().unwrap().push(String::from_utf8_lossy(&buffer[..n]).into_owned());
            let reply = format!(
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(reply.as_bytes()).await;
        }
    });
    (url, seen)
}

fn window() -> (chrono::DateTime<Utc>, chrono::DateTime<Utc>) {
    (Utc.with_ymd_and_hms(2026, 12, 7, 0, 0, 0).unwrap(), Utc.with_ymd_and_hms(2026, 12, 8, 0, 0, 0).unwrap())
}

#[tokio::test]
async fn a_free_busy_request_is_what_the_description_accepts() {
    let Some(prism) = frontdesk_test_support::Prism::serve(SPEC) else { return };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let google = GoogleCalendar::new(&prism.url, "http://127.0.0.1:9/token", Duration::from_secs(10)).unwrap();
    let (from, to) = window();
    let busy = google.busy(&token(), &["primary".into()], from, to).await;
    assert!(busy.is_ok(), "{busy:?}");
    // The control: without the bearer token the description refuses the same request.
    let bare = reqwest::Client::new()
        .post(format!("{}/freeBusy", prism.url))
        .json(&serde_json::json!({"timeMin": "2026-12-07T00:00:00Z", "timeMax": "2026-12-08T00:00:00Z", "items": [{"id": "primary"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(bare.status(), 401);
}

#[tokio::test]
async fn busy_intervals_of_every_calendar_come_back_in_order_and_an_unreadable_calendar_fails() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (url, seen) = answering(
        "200 OK",
        r#"{"kind":"calendar#freeBusy","calendars":{
            "primary":{"busy":[{"start":"2026-12-07T15:00:00Z","end":"2026-12-07T16:00:00Z"}]},
            "team@example.com":{"busy":[{"start":"2026-12-07T09:30:00-05:00","end":"2026-12-07T10:00:00-05:00"}]}}}"#,
    )
    .await;
    let google = GoogleCalendar::new(&url, "http://127.0.0.1:9/token", Duration::from_secs(5)).unwrap();
    let (from, to) = window();
    let busy = google.busy(&token(), &["primary".into(), "team@example.com".into()], from, to).await.unwrap();
    assert_eq!(
        busy,
        [
            (
                Utc.with_ymd_and_hms(2026, 12, 7, 14, 30, 0).unwrap(),
                Utc.with_ymd_and_hms(2026, 12, 7, 15, 0, 0).unwrap()
            ),
            (
                Utc.with_ymd_and_hms(2026, 12, 7, 15, 0, 0).unwrap(),
                Utc.with_ymd_and_hms(2026, 12, 7, 16, 0, 0).unwrap()
            ),
        ]
    );
    let request = seen.lock().unwrap()[0].clone();
    assert!(request.to_ascii_lowercase().contains("authorization: bearer ya29.test-token"), "{request}");
    assert!(request.contains(r#""timeMin":"2026-12-07T00:00:00Z""#), "{request}");

    let (url, _) = answering(
        "200 OK",
        r#"{"calendars":{"gone@example.com":{"errors":[{"domain":"global","reason":"notFound"}]}}}"#,
    )
    .await;
    let google = GoogleCalendar::new(&url, "http://127.0.0.1:9/token", Duration::from_secs(5)).unwrap();
    let err = google.busy(&token(), &["gone@example.com".into()], from, to).await.unwrap_err();
    assert_eq!(err, GoogleError::Calendar { calendar: "gone@example.com".into(), reason: "notFound".into() });
}

#[tokio::test]
async fn a_refresh_token_becomes_an_access_token_and_a_revoked_one_is_refused() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (url, seen) =
        answering("200 OK", r#"{"access_token":"ya29.fresh","expires_in":3599,"token_type":"Bearer"}"#).await;
    let google = GoogleCalendar::new("http://127.0.0.1:9", &format!("{url}/token"), Duration::from_secs(5)).unwrap();
    let secret = |s: &str| SecretString::from(s.to_owned());
    let token =
        google.refresh("client-1.apps.googleusercontent.com", &secret("cs-1"), &secret("1//refresh")).await.unwrap();
    assert!(token.fresh_for(Duration::from_secs(3000)) && !token.fresh_for(Duration::from_secs(3700)));
    let request = seen.lock().unwrap()[0].clone();
    assert!(
        request.contains("grant_type=refresh_token") && request.contains("refresh_token=1%2F%2Frefresh"),
        "{request}"
    );

    let (url, _) =
        answering("400 Bad Request", r#"{"error":"invalid_grant","error_description":"Token has been revoked."}"#)
            .await;
    let google = GoogleCalendar::new("http://127.0.0.1:9", &format!("{url}/token"), Duration::from_secs(5)).unwrap();
    let err = google.refresh("c", &secret("s"), &secret("r")).await.unwrap_err();
    assert_eq!(err, GoogleError::Refused("400 (invalid_grant)".into()));
}

const SERVICE_ACCOUNT: &str = include_str!("fixtures/service-account.json");

#[tokio::test]
async fn a_service_account_key_signs_an_rs256_assertion_the_token_endpoint_accepts() {
    use base64::Engine as _;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let fixture: serde_json::Value = serde_json::from_str(SERVICE_ACCOUNT).unwrap();
    let key_file = fixture["serviceAccountKey"].to_string();
    let (url, seen) =
        answering("200 OK", r#"{"access_token":"ya29.sa","expires_in":3600,"token_type":"Bearer"}"#).await;
    let token_url = format!("{url}/token");
    let google = GoogleCalendar::new("http://127.0.0.1:9", &token_url, Duration::from_secs(5)).unwrap();
    let token = google.service_account(&SecretString::from(key_file.clone())).await.unwrap();
    assert!(token.fresh_for(Duration::from_secs(3000)));
    let request = seen.lock().unwrap()[0].clone();
    assert!(request.contains("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer"), "{request}");

    // The assertion: RS256 over header.claims, verifiable with the key's public half.
    let jwt = frontdesk_google_calendar::assertion(&key_file, 1_800_000_000, &token_url).unwrap();
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3);
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let claims: serde_json::Value = serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(claims["iss"], "frontdesk-test@frontdesk-test.iam.gserviceaccount.com");
    assert_eq!((claims["aud"].as_str(), claims["exp"].as_i64()), (Some(token_url.as_str()), Some(1_800_003_600)));
    assert_eq!(claims["scope"], frontdesk_google_calendar::CALENDAR_SCOPE);
    let public =
        base64::engine::general_purpose::STANDARD.decode(fixture["publicKeyPkcs1DerBase64"].as_str().unwrap()).unwrap();
    let key = ring::signature::UnparsedPublicKey::new(&ring::signature::RSA_PKCS1_2048_8192_SHA256, public);
    let signed = format!("{}.{}", parts[0], parts[1]);
    key.verify(signed.as_bytes(), &b64.decode(parts[2]).unwrap()).expect("a valid RS256 signature");

    let broken = frontdesk_google_calendar::assertion(
        r#"{"client_email":"a@b","private_key":"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"}"#,
        0,
        "x",
    );
    assert!(
        matches!(broken, Err(GoogleError::Refused(why)) if why.contains("not an RSA PKCS#8 key") && !why.contains("AAAA"))
    );
}

#[tokio::test]
async fn booking_events_are_written_and_removed_as_the_description_expects() {
    let Some(prism) = frontdesk_test_support::Prism::serve(SPEC) else { return };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let google = GoogleCalendar::new(&prism.url, "http://127.0.0.1:9/token", Duration::from_secs(10)).unwrap();
    let (from, _) = window();
    let event = frontdesk_google_calendar::CalendarEvent {
        id: "fd0190d5a000007000800000000000001".into(),
        summary: "Ana Lopez — Consultation".into(),
        description: "Booked by Frontdesk".into(),
        start: from,
        end: from + chrono::Duration::minutes(30),
    };
    google.put_event(&token(), "shop@example.com", &event).await.unwrap();
    google.delete_event(&token(), "shop@example.com", &event.id).await.unwrap();
}

#[tokio::test]
async fn an_event_that_exists_is_replaced_and_one_already_gone_is_fine_to_delete() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let (conflict, seen) =
        answering("409 Conflict", r#"{"error":{"code":409,"message":"The requested identifier already exists."}}"#)
            .await;
    let google = GoogleCalendar::new(&conflict, "http://127.0.0.1:9/token", Duration::from_secs(5)).unwrap();
    let (from, _) = window();
    let event = frontdesk_google_calendar::CalendarEvent {
        id: "fdabc123".into(),
        summary: "S".into(),
        description: String::new(),
        start: from,
        end: from + chrono::Duration::minutes(30),
    };
    let replaced = google.put_event(&token(), "primary", &event).await;
    let requests = seen.lock().unwrap().clone();
    assert!(requests[0].starts_with("POST /calendars/primary/events"), "{}", requests[0]);
    assert!(requests[1].starts_with("PUT /calendars/primary/events/fdabc123"), "{}", requests[1]);
    assert_eq!(replaced, Err(GoogleError::Refused("409".into())), "this server answers 409 to the PUT too");
    let (gone, _) = answering("410 Gone", "{}").await;
    let google = GoogleCalendar::new(&gone, "http://127.0.0.1:9/token", Duration::from_secs(5)).unwrap();
    assert_eq!(google.delete_event(&token(), "team@example.com", "fdabc123").await, Ok(()));
}
