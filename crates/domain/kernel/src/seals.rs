//! Seals: tags the api puts on what it hands a vendor to bring back later
//! (a ConversationRelay call's pass), so that nobody else can make one.
//!
//! A vendor's own signature does not always cover what matters: Twilio signs
//! a ConversationRelay WebSocket handshake over its URL only, the same for
//! every call, while the call it is for is named in the first message. The
//! api therefore seals the call's identity into the TwiML it answers with
//! and accepts a session only with that seal back. The adapter is an HMAC
//! under a key derived from the deployment's secret (`frontdesk_crypto::HmacSeals`).

/// Makes and checks seals.
pub trait Seals: Send + Sync + 'static {
    /// The seal of `message`: URL-safe, unforgeable without the key.
    fn seal(&self, message: &str) -> String;

    /// Whether `seal` is this deployment's seal of `message` (checked in constant time).
    fn opens(&self, message: &str, seal: &str) -> bool;
}
