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

mod workloads;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use pool_testkit::kernels::{count_nodes, fib_expected, Uts};
use workloads::{fib_ours, fib_rayon, pools, sizes, uts_ours, uts_rayon, Tally};

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

fn bench_fib(c: &mut Criterion, n: u32) {
    let cutoff = 15;
    let (ours, rayon) = pools();
    let expected = fib_expected(n);
    let tally = Tally::leaked();
    let mut group = c.benchmark_group(format!("fib_{n}_cutoff_15"));
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
    let (t1, t3, fib_n) = sizes();
    bench_uts(c, "uts_t1", t1);
    bench_uts(c, "uts_t3", t3);
    bench_fib(c, fib_n);
}

criterion_group!(tree, benches);
criterion_main!(tree);
