//! `scope`: borrowing, nested spawns, panics after siblings finish, and use from outside.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use pool_work_stealing::{scope, WorkStealingPool};

fn pool(workers: usize) -> WorkStealingPool {
    WorkStealingPool::builder()
        .workers(workers)
        .build()
        .expect("pool")
}

#[test]
fn scope_spawns_borrow_and_all_finish_before_return() {
    let pool = pool(2);
    let mut slots = vec![0usize; if cfg!(miri) { 16 } else { 1000 }];
    pool.scope(|s| {
        for (i, slot) in slots.iter_mut().enumerate() {
            s.spawn(move |_| *slot = i + 1);
        }
    });
    assert!(slots.iter().enumerate().all(|(i, &v)| v == i + 1));
}

#[test]
fn nested_spawns_run_exactly_once() {
    let pool = pool(8);
    let n = if cfg!(miri) { 4 } else { 64 };
    let hits: Vec<AtomicUsize> = (0..n * n).map(|_| AtomicUsize::new(0)).collect();
    pool.scope(|s| {
        for i in 0..n {
            let hits = &hits;
            s.spawn(move |s| {
                for j in 0..n {
                    s.spawn(move |_| {
                        hits[i * n + j].fetch_add(1, Ordering::Relaxed);
                    });
                }
            });
        }
    });
    assert!(hits.iter().all(|h| h.load(Ordering::Relaxed) == 1));
}

#[test]
fn scope_panic_in_spawn_reaches_caller_after_siblings_finished() {
    let pool = pool(2);
    let finished = AtomicUsize::new(0);
    let err = catch_unwind(AssertUnwindSafe(|| {
        pool.scope(|s| {
            s.spawn(|_| panic!("spawned"));
            for _ in 0..4 {
                s.spawn(|_| {
                    std::thread::sleep(Duration::from_millis(2));
                    finished.fetch_add(1, Ordering::SeqCst);
                });
            }
        })
    }))
    .expect_err("the spawned panic reaches the caller");
    assert_eq!(err.downcast_ref::<&str>(), Some(&"spawned"));
    assert_eq!(finished.load(Ordering::SeqCst), 4);
}

#[test]
fn scope_panic_in_body_wins_and_spawns_still_finish() {
    let pool = pool(2);
    let finished = AtomicUsize::new(0);
    let err = catch_unwind(AssertUnwindSafe(|| {
        pool.scope(|s| {
            s.spawn(|_| panic!("spawned"));
            s.spawn(|_| {
                finished.fetch_add(1, Ordering::SeqCst);
            });
            panic!("body");
        })
    }))
    .expect_err("a panic reaches the caller");
    assert_eq!(err.downcast_ref::<&str>(), Some(&"body"));
    assert_eq!(finished.load(Ordering::SeqCst), 1);
}

#[test]
fn free_scope_panics_outside_a_pool_worker() {
    let err = catch_unwind(|| scope(|_| ())).expect_err("no pool here");
    let message = err.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(message.contains("outside a pool worker"), "{message}");
}

#[test]
fn spawn_from_a_foreign_thread_is_injected() {
    let pool = pool(2);
    let ran = AtomicUsize::new(0);
    pool.scope(|s| {
        std::thread::scope(|t| {
            t.spawn(|| {
                s.spawn(|_| {
                    ran.fetch_add(1, Ordering::SeqCst);
                })
            });
        });
    });
    assert_eq!(ran.load(Ordering::SeqCst), 1);
}

#[test]
fn scope_on_one_worker_runs_its_own_spawns_while_waiting() {
    let pool = WorkStealingPool::builder()
        .workers(1)
        .max_help_depth(1)
        .build()
        .expect("pool");
    let count = AtomicUsize::new(0);
    pool.scope(|s| {
        for _ in 0..100 {
            s.spawn(|_| {
                count.fetch_add(1, Ordering::Relaxed);
            });
        }
    });
    assert_eq!(count.into_inner(), 100);
}
