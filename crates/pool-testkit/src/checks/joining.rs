//! Joining a task's handle from inside a task of the same pool, for pools whose joiners
//! run a task nobody started yet ([`Pool::inline_joins`]): never a deadlock, at any
//! worker count.

use std::sync::Arc;

use pool_core::{CollectAll, Pool, PoolExt, ShutdownMode, TaskGroup};

use super::{config, scaled, Build};
use crate::{with_watchdog, Latch, DEADLOCK};

/// Spawns a chain of `depth` tasks, each joining the next from inside the one before;
/// returns `depth` once every link has run.
fn chain(pool: Arc<dyn Pool>, depth: usize) -> usize {
    if depth == 0 {
        return 0;
    }
    let inner = pool.clone();
    let below = pool
        .spawn(move || chain(inner, depth - 1))
        .unwrap_or_else(|_| panic!("an open pool accepts the child"))
        .join()
        .expect("the child does not panic");
    below + 1
}

/// Every worker runs a task that spawns a child and joins it (then a chain several levels
/// deep, then a child that panics): with no worker free, each joiner must run its child
/// itself. The panic reaches the join; the report balances.
pub fn join_inside_every_worker(build: Build, workers: usize) {
    with_watchdog("join_inside_every_worker", DEADLOCK, move || {
        let pool = build(config(workers));
        assert!(
            pool.inline_joins().is_some(),
            "the pool declares inline joins"
        );
        // Every outer task waits until all are running, so every worker holds one.
        let started = Arc::new(Latch::new(workers));
        let outer: Vec<_> = (0..workers)
            .map(|i| {
                let (inner, started) = (pool.clone(), started.clone());
                pool.spawn(move || {
                    started.count_down();
                    started.wait();
                    let child = inner
                        .spawn(move || i * 2)
                        .unwrap_or_else(|_| panic!("open pool"))
                        .join()
                        .expect("the child does not panic");
                    let depth = chain(inner.clone(), 8);
                    let panicked = inner
                        .spawn(|| -> usize { panic!("child panics on purpose") })
                        .unwrap_or_else(|_| panic!("open pool"))
                        .join()
                        .expect_err("the child panicked");
                    (child, depth, panicked.is_panic())
                })
                .unwrap_or_else(|_| panic!("open pool"))
            })
            .collect();
        for (i, handle) in outer.into_iter().enumerate() {
            assert_eq!(handle.join().expect("the outer task"), (i * 2, 8, true));
        }
        let report = pool.shutdown(ShutdownMode::Graceful).expect("from outside");
        assert!(report.is_balanced(), "{report:?}");
        // Outer tasks, their children, the chains' links, the panicking children.
        assert_eq!(
            report.submitted,
            (workers * (1 + 1 + 8 + 1)) as u64,
            "{report:?}"
        );
    });
}

/// Stress: more outside submitters than cores, each spawning many tasks that all join
/// children (a chain three deep) at once; every task's result comes back exactly once and
/// every job is accounted for.
pub fn join_inside_many_tasks_at_once(build: Build, workers: usize) {
    with_watchdog("join_inside_many_tasks_at_once", DEADLOCK, move || {
        const SUBMITTERS: usize = 4;
        const DEPTH: usize = 3;
        let per_submitter = scaled(64);
        let pool = build(config(workers));
        let submitters: Vec<_> = (0..SUBMITTERS)
            .map(|s| {
                let pool = pool.clone();
                std::thread::spawn(move || {
                    let handles: Vec<_> = (0..per_submitter)
                        .map(|i| {
                            let inner = pool.clone();
                            let id = s * per_submitter + i;
                            pool.spawn(move || (id, chain(inner, DEPTH)))
                                .unwrap_or_else(|_| panic!("open pool"))
                        })
                        .collect();
                    handles
                        .into_iter()
                        .map(|h| h.join().expect("no task panics"))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut seen = vec![false; SUBMITTERS * per_submitter];
        for submitter in submitters {
            for (id, depth) in submitter.join().expect("the submitter") {
                assert_eq!(depth, DEPTH);
                assert!(!seen[id], "task {id} came back twice");
                seen[id] = true;
            }
        }
        assert!(seen.iter().all(|&s| s), "every task came back");
        let report = pool.shutdown(ShutdownMode::Graceful).expect("from outside");
        assert!(report.is_balanced(), "{report:?}");
        let jobs = (SUBMITTERS * per_submitter * (1 + DEPTH)) as u64;
        assert_eq!(
            (report.submitted, report.completed),
            (jobs, jobs),
            "{report:?}"
        );
    });
}

/// A [`TaskGroup`] waited on inside a task, on every worker at once: its tasks run on the
/// waiting workers, and every result comes back.
pub fn group_wait_inside_every_worker(build: Build, workers: usize) {
    with_watchdog("group_wait_inside_every_worker", DEADLOCK, move || {
        const TASKS: usize = 4;
        let pool = build(config(workers));
        let started = Arc::new(Latch::new(workers));
        let outer: Vec<_> = (0..workers)
            .map(|_| {
                let (inner, started) = (pool.clone(), started.clone());
                pool.spawn(move || {
                    started.count_down();
                    started.wait();
                    let mut group = TaskGroup::new(&*inner, CollectAll);
                    for i in 0..TASKS {
                        group
                            .spawn(move |_| Ok::<usize, ()>(i))
                            .unwrap_or_else(|_| panic!("open pool"));
                    }
                    group
                        .wait()
                        .into_iter()
                        .map(|r| r.expect("no task fails"))
                        .sum::<usize>()
                })
                .unwrap_or_else(|_| panic!("open pool"))
            })
            .collect();
        for handle in outer {
            assert_eq!(
                handle.join().expect("the outer task"),
                (0..TASKS).sum::<usize>()
            );
        }
        let report = pool.shutdown(ShutdownMode::Graceful).expect("from outside");
        assert!(report.is_balanced(), "{report:?}");
    });
}

/// A joiner whose task already runs on another worker waits without running other queued
/// tasks: one of those could join the joiner's own task, under it on its stack, and never
/// return. Here task `T` joins `X` while `X` waits for `Y`, which runs on another worker;
/// with `T` run on top of `X` this would hang. Needs a second worker to run `Y`, so at one
/// worker there is nothing to check.
pub fn join_runs_nothing_else_while_waiting(build: Build, workers: usize) {
    if workers < 2 {
        return;
    }
    with_watchdog(
        "join_runs_nothing_else_while_waiting",
        DEADLOCK,
        move || {
            let pool = build(config(workers));
            let go = Arc::new(Latch::new(1));
            let y_started = Arc::new(Latch::new(1));
            let x_joining = Arc::new(Latch::new(1));
            let x = {
                let (inner, go, y_started, x_joining) = (
                    pool.clone(),
                    go.clone(),
                    y_started.clone(),
                    x_joining.clone(),
                );
                pool.spawn(move || {
                    let y = {
                        let y_started = y_started.clone();
                        inner
                            .spawn(move || {
                                y_started.count_down();
                                go.wait();
                                1
                            })
                            .unwrap_or_else(|_| panic!("open pool"))
                    };
                    y_started.wait();
                    x_joining.count_down();
                    y.join().expect("y does not panic") + 1
                })
                .unwrap_or_else(|_| panic!("open pool"))
            };
            x_joining.wait();
            let t = pool
                .spawn(move || x.join().expect("x does not panic"))
                .unwrap_or_else(|_| panic!("open pool"));
            go.count_down();
            assert_eq!(t.join().expect("t does not panic"), 2);
            let report = pool.shutdown(ShutdownMode::Graceful).expect("from outside");
            assert!(report.is_balanced(), "{report:?}");
        },
    );
}
