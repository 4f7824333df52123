//! The list query: every parameter parsed, every bad one reported at once.

use chrono::{DateTime, Days, NaiveDate, Utc};
use frontdesk_kernel::{PageRequest, ValidationErrors};
use frontdesk_leads::filter::check_query;
use frontdesk_leads::{LeadFilter, LeadSort};
use serde::Deserialize;
use utoipa::IntoParams;

/// `GET /api/v1/leads` parameters.
#[derive(Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    /// `new|contacted|qualified|booked|won|lost`.
    pub(super) status: Option<String>,
    /// `manual|import|call|sms|email|chat|form|integration`.
    pub(super) source: Option<String>,
    /// A user id.
    pub(super) assigned_to: Option<String>,
    /// Case-insensitive text in name, email or phone (phone separators ignored); at most 100 characters.
    pub(super) q: Option<String>,
    /// Created at or after: RFC 3339 instant or `YYYY-MM-DD` (midnight UTC).
    pub(super) created_from: Option<String>,
    /// Created before: RFC 3339 instant, or `YYYY-MM-DD` meaning through the end of that day (UTC).
    pub(super) created_to: Option<String>,
    /// `createdAt`, `-createdAt` (default), `name`, `updatedAt` (most recent first).
    pub(super) sort: Option<String>,
    /// `true` lists the trash: deleted leads that can still be restored.
    pub(super) deleted: Option<bool>,
    /// 1-based page (default 1).
    pub(super) page: Option<u32>,
    /// Page size, 1–100 (default 20).
    pub(super) limit: Option<u32>,
    /// Start after the page that returned this `nextCursor` (same `sort`): as fast on the
    /// 1,000th page as on the first; `page` is then ignored.
    pub(super) cursor: Option<String>,
}

fn instant(raw: &str, end_of_day: bool) -> Result<DateTime<Utc>, String> {
    let raw = raw.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(raw) {
        return Ok(at.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .map_err(|_| "must be an RFC 3339 instant (2026-11-24T09:00:00Z) or a date (2026-11-24)".to_owned())?;
    let date = if end_of_day { date.checked_add_days(Days::new(1)).ok_or("is out of range")? } else { date };
    Ok(date.and_hms_opt(0, 0, 0).ok_or("is out of range")?.and_utc())
}

fn sort(raw: &str) -> Result<LeadSort, String> {
    match raw.trim() {
        "createdAt" => Ok(LeadSort::CreatedAtAsc),
        "-createdAt" => Ok(LeadSort::CreatedAtDesc),
        "name" => Ok(LeadSort::Name),
        "updatedAt" | "-updatedAt" => Ok(LeadSort::UpdatedAt),
        other => Err(format!("{other:?} is not one of createdAt, -createdAt, name, updatedAt")),
    }
}

impl ListQuery {
    /// The filter and page, or every invalid parameter.
    ///
    /// # Errors
    /// One line per bad parameter.
    pub fn parse(self) -> Result<(LeadFilter, PageRequest), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let blank = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        let status = blank(&self.status).and_then(|s| errors.check("status", s.parse()));
        let source = blank(&self.source).and_then(|s| errors.check("source", s.parse()));
        let assigned_to =
            blank(&self.assigned_to).and_then(|s| errors.check("assignedTo", s.parse().map_err(|_| "not a valid id")));
        let q = self.q.filter(|q| errors.check("q", check_query(q)).is_some());
        let created_from = blank(&self.created_from).and_then(|s| errors.check("createdFrom", instant(&s, false)));
        let created_to = blank(&self.created_to).and_then(|s| errors.check("createdTo", instant(&s, true)));
        let sort = blank(&self.sort).map_or(Some(LeadSort::default()), |s| errors.check("sort", sort(&s)));
        let page = match PageRequest::new(self.page, self.limit) {
            Ok(page) => Some(page),
            Err(page_errors) => {
                errors.extend(page_errors);
                None
            }
        };
        let after = match (sort, blank(&self.cursor)) {
            (Some(sort), Some(raw)) => errors.check("cursor", frontdesk_leads::filter::LeadCursor::decode(&raw, sort)),
            _ => None,
        };
        match (sort, page) {
            (Some(sort), Some(page)) if errors.is_empty() => Ok((
                LeadFilter {
                    status,
                    source,
                    assigned_to,
                    q,
                    created_from,
                    created_to,
                    sort,
                    deleted: self.deleted.unwrap_or(false),
                    after,
                },
                page,
            )),
            _ => Err(errors),
        }
    }
}
