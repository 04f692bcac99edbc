//! One task's life: wait for a run permit, run, account for the outcome exactly once.
//!
//! A task is admitted by a submitter (which counted it as pending and, with a bounded
//! queue, took a queue slot for it), then:
//! 1. **queued**: it waits for one of the `L` run permits (tokio's semaphore, FIFO among
//!    waiters from the task's first poll);
//! 2. **running**: it holds a permit; its queue slot is given back;
//! 3. **done**: the permit is released, then its [`TaskGuard`] records the outcome and
//!    marks it no longer pending.
//!
//! The guard is created before the task is handed to tokio and moved into it, so it runs
//! its `Drop` however the task ends: normally, by a panic (unwinding drops it while
//! `std::thread::panicking()`), or by being dropped unfinished (aborted, cancelled by a
//! signal, or discarded by a shutting-down runtime). That is what makes "every accepted
//! task is counted exactly once" hold without a registry of live tasks.

use std::cell::Cell;
use std::future::Future;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use pool_core::{Job, Outcome, TaskId};
use tokio::sync::{OwnedSemaphorePermit, TryAcquireError};

use crate::handle::TaskHandle;
use crate::pool::lock_std;
use crate::pool::Inner;
use crate::signal::{cancelled_opt, Signal};

tokio::task_local! {
    /// Set while one of a pool's tasks is polled: which pool it belongs to.
    static CURRENT_POOL: u64;
}

/// Whether the current task is one of pool `pool`'s tasks.
pub(crate) fn inside_pool_task(pool: u64) -> bool {
    CURRENT_POOL.try_with(|p| *p == pool).unwrap_or(false)
}

#[derive(Clone, Copy)]
enum Stage {
    Queued,
    Running,
    Done(Outcome),
}

/// Records one admitted task's outcome when dropped; see the module docs.
///
/// The stage lives in `Cell`s so the task body can borrow the guard's `inner` (for the
/// permit) while it advances the stage: one `Arc` per task instead of two.
pub(crate) struct TaskGuard {
    inner: Arc<Inner>,
    id: TaskId,
    stage: Cell<Stage>,
    holds_slot: Cell<bool>,
}

impl TaskGuard {
    /// A guard for a task already counted as submitted and pending.
    pub(crate) fn new(inner: Arc<Inner>, id: TaskId, holds_slot: bool) -> TaskGuard {
        TaskGuard {
            inner,
            id,
            stage: Cell::new(Stage::Queued),
            holds_slot: Cell::new(holds_slot),
        }
    }

    /// Gives the queue slot back: the task holds a run permit now.
    fn release_slot(&self) {
        if self.holds_slot.replace(false) {
            if let Some(slots) = &self.inner.slots {
                slots.add_permits(1);
            }
        }
    }

    fn started(&self) {
        self.release_slot();
        self.stage.set(Stage::Running);
        self.inner.counters.started();
    }

    fn finished(&self, outcome: Outcome) {
        self.stage.set(Stage::Done(outcome));
    }
}

impl Drop for TaskGuard {
    fn drop(&mut self) {
        self.release_slot();
        let inner = &self.inner;
        match self.stage.get() {
            Stage::Done(outcome) => inner.counters.finished(outcome),
            Stage::Running if std::thread::panicking() => {
                inner.counters.finished(Outcome::Panicked);
            }
            Stage::Running => {
                inner.interrupted.fetch_add(1, Ordering::Relaxed);
                if inner.recording.load(Ordering::Acquire) {
                    lock_std(&inner.log).interrupted.push(self.id);
                }
            }
            Stage::Queued => {
                inner.counters.cancelled(1);
                if inner.recording.load(Ordering::Acquire) {
                    lock_std(&inner.log).never_started.push(self.id);
                }
            }
        }
        inner.pending.done();
    }
}

/// Hands an admitted future to tokio.
pub(crate) fn spawn_future<F>(
    inner: &Arc<Inner>,
    fut: F,
    holds_slot: bool,
    group: Option<Arc<Signal>>,
) -> TaskHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let id = inner.next_task_id();
    let guard = TaskGuard::new(inner.clone(), id, holds_slot);
    let body = run_future(guard, fut, group, id.get());
    let join = inner.handle.spawn(CURRENT_POOL.scope(inner.pool_key, body));
    TaskHandle::new(join, id)
}

/// The body of every future task. `None` means cancelled (by the pool or the group).
async fn run_future<F: Future>(
    guard: TaskGuard,
    fut: F,
    group: Option<Arc<Signal>>,
    key: u64,
) -> Option<F::Output> {
    // Declared first so it is dropped last, after the permit.
    let guard = guard;
    let inner = &*guard.inner;
    let group = group.as_deref();
    // A free permit is taken without building the waiting machinery; otherwise wait,
    // biased towards the permit so the group's signal is only registered with while the
    // task really waits.
    let _permit = match inner.permits.try_acquire() {
        Ok(permit) => permit,
        Err(TryAcquireError::Closed) => return None,
        Err(TryAcquireError::NoPermits) => tokio::select! {
            biased;
            permit = inner.permits.acquire() => permit.ok()?,
            () = cancelled_opt(group, key) => return None,
        },
    };
    if group.is_some_and(Signal::is_cancelled) {
        return None;
    }
    guard.started();
    // Biased: poll the task first, so one that finishes on its first poll never registers
    // with a cancellation signal (the common case for short tasks).
    let out = tokio::select! {
        biased;
        out = fut => out,
        () = inner.cancel_running.cancelled(key) => return None,
        () = cancelled_opt(group, key) => return None,
    };
    guard.finished(Outcome::Completed);
    Some(out)
}

/// Hands an admitted closure to tokio's blocking pool once it has a run permit.
pub(crate) fn spawn_job(inner: &Arc<Inner>, job: Job, holds_slot: bool) {
    let id = inner.next_task_id();
    let guard = TaskGuard::new(inner.clone(), id, holds_slot);
    // Fast path: a free permit (the fair semaphore gives none while others wait).
    match inner.permits.clone().try_acquire_owned() {
        Ok(permit) => dispatch(inner, guard, job, permit),
        Err(TryAcquireError::Closed) => drop((job, guard)),
        Err(TryAcquireError::NoPermits) => {
            let task_inner = inner.clone();
            inner.handle.spawn(async move {
                if let Ok(permit) = task_inner.permits.clone().acquire_owned().await {
                    dispatch(&task_inner, guard, job, permit);
                }
            });
        }
    }
}

fn dispatch(inner: &Arc<Inner>, guard: TaskGuard, job: Job, permit: OwnedSemaphorePermit) {
    guard.release_slot();
    inner.handle.spawn_blocking(move || {
        guard.started();
        let outcome = job.run();
        guard.finished(outcome);
        // The permit goes back before the task stops being pending.
        drop(permit);
        drop(guard);
    });
}
