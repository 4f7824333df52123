//! Giving the system back what start-up allocated and freed.
//!
//! glibc's allocator keeps freed chunks in its arenas for reuse and, on its
//! own, returns memory only from the top of a heap. Start-up (migrations, the
//! OpenAPI document, route tables, the pools' first connections) allocates and
//! frees a few MB below allocations that live on, so an idle process stayed
//! resident at its start-up peak: 4.7 MB of the api's 41.5 MB (measured
//! 2026-12-07, docs/benchmarks.md). `malloc_trim(0)` hands those free pages
//! back (`madvise(MADV_DONTNEED)` on every free page of every arena); live
//! allocations are untouched, later allocations fault the pages in again.
//!
//! It runs once, shortly after start-up rather than on a timer: glibc locks
//! each arena while it walks it, a cost worth paying once when the process is
//! quiet, not in the middle of a load. ADR 0021 has the reasons and figures.

use std::time::Duration;

/// How long after start-up the trim runs: time for every server worker to
/// build its app, so what they free is returned too.
const STARTUP_SETTLES: Duration = Duration::from_secs(1);

/// Asks the allocator to return its free pages to the system; `true` when
/// anything was returned. Nothing to do (and `false`) off glibc: musl and the
/// other platforms' allocators have no such call.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[must_use]
#[allow(unsafe_code)] // the one FFI call of the workspace (ADR 0021)
pub fn release_freed() -> bool {
    // SAFETY: `malloc_trim` takes no pointers and touches only glibc's own
    // free lists, under the arena locks every other allocator call also takes.
    unsafe { libc::malloc_trim(0) == 1 }
}

/// Off glibc there is nothing to trim.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
#[must_use]
pub const fn release_freed() -> bool {
    false
}

/// Trims once, [`STARTUP_SETTLES`] from now, on the current Tokio runtime.
/// Call it when the listener is up.
pub fn release_after_startup() {
    tokio::spawn(async move {
        tokio::time::sleep(STARTUP_SETTLES).await;
        let released = release_freed();
        tracing::debug!(released, "returned start-up's freed memory to the system");
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn freed_memory_can_be_released_at_any_time() {
        // A burst of allocations freed below one that stays: what start-up leaves behind.
        let burst: Vec<Vec<u8>> = (0..256).map(|i| vec![u8::try_from(i % 251).unwrap_or(0); 64 * 1024]).collect();
        let kept = vec![1_u8; 4096];
        drop(burst);
        let released = release_freed();
        if cfg!(all(target_os = "linux", target_env = "gnu")) {
            assert!(released, "16 MB freed below a live allocation should be returned");
        } else {
            assert!(!released);
        }
        assert_eq!(kept.iter().map(|&b| u64::from(b)).sum::<u64>(), 4096, "live memory is untouched");
    }
}
