//! Checking a tenant's Twilio credentials: `GET {base}/2010-04-01/Accounts/{Sid}.json`
//! with basic auth (Twilio's `FetchAccount`), which every valid account SID
//! and auth token pair may call and which changes nothing.

use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

/// Fetches the account: `Ok("Twilio account <name> (<status>)")`, or why
/// not, in words the tenant can act on (never the token).
///
/// # Errors
/// The reason, when the credentials or Twilio fail.
pub async fn check_account(
    base_url: &str,
    account_sid: &str,
    auth_token: &SecretString,
    budget: Duration,
) -> Result<String, String> {
    let http = reqwest::Client::builder().timeout(budget).build().map_err(|e| e.to_string())?;
    let url = format!("{}/2010-04-01/Accounts/{account_sid}.json", base_url.trim_end_matches('/'));
    let response = http
        .get(&url)
        .basic_auth(account_sid, Some(auth_token.expose_secret()))
        .send()
        .await
        .map_err(|e| transport("Twilio", e, budget))?;
    let status = response.status();
    match status.as_u16() {
        200 => {
            let account: serde_json::Value =
                response.json().await.map_err(|_| "Twilio answered with an unreadable account".to_owned())?;
            let field = |name: &str| account.get(name).and_then(serde_json::Value::as_str).unwrap_or("?").to_owned();
            Ok(format!("Twilio account {} ({})", field("friendly_name"), field("status")))
        }
        401 | 403 => Err(format!("Twilio refused the account SID or auth token ({status})")),
        404 => Err(format!("Twilio has no account {account_sid} for these credentials (404)")),
        _ => Err(format!("Twilio answered {status}")),
    }
}

/// A request that got no answer, described without the URL's credentials.
pub(crate) fn transport(vendor: &str, err: reqwest::Error, budget: Duration) -> String {
    if err.is_timeout() {
        format!("{vendor} did not answer within {} s", budget.as_secs_f32())
    } else if err.is_connect() {
        format!("{vendor} could not be reached (connection failed)")
    } else {
        format!("{vendor} could not be reached ({})", err.without_url())
    }
}
