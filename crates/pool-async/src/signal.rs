//! A one-way cancellation signal that tasks can wait on: a flag plus sharded waker slots.
//!
//! Protocol: `cancel` sets the flag, then, shard by shard, takes every registered waker
//! (under the shard's lock) and wakes it. A waiter registers its waker under its shard's
//! lock and reads the flag *under that same lock*. So either the waiter locked the shard
//! before the canceller did, and its waker is taken and woken, or it locked it after, and
//! then it reads the flag as set (the lock orders the two): no lost wake-up. After the
//! flag is set nothing new is registered, so a shard emptied by `cancel` stays empty.
//!
//! A [`Registration`] is small (a reference and two indices) and only touches its shard
//! when the task it belongs to is pending: a task that finishes on its first poll never
//! registers. A task registers in the shard of the thread polling it (each thread gets
//! one of [`SHARDS`] shards, round-robin), so a worker's registrations hit a mutex and a
//! cache line no other worker is using: with shards picked by task id, two workers kept
//! passing those lines back and forth (measured: ~5 % of the makespan of 10k short timer
//! tasks on 2 cores with id-picked shards). Unlike `tokio::sync::Notify`'s `Notified` (~80 bytes
//! per waiter, moved with every task), the slot lives in the shard, which keeps each
//! task's future small: tokio copies a task's whole future several times per spawn.

use std::cell::Cell;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use crate::pool::lock_std;
use crossbeam_utils::CachePadded;

/// How many shards a signal spreads its waiters over.
pub(crate) const SHARDS: usize = 16;

/// The next thread's shard.
static NEXT_SHARD: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// This thread's shard, picked on first use (`SHARDS` until then).
    static THREAD_SHARD: Cell<usize> = const { Cell::new(SHARDS) };
}

/// The calling thread's shard.
fn thread_shard() -> usize {
    THREAD_SHARD.with(|shard| {
        if shard.get() == SHARDS {
            shard.set(NEXT_SHARD.fetch_add(1, Ordering::Relaxed) % SHARDS);
        }
        shard.get()
    })
}

/// The wakers registered in one shard: `slots[i]` is a waiting task's waker; `free`
/// lists the empty slots to reuse.
#[derive(Default)]
struct Wakers {
    slots: Vec<Option<Waker>>,
    free: Vec<usize>,
}

/// The shared state behind a [`GroupToken`](crate::GroupToken) and the pool's own
/// "cancel everything still running" switch.
pub(crate) struct Signal {
    flag: AtomicBool,
    /// One per thread (round-robin), each alone on its cache line.
    shards: [CachePadded<Mutex<Wakers>>; SHARDS],
}

impl Default for Signal {
    fn default() -> Signal {
        Signal {
            flag: AtomicBool::new(false),
            shards: std::array::from_fn(|_| CachePadded::new(Mutex::new(Wakers::default()))),
        }
    }
}

impl Signal {
    pub(crate) fn new() -> Arc<Signal> {
        Arc::new(Signal::default())
    }

    /// Raises the flag and wakes every registered waiter.
    pub(crate) fn cancel(&self) {
        // AcqRel: a task that sees the flag also sees what the canceller did before.
        if self.flag.swap(true, Ordering::AcqRel) {
            return;
        }
        for shard in &self.shards {
            let taken = std::mem::take(&mut *lock_std(shard));
            // Wake outside the lock: a waker may run code that registers elsewhere.
            for waker in taken.slots.into_iter().flatten() {
                waker.wake();
            }
        }
    }

    /// This signal's address: identifies it (and the pool owning it) while it lives.
    pub(crate) fn address(&self) -> usize {
        std::ptr::from_ref(self) as usize
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.flag.load(Ordering::Acquire)
    }

    /// A not-yet-registered wait on this signal.
    pub(crate) fn registration(&self) -> Registration<'_> {
        Registration {
            signal: self,
            shard: 0,
            slot: UNREGISTERED,
        }
    }

    /// Completes once the signal is raised.
    pub(crate) fn cancelled(&self) -> impl Future<Output = ()> + '_ {
        let mut registration = self.registration();
        std::future::poll_fn(move |cx| registration.poll_cancelled(cx))
    }
}

/// One waiter's place in a [`Signal`]; deregisters when dropped. 16 bytes: it is part of
/// every task's future.
pub(crate) struct Registration<'s> {
    signal: &'s Signal,
    /// The shard the waker is in, once registered.
    shard: u32,
    /// The slot holding this waiter's waker, or `UNREGISTERED`.
    slot: u32,
}

/// `Registration::slot` before the first registration.
const UNREGISTERED: u32 = u32::MAX;

impl<'s> Registration<'s> {
    /// The signal this registration waits on.
    pub(crate) fn signal(&self) -> &'s Signal {
        self.signal
    }

    fn shard(&self) -> &'s Mutex<Wakers> {
        &self.signal.shards[self.shard as usize]
    }

    /// `Ready` once the signal is raised; otherwise registers (or refreshes) the waker.
    pub(crate) fn poll_cancelled(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        if self.signal.is_cancelled() {
            return Poll::Ready(());
        }
        if self.slot == UNREGISTERED {
            // Below SHARDS, so the cast is exact.
            self.shard = thread_shard() as u32;
        }
        let mut wakers = lock_std(self.shard());
        // Read under the lock: see the module docs.
        if self.signal.is_cancelled() {
            return Poll::Ready(());
        }
        if self.slot == UNREGISTERED {
            let slot = match wakers.free.pop() {
                Some(slot) => slot,
                None => {
                    wakers.slots.push(None);
                    wakers.slots.len() - 1
                }
            };
            wakers.slots[slot] = Some(cx.waker().clone());
            // A shard never holds 2^32 - 1 waiters (each is a live task).
            self.slot = u32::try_from(slot).expect("fewer than 2^32 - 1 waiters per shard");
        } else if let Some(Some(waker)) = wakers.slots.get_mut(self.slot as usize) {
            if !waker.will_wake(cx.waker()) {
                waker.clone_from(cx.waker());
            }
        }
        Poll::Pending
    }
}

impl Drop for Registration<'_> {
    #[inline]
    fn drop(&mut self) {
        if self.slot != UNREGISTERED {
            self.deregister();
        }
    }
}

impl Registration<'_> {
    #[cold]
    fn deregister(&mut self) {
        let slot = self.slot as usize;
        let waker = {
            let mut wakers = lock_std(self.shard());
            // After a cancel the shard was emptied: the slot is gone, nothing to free.
            let waker = wakers.slots.get_mut(slot).and_then(Option::take);
            if waker.is_some() {
                wakers.free.push(slot);
            }
            waker
        };
        drop(waker);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn every_waiter_wakes_including_late_ones() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_time()
            .build()
            .unwrap();
        rt.block_on(async {
            let signal = Signal::new();
            let waiters: Vec<_> = (0..50u64)
                .map(|_| {
                    let s = signal.clone();
                    tokio::spawn(async move { s.cancelled().await })
                })
                .collect();
            tokio::task::yield_now().await;
            signal.cancel();
            for w in waiters {
                tokio::time::timeout(Duration::from_secs(10), w)
                    .await
                    .expect("woken")
                    .unwrap();
            }
            // A waiter that arrives after the cancel returns at once.
            tokio::time::timeout(Duration::from_secs(10), signal.cancelled())
                .await
                .expect("late waiter sees the flag");
        });
    }

    #[test]
    fn dropped_registrations_free_their_slots() {
        let signal = Signal::new();
        for _ in 0..3 {
            let mut pending: Vec<_> = (0..(2 * SHARDS as u64))
                .map(|_| Box::pin(signal.cancelled()))
                .collect();
            for p in &mut pending {
                assert!(poll_once(p.as_mut()).is_pending());
            }
            drop(pending);
        }
        // Three rounds of waiters on this thread's shard reused the same slots.
        let slots: usize = signal.shards.iter().map(|s| lock_std(s).slots.len()).sum();
        assert_eq!(slots, 2 * SHARDS);
        for shard in &signal.shards {
            assert!(lock_std(shard).slots.iter().all(Option::is_none));
        }
    }

    fn poll_once<F: Future>(fut: std::pin::Pin<&mut F>) -> Poll<F::Output> {
        fut.poll(&mut Context::from_waker(Waker::noop()))
    }
}
