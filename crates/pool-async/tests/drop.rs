//! Dropping the pool: queued tasks are discarded, running futures cancelled, every future
//! dropped exactly once, and handles report cancelled.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{guarded, pool, DropCount};
use pool_core::{Pool, PoolExt};

#[test]
fn drop_discards_queued_and_cancels_running() {
    guarded("drop_discards_queued_and_cancels_running", || {
        let pool = pool(2, 2);
        let drops = Arc::new(AtomicUsize::new(0));
        let ran_to_end = Arc::new(AtomicUsize::new(0));
        let handles: Vec<_> = (0..10)
            .map(|_| {
                let d = DropCount(drops.clone());
                let r = ran_to_end.clone();
                pool.try_submit(async move {
                    let _d = d;
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    r.fetch_add(1, Ordering::SeqCst);
                })
                .unwrap()
            })
            .collect();
        pool_testkit::eventually("two run", || pool.metrics().running == 2);
        drop(pool);
        assert_eq!(
            drops.load(Ordering::SeqCst),
            10,
            "every future dropped exactly once"
        );
        assert_eq!(ran_to_end.load(Ordering::SeqCst), 0);
        for h in handles {
            assert!(h
                .join()
                .unwrap_err()
                .into_task_error()
                .unwrap()
                .is_cancelled());
        }
    });
}

/// Closures queued through the `Pool` trait are dropped unrun at drop (their handles
/// report cancelled); a running closure finishes first.
#[test]
fn drop_discards_queued_closures_and_waits_for_running_ones() {
    guarded(
        "drop_discards_queued_closures_and_waits_for_running_ones",
        || {
            let pool = pool(1, 1);
            let finished = Arc::new(AtomicUsize::new(0));
            let f = finished.clone();
            let running = pool
                .spawn(move || {
                    std::thread::sleep(Duration::from_millis(100));
                    f.fetch_add(1, Ordering::SeqCst);
                })
                .unwrap();
            pool_testkit::eventually("closure runs", || pool.metrics().running == 1);
            let queued: Vec<_> = (0..5).map(|i| pool.spawn(move || i).unwrap()).collect();
            drop(pool);
            assert_eq!(
                finished.load(Ordering::SeqCst),
                1,
                "the running closure finished"
            );
            running.join().unwrap();
            for h in queued {
                assert!(h.join().unwrap_err().is_cancelled());
            }
        },
    );
}
