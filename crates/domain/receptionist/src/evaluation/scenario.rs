//! A scenario is data: who calls, what the world looks like when they do
//! (the local time, bookings already made, business facts that differ),
//! what they say turn by turn, and what must be true afterwards — asserted
//! on what was stored (bookings at an instant, lead fields, qualification
//! values, a handoff) and on replies (text they must or must never carry).
//!
//! The same format drives the repository's corpus (`tests/scenarios/*.json`)
//! and tenants' own evaluations (`POST /api/v1/evaluations`), so the
//! corpus exercises the very runner tenants use.

use crate::conversation::{Channel, Message};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use frontdesk_kernel::ValidationErrors;
use frontdesk_kernel::text::check_text;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Scenarios in one evaluation, at most.
pub const MAX_SCENARIOS: usize = 50;
/// Caller turns in one scenario, at most.
pub const MAX_TURNS: usize = 20;
/// Trials of each scenario, at most.
pub const MAX_TRIALS: u32 = 5;
/// Bookings in a scenario's starting state, at most.
pub const MAX_EXISTING: usize = 20;
/// Caller turns one evaluation plays in all (scenarios × turns × trials), at most: each may cost model calls.
pub const MAX_TOTAL_TURNS: usize = 500;
/// Strings in one expectation list, at most.
pub const MAX_CHECKS: usize = 50;
const MAX_NAME: usize = 200;
const MAX_CHECK_CHARS: usize = 500;

/// One scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Scenario {
    /// What it tests ("Books Tuesday at 3").
    pub name: String,
    /// A label for grouping (`book-with-time`, `prompt-injection`…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Where the caller talks (`chat` when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    /// The business's local time when the caller starts (`2026-12-07T07:00`; now when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now: Option<String>,
    /// Who the caller is (a made-up lead when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller: Option<Caller>,
    /// Bookings made before the caller starts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub existing: Vec<Planned>,
    /// Business facts laid over the strategy's for this scenario.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub facts: Option<Map<String, Value>>,
    /// What the caller says, turn by turn.
    pub turns: Vec<String>,
    /// What must hold afterwards.
    #[serde(default)]
    pub expect: Expect,
}

/// The caller's known details.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Caller {
    /// Name.
    pub name: Option<String>,
    /// Phone, E.164.
    pub phone: Option<String>,
    /// Email.
    pub email: Option<String>,
}

/// Whose booking: the caller's, or another customer's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Party {
    /// The lead talking.
    Caller,
    /// Another customer of the business (whose data must never reach the caller).
    Other,
}

/// A booking, in the business's local time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Planned {
    /// Whose.
    pub lead: Party,
    /// Local start (`2026-12-08T15:00`).
    pub starts_at: String,
}

/// What must hold after the last turn; absent parts are not checked.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Expect {
    /// The exact set of confirmed bookings afterwards (the starting ones included).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bookings: Option<Vec<Planned>>,
    /// How many confirmed bookings the caller has afterwards (for suites that cannot know the instants).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller_bookings: Option<usize>,
    /// Text a given reply must contain.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replies: Vec<ReplyCheck>,
    /// Text no reply may contain (case-insensitive).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forbidden: Vec<String>,
    /// Whether a person was (or was not) asked to take over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handoff: Option<bool>,
    /// Whether the caller's lead was flagged as abusive (`metadata.flags.abuse`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abuse_flagged: Option<bool>,
    /// The caller's lead fields afterwards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead: Option<Caller>,
    /// Qualification values recorded (`{"budget": "5000", "decisionMaker": true}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualification: Option<Map<String, Value>>,
}

/// A reply that must carry some text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReplyCheck {
    /// Which reply (0 = the answer to the first turn).
    pub turn: usize,
    /// What it must contain.
    pub contains: String,
}

/// `raw` (`2026-12-08T15:00`) in `zone`, as an instant.
///
/// # Errors
/// What is wrong with it.
pub fn local_instant(raw: &str, zone: Tz) -> Result<DateTime<Utc>, String> {
    let naive = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .map_err(|_| "must be a local time like 2026-12-08T15:00".to_owned())?;
    zone.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| format!("does not exist in {} (a clock change)", zone.name()))
}

fn text_field(errors: &mut ValidationErrors, field: &str, value: &str, max: usize) {
    if value.trim().is_empty() {
        errors.add(field, "must not be blank");
    } else if value.chars().count() > max {
        errors.add(field, format!("must be at most {max} characters"));
    } else if let Err(e) = check_text(value) {
        errors.add(field, e);
    }
}

impl Scenario {
    /// Every problem with it, fields named under `at` (`scenarios[2]`).
    #[must_use]
    pub fn problems(&self, at: &str) -> ValidationErrors {
        let mut errors = ValidationErrors::new();
        text_field(&mut errors, &format!("{at}.name"), &self.name, MAX_NAME);
        if let Some(category) = &self.category {
            text_field(&mut errors, &format!("{at}.category"), category, MAX_NAME);
        }
        if let Some(now) = &self.now
            && let Err(e) = local_instant(now, Tz::UTC)
        {
            errors.add(format!("{at}.now"), e);
        }
        if self.turns.is_empty() || self.turns.len() > MAX_TURNS {
            errors.add(format!("{at}.turns"), format!("must hold 1 to {MAX_TURNS} turns"));
        }
        for (i, turn) in self.turns.iter().enumerate() {
            text_field(&mut errors, &format!("{at}.turns[{i}]"), turn, Message::MAX_CHARS);
        }
        if self.existing.len() > MAX_EXISTING {
            errors.add(format!("{at}.existing"), format!("must hold at most {MAX_EXISTING} bookings"));
        }
        let planned = self.existing.iter().map(|p| ("existing", p));
        let expected = self.expect.bookings.iter().flatten().map(|p| ("expect.bookings", p));
        let mut counts = std::collections::HashMap::new();
        for (list, p) in planned.chain(expected) {
            let n = counts.entry(list).or_insert(0usize);
            if let Err(e) = local_instant(&p.starts_at, Tz::UTC) {
                errors.add(format!("{at}.{list}[{n}].startsAt"), e);
            }
            *n += 1;
        }
        if self.expect.bookings.as_ref().is_some_and(|b| b.len() > MAX_EXISTING) {
            errors.add(format!("{at}.expect.bookings"), format!("must hold at most {MAX_EXISTING} bookings"));
        }
        if self.expect.forbidden.len() > MAX_CHECKS || self.expect.replies.len() > MAX_CHECKS {
            errors.add(format!("{at}.expect"), format!("at most {MAX_CHECKS} forbidden strings and reply checks"));
        }
        for (i, word) in self.expect.forbidden.iter().enumerate() {
            text_field(&mut errors, &format!("{at}.expect.forbidden[{i}]"), word, MAX_CHECK_CHARS);
        }
        for (i, check) in self.expect.replies.iter().enumerate() {
            text_field(&mut errors, &format!("{at}.expect.replies[{i}].contains"), &check.contains, MAX_CHECK_CHARS);
            if check.turn >= self.turns.len().max(1) {
                errors.add(format!("{at}.expect.replies[{i}].turn"), "names a turn the scenario does not have");
            }
        }
        for (who, caller) in [("caller", self.caller.as_ref()), ("expect.lead", self.expect.lead.as_ref())] {
            let Some(caller) = caller else { continue };
            for (field, value) in [("name", &caller.name), ("phone", &caller.phone), ("email", &caller.email)] {
                if let Some(value) = value {
                    text_field(&mut errors, &format!("{at}.{who}.{field}"), value, MAX_NAME);
                }
            }
            if let Some(Err(e)) = caller.phone.as_deref().map(frontdesk_kernel::PhoneNumber::parse) {
                errors.add(format!("{at}.{who}.phone"), e);
            }
            if let Some(Err(e)) = caller.email.as_deref().map(frontdesk_kernel::EmailAddress::parse) {
                errors.add(format!("{at}.{who}.email"), e);
            }
        }
        if let Some(facts) = &self.facts
            && let Err(e) = frontdesk_kernel::JsonObject::parse(Value::Object(facts.clone()))
        {
            errors.add(format!("{at}.facts"), e);
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;
    use serde_json::json;

    #[test]
    fn every_bad_field_is_named_with_its_path() {
        let scenario: Scenario = serde_json::from_value(json!({
            "name": " ", "now": "tomorrow", "turns": ["hi", "a\u{0}b"],
            "existing": [{"lead": "other", "startsAt": "2026-12-08 15:00"}],
            "expect": {"bookings": [{"lead": "caller", "startsAt": "2026-13-01T10:00"}],
                "replies": [{"turn": 5, "contains": "x"}], "forbidden": [""]}
        }))
        .unwrap();
        let fields: Vec<String> = scenario.problems("scenarios[1]").errors().iter().map(|e| e.field.clone()).collect();
        for field in [
            "scenarios[1].name",
            "scenarios[1].now",
            "scenarios[1].turns[1]",
            "scenarios[1].existing[0].startsAt",
            "scenarios[1].expect.bookings[0].startsAt",
            "scenarios[1].expect.replies[0].turn",
            "scenarios[1].expect.forbidden[0]",
        ] {
            assert!(fields.iter().any(|f| f == field), "{field} missing from {fields:?}");
        }
    }

    #[test]
    fn unknown_fields_are_refused_and_a_minimal_scenario_is_valid() {
        assert!(serde_json::from_value::<Scenario>(json!({"name": "x", "turns": ["hi"], "expext": {}})).is_err());
        let minimal: Scenario = serde_json::from_value(json!({"name": "Hello", "turns": ["hi"]})).unwrap();
        assert!(minimal.problems("s").is_empty());
    }

    #[test]
    fn local_times_land_in_the_zone_and_gaps_are_named() {
        let chicago = Tz::America__Chicago;
        assert_eq!(local_instant("2026-12-08T15:00", chicago).unwrap().to_rfc3339(), "2026-12-08T21:00:00+00:00");
        assert!(local_instant("2026-03-08T02:30", chicago).unwrap_err().contains("clock change"));
    }
}
