//! The website chat widget: its settings (validated, one per sub-account,
//! changed by owners and managers), the public API (origins, sessions,
//! rate limits, a visitor becoming a lead only with a phone or email), and
//! the real thing in headless Chromium driven over WebDriver: open the
//! page, chat, and book through the fallback receptionist.

use crate::helpers::{Owner, Profile, Team, TestApp, open_all_week};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

async fn public(
    app: &TestApp,
    path: &str,
    origin: Option<&str>,
    body: Value,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let mut request = app.client.post(format!("{}{path}", app.address)).json(&body);
    if let Some(origin) = origin {
        request = request.header("Origin", origin);
    }
    let response = request.send().await.unwrap();
    let (status, headers) = (response.status().as_u16(), response.headers().clone());
    (status, response.json().await.unwrap_or(Value::Null), headers)
}

/// Settings, origins, sessions, limits and leads over plain HTTP.
async fn the_widget_answers_only_its_sites_and_makes_a_lead_from_contact_details(profile: Profile) {
    let app = TestApp::builder(profile).spawn().await;
    let team = Team::create(&app, "widget.test").await;
    let other = Owner::create(&app, "other-widget.test").await;
    let owner = team.owner.token.as_str();
    app.expect(owner, Method::GET, "/api/v1/chat-widget", None, 404).await;
    let bad = app
        .expect(owner, Method::PUT, "/api/v1/chat-widget",
            Some(json!({"allowedOrigins": ["https://ok.example", "acme.example/path"], "greeting": "", "primaryColor": "red"})), 400)
        .await;
    let fields: Vec<_> =
        bad["message"].as_array().unwrap().iter().map(|m| m.as_str().unwrap().split(':').next().unwrap()).collect();
    assert_eq!(fields, ["allowedOrigins.1", "greeting", "primaryColor"], "{bad}");
    app.expect(&team.agent.token, Method::PUT, "/api/v1/chat-widget", Some(json!({})), 403).await;
    let widget = app
        .expect(
            owner,
            Method::PUT,
            "/api/v1/chat-widget",
            Some(json!({"allowedOrigins": ["https://WWW.Acme.example/"], "greeting": "Hi from Acme!"})),
            200,
        )
        .await;
    assert_eq!(widget["allowedOrigins"], json!(["https://www.acme.example"]));
    let key = widget["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("wk_") && key.len() > 30, "{key}");
    let again =
        app.expect(owner, Method::PUT, "/api/v1/chat-widget", Some(json!({"primaryColor": "#AA3300"})), 200).await;
    assert_eq!((again["key"].as_str(), again["primaryColor"].as_str()), (Some(key.as_str()), Some("#aa3300")));
    assert_eq!(app.expect(&team.agent.token, Method::GET, "/api/v1/chat-widget", None, 200).await["key"], json!(key));
    app.expect(&other.token, Method::GET, "/api/v1/chat-widget", None, 404).await;

    // The public side: unknown keys, foreign origins, the CORS answer to an allowed one.
    let sessions = format!("/public/chat/{key}/sessions");
    assert_eq!(public(&app, "/public/chat/wk_nope/sessions", None, json!({})).await.0, 404);
    assert_eq!(public(&app, &sessions, Some("https://evil.example"), json!({})).await.0, 403);
    let (status, opened, headers) = public(&app, &sessions, Some("https://www.acme.example"), json!({})).await;
    assert_eq!((status, opened["greeting"].as_str()), (201, Some("Hi from Acme!")));
    assert_eq!(headers["access-control-allow-origin"], "https://www.acme.example");
    let preflight = app
        .client
        .request(Method::OPTIONS, format!("{}{sessions}", app.address))
        .header("Origin", "https://www.acme.example")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    let session = opened["sessionId"].as_str().unwrap().to_owned();
    assert!(session.starts_with("ws_") && session.len() > 30);
    let messages = format!("/public/chat/{key}/sessions/{session}/messages");
    assert_eq!(
        public(&app, &format!("/public/chat/{key}/sessions/ws_guess/messages"), None, json!({"content": "hi"})).await.0,
        404
    );
    let (status, bad, _) = public(&app, &messages, None, json!({"content": "", "phone": "12"})).await;
    assert_eq!(status, 400, "{bad}");
    assert_eq!(bad["message"].as_array().unwrap().len(), 2, "{bad}");

    // No contact yet: the question is kept and the widget asks; no lead exists.
    let (status, asked, _) = public(&app, &messages, None, json!({"content": "What are your hours?"})).await;
    assert_eq!((status, asked["needsContact"].as_bool()), (200, Some(true)), "{asked}");
    assert_eq!(app.expect(owner, Method::GET, "/api/v1/leads", None, 200).await["total"], 0);
    let (_, answered, _) =
        public(&app, &messages, None, json!({"content": "ok", "name": "Bo Li", "email": "bo@example.org"})).await;
    assert_eq!(answered["needsContact"], false, "{answered}");
    let leads = app.expect(owner, Method::GET, "/api/v1/leads", None, 200).await;
    assert_eq!((leads["total"].as_u64(), leads["data"][0]["name"].as_str()), (Some(1), Some("Bo Li")));
    assert_eq!(
        (leads["data"][0]["email"].as_str(), leads["data"][0]["source"].as_str()),
        (Some("bo@example.org"), Some("chat"))
    );
    let conversations = app.expect(owner, Method::GET, "/api/v1/conversations?channel=chat", None, 200).await;
    let said = format!("/api/v1/conversations/{}/messages", conversations["data"][0]["id"].as_str().unwrap());
    let said = app.expect(owner, Method::GET, &said, None, 200).await;
    assert_eq!(said["data"][0]["content"], "What are your hours?\nok", "the kept question is answered: {said}");

    // A flood from one address is cut off.
    let mut limited = 0;
    for _ in 0..70 {
        if public(&app, &sessions, None, json!({})).await.0 == 429 {
            limited += 1;
        }
    }
    assert!(limited >= 9, "{limited} of 70 sessions refused");
}

/// A WebDriver session on a chromedriver we start; ended when dropped.
struct Browser {
    driver: std::process::Child,
    base: String,
    session: String,
    http: reqwest::Client,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Browser {
    async fn start() -> Option<Self> {
        let driver = std::env::var("FRONTDESK_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        if !std::path::Path::new(&driver).exists() {
            assert!(
                std::env::var("CI").is_err(),
                "chromedriver is not installed at {driver}: scripts/test.sh installs it"
            );
            eprintln!("skipped: chromedriver is not installed at {driver} (scripts/test.sh installs chromium-driver)");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = std::process::Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        for _ in 0..100 {
            if http.get(format!("{base}/status")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let args =
            ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=800,900"];
        let capabilities = json!({"capabilities": {"alwaysMatch": {"goog:chromeOptions": {"args": args}}}});
        let created: Value =
            http.post(format!("{base}/session")).json(&capabilities).send().await.unwrap().json().await.unwrap();
        let session =
            created["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {created}")).to_owned();
        Some(Self { driver: child, base, session, http })
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let mut request = self.http.request(method, url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer: Value = request.send().await.unwrap().json().await.unwrap();
        answer["value"].clone()
    }

    async fn open(&self, url: &str) {
        self.call(Method::POST, "/url", Some(json!({"url": url}))).await;
    }

    async fn element(&self, css: &str) -> String {
        let found = self.call(Method::POST, "/element", Some(json!({"using": "css selector", "value": css}))).await;
        found[ELEMENT].as_str().unwrap_or_else(|| panic!("no element {css}: {found}")).to_owned()
    }

    async fn texts(&self, css: &str) -> Vec<String> {
        let script =
            "return Array.from(document.querySelectorAll(arguments[0])).map(function (e) { return e.textContent; });";
        let found = self.call(Method::POST, "/execute/sync", Some(json!({"script": script, "args": [css]}))).await;
        let texts = found.as_array().unwrap_or_else(|| panic!("no texts for {css}: {found}"));
        texts.iter().map(|t| t.as_str().unwrap_or("").to_owned()).collect()
    }

    /// Types `text` into the message box and sends it.
    async fn say(&self, text: &str) {
        let input = self.element("#input").await;
        self.call(Method::POST, &format!("/element/{input}/value"), Some(json!({"text": text}))).await;
        let send = self.element("#send").await;
        self.call(Method::POST, &format!("/element/{send}/click"), Some(json!({}))).await;
    }

    /// Waits until the receptionist has answered `count` times (no pending answer), returning its answers.
    async fn answers(&self, count: usize) -> Vec<String> {
        // One script reads both, so an answer arriving in between cannot be half-seen.
        let script = "var pending = document.querySelectorAll('#log li.pending').length;\
            return pending ? null : Array.from(document.querySelectorAll('#log li.bot')).map(function (e) { return e.textContent; });";
        for _ in 0..300 {
            let found = self.call(Method::POST, "/execute/sync", Some(json!({"script": script, "args": []}))).await;
            if let Some(done) = found.as_array().filter(|d| d.len() >= count) {
                return done.iter().map(|t| t.as_str().unwrap_or("").to_owned()).collect();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "the page never showed {count} answers: {:?} {:?}",
            self.texts("#log li").await,
            self.texts(".error").await
        );
    }
}

/// The widget in headless Chromium: the page greets, asks for contact
/// details, offers a real slot and books it.
async fn the_widget_books_in_a_real_browser(profile: Profile) {
    let app = TestApp::builder(profile).spawn().await;
    let owner = Owner::create(&app, "browser-widget.test").await;
    open_all_week(&app, &owner).await;
    let widget = app
        .expect(
            &owner.token,
            Method::PUT,
            "/api/v1/chat-widget",
            Some(json!({"greeting": "Hi! Acme Roofing here."})),
            200,
        )
        .await;
    let Some(browser) = Browser::start().await else { return };
    browser.open(&format!("{}/chat/{}", app.address, widget["key"].as_str().unwrap())).await;
    assert_eq!(browser.answers(1).await, ["Hi! Acme Roofing here."]);
    browser.say("Can I come in tomorrow at 3pm?").await;
    let answers = browser.answers(2).await;
    assert!(answers[1].starts_with("Happy to help!"), "{answers:?}");
    browser.say("I'm Ana, my number is +1 415 555 0177").await;
    let answers = browser.answers(3).await;
    assert!(answers[2].starts_with("I can offer"), "{answers:?}");
    browser.say("yes please").await;
    let answers = browser.answers(4).await;
    let bookings = app.expect(&owner.token, Method::GET, "/api/v1/bookings", None, 200).await;
    assert_eq!(bookings["total"], 1, "{answers:?} {bookings}");
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).date_naive();
    assert_eq!(bookings["data"][0]["startsAt"], json!(format!("{tomorrow}T15:00:00Z")));
    let leads = app.expect(&owner.token, Method::GET, "/api/v1/leads", None, 200).await;
    assert_eq!(
        (leads["data"][0]["phone"].as_str(), leads["data"][0]["source"].as_str()),
        (Some("+14155550177"), Some("chat"))
    );
    browser.call(Method::DELETE, "", None).await;
}

crate::per_profile!(
    the_widget_answers_only_its_sites_and_makes_a_lead_from_contact_details,
    the_widget_books_in_a_real_browser
);
