//! The run-permit limiter: at most `L` holders, FIFO among waiters, and no lock on either
//! side while nobody waits.
//!
//! `tokio::sync::Semaphore` takes its waiter-list mutex on every release, even with no
//! waiter: for a pool whose tasks rarely wait (any `L` above the tasks in flight) that is
//! two extra read-modify-writes and ~100 instructions per task (callgrind). Here one word
//! holds `holders << 2 | QUEUED | CLOSED`, and the waiter queue (behind a mutex) is only
//! touched while `QUEUED` is set.
//!
//! - **Fast acquire**: one CAS, `holders + 1`, allowed only while `QUEUED` and `CLOSED` are
//!   clear and `holders < L`. A newcomer never overtakes a queued waiter.
//! - **Slow acquire** (queue lock held): re-check as above; otherwise set `QUEUED` (CAS),
//!   push a waiter node, and wait for it to be granted or closed.
//! - **Fast release**: while `QUEUED` is clear, one CAS, `holders - 1`.
//! - **Slow release** (`QUEUED` set; queue lock held): pop nodes until one is still waiting
//!   and grant it: the permit passes to it, `holders` unchanged. When the queue runs empty
//!   clear `QUEUED`; if nobody took the permit, `holders - 1`.
//! - **Close**: set `CLOSED`, then (queue lock held) fail every waiting node and clear
//!   `QUEUED`. Holders keep their permits and release them as usual.
//! - **A waiter that gives up** (its task is cancelled) marks its node abandoned: releases
//!   skip it. If it was granted already, it releases the permit it got.
//!
//! Why nobody waits forever while a permit is free: `QUEUED` is only set and cleared under
//! the queue lock, and every step above is a read-modify-write of the one word, so they
//! are totally ordered. A slow acquirer sets `QUEUED` only after seeing `holders == L`
//! (or `QUEUED` already set); a release that comes after that CAS sees `QUEUED` and
//! takes the lock, so it finds the node (pushed before the lock was released) and grants
//! it. A release that came before it lowered `holders`, so the acquirer's CAS fails and it
//! re-reads the word: it then takes the permit itself. `loom_limit` checks both orders.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use pool_core::sync::atomic::{AtomicUsize, Ordering};
use pool_core::sync::{lock, Arc, Mutex};

const CLOSED: usize = 1;
const QUEUED: usize = 2;
const ONE: usize = 4;

/// The largest limit the word can count to.
pub(crate) const MAX_LIMIT: usize = usize::MAX >> 3;

/// Why no permit was taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NoPermit {
    /// All `L` are held (or others wait for one).
    Busy,
    /// The limiter is closed.
    Closed,
}

enum Wait {
    Waiting(Option<Waker>),
    Granted,
    Closed,
    Abandoned,
}

/// A queued acquirer.
struct Node {
    wait: Mutex<Wait>,
}

/// At most `limit` permits held at once; see the module docs.
pub(crate) struct Limiter {
    state: AtomicUsize,
    limit: usize,
    queue: Mutex<VecDeque<Arc<Node>>>,
}

impl Limiter {
    /// `limit` permits (at most [`MAX_LIMIT`]), none held.
    pub(crate) fn new(limit: usize) -> Limiter {
        debug_assert!(limit <= MAX_LIMIT);
        Limiter {
            state: AtomicUsize::new(0),
            limit,
            queue: Mutex::new(VecDeque::new()),
        }
    }

    /// Takes a permit if one is free and nobody is queued for one.
    pub(crate) fn try_acquire(&self) -> Result<(), NoPermit> {
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if state & CLOSED != 0 {
                return Err(NoPermit::Closed);
            }
            if state & QUEUED != 0 || state / ONE >= self.limit {
                return Err(NoPermit::Busy);
            }
            // Acquire: pairs with the Release of the permit's previous holder.
            match self.state.compare_exchange_weak(
                state,
                state + ONE,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Ok(()),
                Err(actual) => state = actual,
            }
        }
    }

    /// Waits for a permit (FIFO behind earlier waiters); `Err` once the limiter closes.
    /// Dropping the future gives up its place (or the permit it was just granted).
    pub(crate) fn acquire(&self) -> Acquire<'_> {
        Acquire {
            limiter: self,
            node: None,
            done: false,
        }
    }

    /// Gives a permit back: to the first waiter, or to the free count.
    pub(crate) fn release(&self) {
        let mut state = self.state.load(Ordering::Relaxed);
        while state & QUEUED == 0 {
            // Release: what the holder did is visible to the next one.
            match self.state.compare_exchange_weak(
                state,
                state - ONE,
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(actual) => state = actual,
            }
        }
        self.release_to_queue();
    }

    fn release_to_queue(&self) {
        let granted = {
            let mut queue = lock(&self.queue);
            let mut granted = None;
            while let Some(node) = queue.pop_front() {
                let mut wait = lock(&node.wait);
                if let Wait::Waiting(waker) = &mut *wait {
                    let waker = waker.take();
                    *wait = Wait::Granted;
                    granted = Some(waker);
                    break;
                }
            }
            if queue.is_empty() {
                // Under the queue lock: no acquirer is between its check and its push.
                self.state.fetch_and(!QUEUED, Ordering::AcqRel);
            }
            if granted.is_none() {
                self.state.fetch_sub(ONE, Ordering::Release);
            }
            granted
        };
        // Wake outside the locks.
        if let Some(Some(waker)) = granted {
            waker.wake();
        }
    }

    /// Fails every waiter and every later acquisition; permits held stay held.
    pub(crate) fn close(&self) {
        self.state.fetch_or(CLOSED, Ordering::AcqRel);
        let wakers: Vec<Waker> = {
            let mut queue = lock(&self.queue);
            let wakers = queue
                .drain(..)
                .filter_map(|node| {
                    let mut wait = lock(&node.wait);
                    match std::mem::replace(&mut *wait, Wait::Closed) {
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

    /// Permits held now.
    pub(crate) fn held(&self) -> usize {
        self.state.load(Ordering::Acquire) / ONE
    }

    /// Slow acquire, first step (queue lock held): take a permit or queue a node.
    fn enqueue(&self, waker: &Waker) -> Result<Option<Arc<Node>>, NoPermit> {
        let mut queue = lock(&self.queue);
        let mut state = self.state.load(Ordering::Relaxed);
        loop {
            if state & CLOSED != 0 {
                return Err(NoPermit::Closed);
            }
            let (next, take) = if state & QUEUED == 0 && state / ONE < self.limit {
                (state + ONE, true)
            } else {
                (state | QUEUED, false)
            };
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
}

/// The future of [`Limiter::acquire`].
pub(crate) struct Acquire<'l> {
    limiter: &'l Limiter,
    node: Option<Arc<Node>>,
    /// Whether this future returned its result (a granted permit is then the caller's).
    done: bool,
}

impl Future for Acquire<'_> {
    type Output = Result<(), NoPermit>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let result = match &this.node {
            None => match this.limiter.try_acquire() {
                Err(NoPermit::Busy) => match this.limiter.enqueue(cx.waker()) {
                    Ok(Some(node)) => {
                        this.node = Some(node);
                        return Poll::Pending;
                    }
                    Ok(None) => Ok(()),
                    Err(closed) => Err(closed),
                },
                other => other,
            },
            Some(node) => {
                let mut wait = lock(&node.wait);
                match &mut *wait {
                    Wait::Granted => Ok(()),
                    Wait::Closed | Wait::Abandoned => Err(NoPermit::Closed),
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
            self.limiter.release();
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::task::Waker;

    fn poll<F: Future + Unpin>(fut: &mut F) -> Poll<F::Output> {
        Pin::new(fut).poll(&mut Context::from_waker(Waker::noop()))
    }

    #[test]
    fn waiters_are_served_in_order_and_newcomers_do_not_overtake() {
        let limiter = Limiter::new(1);
        assert_eq!(limiter.try_acquire(), Ok(()));
        let mut first = limiter.acquire();
        let mut second = limiter.acquire();
        assert!(poll(&mut first).is_pending());
        assert!(poll(&mut second).is_pending());
        limiter.release();
        // The permit went to `first`; a newcomer cannot take it, nor jump the queue later.
        assert_eq!(limiter.try_acquire(), Err(NoPermit::Busy));
        assert_eq!(poll(&mut second), Poll::Pending);
        assert_eq!(poll(&mut first), Poll::Ready(Ok(())));
        limiter.release();
        assert_eq!(poll(&mut second), Poll::Ready(Ok(())));
        assert_eq!(limiter.held(), 1);
        limiter.release();
        assert_eq!(limiter.held(), 0);
        assert_eq!(limiter.try_acquire(), Ok(()));
    }

    #[test]
    fn an_abandoned_waiter_passes_its_permit_on() {
        let limiter = Limiter::new(1);
        limiter.try_acquire().unwrap();
        let mut gone = limiter.acquire();
        let mut next = limiter.acquire();
        assert!(poll(&mut gone).is_pending());
        assert!(poll(&mut next).is_pending());
        // Granted to `gone`, which is dropped before it looks: `next` gets it.
        limiter.release();
        drop(gone);
        assert_eq!(poll(&mut next), Poll::Ready(Ok(())));
        // A waiter dropped before its turn is skipped.
        let mut skipped = limiter.acquire();
        assert!(poll(&mut skipped).is_pending());
        drop(skipped);
        limiter.release();
        assert_eq!(limiter.held(), 0);
        assert_eq!(limiter.try_acquire(), Ok(()));
    }

    #[test]
    fn close_fails_waiters_and_later_acquisitions() {
        let limiter = Limiter::new(2);
        limiter.try_acquire().unwrap();
        limiter.try_acquire().unwrap();
        let mut waiter = limiter.acquire();
        assert!(poll(&mut waiter).is_pending());
        limiter.close();
        assert_eq!(poll(&mut waiter), Poll::Ready(Err(NoPermit::Closed)));
        assert_eq!(limiter.try_acquire(), Err(NoPermit::Closed));
        assert_eq!(
            poll(&mut limiter.acquire()),
            Poll::Ready(Err(NoPermit::Closed))
        );
        limiter.release();
        limiter.release();
        assert_eq!(limiter.held(), 0);
    }

    #[test]
    fn never_more_than_the_limit_under_contention() {
        use std::sync::atomic::AtomicUsize;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .enable_time()
            .build()
            .unwrap();
        let limiter = std::sync::Arc::new(Limiter::new(3));
        let (now, peak) = (
            std::sync::Arc::new(AtomicUsize::new(0)),
            std::sync::Arc::new(AtomicUsize::new(0)),
        );
        rt.block_on(async {
            let tasks: Vec<_> = (0..400)
                .map(|_| {
                    let (limiter, now, peak) = (limiter.clone(), now.clone(), peak.clone());
                    tokio::spawn(async move {
                        for _ in 0..5 {
                            limiter.acquire().await.unwrap();
                            let n = now.fetch_add(1, Ordering::SeqCst) + 1;
                            peak.fetch_max(n, Ordering::SeqCst);
                            tokio::task::yield_now().await;
                            now.fetch_sub(1, Ordering::SeqCst);
                            limiter.release();
                        }
                    })
                })
                .collect();
            for t in tasks {
                tokio::time::timeout(std::time::Duration::from_secs(20), t)
                    .await
                    .expect("no task waits forever")
                    .unwrap();
            }
        });
        assert!(peak.load(Ordering::SeqCst) <= 3);
        assert_eq!(limiter.held(), 0);
    }
}

#[cfg(all(test, loom))]
mod loom_limit {
    use super::*;

    /// Two tasks race for one permit while a third releases it: neither waits forever
    /// (loom reports a deadlock otherwise), at most one holds it at a time, and every
    /// permit comes back.
    #[test]
    fn no_lost_permit_and_never_two_holders() {
        loom::model(|| {
            let limiter = Arc::new(Limiter::new(1));
            let inside = Arc::new(AtomicUsize::new(0));
            limiter.try_acquire().unwrap();
            let contenders: Vec<_> = (0..2)
                .map(|_| {
                    let (limiter, inside) = (limiter.clone(), inside.clone());
                    loom::thread::spawn(move || {
                        loom::future::block_on(limiter.acquire()).unwrap();
                        assert_eq!(inside.fetch_add(1, Ordering::SeqCst), 0);
                        inside.fetch_sub(1, Ordering::SeqCst);
                        limiter.release();
                    })
                })
                .collect();
            limiter.release();
            for c in contenders {
                c.join().unwrap();
            }
            assert_eq!(limiter.state.load(Ordering::SeqCst), 0);
        });
    }

    /// A waiter that gives up races the release that would grant it: the permit is
    /// never lost, whichever comes first.
    #[test]
    fn an_abandoned_grant_is_passed_on() {
        loom::model(|| {
            let limiter = Arc::new(Limiter::new(1));
            limiter.try_acquire().unwrap();
            let mut waiter = Box::pin(limiter.acquire());
            let first = waiter
                .as_mut()
                .poll(&mut Context::from_waker(Waker::noop()));
            assert!(first.is_pending());
            let releaser = {
                let limiter = limiter.clone();
                loom::thread::spawn(move || limiter.release())
            };
            drop(waiter);
            releaser.join().unwrap();
            assert_eq!(limiter.state.load(Ordering::SeqCst), 0);
            assert_eq!(limiter.try_acquire(), Ok(()));
        });
    }
}
