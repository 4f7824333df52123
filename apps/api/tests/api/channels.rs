//! The receptionist's channels over real HTTP on both profiles: numbers
//! and blocks, Twilio's signed webhooks (Gather-mode calls, texts), STOP
//! enforced on every later message, a slow model covered by a filler, a
//! transfer nobody answers ending in a voicemail the staff hear of.

use crate::helpers::{Owner, Profile, TestApp, open_all_week};
use frontdesk_twilio::TwilioSignatures;
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

const TOKEN: &str = "0123456789abcdef0123456789abcdef";
const BASE: &str = "https://frontdesk.test";
const BUSINESS: &str = "+14155550199";
const CALLER: &str = "+14155550123";

async fn app(profile: Profile, extra: &[(&str, &str)]) -> TestApp {
    let mut builder = TestApp::builder(profile).env("TWILIO_AUTH_TOKEN", TOKEN).env("PUBLIC_BASE_URL", BASE);
    for (key, value) in extra {
        builder = builder.env(key, value);
    }
    builder.spawn().await
}

/// Posts Twilio's form to `path` (with its query), signed as Twilio would sign it (or with `signature`).
async fn twilio(app: &TestApp, path: &str, params: &[(&str, &str)], signature: Option<&str>) -> (u16, String) {
    let owned: Vec<(String, String)> = params.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    let signer = TwilioSignatures::new(Some(&secrecy::SecretString::from(TOKEN.to_owned())));
    let signed = signer.sign(&format!("{BASE}{path}"), &owned).unwrap();
    let body = serde_urlencoded::to_string(&owned).unwrap();
    let response = app
        .client
        .post(format!("{}{path}", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-twilio-signature", signature.unwrap_or(&signed))
        .body(body)
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

fn call(sid: &str) -> Vec<(&str, &str)> {
    vec![("CallSid", sid), ("From", CALLER), ("To", BUSINESS), ("AccountSid", "AC00000000000000000000000000000001")]
}

fn with<'a>(mut params: Vec<(&'a str, &'a str)>, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    params.extend_from_slice(extra);
    params
}

async fn total(app: &TestApp, token: &str, path: &str) -> u64 {
    app.expect(token, Method::GET, path, None, 200).await["total"].as_u64().unwrap()
}

/// Waits (up to 30 s) until `ready` holds for the JSON at `path`.
async fn eventually(app: &TestApp, token: &str, path: &str, ready: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for _ in 0..300 {
        last = app.expect(token, Method::GET, path, None, 200).await;
        if ready(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("never ready: {path}: {last}");
}

/// Numbers, addresses and blocks: validation naming each field, one owner
/// per number across sub-accounts, agents read but do not change, another
/// sub-account's ids are 404.
async fn numbers_addresses_and_blocks_belong_to_one_sub_account(profile: Profile) {
    use crate::helpers::Team;
    let app = app(profile, &[]).await;
    let team = Team::create(&app, "routing.test").await;
    let other = Owner::create(&app, "other-routing.test").await;
    let owner = team.owner.token.as_str();
    let bad = app
        .expect(
            owner,
            Method::POST,
            "/api/v1/phone-numbers",
            Some(json!({"number": "12", "channel": "fax", "strategyId": "x"})),
            400,
        )
        .await;
    assert_eq!(bad["message"].as_array().unwrap().len(), 1, "the malformed id first: {bad}");
    let bad = app
        .expect(
            owner,
            Method::POST,
            "/api/v1/phone-numbers",
            Some(json!({"number": "12", "channel": "fax", "strategyId": uuid::Uuid::now_v7().to_string()})),
            400,
        )
        .await;
    let fields: Vec<_> =
        bad["message"].as_array().unwrap().iter().map(|m| m.as_str().unwrap().split(':').next().unwrap()).collect();
    assert_eq!(fields, ["number", "channel", "strategyId"], "{bad}");
    let number = app
        .expect(owner, Method::POST, "/api/v1/phone-numbers", Some(json!({"number": "+1 (415) 555-0199"})), 201)
        .await;
    assert_eq!((number["number"].as_str(), number["channel"].as_str()), (Some(BUSINESS), Some("both")));
    app.expect(&other.token, Method::POST, "/api/v1/phone-numbers", Some(json!({"number": BUSINESS})), 409).await;
    app.expect(owner, Method::POST, "/api/v1/phone-numbers", Some(json!({"number": BUSINESS})), 409).await;
    app.expect(&team.agent.token, Method::POST, "/api/v1/phone-numbers", Some(json!({"number": "+14155550100"})), 403)
        .await;
    assert_eq!(total(&app, &team.agent.token, "/api/v1/phone-numbers").await, 1);
    assert_eq!(total(&app, &other.token, "/api/v1/phone-numbers").await, 0);
    let path = format!("/api/v1/phone-numbers/{}", number["id"].as_str().unwrap());
    app.expect(&other.token, Method::DELETE, &path, None, 404).await;

    let address = app
        .expect(owner, Method::POST, "/api/v1/inbound-addresses", Some(json!({"address": "Desk@Acme.Example"})), 201)
        .await;
    assert_eq!(address["address"], "desk@acme.example");
    app.expect(
        &other.token,
        Method::POST,
        "/api/v1/inbound-addresses",
        Some(json!({"address": "desk@acme.example"})),
        409,
    )
    .await;
    app.expect(owner, Method::POST, "/api/v1/inbound-addresses", Some(json!({"address": "not an address"})), 400).await;
    let blocked = app
        .expect(
            owner,
            Method::POST,
            "/api/v1/blocked-numbers",
            Some(json!({"number": CALLER, "reason": "prank calls"})),
            201,
        )
        .await;
    app.expect(owner, Method::POST, "/api/v1/blocked-numbers", Some(json!({"number": CALLER})), 409).await;
    let bad = app
        .expect(
            owner,
            Method::POST,
            "/api/v1/blocked-numbers",
            Some(json!({"number": "x", "reason": "y".repeat(201)})),
            400,
        )
        .await;
    assert_eq!(bad["message"].as_array().unwrap().len(), 2, "{bad}");
    // The other sub-account may block the same caller for itself.
    app.expect(&other.token, Method::POST, "/api/v1/blocked-numbers", Some(json!({"number": CALLER})), 201).await;
    let unblock = format!("/api/v1/blocked-numbers/{}", blocked["id"].as_str().unwrap());
    app.expect(&other.token, Method::DELETE, &unblock, None, 404).await;
    app.expect(owner, Method::DELETE, &unblock, None, 204).await;
    app.expect(owner, Method::DELETE, &path, None, 204).await;
    assert_eq!(total(&app, owner, "/api/v1/phone-numbers").await, 0);
    // Freed, the number can be routed elsewhere.
    app.expect(&other.token, Method::POST, "/api/v1/phone-numbers", Some(json!({"number": BUSINESS})), 201).await;
}

/// A signed call books an appointment in three turns of Gather mode; a
/// retried webhook runs nothing twice; the call's record and summary reach
/// the lead's timeline; a forged signature, an unknown number and a
/// blocked caller store nothing; the number never routes to another tenant.
async fn a_signed_call_books_in_three_turns(profile: Profile) {
    let app = app(profile, &[]).await;
    let owner = Owner::create(&app, "calls.test").await;
    let other = Owner::create(&app, "other-calls.test").await;
    let token = owner.token.as_str();
    open_all_week(&app, &owner).await;
    app.expect(
        token,
        Method::POST,
        "/api/v1/phone-numbers",
        Some(json!({"number": BUSINESS, "channel": "voice"})),
        201,
    )
    .await;

    // Forged, missing, or for an unknown number: nothing stored.
    let (status, _) = twilio(&app, "/webhooks/twilio/voice", &call("CA1"), Some("AAAAAAAAAAAAAAAAAAAAAAAAAAA=")).await;
    assert_eq!(status, 403);
    let unsigned = app
        .client
        .post(format!("{}/webhooks/twilio/voice", app.address))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("CallSid=CA1&From=%2B14155550123&To=%2B14155550199")
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), 403);
    let mut elsewhere = call("CA0");
    elsewhere[2] = ("To", "+14155550000");
    assert_eq!(twilio(&app, "/webhooks/twilio/voice", &elsewhere, None).await.0, 404);
    assert_eq!(total(&app, token, "/api/v1/leads").await, 0, "nothing stored");

    let (status, greeting) = twilio(&app, "/webhooks/twilio/voice", &call("CA1"), None).await;
    assert_eq!(status, 200, "{greeting}");
    assert!(greeting.contains("<Gather input=\"speech\""), "{greeting}");
    assert!(greeting.contains("action=\"https://frontdesk.test/webhooks/twilio/voice/gather?turn=1\""), "{greeting}");
    assert!(greeting.contains("<Say>Thanks for calling. How can I help you today?</Say>"), "{greeting}");

    let first = with(call("CA1"), &[("SpeechResult", "Can I come in tomorrow at 3pm?")]);
    let (status, offer) = twilio(&app, "/webhooks/twilio/voice/gather?turn=1", &first, None).await;
    assert_eq!(status, 200, "{offer}");
    assert!(offer.contains("I can offer"), "{offer}");
    assert!(offer.contains("gather?turn=2"), "{offer}");
    let second = with(call("CA1"), &[("SpeechResult", "yes please")]);
    let (_, booked) = twilio(&app, "/webhooks/twilio/voice/gather?turn=2", &second, None).await;
    assert!(booked.contains("gather?turn=3"), "{booked}");
    // Twilio retries the same turn: the turn is not run again.
    let (status, retried) = twilio(&app, "/webhooks/twilio/voice/gather?turn=2", &second, None).await;
    assert_eq!((status, &retried), (200, &booked));
    let third = with(call("CA1"), &[("SpeechResult", "thanks, bye\u{0}")]);
    let (_, goodbye) = twilio(&app, "/webhooks/twilio/voice/gather?turn=3", &third, None).await;
    assert!(goodbye.contains("<Hangup/>"), "{goodbye}");

    let bookings = app.expect(token, Method::GET, "/api/v1/bookings", None, 200).await;
    assert_eq!(bookings["total"], 1, "{bookings}");
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).date_naive();
    assert_eq!(bookings["data"][0]["startsAt"], json!(format!("{tomorrow}T15:00:00Z")));
    let leads = app.expect(token, Method::GET, "/api/v1/leads", None, 200).await;
    assert_eq!((leads["total"].as_u64(), leads["data"][0]["phone"].as_str()), (Some(1), Some(CALLER)));
    assert_eq!(leads["data"][0]["source"], "call");
    assert_eq!(bookings["data"][0]["leadId"], leads["data"][0]["id"]);
    let conversations = app.expect(token, Method::GET, "/api/v1/conversations?channel=voice", None, 200).await;
    assert_eq!(conversations["total"], 1);
    let turns = format!("/api/v1/conversations/{}/turns", conversations["data"][0]["id"].as_str().unwrap());
    assert_eq!(app.expect(token, Method::GET, &turns, None, 200).await["data"].as_array().unwrap().len(), 3);

    // The status callback: the call's record, then the summary job on the lead.
    let ended = with(call("CA1"), &[("CallStatus", "completed"), ("CallDuration", "42")]);
    assert_eq!(twilio(&app, "/webhooks/twilio/voice/status", &ended, None).await.0, 204);
    let timeline = format!("/api/v1/leads/{}/timeline?limit=100", leads["data"][0]["id"].as_str().unwrap());
    let events = eventually(&app, token, &timeline, |t| {
        t["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["content"].as_str().unwrap_or("").starts_with("Call of 3 turn(s)"))
    })
    .await;
    let contents: Vec<_> = events["data"].as_array().unwrap().iter().map(|e| e["content"].as_str().unwrap()).collect();
    assert!(contents.contains(&"Call completed (42 s)"), "{contents:?}");
    let summary = contents.iter().find(|c| c.starts_with("Call of 3")).unwrap();
    assert!(summary.contains("An appointment was booked."), "{summary}");

    // A blocked caller hears a rejection; nothing reaches the receptionist.
    app.expect(token, Method::POST, "/api/v1/blocked-numbers", Some(json!({"number": CALLER})), 201).await;
    let (_, rejected) = twilio(&app, "/webhooks/twilio/voice", &call("CA2"), None).await;
    assert!(
        rejected.contains("<Say>Sorry, we can&apos;t take your call. Goodbye.</Say><Hangup/>")
            || rejected.contains("<Say>Sorry, we can't take your call. Goodbye.</Say><Hangup/>"),
        "{rejected}"
    );
    // The other tenant was never involved.
    assert_eq!(total(&app, &other.token, "/api/v1/leads").await, 0);
    assert_eq!(total(&app, &other.token, "/api/v1/conversations").await, 0);
}

/// Texts: the reply comes from a job, once per `MessageSid`; STOP is
/// answered before the receptionist and afterwards no message of any kind
/// (a booking confirmation included) goes to that number until START.
async fn texts_are_answered_once_and_stop_means_stop(profile: Profile) {
    let app = app(profile, &[]).await;
    let owner = Owner::create(&app, "texts.test").await;
    let token = owner.token.as_str();
    open_all_week(&app, &owner).await;
    app.expect(token, Method::POST, "/api/v1/phone-numbers", Some(json!({"number": BUSINESS, "channel": "sms"})), 201)
        .await;
    let text = |sid: &'static str, body: &'static str| {
        vec![("MessageSid", sid), ("From", CALLER), ("To", BUSINESS), ("Body", body)]
    };
    let (status, ack) = twilio(&app, "/webhooks/twilio/sms", &text("SM1", "What are your hours?"), None).await;
    assert_eq!((status, ack.as_str()), (200, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>"));
    // The same MessageSid again (Twilio retried): one job, one reply.
    assert_eq!(twilio(&app, "/webhooks/twilio/sms", &text("SM1", "What are your hours?"), None).await.0, 200);
    let replies = eventually(&app, token, "/api/v1/outbox?channel=sms", |o| o["total"] == 1).await;
    assert_eq!(replies["data"][0]["to"], CALLER);
    assert_eq!(replies["data"][0]["dedupeKey"], "sms-reply:SM1");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(total(&app, token, "/api/v1/outbox?channel=sms").await, 1, "one reply for one MessageSid");

    let (_, stopped) = twilio(&app, "/webhooks/twilio/sms", &text("SM2", "STOP"), None).await;
    assert!(stopped.ends_with("<Response/>"), "{stopped}");
    // After STOP: a text is not answered, and a booking's confirmation is not texted.
    assert_eq!(twilio(&app, "/webhooks/twilio/sms", &text("SM3", "hello?"), None).await.0, 200);
    let lead = app.expect(token, Method::GET, "/api/v1/leads", None, 200).await["data"][0].clone();
    let starts = (chrono::Utc::now() + chrono::Duration::days(2)).date_naive().and_hms_opt(10, 0, 0).unwrap().and_utc();
    let booking = app
        .expect(
            token,
            Method::POST,
            "/api/v1/bookings",
            Some(json!({"leadId": lead["id"], "startsAt": starts.to_rfc3339()})),
            201,
        )
        .await;
    let key = format!("booking:{}", booking["id"].as_str().unwrap());
    // The confirmation job ran (its staff copy is in the outbox) and texted nobody.
    eventually(&app, token, "/api/v1/outbox?channel=staff", |o| {
        o["data"].as_array().unwrap().iter().any(|m| m["dedupeKey"].as_str().unwrap_or("").starts_with(&key))
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(total(&app, token, "/api/v1/outbox?channel=sms").await, 1, "nothing texted after STOP");

    let (_, started) = twilio(&app, "/webhooks/twilio/sms", &text("SM4", "start"), None).await;
    assert!(
        started.contains("<Message>You&apos;re subscribed") || started.contains("<Message>You're subscribed"),
        "{started}"
    );
    let (_, help) = twilio(&app, "/webhooks/twilio/sms", &text("SM5", "HELP"), None).await;
    assert!(help.contains("Reply STOP to unsubscribe."), "{help}");
    assert_eq!(twilio(&app, "/webhooks/twilio/sms", &text("SM6", "What are your hours?"), None).await.0, 200);
    eventually(&app, token, "/api/v1/outbox?channel=sms", |o| o["total"] == 2).await;
}

/// A model that never answers: the caller hears a filler and is redirected
/// at once, and the continue endpoint answers with the fallback's reply.
async fn a_slow_model_gets_a_filler_then_the_answer(profile: Profile) {
    // A "model server" that accepts connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}/v1", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let app = app(profile, &[("OPENAI_BASE_URL", &address), ("VOICE_TURN_BUDGET_MS", "300")]).await;
    let owner = Owner::create(&app, "slow.test").await;
    let token = owner.token.as_str();
    open_all_week(&app, &owner).await;
    app.expect(token, Method::POST, "/api/v1/phone-numbers", Some(json!({"number": BUSINESS})), 201).await;
    assert_eq!(twilio(&app, "/webhooks/twilio/voice", &call("CA9"), None).await.0, 200);
    let said = with(call("CA9"), &[("SpeechResult", "What are your hours?")]);
    let (status, filler) = twilio(&app, "/webhooks/twilio/voice/gather?turn=1", &said, None).await;
    assert_eq!(status, 200);
    assert!(filler.contains("<Say>One moment while I check that for you.</Say>"), "{filler}");
    assert!(
        filler.contains(
            "<Redirect method=\"POST\">https://frontdesk.test/webhooks/twilio/voice/continue?turn=1</Redirect>"
        ),
        "{filler}"
    );
    let (status, answer) = twilio(&app, "/webhooks/twilio/voice/continue?turn=1", &call("CA9"), None).await;
    assert_eq!(status, 200);
    assert!(answer.contains("gather?turn=2"), "the conversation goes on: {answer}");
    assert!(!answer.contains("One moment"), "{answer}");
    let turns = app.expect(token, Method::GET, "/api/v1/conversations?channel=voice", None, 200).await;
    let path = format!("/api/v1/conversations/{}/turns", turns["data"][0]["id"].as_str().unwrap());
    let stored = app.expect(token, Method::GET, &path, None, 200).await;
    assert_eq!(stored["data"][0]["outcome"], "fallback", "{stored}");
}

/// Asking for a person during open hours dials the strategy's handoff
/// number; nobody answers, so the caller leaves a voicemail, which lands
/// on the timeline and in a staff notice.
async fn an_unanswered_transfer_ends_in_a_voicemail_the_staff_hear_of(profile: Profile) {
    let app = app(profile, &[]).await;
    let owner = Owner::create(&app, "handoff-calls.test").await;
    let token = owner.token.as_str();
    open_all_week(&app, &owner).await;
    let strategy = json!({"name": "Main", "persona": "You are Sam.", "goal": "Book.", "qualificationQuestions": [],
        "businessFacts": {"name": "Acme Roofing"}, "handoffPhone": "+14155552699"});
    app.expect(token, Method::POST, "/api/v1/strategies", Some(strategy), 201).await;
    app.expect(token, Method::POST, "/api/v1/phone-numbers", Some(json!({"number": BUSINESS})), 201).await;
    let (_, greeting) = twilio(&app, "/webhooks/twilio/voice", &call("CA5"), None).await;
    assert!(greeting.contains("Thanks for calling Acme Roofing."), "{greeting}");
    let said = with(call("CA5"), &[("SpeechResult", "I want to talk to a real person")]);
    let (_, dial) = twilio(&app, "/webhooks/twilio/voice/gather?turn=1", &said, None).await;
    assert!(
        dial.contains("<Dial timeout=\"20\" action=\"https://frontdesk.test/webhooks/twilio/voice/dial\""),
        "{dial}"
    );
    assert!(dial.contains("<Number>+14155552699</Number>"), "{dial}");
    let missed = with(call("CA5"), &[("DialCallStatus", "no-answer")]);
    let (_, record) = twilio(&app, "/webhooks/twilio/voice/dial", &missed, None).await;
    assert!(record.contains("<Record action=\"https://frontdesk.test/webhooks/twilio/voice/recording\""), "{record}");
    assert!(record.contains("maxLength=\"120\""), "{record}");
    let left = with(
        call("CA5"),
        &[
            ("RecordingUrl", "https://api.twilio.com/rec/RE1"),
            ("TranscriptionText", "Please call me back about the roof"),
        ],
    );
    let (status, thanks) = twilio(&app, "/webhooks/twilio/voice/recording", &left, None).await;
    assert_eq!(status, 200);
    assert!(thanks.contains("<Hangup/>"), "{thanks}");
    let notices = eventually(&app, token, "/api/v1/outbox?channel=staff", |o| {
        o["data"].as_array().unwrap().iter().any(|m| m["subject"].as_str().unwrap_or("").starts_with("Voicemail"))
    })
    .await;
    let voicemail =
        notices["data"].as_array().unwrap().iter().find(|m| m["subject"] == "Voicemail from +14155550123").unwrap();
    assert!(voicemail["body"].as_str().unwrap().contains("Please call me back about the roof"), "{voicemail}");
    let lead =
        app.expect(token, Method::GET, "/api/v1/leads", None, 200).await["data"][0]["id"].as_str().unwrap().to_owned();
    let timeline = app.expect(token, Method::GET, &format!("/api/v1/leads/{lead}/timeline?limit=100"), None, 200).await;
    let contents: Vec<_> =
        timeline["data"].as_array().unwrap().iter().map(|e| e["content"].as_str().unwrap()).collect();
    assert!(contents.contains(&"Transfer not answered; voicemail offered"), "{contents:?}");
    assert!(contents.contains(&"Voicemail: Please call me back about the roof"), "{contents:?}");
}

const POSTMARK_USER: &str = "postmark";
const POSTMARK_PASSWORD: &str = "inbound-secret-0123456789";

fn postmark_sample(index: usize) -> Value {
    let samples: Value = serde_json::from_str(include_str!("../fixtures/postmark_inbound_samples.json")).unwrap();
    samples["samples"][index].clone()
}

/// Where `value` breaks Postmark's own schema of its inbound webhook
/// (`fixtures/postmark-inbound-webhook.schema.json`, generated from the
/// postmark npm package's type): `$ref`, `type`, `required`, `properties`
/// and `items` — every keyword that schema uses.
fn schema_problems(value: &Value, node: &Value, root: &Value, at: &str) -> Vec<String> {
    if let Some(reference) = node["$ref"].as_str() {
        let name = reference.trim_start_matches("#/definitions/");
        return schema_problems(value, &root["definitions"][name], root, at);
    }
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let allowed: Vec<&str> = match &node["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !allowed.is_empty() && !allowed.contains(&kind) {
        return vec![format!("{at}: {kind} is not {allowed:?}")];
    }
    let mut problems = Vec::new();
    for field in node["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
        if value.get(field).is_none() {
            problems.push(format!("{at}.{field}: required"));
        }
    }
    if let (Some(properties), Some(object)) = (node["properties"].as_object(), value.as_object()) {
        for (field, inner) in object {
            if let Some(rule) = properties.get(field) {
                problems.extend(schema_problems(inner, rule, root, &format!("{at}.{field}")));
            }
        }
    }
    if let (Some(items), Some(array)) = (node.get("items"), value.as_array()) {
        for (i, item) in array.iter().enumerate() {
            problems.extend(schema_problems(item, items, root, &format!("{at}[{i}]")));
        }
    }
    problems
}

/// Posts Postmark's inbound JSON with the webhook URL's basic credentials (or `auth`),
/// after checking it is what Postmark's schema says Postmark sends.
async fn postmark(app: &TestApp, body: &Value, auth: Option<(&str, &str)>) -> (u16, Value) {
    let schema: Value = serde_json::from_str(include_str!("../fixtures/postmark-inbound-webhook.schema.json")).unwrap();
    let problems = schema_problems(body, &schema, &schema, "$");
    assert!(problems.is_empty(), "not Postmark's shape: {problems:?}");
    let (user, password) = auth.unwrap_or((POSTMARK_USER, POSTMARK_PASSWORD));
    let response = app
        .client
        .post(format!("{}/webhooks/postmark/inbound", app.address))
        .basic_auth(user, Some(password))
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn headers(message: &Value) -> Vec<(String, String)> {
    message["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["name"].as_str().unwrap().to_owned(), h["value"].as_str().unwrap().to_owned()))
        .collect()
}

/// Three emails of one thread (by `References`, then by subject alone) are
/// one conversation answered in the customer's thread; a redelivery is one
/// reply; an auto-reply is never answered; another subject is another
/// conversation; wrong credentials and unknown recipients store nothing.
async fn an_email_thread_is_answered_in_one_thread(profile: Profile) {
    let app =
        app(profile, &[("POSTMARK_INBOUND_USER", POSTMARK_USER), ("POSTMARK_INBOUND_PASSWORD", POSTMARK_PASSWORD)])
            .await;
    let owner = Owner::create(&app, "email.test").await;
    let token = owner.token.as_str();
    open_all_week(&app, &owner).await;
    let first = postmark_sample(0);
    assert_eq!(postmark(&app, &first, Some(("postmark", "wrong-password-0123456789"))).await.0, 403);
    let unauthenticated =
        app.client.post(format!("{}/webhooks/postmark/inbound", app.address)).json(&first).send().await.unwrap();
    assert_eq!(unauthenticated.status(), 403);
    assert_eq!(postmark(&app, &first, None).await.0, 404, "no address is routed yet");
    assert_eq!(total(&app, token, "/api/v1/leads").await, 0, "nothing stored");
    app.expect(token, Method::POST, "/api/v1/inbound-addresses", Some(json!({"address": "t_acme"})), 201).await;

    let (status, queued) = postmark(&app, &first, None).await;
    assert_eq!((status, queued["status"].as_str()), (200, Some("queued")), "{queued}");
    let (_, again) = postmark(&app, &first, None).await;
    assert_eq!(again["jobId"], queued["jobId"], "a redelivery is the same job");
    let outbox = eventually(&app, token, "/api/v1/outbox?channel=email", |o| o["total"] == 1).await;
    let reply = &outbox["data"][0];
    assert_eq!(reply["to"], "dana.reyes@example.org");
    assert_eq!(reply["subject"], "Re: New patient - insurance card attached");
    assert_eq!(
        headers(reply),
        [
            ("In-Reply-To".to_owned(), "<CAF00001.dana@mail.example.org>".to_owned()),
            ("References".to_owned(), "<CAF00001.dana@mail.example.org>".to_owned())
        ]
    );
    let lead = app.expect(token, Method::GET, "/api/v1/leads", None, 200).await["data"][0].clone();
    assert_eq!((lead["name"].as_str(), lead["source"].as_str()), (Some("Dana Reyes"), Some("email")));

    // Dana answers our reply: her client quotes us and references her first message.
    let mut second = first.clone();
    second["MessageID"] = json!("5f1c9a2e-0000-4000-8000-000000000010");
    second["Subject"] = json!("Re: New patient - insurance card attached");
    second["TextBody"] = json!("Tuesday at 3pm works for me.\n\nOn Tue, Acme wrote:\n> Hi Dana");
    second["Headers"] = json!([{"Name": "Message-ID", "Value": "<CAF00010.dana@mail.example.org>"},
        {"Name": "In-Reply-To", "Value": "<pm-outbound-1@pm.example>"},
        {"Name": "References", "Value": "<CAF00001.dana@mail.example.org> <pm-outbound-1@pm.example>"}]);
    assert_eq!(postmark(&app, &second, None).await.0, 200);
    let outbox = eventually(&app, token, "/api/v1/outbox?channel=email", |o| o["total"] == 2).await;
    let references = headers(&outbox["data"][0]);
    assert_eq!(references[0].1, "<CAF00010.dana@mail.example.org>");
    assert_eq!(
        references[1].1,
        "<CAF00001.dana@mail.example.org> <pm-outbound-1@pm.example> <CAF00010.dana@mail.example.org>"
    );
    // A third without any threading header, same subject: still the same thread.
    let mut third = first.clone();
    third["MessageID"] = json!("5f1c9a2e-0000-4000-8000-000000000011");
    third["Subject"] = json!("RE: re: New patient -  insurance card attached");
    third["TextBody"] = json!("Thanks!\u{7}");
    third["Headers"] = json!([{"Name": "Message-ID", "Value": "<CAF00011.dana@mail.example.org>"}]);
    assert_eq!(postmark(&app, &third, None).await.0, 200);
    eventually(&app, token, "/api/v1/outbox?channel=email", |o| o["total"] == 3).await;
    let conversations = app.expect(token, Method::GET, "/api/v1/conversations?channel=email", None, 200).await;
    assert_eq!(conversations["total"], 1, "{conversations}");
    let messages = format!("/api/v1/conversations/{}/messages", conversations["data"][0]["id"].as_str().unwrap());
    let said = app.expect(token, Method::GET, &messages, None, 200).await;
    assert_eq!(said["total"], 6, "{said}");
    assert_eq!(said["data"][2]["content"], "Tuesday at 3pm works for me.", "the quote was cut: {said}");
    assert_eq!(said["data"][4]["content"], "Thanks!", "the control character was dropped, the message kept: {said}");

    // An auto-reply is never answered.
    let mut away = first.clone();
    away["MessageID"] = json!("5f1c9a2e-0000-4000-8000-000000000012");
    away["Subject"] = json!("Out of office: New patient");
    away["Headers"] = json!([{"Name": "Auto-Submitted", "Value": "auto-replied"}]);
    let (status, ignored) = postmark(&app, &away, None).await;
    assert_eq!(
        (status, ignored["status"].as_str(), ignored["reason"].as_str()),
        (200, Some("ignored"), Some("automatic"))
    );
    // Another subject, no headers: another conversation.
    let mut other = first.clone();
    other["MessageID"] = json!("5f1c9a2e-0000-4000-8000-000000000013");
    other["Subject"] = json!("Invoice question");
    other["TextBody"] = json!("What are your hours?");
    other["Headers"] = json!([]);
    assert_eq!(postmark(&app, &other, None).await.0, 200);
    eventually(&app, token, "/api/v1/outbox?channel=email", |o| o["total"] == 4).await;
    assert_eq!(total(&app, token, "/api/v1/conversations?channel=email").await, 2);
    // An HTML-only email (its script never read as text) is answered too.
    let html = postmark_sample(2);
    assert_eq!(postmark(&app, &html, None).await.1["status"], "queued");
    eventually(&app, token, "/api/v1/outbox?channel=email", |o| o["total"] == 5).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(total(&app, token, "/api/v1/outbox?channel=email").await, 5, "the auto-reply got nothing");
}

/// Reads Twilio's side of a relay session until `last: true` (and an `end`, when `until_end`).
async fn hear<S>(ws: &mut S, until_end: bool) -> (String, Option<Value>)
where
    S: futures_util::Stream<
            Item = Result<tokio_tungstenite::tungstenite::Message, tokio_tungstenite::tungstenite::Error>,
        > + Unpin,
{
    use futures_util::StreamExt;
    let mut said = String::new();
    let mut last = false;
    loop {
        let next = tokio::time::timeout(Duration::from_secs(20), ws.next()).await.expect("the relay answers in time");
        let message = next.expect("open").expect("a message");
        let tokio_tungstenite::tungstenite::Message::Text(text) = message else { continue };
        let event: Value = serde_json::from_str(text.as_str()).unwrap();
        match event["type"].as_str().unwrap() {
            "text" => {
                said.push_str(event["token"].as_str().unwrap());
                if event["last"] == true {
                    last = true;
                    if !until_end {
                        return (said, None);
                    }
                }
            }
            "end" => {
                assert!(last, "the reply is finished before the end");
                return (said, Some(event));
            }
            other => panic!("unexpected {other}: {event}"),
        }
    }
}

/// ConversationRelay: the handshake's signature is checked; each prompt's
/// reply streams back as text tokens closed by `last`, booking in two
/// turns; an interruption records what the caller heard; a handoff ends
/// the session with the staff number, which `/voice/relay-end` dials.
async fn a_streamed_call_books_and_hands_off_over_conversation_relay(profile: Profile) {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let app = app(profile, &[("VOICE_MODE", "relay")]).await;
    let owner = Owner::create(&app, "relay.test").await;
    let token = owner.token.as_str();
    open_all_week(&app, &owner).await;
    let strategy = json!({"name": "Main", "persona": "You are Sam.", "goal": "Book.", "qualificationQuestions": [],
        "businessFacts": {"name": "Acme Roofing"}, "handoffPhone": "+14155552699"});
    app.expect(token, Method::POST, "/api/v1/strategies", Some(strategy), 201).await;
    app.expect(token, Method::POST, "/api/v1/phone-numbers", Some(json!({"number": BUSINESS})), 201).await;
    let (_, connect) = twilio(&app, "/webhooks/twilio/voice", &call("CA7"), None).await;
    assert!(
        connect.contains("<Connect action=\"https://frontdesk.test/webhooks/twilio/voice/relay-end\" method=\"POST\">\
            <ConversationRelay url=\"wss://frontdesk.test/webhooks/twilio/relay\" welcomeGreeting=\"Thanks for calling Acme Roofing."),
        "{connect}"
    );

    let url = format!("{}/webhooks/twilio/relay", app.address.replacen("http://", "ws://", 1));
    let mut forged = url.as_str().into_client_request().unwrap();
    forged.headers_mut().insert("x-twilio-signature", "AAAAAAAAAAAAAAAAAAAAAAAAAAA=".parse().unwrap());
    match tokio_tungstenite::connect_async(forged).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => assert_eq!(response.status(), 403),
        other => panic!("a forged handshake must be refused: {:?}", other.map(|(_, r)| r.status())),
    }
    let signer = TwilioSignatures::new(Some(&secrecy::SecretString::from(TOKEN.to_owned())));
    let signature = signer.sign("wss://frontdesk.test/webhooks/twilio/relay", &[]).unwrap();
    let mut request = url.as_str().into_client_request().unwrap();
    request.headers_mut().insert("x-twilio-signature", signature.parse().unwrap());
    let send = |event: Value| tokio_tungstenite::tungstenite::Message::Text(event.to_string().into());
    // The call's pass, sealed into the TwiML: Twilio brings it back in `setup`.
    let pass = connect.split("<Parameter name=\"pass\" value=\"").nth(1).and_then(|rest| rest.split('"').next());
    let pass = pass.unwrap_or_else(|| panic!("no pass in {connect}")).to_owned();
    // Twilio's handshake signature covers the URL alone, the same for every
    // call: a replayed handshake without the call's pass, or with another
    // call's, or for other numbers, is ended before anything is looked up.
    let setup = |sid: &str, from: &str, pass: Option<&str>| {
        let mut event = json!({"type": "setup", "sessionId": "VX1", "callSid": sid, "from": from, "to": BUSINESS,
            "direction": "inbound", "callStatus": "RINGING"});
        if let Some(pass) = pass {
            event["customParameters"] = json!({"pass": pass});
        }
        event
    };
    let tampered = format!("{}x", &pass[..pass.len() - 1]);
    let forged_setups = [
        setup("CA7", CALLER, None),
        setup("CA8", CALLER, Some(&pass)),
        setup("CA7", "+14155550999", Some(&pass)),
        setup("CA7", CALLER, Some(&tampered)),
        setup("CA7", CALLER, Some("9999999999.AAAA")),
    ];
    let calls_before = app.expect(token, Method::GET, "/api/v1/leads", None, 200).await["total"].clone();
    for forged_setup in forged_setups {
        let mut request = url.as_str().into_client_request().unwrap();
        request.headers_mut().insert("x-twilio-signature", signature.parse().unwrap());
        let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
        ws.send(send(forged_setup.clone())).await.unwrap();
        ws.send(send(json!({"type": "prompt", "voicePrompt": "cancel my appointment", "last": true}))).await.unwrap();
        // The api answers `end` and closes; it never speaks.
        let mut ended = false;
        while let Ok(Some(Ok(message))) = tokio::time::timeout(Duration::from_secs(20), ws.next()).await {
            let tokio_tungstenite::tungstenite::Message::Text(text) = message else { continue };
            let event: Value = serde_json::from_str(text.as_str()).unwrap();
            assert_eq!(event["type"], "end", "{forged_setup}: the api said {event}");
            ended = true;
        }
        assert!(ended, "{forged_setup}: no `end`");
    }
    let calls_after = app.expect(token, Method::GET, "/api/v1/leads", None, 200).await["total"].clone();
    assert_eq!(calls_before, calls_after, "a refused session creates no lead");

    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    ws.send(send(setup("CA7", CALLER, Some(&pass)))).await.unwrap();
    ws.send(send(json!({"type": "prompt", "voicePrompt": "Can I", "lang": "en-US", "last": false}))).await.unwrap();
    ws.send(send(
        json!({"type": "prompt", "voicePrompt": "Can I come in tomorrow at 3pm?", "lang": "en-US", "last": true}),
    ))
    .await
    .unwrap();
    let (offer, _) = hear(&mut ws, false).await;
    assert!(offer.starts_with("I can offer"), "{offer}");
    ws.send(send(json!({"type": "prompt", "voicePrompt": "yes please", "lang": "en-US", "last": true}))).await.unwrap();
    let (booked, _) = hear(&mut ws, false).await;
    assert!(!booked.trim().is_empty());
    let bookings = app.expect(token, Method::GET, "/api/v1/bookings", None, 200).await;
    assert_eq!(bookings["total"], 1, "{bookings}");
    let metrics = app.client.get(format!("{}/metrics", app.address)).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("relay_first_token_seconds_bucket{le=\"0.005\"}"), "the dead air is measured");

    ws.send(send(
        json!({"type": "interrupt", "utteranceUntilInterrupt": "You're booked for", "durationUntilInterruptMs": 900}),
    ))
    .await
    .unwrap();
    ws.send(send(json!({"type": "prompt", "voicePrompt": "I want to talk to a real person", "last": true})))
        .await
        .unwrap();
    let (_, end) = hear(&mut ws, true).await;
    let data: Value = serde_json::from_str(end.unwrap()["handoffData"].as_str().unwrap()).unwrap();
    assert_eq!(
        (data["reasonCode"].as_str(), data["number"].as_str()),
        (Some("live-agent-handoff"), Some("+14155552699"))
    );
    // The call keeps the caller's turn lease between turns, and gives it back when its socket closes.
    let leases = "receptionist:turn:*";
    if app.redis_prefix.is_some() {
        assert_eq!(app.redis_keys(leases).await, 1, "the live call holds its caller's lease");
    }
    ws.close(None).await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(2);
    while app.redis_keys(leases).await > 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(app.redis_keys(leases).await, 0, "the lease went back with the call");
    let handoff = data.to_string();
    let ended = with(call("CA7"), &[("HandoffData", handoff.as_str())]);
    let (_, dial) = twilio(&app, "/webhooks/twilio/voice/relay-end", &ended, None).await;
    assert!(dial.contains("<Number>+14155552699</Number>"), "{dial}");
    let lead =
        app.expect(token, Method::GET, "/api/v1/leads", None, 200).await["data"][0]["id"].as_str().unwrap().to_owned();
    let timeline = app.expect(token, Method::GET, &format!("/api/v1/leads/{lead}/timeline?limit=100"), None, 200).await;
    let contents: Vec<_> =
        timeline["data"].as_array().unwrap().iter().map(|e| e["content"].as_str().unwrap()).collect();
    assert!(contents.contains(&"Caller interrupted after hearing: You're booked for"), "{contents:?}");
}

/// A sub-account with its own active Postmark integration: the reply to an
/// inbound email goes out through its account (its server token, to the
/// Postmark API), not the platform's (none is configured here).
async fn a_reply_goes_out_through_the_sub_accounts_own_postmark(profile: Profile) {
    use frontdesk_integrations::{IntegrationRepository, IntegrationStatus};
    let postmark_api = crate::helpers::Receiver::start("200 OK").await;
    let base = postmark_api.url.trim_end_matches("/hooks/frontdesk").to_owned();
    let app = app(
        profile,
        &[
            ("POSTMARK_INBOUND_USER", POSTMARK_USER),
            ("POSTMARK_INBOUND_PASSWORD", POSTMARK_PASSWORD),
            ("POSTMARK_API_BASE_URL", base.as_str()),
        ],
    )
    .await;
    let owner = Owner::create(&app, "own-postmark.test").await;
    let token = owner.token.as_str();
    open_all_week(&app, &owner).await;
    app.expect(token, Method::POST, "/api/v1/inbound-addresses", Some(json!({"address": "t_acme"})), 201).await;
    let settings = json!({"serverToken": "tenant-own-postmark-token-1234", "fromAddress": "desk@own-postmark.test"});
    let body = json!({"kind": "postmark", "name": "Our mail", "settings": settings});
    let created = app.expect(token, Method::POST, "/api/v1/integrations", Some(body), 201).await;
    // Activated as a passing check would (the check itself is covered with Prism in integrations.rs).
    let repo = frontdesk_sea_orm::SeaOrmIntegrations::new(app.store().await);
    let tenant: frontdesk_kernel::TenantId = owner.sub_account_id.parse().unwrap();
    let mut integration = repo.get(tenant, created["id"].as_str().unwrap().parse().unwrap()).await.unwrap();
    let seen = integration.updated_at;
    integration.status = IntegrationStatus::Active;
    integration.updated_at = seen + chrono::Duration::milliseconds(1);
    repo.update(&integration, seen).await.unwrap();

    let (status, _) = postmark(&app, &postmark_sample(0), None).await;
    assert_eq!(status, 200);
    let got = postmark_api.wait_for(1).await;
    assert_eq!(got[0].header("X-Postmark-Server-Token"), "tenant-own-postmark-token-1234");
    let sent = got[0].json();
    assert_eq!(
        (sent["From"].as_str(), sent["To"].as_str()),
        (Some("desk@own-postmark.test"), Some("dana.reyes@example.org")),
        "{sent}"
    );
}

/// Plays Twilio's recording media endpoint: MP3 for the account's basic
/// auth, 401 otherwise; counts requests.
async fn recording_media(account: &'static str, audio: &'static [u8]) -> (String, Arc<AtomicUsize>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let auth = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, format!("{account}:{TOKEN}"));
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&hits);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buffer = vec![0u8; 16 * 1024];
            let n = socket.read(&mut buffer).await.unwrap_or(0);
            let request = String::from_utf8_lossy(&buffer[..n]).to_ascii_lowercase();
            counted.fetch_add(1, Ordering::SeqCst);
            let (status, body) = if request.contains(&format!("authorization: basic {}", auth.to_ascii_lowercase()))
                && request.contains(".mp3 http/1.1")
            {
                ("200 OK", audio)
            } else {
                ("401 Unauthorized", &b"{}"[..])
            };
            let head = format!("HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n", body.len());
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(body).await;
        }
    });
    (base, hits)
}

/// A voicemail's recording is fetched from the Twilio account with its
/// credentials and kept in the sub-account's file library (once, however
/// often Twilio calls back), on the lead's timeline with its file id, and
/// downloadable through a library link.
async fn a_voicemail_recording_is_kept_in_the_file_library(profile: Profile) {
    const ACCOUNT: &str = "AC0123456789abcdef0123456789abcdef";
    const AUDIO: &[u8] = b"ID3\x04\0\0\0\0\0\x10the caller's voicemail";
    let (media, hits) = recording_media(ACCOUNT, AUDIO).await;
    let app = app(profile, &[("TWILIO_ACCOUNT_SID", ACCOUNT), ("TWILIO_API_BASE_URL", media.as_str())]).await;
    let owner = Owner::create(&app, "recordings.test").await;
    let token = owner.token.as_str();
    app.expect(token, Method::POST, "/api/v1/phone-numbers", Some(json!({"number": BUSINESS})), 201).await;
    let (status, greeting) = twilio(&app, "/webhooks/twilio/voice", &call("CA7"), None).await;
    assert_eq!(status, 200, "{greeting}");
    let url = format!("{media}/2010-04-01/Accounts/{ACCOUNT}/Recordings/RE0123456789abcdef0123456789abcdef");
    let left = with(call("CA7"), &[("RecordingUrl", url.as_str())]);
    assert_eq!(twilio(&app, "/webhooks/twilio/voice/recording", &left, None).await.0, 200);
    // The transcription callback names the same recording: still one file.
    let transcribed = with(call("CA7"), &[("RecordingUrl", url.as_str()), ("TranscriptionText", "Call me back")]);
    assert_eq!(twilio(&app, "/webhooks/twilio/voice/recording", &transcribed, None).await.0, 200);

    let files = eventually(&app, token, "/api/v1/files?prefix=recordings", |f| f["total"] == 1).await;
    let file = &files["data"][0];
    assert_eq!((file["contentType"].as_str(), file["purpose"].as_str()), (Some("audio/mpeg"), Some("recording")));
    assert_eq!((file["name"].as_str(), file["size"].as_u64()), (Some("voicemail-CA7.mp3"), Some(AUDIO.len() as u64)));
    let id = file["id"].as_str().unwrap();
    let link = app.expect(token, Method::GET, &format!("/api/v1/files/{id}/url"), None, 200).await;
    let link = link["url"].as_str().unwrap();
    let local = format!("{}{}", app.address, &link[link.find("/files/download").unwrap()..]);
    assert_eq!(reqwest::get(&local).await.unwrap().bytes().await.unwrap().as_ref(), AUDIO);

    let lead =
        app.expect(token, Method::GET, "/api/v1/leads", None, 200).await["data"][0]["id"].as_str().unwrap().to_owned();
    let timeline = eventually(&app, token, &format!("/api/v1/leads/{lead}/timeline?limit=100"), |t| {
        t["data"].as_array().unwrap().iter().any(|e| e["content"] == "Voicemail recording saved")
    })
    .await;
    let saved = timeline["data"].as_array().unwrap().iter().find(|e| e["content"] == "Voicemail recording saved");
    assert_eq!(saved.unwrap()["meta"]["fileId"], id, "{timeline}");
    assert_eq!(hits.load(Ordering::SeqCst), 1, "fetched once");
    let files = app.expect(token, Method::GET, "/api/v1/files", None, 200).await;
    assert_eq!(files["total"], 1, "{files}");
}

crate::per_profile!(
    a_voicemail_recording_is_kept_in_the_file_library,
    a_reply_goes_out_through_the_sub_accounts_own_postmark,
    a_streamed_call_books_and_hands_off_over_conversation_relay,
    an_email_thread_is_answered_in_one_thread,
    numbers_addresses_and_blocks_belong_to_one_sub_account,
    a_signed_call_books_in_three_turns,
    texts_are_answered_once_and_stop_means_stop,
    a_slow_model_gets_a_filler_then_the_answer,
    an_unanswered_transfer_ends_in_a_voicemail_the_staff_hear_of
);
