//! Recording audio from Twilio: the `RecordingUrl` a call or voicemail
//! callback names, fetched as MP3 (`{RecordingUrl}.mp3`) with the account's
//! basic auth. Only URLs under the configured API base and the account's own
//! `Recordings/` folder are fetched — a forged callback cannot make us send
//! the account's credentials elsewhere or fetch anything else — and the body
//! is counted as it streams, so a recording over the limit is dropped at
//! the limit, not after it was buffered whole.
//!
//! Twilio's API description covers the recording resource's JSON, not its
//! media, so this is tested against a local server (basic auth, 404 while a
//! recording is processed, oversize bodies).

use async_trait::async_trait;
use frontdesk_kernel::TenantId;
use frontdesk_receptionist::channels::recordings::{RecordingError, RecordingSource};
use secrecy::{ExposeSecret, SecretString};
use std::time::Duration;

/// Fetches one account's recordings.
pub struct TwilioRecordings {
    http: reqwest::Client,
    base_url: String,
    account_sid: String,
    auth_token: SecretString,
}

impl std::fmt::Debug for TwilioRecordings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioRecordings").field("account_sid", &self.account_sid).finish_non_exhaustive()
    }
}

impl TwilioRecordings {
    /// Recordings of `account_sid` under `base_url` (`https://api.twilio.com`).
    ///
    /// # Errors
    /// When the HTTP client cannot be built.
    pub fn new(base_url: &str, account_sid: &str, auth_token: SecretString, timeout: Duration) -> Result<Self, String> {
        // Never follow a redirect: it would carry the credentials to wherever it points.
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            account_sid: account_sid.to_owned(),
            auth_token,
        })
    }

    /// Whether `url` names one of this account's recordings.
    #[must_use]
    pub fn owns(&self, url: &str) -> bool {
        self.media_url(url).is_some()
    }

    /// The media URL of `url` when it names one of this account's recordings.
    fn media_url(&self, url: &str) -> Option<String> {
        let folder = format!("{}/2010-04-01/Accounts/{}/Recordings/", self.base_url, self.account_sid);
        let rest = url.strip_prefix(&folder)?;
        let (sid, extension) = rest.split_once('.').map_or((rest, None), |(s, e)| (s, Some(e)));
        let is_sid = sid.len() == 34 && sid.starts_with("RE") && sid[2..].chars().all(|c| c.is_ascii_hexdigit());
        match extension {
            _ if !is_sid => None,
            None => Some(format!("{folder}{sid}.mp3")),
            Some("mp3" | "wav") => Some(format!("{folder}{rest}")),
            Some(_) => None,
        }
    }
}

#[async_trait]
impl RecordingSource for TwilioRecordings {
    async fn fetch(&self, _tenant: TenantId, url: &str, max_bytes: usize) -> Result<Vec<u8>, RecordingError> {
        let media = self.media_url(url).ok_or_else(|| {
            RecordingError::Refused(
                "not a recording of this Twilio account (expected …/Recordings/RE… under the API base)".into(),
            )
        })?;
        let unavailable = |e: reqwest::Error| RecordingError::Unavailable(format!("Twilio could not be reached: {e}"));
        let mut response = self
            .http
            .get(&media)
            .basic_auth(&self.account_sid, Some(self.auth_token.expose_secret()))
            .send()
            .await
            .map_err(unavailable)?;
        // Twilio answers the authenticated media URL with a redirect to a short-lived
        // signed URL: followed once, without our credentials, never from https to http.
        if response.status().is_redirection() {
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|l| reqwest::Url::parse(l).ok())
                .filter(|l| l.scheme() == "https" || (l.scheme() == "http" && !self.base_url.starts_with("https://")))
                .ok_or_else(|| RecordingError::Refused("Twilio redirected the recording somewhere unusable".into()))?;
            response = self.http.get(location).send().await.map_err(unavailable)?;
        }
        let status = response.status();
        match status.as_u16() {
            200 => {}
            // A recording is fetchable shortly after its callback: not yet is worth a retry.
            404 | 429 | 500..=599 => {
                return Err(RecordingError::Unavailable(format!("Twilio answered {status} for the recording")));
            }
            401 | 403 => {
                return Err(RecordingError::Refused("Twilio refused the account SID or auth token".into()));
            }
            _ => return Err(RecordingError::Refused(format!("Twilio answered {status} for the recording"))),
        }
        let too_large = || RecordingError::Refused(format!("the recording is over the {max_bytes}-byte file limit"));
        if response.content_length().is_some_and(|n| n > max_bytes as u64) {
            return Err(too_large());
        }
        let mut audio = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(unavailable)? {
            if audio.len() + chunk.len() > max_bytes {
                return Err(too_large());
            }
            audio.extend_from_slice(&chunk);
        }
        Ok(audio)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn only_this_accounts_recordings_are_fetched() {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let sid = "AC00000000000000000000000000000001";
        let recordings =
            TwilioRecordings::new("https://api.twilio.com/", sid, SecretString::from("t"), Duration::from_secs(1))
                .unwrap();
        let base = format!("https://api.twilio.com/2010-04-01/Accounts/{sid}/Recordings");
        let re = "RE0123456789abcdef0123456789abcdef";
        assert_eq!(recordings.media_url(&format!("{base}/{re}")), Some(format!("{base}/{re}.mp3")));
        assert_eq!(recordings.media_url(&format!("{base}/{re}.wav")), Some(format!("{base}/{re}.wav")));
        for refused in [
            format!("https://evil.example/2010-04-01/Accounts/{sid}/Recordings/{re}"),
            format!("https://api.twilio.com.evil.example/2010-04-01/Accounts/{sid}/Recordings/{re}"),
            format!("https://api.twilio.com/2010-04-01/Accounts/AC9/Recordings/{re}"),
            format!("{base}/{re}/../../Calls"),
            format!("{base}/{re}.json"),
            format!("{base}/RE123"),
            format!("{base}/{re}?x=1"),
        ] {
            assert_eq!(recordings.media_url(&refused), None, "{refused}");
        }
    }
}
