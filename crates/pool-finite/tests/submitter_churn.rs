//! Many short-lived submitting threads, more at once than a pool has ticket slots, spread
//! over several pools: every attempt is counted once (`submitted`), every job runs once, and
//! `wait_idle` sees all of it. Exercises slot claims, releases at thread exit, eviction
//! across pools, and the shared counter of threads that found no slot.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use pool_core::{Pool, PoolExt};
use pool_finite::FinitePool;
use pool_testkit::with_watchdog;

/// Threads alive at once per wave: beyond the 64 slots a small pool has.
const THREADS: usize = 96;
const WAVES: usize = 3;
/// Pools each thread submits to in turn: more than a thread keeps claims for (8).
const POOLS: usize = 10;
const JOBS_PER_POOL: u64 = 20;

#[test]
fn every_ticket_of_churning_submitters_is_counted_once() {
    with_watchdog("submitter churn", Duration::from_secs(60), || {
        let pools: Arc<Vec<FinitePool>> = Arc::new(
            (0..POOLS)
                .map(|_| {
                    FinitePool::builder()
                        .workers(2)
                        .build()
                        .expect("valid pool")
                })
                .collect(),
        );
        let ran: Arc<Vec<AtomicU64>> = Arc::new((0..POOLS).map(|_| AtomicU64::new(0)).collect());
        for _ in 0..WAVES {
            let all_in = Arc::new(Barrier::new(THREADS));
            let threads: Vec<_> = (0..THREADS)
                .map(|t| {
                    let (pools, ran, all_in) = (pools.clone(), ran.clone(), all_in.clone());
                    std::thread::spawn(move || {
                        // Every thread holds (or fails to get) its slots before any exits.
                        all_in.wait();
                        for round in 0..JOBS_PER_POOL as usize {
                            let p = (t + round) % POOLS;
                            for q in [p, (p + 3) % POOLS] {
                                let ran = ran.clone();
                                pools[q]
                                    .execute(move || {
                                        ran[q].fetch_add(1, Ordering::Relaxed);
                                    })
                                    .expect("open pool");
                            }
                        }
                        // And none releases a slot before all have submitted.
                        all_in.wait();
                    })
                })
                .collect();
            for t in threads {
                t.join().expect("submitter ran");
            }
        }
        let expected: u64 = (WAVES * THREADS) as u64 * JOBS_PER_POOL * 2;
        let mut submitted = 0;
        for (pool, ran) in pools.iter().zip(ran.iter()) {
            pool.wait_idle().expect("from outside");
            let m = pool.metrics();
            assert_eq!(m.submitted, ran.load(Ordering::Relaxed), "{m:?}");
            assert_eq!(m.completed, m.submitted, "{m:?}");
            assert!(m.is_balanced(), "{m:?}");
            submitted += m.submitted;
        }
        assert_eq!(submitted, expected);
    });
}
