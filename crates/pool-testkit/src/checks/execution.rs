//! Every accepted job runs exactly once; handles carry values and panics.

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;

use pool_core::PoolExt;
use rand::{Rng, SeedableRng};

use super::{config, scaled, Build};
use crate::{with_watchdog, DEADLOCK};

/// At least 100k jobs with random durations: each task id runs exactly once, and the total
/// matches. A lost job leaves a zero in the bitmap, a duplicate a two.
pub fn exactly_once(build: Build, workers: usize) {
    with_watchdog("exactly_once", DEADLOCK, move || {
        let pool = build(config(workers));
        let n = scaled(100_000);
        let seen: Arc<Vec<AtomicU8>> = Arc::new((0..n).map(|_| AtomicU8::new(0)).collect());
        let total = Arc::new(AtomicU64::new(0));
        let mut rng = rand::rngs::SmallRng::seed_from_u64(0x5eed + workers as u64);
        for id in 0..n {
            // One job in 64 spins for up to ~20 µs, so workers finish out of order.
            let spin = if rng.random_range(0..64) == 0 {
                rng.random_range(0..20_000u32)
            } else {
                0
            };
            let (seen, total) = (seen.clone(), total.clone());
            pool.execute(move || {
                let start = std::time::Instant::now();
                while start.elapsed().as_nanos() < u128::from(spin) {
                    std::hint::spin_loop();
                }
                seen[id].fetch_add(1, Ordering::Relaxed);
                total.fetch_add(id as u64, Ordering::Relaxed);
            })
            .unwrap_or_else(|_| panic!("an unbounded open pool accepts job {id}"));
        }
        pool.wait_idle().expect("wait_idle from outside the pool");
        for (id, count) in seen.iter().enumerate() {
            assert_eq!(
                count.load(Ordering::Relaxed),
                1,
                "job {id} ran a wrong number of times"
            );
        }
        let n64 = n as u64;
        assert_eq!(total.load(Ordering::Relaxed), n64 * (n64 - 1) / 2);
        let m = pool.metrics();
        assert_eq!((m.submitted, m.completed), (n64, n64), "metrics: {m:?}");
        assert!(m.is_balanced(), "metrics after wait_idle: {m:?}");
    });
}

/// `spawn` returns each job's value through its handle, and a panic as `TaskError::is_panic`
/// with the payload.
pub fn handle_results(build: Build, workers: usize) {
    with_watchdog("handle_results", DEADLOCK, move || {
        let pool = build(config(workers));
        let handles: Vec<_> = (0..scaled(1000) as u64)
            .map(|i| {
                pool.spawn(move || i * i)
                    .unwrap_or_else(|_| panic!("open pool"))
            })
            .collect();
        for (i, h) in handles.into_iter().enumerate() {
            let i = i as u64;
            assert_eq!(h.join().expect("a plain job succeeds"), i * i);
        }
        let err = pool
            .spawn(|| -> u8 { panic!("handle sees this") })
            .unwrap_or_else(|_| panic!("open pool"))
            .join()
            .expect_err("a panicking job's handle reports the panic");
        assert!(err.is_panic() && !err.is_cancelled());
        assert_eq!(err.panic_message(), Some("handle sees this"));
        let payload = err.into_panic();
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"handle sees this"));
    });
}
