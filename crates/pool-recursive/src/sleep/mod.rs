//! Idle workers sleep without missing work: the protocol is in `sleep/README.md`.
//!
//! A worker that found nothing announces itself (`sleepers += 1`), looks for work once more,
//! and only then waits for a wake token. A thread that made work visible issues a `SeqCst`
//! fence and, if anyone announced, hands out a token. The two fences make the announce and
//! the push a Dekker pair: at least one side sees the other.

use crossbeam_utils::CachePadded;
use pool_core::sync::atomic::{fence, AtomicUsize, Ordering};
use pool_core::sync::{lock, wait, Condvar, Mutex};

/// Where idle workers wait for work.
pub(crate) struct Sleep {
    /// Workers between their announce and their return from [`Sleep::sleep`]. Written by
    /// sleepers (`SeqCst` RMW), read by pushers after their fence. On its own cache line:
    /// every push reads it, so nothing written more often may share the line.
    sleepers: CachePadded<AtomicUsize>,
    /// Wake tokens not yet taken; only touched under this lock.
    tokens: Mutex<usize>,
    wake: Condvar,
}

impl Sleep {
    pub(crate) fn new() -> Sleep {
        Sleep {
            sleepers: CachePadded::new(AtomicUsize::new(0)),
            tokens: Mutex::new(0),
            wake: Condvar::new(),
        }
    }

    /// Called by any thread right after it made work visible (pushed a task).
    pub(crate) fn work_pushed(&self) {
        // SeqCst fence: pairs with the fence in `sleep`. Without it the load below could be
        // satisfied before the push is visible to a worker that is announcing itself, and
        // both would miss each other (the lost wake-up).
        fence(Ordering::SeqCst);
        if self.sleepers.load(Ordering::Relaxed) > 0 {
            self.wake_one();
        }
    }

    /// Called by a worker right after it pushed onto its own deque. No fence: if a sleeper
    /// misses this push, the pushing worker (awake, running a task) pops the task itself
    /// later, so the task is delayed, never lost; and the next push whose load sees the
    /// announce wakes the sleeper. See `sleep/README.md`, "Local pushes".
    pub(crate) fn local_work_pushed(&self) {
        if self.sleepers.load(Ordering::Relaxed) > 0 {
            self.wake_one();
        }
    }

    /// Hands one token to a sleeper, if there are more sleepers than tokens.
    fn wake_one(&self) {
        let mut tokens = lock(&self.tokens);
        if *tokens < self.sleepers.load(Ordering::Relaxed) {
            *tokens += 1;
            self.wake.notify_one();
        }
    }

    /// Wakes every sleeper (shutdown): `workers` tokens, enough for everyone.
    pub(crate) fn wake_all(&self, workers: usize) {
        let mut tokens = lock(&self.tokens);
        *tokens = (*tokens).max(workers);
        self.wake.notify_all();
    }

    /// Blocks the calling worker until it is woken, unless `ready()` (work or stop visible)
    /// is true after the announce. Returns whether it actually slept.
    pub(crate) fn sleep(&self, ready: impl Fn() -> bool) -> bool {
        self.sleepers.fetch_add(1, Ordering::SeqCst);
        // SeqCst fence: pairs with `work_pushed`; the re-check below sees every push whose
        // fence came before ours, and every later pusher sees our announce.
        fence(Ordering::SeqCst);
        if ready() {
            self.sleepers.fetch_sub(1, Ordering::SeqCst);
            return false;
        }
        let mut tokens = lock(&self.tokens);
        while *tokens == 0 {
            tokens = wait(&self.wake, tokens);
        }
        *tokens -= 1;
        drop(tokens);
        self.sleepers.fetch_sub(1, Ordering::SeqCst);
        true
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use pool_core::sync::atomic::AtomicBool;
    use pool_core::sync::Arc;

    /// One pusher, one worker that consumes the single item: if the worker could sleep
    /// through the push, loom reports a deadlock (every thread blocked).
    #[test]
    fn loom_push_vs_go_to_sleep_never_loses_the_wake_up() {
        loom::model(|| {
            let sleep = Arc::new(Sleep::new());
            let items = Arc::new(AtomicUsize::new(0));
            let worker = {
                let (sleep, items) = (sleep.clone(), items.clone());
                loom::thread::spawn(move || loop {
                    if items.load(Ordering::Acquire) > 0 {
                        items.fetch_sub(1, Ordering::AcqRel);
                        return;
                    }
                    sleep.sleep(|| items.load(Ordering::Acquire) > 0);
                })
            };
            items.fetch_add(1, Ordering::Release);
            sleep.work_pushed();
            worker.join().unwrap();
            assert_eq!(items.load(Ordering::SeqCst), 0);
        });
    }

    /// A worker pushes onto its own deque without a fence (`local_work_pushed`) while the
    /// other worker goes to sleep. The sleeper may miss the push; the item is still
    /// consumed exactly once (the pusher takes it back), and the stop/`wake_all` of a
    /// shutdown ends every thread.
    #[test]
    fn loom_local_push_without_fence_is_delayed_never_lost() {
        loom::model(|| {
            let sleep = Arc::new(Sleep::new());
            let items = Arc::new(AtomicUsize::new(0));
            let taken = Arc::new(AtomicUsize::new(0));
            let stop = Arc::new(AtomicBool::new(false));
            let take = |items: &AtomicUsize, taken: &AtomicUsize| {
                let n = items.load(Ordering::Acquire);
                n > 0
                    && items
                        .compare_exchange(n, n - 1, Ordering::AcqRel, Ordering::Acquire)
                        .is_ok()
                    && taken.fetch_add(1, Ordering::AcqRel) < usize::MAX
            };
            let thief = {
                let (sleep, items, taken, stop) =
                    (sleep.clone(), items.clone(), taken.clone(), stop.clone());
                loom::thread::spawn(move || {
                    while !stop.load(Ordering::SeqCst) {
                        if !take(&items, &taken) {
                            sleep.sleep(|| {
                                stop.load(Ordering::SeqCst) || items.load(Ordering::Acquire) > 0
                            });
                        }
                    }
                })
            };
            // The owner pushes, then works its own deque until the item is gone.
            items.fetch_add(1, Ordering::Release);
            sleep.local_work_pushed();
            while taken.load(Ordering::Acquire) == 0 {
                take(&items, &taken);
                loom::thread::yield_now();
            }
            stop.store(true, Ordering::SeqCst);
            sleep.wake_all(1);
            thief.join().unwrap();
            assert_eq!(taken.load(Ordering::SeqCst), 1);
            assert_eq!(items.load(Ordering::SeqCst), 0);
        });
    }

    /// Two workers, two items pushed by two pushers: both items are consumed.
    #[test]
    fn loom_two_workers_two_pushes_all_consumed() {
        loom::model(|| {
            let sleep = Arc::new(Sleep::new());
            let items = Arc::new(AtomicUsize::new(0));
            let taken = Arc::new(AtomicUsize::new(0));
            let workers: Vec<_> = (0..2)
                .map(|_| {
                    let (sleep, items, taken) = (sleep.clone(), items.clone(), taken.clone());
                    loom::thread::spawn(move || loop {
                        let n = items.load(Ordering::Acquire);
                        if n > 0 {
                            if items
                                .compare_exchange(n, n - 1, Ordering::AcqRel, Ordering::Acquire)
                                .is_ok()
                            {
                                taken.fetch_add(1, Ordering::AcqRel);
                                return;
                            }
                            continue;
                        }
                        sleep.sleep(|| items.load(Ordering::Acquire) > 0);
                    })
                })
                .collect();
            let pusher = {
                let (sleep, items) = (sleep.clone(), items.clone());
                loom::thread::spawn(move || {
                    items.fetch_add(1, Ordering::Release);
                    sleep.work_pushed();
                })
            };
            items.fetch_add(1, Ordering::Release);
            sleep.work_pushed();
            pusher.join().unwrap();
            for w in workers {
                w.join().unwrap();
            }
            assert_eq!(taken.load(Ordering::SeqCst), 2);
        });
    }
}
