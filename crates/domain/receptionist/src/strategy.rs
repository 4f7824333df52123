//! Strategies: how a tenant's receptionist talks and what it is after.
//!
//! A strategy is the tenant-editable part of the prompt: a persona, a tone,
//! a goal, the qualification questions to get answered (in order), facts
//! about the business the receptionist may quote, and a phone number for
//! handing the lead to a human. Everything is bounded, because all of it is
//! sent to the model on every turn. One strategy per tenant is the default.
//!
//! [`Strategy::create`] and [`Strategy::apply`] share one parser per field,
//! so a value accepted on create is accepted on update and is rejected with
//! the same field name and message, and a client never sees two rule sets.

use chrono::{DateTime, Utc};
use frontdesk_kernel::{TenantId, ValidationErrors, define_id};
use frontdesk_leads::{JsonObject, PhoneNumber};

define_id!(
    /// A receptionist strategy.
    StrategyId,
    "strategy id"
);

/// A validated strategy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Strategy {
    /// Its id.
    pub id: StrategyId,
    /// The tenant.
    pub tenant_id: TenantId,
    /// Shown in the dashboard, 1–120 characters.
    pub name: String,
    /// Who the receptionist is ("Sam, the front desk of Acme Roofing"), 1–4000 characters.
    pub persona: String,
    /// How it speaks, 1–200 characters.
    pub tone: String,
    /// What a conversation should achieve, 1–1000 characters.
    pub goal: String,
    /// Questions to get answered, in order: at most 20, each 1–500 characters.
    pub qualification_questions: Vec<String>,
    /// Facts the receptionist may quote (hours, prices, service area); a JSON object ≤ 16 KiB.
    pub business_facts: JsonObject,
    /// Where a lead who wants a human is sent.
    pub handoff_phone: Option<PhoneNumber>,
    /// Whether new conversations use this strategy.
    pub is_default: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// Raw strategy input, as a client sent it.
#[derive(Clone, Debug, Default)]
pub struct NewStrategy {
    /// Name.
    pub name: String,
    /// Persona.
    pub persona: String,
    /// Tone; [`Strategy::DEFAULT_TONE`] when absent or blank.
    pub tone: Option<String>,
    /// Goal.
    pub goal: String,
    /// Qualification questions.
    pub qualification_questions: Vec<String>,
    /// Business facts object (`{}` when absent).
    pub business_facts: Option<serde_json::Value>,
    /// Handoff number, international form.
    pub handoff_phone: Option<String>,
    /// Make it the tenant's default.
    pub is_default: bool,
}

/// A partial update, as a client sent it. `None` leaves a field alone.
#[derive(Clone, Debug, Default)]
pub struct StrategyChanges {
    /// New name.
    pub name: Option<String>,
    /// New persona.
    pub persona: Option<String>,
    /// New tone; blank resets it to [`Strategy::DEFAULT_TONE`].
    pub tone: Option<String>,
    /// New goal.
    pub goal: Option<String>,
    /// Replacement list of qualification questions (empty removes them all).
    pub qualification_questions: Option<Vec<String>>,
    /// Replacement business facts object.
    pub business_facts: Option<serde_json::Value>,
    /// New handoff number, or blank to remove it.
    pub handoff_phone: Option<String>,
    /// Make it the default (`true`) or not (`false`); the service refuses to
    /// unset the current default, since a tenant always has one.
    pub is_default: Option<bool>,
}

/// Trims `input` and checks it holds 1..=`max` characters.
pub(crate) fn bounded(input: &str, max: usize) -> Result<String, String> {
    let value = input.trim();
    if value.is_empty() {
        Err("is required".into())
    } else if value.chars().count() > max {
        Err(format!("must be at most {max} characters"))
    } else {
        Ok(value.to_owned())
    }
}

/// The field parsers `create` and `apply` share, so both accept and reject
/// exactly the same values with the same messages. Each records its errors
/// in `errors` and returns `None` when the value is invalid.
mod field {
    use super::{Strategy, bounded};
    use frontdesk_kernel::ValidationErrors;
    use frontdesk_leads::{JsonObject, PhoneNumber};

    pub(super) fn name(errors: &mut ValidationErrors, raw: &str) -> Option<String> {
        errors.check("name", bounded(raw, Strategy::MAX_NAME_CHARS))
    }

    pub(super) fn persona(errors: &mut ValidationErrors, raw: &str) -> Option<String> {
        errors.check("persona", bounded(raw, Strategy::MAX_PERSONA_CHARS))
    }

    /// Absent or blank is the default tone.
    pub(super) fn tone(errors: &mut ValidationErrors, raw: Option<&str>) -> Option<String> {
        match raw.map(str::trim) {
            None | Some("") => Some(Strategy::DEFAULT_TONE.to_owned()),
            Some(tone) => errors.check("tone", bounded(tone, Strategy::MAX_TONE_CHARS)),
        }
    }

    pub(super) fn goal(errors: &mut ValidationErrors, raw: &str) -> Option<String> {
        errors.check("goal", bounded(raw, Strategy::MAX_GOAL_CHARS))
    }

    /// Reports the count under `qualificationQuestions` and each bad
    /// question under `qualificationQuestions.{i}`.
    pub(super) fn questions(errors: &mut ValidationErrors, raw: &[String]) -> Option<Vec<String>> {
        let before = errors.errors().len();
        if raw.len() > Strategy::MAX_QUESTIONS {
            errors.add("qualificationQuestions", format!("must hold at most {} questions", Strategy::MAX_QUESTIONS));
        }
        let questions: Vec<_> = raw
            .iter()
            .enumerate()
            .filter_map(|(i, q)| {
                errors.check(&format!("qualificationQuestions.{i}"), bounded(q, Strategy::MAX_QUESTION_CHARS))
            })
            .collect();
        (errors.errors().len() == before).then_some(questions)
    }

    /// Absent is `{}`.
    pub(super) fn facts(errors: &mut ValidationErrors, raw: Option<serde_json::Value>) -> Option<JsonObject> {
        errors.check("businessFacts", raw.map_or_else(|| Ok(JsonObject::default()), JsonObject::parse))
    }

    /// Absent or blank is no handoff number.
    pub(super) fn handoff_phone(errors: &mut ValidationErrors, raw: Option<&str>) -> Option<Option<PhoneNumber>> {
        match raw.map(str::trim) {
            None | Some("") => Some(None),
            Some(phone) => errors.check("handoffPhone", PhoneNumber::parse(phone)).map(Some),
        }
    }
}

impl Strategy {
    /// The tone when none is given.
    pub const DEFAULT_TONE: &'static str = "friendly and professional";
    /// Longest name, in characters.
    pub const MAX_NAME_CHARS: usize = 120;
    /// Longest persona, in characters.
    pub const MAX_PERSONA_CHARS: usize = 4000;
    /// Longest tone, in characters.
    pub const MAX_TONE_CHARS: usize = 200;
    /// Longest goal, in characters.
    pub const MAX_GOAL_CHARS: usize = 1000;
    /// Most qualification questions.
    pub const MAX_QUESTIONS: usize = 20;
    /// Longest qualification question, in characters.
    pub const MAX_QUESTION_CHARS: usize = 500;

    /// Validates `input` and builds a strategy of `tenant_id` created at `now`.
    ///
    /// # Errors
    /// Every invalid field (`name`, `persona`, `tone`, `goal`,
    /// `qualificationQuestions` or `qualificationQuestions.{i}`,
    /// `businessFacts`, `handoffPhone`).
    pub fn create(tenant_id: TenantId, input: NewStrategy, now: DateTime<Utc>) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = field::name(&mut errors, &input.name);
        let persona = field::persona(&mut errors, &input.persona);
        let tone = field::tone(&mut errors, input.tone.as_deref());
        let goal = field::goal(&mut errors, &input.goal);
        let questions = field::questions(&mut errors, &input.qualification_questions);
        let facts = field::facts(&mut errors, input.business_facts);
        let handoff_phone = field::handoff_phone(&mut errors, input.handoff_phone.as_deref());
        match (name, persona, tone, goal, questions, facts, handoff_phone) {
            (
                Some(name),
                Some(persona),
                Some(tone),
                Some(goal),
                Some(qualification_questions),
                Some(business_facts),
                Some(handoff_phone),
            ) if errors.is_empty() => Ok(Self {
                id: StrategyId::new(),
                tenant_id,
                name,
                persona,
                tone,
                goal,
                qualification_questions,
                business_facts,
                handoff_phone,
                is_default: input.is_default,
                created_at: now,
                updated_at: now,
            }),
            _ => Err(errors),
        }
    }

    /// Applies a partial update at `now`; changes nothing unless every given
    /// field is valid. Fields are checked exactly as by [`Self::create`].
    ///
    /// # Errors
    /// Every invalid field, named as for [`Self::create`].
    pub fn apply(&mut self, changes: StrategyChanges, now: DateTime<Utc>) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = changes.name.map(|raw| field::name(&mut errors, &raw));
        let persona = changes.persona.map(|raw| field::persona(&mut errors, &raw));
        let tone = changes.tone.map(|raw| field::tone(&mut errors, Some(&raw)));
        let goal = changes.goal.map(|raw| field::goal(&mut errors, &raw));
        let questions = changes.qualification_questions.map(|raw| field::questions(&mut errors, &raw));
        let facts = changes.business_facts.map(|raw| field::facts(&mut errors, Some(raw)));
        let handoff_phone = changes.handoff_phone.map(|raw| field::handoff_phone(&mut errors, Some(&raw)));
        if !errors.is_empty() {
            return Err(errors);
        }
        if let Some(Some(name)) = name {
            self.name = name;
        }
        if let Some(Some(persona)) = persona {
            self.persona = persona;
        }
        if let Some(Some(tone)) = tone {
            self.tone = tone;
        }
        if let Some(Some(goal)) = goal {
            self.goal = goal;
        }
        if let Some(Some(questions)) = questions {
            self.qualification_questions = questions;
        }
        if let Some(Some(facts)) = facts {
            self.business_facts = facts;
        }
        if let Some(Some(handoff_phone)) = handoff_phone {
            self.handoff_phone = handoff_phone;
        }
        if let Some(is_default) = changes.is_default {
            self.is_default = is_default;
        }
        self.updated_at = now;
        Ok(())
    }

    /// The system prompt for the chat model, built only from the strategy.
    #[must_use]
    pub fn system_prompt(&self) -> String {
        let mut prompt = format!("{}\nTone: {}.\nGoal: {}\n", self.persona, self.tone, self.goal);
        if !self.qualification_questions.is_empty() {
            prompt.push_str("Ask these questions, one at a time, in order, skipping any already answered:\n");
            for (i, question) in self.qualification_questions.iter().enumerate() {
                prompt.push_str(&format!("{}. {question}\n", i + 1));
            }
        }
        if !self.business_facts.as_map().is_empty() {
            prompt.push_str(&format!("Business facts (quote only these): {}\n", self.business_facts.to_value()));
        }
        if let Some(phone) = &self.handoff_phone {
            prompt.push_str(&format!("If the caller wants a person, give them {phone}.\n"));
        }
        prompt
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input() -> NewStrategy {
        NewStrategy {
            name: " Default ".into(),
            persona: "You are Sam, the front desk of Acme Roofing.".into(),
            tone: None,
            goal: "Book a free roof inspection.".into(),
            qualification_questions: vec!["What is your address?".into(), " When did the leak start? ".into()],
            business_facts: Some(json!({"businessName": "Acme Roofing"})),
            handoff_phone: Some("+1 415 555 0199".into()),
            is_default: true,
        }
    }

    #[test]
    fn creates_a_trimmed_strategy_with_the_default_tone() {
        let strategy = Strategy::create(TenantId::new(), input(), Utc::now()).unwrap();
        assert_eq!((strategy.name.as_str(), strategy.tone.as_str()), ("Default", Strategy::DEFAULT_TONE));
        assert_eq!(strategy.qualification_questions[1], "When did the leak start?");
        assert_eq!(strategy.handoff_phone.as_ref().map(PhoneNumber::as_str), Some("+14155550199"));
        assert!(strategy.is_default);
    }

    #[test]
    fn reports_every_bad_field_with_question_indexes() {
        let bad = NewStrategy {
            name: String::new(),
            persona: "p".repeat(4001),
            tone: Some("t".repeat(201)),
            goal: " ".into(),
            qualification_questions: vec!["ok?".into(), String::new(), "q".repeat(501)],
            business_facts: Some(json!(["not", "an", "object"])),
            handoff_phone: Some("555-0199".into()),
            is_default: false,
        };
        let errors = Strategy::create(TenantId::new(), bad, Utc::now()).unwrap_err();
        let fields: Vec<_> = errors.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "name",
                "persona",
                "tone",
                "goal",
                "qualificationQuestions.1",
                "qualificationQuestions.2",
                "businessFacts",
                "handoffPhone"
            ]
        );
    }

    #[test]
    fn at_most_twenty_questions() {
        let many = |n: usize| NewStrategy { qualification_questions: vec!["Why?".into(); n], ..input() };
        assert!(Strategy::create(TenantId::new(), many(20), Utc::now()).is_ok());
        let errors = Strategy::create(TenantId::new(), many(21), Utc::now()).unwrap_err();
        assert_eq!(errors.messages(), ["qualificationQuestions: must hold at most 20 questions"]);
    }

    #[test]
    fn apply_changes_only_the_given_fields() {
        let t0 = Utc::now();
        let mut strategy =
            Strategy::create(TenantId::new(), NewStrategy { tone: Some("warm".into()), ..input() }, t0).unwrap();
        let before = strategy.clone();
        let later = t0 + chrono::Duration::minutes(1);
        let changes = StrategyChanges {
            goal: Some(" Book a repair. ".into()),
            tone: Some(" ".into()),
            handoff_phone: Some(String::new()),
            qualification_questions: Some(vec!["Where?".into()]),
            business_facts: Some(json!({"hours": "9-5"})),
            is_default: Some(false),
            ..StrategyChanges::default()
        };
        strategy.apply(changes, later).unwrap();
        assert_eq!((strategy.goal.as_str(), strategy.tone.as_str()), ("Book a repair.", Strategy::DEFAULT_TONE));
        assert_eq!(
            (strategy.handoff_phone.as_ref(), strategy.qualification_questions.as_slice()),
            (None, &["Where?".to_owned()][..])
        );
        assert_eq!(strategy.business_facts.get("hours"), Some(&json!("9-5")));
        assert!(!strategy.is_default);
        assert_eq!(
            (strategy.name.as_str(), strategy.persona.as_str()),
            (before.name.as_str(), before.persona.as_str())
        );
        assert_eq!((strategy.id, strategy.created_at, strategy.updated_at), (before.id, t0, later));
    }

    #[test]
    fn apply_reports_the_same_fields_as_create_and_changes_nothing_on_error() {
        let mut strategy = Strategy::create(TenantId::new(), input(), Utc::now()).unwrap();
        let before = strategy.clone();
        let bad = StrategyChanges {
            name: Some(" ".into()),
            persona: Some("p".repeat(4001)),
            tone: Some("t".repeat(201)),
            goal: Some(String::new()),
            qualification_questions: Some(vec!["ok?".into(), String::new()]),
            business_facts: Some(json!("text")),
            handoff_phone: Some("555-0199".into()),
            is_default: Some(false),
        };
        let errors = strategy.apply(bad, Utc::now()).unwrap_err();
        let fields: Vec<_> = errors.errors().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["name", "persona", "tone", "goal", "qualificationQuestions.1", "businessFacts", "handoffPhone"]
        );
        assert_eq!(errors.messages()[0], "name: is required");
        let too_many =
            StrategyChanges { qualification_questions: Some(vec!["Why?".into(); 21]), ..StrategyChanges::default() };
        let errors = strategy.apply(too_many, Utc::now()).unwrap_err();
        assert_eq!(errors.messages(), ["qualificationQuestions: must hold at most 20 questions"]);
        assert_eq!(strategy, before);
    }

    #[test]
    fn the_system_prompt_lists_questions_in_order_and_the_handoff() {
        let prompt = Strategy::create(TenantId::new(), input(), Utc::now()).unwrap().system_prompt();
        let (first, second) = (prompt.find("1. What is your address?"), prompt.find("2. When did the leak start?"));
        assert!(first.is_some() && first < second, "{prompt}");
        assert!(prompt.contains("+14155550199") && prompt.contains("Acme Roofing"));
    }
}
