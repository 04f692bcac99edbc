//! A plain [`Job`] submitted through the [`Pool`](pool_core::Pool) trait: one pending unit
//! of the pool, and for an outside submitter of a bounded pool, one slot of the bound.

use pool_core::sync::Arc;
use pool_core::{Job, Outcome, Quiescence, TaskId};

use crate::bound::Bound;
use crate::stats::WorkerStats;
use crate::task::{Body, Ran, Sink};
use crate::unwind::drop_quietly;

/// A `Job` with the pool unit it holds. Dropping it, run or not, releases the unit.
pub(crate) struct JobTask {
    job: Option<Job>,
    idle: Arc<Quiescence>,
    /// The bound slot an outside submitter took; released when the job starts.
    slot: Option<Arc<Bound>>,
}

impl JobTask {
    /// Wraps a job whose unit was already added to `idle` (and slot taken, if any).
    pub(crate) fn new(job: Job, idle: Arc<Quiescence>, slot: Option<Arc<Bound>>) -> JobTask {
        JobTask {
            job: Some(job),
            idle,
            slot,
        }
    }

    fn release_slot(&mut self) {
        if let Some(bound) = self.slot.take() {
            bound.release();
        }
    }
}

impl Body for JobTask {
    fn run(mut self: Box<Self>, _sink: &dyn Sink, _id: TaskId, stats: &WorkerStats) {
        self.release_slot();
        stats.finished(match self.job.take().map(Job::run) {
            Some(Outcome::Panicked) => Ran::Panicked,
            Some(Outcome::Completed) | None => Ran::Completed,
        });
        // `self` drops here: the unit is released after the job finished and was tallied.
    }

    fn discard(self: Box<Self>) {}
}

impl Drop for JobTask {
    fn drop(&mut self) {
        self.release_slot();
        // Drop the job (and its handle's completer) before the unit, so a `wait_idle` that
        // returns sees every handle settled; a destructor that panics stays here.
        drop_quietly(self.job.take());
        self.idle.done(1);
    }
}
