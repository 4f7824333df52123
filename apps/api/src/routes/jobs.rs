//! `/api/v1/jobs/*`: a job's status (tenant-scoped) and an export's file
//! (through [`LeadTransfers::download`], which reads the export's typed result).

use crate::error::ApiError;
use crate::extract::tenant::TenantScope;
use actix_web::http::header;
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use frontdesk_kernel::jobs::{JobId, JobQueue, JobRecord};
use frontdesk_leads::LeadTransfers;
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;

/// What the status route needs: the configured job queue (status is tenant-scoped).
pub struct JobsContext {
    /// The configured job queue.
    pub queue: Arc<dyn JobQueue>,
}

/// Registers the routes.
pub fn configure(cfg: &mut impl crate::routes::Routes) {
    cfg.service(status).service(download).service(download_url);
}

/// A job as clients see it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobBody {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    /// `queued|running|completed|failed|dead` (`failed` = a retry is scheduled).
    status: String,
    attempts: u32,
    max_attempts: u32,
    #[schema(value_type = Option<Object>)]
    result: Option<serde_json::Value>,
    error: Option<String>,
    /// `{processed,total}` for long jobs.
    #[schema(value_type = Option<Object>)]
    progress: Option<serde_json::Value>,
    /// When it is (next) due.
    run_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<&JobRecord> for JobBody {
    fn from(r: &JobRecord) -> Self {
        Self {
            id: r.job.id.to_string(),
            kind: r.job.kind.clone(),
            status: r.status.as_str().to_owned(),
            attempts: r.job.attempts,
            max_attempts: r.job.max_attempts,
            result: r.result.clone(),
            error: r.error.clone(),
            progress: r.progress.map(|p| serde_json::json!({"processed": p.processed, "total": p.total})),
            run_at: r.job.run_at,
            created_at: r.job.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// The 202 body of every route that starts a job.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AcceptedBody {
    /// Poll `GET /api/v1/jobs/{jobId}`.
    pub job_id: String,
}

fn job_id(raw: &str) -> Result<JobId, ApiError> {
    crate::routes::path_id(raw, "job")
}

/// A job of the caller's sub-account (another tenant's id answers 404).
#[utoipa::path(tag = "jobs", security(("bearer" = [])),
    responses((status = 200, body = JobBody), (status = 404, body = crate::error::ErrorBody)))]
#[get("/api/v1/jobs/{id}")]
pub(super) async fn status(
    jobs: web::Data<JobsContext>,
    scope: TenantScope,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let record = jobs.queue.status(scope.tenant, job_id(&id)?).await?;
    Ok(HttpResponse::Ok().json(JobBody::from(&record)))
}

/// The file a completed export job wrote.
#[utoipa::path(tag = "jobs", security(("bearer" = [])),
    responses((status = 200, description = "the CSV or XLSX file"),
        (status = 404, description = "unknown job, another tenant's, or not a finished export", body = crate::error::ErrorBody),
        (status = 410, description = "the export expired (`EXPORT_TTL_HOURS` after it finished); export again", body = crate::error::ErrorBody)))]
#[get("/api/v1/jobs/{id}/download")]
pub(super) async fn download(
    transfers: web::Data<LeadTransfers>,
    scope: TenantScope,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let file = transfers.download(scope.tenant, job_id(&id)?).await?;
    Ok(HttpResponse::Ok()
        .content_type(file.content_type)
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", file.file_name)))
        .body(file.bytes))
}

/// A link that downloads a finished export without credentials until it
/// expires — to hand to a spreadsheet tool or a browser (an S3 presigned
/// URL, or on local disk a link the api signs and serves); never past the
/// export's retention.
#[utoipa::path(tag = "jobs", params(crate::routes::files::LinkQuery), security(("bearer" = [])),
    responses((status = 200, body = crate::routes::files::FileLinkBody),
        (status = 400, body = crate::error::ErrorBody),
        (status = 404, description = "unknown job, another tenant's, or not a finished export", body = crate::error::ErrorBody),
        (status = 410, description = "the export expired; export again", body = crate::error::ErrorBody)))]
#[get("/api/v1/jobs/{id}/download-url")]
pub(super) async fn download_url(
    transfers: web::Data<LeadTransfers>,
    scope: TenantScope,
    id: web::Path<String>,
    query: web::Query<crate::routes::files::LinkQuery>,
) -> Result<HttpResponse, ApiError> {
    let link = transfers.download_link(scope.tenant, job_id(&id)?, query.expires_in).await?;
    Ok(HttpResponse::Ok().json(crate::routes::files::FileLinkBody::new(link)))
}
