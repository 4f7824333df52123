//! Email: which messages are machines talking (never answered — no mail
//! loops), what of a message the receptionist should read (the new text,
//! not the quoted history or the signature), and which thread a message
//! belongs to (`In-Reply-To`, then `References`, then the normalised
//! subject from the same sender).

/// An inbound email, as any provider describes it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InboundEmail {
    /// The provider's id of the delivery (Postmark `MessageID`): retries repeat it.
    pub provider_id: String,
    /// The sender's address.
    pub from: String,
    /// The sender's display name.
    pub from_name: Option<String>,
    /// Every address it was sent to (routing candidates), and the mailbox hash.
    pub recipients: Vec<String>,
    /// The subject.
    pub subject: String,
    /// The RFC 5322 `Message-ID`, without angle brackets.
    pub message_id: Option<String>,
    /// `In-Reply-To` ids, without angle brackets.
    pub in_reply_to: Vec<String>,
    /// `References` ids, oldest first, without angle brackets.
    pub references: Vec<String>,
    /// The plain-text body.
    pub text: String,
    /// The HTML body (read only when there is no text body; never rendered).
    pub html: Option<String>,
    /// The provider's own extraction of the new reply text, when it made one.
    pub stripped_reply: Option<String>,
    /// Every header.
    pub headers: Vec<(String, String)>,
}

impl InboundEmail {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim())
    }

    /// Why this message is automatic (an auto-responder, a bounce, a list),
    /// or `None` for a person's message.
    #[must_use]
    pub fn automatic(&self) -> Option<&'static str> {
        if self.header("Auto-Submitted").is_some_and(|v| !v.eq_ignore_ascii_case("no")) {
            return Some("Auto-Submitted");
        }
        if self.header("X-Autoreply").is_some() || self.header("X-Autorespond").is_some() {
            return Some("X-Autoreply/X-Autorespond");
        }
        if self.header("Precedence").is_some_and(|v| ["bulk", "junk", "list"].iter().any(|p| v.eq_ignore_ascii_case(p)))
        {
            return Some("Precedence");
        }
        if self.header("List-Id").is_some() {
            return Some("List-Id");
        }
        let local = self.from.rsplit_once('@').map_or(self.from.as_str(), |(l, _)| l).to_ascii_lowercase();
        if ["mailer-daemon", "postmaster"].contains(&local.as_str()) || self.from.trim().is_empty() {
            return Some("a mailer-daemon/postmaster sender");
        }
        None
    }

    /// What the receptionist reads: the provider's stripped reply when it
    /// has one, else the body without quoted history and signature.
    #[must_use]
    pub fn new_text(&self) -> String {
        match self.stripped_reply.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(stripped) => strip_quoted(stripped),
            None if self.text.trim().is_empty() => strip_quoted(&html_to_text(self.html.as_deref().unwrap_or(""))),
            None => strip_quoted(&self.text),
        }
    }
}

/// `text` up to the quoted history (`On … wrote:`, `-----Original
/// Message-----`, `From:` headers of a forwarded copy, `>` lines) or the
/// signature (`-- `, "Sent from my …").
#[must_use]
pub fn strip_quoted(text: &str) -> String {
    let mut kept = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        let lower = trimmed.to_ascii_lowercase();
        let quote_starts = trimmed.starts_with('>')
            || (lower.starts_with("on ") && lower.ends_with("wrote:"))
            || lower.starts_with("-----original message-----")
            || (lower.starts_with("from:") && kept.last().is_some_and(|l: &&str| l.trim().is_empty()))
            || line == "-- "
            || trimmed == "--"
            || lower.starts_with("sent from my ");
        if quote_starts {
            break;
        }
        kept.push(line);
    }
    kept.join("\n").trim().to_owned()
}

/// The text of an HTML body: `script`/`style` content dropped, tags
/// removed (block ends become line breaks), the common entities decoded.
/// Its output is only read by the receptionist, never rendered.
#[must_use]
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let lower: String = after.chars().take(8).collect::<String>().to_ascii_lowercase();
        let skip_block = ["<script", "<style"].iter().find(|t| lower.starts_with(**t));
        if let Some(tag) = skip_block {
            let close = format!("</{}", &tag[1..]);
            match after.to_ascii_lowercase().find(&close) {
                Some(end) => {
                    let tail = &after[end..];
                    rest = tail.find('>').map_or("", |gt| &tail[gt + 1..]);
                }
                None => rest = "",
            }
            continue;
        }
        let Some(end) = after.find('>') else {
            rest = "";
            break;
        };
        let tag = after[1..end].trim_start_matches('/').to_ascii_lowercase();
        if ["p", "div", "br", "li", "tr", "h1", "h2", "h3"]
            .iter()
            .any(|t| tag == *t || tag.starts_with(&format!("{t} ")))
        {
            out.push('\n');
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    let decoded = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    decoded.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n")
}

/// A subject without `Re:`/`Fwd:`/`AW:`/`SV:` prefixes, lower case, single-spaced.
#[must_use]
pub fn thread_subject(subject: &str) -> String {
    let mut rest = subject.trim();
    loop {
        let lower = rest.to_ascii_lowercase();
        let prefix =
            ["re:", "fwd:", "fw:", "aw:", "sv:", "wg:", "re :", "fwd :"].iter().find(|p| lower.starts_with(**p));
        match prefix {
            Some(p) => rest = rest[p.len()..].trim_start(),
            None => break,
        }
    }
    rest.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// The message ids of a `References`/`In-Reply-To`/`Message-ID` header value, without angle brackets.
#[must_use]
pub fn message_ids(value: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut rest = value;
    while let Some(start) = rest.find('<') {
        let Some(end) = rest[start..].find('>') else { break };
        let id = rest[start + 1..start + end].trim();
        if !id.is_empty() && id.len() <= 998 && !id.chars().any(char::is_control) {
            ids.push(id.to_owned());
        }
        rest = &rest[start + end + 1..];
    }
    if ids.is_empty() {
        // Some clients omit the brackets around a single id.
        let bare = value.trim();
        if !bare.is_empty() && !bare.contains(char::is_whitespace) && bare.contains('@') && bare.len() <= 998 {
            ids.push(bare.to_owned());
        }
    }
    ids
}

/// Which conversation each email message id belongs to.
#[async_trait::async_trait]
pub trait EmailThreads: Send + Sync + 'static {
    /// The conversation of the first of `ids` (in the order given) that is known.
    ///
    /// # Errors
    /// `Storage`.
    async fn find(
        &self,
        tenant: frontdesk_kernel::TenantId,
        ids: &[String],
    ) -> crate::Result<Option<crate::ConversationId>>;

    /// The latest conversation `sender` had under the normalised subject `subject_key`.
    ///
    /// # Errors
    /// `Storage`.
    async fn by_subject(
        &self,
        tenant: frontdesk_kernel::TenantId,
        sender: &str,
        subject_key: &str,
    ) -> crate::Result<Option<crate::ConversationId>>;

    /// Files `ids` under `conversation` (ids already filed keep their conversation).
    ///
    /// # Errors
    /// `Storage`.
    async fn remember(
        &self,
        tenant: frontdesk_kernel::TenantId,
        ids: &[String],
        conversation: crate::ConversationId,
        sender: &str,
        subject_key: &str,
    ) -> crate::Result<()>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(headers: &[(&str, &str)], from: &str) -> InboundEmail {
        InboundEmail {
            from: from.into(),
            headers: headers.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
            ..InboundEmail::default()
        }
    }

    #[test]
    fn machines_are_recognised() {
        assert_eq!(email(&[("Auto-Submitted", "auto-replied")], "a@x.example").automatic(), Some("Auto-Submitted"));
        assert_eq!(email(&[("Auto-Submitted", "no")], "a@x.example").automatic(), None);
        assert!(email(&[("X-Autoreply", "yes")], "a@x.example").automatic().is_some());
        assert!(email(&[("x-autorespond", "1")], "a@x.example").automatic().is_some());
        assert!(email(&[("Precedence", "Bulk")], "a@x.example").automatic().is_some());
        assert!(email(&[("Precedence", "first-class")], "a@x.example").automatic().is_none());
        assert!(email(&[("List-Id", "<news.x.example>")], "a@x.example").automatic().is_some());
        assert!(email(&[], "MAILER-DAEMON@x.example").automatic().is_some());
        assert!(email(&[], "postmaster@x.example").automatic().is_some());
        assert!(email(&[], "ana@x.example").automatic().is_none());
    }

    #[test]
    fn quoted_history_and_signatures_are_cut() {
        let body = "Tuesday at 3 works.\nThanks!\n\nOn Mon, 1 Dec 2026 at 10:00, Desk <desk@acme.example> wrote:\n> Can you come Tuesday?";
        assert_eq!(strip_quoted(body), "Tuesday at 3 works.\nThanks!");
        assert_eq!(strip_quoted("Yes please\n-- \nAna Diaz\nCEO"), "Yes please");
        assert_eq!(strip_quoted("Ok\n\nSent from my iPhone"), "Ok");
        assert_eq!(strip_quoted("Sure\n\n-----Original Message-----\nFrom: x"), "Sure");
        assert_eq!(strip_quoted("Sure\n\nFrom: Desk\nSent: Monday"), "Sure");
        assert_eq!(strip_quoted("From: my garden, a question"), "From: my garden, a question");
    }

    #[test]
    fn html_bodies_are_read_as_text_without_scripts() {
        let html = "<div>Bonjour, j'ai une dent cass\u{e9}e <img src=\"cid:x\"> &amp; mal</div><script>alert(1)</script><p>Merci</p>";
        assert_eq!(html_to_text(html), "Bonjour, j'ai une dent cass\u{e9}e  & mal\nMerci");
        assert_eq!(html_to_text("<STYLE>p{}</STYLE>ok"), "ok");
        assert_eq!(html_to_text("a < b"), "a");
    }

    #[test]
    fn subjects_thread_without_prefixes() {
        assert_eq!(thread_subject("Re: RE: Fwd:  Roof   repair"), "roof repair");
        assert_eq!(thread_subject("AW: Termin"), "termin");
        assert_eq!(thread_subject("Roof repair"), thread_subject("re: roof repair"));
    }

    #[test]
    fn message_ids_are_read_from_headers() {
        assert_eq!(message_ids("<a@x> <b@y>\r\n <c@z>"), ["a@x", "b@y", "c@z"]);
        assert_eq!(message_ids("a@x"), ["a@x"]);
        assert!(message_ids("").is_empty());
        assert!(message_ids("<>").is_empty());
    }
}
