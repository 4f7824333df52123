//! Reading times and ids out of requests, each failure named by its field.

use chrono::{DateTime, NaiveDate, Utc};
use frontdesk_bookings::service::TimeBound;
use frontdesk_kernel::ValidationErrors;

/// An RFC 3339 instant.
pub fn instant(errors: &mut ValidationErrors, field: &str, raw: Option<&str>) -> Option<DateTime<Utc>> {
    let Some(raw) = raw.map(str::trim).filter(|r| !r.is_empty()) else {
        errors.add(field, "is required (an RFC 3339 instant such as 2026-12-08T15:00:00Z)");
        return None;
    };
    errors.check(
        field,
        DateTime::parse_from_rfc3339(raw)
            .map(|at| at.with_timezone(&Utc))
            .map_err(|_| "must be an RFC 3339 instant such as 2026-12-08T15:00:00Z"),
    )
}

/// A date (`2026-12-08`, in the sub-account's zone) or an RFC 3339 instant; blank is absent.
pub fn bound(errors: &mut ValidationErrors, field: &str, raw: Option<&str>) -> Option<TimeBound> {
    let raw = raw.map(str::trim).filter(|r| !r.is_empty())?;
    if let Ok(date) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        return Some(TimeBound::Date(date));
    }
    errors.check(
        field,
        DateTime::parse_from_rfc3339(raw)
            .map(|at| TimeBound::Instant(at.with_timezone(&Utc)))
            .map_err(|_| "must be a date (2026-12-08) or an RFC 3339 instant"),
    )
}

pub(crate) use crate::routes::field_id as id;
