//! Termination: `run` returns exactly when the whole tree is done; deep chains do not grow
//! the stack; random trees fold to the sequential result; `wait_idle` counts trees and jobs.

mod common;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use pool_core::{Pool, PoolExt};
use pool_recursive::{RecursivePool, Scope};
use pool_testkit::kernels::{random_tree, RandomTree};
use pool_testkit::with_watchdog;

use common::{pool, LIMIT};

/// Folds `tree` in parallel: each node adds its value and spawns its children; a
/// per-node bitmap checks that every node ran exactly once.
fn fold(
    s: &Scope<'_>,
    tree: Arc<RandomTree>,
    node: usize,
    sum: Arc<AtomicU64>,
    seen: Arc<Vec<AtomicBool>>,
) {
    assert!(
        !seen[node].swap(true, Ordering::Relaxed),
        "node {node} ran twice"
    );
    sum.fetch_add(tree.value(node), Ordering::Relaxed);
    for &child in tree.children(node) {
        let (tree, sum, seen) = (tree.clone(), sum.clone(), seen.clone());
        s.spawn(move |s| fold(s, tree, child, sum, seen));
    }
}

fn check_random_trees(workers: usize, seeds: std::ops::Range<u64>, max_nodes: usize) {
    let pool = pool(workers);
    for seed in seeds {
        let tree = Arc::new(random_tree(seed, max_nodes));
        let sum = Arc::new(AtomicU64::new(0));
        let seen: Arc<Vec<AtomicBool>> =
            Arc::new((0..tree.len()).map(|_| AtomicBool::new(false)).collect());
        let (t, s2, seen2) = (tree.clone(), sum.clone(), seen.clone());
        pool.run(move |s| fold(s, t, 0, s2, seen2))
            .expect("no task fails");
        // Never early: every node ran before `run` returned.
        assert_eq!(
            sum.load(Ordering::Relaxed),
            tree.fold_sequential().0,
            "seed {seed}"
        );
        assert!(
            seen.iter().all(|b| b.load(Ordering::Relaxed)),
            "seed {seed}: a node never ran"
        );
        assert!(
            pool.metrics().is_balanced(),
            "seed {seed}: {:?}",
            pool.metrics()
        );
    }
}

#[test]
fn random_trees_equal_sequential_fold_at_1_2_8_workers() {
    with_watchdog("random_trees", LIMIT, || {
        check_random_trees(1, 0..20, 2_000);
        check_random_trees(2, 20..60, 2_000);
        check_random_trees(8, 60..100, 2_000);
    });
}

/// A task whose last act is a submit, in a chain: the tree must not be declared done
/// between the parent's end and the child's start.
#[test]
fn last_act_submit_is_never_missed() {
    fn link(s: &Scope<'_>, left: u32, done: Arc<AtomicU64>) {
        done.fetch_add(1, Ordering::Relaxed);
        if left > 0 {
            s.spawn(move |s| link(s, left - 1, done));
        }
    }
    with_watchdog("last_act_submit", LIMIT, || {
        let pool = pool(2);
        for round in 0..200 {
            let done = Arc::new(AtomicU64::new(0));
            let d = done.clone();
            pool.run(move |s| link(s, 20, d)).expect("no failure");
            assert_eq!(done.load(Ordering::Relaxed), 21, "round {round}");
        }
    });
}

/// 100,000 nested submissions on workers with a 256 KiB stack: children run from the queue,
/// not inside their parent's frame, so the stack does not grow with the chain.
#[test]
fn chain_of_100k_nested_submissions_does_not_grow_the_stack() {
    fn link(s: &Scope<'_>, left: u32, done: Arc<AtomicU64>) {
        done.fetch_add(1, Ordering::Relaxed);
        if left > 0 {
            s.spawn(move |s| link(s, left - 1, done));
        }
    }
    with_watchdog("deep_chain", LIMIT, || {
        let pool = RecursivePool::builder()
            .workers(2)
            .stack_size(Some(256 * 1024))
            .build()
            .expect("valid config");
        let done = Arc::new(AtomicU64::new(0));
        let d = done.clone();
        pool.run(move |s| link(s, 100_000, d)).expect("no failure");
        assert_eq!(done.load(Ordering::Relaxed), 100_001);
    });
}

/// The same chain through the pool's bounded configuration (caller runs over the bound).
#[test]
fn chain_of_100k_with_a_bound_does_not_grow_the_stack() {
    fn link(s: &Scope<'_>, left: u32, done: Arc<AtomicU64>) {
        done.fetch_add(1, Ordering::Relaxed);
        if left > 0 {
            s.spawn(move |s| link(s, left - 1, done));
        }
    }
    with_watchdog("deep_chain_bounded", LIMIT, || {
        let pool = RecursivePool::builder()
            .workers(1)
            .queue_bound(Some(1))
            .stack_size(Some(256 * 1024))
            .build()
            .expect("valid config");
        let done = Arc::new(AtomicU64::new(0));
        let d = done.clone();
        pool.run(move |s| link(s, 100_000, d)).expect("no failure");
        assert_eq!(done.load(Ordering::Relaxed), 100_001);
    });
}

/// `wait_idle` waits for trees started from other threads and for plain jobs, including
/// jobs submitted through `Pool` from inside tree tasks.
#[test]
fn wait_idle_counts_trees_and_jobs() {
    with_watchdog("wait_idle_trees_jobs", LIMIT, || {
        let pool = Arc::new(pool(2));
        let count = Arc::new(AtomicU64::new(0));
        let runners: Vec<_> = (0..3)
            .map(|_| {
                let (pool, count) = (pool.clone(), count.clone());
                std::thread::spawn(move || {
                    let p = pool.clone();
                    pool.run(move |s| {
                        for _ in 0..50 {
                            let count = count.clone();
                            s.spawn(move |_| {
                                std::thread::sleep(std::time::Duration::from_micros(200));
                                count.fetch_add(1, Ordering::Relaxed);
                            });
                        }
                        let c = count.clone();
                        p.execute(move || {
                            c.fetch_add(1, Ordering::Relaxed);
                        })
                        .expect("inside submissions are accepted");
                    })
                    .expect("no failure");
                })
            })
            .collect();
        for _ in 0..20 {
            let count = count.clone();
            pool.execute(move || {
                count.fetch_add(1, Ordering::Relaxed);
            })
            .expect("open pool");
        }
        for r in runners {
            r.join().expect("runner");
        }
        pool.wait_idle().expect("outside");
        assert_eq!(count.load(Ordering::Relaxed), 3 * 51 + 20);
        let m = pool.metrics();
        assert!(m.is_balanced(), "{m:?}");
    });
}

/// Trees started from inside a task (nested `run`) complete, even on one worker.
#[test]
fn nested_run_from_inside_a_task_one_worker() {
    with_watchdog("nested_run", LIMIT, || {
        let pool = Arc::new(pool(1));
        let inner = Arc::new(AtomicU64::new(0));
        let (p, i) = (pool.clone(), inner.clone());
        pool.run(move |_| {
            p.run(move |s| {
                for _ in 0..10 {
                    let i = i.clone();
                    s.spawn(move |_| {
                        i.fetch_add(1, Ordering::Relaxed);
                    });
                }
            })
            .expect("inner tree");
        })
        .expect("outer tree");
        assert_eq!(inner.load(Ordering::Relaxed), 10);
    });
}
