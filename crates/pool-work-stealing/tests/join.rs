//! `join`: results, borrowing, panics (rayon's `panic_propagate_*` set), and calls from
//! outside the pool.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use pool_core::{Pool, ShutdownMode};
use pool_work_stealing::{join, WorkStealingPool};

fn pool(workers: usize) -> WorkStealingPool {
    WorkStealingPool::builder()
        .workers(workers)
        .build()
        .expect("pool")
}

fn fib(n: u64) -> u64 {
    if n < 2 {
        return n;
    }
    let (a, b) = join(|| fib(n - 1), || fib(n - 2));
    a + b
}

#[test]
fn join_computes_fib_at_1_2_and_8_workers() {
    for workers in [1, 2, 8] {
        assert_eq!(
            pool(workers).install(|| fib(if cfg!(miri) { 8 } else { 20 })),
            {
                if cfg!(miri) {
                    21
                } else {
                    6765
                }
            }
        );
    }
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
fn pool_join_from_outside_injects_and_blocks() {
    let pool = pool(2);
    let (a, b) = pool.join(|| fib(10), || fib(11));
    assert_eq!((a, b), (55, 89));
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
        pool.join(
            || panic!("a"),
            || {
                std::thread::sleep(Duration::from_millis(5));
                b_ran.store(true, Ordering::SeqCst);
            },
        )
    }))
    .expect_err("a's panic reaches the caller");
    assert_eq!(err.downcast_ref::<&str>(), Some(&"a"));
    assert!(
        b_ran.load(Ordering::SeqCst),
        "b finished before the panic resumed"
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

#[test]
fn panic_b_still_executes_when_stolen() {
    // b waits long enough in a's panic path that an idle worker steals it first.
    let pool = pool(2);
    for _ in 0..if cfg!(miri) { 2 } else { 20 } {
        let b_done = AtomicBool::new(false);
        let result = catch_unwind(AssertUnwindSafe(|| {
            pool.join(
                || {
                    std::thread::sleep(Duration::from_millis(1));
                    panic!("a")
                },
                || b_done.store(true, Ordering::SeqCst),
            )
        }));
        assert!(result.is_err());
        assert!(b_done.load(Ordering::SeqCst));
    }
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
}

#[test]
fn join_and_scope_panic_after_shutdown() {
    let pool = pool(1);
    pool.shutdown(ShutdownMode::Immediate).expect("shutdown");
    assert!(catch_unwind(AssertUnwindSafe(|| pool.join(|| 1, || 2))).is_err());
    assert!(catch_unwind(AssertUnwindSafe(|| pool.scope(|_| ()))).is_err());
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
fn idle_worker_steals_from_a_joining_worker() {
    // With 2 workers, b should (at least sometimes) run on the other worker.
    let pool = pool(2);
    let stolen = AtomicUsize::new(0);
    let deadline = Instant::now() + Duration::from_secs(5);
    while stolen.load(Ordering::SeqCst) == 0 && Instant::now() < deadline {
        pool.install(|| {
            let me = std::thread::current().id();
            join(
                || std::thread::sleep(Duration::from_millis(2)),
                || {
                    if std::thread::current().id() != me {
                        stolen.fetch_add(1, Ordering::SeqCst);
                    }
                },
            );
        });
    }
    assert!(stolen.load(Ordering::SeqCst) > 0, "b was never stolen");
}

#[test]
fn deep_recursion_with_tiny_help_depth_never_deadlocks() {
    // One help level: waiting workers may only run their own deque's jobs.
    for workers in [1, 2, 8] {
        let pool = WorkStealingPool::builder()
            .workers(workers)
            .max_help_depth(1)
            .build()
            .expect("pool");
        assert_eq!(pool.install(|| fib(if cfg!(miri) { 7 } else { 18 })), {
            if cfg!(miri) {
                13
            } else {
                2584
            }
        });
    }
}

#[test]
fn join_from_a_pool_job_uses_the_pool() {
    use pool_core::PoolExt;
    let pool = pool(2);
    let handle = pool.spawn(|| fib(12)).expect("open pool");
    assert_eq!(handle.join().expect("no panic"), 144);
    assert!(pool.wait_idle().is_ok());
}
