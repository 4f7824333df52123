//! Users: profile, role changes and removals, tenant-scoped.

use crate::helpers::{BOTH, register, spawn_app, team};
use serde_json::json;

#[tokio::test]
async fn profile_is_readable_and_renamable_during_onboarding() {
    let app = spawn_app(crate::helpers::Profile::Embedded).await;
    let (token, _) = register(&app, "new@example.com").await;
    let (status, profile) = app.call(&token, reqwest::Method::GET, "/api/v1/users/profile", None).await;
    assert_eq!((status, profile["email"].as_str()), (200, Some("new@example.com")));
    let (status, renamed) =
        app.call(&token, reqwest::Method::PATCH, "/api/v1/users/profile", Some(json!({"name": "  New Name "}))).await;
    assert_eq!((status, renamed["name"].as_str()), (200, Some("New Name")));
    let (status, bad) =
        app.call(&token, reqwest::Method::PATCH, "/api/v1/users/profile", Some(json!({"name": ""}))).await;
    assert_eq!((status, bad["message"][0].as_str()), (400, Some("name: is required")));
}

#[tokio::test]
async fn owners_change_roles_and_remove_members_of_their_own_sub_account_only() {
    for profile in BOTH {
        let app = spawn_app(profile).await;
        let (owner, agent, agent_id, owner_id) = team(&app, "a.test").await;
        let (other_owner, _, other_agent_id, _) = team(&app, "b.test").await;

        let (status, changed) = app
            .call(
                &owner,
                reqwest::Method::PATCH,
                &format!("/api/v1/users/{agent_id}"),
                Some(json!({"role": "manager"})),
            )
            .await;
        assert_eq!((status, changed["role"].as_str()), (200, Some("manager")), "{profile:?}");
        let (status, _) = app
            .call(&agent, reqwest::Method::PATCH, &format!("/api/v1/users/{owner_id}"), Some(json!({"role": "agent"})))
            .await;
        assert_eq!(status, 403, "nobody demotes the owner");
        let (status, bad) = app
            .call(&owner, reqwest::Method::PATCH, &format!("/api/v1/users/{agent_id}"), Some(json!({"role": "boss"})))
            .await;
        assert_eq!((status, bad["code"].as_str()), (400, Some("validation_failed")));
        let (status, _) = app
            .call(&owner, reqwest::Method::PATCH, &format!("/api/v1/users/{agent_id}"), Some(json!({"role": "owner"})))
            .await;
        assert_eq!(status, 400, "ownership is not granted by a role change");

        // Another tenant's user: 404 for every verb.
        for (method, body) in
            [(reqwest::Method::PATCH, Some(json!({"role": "agent"}))), (reqwest::Method::DELETE, None)]
        {
            let (status, _) = app.call(&owner, method, &format!("/api/v1/users/{other_agent_id}"), body).await;
            assert_eq!(status, 404);
        }
        let (_, theirs) = app.call(&other_owner, reqwest::Method::GET, "/api/v1/users", None).await;
        assert_eq!(theirs["total"], 2, "tenant B untouched");

        let (status, _) = app.call(&owner, reqwest::Method::DELETE, &format!("/api/v1/users/{agent_id}"), None).await;
        assert_eq!(status, 204);
        let (_, ours) = app.call(&owner, reqwest::Method::GET, "/api/v1/users", None).await;
        assert_eq!(ours["total"], 1);
        let (status, _) = app.call(&owner, reqwest::Method::DELETE, &format!("/api/v1/users/{owner_id}"), None).await;
        assert_eq!(status, 403, "the owner cannot be removed");
    }
}

#[tokio::test]
async fn a_removed_member_loses_tenant_access_at_once_despite_a_live_token() {
    let app = spawn_app(crate::helpers::Profile::Embedded).await;
    let (owner, agent, agent_id, _) = team(&app, "c.test").await;
    let (status, _) = app
        .call(&owner, reqwest::Method::PATCH, &format!("/api/v1/users/{agent_id}"), Some(json!({"role": "manager"})))
        .await;
    assert_eq!(status, 200);
    let (status, _) = app.call(&agent, reqwest::Method::GET, "/api/v1/users", None).await;
    assert_eq!(status, 200, "the promotion applies at once, before the token carries it");
    let (status, _) = app.call(&owner, reqwest::Method::DELETE, &format!("/api/v1/users/{agent_id}"), None).await;
    assert_eq!(status, 204);
    let (status, body) = app.call(&agent, reqwest::Method::GET, "/api/v1/users", None).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("onboarding_required")), "removed: back to onboarding");
}
