//! A plain [`Job`] submitted through the [`Pool`](pool_core::Pool) trait: one pending unit
//! of the pool, and for an outside submitter of a bounded pool, one slot of the bound.

use pool_core::{Job, Outcome, Quiescence};

use crate::bound::Bound;
use crate::stats::WorkerStats;
use crate::task::Ran;
use crate::unwind::drop_quietly;

/// A `Job` queued as it is, with whether it holds a slot of the outside bound. The pool's
/// pending unit for it was added before it was queued; [`PoolJob::run`] or
/// [`PoolJob::discard`] releases it (and the slot), so every queued `PoolJob` must reach
/// one of them: the workers run or discard what they take, `discard_queued` discards the
/// rest, and shutdown waits for the units.
///
/// No reference counts per job: the pool's `Quiescence` and `Bound` are passed in by the
/// thread that takes the job, instead of each job holding an `Arc` to them (two shared
/// counts bumped on the submitter's core and dropped on the worker's, per job).
pub(crate) struct PoolJob {
    job: Job,
    /// The job took a slot of the outside bound, released when it starts.
    bounded: bool,
}

impl PoolJob {
    /// Wraps a job whose unit was already added to the pool's `Quiescence` (and whose
    /// bound slot was taken, if `bounded`).
    pub(crate) fn new(job: Job, bounded: bool) -> PoolJob {
        PoolJob { job, bounded }
    }

    /// Runs the job, tallies it in `stats`, then releases its unit (so whoever sees the
    /// pool idle sees the tally too). The job is consumed by running, so its handle is
    /// settled before the unit goes.
    pub(crate) fn run(self, stats: &WorkerStats, idle: &Quiescence, bound: Option<&Bound>) {
        self.release_slot(bound);
        stats.finished(match self.job.run() {
            Outcome::Panicked => Ran::Panicked,
            Outcome::Completed => Ran::Completed,
        });
        idle.done(1);
    }

    /// Drops the job unrun (immediate shutdown), then releases its unit; a destructor that
    /// panics stays here.
    pub(crate) fn discard(self, idle: &Quiescence, bound: Option<&Bound>) {
        self.release_slot(bound);
        drop_quietly(self.job);
        idle.done(1);
    }

    fn release_slot(&self, bound: Option<&Bound>) {
        if self.bounded {
            if let Some(bound) = bound {
                bound.release();
            }
        }
    }
}
