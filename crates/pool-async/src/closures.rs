//! Closures submitted through the [`Pool`](pool_core::Pool) trait: one queue, drained by
//! a few *runner* loops that live on the runtime's blocking threads.
//!
//! A closure may block (the bench submits blocking file reads this way), so it never runs
//! on an async worker, where it would stall every timer and socket on that thread. It did
//! run on tokio's blocking pool, one `spawn_blocking` per closure; that cost a tokio task
//! (plus, for a closure queued for a run permit, an async task waiting for the permit) and
//! two cross-thread wake-ups per closure. Here a closure is one 32-byte entry in a
//! `VecDeque`, and a runner that finishes one takes the next without sleeping, so a burst
//! pays no wake-up per closure.
//!
//! Protocol (everything under the queue's mutex):
//! - **push** (a submitter, after admission): append; then wake a sleeping runner not
//!   already woken (`sleeping > wakes`: one wake-up per closure at most, none while every
//!   runner is busy), or, with none, start one more runner if fewer than
//!   [`max_runners`] run.
//! - **runner**: pop the oldest closure; get a run permit for it if it was admitted
//!   without one (waiting for one blocks the runner's thread, never a worker); run it
//!   under its [`TaskGuard`], which counts its outcome. With the queue empty: sleep
//!   (`sleeping + 1`), consuming a wake on waking; exit when stopped, or when
//!   [`KEEP_ALIVE`] passed without work. The exit is counted under the same lock that
//!   saw the queue empty, so a push either sees the runner and wakes it, or sees it gone
//!   and starts another: no closure is stranded.
//! - **discard** (immediate shutdown, timeout, drop): the queue is emptied at once, each
//!   closure counted cancelled, without waiting for a runner (all may be blocked).
//! - **stop** (shutdown, drop): runners finish the queue, then exit.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use pool_core::{Job, TaskId};

use crate::admission::NoPermit;
use crate::handle::block_on;
use crate::pool::{lock_std, Inner, Ticket};
use crate::task::TaskGuard;

/// How long an idle runner waits for work before it gives its blocking thread back.
const KEEP_ALIVE: Duration = Duration::from_secs(1);

/// At most this many runners, whatever `L`: they live on tokio's blocking pool (512
/// threads by default), which must keep room for `spawn_blocking` and `drain`.
const RUNNER_CAP: usize = 256;

/// The most runners (closures running at once) for a concurrency limit `limit`.
pub(crate) fn max_runners(limit: usize) -> usize {
    limit.clamp(1, RUNNER_CAP)
}

/// One admitted closure waiting for a runner.
struct Queued {
    job: Job,
    id: TaskId,
    ticket: Ticket,
}

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Queued>,
    /// Runner loops started and not yet exited.
    runners: usize,
    /// Runners waiting for work.
    sleeping: usize,
    /// Wake-ups sent and not yet taken by a sleeper (never more than `sleeping`).
    wakes: usize,
    /// Set by a shutdown or drop: runners exit once the queue is empty.
    stopping: bool,
}

/// The closure queue and its runners' bookkeeping; see the module docs.
pub(crate) struct Closures {
    queue: Mutex<Queue>,
    ready: Condvar,
    max_runners: usize,
}

impl Closures {
    pub(crate) fn new(limit: usize) -> Closures {
        Closures {
            queue: Mutex::new(Queue::default()),
            ready: Condvar::new(),
            max_runners: max_runners(limit),
        }
    }

    /// Lets the runners exit once they have drained the queue.
    pub(crate) fn stop(&self) {
        lock_std(&self.queue).stopping = true;
        self.ready.notify_all();
    }
}

/// Queues an admitted closure for a runner (the push step of the module docs).
pub(crate) fn push(inner: &Arc<Inner>, job: Job, ticket: Ticket) {
    let id = inner.next_task_id();
    let closures = &inner.closures;
    let (wake, start) = {
        let mut queue = lock_std(&closures.queue);
        queue.jobs.push_back(Queued { job, id, ticket });
        if queue.sleeping > queue.wakes {
            queue.wakes += 1;
            (true, false)
        } else if queue.runners < closures.max_runners {
            queue.runners += 1;
            (false, true)
        } else {
            (false, false)
        }
    };
    if wake {
        closures.ready.notify_one();
    }
    if start {
        let runner = Runner {
            inner: inner.clone(),
            ran: false,
        };
        drop(inner.handle.spawn_blocking(move || runner.run()));
    }
}

/// Counts every closure still in the queue cancelled (queued tasks are discarded): they
/// do not wait for a runner, which may be busy with a closure that blocks.
pub(crate) fn discard(inner: &Arc<Inner>) {
    let discarded = std::mem::take(&mut lock_std(&inner.closures.queue).jobs);
    cancel(inner, discarded);
}

/// Drops closures that will never run, each counted cancelled by its guard.
fn cancel(inner: &Arc<Inner>, closures: VecDeque<Queued>) {
    for queued in closures {
        let guard = TaskGuard::new(inner.clone(), queued.id, queued.ticket);
        drop((queued.job, guard));
    }
}

/// One runner loop, counted in `Queue::runners` from its start to its exit.
struct Runner {
    inner: Arc<Inner>,
    /// Whether the loop ran: tokio drops a blocking task it never starts (its runtime
    /// shut down), and then `Drop` does the exit bookkeeping.
    ran: bool,
}

impl Runner {
    fn run(mut self) {
        self.ran = true;
        while let Some(next) = self.next() {
            run_one(&self.inner, next);
        }
    }

    /// The oldest queued closure, or `None` when this runner exits.
    fn next(&self) -> Option<Queued> {
        let closures = &self.inner.closures;
        let mut queue = lock_std(&closures.queue);
        loop {
            if let Some(next) = queue.jobs.pop_front() {
                return Some(next);
            }
            if queue.stopping {
                queue.runners -= 1;
                return None;
            }
            queue.sleeping += 1;
            let (guard, wait) = closures
                .ready
                .wait_timeout(queue, KEEP_ALIVE)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            queue = guard;
            queue.sleeping -= 1;
            if queue.wakes > 0 {
                queue.wakes -= 1;
            } else if wait.timed_out() && queue.jobs.is_empty() {
                queue.runners -= 1;
                return None;
            }
        }
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        if self.ran {
            return;
        }
        // Never started: the runtime is gone. Without another runner, nobody will run the
        // queued closures: they are cancelled (each guard counts its task).
        let orphans = {
            let mut queue = lock_std(&self.inner.closures.queue);
            queue.runners -= 1;
            if queue.runners == 0 {
                std::mem::take(&mut queue.jobs)
            } else {
                VecDeque::new()
            }
        };
        cancel(&self.inner, orphans);
    }
}

/// Runs one closure on the runner's thread once it holds a run permit; a closure whose
/// permit request fails (permits shut), or that is discarded, is counted cancelled.
fn run_one(inner: &Arc<Inner>, next: Queued) {
    let Queued { job, id, ticket } = next;
    let guard = TaskGuard::new(inner.clone(), id, ticket);
    if !ticket.permit {
        let permit = match inner.admission.try_acquire() {
            Err(NoPermit::Busy) => block_on(inner.admission.acquire()),
            other => other,
        };
        if permit.is_err() {
            return drop((job, guard));
        }
        guard.keep_permit();
    }
    guard.release_slot();
    if inner
        .discard_queued
        .load(std::sync::atomic::Ordering::Acquire)
    {
        return drop((job, guard));
    }
    guard.started();
    let outcome = job.run();
    guard.finished(outcome);
}
