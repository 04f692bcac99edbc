//! 1M empty fire-and-forget jobs from one outside submitter, then wait for all of them, at
//! 1 and 2 workers. Contenders, side by side in one criterion group:
//!
//! - `pool-finite`: `PoolExt::execute` then `Pool::wait_idle` on a long-lived pool;
//! - `crossbeam-loop`: the bare pattern pool-finite is built on, written here: workers
//!   `for job in rx { job() }` over an unbounded crossbeam channel, started per iteration,
//!   the sender dropped and the workers joined to wait (the cheapest possible "wait for
//!   all": no counter at all);
//! - `flume-loop`: the same loop over a flume channel (the measurement behind the choice of
//!   channel);
//! - `threadpool`: the `threadpool` crate, `execute` then `join`;
//! - `threadpool-boxed`: the same, each job handed over already boxed (`Box<dyn FnOnce>`),
//!   as pool-bench's adapter must (its workloads hand every contender a type-erased job),
//!   so the crate boxes the box: one allocation per job that `threadpool` does not pay.
//!
//! - `pool-finite-fresh`: pool-finite in the bare loops' shape (build, submit, close and join
//!   inside the timed region), to show the long-lived pool is not favoured by its shape.
//!
//! Hypothesis: pool-finite costs within 10% of the bare crossbeam loop (its extra work per
//! job is a thread-local slot lookup, a plain store and a load for the submitter, two plain
//! stores for the worker: no read-modify-write) and less than `threadpool`
//! (which takes a mutex-guarded receiver and bumps two shared counters per job).
//!
//! Before criterion's groups, `cargo bench` runs the contenders in interleaved rounds and
//! prints `PAIRED` lines (median time per job and median per-round ratio to the bare
//! crossbeam loop): on a shared machine, drift between two criterion groups run a minute
//! apart is larger than the difference being measured.
//!
//! Each contender checks that every job ran (a count) so that a broken one cannot look fast.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use pool_core::{Pool, PoolExt};
use pool_finite::FinitePool;
use pool_testkit::paths::{bare_loop, Task};

/// Jobs per iteration (shrunk under `cargo test --benches`, which runs each bench once).
fn jobs() -> u64 {
    if cfg!(debug_assertions) {
        10_000
    } else {
        1_000_000
    }
}

/// A job that does nothing the optimizer can see through.
fn empty() {
    black_box(());
}

/// A contender: runs `n` empty jobs on `workers` workers, waits for all of them, and returns
/// the time that took (pool construction excluded where the contender is long-lived).
trait Contender {
    fn name(&self) -> &'static str;
    fn run(&mut self, workers: usize, n: u64) -> Duration;
}

/// pool-finite through the `Pool` trait: a long-lived pool, `execute`, `wait_idle`.
#[derive(Default)]
struct Finite {
    pool: Option<(usize, FinitePool)>,
}

impl Contender for Finite {
    fn name(&self) -> &'static str {
        "pool-finite"
    }

    fn run(&mut self, workers: usize, n: u64) -> Duration {
        if self.pool.as_ref().map(|(w, _)| *w) != Some(workers) {
            let pool = FinitePool::builder()
                .workers(workers)
                .thread_name("bench-finite")
                .build()
                .expect("pool builds");
            self.pool = Some((workers, pool));
        }
        let Some((_, pool)) = self.pool.as_ref() else {
            unreachable!("set above")
        };
        let before = pool.metrics().completed;
        let start = Instant::now();
        for _ in 0..n {
            pool.execute(empty).expect("open pool");
        }
        pool.wait_idle().expect("from outside");
        let elapsed = start.elapsed();
        assert_eq!(pool.metrics().completed - before, n, "every job ran");
        elapsed
    }
}

/// pool-finite in the pattern's classic shape, like the bare loops: build, submit, close
/// and join (thread start and join inside the timed region).
struct FiniteFresh;

impl Contender for FiniteFresh {
    fn name(&self) -> &'static str {
        "pool-finite-fresh"
    }

    fn run(&mut self, workers: usize, n: u64) -> Duration {
        let start = Instant::now();
        let pool = FinitePool::builder()
            .workers(workers)
            .build()
            .expect("pool builds");
        for _ in 0..n {
            pool.execute(empty).expect("open pool");
        }
        let report = pool.close_and_join();
        let elapsed = start.elapsed();
        assert_eq!(report.completed, n, "every job ran");
        elapsed
    }
}

/// The bare worker loop over one channel crate ([`bare_loop`]).
struct BareLoop<Tx, Rx> {
    name: &'static str,
    channel: fn() -> (Tx, Rx),
    send: fn(&Tx, Task),
}

impl<Tx, Rx> Contender for BareLoop<Tx, Rx>
where
    Rx: IntoIterator<Item = Task> + Clone + Send + 'static,
{
    fn name(&self) -> &'static str {
        self.name
    }

    fn run(&mut self, workers: usize, n: u64) -> Duration {
        bare_loop(self.channel, self.send, workers, n)
    }
}

/// The bare crossbeam-channel loop, the pattern pool-finite is built on.
fn crossbeam_loop() -> BareLoop<crossbeam_channel::Sender<Task>, crossbeam_channel::Receiver<Task>>
{
    BareLoop {
        name: "crossbeam-loop",
        channel: crossbeam_channel::unbounded,
        send: |tx, job| tx.send(job).expect("workers alive"),
    }
}

/// The same loop over a flume channel.
fn flume_loop() -> BareLoop<flume::Sender<Task>, flume::Receiver<Task>> {
    BareLoop {
        name: "flume-loop",
        channel: flume::unbounded,
        send: |tx, job| tx.send(job).expect("workers alive"),
    }
}

/// The `threadpool` crate: a long-lived pool, `execute`, `join`; `boxed`: each job is
/// handed over as a `Box<dyn FnOnce>`.
#[derive(Default)]
struct ThreadPoolCrate {
    pool: Option<(usize, threadpool::ThreadPool)>,
    boxed: bool,
}

impl Contender for ThreadPoolCrate {
    fn name(&self) -> &'static str {
        if self.boxed {
            "threadpool-boxed"
        } else {
            "threadpool"
        }
    }

    fn run(&mut self, workers: usize, n: u64) -> Duration {
        if self.pool.as_ref().map(|(w, _)| *w) != Some(workers) {
            self.pool = Some((workers, threadpool::ThreadPool::new(workers)));
        }
        let Some((_, pool)) = self.pool.as_ref() else {
            unreachable!("set above")
        };
        let ran = Arc::new(AtomicU64::new(0));
        let start = Instant::now();
        if self.boxed {
            for _ in 0..n {
                let job: Task = Box::new(empty);
                pool.execute(job);
            }
        } else {
            for _ in 0..n {
                pool.execute(empty);
            }
        }
        pool.join();
        let elapsed = start.elapsed();
        // Counted outside the timed region: one more batch of jobs that each bump a counter.
        for _ in 0..workers {
            let ran = ran.clone();
            pool.execute(move || {
                ran.fetch_add(1, Ordering::Relaxed);
            });
        }
        pool.join();
        assert_eq!(
            ran.load(Ordering::Relaxed),
            workers as u64,
            "the pool still runs jobs"
        );
        assert_eq!(pool.panic_count(), 0);
        elapsed
    }
}

/// Interleaved rounds (every contender once per round, in turn), so that background drift
/// hits all of them alike: prints each contender's median time per job and the median of
/// its per-round ratios to the bare crossbeam loop, the figure the hypothesis is about.
fn paired(contenders: &mut [Box<dyn Contender>], workers: usize, n: u64, rounds: usize) {
    let mut times: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); contenders.len()];
    for _ in 0..rounds {
        for (i, contender) in contenders.iter_mut().enumerate() {
            times[i].push(contender.run(workers, n).as_nanos() as f64 / n as f64);
        }
    }
    let Some(base) = contenders.iter().position(|c| c.name() == "crossbeam-loop") else {
        unreachable!("the baseline is always a contender")
    };
    for (i, contender) in contenders.iter().enumerate() {
        let ratios: Vec<f64> = times[i]
            .iter()
            .zip(&times[base])
            .map(|(t, b)| t / b)
            .collect();
        println!(
            "PAIRED {workers}w {:<18} {:7.1} ns/job  ratio to crossbeam-loop {:.2}  ({rounds} interleaved rounds, medians)",
            contender.name(),
            median(times[i].clone()),
            median(ratios),
        );
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn empty_jobs(c: &mut Criterion) {
    let n = jobs();
    let mut contenders: Vec<Box<dyn Contender>> = vec![
        Box::new(Finite::default()),
        Box::new(FiniteFresh),
        Box::new(crossbeam_loop()),
        Box::new(flume_loop()),
        Box::new(ThreadPoolCrate::default()),
        Box::new(ThreadPoolCrate {
            pool: None,
            boxed: true,
        }),
    ];
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and stays quick.
    if std::env::args().any(|a| a == "--bench") {
        for workers in [1, 2] {
            paired(&mut contenders, workers, n, 15);
        }
    }
    let mut group = c.benchmark_group("empty_jobs");
    group.throughput(Throughput::Elements(n));
    group.sample_size(10);
    for workers in [1, 2] {
        for contender in contenders.iter_mut() {
            let id = BenchmarkId::new(contender.name(), format!("{workers}w"));
            group.bench_function(id, |b| {
                b.iter_custom(|iters| (0..iters).map(|_| contender.run(workers, n)).sum())
            });
        }
    }
    group.finish();
}

criterion_group!(benches, empty_jobs);
criterion_main!(benches);
