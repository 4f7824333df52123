//! [`Inbound`]: what a call or a text does once its webhook's signature
//! held — route it to its sub-account, keep blocked and flooding callers
//! away from the model, find (or create) the caller's lead, run the agent
//! turn, and say what to answer as a [`Script`].
//!
//! **No dead air.** A call's turn runs as its own task; the webhook waits
//! for it at most [`VoiceSettings::turn_budget`]. When it is late the
//! caller hears a filler and the call is redirected to `/voice/continue`,
//! which picks up the finished turn from the shared cache (the model's
//! own budget and the fallback bound how late it can be). A retried
//! webhook (same `CallSid` and turn) never runs a turn twice: the turn is
//! claimed in the shared cache first.
//!
//! **Texts** are acknowledged at once; the turn and the reply run in a
//! job ([`SmsReplies`]) keyed by `MessageSid`, so a redelivered webhook is
//! one job and one reply.

use crate::agent::Outcome;
use crate::channels::routing::{PhoneNumberRoute, Routes};
use crate::channels::sms::{Keyword, OptOuts, fit_two_segments, keyword};
use crate::channels::voice::{self, Script, Verb};
use crate::conversation::Channel;
use crate::error::{ReceptionistError, Result};
use crate::receptionist::{Answered, Receptionist};
use crate::strategy::{Strategy, StrategyId};
use async_trait::async_trait;
use chrono::Utc;
use frontdesk_bookings::service::Bookings;
use frontdesk_kernel::jobs::{Job, JobFailure, JobHandler, JobQueue, NewJob, ProgressSink};
use frontdesk_kernel::messaging::{MessageChannel, MessagingError, OutboundMessage, OutboundMessenger};
use frontdesk_kernel::{Cache, LeadId, RateLimiter, TenantId};
use frontdesk_leads::{Direction, EventKind, LeadService, LeadsError, NewLead, NewTimelineEvent};
use futures_util::future::{join, join4};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// The job that answers a text.
pub const SMS_REPLY_JOB: &str = "receptionist.sms_reply";

/// The job that summarises a finished call on the lead.
pub const CALL_SUMMARY_JOB: &str = "receptionist.call_summary";

/// Voice tuning.
#[derive(Clone, Debug)]
pub struct VoiceSettings {
    /// How long a webhook waits for a turn before the filler (default 2.5 s).
    pub turn_budget: Duration,
    /// How long `/voice/continue` waits for the late turn.
    pub continue_wait: Duration,
    /// Longest voicemail, seconds.
    pub max_voicemail_secs: u32,
    /// Calls per caller number per hour before they are turned away.
    pub calls_per_hour: u32,
    /// Where the webhooks are reachable (`PUBLIC_BASE_URL`, no trailing `/`).
    pub public_base: String,
    /// Stream calls through ConversationRelay instead of Gather.
    pub relay: bool,
}

impl Default for VoiceSettings {
    fn default() -> Self {
        Self {
            turn_budget: Duration::from_millis(2500),
            continue_wait: Duration::from_secs(10),
            max_voicemail_secs: 120,
            calls_per_hour: 20,
            public_base: "http://localhost:8000".into(),
            relay: false,
        }
    }
}

/// A call as the provider describes it.
#[derive(Clone, Debug)]
pub struct Call<'a> {
    /// The provider's call id.
    pub sid: &'a str,
    /// The number called.
    pub to: &'a str,
    /// The caller.
    pub from: &'a str,
}

/// How long a ConversationRelay pass is good for: Twilio's longest call.
pub const PASS_SECS: i64 = 4 * 3600;

/// What a ConversationRelay pass seals: the call and the pass's expiry.
fn pass_message(call: &Call<'_>, expires: i64) -> String {
    format!("relay-pass\n{}\n{}\n{}\n{expires}", call.sid, call.to, call.from)
}

/// What a webhook answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The number (or address) is nobody's: 404, nothing stored.
    Unrouted,
    /// Answer with this.
    Script(Script),
}

/// A streamed turn's end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelayTurn {
    /// The reply as stored.
    pub reply: String,
    /// What follows it.
    pub end: Option<RelayEnd>,
}

/// How a streamed call ends after a turn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RelayEnd {
    /// Goodbye.
    Hangup,
    /// To a person: dial `number` (open, with a handoff number) or take a voicemail.
    Handoff {
        /// The strategy's handoff number during open hours.
        number: Option<String>,
        /// What the caller asked.
        reason: String,
    },
}

/// Who a call is with, kept in the shared cache for its length.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Session {
    tenant: TenantId,
    lead: LeadId,
    strategy: Option<StrategyId>,
}

/// Who a ConversationRelay session is with, resolved once when it opens.
#[derive(Clone, Debug)]
pub struct RelaySession {
    session: Session,
    /// The caller's turn lease, kept for the call (see [`crate::locks::Hold`]).
    hold: Arc<crate::locks::Hold>,
}

/// A finished voice turn, as the continue endpoint reads it.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Finished {
    reply: String,
    outcome: Outcome,
    hang_up: bool,
}

/// How long a call's session and turns are remembered.
const CALL_TTL: Duration = Duration::from_secs(4 * 3600);

/// The inbound use cases.
#[derive(Clone)]
pub struct Inbound {
    pub(crate) routes: Arc<Routes>,
    desk: Receptionist,
    pub(crate) leads: Arc<LeadService>,
    bookings: Arc<Bookings>,
    config: Arc<crate::ReceptionistConfig>,
    opt_outs: Arc<dyn OptOuts>,
    cache: Arc<dyn Cache>,
    limiter: Arc<dyn RateLimiter>,
    pub(crate) jobs: Arc<dyn JobQueue>,
    voice: Arc<VoiceSettings>,
    seals: Arc<dyn frontdesk_kernel::seals::Seals>,
}

impl std::fmt::Debug for Inbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inbound").finish_non_exhaustive()
    }
}

/// What [`Inbound`] is built from.
pub struct InboundParts {
    /// Routing.
    pub routes: Arc<Routes>,
    /// The agent loop.
    pub desk: Receptionist,
    /// Leads (find or create the caller).
    pub leads: Arc<LeadService>,
    /// Opening hours.
    pub bookings: Arc<Bookings>,
    /// Strategies.
    pub config: Arc<crate::ReceptionistConfig>,
    /// STOP/START.
    pub opt_outs: Arc<dyn OptOuts>,
    /// Call sessions and turn claims (shared across processes when Redis is configured).
    pub cache: Arc<dyn Cache>,
    /// Per-caller limits.
    pub limiter: Arc<dyn RateLimiter>,
    /// Reply jobs.
    pub jobs: Arc<dyn JobQueue>,
    /// Voice tuning.
    pub voice: VoiceSettings,
    /// Seals a ConversationRelay call's pass (see [`Inbound::relay_started`]).
    pub seals: Arc<dyn frontdesk_kernel::seals::Seals>,
}

impl Inbound {
    /// The use cases.
    #[must_use]
    pub fn new(parts: InboundParts) -> Self {
        Self {
            routes: parts.routes,
            desk: parts.desk,
            leads: parts.leads,
            bookings: parts.bookings,
            config: parts.config,
            opt_outs: parts.opt_outs,
            cache: parts.cache,
            limiter: parts.limiter,
            jobs: parts.jobs,
            voice: Arc::new(parts.voice),
            seals: parts.seals,
        }
    }

    /// The routing use cases (numbers, addresses, blocks).
    #[must_use]
    pub fn routes(&self) -> &Arc<Routes> {
        &self.routes
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.voice.public_base)
    }

    /// The ConversationRelay WebSocket (`wss://` for an https base).
    #[must_use]
    pub fn relay_url(&self) -> String {
        let base = &self.voice.public_base;
        let ws = base.strip_prefix("https://").map_or_else(
            || base.strip_prefix("http://").map_or_else(|| base.clone(), |rest| format!("ws://{rest}")),
            |rest| format!("wss://{rest}"),
        );
        format!("{ws}/webhooks/twilio/relay")
    }

    /// The pass a ConversationRelay call brings back in its `setup`
    /// message: `<expires>.<seal of the call's sid, numbers and expiry>`.
    fn relay_pass(&self, call: &Call<'_>, expires: i64) -> String {
        format!("{expires}.{}", self.seals.seal(&pass_message(call, expires)))
    }

    /// Whether `pass` is the one answered for `call` and has not expired.
    fn relay_pass_holds(&self, call: &Call<'_>, pass: &str) -> bool {
        let Some((expires, seal)) = pass.split_once('.') else { return false };
        let Ok(expires) = expires.parse::<i64>() else { return false };
        expires > Utc::now().timestamp() && self.seals.opens(&pass_message(call, expires), seal)
    }

    /// A ConversationRelay session opened for `call`, with the `pass` its
    /// `setup` message brought back: `None` when the pass is missing, forged,
    /// for another call or expired (Twilio signs the handshake over the URL
    /// alone, the same for every call, so the pass is what ties the session
    /// to a call we answered), or when the number is not routed (or the
    /// caller is blocked). The session is remembered; the WebSocket keeps
    /// the returned [`RelaySession`] for its turns, so a turn does not look
    /// the call up again.
    ///
    /// # Errors
    /// `Storage`.
    pub async fn relay_started(&self, call: &Call<'_>, pass: Option<&str>) -> Result<Option<RelaySession>> {
        if !pass.is_some_and(|pass| self.relay_pass_holds(call, pass)) {
            tracing::warn!(call.sid = %call.sid, "ConversationRelay session refused: its pass is missing, forged, for another call or expired");
            return Ok(None);
        }
        let Some(session) = self.session(call).await? else { return Ok(None) };
        let hold = Arc::new(crate::locks::Hold::new(session.tenant, session.lead, Channel::Voice));
        Ok(Some(RelaySession { session, hold }))
    }

    /// Readies the session's conversation for its first turn while Twilio
    /// speaks the greeting ([`Receptionist::prepare`]); best-effort, so the
    /// WebSocket runs it on its own task and never waits for it.
    pub async fn relay_prepare(&self, relay: &RelaySession) {
        let session = &relay.session;
        if let Err(error) = self.desk.prepare_held(&relay.hold).await {
            // The first turn does the same work again; nothing is lost.
            tracing::warn!(tenant.id = %session.tenant, %error, "conversation not readied");
        }
    }

    /// The session's WebSocket closed: the caller's turn lease goes back
    /// (after a turn still running, which holds it), so a call back finds it free.
    pub async fn relay_closed(&self, relay: &RelaySession) {
        self.desk.let_go(&relay.hold).await;
    }

    /// A streamed turn: each sentence goes to `speaker` as it is written;
    /// what follows the reply (nothing, a hang-up, a handoff) is returned.
    ///
    /// # Errors
    /// `Validation`; `NotFound` (`lead`) when the caller's lead was deleted; `Storage`.
    pub async fn relay_turn(
        &self,
        relay: &RelaySession,
        said: &str,
        speaker: crate::agent::Speaker,
    ) -> Result<RelayTurn> {
        let said = &frontdesk_kernel::text::strip_controls(said);
        let session = &relay.session;
        let answered = self.desk.handle_held(&relay.hold, said, session.strategy, speaker).await?;
        let end = if answered.outcome == Outcome::HandedOff {
            let strategy = self.strategy(session.tenant, session.strategy).await?;
            let open = self.bookings.status(session.tenant).await.map_err(ReceptionistError::storage)?.status.open;
            Some(RelayEnd::Handoff {
                number: strategy.and_then(|s| s.handoff_phone).filter(|_| open).map(|p| p.as_str().to_owned()),
                reason: said.chars().take(200).collect(),
            })
        } else if answered.reply == crate::receptionist::ABUSE_CLOSE
            || crate::phrases::intent(said) == crate::phrases::Intent::Goodbye
        {
            Some(RelayEnd::Hangup)
        } else {
            None
        };
        Ok(RelayTurn { reply: answered.reply, end })
    }

    /// A ConversationRelay session ended (`HandoffData` from our `end`
    /// message): dial the number it names, take a voicemail for a handoff
    /// without one, else hang up.
    ///
    /// # Errors
    /// `Storage`.
    pub async fn relay_ended(&self, call: &Call<'_>, handoff: Option<&str>) -> Result<Answer> {
        if self.session(call).await?.is_none() {
            return Ok(Answer::Unrouted);
        }
        let data = handoff.and_then(|h| serde_json::from_str::<serde_json::Value>(h).ok());
        let Some(data) = data.filter(|d| d["reasonCode"] == "live-agent-handoff") else {
            return Ok(Answer::Script(Script(vec![Verb::Hangup])));
        };
        match data["number"].as_str().and_then(|n| frontdesk_kernel::PhoneNumber::parse(n).ok()) {
            Some(number) => Ok(Answer::Script(Script(vec![
                Verb::Say(voice::CONNECTING.into()),
                Verb::Dial {
                    number: number.as_str().to_owned(),
                    timeout_secs: 20,
                    action: self.url("/webhooks/twilio/voice/dial"),
                },
            ]))),
            None => Ok(Answer::Script(Script(self.voicemail()))),
        }
    }

    /// The caller spoke over the reply: what they actually heard goes on the timeline.
    ///
    /// # Errors
    /// `Storage`.
    pub async fn relay_interrupted(
        &self,
        relay: &RelaySession,
        call: &Call<'_>,
        heard: &str,
        after_ms: Option<u64>,
    ) -> Result<()> {
        let session = &relay.session;
        let heard: String = frontdesk_kernel::text::strip_controls(heard).chars().take(2000).collect();
        let meta = json!({"callSid": call.sid, "kind": "interrupted", "heard": heard, "afterMs": after_ms});
        self.timeline(session, &format!("Caller interrupted after hearing: {heard}"), meta).await;
        Ok(())
    }

    /// The caller's lead in `tenant`: found by number (one indexed read) or created.
    async fn lead_for(&self, tenant: TenantId, phone: &str, source: &str) -> Result<LeadId> {
        let known = self.find_lead(tenant, phone).await?;
        self.known_or_new(known, tenant, phone, source).await
    }

    /// `known`, or a new lead for `phone` when nobody has it.
    async fn known_or_new(&self, known: Option<LeadId>, tenant: TenantId, phone: &str, source: &str) -> Result<LeadId> {
        match known {
            Some(lead) => Ok(lead),
            None => self.new_lead(tenant, phone, source).await,
        }
    }

    /// The live lead `phone` belongs to, if any.
    async fn find_lead(&self, tenant: TenantId, phone: &str) -> Result<Option<LeadId>> {
        self.leads.find_by_phone(tenant, phone).await.map_err(|error| match error {
            LeadsError::Validation(errors) => ReceptionistError::Validation(errors),
            other => ReceptionistError::storage(other),
        })
    }

    /// A lead for a number nobody has yet (or, after a race, whoever just took it).
    async fn new_lead(&self, tenant: TenantId, phone: &str, source: &str) -> Result<LeadId> {
        let input = NewLead {
            name: format!("Caller {phone}"),
            phone: Some(phone.to_owned()),
            source: Some(source.to_owned()),
            ..NewLead::default()
        };
        match self.leads.create(tenant, input).await {
            Ok(lead) => Ok(lead.id),
            Err(LeadsError::Duplicate { existing, .. }) => Ok(existing),
            Err(LeadsError::Validation(errors)) => Err(ReceptionistError::Validation(errors)),
            Err(other) => Err(ReceptionistError::storage(other)),
        }
    }

    async fn strategy(&self, tenant: TenantId, id: Option<StrategyId>) -> Result<Option<Strategy>> {
        // The default comes from the agent configuration this process keeps (no read in the common case).
        let config = self.config.agent_config(tenant).await?;
        let default = config.strategy.as_ref();
        if let Some(id) = id.filter(|id| default.is_none_or(|s| s.id != *id)) {
            match self.config.get_strategy(tenant, id).await {
                Ok(own) => return Ok(Some(own)),
                Err(ReceptionistError::NotFound { .. }) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(default.cloned())
    }

    async fn voice_route(&self, to: &str) -> Result<Option<PhoneNumberRoute>> {
        Ok(self.routes.route_number(to).await?.filter(|r| r.channel.voice()))
    }

    /// A call starts: the greeting and the first listen, or a rejection.
    ///
    /// # Errors
    /// `Storage`.
    pub async fn call_started(&self, call: &Call<'_>) -> Result<Answer> {
        let Some(route) = self.voice_route(call.to).await? else { return Ok(Answer::Unrouted) };
        let tenant = route.tenant_id;
        // The blocklist first (an in-process cache, rarely a round trip):
        // nothing at all is counted or written for a blocked caller.
        if self.routes.is_blocked(tenant, call.from).await? {
            tracing::info!(tenant.id = %tenant, call.sid = %call.sid, "blocked caller turned away");
            return Ok(Answer::Script(Script(vec![Verb::Say(voice::REJECTION.into()), Verb::Hangup])));
        }
        let key = format!("voice:calls:{tenant}:{}", call.from);
        // The rest does not depend on each other: side by side. A returning
        // caller's lead is found in memory (the leads' phone index), so its
        // session is written while the hourly count is still in flight, and
        // the call waits for one round trip in all (both go out in one
        // pipeline). A new caller's lead is created only once the count
        // allows the call: nothing is stored for a caller over the limit
        // (a returning caller's session entry is a cache entry that expires
        // with the call; later callbacks would find the same lead anyway).
        let remembered = async {
            let known = self.find_lead(tenant, call.from).await;
            if let Ok(Some(lead)) = known {
                self.remember_session(call.sid, &Session { tenant, lead, strategy: route.strategy_id }).await;
            }
            known
        };
        let (limit, known, strategy, status) = join4(
            self.limiter.hit(&key, self.voice.calls_per_hour, Duration::from_secs(3600)),
            remembered,
            self.strategy(tenant, route.strategy_id),
            self.bookings.status(tenant),
        )
        .await;
        // Fail open: a limiter outage must not turn every caller away.
        if let Ok(decision) = limit
            && !decision.allowed
        {
            tracing::warn!(tenant.id = %tenant, call.sid = %call.sid, "caller over the hourly call limit");
            return Ok(Answer::Script(Script(vec![Verb::Say(voice::TOO_MANY_CALLS.into()), Verb::Hangup])));
        }
        let known = known?;
        let lead = self.known_or_new(known, tenant, call.from, "call").await?;
        if known.is_none() {
            self.remember_session(call.sid, &Session { tenant, lead, strategy: route.strategy_id }).await;
        }
        let open = status.map_err(ReceptionistError::storage)?.status.open;
        let greeting = voice::greeting(strategy?.as_ref(), open);
        tracing::info!(tenant.id = %tenant, lead.id = %lead, call.sid = %call.sid, open, "call answered");
        if self.voice.relay {
            let action = self.url("/webhooks/twilio/voice/relay-end");
            let parameters = vec![("pass".to_owned(), self.relay_pass(call, Utc::now().timestamp() + PASS_SECS))];
            let relay = Verb::Relay { url: self.relay_url(), welcome: greeting, action, parameters };
            return Ok(Answer::Script(Script(vec![relay])));
        }
        Ok(Answer::Script(self.listen(1, Some(greeting), 0)))
    }

    /// Listen for turn `turn`, saying `prompt`; silence comes back as `silence + 1`.
    fn listen(&self, turn: u32, prompt: Option<String>, silence: u32) -> Script {
        let action = self.url(&format!("/webhooks/twilio/voice/gather?turn={turn}"));
        let retry = self.url(&format!("/webhooks/twilio/voice/gather?turn={turn}&silence={}", silence + 1));
        Script(vec![Verb::Gather { action, prompt, timeout_secs: 5 }, Verb::Redirect(retry)])
    }

    async fn remember_session(&self, sid: &str, session: &Session) {
        if let Ok(bytes) = serde_json::to_vec(session)
            && let Err(error) = self.cache.set(&format!("voice:call:{sid}"), &bytes, CALL_TTL).await
        {
            tracing::warn!(call.sid = %sid, %error, "could not remember the call; later turns re-resolve it");
        }
    }

    /// The call's session, or resolved again from `To`/`From` (a lost cache entry, another process).
    async fn session(&self, call: &Call<'_>) -> Result<Option<Session>> {
        if let Ok(Some(bytes)) = self.cache.get(&format!("voice:call:{}", call.sid)).await
            && let Ok(session) = serde_json::from_slice::<Session>(&bytes)
        {
            return Ok(Some(session));
        }
        let Some(route) = self.voice_route(call.to).await? else { return Ok(None) };
        if self.routes.is_blocked(route.tenant_id, call.from).await? {
            return Ok(None);
        }
        let lead = self.lead_for(route.tenant_id, call.from, "call").await?;
        let session = Session { tenant: route.tenant_id, lead, strategy: route.strategy_id };
        self.remember_session(call.sid, &session).await;
        Ok(Some(session))
    }

    /// What the caller said in turn `turn` (`None`: silence, the `silence`-th time).
    ///
    /// # Errors
    /// `Storage`.
    pub async fn call_turn(&self, call: &Call<'_>, turn: u32, speech: Option<&str>, silence: u32) -> Result<Answer> {
        let Some(session) = self.session(call).await? else { return Ok(Answer::Unrouted) };
        let speech = speech.map(frontdesk_kernel::text::strip_controls);
        let Some(speech) = speech.as_deref().map(str::trim).filter(|s| !s.is_empty()) else {
            if silence >= 3 {
                return Ok(Answer::Script(Script(vec![Verb::Say("Goodbye.".into()), Verb::Hangup])));
            }
            return Ok(Answer::Script(self.listen(turn, Some(voice::REPROMPT.into()), silence)));
        };
        let claim = format!("voice:turn:{}:{turn}", call.sid);
        let claimed = self.cache.set_if_absent(&claim, b"1", CALL_TTL).await.unwrap_or(true);
        if !claimed {
            // A retried webhook: the first delivery runs (or ran) the turn.
            return self.continue_turn(call, turn, self.voice.turn_budget).await;
        }
        let task = {
            let this = self.clone();
            let (sid, speech, session) = (call.sid.to_owned(), speech.to_owned(), session.clone());
            tokio::spawn(async move { this.run_turn(&sid, turn, &session, &speech).await })
        };
        match tokio::time::timeout(self.voice.turn_budget, task).await {
            Ok(Ok(Ok(finished))) => Ok(Answer::Script(self.after_turn(call, &session, turn, &finished).await?)),
            Ok(Ok(Err(error))) => Err(error),
            Ok(Err(join)) => Err(ReceptionistError::storage(std::io::Error::other(join.to_string()))),
            Err(_) => {
                tracing::info!(tenant.id = %session.tenant, call.sid = %call.sid, turn, "turn still running: filler and redirect");
                let next = self.url(&format!("/webhooks/twilio/voice/continue?turn={turn}"));
                Ok(Answer::Script(Script(vec![Verb::Say(voice::FILLER.into()), Verb::Redirect(next)])))
            }
        }
    }

    async fn run_turn(&self, sid: &str, turn: u32, session: &Session, speech: &str) -> Result<Finished> {
        let answered: Answered =
            self.desk.handle_with(session.tenant, session.lead, Channel::Voice, speech, session.strategy).await?;
        let hang_up = answered.reply == crate::receptionist::ABUSE_CLOSE
            || crate::phrases::intent(speech) == crate::phrases::Intent::Goodbye;
        let finished = Finished { reply: answered.reply, outcome: answered.outcome, hang_up };
        if let Ok(bytes) = serde_json::to_vec(&finished)
            && let Err(error) = self.cache.set(&format!("voice:result:{sid}:{turn}"), &bytes, CALL_TTL).await
        {
            tracing::warn!(call.sid = %sid, turn, %error, "could not keep the turn for /voice/continue");
        }
        Ok(finished)
    }

    /// The late turn `turn`, waited for up to `wait` (then an apology and a new listen).
    ///
    /// # Errors
    /// `Storage`.
    pub async fn continue_turn(&self, call: &Call<'_>, turn: u32, wait: Duration) -> Result<Answer> {
        let Some(session) = self.session(call).await? else { return Ok(Answer::Unrouted) };
        let key = format!("voice:result:{}:{turn}", call.sid);
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Ok(Some(bytes)) = self.cache.get(&key).await
                && let Ok(finished) = serde_json::from_slice::<Finished>(&bytes)
            {
                return Ok(Answer::Script(self.after_turn(call, &session, turn, &finished).await?));
            }
            if tokio::time::Instant::now() >= deadline {
                tracing::warn!(tenant.id = %session.tenant, call.sid = %call.sid, turn, "turn not finished in time");
                let sorry = "Sorry, that took too long on my side. Could you say that again?".to_owned();
                return Ok(Answer::Script(self.listen(turn + 1, Some(sorry), 0)));
            }
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
    }

    /// How long `/voice/continue` waits.
    #[must_use]
    pub fn continue_wait(&self) -> Duration {
        self.voice.continue_wait
    }

    /// What follows a finished turn: the reply and the next listen, a
    /// goodbye, or the handoff (a dial during open hours, else voicemail).
    async fn after_turn(&self, call: &Call<'_>, session: &Session, turn: u32, finished: &Finished) -> Result<Script> {
        if finished.outcome == Outcome::HandedOff {
            let strategy = self.strategy(session.tenant, session.strategy).await?;
            let open = self.bookings.status(session.tenant).await.map_err(ReceptionistError::storage)?.status.open;
            let mut verbs = vec![Verb::Say(finished.reply.clone())];
            match strategy.and_then(|s| s.handoff_phone).filter(|_| open) {
                Some(number) => {
                    verbs.push(Verb::Say(voice::CONNECTING.into()));
                    verbs.push(Verb::Dial {
                        number: number.as_str().to_owned(),
                        timeout_secs: 20,
                        action: self.url("/webhooks/twilio/voice/dial"),
                    });
                }
                None => verbs.extend(self.voicemail()),
            }
            tracing::info!(tenant.id = %session.tenant, call.sid = %call.sid, open, "handoff on the call");
            return Ok(Script(verbs));
        }
        if finished.hang_up {
            return Ok(Script(vec![Verb::Say(finished.reply.clone()), Verb::Hangup]));
        }
        Ok(self.listen(turn + 1, Some(finished.reply.clone()), 0))
    }

    fn voicemail(&self) -> Vec<Verb> {
        vec![
            Verb::Say(voice::LEAVE_A_MESSAGE.into()),
            Verb::Record {
                action: self.url("/webhooks/twilio/voice/recording"),
                max_length_secs: self.voice.max_voicemail_secs,
                transcribe_callback: self.url("/webhooks/twilio/voice/recording"),
            },
            Verb::Say(voice::MESSAGE_TAKEN.into()),
            Verb::Hangup,
        ]
    }

    /// The outcome of a dial to staff: answered ends the call; anything else takes a voicemail.
    ///
    /// # Errors
    /// `Storage`.
    pub async fn dial_finished(&self, call: &Call<'_>, status: &str) -> Result<Answer> {
        let Some(session) = self.session(call).await? else { return Ok(Answer::Unrouted) };
        let answered = status == "completed" || status == "answered";
        let content = if answered { "Call transferred to staff" } else { "Transfer not answered; voicemail offered" };
        self.timeline(&session, content, json!({"callSid": call.sid, "dialStatus": status, "kind": "handoff"})).await;
        if answered {
            return Ok(Answer::Script(Script(vec![Verb::Hangup])));
        }
        Ok(Answer::Script(Script(self.voicemail())))
    }

    /// A voicemail (or its transcription) arrived: on the timeline, and the staff told.
    ///
    /// # Errors
    /// `Storage`.
    pub async fn voicemail_left(
        &self,
        call: &Call<'_>,
        recording_url: Option<&str>,
        transcription: Option<&str>,
        messenger: &dyn OutboundMessenger,
    ) -> Result<Answer> {
        let Some(session) = self.session(call).await? else { return Ok(Answer::Unrouted) };
        let text = transcription.map(str::trim).filter(|t| !t.is_empty());
        let content = text.map_or_else(|| "Voicemail left".to_owned(), |t| format!("Voicemail: {t}"));
        let meta = json!({"callSid": call.sid, "recordingUrl": recording_url, "kind": "voicemail"});
        self.timeline(&session, &content, meta).await;
        self.keep_recording(&session, call, recording_url, "voicemail").await?;
        let notice = OutboundMessage {
            tenant_id: session.tenant,
            channel: MessageChannel::Staff,
            to: "staff".into(),
            subject: Some(format!("Voicemail from {}", call.from)),
            body: format!(
                "{content}\nCaller: {}\nLead: {}\nRecording: {}",
                call.from,
                session.lead,
                recording_url.unwrap_or("(pending)")
            ),
            dedupe_key: format!("voicemail:{}:{}", call.sid, if text.is_some() { "text" } else { "audio" }),
            headers: Vec::new(),
        };
        match messenger.send(&notice).await {
            Ok(_) | Err(MessagingError::Rejected(_)) => {}
            Err(error) => {
                tracing::warn!(tenant.id = %session.tenant, call.sid = %call.sid, %error, "staff not told of a voicemail")
            }
        }
        Ok(Answer::Script(Script(vec![Verb::Say(voice::MESSAGE_TAKEN.into()), Verb::Hangup])))
    }

    /// A status callback: the call's outcome on the timeline; a finished call is summarised by a job.
    ///
    /// # Errors
    /// `Storage`.
    pub async fn call_status(
        &self,
        call: &Call<'_>,
        status: &str,
        duration_secs: Option<u32>,
        recording_url: Option<&str>,
    ) -> Result<Answer> {
        let Some(session) = self.session(call).await? else { return Ok(Answer::Unrouted) };
        let content = match duration_secs {
            Some(secs) => format!("Call {status} ({secs} s)"),
            None => format!("Call {status}"),
        };
        let meta = json!({"callSid": call.sid, "status": status, "durationSecs": duration_secs,
            "recordingUrl": recording_url, "kind": "call_record"});
        let key = format!("voice:status:{}:{status}", call.sid);
        if self.cache.set_if_absent(&key, b"1", CALL_TTL).await.unwrap_or(true) {
            self.timeline(&session, &content, meta).await;
        }
        self.keep_recording(&session, call, recording_url, "call").await?;
        if matches!(status, "completed" | "busy" | "failed" | "no-answer" | "canceled") {
            let job = NewJob::new(
                session.tenant,
                CALL_SUMMARY_JOB,
                json!({"leadId": session.lead, "callSid": call.sid, "status": status}),
            )
            .with_idempotency_key(format!("call-summary:{}", call.sid));
            self.jobs.enqueue(job).await.map_err(ReceptionistError::storage)?;
        }
        Ok(Answer::Script(Script::empty()))
    }

    /// Queues the job that keeps the provider's recording in the file library (once per call and kind).
    async fn keep_recording(&self, session: &Session, call: &Call<'_>, url: Option<&str>, kind: &str) -> Result<()> {
        let Some(url) = url.map(str::trim).filter(|u| !u.is_empty()) else { return Ok(()) };
        let payload = super::recordings::RecordingPayload {
            lead_id: session.lead,
            call_sid: call.sid.to_owned(),
            recording_url: url.to_owned(),
            kind: kind.to_owned(),
        };
        let job = super::recordings::recording_job(session.tenant, &payload).map_err(ReceptionistError::storage)?;
        self.jobs.enqueue(job).await.map_err(ReceptionistError::storage)?;
        Ok(())
    }

    async fn timeline(&self, session: &Session, content: &str, meta: serde_json::Value) {
        let input = NewTimelineEvent {
            kind: EventKind::Call,
            direction: Some(Direction::Inbound),
            content: content.to_owned(),
            meta: Some(meta),
        };
        if let Err(error) = self.leads.record(session.tenant, session.lead, input).await {
            tracing::warn!(tenant.id = %session.tenant, lead.id = %session.lead, %error, "call event not on the timeline");
        }
    }

    /// A text arrived: keywords answered here; anything else queued for a reply job.
    ///
    /// # Errors
    /// `Storage` (the provider retries).
    pub async fn sms_received(&self, sid: &str, to: &str, from: &str, body: &str) -> Result<Answer> {
        let body: String = frontdesk_kernel::text::strip_controls(body).chars().take(5_000).collect();
        let body = body.as_str();
        let Some(route) = self.routes.route_number(to).await?.filter(|r| r.channel.sms()) else {
            return Ok(Answer::Unrouted);
        };
        let tenant = route.tenant_id;
        let parsed = frontdesk_kernel::PhoneNumber::parse(from).ok();
        let from = parsed.as_ref().map_or(from, frontdesk_kernel::PhoneNumber::as_str);
        if self.routes.is_blocked(tenant, from).await? {
            tracing::info!(tenant.id = %tenant, message.sid = %sid, "text from a blocked number ignored");
            return Ok(Answer::Script(Script::empty()));
        }
        if let Some(keyword) = keyword(body) {
            return self.sms_keyword(tenant, &route, sid, from, keyword).await;
        }
        let (opted_out, known) = join(self.opt_outs.is_opted_out(tenant, from), self.find_lead(tenant, from)).await;
        if opted_out? {
            tracing::info!(tenant.id = %tenant, message.sid = %sid, "text from an opted-out number: not answered");
            return Ok(Answer::Script(Script::empty()));
        }
        let lead = self.known_or_new(known?, tenant, from, "sms").await?;
        let payload = json!({"leadId": lead, "messageSid": sid, "from": from, "body": body,
            "strategyId": route.strategy_id});
        let job = NewJob::new(tenant, SMS_REPLY_JOB, payload).with_idempotency_key(format!("sms:{sid}"));
        self.jobs.enqueue(job).await.map_err(ReceptionistError::storage)?;
        Ok(Answer::Script(Script::empty()))
    }

    /// A carrier keyword: STOP and START change the opt-out; START and HELP
    /// are answered at once (the business's name and handoff number from the strategy).
    async fn sms_keyword(
        &self,
        tenant: TenantId,
        route: &PhoneNumberRoute,
        sid: &str,
        from: &str,
        keyword: Keyword,
    ) -> Result<Answer> {
        if keyword == Keyword::Stop {
            self.opt_outs.set(tenant, from, true, Utc::now()).await?;
            self.note_opt(tenant, from, "Opted out of texts (STOP)").await;
            tracing::info!(tenant.id = %tenant, message.sid = %sid, "opt-out recorded");
            return Ok(Answer::Script(Script::empty()));
        }
        let strategy = self.strategy(tenant, route.strategy_id).await?;
        let business = voice::business_name(strategy.as_ref()).unwrap_or_else(|| "us".to_owned());
        let text = if keyword == Keyword::Start {
            self.opt_outs.set(tenant, from, false, Utc::now()).await?;
            self.note_opt(tenant, from, "Opted back into texts (START)").await;
            format!("You're subscribed to messages from {business} again. Reply STOP to unsubscribe.")
        } else {
            let call = strategy
                .as_ref()
                .and_then(|s| s.handoff_phone.as_ref())
                .map(|p| format!(" or call {}", p.as_str()))
                .unwrap_or_default();
            format!("{business}: text us your question{call}. Reply STOP to unsubscribe.")
        };
        Ok(Answer::Script(Script(vec![Verb::Message(text)])))
    }

    async fn note_opt(&self, tenant: TenantId, phone: &str, content: &str) {
        let Ok(lead) = self.lead_for(tenant, phone, "sms").await else { return };
        let input = NewTimelineEvent {
            kind: EventKind::Sms,
            direction: Some(Direction::Inbound),
            content: content.to_owned(),
            meta: Some(json!({"kind": "opt_out"})),
        };
        if let Err(error) = self.leads.record(tenant, lead, input).await {
            tracing::warn!(tenant.id = %tenant, %error, "opt-out not on the timeline");
        }
    }
}

/// A text's reply job payload.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SmsReplyJob {
    lead_id: LeadId,
    message_sid: String,
    from: String,
    body: String,
    strategy_id: Option<StrategyId>,
}

/// Runs a text's turn and sends the reply (two segments at most) through
/// the messenger — the opt-out guard and the send's key (`MessageSid`)
/// included, so a retried job never texts twice.
pub struct SmsReplies {
    desk: Receptionist,
    messenger: Arc<dyn OutboundMessenger>,
    cache: Arc<dyn Cache>,
}

impl SmsReplies {
    /// The handler.
    #[must_use]
    pub fn new(desk: Receptionist, messenger: Arc<dyn OutboundMessenger>, cache: Arc<dyn Cache>) -> Self {
        Self { desk, messenger, cache }
    }
}

#[async_trait]
impl JobHandler for SmsReplies {
    fn kind(&self) -> &'static str {
        SMS_REPLY_JOB
    }

    async fn run(&self, job: &Job, _: &dyn ProgressSink) -> std::result::Result<serde_json::Value, JobFailure> {
        let payload: SmsReplyJob = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobFailure::permanent(format!("bad {SMS_REPLY_JOB} payload: {e}")))?;
        let tenant = job.tenant_id;
        // A retry after a failed send reuses the reply instead of running the turn again.
        let kept = format!("sms:reply:{tenant}:{}", payload.message_sid);
        let reply = match self.cache.get(&kept).await {
            Ok(Some(bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
            _ => {
                let answered = self
                    .desk
                    .handle_with(tenant, payload.lead_id, Channel::Sms, &payload.body, payload.strategy_id)
                    .await;
                let answered = match answered {
                    Ok(answered) => answered,
                    Err(e @ (ReceptionistError::NotFound { .. } | ReceptionistError::Validation(_))) => {
                        return Err(JobFailure::permanent(e.to_string()));
                    }
                    Err(e) => return Err(JobFailure::retry(e.to_string())),
                };
                let _ = self.cache.set(&kept, answered.reply.as_bytes(), Duration::from_secs(24 * 3600)).await;
                answered.reply
            }
        };
        let message = OutboundMessage {
            tenant_id: tenant,
            channel: MessageChannel::Sms,
            to: payload.from,
            subject: None,
            body: fit_two_segments(&reply),
            dedupe_key: format!("sms-reply:{}", payload.message_sid),
            headers: Vec::new(),
        };
        match self.messenger.send(&message).await {
            Ok(sent) => Ok(json!({"sent": matches!(sent, frontdesk_kernel::messaging::Sent::New(_))})),
            Err(MessagingError::Rejected(why)) => Ok(json!({"sent": false, "rejected": why})),
            Err(e) => Err(JobFailure::retry(e.to_string())),
        }
    }
}
