//! The queue's life cycle: claim, retry, dead-letter, redrive, crash
//! recovery, concurrent consumers.

use crate::support::{Fixture, fast, on_both_backends};
use chrono::{TimeDelta, Utc};
use frontdesk_kernel::jobs::{Delivery, JobFailure, JobId, JobQueue, JobSource, JobStatus, NewJob, QueueDepth};
use frontdesk_sql_queue::{SqlJobQueue, SqlQueueConfig};
use serde_json::json;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

on_both_backends!(
    enqueue_claim_complete,
    failing_twice_then_succeeding_takes_three_attempts,
    spent_attempts_dead_letter_and_redrive_brings_them_back,
    permanent_failures_are_dead_after_one_attempt,
    a_crashed_runners_job_is_reclaimed_and_its_late_ack_ignored,
    two_consumers_never_hold_the_same_job,
    release_gives_the_job_back_without_counting_the_attempt,
    delayed_jobs_wait_and_queues_are_separate,
    a_lease_expiring_on_the_last_attempt_dead_letters_the_job,
    a_job_interrupted_more_than_max_interruptions_times_is_dead_as_a_poison_job,
    a_renewed_lease_keeps_a_long_job_from_being_claimed_again,
    a_waiting_claim_is_woken_by_a_job_queued_in_this_process,
);

/// Only PostgreSQL carries the wake-up across processes (`NOTIFY`).
mod across_processes {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_waiting_claim_is_woken_by_a_job_queued_elsewhere() {
        super::a_waiting_claim_is_woken_by_a_job_queued_elsewhere(crate::support::postgres().await).await;
    }
}

/// Long enough to never matter: waits end as soon as a job is due.
const PATIENCE: Duration = Duration::from_secs(10);

async fn claim(queue: &SqlJobQueue, consumer: &str) -> Delivery {
    queue.claim(consumer, PATIENCE).await.unwrap().expect("a job comes due")
}

async fn enqueue_claim_complete(f: Fixture) {
    let tenant = f.tenant().await;
    let queue = f.queue(SqlQueueConfig::new("a"));
    let enqueued = queue.enqueue(NewJob::new(tenant, "noop", json!({"n": 1}))).await.unwrap();
    let id = enqueued.id();
    assert_eq!(queue.status(tenant, id).await.unwrap().status, JobStatus::Queued);
    assert_eq!(queue.depth().await.unwrap(), QueueDepth { ready: 1, ..QueueDepth::default() });

    let delivery = claim(&queue, "c1").await;
    assert_eq!((delivery.job.id, delivery.job.attempts), (id, 1));
    assert_eq!(delivery.job.payload, json!({"n": 1}));
    assert_eq!(queue.status(tenant, id).await.unwrap().status, JobStatus::Running);
    assert_eq!(queue.depth().await.unwrap(), QueueDepth { running: 1, ..QueueDepth::default() });
    assert!(queue.claim("c2", Duration::ZERO).await.unwrap().is_none(), "a held job is nobody else's");

    queue.complete(&delivery, json!({"ok": true})).await.unwrap();
    let record = queue.status(tenant, id).await.unwrap();
    assert_eq!(record.status, JobStatus::Completed);
    assert_eq!(record.result, Some(json!({"ok": true})));
    assert_eq!((record.job.attempts, record.error), (1, None));
    assert!(record.updated_at >= record.job.created_at);
    assert_eq!(queue.depth().await.unwrap(), QueueDepth::default());
    assert!(queue.claim("c1", Duration::from_millis(50)).await.unwrap().is_none());
}

async fn failing_twice_then_succeeding_takes_three_attempts(f: Fixture) {
    let tenant = f.tenant().await;
    let queue = f.queue(fast("b"));
    let id = queue.enqueue(NewJob::new(tenant, "flaky", json!({}))).await.unwrap().id();
    let mut verdicts = Vec::new();
    // The worker loop, with a handler that fails its first two attempts.
    loop {
        let delivery = claim(&queue, "worker").await;
        assert_eq!(delivery.job.id, id);
        if delivery.job.attempts < 3 {
            let failure = JobFailure::retry(format!("provider timeout #{}", delivery.job.attempts));
            verdicts.push(queue.fail(&delivery, &failure).await.unwrap());
            let record = queue.status(tenant, id).await.unwrap();
            assert_eq!(record.status, JobStatus::Failed);
            assert_eq!(record.error, Some(failure.message));
            let depth = queue.depth().await.unwrap();
            assert_eq!((depth.ready + depth.delayed, depth.running), (1, 0), "{depth:?}");
        } else {
            queue.complete(&delivery, json!({"attempt": delivery.job.attempts})).await.unwrap();
            break;
        }
    }
    assert_eq!(verdicts, [JobStatus::Failed, JobStatus::Failed]);
    let record = queue.status(tenant, id).await.unwrap();
    assert_eq!((record.status, record.job.attempts), (JobStatus::Completed, 3));
    assert_eq!(record.result, Some(json!({"attempt": 3})));
    assert_eq!(record.error, None, "success clears the last error");
}

async fn spent_attempts_dead_letter_and_redrive_brings_them_back(f: Fixture) {
    let tenant = f.tenant().await;
    let queue = f.queue(fast("c"));
    let id = queue.enqueue(NewJob::new(tenant, "broken", json!({})).with_max_attempts(3)).await.unwrap().id();
    let mut verdicts = Vec::new();
    for _ in 0..3 {
        let delivery = claim(&queue, "worker").await;
        verdicts.push(queue.fail(&delivery, &JobFailure::retry("always broken")).await.unwrap());
    }
    assert_eq!(verdicts, [JobStatus::Failed, JobStatus::Failed, JobStatus::Dead]);
    let record = queue.status(tenant, id).await.unwrap();
    assert_eq!((record.status, record.job.attempts), (JobStatus::Dead, 3));
    assert_eq!(record.error.as_deref(), Some("always broken"));
    assert_eq!(queue.depth().await.unwrap(), QueueDepth { dead: 1, ..QueueDepth::default() });
    assert!(queue.claim("worker", Duration::from_millis(50)).await.unwrap().is_none(), "dead jobs are not claimed");

    assert_eq!(queue.redrive(10).await.unwrap(), 1);
    let record = queue.status(tenant, id).await.unwrap();
    assert_eq!((record.status, record.job.attempts), (JobStatus::Queued, 0));
    assert_eq!(queue.depth().await.unwrap(), QueueDepth { ready: 1, ..QueueDepth::default() });
    assert_eq!(queue.redrive(10).await.unwrap(), 0, "nothing left to redrive");
    let delivery = claim(&queue, "worker").await;
    assert_eq!((delivery.job.id, delivery.job.attempts), (id, 1), "a fresh attempt budget");
}

async fn permanent_failures_are_dead_after_one_attempt(f: Fixture) {
    let tenant = f.tenant().await;
    let queue = f.queue(fast("c-permanent"));
    let id = queue.enqueue(NewJob::new(tenant, "import", json!({"file": "?"}))).await.unwrap().id();
    let delivery = claim(&queue, "worker").await;
    let verdict = queue.fail(&delivery, &JobFailure::permanent("bad payload: no file")).await.unwrap();
    assert_eq!(verdict, JobStatus::Dead);
    let record = queue.status(tenant, id).await.unwrap();
    assert_eq!((record.status, record.job.attempts), (JobStatus::Dead, 1));
    assert_eq!(record.error.as_deref(), Some("bad payload: no file"));
    assert_eq!(queue.depth().await.unwrap().dead, 1);
    // Redrive is bounded by its limit.
    queue.enqueue(NewJob::new(tenant, "import", json!({}))).await.unwrap();
    let second = claim(&queue, "worker").await;
    queue.fail(&second, &JobFailure::permanent("also bad")).await.unwrap();
    assert_eq!(queue.redrive(1).await.unwrap(), 1);
    assert_eq!(queue.depth().await.unwrap(), QueueDepth { ready: 1, dead: 1, ..QueueDepth::default() });
    assert_eq!(queue.redrive(0).await.unwrap(), 0);
}

async fn a_crashed_runners_job_is_reclaimed_and_its_late_ack_ignored(f: Fixture) {
    let tenant = f.tenant().await;
    let config = SqlQueueConfig { visibility_timeout: Duration::from_millis(200), ..fast("d") };
    let first_worker = f.queue(config.clone());
    let second_worker = SqlJobQueue::new(f.second_connection().await, config);
    let id = first_worker.enqueue(NewJob::new(tenant, "send", json!({}))).await.unwrap().id();

    // Runner 1 applies the effect, then dies before acknowledging.
    let crashed = claim(&first_worker, "runner-1").await;
    assert_eq!(crashed.job.attempts, 1);
    f.apply_effect(id, json!({"by": "runner-1"})).await;
    let stale = crashed.clone();
    drop(crashed);

    // Once the lease expires, another process takes the job over.
    let delivery = claim(&second_worker, "runner-2").await;
    assert_eq!((delivery.job.id, delivery.job.attempts), (id, 2));
    assert_ne!(delivery.receipt, stale.receipt, "each claim has its own lease token");

    // Runner 1 wakes up: its acknowledgements carry a stale receipt and change nothing.
    first_worker.complete(&stale, json!({"by": "runner-1"})).await.unwrap();
    let record = first_worker.status(tenant, id).await.unwrap();
    assert_eq!((record.status, record.job.attempts, record.result), (JobStatus::Running, 2, None));

    // Runner 2 runs the (idempotent) handler and completes.
    f.apply_effect(id, json!({"by": "runner-2"})).await;
    second_worker.complete(&delivery, json!({"by": "runner-2"})).await.unwrap();

    assert_eq!(first_worker.fail(&stale, &JobFailure::retry("late")).await.unwrap(), JobStatus::Completed);
    first_worker.release(&stale).await.unwrap();
    first_worker.complete(&stale, json!({"by": "runner-1"})).await.unwrap();
    let record = first_worker.status(tenant, id).await.unwrap();
    assert_eq!((record.status, record.job.attempts), (JobStatus::Completed, 2));
    assert_eq!((record.result, record.error), (Some(json!({"by": "runner-2"})), None));

    let effects = f.count("SELECT COUNT(*) AS n FROM job_effects WHERE job_id = $1", [id.as_uuid().into()]).await;
    assert_eq!(effects, 1, "the effect was applied once");
}

async fn two_consumers_never_hold_the_same_job(f: Fixture) {
    const JOBS: usize = 50;
    let tenant = f.tenant().await;
    let consumers = [f.queue(fast("e")), SqlJobQueue::new(f.second_connection().await, fast("e"))];
    let mut ids = HashSet::new();
    for n in 0..JOBS {
        ids.insert(consumers[0].enqueue(NewJob::new(tenant, "noop", json!({"n": n}))).await.unwrap().id());
    }

    let held: Arc<Mutex<HashSet<JobId>>> = Arc::default();
    let completions: Arc<Mutex<HashMap<JobId, u32>>> = Arc::default();
    let mut tasks = tokio::task::JoinSet::new();
    for (c, queue) in consumers.iter().enumerate() {
        for n in 0..4 {
            let (queue, held, completions) = (queue.clone(), Arc::clone(&held), Arc::clone(&completions));
            let name = format!("consumer-{c}-{n}");
            tasks.spawn(async move {
                loop {
                    let Some(delivery) = queue.claim(&name, Duration::from_millis(100)).await.unwrap() else {
                        if completions.lock().unwrap().len() == JOBS {
                            return;
                        }
                        continue;
                    };
                    let id = delivery.job.id;
                    assert!(held.lock().unwrap().insert(id), "{id} held by two consumers at once");
                    tokio::task::yield_now().await;
                    queue.complete(&delivery, json!({"by": name})).await.unwrap();
                    *completions.lock().unwrap().entry(id).or_default() += 1;
                    held.lock().unwrap().remove(&id);
                }
            });
        }
    }
    let all_done = async {
        while let Some(joined) = tasks.join_next().await {
            joined.unwrap();
        }
    };
    tokio::time::timeout(Duration::from_secs(120), all_done).await.expect("50 jobs finish");

    let completions = completions.lock().unwrap().clone();
    assert_eq!(completions.keys().copied().collect::<HashSet<_>>(), ids);
    assert!(completions.values().all(|&n| n == 1), "every job completed exactly once: {completions:?}");
    let completed_once = f
        .count(
            "SELECT COUNT(*) AS n FROM jobs WHERE queue = $1 AND status = $2 AND attempts = 1",
            ["e".into(), "completed".into()],
        )
        .await;
    assert_eq!(completed_once, JOBS as i64, "no job was claimed twice");
    assert_eq!(consumers[1].depth().await.unwrap(), QueueDepth::default());
}

async fn release_gives_the_job_back_without_counting_the_attempt(f: Fixture) {
    let tenant = f.tenant().await;
    let queue = f.queue(fast("r"));
    let id = queue.enqueue(NewJob::new(tenant, "long", json!({}))).await.unwrap().id();
    let released = claim(&queue, "stopping-worker").await;
    queue.release(&released).await.unwrap();
    let record = queue.status(tenant, id).await.unwrap();
    assert_eq!((record.status, record.job.attempts), (JobStatus::Queued, 0));
    assert!(record.job.run_at <= Utc::now(), "due at once");

    let delivery = queue.claim("next-worker", Duration::ZERO).await.unwrap().expect("due at once");
    assert_eq!((delivery.job.id, delivery.job.attempts), (id, 1));
    // The released delivery's receipt is no longer the job's.
    queue.complete(&released, json!({})).await.unwrap();
    assert_eq!(queue.status(tenant, id).await.unwrap().status, JobStatus::Running);
    queue.complete(&delivery, json!({})).await.unwrap();
    assert_eq!(queue.status(tenant, id).await.unwrap().status, JobStatus::Completed);
}

async fn delayed_jobs_wait_and_queues_are_separate(f: Fixture) {
    let tenant = f.tenant().await;
    let later = f.queue(fast("later"));
    let other = f.queue(fast("other"));
    let run_at = Utc::now() + TimeDelta::hours(1);
    let id = later.enqueue_at(NewJob::new(tenant, "reminder", json!({})), run_at).await.unwrap().id();
    let record = later.status(tenant, id).await.unwrap();
    assert_eq!(record.job.run_at.timestamp_micros(), run_at.timestamp_micros());
    assert_eq!(later.depth().await.unwrap(), QueueDepth { delayed: 1, ..QueueDepth::default() });
    assert!(later.claim("w", Duration::from_millis(50)).await.unwrap().is_none(), "not due yet");

    let now_id = later.enqueue(NewJob::new(tenant, "now", json!({}))).await.unwrap().id();
    assert_eq!(other.depth().await.unwrap(), QueueDepth::default());
    assert!(other.claim("w", Duration::ZERO).await.unwrap().is_none(), "another queue's job");
    assert_eq!(claim(&later, "w").await.job.id, now_id);
}

async fn a_lease_expiring_on_the_last_attempt_dead_letters_the_job(f: Fixture) {
    let tenant = f.tenant().await;
    let queue = f.queue(SqlQueueConfig { visibility_timeout: Duration::from_millis(100), ..fast("poison") });
    let id = queue.enqueue(NewJob::new(tenant, "oom", json!({})).with_max_attempts(1)).await.unwrap().id();
    drop(claim(&queue, "killed-worker").await);
    // Claims keep finding nothing; meanwhile one of them sweeps the job out.
    let mut record = queue.status(tenant, id).await.unwrap();
    for _ in 0..200 {
        assert!(queue.claim("w", Duration::from_millis(20)).await.unwrap().is_none(), "no attempts left");
        record = queue.status(tenant, id).await.unwrap();
        if record.status != JobStatus::Running {
            break;
        }
    }
    assert_eq!((record.status, record.job.attempts), (JobStatus::Dead, 1));
    assert!(record.error.unwrap().contains("lease expired"));
    assert_eq!(queue.depth().await.unwrap(), QueueDepth { dead: 1, ..QueueDepth::default() });
}

/// A job that kills its runner every time (the 1.6 KB workbook that made the
/// reader allocate the whole grid) must not be claimed until its attempt
/// budget is spent: after `max_interruptions` interrupted runs it is dead.
async fn a_job_interrupted_more_than_max_interruptions_times_is_dead_as_a_poison_job(f: Fixture) {
    let tenant = f.tenant().await;
    let config = SqlQueueConfig { visibility_timeout: Duration::from_millis(100), max_interruptions: 2, ..fast("p") };
    let queue = f.queue(config);
    let id = queue.enqueue(NewJob::new(tenant, "oom", json!({})).with_max_attempts(10)).await.unwrap().id();
    let mut runs = 0;
    let mut record = queue.status(tenant, id).await.unwrap();
    for _ in 0..300 {
        // Each run dies (the delivery is dropped unacknowledged).
        if let Some(delivery) = queue.claim("doomed", Duration::from_millis(20)).await.unwrap() {
            runs += 1;
            drop(delivery);
        }
        record = queue.status(tenant, id).await.unwrap();
        if record.status == JobStatus::Dead {
            break;
        }
    }
    assert_eq!((record.status, runs, record.job.attempts), (JobStatus::Dead, 3, 3), "{record:?}");
    let error = record.error.unwrap();
    assert!(error.contains("poison job") && error.contains("more than 2 times"), "{error}");
    let stored =
        f.count("SELECT COUNT(*) AS n FROM jobs WHERE id = $1 AND interruptions = 3", [id.as_uuid().into()]).await;
    assert_eq!(stored, 1, "three interrupted runs counted");
    assert!(queue.claim("w", Duration::from_millis(50)).await.unwrap().is_none(), "never claimed again");
}

/// A runner that renews its lease keeps its job however long it runs; once
/// the job is taken over (or over), renewing says so.
async fn a_renewed_lease_keeps_a_long_job_from_being_claimed_again(f: Fixture) {
    let tenant = f.tenant().await;
    let config = SqlQueueConfig { visibility_timeout: Duration::from_millis(300), ..fast("hb") };
    let (runner, rival) = (f.queue(config.clone()), SqlJobQueue::new(f.second_connection().await, config));
    let id = runner.enqueue(NewJob::new(tenant, "long", json!({}))).await.unwrap().id();
    let delivery = claim(&runner, "runner").await;
    // Ten beats, each well inside the lease: three leases' worth of running.
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(runner.extend("runner", &delivery).await.unwrap(), "the lease is still ours");
        assert!(rival.claim("rival", Duration::ZERO).await.unwrap().is_none(), "never claimed twice");
    }
    runner.complete(&delivery, json!({"done": true})).await.unwrap();
    let record = runner.status(tenant, id).await.unwrap();
    assert_eq!((record.status, record.job.attempts), (JobStatus::Completed, 1), "one run");
    assert!(!runner.extend("runner", &delivery).await.unwrap(), "nothing to renew once completed");

    // Without beats the lease runs out and the job is taken over; the old holder's renewal then fails.
    let id = runner.enqueue(NewJob::new(tenant, "long", json!({}))).await.unwrap().id();
    let silent = claim(&runner, "runner").await;
    let taken = claim(&rival, "rival").await;
    assert_eq!((taken.job.id, taken.job.attempts), (id, 2));
    assert!(!runner.extend("runner", &silent).await.unwrap(), "the lease was lost");
    assert!(rival.extend("rival", &taken).await.unwrap());
}

/// A poll interval no test would wait out: only a wake-up can end the claim with a job.
fn sleepy(queue: &str) -> SqlQueueConfig {
    SqlQueueConfig { poll_interval: Duration::from_secs(3600), ..SqlQueueConfig::new(queue) }
}

/// A claim waiting on an empty queue gets a job the same process queues
/// (the queue's clones share the wake-up), not at its next poll.
async fn a_waiting_claim_is_woken_by_a_job_queued_in_this_process(f: Fixture) {
    let tenant = f.tenant().await;
    let queue = f.queue(sleepy("wake"));
    let waiting = {
        let queue = queue.clone();
        tokio::spawn(async move { queue.claim("w", Duration::from_secs(120)).await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await; // the claim found nothing and waits
    let id = queue.enqueue(NewJob::new(tenant, "noop", json!({}))).await.unwrap().id();
    let claimed = tokio::time::timeout(Duration::from_secs(60), waiting).await.expect("woken, not polled").unwrap();
    assert_eq!(claimed.unwrap().map(|d| d.job.id), Some(id));
}

/// On PostgreSQL a job queued through another connection pool (another
/// process) wakes the waiting claim through `NOTIFY`.
async fn a_waiting_claim_is_woken_by_a_job_queued_elsewhere(f: Fixture) {
    let tenant = f.tenant().await;
    let worker = f.queue(sleepy("elsewhere"));
    let producer = SqlJobQueue::new(f.second_connection().await, sleepy("elsewhere"));
    let mut waiting = tokio::spawn(async move { worker.claim("w", Duration::from_secs(120)).await });
    // Queue until the claim ends: a job queued before its LISTEN was up is only found by a poll (an hour away).
    let mut queued = Vec::new();
    let claimed = loop {
        queued.push(producer.enqueue(NewJob::new(tenant, "noop", json!({}))).await.unwrap().id());
        if let Ok(done) = tokio::time::timeout(Duration::from_secs(2), &mut waiting).await {
            break done.unwrap().unwrap().expect("a job");
        }
        assert!(queued.len() < 30, "never woken");
    };
    assert!(queued.contains(&claimed.job.id));
}
