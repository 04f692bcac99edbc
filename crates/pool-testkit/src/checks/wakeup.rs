//! No lost wake-ups: work submitted to an idle pool always runs.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use pool_core::PoolExt;
use rand::{Rng, SeedableRng};

use super::{config, scaled, Build};
use crate::{with_watchdog, DEADLOCK};

/// One job at a time into an idle pool, with random idle gaps (0–300 µs) so that submissions
/// land while workers are going to sleep: each must run, or its join times out.
pub fn idle_then_submit(build: Build, workers: usize) {
    with_watchdog("idle_then_submit", DEADLOCK, move || {
        let pool = build(config(workers));
        let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
        for i in 0..scaled(500) {
            let gap = rng.random_range(0..300);
            let spin_until = std::time::Instant::now() + Duration::from_micros(gap);
            while std::time::Instant::now() < spin_until {
                std::hint::spin_loop();
            }
            let handle = pool
                .spawn(move || i)
                .unwrap_or_else(|_| panic!("open pool"));
            match handle.join_timeout(Duration::from_secs(10)) {
                Ok(value) => assert_eq!(value.expect("no panic"), i),
                Err(_) => panic!("lost wake-up: job {i} submitted to an idle pool never ran"),
            }
        }
    });
}

/// Bursts of jobs separated by idle pauses long enough for every worker to park.
pub fn burst_idle_burst(build: Build, workers: usize) {
    with_watchdog("burst_idle_burst", DEADLOCK, move || {
        let pool = build(config(workers));
        let ran = Arc::new(AtomicU64::new(0));
        let burst = scaled(2000) as u64;
        for round in 1..=5 {
            for _ in 0..burst {
                let ran = ran.clone();
                pool.execute(move || {
                    ran.fetch_add(1, Ordering::Relaxed);
                })
                .unwrap_or_else(|_| panic!("open pool"));
            }
            assert!(
                pool.wait_idle_timeout(Duration::from_secs(20)).is_ok(),
                "lost wake-up: burst {round} did not finish"
            );
            assert_eq!(ran.load(Ordering::Relaxed), round * burst);
            std::thread::sleep(Duration::from_millis(20));
        }
    });
}
