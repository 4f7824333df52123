//! `POST /api/v1/leads/import` and `POST /api/v1/leads/export`: both start a
//! background job through [`LeadTransfers`](frontdesk_leads::LeadTransfers)
//! and answer 202 `{jobId}`; `GET /api/v1/jobs/{id}` shows progress and the
//! result. This module only reads HTTP: the multipart upload (size caps
//! before anything is buffered) and the strict export body (every bad field
//! named at once); keys, payloads and job kinds are the use case's.

use super::query::ListQuery;
use crate::error::ApiError;
use crate::extract::tenant::{ManagerScope, TenantScope};
use crate::extract::upload::UploadRules;
use crate::routes::jobs::AcceptedBody;
use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, post, web};
use frontdesk_kernel::Code;
use frontdesk_kernel::ValidationErrors;
use frontdesk_kernel::files::TabularFormat;
use frontdesk_leads::LeadFilter;
use frontdesk_leads::LeadTransfers;
use utoipa::ToSchema;

/// Largest accepted import file.
pub const MAX_IMPORT_BYTES: usize = 20 * 1024 * 1024;

/// The format a file name or part content type says.
fn format_of(file_name: Option<&str>, content_type: Option<&str>) -> Option<TabularFormat> {
    let by_name = file_name.and_then(|n| n.rsplit_once('.')).map(|(_, ext)| ext.to_ascii_lowercase());
    match (by_name.as_deref(), content_type) {
        (Some("csv"), _) | (_, Some("text/csv")) => Some(TabularFormat::Csv),
        (Some("xlsx"), _) => Some(TabularFormat::Xlsx),
        (_, Some(ct)) if ct == TabularFormat::Xlsx.content_type() => Some(TabularFormat::Xlsx),
        _ => None,
    }
}

/// Upload form: one `file` part (CSV or XLSX, at most 20 MB).
#[derive(ToSchema)]
#[allow(dead_code, reason = "documents the multipart form for the OpenAPI document")]
pub struct ImportForm {
    /// The file; its format comes from the file name (`.csv`, `.xlsx`) or the part's content type.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Imports leads from a CSV or XLSX file in the background.
///
/// Columns are matched by header: `name, phone, email, status, source, notes`;
/// others go to metadata. Each row is validated like `POST /api/v1/leads`;
/// rows with errors are listed in the job result (`{row, field, message}`),
/// valid rows are kept, duplicates (phone or email already in the
/// sub-account) are skipped and counted.
#[utoipa::path(tag = "leads", request_body(content = ImportForm, content_type = "multipart/form-data"),
    security(("bearer" = [])),
    responses((status = 202, body = AcceptedBody),
        (status = 400, description = "no file part, or not CSV/XLSX", body = crate::error::ErrorBody),
        (status = 413, description = "file over 20 MB", body = crate::error::ErrorBody)))]
#[post("/api/v1/leads/import")]
pub(super) async fn import(
    transfers: web::Data<LeadTransfers>,
    scope: TenantScope,
    req: HttpRequest,
    form: Multipart,
) -> Result<HttpResponse, ApiError> {
    let key = crate::routes::idempotency_key(&req)?;
    let (format, bytes) = read_upload(&req, form).await?;
    let job = transfers.start_import(scope.tenant, format, bytes, key.as_deref()).await?;
    Ok(HttpResponse::Accepted().json(AcceptedBody { job_id: job.to_string() }))
}

/// The one `file` part of an import form, with the format its name or type says.
async fn read_upload(req: &HttpRequest, form: Multipart) -> Result<(TabularFormat, Vec<u8>), ApiError> {
    let too_large =
        format!("import uploads are limited to {} MB in all; split the file", MAX_IMPORT_BYTES / (1024 * 1024));
    let rules = UploadRules { file_part: "file", fields: &[], max_file: MAX_IMPORT_BYTES, too_large: &too_large };
    let upload = crate::extract::upload::read(req, form, &rules).await?;
    let format = format_of(upload.file_name.as_deref(), upload.content_type.as_deref())
        .ok_or_else(|| ApiError::validation(&ValidationErrors::single("file", "must be a .csv or .xlsx file")))?;
    Ok((format, upload.bytes))
}

// `ExportBody` and `ExportFilterBody` only document the body (their doc
// comments are the schemas' descriptions): [`export_request`] reads it,
// strictly, into a format and the one serde [`LeadFilter`], whose wire form
// `ExportFilterBody` states with every value as text.

/// Export request.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code, reason = "documents the export body for the OpenAPI document")]
pub struct ExportBody {
    /// `csv` (default) or `xlsx`.
    format: Option<String>,
    /// The list filter (`status, source, assignedTo, q, createdFrom, createdTo`, as on `GET /api/v1/leads`).
    #[serde(default)]
    #[schema(value_type = Option<ExportFilterBody>)]
    filter: ExportFilterBody,
}

/// The filters an export accepts.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
#[allow(dead_code, reason = "documents the export filter for the OpenAPI document")]
pub struct ExportFilterBody {
    status: Option<String>,
    source: Option<String>,
    assigned_to: Option<String>,
    q: Option<String>,
    created_from: Option<String>,
    created_to: Option<String>,
}

/// The export body as the format and filter it asks for. No body at all (zero bytes) means
/// "every lead as CSV"; anything sent must be a JSON object of the documented
/// shape, or nothing is exported (a malformed body is 400, another content
/// type 415, and every bad or unknown field is listed, filter fields as `filter.x`).
fn export_request(req: &HttpRequest, bytes: &[u8]) -> Result<(TabularFormat, LeadFilter), ApiError> {
    use serde_json::Value;
    if bytes.is_empty() {
        return Ok((TabularFormat::Csv, LeadFilter::default()));
    }
    if !crate::middleware::text_guard::is_json(req.headers()) {
        return Err(ApiError::new(
            Code::UnsupportedMediaType,
            "send the body as JSON with Content-Type: application/json",
        ));
    }
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::new(Code::MalformedJson, format!("request body is not valid JSON: {e}")))?;
    let Value::Object(map) = value else {
        return Err(ApiError::field("body", "must be a JSON object"));
    };
    let mut errors = ValidationErrors::new();
    let text = |errors: &mut ValidationErrors, field: &str, value: &Value| match value {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        _ => {
            errors.add(field, "must be a string");
            None
        }
    };
    let mut format = None;
    let mut filter_fields = serde_json::Map::new();
    for (name, value) in &map {
        match name.as_str() {
            "format" => format = text(&mut errors, "format", value),
            "filter" => match value {
                Value::Null => {}
                Value::Object(fields) => filter_fields.clone_from(fields),
                _ => errors.add("filter", "must be an object"),
            },
            other => errors.add(other, "unknown field (expected format, filter)"),
        }
    }
    // The filter's members are the list's query parameters, read by the same parser.
    let mut query = ListQuery::default();
    for (name, value) in &filter_fields {
        let field = format!("filter.{name}");
        let slot = match name.as_str() {
            "status" => &mut query.status,
            "source" => &mut query.source,
            "assignedTo" => &mut query.assigned_to,
            "q" => &mut query.q,
            "createdFrom" => &mut query.created_from,
            "createdTo" => &mut query.created_to,
            _ => {
                errors.add(field, "unknown filter (status, source, assignedTo, q, createdFrom, createdTo)");
                continue;
            }
        };
        *slot = text(&mut errors, &field, value);
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(&errors));
    }
    let format = match format.as_deref().map(str::trim) {
        None | Some("") => Some(TabularFormat::Csv),
        Some(raw) => {
            errors.check("format", raw.to_ascii_lowercase().parse::<TabularFormat>().map_err(|_| "must be csv or xlsx"))
        }
    };
    let filter = match query.parse() {
        Ok((filter, _)) => Some(filter),
        Err(filter_errors) => {
            for e in filter_errors.errors() {
                errors.add(format!("filter.{}", e.field), e.message.clone());
            }
            None
        }
    };
    match (format, filter) {
        (Some(format), Some(filter)) => Ok((format, filter)),
        _ => Err(ApiError::validation(&errors)),
    }
}

/// Exports the sub-account's leads (all, or those matching `filter`) to a file in the background.
#[utoipa::path(tag = "leads", request_body = ExportBody, security(("bearer" = [])),
    responses((status = 202, body = AcceptedBody), (status = 400, body = crate::error::ErrorBody),
        (status = 415, description = "a body that is not JSON", body = crate::error::ErrorBody)))]
#[post("/api/v1/leads/export")]
pub(super) async fn export(
    transfers: web::Data<LeadTransfers>,
    scope: ManagerScope,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let key = crate::routes::idempotency_key(&req)?;
    let (format, filter) = export_request(&req, &body)?;
    let job = transfers.start_export(scope.tenant, format, filter, key.as_deref()).await?;
    Ok(HttpResponse::Accepted().json(AcceptedBody { job_id: job.to_string() }))
}
