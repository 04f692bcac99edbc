//! What the shared queue holds for fork-join: a [`JobRef`] (a data pointer and the function
//! that runs it) to a [`StackJob`] that lives in the frame of the thread waiting for it
//! (`join`'s second closure, or an outside caller's `install`).
//!
//! A stack job is run exactly once: either by its owner, inline, after taking it back (it
//! was never promoted, or the owner retracted it from the shared queue), or by the one
//! thread that took it out of the shared queue, which then sets its `done` flag as its
//! last access (see `heartbeat/README.md`).

use std::any::Any;
use std::cell::UnsafeCell;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::thread::Thread;

use pool_core::sync::atomic::{AtomicBool, Ordering};

use crate::heartbeat::Hub;
use crate::unwind::AbortIfPanic;

/// A type-erased pointer to a job and the function that knows its type.
///
/// A `JobRef` taken out of the shared queue is a capability to run the job exactly once:
/// the taker must call [`JobRef::execute`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct JobRef {
    pointer: *const (),
    execute_fn: unsafe fn(*const (), &Hub),
}

// SAFETY: a JobRef is only created (`StackJob::as_job_ref`) for jobs whose closure and
// result are `Send`, and its pointer is dereferenced only by `execute`, once; so moving it
// to another thread moves nothing thread-bound.
unsafe impl Send for JobRef {}

impl JobRef {
    /// Whether `self` and `other` refer to the same job: a live job's address is unique.
    pub(crate) fn same_job(&self, other: &JobRef) -> bool {
        std::ptr::eq(self.pointer, other.pointer)
    }

    /// Runs the job; `hub` is the hub of the pool whose queue held it.
    ///
    /// # Safety
    /// Must be called at most once per job, by the thread that took it out of the queue,
    /// while the job is still live (its owner waits for `done` before freeing it).
    pub(crate) unsafe fn execute(self, hub: &Hub) {
        // SAFETY: the caller runs each JobRef once while its job is live, which is what
        // `as_job_ref`'s contract requires of the pointer and the function.
        unsafe { (self.execute_fn)(self.pointer, hub) }
    }
}

/// What a job produced.
pub(crate) enum JobResult<R> {
    /// Not run yet.
    None,
    /// Returned normally.
    Ok(R),
    /// Panicked with this payload.
    Panic(Box<dyn Any + Send>),
}

impl<R> JobResult<R> {
    /// Runs `f`, catching its panic.
    pub(crate) fn call(f: impl FnOnce() -> R) -> JobResult<R> {
        match catch_unwind(AssertUnwindSafe(f)) {
            Ok(value) => JobResult::Ok(value),
            Err(payload) => JobResult::Panic(payload),
        }
    }

    /// The value, or the panic resumed on this thread.
    pub(crate) fn into_return_value(self) -> R {
        match self {
            JobResult::Ok(value) => value,
            JobResult::Panic(payload) => resume_unwind(payload),
            JobResult::None => unreachable!("a job's result was read before the job ran"),
        }
    }
}

/// Who waits for a stack job, and so whom its runner wakes.
pub(crate) enum Waiter {
    /// Worker `index` of the job's pool, which waits through the hub (it may help with
    /// other shared work meanwhile).
    Worker(usize),
    /// A thread outside the pool, parked until the flag is set.
    Thread(Thread),
}

/// A job that lives in the stack frame of the thread that waits for it.
///
/// The owner publishes [`StackJob::as_job_ref`] (in its fork stack, maybe promoted to the
/// shared queue) and does not return, nor move the job, until it either took the job back
/// and ran it inline, or saw `done` set, which the runner does as its very last access.
///
/// Fields are touched as follows: `func` by whoever runs the job, once; `result` by a
/// runner other than the owner, then by the owner after `done` is set; `done` by both.
pub(crate) struct StackJob<F, R> {
    done: AtomicBool,
    waiter: Waiter,
    func: UnsafeCell<Option<F>>,
    result: UnsafeCell<JobResult<R>>,
}

impl<F, R> StackJob<F, R>
where
    F: FnOnce() -> R + Send,
    R: Send,
{
    /// A job that will call `func`, waited for by `waiter`.
    #[inline]
    pub(crate) fn new(waiter: Waiter, func: F) -> StackJob<F, R> {
        StackJob {
            done: AtomicBool::new(false),
            waiter,
            func: UnsafeCell::new(Some(func)),
            result: UnsafeCell::new(JobResult::None),
        }
    }

    /// A `JobRef` to this job.
    ///
    /// # Safety
    /// The job must not move or be dropped until either `done` is set or the caller has
    /// made sure no queue holds the `JobRef` any more (it was never promoted, or it was
    /// retracted) and ran the job inline.
    #[inline]
    pub(crate) unsafe fn as_job_ref(&self) -> JobRef {
        JobRef {
            pointer: (self as *const Self).cast::<()>(),
            execute_fn: Self::execute,
        }
    }

    /// Whether a runner other than the owner has finished the job. Acquire: its result is
    /// then visible.
    #[inline]
    pub(crate) fn is_done(&self) -> bool {
        self.done.load(Ordering::Acquire)
    }

    /// The `done` flag, for waiting on it.
    pub(crate) fn done(&self) -> &AtomicBool {
        &self.done
    }

    /// Runs the job from the shared queue: calls the closure, stores the result, sets
    /// `done` and wakes the owner.
    ///
    /// # Safety
    /// `this` comes from `as_job_ref`, the job has not run, and the caller took it out of
    /// the shared queue of the pool whose hub is `hub`.
    unsafe fn execute(this: *const (), hub: &Hub) {
        let this = this.cast::<Self>();
        let abort = AbortIfPanic;
        // SAFETY: `this` points to a live StackJob because its owner waits for `done`, and
        // only this call touches `func`, because the JobRef is executed once.
        let func = unsafe { (*(*this).func.get()).take() };
        let result = match func {
            Some(func) => JobResult::call(func),
            None => unreachable!("a stack job ran twice"),
        };
        // SAFETY: the owner reads `result` only after `done` is set below, so this write
        // does not race.
        unsafe { *(*this).result.get() = result };
        // SAFETY: still live until `done` is set; `waiter` is read (and an outside
        // thread's handle cloned) here, before the store that lets the owner free the job.
        let waiter = match unsafe { &(*this).waiter } {
            Waiter::Worker(index) => Waiter::Worker(*index),
            Waiter::Thread(thread) => Waiter::Thread(thread.clone()),
        };
        // A raw pointer, not a reference: the owner may free the job as soon as the store
        // lands, while `set_done` is still running.
        // SAFETY: `this` is live here (its owner has not seen `done` yet).
        let done = unsafe { std::ptr::addr_of!((*this).done) };
        match waiter {
            // SAFETY: `done` is live until the store inside, which is `set_done`'s last
            // access to it; `hub` is the hub of the job's pool (our contract).
            Waiter::Worker(index) => unsafe { hub.set_done(done, index) },
            Waiter::Thread(thread) => {
                // SAFETY: live until this store, our last access to the job.
                unsafe { (*done).store(true, Ordering::Release) };
                thread.unpark();
            }
        }
        std::mem::forget(abort);
    }

    /// Runs the closure on the owner, which took the job back.
    #[inline]
    pub(crate) fn run_inline(self) -> R {
        match self.func.into_inner() {
            Some(func) => func(),
            None => unreachable!("a stack job was run inline after it ran from the queue"),
        }
    }

    /// Runs the closure on the owner, catching its panic.
    pub(crate) fn run_inline_caught(self) -> JobResult<R> {
        match self.func.into_inner() {
            Some(func) => JobResult::call(func),
            None => unreachable!("a stack job was run inline after it ran from the queue"),
        }
    }

    /// The result, once `done` is set.
    pub(crate) fn into_result(self) -> JobResult<R> {
        self.result.into_inner()
    }
}
