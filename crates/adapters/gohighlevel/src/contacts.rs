//! Contacts (`Version: 2021-07-28`): a lead pushed as a contact —
//! `PUT /contacts/{id}` when we know which contact it is, else
//! `POST /contacts/upsert` (GoHighLevel matches an existing contact by email
//! or phone per the location's duplicate settings), and a contact deleted
//! on their side (404) is upserted again. A 429 is reported with its
//! `Retry-After` so the caller can defer instead of hammering.

use crate::check::CONTACTS_VERSION;
use frontdesk_integrations::crm::{ContactPage, CrmContact, CrmError, ImportCursor};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use std::time::Duration;

use crate::unreachable;

/// The contacts API of one base URL.
#[derive(Clone, Debug)]
pub struct GhlContacts {
    http: reqwest::Client,
    base: String,
}

impl GhlContacts {
    /// Calls `base_url` (`https://services.leadconnectorhq.com`), each within `timeout`.
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(base_url: &str, timeout: Duration) -> Result<Self, String> {
        let http = reqwest::Client::builder().timeout(timeout).build().map_err(|e| e.to_string())?;
        Ok(Self { http, base: base_url.trim_end_matches('/').to_owned() })
    }

    /// Upserts `contact` in `location_id` (an update of `existing` when
    /// given); returns the contact id.
    ///
    /// # Errors
    /// [`CrmError`]: `RateLimited` on 429, `Refused` on other 4xx,
    /// `Unavailable` on no answer or 5xx.
    pub async fn upsert(
        &self,
        token: &SecretString,
        location_id: &str,
        existing: Option<&str>,
        contact: &CrmContact,
    ) -> Result<String, CrmError> {
        let mut body = json!({ "name": contact.name, "source": contact.source });
        if let Some(email) = &contact.email {
            body["email"] = json!(email);
        }
        if let Some(phone) = &contact.phone {
            body["phone"] = json!(phone);
        }
        if let Some(id) = existing {
            let url = format!("{}/contacts/{id}", self.base);
            match self.send(self.http.put(url), token, &body).await {
                Err(CrmError::Refused(why)) if why.starts_with("404") => {} // deleted there: upsert anew
                other => return other,
            }
        }
        body["locationId"] = json!(location_id);
        self.send(self.http.post(format!("{}/contacts/upsert", self.base)), token, &body).await
    }

    /// One page (up to 100) of `location_id`'s contacts after `after`
    /// (`GET /contacts/` with `startAfterId`/`startAfter`), oldest first.
    ///
    /// # Errors
    /// As [`Self::upsert`].
    pub async fn page(
        &self,
        token: &SecretString,
        location_id: &str,
        after: Option<&ImportCursor>,
    ) -> Result<ContactPage, CrmError> {
        const LIMIT: usize = 100;
        let mut query = vec![("locationId", location_id.to_owned()), ("limit", LIMIT.to_string())];
        if let Some(after) = after {
            query.push(("startAfterId", after.after_id.clone()));
            query.push(("startAfter", after.after_ms.to_string()));
        }
        let url = reqwest::Url::parse_with_params(&format!("{}/contacts/", self.base), &query)
            .map_err(|e| CrmError::Refused(format!("bad base URL: {e}")))?;
        let response = self
            .http
            .get(url)
            .bearer_auth(token.expose_secret())
            .header("Version", CONTACTS_VERSION)
            .header("Accept", "application/json")
            .send()
            .await
            .map_err(unreachable)?;
        let answer = crate::answer(response).await?;
        let contacts: Vec<Value> = answer["contacts"].as_array().cloned().unwrap_or_default();
        let next = match contacts.last() {
            Some(last) if contacts.len() >= LIMIT => {
                let after_id = last["id"].as_str().unwrap_or_default().to_owned();
                let after_ms = last["dateAdded"]
                    .as_str()
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                    .map_or(0, |t| t.timestamp_millis());
                (!after_id.is_empty()).then_some(ImportCursor { after_id, after_ms })
            }
            _ => None,
        };
        Ok(ContactPage { contacts, next })
    }

    async fn send(
        &self,
        request: reqwest::RequestBuilder,
        token: &SecretString,
        body: &Value,
    ) -> Result<String, CrmError> {
        let response = request
            .bearer_auth(token.expose_secret())
            .header("Version", CONTACTS_VERSION)
            .header("Accept", "application/json")
            .json(body)
            .send()
            .await
            .map_err(unreachable)?;
        let answer = crate::answer(response).await?;
        let excerpt: String = answer.to_string().chars().take(200).collect();
        answer["contact"]["id"]
            .as_str()
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| CrmError::Unavailable(format!("no contact id in the answer: {excerpt}")))
    }
}
