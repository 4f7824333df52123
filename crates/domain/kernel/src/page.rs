//! Paging for every list endpoint: page/limit with a total.
//!
//! Limits are capped here, once, so no repository can be asked for an
//! unbounded page (default 20, max 100).

use crate::validation::ValidationErrors;
use serde::Serialize;

/// Default page size when the client gives none.
pub const DEFAULT_LIMIT: u32 = 20;
/// Largest page size a client may ask for.
pub const MAX_LIMIT: u32 = 100;

/// The deepest page a list serves (deeper pages of any real list are empty anyway).
pub const MAX_PAGE: u32 = 1_000_000;

/// A validated page request (1-based page number).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRequest {
    page: u32,
    limit: u32,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self { page: 1, limit: DEFAULT_LIMIT }
    }
}

impl PageRequest {
    /// Parses optional `page`/`limit` query values.
    ///
    /// # Errors
    /// `page` below 1 or `limit` outside 1..=100, each named.
    pub fn new(page: Option<u32>, limit: Option<u32>) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let page = page.unwrap_or(1);
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if page == 0 || page > MAX_PAGE {
            errors.add("page", format!("must be between 1 and {MAX_PAGE}"));
        }
        if limit == 0 || limit > MAX_LIMIT {
            errors.add("limit", format!("must be between 1 and {MAX_LIMIT}"));
        }
        errors.into_result().map(|()| Self { page, limit })
    }

    /// The 1-based page number.
    #[must_use]
    pub const fn page(&self) -> u32 {
        self.page
    }

    /// The page size.
    #[must_use]
    pub const fn limit(&self) -> u32 {
        self.limit
    }

    /// Rows to skip.
    #[must_use]
    pub const fn offset(&self) -> u64 {
        (self.page as u64 - 1) * self.limit as u64
    }
}

/// One page of results, serialized as `{data,page,limit,total,totalIsExact}`
/// (and `nextCursor` for lists that page by cursor).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// The items of this page.
    pub data: Vec<T>,
    /// The 1-based page number.
    pub page: u32,
    /// The page size asked for.
    pub limit: u32,
    /// Items across all pages (at least this many when not exact).
    pub total: u64,
    /// False when `total` stopped at a counting cap: there are more.
    pub total_is_exact: bool,
    /// Where the next page starts, for lists that page by cursor (absent on the last page).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from its items and the request that produced it.
    #[must_use]
    pub fn new(data: Vec<T>, request: PageRequest, total: u64) -> Self {
        Self { data, page: request.page(), limit: request.limit(), total, total_is_exact: true, next_cursor: None }
    }

    /// A page whose total is `total` if `exact`, else a lower bound (a counting cap was reached).
    #[must_use]
    pub fn counted(data: Vec<T>, request: PageRequest, total: u64, exact: bool) -> Self {
        Self { total_is_exact: exact, ..Self::new(data, request, total) }
    }

    /// This page with the cursor of the next one.
    #[must_use]
    pub fn with_next_cursor(mut self, cursor: Option<String>) -> Self {
        self.next_cursor = cursor;
        self
    }

    /// Maps the items, keeping the paging.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            data: self.data.into_iter().map(f).collect(),
            page: self.page,
            limit: self.limit,
            total: self.total,
            total_is_exact: self.total_is_exact,
            next_cursor: self.next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_to_first_page_of_twenty() {
        let request = PageRequest::new(None, None).expect("valid");
        assert_eq!((request.page(), request.limit(), request.offset()), (1, 20, 0));
    }

    #[test]
    fn offset_skips_previous_pages() {
        let request = PageRequest::new(Some(3), Some(50)).expect("valid");
        assert_eq!(request.offset(), 100);
    }

    #[test]
    fn rejects_page_zero_and_limit_over_the_cap_naming_both() {
        let errors = PageRequest::new(Some(0), Some(101)).unwrap_err();
        assert_eq!(errors.messages(), vec!["page: must be between 1 and 1000000", "limit: must be between 1 and 100"]);
    }
}
