//! Checking a tenant's GoHighLevel token: `POST {base}/contacts/search`
//! (`search-contacts-advanced`, `Version: 2021-07-28`) for one contact of
//! the location — read-only, and exactly the scope the sync needs.

use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

/// The `Version` header of the contacts service.
pub const CONTACTS_VERSION: &str = "2021-07-28";

/// Searches one contact of `location_id`: `Ok("GoHighLevel location …")`,
/// or why not, in words the tenant can act on (never the token).
///
/// # Errors
/// The reason, when the token or GoHighLevel fail.
pub async fn check_location(
    base_url: &str,
    token: &SecretString,
    location_id: &str,
    budget: Duration,
) -> Result<String, String> {
    let http = reqwest::Client::builder().timeout(budget).build().map_err(|e| e.to_string())?;
    let response = http
        .post(format!("{}/contacts/search", base_url.trim_end_matches('/')))
        .bearer_auth(token.expose_secret())
        .header("Version", CONTACTS_VERSION)
        .header("Accept", "application/json")
        .json(&serde_json::json!({"locationId": location_id, "pageLimit": 1}))
        .send()
        .await
        .map_err(|e| {
            if e.is_timeout() {
                format!("GoHighLevel did not answer within {} s", budget.as_secs_f32())
            } else {
                format!("GoHighLevel could not be reached ({})", e.without_url())
            }
        })?;
    let status = response.status();
    match status.as_u16() {
        200 | 201 => Ok(format!("GoHighLevel location {location_id} answers contact searches")),
        401 | 403 => Err(format!("GoHighLevel refused the token for location {location_id} ({status})")),
        429 => Err("GoHighLevel is rate limiting this location (429); try again in a few seconds".to_owned()),
        _ => Err(format!("GoHighLevel answered {status}")),
    }
}
