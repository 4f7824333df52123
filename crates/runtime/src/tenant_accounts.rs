//! A sub-account's own vendor accounts win over the platform's: a channel
//! provider that, per message, sends through the tenant's active Twilio or
//! Postmark integration when it has one, else through the platform's
//! provider, else ends at the outbox record (as when nothing is configured);
//! and the tenant's own OpenAI-compatible model for its conversations.
//!
//! The tenant's provider is built from its opened credentials and kept in
//! this process for [`MEMO_TTL`] (as is "the tenant has none"), so a send
//! costs no extra query; a changed or disconnected integration takes effect
//! within that time. Opened credentials stay in this process's memory only
//! (never in the shared cache), like the platform's own.

use crate::memo::TtlMap;
use async_trait::async_trait;
use frontdesk_integrations::{Credentials, IntegrationKind, Integrations};
use frontdesk_kernel::TenantId;
use frontdesk_kernel::messaging::{MessagingError, OutboundMessage, OutboundMessenger, Sent};
use std::sync::Arc;
use std::time::Duration;

/// How long a tenant's provider (or the lack of one) is reused.
pub const MEMO_TTL: Duration = Duration::from_secs(30);

/// Builds a tenant's client of type `T` from its opened credentials.
type Build<T> = Box<dyn Fn(&Credentials) -> Result<Arc<T>, String> + Send + Sync>;

/// Builds a provider from a tenant's opened credentials.
pub type BuildProvider = Build<dyn OutboundMessenger>;

/// A tenant's own client of one vendor, built from its active integration
/// of `kind` and kept [`MEMO_TTL`] (as is "the tenant has none"); the
/// callers fall back to the platform's account when there is none.
struct OwnAccounts<T: ?Sized> {
    kind: IntegrationKind,
    integrations: Arc<Integrations>,
    build: Build<T>,
    memo: TtlMap<TenantId, Option<Arc<T>>>,
}

impl<T: ?Sized + Send + Sync + 'static> OwnAccounts<T> {
    fn new(kind: IntegrationKind, integrations: Arc<Integrations>, build: Build<T>) -> Self {
        Self { kind, integrations, build, memo: TtlMap::new(MEMO_TTL) }
    }

    /// The tenant's own client, if it has an active integration of the kind.
    async fn of(&self, tenant: TenantId) -> Option<Arc<T>> {
        if let Some(own) = self.memo.fresh(&tenant) {
            return own;
        }
        let own = match self.integrations.credentials(tenant, self.kind).await {
            Ok(Some(credentials)) => match (self.build)(&credentials) {
                Ok(own) => Some(own),
                Err(error) => {
                    tracing::error!(tenant.id = %tenant, kind = %self.kind, %error, "the tenant's own account is unusable; the platform's is used");
                    None
                }
            },
            Ok(None) => None,
            Err(error) => {
                // Not memoised: the next call looks again.
                tracing::warn!(tenant.id = %tenant, kind = %self.kind, %error, "the tenant's integration could not be read; the platform's account is used");
                return None;
            }
        };
        self.memo.put(tenant, own.clone());
        own
    }
}

/// The provider of one channel: the tenant's account first, then the platform's.
pub struct PreferTenantAccount {
    own: OwnAccounts<dyn OutboundMessenger>,
    platform: Option<Arc<dyn OutboundMessenger>>,
}

impl PreferTenantAccount {
    /// `kind`'s integrations through `build`, else `platform`.
    #[must_use]
    pub fn new(
        kind: IntegrationKind,
        integrations: Arc<Integrations>,
        platform: Option<Arc<dyn OutboundMessenger>>,
        build: BuildProvider,
    ) -> Self {
        Self { own: OwnAccounts::new(kind, integrations, build), platform }
    }
}

#[async_trait]
impl OutboundMessenger for PreferTenantAccount {
    async fn send(&self, message: &OutboundMessage) -> Result<Sent, MessagingError> {
        if let Some(own) = self.own.of(message.tenant_id).await {
            tracing::debug!(tenant.id = %message.tenant_id, kind = %self.own.kind, "sent through the tenant's own account");
            return own.send(message).await;
        }
        match &self.platform {
            Some(platform) => platform.send(message).await,
            // Neither: the message ends at its outbox record, as when no provider is configured.
            None => Ok(Sent::Duplicate),
        }
    }
}

/// A sub-account's own OpenAI-compatible model (its active `openai`
/// integration: key, model, base URL), built on a client pinned to the
/// vetted addresses of that base URL (the egress guard: a tenant's base URL
/// never reaches inside our network), kept for [`MEMO_TTL`].
pub struct TenantOpenAi {
    integrations: Arc<Integrations>,
    egress: frontdesk_webhooks::Egress,
    default_base: String,
    memo: TtlMap<TenantId, Option<Arc<dyn ChatModel>>>,
}

use frontdesk_receptionist::ports::ChatModel;

impl TenantOpenAi {
    /// Models from `integrations`' `openai` credentials; `default_base` when an integration names none.
    #[must_use]
    pub fn new(integrations: Arc<Integrations>, egress: frontdesk_webhooks::Egress, default_base: String) -> Self {
        Self { integrations, egress, default_base, memo: TtlMap::new(MEMO_TTL) }
    }

    async fn build(&self, credentials: &Credentials) -> Result<Arc<dyn ChatModel>, String> {
        let text = |name: &str| credentials.settings.get(name).and_then(|v| v.as_str()).map(str::to_owned);
        let base_url = text("baseUrl").unwrap_or_else(|| self.default_base.clone());
        let (http, _) = self.egress.client_for(&base_url).await.map_err(|e| e.to_string())?;
        let defaults = frontdesk_openai::OpenAiConfig::openai("");
        let config = frontdesk_openai::OpenAiConfig {
            base_url,
            api_key: credentials.secrets.str("apiKey").unwrap_or_default().to_owned(),
            model: text("model").unwrap_or(defaults.model.clone()),
            ..defaults
        };
        Ok(Arc::new(frontdesk_openai::OpenAiChatModel::new(http, config)))
    }
}

#[async_trait]
impl frontdesk_receptionist::ports::TenantModels for TenantOpenAi {
    async fn model_for(&self, tenant: TenantId) -> Option<Arc<dyn ChatModel>> {
        if let Some(model) = self.memo.fresh(&tenant) {
            return model;
        }
        let model = match self.integrations.credentials(tenant, IntegrationKind::OpenAi).await {
            Ok(Some(credentials)) => match self.build(&credentials).await {
                Ok(model) => Some(model),
                Err(error) => {
                    tracing::warn!(tenant.id = %tenant, %error, "the tenant's own model is unusable; the platform's answers");
                    None
                }
            },
            Ok(None) => None,
            Err(error) => {
                tracing::warn!(tenant.id = %tenant, %error, "the tenant's OpenAI integration could not be read; the platform's model answers");
                return None;
            }
        };
        self.memo.put(tenant, model.clone());
        model
    }
}

/// Recording audio from the Twilio account the recording belongs to: the
/// sub-account's own (its active `twilio` integration, kept for
/// [`MEMO_TTL`]) or the platform's. A URL neither account owns is refused,
/// so no credentials ever travel to a host or account they are not for.
pub struct TenantRecordings {
    own: OwnAccounts<frontdesk_twilio::TwilioRecordings>,
    platform: Option<Arc<frontdesk_twilio::TwilioRecordings>>,
}

impl TenantRecordings {
    /// Over `integrations`' `twilio` credentials (at `base_url`), else `platform`.
    #[must_use]
    pub fn new(
        integrations: Arc<Integrations>,
        platform: Option<Arc<frontdesk_twilio::TwilioRecordings>>,
        base_url: String,
    ) -> Self {
        let build = move |c: &Credentials| {
            let sid = c.settings.get("accountSid").and_then(|v| v.as_str()).unwrap_or_default();
            let token = secrecy::SecretString::from(c.secrets.str("authToken").unwrap_or_default().to_owned());
            frontdesk_twilio::TwilioRecordings::new(&base_url, sid, token, Duration::from_secs(60)).map(Arc::new)
        };
        Self { own: OwnAccounts::new(IntegrationKind::Twilio, integrations, Box::new(build)), platform }
    }
}

#[async_trait]
impl frontdesk_receptionist::channels::recordings::RecordingSource for TenantRecordings {
    async fn fetch(
        &self,
        tenant: TenantId,
        url: &str,
        max_bytes: usize,
    ) -> Result<Vec<u8>, frontdesk_receptionist::channels::recordings::RecordingError> {
        let own = self.own.of(tenant).await.filter(|own| own.owns(url));
        match own.or_else(|| self.platform.clone().filter(|p| p.owns(url))) {
            Some(account) => account.fetch(tenant, url, max_bytes).await,
            None => Err(frontdesk_receptionist::channels::recordings::RecordingError::Refused(
                "the recording belongs to no Twilio account configured for this sub-account".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use frontdesk_integrations::testing::{InMemoryIntegrations, InMemoryTemplates, ScriptedChecks, TestCipher};
    use frontdesk_integrations::{IntegrationTemplate, NewIntegration};
    use frontdesk_kernel::messaging::{MessageChannel, MessageId};
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Records who sent what.
    struct Recording(&'static str, Arc<Mutex<Vec<(&'static str, String)>>>);

    #[async_trait]
    impl OutboundMessenger for Recording {
        async fn send(&self, message: &OutboundMessage) -> Result<Sent, MessagingError> {
            self.1.lock().unwrap().push((self.0, message.body.clone()));
            Ok(Sent::New(MessageId::new()))
        }
    }

    fn message(tenant: TenantId, body: &str) -> OutboundMessage {
        OutboundMessage {
            tenant_id: tenant,
            channel: MessageChannel::Sms,
            to: "+14155550100".into(),
            subject: None,
            body: body.into(),
            dedupe_key: body.into(),
            headers: Vec::new(),
        }
    }

    #[tokio::test]
    async fn a_tenant_with_its_own_active_account_sends_through_it_and_others_through_the_platform() {
        let templates = InMemoryTemplates(vec![IntegrationTemplate {
            kind: IntegrationKind::Twilio,
            name: "Twilio".into(),
            description: "texts".into(),
            settings_schema: serde_json::json!({"type": "object",
                "properties": {"accountSid": {"type": "string"}, "authToken": {"type": "string"}}}),
            secret_fields: vec!["authToken".into()],
        }]);
        let integrations = Arc::new(Integrations::new(
            Arc::new(InMemoryIntegrations::default()),
            Arc::new(templates),
            Arc::new(TestCipher::new("k1")),
            Arc::new(ScriptedChecks::new(vec![])),
            Arc::new(frontdesk_kernel::SystemClock),
        ));
        let (own, pending, neither) = (TenantId::new(), TenantId::new(), TenantId::new());
        for tenant in [own, pending] {
            let settings = serde_json::json!({"accountSid": format!("AC{tenant}"), "authToken": "tenant-token"});
            let input = NewIntegration { kind: "twilio".into(), name: "Mine".into(), settings: Some(settings) };
            let created = integrations.create(tenant, input).await.unwrap();
            if tenant == own {
                integrations.test(tenant, created.id).await.unwrap(); // active
            }
        }
        let sent = Arc::new(Mutex::new(Vec::new()));
        let builds = Arc::new(AtomicUsize::new(0));
        let (record, count) = (Arc::clone(&sent), Arc::clone(&builds));
        let provider = PreferTenantAccount::new(
            IntegrationKind::Twilio,
            integrations,
            Some(Arc::new(Recording("platform", Arc::clone(&sent)))),
            Box::new(move |c| {
                assert_eq!(c.secrets.str("authToken"), Some("tenant-token"));
                count.fetch_add(1, Ordering::SeqCst);
                Ok(Arc::new(Recording("tenant", Arc::clone(&record))) as Arc<dyn OutboundMessenger>)
            }),
        );
        provider.send(&message(own, "one")).await.unwrap();
        provider.send(&message(own, "two")).await.unwrap();
        provider.send(&message(pending, "three")).await.unwrap();
        provider.send(&message(neither, "four")).await.unwrap();
        let sent = sent.lock().unwrap().clone();
        assert_eq!(
            sent,
            [
                ("tenant", "one".into()),
                ("tenant", "two".into()),
                ("platform", "three".into()),
                ("platform", "four".into())
            ],
            "only an active integration wins; a pending one does not"
        );
        assert_eq!(builds.load(Ordering::SeqCst), 1, "the tenant's provider is built once and reused");
    }
}
