//! Admin bootstrap and cross-tenant admin access.

use crate::helpers::{ADMIN_CODE, BOTH, Profile, spawn_app, spawn_app_with};
use serde_json::{Value, json};

fn admin_body(code: &str) -> Value {
    json!({"email": "root@frontdesk.test", "password": "Admin1234", "name": "Root", "authCode": code})
}

#[tokio::test]
async fn admin_sign_up_needs_the_code_and_is_absent_without_one() {
    let app = spawn_app(Profile::Embedded).await;
    let wrong = app.post_json("/api/v1/auth/admin/register", &admin_body("not-the-code-at-all")).await;
    assert_eq!(wrong.status(), 403);
    let created = app.post_json("/api/v1/auth/admin/register", &admin_body(ADMIN_CODE)).await;
    assert_eq!(created.status(), 201);
    let body: Value = created.json().await.unwrap();
    assert_eq!((body["user"]["accountType"].as_str(), body["user"]["role"].as_str()), (Some("admin"), Some("admin")));

    let disabled = spawn_app_with(Profile::Embedded, &[("ADMIN_AUTH_CODE", "")]).await;
    let response = disabled.post_json("/api/v1/auth/admin/register", &admin_body(ADMIN_CODE)).await;
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn admins_list_every_sub_account_and_act_on_one_with_sub_account_id() {
    for profile in BOTH {
        let app = spawn_app(profile).await;
        let owner: Value = app
            .post_json("/api/v1/auth/register", &json!({"email": "o@a.test", "password": "Secret123", "name": "O"}))
            .await
            .json()
            .await
            .unwrap();
        let created: Value = app
            .client
            .post(format!("{}/api/v1/subaccounts", app.address))
            .bearer_auth(owner["accessToken"].as_str().unwrap())
            .json(&json!({"name": "A Co"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let tenant = created["subAccount"]["id"].as_str().unwrap().to_owned();

        let admin: Value =
            app.post_json("/api/v1/auth/admin/register", &admin_body(ADMIN_CODE)).await.json().await.unwrap();
        let token = admin["accessToken"].as_str().unwrap();
        let get = |path: String| app.client.get(format!("{}{path}", app.address)).bearer_auth(token).send();

        let list: Value = get("/api/v1/subaccounts?limit=10".into()).await.unwrap().json().await.unwrap();
        assert_eq!((list["total"].as_u64(), list["limit"].as_u64()), (Some(1), Some(10)), "{profile:?}");
        assert_eq!(get(format!("/api/v1/subaccounts/{tenant}")).await.unwrap().status(), 200);

        let missing = get("/api/v1/users".into()).await.unwrap();
        assert_eq!(missing.status(), 400, "admins must name the sub-account");
        let users: Value = get(format!("/api/v1/users?subAccountId={tenant}")).await.unwrap().json().await.unwrap();
        assert_eq!(users["data"][0]["email"], "o@a.test");
    }
}
