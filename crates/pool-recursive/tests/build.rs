//! Building: bad settings are errors, never panics; a refused thread leaves none running.

use pool_core::{BuildErrorKind, Pool, PoolConfig, ShutdownMode};
use pool_recursive::RecursivePool;

/// `from_config` `# Errors`: zero workers, zero bound.
#[test]
fn from_config_errors_zero_workers_and_zero_bound() {
    let err = RecursivePool::from_config(PoolConfig::new().workers(0)).expect_err("0 workers");
    assert!(matches!(err.kind(), BuildErrorKind::ZeroWorkers));
    let err = RecursivePool::builder()
        .queue_bound(Some(0))
        .build()
        .expect_err("0 bound");
    assert!(matches!(err.kind(), BuildErrorKind::ZeroQueueBound));
}

/// `from_config` `# Errors`: the OS refuses a worker thread (absurd stack size); the error
/// names the worker, and nothing is left running to hang the test.
#[test]
fn from_config_errors_spawn_failure_is_an_error_not_a_panic() {
    let err = RecursivePool::builder()
        .workers(3)
        .stack_size(Some(usize::MAX / 2))
        .build()
        .expect_err("absurd stack");
    assert!(matches!(err.kind(), BuildErrorKind::Spawn { index: 0, .. }));
}

/// `from_config` `# Errors`: every value the OS or `std` would refuse (a NUL in the name, a
/// stack too small or too large, more workers than can exist) is an error, never a panic.
#[test]
fn from_config_errors_refused_settings_are_errors_not_panics() {
    pool_testkit::refused::check_all(RecursivePool::from_config);
}

/// Shutdown returns the same accounting when called again, and the pool reports its
/// configured worker count.
#[test]
fn shutdown_twice_returns_the_same_report() {
    let pool = RecursivePool::builder().workers(3).build().expect("valid");
    assert_eq!(pool.workers(), 3);
    pool.run(|s| {
        for _ in 0..10 {
            s.spawn(|_| ());
        }
    })
    .expect("no failure");
    let first = pool.shutdown(ShutdownMode::Graceful).expect("outside");
    let second = pool.shutdown(ShutdownMode::Immediate).expect("outside");
    assert_eq!(first, second);
    assert_eq!(first.completed, 11);
    assert!(first.is_balanced(), "{first:?}");
}
