//! The [`Pool`] trait for closures: how the async pool runs CPU-style and blocking jobs.
//!
//! A closure is admitted like a future (same queue bound, same pending count), then waits
//! in one queue for a *runner*: a loop on one of the runtime's blocking threads that runs
//! queued closures one after another, taking one of the `L` run permits for each (see
//! `closures.rs`). Never on an async worker: a closure may block (a file read, a lock),
//! and on a worker it would hold that thread, and every timer and socket scheduled there,
//! until it returned. At most `min(L, 256)` closures run at once.
//!
//! Why runners and not one `spawn_blocking` per closure (measured with callgrind,
//! `scripts/callgrind-closures.sh`, 2 threads, `L` = 2): `spawn_blocking` cost 7,376
//! instructions and two cross-thread wake-ups per empty closure (13-31 s for 10^6 of them
//! on the shared VM) and 324 bytes per queued closure (a tokio task waiting for a permit);
//! the runners cost 646 instructions per empty closure (`tokio::spawn` of an empty task:
//! 1,835) and 60 bytes per queued closure (a 32-byte entry plus the boxed closure), and a
//! runner that finishes a closure takes the next without sleeping. Running closures on the
//! async workers would be as cheap as `tokio::spawn` but lets one blocking closure stall
//! the runtime, so it is not offered through this trait: submit a future
//! (`try_submit(async move { .. })`) for short CPU work that must run on the workers.

use std::time::Duration;

use pool_core::{
    Job, Metrics, OverflowPolicy, Pool, ShutdownError, ShutdownMode, ShutdownReport, SubmitError,
    WaitIdleError,
};
use tokio::sync::TryAcquireError;

use crate::closures;
use crate::handle::block_on;
use crate::pool::AsyncPool;

impl AsyncPool {
    fn admit_job(&self, job: Job, holds_slot: bool) -> Result<(), SubmitError<Job>> {
        // No permit at admission: a permit held by a closure still in the queue could leave
        // every runner waiting for one behind it.
        let (job, ticket) = self.inner.admit_with(job, holds_slot, false)?;
        closures::push(&self.inner, job, ticket);
        Ok(())
    }
}

impl Pool for AsyncPool {
    /// Submits a closure; with a full bounded queue, applies the overflow policy. `Block`
    /// waits for room only outside the pool's runtime; on one of its threads it hands the
    /// job back as `Full` (waiting there could stall the tasks that would make room).
    fn submit(&self, job: Job) -> Result<(), SubmitError<Job>> {
        let inner = &self.inner;
        let holds_slot = match inner.try_slot() {
            Ok(holds_slot) => holds_slot,
            Err(TryAcquireError::Closed) => return Err(inner.reject(SubmitError::Closed(job))),
            Err(TryAcquireError::NoPermits) => match inner.overflow {
                OverflowPolicy::Reject => return Err(inner.reject(SubmitError::Full(job))),
                OverflowPolicy::CallerRuns => {
                    if inner.admission.is_closed() {
                        return Err(inner.reject(SubmitError::Closed(job)));
                    }
                    inner.run_here(job);
                    return Ok(());
                }
                OverflowPolicy::Block if inner.on_runtime() => {
                    return Err(inner.reject(SubmitError::Full(job)))
                }
                OverflowPolicy::Block => match &inner.slots {
                    Some(slots) => match block_on(slots.acquire()) {
                        Ok(permit) => {
                            permit.forget();
                            true
                        }
                        Err(_closed) => return Err(inner.reject(SubmitError::Closed(job))),
                    },
                    None => false,
                },
            },
        };
        self.admit_job(job, holds_slot)
    }

    fn try_submit(&self, job: Job) -> Result<(), SubmitError<Job>> {
        let inner = &self.inner;
        let holds_slot = match inner.try_slot() {
            Ok(holds_slot) => holds_slot,
            Err(TryAcquireError::Closed) => return Err(inner.reject(SubmitError::Closed(job))),
            Err(TryAcquireError::NoPermits) => return Err(inner.reject(SubmitError::Full(job))),
        };
        self.admit_job(job, holds_slot)
    }

    fn wait_idle(&self) -> Result<(), WaitIdleError> {
        if self.inner.on_runtime() {
            return Err(WaitIdleError::InsideWorker);
        }
        self.inner.admission.wait();
        Ok(())
    }

    fn wait_idle_timeout(&self, timeout: Duration) -> Result<(), WaitIdleError> {
        if self.inner.on_runtime() {
            return Err(WaitIdleError::InsideWorker);
        }
        if self.inner.admission.wait_timeout(timeout) {
            Ok(())
        } else {
            Err(WaitIdleError::TimedOut)
        }
    }

    /// `Graceful` waits for every pending task; `Immediate` discards queued tasks (their
    /// handles report cancelled) and waits for running ones. Both then shut an owned
    /// runtime down. For a timeout that cancels running futures too, see
    /// [`AsyncPool::shutdown_timeout`].
    fn shutdown(&self, mode: ShutdownMode) -> Result<ShutdownReport, ShutdownError> {
        self.shutdown_mode(mode)
    }

    fn metrics(&self) -> Metrics {
        self.inner.metrics()
    }

    fn workers(&self) -> usize {
        self.inner.limit
    }
}
