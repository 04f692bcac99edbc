//! Error handling for trees: fail fast cancels the remaining tree, collect all gathers every
//! error, panics carry the id of the task that panicked.

mod common;

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pool_core::{CollectAll, FailFast, Pool, ShutdownMode, TaskId};
use pool_recursive::Scope;
use pool_testkit::with_watchdog;

use common::{boom, pool, LIMIT};

/// One worker, LIFO: the root queues 100 leaves and then a failing task, which runs first.
/// Under fail fast none of the 100 queued descendants ever runs.
#[test]
fn fail_fast_queued_descendants_never_run() {
    with_watchdog("fail_fast_queued", LIMIT, || {
        let pool = pool(1);
        let ran = Arc::new(AtomicU64::new(0));
        let r = ran.clone();
        let err = pool
            .run_with(FailFast, move |s: &Scope<'_, &'static str>| {
                for _ in 0..100 {
                    let r = r.clone();
                    s.spawn(move |s: &Scope<'_, &'static str>| {
                        r.fetch_add(1, Ordering::Relaxed);
                        // Grandchildren too would be skipped, were they ever submitted.
                        s.spawn(|_: &Scope<'_, &'static str>| ());
                    });
                }
                s.spawn(|_: &Scope<'_, &'static str>| Err("first failure"));
                Ok(())
            })
            .expect_err("a task failed");
        assert_eq!(ran.load(Ordering::Relaxed), 0);
        assert_eq!(err.skipped(), 100);
        assert_eq!(err.failures().len(), 1);
        assert!(matches!(
            err.first().map(|f| &f.error),
            Some(pool_core::GroupError::Task("first failure"))
        ));
    });
}

/// Two workers: a running task sees the cancellation flag raised by its child's failure.
#[test]
fn fail_fast_running_tasks_see_the_flag() {
    with_watchdog("fail_fast_running", LIMIT, || {
        let pool = pool(2);
        let saw_flag = Arc::new(AtomicU64::new(0));
        let f = saw_flag.clone();
        let err = pool
            .run_with(FailFast, move |s: &Scope<'_, String>| {
                s.spawn(move |s: &Scope<'_, String>| {
                    // Submitted from the running task, so the other worker takes it while
                    // this one spins.
                    s.spawn(|_: &Scope<'_, String>| Err::<(), _>("sibling failed".to_owned()));
                    let deadline = Instant::now() + Duration::from_secs(10);
                    while !s.is_cancelled() && Instant::now() < deadline {
                        std::hint::spin_loop();
                    }
                    if s.is_cancelled() {
                        f.fetch_add(1, Ordering::Relaxed);
                    }
                });
                Ok(())
            })
            .expect_err("a task failed");
        assert_eq!(saw_flag.load(Ordering::Relaxed), 1);
        assert_eq!(err.failures().len(), 1);
    });
}

/// Collect all: every task runs; every error (returned or panicked) is reported once, each
/// with a distinct id.
#[test]
fn collect_all_gathers_every_error() {
    with_watchdog("collect_all", LIMIT, || {
        for workers in [1, 2, 8] {
            let pool = pool(workers);
            let ran = Arc::new(AtomicU64::new(0));
            let r = ran.clone();
            let err = pool
                .run_with(CollectAll, move |s: &Scope<'_, u32>| {
                    for i in 0..60u32 {
                        let r = r.clone();
                        s.spawn(move |s: &Scope<'_, u32>| {
                            r.fetch_add(1, Ordering::Relaxed);
                            match i % 3 {
                                0 => Err(i),
                                1 => {
                                    boom("leaf panic");
                                    Ok(())
                                }
                                _ => {
                                    s.spawn(|_: &Scope<'_, u32>| ());
                                    Ok(())
                                }
                            }
                        });
                    }
                    Ok(())
                })
                .expect_err("tasks failed");
            assert_eq!(ran.load(Ordering::Relaxed), 60, "{workers} workers");
            assert_eq!(err.skipped(), 0);
            let failures = err.failures();
            assert_eq!(failures.len(), 40);
            assert_eq!(failures.iter().filter(|f| f.error.is_panic()).count(), 20);
            let ids: HashSet<TaskId> = failures.iter().map(|f| f.id).collect();
            assert_eq!(ids.len(), 40, "ids are distinct");
            let mut values: Vec<u32> = failures
                .iter()
                .filter_map(|f| match f.error {
                    pool_core::GroupError::Task(v) => Some(v),
                    _ => None,
                })
                .collect();
            values.sort_unstable();
            assert_eq!(values, (0..60).step_by(3).collect::<Vec<_>>());
        }
    });
}

/// A panic is reported with the id the panicking task saw as its own.
#[test]
fn panic_is_reported_with_the_id_of_the_task_that_panicked() {
    with_watchdog("panic_id", LIMIT, || {
        let pool = pool(2);
        let seen = Arc::new(Mutex::new(None));
        let s2 = seen.clone();
        let err = pool
            .run(move |s| {
                s.spawn(move |s| {
                    s.spawn(move |s| {
                        *s2.lock().expect("lock") = Some(s.id());
                        boom("deep panic");
                    });
                });
            })
            .expect_err("a task panicked");
        let failure = err.first().expect("one failure");
        let id = seen.lock().expect("lock").expect("the task ran");
        assert_eq!(failure.id, id);
        match &failure.error {
            pool_core::GroupError::Failed(e) => {
                assert_eq!(e.id(), Some(id));
                assert_eq!(e.panic_message(), Some("deep panic"));
            }
            other => panic!("expected a panic, got {other:?}"),
        }
    });
}

/// `run` `# Errors`: on a pool already shut down the root is discarded and reported.
#[test]
fn run_errors_after_shutdown_discards_the_root() {
    with_watchdog("run_after_shutdown", LIMIT, || {
        let pool = pool(1);
        pool.shutdown(ShutdownMode::Graceful).expect("outside");
        let err = pool.run(|_| ()).expect_err("closed pool");
        assert_eq!(err.discarded(), 1);
        assert!(err.failures().is_empty());
    });
}

/// `run` `# Errors`: an immediate shutdown while a tree runs discards its queued tasks and
/// the tree reports them; `run` still returns.
#[test]
fn run_errors_immediate_shutdown_discards_queued_tree_tasks() {
    with_watchdog("run_immediate_shutdown", LIMIT, || {
        let pool = Arc::new(pool(1));
        let started = Arc::new(pool_testkit::Latch::new(1));
        let release = Arc::new(pool_testkit::Latch::new(1));
        let runner = {
            let (pool, started, release) = (pool.clone(), started.clone(), release.clone());
            std::thread::spawn(move || {
                pool.run(move |s| {
                    for _ in 0..50 {
                        s.spawn(|_| ());
                    }
                    started.count_down();
                    release.wait();
                })
            })
        };
        started.wait();
        let shutter = {
            let pool = pool.clone();
            std::thread::spawn(move || pool.shutdown(ShutdownMode::Immediate))
        };
        while pool.metrics().cancelled < 50 {
            std::thread::yield_now();
        }
        release.count_down();
        let report = shutter.join().expect("shutter").expect("outside");
        assert!(report.is_balanced(), "{report:?}");
        let err = runner.join().expect("runner").expect_err("tasks discarded");
        assert_eq!(err.discarded(), 50);
    });
}

/// A value whose destructor panics, captured by tasks that are skipped or discarded: the
/// destructor runs on a worker, and the worker survives it.
struct PanicOnDrop;

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        boom("destructor");
    }
}

#[test]
fn panicking_destructor_of_an_unrun_task_does_not_kill_the_worker() {
    with_watchdog("panic_in_drop", LIMIT, || {
        let pool = pool(1);
        let err = pool
            .run_with(FailFast, |s: &Scope<'_, ()>| {
                for _ in 0..5 {
                    let bomb = PanicOnDrop;
                    s.spawn(move |_: &Scope<'_, ()>| drop(bomb));
                }
                s.spawn(|_: &Scope<'_, ()>| Err(()));
                Ok(())
            })
            .expect_err("fail fast");
        assert_eq!(err.skipped(), 5);
        // The single worker is alive: a new tree still runs.
        let ran = Arc::new(AtomicU64::new(0));
        let r = ran.clone();
        pool.run(move |_| {
            r.fetch_add(1, Ordering::Relaxed);
        })
        .expect("the worker survived");
        assert_eq!(ran.load(Ordering::Relaxed), 1);
    });
}
