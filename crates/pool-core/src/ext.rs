//! Typed conveniences over any [`Pool`]: spawn a closure, get a [`JoinHandle`].

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::handle::{task, Body};
use crate::{Job, JoinHandle, Outcome, Pool, SubmitError, TaskError};

/// A closure whose result goes to a [`JoinHandle`].
struct Spawn<F>(F);

impl<F, T> Body<T> for Spawn<F>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    fn run(self) -> (Result<T, TaskError>, Outcome) {
        match catch_unwind(AssertUnwindSafe(self.0)) {
            Ok(value) => (Ok(value), Outcome::Completed),
            Err(payload) => (Err(TaskError::panic(payload)), Outcome::Panicked),
        }
    }

    fn into_any(self) -> Box<dyn Any + Send> {
        Box::new(self.0)
    }
}

/// Turns a rejected job back into the closure it was made from.
pub(crate) fn hand_back<F: 'static>(err: SubmitError<Job>) -> SubmitError<F> {
    err.map(|job| match job.downcast::<F>() {
        Ok(f) => f,
        Err(_) => unreachable!("a pool hands back the job it was given, and we made it from F"),
    })
}

/// Typed submission over any [`Pool`], `dyn Pool` included.
///
/// ```
/// use pool_core::{Job, Metrics, Pool, PoolExt, ShutdownMode, ShutdownReport};
/// # use pool_core::{ShutdownError, SubmitError, WaitIdleError};
/// # use std::time::Duration;
/// // A toy pool that runs every job on the caller, to show the typed API.
/// struct Inline;
/// impl Pool for Inline {
///     fn submit(&self, job: Job) -> Result<(), SubmitError<Job>> { job.run(); Ok(()) }
///     fn try_submit(&self, job: Job) -> Result<(), SubmitError<Job>> { self.submit(job) }
///     fn wait_idle(&self) -> Result<(), WaitIdleError> { Ok(()) }
///     fn wait_idle_timeout(&self, _: Duration) -> Result<(), WaitIdleError> { Ok(()) }
///     fn shutdown(&self, _: ShutdownMode) -> Result<ShutdownReport, ShutdownError> { Ok(Default::default()) }
///     fn metrics(&self) -> Metrics { Metrics::default() }
///     fn workers(&self) -> usize { 1 }
/// }
/// let handle = Inline.spawn(|| 6 * 7).unwrap();
/// assert_eq!(handle.join().unwrap(), 42);
/// let err = Inline.spawn(|| panic!("oops")).unwrap().join().unwrap_err();
/// assert!(err.is_panic());
/// ```
pub trait PoolExt: Pool {
    /// Submits a closure (as [`Pool::submit`] does) and returns a handle to its result.
    /// Joining the handle from inside a task of the same pool is safe where the pool has
    /// [`Pool::inline_joins`] (see [`JoinHandle::join`]).
    ///
    /// # Errors
    /// The closure back inside [`SubmitError::Full`] or [`SubmitError::Closed`].
    fn spawn<F, T>(&self, f: F) -> Result<JoinHandle<T>, SubmitError<F>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (job, handle) = task(Spawn(f), self.inline_joins());
        self.submit(job).map_err(hand_back)?;
        Ok(handle)
    }

    /// Like [`PoolExt::spawn`], never blocking (see [`Pool::try_submit`]).
    ///
    /// # Errors
    /// The closure back inside [`SubmitError::Full`] or [`SubmitError::Closed`].
    fn try_spawn<F, T>(&self, f: F) -> Result<JoinHandle<T>, SubmitError<F>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (job, handle) = task(Spawn(f), self.inline_joins());
        self.try_submit(job).map_err(hand_back)?;
        Ok(handle)
    }

    /// Submits a fire-and-forget closure: no handle, a panic is only counted.
    ///
    /// # Errors
    /// The closure back inside [`SubmitError::Full`] or [`SubmitError::Closed`].
    fn execute<F>(&self, f: F) -> Result<(), SubmitError<F>>
    where
        F: FnOnce() + Send + 'static,
    {
        self.submit(Job::new(f)).map_err(hand_back)
    }

    /// Like [`PoolExt::execute`], never blocking.
    ///
    /// # Errors
    /// The closure back inside [`SubmitError::Full`] or [`SubmitError::Closed`].
    fn try_execute<F>(&self, f: F) -> Result<(), SubmitError<F>>
    where
        F: FnOnce() + Send + 'static,
    {
        self.try_submit(Job::new(f)).map_err(hand_back)
    }
}

impl<P: Pool + ?Sized> PoolExt for P {}
