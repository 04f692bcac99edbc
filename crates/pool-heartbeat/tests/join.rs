//! `join`: results, borrowing, panics (rayon's `panic_propagate_*` set), promotion to an
//! idle worker, calls from outside the pool, deep recursion.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pool_core::{Pool, PoolExt, ShutdownMode};
use pool_heartbeat::{join, HeartbeatPool};
use pool_testkit::{with_watchdog, DEADLOCK};

mod common;
use common::{fib, pool};

fn fib_expected(n: u64) -> u64 {
    let (mut a, mut b) = (0u64, 1u64);
    for _ in 0..n {
        (a, b) = (b, a + b);
    }
    a
}

/// Smaller under miri, which runs every step through its interpreter.
fn scaled(normal: u64, miri: u64) -> u64 {
    if cfg!(miri) {
        miri
    } else {
        normal
    }
}

#[test]
fn join_computes_fib_at_1_2_and_8_workers() {
    with_watchdog("fib", DEADLOCK, || {
        let n = scaled(25, 8);
        for workers in [1, 2, 8] {
            assert_eq!(pool(workers).install(|| fib(n)), fib_expected(n));
        }
    });
}

#[test]
fn join_borrows_from_the_callers_stack() {
    let pool = pool(2);
    let mut left = vec![1u64; 100];
    let mut right = vec![2u64; 100];
    let total: u64 = pool.install(|| {
        let (a, b) = join(
            || {
                left.iter_mut().for_each(|x| *x *= 3);
                left.iter().sum::<u64>()
            },
            || {
                right.iter_mut().for_each(|x| *x *= 5);
                right.iter().sum::<u64>()
            },
        );
        a + b
    });
    assert_eq!(total, 300 + 1000);
    assert_eq!((left[0], right[0]), (3, 10));
}

#[test]
fn pool_join_from_outside_queues_and_blocks() {
    let pool = pool(2);
    let caller = std::thread::current().id();
    let (a, b) = pool.join(|| std::thread::current().id(), || fib(11));
    assert_ne!(a, caller, "install runs on a worker");
    assert_eq!(b, 89);
}

#[test]
fn join_outside_any_pool_runs_both_on_the_caller() {
    let me = std::thread::current().id();
    let (a, b) = join(
        || std::thread::current().id(),
        || std::thread::current().id(),
    );
    assert_eq!((a, b), (me, me));
}

#[test]
fn panic_propagate_a() {
    let pool = pool(2);
    let b_ran = AtomicBool::new(false);
    let err = catch_unwind(AssertUnwindSafe(|| {
        pool.join(|| panic!("a"), || b_ran.store(true, Ordering::SeqCst))
    }))
    .expect_err("a's panic reaches the caller");
    assert_eq!(err.downcast_ref::<&str>(), Some(&"a"));
    assert!(
        b_ran.load(Ordering::SeqCst),
        "b ran before the panic resumed"
    );
}

#[test]
fn panic_propagate_b() {
    let pool = pool(2);
    let a_ran = AtomicBool::new(false);
    let err = catch_unwind(AssertUnwindSafe(|| {
        pool.join(|| a_ran.store(true, Ordering::SeqCst), || panic!("b"))
    }))
    .expect_err("b's panic reaches the caller");
    assert_eq!(err.downcast_ref::<&str>(), Some(&"b"));
    assert!(a_ran.load(Ordering::SeqCst));
}

#[test]
fn panic_propagate_both_gives_a() {
    let pool = pool(2);
    let err = catch_unwind(AssertUnwindSafe(|| {
        pool.join(|| panic!("a"), || panic!("b"))
    }))
    .expect_err("a panic reaches the caller");
    assert_eq!(err.downcast_ref::<&str>(), Some(&"a"));
}

/// Runs `join(a, b)` on the pool with an `a` that sleeps past several heartbeats, until
/// `b` ran on a worker other than `a`'s (its fork was promoted and taken) or `deadline`.
fn until_promoted(pool: &HeartbeatPool, a_panics: bool) -> (usize, usize) {
    let (mut promoted, mut tries) = (0, 0);
    let deadline = Instant::now() + Duration::from_secs(5);
    while promoted == 0 && Instant::now() < deadline {
        tries += 1;
        let b_done = AtomicBool::new(false);
        let elsewhere = AtomicBool::new(false);
        let result = catch_unwind(AssertUnwindSafe(|| {
            pool.install(|| {
                let me = std::thread::current().id();
                join(
                    || {
                        // Each join checks the heartbeat: keep forking while a waits.
                        let until = Instant::now() + Duration::from_millis(2);
                        while Instant::now() < until {
                            join(|| std::hint::black_box(1), || std::hint::black_box(2));
                        }
                        if a_panics {
                            panic!("a");
                        }
                    },
                    || {
                        elsewhere.store(std::thread::current().id() != me, Ordering::SeqCst);
                        b_done.store(true, Ordering::SeqCst);
                    },
                )
            })
        }));
        assert_eq!(result.is_err(), a_panics);
        assert!(b_done.load(Ordering::SeqCst), "b ran before join returned");
        promoted += usize::from(elsewhere.load(Ordering::SeqCst));
    }
    (promoted, tries)
}

#[test]
#[cfg_attr(
    miri,
    ignore = "spins on the clock for milliseconds per try: hours under miri"
)]
fn idle_worker_takes_a_promoted_fork() {
    with_watchdog("promotion", DEADLOCK, || {
        let (promoted, tries) = until_promoted(&pool(2), false);
        assert!(
            promoted > 0,
            "b never ran on the idle worker in {tries} tries"
        );
    });
}

#[test]
#[cfg_attr(
    miri,
    ignore = "spins on the clock for milliseconds per try: hours under miri"
)]
fn panic_b_still_executes_when_promoted() {
    with_watchdog("panic_b_promoted", DEADLOCK, || {
        let (promoted, tries) = until_promoted(&pool(2), true);
        assert!(promoted > 0, "b never ran elsewhere in {tries} tries");
    });
}

#[test]
#[cfg_attr(
    miri,
    ignore = "spins on the clock for milliseconds per try: hours under miri"
)]
fn one_worker_takes_back_its_promoted_forks() {
    // With one worker nobody else can take a promoted fork: its owner retracts it and
    // runs it itself. A short heartbeat makes that happen thousands of times.
    with_watchdog("retract", DEADLOCK, || {
        let pool = HeartbeatPool::builder()
            .workers(1)
            .heartbeat(Duration::from_micros(10))
            .build()
            .expect("pool");
        let (joins, ran) = (AtomicUsize::new(0), AtomicUsize::new(0));
        pool.install(|| {
            let until = Instant::now() + Duration::from_millis(20);
            while Instant::now() < until {
                joins.fetch_add(1, Ordering::Relaxed);
                join(
                    || ran.fetch_add(1, Ordering::Relaxed),
                    || ran.fetch_add(1, Ordering::Relaxed),
                );
            }
        });
        assert_eq!(
            ran.into_inner(),
            2 * joins.into_inner(),
            "every fork ran once"
        );
    });
}

#[test]
fn every_fork_runs_exactly_once_under_promotion() {
    // Count every leaf by index: a lost or doubled fork shows as a wrong count.
    with_watchdog("exactly_once", DEADLOCK, || {
        let leaves = scaled(1 << 18, 1 << 6) as usize;
        for workers in [2, 8] {
            let pool = HeartbeatPool::builder()
                .workers(workers)
                .heartbeat(Duration::from_micros(20))
                .build()
                .expect("pool");
            let hits: Vec<AtomicUsize> = (0..leaves).map(|_| AtomicUsize::new(0)).collect();
            fn visit(hits: &[AtomicUsize]) {
                if hits.len() == 1 {
                    hits[0].fetch_add(1, Ordering::Relaxed);
                    return;
                }
                let (l, r) = hits.split_at(hits.len() / 2);
                join(|| visit(l), || visit(r));
            }
            pool.install(|| visit(&hits));
            let bad = hits
                .iter()
                .filter(|h| h.load(Ordering::Relaxed) != 1)
                .count();
            assert_eq!(
                bad, 0,
                "{bad} leaves not run exactly once at {workers} workers"
            );
        }
    });
}

#[test]
fn deep_recursion_grows_the_fork_stack() {
    // Deeper than the fork stack's initial capacity, with promotions all the way down.
    fn chain(depth: u32) -> u32 {
        if depth == 0 {
            return 0;
        }
        let (a, b) = join(|| chain(depth - 1), || 1);
        a + b
    }
    let pool = HeartbeatPool::builder()
        .workers(2)
        .stack_size(64 << 20)
        .heartbeat(Duration::from_micros(10))
        .build()
        .expect("pool");
    let depth = scaled(20_000, 300) as u32;
    assert_eq!(pool.install(|| chain(depth)), depth);
}

#[test]
fn pool_survives_join_panics() {
    let pool = pool(2);
    for _ in 0..10 {
        let _ = catch_unwind(AssertUnwindSafe(|| pool.join(|| panic!("x"), || ())));
    }
    assert_eq!(pool.install(|| fib(10)), 55);
}

#[test]
fn install_panics_after_shutdown() {
    let pool = pool(1);
    pool.shutdown(ShutdownMode::Graceful).expect("shutdown");
    let err = catch_unwind(AssertUnwindSafe(|| pool.install(|| 1))).expect_err("closed pool");
    let message = err.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(message.contains("shut down"), "{message}");
    assert!(catch_unwind(AssertUnwindSafe(|| pool.join(|| 1, || 2))).is_err());
}

#[test]
fn install_panic_reaches_the_caller() {
    let pool = pool(1);
    let err = catch_unwind(AssertUnwindSafe(|| pool.install(|| panic!("inside"))))
        .expect_err("install resumes the panic");
    assert_eq!(err.downcast_ref::<&str>(), Some(&"inside"));
    assert_eq!(pool.install(|| 5), 5);
}

#[test]
fn join_from_a_pool_job_uses_the_pool() {
    let pool = pool(2);
    let handle = pool.spawn(|| fib(12)).expect("open pool");
    assert_eq!(handle.join().expect("no panic"), 144);
    assert!(pool.wait_idle().is_ok());
}

#[test]
fn many_outside_callers_at_once() {
    // More callers than workers and cores, each installing fork-join work.
    with_watchdog("outside_callers", DEADLOCK, || {
        let pool = pool(2);
        let n = scaled(18, 6);
        std::thread::scope(|s| {
            for _ in 0..6 {
                s.spawn(|| {
                    for _ in 0..5 {
                        assert_eq!(pool.install(|| fib(n)), fib_expected(n));
                    }
                });
            }
        });
    });
}

#[test]
fn zero_heartbeat_is_a_build_error() {
    let err = HeartbeatPool::builder()
        .workers(1)
        .heartbeat(Duration::ZERO)
        .build()
        .expect_err("zero interval");
    assert!(matches!(
        err.kind(),
        pool_core::BuildErrorKind::ZeroLimit(_)
    ));
}

/// A chain of `depth` joins whose innermost `a` panics; every `b` bumps `hits` (and
/// panics too, with `b_panics`). Past the first few levels, forks are not recorded, so
/// this covers both of `join`'s paths.
fn chain_panicking(depth: u32, hits: &AtomicUsize, b_panics: bool) {
    if depth == 0 {
        panic!("leaf");
    }
    join(
        || chain_panicking(depth - 1, hits, b_panics),
        || {
            hits.fetch_add(1, Ordering::SeqCst);
            if b_panics {
                panic!("b");
            }
        },
    );
}

#[test]
fn panic_in_a_deep_fork_still_runs_every_b() {
    let pool = pool(2);
    let hits = AtomicUsize::new(0);
    let err = catch_unwind(AssertUnwindSafe(|| {
        pool.install(|| chain_panicking(12, &hits, false))
    }))
    .expect_err("the leaf's panic reaches the caller");
    assert_eq!(err.downcast_ref::<&str>(), Some(&"leaf"));
    assert_eq!(hits.load(Ordering::SeqCst), 12, "every level's b ran");
}

#[test]
fn panic_in_a_deep_fork_and_every_b_gives_a() {
    let pool = pool(2);
    let hits = AtomicUsize::new(0);
    let err = catch_unwind(AssertUnwindSafe(|| {
        pool.install(|| chain_panicking(12, &hits, true))
    }))
    .expect_err("a panic reaches the caller");
    assert_eq!(
        err.downcast_ref::<&str>(),
        Some(&"leaf"),
        "a's payload wins"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 12);
    assert_eq!(pool.install(|| fib(10)), 55, "the pool still works");
}

#[test]
#[cfg_attr(
    miri,
    ignore = "spins on the clock for milliseconds per try: hours under miri"
)]
fn a_static_job_that_forks_gets_heartbeats() {
    // Taking a `'static` job does not wake the heartbeat thread; its first fork must.
    with_watchdog("static_job_forks", DEADLOCK, || {
        let pool = pool(2);
        let elsewhere = pool
            .spawn(|| {
                let deadline = Instant::now() + Duration::from_secs(5);
                let me = std::thread::current().id();
                while Instant::now() < deadline {
                    let (_, b_thread) = join(
                        || {
                            let until = Instant::now() + Duration::from_millis(2);
                            while Instant::now() < until {
                                join(|| std::hint::black_box(1), || std::hint::black_box(2));
                            }
                        },
                        || std::thread::current().id(),
                    );
                    if b_thread != me {
                        return true;
                    }
                    // Let the heartbeat thread park again between tries.
                    std::thread::sleep(Duration::from_millis(1));
                }
                false
            })
            .expect("open pool")
            .join()
            .expect("no panic");
        assert!(
            elsewhere,
            "no fork of the job was ever taken by the other worker"
        );
    });
}
