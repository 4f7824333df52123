//! `GET /webhooks/twilio/relay`: the ConversationRelay WebSocket.
//!
//! The handshake's `X-Twilio-Signature` (over the `wss://` URL built from
//! `PUBLIC_BASE_URL`) is checked before the upgrade: 403 otherwise. Then
//! Twilio's side of the protocol: `setup` names the call (its number must
//! be routed; the caller's conversation is readied while the greeting
//! plays, and the session is kept for the call's turns); each final
//! `prompt` runs a streamed turn whose sentences go
//! back as `{"type":"text","token":…,"last":false}` while the model is
//! still writing, closed by `last: true`; `interrupt` stops what is being
//! sent and records what the caller heard; `dtmf` reaches the receptionist
//! as words; a handoff or goodbye ends the session with `{"type":"end"}`
//! (the handoff's number in `handoffData`, read by `/voice/relay-end`).

use crate::error::ApiError;
use actix_web::{HttpRequest, HttpResponse, get, web};
use actix_ws::{Message, Session};
use frontdesk_kernel::Code;
use frontdesk_receptionist::channels::inbound::{Call, Inbound, RelayEnd, RelaySession};
use serde_json::{Value, json};
use std::sync::Arc;

/// The call a session is for (from `setup`).
#[derive(Clone, Default)]
struct CallIds {
    sid: String,
    to: String,
    from: String,
}

impl CallIds {
    fn call(&self) -> Call<'_> {
        Call { sid: &self.sid, to: &self.to, from: &self.from }
    }
}

fn reject(why: &'static str) -> ApiError {
    metrics::counter!(crate::extract::twilio::WEBHOOK_REJECTIONS, "vendor" => "twilio").increment(1);
    tracing::warn!(why, "ConversationRelay handshake refused");
    ApiError::new(Code::Forbidden, "invalid or missing X-Twilio-Signature")
}

/// Opens a ConversationRelay session (a WebSocket upgrade signed by Twilio).
#[utoipa::path(tag = "webhooks", params(("X-Twilio-Signature" = String, Header, description = "Twilio's signature of the wss:// URL")),
    responses((status = 101, description = "switching to the ConversationRelay WebSocket protocol"),
        (status = 400, description = "not a WebSocket upgrade", body = crate::error::ErrorBody),
        (status = 403, description = "bad or missing signature", body = crate::error::ErrorBody)))]
#[get("/webhooks/twilio/relay")]
pub(super) async fn relay(
    req: HttpRequest,
    body: web::Payload,
    inbound: web::Data<Inbound>,
    verifier: web::Data<crate::extract::twilio::TwilioVerifier>,
) -> Result<HttpResponse, ApiError> {
    let signature = req.headers().get("x-twilio-signature").and_then(|v| v.to_str().ok());
    let Some(signature) = signature else { return Err(reject("no signature")) };
    let query = req.query_string();
    let url = if query.is_empty() { inbound.relay_url() } else { format!("{}?{query}", inbound.relay_url()) };
    if !verifier.signatures.verify(&url, &[], signature) {
        return Err(reject("signature does not match"));
    }
    let (response, session, stream) =
        actix_ws::handle(&req, body).map_err(|_| ApiError::new(Code::BadRequest, "expected a WebSocket upgrade"))?;
    let inbound = inbound.into_inner();
    actix_web::rt::spawn(converse(inbound, session, stream));
    Ok(response)
}

async fn send(session: &mut Session, message: &Value) -> bool {
    session.text(message.to_string()).await.is_ok()
}

/// Twilio's side of the session, message by message.
async fn converse(inbound: Arc<Inbound>, mut session: Session, mut stream: actix_ws::MessageStream) {
    let mut call: Option<(CallIds, Arc<RelaySession>)> = None;
    let mut speaking: Option<tokio::task::JoinHandle<()>> = None;
    while let Some(Ok(message)) = stream.recv().await {
        let received = std::time::Instant::now();
        let text = match message {
            Message::Text(text) => text.to_string(),
            Message::Ping(bytes) => {
                let _ = session.pong(&bytes).await;
                continue;
            }
            Message::Close(_) => break,
            _ => continue,
        };
        let Ok(event) = serde_json::from_str::<Value>(&text) else {
            tracing::warn!("ConversationRelay sent something that is not JSON");
            continue;
        };
        match event["type"].as_str().unwrap_or("") {
            "setup" => {
                let ids = CallIds {
                    sid: event["callSid"].as_str().unwrap_or("").to_owned(),
                    to: event["to"].as_str().unwrap_or("").to_owned(),
                    from: event["from"].as_str().unwrap_or("").to_owned(),
                };
                let pass = event["customParameters"]["pass"].as_str();
                match inbound.relay_started(&ids.call(), pass).await {
                    Ok(Some(opened)) => {
                        let opened = Arc::new(opened);
                        // While the greeting plays; a prompt's turn waits for it on the turn lock.
                        let (inbound, ready) = (Arc::clone(&inbound), Arc::clone(&opened));
                        tokio::spawn(async move { inbound.relay_prepare(&ready).await });
                        call = Some((ids, opened));
                    }
                    Ok(None) => {
                        tracing::warn!(call.sid = %ids.sid, "ConversationRelay session refused (no valid pass, or a number no sub-account routes)");
                        let _ = send(&mut session, &json!({"type": "end"})).await;
                        break;
                    }
                    Err(error) => {
                        tracing::error!(%error, "ConversationRelay session could not start");
                        let _ = send(&mut session, &json!({"type": "end"})).await;
                        break;
                    }
                }
            }
            kind @ ("prompt" | "dtmf") => {
                let Some((ids, opened)) = call.clone() else { continue };
                if kind == "prompt" && event["last"] == json!(false) {
                    continue; // a partial transcript: wait for the caller to finish
                }
                let said = if kind == "prompt" {
                    event["voicePrompt"].as_str().unwrap_or("").to_owned()
                } else {
                    format!("(The caller pressed {} on the keypad.)", event["digit"].as_str().unwrap_or("?"))
                };
                if said.trim().is_empty() {
                    continue;
                }
                if let Some(previous) = speaking.take() {
                    previous.abort();
                }
                let turn = turn(Arc::clone(&inbound), session.clone(), ids, opened, said, received);
                speaking = Some(tokio::spawn(turn));
            }
            "interrupt" => {
                if let Some(previous) = speaking.take() {
                    previous.abort();
                }
                if let Some((ids, opened)) = &call {
                    let heard = event["utteranceUntilInterrupt"].as_str().unwrap_or("");
                    let after = event["durationUntilInterruptMs"].as_u64();
                    if let Err(error) = inbound.relay_interrupted(opened, &ids.call(), heard, after).await {
                        tracing::warn!(%error, "interruption not recorded");
                    }
                }
            }
            "error" => {
                tracing::warn!(description = event["description"].as_str().unwrap_or(""), "ConversationRelay error")
            }
            _ => {}
        }
    }
    if let Some(previous) = speaking.take() {
        previous.abort();
    }
    let _ = session.close(None).await;
    if let Some((_, opened)) = call {
        // The call kept the caller's turn lease between turns; it goes back now.
        inbound.relay_closed(&opened).await;
    }
}

/// One streamed turn: sentences out as they come, then `last`, then the end
/// if the turn ends the call. The time from the prompt's arrival to the
/// first sentence handed to the socket goes to
/// `relay_first_token_seconds` (the dead air the api adds).
async fn turn(
    inbound: Arc<Inbound>,
    mut session: Session,
    ids: CallIds,
    opened: Arc<RelaySession>,
    said: String,
    received: std::time::Instant,
) {
    let (speaker, mut sentences) = tokio::sync::mpsc::unbounded_channel();
    let running = {
        let inbound = Arc::clone(&inbound);
        tokio::spawn(async move { inbound.relay_turn(&opened, &said, speaker).await })
    };
    let mut first = true;
    while let Some(sentence) = sentences.recv().await {
        if !send(&mut session, &json!({"type": "text", "token": format!("{sentence} "), "last": false})).await {
            return;
        }
        if std::mem::take(&mut first) {
            metrics::histogram!(frontdesk_runtime::metrics::RELAY_FIRST_TOKEN).record(received.elapsed().as_secs_f64());
        }
    }
    let _ = send(&mut session, &json!({"type": "text", "token": "", "last": true})).await;
    match running.await {
        Ok(Ok(done)) => match done.end {
            None => {}
            Some(RelayEnd::Hangup) => {
                let _ = send(&mut session, &json!({"type": "end"})).await;
            }
            Some(RelayEnd::Handoff { number, reason }) => {
                let data = json!({"reasonCode": "live-agent-handoff", "reason": reason, "number": number});
                let _ = send(&mut session, &json!({"type": "end", "handoffData": data.to_string()})).await;
            }
        },
        Ok(Err(error)) => tracing::error!(call.sid = %ids.sid, %error, "streamed turn failed"),
        Err(error) => tracing::error!(call.sid = %ids.sid, %error, "streamed turn panicked"),
    }
}
