//! Parking idle workers without burning CPU and without lost wake-ups.
//!
//! The protocol (states, each side's steps, the race it prevents, a proof sketch) is in
//! `src/sleep/README.md`; the loom models at the end of this file check it. In short: a
//! worker announces itself in its slot (`AWAKE` → `ASLEEP_*`, an RMW) and in `num_asleep`
//! (an RMW), then re-checks for work *while holding its slot's mutex*, then waits. A pusher
//! publishes its job, then reads `num_asleep` with an RMW; a latch setter publishes the
//! latch, then swaps the owner's slot state. In either pair one side is sure to see the
//! other's write, because read-modify-writes on one atomic are totally ordered and each
//! reads the latest value.
//!
//! Built on the pool-core `sync` shim, so `RUSTFLAGS="--cfg loom"` model-checks it.

use pool_core::sync::atomic::{AtomicUsize, Ordering};
use pool_core::sync::{lock, wait, Condvar, Mutex};

/// The worker is running, spinning, or about to announce itself.
const AWAKE: usize = 0;
/// Parked until new work (or its latch, or termination): any pusher may wake it.
const ASLEEP_FOR_WORK: usize = 1;
/// Parked until its latch is set (it may not take new work now): only the latch's setter
/// (or termination) wakes it.
const ASLEEP_FOR_LATCH: usize = 2;

/// One worker's parking place, alone on its cache lines.
#[repr(align(128))]
struct Slot {
    /// `AWAKE`, `ASLEEP_FOR_WORK` or `ASLEEP_FOR_LATCH`. Set to a sleeping state only by
    /// the slot's worker (holding `woken`'s mutex); set back to `AWAKE` by whoever claims it
    /// (a waker, or the worker itself when its re-check finds a reason not to sleep).
    state: AtomicUsize,
    /// Set by the claimer under the mutex, cleared by the worker before it announces.
    woken: Mutex<bool>,
    /// The worker waits here with `woken`'s mutex.
    wakeup: Condvar,
}

/// Why a worker parks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reason {
    /// Nothing to do: wake me for new work, my latch (if I wait on one), or termination.
    Idle,
    /// Waiting on a latch, not allowed to take new work (helping depth exhausted): wake me
    /// only for the latch or termination.
    LatchOnly,
}

/// The parking lot of one pool.
pub(crate) struct Sleep {
    slots: Box<[Slot]>,
    /// Workers parked (or parking) with [`Reason::Idle`] and not yet claimed. May be briefly
    /// off by the claims of workers that have not counted themselves in yet (it wraps and
    /// comes back); see the README.
    num_asleep: AtomicUsize,
}

impl Sleep {
    /// A lot with one slot per worker.
    pub(crate) fn new(workers: usize) -> Sleep {
        Sleep {
            slots: (0..workers)
                .map(|_| Slot {
                    state: AtomicUsize::new(AWAKE),
                    woken: Mutex::new(false),
                    wakeup: Condvar::new(),
                })
                .collect(),
            num_asleep: AtomicUsize::new(0),
        }
    }

    /// Parks worker `index` until a waker claims it, unless `wake_check` (evaluated after
    /// the announcement) finds a reason to stay up. Spurious returns are allowed: callers
    /// loop and re-check.
    pub(crate) fn sleep(&self, index: usize, reason: Reason, wake_check: impl FnOnce() -> bool) {
        let slot = &self.slots[index];
        let mut woken = lock(&slot.woken);
        *woken = false;
        let asleep = match reason {
            Reason::Idle => ASLEEP_FOR_WORK,
            Reason::LatchOnly => ASLEEP_FOR_LATCH,
        };
        // An RMW (AcqRel), not a store: a latch setter's swap on this slot is then ordered
        // before or after it. Before: we read its write and see its latch below. After: it
        // reads ASLEEP and claims us.
        slot.state.swap(asleep, Ordering::AcqRel);
        if reason == Reason::Idle {
            // After the slot state, so a pusher that sees this count also sees the state.
            // AcqRel RMW: a pusher's RMW read of the count is ordered before or after it.
            self.num_asleep.fetch_add(1, Ordering::AcqRel);
        }
        if wake_check() {
            // Un-announce, unless a waker claimed us first; then it has already fixed the
            // count and will set `woken` once we unlock: harmless, we clear it next time.
            if slot
                .state
                .compare_exchange(asleep, AWAKE, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
                && reason == Reason::Idle
            {
                self.num_asleep.fetch_sub(1, Ordering::AcqRel);
            }
            return;
        }
        while !*woken {
            woken = wait(&slot.wakeup, woken);
        }
    }

    /// Wakes one idle worker if any is parked. Call after publishing work that no awake
    /// worker is sure to take (an injected job): with the RMW read below, a worker that is
    /// parking concurrently either is woken or sees the work in its re-check.
    pub(crate) fn wake_one(&self) {
        // An RMW read (fetch_add of 0) reads the latest count: if a parking worker's
        // increment comes later, that increment reads our write and so sees our work.
        if self.num_asleep.fetch_add(0, Ordering::AcqRel) != 0 {
            self.claim_one();
        }
    }

    /// Like [`Sleep::wake_one`] but without the ordering guarantee: a plain load, for work
    /// that the pushing worker will run itself if nobody steals it (`join`, `scope` spawns).
    /// Missing a worker that is parking at that instant costs parallelism, never progress.
    #[inline]
    pub(crate) fn wake_one_hint(&self) {
        if self.num_asleep.load(Ordering::Relaxed) != 0 {
            self.claim_one();
        }
    }

    /// Claims and wakes one worker parked for work.
    #[cold]
    fn claim_one(&self) {
        for slot in self.slots.iter() {
            if slot.state.load(Ordering::Relaxed) == ASLEEP_FOR_WORK
                && slot
                    .state
                    .compare_exchange(ASLEEP_FOR_WORK, AWAKE, Ordering::AcqRel, Ordering::Relaxed)
                    .is_ok()
            {
                self.num_asleep.fetch_sub(1, Ordering::AcqRel);
                notify(slot);
                return;
            }
        }
    }

    /// Wakes worker `index` whatever it parked for. Call after publishing what it waits for
    /// (its latch, or termination).
    pub(crate) fn wake_worker(&self, index: usize) {
        let slot = &self.slots[index];
        // A blind swap is an RMW: ordered against the worker's own announcing swap (see
        // `sleep`). Writing AWAKE over AWAKE changes nothing.
        match slot.state.swap(AWAKE, Ordering::AcqRel) {
            AWAKE => {}
            ASLEEP_FOR_WORK => {
                self.num_asleep.fetch_sub(1, Ordering::AcqRel);
                notify(slot);
            }
            _ => notify(slot),
        }
    }

    /// Wakes every worker (termination).
    pub(crate) fn wake_all(&self) {
        for index in 0..self.slots.len() {
            self.wake_worker(index);
        }
    }
}

/// Tells a claimed worker to get up. The worker holds the mutex from its announcement until
/// it waits, so this cannot slip in between its re-check and its wait.
fn notify(slot: &Slot) {
    let mut woken = lock(&slot.woken);
    *woken = true;
    slot.wakeup.notify_one();
}

#[cfg(all(test, loom))]
mod loom_tests {
    //! Models of the protocol with the real `Sleep` and a one-word stand-in for the queues.
    //! A lost wake-up leaves a thread parked forever, which loom reports as a deadlock.
    //!
    //! The stand-in queue is pushed with an RMW (`fetch_add`), as the real queues publish a
    //! job with a CAS or an index update: loom 0.7 can let an RMW read a value older than a
    //! plain store that happens-before it (its modification order for a plain store racing
    //! an RMW is too loose), which showed up here as a false deadlock with a plain `store`.
    use super::*;
    use pool_core::sync::atomic::AtomicBool;
    use pool_core::sync::{thread, Arc};

    /// Push versus go-to-sleep: one worker, one pusher, one job. The worker must run it.
    #[test]
    fn loom_push_vs_go_to_sleep() {
        loom::model(|| {
            let sleep = Arc::new(Sleep::new(1));
            let queue = Arc::new(AtomicUsize::new(0));
            let worker = {
                let (sleep, queue) = (sleep.clone(), queue.clone());
                thread::spawn(move || loop {
                    if queue.swap(0, Ordering::Acquire) == 1 {
                        return 1;
                    }
                    sleep.sleep(0, Reason::Idle, || queue.load(Ordering::Acquire) != 0);
                })
            };
            queue.fetch_add(1, Ordering::Release);
            sleep.wake_one();
            assert_eq!(worker.join().unwrap(), 1);
        });
    }

    /// Two parking workers, one pushed job: exactly one worker takes it, and it then ends
    /// the pool; no one stays parked.
    #[test]
    fn loom_two_sleepers_one_job_runs_once() {
        loom::model(|| {
            let sleep = Arc::new(Sleep::new(2));
            let queue = Arc::new(AtomicUsize::new(0));
            let terminate = Arc::new(AtomicBool::new(false));
            let workers: Vec<_> = (0..2)
                .map(|index| {
                    let (sleep, queue, terminate) =
                        (sleep.clone(), queue.clone(), terminate.clone());
                    thread::spawn(move || loop {
                        if queue.swap(0, Ordering::Acquire) == 1 {
                            terminate.store(true, Ordering::Release);
                            sleep.wake_all();
                            return 1;
                        }
                        if terminate.load(Ordering::Acquire) {
                            return 0;
                        }
                        sleep.sleep(index, Reason::Idle, || {
                            queue.load(Ordering::Acquire) != 0 || terminate.load(Ordering::Acquire)
                        });
                    })
                })
                .collect();
            queue.fetch_add(1, Ordering::Release);
            sleep.wake_one();
            let ran: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
            assert_eq!(ran, 1);
        });
    }

    /// Latch set versus go-to-sleep: a worker parked only for its latch is woken by the
    /// setter, and a pusher's wake-up is not spent on it.
    #[test]
    fn loom_latch_set_vs_go_to_sleep() {
        loom::model(|| {
            let sleep = Arc::new(Sleep::new(1));
            let latch = Arc::new(AtomicBool::new(false));
            let waiter = {
                let (sleep, latch) = (sleep.clone(), latch.clone());
                thread::spawn(move || {
                    let mut parks = 0;
                    while !latch.load(Ordering::Acquire) {
                        sleep.sleep(0, Reason::LatchOnly, || latch.load(Ordering::Acquire));
                        parks += 1;
                    }
                    parks
                })
            };
            sleep.wake_one();
            latch.store(true, Ordering::Release);
            sleep.wake_worker(0);
            assert!(waiter.join().unwrap() <= 1);
            assert_eq!(sleep.num_asleep.load(Ordering::Relaxed), 0);
        });
    }
}
