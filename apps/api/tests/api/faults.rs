//! Store outages: a TCP proxy between the api and PostgreSQL/Redis is cut
//! and restored, as a restart of either would do (connections reset, new
//! ones refused). Connection-level failures must answer 503
//! `dependency_unavailable` with `Retry-After`, never 500; a Redis outage
//! must never fail a read that the database can serve.

use crate::helpers::{Profile, TestApp};
use reqwest::Method;
use serde_json::json;
use std::sync::{Arc, Mutex};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

/// A TCP forwarder on a fixed local port that can be cut (listener closed,
/// every open connection reset) and restored on the same port.
pub struct Proxy {
    port: u16,
    target: String,
    tasks: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Proxy {
    pub async fn start(target: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let port = listener.local_addr().unwrap().port();
        let proxy = Self { port, target: target.to_owned(), tasks: Arc::default() };
        proxy.serve(listener);
        proxy
    }

    fn serve(&self, listener: TcpListener) {
        let tasks = Arc::clone(&self.tasks);
        let target = self.target.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                let connection = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                tasks.lock().unwrap().push(connection.abort_handle());
            }
        });
        self.tasks.lock().unwrap().push(accept.abort_handle());
    }

    pub const fn port(&self) -> u16 {
        self.port
    }

    /// Closes the listener and resets every connection through it.
    pub async fn cut(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
        // Let the aborted tasks drop their sockets.
        tokio::task::yield_now().await;
    }

    /// Listens again on the same port.
    pub async fn restore(&self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.expect("rebind proxy");
        self.serve(listener);
    }
}

/// The production profile with PostgreSQL and Redis reached through proxies.
async fn app_behind_proxies() -> (TestApp, Proxy, Proxy) {
    let db = frontdesk_sea_orm::testing::TestDatabase::create().await;
    let url = db.url().to_owned();
    let (_, rest) = url.split_once("@127.0.0.1:5432/").expect("test database url on 127.0.0.1:5432");
    let pg = Proxy::start("127.0.0.1:5432").await;
    let redis = Proxy::start("127.0.0.1:6379").await;
    let database_url = format!("{}@127.0.0.1:{}/{rest}", url.split_once('@').unwrap().0, pg.port());
    let redis_url = format!("redis://127.0.0.1:{}", redis.port());
    let app = TestApp::builder(Profile::Production)
        .env("DATABASE_URL", &database_url)
        .env("REDIS_URL", &redis_url)
        .env("EMBEDDED_WORKER", "false")
        .spawn()
        .await
        .keeping(db);
    (app, pg, redis)
}

#[tokio::test]
async fn store_outages_answer_503_with_retry_after_and_a_cache_outage_fails_no_read() {
    let (app, pg, redis) = app_behind_proxies().await;
    let (owner, _, _, _) = crate::helpers::team(&app, "outage.test").await;
    let mut ids = Vec::new();
    for n in 0..2 {
        let (status, lead) = app
            .call(
                &owner,
                Method::POST,
                "/api/v1/leads",
                Some(json!({"name": format!("Lead {n}"), "email": format!("lead{n}@outage.test")})),
            )
            .await;
        assert_eq!(status, 201, "{lead}");
        ids.push(lead["id"].as_str().unwrap().to_owned());
    }

    // Redis down: reads are served by the database.
    redis.cut().await;
    for id in &ids {
        let (status, body) = app.call(&owner, Method::GET, &format!("/api/v1/leads/{id}"), None).await;
        assert_eq!(status, 200, "a cache outage failed a read: {body}");
    }
    let (status, body) = app.call(&owner, Method::GET, "/api/v1/leads", None).await;
    assert_eq!(status, 200, "{body}");
    redis.restore().await;

    // PostgreSQL down: 503 dependency_unavailable with Retry-After, never 500.
    pg.cut().await;
    for path in [format!("/api/v1/leads/{}", ids[1]), "/api/v1/leads".to_owned(), "/api/v1/auth/me".to_owned()] {
        let response = app.client.get(format!("{}{path}", app.address)).bearer_auth(&owner).send().await.unwrap();
        let status = response.status().as_u16();
        let retry_after = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(status, 503, "{path} during a database outage: {body}");
        assert_eq!(body["code"], "dependency_unavailable", "{path}: {body}");
        assert!(retry_after.is_some_and(|s| s.parse::<u64>().is_ok_and(|s| s >= 1)), "{path}: no Retry-After");
    }

    // Back up: the same requests succeed again (the pool reconnects).
    pg.restore().await;
    let mut recovered = false;
    for _ in 0..50 {
        let (status, _) = app.call(&owner, Method::GET, &format!("/api/v1/leads/{}", ids[1]), None).await;
        if status == 200 {
            recovered = true;
            break;
        }
        assert_eq!(status, 503, "only 503 while the pool reconnects");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(recovered, "the api did not recover after the database came back");
}
