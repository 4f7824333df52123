//! Twilio's webhooks: calls (Gather mode) and texts.
//!
//! Every route takes a [`TwilioForm`], so nothing runs before the
//! signature holds. The tenant comes from `To` (cached routing); a number
//! nobody routed is a 404 with a warning and nothing stored. The answers
//! are TwiML written by the Markup port. Calls: `/voice` greets and
//! listens, `/voice/gather` runs a turn (a filler and a redirect to
//! `/voice/continue` when it is slow), `/voice/dial` takes a voicemail when
//! the transfer was not answered, `/voice/recording` files the voicemail,
//! `/voice/status` records how the call ended (204). Texts: `/sms`
//! acknowledges with an empty `<Response/>` and a job replies.

use crate::error::ApiError;
use crate::extract::twilio::TwilioForm;
use actix_web::{HttpResponse, post, web};
use frontdesk_kernel::Code;
use frontdesk_kernel::messaging::OutboundMessenger;
use frontdesk_receptionist::channels::inbound::{Answer, Call, Inbound};
use frontdesk_receptionist::channels::voice::Markup;
use serde::Deserialize;
use std::sync::Arc;
use utoipa::IntoParams;

/// What the Twilio routes use.
pub struct TwilioContext {
    /// The use cases.
    pub inbound: Arc<Inbound>,
    /// TwiML.
    pub markup: Arc<dyn Markup>,
    /// Staff notices (voicemail).
    pub messenger: Arc<dyn OutboundMessenger>,
}

/// Which turn a gather or continue is for.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TurnQuery {
    /// The turn (1-based).
    turn: Option<u32>,
    /// Times nothing was heard in a row.
    silence: Option<u32>,
}

fn twiml(context: &TwilioContext, answer: Answer, form: &TwilioForm) -> Result<HttpResponse, ApiError> {
    match answer {
        Answer::Unrouted => {
            tracing::warn!(to = form.get("To").unwrap_or(""), "Twilio webhook for a number no sub-account routes");
            Err(ApiError::new(Code::NotFound, "no sub-account answers this number"))
        }
        Answer::Script(script) => {
            Ok(HttpResponse::Ok().content_type("text/xml; charset=utf-8").body(context.markup.render(&script)))
        }
    }
}

fn call(form: &TwilioForm) -> Result<Call<'_>, ApiError> {
    Ok(Call { sid: form.require("CallSid")?, to: form.require("To")?, from: form.require("From")? })
}

/// A call comes in: the greeting and the first listen (blocked callers hear a rejection).
#[utoipa::path(tag = "webhooks", request_body(content = String, content_type = "application/x-www-form-urlencoded",
        description = "Twilio's voice parameters (CallSid, From, To, …)"),
    params(("X-Twilio-Signature" = String, Header, description = "Twilio's request signature")),
    responses((status = 200, description = "TwiML", content_type = "text/xml", body = String),
        (status = 403, description = "bad or missing signature", body = crate::error::ErrorBody),
        (status = 404, description = "no sub-account routes `To`", body = crate::error::ErrorBody)))]
#[post("/webhooks/twilio/voice")]
pub(super) async fn voice(context: web::Data<TwilioContext>, form: TwilioForm) -> Result<HttpResponse, ApiError> {
    let answer = context.inbound.call_started(&call(&form)?).await?;
    twiml(&context, answer, &form)
}

/// What the caller said: the receptionist's turn (or a filler and a redirect when it is slow).
#[utoipa::path(tag = "webhooks", params(TurnQuery, ("X-Twilio-Signature" = String, Header, description = "Twilio's request signature")),
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "CallSid, From, To, SpeechResult"),
    responses((status = 200, description = "TwiML", content_type = "text/xml", body = String),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
#[post("/webhooks/twilio/voice/gather")]
pub(super) async fn gather(
    context: web::Data<TwilioContext>,
    query: web::Query<TurnQuery>,
    form: TwilioForm,
) -> Result<HttpResponse, ApiError> {
    let turn = query.turn.unwrap_or(1).clamp(1, 1000);
    let answer =
        context.inbound.call_turn(&call(&form)?, turn, form.get("SpeechResult"), query.silence.unwrap_or(0)).await?;
    twiml(&context, answer, &form)
}

/// A slow turn, finished.
#[utoipa::path(tag = "webhooks", params(TurnQuery, ("X-Twilio-Signature" = String, Header, description = "Twilio's request signature")),
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "CallSid, From, To"),
    responses((status = 200, description = "TwiML", content_type = "text/xml", body = String),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
#[post("/webhooks/twilio/voice/continue")]
pub(super) async fn continue_turn(
    context: web::Data<TwilioContext>,
    query: web::Query<TurnQuery>,
    form: TwilioForm,
) -> Result<HttpResponse, ApiError> {
    let turn = query.turn.unwrap_or(1).clamp(1, 1000);
    let answer = context.inbound.continue_turn(&call(&form)?, turn, context.inbound.continue_wait()).await?;
    twiml(&context, answer, &form)
}

/// How the transfer to staff went (`DialCallStatus`): not answered → voicemail.
#[utoipa::path(tag = "webhooks", params(("X-Twilio-Signature" = String, Header, description = "Twilio's request signature")),
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "CallSid, From, To, DialCallStatus"),
    responses((status = 200, description = "TwiML", content_type = "text/xml", body = String),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
#[post("/webhooks/twilio/voice/dial")]
pub(super) async fn dial(context: web::Data<TwilioContext>, form: TwilioForm) -> Result<HttpResponse, ApiError> {
    let dial_status = form.get("DialCallStatus").unwrap_or("no-answer");
    let answer = context.inbound.dial_finished(&call(&form)?, dial_status).await?;
    twiml(&context, answer, &form)
}

/// A voicemail (or its transcription): on the lead's timeline, and the staff told.
#[utoipa::path(tag = "webhooks", params(("X-Twilio-Signature" = String, Header, description = "Twilio's request signature")),
    request_body(content = String, content_type = "application/x-www-form-urlencoded",
        description = "CallSid, From, To, RecordingUrl, TranscriptionText"),
    responses((status = 200, description = "TwiML", content_type = "text/xml", body = String),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
#[post("/webhooks/twilio/voice/recording")]
pub(super) async fn recording(context: web::Data<TwilioContext>, form: TwilioForm) -> Result<HttpResponse, ApiError> {
    let answer = context
        .inbound
        .voicemail_left(
            &call(&form)?,
            form.get("RecordingUrl"),
            form.get("TranscriptionText"),
            context.messenger.as_ref(),
        )
        .await?;
    twiml(&context, answer, &form)
}

/// A call's status changed: its record on the timeline; a finished call is summarised by a job.
#[utoipa::path(tag = "webhooks", params(("X-Twilio-Signature" = String, Header, description = "Twilio's request signature")),
    request_body(content = String, content_type = "application/x-www-form-urlencoded",
        description = "CallSid, From, To, CallStatus, CallDuration, RecordingUrl"),
    responses((status = 204, description = "recorded"),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
#[post("/webhooks/twilio/voice/status")]
pub(super) async fn status(context: web::Data<TwilioContext>, form: TwilioForm) -> Result<HttpResponse, ApiError> {
    let duration = form.get("CallDuration").and_then(|d| d.trim().parse().ok());
    let answer = context
        .inbound
        .call_status(&call(&form)?, form.require("CallStatus")?, duration, form.get("RecordingUrl"))
        .await?;
    match answer {
        Answer::Unrouted => twiml(&context, answer, &form),
        Answer::Script(_) => Ok(HttpResponse::NoContent().finish()),
    }
}

/// A text comes in: STOP/START/HELP answered at once, anything else acknowledged and answered by a job.
#[utoipa::path(tag = "webhooks", params(("X-Twilio-Signature" = String, Header, description = "Twilio's request signature")),
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "MessageSid, From, To, Body"),
    responses((status = 200, description = "TwiML (`<Response/>`, or a keyword's confirmation)", content_type = "text/xml", body = String),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
#[post("/webhooks/twilio/sms")]
pub(super) async fn sms(context: web::Data<TwilioContext>, form: TwilioForm) -> Result<HttpResponse, ApiError> {
    let sid = form.require("MessageSid")?;
    let body = form.get("Body").unwrap_or("");
    let answer = context.inbound.sms_received(sid, form.require("To")?, form.require("From")?, body).await?;
    twiml(&context, answer, &form)
}

/// A ConversationRelay session ended: a handoff dials the staff (or takes a voicemail), anything else hangs up.
#[utoipa::path(tag = "webhooks", params(("X-Twilio-Signature" = String, Header, description = "Twilio's request signature")),
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "CallSid, From, To, HandoffData"),
    responses((status = 200, description = "TwiML", content_type = "text/xml", body = String),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)))]
#[post("/webhooks/twilio/voice/relay-end")]
pub(super) async fn relay_end(context: web::Data<TwilioContext>, form: TwilioForm) -> Result<HttpResponse, ApiError> {
    let answer = context.inbound.relay_ended(&call(&form)?, form.get("HandoffData")).await?;
    twiml(&context, answer, &form)
}
