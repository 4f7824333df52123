//! The `leads.export` handler: every lead matching the filter, oldest
//! first, written to one CSV/XLSX file under `exports/{tenant}/`.

use super::{ExportLeadsJob, ExportResult, download_path, export_key, file_failure, storage_failure};
use crate::filter::{LeadFilter, LeadSort};
use crate::lead::Lead;
use crate::ports::LeadRepository;
use async_trait::async_trait;
use frontdesk_kernel::PageRequest;
use frontdesk_kernel::files::{FileStorage, Table, TabularCodec};
use frontdesk_kernel::jobs::{Job, JobFailure, JobHandler, JobKind, ProgressSink};
use std::sync::Arc;

/// Export columns, in order.
const EXPORT_COLUMNS: &[&str] =
    &["id", "name", "phone", "email", "status", "source", "notes", "metadata", "assignedTo", "createdAt"];

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
        ExportLeadsJob::KIND
    }

    async fn run(&self, job: &Job, progress: &dyn ProgressSink) -> Result<serde_json::Value, JobFailure> {
        let payload = ExportLeadsJob::payload(job)?;
        let format = payload.format;
        // Oldest first, live leads only, whatever the producer's filter said.
        // Keyset pages (each as cheap as the first), until one comes back short;
        // a filtered total may be a lower bound, so it only drives progress.
        let mut filter = LeadFilter { sort: LeadSort::CreatedAtAsc, deleted: false, after: None, ..payload.filter };
        let mut table = Table { headers: EXPORT_COLUMNS.iter().map(|c| (*c).to_owned()).collect(), rows: Vec::new() };
        let request = PageRequest::new(Some(1), Some(frontdesk_kernel::page::MAX_LIMIT))
            .map_err(|e| JobFailure::permanent(e.to_string()))?;
        loop {
            let page = self.repo.list(job.tenant_id, &filter, request).await.map_err(|e| storage_failure(&e))?;
            table.rows.extend(page.data.iter().map(export_row));
            let done = table.rows.len() as u64;
            progress.report(done, page.total.max(done)).await;
            match page.data.last() {
                Some(last) if page.data.len() == request.limit() as usize => {
                    filter.after = Some(crate::filter::LeadCursor::after(last, filter.sort));
                }
                _ => break,
            }
        }
        let bytes = self.codec.write(format, &table).map_err(|e| file_failure(&e))?;
        let file = export_key(job.tenant_id, job.id, format);
        self.files.put(&file, bytes, format.content_type()).await.map_err(|e| file_failure(&e))?;
        ExportLeadsJob::encode(&ExportResult {
            rows: table.rows.len() as u64,
            format,
            file,
            download_path: download_path(job.id),
        })
    }
}
