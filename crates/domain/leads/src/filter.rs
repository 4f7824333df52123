//! Lead list filtering and sorting.
//!
//! The semantics are defined here once, as [`LeadFilter::matches`] and
//! [`LeadSort::compare`], so the in-memory fake uses them directly and the
//! SQL adapter translates the same rules (and the contract suite checks
//! they agree):
//!
//! * every given criterion must hold; soft-deleted leads match only the
//!   trash list (`deleted: true`), and then only they do;
//! * `q` is trimmed, lower-cased and matched as a substring of
//!   [`Lead::search_text`] (name, email, E.164 phone); when `q` looks like
//!   a phone fragment (digits and `+ - . ( )` and spaces, at least three
//!   digits) its digits alone also match, so `"555 0123"` finds
//!   `+14155550123`; a blank `q` matches all;
//! * `created_from` is inclusive and `created_to` exclusive;
//! * every sort ends with the id as a tie-breaker, so pages never overlap.

use crate::lead::Lead;
use crate::status::{LeadSource, LeadStatus};
use chrono::{DateTime, Utc};
use frontdesk_kernel::UserId;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// The order of a lead list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadSort {
    /// Oldest first.
    CreatedAtAsc,
    /// Newest first (the default).
    #[default]
    CreatedAtDesc,
    /// By name, case-insensitively, A to Z.
    Name,
    /// Most recently changed first.
    UpdatedAt,
}

impl LeadSort {
    /// How `a` and `b` are ordered under this sort.
    #[must_use]
    pub fn compare(self, a: &Lead, b: &Lead) -> Ordering {
        match self {
            Self::CreatedAtAsc => (a.created_at, a.id).cmp(&(b.created_at, b.id)),
            Self::CreatedAtDesc => (b.created_at, b.id).cmp(&(a.created_at, a.id)),
            Self::Name => (a.name.as_str().to_lowercase(), a.id).cmp(&(b.name.as_str().to_lowercase(), b.id)),
            Self::UpdatedAt => (b.updated_at, b.id).cmp(&(a.updated_at, a.id)),
        }
    }
}

/// Criteria for listing a tenant's leads; the default lists all, newest first.
///
/// It travels as JSON (an export job's payload) in the wire form of the
/// list's parameters — `status, source, assignedTo, q, createdFrom,
/// createdTo`, camelCase, each optional. The order and the trash switch are
/// not part of it: they are the reader's choice, not which leads, so a
/// stored filter can never ask for deleted leads.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct LeadFilter {
    /// Only this status.
    pub status: Option<LeadStatus>,
    /// Only this source.
    pub source: Option<LeadSource>,
    /// Only leads assigned to this user.
    pub assigned_to: Option<UserId>,
    /// Free-text search over name, email and phone.
    pub q: Option<String>,
    /// Created at or after this instant.
    pub created_from: Option<DateTime<Utc>>,
    /// Created strictly before this instant.
    pub created_to: Option<DateTime<Utc>>,
    /// The order (not serialised).
    #[serde(skip)]
    pub sort: LeadSort,
    /// List the trash (soft-deleted, still restorable leads) instead of live ones (not serialised).
    #[serde(skip)]
    pub deleted: bool,
    /// Start after this lead (keyset paging; the page number is then ignored) (not serialised).
    #[serde(skip)]
    pub after: Option<LeadCursor>,
}

/// Filtered lists count at most this many leads (then `totalIsExact: false`);
/// the unfiltered list's total is always exact (a per-tenant counter).
pub const COUNT_CAP: u64 = 10_000;

/// The sort key of a lead under a [`LeadSort`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CursorKey {
    /// `createdAt` or `updatedAt`.
    Instant(DateTime<Utc>),
    /// The name as stored (compared lower-cased, by the store's own `lower`,
    /// so a cursor agrees with the order the store sorts in).
    Text(String),
}

/// Where a keyset page starts: strictly after the lead with this key and id
/// in its sort's order. Opaque to clients (`nextCursor` → `cursor`): hex of
/// `sort|key|id`, bound to the sort it was made for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeadCursor {
    /// The order it belongs to.
    pub sort: LeadSort,
    /// The last lead's sort key.
    pub key: CursorKey,
    /// The last lead's id (the tie-breaker).
    pub id: frontdesk_kernel::LeadId,
}

impl LeadCursor {
    /// The cursor after `lead` under `sort`.
    #[must_use]
    pub fn after(lead: &Lead, sort: LeadSort) -> Self {
        let key = match sort {
            LeadSort::CreatedAtAsc | LeadSort::CreatedAtDesc => CursorKey::Instant(lead.created_at),
            LeadSort::UpdatedAt => CursorKey::Instant(lead.updated_at),
            LeadSort::Name => CursorKey::Text(lead.name.as_str().to_owned()),
        };
        Self { sort, key, id: lead.id }
    }

    fn sort_tag(sort: LeadSort) -> &'static str {
        match sort {
            LeadSort::CreatedAtAsc => "ca",
            LeadSort::CreatedAtDesc => "cd",
            LeadSort::Name => "n",
            LeadSort::UpdatedAt => "u",
        }
    }

    /// The opaque form.
    #[must_use]
    pub fn encode(&self) -> String {
        let key = match &self.key {
            CursorKey::Instant(at) => at.timestamp_nanos_opt().unwrap_or(i64::MAX).to_string(),
            CursorKey::Text(text) => text.clone(),
        };
        let plain = format!("{}|{}|{key}", Self::sort_tag(self.sort), self.id);
        plain.bytes().map(|b| format!("{b:02x}")).collect()
    }

    /// The cursor `raw` encodes, when it was made for `sort`.
    ///
    /// # Errors
    /// A message for the `cursor` parameter.
    pub fn decode(raw: &str, sort: LeadSort) -> Result<Self, String> {
        const BAD: &str = "is not a cursor of this list (use nextCursor as given, with the same sort)";
        if raw.len() > 2048 || !raw.len().is_multiple_of(2) {
            return Err(BAD.into());
        }
        let bytes: Vec<u8> = (0..raw.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(raw.get(i..i + 2).unwrap_or("zz"), 16))
            .collect::<Result<_, _>>()
            .map_err(|_| BAD.to_owned())?;
        let plain = String::from_utf8(bytes).map_err(|_| BAD.to_owned())?;
        let mut parts = plain.splitn(3, '|');
        let (Some(tag), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(BAD.into());
        };
        if tag != Self::sort_tag(sort) {
            return Err(BAD.into());
        }
        let id = id.parse().map_err(|_| BAD.to_owned())?;
        let key = match sort {
            LeadSort::Name => CursorKey::Text(key.to_owned()),
            _ => CursorKey::Instant(
                key.parse::<i64>().ok().map(DateTime::from_timestamp_nanos).ok_or_else(|| BAD.to_owned())?,
            ),
        };
        Ok(Self { sort, key, id })
    }

    /// Whether `lead` comes strictly after this cursor in its sort's order.
    #[must_use]
    pub fn admits(&self, lead: &Lead) -> bool {
        let lowered = |key: &CursorKey| match key {
            CursorKey::Text(name) => CursorKey::Text(name.to_lowercase()),
            other => other.clone(),
        };
        let mine = Self::after(lead, self.sort);
        let (ours, theirs) = ((lowered(&mine.key), mine.id), (lowered(&self.key), self.id));
        match self.sort {
            LeadSort::CreatedAtAsc | LeadSort::Name => ours > theirs,
            LeadSort::CreatedAtDesc | LeadSort::UpdatedAt => ours < theirs,
        }
    }
}

/// Longest accepted `q`, in characters.
pub const MAX_QUERY_CHARS: usize = 100;

/// Checks a raw `q` before it reaches a repository.
///
/// # Errors
/// When it is too long or holds control characters (which would let a
/// match span two lines of [`Lead::search_text`]).
pub fn check_query(q: &str) -> Result<(), String> {
    if q.chars().count() > MAX_QUERY_CHARS {
        Err(format!("must be at most {MAX_QUERY_CHARS} characters"))
    } else if q.chars().any(char::is_control) {
        Err("must not contain control characters".into())
    } else {
        Ok(())
    }
}

/// The digits of `q` when it looks like a phone fragment (only digits,
/// spaces and `+ - . ( )`, with at least three digits); `None` otherwise.
#[must_use]
pub fn phone_digits(q: &str) -> Option<String> {
    let phone_like =
        q.chars().all(|c| c.is_ascii_digit() || c.is_whitespace() || matches!(c, '+' | '-' | '.' | '(' | ')'));
    let digits: String = q.chars().filter(char::is_ascii_digit).collect();
    (phone_like && digits.len() >= 3).then_some(digits)
}

impl LeadFilter {
    /// Whether `lead` is listed under this filter (tenant scoping is the repository's job).
    #[must_use]
    pub fn matches(&self, lead: &Lead) -> bool {
        lead.deleted_at.is_some() == self.deleted
            && self.status.is_none_or(|s| lead.status == s)
            && self.source.is_none_or(|s| lead.source == s)
            && self.assigned_to.is_none_or(|u| lead.assigned_to == Some(u))
            && self.created_from.is_none_or(|from| lead.created_at >= from)
            && self.created_to.is_none_or(|to| lead.created_at < to)
            && self.search_term().is_none_or(|q| matches_text(lead, &q))
    }

    /// Whether nothing narrows the list: every live lead (its total can be
    /// read from the per-tenant counter instead of counted).
    #[must_use]
    pub fn is_everything(&self) -> bool {
        !self.deleted
            && self.status.is_none()
            && self.source.is_none()
            && self.assigned_to.is_none()
            && self.created_from.is_none()
            && self.created_to.is_none()
            && self.search_term().is_none()
    }

    /// The trimmed, lower-cased search text, if any.
    #[must_use]
    pub fn search_term(&self) -> Option<String> {
        self.q.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(str::to_lowercase)
    }
}

fn matches_text(lead: &Lead, q: &str) -> bool {
    let text = lead.search_text();
    text.contains(q) || phone_digits(q).is_some_and(|digits| text.contains(&digits))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lead::NewLead;
    use chrono::Duration;
    use frontdesk_kernel::TenantId;

    fn lead(name: &str, phone: &str, at: DateTime<Utc>) -> Lead {
        Lead::create(
            TenantId::new(),
            NewLead { name: name.into(), phone: Some(phone.into()), ..NewLead::default() },
            None,
            at,
        )
        .unwrap()
    }

    #[test]
    fn the_default_filter_lists_every_live_lead() {
        let mut ana = lead("Ana", "+14155552671", Utc::now());
        let trash = LeadFilter { deleted: true, ..LeadFilter::default() };
        assert!(LeadFilter::default().matches(&ana) && !trash.matches(&ana));
        ana.deleted_at = Some(Utc::now());
        assert!(!LeadFilter::default().matches(&ana) && trash.matches(&ana));
    }

    #[test]
    fn q_searches_name_email_and_phone_case_insensitively() {
        let mut ana = lead("Ana Lopez", "+14155552671", Utc::now());
        ana.email = crate::EmailAddress::parse("ana@acme.io").ok();
        let q = |q: &str| LeadFilter { q: Some(q.into()), ..LeadFilter::default() }.matches(&ana);
        assert!(q(" LOPEZ ") && q("acme.IO") && q("555 2671") && q("(415)") && q("+1415") && q("   "));
        assert!(!q("bob") && !q("999") && !q("lopezana@"), "no match across fields");
        assert!(!q("z 555 2671"), "not phone-like: matched as typed");
    }

    #[test]
    fn phone_fragments_and_query_checks() {
        assert_eq!(phone_digits("(415) 555-2671").as_deref(), Some("4155552671"));
        assert_eq!(phone_digits("+1"), None, "too few digits");
        assert_eq!(phone_digits("ana 555"), None);
        assert!(check_query("ana lopez").is_ok());
        assert!(check_query("a\u{0}b").unwrap_err().contains("control"));
        assert!(check_query(&"a".repeat(101)).unwrap_err().contains("at most 100"));
    }

    #[test]
    fn created_range_is_inclusive_then_exclusive() {
        let t0 = Utc::now();
        let ana = lead("Ana", "+14155552671", t0);
        let range = |from, to| LeadFilter { created_from: Some(from), created_to: Some(to), ..LeadFilter::default() };
        assert!(range(t0, t0 + Duration::seconds(1)).matches(&ana));
        assert!(!range(t0 - Duration::seconds(1), t0).matches(&ana));
    }

    #[test]
    fn cursors_round_trip_per_sort_and_refuse_anything_else() {
        let ana = lead("Ana|Lopez", "+14155552671", Utc::now());
        for sort in [LeadSort::CreatedAtAsc, LeadSort::CreatedAtDesc, LeadSort::Name, LeadSort::UpdatedAt] {
            let cursor = LeadCursor::after(&ana, sort);
            assert_eq!(LeadCursor::decode(&cursor.encode(), sort).unwrap(), cursor, "{sort:?}");
            assert!(!cursor.admits(&ana), "a cursor does not admit its own lead");
        }
        let name = LeadCursor::after(&ana, LeadSort::Name).encode();
        assert!(LeadCursor::decode(&name, LeadSort::CreatedAtDesc).is_err(), "bound to its sort");
        for bad in ["", "zz", "abc", "00", &"ab".repeat(2000)] {
            assert!(LeadCursor::decode(bad, LeadSort::Name).is_err(), "{bad}");
        }
    }

    #[test]
    fn criteria_combine_with_and() {
        let ana = lead("Ana", "+14155552671", Utc::now());
        let filter =
            LeadFilter { status: Some(LeadStatus::New), source: Some(LeadSource::Call), ..LeadFilter::default() };
        assert!(!filter.matches(&ana), "source differs");
        let filter = LeadFilter { assigned_to: Some(UserId::new()), ..LeadFilter::default() };
        assert!(!filter.matches(&ana), "unassigned");
    }

    #[test]
    fn the_filter_travels_as_the_list_parameters_without_order_or_trash() {
        let at = "2026-11-24T09:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let filter = LeadFilter {
            status: Some(LeadStatus::Won),
            q: Some("ana".into()),
            created_from: Some(at),
            sort: LeadSort::Name,
            deleted: true,
            ..LeadFilter::default()
        };
        let json = serde_json::to_value(&filter).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"status": "won", "source": null, "assignedTo": null, "q": "ana",
                "createdFrom": "2026-11-24T09:00:00Z", "createdTo": null})
        );
        let back: LeadFilter = serde_json::from_value(json).unwrap();
        assert_eq!(back, LeadFilter { sort: LeadSort::default(), deleted: false, ..filter });
        assert_eq!(serde_json::from_value::<LeadFilter>(serde_json::json!({})).unwrap(), LeadFilter::default());
    }

    #[test]
    fn sorts_break_ties_by_id_and_name_ignores_case() {
        let t0 = Utc::now();
        let (a, b) = (lead("bob", "+14155552001", t0), lead("Ana", "+14155552002", t0));
        assert_eq!(LeadSort::Name.compare(&a, &b), Ordering::Greater);
        assert_eq!(LeadSort::CreatedAtAsc.compare(&a, &b), Ordering::Less, "same instant: older id first");
        assert_eq!(LeadSort::CreatedAtDesc.compare(&a, &b), Ordering::Greater);
        assert_eq!(serde_json::to_value(LeadSort::CreatedAtAsc).unwrap(), "created_at_asc");
    }
}
