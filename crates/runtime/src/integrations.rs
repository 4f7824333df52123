//! Integrations wiring: the key ring that seals credentials, and the
//! connection checks that try a tenant's credentials against each vendor.
//!
//! Without `ENCRYPTION_KEYS` (allowed outside production) a key is made
//! once and kept in `FILES_DIR/.encryption-keys` (mode 0600), so the
//! embedded profile's sealed credentials survive a restart; production
//! refuses to start without the variable (settings check).

use crate::settings::Settings;
use async_trait::async_trait;
use frontdesk_crypto::{AesGcmKeyring, CryptoError};
use frontdesk_integrations::{CheckOutcome, ConnectionCheck, IntegrationKind, Secrets};
use frontdesk_kernel::JsonObject;
use secrecy::{ExposeSecret, SecretString};
use std::path::Path;
use std::time::Duration;

/// The file holding the generated key ring outside production.
pub const LOCAL_KEYS_FILE: &str = ".encryption-keys";

/// The key ring from `ENCRYPTION_KEYS`, or the local one (made on first use).
///
/// # Errors
/// `InvalidEncryptionKeys` naming the bad entry; an unreadable or
/// unwritable local key file.
pub fn keyring(settings: &Settings) -> Result<AesGcmKeyring, CryptoError> {
    if let Some(keys) = &settings.auth.encryption_keys {
        return AesGcmKeyring::parse(keys.expose_secret());
    }
    let path = settings.files.dir.join(LOCAL_KEYS_FILE);
    let spec = local_keys(&path)?;
    AesGcmKeyring::parse(&spec)
}

fn local_keys(path: &Path) -> Result<String, CryptoError> {
    let unusable = |what: String| CryptoError::InvalidEncryptionKeys(format!("{what} ({})", path.display()));
    match std::fs::read_to_string(path) {
        Ok(spec) => return Ok(spec.trim().to_owned()),
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
            return Err(unusable(format!("the local key file cannot be read: {err}")));
        }
        Err(_) => {}
    }
    let spec = format!("local1:{}", AesGcmKeyring::generate_key()?);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| unusable(format!("cannot create the files directory: {e}")))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(mut file) => {
            std::io::Write::write_all(&mut file, spec.as_bytes())
                .map_err(|e| unusable(format!("cannot write the local key file: {e}")))?;
            tracing::warn!(
                path = %path.display(),
                "ENCRYPTION_KEYS unset: integration credentials are sealed with a key generated into this file; set ENCRYPTION_KEYS in production"
            );
            Ok(spec)
        }
        // Another process made it first: use theirs.
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            std::fs::read_to_string(path).map(|s| s.trim().to_owned()).map_err(|e| unusable(e.to_string()))
        }
        Err(err) => Err(unusable(format!("cannot create the local key file: {err}"))),
    }
}

/// The integrations use case over `store`: SQL storage and templates, the
/// key ring of `settings`, checks against the real vendor APIs.
///
/// # Errors
/// An unusable key ring; templates that do not load or compile.
pub fn integrations(
    settings: &Settings,
    store: &frontdesk_sea_orm::SqlStore,
) -> Result<frontdesk_integrations::Integrations, crate::services::ServicesError> {
    let repo = std::sync::Arc::new(frontdesk_sea_orm::SeaOrmIntegrations::new(store.clone()));
    Ok(frontdesk_integrations::Integrations::new(
        repo.clone(),
        repo,
        std::sync::Arc::new(keyring(settings)?),
        std::sync::Arc::new(VendorChecks::new(settings)),
        std::sync::Arc::new(frontdesk_kernel::SystemClock),
    )
    .with_url_policy(std::sync::Arc::new(EgressPolicy(egress(settings)))))
}

/// `frontdesk-api rotate-encryption-key`: re-seals every credential under
/// the first key of `ENCRYPTION_KEYS`, `batch` at a time, logging progress.
/// Safe while api processes serve (each value is re-sealed on its own, only
/// if nobody changed it meanwhile) and resumable (run it again).
///
/// # Errors
/// As [`integrations`]; a storage failure (what was done stays done).
pub async fn rotate_encryption_key(
    settings: &Settings,
    store: &frontdesk_sea_orm::SqlStore,
    batch: u32,
) -> Result<frontdesk_integrations::RotationReport, crate::services::ServicesError> {
    let integrations = integrations(settings, store)?;
    let mut report = integrations
        .rotate(batch, |progress| {
            tracing::info!(
                resealed = progress.resealed,
                skipped = progress.skipped,
                failed = progress.failed.len(),
                "re-sealing integration credentials"
            );
        })
        .await?;
    let subscriptions = frontdesk_integrations::outbound::WebhookSubscriptions::new(
        std::sync::Arc::new(frontdesk_sea_orm::SeaOrmSubscriptions::new(store.clone())),
        std::sync::Arc::new(keyring(settings)?),
        std::sync::Arc::new(crate::webhooks::SignedTransport(egress(settings))),
        std::sync::Arc::new(EgressPolicy(egress(settings))),
        std::sync::Arc::new(frontdesk_sea_orm::SeaOrmEventOutbox::new(store.clone())),
        std::sync::Arc::new(NoJobs),
        std::sync::Arc::new(frontdesk_kernel::SystemClock),
    );
    subscriptions.rotate_keys(batch, &mut report).await?;
    tracing::info!(resealed = report.resealed, "webhook signing secrets re-sealed too");
    for id in &report.failed {
        tracing::error!(integration.id = %id, "credentials did not open: their key is not in ENCRYPTION_KEYS, or they were altered");
    }
    for id in &report.failed_subscriptions {
        tracing::error!(subscription.id = %id, "a webhook signing secret did not open: its key is not in ENCRYPTION_KEYS, or it was altered");
    }
    Ok(report)
}

/// The inbound-webhook use case: GoHighLevel events verified with
/// `GOHIGHLEVEL_WEBHOOK_PUBLIC_KEY` (or the vendor's published key).
///
/// # Errors
/// An unusable `GOHIGHLEVEL_WEBHOOK_PUBLIC_KEY`, naming the variable.
pub fn inbound_events(
    settings: &Settings,
    store: &frontdesk_sea_orm::SqlStore,
    leads: std::sync::Arc<frontdesk_leads::LeadService>,
) -> Result<frontdesk_integrations::InboundEvents, CryptoError> {
    let signatures = match &settings.vendor_urls.gohighlevel_webhook_key {
        Some(key) => frontdesk_gohighlevel::GhlSignatures::new(key)
            .map_err(|e| CryptoError::InvalidPublicKey(format!("GOHIGHLEVEL_WEBHOOK_PUBLIC_KEY: {e}")))?,
        None => frontdesk_gohighlevel::GhlSignatures::official(),
    };
    let repo = std::sync::Arc::new(frontdesk_sea_orm::SeaOrmIntegrations::new(store.clone()));
    Ok(frontdesk_integrations::InboundEvents::new(frontdesk_integrations::InboundParts {
        repo: repo.clone(),
        events: repo.clone(),
        links: repo,
        leads,
        gohighlevel: std::sync::Arc::new(signatures),
        clock: std::sync::Arc::new(frontdesk_kernel::SystemClock),
    }))
}

/// Tries credentials against the real vendor APIs.
#[derive(Clone, Debug)]
pub struct VendorChecks {
    egress: frontdesk_webhooks::Egress,
    twilio: String,
    postmark: String,
    openai: String,
    gohighlevel: String,
    google: Option<frontdesk_google_calendar::GoogleCalendar>,
}

impl VendorChecks {
    /// Checks against the vendor base URLs of `settings`.
    #[must_use]
    pub fn new(settings: &Settings) -> Self {
        let urls = &settings.vendor_urls;
        Self {
            egress: egress(settings),
            twilio: urls.twilio.clone(),
            postmark: urls.postmark.clone(),
            openai: urls.openai.clone(),
            gohighlevel: urls.gohighlevel.clone(),
            google: crate::google::client(settings),
        }
    }
}

/// The egress guard for tenant-chosen URLs: private addresses only with
/// `ALLOW_PRIVATE_WEBHOOKS`, `http://` only outside production.
#[must_use]
pub fn egress(settings: &Settings) -> frontdesk_webhooks::Egress {
    let allow_http = settings.app_env != crate::settings::AppEnv::Production;
    frontdesk_webhooks::Egress::new(Duration::from_secs(15), settings.vendor_urls.allow_private_webhooks, allow_http)
}

/// The SSRF rule at creation: a URL resolving to an inside address is
/// refused; one that does not resolve yet is accepted (every delivery
/// resolves and checks again).
#[derive(Clone, Debug)]
pub struct EgressPolicy(pub frontdesk_webhooks::Egress);

#[async_trait]
impl frontdesk_integrations::UrlPolicy for EgressPolicy {
    async fn check(&self, url: &str) -> Result<(), String> {
        match self.0.vet(url).await {
            Ok(_) | Err(frontdesk_webhooks::EgressError::Unreachable(_)) => Ok(()),
            Err(frontdesk_webhooks::EgressError::Refused(why)) => Err(why),
        }
    }
}

impl VendorChecks {
    /// A signed `integration.test` event to a webhook integration's URL.
    async fn ping(&self, settings: &JsonObject, secrets: &Secrets) -> Result<String, String> {
        let url = text(settings, "url").unwrap_or_default();
        let id = format!("msg_{}", uuid::Uuid::now_v7().simple());
        let now = chrono::Utc::now();
        let body =
            serde_json::json!({"type": "integration.test", "timestamp": now.to_rfc3339(), "data": {}}).to_string();
        let mut headers =
            vec![("webhook-id".to_owned(), id.clone()), ("webhook-timestamp".to_owned(), now.timestamp().to_string())];
        if let Some(secret) = secrets.str("signingSecret") {
            let signature = frontdesk_crypto::sign_webhook(secret, &id, now.timestamp(), body.as_bytes())
                .map_err(|e| e.to_string())?;
            headers.push(("webhook-signature".to_owned(), signature));
        }
        match self.egress.post(url, &headers, body.into_bytes()).await {
            Ok(answer) if (200..300).contains(&answer.status) => {
                Ok(format!("the endpoint answered {} in {} ms", answer.status, answer.latency.as_millis()))
            }
            Ok(answer) => {
                let excerpt: String = answer.excerpt.chars().take(200).collect();
                Err(format!("the endpoint answered {}: {excerpt}", answer.status))
            }
            Err(err) => Err(format!("the endpoint was not called: {err}")),
        }
    }
}

fn text<'a>(settings: &'a JsonObject, name: &str) -> Option<&'a str> {
    settings.get(name).and_then(serde_json::Value::as_str)
}

fn secret(secrets: &Secrets, name: &str) -> SecretString {
    SecretString::from(secrets.str(name).unwrap_or_default().to_owned())
}

#[async_trait]
impl ConnectionCheck for VendorChecks {
    async fn check(
        &self,
        kind: IntegrationKind,
        settings: &JsonObject,
        secrets: &Secrets,
        budget: Duration,
    ) -> CheckOutcome {
        let result = tokio::time::timeout(budget + Duration::from_secs(1), self.call(kind, settings, secrets, budget))
            .await
            .unwrap_or_else(|_| Err(format!("the {kind} check did not finish within {} s", budget.as_secs())));
        match result {
            Ok(reached) => CheckOutcome::Connected(reached),
            Err(why) => {
                tracing::info!(integration.kind = %kind, reason = %why, "integration check failed");
                CheckOutcome::Failed(why)
            }
        }
    }
}

impl VendorChecks {
    /// Calls `kind`'s vendor.
    async fn call(
        &self,
        kind: IntegrationKind,
        settings: &JsonObject,
        secrets: &Secrets,
        budget: Duration,
    ) -> Result<String, String> {
        match kind {
            IntegrationKind::Twilio => {
                let sid = text(settings, "accountSid").unwrap_or_default();
                frontdesk_twilio::check_account(&self.twilio, sid, &secret(secrets, "authToken"), budget).await
            }
            IntegrationKind::Postmark => {
                frontdesk_postmark::check_server(&self.postmark, &secret(secrets, "serverToken"), budget).await
            }
            IntegrationKind::OpenAi => {
                let key = secrets.str("apiKey").unwrap_or_default();
                let model = text(settings, "model");
                match text(settings, "baseUrl") {
                    // A tenant-chosen server is reached only through the egress guard.
                    Some(base) => match self.egress.client_for(base).await {
                        Ok((http, _)) => frontdesk_openai::check_models(&http, base, key, model, budget).await,
                        Err(err) => Err(format!("the model server was not called: {err}")),
                    },
                    None => {
                        frontdesk_openai::check_models(&reqwest::Client::new(), &self.openai, key, model, budget).await
                    }
                }
            }
            IntegrationKind::GoHighLevel => {
                let location = text(settings, "locationId").unwrap_or_default();
                let token = secret(secrets, "privateIntegrationToken");
                frontdesk_gohighlevel::check_location(&self.gohighlevel, &token, location, budget).await
            }
            IntegrationKind::Webhook => self.ping(settings, secrets).await,
            IntegrationKind::GoogleCalendar => crate::google::check(&self.google, settings, secrets).await,
        }
    }
}

/// [`frontdesk_integrations::crm::CrmContacts`] in GoHighLevel: the
/// integration's `locationId` and Private Integration token.
#[derive(Clone, Debug)]
pub struct GhlCrm(pub frontdesk_gohighlevel::GhlContacts);

#[async_trait]
impl frontdesk_integrations::crm::CrmContacts for GhlCrm {
    async fn upsert(
        &self,
        settings: &JsonObject,
        secrets: &Secrets,
        existing: Option<&str>,
        contact: &frontdesk_integrations::crm::CrmContact,
    ) -> Result<String, frontdesk_integrations::crm::CrmError> {
        let location = text(settings, "locationId").unwrap_or_default();
        self.0.upsert(&secret(secrets, "privateIntegrationToken"), location, existing, contact).await
    }
}

#[async_trait]
impl frontdesk_integrations::crm::CrmDirectory for GhlCrm {
    async fn page(
        &self,
        settings: &JsonObject,
        secrets: &Secrets,
        after: Option<&frontdesk_integrations::crm::ImportCursor>,
    ) -> Result<frontdesk_integrations::crm::ContactPage, frontdesk_integrations::crm::CrmError> {
        let location = text(settings, "locationId").unwrap_or_default();
        self.0.page(&secret(secrets, "privateIntegrationToken"), location, after).await
    }
}

/// The `gohighlevel.import_contacts` handler over `stores`.
///
/// # Errors
/// An unusable key ring, webhook key or HTTP client.
pub fn contact_imports(
    settings: &Settings,
    stores: &crate::Stores,
) -> Result<frontdesk_integrations::crm::ImportGhlContacts, crate::services::ServicesError> {
    let contacts = frontdesk_gohighlevel::GhlContacts::new(&settings.vendor_urls.gohighlevel, Duration::from_secs(15))
        .map_err(|e| {
            crate::services::ServicesError::Integrations(frontdesk_integrations::IntegrationsError::storage(
                std::io::Error::other(e),
            ))
        })?;
    let leads = std::sync::Arc::new(crate::services::lead_service(stores));
    Ok(frontdesk_integrations::crm::ImportGhlContacts::new(
        std::sync::Arc::new(integrations(settings, &stores.sql)?),
        std::sync::Arc::new(inbound_events(settings, &stores.sql, leads)?),
        std::sync::Arc::new(GhlCrm(contacts)),
        std::sync::Arc::new(frontdesk_sea_orm::SeaOrmIntegrations::new(stores.sql.clone())),
        std::sync::Arc::clone(&stores.rate_limiter),
    ))
}

/// The `gohighlevel.upsert_contact` handler over `stores`.
///
/// # Errors
/// An unusable key ring or HTTP client.
pub fn contact_upserts(
    settings: &Settings,
    stores: &crate::Stores,
) -> Result<frontdesk_integrations::crm::UpsertContacts, crate::services::ServicesError> {
    let contacts = frontdesk_gohighlevel::GhlContacts::new(&settings.vendor_urls.gohighlevel, Duration::from_secs(15))
        .map_err(|e| {
            crate::services::ServicesError::Integrations(frontdesk_integrations::IntegrationsError::storage(
                std::io::Error::other(e),
            ))
        })?;
    Ok(frontdesk_integrations::crm::UpsertContacts::new(frontdesk_integrations::crm::UpsertParts {
        integrations: std::sync::Arc::new(integrations(settings, &stores.sql)?),
        leads: std::sync::Arc::new(frontdesk_sea_orm::SeaOrmLeadRepository::new(stores.sql.clone())),
        links: std::sync::Arc::new(frontdesk_sea_orm::SeaOrmIntegrations::new(stores.sql.clone())),
        crm: std::sync::Arc::new(GhlCrm(contacts)),
        limiter: std::sync::Arc::clone(&stores.rate_limiter),
        leases: std::sync::Arc::clone(&stores.cache),
        queue: std::sync::Arc::clone(&stores.jobs.queue),
        clock: std::sync::Arc::new(frontdesk_kernel::SystemClock),
    }))
}

/// The rotation command's job queue: the rotation queues nothing, so any
/// enqueue is refused rather than silently dropped.
struct NoJobs;

#[async_trait]
impl frontdesk_kernel::jobs::JobQueue for NoJobs {
    async fn enqueue(
        &self,
        _: frontdesk_kernel::jobs::NewJob,
    ) -> Result<frontdesk_kernel::jobs::Enqueued, frontdesk_kernel::jobs::JobError> {
        Err(frontdesk_kernel::jobs::JobError::unavailable(std::io::Error::other("the key rotation queues no jobs")))
    }

    async fn enqueue_at(
        &self,
        job: frontdesk_kernel::jobs::NewJob,
        _: chrono::DateTime<chrono::Utc>,
    ) -> Result<frontdesk_kernel::jobs::Enqueued, frontdesk_kernel::jobs::JobError> {
        self.enqueue(job).await
    }

    async fn status(
        &self,
        _: frontdesk_kernel::TenantId,
        _: frontdesk_kernel::jobs::JobId,
    ) -> Result<frontdesk_kernel::jobs::JobRecord, frontdesk_kernel::jobs::JobError> {
        Err(frontdesk_kernel::jobs::JobError::unavailable(std::io::Error::other("the key rotation queues no jobs")))
    }
}

/// A GoHighLevel calendar: bookings mirrored as appointments
/// ([`frontdesk_integrations::appointments::CrmCalendar`]) and its busy
/// times ([`crate::busy::BusySource`]), for integrations that name a `calendarId`.
#[derive(Clone, Debug)]
pub struct GhlCalendar(pub frontdesk_gohighlevel::GhlCalendars);

/// The GoHighLevel calendar client of `settings`' base URL.
///
/// # Errors
/// When the HTTP client cannot be built.
pub fn ghl_calendars(settings: &Settings) -> Result<GhlCalendar, String> {
    frontdesk_gohighlevel::GhlCalendars::new(&settings.vendor_urls.gohighlevel, Duration::from_secs(15))
        .map(GhlCalendar)
}

fn appointment(slot: &frontdesk_integrations::calendar_sync::BookedSlot) -> frontdesk_gohighlevel::Appointment<'_> {
    frontdesk_gohighlevel::Appointment { title: &slot.title, starts_at: slot.starts_at, ends_at: slot.ends_at }
}

#[async_trait]
impl frontdesk_integrations::appointments::CrmCalendar for GhlCalendar {
    async fn create(
        &self,
        settings: &JsonObject,
        secrets: &Secrets,
        contact_id: &str,
        slot: &frontdesk_integrations::calendar_sync::BookedSlot,
    ) -> Result<String, frontdesk_integrations::crm::CrmError> {
        let location = text(settings, "locationId").unwrap_or_default();
        let calendar = text(settings, "calendarId").unwrap_or_default();
        let token = secret(secrets, "privateIntegrationToken");
        self.0.create(&token, location, calendar, contact_id, &appointment(slot)).await
    }

    async fn update(
        &self,
        _: &JsonObject,
        secrets: &Secrets,
        id: &str,
        slot: &frontdesk_integrations::calendar_sync::BookedSlot,
    ) -> Result<(), frontdesk_integrations::crm::CrmError> {
        self.0.update(&secret(secrets, "privateIntegrationToken"), id, &appointment(slot)).await
    }

    async fn cancel(
        &self,
        _: &JsonObject,
        secrets: &Secrets,
        id: &str,
    ) -> Result<(), frontdesk_integrations::crm::CrmError> {
        self.0.cancel(&secret(secrets, "privateIntegrationToken"), id).await
    }
}

#[async_trait]
impl crate::busy::BusySource for GhlCalendar {
    fn kind(&self) -> IntegrationKind {
        IntegrationKind::GoHighLevel
    }

    async fn intervals(
        &self,
        _: frontdesk_kernel::TenantId,
        credentials: &frontdesk_integrations::Credentials,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Result<crate::busy::Intervals, String> {
        let Some(calendar) = frontdesk_integrations::appointments::calendar_of(&credentials.settings) else {
            return Ok(Vec::new()); // contacts only: no calendar linked
        };
        let location = text(&credentials.settings, "locationId").unwrap_or_default();
        let token = secret(&credentials.secrets, "privateIntegrationToken");
        self.0.busy(&token, location, calendar, from, to).await.map_err(|e| e.to_string())
    }
}

/// The `gohighlevel.sync_appointment` handler over `stores`.
///
/// # Errors
/// An unusable key ring or HTTP client.
pub fn appointment_syncs(
    settings: &Settings,
    stores: &crate::Stores,
) -> Result<frontdesk_integrations::appointments::SyncAppointments, crate::services::ServicesError> {
    use std::sync::Arc;
    let unusable = |e: String| {
        crate::services::ServicesError::Integrations(frontdesk_integrations::IntegrationsError::storage(
            std::io::Error::other(e),
        ))
    };
    let contacts = frontdesk_gohighlevel::GhlContacts::new(&settings.vendor_urls.gohighlevel, Duration::from_secs(15))
        .map_err(unusable)?;
    let repo = Arc::new(frontdesk_sea_orm::SeaOrmIntegrations::new(stores.sql.clone()));
    Ok(frontdesk_integrations::appointments::SyncAppointments::new(
        frontdesk_integrations::appointments::AppointmentParts {
            integrations: Arc::new(integrations(settings, &stores.sql)?),
            bookings: Arc::new(crate::google::SqlBookedSlots(stores.clone())),
            leads: Arc::new(frontdesk_sea_orm::SeaOrmLeadRepository::new(stores.sql.clone())),
            contacts: repo.clone(),
            appointments: repo,
            crm: Arc::new(GhlCrm(contacts)),
            calendar: Arc::new(ghl_calendars(settings).map_err(unusable)?),
            limiter: Arc::clone(&stores.rate_limiter),
            leases: Arc::clone(&stores.cache),
            queue: Arc::clone(&stores.jobs.queue),
            clock: Arc::new(frontdesk_kernel::SystemClock),
        },
    ))
}
