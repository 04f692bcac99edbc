//! The fork-join workloads of `benches/fork_join.rs`, this pool and rayon interleaved
//! (A, B, A, B, ...) so that both see the same background load, with the median of each
//! and their ratio. A noise-robust companion to the criterion bench on a shared machine.
//!
//! Run: `cargo run --release -p pool-work-stealing --example side_by_side [rounds] [idle_spin_us]`

use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pool_work_stealing::WorkStealingPool;

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

fn time(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(7);
    let spin = std::env::args()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .map_or(pool_work_stealing::DEFAULT_IDLE_SPIN, Duration::from_micros);
    let ws = WorkStealingPool::builder()
        .workers(2)
        .idle_spin(spin)
        .build()
        .expect("pool");
    let rayon = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .expect("rayon");
    let spawns = 1_000_000;
    let (f32, f35) = (fib_seq(32), fib_seq(35));

    let mut t: [Vec<Duration>; 8] = Default::default();
    for _ in 0..rounds {
        t[0].push(time(|| {
            assert_eq!(ws.install(|| fib_ws(black_box(32), 0)), f32)
        }));
        t[1].push(time(|| {
            assert_eq!(rayon.install(|| fib_rayon(black_box(32), 0)), f32)
        }));
        t[2].push(time(|| assert_eq!(fib_seq(black_box(35)), f35)));
        t[3].push(time(|| {
            assert_eq!(ws.install(|| fib_ws(black_box(35), 15)), f35)
        }));
        t[4].push(time(|| {
            assert_eq!(rayon.install(|| fib_rayon(black_box(35), 15)), f35)
        }));
        t[5].push(time(|| {
            let ran = AtomicUsize::new(0);
            ws.scope(|s| {
                for _ in 0..spawns {
                    s.spawn(|_| {
                        ran.fetch_add(1, Ordering::Relaxed);
                    });
                }
            });
            assert_eq!(ran.into_inner(), spawns);
        }));
        t[6].push(time(|| {
            let ran = AtomicUsize::new(0);
            rayon.scope(|s| {
                for _ in 0..spawns {
                    s.spawn(|_| {
                        ran.fetch_add(1, Ordering::Relaxed);
                    });
                }
            });
            assert_eq!(ran.into_inner(), spawns);
        }));
        t[7].push(time(|| assert_eq!(fib_seq(black_box(32)), f32)));
    }
    let m: Vec<Duration> = t.into_iter().map(median).collect();
    println!("medians of {rounds} interleaved rounds, 2 workers, idle_spin {spin:?}");
    println!("| workload | work_stealing | rayon | ratio ws/rayon |");
    println!("|---|---|---|---|");
    println!(
        "| fib(32), join every level (seq {:?}) | {:?} | {:?} | {:.2} |",
        m[7],
        m[0],
        m[1],
        m[0].as_secs_f64() / m[1].as_secs_f64()
    );
    println!(
        "| fib(35), cutoff 15 (seq {:?}) | {:?} (speedup {:.2}) | {:?} (speedup {:.2}) | {:.2} |",
        m[2],
        m[3],
        m[2].as_secs_f64() / m[3].as_secs_f64(),
        m[4],
        m[2].as_secs_f64() / m[4].as_secs_f64(),
        m[3].as_secs_f64() / m[4].as_secs_f64()
    );
    println!(
        "| 1M empty scope spawns | {:?} | {:?} | {:.2} |",
        m[5],
        m[6],
        m[5].as_secs_f64() / m[6].as_secs_f64()
    );
}
