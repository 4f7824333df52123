//! Google Calendar v3 for availability: an access token from an OAuth
//! refresh token (`POST {token_url}`, `grant_type=refresh_token`), and the
//! busy intervals of a set of calendars (`POST {base}/freeBusy`).
//!
//! Both base URLs are configuration (`https://oauth2.googleapis.com/token`,
//! `https://www.googleapis.com/calendar/v3`), so tests point them at the
//! Calendar API description served by Prism. A calendar Google reports an
//! error for (not shared with the account, deleted) fails the whole call:
//! availability must not offer a slot a calendar we cannot read may hold.

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Why Google could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GoogleError {
    /// The credentials were refused (re-authorise the integration).
    #[error("Google refused the credentials: {0}")]
    Refused(String),
    /// A calendar could not be read.
    #[error("calendar {calendar} could not be read: {reason}")]
    Calendar {
        /// Its id.
        calendar: String,
        /// Google's reason (`notFound`).
        reason: String,
    },
    /// No usable answer.
    #[error("Google unavailable: {0}")]
    Unavailable(String),
}

/// An access token and when it stops working.
#[derive(Clone, Debug)]
pub struct AccessToken {
    /// The bearer token.
    pub token: SecretString,
    /// Its end (the `expires_in` Google gave, from when it was asked).
    pub expires_at: Instant,
}

impl AccessToken {
    /// Whether it still works for at least `margin`.
    #[must_use]
    pub fn fresh_for(&self, margin: Duration) -> bool {
        Instant::now() + margin < self.expires_at
    }
}

/// The Calendar API and the token endpoint.
#[derive(Clone, Debug)]
pub struct GoogleCalendar {
    http: reqwest::Client,
    base: String,
    token_url: String,
}

fn unavailable(e: reqwest::Error) -> GoogleError {
    GoogleError::Unavailable(if e.is_timeout() { "no answer in time".into() } else { e.without_url().to_string() })
}

impl GoogleCalendar {
    /// The API at `base` (`https://www.googleapis.com/calendar/v3`), tokens from `token_url`.
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(base: &str, token_url: &str, timeout: Duration) -> Result<Self, String> {
        let http = reqwest::Client::builder().timeout(timeout).build().map_err(|e| e.to_string())?;
        Ok(Self { http, base: base.trim_end_matches('/').to_owned(), token_url: token_url.to_owned() })
    }

    /// An access token for the OAuth client `client_id`/`client_secret` and `refresh_token`.
    ///
    /// # Errors
    /// `Refused` (400/401: a revoked or wrong token), `Unavailable`.
    pub async fn refresh(
        &self,
        client_id: &str,
        client_secret: &SecretString,
        refresh_token: &SecretString,
    ) -> Result<AccessToken, GoogleError> {
        let asked = Instant::now();
        let form = [
            ("grant_type", "refresh_token"),
            ("client_id", client_id),
            ("client_secret", client_secret.expose_secret()),
            ("refresh_token", refresh_token.expose_secret()),
        ];
        let response = self.http.post(&self.token_url).form(&form).send().await.map_err(unavailable)?;
        Self::token_answer(response, asked).await
    }

    /// An access token for a service account (its JSON key file, as text),
    /// by the JWT bearer grant (RFC 7523): an RS256 assertion for the
    /// calendar scope, signed with the key's private key, posted to the
    /// token endpoint this client was given (not the file's `token_uri`, so
    /// a key cannot send us elsewhere).
    ///
    /// # Errors
    /// `Refused` for an unusable key file or a refused assertion, `Unavailable`.
    pub async fn service_account(&self, key_file: &SecretString) -> Result<AccessToken, GoogleError> {
        let assertion = assertion(key_file.expose_secret(), chrono::Utc::now().timestamp(), &self.token_url)?;
        let asked = Instant::now();
        let form = [("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", assertion.as_str())];
        let response = self.http.post(&self.token_url).form(&form).send().await.map_err(unavailable)?;
        Self::token_answer(response, asked).await
    }

    async fn token_answer(response: reqwest::Response, asked: Instant) -> Result<AccessToken, GoogleError> {
        let status = response.status();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if status.is_client_error() {
            let reason = body["error"].as_str().unwrap_or("refused").to_owned();
            return Err(GoogleError::Refused(format!("{} ({reason})", status.as_u16())));
        }
        if !status.is_success() {
            return Err(GoogleError::Unavailable(format!("the token endpoint answered {status}")));
        }
        let token = body["access_token"]
            .as_str()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| GoogleError::Unavailable("the token endpoint answered without an access_token".into()))?;
        let lifetime = Duration::from_secs(body["expires_in"].as_u64().unwrap_or(3600));
        Ok(AccessToken { token: SecretString::from(token.to_owned()), expires_at: asked + lifetime })
    }

    /// Writes event `id` in `calendar` (created, or replaced when it exists:
    /// the id is ours, so a retried write never makes a second event).
    ///
    /// # Errors
    /// `Refused` (401/403/400), `Unavailable`.
    pub async fn put_event(
        &self,
        token: &AccessToken,
        calendar: &str,
        event: &CalendarEvent,
    ) -> Result<(), GoogleError> {
        let body = json!({
            "id": event.id,
            "summary": event.summary,
            "description": event.description,
            "start": { "dateTime": event.start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true) },
            "end": { "dateTime": event.end.to_rfc3339_opts(chrono::SecondsFormat::Secs, true) },
        });
        let calendar = encode(calendar);
        let created = self
            .http
            .post(format!("{}/calendars/{calendar}/events", self.base))
            .bearer_auth(token.token.expose_secret())
            .json(&body)
            .send()
            .await
            .map_err(unavailable)?;
        match created.status().as_u16() {
            200..=299 => Ok(()),
            // Already there (a retry, or a move): replace it.
            409 => {
                let url = format!("{}/calendars/{calendar}/events/{}", self.base, encode(&event.id));
                let replaced = self
                    .http
                    .put(url)
                    .bearer_auth(token.token.expose_secret())
                    .json(&body)
                    .send()
                    .await
                    .map_err(unavailable)?;
                status_only(replaced.status())
            }
            _ => status_only(created.status()),
        }
    }

    /// Deletes event `id` of `calendar`; one already gone is fine.
    ///
    /// # Errors
    /// `Refused`, `Unavailable`.
    pub async fn delete_event(&self, token: &AccessToken, calendar: &str, id: &str) -> Result<(), GoogleError> {
        let url = format!("{}/calendars/{}/events/{}", self.base, encode(calendar), encode(id));
        let response =
            self.http.delete(url).bearer_auth(token.token.expose_secret()).send().await.map_err(unavailable)?;
        match response.status().as_u16() {
            404 | 410 => Ok(()),
            _ => status_only(response.status()),
        }
    }

    /// The busy intervals of `calendars` between `from` and `to`, merged across calendars, in order.
    ///
    /// # Errors
    /// `Refused` (401/403), `Calendar` when Google reports one it cannot read, `Unavailable`.
    pub async fn busy(
        &self,
        token: &AccessToken,
        calendars: &[String],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(DateTime<Utc>, DateTime<Utc>)>, GoogleError> {
        let body = json!({
            "timeMin": from.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "timeMax": to.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "items": calendars.iter().map(|id| json!({ "id": id })).collect::<Vec<_>>(),
        });
        let response = self
            .http
            .post(format!("{}/freeBusy", self.base))
            .bearer_auth(token.token.expose_secret())
            .json(&body)
            .send()
            .await
            .map_err(unavailable)?;
        let status = response.status();
        if status.as_u16() == 401 || status.as_u16() == 403 {
            return Err(GoogleError::Refused(format!("{}", status.as_u16())));
        }
        if !status.is_success() {
            return Err(GoogleError::Unavailable(format!("freeBusy answered {status}")));
        }
        let answer: Value = response.json().await.map_err(unavailable)?;
        let mut intervals = Vec::new();
        for id in calendars {
            let calendar = &answer["calendars"][id];
            if let Some(error) = calendar["errors"].as_array().and_then(|e| e.first()) {
                let reason = error["reason"].as_str().unwrap_or("unknown").to_owned();
                return Err(GoogleError::Calendar { calendar: id.clone(), reason });
            }
            for busy in calendar["busy"].as_array().into_iter().flatten() {
                let at = |field: &str| {
                    busy[field]
                        .as_str()
                        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                        .map(|t| t.with_timezone(&Utc))
                };
                if let (Some(start), Some(end)) = (at("start"), at("end"))
                    && start < end
                {
                    intervals.push((start, end));
                }
            }
        }
        intervals.sort();
        Ok(intervals)
    }
}

/// An event we write for a booking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalendarEvent {
    /// Its id, ours: lowercase letters a–v and digits, 5–1024 characters (base32hex).
    pub id: String,
    /// Title.
    pub summary: String,
    /// Body.
    pub description: String,
    /// Start.
    pub start: DateTime<Utc>,
    /// End.
    pub end: DateTime<Utc>,
}

fn status_only(status: reqwest::StatusCode) -> Result<(), GoogleError> {
    if status.is_success() {
        Ok(())
    } else if status.is_client_error() {
        Err(GoogleError::Refused(status.as_u16().to_string()))
    } else {
        Err(GoogleError::Unavailable(format!("Google answered {status}")))
    }
}

/// A path segment, percent-encoded (calendar ids are email addresses).
fn encode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The scope asked for: free/busy reads and (later) event writes.
pub const CALENDAR_SCOPE: &str = "https://www.googleapis.com/auth/calendar";

/// The RS256 JWT a service account presents, for `audience`, issued at `now` (seconds).
///
/// # Errors
/// `Refused` naming what is wrong with the key file (never its content).
pub fn assertion(key_file: &str, now: i64, audience: &str) -> Result<String, GoogleError> {
    use base64::Engine as _;
    let bad = |what: &str| GoogleError::Refused(format!("the service account key file {what}"));
    let key: Value = serde_json::from_str(key_file).map_err(|_| bad("is not JSON"))?;
    let email = key["client_email"].as_str().filter(|e| e.contains('@')).ok_or_else(|| bad("has no client_email"))?;
    let pem = key["private_key"].as_str().ok_or_else(|| bad("has no private_key"))?;
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(body.trim())
        .map_err(|_| bad("has an unreadable private_key"))?;
    let pair = ring::signature::RsaKeyPair::from_pkcs8(&der)
        .map_err(|_| bad("has a private_key that is not an RSA PKCS#8 key"))?;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = b64.encode(br#"{"alg":"RS256","typ":"JWT"}"#);
    let claims = json!({ "iss": email, "scope": CALENDAR_SCOPE, "aud": audience, "iat": now, "exp": now + 3600 });
    let signing_input = format!("{header}.{}", b64.encode(claims.to_string()));
    let mut signature = vec![0; pair.public().modulus_len()];
    pair.sign(
        &ring::signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        signing_input.as_bytes(),
        &mut signature,
    )
    .map_err(|_| bad("could not sign"))?;
    Ok(format!("{signing_input}.{}", b64.encode(signature)))
}
