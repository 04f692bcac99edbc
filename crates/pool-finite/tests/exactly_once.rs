//! Every accepted job runs exactly once: 100k jobs from 4 submitters on 8 workers (more than
//! this machine's cores), each job id marked in a bitmap.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use pool_core::{OverflowPolicy, Pool, PoolExt, ShutdownMode};
use pool_finite::FinitePool;
use pool_testkit::with_watchdog;

fn exactly_once(bound: Option<usize>, policy: OverflowPolicy) {
    const N: usize = 100_000;
    const SUBMITTERS: usize = 4;
    let pool = Arc::new(
        FinitePool::builder()
            .workers(8)
            .queue_bound(bound)
            .overflow(policy)
            .build()
            .expect("valid pool"),
    );
    let seen: Arc<Vec<AtomicU8>> = Arc::new((0..N).map(|_| AtomicU8::new(0)).collect());
    let submitters: Vec<_> = (0..SUBMITTERS)
        .map(|s| {
            let (pool, seen) = (pool.clone(), seen.clone());
            std::thread::spawn(move || {
                for id in (s..N).step_by(SUBMITTERS) {
                    let seen = seen.clone();
                    pool.execute(move || {
                        seen[id].fetch_add(1, Ordering::Relaxed);
                    })
                    .unwrap_or_else(|_| panic!("job {id} accepted"));
                }
            })
        })
        .collect();
    for s in submitters {
        s.join().expect("submitter does not panic");
    }
    pool.wait_idle().expect("from outside");
    for (id, count) in seen.iter().enumerate() {
        assert_eq!(count.load(Ordering::Relaxed), 1, "job {id}");
    }
    let report = pool.shutdown(ShutdownMode::Graceful).expect("from outside");
    assert_eq!(report.completed, N as u64, "{report:?}");
    assert!(report.is_balanced(), "{report:?}");
}

#[test]
fn exactly_once_unbounded() {
    with_watchdog("unbounded", Duration::from_secs(60), || {
        exactly_once(None, OverflowPolicy::Block)
    });
}

#[test]
fn exactly_once_bounded_block() {
    with_watchdog("bounded block", Duration::from_secs(60), || {
        exactly_once(Some(16), OverflowPolicy::Block)
    });
}

#[test]
fn exactly_once_bounded_caller_runs() {
    with_watchdog("bounded caller-runs", Duration::from_secs(60), || {
        exactly_once(Some(16), OverflowPolicy::CallerRuns)
    });
}
