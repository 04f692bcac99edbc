//! A panicking job never kills a worker.

use std::collections::HashSet;
use std::sync::{Arc, Barrier, Mutex};
use std::time::Duration;

use pool_core::PoolExt;

use super::{config, Build};
use crate::{with_watchdog, Latch, DEADLOCK};

/// Makes every worker panic at least once (a latch holds `workers` panicking jobs until each
/// sits on its own worker), then checks that the pool still runs `workers` jobs at once, that
/// the counts are right, and that the worker count is unchanged.
pub fn panic_isolation(build: Build, workers: usize) {
    with_watchdog("panic_isolation", DEADLOCK, move || {
        let pool = build(config(workers));
        for round in 0..3 {
            let all_there = Arc::new(Latch::new(workers));
            let threads = Arc::new(Mutex::new(HashSet::new()));
            for _ in 0..workers {
                let (all_there, threads) = (all_there.clone(), threads.clone());
                pool.execute(move || {
                    threads
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .insert(std::thread::current().id());
                    all_there.count_down();
                    all_there.wait();
                    panic!("deliberate panic in round {round}");
                })
                .unwrap_or_else(|_| panic!("open pool"));
            }
            pool.wait_idle().expect("wait_idle from outside");
            let distinct = threads.lock().unwrap_or_else(|p| p.into_inner()).len();
            assert_eq!(
                distinct, workers,
                "each panicking job sat on its own worker"
            );
        }
        let m = pool.metrics();
        assert_eq!(m.panicked, 3 * workers as u64, "{m:?}");
        assert_eq!(pool.workers(), workers);
        assert_eq!(m.workers, workers as u64);

        // All workers are still alive: `workers` jobs can run at the same time.
        let barrier = Arc::new(Barrier::new(workers + 1));
        for _ in 0..workers {
            let barrier = barrier.clone();
            pool.execute(move || {
                barrier.wait();
            })
            .unwrap_or_else(|_| panic!("open pool"));
        }
        barrier.wait();
        pool.wait_idle().expect("wait_idle from outside");
        let after = pool.metrics();
        assert_eq!(after.completed, m.completed + workers as u64);
        assert!(after.is_balanced(), "{after:?}");
        let value = pool
            .spawn(|| 5)
            .unwrap_or_else(|_| panic!("open pool"))
            .join_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("a job after the panics runs"));
        assert_eq!(value.expect("no panic"), 5);
    });
}
