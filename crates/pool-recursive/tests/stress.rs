//! Stress with more workers than cores: exactly-once over many concurrent trees, bursts
//! separated by idle gaps (lost wake-ups), and outside jobs mixed in.

mod common;

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use pool_core::{Pool, PoolExt};
use pool_recursive::Scope;
use pool_testkit::with_watchdog;

use common::{pool, LIMIT};

/// Node `i` of a complete binary tree spawns `2i+1` and `2i+2` while below `n`.
fn node(s: &Scope<'_>, i: usize, n: usize, seen: Arc<Vec<AtomicU8>>) {
    seen[i].fetch_add(1, Ordering::Relaxed);
    for child in [2 * i + 1, 2 * i + 2] {
        if child < n {
            let seen = seen.clone();
            s.spawn(move |s| node(s, child, n, seen));
        }
    }
}

#[test]
fn eight_workers_four_concurrent_trees_exactly_once() {
    with_watchdog("stress_trees", LIMIT, || {
        let pool = Arc::new(pool(8));
        let n = 20_000;
        let runners: Vec<_> = (0..4)
            .map(|_| {
                let pool = pool.clone();
                std::thread::spawn(move || {
                    let seen: Arc<Vec<AtomicU8>> =
                        Arc::new((0..n).map(|_| AtomicU8::new(0)).collect());
                    let s2 = seen.clone();
                    pool.run(move |s| node(s, 0, n, s2)).expect("no failure");
                    assert!(seen.iter().all(|c| c.load(Ordering::Relaxed) == 1));
                })
            })
            .collect();
        for r in runners {
            r.join().expect("runner");
        }
        pool.wait_idle().expect("outside");
        let m = pool.metrics();
        assert!(m.is_balanced(), "{m:?}");
        assert_eq!(m.completed, 4 * n as u64);
    });
}

/// Bursts of small trees and jobs with idle gaps long enough for every worker to sleep:
/// each burst must complete (a lost wake-up would leave a task queued forever).
#[test]
fn burst_idle_burst_with_trees() {
    with_watchdog("burst_idle_burst", LIMIT, || {
        let pool = pool(8);
        let done = Arc::new(AtomicU64::new(0));
        for burst in 0..40u64 {
            let d = done.clone();
            pool.run(move |s| {
                for _ in 0..8 {
                    let d = d.clone();
                    s.spawn(move |_| {
                        d.fetch_add(1, Ordering::Relaxed);
                    });
                }
            })
            .expect("no failure");
            let d = done.clone();
            pool.execute(move || {
                d.fetch_add(1, Ordering::Relaxed);
            })
            .expect("open");
            pool.wait_idle().expect("outside");
            assert_eq!(done.load(Ordering::Relaxed), (burst + 1) * 9);
            std::thread::sleep(Duration::from_millis(1 + burst % 3));
        }
    });
}
