//! The type-erased unit of work that every pool queues.

use std::any::Any;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use crate::handle::Queued;

/// What became of a job once a worker ran it.
///
/// ```
/// use pool_core::{Job, Outcome};
/// assert_eq!(Job::new(|| ()).run(), Outcome::Completed);
/// assert_eq!(Job::new(|| panic!("boom")).run(), Outcome::Panicked);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// The job returned normally.
    Completed,
    /// The job panicked; the panic was caught and, for a job with a handle, handed to it.
    Panicked,
}

/// The object-safe body of a [`Job`].
///
/// Implemented by plain closures (through [`Job::new`]) and by the typed wrappers in this
/// crate that carry a result back to a [`JoinHandle`](crate::JoinHandle).
pub trait Runnable: Send + 'static {
    /// Runs the work. Must not unwind: catch panics and report them as
    /// [`Outcome::Panicked`].
    fn run(self: Box<Self>) -> Outcome;

    /// Gives the concrete value back, so a rejected job can be handed to its submitter as
    /// the value it submitted.
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send>;
}

/// A closure wrapped so it can be run as a [`Runnable`].
struct FnJob<F>(F);

impl<F: FnOnce() + Send + 'static> Runnable for FnJob<F> {
    fn run(self: Box<Self>) -> Outcome {
        match catch_unwind(AssertUnwindSafe(self.0)) {
            Ok(()) => Outcome::Completed,
            Err(payload) => {
                drop_payload(payload);
                Outcome::Panicked
            }
        }
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any + Send> {
        Box::new(self.0)
    }
}

/// Drops a panic payload whose owner does not want it, even if its destructor panics.
pub(crate) fn drop_payload(payload: Box<dyn Any + Send>) {
    if let Err(inner) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        // A payload whose destructor panics once will likely panic again: leak it.
        std::mem::forget(inner);
    }
}

/// A unit of work: one heap allocation holding a closure or a typed task.
///
/// Running a job never unwinds: its panic is caught and reported as
/// [`Outcome::Panicked`]. A job dropped without being run drops its closure, which is how
/// a discarded job's handle learns that it was cancelled.
///
/// ```
/// use pool_core::Job;
/// let job = Job::new(|| println!("hello from a job"));
/// job.run();
/// ```
pub struct Job(Repr);

enum Repr {
    /// A closure or any [`Runnable`], owned by the job alone.
    Boxed(Box<dyn Runnable>),
    /// A spawned task, shared with its [`JoinHandle`](crate::JoinHandle) in one allocation.
    Task(QueuedTask),
}

/// The queue's reference to a spawned task; dropping it unrun cancels the task.
struct QueuedTask(Arc<dyn Queued>);

impl Drop for QueuedTask {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

impl Job {
    /// Wraps a closure.
    ///
    /// ```
    /// use pool_core::{Job, Outcome};
    /// assert_eq!(Job::new(|| {}).run(), Outcome::Completed);
    /// ```
    pub fn new<F>(f: F) -> Job
    where
        F: FnOnce() + Send + 'static,
    {
        Job(Repr::Boxed(Box::new(FnJob(f))))
    }

    /// Wraps any [`Runnable`].
    ///
    /// ```
    /// use std::any::Any;
    /// use pool_core::{Job, Outcome, Runnable};
    /// struct Noop;
    /// impl Runnable for Noop {
    ///     fn run(self: Box<Self>) -> Outcome { Outcome::Completed }
    ///     fn into_any(self: Box<Self>) -> Box<dyn Any + Send> { self }
    /// }
    /// assert_eq!(Job::from_runnable(Box::new(Noop)).run(), Outcome::Completed);
    /// ```
    pub fn from_runnable(runnable: Box<dyn Runnable>) -> Job {
        Job(Repr::Boxed(runnable))
    }

    /// Wraps a spawned task, shared with its handle.
    pub(crate) fn from_task(task: Arc<dyn Queued>) -> Job {
        Job(Repr::Task(QueuedTask(task)))
    }

    /// Runs the job on the current thread, catching any panic.
    ///
    /// ```
    /// use pool_core::{Job, Outcome};
    /// assert_eq!(Job::new(|| panic!("caught")).run(), Outcome::Panicked);
    /// ```
    #[inline]
    pub fn run(self) -> Outcome {
        match self.0 {
            Repr::Boxed(runnable) => runnable.run(),
            Repr::Task(task) => task.0.run(),
        }
    }

    /// The concrete value the job was made from, type-erased.
    pub(crate) fn into_any(self) -> Box<dyn Any + Send> {
        match self.0 {
            Repr::Boxed(runnable) => runnable.into_any(),
            Repr::Task(task) => task.0.take_back(),
        }
    }

    /// Recovers the value the job was made from, if it was made from a `T`.
    ///
    /// # Errors
    /// [`DowncastError`] when the job was not made from a `T`. The job is consumed either
    /// way (its closure is dropped unrun), so call this only with the type it was made from,
    /// as [`PoolExt`](crate::PoolExt) does to hand a rejected closure back.
    ///
    /// ```
    /// use pool_core::Job;
    /// let f = || 7;
    /// let job = Job::new(move || { f(); });
    /// assert!(job.downcast::<u32>().is_err());
    /// ```
    pub fn downcast<T: 'static>(self) -> Result<T, DowncastError> {
        match self.into_any().downcast::<T>() {
            Ok(value) => Ok(*value),
            Err(_) => Err(DowncastError),
        }
    }
}

impl fmt::Debug for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Job { .. }")
    }
}

/// [`Job::downcast`] was asked for a type the job was not made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the job was not made from the requested type")]
pub struct DowncastError;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closure_job_gives_back_its_closure() {
        fn work() {}
        let job = Job::new(work as fn());
        let f: fn() = job.downcast().expect("made from fn()");
        f();
    }

    #[test]
    fn run_never_unwinds() {
        assert_eq!(Job::new(|| panic!("x")).run(), Outcome::Panicked);
    }

    #[test]
    fn panicking_payload_destructor_does_not_escape() {
        struct Bomb;
        impl Drop for Bomb {
            fn drop(&mut self) {
                panic!("payload destructor");
            }
        }
        let job = Job::new(|| std::panic::panic_any(Bomb));
        assert_eq!(job.run(), Outcome::Panicked);
    }
}
