//! Every use case of the product, built once from the stores ([`Services`]),
//! for every binary that runs them: the api serves them, the worker runs
//! their jobs and maintenance, the CLI (`create-admin`) calls them. Built
//! in one place, so the three cannot wire them differently, and the apps
//! never name a SQL or crypto adapter.

use crate::Settings;
use crate::stores::Stores;
use frontdesk_bookings::service::{BookingPorts, Bookings};
use frontdesk_bookings::{
    LeadContact, MessageWordings, NoExternalCalendar, QueuedNotices, Recipients, SendBookingMessages,
};
use frontdesk_crypto::{BcryptPasswordHasher, BookingTokenIssuer, JwtTokenSigner, RefreshTokenIssuer};
use frontdesk_kernel::events::{EventDispatcher, OutboxEvents};
use frontdesk_kernel::jobs::JobQueue;
use frontdesk_kernel::messaging::Outbox;
use frontdesk_kernel::messaging::{LedgerMessenger, MessageChannel, OutboundMessenger};
use frontdesk_kernel::{Clock, SystemClock};
use frontdesk_leads::{LeadService, LeadTransfers};
use frontdesk_receptionist::ReceptionistConfig;
use frontdesk_receptionist::channels::inbound::{Inbound, InboundParts, SmsReplies};
use frontdesk_receptionist::channels::routing::Routes;
use frontdesk_receptionist::channels::sms::OptOutGuard;
use frontdesk_receptionist::channels::summary::CallSummaries;
use frontdesk_receptionist::channels::voice::Markup;
use frontdesk_receptionist::channels::webhook::SignedRequests;
use frontdesk_receptionist::receptionist::Receptionist;
use frontdesk_sea_orm::{
    SeaOrmAppointmentTypes, SeaOrmAuditLog, SeaOrmBookings, SeaOrmChannels, SeaOrmConversations, SeaOrmEmailThreads,
    SeaOrmEventOutbox, SeaOrmInvitationRepository, SeaOrmLeadRepository, SeaOrmLoginAttemptRepository,
    SeaOrmMembershipRepository, SeaOrmOutbox, SeaOrmPromptTemplateRepository, SeaOrmRefreshTokenRepository,
    SeaOrmResources, SeaOrmSchedules, SeaOrmStrategyRepository, SeaOrmTenantDirectory, SeaOrmTenantRepository,
    SeaOrmUserRepository, SeaOrmWidgets, SeaOrmWording,
};
use frontdesk_tenancy::auth::AuthPorts;
use frontdesk_tenancy::{AuthService, LockoutPolicy, SessionPolicy, SubAccountPorts, SubAccountService};
use std::sync::Arc;

/// Why the use cases could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ServicesError {
    /// A secret or crypto setting was rejected (`JWT_SECRET`, `BCRYPT_COST`).
    #[error(transparent)]
    Crypto(#[from] frontdesk_crypto::CryptoError),
    /// The integration templates could not be loaded or compiled.
    #[error("integrations: {0}")]
    Integrations(#[from] frontdesk_integrations::IntegrationsError),
    /// The Twilio messenger could not be built.
    #[error("twilio messenger: {0}")]
    Messenger(String),
}

/// The product's use cases, wired to the stores.
#[derive(Clone)]
pub struct Services {
    /// Sign-up, login, sessions, admins.
    pub auth: Arc<AuthService>,
    /// Sub-accounts, members, invitations (erasing a deleted one's files and cache).
    pub subaccounts: Arc<SubAccountService>,
    /// Leads, their timeline and trash.
    pub leads: Arc<LeadService>,
    /// The receptionist's strategies and prompt templates.
    pub receptionist: Arc<ReceptionistConfig>,
    /// Lead imports and exports: uploads, typed jobs, downloads.
    pub transfers: Arc<LeadTransfers>,
    /// Reading a job's status.
    pub jobs: Arc<dyn JobQueue>,
    /// Schedules, availability, holds and bookings.
    pub bookings: Arc<Bookings>,
    /// The receptionist itself: a lead's message in, the reply out (the fallback model until a provider is configured).
    pub desk: Arc<frontdesk_receptionist::receptionist::Receptionist>,
    /// The tenant's wording of booking messages.
    pub wordings: Arc<MessageWordings>,
    /// What was sent (or, without a provider, would have been): `GET /api/v1/outbox`.
    pub outbox: Arc<dyn Outbox>,
    /// Calls and texts in: routing, blocks, turns, the reply jobs.
    pub inbound: Arc<Inbound>,
    /// Twilio's request signatures (refuses everything without `TWILIO_AUTH_TOKEN`).
    pub signatures: Arc<dyn SignedRequests>,
    /// TwiML.
    pub markup: Arc<dyn Markup>,
    /// Every outbound message: recorded, opt-outs enforced, sent by the channel's provider.
    pub messenger: Arc<dyn OutboundMessenger>,
    /// The website chat widget.
    pub widgets: Arc<frontdesk_receptionist::channels::widget::Widgets>,
    /// A tenant's integrations: templates, sealed credentials, checks, key rotation.
    pub integrations: Arc<frontdesk_integrations::Integrations>,
    /// Signed vendor events (GoHighLevel contacts) for integrations.
    pub inbound_events: Arc<frontdesk_integrations::InboundEvents>,
    /// Outbound webhook subscriptions, their attempt log, redelivery and replay.
    pub webhooks: Arc<frontdesk_integrations::outbound::WebhookSubscriptions>,
    /// The tenant file library (`/api/v1/files`) and its download links.
    pub files: Arc<frontdesk_kernel::files::FileLibrary>,
}

impl Services {
    /// Builds every use case over `stores`.
    ///
    /// # Errors
    /// [`ServicesError`] naming the rejected setting.
    pub async fn build(settings: &Settings, stores: &Stores) -> Result<Self, ServicesError> {
        use secrecy::ExposeSecret;
        let receptionist = Arc::new(receptionist_config(stores));
        let leads = Arc::new(lead_service(stores));
        let bookings = Arc::new(bookings(settings, stores));
        let desk = desk(settings, stores, &leads, &bookings, &receptionist);
        let routes =
            Arc::new(Routes::new(Arc::new(SeaOrmChannels::new(stores.sql.clone())), Arc::clone(&receptionist)));
        let messenger = messenger(settings, stores, &routes)?;
        let secret = deployment_secret(settings)?;
        let inbound = Arc::new(Inbound::new(InboundParts {
            routes,
            desk: desk.clone(),
            leads: Arc::clone(&leads),
            bookings: Arc::clone(&bookings),
            config: Arc::clone(&receptionist),
            opt_outs: Arc::new(SeaOrmChannels::new(stores.sql.clone())),
            cache: Arc::clone(&stores.cache),
            limiter: Arc::clone(&stores.rate_limiter),
            jobs: Arc::clone(&stores.jobs.queue),
            voice: voice_settings(settings),
            // One secret for the process: a pass sealed when a call is answered opens when its stream starts.
            seals: Arc::new(frontdesk_crypto::HmacSeals::new(
                secret.expose_secret().as_bytes(),
                b"frontdesk/relay-pass/v1",
            )),
        }));
        let widgets = Arc::new(frontdesk_receptionist::channels::widget::Widgets::new(
            frontdesk_receptionist::channels::widget::WidgetParts {
                store: Arc::new(SeaOrmWidgets::new(stores.sql.clone())),
                tokens: Arc::new(RandomTokens),
                cache: Arc::clone(&stores.cache),
                limiter: Arc::clone(&stores.rate_limiter),
                leads: Arc::clone(&leads),
                desk: desk.clone(),
                public_base: settings.bookings.public_base_url.clone(),
            },
        ));
        let desk = Arc::new(desk);
        let integrations = Arc::new(crate::integrations::integrations(settings, &stores.sql)?);
        let inbound_events = Arc::new(crate::integrations::inbound_events(settings, &stores.sql, Arc::clone(&leads))?);
        Ok(Self {
            auth: Arc::new(auth_service(settings, stores, &secret)?),
            files: Arc::new(file_library(settings, stores, &secret)),
            subaccounts: Arc::new(subaccount_service(stores)),
            leads,
            receptionist,
            transfers: Arc::new(
                LeadTransfers::new(
                    Arc::clone(&stores.jobs.queue),
                    Arc::clone(&stores.files),
                    Arc::new(SystemClock),
                    settings.files.export_ttl,
                )
                .with_links(file_links(settings, stores, &secret), settings.files.library.max_link),
            ),
            jobs: Arc::clone(&stores.jobs.queue),
            bookings,
            desk,
            wordings: Arc::new(MessageWordings::new(Arc::new(SeaOrmWording::new(stores.sql.clone())))),
            outbox: Arc::new(SeaOrmOutbox::new(stores.sql.clone())),
            inbound,
            signatures: Arc::new(frontdesk_twilio::TwilioSignatures::new(
                settings.twilio.as_ref().map(|t| &t.auth_token),
            )),
            markup: Arc::new(frontdesk_twilio::TwiMl),
            messenger,
            widgets,
            integrations,
            inbound_events,
            webhooks: Arc::new(crate::webhooks::subscriptions(settings, stores)?),
        })
    }
}

/// Widget keys and session ids: 24 random bytes, URL-safe.
struct RandomTokens;

impl frontdesk_receptionist::channels::widget::Tokens for RandomTokens {
    fn token(&self) -> String {
        use secrecy::ExposeSecret;
        match frontdesk_crypto::random_secret(24) {
            Ok(secret) => secret.expose_secret().to_owned(),
            // The OS random source failing is fatal for security: never fall back to something guessable.
            Err(error) => panic!("the system random source failed: {error}"),
        }
    }
}

/// The receptionist use case: the configured model (or the fallback), the
/// lead tools, handoff events into the outbox, flags, turn locks and context in the shared cache.
fn desk(
    settings: &Settings,
    stores: &Stores,
    leads: &Arc<LeadService>,
    bookings: &Arc<Bookings>,
    receptionist: &Arc<ReceptionistConfig>,
) -> Receptionist {
    let desk = Receptionist::new(
        Arc::new(SeaOrmConversations::new(stores.sql.clone())),
        Arc::clone(receptionist),
        Arc::new(SeaOrmLeadRepository::new(stores.sql.clone())),
        Arc::clone(bookings),
        chat_model(settings),
    );
    let clock = desk.clock();
    desk.with_tools(frontdesk_receptionist::lead_tools::lead_tools(leads, clock))
        .with_events(Arc::new(OutboxEvents::new(Arc::new(SeaOrmEventOutbox::new(stores.sql.clone())))))
        .with_interest(Arc::new(crate::webhooks::SubscribedKinds::new(stores)))
        .with_tenant_models(tenant_models(settings, stores))
        .with_flags(Arc::new(frontdesk_receptionist::lead_tools::ServiceFlags(Arc::clone(leads))))
        .with_shared_cache(Arc::clone(&stores.cache))
        .with_cached_leads(Arc::clone(leads))
}

/// Every outbound message goes through this: no text to a number that
/// said STOP, each one recorded in the outbox first (one send per key),
/// then sent through the sub-account's own Twilio or Postmark account when
/// it has an active integration, else the platform's when configured.
fn messenger(
    settings: &Settings,
    stores: &Stores,
    routes: &Arc<Routes>,
) -> Result<Arc<dyn OutboundMessenger>, ServicesError> {
    use crate::tenant_accounts::PreferTenantAccount;
    use frontdesk_integrations::IntegrationKind;
    let mut ledger = LedgerMessenger::new(Arc::new(SeaOrmOutbox::new(stores.sql.clone())));
    let integrations = Arc::new(crate::integrations::integrations(settings, &stores.sql)?);
    let sms_per_minute = settings.twilio.as_ref().map_or(60, |t| t.sms_per_minute);
    let twilio_base = settings.vendor_urls.twilio.clone();
    let twilio = move |account_sid: String, auth_token: secrecy::SecretString| frontdesk_twilio::TwilioConfig {
        account_sid,
        auth_token,
        base_url: twilio_base.clone(),
        per_number_per_minute: sms_per_minute,
        timeout: std::time::Duration::from_secs(10),
    };
    let mut platform_sms: Option<Arc<dyn OutboundMessenger>> = None;
    if let Some(platform) = &settings.twilio
        && let Some(account_sid) = &platform.account_sid
    {
        let config = frontdesk_twilio::TwilioConfig {
            base_url: platform.api_base_url.clone(),
            ..(twilio.clone())(account_sid.clone(), platform.auth_token.clone())
        };
        let sms =
            frontdesk_twilio::TwilioMessenger::new(config, Arc::clone(routes) as _, Arc::clone(&stores.rate_limiter))
                .map_err(ServicesError::Messenger)?;
        tracing::info!(base_url = %platform.api_base_url, "texts are sent through Twilio");
        platform_sms = Some(Arc::new(sms));
    }
    let (routes_for_tenants, limiter) = (Arc::clone(routes), Arc::clone(&stores.rate_limiter));
    let sms = PreferTenantAccount::new(
        IntegrationKind::Twilio,
        Arc::clone(&integrations),
        platform_sms,
        Box::new(move |c| {
            let sid = c.settings.get("accountSid").and_then(|v| v.as_str()).unwrap_or_default().to_owned();
            let token = secrecy::SecretString::from(c.secrets.str("authToken").unwrap_or_default().to_owned());
            let messenger = frontdesk_twilio::TwilioMessenger::new(
                twilio(sid, token),
                Arc::clone(&routes_for_tenants) as _,
                Arc::clone(&limiter),
            )
            .map_err(|e| e.to_string())?;
            Ok(Arc::new(messenger) as Arc<dyn OutboundMessenger>)
        }),
    );
    ledger = ledger.with_provider(MessageChannel::Sms, Arc::new(sms));

    let mut platform_email: Option<Arc<dyn OutboundMessenger>> = None;
    if let Some(postmark) = &settings.postmark
        && let (Some(token), Some(from)) = (&postmark.server_token, &postmark.from)
    {
        let config = frontdesk_postmark::PostmarkConfig {
            server_token: token.clone(),
            from: from.clone(),
            base_url: postmark.api_base_url.clone(),
            timeout: std::time::Duration::from_secs(10),
        };
        let email = frontdesk_postmark::PostmarkMessenger::new(config).map_err(ServicesError::Messenger)?;
        tracing::info!(base_url = %postmark.api_base_url, "email is sent through Postmark");
        platform_email = Some(Arc::new(email));
    }
    let postmark_base = settings.vendor_urls.postmark.clone();
    let email = PreferTenantAccount::new(
        IntegrationKind::Postmark,
        integrations,
        platform_email,
        Box::new(move |c| {
            let config = frontdesk_postmark::PostmarkConfig {
                server_token: secrecy::SecretString::from(c.secrets.str("serverToken").unwrap_or_default().to_owned()),
                from: c.settings.get("fromAddress").and_then(|v| v.as_str()).unwrap_or_default().to_owned(),
                base_url: postmark_base.clone(),
                timeout: std::time::Duration::from_secs(10),
            };
            let messenger = frontdesk_postmark::PostmarkMessenger::new(config).map_err(|e| e.to_string())?;
            Ok(Arc::new(messenger) as Arc<dyn OutboundMessenger>)
        }),
    );
    ledger = ledger.with_provider(MessageChannel::Email, Arc::new(email));
    Ok(Arc::new(OptOutGuard::new(Arc::new(ledger), Arc::new(SeaOrmChannels::new(stores.sql.clone())))))
}

fn voice_settings(settings: &Settings) -> frontdesk_receptionist::channels::inbound::VoiceSettings {
    frontdesk_receptionist::channels::inbound::VoiceSettings {
        turn_budget: settings.voice.turn_budget,
        continue_wait: std::time::Duration::from_secs(10),
        max_voicemail_secs: settings.voice.max_voicemail_secs,
        calls_per_hour: settings.voice.calls_per_hour,
        public_base: settings.bookings.public_base_url.clone(),
        relay: settings.voice.relay,
    }
}

/// Busy times outside Frontdesk: a sub-account's Google Calendar and GoHighLevel calendar integrations.
fn external_calendar(settings: &Settings, stores: &Stores) -> Arc<dyn frontdesk_bookings::ports::ExternalCalendar> {
    use crate::busy::{AllCalendars, ExternalBusy};
    let Ok(integrations) = crate::integrations::integrations(settings, &stores.sql).map(Arc::new) else {
        return Arc::new(NoExternalCalendar);
    };
    let mut calendars: Vec<Arc<dyn frontdesk_bookings::ports::ExternalCalendar>> = Vec::new();
    if let Some(google) = crate::google::client(settings) {
        calendars.push(Arc::new(ExternalBusy::new(Arc::clone(&integrations), crate::google::GoogleBusy::new(google))));
    }
    match crate::integrations::ghl_calendars(settings) {
        Ok(ghl) => calendars.push(Arc::new(ExternalBusy::new(integrations, ghl))),
        Err(error) => tracing::error!(%error, "GoHighLevel busy times not wired"),
    }
    Arc::new(AllCalendars(calendars))
}

/// The scheduling use cases: SeaORM repositories, busy times from a
/// sub-account's Google Calendar, CSPRNG tokens.
fn bookings(settings: &Settings, stores: &Stores) -> Bookings {
    let sql = &stores.sql;
    Bookings::new(
        BookingPorts {
            schedules: Arc::new(frontdesk_bookings::schedule_cache::CachedSchedules::new(
                Arc::new(SeaOrmSchedules::new(sql.clone())),
                Arc::clone(&stores.cache),
            )),
            resources: Arc::new(SeaOrmResources::new(sql.clone())),
            types: Arc::new(SeaOrmAppointmentTypes::new(sql.clone())),
            bookings: Arc::new(SeaOrmBookings::new(sql.clone())),
            calendar: external_calendar(settings, stores),
            tokens: Arc::new(BookingTokenIssuer::default()),
            leads: Arc::new(LeadCacheEviction(Arc::clone(&stores.cache))),
            notices: Arc::new(QueuedNotices::new(
                Arc::clone(&stores.jobs.queue),
                settings.bookings.reminder_minutes.clone(),
                Arc::new(SystemClock),
            )),
            clock: Arc::new(SystemClock),
        },
        settings.bookings.hold_ttl,
    )
}

/// The configured chat model, or `None`: the receptionist then answers with its fallback.
fn chat_model(settings: &Settings) -> Option<Arc<dyn frontdesk_receptionist::ports::ChatModel>> {
    use secrecy::ExposeSecret;
    let openai = settings.openai.as_ref()?;
    let config = frontdesk_openai::OpenAiConfig {
        base_url: openai.base_url.clone(),
        api_key: openai.api_key.expose_secret().to_owned(),
        model: openai.model.clone(),
        ..frontdesk_openai::OpenAiConfig::openai("")
    };
    let http = reqwest::Client::builder().connect_timeout(std::time::Duration::from_secs(5)).build();
    match http {
        Ok(http) => {
            tracing::info!(base_url = %openai.base_url, model = %openai.model, "the receptionist's chat model is configured");
            Some(Arc::new(frontdesk_openai::OpenAiChatModel::new(http, config)))
        }
        Err(err) => {
            tracing::error!(error = %err, "could not build the chat model's HTTP client; the fallback answers");
            None
        }
    }
}

/// A sub-account's own model (its active `openai` integration) answers its conversations.
fn tenant_models(settings: &Settings, stores: &Stores) -> Arc<dyn frontdesk_receptionist::ports::TenantModels> {
    match crate::integrations::integrations(settings, &stores.sql) {
        Ok(integrations) => Arc::new(crate::tenant_accounts::TenantOpenAi::new(
            Arc::new(integrations),
            crate::integrations::egress(settings),
            settings.vendor_urls.openai.clone(),
        )),
        Err(error) => {
            // Services::build refuses the same key ring; never reached in a running process.
            tracing::error!(%error, "tenant models unavailable; the platform's model answers");
            Arc::new(NoTenantModels)
        }
    }
}

/// No sub-account has a model of its own.
struct NoTenantModels;

#[async_trait::async_trait]
impl frontdesk_receptionist::ports::TenantModels for NoTenantModels {
    async fn model_for(
        &self,
        _: frontdesk_kernel::TenantId,
    ) -> Option<Arc<dyn frontdesk_receptionist::ports::ChatModel>> {
        None
    }
}

/// Lead contacts and business names for booking messages, from the leads and sub-accounts tables.
struct SqlRecipients {
    leads: SeaOrmLeadRepository,
    tenants: SeaOrmTenantRepository,
}

#[async_trait::async_trait]
impl Recipients for SqlRecipients {
    async fn lead(
        &self,
        tenant: frontdesk_kernel::TenantId,
        lead: frontdesk_kernel::LeadId,
    ) -> frontdesk_bookings::Result<Option<LeadContact>> {
        use frontdesk_leads::LeadRepository;
        match self.leads.get(tenant, lead).await {
            Ok(lead) => Ok(Some(LeadContact {
                name: lead.name.as_str().to_owned(),
                phone: lead.phone.map(|p| p.as_str().to_owned()),
                email: lead.email.map(|e| e.as_str().to_owned()),
            })),
            Err(frontdesk_leads::LeadsError::NotFound { .. }) => Ok(None),
            Err(err) => Err(frontdesk_bookings::BookingsError::storage(err)),
        }
    }

    async fn business_name(&self, tenant: frontdesk_kernel::TenantId) -> frontdesk_bookings::Result<String> {
        use frontdesk_tenancy::TenantRepository;
        let tenant = self.tenants.get(tenant).await.map_err(frontdesk_bookings::BookingsError::storage)?;
        Ok(tenant.name.as_str().to_owned())
    }
}

/// Marks a lead changed in the cache after a booking write changed its status or timeline
/// (`frontdesk_leads::service::mark_changed`: a racing read cannot cache the old row).
struct LeadCacheEviction(Arc<dyn frontdesk_kernel::Cache>);

#[async_trait::async_trait]
impl frontdesk_bookings::LeadChanged for LeadCacheEviction {
    async fn lead_changed(&self, tenant: frontdesk_kernel::TenantId, lead: frontdesk_kernel::LeadId) {
        if let Err(err) = frontdesk_leads::service::mark_changed(self.0.as_ref(), tenant, lead).await {
            tracing::warn!(tenant.id = %tenant, lead.id = %lead, error = %err, "could not drop a booked lead from the cache; it expires with its TTL");
        }
    }
}

/// `JWT_SECRET`, or a random per-process secret when it is unset (development only:
/// production refuses to start without it).
fn deployment_secret(settings: &Settings) -> Result<secrecy::SecretString, ServicesError> {
    Ok(match &settings.auth.jwt_secret {
        Some(secret) => secret.clone(),
        None => {
            tracing::warn!(
                "JWT_SECRET unset: using a random per-process secret; sessions and file links end when the process restarts"
            );
            frontdesk_crypto::random_secret(48)?
        }
    })
}

/// The file library: records in SQL, bytes in the configured storage, links
/// presigned by S3 or, on local storage, signed by the api (from the deployment secret).
fn file_library(
    settings: &Settings,
    stores: &Stores,
    secret: &secrecy::SecretString,
) -> frontdesk_kernel::files::FileLibrary {
    use frontdesk_kernel::files::{FileLibrary, FileLibraryParts, FileLinks};
    use secrecy::ExposeSecret;
    let links: Arc<dyn FileLinks> = stores.presigned_links.clone().unwrap_or_else(|| {
        Arc::new(frontdesk_files::SignedLinks::new(
            &settings.bookings.public_base_url,
            secret.expose_secret().as_bytes(),
        ))
    });
    FileLibrary::new(FileLibraryParts {
        records: Arc::new(frontdesk_sea_orm::SeaOrmFileRecords::new(stores.sql.clone())),
        storage: Arc::clone(&stores.files),
        links,
        clock: Arc::new(SystemClock),
        policy: settings.files.library,
    })
}

/// Download links: S3's presigned URLs, or on local storage links the api
/// signs (a key derived from the deployment secret) and serves at `/files/download`.
fn file_links(
    settings: &Settings,
    stores: &Stores,
    secret: &secrecy::SecretString,
) -> Arc<dyn frontdesk_kernel::files::FileLinks> {
    use secrecy::ExposeSecret;
    stores.presigned_links.clone().unwrap_or_else(|| {
        Arc::new(frontdesk_files::SignedLinks::new(
            &settings.bookings.public_base_url,
            secret.expose_secret().as_bytes(),
        ))
    })
}

/// The authentication use cases: SeaORM repositories and the crypto adapters.
fn auth_service(
    settings: &Settings,
    stores: &Stores,
    secret: &secrecy::SecretString,
) -> Result<AuthService, ServicesError> {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let secret = secret.clone();
    Ok(AuthService::new(AuthPorts {
        users: stores.memberships.wrap_users(Arc::new(SeaOrmUserRepository::new(stores.sql.clone()))),
        memberships: stores.memberships.wrap(Arc::new(SeaOrmMembershipRepository::new(stores.sql.clone()))),
        refresh_tokens: Arc::new(SeaOrmRefreshTokenRepository::new(stores.sql.clone())),
        hasher: Arc::new(BcryptPasswordHasher::with_threads(settings.auth.bcrypt_cost, settings.auth.bcrypt_threads)?),
        signer: Arc::new(JwtTokenSigner::new(&secret, Arc::clone(&clock))?),
        generator: Arc::new(RefreshTokenIssuer::new()),
        attempts: Arc::new(SeaOrmLoginAttemptRepository::new(stores.sql.clone())),
        lockout: LockoutPolicy::default(),
        sessions: SessionPolicy {
            absolute_lifetime: chrono::Duration::from_std(settings.auth.refresh_absolute_ttl)
                .unwrap_or(chrono::Duration::days(30)),
        },
        audit: Arc::new(SeaOrmAuditLog::new(stores.sql.clone())),
        clock,
    }))
}

/// The sub-account use cases; a deleted sub-account's files and cache entries are erased with it,
/// and every membership change is announced to the other api processes.
fn subaccount_service(stores: &Stores) -> SubAccountService {
    SubAccountService::new(SubAccountPorts {
        tenants: Arc::new(SeaOrmTenantRepository::new(stores.sql.clone())),
        memberships: Arc::new(SeaOrmMembershipRepository::new(stores.sql.clone())),
        invitations: Arc::new(SeaOrmInvitationRepository::new(stores.sql.clone())),
        users: stores.memberships.wrap_users(Arc::new(SeaOrmUserRepository::new(stores.sql.clone()))),
        codes: Arc::new(RefreshTokenIssuer::new()),
        audit: Arc::new(SeaOrmAuditLog::new(stores.sql.clone())),
        clock: Arc::new(SystemClock),
    })
    .with_eraser(Arc::new(TenantLeftovers::new(stores)))
    .with_settings_listener(Arc::new(TenantLeftovers::new(stores)))
    .with_membership_cache(Arc::clone(&stores.memberships))
}

/// Constant-time comparison of secrets (API key, admin bootstrap code, webhook credentials), for the apps.
#[must_use]
pub fn secrets_match(presented: &[u8], expected: &[u8]) -> bool {
    frontdesk_crypto::constant_time_eq(presented, expected)
}

/// The leads use cases: SQL store, the configured cache (Redis or in-process), the tenant directory.
#[must_use]
pub fn lead_service(stores: &Stores) -> LeadService {
    LeadService::new(
        Arc::new(SeaOrmLeadRepository::new(stores.sql.clone())),
        Arc::clone(&stores.cache),
        Arc::new(SeaOrmTenantDirectory::new(stores.sql.clone())),
        Arc::new(SystemClock),
    )
}

/// The receptionist's configuration use cases (strategies, prompt templates).
#[must_use]
pub fn receptionist_config(stores: &Stores) -> ReceptionistConfig {
    ReceptionistConfig::new(
        Arc::new(SeaOrmStrategyRepository::new(stores.sql.clone())),
        Arc::new(SeaOrmPromptTemplateRepository::new(stores.sql.clone())),
        Arc::new(SystemClock),
    )
    .with_cache(Arc::clone(&stores.cache))
}

/// Every job handler this build knows, wired to the stores.
#[must_use]
pub fn job_handlers(settings: &Settings, stores: &Stores) -> crate::jobs::Handlers {
    use frontdesk_leads::{ExportLeads, ImportLeads};
    let repo = Arc::new(SeaOrmLeadRepository::new(stores.sql.clone()));
    let directory = Arc::new(SeaOrmTenantDirectory::new(stores.sql.clone()));
    let codec = Arc::clone(&stores.codec);
    let receptionist = Arc::new(receptionist_config(stores));
    let leads = Arc::new(lead_service(stores));
    let booking_service = Arc::new(bookings(settings, stores));
    let desk = desk(settings, stores, &leads, &booking_service, &receptionist);
    let routes = Arc::new(Routes::new(Arc::new(SeaOrmChannels::new(stores.sql.clone())), receptionist));
    let messenger = match messenger(settings, stores, &routes) {
        Ok(messenger) => messenger,
        Err(error) => {
            // Services::build refused the same settings already; the outbox keeps messages meanwhile.
            tracing::error!(%error, "messenger not built; messages stay in the outbox");
            Arc::new(SeaOrmOutbox::new(stores.sql.clone()))
        }
    };
    let mut handlers = match crate::webhooks::deliveries(settings, stores, Arc::clone(&messenger)) {
        Ok(deliveries) => crate::jobs::Handlers::new().with(Arc::new(deliveries)),
        Err(error) => {
            // Services::build refused the same key ring already; deliveries wait in the queue meanwhile.
            tracing::error!(%error, "webhook deliveries not wired: the encryption key ring is unusable");
            crate::jobs::Handlers::new()
        }
    };
    match crate::integrations::contact_upserts(settings, stores) {
        Ok(upserts) => handlers = handlers.with(Arc::new(upserts)),
        Err(error) => tracing::error!(%error, "GoHighLevel contact upserts not wired; they wait in the queue"),
    }
    if let (Ok(integrations), Some(google)) =
        (crate::integrations::integrations(settings, &stores.sql), crate::google::client(settings))
    {
        handlers = handlers.with(Arc::new(frontdesk_integrations::calendar_sync::SyncBookings::new(
            Arc::new(integrations),
            Arc::new(crate::google::SqlBookedSlots(stores.clone())),
            Arc::new(crate::google::GoogleEvents(google)),
        )));
    }
    match crate::integrations::contact_imports(settings, stores) {
        Ok(imports) => handlers = handlers.with(Arc::new(imports)),
        Err(error) => tracing::error!(%error, "GoHighLevel contact imports not wired; they wait in the queue"),
    }
    match crate::integrations::appointment_syncs(settings, stores) {
        Ok(appointments) => handlers = handlers.with(Arc::new(appointments)),
        Err(error) => tracing::error!(%error, "GoHighLevel appointments not wired; they wait in the queue"),
    }
    match recordings(settings, stores, &leads) {
        Ok(recordings) => handlers = handlers.with(Arc::new(recordings)),
        Err(error) => tracing::error!(%error, "call recordings not wired; they wait in the queue"),
    }
    handlers
        .with(Arc::new(SmsReplies::new(desk.clone(), Arc::clone(&messenger), Arc::clone(&stores.cache))))
        .with(Arc::new(frontdesk_receptionist::channels::mailbox::EmailReplies::new(
            desk,
            Arc::new(SeaOrmEmailThreads::new(stores.sql.clone())),
            Arc::clone(&messenger),
            Arc::clone(&stores.cache),
        )))
        .with(Arc::new(
            CallSummaries::new(Arc::new(SeaOrmConversations::new(stores.sql.clone())), leads)
                .with_events(Arc::new(OutboxEvents::new(Arc::new(SeaOrmEventOutbox::new(stores.sql.clone()))))),
        ))
        .with(Arc::new(crate::jobs::NoopHandler))
        .with(Arc::new(ImportLeads::new(
            repo.clone(),
            directory,
            Arc::clone(&stores.files),
            codec.clone(),
            Arc::new(SystemClock),
        )))
        .with(Arc::new(ExportLeads::new(repo, Arc::clone(&stores.files), codec)))
        .with(Arc::new(EventDispatcher::new(vec![
            Arc::new(frontdesk_receptionist::handoff::StaffHandoffNotice::new(
                Arc::clone(&messenger),
                Arc::new(SeaOrmLeadRepository::new(stores.sql.clone())),
            )),
            Arc::new(frontdesk_integrations::outbound::WebhookFanout::new(
                Arc::new(frontdesk_sea_orm::SeaOrmSubscriptions::new(stores.sql.clone())),
                Arc::clone(&stores.jobs.queue),
                Arc::new(SystemClock),
            )),
            Arc::new(frontdesk_integrations::crm::LeadContactFanout::new(
                Arc::new(frontdesk_sea_orm::SeaOrmIntegrations::new(stores.sql.clone())),
                Arc::clone(&stores.jobs.queue),
            )),
            Arc::new(frontdesk_integrations::calendar_sync::BookingCalendarFanout::new(
                Arc::new(frontdesk_sea_orm::SeaOrmIntegrations::new(stores.sql.clone())),
                Arc::clone(&stores.jobs.queue),
            )),
            Arc::new(frontdesk_integrations::appointments::BookingAppointmentFanout::new(
                Arc::new(frontdesk_sea_orm::SeaOrmIntegrations::new(stores.sql.clone())),
                Arc::clone(&stores.jobs.queue),
            )),
        ])))
        .with(Arc::new(frontdesk_receptionist::evaluation::Evaluations::new(
            Arc::new(receptionist_config(stores)),
            Arc::new(bookings(settings, stores)),
            chat_model(settings),
            Arc::new(SystemClock),
        )))
        .with(Arc::new(SendBookingMessages::new(
            Arc::new(SeaOrmBookings::new(stores.sql.clone())),
            Arc::new(SeaOrmWording::new(stores.sql.clone())),
            Arc::new(SqlRecipients {
                leads: SeaOrmLeadRepository::new(stores.sql.clone()),
                tenants: SeaOrmTenantRepository::new(stores.sql.clone()),
            }),
            messenger,
            Arc::new(SystemClock),
            &settings.bookings.public_base_url,
        )))
}

/// Recordings kept in the file library, fetched from the Twilio account they belong to.
fn recordings(
    settings: &Settings,
    stores: &Stores,
    leads: &Arc<LeadService>,
) -> Result<frontdesk_receptionist::channels::recordings::StoreRecordings, ServicesError> {
    let integrations = Arc::new(crate::integrations::integrations(settings, &stores.sql)?);
    let platform = match &settings.twilio {
        Some(twilio) if twilio.account_sid.is_some() => Some(Arc::new(
            frontdesk_twilio::TwilioRecordings::new(
                &twilio.api_base_url,
                twilio.account_sid.as_deref().unwrap_or_default(),
                twilio.auth_token.clone(),
                std::time::Duration::from_secs(60),
            )
            .map_err(ServicesError::Messenger)?,
        )),
        _ => None,
    };
    let source =
        crate::tenant_accounts::TenantRecordings::new(integrations, platform, settings.vendor_urls.twilio.clone());
    // The worker never serves links, so a per-process secret is enough when JWT_SECRET is unset.
    let files = Arc::new(file_library(settings, stores, &deployment_secret(settings)?));
    Ok(frontdesk_receptionist::channels::recordings::StoreRecordings::new(Arc::new(source), files, Arc::clone(leads)))
}

/// Most jobs one claim on the Redis queue asks for: a claimer per 16 slots
/// (4 claimers at 64 per worker), each claim one script for all its free slots.
const REDIS_CLAIM_BATCH: usize = 16;

/// The worker loop's settings from the process settings.
#[must_use]
pub fn worker_config(settings: &crate::Settings, role: &str) -> crate::jobs::WorkerConfig {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "local".into());
    crate::jobs::WorkerConfig {
        concurrency: settings.jobs.worker_concurrency,
        // The Redis queue reads many entries in one script; the SQL queue claims one row per statement.
        claim_batch: match settings.jobs.backend {
            crate::settings::JobBackendKind::Redis => REDIS_CLAIM_BATCH,
            crate::settings::JobBackendKind::Sql => 1,
        },
        consumer: format!("{role}-{host}-{}", std::process::id()),
        wait: std::time::Duration::from_secs(1),
        grace: settings.http.shutdown_timeout,
        // Three beats per lease: one late or failed renewal does not lose it.
        heartbeat: (settings.jobs.visibility_timeout / 3).max(std::time::Duration::from_millis(100)),
        reconcile: settings.jobs.reconcile_interval,
    }
}

/// Starts the worker loop (and the queue-depth gauge) as background tasks;
/// flip `shutdown` to stop them, then await the returned set.
#[must_use]
pub fn spawn_workers(
    settings: &Settings,
    stores: &Stores,
    config: crate::jobs::WorkerConfig,
    shutdown: &tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinSet<()> {
    let mut tasks = tokio::task::JoinSet::new();
    tasks.spawn(crate::jobs::reconcile_periodically(
        Arc::clone(&stores.jobs.source),
        config.reconcile,
        shutdown.clone(),
    ));
    tasks.spawn(crate::jobs::run_workers(
        Arc::clone(&stores.jobs.source),
        Arc::clone(&stores.jobs.store),
        job_handlers(settings, stores),
        config,
        shutdown.clone(),
    ));
    tasks.spawn(crate::webhooks::relay_outbox(stores.clone(), std::time::Duration::from_millis(250), shutdown.clone()));
    tasks.spawn(crate::jobs::report_depth(
        Arc::clone(&stores.jobs.source),
        std::time::Duration::from_secs(5),
        shutdown.clone(),
    ));
    tasks
}

/// Erases a deleted sub-account's files (uploads, exports) and cache entries
/// (leads, schedule), and drops its cached default schedule when its time
/// zone moves: the [`TenantEraser`](frontdesk_tenancy::TenantEraser) and
/// [`TenantSettingsChanged`](frontdesk_tenancy::TenantSettingsChanged) the api
/// gives its sub-account use cases.
#[derive(Clone)]
pub struct TenantLeftovers {
    files: Arc<dyn frontdesk_kernel::files::FileStorage>,
    cache: Arc<dyn frontdesk_kernel::Cache>,
}

impl TenantLeftovers {
    /// Over the stores' files and cache.
    #[must_use]
    pub fn new(stores: &Stores) -> Self {
        Self { files: Arc::clone(&stores.files), cache: Arc::clone(&stores.cache) }
    }
}

#[async_trait::async_trait]
impl frontdesk_tenancy::TenantEraser for TenantLeftovers {
    async fn erase(&self, tenant: frontdesk_kernel::TenantId) -> frontdesk_tenancy::Result<()> {
        use frontdesk_leads::transfer::{export_folder, upload_folder};
        use frontdesk_tenancy::TenancyError;
        let mut files = 0;
        let library = frontdesk_kernel::files::library::library_folder(tenant);
        for folder in [upload_folder(tenant), export_folder(tenant), library] {
            files += self.files.delete_prefix(&folder).await.map_err(TenancyError::storage)?;
        }
        let prefix = frontdesk_leads::service::tenant_cache_prefix(tenant);
        let keys = self.cache.delete_prefix(&prefix).await.map_err(TenancyError::storage)?;
        frontdesk_bookings::schedule_cache::forget(self.cache.as_ref(), tenant).await.map_err(TenancyError::storage)?;
        tracing::info!(tenant.id = %tenant, files, cache_keys = keys, "erased a deleted sub-account's files and cache entries");
        Ok(())
    }
}

#[async_trait::async_trait]
impl frontdesk_tenancy::TenantSettingsChanged for TenantLeftovers {
    async fn changed(&self, tenant: &frontdesk_tenancy::Tenant, zone_changed: bool) {
        if !zone_changed {
            return;
        }
        if let Err(error) = frontdesk_bookings::schedule_cache::forget(self.cache.as_ref(), tenant.id).await {
            tracing::warn!(tenant.id = %tenant.id, %error, "the default schedule may follow the old time zone until its cache entry expires (10 minutes)");
        }
    }
}
