//! Bad settings are errors from `build`, never panics.

use pool_core::{BuildErrorKind, PoolConfig};
use pool_finite::FinitePool;

#[test]
fn zero_workers_is_an_error() {
    let err = FinitePool::builder().workers(0).build().unwrap_err();
    assert!(matches!(err.kind(), BuildErrorKind::ZeroWorkers), "{err}");
    let err = FinitePool::from_config(PoolConfig::new().workers(0)).unwrap_err();
    assert!(matches!(err.kind(), BuildErrorKind::ZeroWorkers), "{err}");
}

#[test]
fn zero_queue_bound_is_an_error() {
    let err = FinitePool::builder()
        .workers(1)
        .queue_bound(0)
        .build()
        .unwrap_err();
    assert!(
        matches!(err.kind(), BuildErrorKind::ZeroQueueBound),
        "{err}"
    );
}

#[test]
fn run_batch_with_zero_workers_is_an_error() {
    let err = pool_finite::run_batch(0, [|| 1]).unwrap_err();
    assert!(matches!(err.kind(), BuildErrorKind::ZeroWorkers), "{err}");
}

#[test]
fn thread_names_follow_the_prefix() {
    use pool_core::PoolExt;
    let pool = FinitePool::builder()
        .workers(1)
        .thread_name("named")
        .build()
        .expect("valid pool");
    let name = pool
        .spawn(|| std::thread::current().name().map(str::to_owned))
        .expect("open pool")
        .join()
        .expect("no panic");
    assert_eq!(name.as_deref(), Some("named-0"));
}

/// Every value the OS or `std` would refuse (a NUL in the name, a stack too small or too
/// large, more workers than can exist) is a `BuildError` from `build`, never a panic.
#[test]
fn refused_settings_are_errors_not_panics() {
    pool_testkit::refused::check_all(FinitePool::from_config);
}
