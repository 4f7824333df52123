//! The vendor sections, one per integration the next issues connect:
//! Twilio (voice/SMS), OpenAI (the model), Postmark (email), S3/R2 (files),
//! Google (calendar) and GoHighLevel (CRM). Each is `None` until its adapter
//! lands and reads its variables here (`TWILIO_*`, `OPENAI_*`, …), so a
//! deployment sees in one place which vendors are configured.

/// Twilio: calls and SMS (`TWILIO_*`, with the channels issue).
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct TwilioSettings {}

/// OpenAI or a compatible server: the receptionist's model (`OPENAI_*`, with the agent issue).
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct OpenAiSettings {}

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
