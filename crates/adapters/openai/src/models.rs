//! Checking a tenant's OpenAI key: `GET {base}/models` (read-only, allowed
//! for every key, served by OpenAI-compatible servers too). The caller
//! gives the HTTP client: for a tenant-chosen base URL, one pinned to its
//! vetted addresses with redirects off (the egress guard's).

use std::time::Duration;

/// Lists the models: `Ok("… lists N models")` (and whether `model` is one
/// of them), or why not, in words the tenant can act on (never the key).
///
/// # Errors
/// The reason, when the key or the server fail.
pub async fn check_models(
    http: &reqwest::Client,
    base_url: &str,
    api_key: &str,
    model: Option<&str>,
    budget: Duration,
) -> Result<String, String> {
    let mut request = http.get(format!("{}/models", base_url.trim_end_matches('/'))).timeout(budget);
    if !api_key.is_empty() {
        request = request.bearer_auth(api_key);
    }
    let response = request.send().await.map_err(|e| {
        if e.is_timeout() {
            format!("the model server did not answer within {} s", budget.as_secs_f32())
        } else {
            format!("the model server could not be reached ({})", e.without_url())
        }
    })?;
    let status = response.status();
    match status.as_u16() {
        200 => {
            let list: serde_json::Value =
                response.json().await.map_err(|_| "the model server answered with an unreadable list".to_owned())?;
            let ids: Vec<&str> = list
                .get("data")
                .and_then(serde_json::Value::as_array)
                .map(|models| models.iter().filter_map(|m| m.get("id").and_then(serde_json::Value::as_str)).collect())
                .unwrap_or_default();
            let offered = match model {
                Some(model) if ids.contains(&model) => format!(", {model} among them"),
                Some(model) => format!("; {model} is not listed (some servers list only part of what they serve)"),
                None => String::new(),
            };
            Ok(format!("the model server lists {} models{offered}", ids.len()))
        }
        401 | 403 => Err(format!("the model server refused the API key ({status})")),
        _ => Err(format!("the model server answered {status}")),
    }
}
