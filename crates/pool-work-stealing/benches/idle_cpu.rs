//! Idle efficiency and the spin-before-park trade-off. A plain measurement (not criterion).
//!
//! 1. **Idle CPU**: one tiny job every 10 ms for 1 s, 2 workers; process CPU time
//!    (getrusage, user + system) over that second, minus a baseline of the same submit loop
//!    with no pool, as a percentage of one core. This pool (default spin) vs rayon.
//!    Hypothesis: no more than rayon.
//! 2. **Spin trade-off**: for several `idle_spin` settings, the same idle CPU figure, and the
//!    wake latency (submit to job start, median and p90 of 100 jobs) when jobs come 10 ms
//!    apart (workers parked) and 20 µs apart (within the spin window).
//!
//! Run: `cargo bench -p pool-work-stealing --bench idle_cpu`. Under `cargo test --benches`
//! (no `--bench` argument) it runs 10x shorter, as a smoke test.

use std::hint::black_box;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use pool_core::PoolExt;
use pool_work_stealing::WorkStealingPool;

const WORKERS: usize = 2;

/// Process CPU time (user + system) so far.
fn cpu_time() -> Duration {
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid, writable rusage for the duration of the call.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    assert_eq!(rc, 0, "getrusage failed");
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// Submits one tiny job every `gap` for `total`; returns CPU time used meanwhile.
fn cpu_while_ticking(total: Duration, gap: Duration, mut submit: impl FnMut()) -> Duration {
    let start_cpu = cpu_time();
    let start = Instant::now();
    let mut next = start;
    while next < start + total {
        submit();
        next += gap;
        if let Some(wait) = next.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }
    cpu_time() - start_cpu
}

fn percent(cpu: Duration, wall: Duration) -> f64 {
    100.0 * cpu.as_secs_f64() / wall.as_secs_f64()
}

/// Submit-to-start latencies of `n` jobs sent `gap` apart (paced by spinning on `Instant`
/// for short gaps, sleeping for long ones); returns (median, p90).
fn wake_latency(pool: &WorkStealingPool, n: usize, gap: Duration) -> (Duration, Duration) {
    let (tx, rx) = mpsc::channel();
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let until = Instant::now() + gap;
        if gap >= Duration::from_millis(1) {
            std::thread::sleep(gap);
        } else {
            while Instant::now() < until {
                std::hint::spin_loop();
            }
        }
        let tx = tx.clone();
        let sent = Instant::now();
        pool.execute(move || {
            let _ = tx.send(sent.elapsed());
        })
        .expect("open pool");
        samples.push(rx.recv().expect("job ran"));
    }
    samples.sort();
    (samples[n / 2], samples[n * 9 / 10])
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let scale = if full { 1 } else { 10 };
    let total = Duration::from_secs(1) / scale;
    let gap = Duration::from_millis(10);
    let rounds = if full { 5 } else { 1 };

    // Interleaved rounds (baseline, this pool, rayon), medians: the machine is shared.
    let (mut base, mut ws_pct, mut rayon_pct) = (vec![], vec![], vec![]);
    for _ in 0..rounds {
        let baseline = cpu_while_ticking(total, gap, || {
            black_box(0);
        });
        base.push(percent(baseline, total));

        let ws = WorkStealingPool::builder()
            .workers(WORKERS)
            .build()
            .expect("pool");
        std::thread::sleep(Duration::from_millis(50));
        let cpu = cpu_while_ticking(total, gap, || {
            ws.execute(|| {
                black_box(1 + 1);
            })
            .expect("open pool");
        });
        ws_pct.push(percent(cpu.saturating_sub(baseline), total));
        drop(ws);

        let rayon = rayon::ThreadPoolBuilder::new()
            .num_threads(WORKERS)
            .build()
            .expect("rayon");
        std::thread::sleep(Duration::from_millis(50));
        let cpu = cpu_while_ticking(total, gap, || {
            rayon.spawn(|| {
                black_box(1 + 1);
            })
        });
        rayon_pct.push(percent(cpu.saturating_sub(baseline), total));
        drop(rayon);
    }
    let (ws_m, rayon_m) = (median(ws_pct.clone()), median(rayon_pct.clone()));
    println!(
        "idle CPU, one tiny job every 10 ms for {total:?}, {WORKERS} workers, % of one core, \
         baseline subtracted, median of {rounds} interleaved rounds"
    );
    println!("baseline submit loop: {:.2}%", median(base));
    println!(
        "work_stealing (idle_spin {:?}): {ws_m:.2}%  (rounds: {ws_pct:.2?})",
        pool_work_stealing::DEFAULT_IDLE_SPIN
    );
    println!("rayon: {rayon_m:.2}%  (rounds: {rayon_pct:.2?})");
    println!(
        "ratio work_stealing / rayon: {:.2}",
        ws_m / rayon_m.max(1e-9)
    );

    println!();
    println!(
        "spin before park: idle CPU (10 ms gaps) and wake latency, submit to job start \
         (median / p90 of {} jobs)",
        100 / scale
    );
    println!("| idle_spin | idle CPU % | latency, 10 ms gaps | latency, 20 us gaps |");
    println!("|---|---|---|---|");
    for spin_us in [0u64, 20, 50, 200] {
        let spin = Duration::from_micros(spin_us);
        let pool = WorkStealingPool::builder()
            .workers(WORKERS)
            .idle_spin(spin)
            .build()
            .expect("pool");
        std::thread::sleep(Duration::from_millis(20));
        let mut cpu_pct = vec![];
        for _ in 0..rounds {
            let baseline = cpu_while_ticking(total / 2, gap, || {
                black_box(0);
            });
            let cpu = cpu_while_ticking(total / 2, gap, || {
                pool.execute(|| {
                    black_box(1 + 1);
                })
                .expect("open pool");
            });
            cpu_pct.push(percent(cpu.saturating_sub(baseline), total / 2));
        }
        let n = 100 / scale as usize;
        let (slow_p50, slow_p90) = wake_latency(&pool, n, Duration::from_millis(10));
        let (fast_p50, fast_p90) = wake_latency(&pool, n, Duration::from_micros(20));
        println!(
            "| {spin:?} | {:.2} | {slow_p50:.1?} / {slow_p90:.1?} | {fast_p50:.1?} / {fast_p90:.1?} |",
            median(cpu_pct)
        );
    }
}
