//! Google Calendar wiring: the busy times of a sub-account's linked
//! calendars ([`GoogleBusy`], a [`crate::busy::BusySource`]: cached and
//! merged with the other connected calendars there), booking events written
//! into the first calendar, and the integration check. Credentials: an
//! OAuth refresh token, or a service account's key (an RS256 JWT assertion)
//! the calendars are shared with; a sub-account's access token is reused
//! until a minute before it expires.

use crate::settings::Settings;
use async_trait::async_trait;
use frontdesk_bookings::BookingsError;
use frontdesk_google_calendar::{AccessToken, GoogleCalendar, GoogleError};
use frontdesk_integrations::{Credentials, IntegrationKind, Secrets};
use frontdesk_kernel::{JsonObject, TenantId};
use secrecy::SecretString;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

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

/// The busy times of a sub-account's linked Google calendars, with an
/// access token per sub-account refreshed a minute before it expires.
pub struct GoogleBusy {
    google: GoogleCalendar,
    tokens: Mutex<HashMap<TenantId, AccessToken>>,
}

impl GoogleBusy {
    /// Busy times through `google`.
    #[must_use]
    pub fn new(google: GoogleCalendar) -> Self {
        Self { google, tokens: Mutex::default() }
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
impl crate::busy::BusySource for GoogleBusy {
    fn kind(&self) -> IntegrationKind {
        IntegrationKind::GoogleCalendar
    }

    async fn intervals(
        &self,
        tenant: TenantId,
        credentials: &Credentials,
        from: chrono::DateTime<chrono::Utc>,
        to: chrono::DateTime<chrono::Utc>,
    ) -> Result<crate::busy::Intervals, String> {
        let token = self.access(tenant, credentials).await.map_err(|e| format!("token refused or unavailable: {e}"))?;
        self.google.busy(&token, &calendars(&credentials.settings), from, to).await.map_err(|e| e.to_string())
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
            lead_id: booking.lead_id,
            confirmed: booking.status == frontdesk_bookings::BookingStatus::Confirmed,
            starts_at: booking.starts_at,
            ends_at: booking.ends_at,
            title: format!("{lead} — {kind}"),
        }))
    }
}
