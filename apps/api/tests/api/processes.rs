//! Two api processes on one PostgreSQL database and one Redis: a change of
//! membership made through one is enforced by the other within a second, and
//! a lead, account or sub-account's time zone changed through one is read
//! afresh by the other.
//!
//! Both run with `MEMBERSHIP_CACHE_TTL_SECS=3600` and `CACHE_NEAR_TTL_SECS=3600`,
//! so only the Redis pub/sub announcement (not the TTL backstop) can make the
//! second process forget what it cached. The second process is the real `frontdesk-api`
//! binary, started with the first one's database, Redis and key prefix.

use crate::helpers::{JWT_SECRET, Profile, TestApp, member, register};
use reqwest::Method;
use serde_json::json;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The second api process; killed when dropped.
struct OtherProcess {
    child: Child,
    address: String,
    _dir: tempfile::TempDir,
}

impl Drop for OtherProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl OtherProcess {
    /// Starts `frontdesk-api` on `app`'s stores and waits until it serves.
    async fn beside(app: &TestApp) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = tempfile::tempdir().unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_frontdesk-api"))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("APP_ENV", "test")
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string())
            .env("DATABASE_URL", &app.database_url)
            .env("REDIS_URL", std::env::var("TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into()))
            .env("REDIS_KEY_PREFIX", app.redis_prefix.as_deref().expect("production profile"))
            .env("JWT_SECRET", JWT_SECRET)
            .env("FILES_DIR", dir.path().join("files"))
            .env("EMBEDDED_WORKER", "false")
            .env("MEMBERSHIP_CACHE_TTL_SECS", "3600")
            .env("CACHE_NEAR_TTL_SECS", "3600")
            .env("SHUTDOWN_TIMEOUT_SECS", "1")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the second frontdesk-api process");
        let other = Self { child, address: format!("http://127.0.0.1:{port}"), _dir: dir };
        for _ in 0..300 {
            if let Ok(response) = reqwest::get(format!("{}/health/ready", other.address)).await
                && response.status() == 200
            {
                return other;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the second api process never became ready at {}", other.address);
    }

    async fn status(&self, token: &str, path: &str) -> u16 {
        reqwest::Client::new()
            .get(format!("{}{path}", self.address))
            .bearer_auth(token)
            .send()
            .await
            .expect("second process answers")
            .status()
            .as_u16()
    }

    async fn get(&self, token: &str, path: &str) -> (u16, serde_json::Value) {
        let response = reqwest::Client::new()
            .get(format!("{}{path}", self.address))
            .bearer_auth(token)
            .send()
            .await
            .expect("second process answers");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or_default())
    }

    /// Polls `path` until `done` holds for its answer, for at most one second;
    /// returns what it answered last.
    async fn read_within_a_second(
        &self,
        token: &str,
        path: &str,
        done: impl Fn(u16, &serde_json::Value) -> bool,
    ) -> (u16, serde_json::Value) {
        let deadline = std::time::Instant::now() + Duration::from_secs(1);
        loop {
            let (status, body) = self.get(token, path).await;
            if done(status, &body) || std::time::Instant::now() >= deadline {
                return (status, body);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Polls `path` until it answers `expected`, for at most one second;
    /// returns what it answered last.
    async fn within_a_second(&self, token: &str, path: &str, expected: u16) -> u16 {
        let deadline = std::time::Instant::now() + Duration::from_secs(1);
        loop {
            let status = self.status(token, path).await;
            if status == expected || std::time::Instant::now() >= deadline {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

#[tokio::test]
async fn a_demoted_or_removed_member_loses_access_on_every_process_within_a_second() {
    let app = TestApp::builder(Profile::Production).env("MEMBERSHIP_CACHE_TTL_SECS", "3600").spawn().await;
    let other = OtherProcess::beside(&app).await;
    let (token, _) = register(&app, "owner@two.example").await;
    let (status, created) =
        app.call(&token, Method::POST, "/api/v1/subaccounts", Some(json!({"name": "Two processes"}))).await;
    assert_eq!(status, 201, "{created}");
    let owner = created["accessToken"].as_str().unwrap().to_owned();
    let manager = member(&app, &owner, "manager@two.example", "manager").await;
    let (_, me) = app.call(&manager, Method::GET, "/api/v1/auth/me", None).await;
    let manager_id = me["id"].as_str().unwrap().to_owned();

    // The other process caches the manager's membership (read twice: the second from memory).
    for _ in 0..2 {
        assert_eq!(other.status(&manager, "/api/v1/webhooks").await, 200);
    }

    // Demoted on the first process: the other refuses the manager-only route.
    let (status, body) =
        app.call(&owner, Method::PATCH, &format!("/api/v1/users/{manager_id}"), Some(json!({"role": "agent"}))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(other.within_a_second(&manager, "/api/v1/webhooks", 403).await, 403, "demotion not seen");
    assert_eq!(other.status(&manager, "/api/v1/leads").await, 200, "still a member, as an agent");

    // Removed on the first process: the other refuses every tenant route.
    let (status, _) = app.call(&owner, Method::DELETE, &format!("/api/v1/users/{manager_id}"), None).await;
    assert_eq!(status, 204);
    assert_eq!(other.within_a_second(&manager, "/api/v1/leads", 403).await, 403, "removal not seen");
}

#[tokio::test]
async fn joining_and_deleting_a_sub_account_are_seen_by_every_process_within_a_second() {
    let app = TestApp::builder(Profile::Production).env("MEMBERSHIP_CACHE_TTL_SECS", "3600").spawn().await;
    let other = OtherProcess::beside(&app).await;
    let (token, _) = register(&app, "owner@join.example").await;
    let (_, created) = app.call(&token, Method::POST, "/api/v1/subaccounts", Some(json!({"name": "Joiners"}))).await;
    let owner = created["accessToken"].as_str().unwrap().to_owned();
    let id = created["subAccount"]["id"].as_str().unwrap().to_owned();
    let (_, invitation) = app
        .call(
            &owner,
            Method::POST,
            &format!("/api/v1/subaccounts/{id}/invitations"),
            Some(json!({"email": "newcomer@join.example", "role": "agent"})),
        )
        .await;
    let (newcomer, _) = register(&app, "newcomer@join.example").await;
    // "Not a member yet" is cached by the other process…
    for _ in 0..2 {
        assert_eq!(other.status(&newcomer, "/api/v1/leads").await, 403);
    }
    // …and forgotten when the newcomer joins through the first.
    let (status, joined) =
        app.call(&newcomer, Method::POST, "/api/v1/subaccounts/join", Some(json!({"code": invitation["code"]}))).await;
    assert_eq!(status, 200, "{joined}");
    assert_eq!(other.within_a_second(&newcomer, "/api/v1/leads", 200).await, 200, "join not seen");
    assert_eq!(other.status(&owner, "/api/v1/leads").await, 200);

    // The sub-account is deleted through the first process: both members lose it on the other.
    let (status, _) = app.call(&owner, Method::DELETE, &format!("/api/v1/subaccounts/{id}"), None).await;
    assert_eq!(status, 204);
    assert_eq!(other.within_a_second(&owner, "/api/v1/leads", 403).await, 403, "deletion not seen (owner)");
    assert_eq!(other.within_a_second(&newcomer, "/api/v1/leads", 403).await, 403, "deletion not seen (member)");
}

#[tokio::test]
async fn a_lead_or_account_changed_through_one_process_is_read_afresh_by_the_other_within_a_second() {
    let app = TestApp::builder(Profile::Production)
        .env("MEMBERSHIP_CACHE_TTL_SECS", "3600")
        .env("CACHE_NEAR_TTL_SECS", "3600")
        .spawn()
        .await;
    let other = OtherProcess::beside(&app).await;
    let (token, _) = register(&app, "owner@near.example").await;
    let (_, created) = app.call(&token, Method::POST, "/api/v1/subaccounts", Some(json!({"name": "Near"}))).await;
    let owner = created["accessToken"].as_str().unwrap().to_owned();
    let (status, lead) = app
        .call(&owner, Method::POST, "/api/v1/leads", Some(json!({"name": "Ann Original", "email": "ann@near.example"})))
        .await;
    assert_eq!(status, 201, "{lead}");
    let path = format!("/api/v1/leads/{}", lead["id"].as_str().unwrap());

    // The other process reads the lead (and the account) and keeps its own copies.
    for _ in 0..3 {
        assert_eq!(other.get(&owner, &path).await.1["name"], "Ann Original");
        assert_eq!(other.get(&owner, "/api/v1/auth/me").await.1["name"], "Someone");
    }

    // Changed through the first process: the other reads the change.
    let (status, body) = app.call(&owner, Method::PATCH, &path, Some(json!({"name": "Ann Renamed"}))).await;
    assert_eq!(status, 200, "{body}");
    let (_, seen) = other.read_within_a_second(&owner, &path, |_, b| b["name"] == "Ann Renamed").await;
    assert_eq!(seen["name"], "Ann Renamed", "the lead's change was not seen");

    let (status, body) =
        app.call(&owner, Method::PATCH, "/api/v1/users/profile", Some(json!({"name": "Olga Renamed"}))).await;
    assert!(status == 200 || status == 204, "{status} {body}");
    let (_, me) = other.read_within_a_second(&owner, "/api/v1/auth/me", |_, b| b["name"] == "Olga Renamed").await;
    assert_eq!(me["name"], "Olga Renamed", "the account's change was not seen");

    // Deleted through the first process: gone on the other.
    let (status, _) = app.call(&owner, Method::DELETE, &path, None).await;
    assert_eq!(status, 204);
    let (status, _) = other.read_within_a_second(&owner, &path, |s, _| s == 404).await;
    assert_eq!(status, 404, "the deletion was not seen");

    // No schedule of its own: the default follows the sub-account's zone,
    // which the other process caches (read twice) and forgets when it moves.
    let id = created["subAccount"]["id"].as_str().unwrap();
    let schedule = format!("/api/v1/subaccounts/{id}/schedule");
    for _ in 0..2 {
        let (status, body) = other.get(&owner, &schedule).await;
        assert_eq!((status, body["timeZone"].as_str()), (200, Some("UTC")), "{body}");
    }
    let (status, body) = app
        .call(&owner, Method::PATCH, &format!("/api/v1/subaccounts/{id}"), Some(json!({"timezone": "Europe/Paris"})))
        .await;
    assert_eq!(status, 200, "{body}");
    let (_, seen) = other.read_within_a_second(&owner, &schedule, |_, b| b["timeZone"] == "Europe/Paris").await;
    assert_eq!(seen["timeZone"], "Europe/Paris", "the default schedule kept the old zone: {seen}");
    let (_, here) = app.call(&owner, Method::GET, &schedule, None).await;
    assert_eq!(here["timeZone"], "Europe/Paris", "{here}");
}
