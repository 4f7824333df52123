//! Google Calendar wiring: the busy times of a sub-account's linked
//! calendars block its availability ([`GoogleBusy`], the bookings'
//! `ExternalCalendar`), and the integration check.
//!
//! Per sub-account: its active `google_calendar` integration (looked up at
//! most every 30 s; none → nothing is busy outside Frontdesk), an access
//! token refreshed a minute before it expires, and each window's busy
//! intervals kept [`BUSY_TTL`] — so repeated availability reads cost no
//! call to Google, a booking (a window of its own) reads fresh busy data,
//! and nothing older than a minute is ever used. A calendar that cannot be
//! read fails availability rather than offer a slot it may hold.
//!
//! Busy times block every resource of the sub-account: the calendars are
//! the business's. Credentials: an OAuth refresh token, or a service
//! account's key (an RS256 JWT assertion) the calendars are shared with.

use crate::memo::TtlMap;
use crate::settings::Settings;
use async_trait::async_trait;
use frontdesk_bookings::ports::{Busy, ExternalCalendar};
use frontdesk_bookings::{BookingsError, ResourceId, TimeSlot};
use frontdesk_google_calendar::{AccessToken, GoogleCalendar, GoogleError};
use frontdesk_integrations::{Credentials, IntegrationKind, Integrations, Secrets};
use frontdesk_kernel::{JsonObject, TenantId};
use secrecy::SecretString;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a window's busy intervals are reused.
pub const BUSY_TTL: Duration = Duration::from_secs(60);
/// How long a sub-account's integration (or its absence) is reused.
const CREDENTIALS_TTL: Duration = Duration::from_secs(30);

type Intervals = Vec<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)>;

/// The API client for `settings`' base URLs, if it can be built.
#[must_use]
pub fn client(settings: &Settings) -> Option<GoogleCalendar> {
    let urls = &settings.vendor_urls;
    GoogleCalendar::new(&urls.google_calendar, &urls.google_token, Duration::from_secs(10))
        .map_err(|error| tracing::error!(%error, "the Google Calendar client could not be built"))
        .ok()
}

fn text<'a>(settings: &'a JsonObject, name: &str) -> Option<&'a str> {
    settings.get(name).and_then(|v| v.as_str())
}

fn calendars(settings: &JsonObject) -> Vec<String> {
    settings
        .get("calendarIds")
        .and_then(|v| v.as_array())
        .map(|ids| ids.iter().filter_map(|id| id.as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

async fn token(google: &GoogleCalendar, settings: &JsonObject, secrets: &Secrets) -> Result<AccessToken, GoogleError> {
    let secret = |name: &str| SecretString::from(secrets.str(name).unwrap_or_default().to_owned());
    if text(settings, "credentialType") == Some("service_account") {
        return google.service_account(&secret("serviceAccountKey")).await;
    }
    google
        .refresh(text(settings, "clientId").unwrap_or_default(), &secret("clientSecret"), &secret("refreshToken"))
        .await
}

/// The integration check: a token, then the next hour's free/busy of every linked calendar.
///
/// # Errors
/// Why not, for the tenant to act on.
pub async fn check(
    google: &Option<GoogleCalendar>,
    settings: &JsonObject,
    secrets: &Secrets,
) -> Result<String, String> {
    let google = google.as_ref().ok_or("the Google Calendar client is not available")?;
    let token = token(google, settings, secrets).await.map_err(|e| e.to_string())?;
    let ids = calendars(settings);
    let now = chrono::Utc::now();
    google.busy(&token, &ids, now, now + chrono::Duration::hours(1)).await.map_err(|e| e.to_string())?;
    Ok(format!("Google Calendar: {} calendar(s) readable", ids.len()))
}

/// The bookings' external calendar over the sub-accounts' Google Calendar integrations.
pub struct GoogleBusy {
    integrations: Arc<Integrations>,
    google: GoogleCalendar,
    linked: TtlMap<TenantId, Option<Arc<Credentials>>>,
    tokens: Mutex<HashMap<TenantId, AccessToken>>,
    /// Busy intervals by (sub-account, window start, window end).
    windows: TtlMap<(TenantId, i64, i64), Intervals>,
}

impl GoogleBusy {
    /// Busy times through `google` for the integrations in `integrations`.
    #[must_use]
    pub fn new(integrations: Arc<Integrations>, google: GoogleCalendar) -> Self {
        Self {
            integrations,
            google,
            linked: TtlMap::new(CREDENTIALS_TTL),
            tokens: Mutex::default(),
            windows: TtlMap::new(BUSY_TTL),
        }
    }

    async fn credentials(&self, tenant: TenantId) -> Result<Option<Arc<Credentials>>, BookingsError> {
        if let Some(credentials) = self.linked.fresh(&tenant) {
            return Ok(credentials);
        }
        let credentials = self
            .integrations
            .credentials(tenant, IntegrationKind::GoogleCalendar)
            .await
            .map_err(BookingsError::storage)?
            .map(Arc::new);
        self.linked.put(tenant, credentials.clone());
        Ok(credentials)
    }

    async fn access(&self, tenant: TenantId, credentials: &Credentials) -> Result<AccessToken, GoogleError> {
        if let Some(token) = self.tokens.lock().ok().and_then(|t| t.get(&tenant).cloned())
            && token.fresh_for(Duration::from_secs(60))
        {
            return Ok(token);
        }
        let token = token(&self.google, &credentials.settings, &credentials.secrets).await?;
        if let Ok(mut tokens) = self.tokens.lock() {
            tokens.insert(tenant, token.clone());
        }
        Ok(token)
    }
}

#[async_trait]
impl ExternalCalendar for GoogleBusy {
    async fn busy(
        &self,
        tenant: TenantId,
        resources: &[ResourceId],
        window: TimeSlot,
    ) -> frontdesk_bookings::Result<Vec<Busy>> {
        let Some(credentials) = self.credentials(tenant).await? else { return Ok(Vec::new()) };
        let key = (tenant, window.start().timestamp_millis(), window.end().timestamp_millis());
        let intervals = match self.windows.fresh(&key) {
            Some(intervals) => intervals,
            None => {
                let token = self.access(tenant, &credentials).await.map_err(|e| {
                    tracing::warn!(tenant.id = %tenant, error = %e, "Google Calendar token refused or unavailable");
                    BookingsError::storage(e)
                })?;
                let ids = calendars(&credentials.settings);
                let intervals = self.google.busy(&token, &ids, window.start(), window.end()).await.map_err(|e| {
                    tracing::warn!(tenant.id = %tenant, error = %e, "Google Calendar busy times unavailable");
                    BookingsError::storage(e)
                })?;
                self.windows.put_evicting(key, intervals.clone());
                intervals
            }
        };
        let mut busy = Vec::with_capacity(intervals.len() * resources.len());
        for (start, end) in intervals {
            let (start, end) = (start.max(window.start()), end.min(window.end()));
            let Ok(blocks) = TimeSlot::new(start, end) else { continue };
            busy.extend(resources.iter().map(|&resource_id| Busy { resource_id, blocks }));
        }
        Ok(busy)
    }
}

/// Writes booking events into the first linked calendar.
pub struct GoogleEvents(pub GoogleCalendar);

fn calendar_error(e: GoogleError) -> frontdesk_integrations::calendar_sync::CalendarError {
    use frontdesk_integrations::calendar_sync::CalendarError;
    match e {
        GoogleError::Refused(why) => CalendarError::Refused(why),
        GoogleError::Calendar { calendar, reason } => CalendarError::Refused(format!("calendar {calendar}: {reason}")),
        GoogleError::Unavailable(why) => CalendarError::Unavailable(why),
    }
}

#[async_trait]
impl frontdesk_integrations::calendar_sync::CalendarEvents for GoogleEvents {
    async fn put(
        &self,
        credentials: &Credentials,
        event_id: &str,
        slot: &frontdesk_integrations::calendar_sync::BookedSlot,
    ) -> Result<(), frontdesk_integrations::calendar_sync::CalendarError> {
        let token = token(&self.0, &credentials.settings, &credentials.secrets).await.map_err(calendar_error)?;
        let calendar = calendars(&credentials.settings).into_iter().next().unwrap_or_else(|| "primary".into());
        let event = frontdesk_google_calendar::CalendarEvent {
            id: event_id.to_owned(),
            summary: slot.title.clone(),
            description: "Booked through Frontdesk.".into(),
            start: slot.starts_at,
            end: slot.ends_at,
        };
        self.0.put_event(&token, &calendar, &event).await.map_err(calendar_error)
    }

    async fn remove(
        &self,
        credentials: &Credentials,
        event_id: &str,
    ) -> Result<(), frontdesk_integrations::calendar_sync::CalendarError> {
        let token = token(&self.0, &credentials.settings, &credentials.secrets).await.map_err(calendar_error)?;
        let calendar = calendars(&credentials.settings).into_iter().next().unwrap_or_else(|| "primary".into());
        self.0.delete_event(&token, &calendar, event_id).await.map_err(calendar_error)
    }
}

/// Bookings as the calendar sync reads them: times, status, and a title of
/// the lead's name and the appointment type.
pub struct SqlBookedSlots(pub crate::Stores);

#[async_trait]
impl frontdesk_integrations::calendar_sync::BookedSlots for SqlBookedSlots {
    async fn booking(
        &self,
        tenant: TenantId,
        id: uuid::Uuid,
    ) -> frontdesk_integrations::Result<Option<frontdesk_integrations::calendar_sync::BookedSlot>> {
        use frontdesk_bookings::ports::{AppointmentTypeRepository, BookingRepository};
        use frontdesk_integrations::IntegrationsError;
        let sql = self.0.sql.clone();
        let booking = match frontdesk_sea_orm::SeaOrmBookings::new(sql.clone())
            .get(tenant, frontdesk_bookings::BookingId::from_uuid(id))
            .await
        {
            Ok(booking) => booking,
            Err(BookingsError::NotFound { .. }) => return Ok(None),
            Err(e) => return Err(IntegrationsError::storage(e)),
        };
        let lead = frontdesk_leads::LeadRepository::get(
            &frontdesk_sea_orm::SeaOrmLeadRepository::new(sql.clone()),
            tenant,
            booking.lead_id,
        )
        .await
        .map(|l| l.name.as_str().to_owned())
        .unwrap_or_else(|_| "A lead".into());
        let kind = frontdesk_sea_orm::SeaOrmAppointmentTypes::new(sql)
            .get(tenant, booking.appointment_type_id)
            .await
            .map(|t| t.name)
            .unwrap_or_else(|_| "Appointment".into());
        Ok(Some(frontdesk_integrations::calendar_sync::BookedSlot {
            id,
            confirmed: booking.status == frontdesk_bookings::BookingStatus::Confirmed,
            starts_at: booking.starts_at,
            ends_at: booking.ends_at,
            title: format!("{lead} — {kind}"),
        }))
    }
}
