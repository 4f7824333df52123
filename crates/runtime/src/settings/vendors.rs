//! The vendor sections, one per integration the next issues connect:
//! Twilio (voice/SMS), OpenAI (the model), Postmark (email), S3/R2 (files),
//! Google (calendar) and GoHighLevel (CRM). Each is `None` until its adapter
//! lands and reads its variables here (`TWILIO_*`, `OPENAI_*`, …), so a
//! deployment sees in one place which vendors are configured.

/// Twilio: calls and SMS. Configured when `TWILIO_AUTH_TOKEN` is set: the
/// webhooks are verified with it (without it every Twilio webhook is
/// refused, 403). Texts go out through Twilio's Messages API when
/// `TWILIO_ACCOUNT_SID` is set too; otherwise they stay in the outbox.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TwilioSettings {
    /// `TWILIO_ACCOUNT_SID` (`AC…`), to send texts.
    pub account_sid: Option<String>,
    /// `TWILIO_AUTH_TOKEN`: verifies `X-Twilio-Signature`, authenticates API calls.
    pub auth_token: secrecy::SecretString,
    /// `TWILIO_API_BASE_URL`, default `https://api.twilio.com`.
    pub api_base_url: String,
    /// `TWILIO_SMS_PER_MINUTE`: texts a minute from one number (default 60).
    pub sms_per_minute: u32,
}

impl TwilioSettings {
    pub(super) fn read(r: &mut super::reader::Reader<'_>) -> Option<Self> {
        let token = r.raw("TWILIO_AUTH_TOKEN").map(str::trim).filter(|t| !t.is_empty())?.to_owned();
        let account_sid = r.raw("TWILIO_ACCOUNT_SID").map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        if let Some(sid) = &account_sid
            && !(sid.starts_with("AC") && sid.len() == 34 && sid.bytes().all(|b| b.is_ascii_alphanumeric()))
        {
            r.error("TWILIO_ACCOUNT_SID", format!("expected AC followed by 32 characters, got {sid:?}"));
        }
        let api_base_url = r
            .raw("TWILIO_API_BASE_URL")
            .map(str::trim)
            .filter(|b| !b.is_empty())
            .unwrap_or("https://api.twilio.com")
            .trim_end_matches('/')
            .to_owned();
        if !(api_base_url.starts_with("https://") || api_base_url.starts_with("http://")) {
            r.error("TWILIO_API_BASE_URL", format!("expected an http(s) URL, got {api_base_url:?}"));
        }
        let sms_per_minute: u32 = r.parsed("TWILIO_SMS_PER_MINUTE", 60u32, "a number of texts");
        Some(Self { account_sid, auth_token: secrecy::SecretString::from(token), api_base_url, sms_per_minute })
    }
}

/// How calls are answered (`VOICE_*`).
#[derive(Clone, Debug)]
pub struct VoiceSettings {
    /// `VOICE_TURN_BUDGET_MS`: how long a call's webhook waits for the
    /// receptionist before a filler and a redirect (default 2500, 200–10000).
    pub turn_budget: std::time::Duration,
    /// `VOICE_MAX_VOICEMAIL_SECONDS`: longest voicemail (default 120, 10–600).
    pub max_voicemail_secs: u32,
    /// `VOICE_CALLS_PER_HOUR`: calls one number may make to a sub-account per hour (default 20).
    pub calls_per_hour: u32,
    /// `VOICE_MODE`: `gather` (default; any Twilio account) or `relay` (ConversationRelay streaming).
    pub relay: bool,
}

impl VoiceSettings {
    pub(super) fn read(r: &mut super::reader::Reader<'_>) -> Self {
        let budget: u64 = r.parsed("VOICE_TURN_BUDGET_MS", 2500u64, "milliseconds");
        if !(200..=10_000).contains(&budget) {
            r.error("VOICE_TURN_BUDGET_MS", format!("expected 200 to 10000 milliseconds, got {budget}"));
        }
        let voicemail: u32 = r.parsed("VOICE_MAX_VOICEMAIL_SECONDS", 120u32, "seconds");
        if !(10..=600).contains(&voicemail) {
            r.error("VOICE_MAX_VOICEMAIL_SECONDS", format!("expected 10 to 600 seconds, got {voicemail}"));
        }
        let calls_per_hour: u32 = r.parsed("VOICE_CALLS_PER_HOUR", 20u32, "a number of calls");
        let relay = match r.raw("VOICE_MODE").map(|m| m.trim().to_ascii_lowercase()).as_deref() {
            None | Some("" | "gather") => false,
            Some("relay") => true,
            Some(other) => {
                r.error("VOICE_MODE", format!("expected gather or relay, got {other:?}"));
                false
            }
        };
        Self {
            turn_budget: std::time::Duration::from_millis(budget.clamp(200, 10_000)),
            max_voicemail_secs: voicemail.clamp(10, 600),
            calls_per_hour: calls_per_hour.max(1),
            relay,
        }
    }
}

/// OpenAI or a compatible server: the receptionist's model. Configured when
/// `OPENAI_API_KEY` or `OPENAI_BASE_URL` is set (a local vLLM/Ollama needs no key).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct OpenAiSettings {
    /// `OPENAI_API_KEY` (may be empty for a local server).
    pub api_key: secrecy::SecretString,
    /// `OPENAI_BASE_URL`, default `https://api.openai.com/v1`.
    pub base_url: String,
    /// `OPENAI_MODEL`, default `gpt-4o-mini`.
    pub model: String,
}

impl OpenAiSettings {
    pub(super) fn read(r: &mut super::reader::Reader<'_>) -> Option<Self> {
        let key = r.raw("OPENAI_API_KEY").map(str::trim).filter(|k| !k.is_empty());
        let base = r.raw("OPENAI_BASE_URL").map(str::trim).filter(|b| !b.is_empty());
        if key.is_none() && base.is_none() {
            return None;
        }
        let base_url = base.unwrap_or("https://api.openai.com/v1").trim_end_matches('/').to_owned();
        if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
            r.error(
                "OPENAI_BASE_URL",
                format!("expected an http(s) URL such as http://127.0.0.1:11434/v1, got {base_url:?}"),
            );
        }
        let model = r.raw("OPENAI_MODEL").map(str::trim).filter(|m| !m.is_empty()).unwrap_or("gpt-4o-mini").to_owned();
        Some(Self { api_key: secrecy::SecretString::from(key.unwrap_or_default().to_owned()), base_url, model })
    }
}

/// Postmark: inbound email (basic auth on the webhook) and, with a server
/// token, outbound email. Configured when either part is set.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct PostmarkSettings {
    /// `POSTMARK_INBOUND_USER` / `POSTMARK_INBOUND_PASSWORD`: the credentials
    /// in the inbound webhook's URL; unset, the inbound webhook refuses everything.
    pub inbound: Option<(String, secrecy::SecretString)>,
    /// `POSTMARK_SERVER_TOKEN`: sends email through Postmark (else it stays in the outbox).
    pub server_token: Option<secrecy::SecretString>,
    /// `POSTMARK_FROM`: the sender of replies (a confirmed sender signature).
    pub from: Option<String>,
    /// `POSTMARK_API_BASE_URL`, default `https://api.postmarkapp.com`.
    pub api_base_url: String,
}

impl PostmarkSettings {
    pub(super) fn read(r: &mut super::reader::Reader<'_>) -> Option<Self> {
        let value = |r: &mut super::reader::Reader<'_>, name: &str| {
            r.raw(name).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
        };
        let user = value(r, "POSTMARK_INBOUND_USER");
        let password = value(r, "POSTMARK_INBOUND_PASSWORD");
        let token = value(r, "POSTMARK_SERVER_TOKEN");
        let from = value(r, "POSTMARK_FROM");
        let api_base_url = value(r, "POSTMARK_API_BASE_URL").unwrap_or_else(|| "https://api.postmarkapp.com".into());
        let inbound = match (user, password) {
            (Some(user), Some(password)) => {
                if password.len() < 16 {
                    r.error("POSTMARK_INBOUND_PASSWORD", "expected at least 16 random characters");
                }
                Some((user, secrecy::SecretString::from(password)))
            }
            (None, None) => None,
            _ => {
                r.error(
                    "POSTMARK_INBOUND_USER",
                    "set both POSTMARK_INBOUND_USER and POSTMARK_INBOUND_PASSWORD, or neither",
                );
                None
            }
        };
        if token.is_some() && from.is_none() {
            r.error("POSTMARK_FROM", "required with POSTMARK_SERVER_TOKEN: the address replies are sent from");
        }
        if inbound.is_none() && token.is_none() {
            return None;
        }
        Some(Self { inbound, server_token: token.map(secrecy::SecretString::from), from, api_base_url })
    }
}

/// S3-compatible object storage for files (AWS S3, Cloudflare R2, MinIO,
/// s3s-fs): set `S3_BUCKET` and files go there instead of `FILES_DIR`.
#[derive(Clone, Debug)]
pub struct S3Settings {
    /// `S3_ENDPOINT` (`https://<account>.r2.cloudflarestorage.com`).
    pub endpoint: String,
    /// `S3_REGION` (default `us-east-1`; `auto` on R2).
    pub region: String,
    /// `S3_BUCKET`.
    pub bucket: String,
    /// `S3_ACCESS_KEY_ID`.
    pub access_key: String,
    /// `S3_SECRET_ACCESS_KEY`.
    pub secret_key: secrecy::SecretString,
    /// `S3_PATH_STYLE` (default true: R2 and most compatible servers need it).
    pub path_style: bool,
}

impl S3Settings {
    pub(super) fn read(r: &mut super::reader::Reader<'_>) -> Option<Self> {
        let bucket = r.raw("S3_BUCKET").map(str::trim).filter(|b| !b.is_empty())?.to_owned();
        let required = |r: &mut super::reader::Reader<'_>, name: &str| match r
            .raw(name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
        {
            Some(value) => value.to_owned(),
            None => {
                r.error(name, "is required when S3_BUCKET is set");
                String::new()
            }
        };
        let endpoint = required(r, "S3_ENDPOINT").trim_end_matches('/').to_owned();
        let access_key = required(r, "S3_ACCESS_KEY_ID");
        let secret_key = secrecy::SecretString::from(required(r, "S3_SECRET_ACCESS_KEY"));
        if !(endpoint.is_empty() || endpoint.starts_with("https://") || endpoint.starts_with("http://")) {
            r.error("S3_ENDPOINT", format!("expected an http(s) URL, got {endpoint:?}"));
        }
        let region = r.raw("S3_REGION").map(str::trim).filter(|v| !v.is_empty()).unwrap_or("us-east-1").to_owned();
        Some(Self { endpoint, region, bucket, access_key, secret_key, path_style: r.flag("S3_PATH_STYLE", true) })
    }
}

/// Google Calendar OAuth client (`GOOGLE_*`, with the integrations issue).
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct GoogleSettings {}

/// GoHighLevel app credentials (`GOHIGHLEVEL_*`, with the integrations issue).
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct GoHighLevelSettings {}

/// Where each vendor's API is, for calls made with a **tenant's** own
/// credentials (integration checks and sends): the platform's base URL
/// variables, read whether or not the platform itself has credentials, so
/// a self-hosted proxy or a test mock serves both.
#[derive(Clone, Debug)]
pub struct VendorUrls {
    /// `TWILIO_API_BASE_URL` (default `https://api.twilio.com`).
    pub twilio: String,
    /// `POSTMARK_API_BASE_URL` (default `https://api.postmarkapp.com`).
    pub postmark: String,
    /// `OPENAI_BASE_URL` (default `https://api.openai.com/v1`); an integration's `baseUrl` wins.
    pub openai: String,
    /// `GOHIGHLEVEL_API_BASE_URL` (default `https://services.leadconnectorhq.com`).
    pub gohighlevel: String,
    /// `GOOGLE_CALENDAR_API_BASE_URL` (default `https://www.googleapis.com/calendar/v3`).
    pub google_calendar: String,
    /// `GOOGLE_OAUTH_TOKEN_URL` (default `https://oauth2.googleapis.com/token`).
    pub google_token: String,
    /// `GOHIGHLEVEL_WEBHOOK_PUBLIC_KEY`: the Ed25519 key GoHighLevel signs
    /// webhooks with (PEM or base64); default its published key.
    pub gohighlevel_webhook_key: Option<String>,
    /// `ALLOW_PRIVATE_WEBHOOKS`: tenant-chosen URLs may resolve to private,
    /// loopback or link-local addresses (tests, self-hosting; default false).
    pub allow_private_webhooks: bool,
}

impl VendorUrls {
    pub(super) fn read(r: &mut super::reader::Reader<'_>) -> Self {
        let url = |r: &mut super::reader::Reader<'_>, name: &str, default: &str| {
            let value = r.raw(name).map(str::trim).filter(|v| !v.is_empty()).unwrap_or(default).trim_end_matches('/');
            if !(value.starts_with("https://") || value.starts_with("http://")) {
                r.error(name, format!("expected an http(s) URL, got {value:?}"));
            }
            value.to_owned()
        };
        Self {
            twilio: url(r, "TWILIO_API_BASE_URL", "https://api.twilio.com"),
            postmark: url(r, "POSTMARK_API_BASE_URL", "https://api.postmarkapp.com"),
            openai: url(r, "OPENAI_BASE_URL", "https://api.openai.com/v1"),
            gohighlevel: url(r, "GOHIGHLEVEL_API_BASE_URL", "https://services.leadconnectorhq.com"),
            google_calendar: url(r, "GOOGLE_CALENDAR_API_BASE_URL", "https://www.googleapis.com/calendar/v3"),
            google_token: url(r, "GOOGLE_OAUTH_TOKEN_URL", "https://oauth2.googleapis.com/token"),
            gohighlevel_webhook_key: r
                .raw("GOHIGHLEVEL_WEBHOOK_PUBLIC_KEY")
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(str::to_owned),
            allow_private_webhooks: r.flag("ALLOW_PRIVATE_WEBHOOKS", false),
        }
    }
}
