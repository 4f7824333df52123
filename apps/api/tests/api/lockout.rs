//! Login lockout per (email, client IP), the per-email throttle, and where
//! the client IP comes from (`TRUSTED_PROXIES` and `X-Forwarded-For`).

use crate::errors::valid_sign_up;
use crate::helpers::{Profile, TestApp, spawn_app_with};
use frontdesk_tenancy::AuditAction;
use serde_json::{Value, json};

crate::per_profile!(
    an_attacker_locks_only_their_own_ip_and_the_owner_still_logs_in_elsewhere,
    a_forged_x_forwarded_for_from_an_untrusted_peer_is_ignored,
);

/// The test server's peer address is 127.0.0.1: trusting it makes the test
/// client a proxy that can speak for many clients through `X-Forwarded-For`.
const BEHIND_LOCAL_PROXY: [(&str, &str); 1] = [("TRUSTED_PROXIES", "127.0.0.1/32, ::1/128")];

async fn login_from(app: &TestApp, forwarded_for: &str, email: &str, password: &str) -> reqwest::Response {
    app.client
        .post(format!("{}/api/v1/auth/login", app.address))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

async fn register(app: &TestApp, email: &str) {
    assert_eq!(app.post_json("/api/v1/auth/register", &valid_sign_up(email)).await.status(), 201);
}

async fn an_attacker_locks_only_their_own_ip_and_the_owner_still_logs_in_elsewhere(profile: Profile) {
    let app = spawn_app_with(profile, &BEHIND_LOCAL_PROXY).await;
    register(&app, "ana@example.com").await;
    let attacker = "198.51.100.9";
    for attempt in 1..=4 {
        let response = login_from(&app, attacker, "ana@example.com", "Wrong1234").await;
        assert_eq!(response.status(), 401, "{profile:?} attempt {attempt}");
    }
    let locked = login_from(&app, attacker, "ana@example.com", "Wrong1234").await;
    assert_eq!(locked.status(), 423, "{profile:?}: the fifth failure locks the attacker's IP");
    assert!(locked.headers().contains_key("retry-after"));
    let still = login_from(&app, attacker, "ana@example.com", "Secret123").await;
    assert_eq!(still.status(), 423, "{profile:?}: even the right password, from the locked IP");

    let owner = login_from(&app, "203.0.113.5", "ana@example.com", "Secret123").await;
    assert_eq!(owner.status(), 200, "{profile:?}: the owner on another IP is not locked out");

    // Stored: the failures under the attacker's address, the success under the owner's.
    let trail = app.audit_trail().await;
    let ips = |action| trail.iter().filter(|e| e.action == action).map(|e| e.ip.clone()).collect::<Vec<_>>();
    assert_eq!(ips(AuditAction::LoginFailed), vec![Some(attacker.to_owned()); 5], "{profile:?}");
    assert_eq!(ips(AuditAction::LockedOut), [Some(attacker.to_owned())], "{profile:?}");
    assert_eq!(ips(AuditAction::LoginSucceeded), [Some("203.0.113.5".to_owned())], "{profile:?}");
}

#[tokio::test]
async fn many_ips_failing_on_one_email_slow_it_down_with_429_instead_of_locking_it() {
    let app = spawn_app_with(Profile::Embedded, &BEHIND_LOCAL_PROXY).await;
    register(&app, "ana@example.com").await;
    // 4 failures from each of 5 addresses: no address is locked, but the email saw 20.
    for host in 1..=5 {
        for _ in 0..4 {
            let response = login_from(&app, &format!("198.51.100.{host}"), "ana@example.com", "Wrong1234").await;
            assert_eq!(response.status(), 401);
        }
    }
    let slowed = login_from(&app, "203.0.113.5", "ana@example.com", "Secret123").await;
    assert_eq!(slowed.status(), 429, "the per-email ceiling throttles");
    let retry_after: u64 = slowed.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=900).contains(&retry_after), "at most the 15-minute window: {retry_after}");
    assert_eq!(slowed.json::<Value>().await.unwrap()["code"], "login_throttled");
    let trail = app.audit_trail().await;
    assert!(trail.iter().all(|e| e.action != AuditAction::LockedOut), "throttling is not a lock: {trail:?}");
}

async fn a_forged_x_forwarded_for_from_an_untrusted_peer_is_ignored(profile: Profile) {
    // No TRUSTED_PROXIES: the socket peer is the client, whatever the header claims.
    let app = spawn_app_with(profile, &[]).await;
    register(&app, "ana@example.com").await;
    for attempt in 1..=4 {
        let forged = format!("10.9.8.{attempt}");
        assert_eq!(login_from(&app, &forged, "ana@example.com", "Wrong1234").await.status(), 401);
    }
    let locked = login_from(&app, "10.9.8.99", "ana@example.com", "Wrong1234").await;
    assert_eq!(locked.status(), 423, "{profile:?}: five failures from one real peer lock it");
    let trail = app.audit_trail().await;
    assert!(trail.iter().all(|e| e.ip.as_deref() == Some("127.0.0.1")), "{profile:?}: {trail:?}");
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_gets_its_own_auth_rate_limit_bucket() {
    let vars = [BEHIND_LOCAL_PROXY[0], ("AUTH_RATE_LIMIT", "2")];
    let app = spawn_app_with(Profile::Embedded, &vars).await;
    let body = json!({"email": "x@example.com", "password": "Nope12345"});
    let from = |ip: &'static str| {
        app.client
            .post(format!("{}/api/v1/auth/login", app.address))
            .header("x-forwarded-for", format!("192.0.2.77, {ip}"))
            .json(&body)
            .send()
    };
    assert_eq!(from("198.51.100.1").await.unwrap().status(), 401);
    assert_eq!(from("198.51.100.1").await.unwrap().status(), 401);
    assert_eq!(from("198.51.100.1").await.unwrap().status(), 429, "the rightmost untrusted hop is the client");
    assert_eq!(from("198.51.100.2").await.unwrap().status(), 401, "another client behind the proxy is not limited");
}

#[tokio::test]
async fn without_trusted_proxies_a_forged_header_does_not_buy_a_fresh_rate_limit_bucket() {
    let app = spawn_app_with(Profile::Embedded, &[("AUTH_RATE_LIMIT", "2")]).await;
    for (i, expected) in [401, 401, 429].into_iter().enumerate() {
        let response = login_from(&app, &format!("198.51.100.{i}"), "x@example.com", "Nope12345").await;
        assert_eq!(response.status(), expected, "request {i}");
    }
}
