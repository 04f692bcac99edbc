//! The classic finite shape in one call: a known batch of jobs over N workers, results in
//! submission order.

use pool_core::{BuildError, PoolExt, TaskError};

use crate::FinitePool;

/// Runs every job of `jobs` on a fresh pool of `workers` threads and returns their results
/// in the order the jobs came, once all have finished.
///
/// This is the finite pool's classic shape: one producer feeds a bounded queue (2 slots per
/// worker, so a long iterator is consumed as the workers keep up instead of all at once:
/// backpressure), then closes it; the workers drain it and exit; their threads are joined
/// before this returns. A job that panics yields `Err` with
/// [`TaskError::is_panic`] at its place; the other jobs are unaffected.
///
/// # Errors
/// [`BuildError`] when the pool cannot be built: `workers == 0`
/// ([`ZeroWorkers`](pool_core::BuildErrorKind::ZeroWorkers)), or a thread could not be
/// spawned. No job has run then.
///
/// ```
/// let squares = pool_finite::run_batch(2, (0..10u64).map(|i| move || i * i)).unwrap();
/// let squares: Vec<u64> = squares.into_iter().map(Result::unwrap).collect();
/// assert_eq!(squares, (0..10).map(|i| i * i).collect::<Vec<_>>());
/// ```
pub fn run_batch<I, F, T>(workers: usize, jobs: I) -> Result<Vec<Result<T, TaskError>>, BuildError>
where
    I: IntoIterator<Item = F>,
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let pool = FinitePool::builder()
        .workers(workers)
        .queue_bound(workers.saturating_mul(2).max(1))
        .thread_name("finite-batch")
        .build()?;
    let handles: Vec<_> = jobs
        .into_iter()
        .map(|job| match pool.spawn(job) {
            Ok(handle) => handle,
            // The pool is private to this call and open until `close_and_join` below, and
            // `Block` from outside the pool waits for room instead of handing back.
            Err(_) => unreachable!("a private open pool with `Block` accepts every job"),
        })
        .collect();
    pool.close_and_join();
    Ok(handles.into_iter().map(|h| h.join()).collect())
}
