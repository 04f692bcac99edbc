//! Memory per queued job: every worker is blocked on a gate, `N` small jobs are submitted,
//! and the heap (counting allocator) and resident memory grow is divided by `N`.
//!
//! **Hypothesis.** A queued job costs a boxed closure plus a queue slot (tens to a few
//! hundred bytes) in a pool; one thread per task costs a thread (kernel stack, guard page,
//! touched stack: tens of KiB resident), which is why unbounded spawning runs out of
//! memory where a pool with a bounded queue does not.
//!
//! **Check.** After the gate opens every job must run exactly once. `sequential` cannot
//! queue (it runs each job on submit) and is recorded as unsupported.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use pool_core::Job;

use super::{check, Env, Family, Output, Scale, Workload, WorkloadError};
use crate::contender::{Contender, ContenderError, Work};
use crate::estimate::{job_cost, times};
use crate::measure::{rss_kib, Clock, HeapCounter};
use crate::record::Cell;

/// `n` jobs queued behind blocked workers.
#[derive(Debug)]
pub struct QueueMemory {
    n: u64,
}

impl QueueMemory {
    /// The queue-memory workload at `scale`. At most 12,000 jobs: one thread per task
    /// keeps every job's thread alive at once, and each std thread takes about four memory
    /// mappings (stack, guard page, signal stack and its guard), so `vm.max_map_count`
    /// (65,530 by default) stops it near 16,000 threads (20,000 failed here).
    pub fn new(scale: Scale) -> QueueMemory {
        QueueMemory {
            n: scale.pick(500, 10_000, 12_000),
        }
    }
}

/// How long the blocking jobs get to reach the gate before the count starts.
const SETTLE: Duration = Duration::from_millis(20);

/// Holds jobs until opened.
#[derive(Debug, Default)]
struct Gate {
    open: Mutex<bool>,
    cv: Condvar,
}

impl Gate {
    fn pass(&self) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        while !*open {
            open = self.cv.wait(open).unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn open(&self) {
        *self.open.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.cv.notify_all();
    }
}

impl Workload for QueueMemory {
    fn name(&self) -> &'static str {
        "queue-memory"
    }
    fn family(&self) -> Family {
        Family::QueueMemory
    }
    fn hypothesis(&self) -> &'static str {
        "a queued job costs bytes in a pool and a whole thread (KiBs resident) when spawned unbounded"
    }
    fn params(&self, _env: &Env) -> String {
        format!("{} jobs queued behind blocked workers", self.n)
    }
    fn run(
        &self,
        c: &dyn Contender,
        _env: &Env,
        clock: &mut Clock,
    ) -> Result<Output, WorkloadError> {
        if !c.queues() {
            return Err(ContenderError::Unsupported("queueing (runs each job on submit)").into());
        }
        let gate = Arc::new(Gate::default());
        let done = Arc::new(AtomicU64::new(0));
        let blockers = c.workers().unwrap_or(0) as u64;
        let job = |gate: &Arc<Gate>, done: &Arc<AtomicU64>| {
            let (gate, done) = (Arc::clone(gate), Arc::clone(done));
            Job::new(move || {
                gate.pass();
                done.fetch_add(1, Ordering::Relaxed);
            })
        };
        for _ in 0..blockers {
            c.submit(job(&gate, &done), Work::Cpu)?;
        }
        std::thread::sleep(SETTLE);
        let heap = HeapCounter::start();
        let rss0 = rss_kib();
        clock.start();
        for _ in 0..self.n {
            c.submit(job(&gate, &done), Work::Cpu)?;
        }
        clock.stop();
        let heap_bytes = heap.as_ref().map(HeapCounter::bytes);
        let rss1 = rss_kib();
        drop(heap);
        gate.open();
        c.wait()?;
        let witness = check("jobs run", self.n + blockers, done.load(Ordering::Relaxed))?;
        let per = |bytes: f64| bytes / self.n as f64;
        Ok(Output {
            jobs: self.n,
            witness,
            heap_bytes_per_job: heap_bytes.map(|b| per(b as f64)),
            rss_bytes_per_job: rss0
                .zip(rss1)
                .map(|(a, b)| per((b as f64 - a as f64) * 1024.0)),
            ..Output::default()
        })
    }
    /// Each job is queued, then run once the gate opens.
    fn rep_estimate(&self, _env: &Env, cell: &Cell) -> Duration {
        SETTLE + times(self.n, job_cost(cell)) * 2
    }
}
