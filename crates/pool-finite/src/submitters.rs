//! Per-thread ticket counters: every thread that submits to a pool counts its attempts in a
//! [`Slot`] that only it writes, so taking a ticket is a load and a store to a cache line the
//! thread owns, not a read-modify-write on a line every submitter shares.
//!
//! A thread finds its slot through a small thread-local cache keyed by pool; on a miss it
//! claims one from the pool's registry under a lock: a slot no thread holds any more (its
//! owner exited or evicted it), or a new one. Readers sum every slot in the registry, plus one
//! shared counter used by threads whose thread-locals are already torn down.

use std::cell::RefCell;

use pool_core::sync::atomic::{fence, AtomicU64, Ordering};
use pool_core::sync::{lock, Arc, Mutex};

/// How many pools a thread keeps a slot for at once; beyond that the least recently used
/// slot goes back to its registry.
const CACHED_POOLS: usize = 8;

/// Registry keys, one per [`Submitters`], never reused.
static NEXT_KEY: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

std::thread_local! {
    static CACHE: RefCell<Vec<(u64, Arc<Slot>)>> = const { RefCell::new(Vec::new()) };
}

/// One thread's ticket count for one pool, alone on its cache lines.
#[repr(align(128))]
#[derive(Default)]
pub(crate) struct Slot {
    tickets: AtomicU64,
}

impl Slot {
    /// Counts one ticket. Only the slot's owner calls this, so a load and a store suffice.
    #[inline]
    pub(crate) fn take(&self) {
        let n = self.tickets.load(Ordering::Relaxed);
        self.tickets.store(n + 1, Ordering::Relaxed);
    }
}

/// The slots of one pool.
pub(crate) struct Submitters {
    key: u64,
    slots: Mutex<Vec<Arc<Slot>>>,
    /// Tickets of threads that can no longer use their thread-locals (taken in a
    /// thread-local destructor): a shared counter, read-modify-write.
    shared: AtomicU64,
}

impl Submitters {
    /// An empty registry.
    pub(crate) fn new() -> Submitters {
        Submitters {
            key: NEXT_KEY.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            slots: Mutex::new(Vec::new()),
            shared: AtomicU64::new(0),
        }
    }

    /// Counts one ticket for the calling thread.
    #[inline]
    pub(crate) fn take(&self) {
        let counted = CACHE.try_with(|cache| match cache.try_borrow_mut() {
            Ok(mut cache) => {
                match cache.first() {
                    Some((key, slot)) if *key == self.key => slot.take(),
                    _ => self.take_cold(&mut cache),
                }
                true
            }
            Err(_) => false,
        });
        if counted != Ok(true) {
            self.shared.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The calling thread's slot is not the first in its cache: move it there, or claim one.
    #[cold]
    fn take_cold(&self, cache: &mut Vec<(u64, Arc<Slot>)>) {
        let entry = match cache.iter().position(|(key, _)| *key == self.key) {
            Some(i) => cache.remove(i),
            None => (self.key, self.claim()),
        };
        entry.1.take();
        cache.insert(0, entry);
        // Dropping an evicted slot's last thread-side reference makes it reusable.
        cache.truncate(CACHED_POOLS);
    }

    /// A slot for a thread that has none: one that no thread holds, or a new one.
    pub(crate) fn claim(&self) -> Arc<Slot> {
        let mut slots = lock(&self.slots);
        // Under the lock only this registry can add references, so a count of one stays one.
        if let Some(free) = slots.iter().find(|s| Arc::strong_count(s) == 1) {
            // Pairs with the release in the previous owner's drop of its reference: its last
            // count is visible before this thread continues from it.
            fence(Ordering::Acquire);
            return free.clone();
        }
        let slot = Arc::new(Slot::default());
        slots.push(slot.clone());
        slot
    }

    /// Tickets taken so far, by every thread. `Acquire`: a caller that read a resolution
    /// first sees at least the tickets behind it (see the ledger's module docs).
    pub(crate) fn total(&self) -> u64 {
        let slots = lock(&self.slots);
        let sum: u64 = slots
            .iter()
            .map(|s| s.tickets.load(Ordering::Acquire))
            .sum();
        sum + self.shared.load(Ordering::Acquire)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn tickets_from_many_threads_add_up() {
        let subs = std::sync::Arc::new(Submitters::new());
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
    }

    #[test]
    fn slots_of_exited_threads_are_reused() {
        let subs = std::sync::Arc::new(Submitters::new());
        for _ in 0..20 {
            let subs = subs.clone();
            std::thread::spawn(move || subs.take()).join().unwrap();
        }
        assert_eq!(subs.total(), 20);
        assert_eq!(
            lock(&subs.slots).len(),
            1,
            "one slot, handed from thread to thread"
        );
    }

    #[test]
    fn a_thread_using_many_pools_keeps_every_count() {
        let pools: Vec<Submitters> = (0..CACHED_POOLS * 2).map(|_| Submitters::new()).collect();
        for round in 0..3 {
            for (i, subs) in pools.iter().enumerate() {
                for _ in 0..=i {
                    subs.take();
                }
                assert_eq!(subs.total(), (round + 1) * (i as u64 + 1));
            }
        }
    }

    #[test]
    fn tickets_taken_in_a_thread_local_destructor_are_counted() {
        struct TakeOnDrop(std::sync::Arc<Submitters>);
        impl Drop for TakeOnDrop {
            fn drop(&mut self) {
                self.0.take();
            }
        }
        std::thread_local! {
            static LATE: RefCell<Option<TakeOnDrop>> = const { RefCell::new(None) };
        }
        let subs = std::sync::Arc::new(Submitters::new());
        let s = subs.clone();
        std::thread::spawn(move || {
            s.take();
            LATE.with(|late| *late.borrow_mut() = Some(TakeOnDrop(s)));
        })
        .join()
        .unwrap();
        assert_eq!(subs.total(), 2);
    }
}
