//! The receptionist's channels: how a phone call, a text, an email reach
//! the one agent loop ([`crate::receptionist::Receptionist`]) and how its
//! replies go back.
//!
//! The vendor protocols (TwiML, Twilio's and Postmark's payloads) are not
//! here: this holds what is true whatever the vendor — which sub-account a
//! number or inbound address belongs to ([`routing`]), which callers are
//! blocked, SMS keywords and opt-outs enforced in the messenger itself
//! ([`sms`]), what a call answers in plain verbs ([`voice`]), the
//! post-call summary ([`summary`]), recordings kept in the file library
//! ([`recordings`]) and the port a webhook needs first: a
//! signature check ([`webhook`]). [`inbound`] is the use case a webhook
//! calls; [`mailbox`] the same for email; [`widget`] the website chat.

pub mod email;
pub mod inbound;
pub mod mailbox;
pub mod memory;
pub mod recordings;
pub mod routing;
pub mod sms;
pub mod summary;
pub mod voice;
pub mod webhook;
pub mod widget;
