//! The `leads.import` handler: a CSV/XLSX upload becomes leads, in batches
//! that each commit with their `job_effects` record (see the parent module).

use super::{BATCH_ROWS, ImportLeadsJob, ImportResult, MAX_ROW_ERRORS, RowError, file_failure, storage_failure};
use crate::lead::{Lead, NewLead};
use crate::ports::{LeadRepository, TenantDirectory};
use crate::status::LeadSource;
use async_trait::async_trait;
use frontdesk_kernel::Clock;
use frontdesk_kernel::files::{FileStorage, TabularCodec};
use frontdesk_kernel::jobs::{Job, JobFailure, JobHandler, JobKind, JobStatus, ProgressSink};
use std::sync::Arc;

/// Columns an export writes that an import reads but does not set.
const IGNORED: &[&str] = &["id", "assignedto", "createdat", "updatedat", "deletedat"];

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
        ImportLeadsJob::KIND
    }

    async fn run(&self, job: &Job, progress: &dyn ProgressSink) -> Result<serde_json::Value, JobFailure> {
        let payload = ImportLeadsJob::payload(job)?;
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
        ImportLeadsJob::encode(&result)
    }

    /// The upload holds full lead PII and is read by no one once the import
    /// is over (completed, or dead: a re-drive then fails on the missing file).
    async fn ended(&self, job: &Job, status: JobStatus) {
        let Ok(payload) = ImportLeadsJob::payload(job) else { return };
        match self.files.delete(&payload.file_key).await {
            Ok(()) => tracing::debug!(%status, file = %payload.file_key, "deleted the import's upload"),
            Err(err) => tracing::warn!(%status, file = %payload.file_key, error = %err,
                "could not delete the import's upload; the maintenance purge removes it later"),
        }
    }
}
