//! Counts the primes below a limit on the finite pool, checked against a sequential count.
//!
//! The range is split into a known batch of equal chunks, one job per chunk (the finite
//! pool's use case: independent jobs, known up front). The batch goes through
//! `pool_finite::run_batch`, which submits through a bounded queue, closes it, and lets the
//! workers drain it and exit; the per-chunk counts come back in submission order.
//!
//! ```text
//! cargo run --release -p pool-finite --example primes -- [limit] [workers] [chunks]
//! ```

use std::time::Instant;

/// Whether `n` is prime, by trial division (deliberately plain CPU work).
fn is_prime(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    if n % 2 == 0 {
        return n == 2;
    }
    let mut d = 3;
    while d * d <= n {
        if n % d == 0 {
            return false;
        }
        d += 2;
    }
    true
}

fn count_primes(range: std::ops::Range<u64>) -> u64 {
    range.filter(|&n| is_prime(n)).count() as u64
}

fn arg(index: usize, default: u64) -> u64 {
    match std::env::args().nth(index) {
        Some(s) => s.parse().unwrap_or_else(|_| {
            eprintln!("argument {index} must be a number, got {s:?}");
            std::process::exit(2)
        }),
        None => default,
    }
}

fn main() {
    let limit = arg(1, 2_000_000);
    let workers = arg(
        2,
        std::thread::available_parallelism().map_or(2, |n| n.get() as u64),
    );
    let chunks = arg(3, 64).max(1);

    let start = Instant::now();
    let expected = count_primes(0..limit);
    let sequential = start.elapsed();

    let step = limit.div_ceil(chunks);
    let jobs = (0..chunks).map(|i| {
        let range = (i * step).min(limit)..((i + 1) * step).min(limit);
        move || count_primes(range)
    });
    let start = Instant::now();
    let results = match pool_finite::run_batch(workers as usize, jobs) {
        Ok(results) => results,
        Err(e) => {
            eprintln!("could not start the pool: {e}");
            std::process::exit(1)
        }
    };
    let mut parallel_count = 0;
    for (i, r) in results.into_iter().enumerate() {
        match r {
            Ok(count) => parallel_count += count,
            Err(e) => {
                eprintln!("chunk {i} failed: {e}");
                std::process::exit(1)
            }
        }
    }
    let parallel = start.elapsed();

    println!("primes below {limit}: {parallel_count} ({chunks} chunks on {workers} workers)");
    println!(
        "sequential {:.1} ms, finite pool {:.1} ms, speedup {:.2}",
        sequential.as_secs_f64() * 1e3,
        parallel.as_secs_f64() * 1e3,
        sequential.as_secs_f64() / parallel.as_secs_f64()
    );
    if parallel_count == expected {
        println!("check: matches the sequential count");
    } else {
        eprintln!("MISMATCH: sequential count is {expected}");
        std::process::exit(1);
    }
}
