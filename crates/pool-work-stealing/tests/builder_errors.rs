//! `Builder::build` / `from_config` errors: each `# Errors` case, as an error, never a panic.

use pool_core::{BuildErrorKind, PoolConfig};
use pool_work_stealing::WorkStealingPool;

#[test]
fn errors_zero_workers() {
    let err = WorkStealingPool::from_config(PoolConfig::new().workers(0)).unwrap_err();
    assert!(matches!(err.kind(), BuildErrorKind::ZeroWorkers));
}

#[test]
fn errors_zero_queue_bound() {
    let err = WorkStealingPool::builder()
        .workers(1)
        .queue_bound(Some(0))
        .build()
        .unwrap_err();
    assert!(matches!(err.kind(), BuildErrorKind::ZeroQueueBound));
}

#[test]
#[cfg_attr(miri, ignore = "miri does not model a refused thread spawn")]
fn errors_spawn_failure_is_an_error_not_a_panic() {
    let err = WorkStealingPool::builder()
        .workers(2)
        .stack_size(Some(usize::MAX / 2))
        .build()
        .unwrap_err();
    assert!(matches!(err.kind(), BuildErrorKind::Spawn { index: 0, .. }));
}

/// Every value the OS or `std` would refuse (a NUL in the name, a stack too small or too
/// large, more workers than can exist) is a `BuildError` from `build`, never a panic.
#[test]
#[cfg_attr(miri, ignore = "miri does not model a refused thread spawn")]
fn errors_refused_settings_are_errors_not_panics() {
    pool_testkit::refused::check_all(WorkStealingPool::from_config);
}
