//! `POST /api/v1/auth/admin/register`: admin bootstrap guarded by `ADMIN_AUTH_CODE`.
//!
//! Without `ADMIN_AUTH_CODE` the route answers 404, as if it did not exist.
//! The code is compared in constant time, and a wrong code answers 403
//! before anything is validated or stored. Admins created here get the
//! `admin` role; `frontdesk-api create-admin` creates `super_admin`s.

use super::register::SessionBody;
use crate::error::ApiError;
use crate::extract::auth::client_info;
use actix_web::{HttpResponse, post, web};
use frontdesk_kernel::Code;
use frontdesk_kernel::Role;
use frontdesk_tenancy::{AuthService, NewUser};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use utoipa::ToSchema;

/// The configured bootstrap code, if any.
pub struct AdminAuthCode(pub Option<SecretString>);

/// Admin sign-up request.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdminRegisterBody {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    name: String,
    /// Must equal the server's `ADMIN_AUTH_CODE`.
    #[serde(default)]
    auth_code: String,
}

/// Creates a platform admin.
#[utoipa::path(
    tag = "auth",
    request_body = AdminRegisterBody,
    responses(
        (status = 201, body = SessionBody),
        (status = 400, body = crate::error::ErrorBody),
        (status = 403, description = "wrong authCode", body = crate::error::ErrorBody),
        (status = 404, description = "admin sign-up disabled (no ADMIN_AUTH_CODE)", body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody)
    )
)]
#[post("/api/v1/auth/admin/register")]
pub(super) async fn register_admin(
    auth: web::Data<AuthService>,
    code: web::Data<AdminAuthCode>,
    req: actix_web::HttpRequest,
    body: web::Json<AdminRegisterBody>,
) -> Result<HttpResponse, ApiError> {
    let Some(expected) = &code.0 else {
        return Err(ApiError::not_found("no route for POST /api/v1/auth/admin/register"));
    };
    if !frontdesk_runtime::services::secrets_match(body.auth_code.as_bytes(), expected.expose_secret().as_bytes()) {
        tracing::warn!("admin sign-up with a wrong auth code");
        return Err(ApiError::new(Code::Forbidden, "invalid authCode"));
    }
    let body = body.into_inner();
    let input = NewUser { email: body.email, password: body.password, name: body.name };
    let session = auth.register_admin(input, Role::Admin, &client_info(&req)).await?;
    Ok(HttpResponse::Created().json(SessionBody::from(session)))
}
