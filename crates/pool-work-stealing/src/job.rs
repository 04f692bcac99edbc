//! What the deques hold: a [`JobRef`] (a data pointer and the function that runs it), and the
//! two kinds of job behind it: a [`StackJob`] living in the frame of a thread that waits for
//! it (`join`, `install`), and a heap job owned by the queue until a worker runs it
//! (`'static` pool jobs, `scope` spawns).

use std::any::Any;
use std::cell::UnsafeCell;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

use crate::latch::Latch;
use crate::registry::WorkerThread;
use crate::unwind::AbortIfPanic;

/// A type-erased pointer to a job and the function that knows its type.
///
/// A `JobRef` is a capability to run the job exactly once: whoever takes it out of a deque
/// must call [`JobRef::execute`] on a worker of the pool whose deque held it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct JobRef {
    pointer: *const (),
    execute_fn: unsafe fn(*const (), &WorkerThread),
}

// SAFETY: a JobRef is only created (`JobRef::new`) for jobs whose data may be run on another
// thread (their closures and results are `Send`), and its pointer is dereferenced only by
// `execute`, once; so moving it between threads moves nothing thread-bound.
unsafe impl Send for JobRef {}

// SAFETY: a shared `&JobRef` only allows copying the two pointers; running the job needs the
// value and happens once, as documented on `Send`.
unsafe impl Sync for JobRef {}

/// Two `JobRef`s are the same job when they point to the same data: a live job's address
/// is unique (function pointers are not compared, their addresses are not reliable).
impl PartialEq for JobRef {
    fn eq(&self, other: &JobRef) -> bool {
        std::ptr::eq(self.pointer, other.pointer)
    }
}

impl Eq for JobRef {}

impl JobRef {
    /// Wraps a job pointer.
    ///
    /// # Safety
    /// `pointer` must stay valid until `execute_fn(pointer, ..)` has run, that call must be
    /// sound from any worker thread of the pool, and the resulting `JobRef` must be executed
    /// at most once.
    pub(crate) unsafe fn new(
        pointer: *const (),
        execute_fn: unsafe fn(*const (), &WorkerThread),
    ) -> JobRef {
        JobRef {
            pointer,
            execute_fn,
        }
    }

    /// Runs the job on `worker`.
    ///
    /// # Safety
    /// Must be called at most once per job, on a worker of the pool whose queues held it.
    pub(crate) unsafe fn execute(self, worker: &WorkerThread) {
        // SAFETY: the caller runs each JobRef once on its pool's worker, which is what
        // `JobRef::new`'s contract requires of the pointer and the function.
        unsafe { (self.execute_fn)(self.pointer, worker) }
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

/// A job that lives in the stack frame of the thread that waits for it.
///
/// The owner pushes [`StackJob::as_job_ref`] to a queue and then does not return (nor move
/// the job) until either it took the `JobRef` back and ran the closure itself
/// ([`StackJob::run_inline`]), or the latch is set, which `execute` does as its very last
/// access to the job.
///
/// Fields are touched as follows: `func` by whoever runs the job (once); `result` by the
/// thread that ran it, then by the owner after the latch is set; `latch` by both, through
/// its atomics.
pub(crate) struct StackJob<L, F, R> {
    pub(crate) latch: L,
    func: UnsafeCell<Option<F>>,
    result: UnsafeCell<JobResult<R>>,
}

impl<L, F, R> StackJob<L, F, R>
where
    L: Latch,
    F: FnOnce(bool) -> R + Send,
    R: Send,
{
    /// A job that will call `func(migrated)`: `migrated` says whether it runs on a thread
    /// other than its owner.
    pub(crate) fn new(latch: L, func: F) -> StackJob<L, F, R> {
        StackJob {
            latch,
            func: UnsafeCell::new(Some(func)),
            result: UnsafeCell::new(JobResult::None),
        }
    }

    /// A `JobRef` to this job.
    ///
    /// # Safety
    /// The job must not move or be dropped until its latch is set or the caller has taken
    /// the `JobRef` back out of every queue and called [`StackJob::run_inline`].
    pub(crate) unsafe fn as_job_ref(&self) -> JobRef {
        let pointer = (self as *const Self).cast::<()>();
        // SAFETY: the caller keeps the job in place until it ran (its contract above), and
        // `execute` is sound on any worker because F and R are Send.
        unsafe { JobRef::new(pointer, Self::execute) }
    }

    /// Runs the job from a queue: calls the closure, stores the result, sets the latch.
    ///
    /// # Safety
    /// `this` comes from `as_job_ref` and the job has not run yet.
    unsafe fn execute(this: *const (), worker: &WorkerThread) {
        let this = this.cast::<Self>();
        let abort = AbortIfPanic;
        // SAFETY: `this` points to a live StackJob because its owner waits for the latch,
        // and only this call touches `func`, because the JobRef is executed once.
        let func = unsafe { (*(*this).func.get()).take() };
        let result = match func {
            Some(func) => JobResult::call(|| func(true)),
            None => unreachable!("a stack job ran twice"),
        };
        // SAFETY: the owner reads `result` only after the latch is set below, so this
        // write does not race.
        unsafe { *(*this).result.get() = result };
        // SAFETY: the job is live until the latch is set; `set` takes a raw pointer and
        // touches nothing after the store that lets the owner free the job; `worker` runs
        // this job, so it belongs to the pool whose queue held it, the latch's pool.
        unsafe { L::set(std::ptr::addr_of!((*this).latch), worker) };
        std::mem::forget(abort);
    }

    /// Runs the closure on the owner, which took the `JobRef` back from its queue.
    pub(crate) fn run_inline(self, migrated: bool) -> R {
        match self.func.into_inner() {
            Some(func) => func(migrated),
            None => unreachable!("a stack job was run inline after it ran from a queue"),
        }
    }

    /// Runs the closure on the owner, catching its panic.
    pub(crate) fn run_inline_caught(self, migrated: bool) -> JobResult<R> {
        match self.func.into_inner() {
            Some(func) => JobResult::call(|| func(migrated)),
            None => unreachable!("a stack job was run inline after it ran from a queue"),
        }
    }

    /// The result, once the latch is set.
    pub(crate) fn into_result(self) -> JobResult<R> {
        self.result.into_inner()
    }
}

/// A job owned by the queue: one heap allocation, freed by the worker that runs it.
pub(crate) struct HeapJob<F> {
    func: F,
}

impl<F> HeapJob<F>
where
    F: FnOnce(&WorkerThread) + Send,
{
    /// Boxes `func` and returns the `JobRef` that owns the box.
    ///
    /// # Safety
    /// Everything `func` borrows must outlive the moment it runs: the caller ensures it
    /// runs (scope: the scope waits for all its spawns; `'static` jobs borrow nothing).
    pub(crate) unsafe fn into_job_ref(func: F) -> JobRef {
        let pointer = Box::into_raw(Box::new(HeapJob { func }))
            .cast::<()>()
            .cast_const();
        // SAFETY: the box stays allocated until `execute` frees it, and F is Send, so it
        // may run on any worker; the caller vouches for what F borrows.
        unsafe { JobRef::new(pointer, Self::execute) }
    }

    /// Frees the box and runs the closure.
    ///
    /// # Safety
    /// `this` comes from `into_job_ref` and has not run yet.
    unsafe fn execute(this: *const (), worker: &WorkerThread) {
        // SAFETY: `this` came from Box::into_raw in `into_job_ref`, and the JobRef is
        // executed once, so the box is reclaimed exactly once.
        let job = unsafe { Box::from_raw(this.cast::<Self>().cast_mut()) };
        (job.func)(worker);
    }
}
