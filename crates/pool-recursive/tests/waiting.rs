//! No self-deadlock: a task waits for its own child by helping; submissions from inside
//! never block, bounded or not.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use pool_core::{OverflowPolicy, Pool, PoolExt};
use pool_recursive::{RecursivePool, Scope};
use pool_testkit::with_watchdog;

use common::{boom, pool, LIMIT};

/// fib by waiting on both children: every level waits, so with one worker the only way to
/// finish is that the waiting worker runs the children itself.
fn fib(s: &Scope<'_>, n: u64) -> u64 {
    if n < 2 {
        return n;
    }
    let a = s.spawn_with_handle(move |s| fib(s, n - 1));
    let b = s.spawn_with_handle(move |s| fib(s, n - 2));
    s.wait(a).expect("child a") + s.wait(b).expect("child b")
}

#[test]
fn task_waiting_for_its_own_child_one_worker_completes() {
    with_watchdog("wait_own_child_1", LIMIT, || {
        let pool = pool(1);
        let out = Arc::new(AtomicU64::new(0));
        let o = out.clone();
        pool.run(move |s| o.store(fib(s, 15), Ordering::Relaxed))
            .expect("no failure");
        assert_eq!(out.load(Ordering::Relaxed), 610);
    });
}

#[test]
fn nested_waits_at_2_and_8_workers_complete() {
    with_watchdog("nested_waits", LIMIT, || {
        for workers in [2, 8] {
            let pool = pool(workers);
            let out = Arc::new(AtomicU64::new(0));
            let o = out.clone();
            pool.run(move |s| o.store(fib(s, 16), Ordering::Relaxed))
                .expect("no failure");
            assert_eq!(out.load(Ordering::Relaxed), 987, "{workers} workers");
        }
    });
}

/// `Scope::wait` `# Errors`: a child's panic comes back with the child's id.
#[test]
fn wait_errors_child_panic_with_its_id() {
    with_watchdog("wait_panic", LIMIT, || {
        let pool = pool(1);
        pool.run(|s| {
            let child = s.spawn_with_handle(|_| boom("child"));
            let id = child.id();
            let err = s.wait(child).expect_err("the child panicked");
            assert!(err.is_panic());
            assert_eq!(err.id(), Some(id));
            assert_eq!(err.panic_message(), Some("child"));
        })
        .expect("the panic went to the handle, not the tree");
    });
}

/// `Scope::wait` `# Errors`: a child skipped because the tree was cancelled reports
/// cancellation.
#[test]
fn wait_errors_child_cancelled() {
    with_watchdog("wait_cancelled", LIMIT, || {
        let pool = pool(1);
        let err = pool
            .run(|s| {
                s.cancel();
                let child = s.spawn_with_handle(|_| 1);
                assert!(s.wait(child).expect_err("skipped").is_cancelled());
            })
            .expect_err("a cancelled tree reports its skipped task");
        assert_eq!(err.skipped(), 1);
    });
}

/// Capacity 1, 2 workers, every task submits 2 children: submissions from inside never
/// block, the overflow runs inline, and the tree finishes with every node run once.
#[test]
fn bounded_inside_submissions_never_block() {
    fn grow(s: &Scope<'_>, depth: u32, nodes: Arc<AtomicU64>) {
        nodes.fetch_add(1, Ordering::Relaxed);
        if depth > 0 {
            for _ in 0..2 {
                let nodes = nodes.clone();
                s.spawn(move |s| grow(s, depth - 1, nodes));
            }
        }
    }
    with_watchdog("bounded_inside", LIMIT, || {
        for workers in [1, 2, 8] {
            let pool = RecursivePool::builder()
                .workers(workers)
                .queue_bound(Some(1))
                .overflow(OverflowPolicy::Block)
                .build()
                .expect("valid config");
            let nodes = Arc::new(AtomicU64::new(0));
            let n = nodes.clone();
            pool.run(move |s| grow(s, 14, n)).expect("no failure");
            assert_eq!(nodes.load(Ordering::Relaxed), (1 << 15) - 1);
        }
    });
}

/// `Pool::submit` from inside a bounded pool's worker: never `Full`, never blocks (caller
/// runs); `try_submit` from inside is `Full` when the worker's queue is at the bound.
#[test]
fn pool_submit_from_inside_a_bounded_pool_runs_inline_over_the_bound() {
    with_watchdog("inside_submit_bounded", LIMIT, || {
        let pool = Arc::new(
            RecursivePool::builder()
                .workers(1)
                .queue_bound(Some(1))
                .build()
                .expect("valid config"),
        );
        let ran = Arc::new(AtomicU64::new(0));
        let (p, r) = (pool.clone(), ran.clone());
        pool.execute(move || {
            for _ in 0..10 {
                let r = r.clone();
                p.execute(move || {
                    r.fetch_add(1, Ordering::Relaxed);
                })
                .expect("inside submit never fails while open");
            }
            // The queue holds one job (the bound); a try now is handed back.
            let r = r.clone();
            let full = p.try_execute(move || {
                r.fetch_add(100, Ordering::Relaxed);
            });
            assert!(full.expect_err("at the bound").is_full());
        })
        .expect("open pool");
        pool.wait_idle().expect("outside");
        assert_eq!(ran.load(Ordering::Relaxed), 10);
        assert!(pool.metrics().is_balanced(), "{:?}", pool.metrics());
    });
}

/// Caller-runs nesting is capped: each task spawns a leaf (filling the bound of 1) and then
/// the next link, which would run inline, nested, 2,000 deep; on a 256 KiB stack that
/// overflows unless nesting stops at the cap and the rest is queued over the bound.
#[test]
fn caller_runs_nesting_is_capped_on_a_small_stack() {
    fn link(s: &Scope<'_>, left: u32, nodes: Arc<AtomicU64>) {
        nodes.fetch_add(1, Ordering::Relaxed);
        if left > 0 {
            let n = nodes.clone();
            s.spawn(move |_| {
                n.fetch_add(1, Ordering::Relaxed);
            });
            s.spawn(move |s| link(s, left - 1, nodes));
        }
    }
    with_watchdog("inline_cap", LIMIT, || {
        let pool = RecursivePool::builder()
            .workers(1)
            .queue_bound(Some(1))
            .stack_size(Some(256 * 1024))
            .build()
            .expect("valid config");
        let nodes = Arc::new(AtomicU64::new(0));
        let n = nodes.clone();
        pool.run(move |s| link(s, 2_000, n)).expect("no failure");
        assert_eq!(nodes.load(Ordering::Relaxed), 4_001);
    });
}
