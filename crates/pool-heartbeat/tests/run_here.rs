//! `run_here`: the caller takes part in the pool for one call.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pool_core::{Pool, ShutdownMode, WaitIdleError};
use pool_heartbeat::join;
use pool_testkit::{with_watchdog, DEADLOCK};

mod common;
use common::{fib, pool};

#[test]
fn run_here_runs_on_the_caller_and_computes_fib_at_1_2_and_8_workers() {
    let me = std::thread::current().id();
    for workers in [1, 2, 8] {
        let pool = pool(workers);
        let (thread, value) = pool.run_here(|| (std::thread::current().id(), fib(20)));
        assert_eq!((thread, value), (me, 6765));
    }
}

#[test]
#[cfg_attr(
    miri,
    ignore = "spins on the clock for milliseconds per try: hours under miri"
)]
fn the_callers_promoted_forks_go_to_the_workers() {
    with_watchdog("guest_promotion", DEADLOCK, || {
        let pool = pool(2);
        let me = std::thread::current().id();
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut elsewhere = false;
        while !elsewhere && Instant::now() < deadline {
            let (_, b_thread) = pool.run_here(|| {
                join(
                    || {
                        let until = Instant::now() + Duration::from_millis(2);
                        while Instant::now() < until {
                            join(|| std::hint::black_box(1), || std::hint::black_box(2));
                        }
                    },
                    || std::thread::current().id(),
                )
            });
            elsewhere = b_thread != me;
        }
        assert!(
            elsewhere,
            "no fork of the caller was ever taken by a worker"
        );
    });
}

#[test]
fn a_panic_in_place_reaches_the_caller_and_frees_the_slot() {
    let pool = pool(2);
    let err = catch_unwind(AssertUnwindSafe(|| pool.run_here(|| fib(3) + panic_now())))
        .expect_err("the panic resumes");
    assert_eq!(err.downcast_ref::<&str>(), Some(&"in place"));
    let me = std::thread::current().id();
    assert_eq!(
        pool.run_here(|| std::thread::current().id()),
        me,
        "slot free again"
    );
    assert!(pool.wait_idle().is_ok(), "the call is no longer pending");
}

fn panic_now() -> u64 {
    panic!("in place")
}

#[test]
fn concurrent_callers_fall_back_to_install_and_all_finish() {
    with_watchdog("guest_fallback", DEADLOCK, || {
        let pool = pool(2);
        let done = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..10 {
                        assert_eq!(pool.run_here(|| fib(15)), 610);
                        done.fetch_add(1, Ordering::SeqCst);
                    }
                });
            }
        });
        assert_eq!(done.into_inner(), 40);
    });
}

#[test]
fn waiting_on_the_pool_from_in_place_is_an_error() {
    let pool = pool(1);
    let err = pool.run_here(|| pool.wait_idle());
    assert_eq!(err, Err(WaitIdleError::InsideWorker));
}

#[test]
fn in_place_after_shutdown_runs_on_the_caller_alone() {
    let pool = pool(2);
    pool.shutdown(ShutdownMode::Graceful).expect("shutdown");
    assert_eq!(pool.run_here(|| fib(18)), 2584);
}
