//! The deterministic reply used when the chat model is down.
//!
//! A lead who writes while the model provider is failing must still get a
//! useful answer, immediately and without another network call: a
//! greeting on the first turn, the next qualification question that has
//! not been answered yet, and a way to reach a human. The reply depends
//! only on the strategy and the history, so it is trivially testable and
//! the same history always gets the same reply.
//!
//! A question counts as answered when an assistant message contains its
//! text and a user message follows that message. An asked-but-unanswered
//! question is asked again.

use crate::conversation::{Message, MessageRole};
use crate::strategy::Strategy;

/// A fallback reply and which question it asks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FallbackReply {
    /// The text to send to the lead.
    pub text: String,
    /// The index of the qualification question asked, if any is left.
    pub question: Option<usize>,
}

impl FallbackReply {
    /// Composes the reply for `history` (oldest first) under `strategy`.
    #[must_use]
    pub fn compose(strategy: &Strategy, history: &[Message]) -> Self {
        let mut parts = Vec::new();
        if !history.iter().any(|m| m.role == MessageRole::Assistant) {
            parts.push(match strategy.business_facts.get("businessName").and_then(|v| v.as_str()) {
                Some(business) => format!("Hi! Thanks for contacting {business}."),
                None => "Hi! Thanks for reaching out.".to_owned(),
            });
        }
        let question = strategy.qualification_questions.iter().position(|q| !is_answered(q, history));
        match question.and_then(|i| strategy.qualification_questions.get(i)) {
            Some(next) => parts.push(next.clone()),
            None => parts.push("Thanks, that's everything I need for now.".to_owned()),
        }
        parts.push(match &strategy.handoff_phone {
            Some(phone) => format!("If you'd rather speak with a person, call us at {phone}."),
            None => "If you'd rather speak with a person, just say so and someone from our team will get back to you."
                .to_owned(),
        });
        Self { text: parts.join(" "), question }
    }
}

/// Whether an assistant message asked `question` and the lead replied after it.
fn is_answered(question: &str, history: &[Message]) -> bool {
    history
        .iter()
        .position(|m| m.role == MessageRole::Assistant && m.content.contains(question))
        .is_some_and(|asked| history[asked + 1..].iter().any(|m| m.role == MessageRole::User))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::strategy::NewStrategy;
    use chrono::Utc;
    use frontdesk_kernel::TenantId;
    use serde_json::json;

    fn strategy(handoff: Option<&str>, facts: serde_json::Value) -> Strategy {
        let input = NewStrategy {
            name: "Default".into(),
            persona: "Sam".into(),
            goal: "Book an inspection".into(),
            qualification_questions: vec!["What is your address?".into(), "When did the leak start?".into()],
            business_facts: Some(facts),
            handoff_phone: handoff.map(Into::into),
            ..NewStrategy::default()
        };
        Strategy::create(TenantId::new(), input, Utc::now()).unwrap()
    }

    fn say(role: MessageRole, text: &str) -> Message {
        Message::new(role, text, Utc::now()).unwrap()
    }

    #[test]
    fn first_turn_greets_asks_the_first_question_and_offers_the_handoff_number() {
        let acme = strategy(Some("+14155550199"), json!({"businessName": "Acme Roofing"}));
        let reply = FallbackReply::compose(&acme, &[say(MessageRole::User, "My roof leaks")]);
        assert_eq!(
            reply.text,
            "Hi! Thanks for contacting Acme Roofing. What is your address? \
             If you'd rather speak with a person, call us at +14155550199."
        );
        assert_eq!(reply.question, Some(0));
    }

    #[test]
    fn later_turns_skip_the_greeting_and_ask_the_next_unanswered_question() {
        let acme = strategy(None, json!({}));
        let history = [
            say(MessageRole::User, "Hello"),
            say(MessageRole::Assistant, "Hi! What is your address?"),
            say(MessageRole::User, "12 Main St"),
        ];
        let reply = FallbackReply::compose(&acme, &history);
        assert!(reply.text.starts_with("When did the leak start?"), "{}", reply.text);
        assert!(reply.text.ends_with("someone from our team will get back to you."));
        assert_eq!(reply.question, Some(1));
    }

    #[test]
    fn a_question_asked_but_not_answered_is_asked_again() {
        let acme = strategy(None, json!({}));
        let history = [say(MessageRole::User, "Hello"), say(MessageRole::Assistant, "What is your address?")];
        assert_eq!(FallbackReply::compose(&acme, &history).question, Some(0));
    }

    #[test]
    fn when_everything_is_answered_it_wraps_up() {
        let acme = strategy(Some("+14155550199"), json!({}));
        let history = [
            say(MessageRole::Assistant, "What is your address?"),
            say(MessageRole::User, "12 Main St"),
            say(MessageRole::Assistant, "When did the leak start?"),
            say(MessageRole::User, "Yesterday"),
        ];
        let reply = FallbackReply::compose(&acme, &history);
        assert_eq!(reply.question, None);
        assert!(reply.text.starts_with("Thanks, that's everything I need for now."), "{}", reply.text);
    }

    #[test]
    fn the_same_history_always_gets_the_same_reply() {
        let acme = strategy(None, json!({"businessName": "Acme"}));
        let history = [say(MessageRole::User, "Hi")];
        assert_eq!(FallbackReply::compose(&acme, &history), FallbackReply::compose(&acme, &history));
        assert!(FallbackReply::compose(&acme, &[]).text.starts_with("Hi! Thanks for contacting Acme."));
    }
}
