//! Busy times outside Frontdesk block availability: every calendar a
//! sub-account has connected (Google Calendar, a GoHighLevel calendar) is a
//! [`BusySource`], served to the bookings' `ExternalCalendar` port by one
//! [`ExternalBusy`] each and merged by [`AllCalendars`].
//!
//! Per sub-account: its active integration of the source's kind (looked up
//! at most every 30 s; none → nothing is busy there), and each window's busy
//! intervals kept [`BUSY_TTL`] — so repeated availability reads cost no call
//! to the vendor, a booking (a window of its own) reads fresh busy data, and
//! nothing older than a minute is ever used. A calendar that cannot be read
//! fails availability rather than offer a slot it may hold. Busy times
//! block every resource of the sub-account: the calendars are the business's.

use crate::memo::TtlMap;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk_bookings::ports::{Busy, ExternalCalendar};
use frontdesk_bookings::{BookingsError, ResourceId, TimeSlot};
use frontdesk_integrations::{Credentials, IntegrationKind, Integrations};
use frontdesk_kernel::TenantId;
use std::sync::Arc;
use std::time::Duration;

/// How long a window's busy intervals are reused.
pub const BUSY_TTL: Duration = Duration::from_secs(60);
/// How long a sub-account's integration (or its absence) is reused.
const CREDENTIALS_TTL: Duration = Duration::from_secs(30);

/// Busy intervals, as a vendor reports them.
pub type Intervals = Vec<(DateTime<Utc>, DateTime<Utc>)>;

/// A kind of connected calendar.
#[async_trait]
pub trait BusySource: Send + Sync + 'static {
    /// The integration kind that connects it.
    fn kind(&self) -> IntegrationKind;

    /// The busy intervals in `from..to` of the calendars `credentials` name.
    ///
    /// # Errors
    /// Why they could not be read (logged; availability then fails).
    async fn intervals(
        &self,
        tenant: TenantId,
        credentials: &Credentials,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Intervals, String>;
}

/// One source's busy times as the bookings' external calendar.
pub struct ExternalBusy<S> {
    integrations: Arc<Integrations>,
    source: S,
    linked: TtlMap<TenantId, Option<Arc<Credentials>>>,
    /// Busy intervals by (sub-account, window start, window end).
    windows: TtlMap<(TenantId, i64, i64), Intervals>,
}

impl<S: BusySource> ExternalBusy<S> {
    /// `source`'s busy times for the integrations in `integrations`.
    #[must_use]
    pub fn new(integrations: Arc<Integrations>, source: S) -> Self {
        Self { integrations, source, linked: TtlMap::new(CREDENTIALS_TTL), windows: TtlMap::new(BUSY_TTL) }
    }

    async fn credentials(&self, tenant: TenantId) -> Result<Option<Arc<Credentials>>, BookingsError> {
        if let Some(credentials) = self.linked.fresh(&tenant) {
            return Ok(credentials);
        }
        let credentials = self
            .integrations
            .credentials(tenant, self.source.kind())
            .await
            .map_err(BookingsError::storage)?
            .map(Arc::new);
        self.linked.put(tenant, credentials.clone());
        Ok(credentials)
    }
}

#[async_trait]
impl<S: BusySource> ExternalCalendar for ExternalBusy<S> {
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
                let read = self.source.intervals(tenant, &credentials, window.start(), window.end()).await;
                let intervals = read.map_err(|error| {
                    let kind = self.source.kind();
                    tracing::warn!(tenant.id = %tenant, %kind, %error, "busy times unavailable");
                    BookingsError::storage(std::io::Error::other(format!("{kind} busy times unavailable: {error}")))
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

/// Every connected calendar's busy times together.
pub struct AllCalendars(pub Vec<Arc<dyn ExternalCalendar>>);

#[async_trait]
impl ExternalCalendar for AllCalendars {
    async fn busy(
        &self,
        tenant: TenantId,
        resources: &[ResourceId],
        window: TimeSlot,
    ) -> frontdesk_bookings::Result<Vec<Busy>> {
        let reads = self.0.iter().map(|calendar| calendar.busy(tenant, resources, window));
        let mut busy = Vec::new();
        for read in futures_util::future::join_all(reads).await {
            busy.extend(read?);
        }
        Ok(busy)
    }
}
