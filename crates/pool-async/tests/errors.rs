//! Every `# Errors` promise of the public API, one test each, named after it.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{guarded, pool};
use pool_async::{AsyncPool, AsyncPoolBuilder};
use pool_core::{BuildErrorKind, Pool, PoolConfig, ShutdownError, ShutdownMode, WaitIdleError};

#[test]
fn join_inside_runtime_is_an_error() {
    guarded("join_inside_runtime_is_an_error", || {
        let pool = pool(2, 1);
        let h = pool.try_submit(async { 4 }).unwrap();
        let back = pool.handle().block_on(async move {
            let err = h.join().unwrap_err();
            assert!(err.is_inside_runtime());
            assert!(err.to_string().contains("await the handle"));
            match err {
                pool_async::JoinError::InsideRuntime(h) => h.await,
                other => panic!("{other:?}"),
            }
        });
        assert_eq!(back.unwrap(), 4, "the handle came back and still works");
    });
}

#[test]
fn join_reports_the_task_error() {
    guarded("join_reports_the_task_error", || {
        let pool = pool(1, 1);
        let err = pool
            .try_submit(async { panic!("nope") })
            .unwrap()
            .join()
            .unwrap_err();
        assert_eq!(err.into_task_error().unwrap().panic_message(), Some("nope"));
    });
}

#[test]
fn submit_after_shutdown_is_closed() {
    guarded("submit_after_shutdown_is_closed", || {
        let pool = pool(1, 1);
        pool.shutdown(ShutdownMode::Graceful).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let err = rt.block_on(pool.submit(async { 1 })).unwrap_err();
        assert!(err.is_closed());
        assert!(pool.try_submit(async { 1 }).unwrap_err().is_closed());
        let m = pool.metrics();
        assert_eq!((m.submitted, m.rejected), (2, 2));
    });
}

#[test]
fn build_errors_are_errors_not_panics() {
    let zero = AsyncPool::new(0).unwrap_err();
    assert!(matches!(
        zero.kind(),
        BuildErrorKind::ZeroLimit("concurrency")
    ));
    let threads = AsyncPool::builder().worker_threads(0).build().unwrap_err();
    assert!(matches!(
        threads.kind(),
        BuildErrorKind::ZeroLimit("worker_threads")
    ));
    let workers = AsyncPool::from_config(PoolConfig::new().workers(0)).unwrap_err();
    assert!(matches!(workers.kind(), BuildErrorKind::ZeroWorkers));
    let bound = AsyncPoolBuilder::new()
        .queue_bound(Some(0))
        .build()
        .unwrap_err();
    assert!(matches!(bound.kind(), BuildErrorKind::ZeroQueueBound));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let attached = AsyncPool::builder()
        .concurrency(0)
        .attach(rt.handle().clone())
        .unwrap_err();
    assert!(matches!(
        attached.kind(),
        BuildErrorKind::ZeroLimit("concurrency")
    ));
}

#[test]
fn absurd_stack_size_is_a_spawn_error() {
    let err = AsyncPool::builder()
        .stack_size(Some(usize::MAX / 2))
        .build()
        .unwrap_err();
    assert!(
        matches!(err.kind(), BuildErrorKind::Spawn { index: 0, .. }),
        "{err:?}"
    );
    assert!(std::error::Error::source(err.kind()).is_some());
}

/// Every value tokio or `std` would panic on or the OS would refuse (a NUL in the name, a
/// stack too small or too large, more workers than can exist) is a `BuildError`.
#[test]
fn refused_settings_are_errors_not_panics() {
    pool_testkit::refused::check_all(|config| AsyncPoolBuilder::from_config(config).build());
    let err = AsyncPool::builder()
        .worker_threads(PoolConfig::MAX_WORKERS + 1)
        .build()
        .unwrap_err();
    assert!(
        matches!(err.kind(), BuildErrorKind::TooManyWorkers(_)),
        "{err:?}"
    );
}

#[test]
fn huge_limits_are_clamped_not_panics() {
    let pool = AsyncPool::builder()
        .concurrency(usize::MAX)
        .worker_threads(1)
        .queue_bound(Some(usize::MAX))
        .build()
        .unwrap();
    assert_eq!(pool.try_submit(async { 2 }).unwrap().join().unwrap(), 2);
}

/// Blocking waits on a thread of the pool's runtime refuse instead of stalling it.
#[test]
fn shutdown_timeout_inside_worker_is_an_error() {
    guarded("shutdown_timeout_inside_worker_is_an_error", || {
        let pool = Arc::new(pool(2, 1));
        let p = pool.clone();
        let result = pool
            .handle()
            .block_on(async move { p.shutdown_timeout(Duration::from_secs(1)).map(|_| ()) });
        assert_eq!(result, Err(ShutdownError::InsideWorker));
        assert!(
            pool.try_submit(async {}).unwrap_err().is_closed(),
            "closed anyway"
        );
        let p = pool.clone();
        let waited = pool.handle().block_on(async move { p.wait_idle() });
        assert_eq!(waited, Err(WaitIdleError::InsideWorker));
        let report = pool.shutdown_timeout(Duration::from_secs(5)).unwrap();
        assert!(!report.timed_out);
    });
}

/// `drain` awaited inside one of the pool's own tasks would wait for itself.
#[test]
fn drain_inside_pool_task_is_an_error() {
    guarded("drain_inside_pool_task_is_an_error", || {
        let pool = Arc::new(pool(2, 1));
        let p = pool.clone();
        let h = pool
            .try_submit(async move { p.drain(Duration::from_secs(1)).await.map(|_| ()) })
            .unwrap();
        assert_eq!(h.join().unwrap(), Err(ShutdownError::InsideWorker));
        assert!(
            pool.try_submit(async {}).unwrap_err().is_closed(),
            "closed anyway"
        );
    });
}

/// The sync `Pool::submit` with `Block` on the pool's own runtime hands the job back as
/// `Full` instead of waiting.
#[test]
fn blocking_submit_inside_runtime_is_full() {
    guarded("blocking_submit_inside_runtime_is_full", || {
        use pool_core::PoolExt;
        let pool = Arc::new(
            AsyncPool::builder()
                .concurrency(1)
                .worker_threads(1)
                .queue_bound(Some(1))
                .build()
                .unwrap(),
        );
        let latch = Arc::new(pool_testkit::Latch::new(1));
        let l = latch.clone();
        pool.execute(move || l.wait()).unwrap();
        pool_testkit::eventually("blocker runs", || pool.metrics().running == 1);
        pool.execute(|| {}).unwrap();
        let p = pool.clone();
        let full = pool
            .handle()
            .block_on(async move { p.execute(|| {}).map_err(|e| e.is_full()) });
        assert_eq!(full, Err(true));
        latch.count_down();
        pool.wait_idle().unwrap();
    });
}

/// `AsyncGroup::spawn` on a closed pool hands the future back as `Closed`, and
/// `try_spawn` at the bound as `Full`; the group is unchanged either way.
#[test]
fn group_spawn_closed_and_try_spawn_full() {
    guarded("group_spawn_closed_and_try_spawn_full", || {
        use pool_core::CollectAll;
        let pool = AsyncPool::builder()
            .concurrency(1)
            .worker_threads(1)
            .queue_bound(Some(1))
            .build()
            .unwrap();
        let release = Arc::new(tokio::sync::Notify::new());
        let mut group = pool.group::<u8, (), _>(CollectAll);
        let r = release.clone();
        group
            .try_spawn(async move {
                r.notified().await;
                Ok(1)
            })
            .unwrap();
        pool_testkit::eventually("it runs", || pool.metrics().running == 1);
        group.try_spawn(async { Ok(2) }).unwrap();
        let back = match group.try_spawn(async { Ok(3) }) {
            Err(pool_core::SubmitError::Full(fut)) => fut,
            other => panic!("expected Full, got {other:?}"),
        };
        assert_eq!(group.len(), 2);
        assert_eq!(pool.handle().block_on(back), Ok(3));
        release.notify_one();
        let values: Vec<u8> = pool
            .handle()
            .block_on(group.wait())
            .into_iter()
            .map(|r| r.unwrap())
            .collect();
        assert_eq!(values, [1, 2]);
        pool.shutdown(ShutdownMode::Graceful).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let mut late = pool.group::<u8, (), _>(CollectAll);
        let err = rt.block_on(late.spawn(async { Ok(4) })).unwrap_err();
        assert!(err.is_closed());
        assert!(late.is_empty());
        assert_eq!(rt.block_on(err.into_inner()), Ok(4));
    });
}
