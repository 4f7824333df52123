//! What a call (or a text's webhook) answers, as plain verbs — the
//! vendor's markup (TwiML) is written by an adapter behind [`Markup`] —
//! and the call's own wording: the greeting (from the strategy, with
//! after-hours wording when closed), the filler said while a turn is still
//! running, and the short rejection blocked callers hear.

use crate::strategy::Strategy;

/// One instruction to the telephony provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verb {
    /// Speak text.
    Say(String),
    /// Listen for speech, saying `prompt` first; posts what was heard to `action`.
    Gather {
        /// Where the result goes (a path or absolute URL).
        action: String,
        /// Said while listening (barge-in allowed).
        prompt: Option<String>,
        /// Seconds of silence before giving up.
        timeout_secs: u32,
    },
    /// Fetch the next instructions from `0`.
    Redirect(String),
    /// Connect the caller to `number`; the outcome is posted to `action`.
    Dial {
        /// E.164.
        number: String,
        /// Seconds to ring.
        timeout_secs: u32,
        /// Where the outcome goes.
        action: String,
    },
    /// Record a voicemail.
    Record {
        /// Where the recording goes.
        action: String,
        /// Longest message, seconds.
        max_length_secs: u32,
        /// Where the transcription goes.
        transcribe_callback: String,
    },
    /// Stream the call to a WebSocket (ConversationRelay), greeting with `welcome`.
    Relay {
        /// The `wss://` URL.
        url: String,
        /// Said first.
        welcome: String,
        /// Where the session's end (with its handoff data) is posted.
        action: String,
        /// `<Parameter>`s, brought back in the session's `setup` message (`customParameters`).
        parameters: Vec<(String, String)>,
    },
    /// Reply to a text.
    Message(String),
    /// End the call.
    Hangup,
}

/// A provider response: verbs in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Script(pub Vec<Verb>);

impl Script {
    /// Nothing (an acknowledged text).
    #[must_use]
    pub const fn empty() -> Self {
        Self(Vec::new())
    }
}

/// Writes a [`Script`] in the provider's markup.
pub trait Markup: Send + Sync + 'static {
    /// The document (TwiML for Twilio).
    fn render(&self, script: &Script) -> String;
}

/// The business's name: `businessFacts.name`, else none.
#[must_use]
pub fn business_name(strategy: Option<&Strategy>) -> Option<String> {
    fact(strategy, "name")
}

/// A strategy's own text under `businessFacts.{key}`, when set.
fn fact(strategy: Option<&Strategy>, key: &str) -> Option<String> {
    strategy
        .and_then(|s| s.business_facts.as_map().get(key))
        .and_then(serde_json::Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
}

/// What a caller hears first: `businessFacts.greeting` (or
/// `afterHoursGreeting` when closed), else a greeting built from the name.
#[must_use]
pub fn greeting(strategy: Option<&Strategy>, open: bool) -> String {
    let own = if open { fact(strategy, "greeting") } else { fact(strategy, "afterHoursGreeting") };
    if let Some(own) = own {
        return own;
    }
    let name = business_name(strategy).map_or_else(|| "for calling".to_owned(), |n| format!("for calling {n}"));
    if open {
        format!("Thanks {name}. How can I help you today?")
    } else {
        format!(
            "Thanks {name}. We're closed right now, but I can book an appointment or take a message. How can I help?"
        )
    }
}

/// Said while a turn is still running, so the line is never silent.
pub const FILLER: &str = "One moment while I check that for you.";

/// Said when nothing was heard.
pub const REPROMPT: &str = "Sorry, I didn't catch that. Could you say it again?";

/// Said to a blocked caller before hanging up.
pub const REJECTION: &str = "Sorry, we can't take your call. Goodbye.";

/// Said when a caller calls too often.
pub const TOO_MANY_CALLS: &str = "Sorry, we can't take more calls from this number right now. Please try again later.";

/// Said before the caller is connected to staff.
pub const CONNECTING: &str = "Connecting you with someone now.";

/// Said when no one answered: a voicemail follows.
pub const LEAVE_A_MESSAGE: &str =
    "Sorry, no one can take your call right now. Please leave a message after the tone and we'll call you back.";

/// Said after a voicemail.
pub const MESSAGE_TAKEN: &str = "Thank you, your message has been recorded. Goodbye.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_greeting_says_when_the_business_is_closed() {
        assert_eq!(greeting(None, true), "Thanks for calling. How can I help you today?");
        assert!(greeting(None, false).contains("closed right now"));
    }
}
