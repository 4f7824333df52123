//! Lead import and export as background jobs.
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
//! ([`LeadRepository::import_batch`]); when the job is delivered again
//! (worker crash, lost acknowledgement) recorded batches are not inserted
//! again and their recorded counts are reused, so the result is the same.
//!
//! The upload is deleted once the import has ended (completed or dead,
//! [`JobHandler::ended`]); the maintenance purge removes any that outlive
//! their job (a worker that died at the wrong moment).
//!
//! **Export** (`leads.export`): writes every lead matching a filter to a
//! CSV/XLSX file in storage (`exports/{tenant}/{job}.{ext}`); the job
//! result holds the download path. Its columns re-import as the same leads.
//! Exports expire after `EXPORT_TTL_HOURS` (the maintenance purge deletes
//! them; a download after that answers 410).

use crate::filter::{LeadFilter, LeadSort};
use crate::lead::{Lead, NewLead};
use crate::ports::{LeadRepository, TenantDirectory};
use crate::status::{LeadSource, LeadStatus};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use frontdesk_kernel::files::{FileError, FileStorage, Table, TabularCodec, TabularFormat};
use frontdesk_kernel::jobs::{Job, JobFailure, JobHandler, JobStatus, ProgressSink};
use frontdesk_kernel::{Clock, PageRequest, UserId};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The import job's kind.
pub const IMPORT_KIND: &str = "leads.import";
/// The export job's kind.
pub const EXPORT_KIND: &str = "leads.export";
/// Rows per insert transaction.
pub const BATCH_ROWS: usize = 500;
/// Row errors kept in the result (the counts stay exact beyond it).
pub const MAX_ROW_ERRORS: usize = 1000;

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
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportPayload {
    /// `csv` or `xlsx` (default csv).
    #[serde(default)]
    pub format: Option<TabularFormat>,
    /// Which leads (all live ones when absent).
    #[serde(default)]
    pub filter: ExportFilter,
}

/// The list filter an export applies (validated by the API before enqueueing).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportFilter {
    /// Only this status.
    pub status: Option<LeadStatus>,
    /// Only this source.
    pub source: Option<LeadSource>,
    /// Only this assignee.
    pub assigned_to: Option<UserId>,
    /// Text search.
    pub q: Option<String>,
    /// Created at or after.
    pub created_from: Option<DateTime<Utc>>,
    /// Created before.
    pub created_to: Option<DateTime<Utc>>,
}

impl From<ExportFilter> for LeadFilter {
    fn from(f: ExportFilter) -> Self {
        Self {
            status: f.status,
            source: f.source,
            assigned_to: f.assigned_to,
            q: f.q,
            created_from: f.created_from,
            created_to: f.created_to,
            sort: LeadSort::CreatedAtAsc,
            deleted: false,
        }
    }
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

/// Columns an export writes that an import reads but does not set.
const IGNORED: &[&str] = &["id", "assignedto", "createdat", "updatedat", "deletedat"];

/// Export columns, in order.
const EXPORT_COLUMNS: &[&str] =
    &["id", "name", "phone", "email", "status", "source", "notes", "metadata", "assignedTo", "createdAt"];

/// How each column of an import file is used.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Column {
    Name,
    Phone,
    Email,
    Status,
    Source,
    Notes,
    Metadata,
    Ignored,
    Extra(String),
}

fn columns(headers: &[String]) -> Vec<Column> {
    headers
        .iter()
        .map(|header| match header.trim().to_ascii_lowercase().replace([' ', '_', '-'], "").as_str() {
            "name" | "fullname" => Column::Name,
            "phone" | "phonenumber" | "mobile" => Column::Phone,
            "email" | "emailaddress" => Column::Email,
            "status" => Column::Status,
            "source" => Column::Source,
            "notes" | "note" => Column::Notes,
            "metadata" => Column::Metadata,
            h if IGNORED.contains(&h) => Column::Ignored,
            _ => Column::Extra(header.trim().to_owned()),
        })
        .collect()
}

/// One file row as a lead input, or the errors that stop it.
fn row_to_input(columns: &[Column], cells: &[String]) -> Result<NewLead, Vec<(String, String)>> {
    let mut input = NewLead { source: Some(LeadSource::Import.as_str().into()), ..NewLead::default() };
    let mut metadata = serde_json::Map::new();
    let mut errors = Vec::new();
    for (column, cell) in columns.iter().zip(cells) {
        let value = cell.trim();
        if value.is_empty() {
            continue;
        }
        match column {
            Column::Name => input.name = value.to_owned(),
            Column::Phone => input.phone = Some(value.to_owned()),
            Column::Email => input.email = Some(value.to_owned()),
            Column::Status => input.status = Some(value.to_ascii_lowercase()),
            Column::Source => input.source = Some(value.to_ascii_lowercase()),
            Column::Notes => input.notes = Some(value.to_owned()),
            Column::Metadata => match serde_json::from_str::<serde_json::Value>(value) {
                Ok(serde_json::Value::Object(map)) => metadata.extend(map),
                _ => errors.push(("metadata".to_owned(), "must be a JSON object".to_owned())),
            },
            Column::Ignored => {}
            Column::Extra(header) => {
                metadata.insert(header.clone(), serde_json::Value::String(value.to_owned()));
            }
        }
    }
    if !metadata.is_empty() {
        input.metadata = Some(serde_json::Value::Object(metadata));
    }
    if errors.is_empty() { Ok(input) } else { Err(errors) }
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

/// The `leads.import` handler.
#[derive(Clone)]
pub struct ImportLeads {
    repo: Arc<dyn LeadRepository>,
    directory: Arc<dyn TenantDirectory>,
    files: Arc<dyn FileStorage>,
    codec: Arc<dyn TabularCodec>,
    clock: Arc<dyn Clock>,
}

impl ImportLeads {
    /// A handler over its ports.
    pub fn new(
        repo: Arc<dyn LeadRepository>,
        directory: Arc<dyn TenantDirectory>,
        files: Arc<dyn FileStorage>,
        codec: Arc<dyn TabularCodec>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self { repo, directory, files, codec, clock }
    }
}

#[async_trait]
impl JobHandler for ImportLeads {
    fn kind(&self) -> &'static str {
        IMPORT_KIND
    }

    async fn run(&self, job: &Job, progress: &dyn ProgressSink) -> Result<serde_json::Value, JobFailure> {
        let payload: ImportPayload = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobFailure::permanent(format!("bad import payload: {e}")))?;
        let bytes = self.files.get(&payload.file_key).await.map_err(|e| file_failure(&e))?;
        let table = self.codec.read(payload.format, bytes).await.map_err(|e| file_failure(&e))?;
        let columns = columns(&table.headers);
        if !columns.contains(&Column::Name) {
            return Err(JobFailure::permanent(
                "the file has no `name` column (expected headers: name, phone, email, status, source, notes)",
            ));
        }
        let tenant = job.tenant_id;
        let region = self.directory.default_region(tenant).await.map_err(|e| storage_failure(&e))?;
        let rows: Vec<(u64, &Vec<String>)> = table
            .rows
            .iter()
            .enumerate()
            .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()))
            .map(|(i, cells)| (i as u64 + 2, cells))
            .collect();
        let total = rows.len() as u64;
        let mut result = ImportResult { total, ..ImportResult::default() };
        let now = {
            use chrono::SubsecRound;
            self.clock.now().trunc_subsecs(6)
        };
        progress.report(0, total).await;
        let mut processed = 0;
        for (batch_no, chunk) in rows.chunks(BATCH_ROWS).enumerate() {
            let mut valid: Vec<Lead> = Vec::with_capacity(chunk.len());
            for (line, cells) in chunk {
                let created = row_to_input(&columns, cells).and_then(|input| {
                    Lead::create(tenant, input, region, now).map_err(|errors| {
                        errors.errors().iter().map(|e| (e.field.clone(), e.message.clone())).collect()
                    })
                });
                match created {
                    Ok(lead) => valid.push(lead),
                    Err(errors) => {
                        result.invalid += 1;
                        for (field, message) in errors {
                            if result.errors.len() < MAX_ROW_ERRORS {
                                result.errors.push(RowError { row: *line, field, message });
                            } else {
                                result.errors_truncated = true;
                            }
                        }
                    }
                }
            }
            let batch = u32::try_from(batch_no).unwrap_or(u32::MAX);
            let outcome =
                self.repo.import_batch(tenant, job.id, batch, &valid).await.map_err(|e| storage_failure(&e))?;
            result.inserted += outcome.inserted;
            result.duplicates += outcome.duplicates;
            processed += chunk.len() as u64;
            progress.report(processed, total).await;
        }
        tracing::info!(
            total,
            inserted = result.inserted,
            duplicates = result.duplicates,
            invalid = result.invalid,
            "lead import finished"
        );
        serde_json::to_value(&result).map_err(|e| JobFailure::permanent(e.to_string()))
    }

    /// The upload holds full lead PII and is read by no one once the import
    /// is over (completed, or dead: a re-drive then fails on the missing file).
    async fn ended(&self, job: &Job, status: JobStatus) {
        let Ok(payload) = serde_json::from_value::<ImportPayload>(job.payload.clone()) else { return };
        match self.files.delete(&payload.file_key).await {
            Ok(()) => tracing::debug!(%status, file = %payload.file_key, "deleted the import's upload"),
            Err(err) => tracing::warn!(%status, file = %payload.file_key, error = %err,
                "could not delete the import's upload; the maintenance purge removes it later"),
        }
    }
}

/// The storage folder of `tenant`'s uploads (`imports/{tenant}/…`).
#[must_use]
pub fn upload_folder(tenant: frontdesk_kernel::TenantId) -> String {
    format!("imports/{tenant}")
}

/// The storage folder of `tenant`'s exports (`exports/{tenant}/…`).
#[must_use]
pub fn export_folder(tenant: frontdesk_kernel::TenantId) -> String {
    format!("exports/{tenant}")
}

/// The storage key of an export's file.
#[must_use]
pub fn export_key(job: &Job, format: TabularFormat) -> String {
    format!("{}/{}.{}", export_folder(job.tenant_id), job.id, format.as_str())
}

/// The `leads.export` handler.
#[derive(Clone)]
pub struct ExportLeads {
    repo: Arc<dyn LeadRepository>,
    files: Arc<dyn FileStorage>,
    codec: Arc<dyn TabularCodec>,
}

impl ExportLeads {
    /// A handler over its ports.
    pub fn new(repo: Arc<dyn LeadRepository>, files: Arc<dyn FileStorage>, codec: Arc<dyn TabularCodec>) -> Self {
        Self { repo, files, codec }
    }
}

fn export_row(lead: &Lead) -> Vec<String> {
    vec![
        lead.id.to_string(),
        lead.name.as_str().to_owned(),
        lead.phone.as_ref().map(|p| p.as_str().to_owned()).unwrap_or_default(),
        lead.email.as_ref().map(|e| e.as_str().to_owned()).unwrap_or_default(),
        lead.status.as_str().to_owned(),
        lead.source.as_str().to_owned(),
        lead.notes.clone().unwrap_or_default(),
        if lead.metadata.as_map().is_empty() { String::new() } else { lead.metadata.to_value().to_string() },
        lead.assigned_to.map(|u| u.to_string()).unwrap_or_default(),
        lead.created_at.to_rfc3339(),
    ]
}

#[async_trait]
impl JobHandler for ExportLeads {
    fn kind(&self) -> &'static str {
        EXPORT_KIND
    }

    async fn run(&self, job: &Job, progress: &dyn ProgressSink) -> Result<serde_json::Value, JobFailure> {
        let payload: ExportPayload = serde_json::from_value(job.payload.clone())
            .map_err(|e| JobFailure::permanent(format!("bad export payload: {e}")))?;
        let format = payload.format.unwrap_or(TabularFormat::Csv);
        let filter = LeadFilter::from(payload.filter);
        let mut table = Table { headers: EXPORT_COLUMNS.iter().map(|c| (*c).to_owned()).collect(), rows: Vec::new() };
        let mut page_no = 1;
        loop {
            let request = PageRequest::new(Some(page_no), Some(frontdesk_kernel::page::MAX_LIMIT))
                .map_err(|e| JobFailure::permanent(e.to_string()))?;
            let page = self.repo.list(job.tenant_id, &filter, request).await.map_err(|e| storage_failure(&e))?;
            table.rows.extend(page.data.iter().map(export_row));
            progress.report(table.rows.len() as u64, page.total).await;
            if page.data.is_empty() || table.rows.len() as u64 >= page.total {
                break;
            }
            page_no += 1;
        }
        let bytes = self.codec.write(format, &table).map_err(|e| file_failure(&e))?;
        let key = export_key(job, format);
        self.files.put(&key, bytes, format.content_type()).await.map_err(|e| file_failure(&e))?;
        Ok(serde_json::json!({
            "rows": table.rows.len(),
            "format": format,
            "file": key,
            "downloadPath": format!("/api/v1/jobs/{}/download", job.id),
        }))
    }
}
