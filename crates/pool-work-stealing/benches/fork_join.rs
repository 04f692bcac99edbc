//! Fork-join overhead and speedup, this pool and rayon side by side, 2 workers each.
//!
//! - `fib32_join_every_level`: fib(32) with a `join` at every level (3.5M joins): measures
//!   the per-fork cost. Hypothesis: within 1.5x of rayon::join.
//! - `fib35_cutoff15`: fib(35), sequential below 15: measures speedup over `sequential`.
//!   Hypothesis: at least rayon's.
//! - `spawn_1m_empty`: 1M empty `scope.spawn`s from a scope body (which runs on a worker,
//!   as rayon's does). Hypothesis: no slower than rayon's scope spawn.
//!
//! Every iteration checks its result. Run:
//! `cargo bench -p pool-work-stealing --bench fork_join -- --warm-up-time 1 --measurement-time 5`

use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{criterion_group, criterion_main, Criterion};
use pool_work_stealing::WorkStealingPool;

const WORKERS: usize = 2;
const SPAWNS: usize = 1_000_000;

fn fib_seq(n: u64) -> u64 {
    if n < 2 {
        n
    } else {
        fib_seq(n - 1) + fib_seq(n - 2)
    }
}

fn fib_ws(n: u64, cutoff: u64) -> u64 {
    if n < 2 {
        return n;
    }
    if n < cutoff {
        return fib_seq(n);
    }
    let (a, b) = pool_work_stealing::join(|| fib_ws(n - 1, cutoff), || fib_ws(n - 2, cutoff));
    a + b
}

fn fib_rayon(n: u64, cutoff: u64) -> u64 {
    if n < 2 {
        return n;
    }
    if n < cutoff {
        return fib_seq(n);
    }
    let (a, b) = rayon::join(|| fib_rayon(n - 1, cutoff), || fib_rayon(n - 2, cutoff));
    a + b
}

fn pools() -> (WorkStealingPool, rayon::ThreadPool) {
    let ws = WorkStealingPool::builder()
        .workers(WORKERS)
        .build()
        .expect("work-stealing pool");
    let rayon = rayon::ThreadPoolBuilder::new()
        .num_threads(WORKERS)
        .build()
        .expect("rayon pool");
    (ws, rayon)
}

fn fib32(c: &mut Criterion) {
    let (ws, rayon) = pools();
    let expected = fib_seq(32);
    let mut group = c.benchmark_group("fib32_join_every_level");
    group.sample_size(10);
    group.bench_function("sequential", |b| {
        b.iter(|| assert_eq!(fib_seq(black_box(32)), expected))
    });
    group.bench_function("work_stealing", |b| {
        b.iter(|| assert_eq!(ws.install(|| fib_ws(black_box(32), 0)), expected))
    });
    group.bench_function("rayon", |b| {
        b.iter(|| assert_eq!(rayon.install(|| fib_rayon(black_box(32), 0)), expected))
    });
    group.finish();
}

fn fib35(c: &mut Criterion) {
    let (ws, rayon) = pools();
    let expected = fib_seq(35);
    let mut group = c.benchmark_group("fib35_cutoff15");
    group.sample_size(10);
    group.bench_function("sequential", |b| {
        b.iter(|| assert_eq!(fib_seq(black_box(35)), expected))
    });
    group.bench_function("work_stealing", |b| {
        b.iter(|| assert_eq!(ws.install(|| fib_ws(black_box(35), 15)), expected))
    });
    group.bench_function("rayon", |b| {
        b.iter(|| assert_eq!(rayon.install(|| fib_rayon(black_box(35), 15)), expected))
    });
    group.finish();
}

fn spawn_1m(c: &mut Criterion) {
    let (ws, rayon) = pools();
    let mut group = c.benchmark_group("spawn_1m_empty");
    group.sample_size(10);
    group.bench_function("work_stealing", |b| {
        b.iter(|| {
            let ran = AtomicUsize::new(0);
            ws.scope(|s| {
                for _ in 0..SPAWNS {
                    s.spawn(|_| {
                        ran.fetch_add(1, Ordering::Relaxed);
                    });
                }
            });
            assert_eq!(ran.into_inner(), SPAWNS);
        })
    });
    group.bench_function("rayon", |b| {
        b.iter(|| {
            let ran = AtomicUsize::new(0);
            rayon.scope(|s| {
                for _ in 0..SPAWNS {
                    s.spawn(|_| {
                        ran.fetch_add(1, Ordering::Relaxed);
                    });
                }
            });
            assert_eq!(ran.into_inner(), SPAWNS);
        })
    });
    group.finish();
}

criterion_group!(benches, fib32, fib35, spawn_1m);
criterion_main!(benches);
