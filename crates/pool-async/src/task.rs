//! One task's life: wait for a run permit, run, account for the outcome exactly once.
//!
//! A task is admitted by a submitter (which counted it as pending and, with a bounded
//! queue, took a queue slot for it), then:
//! 1. **queued**: it gets one of the `L` run permits at admission if one is free, or else
//!    waits for one (FIFO among waiters from the task's first poll; `admission.rs`);
//! 2. **running**: it holds a permit; its queue slot is given back;
//! 3. **done**: its [`TaskGuard`] records the outcome, then gives the permit back and
//!    marks it no longer pending, in one read-modify-write of the admission word.
//!
//! The guard is created before the task is handed to tokio and moved into it, so it runs
//! its `Drop` however the task ends: normally, by a panic (unwinding drops it while
//! `std::thread::panicking()`), or by being dropped unfinished (aborted, cancelled by a
//! signal, or discarded by a shutting-down runtime). That is what makes "every accepted
//! task is counted exactly once" hold without a registry of live tasks.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};

use pool_core::{Outcome, TaskId};

use crate::admission::NoPermit;
use crate::handle::TaskHandle;
use crate::pool::lock_std;
use crate::pool::{Inner, Ticket};
use crate::signal::{Registration, Signal};

thread_local! {
    /// While one of a pool's tasks is polled on this thread: that pool's key, the address
    /// of its cancel-running signal (0: none).
    static CURRENT_POOL: Cell<usize> = const { Cell::new(0) };
}

/// Whether the current thread is polling one of `pool`'s tasks.
pub(crate) fn inside_pool_task(pool: &Inner) -> bool {
    CURRENT_POOL.with(Cell::get) == pool.cancel_running.address()
}

/// Marks the thread as polling one of a pool's tasks until dropped (restoring the
/// previous mark, for a pool task polled from inside another's).
struct PoolScope(usize);

impl PoolScope {
    fn enter(key: usize) -> PoolScope {
        PoolScope(CURRENT_POOL.with(|c| c.replace(key)))
    }
}

impl Drop for PoolScope {
    fn drop(&mut self) {
        CURRENT_POOL.with(|c| c.set(self.0));
    }
}

#[derive(Clone, Copy)]
enum Stage {
    Queued,
    Running,
    Done(Outcome),
}

/// Records one admitted task's outcome when dropped; see the module docs.
///
/// The stage lives in `Cell`s so the task body can borrow the guard's `inner` while it
/// advances the stage: one `Arc` per task instead of two. The run permit is held as a flag
/// here rather than as a permit value in the task's future: the guard gives it back, in
/// the same read-modify-write that ends the task's pending count, after recording the
/// outcome.
pub(crate) struct TaskGuard {
    inner: Arc<Inner>,
    id: TaskId,
    stage: Cell<Stage>,
    holds_slot: Cell<bool>,
    holds_permit: Cell<bool>,
}

impl TaskGuard {
    /// A guard for a task already admitted (counted pending) with `ticket`.
    pub(crate) fn new(inner: Arc<Inner>, id: TaskId, ticket: Ticket) -> TaskGuard {
        TaskGuard {
            inner,
            id,
            stage: Cell::new(Stage::Queued),
            holds_slot: Cell::new(ticket.slot),
            holds_permit: Cell::new(ticket.permit),
        }
    }

    /// Takes ownership of a run permit just acquired, given back when the guard drops.
    pub(crate) fn keep_permit(&self) {
        self.holds_permit.set(true);
    }

    /// Gives the queue slot back: the task holds a run permit now.
    pub(crate) fn release_slot(&self) {
        if self.holds_slot.replace(false) {
            if let Some(slots) = &self.inner.slots {
                slots.add_permits(1);
            }
        }
    }

    pub(crate) fn started(&self) {
        self.release_slot();
        // Not counted here: a running task is one holding a permit (see `Inner::metrics`).
        self.stage.set(Stage::Running);
    }

    pub(crate) fn finished(&self, outcome: Outcome) {
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
        inner.admission.finish(self.holds_permit.get());
    }
}

/// Hands an admitted future to tokio.
pub(crate) fn spawn_future<F, G>(
    inner: &Arc<Inner>,
    fut: F,
    ticket: Ticket,
    group: G,
) -> TaskHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
    G: GroupCancel,
{
    let id = inner.next_task_id();
    let guard = TaskGuard::new(inner.clone(), id, ticket);
    let join = inner.handle.spawn(run_future(guard, fut, group));
    TaskHandle::new(join, id)
}

/// The body of every future task. `None` means cancelled (by the pool or the group).
///
/// Kept small on purpose: tokio moves a task's whole future several times per spawn, so
/// every byte here costs on every task. The wait for a run permit, which needs the
/// admission queue's waiter node, is boxed (only tasks that really wait pay for it), and the
/// cancellation waits are signal `Registration`s rather than `Notified` futures.
async fn run_future<F: Future, G: GroupCancel>(
    guard: TaskGuard,
    fut: F,
    group: G,
) -> Option<F::Output> {
    // Arguments drop after the body's locals: the guard (declared first) drops last.
    let inner = &*guard.inner;
    if !guard.holds_permit.get() {
        match inner.admission.try_acquire() {
            Ok(()) => guard.keep_permit(),
            Err(NoPermit::Shut) => return None,
            Err(NoPermit::Busy) => {
                let wait = wait_for_permit(inner, group.signal());
                Box::pin(wait).await?;
                guard.keep_permit();
            }
        }
    }
    // A task admitted with a permit has not started either: it gives up like a queued
    // one when the pool discards queued tasks.
    if inner.discard_queued.load(Ordering::Acquire)
        || group.signal().is_some_and(Signal::is_cancelled)
    {
        return None;
    }
    guard.started();
    let out = Running::<F, G> {
        fut: std::pin::pin!(fut),
        pool_cancel: inner.cancel_running.registration(),
        group_cancel: group.registration(),
    }
    .await?;
    guard.finished(Outcome::Completed);
    Some(out)
}

/// What a task races besides the pool's cancel-running signal: its group's signal
/// (`Arc<Signal>`), or nothing (`()`, which keeps the future of a task outside any group
/// 24 bytes smaller).
pub(crate) trait GroupCancel: Send + 'static {
    /// A running task's wait on the group's signal.
    type Wait<'a>: Send + Unpin;

    /// The group's signal, if any.
    fn signal(&self) -> Option<&Signal>;

    /// A not-yet-registered wait on the group's signal.
    fn registration(&self) -> Self::Wait<'_>;

    /// `Ready` once the group is cancelled.
    fn poll_cancelled(wait: &mut Self::Wait<'_>, cx: &mut Context<'_>) -> Poll<()>;
}

impl GroupCancel for () {
    type Wait<'a> = ();

    fn signal(&self) -> Option<&Signal> {
        None
    }

    fn registration(&self) {}

    fn poll_cancelled((): &mut (), _cx: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}

impl GroupCancel for Arc<Signal> {
    type Wait<'a> = Registration<'a>;

    fn signal(&self) -> Option<&Signal> {
        Some(self)
    }

    fn registration(&self) -> Registration<'_> {
        Signal::registration(self)
    }

    fn poll_cancelled(wait: &mut Registration<'_>, cx: &mut Context<'_>) -> Poll<()> {
        wait.poll_cancelled(cx)
    }
}

/// A running task's future, stopped early (`None`) by the pool's or the group's signal.
struct Running<'a, F, G: GroupCancel> {
    fut: Pin<&'a mut F>,
    pool_cancel: Registration<'a>,
    group_cancel: G::Wait<'a>,
}

impl<F: Future, G: GroupCancel> Future for Running<'_, F, G> {
    type Output = Option<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let scope = PoolScope::enter(this.pool_cancel.signal().address());
        if let Poll::Ready(out) = this.fut.as_mut().poll(cx) {
            return Poll::Ready(Some(out));
        }
        drop(scope);
        // Only a pending task registers with the signals: one that finishes on its first
        // poll (the common case for short tasks) never touches their locks.
        let group_raised = G::poll_cancelled(&mut this.group_cancel, cx).is_ready();
        if group_raised || this.pool_cancel.poll_cancelled(cx).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    }
}

/// Waits for a run permit, unless the pool closes its permits or the group is cancelled
/// first (`None`). Biased towards the permit, so the group's signal is only registered
/// with while the task really waits.
async fn wait_for_permit(inner: &Inner, group: Option<&Signal>) -> Option<()> {
    let mut acquire = std::pin::pin!(inner.admission.acquire());
    let mut group_cancel = group.map(Signal::registration);
    std::future::poll_fn(|cx| {
        if let Poll::Ready(permit) = acquire.as_mut().poll(cx) {
            return Poll::Ready(permit.ok());
        }
        match group_cancel.as_mut().map(|g| g.poll_cancelled(cx)) {
            Some(Poll::Ready(())) => Poll::Ready(None),
            _ => Poll::Pending,
        }
    })
    .await
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    /// tokio copies a task's future (inside its `Stage` enum) about six times per spawn;
    /// once `Stage` passes ~128 bytes every copy is a `memcpy` call, measured at ~30
    /// instructions each (callgrind): keep the wrapper of a small future under that.
    #[test]
    fn task_future_stays_small() {
        let pool = crate::AsyncPool::new(1).unwrap();
        assert_eq!(
            pool.inner.admission.admit(),
            crate::admission::Admit::WithPermit
        );
        let ticket = Ticket {
            slot: false,
            permit: true,
        };
        let guard = TaskGuard::new(pool.inner.clone(), TaskId::new(0), ticket);
        let body = run_future(guard, async {}, ());
        assert!(
            std::mem::size_of_val(&body) <= 112,
            "task future grew to {} bytes",
            std::mem::size_of_val(&body)
        );
        drop(body);
        assert!(
            pool.inner.admission.is_idle(),
            "the dropped guard counted its task"
        );
        assert_eq!(pool.inner.metrics().cancelled, 1);
    }
}
