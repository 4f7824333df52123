//! `GET|PATCH /api/v1/users/profile` (onboarding allowed).

use crate::error::ApiError;
use crate::extract::auth::Authenticated;
use crate::routes::auth::UserBody;
use actix_web::{HttpResponse, get, patch, web};
use frontdesk_tenancy::{AuthService, SubAccountService};
use serde::Deserialize;
use utoipa::ToSchema;

/// Profile change.
#[derive(Deserialize, ToSchema)]
pub struct ProfileBody {
    /// Display name, 1–200 characters.
    #[serde(default)]
    name: String,
}

/// The caller's account.
#[utoipa::path(tag = "users", security(("bearer" = [])), responses((status = 200, body = UserBody)))]
#[get("/api/v1/users/profile")]
pub(super) async fn get_profile(auth: web::Data<AuthService>, caller: Authenticated) -> Result<HttpResponse, ApiError> {
    let (user, membership) = auth.current_user(caller.actor.user_id).await?;
    Ok(HttpResponse::Ok().json(UserBody::new(&user, membership.as_ref())))
}

/// Renames the caller.
#[utoipa::path(tag = "users", request_body = ProfileBody, security(("bearer" = [])),
    responses((status = 200, body = UserBody), (status = 400, body = crate::error::ErrorBody)))]
#[patch("/api/v1/users/profile")]
pub(super) async fn update_profile(
    service: web::Data<SubAccountService>,
    auth: web::Data<AuthService>,
    caller: Authenticated,
    body: web::Json<ProfileBody>,
) -> Result<HttpResponse, ApiError> {
    service.rename_self(&caller.actor, &body.name).await?;
    let (user, membership) = auth.current_user(caller.actor.user_id).await?;
    Ok(HttpResponse::Ok().json(UserBody::new(&user, membership.as_ref())))
}
