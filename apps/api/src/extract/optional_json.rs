//! [`OptionalJson`]: a JSON body that may be left out entirely.
//!
//! `Option<web::Json<T>>` would turn *any* failure — malformed JSON, a
//! field of the wrong type, another content type — into `None`, so
//! `{"reason": 42}` would cancel a booking without its reason and a body of
//! random bytes would be accepted. Here only an empty body means "none";
//! anything sent must be JSON of the documented shape, answered like every
//! other body (415, 400 `malformed_json`, 400 naming the field).

use crate::error::ApiError;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

/// The body as `T`, or `None` when the request has no body at all.
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned + 'static> FromRequest for OptionalJson<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let json = crate::middleware::text_guard::is_json(req.headers());
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = bytes.await?;
            if bytes.is_empty() {
                return Ok(Self(None));
            }
            if !json {
                return Err(ApiError::new(
                    frontdesk_kernel::Code::UnsupportedMediaType,
                    "send the body as JSON with Content-Type: application/json",
                )
                .into());
            }
            serde_json::from_slice(&bytes)
                .map(|value| Self(Some(value)))
                .map_err(|e| super::config::deserialize_error(&e).into())
        })
    }
}
