//! Typed job kinds: one type names a kind and fixes its payload and result.
//!
//! A job travels as JSON (`Job::payload`, `JobRecord::result`) because the
//! queue and the job store are shared by every kind. Without a type per
//! kind, the producer, the handler and whoever reads the result each
//! restate the kind string and the JSON shape, and drift apart silently.
//! A [`JobKind`] is the single statement of both: the producer builds its
//! [`NewJob`] with [`JobKind::new_job`], the handler reads its input with
//! [`JobKind::payload`] and writes its output with [`JobKind::encode`], and
//! a reader of the status gets the typed result from [`JobKind::output`].

use super::model::{Job, JobRecord, JobStatus, NewJob};
use super::ports::JobFailure;
use crate::TenantId;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A kind of background job with typed input and output.
pub trait JobKind {
    /// The `kind` stored with each job (`leads.import`); changing it strands queued jobs.
    const KIND: &'static str;
    /// What a job of this kind is given.
    type Payload: Serialize + DeserializeOwned;
    /// What a completed job of this kind produced.
    type Output: Serialize + DeserializeOwned;

    /// A job of this kind for `tenant` with `payload` (default attempts, no key).
    ///
    /// # Errors
    /// When the payload cannot be written as JSON (a map with non-string keys).
    fn new_job(tenant: TenantId, payload: &Self::Payload) -> Result<NewJob, serde_json::Error> {
        Ok(NewJob::new(tenant, Self::KIND, serde_json::to_value(payload)?))
    }

    /// The payload of `job`.
    ///
    /// # Errors
    /// A permanent failure when the job is of another kind or its payload
    /// does not parse: running it again cannot help.
    fn payload(job: &Job) -> Result<Self::Payload, JobFailure> {
        if job.kind != Self::KIND {
            return Err(JobFailure::permanent(format!("a {} job given to the {} handler", job.kind, Self::KIND)));
        }
        serde_json::from_value(job.payload.clone())
            .map_err(|e| JobFailure::permanent(format!("bad {} payload: {e}", Self::KIND)))
    }

    /// `output` as the job's stored result.
    ///
    /// # Errors
    /// A permanent failure when it cannot be written as JSON.
    fn encode(output: &Self::Output) -> Result<serde_json::Value, JobFailure> {
        serde_json::to_value(output)
            .map_err(|e| JobFailure::permanent(format!("unwritable {} result: {e}", Self::KIND)))
    }

    /// What `record` produced, when it is a completed job of this kind whose result parses.
    #[must_use]
    fn output(record: &JobRecord) -> Option<Self::Output> {
        let result = record.result.as_ref().filter(|_| record.job.kind == Self::KIND)?;
        if record.status != JobStatus::Completed {
            return None;
        }
        serde_json::from_value(result.clone()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Greeting {
        name: String,
    }

    struct Greet;

    impl JobKind for Greet {
        const KIND: &'static str = "greet";
        type Payload = Greeting;
        type Output = Greeting;
    }

    fn record(job: Job, status: JobStatus, result: Option<serde_json::Value>) -> JobRecord {
        JobRecord { job, status, result, error: None, progress: None, updated_at: Utc::now() }
    }

    #[test]
    fn a_job_built_by_its_kind_reads_back_as_its_payload() {
        let ana = Greeting { name: "Ana".into() };
        let job = Greet::new_job(TenantId::new(), &ana).unwrap().into_job(Utc::now(), Utc::now());
        assert_eq!(job.kind, "greet");
        assert_eq!(Greet::payload(&job).unwrap(), ana);
    }

    #[test]
    fn another_kind_or_a_bad_payload_is_a_permanent_failure() {
        let mut job =
            NewJob::new(TenantId::new(), "greet", serde_json::json!({"nom": 1})).into_job(Utc::now(), Utc::now());
        let failure = Greet::payload(&job).unwrap_err();
        assert!(!failure.retryable && failure.message.starts_with("bad greet payload"), "{failure}");
        job.kind = "other".into();
        assert!(Greet::payload(&job).unwrap_err().message.contains("other job given to the greet handler"));
    }

    #[test]
    fn only_a_completed_job_of_the_kind_has_an_output() {
        let result = Greet::encode(&Greeting { name: "Bob".into() }).unwrap();
        let job =
            Greet::new_job(TenantId::new(), &Greeting { name: "x".into() }).unwrap().into_job(Utc::now(), Utc::now());
        let done = record(job.clone(), JobStatus::Completed, Some(result.clone()));
        assert_eq!(Greet::output(&done), Some(Greeting { name: "Bob".into() }));
        assert_eq!(Greet::output(&record(job.clone(), JobStatus::Running, Some(result.clone()))), None);
        assert_eq!(Greet::output(&record(job.clone(), JobStatus::Completed, Some(serde_json::json!([])))), None);
        let other = Job { kind: "other".into(), ..job };
        assert_eq!(Greet::output(&record(other, JobStatus::Completed, Some(result))), None);
    }
}
