//! Outside submitters get backpressure from the bound; the pool's own workers never do.

mod common;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use pool_core::{OverflowPolicy, Pool, PoolExt, ShutdownMode};
use pool_recursive::RecursivePool;
use pool_testkit::{with_watchdog, Latch};

use common::LIMIT;

fn bounded(policy: OverflowPolicy) -> Arc<RecursivePool> {
    Arc::new(
        RecursivePool::builder()
            .workers(1)
            .queue_bound(Some(2))
            .overflow(policy)
            .build()
            .expect("valid config"),
    )
}

/// Occupies the single worker until the returned latch is opened.
fn occupy(pool: &RecursivePool) -> Arc<Latch> {
    let (started, release) = (Arc::new(Latch::new(1)), Arc::new(Latch::new(1)));
    let (s, r) = (started.clone(), release.clone());
    pool.execute(move || {
        s.count_down();
        r.wait();
    })
    .expect("open pool");
    started.wait();
    release
}

#[test]
fn block_policy_waits_for_room_then_proceeds() {
    with_watchdog("block_waits", LIMIT, || {
        let pool = bounded(OverflowPolicy::Block);
        let release = occupy(&pool);
        for _ in 0..2 {
            pool.execute(|| ()).expect("room for two");
        }
        let third_done = Arc::new(AtomicBool::new(false));
        let submitter = {
            let (pool, done) = (pool.clone(), third_done.clone());
            std::thread::spawn(move || {
                pool.execute(|| ()).expect("accepted after waiting");
                done.store(true, Ordering::SeqCst);
            })
        };
        std::thread::sleep(Duration::from_millis(50));
        assert!(
            !third_done.load(Ordering::SeqCst),
            "the third submit waited"
        );
        release.count_down();
        submitter.join().expect("submitter");
        pool.wait_idle().expect("outside");
        assert_eq!(pool.metrics().completed, 4);
    });
}

#[test]
fn reject_and_try_submit_hand_the_job_back_when_full() {
    with_watchdog("reject_full", LIMIT, || {
        for policy in [OverflowPolicy::Reject, OverflowPolicy::Block] {
            let pool = bounded(policy);
            let release = occupy(&pool);
            pool.execute(|| ()).expect("room");
            pool.execute(|| ()).expect("room");
            assert!(pool.try_execute(|| ()).expect_err("full").is_full());
            if policy == OverflowPolicy::Reject {
                assert!(pool.execute(|| ()).expect_err("full").is_full());
            }
            release.count_down();
            pool.wait_idle().expect("outside");
            assert!(pool.metrics().is_balanced(), "{:?}", pool.metrics());
        }
    });
}

#[test]
fn caller_runs_policy_runs_on_the_submitting_thread() {
    with_watchdog("caller_runs", LIMIT, || {
        let pool = bounded(OverflowPolicy::CallerRuns);
        let release = occupy(&pool);
        pool.execute(|| ()).expect("room");
        pool.execute(|| ()).expect("room");
        let me = std::thread::current().id();
        let ran_here = Arc::new(AtomicU64::new(0));
        let r = ran_here.clone();
        pool.execute(move || {
            if std::thread::current().id() == me {
                r.fetch_add(1, Ordering::SeqCst);
            }
        })
        .expect("caller runs");
        assert_eq!(ran_here.load(Ordering::SeqCst), 1);
        release.count_down();
        pool.wait_idle().expect("outside");
    });
}

/// A submitter blocked on a full queue is released with `Closed` by a shutdown.
#[test]
fn blocked_submitter_gets_closed_on_shutdown() {
    with_watchdog("blocked_closed", LIMIT, || {
        let pool = bounded(OverflowPolicy::Block);
        let release = occupy(&pool);
        pool.execute(|| ()).expect("room");
        pool.execute(|| ()).expect("room");
        let submitter = {
            let pool = pool.clone();
            std::thread::spawn(move || pool.execute(|| ()).map_err(|e| e.is_closed()))
        };
        std::thread::sleep(Duration::from_millis(20));
        let shutter = {
            let pool = pool.clone();
            std::thread::spawn(move || pool.shutdown(ShutdownMode::Graceful))
        };
        // The blocked submitter leaves with `Closed` before the worker is released.
        assert_eq!(submitter.join().expect("submitter"), Err(true));
        release.count_down();
        let report = shutter.join().expect("shutter").expect("outside");
        assert!(report.is_balanced(), "{report:?}");
        assert_eq!(report.rejected, 1);
    });
}
