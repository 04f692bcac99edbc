//! Shutting down: close, drain (up to a timeout), cancel what is left, report it.
//!
//! Steps, in order (the sync and async variants share them):
//! 1. **Close**: the closed bit in the pending-count word turns new submissions away
//!    (`Closed`); submitters waiting for room are woken with `Closed`. Admission and close
//!    are read-modify-writes of that one word, so the pending count now covers every task
//!    that will ever run (see `admission.rs`).
//! 2. **Drain**: wait until no task is pending, or until the timeout.
//! 3. **Cancel** (only if the timeout passed): start recording cancelled task ids, close
//!    the run permits (queued tasks give up without running) and raise the
//!    cancel-running signal (running futures are dropped at their next `.await`). Then
//!    wait until nothing is pending: closures already running on runner threads cannot be
//!    interrupted and are waited for.
//! 4. **Stop** (sync variants, owned runtime only): shut the runtime down and join its
//!    threads.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use pool_core::{ShutdownError, ShutdownMode, ShutdownReport, TaskId};

use crate::pool::lock_std;
use crate::pool::{stop_runtime, AsyncPool, Inner};
use crate::task::inside_pool_task;

/// What a shutdown with a timeout did.
///
/// ```
/// use std::time::Duration;
/// let pool = pool_async::AsyncPool::new(2).unwrap();
/// let slow = pool.try_submit(async { tokio::time::sleep(Duration::from_secs(60)).await }).unwrap();
/// let report = pool.shutdown_timeout(Duration::from_millis(50)).unwrap();
/// assert!(report.timed_out);
/// assert_eq!(report.interrupted, [slow.id()]);
/// assert!(report.report.is_balanced());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DrainReport {
    /// The pool's lifetime accounting once everything stopped; tasks cancelled by this
    /// shutdown count as `discarded`.
    pub report: ShutdownReport,
    /// Whether the timeout passed with tasks still pending (so the rest were cancelled).
    pub timed_out: bool,
    /// Tasks cancelled before they started, in the order they were cancelled.
    pub never_started: Vec<TaskId>,
    /// Tasks cancelled while running (dropped at an `.await`).
    pub interrupted: Vec<TaskId>,
}

impl DrainReport {
    /// Every task this shutdown cancelled, sorted by id.
    ///
    /// ```
    /// let r = pool_async::DrainReport::default();
    /// assert!(r.cancelled().is_empty());
    /// ```
    pub fn cancelled(&self) -> Vec<TaskId> {
        let mut all: Vec<TaskId> = self
            .never_started
            .iter()
            .chain(&self.interrupted)
            .copied()
            .collect();
        all.sort_unstable();
        all
    }
}

impl Inner {
    /// Step 3: cancels what is left, recording which tasks.
    fn cancel_rest(self: &Arc<Self>) {
        self.recording.store(true, Ordering::Release);
        self.cancel_all();
    }

    fn take_log(&self, timed_out: bool) -> DrainReport {
        let mut log = lock_std(&self.log);
        DrainReport {
            report: ShutdownReport::from(self.metrics()),
            timed_out,
            never_started: std::mem::take(&mut log.never_started),
            interrupted: std::mem::take(&mut log.interrupted),
        }
    }
}

impl AsyncPool {
    /// Graceful shutdown from sync code: stop accepting tasks, let pending tasks finish for
    /// up to `timeout`, then cancel the rest and report which were cancelled. Queued tasks
    /// cancelled this way never run; running futures are dropped at their next `.await`;
    /// closures already running (the [`Pool`](pool_core::Pool) path) finish. An owned
    /// runtime is then shut down and its threads joined.
    ///
    /// Calling it again (or [`Pool::shutdown`](pool_core::Pool::shutdown)) returns the
    /// same accounting, with no task listed as cancelled.
    ///
    /// # Errors
    /// [`ShutdownError::InsideWorker`] when called on a thread of the pool's runtime,
    /// where waiting could stall the tasks it waits for; the pool is closed anyway.
    ///
    /// ```
    /// use std::time::Duration;
    /// let pool = pool_async::AsyncPool::new(4).unwrap();
    /// let h = pool.try_submit(async { 7 }).unwrap();
    /// let report = pool.shutdown_timeout(Duration::from_secs(10)).unwrap();
    /// assert!(!report.timed_out && report.cancelled().is_empty());
    /// assert_eq!(report.report.completed, 1);
    /// assert_eq!(h.join().unwrap(), 7);
    /// ```
    pub fn shutdown_timeout(&self, timeout: Duration) -> Result<DrainReport, ShutdownError> {
        if self.inner.on_runtime() {
            self.inner.close();
            return Err(ShutdownError::InsideWorker);
        }
        let mut stored = lock_std(&self.report);
        if let Some(report) = *stored {
            return Ok(DrainReport {
                report,
                ..DrainReport::default()
            });
        }
        self.inner.close();
        let timed_out = !self.inner.admission.wait_timeout(timeout);
        if timed_out {
            self.inner.cancel_rest();
            self.inner.admission.wait();
        }
        self.stop_owned_runtime();
        let drained = self.inner.take_log(timed_out);
        *stored = Some(drained.report);
        Ok(drained)
    }

    /// Graceful shutdown from async code, as [`AsyncPool::shutdown_timeout`] but without
    /// blocking the calling task's thread. It does not stop an owned runtime (that cannot
    /// be done from inside async code); dropping the pool or a later sync shutdown does.
    ///
    /// # Errors
    /// [`ShutdownError::InsideWorker`] when awaited inside one of this pool's own tasks,
    /// which would wait for itself; the pool is closed anyway.
    ///
    /// ```
    /// use std::time::Duration;
    /// let rt = tokio::runtime::Runtime::new().unwrap();
    /// let pool = pool_async::AsyncPool::builder().concurrency(4).attach(rt.handle().clone()).unwrap();
    /// let report = rt.block_on(async {
    ///     pool.submit(tokio::time::sleep(Duration::from_secs(60))).await.unwrap();
    ///     pool.drain(Duration::from_millis(20)).await.unwrap()
    /// });
    /// assert!(report.timed_out);
    /// assert_eq!(report.cancelled().len(), 1);
    /// ```
    pub async fn drain(&self, timeout: Duration) -> Result<DrainReport, ShutdownError> {
        if inside_pool_task(&self.inner) {
            self.inner.close();
            return Err(ShutdownError::InsideWorker);
        }
        self.inner.close();
        let timed_out = !self.wait_idle_async(timeout).await;
        if timed_out {
            self.inner.cancel_rest();
            self.wait_idle_async(Duration::MAX).await;
        }
        Ok(self.inner.take_log(timed_out))
    }

    /// Waits for the pending count to reach zero on one of the runtime's blocking threads.
    async fn wait_idle_async(&self, timeout: Duration) -> bool {
        let inner: Arc<Inner> = self.inner.clone();
        let waiter = self.inner.handle.spawn_blocking(move || {
            if timeout == Duration::MAX {
                inner.admission.wait();
                true
            } else {
                inner.admission.wait_timeout(timeout)
            }
        });
        waiter.await.unwrap_or(false)
    }

    /// The [`Pool::shutdown`](pool_core::Pool::shutdown) behaviour, with no timeout.
    pub(crate) fn shutdown_mode(
        &self,
        mode: ShutdownMode,
    ) -> Result<ShutdownReport, ShutdownError> {
        if self.inner.on_runtime() {
            self.inner.close();
            return Err(ShutdownError::InsideWorker);
        }
        let mut stored = lock_std(&self.report);
        if let Some(report) = *stored {
            return Ok(report);
        }
        self.inner.close();
        if mode == ShutdownMode::Immediate {
            // Queued tasks give up at once; running ones finish.
            self.inner.discard_queued();
        }
        self.inner.admission.wait();
        self.stop_owned_runtime();
        let report = ShutdownReport::from(self.inner.metrics());
        *stored = Some(report);
        Ok(report)
    }

    /// Step 4, after the runners (which live on the runtime's blocking threads) are told
    /// to exit: no closure can be admitted any more.
    fn stop_owned_runtime(&self) {
        self.inner.closures.stop();
        if let Some(runtime) = lock_std(&self.runtime).take() {
            stop_runtime(runtime);
        }
    }
}
