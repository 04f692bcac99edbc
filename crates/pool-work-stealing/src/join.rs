//! `join`: run two closures, potentially in parallel, and return both results.

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

use crate::job::StackJob;
use crate::latch::SpinLatch;
use crate::registry::WorkerThread;

/// Runs `a` and `b`, potentially in parallel, and returns both results.
///
/// Called on a worker of a [`WorkStealingPool`](crate::WorkStealingPool), `b` is pushed to
/// the worker's deque (where idle workers may steal it) while `a` runs on the caller; if
/// nobody took `b`, the caller runs it too. The closures may borrow from the caller's
/// stack. Called on any other thread, `join` runs `a` then `b` on that thread; use
/// [`WorkStealingPool::join`](crate::WorkStealingPool::join) to get onto a pool from outside.
///
/// # Panics
/// If `a` or `b` panics, the panic resumes on the caller once both closures have finished
/// (the sibling always runs to completion first). If both panic, `a`'s payload wins.
///
/// ```
/// use pool_work_stealing::{join, WorkStealingPool};
/// fn fib(n: u64) -> u64 {
///     if n < 2 { return n; }
///     let (a, b) = join(|| fib(n - 1), || fib(n - 2));
///     a + b
/// }
/// let pool = WorkStealingPool::builder().workers(2).build().unwrap();
/// assert_eq!(pool.install(|| fib(10)), 55);
/// ```
pub fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    WorkerThread::with_current(move |worker| match worker {
        Some(worker) => join_on(worker, a, b),
        None => {
            let ra = catch_unwind(AssertUnwindSafe(a));
            let rb = catch_unwind(AssertUnwindSafe(b));
            match (ra, rb) {
                (Ok(ra), Ok(rb)) => (ra, rb),
                (Err(payload), _) | (Ok(_), Err(payload)) => resume_unwind(payload),
            }
        }
    })
}

/// `join` on the current worker.
#[inline]
pub(crate) fn join_on<A, B, RA, RB>(worker: &WorkerThread, a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    let job_b = StackJob::new(SpinLatch::new(worker), move |_migrated| b());
    // SAFETY: `job_b` stays in this frame until its latch is set or we popped its JobRef
    // back and ran it inline: every path below does one of the two before returning, and
    // a panic of `a` is caught so it cannot skip them.
    let job_b_ref = unsafe { job_b.as_job_ref() };
    worker.push(job_b_ref);
    let result_a = catch_unwind(AssertUnwindSafe(a));
    // The own deque's top is now `b`, unless `b` was taken (stolen, or run by this worker
    // while `a` waited), or `a` spawned into an outer scope (those jobs sit above `b`:
    // run them, then `b`).
    while !job_b.latch.probe() {
        match worker.pop() {
            Some(job) if job == job_b_ref => {
                return match result_a {
                    Ok(ra) => (ra, job_b.run_inline(false)),
                    Err(payload) => {
                        drop(job_b.run_inline_caught(false));
                        resume_unwind(payload)
                    }
                };
            }
            // Another job of our own deque (an outer-scope spawn of `a`, or an older fork
            // if `b` was stolen): run it while we wait.
            // SAFETY: it came from our own deque.
            Some(job) => unsafe { worker.execute(job) },
            None => worker.wait_until(&job_b.latch),
        }
    }
    let result_b = job_b.into_result();
    match result_a {
        Ok(ra) => (ra, result_b.into_return_value()),
        Err(payload) => resume_unwind(payload),
    }
}
