//! Strategies: how a tenant's receptionist talks and what it is after.
//!
//! A strategy is the tenant-editable part of the prompt: a persona, a tone,
//! a goal, the qualification questions to get answered (in order), facts
//! about the business the receptionist may quote, and a phone number for
//! handing the lead to a human. Everything is bounded, because all of it is
//! sent to the model on every turn. One strategy per tenant is the default.

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

/// Trims `input` and checks it holds 1..=`max` characters.
fn bounded(input: &str, max: usize) -> Result<String, String> {
    let value = input.trim();
    if value.is_empty() {
        Err("is required".into())
    } else if value.chars().count() > max {
        Err(format!("must be at most {max} characters"))
    } else {
        Ok(value.to_owned())
    }
}

impl Strategy {
    /// The tone when none is given.
    pub const DEFAULT_TONE: &'static str = "friendly and professional";
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
        let name = errors.check("name", bounded(&input.name, 120));
        let persona = errors.check("persona", bounded(&input.persona, 4000));
        let tone = match input.tone.as_deref().map(str::trim) {
            None | Some("") => Some(Self::DEFAULT_TONE.to_owned()),
            Some(tone) => errors.check("tone", bounded(tone, 200)),
        };
        let goal = errors.check("goal", bounded(&input.goal, 1000));
        if input.qualification_questions.len() > Self::MAX_QUESTIONS {
            errors.add("qualificationQuestions", format!("must hold at most {} questions", Self::MAX_QUESTIONS));
        }
        let questions: Vec<_> = input
            .qualification_questions
            .iter()
            .enumerate()
            .filter_map(|(i, q)| {
                errors.check(&format!("qualificationQuestions.{i}"), bounded(q, Self::MAX_QUESTION_CHARS))
            })
            .collect();
        let facts = errors
            .check("businessFacts", input.business_facts.map_or_else(|| Ok(JsonObject::default()), JsonObject::parse));
        let handoff_phone = match input.handoff_phone.as_deref().map(str::trim) {
            None | Some("") => Some(None),
            Some(phone) => errors.check("handoffPhone", PhoneNumber::parse(phone)).map(Some),
        };
        match (name, persona, tone, goal, facts, handoff_phone) {
            (Some(name), Some(persona), Some(tone), Some(goal), Some(business_facts), Some(handoff_phone))
                if errors.is_empty() =>
            {
                Ok(Self {
                    id: StrategyId::new(),
                    tenant_id,
                    name,
                    persona,
                    tone,
                    goal,
                    qualification_questions: questions,
                    business_facts,
                    handoff_phone,
                    is_default: input.is_default,
                    created_at: now,
                    updated_at: now,
                })
            }
            _ => Err(errors),
        }
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
    fn the_system_prompt_lists_questions_in_order_and_the_handoff() {
        let prompt = Strategy::create(TenantId::new(), input(), Utc::now()).unwrap().system_prompt();
        let (first, second) = (prompt.find("1. What is your address?"), prompt.find("2. When did the leak start?"));
        assert!(first.is_some() && first < second, "{prompt}");
        assert!(prompt.contains("+14155550199") && prompt.contains("Acme Roofing"));
    }
}
