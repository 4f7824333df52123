//! The vendor sections, one per integration the next issues connect:
//! Twilio (voice/SMS), OpenAI (the model), Postmark (email), S3/R2 (files),
//! Google (calendar) and GoHighLevel (CRM). Each is `None` until its adapter
//! lands and reads its variables here (`TWILIO_*`, `OPENAI_*`, …), so a
//! deployment sees in one place which vendors are configured.

/// Twilio: calls and SMS (`TWILIO_*`, with the channels issue).
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct TwilioSettings {}

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

/// Postmark: inbound and outbound email (`POSTMARK_*`, with the channels issue).
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct PostmarkSettings {}

/// S3-compatible object storage for files (`S3_*`, with the files issue).
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct S3Settings {}

/// Google Calendar OAuth client (`GOOGLE_*`, with the integrations issue).
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct GoogleSettings {}

/// GoHighLevel app credentials (`GOHIGHLEVEL_*`, with the integrations issue).
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct GoHighLevelSettings {}
