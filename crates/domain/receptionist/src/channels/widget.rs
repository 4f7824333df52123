//! The website chat widget: a sub-account's public key, the origins that
//! may embed it, its greeting and colours ([`ChatWidget`]), and a
//! visitor's session with the receptionist ([`Widgets`]).
//!
//! A visitor is not a lead until they give a phone number or an email
//! (in the form or in what they type). Until then the widget asks for one,
//! keeping the visitor's first question; once it has one, the lead is found
//! or created (`source: chat`) and the question is answered by the same
//! receptionist as every channel. Sessions live in the shared cache for a
//! day under an unguessable id; every message is rate limited per client
//! address and per session; the widget's key and its allowed origins are
//! checked on every request (lookups cached in-process, dropped on change).

use crate::conversation::Channel;
use crate::error::{ReceptionistError, Result};
use crate::receptionist::Receptionist;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk_kernel::{Cache, EmailAddress, LeadId, PhoneNumber, RateLimiter, TenantId, ValidationErrors};
use frontdesk_leads::{LeadService, LeadsError, NewLead};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// A sub-account's chat widget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatWidget {
    /// The sub-account.
    pub tenant_id: TenantId,
    /// The public key pages embed (`wk_…`).
    pub key: String,
    /// Origins (`https://acme.example`) whose pages may use it.
    pub allowed_origins: Vec<String>,
    /// The first thing a visitor reads.
    pub greeting: String,
    /// The header and button colour, `#rrggbb`.
    pub primary_color: String,
    /// The text colour on it, `#rrggbb`.
    pub text_color: String,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A change to the widget (absent fields stay; a new widget gets defaults).
#[derive(Clone, Debug, Default)]
pub struct WidgetChanges {
    /// At most 20 origins, `http(s)://host[:port]`.
    pub allowed_origins: Option<Vec<String>>,
    /// 1–500 characters.
    pub greeting: Option<String>,
    /// `#rrggbb`.
    pub primary_color: Option<String>,
    /// `#rrggbb`.
    pub text_color: Option<String>,
}

/// Where widgets are kept.
#[async_trait]
pub trait WidgetStore: Send + Sync + 'static {
    /// The widget of `tenant`.
    async fn get(&self, tenant: TenantId) -> Result<Option<ChatWidget>>;
    /// The widget with `key`.
    async fn by_key(&self, key: &str) -> Result<Option<ChatWidget>>;
    /// Stores `widget` (inserts or replaces the tenant's).
    async fn put(&self, widget: &ChatWidget) -> Result<()>;
}

/// Unguessable tokens (widget keys, session ids).
pub trait Tokens: Send + Sync + 'static {
    /// A new random token: URL-safe, at least 128 bits.
    fn token(&self) -> String;
}

/// The default greeting.
pub const DEFAULT_GREETING: &str = "Hi! How can we help you today?";

/// What the widget says when it needs a way to reach the visitor.
pub const ASK_CONTACT: &str =
    "Happy to help! So we can confirm anything we arrange, what's your phone number or email?";

/// How long a visitor's session lives.
pub const SESSION_TTL: Duration = Duration::from_secs(24 * 3600);

/// Messages per session per minute, and per client address per minute.
pub const PER_SESSION_PER_MINUTE: u32 = 20;
/// Messages and new sessions per client address per minute.
pub const PER_ADDRESS_PER_MINUTE: u32 = 60;

fn color(errors: &mut ValidationErrors, field: &str, raw: &str) -> Option<String> {
    let raw = raw.trim();
    let ok = raw.len() == 7 && raw.starts_with('#') && raw[1..].bytes().all(|b| b.is_ascii_hexdigit());
    if ok {
        Some(raw.to_ascii_lowercase())
    } else {
        errors.add(field, "must be a colour #rrggbb");
        None
    }
}

/// `http(s)://host[:port]`, lower-cased, or why not.
///
/// # Errors
/// What is wrong with it.
pub fn parse_origin(raw: &str) -> std::result::Result<String, String> {
    let raw = raw.trim().trim_end_matches('/').to_ascii_lowercase();
    let rest = raw.strip_prefix("https://").or_else(|| raw.strip_prefix("http://"));
    let Some(rest) = rest else { return Err("must start with https:// or http://".into()) };
    let (host, port) = rest.rsplit_once(':').map_or((rest, None), |(h, p)| (h, Some(p)));
    // At most 300 characters in all, as the API document says (a DNS name is at
    // most 253, so a longer one is merely an origin no browser will ever send).
    let host_ok = !host.is_empty()
        && raw.len() <= 300
        && host.split('.').all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    if host_ok && port_ok { Ok(raw) } else { Err("must be an origin such as https://www.example.com (no path)".into()) }
}

/// A visitor's session.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Session {
    tenant: TenantId,
    lead: Option<LeadId>,
    pending: Option<String>,
}

/// A visitor's contact details, from the form.
#[derive(Clone, Debug, Default)]
pub struct Visitor {
    /// Name.
    pub name: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Email.
    pub email: Option<String>,
}

/// The receptionist's answer in the widget.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WidgetReply {
    /// What to show.
    pub reply: String,
    /// Whether the widget still needs a phone or email.
    pub needs_contact: bool,
}

/// Why a public widget request was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No widget has this key, or no session this id.
    Unknown,
    /// The page's origin may not use this widget.
    Origin,
    /// Too many requests; retry later.
    Limited,
}

/// A public widget request's outcome.
pub type Public<T> = std::result::Result<T, Refusal>;

type Cached = RwLock<HashMap<String, (Option<ChatWidget>, Instant)>>;

/// The widget use cases.
pub struct Widgets {
    store: Arc<dyn WidgetStore>,
    tokens: Arc<dyn Tokens>,
    cache: Arc<dyn Cache>,
    limiter: Arc<dyn RateLimiter>,
    leads: Arc<LeadService>,
    desk: Receptionist,
    by_key: Cached,
    own_origin: Option<String>,
}

impl std::fmt::Debug for Widgets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Widgets").finish_non_exhaustive()
    }
}

/// What [`Widgets`] is built from.
pub struct WidgetParts {
    /// Storage.
    pub store: Arc<dyn WidgetStore>,
    /// Keys and session ids.
    pub tokens: Arc<dyn Tokens>,
    /// Sessions.
    pub cache: Arc<dyn Cache>,
    /// Rate limits.
    pub limiter: Arc<dyn RateLimiter>,
    /// Leads.
    pub leads: Arc<LeadService>,
    /// The receptionist.
    pub desk: Receptionist,
    /// The api's own public origin (its `/chat/{key}` page may always use the widget).
    pub public_base: String,
}

impl Widgets {
    /// How long another process may use a changed widget's old settings.
    pub const TTL: Duration = Duration::from_secs(5);

    /// The use cases.
    #[must_use]
    pub fn new(parts: WidgetParts) -> Self {
        Self {
            store: parts.store,
            tokens: parts.tokens,
            cache: parts.cache,
            limiter: parts.limiter,
            leads: parts.leads,
            desk: parts.desk,
            by_key: RwLock::default(),
            own_origin: parse_origin(&parts.public_base).ok(),
        }
    }

    /// The widget of `tenant`.
    ///
    /// # Errors
    /// `NotFound` (`chat widget`) before the first PUT; `Storage`.
    pub async fn get(&self, tenant: TenantId) -> Result<ChatWidget> {
        self.store.get(tenant).await?.ok_or(ReceptionistError::NotFound { entity: "chat widget" })
    }

    /// Creates or changes the widget of `tenant` (a new one gets its key).
    ///
    /// # Errors
    /// `Validation` naming every bad field; `Storage`.
    pub async fn put(&self, tenant: TenantId, changes: WidgetChanges) -> Result<ChatWidget> {
        let now = Utc::now();
        let mut widget = match self.store.get(tenant).await? {
            Some(widget) => widget,
            None => ChatWidget {
                tenant_id: tenant,
                key: format!("wk_{}", self.tokens.token()),
                allowed_origins: Vec::new(),
                greeting: DEFAULT_GREETING.into(),
                primary_color: "#1f6feb".into(),
                text_color: "#ffffff".into(),
                created_at: now,
                updated_at: now,
            },
        };
        let mut errors = ValidationErrors::new();
        if let Some(origins) = changes.allowed_origins {
            if origins.len() > 20 {
                errors.add("allowedOrigins", "at most 20 origins");
            }
            let mut parsed = Vec::new();
            for (i, origin) in origins.iter().enumerate() {
                if let Some(origin) = errors.check(&format!("allowedOrigins.{i}"), parse_origin(origin))
                    && !parsed.contains(&origin)
                {
                    parsed.push(origin);
                }
            }
            widget.allowed_origins = parsed;
        }
        if let Some(greeting) = changes.greeting {
            let greeting = greeting.trim().to_owned();
            if greeting.is_empty() || greeting.chars().count() > 500 {
                errors.add("greeting", "must be 1-500 characters");
            } else if let Err(e) = frontdesk_kernel::text::check_text(&greeting) {
                errors.add("greeting", e);
            }
            widget.greeting = greeting;
        }
        if let Some(raw) = changes.primary_color
            && let Some(c) = color(&mut errors, "primaryColor", &raw)
        {
            widget.primary_color = c;
        }
        if let Some(raw) = changes.text_color
            && let Some(c) = color(&mut errors, "textColor", &raw)
        {
            widget.text_color = c;
        }
        if !errors.is_empty() {
            return Err(errors.into());
        }
        widget.updated_at = now;
        self.store.put(&widget).await?;
        self.by_key.write().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&widget.key);
        Ok(widget)
    }

    /// The widget with `key`, from the cache when fresh.
    ///
    /// # Errors
    /// `Storage`.
    pub async fn by_key(&self, key: &str) -> Result<Option<ChatWidget>> {
        if key.len() > 100 {
            return Ok(None);
        }
        if let Some((hit, at)) = self.by_key.read().unwrap_or_else(std::sync::PoisonError::into_inner).get(key)
            && at.elapsed() < Self::TTL
        {
            return Ok(hit.clone());
        }
        let found = self.store.by_key(key).await?;
        let mut map = self.by_key.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() > 10_000 {
            map.clear();
        }
        map.insert(key.to_owned(), (found.clone(), Instant::now()));
        Ok(found)
    }

    /// Whether a page at `origin` (the request's `Origin`; none for a
    /// same-origin or non-browser request) may use `widget`.
    #[must_use]
    pub fn allows(&self, widget: &ChatWidget, origin: Option<&str>) -> bool {
        let Some(origin) = origin else { return true };
        let Ok(origin) = parse_origin(origin) else { return false };
        self.own_origin.as_deref() == Some(origin.as_str()) || widget.allowed_origins.contains(&origin)
    }

    async fn limited(&self, key: &str, limit: u32) -> bool {
        // Fail open: a limiter outage must not silence the widget.
        matches!(self.limiter.hit(key, limit, Duration::from_secs(60)).await, Ok(d) if !d.allowed)
    }

    async fn widget_for(&self, key: &str, origin: Option<&str>, client: &str) -> Result<Public<ChatWidget>> {
        let Some(widget) = self.by_key(key).await? else { return Ok(Err(Refusal::Unknown)) };
        if !self.allows(&widget, origin) {
            return Ok(Err(Refusal::Origin));
        }
        if self.limited(&format!("widget:address:{client}"), PER_ADDRESS_PER_MINUTE).await {
            return Ok(Err(Refusal::Limited));
        }
        Ok(Ok(widget))
    }

    /// A visitor opens the widget: a new session and the greeting.
    ///
    /// # Errors
    /// `Storage`.
    pub async fn open(&self, key: &str, origin: Option<&str>, client: &str) -> Result<Public<(String, String)>> {
        let widget = match self.widget_for(key, origin, client).await? {
            Ok(widget) => widget,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let id = format!("ws_{}", self.tokens.token());
        let session = Session { tenant: widget.tenant_id, lead: None, pending: None };
        self.save(&id, &session).await?;
        Ok(Ok((id, widget.greeting)))
    }

    async fn save(&self, id: &str, session: &Session) -> Result<()> {
        let bytes = serde_json::to_vec(session).map_err(ReceptionistError::storage)?;
        self.cache.set(&format!("widget:session:{id}"), &bytes, SESSION_TTL).await.map_err(ReceptionistError::storage)
    }

    /// A visitor's message in session `id`.
    ///
    /// # Errors
    /// `Validation` (`content`, `phone`, `email`, `name`); `Storage`.
    pub async fn message(
        &self,
        key: &str,
        id: &str,
        origin: Option<&str>,
        client: &str,
        content: &str,
        visitor: &Visitor,
    ) -> Result<Public<WidgetReply>> {
        let widget = match self.widget_for(key, origin, client).await? {
            Ok(widget) => widget,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let stored = match self.cache.get(&format!("widget:session:{id}")).await {
            Ok(Some(bytes)) => serde_json::from_slice::<Session>(&bytes).ok(),
            Ok(None) => None,
            Err(e) => return Err(ReceptionistError::storage(e)),
        };
        let Some(mut session) = stored.filter(|s| s.tenant == widget.tenant_id) else {
            return Ok(Err(Refusal::Unknown));
        };
        if self.limited(&format!("widget:session:{id}"), PER_SESSION_PER_MINUTE).await {
            return Ok(Err(Refusal::Limited));
        }
        let content = content.trim();
        let mut errors = ValidationErrors::new();
        if content.is_empty() || content.chars().count() > 2000 {
            errors.add("content", "must be 1-2000 characters");
        } else if let Err(e) = frontdesk_kernel::text::check_text(content) {
            errors.add("content", e);
        }
        let phone = visitor.phone.as_deref().map(str::trim).filter(|p| !p.is_empty());
        let phone = phone.and_then(|p| errors.check("phone", PhoneNumber::parse(p)));
        let email = visitor.email.as_deref().map(str::trim).filter(|e| !e.is_empty());
        let email = email.and_then(|e| errors.check("email", EmailAddress::parse(e)));
        let name = visitor.name.as_deref().map(str::trim).filter(|n| !n.is_empty());
        if let Some(name) = name
            && (name.chars().count() > 200 || frontdesk_kernel::text::check_text(name).is_err())
        {
            errors.add("name", "must be at most 200 characters, without control characters");
        }
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let (phone, email) = match (phone, email) {
            (None, None) => contact_in(content),
            given => given,
        };
        if session.lead.is_none() && (phone.is_some() || email.is_some()) {
            let input = NewLead {
                name: name.map_or_else(|| "Website visitor".to_owned(), str::to_owned),
                phone: phone.as_ref().map(|p| p.as_str().to_owned()),
                email: email.as_ref().map(|e| e.as_str().to_owned()),
                source: Some("chat".into()),
                ..NewLead::default()
            };
            session.lead = Some(match self.leads.create(widget.tenant_id, input).await {
                Ok(lead) => lead.id,
                Err(LeadsError::Duplicate { existing, .. }) => existing,
                Err(LeadsError::Validation(errors)) => return Err(ReceptionistError::Validation(errors)),
                Err(other) => return Err(ReceptionistError::storage(other)),
            });
        }
        let Some(lead) = session.lead else {
            if session.pending.is_none() {
                session.pending = Some(content.to_owned());
            }
            self.save(id, &session).await?;
            return Ok(Ok(WidgetReply { reply: ASK_CONTACT.into(), needs_contact: true }));
        };
        // The question asked before the contact details, answered now.
        let said = match session.pending.take() {
            Some(first) if contact_only(content) => first,
            Some(first) => format!("{first}\n{content}"),
            None => content.to_owned(),
        };
        self.save(id, &session).await?;
        let answered = self.desk.handle(widget.tenant_id, lead, Channel::Chat, &said).await?;
        Ok(Ok(WidgetReply { reply: answered.reply, needs_contact: false }))
    }
}

/// A phone number or an email the visitor typed.
fn contact_in(text: &str) -> (Option<PhoneNumber>, Option<EmailAddress>) {
    let email = text
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric() && c != '@' && c != '.' && c != '+' && c != '-' && c != '_')
        })
        .filter(|w| w.contains('@'))
        .find_map(|w| EmailAddress::parse(w.trim_end_matches('.')).ok());
    // A run of digits and separators with a leading +: "+1 (415) 555-0177".
    let mut phone = None;
    for (start, _) in text.match_indices('+') {
        let run: String = text[start..].chars().take_while(|c| c.is_ascii_digit() || " +()-.".contains(*c)).collect();
        if let Ok(parsed) = PhoneNumber::parse(run.trim()) {
            phone = Some(parsed);
            break;
        }
    }
    (phone, email)
}

/// Whether `text` is only contact details (then the earlier question is what to answer).
fn contact_only(text: &str) -> bool {
    let (phone, email) = contact_in(text);
    if phone.is_none() && email.is_none() {
        return false;
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    words.len() <= 8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_scheme_host_and_port() {
        assert_eq!(parse_origin("https://WWW.Acme.example/").unwrap(), "https://www.acme.example");
        assert_eq!(parse_origin("http://localhost:8080").unwrap(), "http://localhost:8080");
        assert!(parse_origin("acme.example").is_err());
        assert!(parse_origin("https://acme.example/path").is_err());
        assert!(parse_origin("https://acme.example:80a").is_err());
        assert!(parse_origin("javascript://x").is_err());
    }

    #[test]
    fn contact_details_are_found_in_what_visitors_type() {
        let (phone, email) = contact_in("I'm Ana, call me on +1 (415) 555-0177 please");
        assert_eq!(phone.unwrap().as_str(), "+14155550177");
        assert!(email.is_none());
        let (phone, email) = contact_in("ana.diaz@example.com.");
        assert!(phone.is_none());
        assert_eq!(email.unwrap().as_str(), "ana.diaz@example.com");
        assert_eq!(contact_in("Can I come in Tuesday?"), (None, None));
        assert!(contact_only("Sure: +14155550177"));
        assert!(!contact_only("Can I come in Tuesday? I'm on +14155550177 but only after work on weekdays please"));
    }
}
