//! pool-async against plain tokio, side by side on one runtime (2 worker threads).
//!
//! Hypotheses (the targets):
//! - `fanout_10k_L10k`: 10,000 tasks each awaiting a 10 ms timer, `L` = 10,000: the pool's
//!   makespan is at most 1.2x that of plain `tokio::spawn` of the same tasks.
//! - `fanout_10k_L100`: the same with `L` = 100: within 10 % of the Little's-law bound
//!   10,000 / 100 x 10 ms = 1 s. A hand-written `tokio::spawn` + `Semaphore` runs beside it:
//!   tokio's timer rounds every deadline up to the next millisecond tick, so each of the
//!   100 waves takes ~11 ms and that baseline shows the floor any tokio pool meets.
//! - `spawn_join_empty`: spawning an empty task and awaiting its handle costs at most 1.2x
//!   `tokio::spawn` + `JoinHandle`, from outside the workers (`block_on`) and from inside a
//!   task.
//!
//! Each run checks its result (every task finished; peak running <= L).
//! Run: `CARGO_TARGET_DIR=... cargo bench -p pool-async --bench timers`.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use pool_async::AsyncPool;
use tokio::runtime::Runtime;
use tokio::sync::Semaphore;

const TASKS: usize = 10_000;
const WAIT: Duration = Duration::from_millis(10);

fn runtime() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// Tracks how many tasks run at once and the most that ever did.
#[derive(Default)]
struct Peak {
    now: AtomicUsize,
    max: AtomicUsize,
}

impl Peak {
    fn wrap(self: &Arc<Self>, fut: impl Future<Output = ()>) -> impl Future<Output = ()> {
        let peak = self.clone();
        async move {
            let running = peak.now.fetch_add(1, Ordering::Relaxed) + 1;
            peak.max.fetch_max(running, Ordering::Relaxed);
            fut.await;
            peak.now.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// Times `iters` runs of `one`, each inside its own `block_on`.
fn makespan<F: Future<Output = ()>>(rt: &Runtime, iters: u64, one: impl Fn() -> F) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        total += rt.block_on(async {
            let start = Instant::now();
            one().await;
            start.elapsed()
        });
    }
    total
}

fn fanout(c: &mut Criterion) {
    let rt = runtime();
    let wide = AsyncPool::builder()
        .concurrency(TASKS)
        .attach(rt.handle().clone())
        .expect("pool");
    let narrow = AsyncPool::builder()
        .concurrency(100)
        .attach(rt.handle().clone())
        .expect("pool");

    let mut g = c.benchmark_group("fanout_10k_L10k");
    g.sample_size(20);
    g.bench_function("tokio_spawn", |b| {
        b.iter_custom(|iters| {
            makespan(&rt, iters, || async {
                let handles: Vec<_> = (0..TASKS)
                    .map(|_| tokio::spawn(tokio::time::sleep(WAIT)))
                    .collect();
                for h in handles {
                    h.await.expect("task");
                }
            })
        })
    });
    g.bench_function("pool_async", |b| {
        b.iter_custom(|iters| {
            makespan(&rt, iters, || async {
                let handles: Vec<_> = (0..TASKS)
                    .map(|_| wide.try_submit(tokio::time::sleep(WAIT)).expect("open"))
                    .collect();
                for h in handles {
                    h.await.expect("task");
                }
            })
        })
    });
    g.finish();

    let mut g = c.benchmark_group("fanout_10k_L100");
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(12));
    g.bench_function("tokio_spawn_semaphore", |b| {
        let peak = Arc::new(Peak::default());
        b.iter_custom(|iters| {
            makespan(&rt, iters, || async {
                let permits = Arc::new(Semaphore::new(100));
                let handles: Vec<_> = (0..TASKS)
                    .map(|_| {
                        let permits = permits.clone();
                        let task = peak.wrap(tokio::time::sleep(WAIT));
                        tokio::spawn(async move {
                            let _permit = permits.acquire().await.expect("open");
                            task.await;
                        })
                    })
                    .collect();
                for h in handles {
                    h.await.expect("task");
                }
            })
        });
        let max = peak.max.load(Ordering::Relaxed);
        assert!((1..=100).contains(&max), "peak running {max}");
    });
    g.bench_function("pool_async", |b| {
        let peak = Arc::new(Peak::default());
        b.iter_custom(|iters| {
            makespan(&rt, iters, || async {
                let handles: Vec<_> = (0..TASKS)
                    .map(|_| {
                        narrow
                            .try_submit(peak.wrap(tokio::time::sleep(WAIT)))
                            .expect("open")
                    })
                    .collect();
                for h in handles {
                    h.await.expect("task");
                }
            })
        });
        let max = peak.max.load(Ordering::Relaxed);
        assert!((1..=100).contains(&max), "peak running {max}");
    });
    g.finish();
}

fn spawn_join(c: &mut Criterion) {
    let rt = runtime();
    let pool = AsyncPool::builder()
        .concurrency(1024)
        .attach(rt.handle().clone())
        .expect("pool");
    let pool = Arc::new(pool);
    let mut g = c.benchmark_group("spawn_join_empty");
    g.bench_function("tokio_spawn/from_block_on", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    tokio::spawn(async {}).await.expect("task");
                }
                start.elapsed()
            })
        })
    });
    g.bench_function("pool_async/from_block_on", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    let h = pool.try_submit(async {}).expect("open");
                    h.await.expect("task");
                }
                start.elapsed()
            })
        })
    });
    g.bench_function("tokio_spawn/from_task", |b| {
        b.iter_custom(|iters| {
            rt.block_on(tokio::spawn(async move {
                let start = Instant::now();
                for _ in 0..iters {
                    tokio::spawn(async {}).await.expect("task");
                }
                start.elapsed()
            }))
            .expect("driver")
        })
    });
    g.bench_function("pool_async/from_task", |b| {
        b.iter_custom(|iters| {
            let pool = pool.clone();
            rt.block_on(tokio::spawn(async move {
                let start = Instant::now();
                for _ in 0..iters {
                    let h = pool.try_submit(async {}).expect("open");
                    h.await.expect("task");
                }
                start.elapsed()
            }))
            .expect("driver")
        })
    });
    g.finish();
}

criterion_group!(benches, fanout, spawn_join);
criterion_main!(benches);
