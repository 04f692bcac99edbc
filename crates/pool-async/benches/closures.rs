//! Empty closures through `Pool::submit` beside the same count of empty `tokio::spawn`
//! tasks, side by side on runtimes of the same size (2 worker threads).
//!
//! Hypothesis (issue 12, defect 5): 10^5 empty closures through the `Pool` trait (then
//! `wait_idle`) take at most 3x as long as 10^5 empty `tokio::spawn` tasks (then a wait
//! for the last), submitted from outside the runtime. Each iteration checks every job ran.
//! Run on a quiet machine: `CARGO_TARGET_DIR=... cargo bench -p pool-async --bench closures`.
//! Instruction counts, repeatable under load: `scripts/callgrind-closures.sh`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use pool_async::AsyncPool;
use pool_core::{Pool, PoolExt};

const JOBS: u64 = 100_000;
const THREADS: usize = 2;

fn closures_vs_spawn(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(THREADS)
        .build()
        .expect("runtime");
    let pool = AsyncPool::builder()
        .concurrency(THREADS)
        .worker_threads(THREADS)
        .build()
        .expect("pool");
    let mut g = c.benchmark_group("closures_100k_empty");
    g.sample_size(10);
    g.bench_function("tokio_spawn", |b| {
        b.iter(|| {
            let ran = Arc::new(AtomicU64::new(0));
            let last = Arc::new(tokio::sync::Notify::new());
            for _ in 0..JOBS {
                let (ran, last) = (ran.clone(), last.clone());
                rt.spawn(async move {
                    if ran.fetch_add(1, Ordering::Relaxed) + 1 == JOBS {
                        last.notify_one();
                    }
                });
            }
            rt.block_on(last.notified());
            assert_eq!(ran.load(Ordering::Relaxed), JOBS);
        })
    });
    g.bench_function("pool_submit_L2", |b| {
        b.iter(|| {
            let ran = Arc::new(AtomicU64::new(0));
            for _ in 0..JOBS {
                let ran = ran.clone();
                pool.execute(move || {
                    ran.fetch_add(1, Ordering::Relaxed);
                })
                .expect("open");
            }
            pool.wait_idle().expect("outside the runtime");
            assert_eq!(ran.load(Ordering::Relaxed), JOBS);
        })
    });
    g.finish();
}

criterion_group!(benches, closures_vs_spawn);
criterion_main!(benches);
