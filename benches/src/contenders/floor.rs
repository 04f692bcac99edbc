//! `floor`: the harness's own cost per flat job, reported as its own line.
//!
//! It goes through exactly the path a workpools contender's flat job takes (the
//! workload's `Job::new` allocation, [`CorePool::submit`] through `dyn Pool`, `wait_idle`
//! and the panic count from `metrics()`), but the pool behind it runs each job inline in
//! `submit`, so no queue, hand-off or wake-up is paid. A pool's figure minus this one is
//! what the pool itself costs. It measures CPU-flat workloads only: it has no queue, no
//! concurrency and no trees to offer.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use pool_core::{
    Counters, Job, Metrics, Pool, ShutdownError, ShutdownMode, ShutdownReport, SubmitError,
    WaitIdleError,
};

use crate::contender::{Contender, ContenderError, Task, TreeTask, Work};
use crate::contenders::CorePool;

/// A `Pool` that runs every job on the submitting thread, counting like the real ones.
struct InlinePool {
    counters: Counters,
    closed: AtomicBool,
}

impl Pool for InlinePool {
    fn submit(&self, job: Job) -> Result<(), SubmitError<Job>> {
        if self.closed.load(Ordering::Relaxed) {
            self.counters.rejected(1);
            return Err(SubmitError::Closed(job));
        }
        self.counters.accepted(1);
        self.counters.run(job);
        Ok(())
    }

    fn try_submit(&self, job: Job) -> Result<(), SubmitError<Job>> {
        self.submit(job)
    }

    /// Every job has finished by the time `submit` returned.
    fn wait_idle(&self) -> Result<(), WaitIdleError> {
        Ok(())
    }

    fn wait_idle_timeout(&self, _timeout: Duration) -> Result<(), WaitIdleError> {
        Ok(())
    }

    fn shutdown(&self, _mode: ShutdownMode) -> Result<ShutdownReport, ShutdownError> {
        self.closed.store(true, Ordering::Relaxed);
        let m = self.counters.snapshot();
        Ok(ShutdownReport {
            submitted: m.submitted,
            rejected: m.rejected,
            completed: m.completed,
            panicked: m.panicked,
            discarded: 0,
        })
    }

    fn metrics(&self) -> Metrics {
        self.counters.snapshot()
    }

    fn workers(&self) -> usize {
        1
    }
}

/// The harness floor: a [`CorePool`] over a pool that runs jobs inline.
#[derive(Debug)]
pub struct Floor(CorePool);

impl Floor {
    /// The floor contender.
    pub fn new() -> Floor {
        let pool = InlinePool {
            counters: Counters::new(1),
            closed: AtomicBool::new(false),
        };
        Floor(CorePool::new(
            crate::contenders::HARNESS_FLOOR,
            Arc::new(pool),
        ))
    }
}

impl Default for Floor {
    fn default() -> Floor {
        Floor::new()
    }
}

impl Contender for Floor {
    fn name(&self) -> &'static str {
        self.0.name()
    }

    fn workers(&self) -> Option<usize> {
        self.0.workers()
    }

    /// Jobs run inside `submit`: nothing ever waits in a queue.
    fn queues(&self) -> bool {
        false
    }

    fn submit(&self, task: Task, work: Work) -> Result<(), ContenderError> {
        self.0.submit(task, work)
    }

    fn wait(&self) -> Result<(), ContenderError> {
        self.0.wait()
    }

    fn spawn_tree(&self, root: TreeTask) -> Result<(), ContenderError> {
        drop(root);
        Err(ContenderError::Unsupported(
            "trees (the harness floor covers flat jobs only)",
        ))
    }
}
