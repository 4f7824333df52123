//! The threads bcrypt runs on: as many as the machine has cores, and
//! yielding to request handling.
//!
//! bcrypt is deliberately slow (≈ 250 ms of one core at cost 12). On
//! tokio's blocking pool a login storm would start hundreds of threads at
//! normal priority, all competing with the async workers that serve every
//! other request, so a burst of logins made unrelated reads slow. Here:
//!
//! * a fixed set of threads (`BCRYPT_THREADS`, default: the core count)
//!   does all hashing, so a storm costs queueing, never more threads;
//! * on Linux each of them lowers its own scheduling priority (nice 19):
//!   when nothing else wants the CPU they use all of it, and when a request
//!   arrives the kernel runs its handler first;
//! * admission is a fair semaphore with one permit per thread: a login
//!   waits its turn asynchronously, and one whose client gave up while
//!   waiting is dropped before any hashing is spent on it.

use crate::error::CryptoError;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::Semaphore;

type Job = Box<dyn FnOnce() + Send>;

/// The niceness of the hashing threads: the lowest (CFS weight 15 against a
/// request handler's 1024), so a request preempts a hash at once.
const NICENESS: i32 = 19;

/// A fixed pool of low-priority hashing threads. Threads end when the last
/// clone of the pool is dropped.
#[derive(Clone)]
pub struct HashingPool {
    jobs: mpsc::Sender<Job>,
    permits: Arc<Semaphore>,
    threads: usize,
}

impl std::fmt::Debug for HashingPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HashingPool").field("threads", &self.threads).finish_non_exhaustive()
    }
}

/// Lowers the calling thread's priority (Linux: niceness is per thread,
/// and `who = 0` names the calling thread).
fn lower_priority() {
    #[cfg(target_os = "linux")]
    if let Err(err) = rustix::process::setpriority_process(None, NICENESS) {
        eprintln!("frontdesk: could not lower the bcrypt threads' priority ({err}); hashing competes with requests");
    }
}

impl HashingPool {
    /// Starts `threads` hashing threads (at least one).
    ///
    /// # Errors
    /// [`CryptoError::Worker`] when the operating system refuses a thread.
    pub fn start(threads: usize) -> Result<Self, CryptoError> {
        let threads = threads.max(1);
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("bcrypt-{n}"))
                .spawn(move || {
                    lower_priority();
                    loop {
                        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
                        match next {
                            Ok(job) => job(),
                            Err(_) => return, // every sender is gone
                        }
                    }
                })
                .map_err(|e| CryptoError::Worker(e.to_string()))?;
        }
        Ok(Self { jobs, permits: Arc::new(Semaphore::new(threads)), threads })
    }

    /// The number of hashing threads.
    #[must_use]
    pub const fn threads(&self) -> usize {
        self.threads
    }

    /// Runs `work` on a hashing thread once one is free.
    ///
    /// # Errors
    /// [`CryptoError::Worker`] when the work panicked or the pool is gone.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, CryptoError> + Send + 'static,
    ) -> Result<T, CryptoError> {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(|_| CryptoError::Worker("the hashing pool is closed".into()))?;
        let (done, outcome) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
            drop(permit);
            let _ = done.send(result);
        });
        self.jobs.send(job).map_err(|_| CryptoError::Worker("the hashing threads have stopped".into()))?;
        match outcome.await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(CryptoError::Worker("the hashing work panicked".into())),
            Err(_) => Err(CryptoError::Worker("the hashing thread dropped the work".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn work_runs_on_the_pool_threads_and_returns_its_result() {
        let pool = HashingPool::start(2).unwrap();
        let name = pool.run(|| Ok(std::thread::current().name().unwrap_or_default().to_owned())).await.unwrap();
        assert!(name.starts_with("bcrypt-"), "{name}");
    }

    #[tokio::test]
    async fn no_more_than_the_thread_count_runs_at_once() {
        let pool = HashingPool::start(2).unwrap();
        let (running, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let tasks: Vec<_> = (0..12)
            .map(|_| {
                let (pool, running, most) = (pool.clone(), Arc::clone(&running), Arc::clone(&most));
                tokio::spawn(async move {
                    pool.run(move || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_millis(5));
                        running.fetch_sub(1, Ordering::SeqCst);
                        Ok(())
                    })
                    .await
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        assert!(most.load(Ordering::SeqCst) <= 2);
    }

    #[tokio::test]
    async fn a_panic_in_the_work_is_an_error_and_the_pool_keeps_serving() {
        let pool = HashingPool::start(1).unwrap();
        let failed = pool.run::<()>(|| panic!("boom")).await;
        assert!(matches!(failed, Err(CryptoError::Worker(_))));
        assert_eq!(pool.run(|| Ok(7)).await.unwrap(), 7);
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn the_hashing_threads_run_at_a_lower_priority() {
        let pool = HashingPool::start(1).unwrap();
        let nice = pool.run(|| Ok(rustix::process::getpriority_process(None).unwrap())).await.unwrap();
        assert_eq!(nice, NICENESS);
    }
}
