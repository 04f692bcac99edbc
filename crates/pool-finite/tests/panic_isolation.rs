//! A panicking job never kills a worker, and its panic reaches its handle.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use pool_core::{Pool, PoolExt, ShutdownMode};
use pool_finite::FinitePool;
use pool_testkit::with_watchdog;

#[test]
fn one_worker_survives_a_thousand_panics() {
    with_watchdog("panics", Duration::from_secs(20), || {
        let pool = FinitePool::builder()
            .workers(1)
            .build()
            .expect("valid pool");
        let ran = Arc::new(AtomicUsize::new(0));
        for i in 0..1000 {
            let ran = ran.clone();
            pool.execute(move || {
                ran.fetch_add(1, Ordering::Relaxed);
                assert!(i % 2 == 0, "odd jobs panic");
            })
            .expect("open pool");
        }
        let value = pool.spawn(|| "still alive").expect("open pool").join();
        assert_eq!(value.expect("no panic"), "still alive");
        let report = pool.shutdown(ShutdownMode::Graceful).expect("from outside");
        assert_eq!(ran.load(Ordering::Relaxed), 1000);
        assert_eq!(
            (report.completed, report.panicked),
            (501, 500),
            "{report:?}"
        );
        assert!(report.is_balanced());
    });
}

#[test]
fn a_panic_goes_to_the_handle() {
    let pool = FinitePool::builder()
        .workers(2)
        .build()
        .expect("valid pool");
    let err = pool
        .spawn(|| -> u32 { panic!("to the handle") })
        .expect("open pool")
        .join()
        .expect_err("panicked");
    assert!(err.is_panic());
    assert_eq!(err.panic_message(), Some("to the handle"));
}

/// A discarded job whose captured value panics in `Drop` does not take down the worker or
/// the shutting-down thread, and is still counted as discarded.
#[test]
fn panic_in_a_discarded_jobs_drop_is_contained() {
    struct Bomb;
    impl Drop for Bomb {
        fn drop(&mut self) {
            panic!("bomb in drop");
        }
    }
    with_watchdog("drop-panic", Duration::from_secs(20), || {
        let pool = FinitePool::builder()
            .workers(1)
            .build()
            .expect("valid pool");
        let release = Arc::new(pool_testkit::Latch::new(1));
        let started = Arc::new(pool_testkit::Latch::new(1));
        {
            let (release, started) = (release.clone(), started.clone());
            pool.execute(move || {
                started.count_down();
                release.wait();
            })
            .expect("open pool");
        }
        started.wait();
        for _ in 0..3 {
            let bomb = Bomb;
            pool.execute(move || drop(bomb)).expect("open pool");
        }
        let shutter = {
            let pool = Arc::new(pool);
            let p = pool.clone();
            (
                pool,
                std::thread::spawn(move || p.shutdown(ShutdownMode::Immediate)),
            )
        };
        pool_testkit::eventually("discarded", || shutter.0.metrics().cancelled == 3);
        release.count_down();
        let report = shutter
            .1
            .join()
            .expect("shutdown did not panic")
            .expect("outside");
        assert_eq!((report.completed, report.discarded), (1, 3), "{report:?}");
        assert!(report.is_balanced());
    });
}
