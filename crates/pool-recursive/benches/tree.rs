//! Tree-shaped CPU work at 2 workers, side by side with rayon's `scope`/`spawn` on a
//! dedicated rayon pool of 2 threads (never the global one).
//!
//! Hypothesis: a pool whose tasks submit tasks to a local LIFO deque, stolen FIFO by idle
//! workers, costs about what rayon's scope costs per spawned task (one allocation, one
//! counter increment and decrement, one deque push/pop), so both run these trees within
//! 1.2x of each other.
//!
//! Workloads (from `pool_testkit::kernels`, checked against their sequential references):
//! - `uts_t1`: geometric UTS tree, branching 4, depth 10, 996,097 nodes: one task per node,
//!   almost no work per node, so this measures per-task overhead and load balance;
//! - `uts_t3`: binomial UTS tree, 958,169 nodes, depth 1,213: deep and unbalanced, the hard
//!   case for stealing;
//! - `fib_35_cutoff_15`: fib(35) split into tasks down to n < 15, leaves sequential.
//!
//! Each task adds to a per-thread counter slot (no shared cache line), read after the run.
//! The machine is a shared 2-core VM: compare only the two lines of one group, one run.
//!
//! Run: `cargo bench -p pool-recursive --bench tree -- --warm-up-time 1 --measurement-time 5`

use std::cell::Cell;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use criterion::{criterion_group, criterion_main, Criterion};
use crossbeam_utils::CachePadded;
use pool_recursive::{RecursivePool, Scope};
use pool_testkit::kernels::{count_nodes, fib_cutoff, fib_expected, FibStep, Uts, UtsNode};

const WORKERS: usize = 2;
const SLOTS: usize = 64;

/// Per-thread accumulators: each thread takes a slot on first use and only it writes there.
struct Tally {
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
    fn leaked() -> &'static Tally {
        Box::leak(Box::new(Tally {
            slots: (0..SLOTS)
                .map(|_| CachePadded::new(AtomicU64::new(0)))
                .collect(),
        }))
    }

    fn add(&self, n: u64) {
        let slot = SLOT.with(|s| {
            if s.get() == usize::MAX {
                s.set(NEXT_SLOT.fetch_add(1, Ordering::Relaxed) % SLOTS);
            }
            s.get()
        });
        self.slots[slot].fetch_add(n, Ordering::Relaxed);
    }

    fn total(&self) -> u64 {
        self.slots.iter().map(|s| s.load(Ordering::Relaxed)).sum()
    }
}

fn uts_ours(s: &Scope<'_>, uts: Uts, node: UtsNode, tally: &'static Tally) {
    tally.add(1);
    for child in uts.children(node) {
        s.spawn(move |s| uts_ours(s, uts, child, tally));
    }
}

fn uts_rayon<'s>(s: &rayon::Scope<'s>, uts: Uts, node: UtsNode, tally: &'s Tally) {
    tally.add(1);
    for child in uts.children(node) {
        s.spawn(move |s| uts_rayon(s, uts, child, tally));
    }
}

fn fib_ours(s: &Scope<'_>, n: u32, cutoff: u32, tally: &'static Tally) {
    match fib_cutoff(n, cutoff) {
        FibStep::Leaf(v) => tally.add(v),
        FibStep::Split(a, b) => {
            s.spawn(move |s| fib_ours(s, a, cutoff, tally));
            s.spawn(move |s| fib_ours(s, b, cutoff, tally));
        }
    }
}

fn fib_rayon<'s>(s: &rayon::Scope<'s>, n: u32, cutoff: u32, tally: &'s Tally) {
    match fib_cutoff(n, cutoff) {
        FibStep::Leaf(v) => tally.add(v),
        FibStep::Split(a, b) => {
            s.spawn(move |s| fib_rayon(s, a, cutoff, tally));
            s.spawn(move |s| fib_rayon(s, b, cutoff, tally));
        }
    }
}

fn pools() -> (RecursivePool, rayon::ThreadPool) {
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

fn bench_uts(c: &mut Criterion, name: &str, uts: Uts) {
    let (ours, rayon) = pools();
    let expected = count_nodes(&uts).nodes;
    let tally = Tally::leaked();
    let mut group = c.benchmark_group(name);
    group.sample_size(10);
    group.bench_function("pool-recursive", |b| {
        b.iter(|| {
            let before = tally.total();
            ours.run(move |s| uts_ours(s, uts, uts.root(), tally))
                .expect("no task fails");
            assert_eq!(black_box(tally.total() - before), expected);
        })
    });
    group.bench_function("rayon-scope", |b| {
        b.iter(|| {
            let before = tally.total();
            rayon.scope(|s| uts_rayon(s, uts, uts.root(), tally));
            assert_eq!(black_box(tally.total() - before), expected);
        })
    });
    group.finish();
}

fn bench_fib(c: &mut Criterion) {
    let (n, cutoff) = (35, 15);
    let (ours, rayon) = pools();
    let expected = fib_expected(n);
    let tally = Tally::leaked();
    let mut group = c.benchmark_group("fib_35_cutoff_15");
    group.sample_size(10);
    group.bench_function("pool-recursive", |b| {
        b.iter(|| {
            let before = tally.total();
            ours.run(move |s| fib_ours(s, n, cutoff, tally))
                .expect("no task fails");
            assert_eq!(black_box(tally.total() - before), expected);
        })
    });
    group.bench_function("rayon-scope", |b| {
        b.iter(|| {
            let before = tally.total();
            rayon.scope(|s| fib_rayon(s, n, cutoff, tally));
            assert_eq!(black_box(tally.total() - before), expected);
        })
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    bench_uts(c, "uts_t1", Uts::t1_bench());
    bench_uts(c, "uts_t3", Uts::t3_bench());
    bench_fib(c);
}

criterion_group!(tree, benches);
criterion_main!(tree);
