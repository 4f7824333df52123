//! Scheduling over HTTP on both profiles: schedules, availability, holds,
//! bookings, the self-service link, the rules' 422s, tenant isolation, the
//! role matrix, and the races that must never produce a double booking.

use crate::helpers::{Owner, Profile, Team, TestApp};
use chrono::{DateTime, Duration, Utc};
use futures_util::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::Arc;

/// Open every day, all day, in UTC, with one hour of notice: any slot from tomorrow on is bookable.
fn always_open() -> Value {
    let day = json!([{"start": "00:00", "end": "24:00"}]);
    json!({"timeZone": "UTC", "granularityMinutes": 30, "minNoticeMinutes": 60, "horizonDays": 60,
        "weeklyHours": {"monday": day, "tuesday": day, "wednesday": day, "thursday": day,
            "friday": day, "saturday": day, "sunday": day}})
}

async fn open_all_day(app: &TestApp, owner: &Owner) {
    let path = format!("/api/v1/subaccounts/{}/schedule", owner.sub_account_id);
    app.expect(&owner.token, Method::PUT, &path, Some(always_open()), 200).await;
}

async fn lead(app: &TestApp, token: &str, phone: &str) -> String {
    let created =
        app.expect(token, Method::POST, "/api/v1/leads", Some(json!({"name": "Ana Lopez", "phone": phone})), 201).await;
    created["id"].as_str().unwrap().to_owned()
}

/// The day after tomorrow (UTC) at `hour:00`: always past the one hour of notice.
fn tomorrow_at(hour: u32) -> DateTime<Utc> {
    let day = (Utc::now() + Duration::days(2)).date_naive();
    day.and_hms_opt(hour, 0, 0).unwrap().and_utc()
}

/// `t` without its seconds: starts must fall on a whole minute.
fn whole_minute(t: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::DurationRound;
    t.duration_trunc(Duration::minutes(1)).unwrap()
}

fn at(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

async fn scheduling_walkthrough(profile: Profile) {
    let app = TestApp::builder(profile).spawn().await;
    let owner = Owner::create(&app, "walk.test").await;
    let token = owner.token.as_str();
    open_all_day(&app, &owner).await;
    let lead_id = lead(&app, token, "+14155550101").await;

    // The default appointment type and resource exist before anyone configures them.
    let types = app.expect(token, Method::GET, "/api/v1/appointment-types", None, 200).await;
    assert_eq!((types[0]["durationMinutes"].as_u64(), types.as_array().unwrap().len()), (Some(30), 1), "{types}");
    let resources = app.expect(token, Method::GET, "/api/v1/resources", None, 200).await;
    assert_eq!(resources["total"], 1, "{resources}");

    // Availability: instants, local wall time, zone and free resources.
    let day = tomorrow_at(0).date_naive();
    let found = app.expect(token, Method::GET, &format!("/api/v1/availability?from={day}&to={day}"), None, 200).await;
    let slots = found["slots"].as_array().unwrap();
    assert_eq!(slots.len(), 48, "30-minute slots every 30 minutes of a 24-hour day: {found}");
    assert_eq!(slots[20]["startsAt"], json!(at(tomorrow_at(10))));
    assert_eq!(slots[20]["timeZone"], "UTC");
    assert_eq!(slots[20]["resourceIds"].as_array().unwrap().len(), 1);

    // Book 10:00; the same slot again is taken; it is gone from availability.
    let ten = at(tomorrow_at(10));
    let booking = app
        .expect(token, Method::POST, "/api/v1/bookings", Some(json!({"leadId": lead_id, "startsAt": ten})), 201)
        .await;
    assert_eq!(
        (booking["status"].as_str(), booking["endsAt"].as_str()),
        (Some("confirmed"), Some(&*at(tomorrow_at(10) + Duration::minutes(30))))
    );
    let manage_token = booking["manageToken"].as_str().expect("token shown once").to_owned();
    let again = app
        .expect(token, Method::POST, "/api/v1/bookings", Some(json!({"leadId": lead_id, "startsAt": ten})), 409)
        .await;
    assert_eq!(again["code"], "slot_taken", "{again}");
    let found = app.expect(token, Method::GET, &format!("/api/v1/availability?from={day}&to={day}"), None, 200).await;
    assert!(found["slots"].as_array().unwrap().iter().all(|s| s["startsAt"] != json!(ten)), "{found}");

    // The lead is booked and the booking is on its timeline.
    let stored = app.expect(token, Method::GET, &format!("/api/v1/leads/{lead_id}"), None, 200).await;
    assert_eq!(stored["status"], "booked");
    let timeline = app.expect(token, Method::GET, &format!("/api/v1/leads/{lead_id}/timeline"), None, 200).await;
    assert!(timeline["data"].as_array().unwrap().iter().any(|e| e["type"] == "booking"), "{timeline}");

    // A hold blocks everyone else; its conversion books it.
    let eleven = at(tomorrow_at(11));
    let hold = app
        .expect(token, Method::POST, "/api/v1/holds", Some(json!({"startsAt": eleven, "leadId": lead_id})), 201)
        .await;
    let expires: DateTime<Utc> = hold["expiresAt"].as_str().unwrap().parse().unwrap();
    assert!(expires > Utc::now() + Duration::minutes(4) && expires <= Utc::now() + Duration::minutes(5));
    let blocked = app
        .expect(token, Method::POST, "/api/v1/bookings", Some(json!({"leadId": lead_id, "startsAt": eleven})), 409)
        .await;
    assert_eq!(blocked["code"], "slot_taken");
    app.expect(token, Method::POST, "/api/v1/holds", Some(json!({"startsAt": eleven})), 409).await;
    let converted = app
        .expect(
            token,
            Method::POST,
            "/api/v1/bookings",
            Some(json!({"leadId": lead_id, "startsAt": eleven, "holdId": hold["id"]})),
            201,
        )
        .await;
    let hold_path = format!("/api/v1/holds/{}", hold["id"].as_str().unwrap());
    app.expect(token, Method::GET, &hold_path, None, 404).await;
    let reused = app
        .expect(
            token,
            Method::POST,
            "/api/v1/bookings",
            Some(json!({"leadId": lead_id, "startsAt": eleven, "holdId": hold["id"]})),
            409,
        )
        .await;
    assert_eq!(reused["code"], "hold_expired", "a converted hold is gone: {reused}");

    // Reschedule into a taken slot → 409, nothing changes; into a free one → moved, same id.
    let converted_path = format!("/api/v1/bookings/{}", converted["id"].as_str().unwrap());
    let taken = app.expect(token, Method::PATCH, &converted_path, Some(json!({"startsAt": ten})), 409).await;
    assert_eq!(taken["code"], "slot_taken");
    let noon = at(tomorrow_at(12));
    let moved = app.expect(token, Method::PATCH, &converted_path, Some(json!({"startsAt": noon})), 200).await;
    assert_eq!((moved["startsAt"].as_str(), moved["rescheduleCount"].as_u64()), (Some(&*noon), Some(1)));
    assert_eq!(moved["id"], converted["id"]);
    // 11:00 is free again, 12:00 is not.
    app.expect(token, Method::POST, "/api/v1/holds", Some(json!({"startsAt": noon})), 409).await;
    let freed = app.expect(token, Method::POST, "/api/v1/holds", Some(json!({"startsAt": eleven})), 201).await;
    app.expect(token, Method::DELETE, &format!("/api/v1/holds/{}", freed["id"].as_str().unwrap()), None, 204).await;

    // Cancel frees the slot at once.
    let booking_path = format!("/api/v1/bookings/{}", booking["id"].as_str().unwrap());
    let cancelled =
        app.expect(token, Method::POST, &format!("{booking_path}/cancel"), Some(json!({"reason": "sick"})), 200).await;
    assert_eq!((cancelled["status"].as_str(), cancelled["cancelReason"].as_str()), (Some("cancelled"), Some("sick")));
    app.expect(token, Method::POST, &format!("{booking_path}/cancel"), None, 422).await;
    let rebooked = app
        .expect(token, Method::POST, "/api/v1/bookings", Some(json!({"leadId": lead_id, "startsAt": ten})), 201)
        .await;

    // The list filters by status and lead.
    let list = app.expect(token, Method::GET, "/api/v1/bookings?status=confirmed", None, 200).await;
    assert_eq!(list["total"], 2, "{list}");
    let list =
        app.expect(token, Method::GET, &format!("/api/v1/bookings?leadId={lead_id}&status=cancelled"), None, 200).await;
    assert_eq!(list["total"], 1, "{list}");

    // Self-service: the customer sees, moves and cancels with the token alone.
    let link = format!("/b/{}", rebooked["manageToken"].as_str().unwrap());
    let seen: Value = app.get(&link).await.json().await.unwrap();
    assert_eq!((seen["status"].as_str(), seen["startsAt"].as_str()), (Some("confirmed"), Some(&*ten)), "{seen}");
    assert!(seen.get("leadId").is_none() && seen.get("notes").is_none(), "no internals on the public page: {seen}");
    let thirteen = at(tomorrow_at(13));
    let response = app.post_json(&format!("{link}/reschedule"), &json!({"startsAt": thirteen})).await;
    assert_eq!(response.status().as_u16(), 200);
    let response = app.post_json(&format!("{link}/cancel"), &json!({})).await;
    assert_eq!(response.status().as_u16(), 200);
    let response = app.post_json(&format!("{link}/cancel"), &json!({})).await;
    assert_eq!(response.status().as_u16(), 422, "already cancelled");
    // The first booking's token still names only the first booking (cancelled).
    let first: Value = app.get(&format!("/b/{manage_token}")).await.json().await.unwrap();
    assert_eq!(first["status"], "cancelled");
    assert_eq!(app.get("/b/not-a-token").await.status().as_u16(), 404);
}

async fn rules_answer_422_naming_the_rule(profile: Profile) {
    let app = TestApp::builder(profile).spawn().await;
    let owner = Owner::create(&app, "rules.test").await;
    let token = owner.token.as_str();
    let mut schedule = always_open();
    let closed_day = tomorrow_at(0).date_naive() + Duration::days(2);
    schedule["exceptions"] = json!([{"date": closed_day.to_string(), "hours": [], "label": "Holiday"}]);
    let path = format!("/api/v1/subaccounts/{}/schedule", owner.sub_account_id);
    let stored = app.expect(token, Method::PUT, &path, Some(schedule), 200).await;
    assert_eq!(stored["exceptions"][0]["label"], "Holiday");
    let lead_id = lead(&app, token, "+14155550102").await;
    let book = |starts: DateTime<Utc>| json!({"leadId": lead_id, "startsAt": at(starts)});

    let holiday = closed_day.and_hms_opt(10, 0, 0).unwrap().and_utc();
    let err = app.expect(token, Method::POST, "/api/v1/bookings", Some(book(holiday)), 422).await;
    assert_eq!(err["code"], "outside_hours", "{err}");
    let err = app
        .expect(
            token,
            Method::POST,
            "/api/v1/bookings",
            Some(book(whole_minute(Utc::now() + Duration::minutes(10)))),
            422,
        )
        .await;
    assert_eq!(err["code"], "too_soon", "{err}");
    let err = app
        .expect(token, Method::POST, "/api/v1/bookings", Some(book(whole_minute(Utc::now() + Duration::days(90)))), 422)
        .await;
    assert_eq!(err["code"], "beyond_horizon", "{err}");

    // Every bad field at once, nothing stored.
    let err = app
        .expect(
            token,
            Method::POST,
            "/api/v1/bookings",
            Some(json!({"leadId": "nope", "startsAt": "tomorrow", "resourceId": "x"})),
            400,
        )
        .await;
    let message = err["message"].to_string();
    for field in ["leadId", "startsAt", "resourceId"] {
        assert!(message.contains(field), "{field} in {message}");
    }
    let err = app
        .expect(
            token,
            Method::PUT,
            &path,
            Some(json!({"timeZone": "Mars/Olympus", "weeklyHours": {"monday": [{"start": "18:00", "end": "09:00"}]},
                "granularityMinutes": 0})),
            400,
        )
        .await;
    let message = err["message"].to_string();
    for field in ["timeZone", "weeklyHours.monday.0", "granularityMinutes"] {
        assert!(message.contains(field), "{field} in {message}");
    }
    let unknown_lead = json!({"leadId": uuid::Uuid::now_v7().to_string(), "startsAt": at(tomorrow_at(10))});
    app.expect(token, Method::POST, "/api/v1/bookings", Some(unknown_lead), 404).await;
    let list = app.expect(token, Method::GET, "/api/v1/bookings", None, 200).await;
    assert_eq!(list["total"], 0, "nothing was stored: {list}");

    // Open now follows the schedule.
    let status = app.expect(token, Method::GET, "/api/v1/schedule/status", None, 200).await;
    assert_eq!((status["open"].as_bool(), status["timeZone"].as_str()), (Some(true), Some("UTC")), "{status}");
}

async fn tenants_and_roles(profile: Profile) {
    let app = TestApp::builder(profile).spawn().await;
    let team = Team::create(&app, "roles.test").await;
    let other = Owner::create(&app, "other.test").await;
    open_all_day(&app, &team.owner).await;
    open_all_day(&app, &other).await;
    let owner = team.owner.token.as_str();
    let lead_id = lead(&app, owner, "+14155550103").await;

    // Configuration is for owners and managers; booking is for every member.
    let resource = app.expect(owner, Method::POST, "/api/v1/resources", Some(json!({"name": "Dr. Lee"})), 201).await;
    app.expect(
        &team.manager.token,
        Method::POST,
        "/api/v1/resources",
        Some(json!({"name": "Room 2", "kind": "room"})),
        201,
    )
    .await;
    app.expect(&team.agent.token, Method::POST, "/api/v1/resources", Some(json!({"name": "Nope"})), 403).await;
    app.expect(
        &team.agent.token,
        Method::POST,
        "/api/v1/appointment-types",
        Some(json!({"name": "X", "durationMinutes": 30})),
        403,
    )
    .await;
    let path = format!("/api/v1/subaccounts/{}/schedule", team.owner.sub_account_id);
    app.expect(&team.agent.token, Method::PUT, &path, Some(always_open()), 403).await;
    app.expect(&team.agent.token, Method::GET, &path, None, 200).await;
    let resource_path = format!("/api/v1/resources/{}", resource["id"].as_str().unwrap());
    let booking = app
        .expect(
            &team.agent.token,
            Method::POST,
            "/api/v1/bookings",
            Some(json!({"leadId": lead_id, "startsAt": at(tomorrow_at(9)), "resourceId": resource["id"]})),
            201,
        )
        .await;
    // A resource with an upcoming booking cannot be deleted.
    let err = app.expect(owner, Method::DELETE, &resource_path, None, 409).await;
    assert_eq!(err["code"], "conflict", "{err}");

    // Another tenant sees none of it: 404 everywhere, and its own schedule path is not ours.
    let booking_path = format!("/api/v1/bookings/{}", booking["id"].as_str().unwrap());
    for (method, path) in [
        (Method::GET, booking_path.clone()),
        (Method::PATCH, booking_path.clone()),
        (Method::POST, format!("{booking_path}/cancel")),
        (Method::GET, resource_path.clone()),
        (Method::PATCH, resource_path.clone()),
        (Method::DELETE, resource_path.clone()),
        (Method::GET, format!("{resource_path}/schedule")),
        (Method::GET, path.clone()),
        (Method::PUT, path.clone()),
    ] {
        let body = match (&method, path.contains("/resources/"), path.ends_with("/schedule")) {
            (&Method::PUT, _, true) => Some(always_open()),
            (&Method::PATCH, true, _) => Some(json!({"name": "Mine now"})),
            (&Method::PATCH, false, _) => Some(json!({"startsAt": at(tomorrow_at(15))})),
            _ => None,
        };
        let (status, answer) = app.call(&other.token, method.clone(), &path, body).await;
        assert_eq!(status, 404, "{method} {path}: {answer}");
    }
    let foreign = app
        .expect(
            &other.token,
            Method::POST,
            "/api/v1/bookings",
            Some(json!({"leadId": lead_id, "startsAt": at(tomorrow_at(9))})),
            404,
        )
        .await;
    assert_eq!(foreign["message"], "lead not found", "{foreign}");
    let list = app.expect(&other.token, Method::GET, "/api/v1/bookings", None, 200).await;
    assert_eq!(list["total"], 0);
    let (status, _) = app.call("not-a-token", Method::GET, "/api/v1/bookings", None).await;
    assert_eq!(status, 401);
}

/// `n` clients at once; returns the statuses.
async fn stampede(app: &Arc<TestApp>, token: &str, path: &str, bodies: Vec<Value>) -> Vec<u16> {
    let calls = bodies.into_iter().map(|body| {
        let app = Arc::clone(app);
        let (token, path) = (token.to_owned(), path.to_owned());
        tokio::spawn(async move { app.call(&token, Method::POST, &path, Some(body)).await.0 })
    });
    join_all(calls).await.into_iter().map(|r| r.unwrap()).collect()
}

fn count(statuses: &[u16], status: u16) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

async fn two_hundred_clients_never_double_book(profile: Profile) {
    let app = Arc::new(TestApp::builder(profile).env("API_RATE_LIMIT", "100000").spawn().await);
    let owner = Owner::create(&app, "race.test").await;
    let token = owner.token.as_str();
    open_all_day(&app, &owner).await;
    let lead_id = lead(&app, token, "+14155550104").await;

    // One slot, one resource: exactly one winner.
    let one = json!({"leadId": lead_id, "startsAt": at(tomorrow_at(9))});
    let statuses = stampede(&app, token, "/api/v1/bookings", vec![one; 200]).await;
    assert_eq!((count(&statuses, 201), count(&statuses, 409)), (1, 199), "{statuses:?}");

    // Holds: exactly one winner too.
    let held = json!({"startsAt": at(tomorrow_at(10))});
    let statuses = stampede(&app, token, "/api/v1/holds", vec![held; 200]).await;
    assert_eq!((count(&statuses, 201), count(&statuses, 409)), (1, 199), "{statuses:?}");

    // Any resource, three resources (the default + two): exactly three winners, on three resources.
    for name in ["Bay 2", "Bay 3"] {
        app.expect(token, Method::POST, "/api/v1/resources", Some(json!({"name": name, "kind": "room"})), 201).await;
    }
    let any = json!({"leadId": lead_id, "startsAt": at(tomorrow_at(14))});
    let statuses = stampede(&app, token, "/api/v1/bookings", vec![any; 200]).await;
    assert_eq!((count(&statuses, 201), count(&statuses, 409)), (3, 197), "{statuses:?}");
    let from = at(tomorrow_at(14));
    let list = app
        .expect(token, Method::GET, &format!("/api/v1/bookings?from={from}&status=confirmed&limit=100"), None, 200)
        .await;
    let mut resources: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["startsAt"] == json!(from))
        .map(|b| b["resourceId"].as_str().unwrap())
        .collect();
    resources.sort_unstable();
    resources.dedup();
    assert_eq!(resources.len(), 3, "three distinct resources: {list}");
    // And the whole tenant has no two overlapping confirmed bookings of one resource.
    let all = app.expect(token, Method::GET, "/api/v1/bookings?status=confirmed&limit=100", None, 200).await;
    let rows = all["data"].as_array().unwrap();
    for (i, a) in rows.iter().enumerate() {
        for b in &rows[i + 1..] {
            let overlap = a["resourceId"] == b["resourceId"]
                && a["startsAt"].as_str() < b["endsAt"].as_str()
                && b["startsAt"].as_str() < a["endsAt"].as_str();
            assert!(!overlap, "double booking: {a} {b}");
        }
    }
}

/// Polls the outbox until it holds `n` messages (or 60 s pass); returns them, newest first.
async fn outbox_with(app: &TestApp, token: &str, n: usize) -> Vec<Value> {
    for _ in 0..600 {
        let page = app.expect(token, Method::GET, "/api/v1/outbox?limit=100", None, 200).await;
        let data = page["data"].as_array().unwrap().clone();
        if data.len() >= n {
            assert_eq!(data.len(), n, "no more messages than expected: {page}");
            return data;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the outbox never held {n} messages");
}

async fn messages_reach_the_outbox(profile: Profile) {
    let app = TestApp::builder(profile).env("PUBLIC_BASE_URL", "https://book.example.com").spawn().await;
    let team = Team::create(&app, "outbox.test").await;
    let other = Owner::create(&app, "elsewhere.test").await;
    open_all_day(&app, &team.owner).await;
    let owner = team.owner.token.as_str();
    let lead_id = lead(&app, owner, "+14155550109").await;
    let starts = tomorrow_at(10);
    let booking = app
        .expect(owner, Method::POST, "/api/v1/bookings", Some(json!({"leadId": lead_id, "startsAt": at(starts)})), 201)
        .await;
    let token = booking["manageToken"].as_str().unwrap();

    // The worker sends the confirmation (an SMS: the lead has a phone) and tells the staff.
    let sent = outbox_with(&app, owner, 2).await;
    let sms = sent.iter().find(|m| m["channel"] == "sms").expect("an SMS to the lead");
    assert_eq!(sms["to"], "+14155550109");
    let body = sms["body"].as_str().unwrap();
    assert!(body.starts_with("Hi Ana, your Appointment with "), "{body}");
    assert!(body.ends_with(&format!("Manage it: https://book.example.com/b/{token}")), "{body}");
    let staff = sent.iter().find(|m| m["channel"] == "staff").expect("a staff notice");
    assert!(staff["body"].as_str().unwrap().starts_with("New booking: Ana Lopez, Appointment, "), "{staff}");

    // A cancel body is optional, but one that is sent must be right: nothing is cancelled otherwise.
    let path = format!("/api/v1/bookings/{}/cancel", booking["id"].as_str().unwrap());
    for (content_type, bad, code) in [
        ("application/json", &b"{\"reason\": 42}"[..], "validation_failed"),
        ("application/json", &b" "[..], "malformed_json"),
        ("application/json", &b"\x93garbage"[..], "malformed_json"),
        ("text/plain", &b"storm"[..], "unsupported_media_type"),
    ] {
        let (status, err) = app.post_bytes(owner, &path, content_type, bad).await;
        assert_eq!(((400..500).contains(&status), err["code"].as_str()), (true, Some(code)), "{err}");
    }
    let still = app
        .expect(owner, Method::GET, &format!("/api/v1/bookings/{}", booking["id"].as_str().unwrap()), None, 200)
        .await;
    assert_eq!(still["status"], "confirmed");

    // Cancelling sends the cancellation to both; the reminders will find it cancelled and send nothing.
    app.expect(owner, Method::POST, &path, Some(json!({"reason": "storm"})), 200).await;
    let sent = outbox_with(&app, owner, 4).await;
    assert!(sent[..2].iter().all(|m| m["body"].as_str().unwrap().contains("cancelled")), "{sent:?}");

    // Every member reads it; one channel at a time; other tenants see nothing; bad filters are named.
    let sms_only = app.expect(&team.agent.token, Method::GET, "/api/v1/outbox?channel=sms", None, 200).await;
    assert_eq!(sms_only["total"], 2, "{sms_only}");
    assert_eq!(app.expect(&other.token, Method::GET, "/api/v1/outbox", None, 200).await["total"], 0);
    let bad = app.expect(owner, Method::GET, "/api/v1/outbox?channel=fax&limit=0", None, 400).await;
    let fields: Vec<_> =
        bad["message"].as_array().unwrap().iter().map(|m| m.as_str().unwrap().split(':').next().unwrap()).collect();
    assert_eq!(fields, ["channel", "limit"], "{bad}");
    let (status, _) = app.call("not-a-token", Method::GET, "/api/v1/outbox", None).await;
    assert_eq!(status, 401);
}

async fn tenants_word_their_own_messages(profile: Profile) {
    let app = TestApp::builder(profile).spawn().await;
    let team = Team::create(&app, "wording.test").await;
    let other = Owner::create(&app, "plain.test").await;
    open_all_day(&app, &team.owner).await;
    let owner = team.owner.token.as_str();
    let path = "/api/v1/booking-messages/confirmation";

    let listed = app.expect(&team.agent.token, Method::GET, "/api/v1/booking-messages", None, 200).await;
    let messages: Vec<_> = listed["data"].as_array().unwrap().iter().map(|m| m["message"].as_str().unwrap()).collect();
    assert_eq!(messages, ["confirmation", "rescheduled", "cancelled", "reminder"]);
    assert!(listed["variables"].as_array().unwrap().contains(&json!("appointment.manageUrl")));
    let mine = json!({"sms": "{{business.name}}: {{lead.firstName}}, see you {{appointment.when}}", "staff": ""});
    app.expect(&team.agent.token, Method::PUT, path, Some(mine.clone()), 403).await;
    let bad = app
        .expect(owner, Method::PUT, path, Some(json!({"sms": "Hi {{lead.fristName}}", "emailSubject": " "})), 400)
        .await;
    let fields: Vec<_> =
        bad["message"].as_array().unwrap().iter().map(|m| m.as_str().unwrap().split(':').next().unwrap()).collect();
    assert_eq!(fields, ["sms", "emailSubject"], "{bad}");
    let unchanged = app.expect(owner, Method::GET, "/api/v1/booking-messages", None, 200).await;
    assert_eq!(unchanged["data"][0]["custom"], false, "nothing stored");
    app.expect(owner, Method::PUT, "/api/v1/booking-messages/welcome", Some(mine.clone()), 404).await;
    let saved = app.expect(&team.manager.token, Method::PUT, path, Some(mine), 200).await;
    assert_eq!((saved["custom"].as_bool(), saved["staff"].as_str()), (Some(true), Some("")), "{saved}");

    // The confirmation goes out in the tenant's words; the staff notice is off.
    let lead_id = lead(&app, owner, "+14155550110").await;
    let starts = tomorrow_at(11);
    app.expect(owner, Method::POST, "/api/v1/bookings", Some(json!({"leadId": lead_id, "startsAt": at(starts)})), 201)
        .await;
    let sent = outbox_with(&app, owner, 1).await;
    let expected = format!("wording.test: Ana, see you {} (UTC)", starts.format("%a %-d %b %Y, %H:%M"));
    assert_eq!(sent[0]["body"], json!(expected), "{sent:?}");

    // Another tenant still has the built-in wording; a reset brings it back here.
    let theirs = app.expect(&other.token, Method::GET, "/api/v1/booking-messages", None, 200).await;
    assert_eq!(theirs["data"][0]["custom"], false);
    let reset = app.expect(owner, Method::DELETE, path, None, 200).await;
    assert_eq!(reset["custom"], false);
    assert!(reset["sms"].as_str().unwrap().starts_with("Hi {{lead.firstName}}"), "{reset}");
}

/// A server answering every request with `body` as JSON; counts requests and keeps their first lines.
async fn json_server(body: String) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    let (url, count, _) = recording_json_server(body).await;
    (url, count)
}

/// [`json_server`], also keeping each request's first line.
async fn recording_json_server(
    body: String,
) -> (String, Arc<std::sync::atomic::AtomicUsize>, Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let lines = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (seen, keep) = (Arc::clone(&count), Arc::clone(&lines));
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buffer = vec![0u8; 16384];
            let n = socket.read(&mut buffer).await.unwrap_or(0);
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let text = String::from_utf8_lossy(&buffer[..n]).into_owned();
            keep.lock().unwrap().push(text.lines().next().unwrap_or_default().to_owned());
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(reply.as_bytes()).await;
        }
    });
    (url, count, lines)
}

/// A sub-account's Google Calendar (OAuth) is busy 15:00–16:00 the day
/// after tomorrow: those slots leave availability and cannot be booked;
/// the others stay. (Google's token endpoint and a freeBusy answer of the
/// documented shape are served locally; the request shapes are checked
/// against the Calendar description in the adapter's tests.)
async fn google_busy_times_remove_slots(profile: Profile) {
    let busy = format!(
        r#"{{"kind":"calendar#freeBusy","calendars":{{"primary":{{"busy":[{{"start":"{}","end":"{}"}}]}}}}}}"#,
        at(tomorrow_at(15)),
        at(tomorrow_at(16))
    );
    let (calendar, calls, requests) = recording_json_server(busy).await;
    let (oauth, _) =
        json_server(r#"{"access_token":"ya29.local","expires_in":3599,"token_type":"Bearer"}"#.into()).await;
    let app = TestApp::builder(profile)
        .env("GOOGLE_CALENDAR_API_BASE_URL", &calendar)
        .env("GOOGLE_OAUTH_TOKEN_URL", &format!("{oauth}/token"))
        .spawn()
        .await;
    let owner = Owner::create(&app, "google.test").await;
    let token = owner.token.as_str();
    open_all_day(&app, &owner).await;
    let lead_id = lead(&app, token, "+14155550177").await;
    let day = tomorrow_at(0).date_naive();
    let starts = |found: &Value| -> Vec<String> {
        found["slots"].as_array().unwrap().iter().map(|s| s["startsAt"].as_str().unwrap().to_owned()).collect()
    };
    let before = app.expect(token, Method::GET, &format!("/api/v1/availability?from={day}&to={day}"), None, 200).await;
    assert!(starts(&before).contains(&at(tomorrow_at(15))), "free before the calendar is linked");

    let settings = json!({"calendarIds": ["primary"], "credentialType": "oauth", "clientId": "c.apps.googleusercontent.com",
        "clientSecret": "cs-secret", "refreshToken": "1//refresh-secret"});
    let body = json!({"kind": "google_calendar", "name": "Shop calendar", "settings": settings});
    let created = app.expect(token, Method::POST, "/api/v1/integrations", Some(body), 201).await;
    let path = format!("/api/v1/integrations/{}/test", created["id"].as_str().unwrap());
    let tested = app.expect(token, Method::POST, &path, None, 200).await;
    assert_eq!(
        (tested["ok"].as_bool(), tested["integration"]["status"].as_str()),
        (Some(true), Some("active")),
        "{tested}"
    );

    // Each process looks a sub-account's integration up at most every 30 s (the first read above found none).
    let mut after = Value::Null;
    for _ in 0..80 {
        after = app.expect(token, Method::GET, &format!("/api/v1/availability?from={day}&to={day}"), None, 200).await;
        if !starts(&after).contains(&at(tomorrow_at(15))) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    let after = starts(&after);
    for busy in [at(tomorrow_at(15)), at(tomorrow_at(15) + Duration::minutes(30))] {
        assert!(!after.contains(&busy), "{busy} is busy in Google: {after:?}");
    }
    assert!(after.contains(&at(tomorrow_at(14) + Duration::minutes(30))) && after.contains(&at(tomorrow_at(16))));
    let taken = app
        .expect(
            token,
            Method::POST,
            "/api/v1/bookings",
            Some(json!({"leadId": lead_id, "startsAt": at(tomorrow_at(15))})),
            409,
        )
        .await;
    assert_eq!(taken["code"], "slot_taken", "{taken}");
    assert!(calls.load(std::sync::atomic::Ordering::SeqCst) >= 2, "the check and availability asked Google");

    // A booking at a free time is written to the first calendar under an id derived from it; cancelling removes it.
    let booking = json!({"leadId": lead_id, "startsAt": at(tomorrow_at(11))});
    let booked = app.expect(token, Method::POST, "/api/v1/bookings", Some(booking), 201).await;
    let event = format!("fd{}", booked["id"].as_str().unwrap().replace('-', ""));
    let wait_for = |line: String| {
        let requests = Arc::clone(&requests);
        async move {
            for _ in 0..200 {
                if requests.lock().unwrap().iter().any(|l| l.starts_with(&line)) {
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            panic!("Google never got {line}: {:?}", requests.lock().unwrap());
        }
    };
    wait_for("POST /calendars/primary/events".to_owned()).await;
    let cancel = format!("/api/v1/bookings/{}/cancel", booked["id"].as_str().unwrap());
    app.expect(token, Method::POST, &cancel, Some(json!({"reason": "changed plans"})), 200).await;
    wait_for(format!("DELETE /calendars/primary/events/{event}")).await;
}

/// Plays GoHighLevel's contacts and calendars services: answers by path
/// with bodies of the documented shapes, keeps every request's first line and body.
async fn ghl_server(events: Value) -> (String, Arc<std::sync::Mutex<Vec<(String, Value)>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let keep = Arc::clone(&seen);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut buffer = vec![0u8; 16384];
            let n = socket.read(&mut buffer).await.unwrap_or(0);
            let text = String::from_utf8_lossy(&buffer[..n]).into_owned();
            let line = text.lines().next().unwrap_or_default().to_owned();
            let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or_default();
            keep.lock().unwrap().push((line.clone(), serde_json::from_str(body).unwrap_or(Value::Null)));
            let path = line.split_whitespace().nth(1).unwrap_or_default();
            let reply = if path.starts_with("/calendars/events/appointments") {
                json!({"id": "apt_1", "calendarId": "cal1", "locationId": "loc1", "contactId": "ct_1"})
            } else if path.starts_with("/calendars/events?") {
                events.clone()
            } else if path.starts_with("/calendars/blocked-slots") {
                json!({"events": []})
            } else if path.starts_with("/contacts/upsert") {
                json!({"new": true, "contact": {"id": "ct_1"}})
            } else {
                json!({"contacts": [], "total": 0})
            }
            .to_string();
            let reply = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}",
                reply.len()
            );
            let _ = socket.write_all(reply.as_bytes()).await;
        }
    });
    (url, seen)
}

/// A sub-account's GoHighLevel calendar: its appointment 15:00–16:00 the
/// day after tomorrow removes those slots (a cancelled one at 12:00 does
/// not); a booking becomes an appointment for the lead's contact (upserted
/// first), a reschedule moves that same appointment and a cancellation
/// marks it cancelled — never a second one.
async fn gohighlevel_calendars_block_slots_and_mirror_bookings(profile: Profile) {
    let event = |id: &str, hour: u32, status: &str| {
        json!({"id": id, "title": "Their appointment", "calendarId": "cal1", "locationId": "loc1", "contactId": "x",
            "groupId": "g", "appointmentStatus": status, "assignedUserId": "u", "users": [],
            "startTime": at(tomorrow_at(hour)), "endTime": at(tomorrow_at(hour + 1)),
            "dateAdded": "2026-01-01T00:00:00Z", "dateUpdated": "2026-01-01T00:00:00Z"})
    };
    let events = json!({"events": [event("theirs", 15, "confirmed"), event("gone", 12, "cancelled")]});
    let (ghl, seen) = ghl_server(events).await;
    let app = TestApp::builder(profile).env("GOHIGHLEVEL_API_BASE_URL", &ghl).spawn().await;
    let owner = Owner::create(&app, "ghl-calendar.test").await;
    let token = owner.token.as_str();
    open_all_day(&app, &owner).await;
    let lead_id = lead(&app, token, "+14155550178").await;
    let settings = json!({"locationId": "loc1", "privateIntegrationToken": "pit-0123456789", "calendarId": "cal1"});
    let body = json!({"kind": "gohighlevel", "name": "CRM", "settings": settings});
    let created = app.expect(token, Method::POST, "/api/v1/integrations", Some(body), 201).await;
    let path = format!("/api/v1/integrations/{}/test", created["id"].as_str().unwrap());
    let tested = app.expect(token, Method::POST, &path, None, 200).await;
    assert_eq!(tested["integration"]["status"], "active", "{tested}");

    let day = tomorrow_at(0).date_naive();
    let starts = |found: &Value| -> Vec<String> {
        found["slots"].as_array().unwrap().iter().map(|s| s["startsAt"].as_str().unwrap().to_owned()).collect()
    };
    let mut after = Vec::new();
    for _ in 0..80 {
        let found =
            app.expect(token, Method::GET, &format!("/api/v1/availability?from={day}&to={day}"), None, 200).await;
        after = starts(&found);
        if !after.contains(&at(tomorrow_at(15))) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    assert!(!after.contains(&at(tomorrow_at(15))), "busy in GoHighLevel: {after:?}");
    assert!(after.contains(&at(tomorrow_at(12))), "a cancelled appointment blocks nothing: {after:?}");
    let taken = json!({"leadId": lead_id, "startsAt": at(tomorrow_at(15))});
    app.expect(token, Method::POST, "/api/v1/bookings", Some(taken), 409).await;
    let query = &seen.lock().unwrap().iter().find(|(l, _)| l.starts_with("GET /calendars/events?")).unwrap().0.clone();
    assert!(query.contains("locationId=loc1") && query.contains("calendarId=cal1"), "{query}");

    let wait_for = |line: &'static str, count: usize| {
        let seen = Arc::clone(&seen);
        async move {
            for _ in 0..200 {
                let found: Vec<Value> =
                    seen.lock().unwrap().iter().filter(|(l, _)| l.starts_with(line)).map(|(_, b)| b.clone()).collect();
                if found.len() >= count {
                    return found;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            panic!("GoHighLevel never got {count} × {line}: {:?}", seen.lock().unwrap());
        }
    };
    let booked = app
        .expect(
            token,
            Method::POST,
            "/api/v1/bookings",
            Some(json!({"leadId": lead_id, "startsAt": at(tomorrow_at(11))})),
            201,
        )
        .await;
    let created = wait_for("POST /calendars/events/appointments", 1).await;
    assert_eq!(
        (created[0]["contactId"].as_str(), created[0]["calendarId"].as_str(), created[0]["locationId"].as_str()),
        (Some("ct_1"), Some("cal1"), Some("loc1")),
        "{created:?}"
    );
    assert_eq!(created[0]["toNotify"], false);
    let start = chrono::DateTime::parse_from_rfc3339(created[0]["startTime"].as_str().unwrap()).unwrap();
    assert_eq!(start, tomorrow_at(11));
    let path = format!("/api/v1/bookings/{}", booked["id"].as_str().unwrap());
    app.expect(token, Method::PATCH, &path, Some(json!({"startsAt": at(tomorrow_at(13))})), 200).await;
    let moved = wait_for("PUT /calendars/events/appointments/apt_1", 1).await;
    let start = chrono::DateTime::parse_from_rfc3339(moved[0]["startTime"].as_str().unwrap()).unwrap();
    assert_eq!(start, tomorrow_at(13));
    app.expect(token, Method::POST, &format!("{path}/cancel"), Some(json!({"reason": "changed plans"})), 200).await;
    let edits = wait_for("PUT /calendars/events/appointments/apt_1", 2).await;
    assert_eq!(edits[1]["appointmentStatus"], "cancelled", "{edits:?}");
    let creates =
        seen.lock().unwrap().iter().filter(|(l, _)| l.starts_with("POST /calendars/events/appointments")).count();
    assert_eq!(creates, 1, "one appointment, moved and cancelled");
}

crate::per_profile!(
    gohighlevel_calendars_block_slots_and_mirror_bookings,
    google_busy_times_remove_slots,
    messages_reach_the_outbox,
    tenants_word_their_own_messages,
    scheduling_walkthrough,
    rules_answer_422_naming_the_rule,
    tenants_and_roles,
    two_hundred_clients_never_double_book
);
