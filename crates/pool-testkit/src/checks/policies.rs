//! The error policies of `pool_core::TaskGroup`, run over the pool under test.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use pool_core::{CollectAll, FailFast, GroupError, TaskGroup};

use super::{config, Build};
use crate::{eventually, with_watchdog, DEADLOCK};

/// CollectAll runs every task and returns every value and every error, in spawn order.
pub fn collect_all_gathers_every_error(build: Build, workers: usize) {
    with_watchdog("collect_all_gathers_every_error", DEADLOCK, move || {
        let pool = build(config(workers));
        let mut group = TaskGroup::new(&*pool, CollectAll);
        for i in 0..300u32 {
            group
                .spawn(move |_| match i % 10 {
                    3 => Err(i),
                    7 => panic!("task {i} panics"),
                    _ => Ok(i * 2),
                })
                .unwrap_or_else(|_| panic!("open pool"));
        }
        let results = group.wait();
        assert_eq!(results.len(), 300);
        for (i, r) in results.into_iter().enumerate() {
            let i = i as u32;
            match (i % 10, r) {
                (3, Err(GroupError::Task(e))) => assert_eq!(e, i),
                (7, Err(e)) => assert!(e.is_panic(), "task {i}: {e:?}"),
                (_, Ok(v)) => assert_eq!(v, i * 2),
                (_, other) => panic!("task {i}: unexpected {other:?}"),
            }
        }
    });
}

/// FailFast returns the first task's error; tasks not started when it failed never run and
/// report cancelled; a task already running sees the cancel flag.
pub fn fail_fast_cancels_the_rest(build: Build, workers: usize) {
    with_watchdog("fail_fast_cancels_the_rest", DEADLOCK, move || {
        let pool = build(config(workers));
        let mut group = TaskGroup::<u32, &str, FailFast>::new(&*pool, FailFast);
        let token = group.cancel_token();
        // With a spare worker, a long task is running when the failure happens; it must see
        // the flag (or the watchdog fires).
        let watcher_saw_flag = Arc::new(AtomicUsize::new(0));
        let watcher_started = Arc::new(AtomicUsize::new(0));
        if workers > 1 {
            let (saw, started) = (watcher_saw_flag.clone(), watcher_started.clone());
            group
                .spawn(move |token| {
                    started.store(1, Ordering::SeqCst);
                    while !token.is_cancelled() {
                        std::thread::yield_now();
                    }
                    saw.store(1, Ordering::SeqCst);
                    Ok(0)
                })
                .unwrap_or_else(|_| panic!("open pool"));
            // Only a task already running when the failure happens is promised the flag.
            eventually("the watcher task starts", || {
                watcher_started.load(Ordering::SeqCst) == 1
            });
        }
        group
            .spawn(|_| Err("first failure"))
            .unwrap_or_else(|_| panic!("open pool"));
        eventually("the failing task cancels the group", || {
            token.is_cancelled()
        });
        let ran_late = Arc::new(AtomicUsize::new(0));
        for i in 0..100 {
            let ran_late = ran_late.clone();
            group
                .spawn(move |_| {
                    ran_late.fetch_add(1, Ordering::SeqCst);
                    Ok(i)
                })
                .unwrap_or_else(|_| panic!("open pool"));
        }
        let err = group.wait().expect_err("one task failed");
        assert!(matches!(err, GroupError::Task("first failure")), "{err:?}");
        assert_eq!(
            ran_late.load(Ordering::SeqCst),
            0,
            "cancelled tasks never ran"
        );
        if workers > 1 {
            assert_eq!(watcher_saw_flag.load(Ordering::SeqCst), 1);
        }
    });
}
