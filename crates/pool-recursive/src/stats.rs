//! Per-worker tallies: each written by one worker thread only, summed into
//! [`Metrics`](pool_core::Metrics) on demand.
//!
//! A shared [`Counters`](pool_core::Counters) would cost each task a few atomic
//! read-modify-writes on cache lines both workers write; here each field has a single
//! writer, so an increment is a plain load and store (`Relaxed`, statistics only).

use std::sync::atomic::{AtomicU64, Ordering};

use pool_core::{Counters, Metrics};

use crate::task::Ran;

/// One worker's tallies, alone on its cache lines. A skipped task (its tree was cancelled)
/// counts as cancelled, not as started.
#[repr(align(128))]
#[derive(Default)]
pub(crate) struct WorkerStats {
    submitted: AtomicU64,
    started: AtomicU64,
    completed: AtomicU64,
    panicked: AtomicU64,
    cancelled: AtomicU64,
}

/// Adds `n` to a counter that only the calling thread writes.
fn add(counter: &AtomicU64, n: u64) {
    counter.store(
        counter.load(Ordering::Relaxed).wrapping_add(n),
        Ordering::Relaxed,
    );
}

impl WorkerStats {
    pub(crate) fn submitted(&self) {
        add(&self.submitted, 1);
    }

    pub(crate) fn started(&self) {
        add(&self.started, 1);
    }

    /// Tallies the outcome of a task this worker started.
    pub(crate) fn finished(&self, ran: Ran) {
        match ran {
            Ran::Completed => add(&self.completed, 1),
            Ran::Panicked => add(&self.panicked, 1),
            Ran::Skipped => {
                add(&self.started, u64::MAX);
                add(&self.cancelled, 1);
            }
        }
    }

    pub(crate) fn cancelled(&self) {
        add(&self.cancelled, 1);
    }
}

/// Sums the workers' tallies and the outside submitters' [`Counters`] into one snapshot.
/// Later stages are read first, so under load a task is never counted twice.
/// `swept` counts tasks discarded by a thread that is not a worker (immediate shutdown).
pub(crate) fn snapshot(workers: &[WorkerStats], outside: &Counters, swept: u64) -> Metrics {
    let sum = |f: fn(&WorkerStats) -> &AtomicU64| -> u64 {
        workers.iter().map(|w| f(w).load(Ordering::Relaxed)).sum()
    };
    let out = outside.snapshot();
    let completed = sum(|w| &w.completed) + out.completed;
    let panicked = sum(|w| &w.panicked) + out.panicked;
    let cancelled = sum(|w| &w.cancelled) + out.cancelled + swept;
    let started = (sum(|w| &w.started) + out.completed + out.panicked + out.running)
        .max(completed + panicked);
    let rejected = out.rejected;
    let submitted = (sum(|w| &w.submitted) + out.submitted).max(started + rejected + cancelled);
    Metrics {
        submitted,
        rejected,
        queued: submitted - started - rejected - cancelled,
        running: started - completed - panicked,
        completed,
        panicked,
        cancelled,
        workers: out.workers,
    }
}
