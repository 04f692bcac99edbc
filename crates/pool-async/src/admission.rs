//! Admission, run permits and quiescence in one word, so that a task that never waits
//! pays one read-modify-write to get in (admitted, with its run permit) and one to get out
//! (permit back, no longer pending).
//!
//! The word holds `pending << 34 | holders << 4 | SHUT | QUEUED | CLOSED | WAITER`:
//! - `pending`: admitted tasks not yet finished (what `wait_idle` and shutdown wait on);
//! - `holders`: run permits held (at most `L`): the tasks running, or about to run;
//! - `CLOSED`: admission is closed (shutdown); `SHUT`: permits are closed (immediate
//!   shutdown: queued tasks give up);
//! - `QUEUED`: tasks are queued for a permit (the FIFO queue behind `queue`'s mutex);
//! - `WAITER`: a thread waits for `pending` to reach zero.
//!
//! Steps (every one a read-modify-write of the word, so they are totally ordered):
//! - **Admit**: CAS. Refused if `CLOSED`. The task also takes a permit if `holders < L`
//!   and neither `QUEUED` nor `SHUT` is set (a newcomer never overtakes a queued task);
//!   otherwise it is admitted without one and asks for one when first polled.
//! - **Acquire** (a task admitted without a permit, first poll): the same CAS on
//!   `holders`; if none is free, under the queue lock: re-check, else set `QUEUED` and push
//!   a waiter node, then wait to be granted (or failed by `SHUT`).
//! - **Finish**: while `QUEUED` is clear, one CAS: `pending - 1`, and `holders - 1` if
//!   the task held a permit. With `QUEUED` set, under the queue lock, the permit is handed
//!   to the first waiting node (`holders` unchanged), or, with no live node left, `QUEUED`
//!   is cleared and `holders - 1`; then `pending - 1`. A finish that takes `pending` to
//!   zero with `WAITER` set locks the waiters' mutex and notifies.
//! - **Close**: `fetch_or(CLOSED)`. **Shut**: `fetch_or(SHUT)`, then (queue lock) fail
//!   every waiting node and clear `QUEUED`.
//! - **Wait for idle**, holding the waiters' mutex: `fetch_or(WAITER)`; if `pending` was
//!   zero, return; else wait on the condition variable and repeat; the last waiter out
//!   clears `WAITER`.
//!
//! Why a shutdown never misses a task: an admission before the close's `fetch_or` is in
//! the `pending` the shutdown then waits on; one after it sees `CLOSED` and is refused.
//!
//! Why no wake-up is lost (idle): the waiter's `fetch_or` and the finish that takes
//! `pending` to zero are totally ordered: either the waiter reads zero, or the finish
//! reads `WAITER` and locks the mutex the waiter holds until it is inside `wait`.
//!
//! Why no task waits for a permit that is free: `QUEUED` is set and cleared only under the
//! queue lock. A queued task set it (or found it set) by a CAS that saw `holders == L`; a
//! finish after that CAS sees `QUEUED`, takes the lock, and finds the node (pushed before
//! the lock was released). A finish before it lowered `holders`, so the task's CAS fails
//! and it re-reads the word and takes the permit itself. A node whose task gave up
//! (cancelled) is marked abandoned and skipped; if it had been granted already, its task
//! passes the permit on. `loom_admission` checks these races.
//!
//! pool_core's `Quiescence` has the same waiter protocol, but keeps its waiter count in a
//! second word, read with an extra read-modify-write each time the count reaches zero
//! (after every task, for a pool that spawns and awaits one task at a time), and has no
//! closed switch or permits: with it, a task paid five read-modify-writes here instead of
//! two (gate in and out, pending up and down, waiter check) plus two for a semaphore.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use pool_core::sync::atomic::{AtomicU64, Ordering};
use pool_core::sync::{lock, wait, Arc, Condvar, Mutex};

use crossbeam_utils::CachePadded;

const WAITER: u64 = 1;
const CLOSED: u64 = 1 << 1;
const QUEUED: u64 = 1 << 2;
const SHUT: u64 = 1 << 3;
const HOLDER: u64 = 1 << 4;
const PENDING: u64 = 1 << 34;
const HOLDERS_MASK: u64 = PENDING - HOLDER;

/// The largest concurrency limit `L` the word counts (2^30 − 1); larger ones are clamped.
pub(crate) const MAX_LIMIT: usize = (1 << 30) - 1;

/// The most tasks that can be pending at once (2^30 − 1, each a tokio task); beyond it
/// submissions are refused as `Full`.
const MAX_PENDING: u64 = (1 << 30) - 1;

/// How an admission went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Admit {
    /// Admitted, holding a run permit.
    WithPermit,
    /// Admitted; it must acquire a permit before it runs.
    Queued,
    /// Refused: admission is closed.
    Closed,
    /// Refused: `MAX_PENDING` tasks are pending.
    Full,
}

/// Why no permit was taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NoPermit {
    /// All `L` are held (or tasks are queued for one).
    Busy,
    /// Permits are shut.
    Shut,
}

enum Wait {
    Waiting(Option<Waker>),
    Granted,
    Shut,
    Abandoned,
}

/// A task queued for a permit.
struct Node {
    wait: Mutex<Wait>,
}

/// The pool's admission, permits and pending count; see the module docs.
pub(crate) struct Admission {
    /// Written by every submission and every finished task: alone on its line.
    state: CachePadded<AtomicU64>,
    limit: u64,
    queue: Mutex<VecDeque<Arc<Node>>>,
    /// The number of threads waiting for idle (only touched under this mutex).
    waiters: Mutex<usize>,
    zero: Condvar,
}

fn holders(state: u64) -> u64 {
    (state & HOLDERS_MASK) / HOLDER
}

impl Admission {
    /// Nothing pending, `limit` (at most [`MAX_LIMIT`]) permits free, open.
    pub(crate) fn new(limit: usize) -> Admission {
        Admission {
            state: CachePadded::new(AtomicU64::new(0)),
            limit: limit.min(MAX_LIMIT) as u64,
            queue: Mutex::new(VecDeque::new()),
            waiters: Mutex::new(0),
            zero: Condvar::new(),
        }
    }

    /// Admits a task, with a permit if one is free and nobody is queued for one.
    #[cfg(test)]
    pub(crate) fn admit(&self) -> Admit {
        self.admit_with(true)
    }

    /// Admits a task; it takes a free permit only if `want_permit` (a closure does not:
    /// its runner takes one when it starts it, so no permit sits in the closure queue).
    #[inline]
    pub(crate) fn admit_with(&self, want_permit: bool) -> Admit {
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if state & CLOSED != 0 {
                return Admit::Closed;
            }
            if state / PENDING >= MAX_PENDING {
                return Admit::Full;
            }
            let permit = want_permit && state & (QUEUED | SHUT) == 0 && holders(state) < self.limit;
            let next = state + PENDING + if permit { HOLDER } else { 0 };
            // AcqRel: ordered with `close` (see the module docs); Acquire pairs with the
            // previous holder's Release of the permit.
            match self
                .state
                .compare_exchange_weak(state, next, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) if permit => return Admit::WithPermit,
                Ok(_) => return Admit::Queued,
                Err(actual) => state = actual,
            }
        }
    }

    /// Takes a permit for an admitted task if one is free and nobody is queued.
    pub(crate) fn try_acquire(&self) -> Result<(), NoPermit> {
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if state & SHUT != 0 {
                return Err(NoPermit::Shut);
            }
            if state & QUEUED != 0 || holders(state) >= self.limit {
                return Err(NoPermit::Busy);
            }
            match self.state.compare_exchange_weak(
                state,
                state + HOLDER,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Ok(()),
                Err(actual) => state = actual,
            }
        }
    }

    /// Waits for a permit (FIFO behind earlier waiters); `Err` once permits are shut.
    /// Dropping the future gives up its place (or passes on a permit just granted).
    pub(crate) fn acquire(&self) -> Acquire<'_> {
        Acquire {
            admission: self,
            node: None,
            done: false,
        }
    }

    /// Whether permits are shut (immediate shutdown).
    #[cfg(test)]
    pub(crate) fn is_shut(&self) -> bool {
        self.state.load(Ordering::Acquire) & SHUT != 0
    }

    /// A pending task is finished: gives its permit back (if it holds one) and counts it
    /// no longer pending, waking idle waiters if it was the last.
    #[inline]
    pub(crate) fn finish(&self, holds_permit: bool) {
        let mut state = self.state.load(Ordering::Relaxed);
        let minus = PENDING + if holds_permit { HOLDER } else { 0 };
        if holds_permit {
            while state & QUEUED == 0 {
                // AcqRel: Release publishes the task's effects to the next permit holder
                // and to an idle waiter; Acquire makes the last finisher see the earlier
                // ones' effects, so it publishes them all.
                match self.state.compare_exchange_weak(
                    state,
                    state - minus,
                    Ordering::AcqRel,
                    Ordering::Relaxed,
                ) {
                    Ok(_) => return self.notify_if_idle(state, minus),
                    Err(actual) => state = actual,
                }
            }
            self.release_to_queue();
        }
        let previous = self.state.fetch_sub(PENDING, Ordering::AcqRel);
        self.notify_if_idle(previous, PENDING);
    }

    /// Gives a permit back without finishing a task (a task that got one and gave up
    /// before running is finished separately).
    pub(crate) fn release(&self) {
        let mut state = self.state.load(Ordering::Relaxed);
        while state & QUEUED == 0 {
            match self.state.compare_exchange_weak(
                state,
                state - HOLDER,
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(actual) => state = actual,
            }
        }
        self.release_to_queue();
    }

    /// Wakes idle waiters if `previous - minus` has no pending task and one waits.
    #[inline]
    fn notify_if_idle(&self, previous: u64, minus: u64) {
        debug_assert!(previous / PENDING >= 1, "finish without a matching admit");
        if (previous - minus) / PENDING == 0 && previous & WAITER != 0 {
            self.notify_idle();
        }
    }

    #[cold]
    fn notify_idle(&self) {
        drop(lock(&self.waiters));
        self.zero.notify_all();
    }

    /// The permit goes to the first live waiter, else back to the free count.
    fn release_to_queue(&self) {
        let granted = {
            let mut queue = lock(&self.queue);
            let mut granted = None;
            while let Some(node) = queue.pop_front() {
                let mut wait = lock(&node.wait);
                if let Wait::Waiting(waker) = &mut *wait {
                    granted = Some(waker.take());
                    *wait = Wait::Granted;
                    break;
                }
            }
            if queue.is_empty() {
                // Under the queue lock: no task is between its check and its push.
                self.state.fetch_and(!QUEUED, Ordering::AcqRel);
            }
            if granted.is_none() {
                self.state.fetch_sub(HOLDER, Ordering::Release);
            }
            granted
        };
        if let Some(Some(waker)) = granted {
            waker.wake();
        }
    }

    /// Queues for a permit (queue lock held), unless one is free after all.
    fn enqueue(&self, waker: &Waker) -> Result<Option<Arc<Node>>, NoPermit> {
        let mut queue = lock(&self.queue);
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if state & SHUT != 0 {
                return Err(NoPermit::Shut);
            }
            let take = state & QUEUED == 0 && holders(state) < self.limit;
            let next = if take { state + HOLDER } else { state | QUEUED };
            match self
                .state
                .compare_exchange(state, next, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) if take => return Ok(None),
                Ok(_) => break,
                Err(actual) => state = actual,
            }
        }
        let node = Arc::new(Node {
            wait: Mutex::new(Wait::Waiting(Some(waker.clone()))),
        });
        queue.push_back(node.clone());
        Ok(Some(node))
    }

    /// Stops admitting; returns whether this call closed it.
    pub(crate) fn close(&self) -> bool {
        self.state.fetch_or(CLOSED, Ordering::AcqRel) & CLOSED == 0
    }

    /// Fails every queued task and every later permit request; held permits stay held.
    pub(crate) fn shut(&self) {
        self.state.fetch_or(SHUT, Ordering::AcqRel);
        let wakers: Vec<Waker> = {
            let mut queue = lock(&self.queue);
            let wakers = queue
                .drain(..)
                .filter_map(|node| {
                    let mut wait = lock(&node.wait);
                    match std::mem::replace(&mut *wait, Wait::Shut) {
                        Wait::Waiting(waker) => waker,
                        other => {
                            *wait = other;
                            None
                        }
                    }
                })
                .collect();
            self.state.fetch_and(!QUEUED, Ordering::AcqRel);
            wakers
        };
        for waker in wakers {
            waker.wake();
        }
    }

    /// Whether admission is closed.
    pub(crate) fn is_closed(&self) -> bool {
        self.state.load(Ordering::Acquire) & CLOSED != 0
    }

    /// Whether no task is pending.
    pub(crate) fn is_idle(&self) -> bool {
        self.state.load(Ordering::Acquire) / PENDING == 0
    }

    /// Run permits held now.
    pub(crate) fn held(&self) -> u64 {
        holders(self.state.load(Ordering::Acquire))
    }

    /// Blocks until no task is pending.
    pub(crate) fn wait(&self) {
        self.wait_until(None);
    }

    /// Blocks until no task is pending or `timeout` passes; returns whether it is idle.
    pub(crate) fn wait_timeout(&self, timeout: Duration) -> bool {
        self.wait_until(Instant::now().checked_add(timeout))
    }

    fn wait_until(&self, deadline: Option<Instant>) -> bool {
        let mut waiters = lock(&self.waiters);
        *waiters += 1;
        let idle = loop {
            // AcqRel: see the module docs; Acquire also sees the finished tasks' effects.
            if self.state.fetch_or(WAITER, Ordering::AcqRel) / PENDING == 0 {
                break true;
            }
            match deadline {
                None => waiters = wait(&self.zero, waiters),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        break false;
                    }
                    waiters = match self.zero.wait_timeout(waiters, deadline - now) {
                        Ok((guard, _)) => guard,
                        Err(poisoned) => poisoned.into_inner().0,
                    };
                }
            }
        };
        *waiters -= 1;
        if *waiters == 0 {
            self.state.fetch_and(!WAITER, Ordering::Relaxed);
        }
        idle
    }
}

/// The future of [`Admission::acquire`].
pub(crate) struct Acquire<'a> {
    admission: &'a Admission,
    node: Option<Arc<Node>>,
    /// Whether this future returned its result (a granted permit is then the caller's).
    done: bool,
}

impl Future for Acquire<'_> {
    type Output = Result<(), NoPermit>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let result = match &this.node {
            None => match this.admission.try_acquire() {
                Err(NoPermit::Busy) => match this.admission.enqueue(cx.waker()) {
                    Ok(Some(node)) => {
                        this.node = Some(node);
                        return Poll::Pending;
                    }
                    Ok(None) => Ok(()),
                    Err(shut) => Err(shut),
                },
                other => other,
            },
            Some(node) => {
                let mut wait = lock(&node.wait);
                match &mut *wait {
                    Wait::Granted => Ok(()),
                    Wait::Shut | Wait::Abandoned => Err(NoPermit::Shut),
                    Wait::Waiting(waker) => {
                        match waker {
                            Some(w) if w.will_wake(cx.waker()) => {}
                            _ => *waker = Some(cx.waker().clone()),
                        }
                        return Poll::Pending;
                    }
                }
            }
        };
        this.done = true;
        Poll::Ready(result)
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let Some(node) = self.node.take() else { return };
        let granted = {
            let mut wait = lock(&node.wait);
            let granted = matches!(*wait, Wait::Granted);
            *wait = Wait::Abandoned;
            granted
        };
        if granted {
            // The permit was handed over but never collected: pass it on.
            self.admission.release();
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn poll<F: Future + Unpin>(fut: &mut F) -> Poll<F::Output> {
        Pin::new(fut).poll(&mut Context::from_waker(Waker::noop()))
    }

    #[test]
    fn admission_takes_free_permits_then_queues() {
        let a = Admission::new(2);
        assert_eq!(a.admit(), Admit::WithPermit);
        assert_eq!(a.admit(), Admit::WithPermit);
        assert_eq!(a.admit(), Admit::Queued);
        assert_eq!(a.held(), 2);
        a.finish(true);
        a.finish(true);
        assert_eq!(a.try_acquire(), Ok(()));
        a.finish(true);
        assert!(a.is_idle());
        assert_eq!(a.held(), 0);
    }

    #[test]
    fn waiters_are_served_in_order_and_newcomers_do_not_overtake() {
        let a = Admission::new(1);
        assert_eq!(a.admit(), Admit::WithPermit);
        assert_eq!(a.admit(), Admit::Queued);
        assert_eq!(a.admit(), Admit::Queued);
        let mut first = a.acquire();
        let mut second = a.acquire();
        assert!(poll(&mut first).is_pending());
        assert!(poll(&mut second).is_pending());
        a.finish(true);
        // The permit went to `first`: neither a newcomer nor `second` can take it.
        assert_eq!(a.admit(), Admit::Queued);
        assert_eq!(a.try_acquire(), Err(NoPermit::Busy));
        assert_eq!(poll(&mut second), Poll::Pending);
        assert_eq!(poll(&mut first), Poll::Ready(Ok(())));
        a.finish(true);
        assert_eq!(poll(&mut second), Poll::Ready(Ok(())));
        assert_eq!(a.held(), 1);
        a.finish(true);
        assert_eq!(a.held(), 0);
        // The newcomer admitted without a permit takes the free one.
        assert_eq!(a.try_acquire(), Ok(()));
        a.finish(true);
        assert!(a.is_idle());
    }

    #[test]
    fn an_abandoned_waiter_passes_its_permit_on() {
        let a = Admission::new(1);
        assert_eq!(a.admit(), Admit::WithPermit);
        let _ = (a.admit(), a.admit(), a.admit());
        let mut gone = a.acquire();
        let mut next = a.acquire();
        assert!(poll(&mut gone).is_pending());
        assert!(poll(&mut next).is_pending());
        // Granted to `gone`, which is dropped before it looks: `next` gets it.
        a.finish(true);
        drop(gone);
        a.finish(false);
        assert_eq!(poll(&mut next), Poll::Ready(Ok(())));
        // A waiter dropped before its turn is skipped.
        let mut skipped = a.acquire();
        assert!(poll(&mut skipped).is_pending());
        drop(skipped);
        a.finish(false);
        a.finish(true);
        assert_eq!(a.held(), 0);
        assert!(a.is_idle());
    }

    #[test]
    fn shut_fails_waiters_and_later_requests() {
        let a = Admission::new(1);
        assert_eq!(a.admit(), Admit::WithPermit);
        assert_eq!(a.admit(), Admit::Queued);
        let mut waiter = a.acquire();
        assert!(poll(&mut waiter).is_pending());
        a.shut();
        assert!(a.is_shut());
        assert_eq!(poll(&mut waiter), Poll::Ready(Err(NoPermit::Shut)));
        assert_eq!(a.try_acquire(), Err(NoPermit::Shut));
        assert_eq!(
            a.admit(),
            Admit::Queued,
            "shut permits, admission still open"
        );
        a.finish(false);
        a.finish(false);
        a.finish(true);
        assert_eq!(a.held(), 0);
        assert!(a.is_idle());
    }

    #[test]
    fn the_pending_maximum_refuses_as_full() {
        let a = Admission::new(1);
        a.state
            .store((MAX_PENDING - 1) * PENDING, Ordering::Relaxed);
        assert_eq!(a.admit(), Admit::WithPermit);
        assert_eq!(a.admit(), Admit::Full);
        a.finish(true);
        assert_eq!(a.admit(), Admit::WithPermit);
    }

    #[test]
    fn closed_turns_tasks_away_and_keeps_the_count() {
        let a = Admission::new(4);
        assert_eq!(a.admit(), Admit::WithPermit);
        assert!(a.close());
        assert!(!a.close(), "second close reports it was already closed");
        assert!(a.is_closed());
        assert_eq!(a.admit(), Admit::Closed);
        assert!(
            !a.is_idle(),
            "the task admitted before the close still counts"
        );
        assert!(!a.wait_timeout(Duration::from_millis(10)));
        a.finish(true);
        assert!(a.wait_timeout(Duration::from_millis(10)));
        a.wait();
    }

    #[test]
    fn many_waiters_many_finishers() {
        let a = std::sync::Arc::new(Admission::new(64));
        for _ in 0..64 {
            assert_eq!(a.admit(), Admit::WithPermit);
        }
        let waiters: Vec<_> = (0..4)
            .map(|_| {
                let a = a.clone();
                std::thread::spawn(move || a.wait())
            })
            .collect();
        let finishers: Vec<_> = (0..8)
            .map(|_| {
                let a = a.clone();
                std::thread::spawn(move || (0..8).for_each(|_| a.finish(true)))
            })
            .collect();
        for t in finishers.into_iter().chain(waiters) {
            t.join().unwrap();
        }
        assert!(a.is_idle());
        assert_eq!(*lock(&a.waiters), 0);
    }

    #[test]
    fn never_more_than_the_limit_under_contention() {
        use std::sync::atomic::AtomicUsize;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_time()
            .build()
            .unwrap();
        let a = std::sync::Arc::new(Admission::new(3));
        let (now, peak) = (
            std::sync::Arc::new(AtomicUsize::new(0)),
            std::sync::Arc::new(AtomicUsize::new(0)),
        );
        rt.block_on(async {
            let tasks: Vec<_> = (0..2000)
                .map(|_| {
                    let (a, now, peak) = (a.clone(), now.clone(), peak.clone());
                    let admitted = a.admit();
                    tokio::spawn(async move {
                        if admitted == Admit::Queued {
                            a.acquire().await.unwrap();
                        }
                        let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                        peak.fetch_max(n, Ordering::SeqCst);
                        tokio::task::yield_now().await;
                        now.fetch_sub(1, Ordering::SeqCst);
                        a.finish(true);
                    })
                })
                .collect();
            for t in tasks {
                tokio::time::timeout(Duration::from_secs(20), t)
                    .await
                    .expect("no task waits forever")
                    .unwrap();
            }
        });
        assert!(peak.load(Ordering::SeqCst) <= 3);
        assert_eq!(a.held(), 0);
        assert!(a.is_idle());
    }
}

#[cfg(all(test, loom))]
mod loom_admission {
    use super::*;
    use pool_core::sync::atomic::AtomicUsize;

    /// Two finishers race one idle waiter: the waiter always returns (a lost wake-up
    /// would leave it waiting and loom would report a deadlock) and sees no task pending.
    #[test]
    fn waiter_never_misses_the_last_finish() {
        loom::model(|| {
            let a = Arc::new(Admission::new(1));
            assert_eq!(a.admit(), Admit::WithPermit);
            assert_eq!(a.admit(), Admit::Queued);
            let finishers: Vec<_> = [true, false]
                .into_iter()
                .map(|holds| {
                    let a = a.clone();
                    loom::thread::spawn(move || a.finish(holds))
                })
                .collect();
            a.wait();
            assert!(a.is_idle());
            for f in finishers {
                f.join().unwrap();
            }
            assert_eq!(a.held(), 0);
        });
    }

    /// Two submitters race a shutdown (close, then wait): once the wait returns, every
    /// admitted task's work is visible, and the rest were turned away.
    #[test]
    fn shutdown_never_misses_an_admitted_task() {
        loom::model(|| {
            let a = Arc::new(Admission::new(2));
            let work = Arc::new(AtomicUsize::new(0));
            let submitters: Vec<_> = (0..2)
                .map(|_| {
                    let (a, work) = (a.clone(), work.clone());
                    loom::thread::spawn(move || match a.admit() {
                        Admit::WithPermit => {
                            work.fetch_add(1, Ordering::Relaxed);
                            a.finish(true);
                            1
                        }
                        Admit::Closed => 0,
                        other => panic!("unexpected {other:?}"),
                    })
                })
                .collect();
            a.close();
            a.wait();
            let seen = work.load(Ordering::Relaxed);
            let admitted: usize = submitters.into_iter().map(|t| t.join().unwrap()).sum();
            assert_eq!(seen, admitted, "a task was admitted after shutdown looked");
        });
    }

    /// Two queued tasks race for the permit a running one gives back: neither waits
    /// forever, at most one runs at a time, and every permit comes back.
    #[test]
    fn no_lost_permit_and_never_two_holders() {
        loom::model(|| {
            let a = Arc::new(Admission::new(1));
            assert_eq!(a.admit(), Admit::WithPermit);
            let inside = Arc::new(AtomicUsize::new(0));
            let contenders: Vec<_> = (0..2)
                .map(|_| {
                    assert_eq!(a.admit(), Admit::Queued);
                    let (a, inside) = (a.clone(), inside.clone());
                    loom::thread::spawn(move || {
                        loom::future::block_on(a.acquire()).unwrap();
                        assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0);
                        inside.fetch_sub(1, Ordering::SeqCst);
                        a.finish(true);
                    })
                })
                .collect();
            a.finish(true);
            for c in contenders {
                c.join().unwrap();
            }
            assert_eq!(a.state.load(Ordering::SeqCst), 0);
        });
    }

    /// A queued task that gives up races the finish that would grant it the permit:
    /// the permit is never lost, whichever comes first.
    #[test]
    fn an_abandoned_grant_is_passed_on() {
        loom::model(|| {
            let a = Arc::new(Admission::new(1));
            assert_eq!(a.admit(), Admit::WithPermit);
            assert_eq!(a.admit(), Admit::Queued);
            let mut waiter = Box::pin(a.acquire());
            let first = waiter
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()));
            assert!(first.is_pending());
            let finisher = {
                let a = a.clone();
                loom::thread::spawn(move || a.finish(true))
            };
            drop(waiter);
            a.finish(false);
            finisher.join().unwrap();
            assert_eq!(a.state.load(Ordering::SeqCst), 0);
        });
    }
}
