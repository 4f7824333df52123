//! Onboarding, sub-accounts, invitations and tenant isolation over HTTP.

use crate::errors::valid_sign_up;
use crate::helpers::{BOTH, Profile, TestApp, spawn_app};
use serde_json::{Value, json};

/// A signed-in user: their access token.
struct User {
    token: String,
}

async fn sign_up(app: &TestApp, email: &str) -> User {
    let body: Value = app.post_json("/api/v1/auth/register", &valid_sign_up(email)).await.json().await.unwrap();
    User { token: body["accessToken"].as_str().unwrap().to_owned() }
}

/// Signs up, creates a sub-account, and returns the owner (with the new token) and the sub-account id.
async fn owner_of(app: &TestApp, email: &str, name: &str) -> (User, String) {
    let mut user = sign_up(app, email).await;
    let (status, body) = app
        .call(
            &user.token,
            reqwest::Method::POST,
            "/api/v1/subaccounts",
            Some(json!({"name": name, "timezone": "America/Chicago"})),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    user.token = body["accessToken"].as_str().unwrap().to_owned();
    (user, body["subAccount"]["id"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn onboarding_user_is_blocked_until_they_create_a_sub_account_then_becomes_owner() {
    for profile in BOTH {
        let app = spawn_app(profile).await;
        let mut user = sign_up(&app, "owner@acme.test").await;
        let (status, body) = app.call(&user.token, reqwest::Method::GET, "/api/v1/users", None).await;
        assert_eq!(status, 403, "{profile:?}");
        assert_eq!(body["code"], "onboarding_required");
        let (_, state) = app.call(&user.token, reqwest::Method::GET, "/api/v1/subaccounts/status", None).await;
        assert_eq!(state, json!({"onboarding": true, "subAccountId": null}));
        let any_id = "01a20b1f-a0bb-715a-88ff-10be2ecd6472";
        let (status, body) =
            app.call(&user.token, reqwest::Method::GET, &format!("/api/v1/subaccounts/{any_id}"), None).await;
        assert_eq!((status, body["code"].as_str()), (403, Some("onboarding_required")));

        let (status, created) = app
            .call(
                &user.token,
                reqwest::Method::POST,
                "/api/v1/subaccounts",
                Some(json!({"name": "Acme Roofing", "timezone": "America/Chicago"})),
            )
            .await;
        assert_eq!(status, 201, "{created}");
        let id = created["subAccount"]["id"].as_str().unwrap().to_owned();
        assert_eq!(created["subAccount"]["timezone"], "America/Chicago");
        user.token = created["accessToken"].as_str().unwrap().to_owned();

        let (_, me) = app.call(&user.token, reqwest::Method::GET, "/api/v1/auth/me", None).await;
        assert_eq!((me["role"].as_str(), me["subAccountId"].as_str()), (Some("owner"), Some(id.as_str())));
        let (_, state) = app.call(&user.token, reqwest::Method::GET, "/api/v1/subaccounts/status", None).await;
        assert_eq!(state, json!({"onboarding": false, "subAccountId": id}));
        let (status, users) = app.call(&user.token, reqwest::Method::GET, "/api/v1/users", None).await;
        assert_eq!(status, 200);
        assert_eq!(users["total"], 1);
        assert_eq!(users["data"][0]["email"], "owner@acme.test");

        let (status, again) =
            app.call(&user.token, reqwest::Method::POST, "/api/v1/subaccounts", Some(json!({"name": "Second"}))).await;
        assert_eq!((status, again["code"].as_str()), (409, Some("conflict")));
    }
}

#[tokio::test]
async fn creation_lists_every_invalid_field() {
    let app = spawn_app(Profile::Embedded).await;
    let user = sign_up(&app, "owner@acme.test").await;
    let (status, body) = app
        .call(
            &user.token,
            reqwest::Method::POST,
            "/api/v1/subaccounts",
            Some(json!({"name": " ", "timezone": "Mars/Olympus"})),
        )
        .await;
    assert_eq!(status, 400);
    let fields: Vec<&str> =
        body["message"].as_array().unwrap().iter().map(|m| m.as_str().unwrap().split(':').next().unwrap()).collect();
    assert_eq!(fields, ["name", "timezone"]);
    let (_, state) = app.call(&user.token, reqwest::Method::GET, "/api/v1/subaccounts/status", None).await;
    assert_eq!(state["onboarding"], true, "nothing was stored");
}

#[tokio::test]
async fn invitations_are_single_use_and_bound_to_the_invited_email() {
    for profile in BOTH {
        let app = spawn_app(profile).await;
        let (owner, id) = owner_of(&app, "owner@acme.test", "Acme").await;
        let (status, invitation) = app
            .call(
                &owner.token,
                reqwest::Method::POST,
                &format!("/api/v1/subaccounts/{id}/invitations"),
                Some(json!({"email": "Agent@Acme.test", "role": "agent"})),
            )
            .await;
        assert_eq!(status, 201, "{invitation}");
        let code = invitation["code"].as_str().unwrap().to_owned();

        let stranger = sign_up(&app, "stranger@elsewhere.test").await;
        let (_, valid) = app
            .call(
                &stranger.token,
                reqwest::Method::GET,
                &format!("/api/v1/subaccounts/invitations/{code}/validate"),
                None,
            )
            .await;
        assert_eq!(valid, json!({"valid": true, "subAccountName": "Acme"}));
        let (status, body) = app
            .call(&stranger.token, reqwest::Method::POST, "/api/v1/subaccounts/join", Some(json!({"code": code})))
            .await;
        assert_eq!((status, body["code"].as_str()), (403, Some("forbidden")), "{profile:?}: wrong email");

        let mut agent = sign_up(&app, "agent@acme.test").await;
        let (status, joined) = app
            .call(&agent.token, reqwest::Method::POST, "/api/v1/subaccounts/join", Some(json!({"code": code})))
            .await;
        assert_eq!(status, 200, "{joined}");
        assert_eq!((joined["role"].as_str(), joined["subAccountId"].as_str()), (Some("agent"), Some(id.as_str())));
        agent.token = joined["accessToken"].as_str().unwrap().to_owned();

        let (_, used) = app
            .call(
                &stranger.token,
                reqwest::Method::GET,
                &format!("/api/v1/subaccounts/invitations/{code}/validate"),
                None,
            )
            .await;
        assert_eq!(used["valid"], false, "single use");

        // Agents neither invite nor list users.
        let (status, _) = app
            .call(
                &agent.token,
                reqwest::Method::POST,
                &format!("/api/v1/subaccounts/{id}/invitations"),
                Some(json!({"email": "x@acme.test", "role": "agent"})),
            )
            .await;
        assert_eq!(status, 403);
        let (status, _) = app.call(&agent.token, reqwest::Method::GET, "/api/v1/users", None).await;
        assert_eq!(status, 403);
        let (_, users) = app.call(&owner.token, reqwest::Method::GET, "/api/v1/users", None).await;
        assert_eq!(users["total"], 2);
    }
}

#[tokio::test]
async fn another_tenants_sub_account_is_not_found_for_every_verb() {
    for profile in BOTH {
        let app = spawn_app(profile).await;
        let (alice, _) = owner_of(&app, "alice@a.test", "A Co").await;
        let (bob, b_id) = owner_of(&app, "bob@b.test", "B Co").await;
        let b_path = format!("/api/v1/subaccounts/{b_id}");
        for (method, path, body) in [
            (reqwest::Method::GET, b_path.clone(), None),
            (reqwest::Method::PATCH, b_path.clone(), Some(json!({"name": "Hijacked"}))),
            (reqwest::Method::DELETE, b_path.clone(), None),
            (
                reqwest::Method::POST,
                format!("{b_path}/invitations"),
                Some(json!({"email": "x@a.test", "role": "agent"})),
            ),
            (reqwest::Method::GET, "/api/v1/subaccounts/not-a-uuid".to_owned(), None),
        ] {
            let (status, error) = app.call(&alice.token, method.clone(), &path, body).await;
            assert_eq!((status, error["code"].as_str()), (404, Some("not_found")), "{profile:?} {method} {path}");
        }
        let (_, intact) = app.call(&bob.token, reqwest::Method::GET, &b_path, None).await;
        assert_eq!(intact["name"], "B Co", "nothing changed");
        let (status, _) = app.call(&alice.token, reqwest::Method::GET, "/api/v1/subaccounts", None).await;
        assert_eq!(status, 403, "only admins list every sub-account");
    }
}

#[tokio::test]
async fn the_owner_renames_and_deletes_and_members_return_to_onboarding() {
    let app = spawn_app(Profile::Production).await;
    let (owner, id) = owner_of(&app, "owner@acme.test", "Acme").await;
    let path = format!("/api/v1/subaccounts/{id}");
    let (status, renamed) = app
        .call(
            &owner.token,
            reqwest::Method::PATCH,
            &path,
            Some(json!({"name": "Acme Roofing", "timezone": "Europe/Paris"})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!((renamed["name"].as_str(), renamed["timezone"].as_str()), (Some("Acme Roofing"), Some("Europe/Paris")));
    let (status, bad) =
        app.call(&owner.token, reqwest::Method::PATCH, &path, Some(json!({"timezone": "Nowhere"}))).await;
    assert_eq!((status, bad["message"][0].as_str().map(|m| m.starts_with("timezone:"))), (400, Some(true)));

    let (status, _) = app.call(&owner.token, reqwest::Method::DELETE, &path, None).await;
    assert_eq!(status, 204);
    let (_, state) = app.call(&owner.token, reqwest::Method::GET, "/api/v1/subaccounts/status", None).await;
    assert_eq!(state["onboarding"], true);
    let (status, body) = app.call(&owner.token, reqwest::Method::GET, &path, None).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("onboarding_required")), "back in onboarding");
}

#[tokio::test]
async fn security_events_land_in_the_audit_trail_with_the_client_address() {
    use frontdesk_tenancy::AuditAction;
    let app = spawn_app(Profile::Production).await;
    let (owner, id) = owner_of(&app, "owner@acme.test", "Acme").await;
    app.call(
        &owner.token,
        reqwest::Method::POST,
        &format!("/api/v1/subaccounts/{id}/invitations"),
        Some(json!({"email": "agent@acme.test", "role": "agent"})),
    )
    .await;
    app.post_json("/api/v1/auth/login", &json!({"email": "owner@acme.test", "password": "Wrong1234"})).await;
    let trail = app.audit_trail().await;
    let actions: Vec<AuditAction> = trail.iter().map(|e| e.action).collect();
    for expected in
        [AuditAction::SignUp, AuditAction::SubAccountCreated, AuditAction::InvitationCreated, AuditAction::LoginFailed]
    {
        assert!(actions.contains(&expected), "{expected:?} missing from {actions:?}");
    }
    assert!(trail.iter().all(|e| e.ip.as_deref() == Some("127.0.0.1")), "{trail:?}");
    let created = trail.iter().find(|e| e.action == AuditAction::SubAccountCreated).unwrap();
    assert_eq!(created.tenant.map(|t| t.to_string()), Some(id));
}
