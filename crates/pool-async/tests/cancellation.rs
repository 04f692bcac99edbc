//! Cancelling one task, a group (FailFast), and everything left at a shutdown timeout.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{guarded, pool, DropCount};
use pool_core::{CollectAll, FailFast, GroupError, Pool};

async fn forever() {
    tokio::time::sleep(Duration::from_secs(3600)).await;
}

/// Cancelling a running task drops its future at its `.await`; its handle reports
/// cancelled with its id; the other tasks are unaffected; the metrics balance.
#[test]
fn cancel_one_running_task() {
    guarded("cancel_one_running_task", || {
        let pool = pool(4, 2);
        let drops = Arc::new(AtomicUsize::new(0));
        let d = DropCount(drops.clone());
        let victim = pool
            .try_submit(async move {
                let _d = d;
                forever().await;
            })
            .unwrap();
        let bystander = pool
            .try_submit(async {
                tokio::time::sleep(Duration::from_millis(20)).await;
                9
            })
            .unwrap();
        pool_testkit::eventually("victim runs", || pool.metrics().running >= 1);
        let id = victim.id();
        victim.cancel();
        let err = victim.join().unwrap_err().into_task_error().unwrap();
        assert!(err.is_cancelled());
        assert_eq!(err.id(), Some(id));
        assert_eq!(bystander.join().unwrap(), 9);
        pool.wait_idle().unwrap();
        assert_eq!(
            drops.load(Ordering::SeqCst),
            1,
            "the future was dropped once"
        );
        let m = pool.metrics();
        assert_eq!((m.completed, m.cancelled), (1, 1), "{m:?}");
        assert!(m.is_balanced(), "{m:?}");
    });
}

/// Cancelling a queued task means it never starts.
#[test]
fn cancel_one_queued_task() {
    guarded("cancel_one_queued_task", || {
        let pool = pool(1, 1);
        let blocker = pool
            .try_submit(async { tokio::time::sleep(Duration::from_millis(50)).await })
            .unwrap();
        let ran = Arc::new(AtomicUsize::new(0));
        let r = ran.clone();
        let queued = pool
            .try_submit(async move {
                r.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap();
        queued.cancel();
        assert!(queued
            .join()
            .unwrap_err()
            .into_task_error()
            .unwrap()
            .is_cancelled());
        blocker.join().unwrap();
        pool.wait_idle().unwrap();
        assert_eq!(ran.load(Ordering::SeqCst), 0);
        let m = pool.metrics();
        assert_eq!((m.completed, m.cancelled), (1, 1), "{m:?}");
        assert!(m.is_balanced(), "{m:?}");
    });
}

/// FailFast: the first failure cancels the group's running and queued tasks promptly
/// (they would take an hour), and `wait` returns that failure. (A failing task queued
/// behind endless ones could never fail: the limit is real.)
#[test]
fn fail_fast_cancels_running_and_queued_tasks() {
    guarded("fail_fast_cancels_running_and_queued_tasks", || {
        let pool = pool(4, 2);
        let finished = Arc::new(AtomicUsize::new(0));
        let start = Instant::now();
        let outcome = pool.handle().block_on(async {
            let mut group = pool.group::<u32, &str, _>(FailFast);
            // Runs first (it must get a permit to fail), beside 3 endless tasks; 17 queue.
            group
                .spawn(async {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    Err("boom")
                })
                .await
                .unwrap();
            for i in 0..20 {
                let finished = finished.clone();
                group
                    .spawn(async move {
                        forever().await;
                        finished.fetch_add(1, Ordering::SeqCst);
                        Ok(i)
                    })
                    .await
                    .unwrap();
            }
            group.wait().await
        });
        assert!(
            matches!(outcome, Err(GroupError::Task("boom"))),
            "{outcome:?}"
        );
        assert!(start.elapsed() < Duration::from_secs(20));
        assert_eq!(finished.load(Ordering::SeqCst), 0);
        pool.wait_idle().unwrap();
        let m = pool.metrics();
        assert_eq!((m.completed, m.cancelled), (1, 20), "{m:?}");
        assert!(m.is_balanced(), "{m:?}");
    });
}

/// FailFast: a panic counts as the first failure too.
#[test]
fn fail_fast_on_panic() {
    guarded("fail_fast_on_panic", || {
        let pool = pool(2, 2);
        let outcome = pool.handle().block_on(async {
            let mut group = pool.group::<(), (), _>(FailFast);
            group
                .spawn(async {
                    forever().await;
                    Ok(())
                })
                .await
                .unwrap();
            group
                .spawn(async { panic!("task exploded") })
                .await
                .unwrap();
            group.wait().await
        });
        match outcome {
            Err(GroupError::Failed(e)) => assert_eq!(e.panic_message(), Some("task exploded")),
            other => panic!("expected the panic, got {other:?}"),
        }
    });
}

/// CollectAll keeps every result in order and cancels nothing on failure.
#[test]
fn collect_all_keeps_every_result() {
    guarded("collect_all_keeps_every_result", || {
        let pool = pool(3, 2);
        let results = pool.handle().block_on(async {
            let mut group = pool.group::<u32, u32, _>(CollectAll);
            for i in 0..30u32 {
                group
                    .spawn(async move {
                        tokio::time::sleep(Duration::from_micros(100)).await;
                        if i % 4 == 1 {
                            Err(i)
                        } else {
                            Ok(i)
                        }
                    })
                    .await
                    .unwrap();
            }
            group.wait().await
        });
        for (i, r) in results.into_iter().enumerate() {
            let i = i as u32;
            match r {
                Ok(v) => assert_eq!(v, i),
                Err(GroupError::Task(e)) => assert_eq!((e, i % 4), (i, 1)),
                Err(other) => panic!("task {i}: {other:?}"),
            }
        }
    });
}

/// Graceful shutdown with a timeout cancels what is left and names every cancelled task:
/// the running ones as interrupted, the queued ones as never started.
#[test]
fn shutdown_timeout_reports_what_was_cancelled() {
    guarded("shutdown_timeout_reports_what_was_cancelled", || {
        let pool = pool(3, 2);
        let quick = pool.try_submit(async { 1 }).unwrap();
        assert_eq!(quick.join().unwrap(), 1);
        let running: Vec<_> = (0..3)
            .map(|_| pool.try_submit(forever()).unwrap())
            .collect();
        pool_testkit::eventually("three run", || pool.metrics().running == 3);
        let queued: Vec<_> = (0..5)
            .map(|_| pool.try_submit(forever()).unwrap())
            .collect();
        let start = Instant::now();
        let report = pool.shutdown_timeout(Duration::from_millis(100)).unwrap();
        assert!(start.elapsed() >= Duration::from_millis(100));
        assert!(report.timed_out);
        let mut interrupted = report.interrupted.clone();
        interrupted.sort_unstable();
        let mut never = report.never_started.clone();
        never.sort_unstable();
        assert_eq!(
            interrupted,
            running.iter().map(|h| h.id()).collect::<Vec<_>>()
        );
        assert_eq!(never, queued.iter().map(|h| h.id()).collect::<Vec<_>>());
        assert_eq!(report.cancelled().len(), 8);
        assert_eq!((report.report.completed, report.report.discarded), (1, 8));
        assert!(report.report.is_balanced(), "{report:?}");
        for h in running.into_iter().chain(queued) {
            assert!(h
                .join()
                .unwrap_err()
                .into_task_error()
                .unwrap()
                .is_cancelled());
        }
        let again = pool.shutdown_timeout(Duration::from_millis(1)).unwrap();
        assert_eq!(again.report, report.report);
        assert!(again.cancelled().is_empty() && !again.timed_out);
        assert!(pool.try_submit(async {}).unwrap_err().is_closed());
    });
}

/// The async drain, awaited from a task of the same (attached) runtime, reports alike.
#[test]
fn drain_reports_what_was_cancelled() {
    guarded("drain_reports_what_was_cancelled", || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let pool = pool_async::AsyncPool::builder()
            .concurrency(2)
            .attach(rt.handle().clone())
            .unwrap();
        let report = rt.block_on(async {
            let done = pool.submit(async { 3 }).await.unwrap();
            let slow = pool.submit(forever()).await.unwrap();
            assert_eq!(done.await.unwrap(), 3);
            let report = pool.drain(Duration::from_millis(30)).await.unwrap();
            assert_eq!(report.interrupted, [slow.id()]);
            assert!(slow.await.unwrap_err().is_cancelled());
            report
        });
        assert!(
            report.timed_out && report.report.is_balanced(),
            "{report:?}"
        );
        let idle = rt.block_on(pool.drain(Duration::from_secs(1))).unwrap();
        assert!(!idle.timed_out);
    });
}

/// A drain that is not needed does not wait for its timeout.
#[test]
fn shutdown_timeout_returns_as_soon_as_idle() {
    guarded("shutdown_timeout_returns_as_soon_as_idle", || {
        let pool = pool(2, 1);
        let h = pool
            .try_submit(async { tokio::time::sleep(Duration::from_millis(10)).await })
            .unwrap();
        let start = Instant::now();
        let report = pool.shutdown_timeout(Duration::from_secs(20)).unwrap();
        assert!(start.elapsed() < Duration::from_secs(10));
        assert!(!report.timed_out && report.cancelled().is_empty());
        h.join().unwrap();
    });
}
