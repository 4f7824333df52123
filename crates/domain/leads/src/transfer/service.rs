//! [`LeadTransfers`]: the use cases behind `POST /leads/import`, `POST
//! /leads/export` and `GET /jobs/{id}/download`. The api parses HTTP and
//! calls one method; storage keys, job payloads, idempotency keys and the
//! reading of an export's result are decided here, once.
//!
//! An upload is stored *before* its job is enqueued (the job must find it);
//! when the enqueue fails, or an idempotency key returns an existing job,
//! the new upload is deleted at once rather than left to the maintenance purge.

use super::{ExportLeadsJob, ExportPayload, ImportLeadsJob, ImportPayload, export_folder, upload_key};
use crate::error::{LeadsError, Result};
use crate::filter::LeadFilter;
use frontdesk_kernel::files::{FileError, FileLink, FileLinks, FileStorage, TabularFormat};
use frontdesk_kernel::jobs::{Enqueued, JobId, JobKind, JobQueue, NewJob};
use frontdesk_kernel::{Clock, TenantId, ValidationErrors};
use std::sync::Arc;
use std::time::Duration;

/// An export's file, ready to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Download {
    /// The file's content.
    pub bytes: Vec<u8>,
    /// Its MIME type.
    pub content_type: &'static str,
    /// The name to save it under (`leads-{job}.csv`).
    pub file_name: String,
}

/// Starts lead imports and exports, and hands out finished exports.
#[derive(Clone)]
pub struct LeadTransfers {
    queue: Arc<dyn JobQueue>,
    files: Arc<dyn FileStorage>,
    links: Option<(Arc<dyn FileLinks>, Duration)>,
    clock: Arc<dyn Clock>,
    export_ttl: Duration,
}

impl std::fmt::Debug for LeadTransfers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeadTransfers").field("export_ttl", &self.export_ttl).finish_non_exhaustive()
    }
}

impl LeadTransfers {
    /// The use cases over their ports; exports can be downloaded for `export_ttl` after they finish.
    pub fn new(
        queue: Arc<dyn JobQueue>,
        files: Arc<dyn FileStorage>,
        clock: Arc<dyn Clock>,
        export_ttl: Duration,
    ) -> Self {
        Self { queue, files, links: None, clock, export_ttl }
    }

    /// Hands out links to finished exports through `links` (S3 presigned
    /// URLs, or links the api signs), none living longer than `max_link`.
    #[must_use]
    pub fn with_links(mut self, links: Arc<dyn FileLinks>, max_link: Duration) -> Self {
        self.links = Some((links, max_link));
        self
    }

    /// Stores an uploaded `format` file and queues its import into `tenant`.
    /// The same `idempotency_key` again (same tenant) returns the first job.
    ///
    /// # Errors
    /// `Validation` (`file: is empty`); `Files` when it cannot be stored;
    /// `Jobs` when the queue is unavailable.
    #[tracing::instrument(skip_all, fields(tenant.id = %tenant, format = %format, bytes = bytes.len()))]
    pub async fn start_import(
        &self,
        tenant: TenantId,
        format: TabularFormat,
        bytes: Vec<u8>,
        idempotency_key: Option<&str>,
    ) -> Result<JobId> {
        if bytes.is_empty() {
            return Err(ValidationErrors::single("file", "is empty").into());
        }
        let file_key = upload_key(tenant, format);
        self.files.put(&file_key, bytes, format.content_type()).await?;
        let payload = ImportPayload { file_key: file_key.clone(), format };
        let enqueued = match job::<ImportLeadsJob>(tenant, &payload, idempotency_key) {
            Ok(job) => self.queue.enqueue(job).await.map_err(LeadsError::from),
            Err(err) => Err(err),
        };
        match enqueued {
            Ok(Enqueued::New(id)) => {
                tracing::info!(job.id = %id, "lead import queued");
                Ok(id)
            }
            Ok(Enqueued::Existing(id)) => {
                self.discard(&file_key, "the idempotency key names an earlier import").await;
                Ok(id)
            }
            Err(err) => {
                self.discard(&file_key, "the import could not be queued").await;
                Err(err)
            }
        }
    }

    /// Queues an export of `tenant`'s live leads matching `filter` (oldest
    /// first, whatever its order) as a `format` file.
    ///
    /// # Errors
    /// `Jobs` when the queue is unavailable.
    #[tracing::instrument(skip_all, fields(tenant.id = %tenant, format = %format))]
    pub async fn start_export(
        &self,
        tenant: TenantId,
        format: TabularFormat,
        filter: LeadFilter,
        idempotency_key: Option<&str>,
    ) -> Result<JobId> {
        let job = job::<ExportLeadsJob>(tenant, &ExportPayload { format, filter }, idempotency_key)?;
        let id = self.queue.enqueue(job).await?.id();
        tracing::info!(job.id = %id, "lead export queued");
        Ok(id)
    }

    /// The file export job `id` of `tenant` wrote.
    ///
    /// # Errors
    /// `Jobs(NotFound)` for an unknown job or another tenant's;
    /// `NothingToDownload` unless it is a completed export; `ExportExpired`
    /// once its retention has passed (the file is gone, or about to be: the
    /// purge runs hourly, so the answer does not depend on when it last ran);
    /// `Files` when storage fails.
    #[tracing::instrument(skip_all, fields(tenant.id = %tenant, job.id = %id))]
    pub async fn download(&self, tenant: TenantId, id: JobId) -> Result<Download> {
        let record = self.queue.status(tenant, id).await?;
        let export = ExportLeadsJob::output(&record)
            .filter(|export| export.file.starts_with(&format!("{}/", export_folder(tenant))))
            .ok_or(LeadsError::NothingToDownload)?;
        let age = (self.clock.now() - record.updated_at).to_std().unwrap_or_default();
        if age > self.export_ttl {
            return Err(self.expired());
        }
        let bytes = match self.files.get(&export.file).await {
            Ok(bytes) => bytes,
            Err(FileError::NotFound) => return Err(self.expired()),
            Err(err) => return Err(err.into()),
        };
        Ok(Download {
            bytes,
            content_type: export.format.content_type(),
            file_name: format!("leads-{id}.{}", export.format.as_str()),
        })
    }

    /// A link that downloads finished export `id` without credentials, for
    /// `seconds` (default one hour; 1–604800), never past the export's own
    /// retention nor the links' longest lifetime (capped by the backend).
    ///
    /// # Errors
    /// As [`Self::download`]; `Validation` (`expiresIn`); `Files` when links are not configured.
    #[tracing::instrument(skip_all, fields(tenant.id = %tenant, job.id = %id))]
    pub async fn download_link(&self, tenant: TenantId, id: JobId, seconds: Option<u64>) -> Result<FileLink> {
        let asked = frontdesk_kernel::files::library::asked_lifetime(seconds, Duration::from_secs(3600))?;
        let record = self.queue.status(tenant, id).await?;
        let export = ExportLeadsJob::output(&record)
            .filter(|export| export.file.starts_with(&format!("{}/", export_folder(tenant))))
            .ok_or(LeadsError::NothingToDownload)?;
        let age = (self.clock.now() - record.updated_at).to_std().unwrap_or_default();
        let left = self.export_ttl.checked_sub(age).filter(|left| !left.is_zero()).ok_or_else(|| self.expired())?;
        let (links, max_link) = self.links.as_ref().ok_or_else(|| {
            LeadsError::Files(FileError::unavailable(std::io::Error::other("download links are not configured")))
        })?;
        let lifetime = asked.min(left).min(*max_link);
        let url = links.link(&export.file, lifetime).await?;
        let expires_at = self.clock.now() + chrono::Duration::from_std(lifetime).unwrap_or_default();
        Ok(FileLink { url, expires_at })
    }

    fn expired(&self) -> LeadsError {
        LeadsError::ExportExpired { hours: self.export_ttl.as_secs() / 3600 }
    }

    /// Deletes an upload no job will read (best effort: the purge is the backstop).
    async fn discard(&self, file_key: &str, why: &str) {
        match self.files.delete(file_key).await {
            Ok(()) => tracing::debug!(file = %file_key, why, "deleted an upload no job will read"),
            Err(err) => tracing::warn!(file = %file_key, why, error = %err,
                "could not delete an upload no job will read; the maintenance purge removes it later"),
        }
    }
}

/// A job of kind `K`, its idempotency key scoped to the kind (`leads.import:{key}`).
fn job<K: JobKind>(tenant: TenantId, payload: &K::Payload, idempotency_key: Option<&str>) -> Result<NewJob> {
    let job = K::new_job(tenant, payload).map_err(LeadsError::storage)?;
    Ok(match idempotency_key {
        Some(key) => job.with_idempotency_key(format!("{}:{key}", K::KIND)),
        None => job,
    })
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use super::*;
    use crate::status::LeadStatus;
    use crate::transfer::ExportResult;
    use chrono::Utc;
    use frontdesk_kernel::jobs::JobStatus;
    use frontdesk_kernel::testing::{InMemoryFileStorage, InMemoryJobQueue, ManualClock};

    const TTL: Duration = Duration::from_secs(24 * 3600);

    struct Harness {
        transfers: LeadTransfers,
        queue: Arc<InMemoryJobQueue>,
        files: Arc<InMemoryFileStorage>,
        clock: Arc<ManualClock>,
        tenant: TenantId,
    }

    fn harness() -> Harness {
        let queue = Arc::new(InMemoryJobQueue::default());
        let files = Arc::new(InMemoryFileStorage::default());
        let clock = Arc::new(ManualClock::at(Utc::now()));
        let transfers = LeadTransfers::new(queue.clone(), files.clone(), clock.clone(), TTL)
            .with_links(Arc::new(frontdesk_kernel::testing::SignedTestLinks), Duration::from_secs(2 * 3600));
        Harness { transfers, queue, files, clock, tenant: TenantId::new() }
    }

    impl Harness {
        async fn uploads(&self) -> Vec<String> {
            self.files
                .list(&super::super::upload_folder(self.tenant))
                .await
                .unwrap()
                .into_iter()
                .map(|f| f.key)
                .collect()
        }

        /// Plays the worker: the export job `id` wrote `bytes` and completed now.
        async fn complete_export(&self, id: JobId, format: TabularFormat, bytes: &[u8]) {
            let file = super::super::export_key(self.tenant, id, format);
            self.files.put(&file, bytes.to_vec(), format.content_type()).await.unwrap();
            let result = ExportResult { rows: 1, format, file, download_path: super::super::download_path(id) };
            let result = ExportLeadsJob::encode(&result).unwrap();
            self.queue.finish(id, JobStatus::Completed, Some(result), self.clock.now()).await.unwrap();
        }
    }

    #[tokio::test]
    async fn an_import_stores_the_upload_and_queues_a_typed_job_that_finds_it() {
        let h = harness();
        let id = h.transfers.start_import(h.tenant, TabularFormat::Csv, b"name\nAna\n".to_vec(), None).await.unwrap();
        let [record] = h.queue.all().try_into().unwrap();
        assert_eq!((record.job.id, record.job.tenant_id, record.job.kind.as_str()), (id, h.tenant, "leads.import"));
        let payload = ImportLeadsJob::payload(&record.job).unwrap();
        assert_eq!(payload.format, TabularFormat::Csv);
        assert_eq!(h.uploads().await, std::slice::from_ref(&payload.file_key));
        assert_eq!(h.files.get(&payload.file_key).await.unwrap(), b"name\nAna\n");
    }

    #[tokio::test]
    async fn an_empty_upload_is_refused_before_anything_is_stored() {
        let h = harness();
        let err = h.transfers.start_import(h.tenant, TabularFormat::Csv, Vec::new(), None).await.unwrap_err();
        assert!(matches!(&err, LeadsError::Validation(e) if e.messages() == ["file: is empty"]), "{err:?}");
        assert!(h.queue.all().is_empty() && h.uploads().await.is_empty());
    }

    #[tokio::test]
    async fn a_repeated_idempotency_key_returns_the_first_job_and_keeps_one_upload() {
        let h = harness();
        let start = |key| h.transfers.start_import(h.tenant, TabularFormat::Csv, b"name\nAna\n".to_vec(), key);
        let first = start(Some("upload-1")).await.unwrap();
        assert_eq!(start(Some("upload-1")).await.unwrap(), first);
        assert_eq!(h.queue.all()[0].job.idempotency_key.as_deref(), Some("leads.import:upload-1"));
        assert_eq!(h.uploads().await.len(), 1, "the second copy is deleted");
        assert_ne!(start(None).await.unwrap(), first, "no key: a new job");
        let export = h.transfers.start_export(h.tenant, TabularFormat::Csv, LeadFilter::default(), Some("upload-1"));
        assert_ne!(export.await.unwrap(), first, "keys are scoped to the kind");
    }

    #[tokio::test]
    async fn an_upload_whose_job_cannot_be_queued_is_deleted_and_the_outage_reported() {
        let h = harness();
        h.queue.set_down(true);
        let err = h.transfers.start_import(h.tenant, TabularFormat::Xlsx, vec![1], None).await.unwrap_err();
        assert_eq!(frontdesk_kernel::ErrorCode::code(&err), frontdesk_kernel::Code::DependencyUnavailable);
        assert!(h.uploads().await.is_empty());
    }

    #[tokio::test]
    async fn an_export_queues_its_format_and_filter() {
        let h = harness();
        let filter = LeadFilter { status: Some(LeadStatus::Won), q: Some("ana".into()), ..LeadFilter::default() };
        let id = h.transfers.start_export(h.tenant, TabularFormat::Xlsx, filter.clone(), None).await.unwrap();
        let [record] = h.queue.all().try_into().unwrap();
        assert_eq!((record.job.id, record.job.kind.as_str()), (id, "leads.export"));
        assert_eq!(
            ExportLeadsJob::payload(&record.job).unwrap(),
            ExportPayload { format: TabularFormat::Xlsx, filter }
        );
    }

    #[tokio::test]
    async fn a_finished_export_downloads_with_its_type_and_name() {
        let h = harness();
        let id = h.transfers.start_export(h.tenant, TabularFormat::Xlsx, LeadFilter::default(), None).await.unwrap();
        h.complete_export(id, TabularFormat::Xlsx, b"PK..").await;
        let download = h.transfers.download(h.tenant, id).await.unwrap();
        assert_eq!(download.bytes, b"PK..");
        assert_eq!(download.content_type, TabularFormat::Xlsx.content_type());
        assert_eq!(download.file_name, format!("leads-{id}.xlsx"));
    }

    #[tokio::test]
    async fn only_a_completed_export_of_the_tenant_has_a_file() {
        let h = harness();
        let export = h.transfers.start_export(h.tenant, TabularFormat::Csv, LeadFilter::default(), None).await.unwrap();
        assert!(matches!(h.transfers.download(h.tenant, export).await, Err(LeadsError::NothingToDownload)), "queued");
        h.complete_export(export, TabularFormat::Csv, b"id\n").await;
        let foreign = h.transfers.download(TenantId::new(), export).await;
        assert!(matches!(foreign, Err(LeadsError::Jobs(frontdesk_kernel::jobs::JobError::NotFound))), "{foreign:?}");
        let import = h.transfers.start_import(h.tenant, TabularFormat::Csv, b"name\n".to_vec(), None).await.unwrap();
        let result = serde_json::json!({"total": 0, "inserted": 0, "duplicates": 0, "invalid": 0, "errors": [],
            "errorsTruncated": false, "file": "exports/x/y.csv"});
        h.queue.finish(import, JobStatus::Completed, Some(result), h.clock.now()).await.unwrap();
        assert!(
            matches!(h.transfers.download(h.tenant, import).await, Err(LeadsError::NothingToDownload)),
            "an import"
        );
    }

    #[tokio::test]
    async fn an_export_past_its_retention_or_purged_is_gone() {
        let h = harness();
        let id = h.transfers.start_export(h.tenant, TabularFormat::Csv, LeadFilter::default(), None).await.unwrap();
        h.complete_export(id, TabularFormat::Csv, b"id\n").await;
        h.clock.advance(chrono::Duration::hours(24));
        assert!(h.transfers.download(h.tenant, id).await.is_ok(), "still within its 24 hours");
        h.clock.advance(chrono::Duration::seconds(1));
        let err = h.transfers.download(h.tenant, id).await.unwrap_err();
        assert_eq!(err.to_string(), "this export expired (exports are kept 24 hours); start a new export");

        let purged = h.transfers.start_export(h.tenant, TabularFormat::Csv, LeadFilter::default(), None).await.unwrap();
        h.complete_export(purged, TabularFormat::Csv, b"id\n").await;
        h.files.delete(&super::super::export_key(h.tenant, purged, TabularFormat::Csv)).await.unwrap();
        assert!(matches!(h.transfers.download(h.tenant, purged).await, Err(LeadsError::ExportExpired { hours: 24 })));
    }

    #[tokio::test]
    async fn a_finished_export_has_a_link_that_never_outlives_its_retention() {
        let h = harness();
        let id = h.transfers.start_export(h.tenant, TabularFormat::Csv, LeadFilter::default(), None).await.unwrap();
        assert!(matches!(h.transfers.download_link(h.tenant, id, None).await, Err(LeadsError::NothingToDownload)));
        h.complete_export(id, TabularFormat::Csv, b"id\n").await;
        let link = h.transfers.download_link(h.tenant, id, None).await.unwrap();
        assert_eq!(link.expires_at, h.clock.now() + chrono::Duration::hours(1));
        assert!(link.url.contains(&super::super::export_key(h.tenant, id, TabularFormat::Csv)), "{}", link.url);
        h.clock.advance(chrono::Duration::hours(23) + chrono::Duration::minutes(50));
        let late = h.transfers.download_link(h.tenant, id, Some(3600)).await.unwrap();
        assert_eq!(late.expires_at, h.clock.now() + chrono::Duration::minutes(10), "capped at the export's retention");
        let long = h.transfers.download_link(h.tenant, id, Some(604_800)).await.unwrap();
        assert!(long.expires_at <= h.clock.now() + chrono::Duration::minutes(10));
        let bad = h.transfers.download_link(h.tenant, id, Some(0)).await.unwrap_err();
        assert!(matches!(&bad, LeadsError::Validation(e) if e.messages()[0].starts_with("expiresIn:")), "{bad:?}");
        let foreign = h.transfers.download_link(TenantId::new(), id, None).await;
        assert!(matches!(foreign, Err(LeadsError::Jobs(frontdesk_kernel::jobs::JobError::NotFound))));
        h.clock.advance(chrono::Duration::minutes(10));
        assert!(matches!(h.transfers.download_link(h.tenant, id, None).await, Err(LeadsError::ExportExpired { .. })));
    }
}
