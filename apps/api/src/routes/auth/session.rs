//! Login, refresh, logout, me and change-password.

use super::register::{SessionBody, UserBody};
use crate::error::ApiError;
use crate::extract::auth::{Authenticated, client_info};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use frontdesk_kernel::Code;
use frontdesk_tenancy::AuthService;
use serde::Deserialize;
use utoipa::ToSchema;

/// Login request.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoginBody {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// A refresh token (refresh and logout).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RefreshBody {
    #[serde(default)]
    refresh_token: String,
}

/// Change-password request.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangePasswordBody {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

fn required_token(token: &str) -> Result<&str, ApiError> {
    if token.is_empty() {
        return Err(ApiError::validation(&frontdesk_kernel::ValidationErrors::single("refreshToken", "is required")));
    }
    Ok(token)
}

/// Signs in with email and password. Five failures within 15 minutes from one client address lock
/// that email for that address for 30 minutes; twenty from any addresses slow the email down (429).
#[utoipa::path(
    tag = "auth",
    request_body = LoginBody,
    responses(
        (status = 200, body = SessionBody),
        (status = 400, body = crate::error::ErrorBody),
        (status = 401, description = "wrong email or password (same answer for both)", body = crate::error::ErrorBody),
        (status = 423, description = "locked for this client address; see Retry-After", body = crate::error::ErrorBody),
        (status = 429, description = "`login_throttled`: too many failures for this email from all addresses, or `rate_limited`; see Retry-After", body = crate::error::ErrorBody)
    )
)]
#[post("/api/v1/auth/login")]
pub(super) async fn login(
    auth: web::Data<AuthService>,
    req: HttpRequest,
    body: web::Json<LoginBody>,
) -> Result<HttpResponse, ApiError> {
    let session = auth.login(&body.email, &body.password, &client_info(&req)).await?;
    Ok(HttpResponse::Ok().json(SessionBody::from(session)))
}

/// Exchanges a refresh token for a new pair; the old one is revoked. Re-using a revoked token revokes its
/// family. A session cannot be refreshed past `REFRESH_ABSOLUTE_TTL_DAYS` after its login.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshBody,
    responses(
        (status = 200, body = SessionBody),
        (status = 401, description = "`invalid_token`, or `session_expired` (log in again)", body = crate::error::ErrorBody)
    )
)]
#[post("/api/v1/auth/refresh")]
pub(super) async fn refresh(
    auth: web::Data<AuthService>,
    body: web::Json<RefreshBody>,
) -> Result<HttpResponse, ApiError> {
    let session = auth.refresh(required_token(&body.refresh_token)?).await?;
    Ok(HttpResponse::Ok().json(SessionBody::from(session)))
}

/// Ends the session of the given refresh token.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshBody,
    security(("bearer" = [])),
    responses((status = 204), (status = 401, body = crate::error::ErrorBody))
)]
#[post("/api/v1/auth/logout")]
pub(super) async fn logout(
    auth: web::Data<AuthService>,
    caller: Authenticated,
    body: web::Json<RefreshBody>,
) -> Result<HttpResponse, ApiError> {
    auth.logout(caller.actor.user_id, required_token(&body.refresh_token)?).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The signed-in account.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses((status = 200, body = UserBody), (status = 401, body = crate::error::ErrorBody))
)]
#[get("/api/v1/auth/me")]
pub(super) async fn me(auth: web::Data<AuthService>, caller: Authenticated) -> Result<HttpResponse, ApiError> {
    let (user, membership) = auth.current_user(caller.actor.user_id).await.map_err(|err| match err {
        // A deleted account's token is no longer a valid credential.
        frontdesk_tenancy::TenancyError::NotFound { .. } => {
            ApiError::new(Code::Unauthorized, "account no longer exists")
        }
        other => other.into(),
    })?;
    Ok(HttpResponse::Ok().json(UserBody::new(&user, membership.as_ref())))
}

/// Changes the password; every other session of the account is revoked.
#[utoipa::path(
    tag = "auth",
    request_body = ChangePasswordBody,
    security(("bearer" = [])),
    responses((status = 204), (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody))
)]
#[post("/api/v1/auth/change-password")]
pub(super) async fn change_password(
    auth: web::Data<AuthService>,
    caller: Authenticated,
    req: HttpRequest,
    body: web::Json<ChangePasswordBody>,
) -> Result<HttpResponse, ApiError> {
    let client = client_info(&req);
    auth.change_password(caller.actor.user_id, &body.current_password, &body.new_password, caller.claims.sid, &client)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
