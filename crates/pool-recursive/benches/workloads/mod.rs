//! The workloads both bench binaries run: UTS trees and a cutoff fib, written once for
//! `pool-recursive` (`Scope::spawn`) and once for rayon (`rayon::Scope::spawn`), the same
//! shape on both sides.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use crossbeam_utils::CachePadded;
use pool_recursive::{RecursivePool, Scope};
use pool_testkit::kernels::{fib_cutoff, FibStep, Uts, UtsNode};

/// Workers of both pools.
pub const WORKERS: usize = 2;
const SLOTS: usize = 64;

/// Per-thread accumulators: each thread takes a slot on first use and only it writes there.
pub struct Tally {
    slots: Vec<CachePadded<AtomicU64>>,
}

static NEXT_SLOT: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static SLOT: Cell<usize> = const { Cell::new(usize::MAX) };
}

impl Tally {
    /// One tally per benchmark group, shared by both contenders for its whole run: tasks
    /// of `pool-recursive` must be `'static`, and neither side should pay a reference
    /// count per task for the bench's own bookkeeping. Read as differences.
    pub fn leaked() -> &'static Tally {
        Box::leak(Box::new(Tally {
            slots: (0..SLOTS)
                .map(|_| CachePadded::new(AtomicU64::new(0)))
                .collect(),
        }))
    }

    /// Adds to the calling thread's slot.
    pub fn add(&self, n: u64) {
        let slot = SLOT.with(|s| {
            if s.get() == usize::MAX {
                s.set(NEXT_SLOT.fetch_add(1, Ordering::Relaxed) % SLOTS);
            }
            s.get()
        });
        self.slots[slot].fetch_add(n, Ordering::Relaxed);
    }

    /// The sum over all slots.
    pub fn total(&self) -> u64 {
        self.slots.iter().map(|s| s.load(Ordering::Relaxed)).sum()
    }
}

/// One UTS node per task, on `pool-recursive`.
pub fn uts_ours(s: &Scope<'_>, uts: Uts, node: UtsNode, tally: &'static Tally) {
    tally.add(1);
    for child in uts.children(node) {
        s.spawn(move |s| uts_ours(s, uts, child, tally));
    }
}

/// One UTS node per task, on rayon.
pub fn uts_rayon<'s>(s: &rayon::Scope<'s>, uts: Uts, node: UtsNode, tally: &'s Tally) {
    tally.add(1);
    for child in uts.children(node) {
        s.spawn(move |s| uts_rayon(s, uts, child, tally));
    }
}

/// fib(n) split down to the cutoff, on `pool-recursive`; leaves add their value.
pub fn fib_ours(s: &Scope<'_>, n: u32, cutoff: u32, tally: &'static Tally) {
    match fib_cutoff(n, cutoff) {
        FibStep::Leaf(v) => tally.add(v),
        FibStep::Split(a, b) => {
            s.spawn(move |s| fib_ours(s, a, cutoff, tally));
            s.spawn(move |s| fib_ours(s, b, cutoff, tally));
        }
    }
}

/// fib(n) split down to the cutoff, on rayon; leaves add their value.
pub fn fib_rayon<'s>(s: &rayon::Scope<'s>, n: u32, cutoff: u32, tally: &'s Tally) {
    match fib_cutoff(n, cutoff) {
        FibStep::Leaf(v) => tally.add(v),
        FibStep::Split(a, b) => {
            s.spawn(move |s| fib_rayon(s, a, cutoff, tally));
            s.spawn(move |s| fib_rayon(s, b, cutoff, tally));
        }
    }
}

/// A `pool-recursive` pool and a dedicated rayon pool (never the global one), both of
/// [`WORKERS`] threads.
pub fn pools() -> (RecursivePool, rayon::ThreadPool) {
    let ours = RecursivePool::builder()
        .workers(WORKERS)
        .thread_name("bench-recursive")
        .build()
        .expect("valid config");
    let rayon = rayon::ThreadPoolBuilder::new()
        .num_threads(WORKERS)
        .thread_name(|i| format!("bench-rayon-{i}"))
        .build()
        .expect("rayon pool");
    (ours, rayon)
}

/// Whether this is a real bench run (`cargo bench` passes `--bench`), rather than the smoke
/// run of `cargo test --benches`, which gets the small trees so CI stays fast.
pub fn full_size() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// The workloads at full size (about 1M nodes each; fib(35)) or at smoke-test size.
pub fn sizes() -> (Uts, Uts, u32) {
    if full_size() {
        (Uts::t1_bench(), Uts::t3_bench(), 35)
    } else {
        (Uts::t1_small(), Uts::t3_small(), 22)
    }
}
