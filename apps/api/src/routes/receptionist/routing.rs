//! `/api/v1/phone-numbers`, `/api/v1/inbound-addresses`,
//! `/api/v1/blocked-numbers`: which numbers and email addresses the
//! receptionist answers for the sub-account, and which callers it turns
//! away. Every member reads them; owners and managers change them. A
//! number or address belongs to one sub-account in the whole deployment:
//! adding one another sub-account has is a 409 that does not say whose.

use crate::error::ApiError;
use crate::extract::tenant::{ManagerScope, TenantScope};
use crate::routes::subaccounts::PageQuery;
use crate::routes::{field_id, path_id};
use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use frontdesk_kernel::{PageRequest, ValidationErrors};
use frontdesk_receptionist::channels::inbound::Inbound;
use frontdesk_receptionist::channels::routing::{BlockedNumber, InboundAddress, NewPhoneNumber, PhoneNumberRoute};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A routed number.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PhoneNumberBody {
    id: String,
    /// E.164.
    number: String,
    /// `voice|sms|both`.
    channel: String,
    /// The strategy its conversations use (the default one when null).
    strategy_id: Option<String>,
    created_at: DateTime<Utc>,
}

impl From<&PhoneNumberRoute> for PhoneNumberBody {
    fn from(r: &PhoneNumberRoute) -> Self {
        Self {
            id: r.id.to_string(),
            number: r.number.as_str().to_owned(),
            channel: r.channel.as_str().to_owned(),
            strategy_id: r.strategy_id.map(|s| s.to_string()),
            created_at: r.created_at,
        }
    }
}

/// A number to route.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreatePhoneNumberBody {
    /// International form (`+14155550100`); stored as E.164.
    number: String,
    /// `voice|sms|both` (default `both`).
    channel: Option<String>,
    /// A strategy of this sub-account.
    strategy_id: Option<String>,
}

/// An inbound email address.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InboundAddressBody {
    id: String,
    /// Lower-case email address or Postmark mailbox hash.
    address: String,
    created_at: DateTime<Utc>,
}

impl From<&InboundAddress> for InboundAddressBody {
    fn from(a: &InboundAddress) -> Self {
        Self { id: a.id.to_string(), address: a.address.clone(), created_at: a.created_at }
    }
}

/// An address to route.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateInboundAddressBody {
    /// An email address, or a mailbox hash (letters, digits, `.`, `_`, `-`; at most 64).
    address: String,
}

/// A blocked caller.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BlockedNumberBody {
    id: String,
    /// E.164.
    number: String,
    reason: Option<String>,
    created_at: DateTime<Utc>,
}

impl From<&BlockedNumber> for BlockedNumberBody {
    fn from(b: &BlockedNumber) -> Self {
        Self {
            id: b.id.to_string(),
            number: b.number.as_str().to_owned(),
            reason: b.reason.clone(),
            created_at: b.created_at,
        }
    }
}

/// A number to block.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateBlockedNumberBody {
    /// International form.
    number: String,
    /// Why, at most 200 characters.
    reason: Option<String>,
}

/// The sub-account's numbers, oldest first.
#[utoipa::path(tag = "channels", params(PageQuery), security(("bearer" = [])),
    responses((status = 200, description = "one page of numbers", body = crate::routes::paged::Paged<PhoneNumberBody>),
        (status = 400, body = crate::error::ErrorBody)))]
#[get("/api/v1/phone-numbers")]
pub(super) async fn list_numbers(
    inbound: web::Data<Inbound>,
    scope: TenantScope,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(query.page, query.limit)?;
    let numbers = inbound.routes().numbers(scope.tenant, page).await?;
    Ok(HttpResponse::Ok().json(numbers.map(|n| PhoneNumberBody::from(&n))))
}

/// Routes a number's calls and texts to the receptionist of this sub-account.
#[utoipa::path(tag = "channels", request_body = CreatePhoneNumberBody, security(("bearer" = [])),
    responses((status = 201, body = PhoneNumberBody), (status = 400, body = crate::error::ErrorBody),
        (status = 409, description = "the number is routed already (here or elsewhere)", body = crate::error::ErrorBody)))]
#[post("/api/v1/phone-numbers")]
pub(super) async fn create_number(
    inbound: web::Data<Inbound>,
    scope: ManagerScope,
    body: web::Json<CreatePhoneNumberBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut errors = ValidationErrors::new();
    let strategy_id = field_id(&mut errors, "strategyId", body.strategy_id.as_deref());
    if !errors.is_empty() {
        return Err(ApiError::validation(&errors));
    }
    let input = NewPhoneNumber { number: body.number, channel: body.channel, strategy_id };
    let route = inbound.routes().add_number(scope.tenant, input).await?;
    tracing::info!(tenant.id = %scope.tenant, number.id = %route.id, "phone number routed");
    Ok(HttpResponse::Created().json(PhoneNumberBody::from(&route)))
}

/// Stops answering a number.
#[utoipa::path(tag = "channels", security(("bearer" = [])),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
#[delete("/api/v1/phone-numbers/{id}")]
pub(super) async fn delete_number(
    inbound: web::Data<Inbound>,
    scope: ManagerScope,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    inbound.routes().remove_number(scope.tenant, path_id(&id, "phone number")?).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The sub-account's inbound addresses, oldest first.
#[utoipa::path(tag = "channels", params(PageQuery), security(("bearer" = [])),
    responses((status = 200, description = "one page of addresses", body = crate::routes::paged::Paged<InboundAddressBody>),
        (status = 400, body = crate::error::ErrorBody)))]
#[get("/api/v1/inbound-addresses")]
pub(super) async fn list_addresses(
    inbound: web::Data<Inbound>,
    scope: TenantScope,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(query.page, query.limit)?;
    let addresses = inbound.routes().addresses(scope.tenant, page).await?;
    Ok(HttpResponse::Ok().json(addresses.map(|a| InboundAddressBody::from(&a))))
}

/// Routes an inbound email address (or mailbox hash) to this sub-account.
#[utoipa::path(tag = "channels", request_body = CreateInboundAddressBody, security(("bearer" = [])),
    responses((status = 201, body = InboundAddressBody), (status = 400, body = crate::error::ErrorBody),
        (status = 409, description = "the address is routed already", body = crate::error::ErrorBody)))]
#[post("/api/v1/inbound-addresses")]
pub(super) async fn create_address(
    inbound: web::Data<Inbound>,
    scope: ManagerScope,
    body: web::Json<CreateInboundAddressBody>,
) -> Result<HttpResponse, ApiError> {
    let address = inbound.routes().add_address(scope.tenant, &body.address).await?;
    Ok(HttpResponse::Created().json(InboundAddressBody::from(&address)))
}

/// Stops answering an address.
#[utoipa::path(tag = "channels", security(("bearer" = [])),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
#[delete("/api/v1/inbound-addresses/{id}")]
pub(super) async fn delete_address(
    inbound: web::Data<Inbound>,
    scope: ManagerScope,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    inbound.routes().remove_address(scope.tenant, path_id(&id, "inbound address")?).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The sub-account's blocked callers, oldest first.
#[utoipa::path(tag = "channels", params(PageQuery), security(("bearer" = [])),
    responses((status = 200, description = "one page of blocked numbers", body = crate::routes::paged::Paged<BlockedNumberBody>),
        (status = 400, body = crate::error::ErrorBody)))]
#[get("/api/v1/blocked-numbers")]
pub(super) async fn list_blocked(
    inbound: web::Data<Inbound>,
    scope: TenantScope,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = PageRequest::new(query.page, query.limit)?;
    let blocked = inbound.routes().blocked(scope.tenant, page).await?;
    Ok(HttpResponse::Ok().json(blocked.map(|b| BlockedNumberBody::from(&b))))
}

/// Blocks a caller: their calls hear a short rejection, their texts are ignored; nothing reaches the model.
#[utoipa::path(tag = "channels", request_body = CreateBlockedNumberBody, security(("bearer" = [])),
    responses((status = 201, body = BlockedNumberBody), (status = 400, body = crate::error::ErrorBody),
        (status = 409, description = "already blocked", body = crate::error::ErrorBody)))]
#[post("/api/v1/blocked-numbers")]
pub(super) async fn create_blocked(
    inbound: web::Data<Inbound>,
    scope: ManagerScope,
    body: web::Json<CreateBlockedNumberBody>,
) -> Result<HttpResponse, ApiError> {
    let blocked = inbound.routes().block(scope.tenant, &body.number, body.reason.as_deref()).await?;
    Ok(HttpResponse::Created().json(BlockedNumberBody::from(&blocked)))
}

/// Unblocks a caller.
#[utoipa::path(tag = "channels", security(("bearer" = [])),
    responses((status = 204), (status = 404, body = crate::error::ErrorBody)))]
#[delete("/api/v1/blocked-numbers/{id}")]
pub(super) async fn delete_blocked(
    inbound: web::Data<Inbound>,
    scope: ManagerScope,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    inbound.routes().unblock(scope.tenant, path_id(&id, "blocked number")?).await?;
    Ok(HttpResponse::NoContent().finish())
}
