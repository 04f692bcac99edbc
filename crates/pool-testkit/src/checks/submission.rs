//! `try_submit` hands rejected jobs back: `Full` at the bound, `Closed` after shutdown.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use pool_core::{PoolExt, ShutdownMode, SubmitError};

use super::{config, occupy_all_workers, Build};
use crate::{with_watchdog, DEADLOCK};

const BOUND: usize = 3;

/// With every worker busy and a queue bound of 3, exactly 3 `try_submit`s are accepted and
/// the next is `Full`; after the workers are released everything accepted runs; after
/// shutdown `try_submit` is `Closed`.
pub fn try_submit_full_and_closed(build: Build, workers: usize) {
    with_watchdog("try_submit_full_and_closed", DEADLOCK, move || {
        let pool = build(config(workers).queue_bound(Some(BOUND)));
        let release = occupy_all_workers(&*pool, workers);
        let ran = Arc::new(AtomicUsize::new(0));
        for i in 0..BOUND {
            let ran = ran.clone();
            pool.try_execute(move || {
                ran.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap_or_else(|e| panic!("slot {i} of {BOUND} is free, got {e:?}"));
        }
        let ran2 = ran.clone();
        let err = pool
            .try_execute(move || {
                ran2.fetch_add(1, Ordering::SeqCst);
            })
            .expect_err("the bound is reached");
        assert!(err.is_full(), "expected Full, got {err:?}");
        release.open();
        pool.wait_idle().expect("wait_idle from outside");
        assert_eq!(ran.load(Ordering::SeqCst), BOUND, "every accepted job ran");

        let report = pool
            .shutdown(ShutdownMode::Graceful)
            .expect("shutdown from outside");
        let err = pool
            .try_execute(|| {})
            .expect_err("a shut-down pool accepts nothing");
        assert!(err.is_closed(), "expected Closed, got {err:?}");
        let err = pool
            .execute(|| {})
            .expect_err("a shut-down pool accepts nothing");
        assert!(err.is_closed(), "expected Closed from submit, got {err:?}");
        assert!(report.is_balanced(), "{report:?}");
        let m = pool.metrics();
        assert_eq!(m.rejected, 3, "Full, then Closed twice: {m:?}");
        assert!(m.is_balanced(), "{m:?}");
    });
}

/// The job inside `Full` and `Closed` is the one submitted: calling the handed-back closure
/// runs the submitter's own work.
pub fn try_submit_full_hands_back_the_job(build: Build, workers: usize) {
    with_watchdog("try_submit_full_hands_back_the_job", DEADLOCK, move || {
        let pool = build(config(workers).queue_bound(Some(1)));
        let release = occupy_all_workers(&*pool, workers);
        pool.try_execute(|| {}).expect("one free slot");
        let marker = Arc::new(AtomicUsize::new(0));
        let m = marker.clone();
        let back = match pool.try_execute(move || {
            m.fetch_add(7, Ordering::SeqCst);
        }) {
            Err(SubmitError::Full(f)) => f,
            other => panic!("expected Full, got {other:?}"),
        };
        back();
        assert_eq!(
            marker.load(Ordering::SeqCst),
            7,
            "the handed-back closure is ours"
        );
        release.open();
        pool.shutdown(ShutdownMode::Graceful)
            .expect("shutdown from outside");
        let m = marker.clone();
        let back = match pool.try_spawn(move || m.fetch_add(1, Ordering::SeqCst)) {
            Err(SubmitError::Closed(f)) => f,
            other => panic!("expected Closed, got {other:?}"),
        };
        assert_eq!(back(), 7);
        assert_eq!(marker.load(Ordering::SeqCst), 8);
    });
}
