//! Invitations: create (owner/manager), validate (public to signed-in users), join.

use super::tenant_id;
use crate::error::ApiError;
use crate::extract::auth::{Authenticated, client_info};
use crate::routes::auth::TokensBody;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use frontdesk_kernel::Role;
use frontdesk_tenancy::{AuthService, SubAccountService, TokenFamilyId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Invitation request.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InviteBody {
    /// Only this email may use the code.
    #[serde(default)]
    email: String,
    /// `manager` or `agent`.
    #[serde(default)]
    role: String,
}

/// A new invitation. The code is shown once; only its hash is stored.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InvitationBody {
    code: String,
    expires_at: DateTime<Utc>,
}

/// Validation answer.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ValidateBody {
    valid: bool,
    sub_account_name: Option<String>,
}

/// Join request.
#[derive(Deserialize, ToSchema)]
pub struct JoinBody {
    #[serde(default)]
    code: String,
}

/// Join response: the new membership and a fresh session carrying it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JoinedBody {
    sub_account_id: String,
    #[schema(value_type = String)]
    role: Role,
    #[serde(flatten)]
    session: TokensBody,
}

/// Invites an email into the sub-account (owner, manager or admin).
#[utoipa::path(tag = "subaccounts", request_body = InviteBody, security(("bearer" = [])),
    responses((status = 201, body = InvitationBody), (status = 400, body = crate::error::ErrorBody),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
#[post("/api/v1/subaccounts/{id}/invitations")]
pub(super) async fn create(
    service: web::Data<SubAccountService>,
    caller: Authenticated,
    req: HttpRequest,
    id: web::Path<String>,
    body: web::Json<InviteBody>,
) -> Result<HttpResponse, ApiError> {
    let (invitation, code) =
        service.invite(&caller.actor, tenant_id(&id)?, &body.email, &body.role, &client_info(&req)).await?;
    tracing::info!(tenant.id = %invitation.tenant_id, role = %invitation.role, "invitation created");
    Ok(HttpResponse::Created()
        .json(InvitationBody { code: code.expose().to_owned(), expires_at: invitation.expires_at }))
}

/// Whether a code is still usable, and which sub-account it joins (onboarding allowed).
#[utoipa::path(tag = "subaccounts", security(("bearer" = [])), responses((status = 200, body = ValidateBody)))]
#[get("/api/v1/subaccounts/invitations/{code}/validate")]
pub(super) async fn validate(
    service: web::Data<SubAccountService>,
    _caller: Authenticated,
    code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let name = service.validate(&code).await?;
    Ok(HttpResponse::Ok().json(ValidateBody { valid: name.is_some(), sub_account_name: name.map(String::from) }))
}

/// Joins the sub-account of an invitation sent to the caller's email (onboarding allowed).
#[utoipa::path(tag = "subaccounts", request_body = JoinBody, security(("bearer" = [])),
    responses((status = 200, body = JoinedBody), (status = 400, description = "invalid, used or expired", body = crate::error::ErrorBody),
        (status = 403, description = "sent to another email", body = crate::error::ErrorBody),
        (status = 409, description = "already in a sub-account", body = crate::error::ErrorBody)))]
#[post("/api/v1/subaccounts/join")]
pub(super) async fn join(
    service: web::Data<SubAccountService>,
    auth: web::Data<AuthService>,
    caller: Authenticated,
    req: HttpRequest,
    body: web::Json<JoinBody>,
) -> Result<HttpResponse, ApiError> {
    let membership = service.join(&caller.actor, body.code.trim(), &client_info(&req)).await?;
    tracing::info!(tenant.id = %membership.tenant_id, role = %membership.role, "joined sub-account");
    let (user, _) = auth.current_user(caller.actor.user_id).await?;
    let session = auth.start_session(user, TokenFamilyId::new()).await?;
    Ok(HttpResponse::Ok().json(JoinedBody {
        sub_account_id: membership.tenant_id.to_string(),
        role: membership.role,
        session: TokensBody::from(session),
    }))
}
