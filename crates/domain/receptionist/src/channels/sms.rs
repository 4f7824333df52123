//! Text messages: the carrier keywords handled before the agent, opt-outs
//! enforced where every message leaves ([`OptOutGuard`] wraps the
//! messenger that replies, confirmations and reminders all go through),
//! and replies kept to two segments.

use crate::error::Result;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk_kernel::TenantId;
use frontdesk_kernel::messaging::{MessageChannel, MessagingError, OutboundMessage, OutboundMessenger, Sent};
use std::sync::Arc;

/// A keyword the carrier rules give meaning to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keyword {
    /// `STOP`, `STOPALL`, `UNSUBSCRIBE`, `CANCEL`, `END`, `QUIT`.
    Stop,
    /// `START`, `UNSTOP`.
    Start,
    /// `HELP`, `INFO`.
    Help,
}

/// The keyword `body` is, if it is one: the whole message, any case,
/// surrounding spaces and a final `.`/`!` ignored (as carriers match them).
#[must_use]
pub fn keyword(body: &str) -> Option<Keyword> {
    let word = body.trim().trim_end_matches(['.', '!']).trim().to_ascii_uppercase();
    match word.as_str() {
        "STOP" | "STOPALL" | "UNSUBSCRIBE" | "CANCEL" | "END" | "QUIT" => Some(Keyword::Stop),
        "START" | "UNSTOP" => Some(Keyword::Start),
        "HELP" | "INFO" => Some(Keyword::Help),
        _ => None,
    }
}

/// Who said STOP to which sub-account.
#[async_trait]
pub trait OptOuts: Send + Sync + 'static {
    /// Records that `number` opted out of (`true`) or back into `tenant`'s texts.
    ///
    /// # Errors
    /// `Storage`.
    async fn set(&self, tenant: TenantId, number: &str, opted_out: bool, at: DateTime<Utc>) -> Result<()>;

    /// Whether `number` has opted out of `tenant`'s texts.
    ///
    /// # Errors
    /// `Storage`.
    async fn is_opted_out(&self, tenant: TenantId, number: &str) -> Result<bool>;
}

/// A messenger that sends no text to a number that said STOP — a reply,
/// a booking confirmation, a reminder alike — until it says START.
pub struct OptOutGuard {
    inner: Arc<dyn OutboundMessenger>,
    opt_outs: Arc<dyn OptOuts>,
}

impl OptOutGuard {
    /// `inner`, guarded by `opt_outs`.
    #[must_use]
    pub fn new(inner: Arc<dyn OutboundMessenger>, opt_outs: Arc<dyn OptOuts>) -> Self {
        Self { inner, opt_outs }
    }
}

#[async_trait]
impl OutboundMessenger for OptOutGuard {
    async fn send(&self, message: &OutboundMessage) -> Result<Sent, MessagingError> {
        if message.channel == MessageChannel::Sms
            && self.opt_outs.is_opted_out(message.tenant_id, &message.to).await.map_err(MessagingError::unavailable)?
        {
            return Err(MessagingError::Rejected("the recipient opted out (STOP); nothing is sent until START".into()));
        }
        self.inner.send(message).await
    }
}

/// Characters one segment holds in the GSM 7-bit alphabet (basic set).
const GSM: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

/// `text` cut to fit two SMS segments (306 GSM characters, or 134 UTF-16
/// units when it needs Unicode), at a word boundary with `...` when cut.
#[must_use]
pub fn fit_two_segments(text: &str) -> String {
    let gsm = text.chars().all(|c| GSM.contains(c));
    let (limit, units): (usize, fn(char) -> usize) = if gsm { (306, |_| 1) } else { (134, char::len_utf16) };
    if text.chars().map(units).sum::<usize>() <= limit {
        return text.to_owned();
    }
    let budget = limit - 3;
    let mut used = 0;
    let mut cut = 0;
    let mut last_space = None;
    for (at, c) in text.char_indices() {
        if used + units(c) > budget {
            break;
        }
        used += units(c);
        cut = at + c.len_utf8();
        if c.is_whitespace() {
            last_space = Some(at);
        }
    }
    let end = last_space.filter(|s| *s > cut / 2).unwrap_or(cut);
    format!("{}...", text[..end].trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn keywords_are_whole_messages() {
        assert_eq!(keyword("STOP"), Some(Keyword::Stop));
        assert_eq!(keyword(" stop. "), Some(Keyword::Stop));
        assert_eq!(keyword("Unsubscribe!"), Some(Keyword::Stop));
        assert_eq!(keyword("quit"), Some(Keyword::Stop));
        assert_eq!(keyword("start"), Some(Keyword::Start));
        assert_eq!(keyword("UNSTOP"), Some(Keyword::Start));
        assert_eq!(keyword("help"), Some(Keyword::Help));
        assert_eq!(keyword("please stop texting"), None);
        assert_eq!(keyword("I want to cancel my appointment"), None);
        assert_eq!(keyword(""), None);
    }

    #[test]
    fn short_replies_are_untouched_and_long_ones_cut_at_a_word() {
        assert_eq!(fit_two_segments("Booked for 3pm."), "Booked for 3pm.");
        let long = "word ".repeat(100);
        let cut = fit_two_segments(&long);
        assert!(cut.chars().count() <= 306 && cut.ends_with("word..."), "{cut}");
        let emoji = "🙂 ok ".repeat(40);
        let cut = fit_two_segments(&emoji);
        assert!(cut.encode_utf16().count() <= 134, "{cut}");
    }

    proptest! {
        #[test]
        fn any_reply_fits_two_segments(text in "\\PC{0,600}") {
            let cut = fit_two_segments(&text);
            let gsm = cut.chars().all(|c| GSM.contains(c));
            if gsm { prop_assert!(cut.chars().count() <= 306) } else { prop_assert!(cut.encode_utf16().count() <= 134) }
        }
    }
}
