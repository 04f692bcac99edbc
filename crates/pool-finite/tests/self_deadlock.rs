//! A job that submits to its own full bounded queue, on a pool with one worker, must get an
//! error back or run the child itself: never wait for a slot only its own worker can free.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use pool_core::{OverflowPolicy, Pool, PoolExt, ShutdownMode, SubmitError};
use pool_finite::FinitePool;
use pool_testkit::{with_watchdog, Latch};

/// One worker, a queue of one slot already taken: the running job's child submission.
/// Returns what `submit` said and what ran, after a graceful shutdown.
fn child_submission(policy: OverflowPolicy, try_submit: bool) -> (Result<(), &'static str>, usize) {
    let pool = Arc::new(
        FinitePool::builder()
            .workers(1)
            .queue_bound(1)
            .overflow(policy)
            .build()
            .expect("valid pool"),
    );
    let ran = Arc::new(AtomicUsize::new(0));
    let filled = Arc::new(Latch::new(1));
    let result = Arc::new(OnceLock::new());
    {
        let (inner, ran, filled, result) =
            (pool.clone(), ran.clone(), filled.clone(), result.clone());
        pool.execute(move || {
            // Wait until the outside has filled the single slot: the queue is full and this
            // job's worker is the only one that could empty it.
            filled.wait();
            let ran_child = ran.clone();
            let child = move || {
                ran_child.fetch_add(10, Ordering::SeqCst);
            };
            let outcome = if try_submit {
                inner.try_execute(child)
            } else {
                inner.execute(child)
            };
            let summary = match outcome {
                Ok(()) => Ok(()),
                Err(SubmitError::Full(_)) => Err("full"),
                Err(SubmitError::Closed(_)) => Err("closed"),
            };
            result.set(summary).expect("set once");
            ran.fetch_add(1, Ordering::SeqCst);
        })
        .expect("empty pool accepts the parent");
    }
    // The parent is running (it holds the only worker until `filled` opens): fill the slot.
    pool_testkit::eventually("the parent starts", || pool.metrics().running == 1);
    let ran_filler = ran.clone();
    pool.try_execute(move || {
        ran_filler.fetch_add(100, Ordering::SeqCst);
    })
    .expect("the single slot is free");
    filled.count_down();
    // The parent's child submission must answer by itself (the watchdog fails a deadlock).
    pool_testkit::eventually("the parent's submit returns", || result.get().is_some());
    let report = pool.shutdown(ShutdownMode::Graceful).expect("from outside");
    assert!(report.is_balanced(), "{report:?}");
    let summary = *result.get().expect("the parent recorded its result");
    (summary, ran.load(Ordering::SeqCst))
}

#[test]
fn block_from_inside_a_worker_gets_full_not_a_deadlock() {
    with_watchdog("block", Duration::from_secs(20), || {
        let (result, ran) = child_submission(OverflowPolicy::Block, false);
        assert_eq!(result, Err("full"));
        assert_eq!(
            ran, 101,
            "parent and filler ran, the handed-back child did not"
        );
    });
}

#[test]
fn reject_from_inside_a_worker_gets_full() {
    with_watchdog("reject", Duration::from_secs(20), || {
        let (result, ran) = child_submission(OverflowPolicy::Reject, false);
        assert_eq!(result, Err("full"));
        assert_eq!(ran, 101);
    });
}

#[test]
fn caller_runs_from_inside_a_worker_runs_the_child_inline() {
    with_watchdog("caller-runs", Duration::from_secs(20), || {
        let (result, ran) = child_submission(OverflowPolicy::CallerRuns, false);
        assert_eq!(result, Ok(()));
        assert_eq!(ran, 111, "the child ran inline, on the parent's worker");
    });
}

#[test]
fn try_submit_from_inside_a_worker_never_runs_inline() {
    with_watchdog("try-submit", Duration::from_secs(20), || {
        let (result, ran) = child_submission(OverflowPolicy::CallerRuns, true);
        assert_eq!(result, Err("full"));
        assert_eq!(ran, 101);
    });
}

/// The failure mode from the reference list: capacity 1, 2 workers, every job submits two
/// children (to depth 6) under `Block`. It finishes, and every child is either run or
/// handed back to its parent (which then runs it itself).
#[test]
fn capacity_one_two_workers_every_job_submits_two_children() {
    with_watchdog("fan-out", Duration::from_secs(20), || {
        let pool = Arc::new(
            FinitePool::builder()
                .workers(2)
                .queue_bound(1)
                .build()
                .expect("valid pool"),
        );
        let ran = Arc::new(AtomicUsize::new(0));
        fn node(pool: Arc<FinitePool>, ran: Arc<AtomicUsize>, depth: u32) {
            ran.fetch_add(1, Ordering::SeqCst);
            if depth == 0 {
                return;
            }
            for _ in 0..2 {
                let (p, r) = (pool.clone(), ran.clone());
                if let Err(e) = pool.execute(move || node(p, r, depth - 1)) {
                    // Handed back (`Full` from inside the pool): run the child here.
                    (e.into_inner())();
                }
            }
        }
        let (p, r) = (pool.clone(), ran.clone());
        pool.execute(move || node(p, r, 6)).expect("open pool");
        pool.wait_idle().expect("from outside");
        assert_eq!(
            ran.load(Ordering::SeqCst),
            (1 << 7) - 1,
            "every node ran once"
        );
        assert!(pool.metrics().is_balanced());
    });
}

/// pool-finite does not opt in to `Pool::inline_joins`: a job that joins its own child on a
/// one-worker pool would wait forever (shown here with a timeout); the child runs once the
/// job returns, and joining it from outside works.
#[test]
fn join_inside_a_worker_waits_for_a_free_worker() {
    with_watchdog(
        "join_inside_a_worker_waits_for_a_free_worker",
        Duration::from_secs(30),
        || {
            let pool = Arc::new(
                FinitePool::builder()
                    .workers(1)
                    .build()
                    .expect("valid pool"),
            );
            assert!(pool.inline_joins().is_none());
            let inner = pool.clone();
            let child = pool
                .spawn(move || {
                    let child = inner.spawn(|| 7).unwrap_or_else(|_| panic!("open pool"));
                    child
                        .join_timeout(Duration::from_millis(100))
                        .expect_err("the only worker is this one")
                })
                .unwrap_or_else(|_| panic!("open pool"))
                .join()
                .expect("the job does not panic");
            assert_eq!(child.join().expect("the child ran"), 7);
            let report = pool.shutdown(ShutdownMode::Graceful).expect("from outside");
            assert!(report.is_balanced(), "{report:?}");
        },
    );
}
