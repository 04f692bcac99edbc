//! Per-thread ticket counters: every thread that submits to a pool counts its attempts in a
//! [`Slot`] that only it writes, so taking a ticket is a load and a store to a cache line the
//! thread owns, not a read-modify-write on a line every submitter shares.
//!
//! Each pool has a fixed array of slots. A thread claims one (a compare-exchange on its
//! `owned` flag) the first time it submits to the pool, and keeps it until it exits or has
//! since used [`CACHED_POOLS`] other pools. The hot path reads one thread-local that is
//! constant-initialised and has no destructor (the key and index of the slot the thread used
//! last): no lazy-init or teardown check, no `RefCell` borrow, no `Arc`. A thread that finds
//! every slot claimed, or whose thread-locals are torn down, counts in one shared counter
//! instead. Readers sum every slot and that counter.

use std::cell::{Cell, RefCell};
use std::sync::{Arc, Weak};

use pool_core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// How many pools a thread keeps a slot in at once; beyond that the least recently used
/// claim is released.
const CACHED_POOLS: usize = 8;

/// Slots per pool, at least: submitting threads beyond this many share one counter.
const MIN_SLOTS: usize = 64;

/// Registry keys, one per [`Submitters`], never reused; 0 means "none".
static NEXT_KEY: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

std::thread_local! {
    /// `(key, index)` of the slot this thread used last; `(0, 0)` when there is none. Set
    /// only while the matching [`Claim`] is alive.
    static HOT: Cell<(u64, usize)> = const { Cell::new((0, 0)) };
    /// The slots this thread holds, most recently used first.
    static CLAIMS: RefCell<Vec<Claim>> = const { RefCell::new(Vec::new()) };
}

/// One thread's ticket count for one pool, alone on its cache lines.
#[repr(align(128))]
#[derive(Default)]
pub(crate) struct Slot {
    tickets: AtomicU64,
    /// Whether a thread holds this slot (and so is its only writer).
    owned: AtomicBool,
}

impl Slot {
    /// Counts one ticket. Only the slot's owner calls this, so a load and a store suffice.
    #[inline]
    fn take(&self) {
        let n = self.tickets.load(Ordering::Relaxed);
        self.tickets.store(n + 1, Ordering::Relaxed);
    }

    /// Gives the slot up. Release: the next owner (its claim is an acquire) continues from
    /// the last count.
    fn release(&self) {
        self.owned.store(false, Ordering::Release);
    }
}

/// A thread's hold on one slot; dropping it (eviction, thread exit) releases the slot.
struct Claim {
    key: u64,
    /// Weak, so a dropped pool's slots are freed while threads that used it live on.
    slots: Weak<[Slot]>,
    index: usize,
}

impl Drop for Claim {
    fn drop(&mut self) {
        // The hot entry must not outlive the claim: a thread-local destructor that submits
        // after this one ran would otherwise write to a slot another thread may own by then.
        let _ = HOT.try_with(|hot| {
            if hot.get() == (self.key, self.index) {
                hot.set((0, 0));
            }
        });
        if let Some(slots) = self.slots.upgrade() {
            slots[self.index].release();
        }
    }
}

/// The slots of one pool.
pub(crate) struct Submitters {
    key: u64,
    slots: Arc<[Slot]>,
    /// Tickets of threads without a slot (all claimed, or thread-locals torn down): a shared
    /// counter, read-modify-write.
    shared: AtomicU64,
}

impl Submitters {
    /// An empty registry with room for `threads` submitting threads (at least
    /// [`MIN_SLOTS`]).
    pub(crate) fn new(threads: usize) -> Submitters {
        Submitters::with_slots(threads.max(MIN_SLOTS))
    }

    fn with_slots(n: usize) -> Submitters {
        Submitters {
            key: NEXT_KEY.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            slots: (0..n).map(|_| Slot::default()).collect(),
            shared: AtomicU64::new(0),
        }
    }

    /// Counts one ticket for the calling thread.
    #[inline]
    pub(crate) fn take(&self) {
        if let Ok((key, index)) = HOT.try_with(Cell::get) {
            if key == self.key {
                if let Some(slot) = self.slots.get(index) {
                    slot.take();
                    return;
                }
            }
        }
        self.take_cold();
    }

    /// The calling thread did not use this pool last: find or claim its slot, or count in
    /// the shared counter.
    #[cold]
    fn take_cold(&self) {
        let counted = CLAIMS.try_with(|claims| match claims.try_borrow_mut() {
            Ok(mut claims) => self.take_claimed(&mut claims),
            Err(_) => false,
        });
        if counted != Ok(true) {
            self.shared.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts in the thread's slot for this pool, claiming one if it holds none, and makes
    /// it the hot entry. Returns false if every slot is claimed.
    fn take_claimed(&self, claims: &mut Vec<Claim>) -> bool {
        let claim = match claims.iter().position(|c| c.key == self.key) {
            Some(i) => claims.remove(i),
            None => match self.claim() {
                Some(index) => Claim {
                    key: self.key,
                    slots: Arc::downgrade(&self.slots),
                    index,
                },
                None => return false,
            },
        };
        self.slots[claim.index].take();
        let hot = (claim.key, claim.index);
        claims.insert(0, claim);
        // Dropping an evicted claim releases its slot.
        claims.truncate(CACHED_POOLS);
        let _ = HOT.try_with(|h| h.set(hot));
        true
    }

    /// Claims a free slot; `None` if every one is held.
    pub(crate) fn claim(&self) -> Option<usize> {
        // Acquire pairs with the release in the previous owner's `Claim::drop`.
        self.slots.iter().position(|s| {
            s.owned
                .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
        })
    }

    /// Counts one ticket in slot `index`, which the caller claimed (the loom models, whose
    /// threads share one OS thread and so one set of thread-locals).
    #[cfg(loom)]
    pub(crate) fn take_in(&self, index: usize) {
        self.slots[index].take();
    }

    /// Tickets taken so far, by every thread. `Acquire`: a caller that read a resolution
    /// first sees at least the tickets behind it (see the ledger's module docs).
    pub(crate) fn total(&self) -> u64 {
        let sum: u64 = self
            .slots
            .iter()
            .map(|s| s.tickets.load(Ordering::Acquire))
            .sum();
        sum + self.shared.load(Ordering::Acquire)
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;

    /// Two threads hand one slot back and forth (claim, count, release): no count is lost,
    /// which needs the claim to acquire what the previous owner's release published.
    #[test]
    fn loom_a_released_slot_keeps_its_count() {
        loom::model(|| {
            let subs = Arc::new(Submitters::with_slots(1));
            let threads: Vec<_> = (0..2)
                .map(|_| {
                    let subs = subs.clone();
                    loom::thread::spawn(move || match subs.claim() {
                        Some(index) => {
                            subs.take_in(index);
                            subs.slots[index].release();
                        }
                        None => {
                            subs.shared.fetch_add(1, Ordering::Relaxed);
                        }
                    })
                })
                .collect();
            for t in threads {
                t.join().unwrap();
            }
            let index = subs.claim().expect("released by both");
            subs.take_in(index);
            assert_eq!(subs.total(), 3);
        });
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn owned(subs: &Submitters) -> usize {
        subs.slots
            .iter()
            .filter(|s| s.owned.load(Ordering::Relaxed))
            .count()
    }

    #[test]
    fn tickets_from_many_threads_add_up() {
        let subs = Arc::new(Submitters::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let subs = subs.clone();
                std::thread::spawn(move || {
                    for _ in 0..1000 {
                        subs.take();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(subs.total(), 8000);
        assert_eq!(
            subs.shared.load(Ordering::Relaxed),
            0,
            "every thread had a slot"
        );
    }

    #[test]
    fn slots_of_exited_threads_are_reused() {
        let subs = Arc::new(Submitters::new(0));
        for _ in 0..20 {
            let subs = subs.clone();
            std::thread::spawn(move || subs.take()).join().unwrap();
        }
        assert_eq!(subs.total(), 20);
        assert_eq!(
            subs.slots[0].tickets.load(Ordering::Relaxed),
            20,
            "one slot, handed from thread to thread"
        );
        assert_eq!(owned(&subs), 0, "released at every thread exit");
    }

    #[test]
    fn threads_beyond_the_slots_share_a_counter() {
        let subs = Arc::new(Submitters::new(0));
        let n = MIN_SLOTS + 8;
        let all_in = Arc::new(std::sync::Barrier::new(n));
        let threads: Vec<_> = (0..n)
            .map(|_| {
                let (subs, all_in) = (subs.clone(), all_in.clone());
                std::thread::spawn(move || {
                    // Both tickets are taken before any thread exits and releases its slot,
                    // so a thread without one stays without one.
                    subs.take();
                    all_in.wait();
                    subs.take();
                    all_in.wait();
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(subs.total(), 2 * n as u64);
        assert_eq!(
            subs.shared.load(Ordering::Relaxed),
            16,
            "8 threads, 2 tickets each"
        );
    }

    #[test]
    fn a_thread_using_many_pools_keeps_every_count() {
        let pools: Vec<Submitters> = (0..CACHED_POOLS * 2).map(|_| Submitters::new(0)).collect();
        for round in 0..3 {
            for (i, subs) in pools.iter().enumerate() {
                for _ in 0..=i {
                    subs.take();
                }
                assert_eq!(subs.total(), (round + 1) * (i as u64 + 1));
                assert_eq!(subs.shared.load(Ordering::Relaxed), 0);
            }
        }
        let held = pools.iter().filter(|s| owned(s) == 1).count();
        assert_eq!(held, CACHED_POOLS, "evicted claims are released");
    }

    #[test]
    fn tickets_taken_in_a_thread_local_destructor_are_counted() {
        struct TakeOnDrop(Arc<Submitters>);
        impl Drop for TakeOnDrop {
            fn drop(&mut self) {
                self.0.take();
            }
        }
        std::thread_local! {
            static LATE: RefCell<Option<TakeOnDrop>> = const { RefCell::new(None) };
        }
        let subs = Arc::new(Submitters::new(0));
        let s = subs.clone();
        std::thread::spawn(move || {
            s.take();
            LATE.with(|late| *late.borrow_mut() = Some(TakeOnDrop(s)));
        })
        .join()
        .unwrap();
        assert_eq!(subs.total(), 2);
    }

    /// A destructor that runs after the thread's claims were dropped must not write to the
    /// slot they released (another thread may own it by then): it counts in the shared
    /// counter.
    #[test]
    fn a_late_destructor_does_not_write_to_a_released_slot() {
        struct TakeOnDrop(Arc<Submitters>, Arc<AtomicBool>);
        impl Drop for TakeOnDrop {
            fn drop(&mut self) {
                let claims_gone = CLAIMS.try_with(|_| ()).is_err();
                self.1.store(claims_gone, Ordering::Relaxed);
                self.0.take();
            }
        }
        std::thread_local! {
            static EARLY: RefCell<Option<TakeOnDrop>> = const { RefCell::new(None) };
        }
        let subs = Arc::new(Submitters::new(0));
        let claims_gone = Arc::new(AtomicBool::new(false));
        let (s, gone) = (subs.clone(), claims_gone.clone());
        std::thread::spawn(move || {
            // Registered before the claims, so (destructors run in reverse order of
            // registration) dropped after them.
            EARLY.with(|early| *early.borrow_mut() = Some(TakeOnDrop(s.clone(), gone)));
            s.take();
        })
        .join()
        .unwrap();
        assert!(
            claims_gone.load(Ordering::Relaxed),
            "the claims were dropped first"
        );
        assert_eq!(subs.total(), 2);
        assert_eq!(subs.shared.load(Ordering::Relaxed), 1);
        assert_eq!(subs.slots[0].tickets.load(Ordering::Relaxed), 1);
    }
}
