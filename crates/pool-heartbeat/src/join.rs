//! `join`: run two closures, in parallel only if a heartbeat promoted the second one and an
//! idle worker took it.

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

use crate::job::{StackJob, Waiter};
use crate::worker::WorkerThread;

/// Runs `a` and `b`, possibly in parallel, and returns both results.
///
/// On a worker of a [`HeartbeatPool`](crate::HeartbeatPool) (inside
/// [`install`](crate::HeartbeatPool::install), a `join`, or a job), `b` is recorded as a
/// pending fork (no atomic operation, no allocation), `a` runs, and then `b` runs right
/// there, unless a heartbeat promoted it meanwhile and another worker took it: then this
/// call waits for it, running other shared work in the meantime. Called from any other
/// thread, `join` runs `a` then `b` on that thread; use `HeartbeatPool::join` to run on a
/// pool from outside.
///
/// Both closures may borrow from the caller's stack.
///
/// # Panics
/// If `a` or `b` panics, once both have finished: `a`'s payload if both panic.
///
/// ```
/// use pool_heartbeat::{join, HeartbeatPool};
///
/// fn sum(v: &[u64]) -> u64 {
///     if v.len() <= 1 {
///         return v.iter().sum();
///     }
///     let (l, r) = v.split_at(v.len() / 2);
///     let (a, b) = join(|| sum(l), || sum(r));
///     a + b
/// }
///
/// let pool = HeartbeatPool::builder().workers(2).build().unwrap();
/// let data: Vec<u64> = (1..=1000).collect();
/// assert_eq!(pool.install(|| sum(&data)), 500_500);
/// ```
#[inline]
pub fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    match WorkerThread::current() {
        Some(worker) => join_on(worker, a, b),
        None => join_here(a, b),
    }
}

/// Both closures on the caller, `a` first (off the pool, or a fork not worth recording).
#[inline]
fn join_here<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA,
    B: FnOnce() -> RB,
{
    let ra = catch_unwind(AssertUnwindSafe(a));
    let rb = catch_unwind(AssertUnwindSafe(b));
    match (ra, rb) {
        (Ok(ra), Ok(rb)) => (ra, rb),
        (Err(payload), _) | (Ok(_), Err(payload)) => resume_unwind(payload),
    }
}

/// Runs `b` if dropped while it still holds it: when `a` unwinds in [`join_unrecorded`].
struct RunOnUnwind<B: FnOnce() -> RB, RB>(Option<B>);

impl<B: FnOnce() -> RB, RB> Drop for RunOnUnwind<B, RB> {
    fn drop(&mut self) {
        if let Some(b) = self.0.take() {
            // `a` is unwinding: run `b` as promised; `a`'s panic wins, so `b`'s is dropped.
            drop(catch_unwind(AssertUnwindSafe(b)));
        }
    }
}

/// A `join` whose fork is not recorded: `a` then `b` right here, with no `catch_unwind`
/// on the normal path (it would keep `a` from being inlined); if `a` panics, a guard runs
/// `b` during the unwinding.
#[inline]
fn join_unrecorded<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA,
    B: FnOnce() -> RB,
{
    let mut guard = RunOnUnwind(Some(b));
    let ra = a();
    match guard.0.take() {
        Some(b) => (ra, b()),
        None => unreachable!("only the guard's drop takes b, and it has not run"),
    }
}

/// `join` on the current worker.
#[inline]
fn join_on<A, B, RA, RB>(worker: &WorkerThread, a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    if worker.skip_fork() {
        return join_unrecorded(a, b);
    }
    let job_b = StackJob::new(Waiter::Worker(worker.index()), b);
    // SAFETY: `job_b` stays in this frame until either its `done` is set or we know no
    // queue holds it (not promoted, or retracted) and ran it inline: every path below does
    // one of the two before returning, and `a`'s panic is caught so it cannot skip them.
    let job_b_ref = unsafe { job_b.as_job_ref() };
    worker.push_fork(job_b_ref);
    if worker.heartbeat_due() {
        worker.heartbeat();
    }
    let result_a = catch_unwind(AssertUnwindSafe(a));
    let promoted = worker.pop_fork();
    if !promoted || worker.registry().hub.retract(&job_b_ref) {
        return match result_a {
            Ok(ra) => (ra, job_b.run_inline()),
            Err(payload) => {
                drop(job_b.run_inline_caught());
                resume_unwind(payload)
            }
        };
    }
    if !job_b.is_done() {
        worker.wait_until(job_b.done());
    }
    let result_b = job_b.into_result();
    match result_a {
        Ok(ra) => (ra, result_b.into_return_value()),
        Err(payload) => resume_unwind(payload),
    }
}
