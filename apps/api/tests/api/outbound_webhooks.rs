//! Outbound webhooks over real HTTP: a subscription, events from real
//! lead changes delivered to a local receiver that checks the Standard
//! Webhooks signature by the published algorithm (not with our signer),
//! the delivery log, retries after a failure with the same `webhook-id`,
//! two signatures after a secret rotation, redelivery and replay,
//! validation, SSRF refusals, and other sub-accounts answering 404.

use crate::helpers::{Owner, Profile, Received, Receiver, Team, TestApp};
use base64::Engine as _;
use reqwest::Method;
use serde_json::{Value, json};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// The `v1` signatures of `received` that `secret` made, by the Standard
/// Webhooks algorithm: base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")).
fn signed_by(received: &Received, secret: &str) -> bool {
    let key = B64.decode(secret.strip_prefix("whsec_").expect("a whsec_ secret")).unwrap();
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &key);
    let mut content =
        format!("{}.{}.", received.header("webhook-id"), received.header("webhook-timestamp")).into_bytes();
    content.extend_from_slice(&received.body);
    let expected = format!("v1,{}", B64.encode(ring::hmac::sign(&key, &content).as_ref()));
    received.header("webhook-signature").split(' ').any(|s| s == expected)
}

fn fields(answer: &Value) -> Vec<String> {
    answer["message"]
        .as_array()
        .unwrap_or_else(|| panic!("not a validation error: {answer}"))
        .iter()
        .map(|m| m.as_str().unwrap().split(':').next().unwrap().to_owned())
        .collect()
}

async fn lead(app: &TestApp, token: &str, email: &str) -> String {
    let created =
        app.expect(token, Method::POST, "/api/v1/leads", Some(json!({"name": "Ana", "email": email})), 201).await;
    created["id"].as_str().unwrap().to_owned()
}

async fn webhooks_deliver_signed_events_retry_and_replay(profile: Profile) {
    let app = TestApp::builder(profile).env("ALLOW_PRIVATE_WEBHOOKS", "true").spawn().await;
    let team = Team::create(&app, "hooks.test").await;
    let owner = team.owner.token.as_str();
    let receiver = Receiver::start("200 OK").await;

    // One 400 naming every bad field; nothing stored.
    let bad = json!({"url": "ftp://x", "events": ["lead.created", "lead.exploded"], "description": "d".repeat(201)});
    let answer = app.expect(owner, Method::POST, "/api/v1/webhooks", Some(bad), 400).await;
    assert_eq!(fields(&answer), ["url", "events[1]", "description"], "{answer}");
    let bad = json!({"url": receiver.url, "events": ["lead.created"], "description": "a\u{0}b"});
    let answer = app.expect(owner, Method::POST, "/api/v1/webhooks", Some(bad), 400).await;
    assert_eq!(fields(&answer), ["description"], "{answer}");
    assert_eq!(app.expect(owner, Method::GET, "/api/v1/webhooks", None, 200).await["total"], 0);

    // Created: the secret is in this answer only.
    let body = json!({"url": receiver.url, "events": ["lead.status_changed", "lead.created"], "description": "CRM"});
    let created = app.expect(owner, Method::POST, "/api/v1/webhooks", Some(body), 201).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{created}");
    assert_eq!(created["events"], json!(["lead.created", "lead.status_changed"]), "catalogue order");
    let read = app.expect(owner, Method::GET, &format!("/api/v1/webhooks/{id}"), None, 200).await;
    assert!(read.get("secret").is_none() && !read.to_string().contains(&secret), "{read}");
    let listed = app.expect(owner, Method::GET, "/api/v1/webhooks", None, 200).await;
    assert!(!listed.to_string().contains(&secret));

    // A real change → a signed delivery of the event, verifiable by the receiver.
    let lead_id = lead(&app, owner, "ana@hooks.test").await;
    let got = receiver.wait_for(1).await;
    let first = &got[0];
    assert!(signed_by(first, &secret), "signature: {:?}", first.headers);
    let event = first.json();
    assert_eq!(
        (event["type"].as_str(), event["data"]["lead"]["id"].as_str()),
        (Some("lead.created"), Some(lead_id.as_str()))
    );
    let webhook_id = first.header("webhook-id").to_owned();
    let sent_at: i64 = first.header("webhook-timestamp").parse().unwrap();
    assert!((chrono::Utc::now().timestamp() - sent_at).abs() < 300);

    // Not subscribed to lead.updated; subscribed to lead.status_changed.
    app.expect(owner, Method::PATCH, &format!("/api/v1/leads/{lead_id}"), Some(json!({"status": "contacted"})), 200)
        .await;
    let got = receiver.wait_for(2).await;
    assert_eq!(got[1].json()["type"], "lead.status_changed");
    assert_eq!(
        (got[1].json()["data"]["from"].as_str(), got[1].json()["data"]["to"].as_str()),
        (Some("new"), Some("contacted"))
    );
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert_eq!(receiver.received().len(), 2, "lead.updated is not delivered to a subscription without it");

    // The log: every attempt, newest first.
    let log = app.expect(owner, Method::GET, &format!("/api/v1/webhooks/{id}/deliveries"), None, 200).await;
    assert_eq!(log["total"], 2, "{log}");
    assert_eq!(log["data"][1]["eventId"].as_str(), Some(webhook_id.as_str()));
    assert_eq!((log["data"][1]["statusCode"].as_u64(), log["data"][1]["succeeded"].as_bool()), (Some(200), Some(true)));
    assert_eq!(log["data"][1]["responseExcerpt"], "nope");

    // A failure is logged with the next attempt's time; the retry carries the same webhook-id.
    receiver.answer("500 Internal Server Error");
    app.expect(owner, Method::PATCH, &format!("/api/v1/leads/{lead_id}"), Some(json!({"status": "qualified"})), 200)
        .await;
    let got = receiver.wait_for(3).await;
    let failed_id = got[2].header("webhook-id").to_owned();
    receiver.answer("200 OK");
    let log = app.expect(owner, Method::GET, &format!("/api/v1/webhooks/{id}/deliveries"), None, 200).await;
    let failed = &log["data"][0];
    assert_eq!((failed["statusCode"].as_u64(), failed["succeeded"].as_bool()), (Some(500), Some(false)), "{log}");
    assert!(failed["nextAttemptAt"].is_string(), "{failed}");
    let got = receiver.wait_for(4).await; // the retry, 5 s later
    assert_eq!(got[3].header("webhook-id"), failed_id, "a retry is the same message");
    assert!(signed_by(&got[3], &secret));
    let subscription = app.expect(owner, Method::GET, &format!("/api/v1/webhooks/{id}"), None, 200).await;
    assert!(subscription["failingSince"].is_null(), "a success clears the failure: {subscription}");

    // Rotation: the new secret is shown once; for a day both sign.
    let rotated = app.expect(owner, Method::POST, &format!("/api/v1/webhooks/{id}/rotate-secret"), None, 200).await;
    let new_secret = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, secret);
    assert!(rotated["previousSecretUntil"].is_string());
    lead(&app, owner, "bo@hooks.test").await;
    let got = receiver.wait_for(5).await;
    assert!(signed_by(&got[4], &new_secret) && signed_by(&got[4], &secret), "{:?}", got[4].headers);
    assert_eq!(got[4].header("webhook-signature").split(' ').count(), 2);

    // Redelivery of one event, then a replay of the last hour: same ids again.
    let path = format!("/api/v1/webhooks/{id}/deliveries/{webhook_id}/redeliver");
    app.expect(owner, Method::POST, &path, None, 202).await;
    let got = receiver.wait_for(6).await;
    assert_eq!(got[5].header("webhook-id"), webhook_id);
    let from = (chrono::Utc::now() - chrono::Duration::hours(1)).to_rfc3339();
    let to = (chrono::Utc::now() + chrono::Duration::seconds(1)).to_rfc3339();
    let replay = app
        .expect(
            owner,
            Method::POST,
            &format!("/api/v1/webhooks/{id}/replay"),
            Some(json!({"from": from, "to": to})),
            202,
        )
        .await;
    assert_eq!(replay["queued"], 4, "two created, two status changes: {replay}");
    let got = receiver.wait_for(10).await;
    let mut replayed: Vec<_> = got[6..].iter().map(|r| r.header("webhook-id").to_owned()).collect();
    let mut original: Vec<_> =
        [&got[0], &got[1], &got[2], &got[4]].iter().map(|r| r.header("webhook-id").to_owned()).collect();
    replayed.sort();
    original.sort();
    assert_eq!(replayed, original);
    let answer = app
        .expect(
            owner,
            Method::POST,
            &format!("/api/v1/webhooks/{id}/replay"),
            Some(json!({"from": to, "to": from})),
            400,
        )
        .await;
    assert_eq!(fields(&answer), ["to"]);

    // Disabled: nothing more is delivered; re-enabled by PATCH.
    let off = app
        .expect(owner, Method::PATCH, &format!("/api/v1/webhooks/{id}"), Some(json!({"status": "disabled"})), 200)
        .await;
    assert_eq!(off["status"], "disabled");
    lead(&app, owner, "cy@hooks.test").await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(receiver.received().len(), 10, "a disabled subscription receives nothing");
    let answer = app
        .expect(owner, Method::PATCH, &format!("/api/v1/webhooks/{id}"), Some(json!({"status": "paused"})), 400)
        .await;
    assert_eq!(fields(&answer), ["status"]);

    // Another sub-account sees none of it; an agent may not manage webhooks.
    let other = Owner::create(&app, "other-hooks.test").await;
    for (method, path, body) in [
        (Method::GET, format!("/api/v1/webhooks/{id}"), None),
        (Method::PATCH, format!("/api/v1/webhooks/{id}"), Some(json!({"description": "mine"}))),
        (Method::POST, format!("/api/v1/webhooks/{id}/rotate-secret"), None),
        (Method::GET, format!("/api/v1/webhooks/{id}/deliveries"), None),
        (Method::POST, format!("/api/v1/webhooks/{id}/deliveries/{webhook_id}/redeliver"), None),
        (Method::POST, format!("/api/v1/webhooks/{id}/replay"), Some(json!({"from": from, "to": to}))),
        (Method::DELETE, format!("/api/v1/webhooks/{id}"), None),
    ] {
        let (status, answer) = app.call(&other.token, method.clone(), &path, body.clone()).await;
        assert_eq!(status, 404, "{method} {path}: {answer}");
        let (status, answer) = app.call(&team.agent.token, method.clone(), &path, body).await;
        assert_eq!(status, 403, "agent {method} {path}: {answer}");
    }
    assert_eq!(app.expect(&other.token, Method::GET, "/api/v1/webhooks", None, 200).await["total"], 0);

    app.expect(owner, Method::DELETE, &format!("/api/v1/webhooks/{id}"), None, 204).await;
    app.expect(owner, Method::GET, &format!("/api/v1/webhooks/{id}"), None, 404).await;
}

/// Loopback, private and metadata endpoints are refused at creation (by
/// literal and by a name resolving there), naming the category only.
async fn webhook_endpoints_inside_our_network_are_refused(profile: Profile) {
    let app = TestApp::builder(profile).spawn().await;
    let owner = Owner::create(&app, "ssrf-hooks.test").await;
    let receiver = Receiver::start("200 OK").await;
    let localhost = receiver.url.replace("127.0.0.1", "localhost");
    for (target, reason) in [
        (receiver.url.as_str(), "loopback"),
        (localhost.as_str(), "resolves to a loopback"),
        ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
        ("http://[fd00::1]/hook", "private"),
    ] {
        let body = json!({"url": target, "events": ["lead.created"]});
        let answer = app.expect(&owner.token, Method::POST, "/api/v1/webhooks", Some(body), 400).await;
        let message = answer["message"][0].as_str().unwrap();
        assert!(message.starts_with("url:") && message.contains(reason), "{target}: {answer}");
        assert!(!message.contains("127.0.0.1"), "the address is not told: {answer}");
    }
    assert_eq!(app.expect(&owner.token, Method::GET, "/api/v1/webhooks", None, 200).await["total"], 0);
    assert!(receiver.received().is_empty());
}

/// A booking announces `booking.created`, and the lead it moves to
/// `booked` announces `lead.status_changed`, from the same transaction.
async fn a_booking_announces_itself_and_the_lead_it_books(profile: Profile) {
    let app = TestApp::builder(profile).env("ALLOW_PRIVATE_WEBHOOKS", "true").spawn().await;
    let owner = Owner::create(&app, "book-hooks.test").await;
    crate::helpers::open_all_week(&app, &owner).await;
    let receiver = Receiver::start("200 OK").await;
    let body = json!({"url": receiver.url, "events": ["booking.created", "lead.status_changed"]});
    app.expect(&owner.token, Method::POST, "/api/v1/webhooks", Some(body), 201).await;
    let lead_id = lead(&app, &owner.token, "dee@book-hooks.test").await;
    let starts = (chrono::Utc::now() + chrono::Duration::days(2)).date_naive().and_hms_opt(10, 0, 0).unwrap().and_utc();
    let booking = json!({"leadId": lead_id, "startsAt": starts.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)});
    let booked = app.expect(&owner.token, Method::POST, "/api/v1/bookings", Some(booking), 201).await;
    let got = receiver.wait_for(2).await;
    let mut types: Vec<_> = got.iter().map(|r| r.json()["type"].as_str().unwrap().to_owned()).collect();
    types.sort();
    assert_eq!(types, ["booking.created", "lead.status_changed"]);
    let created = got.iter().map(Received::json).find(|e| e["type"] == "booking.created").unwrap();
    assert_eq!(created["data"]["booking"]["id"], booked["id"]);
    assert!(created["data"]["booking"].get("manageTokenHash").is_none(), "no token material in events");
    let moved = got.iter().map(Received::json).find(|e| e["type"] == "lead.status_changed").unwrap();
    assert_eq!(
        (moved["data"]["from"].as_str(), moved["data"]["to"].as_str()),
        (Some("new"), Some("booked")),
        "{moved}"
    );
}

/// Each message of a receptionist turn announces `conversation.message`;
/// moving a lead to the trash and back announces `lead.deleted` and
/// `lead.restored`; an imported lead announces `lead.created` like any other.
async fn conversations_trash_and_imports_announce_themselves(profile: Profile) {
    let app = TestApp::builder(profile).env("ALLOW_PRIVATE_WEBHOOKS", "true").spawn().await;
    let owner = Owner::create(&app, "more-hooks.test").await;
    let token = owner.token.as_str();
    let receiver = Receiver::start("200 OK").await;
    let kinds = ["conversation.message", "lead.deleted", "lead.restored", "lead.created"];
    app.expect(token, Method::POST, "/api/v1/webhooks", Some(json!({"url": receiver.url, "events": kinds})), 201).await;
    let lead_id = lead(&app, token, "eve@more-hooks.test").await;
    receiver.wait_for(1).await;

    let chat = format!("/api/v1/chat/{lead_id}/messages");
    let turn =
        app.expect(token, Method::POST, &chat, Some(json!({"content": "What are your opening hours?"})), 200).await;
    let got = receiver.wait_for(3).await;
    let messages: Vec<Value> = got.iter().map(Received::json).filter(|e| e["type"] == "conversation.message").collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    let roles: Vec<_> = messages.iter().map(|m| m["data"]["message"]["role"].as_str().unwrap()).collect();
    assert!(roles.contains(&"user") && roles.contains(&"assistant"), "{roles:?}");
    let asked = messages.iter().find(|m| m["data"]["message"]["role"] == "user").unwrap();
    assert_eq!(asked["data"]["message"]["content"], "What are your opening hours?");
    assert_eq!(asked["data"]["conversation"]["id"], turn["conversationId"]);
    assert_eq!(
        (asked["data"]["conversation"]["leadId"].as_str(), asked["data"]["conversation"]["channel"].as_str()),
        (Some(lead_id.as_str()), Some("chat"))
    );

    app.expect(token, Method::DELETE, &format!("/api/v1/leads/{lead_id}"), None, 204).await;
    app.expect(token, Method::POST, &format!("/api/v1/leads/{lead_id}/restore"), None, 200).await;
    let got = receiver.wait_for(5).await;
    let trash: Vec<_> = got
        .iter()
        .map(Received::json)
        .filter(|e| e["type"] == "lead.deleted" || e["type"] == "lead.restored")
        .map(|e| (e["type"].as_str().unwrap().to_owned(), e["data"]["lead"]["id"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(trash.len(), 2, "{trash:?}");
    assert!(trash.iter().all(|(_, id)| *id == lead_id));
    assert!(
        trash.iter().any(|(kind, _)| kind == "lead.deleted") && trash.iter().any(|(kind, _)| kind == "lead.restored")
    );

    let csv =
        "name,email\nImported One,one@more-hooks.test\nImported Two,two@more-hooks.test\nDup,eve@more-hooks.test\n";
    let (status, accepted) = app.upload(token, "/api/v1/leads/import", "leads.csv", csv.as_bytes()).await;
    assert_eq!(status, 202, "{accepted}");
    app.wait_for_job(token, accepted["jobId"].as_str().unwrap()).await;
    let got = receiver.wait_for(7).await;
    let mut imported: Vec<_> = got
        .iter()
        .map(Received::json)
        .filter(|e| e["type"] == "lead.created" && e["data"]["lead"]["source"] == "import")
        .map(|e| e["data"]["lead"]["email"].as_str().unwrap().to_owned())
        .collect();
    imported.sort();
    assert_eq!(imported, ["one@more-hooks.test", "two@more-hooks.test"], "the duplicate row announced nothing");
}

crate::per_profile!(
    conversations_trash_and_imports_announce_themselves,
    webhooks_deliver_signed_events_retry_and_replay,
    webhook_endpoints_inside_our_network_are_refused,
    a_booking_announces_itself_and_the_lead_it_books
);
