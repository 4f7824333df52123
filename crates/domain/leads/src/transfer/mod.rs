//! Lead import and export: the use cases that start them ([`LeadTransfers`])
//! and the background jobs that do the work ([`ImportLeads`], [`ExportLeads`]).
//!
//! Each job kind is a [`JobKind`] type ([`ImportLeadsJob`], [`ExportLeadsJob`])
//! fixing its kind string, payload and result, so the producer (the
//! service), the handler and the reader of the result (the download) share
//! one definition instead of each restating JSON field names. Storage keys
//! are built here too, and only here.
//!
//! **Import** (`leads.import`): reads a CSV/XLSX file from storage, maps
//! columns by header name (case-insensitive: `name, phone, email, status,
//! source, notes`; a `metadata` column holding a JSON object is merged;
//! columns an export writes but an import cannot set — `id, assignedTo,
//! createdAt, updatedAt` — are ignored; every other column goes into the
//! lead's metadata under its header), validates each row with the same
//! rules as the API, and inserts valid rows in batches of [`BATCH_ROWS`].
//! Leads whose phone or email already exists in the tenant (or earlier in
//! the file) are counted as duplicates and skipped. The result lists
//! `inserted, duplicates, invalid` and each invalid row's errors as
//! `{row, field, message}` (row = line in the file, header = 1).
//!
//! **Exactly-once effect**: each batch is inserted together with a
//! `job_effects` record `(job id, batch n)` in one transaction
//! ([`LeadRepository::import_batch`](crate::ports::LeadRepository::import_batch)); when the job is delivered again
//! (worker crash, lost acknowledgement) recorded batches are not inserted
//! again and their recorded counts are reused, so the result is the same.
//!
//! The upload is deleted once the import has ended (completed or dead,
//! [`JobHandler::ended`](frontdesk_kernel::jobs::JobHandler::ended)); the maintenance purge removes any that outlive
//! their job (a worker that died at the wrong moment).
//!
//! **Export** (`leads.export`): writes every lead matching a filter to a
//! CSV/XLSX file in storage (`exports/{tenant}/{job}.{ext}`); the job
//! result holds its key and the download path. Its columns re-import as
//! the same leads. Exports expire after `EXPORT_TTL_HOURS` (the maintenance
//! purge deletes them; [`LeadTransfers::download`] then answers `Gone`).

mod export;
mod import;
mod service;

pub use export::ExportLeads;
pub use import::ImportLeads;
pub use service::{Download, LeadTransfers};

use crate::filter::LeadFilter;
use frontdesk_kernel::TenantId;
use frontdesk_kernel::files::{FileError, TabularFormat};
use frontdesk_kernel::jobs::{JobFailure, JobId, JobKind};
use serde::{Deserialize, Serialize};

/// Rows per insert transaction.
pub const BATCH_ROWS: usize = 500;
/// Row errors kept in the result (the counts stay exact beyond it).
pub const MAX_ROW_ERRORS: usize = 1000;

/// The `leads.import` job: an uploaded file in, counts and row errors out.
#[derive(Debug)]
pub enum ImportLeadsJob {}

impl JobKind for ImportLeadsJob {
    const KIND: &'static str = "leads.import";
    type Payload = ImportPayload;
    type Output = ImportResult;
}

/// The `leads.export` job: a filter in, a stored file out.
#[derive(Debug)]
pub enum ExportLeadsJob {}

impl JobKind for ExportLeadsJob {
    const KIND: &'static str = "leads.export";
    type Payload = ExportPayload;
    type Output = ExportResult;
}

/// What an import job is given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportPayload {
    /// The uploaded file's storage key.
    pub file_key: String,
    /// Its format.
    pub format: TabularFormat,
}

/// What an export job is given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportPayload {
    /// `csv` or `xlsx` (csv when absent).
    #[serde(default = "csv")]
    pub format: TabularFormat,
    /// Which leads (every live one when absent); the export's own order applies.
    #[serde(default)]
    pub filter: LeadFilter,
}

const fn csv() -> TabularFormat {
    TabularFormat::Csv
}

/// One problem with one row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// Line in the file (the header is line 1).
    pub row: u64,
    /// The field (`name`, `phone`…).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// What one batch did (recorded with it, so a redelivery reuses it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchOutcome {
    /// Rows inserted.
    pub inserted: u64,
    /// Rows skipped because the phone or email already existed.
    pub duplicates: u64,
}

/// An import job's result.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportResult {
    /// Data rows read (blank rows excluded).
    pub total: u64,
    /// Leads created.
    pub inserted: u64,
    /// Valid rows skipped as duplicates.
    pub duplicates: u64,
    /// Rows refused by validation.
    pub invalid: u64,
    /// The first [`MAX_ROW_ERRORS`] row errors.
    pub errors: Vec<RowError>,
    /// True when more errors existed than are listed.
    pub errors_truncated: bool,
}

/// An export job's result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportResult {
    /// Leads written.
    pub rows: u64,
    /// The file's format.
    pub format: TabularFormat,
    /// The file's storage key (see [`export_key`]).
    pub file: String,
    /// Where clients download it (`/api/v1/jobs/{id}/download`).
    pub download_path: String,
}

/// The storage folder of `tenant`'s uploads (`imports/{tenant}/…`).
#[must_use]
pub fn upload_folder(tenant: TenantId) -> String {
    format!("imports/{tenant}")
}

/// The storage folder of `tenant`'s exports (`exports/{tenant}/…`).
#[must_use]
pub fn export_folder(tenant: TenantId) -> String {
    format!("exports/{tenant}")
}

/// A fresh storage key for an upload of `tenant` (`imports/{tenant}/{uuid v7}.{ext}`).
#[must_use]
pub fn upload_key(tenant: TenantId, format: TabularFormat) -> String {
    format!("{}/{}.{}", upload_folder(tenant), uuid::Uuid::now_v7(), format.as_str())
}

/// The storage key of export `job`'s file (`exports/{tenant}/{job}.{ext}`).
#[must_use]
pub fn export_key(tenant: TenantId, job: JobId, format: TabularFormat) -> String {
    format!("{}/{job}.{}", export_folder(tenant), format.as_str())
}

/// The api path an export's file is downloaded from.
#[must_use]
pub fn download_path(job: JobId) -> String {
    format!("/api/v1/jobs/{job}/download")
}

/// Maps a file error to a job failure: unreadable or missing input never gets better.
fn file_failure(err: &FileError) -> JobFailure {
    match err {
        FileError::Unavailable(_) => JobFailure::retry(err.to_string()),
        _ => JobFailure::permanent(err.to_string()),
    }
}

fn storage_failure(err: &crate::LeadsError) -> JobFailure {
    JobFailure::retry(format!("lead storage: {err}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::LeadStatus;
    use serde_json::json;

    #[test]
    fn payloads_keep_the_wire_form_of_jobs_already_queued() {
        let queued = json!({"format": "xlsx", "filter": {"status": "won", "source": null, "assignedTo": null,
            "q": null, "createdFrom": null, "createdTo": null}});
        let payload: ExportPayload = serde_json::from_value(queued.clone()).unwrap();
        assert_eq!(payload.filter.status, Some(LeadStatus::Won));
        assert_eq!(serde_json::to_value(&payload).unwrap(), queued);
        let bare: ExportPayload = serde_json::from_value(json!({})).unwrap();
        assert_eq!((bare.format, bare.filter), (TabularFormat::Csv, LeadFilter::default()));
        let import = json!({"fileKey": "imports/t/x.csv", "format": "csv"});
        assert_eq!(
            serde_json::to_value(serde_json::from_value::<ImportPayload>(import.clone()).unwrap()).unwrap(),
            import
        );
    }

    #[test]
    fn keys_stay_inside_the_tenant_folders() {
        let (tenant, job) = (TenantId::new(), JobId::new());
        let upload = upload_key(tenant, TabularFormat::Xlsx);
        assert!(upload.starts_with(&format!("imports/{tenant}/")) && upload.ends_with(".xlsx"), "{upload}");
        assert_ne!(upload, upload_key(tenant, TabularFormat::Xlsx), "each upload its own key");
        assert_eq!(export_key(tenant, job, TabularFormat::Csv), format!("exports/{tenant}/{job}.csv"));
        assert!(frontdesk_kernel::files::is_valid_key(&upload));
    }
}
