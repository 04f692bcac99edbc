//! Criterion micro-benches for every contender: per-job overhead (submit a batch of empty
//! jobs and wait) and submit-to-start wake latency (one job submitted to an idle pool,
//! timed until it starts running).
//!
//! `cargo bench -p pool-bench --bench micro`; `cargo test -p pool-bench --benches` runs
//! each once.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use pool_bench::contender::Work;
use pool_bench::contenders::{all, Sizing};
use pool_core::Job;

const BATCH: u64 = 1_000;

fn per_job_overhead(c: &mut Criterion) {
    let mut g = c.benchmark_group("per_job_overhead");
    g.throughput(Throughput::Elements(BATCH));
    for e in all() {
        let Ok(pool) = (e.build)(Sizing::workers(2)) else {
            continue;
        };
        g.bench_function(BenchmarkId::from_parameter(e.name), |b| {
            b.iter(|| {
                for _ in 0..BATCH {
                    pool.submit(Job::new(|| {}), Work::Cpu).expect("submit");
                }
                pool.wait().expect("wait");
            });
        });
    }
    g.finish();
}

fn wake_latency(c: &mut Criterion) {
    let mut g = c.benchmark_group("submit_to_start");
    for e in all() {
        let Ok(pool) = (e.build)(Sizing::workers(2)) else {
            continue;
        };
        g.bench_function(BenchmarkId::from_parameter(e.name), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    // Let the workers go idle (and park) so the job has to wake one.
                    std::thread::sleep(Duration::from_micros(200));
                    let (tx, rx) = mpsc::channel::<Instant>();
                    let submitted = Instant::now();
                    pool.submit(
                        Job::new(move || {
                            let _ = tx.send(Instant::now());
                        }),
                        Work::Cpu,
                    )
                    .expect("submit");
                    let started = rx.recv().expect("job ran");
                    total += started - submitted;
                    pool.wait().expect("wait");
                }
                total
            });
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).warm_up_time(Duration::from_millis(300)).measurement_time(Duration::from_secs(1));
    targets = per_job_overhead, wake_latency
}
criterion_main!(benches);
