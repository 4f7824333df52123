//! `POST /api/v1/auth/register`.

use crate::error::ApiError;
use crate::extract::auth::client_info;
use actix_web::{HttpResponse, post, web};
use frontdesk_kernel::{AccountType, Role};
use frontdesk_tenancy::{AuthService, Membership, NewUser, Session, User};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Sign-up request. Missing fields are reported like invalid ones, all at once.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegisterBody {
    /// Login email (case-insensitive, stored lower-cased).
    #[serde(default)]
    email: String,
    /// At least 8 characters with an upper-case letter, a lower-case letter and a digit; at most 72 bytes.
    #[serde(default)]
    password: String,
    /// Display name, 1–200 characters.
    #[serde(default)]
    name: String,
}

/// The signed-in account.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserBody {
    id: String,
    email: String,
    name: String,
    /// `owner|manager|agent` for users in a sub-account, `admin|super_admin` for admins, null while onboarding.
    #[schema(value_type = Option<String>)]
    role: Option<Role>,
    #[schema(value_type = String)]
    account_type: AccountType,
    /// The sub-account, null while onboarding.
    sub_account_id: Option<String>,
}

/// A new session.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionBody {
    user: UserBody,
    /// Bearer token for `Authorization`, valid `expiresIn` seconds.
    access_token: String,
    /// Opaque token for `POST /api/v1/auth/refresh`, valid 7 days, shown once.
    refresh_token: String,
    expires_in: i64,
}

/// Just the tokens of a session (for responses that carry another main object).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokensBody {
    pub(crate) access_token: String,
    pub(crate) refresh_token: String,
    pub(crate) expires_in: i64,
}

impl From<Session> for TokensBody {
    fn from(session: Session) -> Self {
        Self {
            access_token: session.access_token,
            refresh_token: session.refresh_token.expose().to_owned(),
            expires_in: session.expires_in,
        }
    }
}

impl UserBody {
    /// The public view of an account (never the password hash).
    #[must_use]
    pub fn new(user: &User, membership: Option<&Membership>) -> Self {
        Self {
            id: user.id.to_string(),
            email: user.email.as_str().to_owned(),
            name: user.name.as_str().to_owned(),
            role: membership.map(|m| m.role).or(user.admin_role),
            account_type: user.account_type,
            sub_account_id: membership.map(|m| m.tenant_id.to_string()),
        }
    }
}

impl From<Session> for SessionBody {
    fn from(session: Session) -> Self {
        let Session { user, membership, access_token, refresh_token, expires_in } = session;
        Self {
            user: UserBody::new(&user, membership.as_ref()),
            access_token,
            refresh_token: refresh_token.expose().to_owned(),
            expires_in,
        }
    }
}

/// Creates an account in the onboarding state and signs it in.
#[utoipa::path(
    tag = "auth",
    request_body = RegisterBody,
    responses(
        (status = 201, body = SessionBody),
        (status = 400, description = "every invalid field listed", body = crate::error::ErrorBody),
        (status = 409, description = "email already registered", body = crate::error::ErrorBody),
        (status = 413, body = crate::error::ErrorBody),
        (status = 415, body = crate::error::ErrorBody)
    )
)]
#[post("/api/v1/auth/register")]
pub(super) async fn register(
    auth: web::Data<AuthService>,
    req: actix_web::HttpRequest,
    body: web::Json<RegisterBody>,
) -> Result<HttpResponse, ApiError> {
    let RegisterBody { email, password, name } = body.into_inner();
    let session = auth.register(NewUser { email, password, name }, &client_info(&req)).await?;
    tracing::info!(user.id = %session.user.id, "user registered");
    Ok(HttpResponse::Created().json(SessionBody::from(session)))
}
