//! Per-thread ticket counters: every thread that submits to a pool counts its attempts in a
//! [`Slot`] that only it writes, so taking a ticket is a load and a store to a cache line the
//! thread owns, not a read-modify-write on a line every submitter shares.
//!
//! Each pool has a fixed array of slots. A thread claims one (a compare-exchange on its
//! `owned` flag) the first time it submits to the pool, and keeps it until it exits or has
//! since used [`CACHED_POOLS`] other pools. The hot path reads one thread-local that is
//! constant-initialised and has no destructor (the key and index of the slot the thread used
//! last): no lazy-init or teardown check, no `RefCell` borrow, no `Arc`.
//!
//! A thread that finds every slot claimed counts in one shared counter (a read-modify-write)
//! and remembers that it has no slot, so it does not scan the flags on every ticket; about
//! once every [`SLOTLESS_RETRY`] shared tickets one such thread looks for a slot again. A
//! thread whose thread-locals are torn down counts in the shared counter too. Readers sum
//! every slot and that counter.

use std::cell::{Cell, RefCell};
use std::sync::{Arc, Weak};

use pool_core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// How many pools a thread keeps a slot in at once; beyond that the least recently used
/// claim is released.
const CACHED_POOLS: usize = 8;

/// Slots per pool, at least: submitting threads beyond this many share one counter.
const MIN_SLOTS: usize = 64;

/// Shared-counter tickets between two attempts by a slotless thread to claim a slot.
const SLOTLESS_RETRY: u64 = 1024;

/// The hot entry's index for "this thread found no free slot in this pool".
const NO_SLOT: usize = usize::MAX;

/// Registry keys, one per [`Submitters`], never reused; 0 means "none".
static NEXT_KEY: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

std::thread_local! {
    /// `(key, index)` of the slot this thread used last; `(0, 0)` when there is none, index
    /// [`NO_SLOT`] when the pool had no free slot. A real index is set only while the
    /// matching [`Claim`] is alive.
    static HOT: Cell<(u64, usize)> = const { Cell::new((0, 0)) };
    /// The slots this thread holds, most recently used first.
    static CLAIMS: RefCell<Vec<Claim>> = const { RefCell::new(Vec::new()) };
}

/// One thread's ticket count for one pool, alone on its cache lines.
#[repr(align(128))]
#[derive(Default)]
struct Slot {
    tickets: AtomicU64,
}

impl Slot {
    /// Counts one ticket. Only the slot's owner calls this, so a load and a store suffice.
    #[inline]
    fn take(&self) {
        let n = self.tickets.load(Ordering::Relaxed);
        self.tickets.store(n + 1, Ordering::Relaxed);
    }
}

/// Gives slot `index` up. Release: the next owner (its claim is an acquire) continues from
/// the last count.
fn release(owned: &[AtomicBool], index: usize) {
    owned[index].store(false, Ordering::Release);
}

/// A thread's hold on one slot; dropping it (eviction, thread exit) releases the slot.
struct Claim {
    key: u64,
    /// Weak, so that a dropped pool's flags are freed (see [`Submitters::take_claimed`]).
    owned: Weak<[AtomicBool]>,
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
        if let Some(owned) = self.owned.upgrade() {
            release(&owned, self.index);
        }
    }
}

/// The slots of one pool.
pub(crate) struct Submitters {
    key: u64,
    slots: Box<[Slot]>,
    /// Which slots a thread holds. Apart from the counts, so that a thread looking for a
    /// free slot does not touch the cache lines other threads are counting in.
    owned: Arc<[AtomicBool]>,
    /// Tickets of threads without a slot (all claimed, or thread-locals torn down): a shared
    /// counter, read-modify-write.
    shared: AtomicU64,
}

impl Submitters {
    /// An empty registry for a pool of `workers` workers: a slot for each of them (jobs may
    /// submit) and for outside threads, [`MIN_SLOTS`] at least.
    pub(crate) fn new(workers: usize) -> Submitters {
        Submitters::with_slots(workers.saturating_mul(2).max(MIN_SLOTS))
    }

    fn with_slots(n: usize) -> Submitters {
        Submitters {
            key: NEXT_KEY.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            slots: (0..n).map(|_| Slot::default()).collect(),
            owned: (0..n).map(|_| AtomicBool::new(false)).collect(),
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

    /// The calling thread did not use this pool last, or has no slot in it: find or claim
    /// its slot, or count in the shared counter.
    #[cold]
    fn take_cold(&self) {
        if HOT.try_with(Cell::get) == Ok((self.key, NO_SLOT)) {
            let n = self.shared.fetch_add(1, Ordering::Relaxed);
            if n % SLOTLESS_RETRY == SLOTLESS_RETRY - 1 {
                // The next ticket looks for a free slot again.
                let _ = HOT.try_with(|hot| hot.set((0, 0)));
            }
            return;
        }
        let counted = CLAIMS.try_with(|claims| match claims.try_borrow_mut() {
            Ok(mut claims) => self.take_claimed(&mut claims),
            Err(_) => false,
        });
        if counted != Ok(true) {
            self.shared.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts in the thread's slot for this pool, claiming one if it holds none, and makes
    /// it the hot entry. Returns false, with the hot entry set to [`NO_SLOT`], if every slot
    /// is claimed.
    fn take_claimed(&self, claims: &mut Vec<Claim>) -> bool {
        // Claims on pools dropped since: their slots are gone, their memory can go too.
        claims.retain(|c| c.owned.strong_count() > 0);
        let claim = match claims.iter().position(|c| c.key == self.key) {
            Some(i) => claims.remove(i),
            None => match self.claim() {
                Some(index) => Claim {
                    key: self.key,
                    owned: Arc::downgrade(&self.owned),
                    index,
                },
                None => {
                    let _ = HOT.try_with(|hot| hot.set((self.key, NO_SLOT)));
                    return false;
                }
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
        // A plain load first, so a scan over held slots writes nothing. Acquire on success
        // pairs with the release by the slot's previous owner.
        self.owned.iter().position(|o| {
            !o.load(Ordering::Relaxed)
                && o.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
        })
    }

    /// Counts one ticket in slot `index`, which the caller claimed (the loom models, whose
    /// threads share one OS thread and so one set of thread-locals).
    #[cfg(loom)]
    pub(crate) fn take_in(&self, index: usize) {
        self.slots[index].take();
    }

    /// Tickets taken so far, by every thread. The loads are relaxed: what a caller must see
    /// is ordered by its own acquire loads of the resolutions before this call, or by the
    /// heavy fence of a close (see the ledger's module docs).
    pub(crate) fn total(&self) -> u64 {
        let sum: u64 = self
            .slots
            .iter()
            .map(|s| s.tickets.load(Ordering::Relaxed))
            .sum();
        sum + self.shared.load(Ordering::Relaxed)
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;

    /// Two threads hand one slot back and forth (claim, count, release): no count is lost,
    /// which needs each claim to acquire what the previous owner's release published.
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
                            release(&subs.owned, index);
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
            assert_eq!(subs.total(), 2);
        });
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::sync::mpsc;
    use std::sync::Barrier;

    use super::*;

    fn held(subs: &Submitters) -> usize {
        subs.owned
            .iter()
            .filter(|o| o.load(Ordering::Relaxed))
            .count()
    }

    fn tickets(subs: &Submitters, index: usize) -> u64 {
        subs.slots[index].tickets.load(Ordering::Relaxed)
    }

    fn shared(subs: &Submitters) -> u64 {
        subs.shared.load(Ordering::Relaxed)
    }

    #[test]
    fn concurrent_threads_each_count_in_their_own_slot() {
        let subs = Arc::new(Submitters::new(0));
        let all_in = Arc::new(Barrier::new(8));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (subs, all_in) = (subs.clone(), all_in.clone());
                std::thread::spawn(move || {
                    subs.take();
                    // All eight hold their slots at once before counting on.
                    all_in.wait();
                    for _ in 1..1000 {
                        subs.take();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let counts: Vec<u64> = (0..subs.slots.len()).map(|i| tickets(&subs, i)).collect();
        assert_eq!(&counts[..8], &[1000; 8], "eight slots, one per thread");
        assert!(counts[8..].iter().all(|&c| c == 0));
        assert_eq!((subs.total(), shared(&subs)), (8000, 0));
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
            tickets(&subs, 0),
            20,
            "one slot, handed from thread to thread"
        );
        assert_eq!(held(&subs), 0, "released at every thread exit");
    }

    #[test]
    fn threads_beyond_the_slots_share_a_counter() {
        let subs = Arc::new(Submitters::new(0));
        let n = MIN_SLOTS + 8;
        let all_in = Arc::new(Barrier::new(n));
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
        assert_eq!(shared(&subs), 16, "8 threads, 2 tickets each");
    }

    #[test]
    fn a_slotless_thread_claims_a_slot_once_one_is_free() {
        let subs = Arc::new(Submitters::with_slots(1));
        let holding = subs.clone();
        let (held_tx, held_rx) = mpsc::channel::<()>();
        let (done_tx, done_rx) = mpsc::channel::<()>();
        let holder = std::thread::spawn(move || {
            holding.take();
            held_tx.send(()).unwrap();
            done_rx.recv().unwrap();
        });
        held_rx.recv().unwrap();
        // On this thread: no free slot, so shared tickets, without a scan each time.
        for _ in 0..10 {
            subs.take();
        }
        assert_eq!(shared(&subs), 10);
        assert_eq!(HOT.with(Cell::get), (subs.key, NO_SLOT));
        done_tx.send(()).unwrap();
        holder.join().unwrap();
        // The slot is free now; within one retry period this thread counts in it.
        for _ in 0..2 * SLOTLESS_RETRY {
            subs.take();
        }
        assert_eq!(held(&subs), 1);
        assert!(
            tickets(&subs, 0) > 1,
            "slot 0 took this thread's tickets too"
        );
        assert!(shared(&subs) <= SLOTLESS_RETRY + 10);
        assert_eq!(subs.total(), 2 * SLOTLESS_RETRY + 11);
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
                assert_eq!(shared(subs), 0);
            }
        }
        let held_now = pools.iter().filter(|s| held(s) == 1).count();
        assert_eq!(held_now, CACHED_POOLS, "evicted claims are released");
    }

    /// An evicted claim's slot goes to the next thread that needs it, and the evicting
    /// thread no longer writes to it.
    #[test]
    fn an_evicted_slot_passes_to_another_thread() {
        let first = Arc::new(Submitters::with_slots(1));
        let others: Vec<Submitters> = (0..CACHED_POOLS).map(|_| Submitters::new(0)).collect();
        let (evicted_tx, evicted_rx) = mpsc::channel::<()>();
        let (counted_tx, counted_rx) = mpsc::channel::<()>();
        let (finished_tx, finished_rx) = mpsc::channel::<()>();
        let second = {
            let first = first.clone();
            std::thread::spawn(move || {
                evicted_rx.recv().unwrap();
                for _ in 0..3 {
                    first.take();
                }
                counted_tx.send(()).unwrap();
                // Hold the slot until the evicting thread has submitted again.
                finished_rx.recv().unwrap();
            })
        };
        first.take();
        for subs in &others {
            subs.take();
        }
        evicted_tx.send(()).unwrap();
        counted_rx.recv().unwrap();
        first.take();
        finished_tx.send(()).unwrap();
        second.join().unwrap();
        assert_eq!(
            tickets(&first, 0),
            4,
            "1 before the eviction, 3 by the next owner"
        );
        assert_eq!(
            shared(&first),
            1,
            "the evicting thread found the slot taken"
        );
    }

    #[test]
    fn claims_on_dropped_pools_are_forgotten() {
        let dropped = Submitters::new(0);
        dropped.take();
        drop(dropped);
        let live = Submitters::new(0);
        live.take();
        let remembered = CLAIMS.with(|c| c.borrow().iter().map(|c| c.key).collect::<Vec<_>>());
        assert_eq!(remembered, vec![live.key]);
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
            // Registered after the claims, so dropped while they still hold the slot.
            LATE.with(|late| *late.borrow_mut() = Some(TakeOnDrop(s)));
        })
        .join()
        .unwrap();
        assert_eq!((tickets(&subs, 0), shared(&subs)), (2, 0));
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
        assert_eq!((tickets(&subs, 0), shared(&subs)), (1, 1));
    }
}
