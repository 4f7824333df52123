//! The fallback receptionist: a deterministic [`ChatModel`].
//!
//! It runs when no model is configured (the embedded default) and whenever
//! the real one fails, through the same agent loop and the same tools, so
//! a business still gets bookings with its provider down. It reads the
//! lead's last message ([`crate::phrases`]) and the tool results of the
//! turn so far, and answers the way a careful human temp would:
//!
//! * a booking request → `check_availability` for the days asked (the next
//!   week when none), keeps the slots that match a part of day or time,
//!   holds up to three and offers them, numbered, in the business's zone;
//! * a clear choice among the slots offered last ("the second one", "3pm",
//!   "Tuesday", "yes" to a single offer) → `book_appointment` with its hold;
//! * cancel / reschedule → `my_appointments`, then `cancel_appointment`, or
//!   `check_availability` and `reschedule_appointment` to the day and time asked;
//! * hours, address, services, prices → the strategy's business facts;
//! * a person, opt-out, thanks → the matching closing words;
//! * anything else → takes the message and promises a call-back.
//!
//! It never books without a clear choice and never invents a time.

use crate::error::Result;
use crate::model::{ChatMessage, ChatModel, ChatRequest, ChatResponse, ToolCall};
use crate::phrases::{Intent, choice, days, intent, names_someone_else, part_of_day, time_of};
use crate::strategy::Strategy;
use async_trait::async_trait;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};

/// The name it answers under in traces.
pub const FALLBACK_MODEL: &str = "fallback";

/// Most slots offered at once.
const OFFERED: usize = 3;

/// The business facts the fallback answers from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Facts {
    /// The business's name.
    pub business: Option<String>,
    /// Opening hours, as the business words them.
    pub hours: Option<String>,
    /// Where it is.
    pub location: Option<String>,
    /// What it offers.
    pub services: Option<String>,
    /// What it costs.
    pub pricing: Option<String>,
    /// Where a person answers.
    pub handoff_phone: Option<String>,
}

impl Facts {
    /// The facts of `strategy` (`businessFacts.name|businessName`, `hours`, `location|address`, `services`, `pricing|prices`).
    #[must_use]
    pub fn of(strategy: Option<&Strategy>) -> Self {
        let Some(strategy) = strategy else { return Self::default() };
        let fact = |keys: &[&str]| {
            keys.iter().find_map(|k| strategy.business_facts.get(k)).and_then(|v| match v {
                Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
                Value::Array(items) => Some(items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", ")),
                _ => None,
            })
        };
        Self {
            business: fact(&["name", "businessName"]),
            hours: fact(&["hours"]),
            location: fact(&["location", "address"]),
            services: fact(&["services"]),
            pricing: fact(&["pricing", "prices"]),
            handoff_phone: strategy.handoff_phone.as_ref().map(|p| p.as_str().to_owned()),
        }
    }
}

/// The deterministic receptionist for one turn (it knows "now" and the zone).
#[derive(Clone, Debug)]
pub struct FallbackModel {
    facts: Facts,
    zone: Tz,
    now: DateTime<Utc>,
}

/// A tool result of this turn: the tool's name and its JSON.
struct TurnResult {
    name: String,
    value: Value,
}

impl FallbackModel {
    /// The fallback for a turn at `now` in `zone`.
    #[must_use]
    pub const fn new(facts: Facts, zone: Tz, now: DateTime<Utc>) -> Self {
        Self { facts, zone, now }
    }

    fn local(&self, at: &str) -> Option<NaiveDateTime> {
        DateTime::parse_from_rfc3339(at).ok().map(|t| t.with_timezone(&self.zone).naive_local())
    }

    fn label(&self, at: &str) -> String {
        DateTime::parse_from_rfc3339(at)
            .map(|t| t.with_timezone(&self.zone).format("%a %-d %b, %-I:%M %p").to_string())
            .unwrap_or_else(|_| at.to_owned())
    }

    fn text(text: impl Into<String>) -> ChatResponse {
        ChatResponse::text(FALLBACK_MODEL, text)
    }

    fn call(n: usize, name: &str, arguments: Value) -> ToolCall {
        ToolCall { id: format!("fb-{n}-{name}"), name: name.to_owned(), arguments: arguments.to_string() }
    }

    fn calls(calls: Vec<ToolCall>) -> ChatResponse {
        ChatResponse::calls(FALLBACK_MODEL, calls)
    }

    /// `check_availability` for the days `message` asks about (the next seven when none).
    fn look(&self, n: usize, message: &str) -> ChatResponse {
        let today = self.now.with_timezone(&self.zone).date_naive();
        let (from, to) = days(message, today).unwrap_or((today, today + Duration::days(6)));
        let mut args = json!({"from": from.to_string(), "to": to.to_string()});
        let hm = |t: chrono::NaiveTime| t.format("%H:%M").to_string();
        if let Some(time) = time_of(message) {
            args["after"] = json!(hm(time));
            args["before"] = json!(hm(time + Duration::minutes(1)));
        } else if let Some((after, before)) = part_of_day(message) {
            args["after"] = json!(hm(after));
            args["before"] = json!(hm(before));
        }
        Self::calls(vec![Self::call(n, "check_availability", args)])
    }

    /// The slots of an availability result (already narrowed to the time
    /// asked), earliest first, none overlapping the one before: what can be
    /// held together and offered.
    fn fitting(result: &Value) -> Vec<String> {
        let mut chosen: Vec<String> = Vec::new();
        let mut free_from: Option<DateTime<chrono::FixedOffset>> = None;
        for slot in result["slots"].as_array().into_iter().flatten() {
            let (Some(start), Some(end)) = (slot["startsAt"].as_str(), slot["endsAt"].as_str()) else { continue };
            let (Ok(starts), Ok(ends)) = (DateTime::parse_from_rfc3339(start), DateTime::parse_from_rfc3339(end))
            else {
                continue;
            };
            if free_from.is_none_or(|free| starts >= free) {
                chosen.push(start.to_owned());
                free_from = Some(ends);
            }
        }
        chosen
    }

    fn answer(&self, intent: Intent) -> String {
        let business = self.facts.business.as_deref().unwrap_or("us");
        let person = match &self.facts.handoff_phone {
            Some(phone) => format!("You can also call {phone}."),
            None => "Someone from the team will get back to you.".to_owned(),
        };
        match intent {
            Intent::Hours => match &self.facts.hours {
                Some(hours) => format!("Our hours are {hours}. Would you like to book a time?"),
                None => format!("I'll have the team confirm our hours for you. {person}"),
            },
            Intent::Address => match &self.facts.location {
                Some(place) => format!("You'll find us at {place}."),
                None => format!("I'll have the team send you directions. {person}"),
            },
            Intent::Services => match &self.facts.services {
                Some(services) => format!("We offer {services}. Would you like to book a time?"),
                None => format!("I'll have the team tell you more about what we offer. {person}"),
            },
            Intent::Prices => match &self.facts.pricing {
                Some(pricing) => format!("{pricing}. Would you like to book a time?"),
                None => format!("Prices depend on the job; I'll have the team send you a quote. {person}"),
            },
            Intent::Human => format!("Of course — I've asked a member of the team to contact you. {person}"),
            Intent::OptOut => "Understood — we won't contact you again. Reply anytime if you change your mind.".into(),
            Intent::Goodbye => format!("Thanks for contacting {business}. Have a great day!"),
            Intent::Book | Intent::Cancel | Intent::Reschedule | Intent::Other => {
                format!("Thanks for your message — I've passed it on and someone will call you back shortly. {person}")
            }
        }
    }

    /// The slots this conversation offered last (held, with their hold ids), oldest first.
    fn last_offer(history: &[ChatMessage]) -> Vec<(String, String)> {
        let mut names = std::collections::HashMap::new();
        let mut offer: Vec<(String, String)> = Vec::new();
        for message in history {
            match message {
                ChatMessage::User { .. } => {}
                ChatMessage::Assistant { tool_calls, .. } => {
                    if tool_calls.iter().any(|c| matches!(c.name.as_str(), "hold_slot" | "book_appointment")) {
                        offer.clear();
                    }
                    for call in tool_calls {
                        names.insert(call.id.clone(), call.name.clone());
                    }
                }
                ChatMessage::Tool { call_id, content } => {
                    if names.get(call_id).map(String::as_str) == Some("hold_slot") {
                        let value: Value = serde_json::from_str(content).unwrap_or_default();
                        if let (Some(start), Some(hold)) = (value["startsAt"].as_str(), value["holdId"].as_str()) {
                            offer.push((start.to_owned(), hold.to_owned()));
                        }
                    }
                }
            }
        }
        offer
    }

    fn decide(&self, request: &ChatRequest) -> ChatResponse {
        let last_user = request.messages.iter().rposition(|m| matches!(m, ChatMessage::User { .. }));
        let Some(at) = last_user else { return Self::text(self.answer(Intent::Other)) };
        let ChatMessage::User { text: inbound } = &request.messages[at] else {
            return Self::text(self.answer(Intent::Other));
        };
        let (history, turn) = (&request.messages[..at], &request.messages[at + 1..]);
        let step = turn.iter().filter(|m| matches!(m, ChatMessage::Assistant { .. })).count();
        let mut names = std::collections::HashMap::new();
        let mut results: Vec<TurnResult> = Vec::new();
        for message in turn {
            match message {
                ChatMessage::Assistant { tool_calls, .. } => {
                    for call in tool_calls {
                        names.insert(call.id.clone(), call.name.clone());
                    }
                }
                ChatMessage::Tool { call_id, content } => results.push(TurnResult {
                    name: names.get(call_id).cloned().unwrap_or_default(),
                    value: serde_json::from_str(content).unwrap_or_default(),
                }),
                ChatMessage::User { .. } => {}
            }
        }
        let wants = intent(inbound);
        let rescheduling = wants == Intent::Reschedule
            || history.iter().rev().find_map(|m| match m {
                ChatMessage::Assistant { text, .. } if !text.is_empty() => Some(text.contains("move your appointment")),
                _ => None,
            }) == Some(true);
        let Some(last) = results.last() else {
            // First step of the turn.
            let offer = Self::last_offer(history);
            let offered: Vec<NaiveDateTime> = offer.iter().filter_map(|(s, _)| self.local(s)).collect();
            if !offer.is_empty()
                && !matches!(wants, Intent::Cancel | Intent::Reschedule | Intent::OptOut | Intent::Human)
                && let Some(i) = choice(inbound, &offered)
            {
                let (start, hold) = &offer[i];
                return Self::calls(vec![Self::call(
                    step,
                    "book_appointment",
                    json!({"startsAt": start, "holdId": hold}),
                )]);
            }
            if matches!(wants, Intent::Cancel | Intent::Reschedule) && names_someone_else(inbound) {
                return Self::text("I can only help with your own appointments. Is there anything I can do for yours?");
            }
            return match wants {
                Intent::Human => Self::calls(vec![Self::call(
                    step,
                    "handoff_to_human",
                    json!({"reason": format!("The caller asked for a person: {}", inbound.chars().take(300).collect::<String>()), "urgency": "normal"}),
                )]),
                Intent::Cancel => Self::calls(vec![Self::call(step, "my_appointments", json!({}))]),
                _ if rescheduling => Self::calls(vec![Self::call(step, "my_appointments", json!({}))]),
                Intent::Book => self.look(step, inbound),
                other => Self::text(self.answer(other)),
            };
        };
        let failed = last.value.get("error").and_then(Value::as_str);
        match last.name.as_str() {
            "my_appointments" => {
                let first = last.value["bookings"].get(0).cloned();
                match (first, wants) {
                    (None, _) => {
                        Self::text("I can't find an upcoming appointment under your name. Would you like to book one?")
                    }
                    (Some(b), Intent::Cancel) => Self::calls(vec![Self::call(
                        step,
                        "cancel_appointment",
                        json!({"bookingId": b["bookingId"], "reason": "cancelled by the customer"}),
                    )]),
                    (Some(b), _) => {
                        let today = self.now.with_timezone(&self.zone).date_naive();
                        if days(inbound, today).is_some() || time_of(inbound).is_some() {
                            self.look(step, inbound)
                        } else {
                            Self::text(format!(
                                "Sure — you're booked for {}. Which day and time would you like to move your appointment to?",
                                self.label(b["startsAt"].as_str().unwrap_or_default())
                            ))
                        }
                    }
                }
            }
            "check_availability" if failed.is_none() => {
                let fitting = Self::fitting(&last.value);
                if fitting.is_empty() {
                    return Self::text("Sorry, nothing is free then. Would another day or time work for you?");
                }
                let booking = results
                    .iter()
                    .find(|r| r.name == "my_appointments")
                    .and_then(|r| r.value["bookings"].get(0).cloned());
                if let Some(booking) = booking.filter(|_| rescheduling) {
                    return Self::calls(vec![Self::call(
                        step,
                        "reschedule_appointment",
                        json!({"bookingId": booking["bookingId"], "startsAt": fitting[0]}),
                    )]);
                }
                let holds = fitting
                    .iter()
                    .take(OFFERED)
                    .enumerate()
                    .map(|(i, s)| Self::call(step * 10 + i, "hold_slot", json!({"startsAt": s})))
                    .collect();
                Self::calls(holds)
            }
            "hold_slot" => {
                let held: Vec<String> = results
                    .iter()
                    .filter(|r| r.name == "hold_slot" && r.value.get("error").is_none())
                    .filter_map(|r| r.value["startsAt"].as_str().map(|s| self.label(s)))
                    .collect();
                match held.len() {
                    0 => Self::text("Sorry, those times were just taken. Would another day work for you?"),
                    1 => Self::text(format!("I can offer {}. Shall I book it?", held[0])),
                    _ => {
                        let list: Vec<String> =
                            held.iter().enumerate().map(|(i, l)| format!("{}) {l}", i + 1)).collect();
                        Self::text(format!("I can offer {}. Which one works for you?", list.join(", ")))
                    }
                }
            }
            "book_appointment" => match failed {
                None => Self::text(format!(
                    "You're booked for {}. You'll get a confirmation shortly.",
                    self.label(last.value["startsAt"].as_str().unwrap_or_default())
                )),
                Some(_) => Self::text("Sorry, that time was just taken. Would you like me to find another?"),
            },
            "reschedule_appointment" => match failed {
                None => Self::text(format!(
                    "Done — your appointment is now {}.",
                    self.label(last.value["startsAt"].as_str().unwrap_or_default())
                )),
                Some(_) => Self::text("Sorry, I couldn't move it to that time. Would another time work?"),
            },
            "handoff_to_human" => Self::text(self.answer(if failed.is_none() { Intent::Human } else { Intent::Other })),
            "cancel_appointment" => match failed {
                None => Self::text(format!(
                    "Your appointment on {} is cancelled. Anything else I can help with?",
                    self.label(last.value["startsAt"].as_str().unwrap_or_default())
                )),
                Some(_) => Self::text(self.answer(Intent::Other)),
            },
            _ => Self::text(self.answer(Intent::Other)),
        }
    }
}

#[async_trait]
impl ChatModel for FallbackModel {
    async fn complete(&self, request: &ChatRequest) -> Result<ChatResponse> {
        Ok(self.decide(request))
    }
}
