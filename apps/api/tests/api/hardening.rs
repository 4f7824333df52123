//! Regression tests of the hardening issue, items found by trying the api
//! from outside: control characters, roles, export bodies, 405s, admins'
//! unknown sub-accounts and multipart limits. Each ran red on the code
//! before its fix.

use crate::helpers::{Profile, Team, TestApp, admin, spawn_app, team};
use reqwest::Method;
use serde_json::{Value, json};

crate::per_profile!(
    nul_and_control_characters_are_400_naming_each_field_and_nothing_is_stored,
    agents_read_but_only_owners_managers_and_admins_change_the_receptionist_or_export,
    a_bad_export_body_exports_nothing,
    unsupported_methods_answer_405_with_allow,
    admins_naming_a_missing_sub_account_get_404_and_a_malformed_one_400,
    a_multipart_body_is_capped_as_a_whole,
);

fn strategy_body(name: &str) -> Value {
    json!({"name": name, "persona": "The front desk of a roofer", "goal": "Book an inspection"})
}

fn messages(body: &Value) -> Vec<String> {
    body["message"]
        .as_array()
        .map(|m| m.iter().filter_map(|l| l.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

async fn nul_and_control_characters_are_400_naming_each_field_and_nothing_is_stored(profile: Profile) {
    let app = spawn_app(profile).await;
    let (owner, _, _, _) = team(&app, "nul.test").await;
    let (status, lead) =
        app.call(&owner, Method::POST, "/api/v1/leads", Some(json!({"name": "Ana", "email": "ana@nul.test"}))).await;
    assert_eq!(status, 201, "{lead}");
    let lead_id = lead["id"].as_str().unwrap();

    let cases: Vec<(Method, String, Value, Vec<&str>)> = vec![
        (
            Method::POST,
            "/api/v1/leads".into(),
            json!({"name": "Bo", "email": "bo@nul.test", "notes": "a\u{0}b", "metadata": {"k\u{0}": "v", "ok": "x\u{1}"}}),
            vec!["notes", "metadata.k?", "metadata.ok"],
        ),
        (Method::PATCH, format!("/api/v1/leads/{lead_id}"), json!({"notes": "bell\u{7}"}), vec!["notes"]),
        (Method::POST, format!("/api/v1/leads/{lead_id}/notes"), json!({"content": "x\u{0}y"}), vec!["content"]),
        (Method::POST, "/api/v1/strategies".into(), json!({"name": "s\u{0}"}), vec!["name"]),
        (Method::POST, "/api/v1/prompt-templates".into(), json!({"name": "t", "body": "hi \u{0}"}), vec!["body"]),
    ];
    for (method, path, body, fields) in cases {
        let (status, answer) = app.call(&owner, method.clone(), &path, Some(body)).await;
        assert_eq!(status, 400, "{method} {path}: {answer}");
        assert_eq!(answer["code"], "validation_failed", "{answer}");
        let lines = messages(&answer);
        for field in fields {
            assert!(
                lines.iter().any(|l| l.starts_with(&format!("{field}: "))),
                "{path}: {field} not named in {lines:?}"
            );
        }
    }
    let (status, answer) = app.call(&owner, Method::GET, "/api/v1/leads?q=a%00b", None).await;
    assert_eq!((status, messages(&answer).first().map(|l| l.starts_with("q: "))), (400, Some(true)), "{answer}");

    // Nothing was stored: one lead, unchanged, with no notes; no strategy, no template.
    let (_, list) = app.call(&owner, Method::GET, "/api/v1/leads", None).await;
    assert_eq!(list["total"], 1, "{list}");
    let (_, stored) = app.call(&owner, Method::GET, &format!("/api/v1/leads/{lead_id}"), None).await;
    assert!(stored["notes"].is_null(), "{stored}");
    let (_, timeline) = app.call(&owner, Method::GET, &format!("/api/v1/leads/{lead_id}/timeline"), None).await;
    assert!(!timeline.to_string().contains("x\\u0000y"), "{timeline}");
    for path in ["/api/v1/strategies", "/api/v1/prompt-templates"] {
        let (_, list) = app.call(&owner, Method::GET, path, None).await;
        assert_eq!(list["total"], 0, "{path}: {list}");
    }

    // An import with a NUL cell keeps every valid row and reports the bad one.
    let csv = "name,email,notes\nGood One,g1@nul.test,fine\nBad Cell,bad@nul.test,x\u{0}y\nGood Two,g2@nul.test,\n";
    let (status, accepted) = app.upload(&owner, "/api/v1/leads/import", "leads.csv", csv.as_bytes()).await;
    assert_eq!(status, 202, "{accepted}");
    let job = app.wait_for_job(&owner, accepted["jobId"].as_str().unwrap()).await;
    assert_eq!(job["status"], "completed", "{job}");
    assert_eq!((job["result"]["inserted"].as_u64(), job["result"]["invalid"].as_u64()), (Some(2), Some(1)), "{job}");
    assert_eq!(job["result"]["errors"][0]["row"], 3, "{job}");
    assert_eq!(job["result"]["errors"][0]["field"], "notes", "{job}");
}

async fn agents_read_but_only_owners_managers_and_admins_change_the_receptionist_or_export(profile: Profile) {
    let app = TestApp::builder(profile).spawn().await;
    let team = Team::create(&app, "roles.test").await;
    let (owner, manager, agent) = (team.owner.token.clone(), team.manager.token.clone(), team.agent.token.clone());
    let admin = admin(&app, "root@roles.test").await;
    assert_eq!((team.manager.email.as_str(), team.agent.email.as_str()), ("manager@roles.test", "agent@roles.test"));
    let tenant = format!("subAccountId={}", team.owner.sub_account_id);
    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Me {
        id: String,
        role: Option<String>,
        sub_account_id: Option<String>,
    }
    let me: Me = app.expect_as(&owner, Method::GET, "/api/v1/auth/me", None, 200).await;
    assert_eq!((me.id, me.role.as_deref()), (team.owner.user_id.clone(), Some("owner")));
    assert_eq!(me.sub_account_id.as_deref(), Some(team.owner.sub_account_id.as_str()));

    // Fixtures the matrix acts on, created by the owner.
    let (_, strategy) = app.call(&owner, Method::POST, "/api/v1/strategies", Some(strategy_body("Base"))).await;
    let (_, template) =
        app.call(&owner, Method::POST, "/api/v1/prompt-templates", Some(json!({"name": "T", "body": "Hi"}))).await;
    let strategy = strategy["id"].as_str().unwrap().to_owned();
    let template = template["id"].as_str().unwrap().to_owned();
    app.expect(&owner, Method::PUT, "/api/v1/chat-widget", Some(json!({"greeting": "Hello"})), 200).await;
    let hook = json!({"kind": "webhook", "name": "Hook", "settings": {"url": "https://hooks.example.com/x"}});
    let integration = app.expect(&owner, Method::POST, "/api/v1/integrations", Some(hook.clone()), 201).await;
    let integration = integration["id"].as_str().unwrap().to_owned();
    let subscription = json!({"url": "https://hooks.example.com/x", "events": ["lead.created"]});
    let webhook = app.expect(&owner, Method::POST, "/api/v1/webhooks", Some(subscription.clone()), 201).await;
    let webhook = webhook["id"].as_str().unwrap().to_owned();
    let range = json!({"from": "2026-01-01T00:00:00Z", "to": "2026-01-02T00:00:00Z"});
    let (status, file) = app.upload(&owner, "/api/v1/files", "notes.txt", b"call notes").await;
    assert_eq!(status, 201, "{file}");
    let file = file["id"].as_str().unwrap().to_owned();

    // (method, path, body, may an agent?) — each row is tried by every role.
    let rows: Vec<(Method, String, Option<Value>, bool)> = vec![
        (Method::GET, "/api/v1/strategies".into(), None, true),
        (Method::GET, format!("/api/v1/strategies/{strategy}"), None, true),
        (Method::POST, "/api/v1/strategies".into(), Some(strategy_body("X")), false),
        (Method::PATCH, format!("/api/v1/strategies/{strategy}"), Some(json!({"tone": "calm"})), false),
        (Method::GET, "/api/v1/prompt-templates".into(), None, true),
        (Method::GET, format!("/api/v1/prompt-templates/{template}"), None, true),
        (Method::POST, "/api/v1/prompt-templates".into(), Some(json!({"name": "Y", "body": "b"})), false),
        (Method::PATCH, format!("/api/v1/prompt-templates/{template}"), Some(json!({"body": "b2"})), false),
        (Method::POST, "/api/v1/leads/export".into(), None, false),
        (Method::POST, "/api/v1/evaluations".into(), Some(json!({"suite": "starter"})), false),
        (Method::GET, "/api/v1/leads?deleted=true".into(), None, false),
        (Method::GET, "/api/v1/leads".into(), None, true),
        (Method::GET, "/api/v1/phone-numbers".into(), None, true),
        (Method::GET, "/api/v1/inbound-addresses".into(), None, true),
        (Method::GET, "/api/v1/blocked-numbers".into(), None, true),
        (Method::PUT, "/api/v1/chat-widget".into(), Some(json!({"greeting": "Hi"})), false),
        (Method::GET, "/api/v1/chat-widget".into(), None, true),
        (Method::GET, "/api/v1/integration-templates".into(), None, true),
        (Method::GET, "/api/v1/integrations".into(), None, false),
        (Method::POST, "/api/v1/integrations".into(), Some(hook), false),
        (Method::GET, format!("/api/v1/integrations/{integration}"), None, false),
        (Method::PATCH, format!("/api/v1/integrations/{integration}"), Some(json!({"name": "Renamed"})), false),
        (Method::POST, format!("/api/v1/integrations/{integration}/test"), None, false),
        (Method::GET, "/api/v1/webhooks".into(), None, false),
        (Method::POST, "/api/v1/webhooks".into(), Some(subscription), false),
        (Method::GET, format!("/api/v1/webhooks/{webhook}"), None, false),
        (Method::PATCH, format!("/api/v1/webhooks/{webhook}"), Some(json!({"description": "CRM"})), false),
        (Method::POST, format!("/api/v1/webhooks/{webhook}/rotate-secret"), None, false),
        (Method::GET, format!("/api/v1/webhooks/{webhook}/deliveries"), None, false),
        (Method::POST, format!("/api/v1/webhooks/{webhook}/replay"), Some(range), false),
        (Method::GET, "/api/v1/files?prefix=calls".into(), None, true),
        (Method::GET, format!("/api/v1/files/{file}"), None, true),
        (Method::GET, format!("/api/v1/files/{file}/url?expiresIn=60"), None, true),
    ];
    for (who, token, is_agent) in
        [("agent", &agent, true), ("manager", &manager, false), ("owner", &owner, false), ("admin", &admin, false)]
    {
        for (method, path, body, agent_may) in &rows {
            let path = if who == "admin" {
                format!("{path}{}{tenant}", if path.contains('?') { '&' } else { '?' })
            } else {
                path.clone()
            };
            let (status, answer) = app.call(token, method.clone(), &path, body.clone()).await;
            if is_agent && !agent_may {
                assert_eq!(
                    (status, answer["code"].as_str()),
                    (403, Some("forbidden")),
                    "{who} {method} {path}: {answer}"
                );
            } else {
                assert!(status < 300, "{who} {method} {path}: {status} {answer}");
            }
        }
    }

    // Deletes and restore, per role, each on its own lead/strategy/template.
    for (who, token, allowed) in [("agent", &agent, false), ("manager", &manager, true), ("owner", &owner, true)] {
        let email = format!("{who}@leads.roles.test");
        let (_, lead) =
            app.call(&owner, Method::POST, "/api/v1/leads", Some(json!({"name": who, "email": email}))).await;
        let lead = lead["id"].as_str().unwrap();
        let (_, s) = app.call(&owner, Method::POST, "/api/v1/strategies", Some(strategy_body(who))).await;
        let (_, t) =
            app.call(&owner, Method::POST, "/api/v1/prompt-templates", Some(json!({"name": who, "body": "b"}))).await;
        let hook = json!({"kind": "webhook", "name": who, "settings": {"url": "https://hooks.example.com/x"}});
        let (_, i) = app.call(&owner, Method::POST, "/api/v1/integrations", Some(hook)).await;
        let subscription = json!({"url": "https://hooks.example.com/x", "events": ["booking.created"]});
        let (_, w) = app.call(&owner, Method::POST, "/api/v1/webhooks", Some(subscription)).await;
        // Every member uploads; owners and managers delete.
        let (status, f) = app.upload(token, "/api/v1/files", "a.txt", who.as_bytes()).await;
        assert_eq!(status, 201, "{who} POST /api/v1/files: {f}");
        for path in [
            format!("/api/v1/leads/{lead}"),
            format!("/api/v1/strategies/{}", s["id"].as_str().unwrap()),
            format!("/api/v1/prompt-templates/{}", t["id"].as_str().unwrap()),
            format!("/api/v1/integrations/{}", i["id"].as_str().unwrap()),
            format!("/api/v1/webhooks/{}", w["id"].as_str().unwrap()),
            format!("/api/v1/files/{}", f["id"].as_str().unwrap()),
        ] {
            let (status, answer) = app.call(token, Method::DELETE, &path, None).await;
            assert_eq!(status == 204, allowed, "{who} DELETE {path}: {status} {answer}");
            if !allowed {
                assert_eq!(status, 403, "{who} DELETE {path}: {answer}");
                app.call(&owner, Method::DELETE, &path, None).await;
            }
        }
        let (status, answer) = app.call(token, Method::POST, &format!("/api/v1/leads/{lead}/restore"), None).await;
        assert_eq!(status == 200, allowed, "{who} restore: {status} {answer}");

        // The channels' routing: adding and removing are for owners and managers.
        let digit = match who {
            "agent" => '1',
            "manager" => '2',
            _ => '3',
        };
        let number = format!("+1415555070{digit}");
        let routing = [
            ("/api/v1/phone-numbers", json!({"number": number})),
            ("/api/v1/blocked-numbers", json!({"number": number})),
            ("/api/v1/inbound-addresses", json!({"address": format!("{who}@inbound.roles.test")})),
        ];
        for (path, body) in routing {
            let (status, created) = app.call(token, Method::POST, path, Some(body.clone())).await;
            let created = if allowed {
                assert_eq!(status, 201, "{who} POST {path}: {created}");
                created
            } else {
                assert_eq!(
                    (status, created["code"].as_str()),
                    (403, Some("forbidden")),
                    "{who} POST {path}: {created}"
                );
                app.call(&owner, Method::POST, path, Some(body)).await.1
            };
            let item = format!("{path}/{}", created["id"].as_str().unwrap());
            let (status, answer) = app.call(token, Method::DELETE, &item, None).await;
            assert_eq!(status, if allowed { 204 } else { 403 }, "{who} DELETE {item}: {answer}");
        }
    }
}

async fn a_bad_export_body_exports_nothing(profile: Profile) {
    let app = spawn_app(profile).await;
    let (owner, _, _, _) = team(&app, "export.test").await;
    let url = format!("{}/api/v1/leads/export", app.address);
    let send = |content_type: &'static str, body: &'static str| {
        app.client.post(&url).bearer_auth(&owner).header("content-type", content_type).body(body).send()
    };
    let cases = [
        ("application/json", "{\"filter\":{\"status\":", 400, "malformed_json"),
        (
            "application/json",
            "{\"filter\":{\"status\":5,\"q\":[1]},\"format\":7,\"extra\":1}",
            400,
            "validation_failed",
        ),
        ("application/json", "[1,2]", 400, "validation_failed"),
        ("text/plain", "{\"format\":\"csv\"}", 415, "unsupported_media_type"),
    ];
    for (content_type, body, status, code) in cases {
        let response = send(content_type, body).await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{content_type} {body}");
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["code"], code, "{body}: {answer}");
        if body.contains("extra") {
            let lines = messages(&answer);
            for field in ["filter.status", "filter.q", "format", "extra"] {
                assert!(lines.iter().any(|l| l.starts_with(&format!("{field}: "))), "{field} not in {lines:?}");
            }
        }
    }
    // No export job exists: the listing of jobs is not public, so check that a good body still works.
    let response = send("application/json", "{\"format\":\"csv\",\"filter\":{\"status\":\"new\"}}").await.unwrap();
    assert_eq!(response.status(), 202);
    let empty = app.client.post(&url).bearer_auth(&owner).send().await.unwrap();
    assert_eq!(empty.status(), 202, "no body at all still means every lead as CSV");
}

async fn unsupported_methods_answer_405_with_allow(profile: Profile) {
    let app = spawn_app(profile).await;
    for (method, path, allow) in [
        ("PUT", "/api/v1/leads", "GET, POST"),
        ("TRACE", "/status", "GET"),
        ("POST", "/openapi.json", "GET"),
        ("PUT", "/api/v1/leads/0190a000-0000-7000-8000-000000000000", "DELETE, GET, PATCH"),
    ] {
        let response = app
            .client
            .request(Method::from_bytes(method.as_bytes()).unwrap(), format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 405, "{method} {path}");
        assert_eq!(response.headers()["allow"], allow, "{method} {path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], "method_not_allowed");
    }
    assert_eq!(app.client.put(format!("{}/api/v1/nothing-here", app.address)).send().await.unwrap().status(), 404);
}

async fn admins_naming_a_missing_sub_account_get_404_and_a_malformed_one_400(profile: Profile) {
    let app = spawn_app(profile).await;
    let admin = admin(&app, "root@missing.test").await;
    let unknown = "subAccountId=0190a000-0000-7000-8000-000000000000";
    for (method, path, body) in [
        (Method::POST, format!("/api/v1/leads?{unknown}"), Some(json!({"name": "A", "email": "a@missing.test"}))),
        (Method::POST, format!("/api/v1/strategies?{unknown}"), Some(json!({"name": "S"}))),
        (Method::POST, format!("/api/v1/leads/export?{unknown}"), None),
        (Method::GET, format!("/api/v1/leads?{unknown}"), None),
    ] {
        let (status, answer) = app.call(&admin, method.clone(), &path, body).await;
        assert_eq!((status, answer["code"].as_str()), (404, Some("not_found")), "{method} {path}: {answer}");
    }
    let (status, answer) = app.call(&admin, Method::GET, "/api/v1/leads?subAccountId=not-an-id", None).await;
    assert_eq!(status, 400, "{answer}");
}

async fn a_multipart_body_is_capped_as_a_whole(profile: Profile) {
    let app: TestApp = spawn_app(profile).await;
    let (owner, _, _, _) = team(&app, "multipart.test").await;
    let boundary = "cap-boundary-1";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"junk\"\r\n\r\n").into_bytes();
    body.extend(std::iter::repeat_n(b'x', 25 * 1024 * 1024));
    body.extend_from_slice(
        format!(
            "\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\nname,email\nA,a@m.test\r\n--{boundary}--\r\n"
        )
        .as_bytes(),
    );
    let response = app
        .client
        .post(format!("{}/api/v1/leads/import", app.address))
        .bearer_auth(&owner)
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413, "with Content-Length");

    // Chunked, so no length is declared: the junk part is refused at its header, unread.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /api/v1/leads/import HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {owner}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    for chunk in body.chunks(256 * 1024) {
        let frame = [format!("{:x}\r\n", chunk.len()).as_bytes(), chunk, b"\r\n"].concat();
        if stream.write_all(&frame).await.is_err() {
            break; // the server answered and closed early
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 400"), "chunked: {}", answer.lines().next().unwrap_or_default());
    assert!(answer.contains("unexpected part"), "{answer}");

    // A file over the limit, chunked: refused once 20 MB have arrived.
    let mut big = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\nname,email\n"
    )
    .into_bytes();
    big.extend(std::iter::repeat_n(b'x', 21 * 1024 * 1024));
    big.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    for chunk in big.chunks(256 * 1024) {
        let frame = [format!("{:x}\r\n", chunk.len()).as_bytes(), chunk, b"\r\n"].concat();
        if stream.write_all(&frame).await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "chunked file: {}", answer.lines().next().unwrap_or_default());
}
