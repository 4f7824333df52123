//! `spawn_app`: one api per test on a random port, with its own database and key prefix.

use frontdesk_api::Application;
use frontdesk_runtime::Settings;
use frontdesk_sea_orm::testing::TestDatabase;
use serde_json::{Value, json};
use std::collections::HashMap;

/// Which stores the app under test uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// A SQLite file and the in-process cache.
    Embedded,
    /// A fresh PostgreSQL database and Redis under a fresh key prefix.
    Production,
}

pub const BOTH: [Profile; 2] = [Profile::Embedded, Profile::Production];

/// The HS256 secret every test app signs with (tests forge tokens with it).
pub const JWT_SECRET: &str = "test-jwt-secret-that-is-at-least-32-bytes";

/// The admin bootstrap code every test app is configured with.
pub const ADMIN_CODE: &str = "test-admin-bootstrap-code";

/// A running api.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    /// The Redis key prefix (production profile).
    pub redis_prefix: Option<String>,
    /// The app's database (SQLite file or PostgreSQL), for tests that check what was stored.
    pub database_url: String,
    _db: Option<TestDatabase>,
    _dir: tempfile::TempDir,
}

impl TestApp {
    /// The app's `FILES_DIR`.
    pub fn files_dir(&self) -> std::path::PathBuf {
        self._dir.path().join("files")
    }

    /// Every file under `FILES_DIR/folder`, as keys (`imports/…`).
    pub fn stored_files(&self, folder: &str) -> Vec<String> {
        fn walk(dir: &std::path::Path, key: &str, into: &mut Vec<String>) {
            let Ok(entries) = std::fs::read_dir(dir) else { return };
            for entry in entries.flatten() {
                let key = format!("{key}/{}", entry.file_name().to_string_lossy());
                if entry.path().is_dir() { walk(&entry.path(), &key, into) } else { into.push(key) }
            }
        }
        let mut files = Vec::new();
        walk(&self.files_dir().join(folder), folder, &mut files);
        files
    }

    /// Keeps `db` alive (dropped, i.e. deleted, with the app) when a test made its own.
    pub fn keeping(mut self, db: TestDatabase) -> Self {
        self._db = Some(db);
        self
    }

    /// The newest audit entries, read straight from the app's database.
    pub async fn audit_trail(&self) -> Vec<frontdesk_tenancy::AuditEntry> {
        use frontdesk_tenancy::AuditLog;
        let config = frontdesk_sea_orm::DbConfig {
            url: self.database_url.clone(),
            max_connections: 1,
            acquire_timeout: std::time::Duration::from_secs(5),
        };
        let store = frontdesk_sea_orm::SqlStore::connect(&config).await.expect("store");
        let entries = frontdesk_sea_orm::SeaOrmAuditLog::new(store.clone()).recent(None, 100).await.expect("audit");
        store.close().await;
        entries
    }

    /// A store on the app's database, for reading what was written.
    pub async fn store(&self) -> frontdesk_sea_orm::SqlStore {
        let config = frontdesk_sea_orm::DbConfig {
            url: self.database_url.clone(),
            max_connections: 1,
            acquire_timeout: std::time::Duration::from_secs(5),
        };
        frontdesk_sea_orm::SqlStore::connect(&config).await.expect("store")
    }

    /// The stored record of a refresh token (looked up by its hash), read straight from the app's database.
    pub async fn stored_refresh_token(&self, token: &str) -> Option<frontdesk_tenancy::RefreshToken> {
        use frontdesk_tenancy::RefreshTokenRepository;
        let config = frontdesk_sea_orm::DbConfig {
            url: self.database_url.clone(),
            max_connections: 1,
            acquire_timeout: std::time::Duration::from_secs(5),
        };
        let store = frontdesk_sea_orm::SqlStore::connect(&config).await.expect("store");
        let hash = frontdesk_crypto::hash_refresh_token(token);
        let record = frontdesk_sea_orm::SeaOrmRefreshTokenRepository::new(store.clone())
            .find_by_hash(&hash)
            .await
            .expect("refresh token lookup");
        store.close().await;
        record
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{path}", self.address)).send().await.expect("request")
    }

    /// Sends `method path` with `token` as bearer and an optional JSON body;
    /// returns the status and the JSON body (`null` when empty).
    pub async fn call(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut request = self.client.request(method, format!("{}{path}", self.address)).bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        (status, if text.is_empty() { serde_json::Value::Null } else { serde_json::from_str(&text).expect("json") })
    }

    /// POSTs raw `body` bytes as `content_type` with `token` as bearer; returns the status and the JSON answer.
    pub async fn post_bytes(
        &self,
        token: &str,
        path: &str,
        content_type: &str,
        body: &[u8],
    ) -> (u16, serde_json::Value) {
        let response = self
            .client
            .post(format!("{}{path}", self.address))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body.to_vec())
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(serde_json::Value::Null))
    }

    pub async fn post_raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.address))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("request")
    }

    /// Uploads `bytes` as the multipart part `file` named `file_name` to `path`.
    pub async fn upload(&self, token: &str, path: &str, file_name: &str, bytes: &[u8]) -> (u16, serde_json::Value) {
        let boundary = "frontdesk-test-boundary-7d1f";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let response = self
            .client
            .post(format!("{}{path}", self.address))
            .bearer_auth(token)
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(body)
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// Polls the job until it is completed or dead (or 120 s pass) and returns its last state.
    pub async fn wait_for_job(&self, token: &str, id: &str) -> serde_json::Value {
        for _ in 0..1200 {
            let (status, job) = self.call(token, reqwest::Method::GET, &format!("/api/v1/jobs/{id}"), None).await;
            assert_eq!(status, 200, "{job}");
            if job["status"] == "completed" || job["status"] == "dead" {
                return job;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("job {id} did not finish");
    }

    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client.post(format!("{}{path}", self.address)).json(body).send().await.expect("request")
    }
}

fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// Spawns the app in `profile`; `extra` overrides or adds variables.
pub async fn spawn_app_with(profile: Profile, extra: &[(&str, &str)]) -> TestApp {
    frontdesk_runtime::install_crypto_provider();
    frontdesk_runtime::telemetry::init_for_tests();
    let dir = tempfile::tempdir().unwrap();
    let mut vars: HashMap<String, String> = HashMap::new();
    vars.insert("APP_ENV".into(), "test".into());
    vars.insert("HOST".into(), "127.0.0.1".into());
    vars.insert("PORT".into(), "0".into());
    vars.insert("SHUTDOWN_TIMEOUT_SECS".into(), "1".into());
    vars.insert("FILES_DIR".into(), dir.path().join("files").display().to_string());
    // Jobs run in-process in both profiles (SQL queue embedded, Redis Streams in production).
    vars.insert("EMBEDDED_WORKER".into(), "true".into());
    vars.insert("BCRYPT_COST".into(), "4".into());
    // Generous limits so functional tests never trip them; rate_limits.rs sets its own.
    vars.insert("AUTH_RATE_LIMIT".into(), "1000".into());
    vars.insert("ADMIN_AUTH_CODE".into(), ADMIN_CODE.into());
    vars.insert("JWT_SECRET".into(), JWT_SECRET.into());
    let db = match profile {
        Profile::Embedded => {
            vars.insert("DATABASE_URL".into(), format!("sqlite://{}?mode=rwc", dir.path().join("api.db").display()));
            None
        }
        Profile::Production => {
            let db = TestDatabase::create().await;
            vars.insert("DATABASE_URL".into(), db.url().to_owned());
            vars.insert("REDIS_URL".into(), redis_url());
            vars.insert("REDIS_KEY_PREFIX".into(), format!("fdtest:{}:", uuid::Uuid::now_v7().simple()));
            Some(db)
        }
    };
    for (key, value) in extra {
        vars.insert((*key).to_owned(), (*value).to_owned());
    }
    if vars.get("APP_ENV").map(String::as_str) == Some("production") && !vars.contains_key("ENCRYPTION_KEYS") {
        vars.insert("ENCRYPTION_KEYS".into(), "test:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=".into());
    }
    let database_url = vars["DATABASE_URL"].clone();
    let settings = Settings::from_vars(&vars).expect("test settings");
    let app = Application::build(settings).await.expect("app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let redis_prefix = vars.get("REDIS_KEY_PREFIX").cloned();
    TestApp { address, client, redis_prefix, database_url, _db: db, _dir: dir }
}

pub async fn spawn_app(profile: Profile) -> TestApp {
    spawn_app_with(profile, &[]).await
}

/// Registers `email`, and returns (access token, user id).
pub async fn register(app: &TestApp, email: &str) -> (String, String) {
    let body: Value = app
        .post_json("/api/v1/auth/register", &json!({"email": email, "password": "Secret123", "name": "Someone"}))
        .await
        .json()
        .await
        .unwrap();
    (body["accessToken"].as_str().unwrap().to_owned(), body["user"]["id"].as_str().unwrap().to_owned())
}

/// An owner with a sub-account and an agent who joined it: (owner token, agent token, agent id, owner id).
pub async fn team(app: &TestApp, domain: &str) -> (String, String, String, String) {
    let (token, owner_id) = register(app, &format!("owner@{domain}")).await;
    let (_, created) =
        app.call(&token, reqwest::Method::POST, "/api/v1/subaccounts", Some(json!({"name": domain}))).await;
    let owner = created["accessToken"].as_str().unwrap().to_owned();
    let id = created["subAccount"]["id"].as_str().unwrap();
    let (_, invitation) = app
        .call(
            &owner,
            reqwest::Method::POST,
            &format!("/api/v1/subaccounts/{id}/invitations"),
            Some(json!({"email": format!("agent@{domain}"), "role": "agent"})),
        )
        .await;
    let (agent_token, agent_id) = register(app, &format!("agent@{domain}")).await;
    let (_, joined) = app
        .call(
            &agent_token,
            reqwest::Method::POST,
            "/api/v1/subaccounts/join",
            Some(json!({"code": invitation["code"]})),
        )
        .await;
    (owner, joined["accessToken"].as_str().unwrap().to_owned(), agent_id, owner_id)
}

/// Runs each named `async fn(Profile)` once per profile as its own test
/// (`<module>::per_profile::<name>::embedded` / `::production`), so a
/// failure names its profile.
#[macro_export]
macro_rules! per_profile {
    ($($name:ident),* $(,)?) => {
        mod per_profile {
            $(
                pub mod $name {
                    #[tokio::test]
                    async fn embedded() {
                        super::super::$name($crate::helpers::Profile::Embedded).await;
                    }
                    #[tokio::test]
                    async fn production() {
                        super::super::$name($crate::helpers::Profile::Production).await;
                    }
                }
            )*
        }
    };
}

/// A member with `role` (`agent` or `manager`) who joined the owner's sub-account; returns their token.
pub async fn member(app: &TestApp, owner: &str, email: &str, role: &str) -> String {
    let (_, me) = app.call(owner, reqwest::Method::GET, "/api/v1/auth/me", None).await;
    let id = me["subAccountId"].as_str().expect("the owner's sub-account id").to_owned();
    let (status, invitation) = app
        .call(
            owner,
            reqwest::Method::POST,
            &format!("/api/v1/subaccounts/{id}/invitations"),
            Some(json!({"email": email, "role": role})),
        )
        .await;
    assert_eq!(status, 201, "{invitation}");
    let (token, _) = register(app, email).await;
    let (status, joined) = app
        .call(&token, reqwest::Method::POST, "/api/v1/subaccounts/join", Some(json!({"code": invitation["code"]})))
        .await;
    assert_eq!(status, 200, "{joined}");
    joined["accessToken"].as_str().unwrap().to_owned()
}

/// Builds a [`TestApp`]: a profile, then environment overrides and vendor
/// base URLs (a Prism mock, a fault server), then `spawn`.
pub struct TestAppBuilder {
    profile: Profile,
    env: Vec<(String, String)>,
}

impl TestApp {
    /// A builder for an app in `profile`.
    pub fn builder(profile: Profile) -> TestAppBuilder {
        TestAppBuilder { profile, env: Vec::new() }
    }

    /// Sends the request and asserts the status; returns the JSON body (`null` when empty).
    pub async fn expect(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        status: u16,
    ) -> Value {
        let (got, answer) = self.call(token, method.clone(), path, body).await;
        assert_eq!(got, status, "{method} {path}: {answer}");
        answer
    }

    /// As [`TestApp::expect`], deserialized into `T`.
    pub async fn expect_as<T: serde::de::DeserializeOwned>(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        status: u16,
    ) -> T {
        let answer = self.expect(token, method, path, body, status).await;
        serde_json::from_value(answer.clone()).unwrap_or_else(|e| panic!("unexpected body {answer}: {e}"))
    }

    /// How many of this app's Redis keys match `pattern` (after its key prefix);
    /// 0 on the embedded profile, which has no Redis.
    pub async fn redis_keys(&self, pattern: &str) -> usize {
        let Some(prefix) = &self.redis_prefix else { return 0 };
        let mut redis = redis::Client::open(redis_url()).unwrap().get_multiplexed_async_connection().await.unwrap();
        let keys: Vec<String> =
            redis::cmd("KEYS").arg(format!("{prefix}{pattern}")).query_async(&mut redis).await.unwrap();
        keys.len()
    }
}

impl TestAppBuilder {
    /// Sets (or overrides) one environment variable of the app.
    #[must_use]
    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Points a vendor adapter at `base_url` (`twilio` → `TWILIO_BASE_URL`).
    #[must_use]
    #[allow(dead_code, reason = "for the vendor adapters' tests (Prism, fault servers) of the next issues")]
    pub fn vendor(self, vendor: &str, base_url: &str) -> Self {
        let key = format!("{}_BASE_URL", vendor.to_ascii_uppercase());
        self.env(&key, base_url)
    }

    /// Starts the app.
    pub async fn spawn(self) -> TestApp {
        let pairs: Vec<(&str, &str)> = self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        spawn_app_with(self.profile, &pairs).await
    }
}

/// A user who created a sub-account and owns it.
#[derive(Clone, Debug)]
pub struct Owner {
    pub token: String,
    pub user_id: String,
    pub sub_account_id: String,
}

impl Owner {
    /// Registers `owner@{domain}` and creates the sub-account `{domain}`.
    pub async fn create(app: &TestApp, domain: &str) -> Self {
        let (token, user_id) = register(app, &format!("owner@{domain}")).await;
        let created =
            app.expect(&token, reqwest::Method::POST, "/api/v1/subaccounts", Some(json!({"name": domain})), 201).await;
        Self {
            token: created["accessToken"].as_str().expect("owner token").to_owned(),
            user_id,
            sub_account_id: created["subAccount"]["id"].as_str().expect("sub-account id").to_owned(),
        }
    }
}

/// A member of a sub-account other than its owner.
#[derive(Clone, Debug)]
pub struct Member {
    pub token: String,
    pub email: String,
}

/// An owner with a manager and an agent in the sub-account.
#[derive(Clone, Debug)]
pub struct Team {
    pub owner: Owner,
    pub manager: Member,
    pub agent: Member,
}

impl Team {
    /// The owner of `{domain}`, `manager@{domain}` and `agent@{domain}`.
    pub async fn create(app: &TestApp, domain: &str) -> Self {
        let owner = Owner::create(app, domain).await;
        let mut members = Vec::new();
        for role in ["manager", "agent"] {
            let email = format!("{role}@{domain}");
            let token = member(app, &owner.token, &email, role).await;
            members.push(Member { token, email });
        }
        let agent = members.pop().expect("agent");
        let manager = members.pop().expect("manager");
        Self { owner, manager, agent }
    }
}

/// A platform admin (signed up with the bootstrap code); returns its token.
pub async fn admin(app: &TestApp, email: &str) -> String {
    let body = json!({"email": email, "password": "Admin1234", "name": "Root", "authCode": ADMIN_CODE});
    let created: Value = app.post_json("/api/v1/auth/admin/register", &body).await.json().await.expect("admin");
    created["accessToken"].as_str().expect("admin token").to_owned()
}

/// Opens `owner`'s sub-account all day, every day, in UTC (30-minute slots, an hour's notice).
pub async fn open_all_week(app: &TestApp, owner: &Owner) {
    let day = json!([{"start": "00:00", "end": "24:00"}]);
    let schedule = json!({"timeZone": "UTC", "granularityMinutes": 30, "minNoticeMinutes": 60, "weeklyHours": {
        "monday": day, "tuesday": day, "wednesday": day, "thursday": day, "friday": day, "saturday": day, "sunday": day}});
    let path = format!("/api/v1/subaccounts/{}/schedule", owner.sub_account_id);
    app.expect(&owner.token, reqwest::Method::PUT, &path, Some(schedule), 200).await;
}

/// A Stoplight Prism mock serving a vendor's own API description.
pub struct Prism(frontdesk_test_support::Prism);

impl std::ops::Deref for Prism {
    type Target = frontdesk_test_support::Prism;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl Prism {
    /// Serves `spec` (a path relative to the workspace root).
    pub fn serve(spec: &str) -> Option<Self> {
        frontdesk_test_support::Prism::serve(format!("{}/../../{spec}", env!("CARGO_MANIFEST_DIR"))).map(Self)
    }
}

/// One request as a receiver saw it.
#[derive(Clone, Debug, Default)]
pub struct Received {
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map_or("", |(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// A webhook receiver on 127.0.0.1: answers with its current status line,
/// keeps every request it got.
pub struct Receiver {
    pub url: String,
    pub seen: std::sync::Arc<std::sync::Mutex<Vec<Received>>>,
    pub status: std::sync::Arc<std::sync::Mutex<&'static str>>,
}

impl Receiver {
    pub async fn start(status: &'static str) -> Self {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://127.0.0.1:{}/hooks/frontdesk", listener.local_addr().unwrap().port());
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let status = std::sync::Arc::new(std::sync::Mutex::new(status));
        let (keep, answer) = (seen.clone(), status.clone());
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut raw = Vec::new();
                let mut buffer = [0u8; 8192];
                let (head_end, length) = loop {
                    let n = socket.read(&mut buffer).await.unwrap_or(0);
                    if n == 0 {
                        break (raw.len(), 0);
                    }
                    raw.extend_from_slice(&buffer[..n]);
                    if let Some(end) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&raw[..end]).to_ascii_lowercase();
                        let length = head
                            .lines()
                            .find_map(|l| {
                                l.strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        break (end + 4, length);
                    }
                };
                while raw.len() < head_end + length {
                    let n = socket.read(&mut buffer).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    raw.extend_from_slice(&buffer[..n]);
                }
                let head = String::from_utf8_lossy(&raw[..head_end]).into_owned();
                let headers = head
                    .lines()
                    .skip(1)
                    .filter_map(|l| l.split_once(':'))
                    .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                    .collect();
                keep.lock().unwrap().push(Received { headers, body: raw[head_end..].to_vec() });
                let status = *answer.lock().unwrap();
                let reply = format!("HTTP/1.1 {status}\r\ncontent-length: 4\r\nconnection: close\r\n\r\nnope");
                let _ = socket.write_all(reply.as_bytes()).await;
            }
        });
        Self { url, seen, status }
    }

    /// Later requests are answered with `status` (`"500 Internal Server Error"`).
    pub fn answer(&self, status: &'static str) {
        *self.status.lock().unwrap() = status;
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.seen.lock().unwrap().clone()
    }

    /// Waits (up to 30 s) until `count` requests came, and returns them all.
    pub async fn wait_for(&self, count: usize) -> Vec<Received> {
        for _ in 0..600 {
            let seen = self.received();
            if seen.len() >= count {
                return seen;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the receiver got {} requests, not {count}", self.received().len());
    }
}
