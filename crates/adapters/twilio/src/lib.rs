//! Twilio, without twilio-async (ADR 0001): the `X-Twilio-Signature`
//! check ([`signature`]), TwiML ([`twiml`]) and texts through the Messages
//! API ([`messages`]), and recording audio ([`recordings`]). Every call to Twilio goes to a configurable base
//! URL, so tests point it at Twilio's own API description served by Prism.

pub mod account;
pub mod messages;
pub mod recordings;
pub mod signature;
pub mod twiml;

pub use account::check_account;
pub use messages::{TwilioConfig, TwilioMessenger};
pub use recordings::TwilioRecordings;
pub use signature::TwilioSignatures;
pub use twiml::TwiMl;
