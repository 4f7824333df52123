//! The schema of every paged list (`{data, page, limit, total}`), for the OpenAPI document.
//!
//! Handlers serialize `frontdesk_kernel::Page<T>`; this mirror only
//! describes it, generic over the item so each list names its items.

use frontdesk_kernel::{PageRequest, ValidationErrors};
use utoipa::ToSchema;

/// The page asked for, its problems added to `errors` with the filters'
/// (so one 400 names every bad parameter).
pub fn page_or_report(errors: &mut ValidationErrors, page: Option<u32>, limit: Option<u32>) -> Option<PageRequest> {
    PageRequest::new(page, limit).map_err(|more| errors.extend(more)).ok()
}

/// One page of a list.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code, reason = "describes frontdesk_kernel::Page for the OpenAPI document")]
pub struct Paged<T: ToSchema> {
    /// The items of this page.
    data: Vec<T>,
    /// The 1-based page number.
    #[schema(minimum = 1)]
    page: u32,
    /// The page size asked for (1–100).
    #[schema(minimum = 1, maximum = 100)]
    limit: u32,
    /// Items across all pages; when `totalIsExact` is false, at least this many (a filtered
    /// lead list counts up to 10,000).
    total: u64,
    /// False when the count stopped at its cap.
    total_is_exact: bool,
    /// The `cursor` of the next page (lead lists; absent on the last page).
    #[schema(nullable = false)]
    next_cursor: Option<String>,
}

/// One page of prompt templates, with the variables a body may use.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code, reason = "describes the template list for the OpenAPI document")]
pub struct TemplatePage {
    /// The templates of this page.
    data: Vec<crate::routes::receptionist::TemplateBody>,
    /// The 1-based page number.
    page: u32,
    /// The page size asked for.
    limit: u32,
    /// Templates across all pages.
    total: u64,
    /// Always true here.
    total_is_exact: bool,
    /// The `{{ name }}` variables a template body may use.
    known_variables: Vec<String>,
}
