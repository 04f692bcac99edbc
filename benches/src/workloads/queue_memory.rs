//! Memory per queued job: every worker is blocked on a gate, `N` small jobs are submitted,
//! and what the process grew by is divided by `N`, in four figures:
//!
//! - heap: bytes allocated through the global allocator (a counting allocator), which
//!   does not see thread stacks (they are mapped directly);
//! - resident: growth of `VmRSS`, read once every job that can run has reached the gate
//!   (for one thread per task: every thread started and blocked, its touched stack and
//!   thread-local data resident);
//! - mapped: growth of `VmSize`, the address space reserved, which counts each thread's
//!   whole stack mapping and guard page;
//! - threads per job: growth of `Threads:` in `/proc/self/status`.
//!
//! The ranking figure is **held bytes per job, the larger of heap and resident**: what
//! the process really holds in memory, thread stacks included. The mapped figure is shown
//! beside it rather than ranked, because reserved address space is not memory used, but
//! it is what runs into `vm.max_map_count` and overcommit limits.
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
use std::time::{Duration, Instant};

use pool_core::Job;

use super::footprint::{await_threads_at_most, Footprint};
use super::{check, Env, Extra, Family, Output, Scale, Workload, WorkloadError};
use crate::contender::{Contender, ContenderError, Work};
use crate::estimate::{job_cost, times};
use crate::measure::{Clock, HeapCounter};
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

/// How long to wait for every thread of one thread per task to reach the gate before
/// reading the process's footprint anyway.
const ARRIVAL_TIMEOUT: Duration = Duration::from_secs(10);

/// Holds jobs until opened, counting the jobs waiting at it.
#[derive(Debug, Default)]
struct Gate {
    open: Mutex<bool>,
    cv: Condvar,
    arrived: AtomicU64,
}

impl Gate {
    fn pass(&self) {
        self.arrived.fetch_add(1, Ordering::Relaxed);
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        while !*open {
            open = self.cv.wait(open).unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Waits until `n` jobs have arrived, or [`ARRIVAL_TIMEOUT`].
    fn await_arrivals(&self, n: u64) {
        let end = Instant::now() + ARRIVAL_TIMEOUT;
        while self.arrived.load(Ordering::Relaxed) < n && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(1));
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
        "a queued job costs >= 10x more memory as a thread (thread-per-task) than in a bounded pool"
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
        let before = Footprint::now();
        let heap = HeapCounter::start();
        clock.start();
        for _ in 0..self.n {
            c.submit(job(&gate, &done), Work::Cpu)?;
        }
        clock.stop();
        // Only one thread per task runs the queued jobs (each on its own thread); in a
        // pool they wait in the queue behind the blockers.
        let running = if c.workers().is_none() {
            self.n
        } else {
            blockers
        };
        gate.await_arrivals(running);
        let heap_bytes = heap.as_ref().map(HeapCounter::bytes);
        let after = Footprint::now();
        drop(heap);
        gate.open();
        c.wait()?;
        if let Some(threads) = before.threads.filter(|_| c.workers().is_none()) {
            // One thread per task's threads end after their jobs: let them go before the
            // next repetition reads its `before`, or their exit would count against it.
            await_threads_at_most(threads, ARRIVAL_TIMEOUT);
        }
        let witness = check("jobs run", self.n + blockers, done.load(Ordering::Relaxed))?;
        let per = |x: f64| x / self.n as f64;
        let growth = |f: fn(&Footprint) -> Option<u64>| {
            f(&before)
                .zip(f(&after))
                .map(|(a, b)| per(b as f64 - a as f64))
        };
        let heap = heap_bytes.map(|b| per(b as f64));
        let rss = growth(|f| f.rss_kib).map(|k| k * 1024.0);
        Ok(Output {
            jobs: self.n,
            witness,
            heap_bytes_per_job: heap,
            rss_bytes_per_job: rss,
            extra: Extra {
                mapped_bytes_per_job: growth(|f| f.vm_kib).map(|k| k * 1024.0),
                threads_per_job: growth(|f| f.threads),
                held_bytes_per_job: match (heap, rss) {
                    (Some(h), Some(r)) => Some(h.max(r)),
                    (h, r) => h.or(r),
                },
                ..Extra::default()
            },
            ..Output::default()
        })
    }
    /// Each job is queued, then run once the gate opens (waiting for the threads of one
    /// thread per task to arrive is part of their per-job cost).
    fn rep_estimate(&self, _env: &Env, cell: &Cell) -> Duration {
        SETTLE + times(self.n, job_cost(cell)) * 2
    }
}
