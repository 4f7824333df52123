//! Calendars (`Version: 2021-04-15`): a booking mirrored as an appointment
//! (`POST /calendars/events/appointments`, then `PUT …/{eventId}` to move
//! it or mark it cancelled), and the calendar's busy times — its
//! appointments (`GET /calendars/events`) and blocked slots
//! (`GET /calendars/blocked-slots`) in a window, cancelled and invalid
//! appointments left out. Our appointments are written with
//! `ignoreFreeSlotValidation` (the slot was already checked and claimed on
//! our side) and `toNotify: false` (the lead hears from us, not twice).

use crate::{answer, unreachable};
use chrono::{DateTime, Utc};
use frontdesk_integrations::crm::CrmError;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use std::time::Duration;

/// The `Version` header of the calendars service.
pub const CALENDARS_VERSION: &str = "2021-04-15";

/// A booking as an appointment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Appointment<'a> {
    /// Its title.
    pub title: &'a str,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
}

impl Appointment<'_> {
    /// What a create and a move both send: the booking's title and times, confirmed,
    /// the slot not checked again, nobody notified by GoHighLevel.
    fn fields(&self) -> Value {
        json!({
            "title": self.title,
            "startTime": self.starts_at.to_rfc3339(),
            "endTime": self.ends_at.to_rfc3339(),
            "appointmentStatus": "confirmed",
            "ignoreFreeSlotValidation": true,
            "toNotify": false,
        })
    }
}

/// The calendars API of one base URL.
#[derive(Clone, Debug)]
pub struct GhlCalendars {
    http: reqwest::Client,
    base: String,
}

/// An instant as GoHighLevel writes it: RFC 3339 text (their examples), or epoch milliseconds.
fn instant(value: &Value) -> Option<DateTime<Utc>> {
    match value {
        Value::String(text) => DateTime::parse_from_rfc3339(text).ok().map(|t| t.with_timezone(&Utc)),
        Value::Number(n) => n.as_i64().and_then(DateTime::from_timestamp_millis),
        _ => None,
    }
}

impl GhlCalendars {
    /// Calls `base_url` (`https://services.leadconnectorhq.com`), each within `timeout`.
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(base_url: &str, timeout: Duration) -> Result<Self, String> {
        let http = reqwest::Client::builder().timeout(timeout).build().map_err(|e| e.to_string())?;
        Ok(Self { http, base: base_url.trim_end_matches('/').to_owned() })
    }

    async fn call(&self, request: reqwest::RequestBuilder, token: &SecretString) -> Result<Value, CrmError> {
        let response = request
            .bearer_auth(token.expose_secret())
            .header("Version", CALENDARS_VERSION)
            .header("Accept", "application/json")
            .send()
            .await
            .map_err(unreachable)?;
        answer(response).await
    }

    /// Creates `appointment` for `contact_id` in `calendar_id`; returns its id.
    ///
    /// # Errors
    /// [`CrmError`]: `RateLimited` on 429, `Refused` on other 4xx, `Unavailable` on no answer or 5xx.
    pub async fn create(
        &self,
        token: &SecretString,
        location_id: &str,
        calendar_id: &str,
        contact_id: &str,
        appointment: &Appointment<'_>,
    ) -> Result<String, CrmError> {
        let mut body = appointment.fields();
        body["calendarId"] = json!(calendar_id);
        body["locationId"] = json!(location_id);
        body["contactId"] = json!(contact_id);
        let url = format!("{}/calendars/events/appointments", self.base);
        let created = self.call(self.http.post(url).json(&body), token).await?;
        let excerpt: String = created.to_string().chars().take(200).collect();
        created["id"]
            .as_str()
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| CrmError::Unavailable(format!("no appointment id in the answer: {excerpt}")))
    }

    /// Moves appointment `id` to `appointment`'s times and title.
    ///
    /// # Errors
    /// As [`Self::create`]; `Refused("404 …")` when it is gone.
    pub async fn update(&self, token: &SecretString, id: &str, appointment: &Appointment<'_>) -> Result<(), CrmError> {
        self.edit(token, id, &appointment.fields()).await
    }

    /// Marks appointment `id` cancelled (kept in their history); gone already is fine.
    ///
    /// # Errors
    /// As [`Self::create`].
    pub async fn cancel(&self, token: &SecretString, id: &str) -> Result<(), CrmError> {
        match self.edit(token, id, &json!({ "appointmentStatus": "cancelled", "toNotify": false })).await {
            Err(CrmError::Refused(why)) if why.starts_with("404") => Ok(()),
            other => other,
        }
    }

    async fn edit(&self, token: &SecretString, id: &str, body: &Value) -> Result<(), CrmError> {
        let mut url = reqwest::Url::parse(&format!("{}/calendars/events/appointments/", self.base))
            .map_err(|e| CrmError::Refused(format!("bad base URL: {e}")))?;
        url.path_segments_mut().map_err(|()| CrmError::Refused("bad base URL".into()))?.pop_if_empty().push(id);
        self.call(self.http.put(url).json(body), token).await.map(|_| ())
    }

    /// The busy times of `calendar_id` in `from..to`: its appointments
    /// (cancelled and invalid ones left out) and its blocked slots.
    ///
    /// # Errors
    /// As [`Self::create`].
    pub async fn busy(
        &self,
        token: &SecretString,
        location_id: &str,
        calendar_id: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(DateTime<Utc>, DateTime<Utc>)>, CrmError> {
        let query = [
            ("locationId", location_id.to_owned()),
            ("calendarId", calendar_id.to_owned()),
            ("startTime", from.timestamp_millis().to_string()),
            ("endTime", to.timestamp_millis().to_string()),
        ];
        let mut busy = Vec::new();
        for path in ["/calendars/events", "/calendars/blocked-slots"] {
            let url = reqwest::Url::parse_with_params(&format!("{}{path}", self.base), &query)
                .map_err(|e| CrmError::Refused(format!("bad base URL: {e}")))?;
            let found = self.call(self.http.get(url), token).await?;
            for event in found["events"].as_array().into_iter().flatten() {
                let status = event["appointmentStatus"].as_str().unwrap_or_default();
                if matches!(status, "cancelled" | "invalid") {
                    continue;
                }
                if let (Some(start), Some(end)) = (instant(&event["startTime"]), instant(&event["endTime"]))
                    && start < end
                {
                    busy.push((start, end));
                }
            }
        }
        Ok(busy)
    }
}

#[cfg(test)]
mod tests {
    use super::instant;
    use serde_json::json;

    #[test]
    fn instants_are_read_as_text_or_milliseconds() {
        let text = instant(&json!("2023-09-25T16:00:00+05:30")).map(|t| t.to_rfc3339());
        assert_eq!(text.as_deref(), Some("2023-09-25T10:30:00+00:00"));
        assert_eq!(instant(&json!(1_680_373_800_000_i64)).map(|t| t.timestamp()), Some(1_680_373_800));
        assert_eq!(instant(&json!({"dateTime": "x"})), None);
        assert_eq!(instant(&json!("not a time")), None);
    }
}
