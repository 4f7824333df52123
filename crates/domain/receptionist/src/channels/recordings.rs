//! Call recordings and voicemails kept in the sub-account's file library:
//! the voice provider only lends them (behind its own credentials, for as
//! long as the account keeps them), so when a call or voicemail names one, a
//! job fetches the audio through [`RecordingSource`] — bounded by the
//! library's size limit — stores it under `recordings/` and puts the file on
//! the lead's timeline. Staff then play it through a library link
//! (`GET /api/v1/files/{id}/url`), without a provider login.
//!
//! The job is keyed by the call and kind, and the stored file's id is the
//! job's, so a retried or redelivered job finds the file it stored instead
//! of keeping a second copy.

use async_trait::async_trait;
use frontdesk_kernel::files::{FileError, FileId, FileLibrary, FilePurpose, NewFile};
use frontdesk_kernel::jobs::{Job, JobFailure, JobHandler, JobKind, NewJob, ProgressSink};
use frontdesk_kernel::{LeadId, TenantId};
use frontdesk_leads::{Direction, EventKind, LeadService, NewTimelineEvent};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;

/// Why a recording could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    /// Retrying cannot help: the URL is not the provider's, the credentials
    /// are refused, the recording is over the size limit, or no provider account is configured.
    #[error("{0}")]
    Refused(String),
    /// The provider did not answer, or not yet (a recording still being processed).
    #[error("{0}")]
    Unavailable(String),
}

/// Fetches a recording's audio from the voice provider.
#[async_trait]
pub trait RecordingSource: Send + Sync + 'static {
    /// The audio behind `url` (as the provider's callback gave it) for
    /// `tenant`'s account, at most `max_bytes` long.
    ///
    /// # Errors
    /// [`RecordingError`].
    async fn fetch(&self, tenant: TenantId, url: &str, max_bytes: usize) -> Result<Vec<u8>, RecordingError>;
}

/// What a recording job is given.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordingPayload {
    /// The caller's lead.
    pub lead_id: LeadId,
    /// The call.
    pub call_sid: String,
    /// Where the provider keeps the recording.
    pub recording_url: String,
    /// `voicemail` or `call`.
    pub kind: String,
}

/// What a finished recording job stored.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordingOutput {
    /// The library file.
    pub file_id: FileId,
    /// Its size.
    pub bytes: u64,
}

/// The job that keeps a recording in the library.
pub struct StoreRecording;

impl JobKind for StoreRecording {
    const KIND: &'static str = "receptionist.store_recording";
    type Payload = RecordingPayload;
    type Output = RecordingOutput;
}

/// The job for `payload`, keyed by the call and the kind (a voicemail's
/// recording callback and its transcription callback name it twice).
///
/// # Errors
/// When the payload cannot be written as JSON.
pub fn recording_job(tenant: TenantId, payload: &RecordingPayload) -> Result<NewJob, serde_json::Error> {
    let key = format!("recording:{}:{}", payload.call_sid, payload.kind);
    Ok(StoreRecording::new_job(tenant, payload)?.with_idempotency_key(key))
}

/// Runs [`StoreRecording`] jobs.
pub struct StoreRecordings {
    source: Arc<dyn RecordingSource>,
    files: Arc<FileLibrary>,
    leads: Arc<LeadService>,
}

impl StoreRecordings {
    /// The handler.
    #[must_use]
    pub fn new(source: Arc<dyn RecordingSource>, files: Arc<FileLibrary>, leads: Arc<LeadService>) -> Self {
        Self { source, files, leads }
    }
}

#[async_trait]
impl JobHandler for StoreRecordings {
    fn kind(&self) -> &'static str {
        StoreRecording::KIND
    }

    async fn run(&self, job: &Job, _: &dyn ProgressSink) -> Result<serde_json::Value, JobFailure> {
        let payload = StoreRecording::payload(job)?;
        let tenant = job.tenant_id;
        let max = self.files.policy().max_bytes;
        let audio = self.source.fetch(tenant, &payload.recording_url, max).await.map_err(|error| match error {
            RecordingError::Refused(message) => JobFailure::permanent(message),
            RecordingError::Unavailable(message) => JobFailure::retry(message),
        })?;
        let file = NewFile {
            id: Some(FileId::from_uuid(job.id.as_uuid())),
            name: Some(format!("{}-{}", payload.kind, payload.call_sid)),
            folder: Some("recordings".into()),
            bytes: audio,
            purpose: FilePurpose::Recording,
            created_by: None,
        };
        let stored = self.files.upload(tenant, file).await.map_err(|error| match error {
            FileError::NotAllowed { .. } | FileError::UploadTooLarge { .. } | FileError::Validation(_) => {
                JobFailure::permanent(format!("the provider's recording was not kept: {error}"))
            }
            other => JobFailure::retry(other.to_string()),
        })?;
        let content = if payload.kind == "voicemail" { "Voicemail recording saved" } else { "Call recording saved" };
        let input = NewTimelineEvent {
            kind: EventKind::Call,
            direction: Some(Direction::Inbound),
            content: content.into(),
            meta: Some(json!({"kind": "recording", "recording": payload.kind, "callSid": payload.call_sid,
                "fileId": stored.id.to_string(), "contentType": stored.content_type, "bytes": stored.size})),
        };
        match self.leads.record(tenant, payload.lead_id, input).await {
            Ok(_) | Err(frontdesk_leads::LeadsError::NotFound { .. }) => {}
            Err(error) => return Err(JobFailure::retry(error.to_string())),
        }
        tracing::info!(tenant.id = %tenant, call.sid = %payload.call_sid, file.id = %stored.id, "recording kept in the file library");
        StoreRecording::encode(&RecordingOutput { file_id: stored.id, bytes: stored.size })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use frontdesk_kernel::files::{FileLibraryParts, FilePolicy};
    use frontdesk_kernel::testing::{InMemoryFileRecords, InMemoryFileStorage, MapCache, SignedTestLinks};
    use frontdesk_kernel::{PageRequest, SystemClock};
    use frontdesk_leads::NewLead;
    use frontdesk_leads::testing::{InMemoryDirectory, InMemoryLeadStore};
    use std::sync::Mutex;

    /// Serves one recording URL; counts fetches.
    struct Provider(Mutex<u32>, Vec<u8>);

    #[async_trait]
    impl RecordingSource for Provider {
        async fn fetch(&self, _: TenantId, url: &str, max: usize) -> Result<Vec<u8>, RecordingError> {
            *self.0.lock().unwrap() += 1;
            match url {
                "https://rec/1" if self.1.len() <= max => Ok(self.1.clone()),
                "https://rec/1" => Err(RecordingError::Refused("too large".into())),
                "https://rec/later" => Err(RecordingError::Unavailable("processing".into())),
                _ => Err(RecordingError::Refused("not ours".into())),
            }
        }
    }

    struct NoProgress;

    #[async_trait]
    impl ProgressSink for NoProgress {
        async fn report(&self, _: u64, _: u64) {}
    }

    async fn fixture(
        audio: &[u8],
    ) -> (StoreRecordings, Arc<FileLibrary>, Arc<LeadService>, Arc<Provider>, TenantId, LeadId) {
        let files = Arc::new(FileLibrary::new(FileLibraryParts {
            records: Arc::new(InMemoryFileRecords::default()),
            storage: Arc::new(InMemoryFileStorage::default()),
            links: Arc::new(SignedTestLinks),
            clock: Arc::new(SystemClock),
            policy: FilePolicy { max_bytes: 64, ..FilePolicy::default() },
        }));
        let leads = Arc::new(LeadService::new(
            Arc::new(InMemoryLeadStore::default()),
            Arc::new(MapCache::default()),
            Arc::new(InMemoryDirectory::default()),
            Arc::new(SystemClock),
        ));
        let tenant = TenantId::new();
        let lead = leads
            .create(tenant, NewLead { name: "Ana".into(), phone: Some("+14155550100".into()), ..NewLead::default() })
            .await
            .unwrap();
        let provider = Arc::new(Provider(Mutex::new(0), audio.to_vec()));
        let handler = StoreRecordings::new(provider.clone(), Arc::clone(&files), Arc::clone(&leads));
        (handler, files, leads, provider, tenant, lead.id)
    }

    fn job(tenant: TenantId, lead: LeadId, url: &str) -> Job {
        let payload = RecordingPayload {
            lead_id: lead,
            call_sid: "CA1".into(),
            recording_url: url.into(),
            kind: "voicemail".into(),
        };
        let now = chrono::Utc::now();
        recording_job(tenant, &payload).unwrap().into_job(now, now)
    }

    #[tokio::test]
    async fn a_recording_is_stored_once_and_put_on_the_timeline() {
        let (handler, files, leads, _, tenant, lead) = fixture(b"ID3\x04\0\0\0audio").await;
        let job = job(tenant, lead, "https://rec/1");
        assert_eq!(job.idempotency_key.as_deref(), Some("recording:CA1:voicemail"));
        let result = handler.run(&job, &NoProgress).await.unwrap();
        handler.run(&job, &NoProgress).await.unwrap(); // a redelivery
        let stored = files.list(tenant, "recordings", PageRequest::default()).await.unwrap();
        assert_eq!(stored.total, 1, "a redelivered job finds its file");
        let file = &stored.data[0];
        assert_eq!(result["fileId"], file.id.to_string());
        assert_eq!((file.name.as_str(), file.content_type.as_str()), ("voicemail-CA1.mp3", "audio/mpeg"));
        assert_eq!(file.purpose, FilePurpose::Recording);
        let timeline = leads.timeline(tenant, lead, PageRequest::default()).await.unwrap();
        let saved = timeline.data.iter().find(|e| e.content == "Voicemail recording saved").unwrap();
        assert_eq!(saved.meta.to_value()["fileId"], file.id.to_string());
    }

    #[tokio::test]
    async fn refusals_are_permanent_and_a_recording_still_processing_is_retried() {
        let (handler, files, _, provider, tenant, lead) = fixture(&[0xff; 65]).await;
        let too_big = handler.run(&job(tenant, lead, "https://rec/1"), &NoProgress).await.unwrap_err();
        assert!(!too_big.retryable, "{too_big:?}");
        let elsewhere = handler.run(&job(tenant, lead, "https://evil/x"), &NoProgress).await.unwrap_err();
        assert!(!elsewhere.retryable);
        let later = handler.run(&job(tenant, lead, "https://rec/later"), &NoProgress).await.unwrap_err();
        assert!(later.retryable);
        assert_eq!(*provider.0.lock().unwrap(), 3);
        assert_eq!(files.list(tenant, "", PageRequest::default()).await.unwrap().total, 0, "nothing stored");

        let (handler, files, _, _, tenant, lead) = fixture(b"<html>not audio</html>").await;
        let not_audio = handler.run(&job(tenant, lead, "https://rec/1"), &NoProgress).await.unwrap_err();
        assert!(!not_audio.retryable, "{not_audio:?}");
        assert_eq!(files.list(tenant, "", PageRequest::default()).await.unwrap().total, 0);
    }
}
