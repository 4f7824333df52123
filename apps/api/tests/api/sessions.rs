//! Login, lockout, refresh rotation and reuse detection, logout, me and
//! change-password over HTTP, in both profiles.

use crate::errors::valid_sign_up;
use crate::helpers::{BOTH, Profile, TestApp, spawn_app, spawn_app_with};
use serde_json::{Value, json};

async fn register(app: &TestApp, email: &str) -> Value {
    let response = app.post_json("/api/v1/auth/register", &valid_sign_up(email)).await;
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

async fn login(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.post_json("/api/v1/auth/login", &json!({"email": email, "password": password})).await
}

async fn me(app: &TestApp, token: &str) -> reqwest::Response {
    app.client.get(format!("{}/api/v1/auth/me", app.address)).bearer_auth(token).send().await.unwrap()
}

async fn refresh(app: &TestApp, token: &str) -> reqwest::Response {
    app.post_json("/api/v1/auth/refresh", &json!({"refreshToken": token})).await
}

fn token(body: &Value, field: &str) -> String {
    body[field].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn login_then_me_shows_the_onboarding_user() {
    for profile in BOTH {
        let app = spawn_app(profile).await;
        register(&app, "ana@example.com").await;
        let response = login(&app, "ANA@example.com", "Secret123").await;
        assert_eq!(response.status(), 200, "{profile:?}");
        let session: Value = response.json().await.unwrap();
        assert_eq!(session["expiresIn"], 900);
        let me: Value = me(&app, &token(&session, "accessToken")).await.json().await.unwrap();
        assert_eq!(me["email"], "ana@example.com");
        assert_eq!(me["accountType"], "user");
        assert_eq!((me["role"].clone(), me["subAccountId"].clone()), (Value::Null, Value::Null));
    }
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_401() {
    for profile in BOTH {
        let app = spawn_app(profile).await;
        register(&app, "ana@example.com").await;
        let wrong: Value = login(&app, "ana@example.com", "Wrong1234").await.json().await.unwrap();
        let unknown: Value = login(&app, "nobody@example.com", "Wrong1234").await.json().await.unwrap();
        assert_eq!(wrong, unknown);
        assert_eq!(wrong["statusCode"], 401, "{profile:?}");
        assert_eq!(wrong["code"], "invalid_credentials");
    }
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_with_retry_after() {
    for profile in BOTH {
        let app = spawn_app(profile).await;
        register(&app, "ana@example.com").await;
        for attempt in 1..=4 {
            assert_eq!(login(&app, "ana@example.com", "Wrong1234").await.status(), 401, "attempt {attempt}");
        }
        let locked = login(&app, "ana@example.com", "Wrong1234").await;
        assert_eq!(locked.status(), 423, "{profile:?}");
        let retry_after: u64 = locked.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1_700..=1_800).contains(&retry_after), "about 30 minutes: {retry_after}");
        assert_eq!(locked.json::<Value>().await.unwrap()["code"], "account_locked");
        // The right password is refused too while locked.
        assert_eq!(login(&app, "ana@example.com", "Secret123").await.status(), 423);
    }
}

#[tokio::test]
async fn refresh_rotates_and_a_reused_token_kills_the_family() {
    for profile in BOTH {
        let app = spawn_app(profile).await;
        let first = register(&app, "ana@example.com").await;
        let second: Value = refresh(&app, &token(&first, "refreshToken")).await.json().await.unwrap();
        let second_refresh = token(&second, "refreshToken");
        assert_ne!(second_refresh, token(&first, "refreshToken"));
        assert_eq!(me(&app, &token(&second, "accessToken")).await.status(), 200);

        let reused = refresh(&app, &token(&first, "refreshToken")).await;
        assert_eq!(reused.status(), 401, "{profile:?}");
        assert_eq!(reused.json::<Value>().await.unwrap()["code"], "invalid_token");
        assert_eq!(refresh(&app, &second_refresh).await.status(), 401, "the whole family is revoked");
    }
}

#[tokio::test]
async fn logout_revokes_the_session() {
    for profile in BOTH {
        let app = spawn_app(profile).await;
        let session = register(&app, "ana@example.com").await;
        let response = app
            .client
            .post(format!("{}/api/v1/auth/logout", app.address))
            .bearer_auth(token(&session, "accessToken"))
            .json(&json!({"refreshToken": token(&session, "refreshToken")}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204, "{profile:?}");
        assert_eq!(refresh(&app, &token(&session, "refreshToken")).await.status(), 401);
    }
}

#[tokio::test]
async fn change_password_kills_the_other_sessions_only() {
    for profile in BOTH {
        let app = spawn_app(profile).await;
        let this = register(&app, "ana@example.com").await;
        let other: Value = login(&app, "ana@example.com", "Secret123").await.json().await.unwrap();
        let change = |current: &'static str, new: &'static str| {
            app.client
                .post(format!("{}/api/v1/auth/change-password", app.address))
                .bearer_auth(token(&this, "accessToken"))
                .json(&json!({"currentPassword": current, "newPassword": new}))
                .send()
        };
        assert_eq!(change("Wrong1234", "Better456").await.unwrap().status(), 401);
        let weak = change("Secret123", "weak").await.unwrap();
        assert_eq!(weak.status(), 400);
        assert!(weak.json::<Value>().await.unwrap()["message"][0].as_str().unwrap().starts_with("newPassword:"));

        assert_eq!(change("Secret123", "Better456").await.unwrap().status(), 204, "{profile:?}");
        assert_eq!(refresh(&app, &token(&other, "refreshToken")).await.status(), 401, "other session revoked");
        assert_eq!(refresh(&app, &token(&this, "refreshToken")).await.status(), 200, "own session kept");
        assert_eq!(login(&app, "ana@example.com", "Better456").await.status(), 200);
    }
}

#[tokio::test]
async fn tampered_unsigned_and_foreign_tokens_are_refused() {
    let app = spawn_app(Profile::Embedded).await;
    let session = register(&app, "ana@example.com").await;
    let access = token(&session, "accessToken");
    let parts: Vec<&str> = access.split('.').collect();

    // Payload edited (tenant swap), signature kept.
    let payload = String::from_utf8(base64_decode(parts[1]))
        .unwrap()
        .replace("\"subAccountId\":null", "\"subAccountId\":\"00000000-0000-7000-8000-000000000000\"");
    let tampered = format!("{}.{}.{}", parts[0], base64_encode(payload.as_bytes()), parts[2]);
    // alg none, no signature.
    let none = format!("{}.{}.", base64_encode(br#"{"alg":"none","typ":"JWT"}"#), parts[1]);
    // Signed by someone else (the vectors' secret).
    let foreign = "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiSldUIn0.eyJpc3MiOiJodHRwczovL2F1dGguZXhhbXBsZS5jb20iLCJhdWQiOiJyZWNlcHRpb25pc3QtYXBpIiwic3ViIjoidXNlcl8xMjMiLCJ0aWQiOiJ0ZW5hbnRfYWNtZSIsInJvbGVzIjpbImFkbWluIl0sImlhdCI6MTcwMDAwMDAwMCwianRpIjoianRpLTAwMDEiLCJleHAiOjQxMDI0NDQ4MDB9.F1p9FUpef4PBwoYcl6aDWXR307Jv26Yw-N-Aj11_cas";

    for bad in [tampered.as_str(), none.as_str(), foreign, "not-a-jwt", ""] {
        let response = me(&app, bad).await;
        assert_eq!(response.status(), 401, "{bad}");
        assert_eq!(response.json::<Value>().await.unwrap()["code"], "unauthorized");
    }
    let missing = app.get("/api/v1/auth/me").await;
    assert_eq!(missing.status(), 401);
    assert_eq!(me(&app, &access).await.status(), 200, "the genuine token still works");
}

fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

fn base64_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let values: Vec<u32> = text.chars().map(|c| ALPHABET.find(c).unwrap() as u32).collect();
    let mut out = Vec::new();
    for chunk in values.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, v)| acc | (v << (18 - 6 * i)));
        for i in 0..chunk.len().saturating_sub(1) {
            out.push(((n >> (16 - 8 * i)) & 255) as u8);
        }
    }
    out
}

/// A clock stuck in the past, to sign tokens that are already expired.
struct At(chrono::DateTime<chrono::Utc>);

impl frontdesk_kernel::Clock for At {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.0
    }
}

#[tokio::test]
async fn an_expired_access_token_is_refused_even_with_a_valid_signature() {
    use frontdesk_tenancy::TokenSigner;
    let app = spawn_app(Profile::Embedded).await;
    let session = register(&app, "ana@example.com").await;
    let genuine = token(&session, "accessToken");
    let signer = frontdesk_crypto::JwtTokenSigner::new(
        &secrecy::SecretString::from(crate::helpers::JWT_SECRET.to_owned()),
        std::sync::Arc::new(At(chrono::Utc::now())),
    )
    .unwrap();
    let mut claims = signer.verify(&genuine).expect("the test app signs with the shared test secret");
    claims.iat -= 3600;
    claims.exp = chrono::Utc::now().timestamp() - 1;
    let expired = signer.sign(&claims).unwrap();
    let response = me(&app, &expired).await;
    assert_eq!(response.status(), 401);
    assert_eq!(response.json::<Value>().await.unwrap()["message"], "invalid or expired access token");
}

#[tokio::test]
async fn two_concurrent_sign_ups_with_one_email_give_one_201_and_one_409() {
    for profile in BOTH {
        let app = spawn_app(profile).await;
        let a = valid_sign_up("race@example.com");
        let b = valid_sign_up("RACE@example.com");
        let (first, second) =
            tokio::join!(app.post_json("/api/v1/auth/register", &a), app.post_json("/api/v1/auth/register", &b));
        let mut statuses = [first.status().as_u16(), second.status().as_u16()];
        statuses.sort_unstable();
        assert_eq!(statuses, [201, 409], "{profile:?}");
    }
}

crate::per_profile!(parallel_refreshes_of_one_token_leave_no_token_of_the_family_alive);

/// Theft detection under a race: many parallel refreshes of one token. Whoever
/// wins the rotation, the losers' reuse must end the family, so afterwards
/// every token the family ever had answers 401 and none is stored live.
/// Pairs are the sharpest race (the one loser revokes the family while the
/// winner is still issuing); wide bursts check that at most one rotation wins.
async fn parallel_refreshes_of_one_token_leave_no_token_of_the_family_alive(profile: Profile) {
    let app = spawn_app(profile).await;
    register(&app, "ana@example.com").await;
    for (parallel, rounds) in [(2, 15), (24, 10)] {
        for round in 0..rounds {
            let session: Value = login(&app, "ana@example.com", "Secret123").await.json().await.unwrap();
            let stolen = token(&session, "refreshToken");
            // Open a keep-alive connection per request first, and hold every request at a
            // barrier, so they reach the server together rather than one connect apart.
            let mut warm = tokio::task::JoinSet::new();
            for _ in 0..parallel {
                warm.spawn(app.client.get(format!("{}/health/live", app.address)).send());
            }
            while let Some(done) = warm.join_next().await {
                done.unwrap().unwrap();
            }
            let start = std::sync::Arc::new(tokio::sync::Barrier::new(parallel));
            let mut calls = tokio::task::JoinSet::new();
            for _ in 0..parallel {
                let request = app
                    .client
                    .post(format!("{}/api/v1/auth/refresh", app.address))
                    .json(&json!({"refreshToken": stolen}));
                let start = start.clone();
                calls.spawn(async move {
                    start.wait().await;
                    request.send().await.unwrap()
                });
            }
            let mut family = vec![stolen.clone()];
            let mut refused = 0;
            while let Some(response) = calls.join_next().await {
                let response = response.unwrap();
                match response.status().as_u16() {
                    200 => family.push(token(&response.json::<Value>().await.unwrap(), "refreshToken")),
                    401 => refused += 1,
                    other => panic!("{profile:?} x{parallel} round {round}: unexpected status {other}"),
                }
            }
            let context = format!("{profile:?} x{parallel} round {round}");
            assert!(family.len() <= 2, "{context}: at most one rotation may win");
            assert!(refused >= parallel - 1, "{context}: the others are reuse");
            // Stored state first, then the newest token first: presenting the stolen
            // one again would itself (rightly) revoke the family and hide the bug.
            for (i, member) in family.iter().enumerate() {
                let stored = app.stored_refresh_token(member).await.expect("issued tokens are stored");
                assert!(stored.revoked_at.is_some(), "{context}: token {i} is still live in the store");
            }
            for (i, member) in family.iter().enumerate().rev() {
                let again = refresh(&app, member).await;
                assert_eq!(again.status(), 401, "{context}: token {i} of the family still refreshes");
            }
        }
    }
}

#[tokio::test]
async fn refresh_tokens_never_outlive_the_configured_absolute_session_lifetime() {
    let app = spawn_app_with(Profile::Embedded, &[("REFRESH_ABSOLUTE_TTL_DAYS", "2")]).await;
    let first = register(&app, "ana@example.com").await;
    let second: Value = refresh(&app, &token(&first, "refreshToken")).await.json().await.unwrap();
    for session in [&first, &second] {
        let stored = app.stored_refresh_token(&token(session, "refreshToken")).await.unwrap();
        // Seven days from issue, cut to two days from the login.
        assert_eq!(stored.expires_at, stored.family_started_at + chrono::Duration::days(2));
    }
}
