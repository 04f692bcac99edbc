//! A bounded queue gives producers backpressure: `Block` waits for room, `try_submit`
//! answers `Full`, and at most `bound` jobs wait to start.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use pool_core::{OverflowPolicy, Pool, PoolExt, ShutdownMode};
use pool_finite::FinitePool;
use pool_testkit::{eventually, with_watchdog, Latch};

#[test]
fn block_waits_for_room_then_proceeds() {
    with_watchdog("block", Duration::from_secs(20), || {
        let pool = Arc::new(
            FinitePool::builder()
                .workers(1)
                .queue_bound(2)
                .build()
                .expect("valid"),
        );
        let release = Arc::new(Latch::new(1));
        {
            let release = release.clone();
            pool.execute(move || release.wait()).expect("open pool");
        }
        eventually("the blocker runs", || pool.metrics().running == 1);
        pool.execute(|| {}).expect("slot 1");
        pool.execute(|| {}).expect("slot 2");
        let third_sent = Arc::new(AtomicBool::new(false));
        let producer = {
            let (pool, third_sent) = (pool.clone(), third_sent.clone());
            std::thread::spawn(move || {
                pool.execute(|| {}).expect("accepted once there is room");
                third_sent.store(true, Ordering::SeqCst);
            })
        };
        std::thread::sleep(Duration::from_millis(50));
        assert!(
            !third_sent.load(Ordering::SeqCst),
            "the producer waits while the queue is full"
        );
        assert_eq!(
            pool.metrics().queued,
            3,
            "two queued and one ticket waiting for room"
        );
        release.count_down();
        producer.join().expect("producer does not panic");
        let report = pool.shutdown(ShutdownMode::Graceful).expect("outside");
        assert_eq!(report.completed, 4, "{report:?}");
    });
}

#[test]
fn reject_hands_back_at_the_bound() {
    with_watchdog("reject", Duration::from_secs(20), || {
        let pool = FinitePool::builder()
            .workers(1)
            .queue_bound(3)
            .overflow(OverflowPolicy::Reject)
            .build()
            .expect("valid");
        let release = Arc::new(Latch::new(1));
        {
            let release = release.clone();
            pool.execute(move || release.wait()).expect("open pool");
        }
        eventually("the blocker runs", || pool.metrics().running == 1);
        let accepted = (0..10).filter(|_| pool.execute(|| {}).is_ok()).count();
        assert_eq!(accepted, 3, "exactly `bound` jobs wait to start");
        release.count_down();
        let report = pool.shutdown(ShutdownMode::Graceful).expect("outside");
        assert_eq!((report.completed, report.rejected), (4, 7), "{report:?}");
    });
}

#[test]
fn caller_runs_from_outside_runs_on_the_submitter() {
    with_watchdog("caller-runs", Duration::from_secs(20), || {
        let pool = FinitePool::builder()
            .workers(1)
            .queue_bound(1)
            .overflow(OverflowPolicy::CallerRuns)
            .build()
            .expect("valid");
        let release = Arc::new(Latch::new(1));
        {
            let release = release.clone();
            pool.execute(move || release.wait()).expect("open pool");
        }
        eventually("the blocker runs", || pool.metrics().running == 1);
        pool.execute(|| {}).expect("the slot");
        let here = std::thread::current().id();
        let ran_on = Arc::new(std::sync::Mutex::new(None));
        let inline = Arc::new(AtomicUsize::new(0));
        {
            let (ran_on, inline) = (ran_on.clone(), inline.clone());
            pool.execute(move || {
                *ran_on.lock().expect("not poisoned") = Some(std::thread::current().id());
                inline.fetch_add(1, Ordering::SeqCst);
            })
            .expect("runs inline");
        }
        assert_eq!(
            inline.load(Ordering::SeqCst),
            1,
            "ran before submit returned"
        );
        assert_eq!(*ran_on.lock().expect("not poisoned"), Some(here));
        release.count_down();
        let report = pool.shutdown(ShutdownMode::Graceful).expect("outside");
        assert_eq!((report.completed, report.rejected), (3, 0), "{report:?}");
    });
}
