//! `scope`: spawn any number of jobs that may borrow from the caller's stack; the scope
//! returns once all of them have finished.

use std::any::Any;
use std::marker::PhantomData;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use crate::job::HeapJob;
use crate::latch::{Latch, SpinLatch};
use crate::registry::{Registry, WorkerThread};

/// A fork-join scope: jobs spawned on it may borrow anything that outlives `'scope`, and
/// the scope does not end until every one of them has finished.
///
/// Created by [`scope`] or [`WorkStealingPool::scope`](crate::WorkStealingPool::scope).
///
/// ```
/// let pool = pool_work_stealing::WorkStealingPool::builder().workers(2).build().unwrap();
/// let mut parts = [0u64; 4];
/// pool.scope(|s| {
///     for (i, part) in parts.iter_mut().enumerate() {
///         s.spawn(move |_| *part = (i as u64 + 1) * 10);
///     }
/// });
/// assert_eq!(parts, [10, 20, 30, 40]);
/// ```
pub struct Scope<'scope> {
    /// Jobs not finished yet, the scope's own body included.
    pending: AtomicUsize,
    /// Set when `pending` reaches zero; the scope's owner waits on it.
    latch: SpinLatch,
    /// The first panic of a spawned job.
    panic: Mutex<Option<Box<dyn Any + Send>>>,
    registry: Arc<Registry>,
    /// Makes `'scope` invariant, as spawned closures both use and outlive it.
    marker: PhantomData<&'scope mut &'scope ()>,
}

/// A pointer to a scope that a spawned job carries to another worker.
struct ScopePtr<'scope>(*const Scope<'scope>);

// SAFETY: `Scope` is `Sync` (atomics, a mutex, an `Arc`), so using it from the thread that
// runs the job is sound; the pointer stays valid until the job reports completion, because
// the scope's owner waits for `pending` to reach zero before its frame ends.
unsafe impl Send for ScopePtr<'_> {}

impl<'scope> Scope<'scope> {
    fn new(owner: &WorkerThread, registry: Arc<Registry>) -> Scope<'scope> {
        Scope {
            pending: AtomicUsize::new(1),
            latch: SpinLatch::new(owner),
            panic: Mutex::new(None),
            registry,
            marker: PhantomData,
        }
    }

    /// Spawns a job into the scope. It may run on any worker of the pool, at any time
    /// before the scope ends; it receives the scope, so it can spawn more.
    ///
    /// A panic in `f` is caught; the scope finishes its other jobs and then resumes the
    /// first such panic on the scope's caller.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// let pool = pool_work_stealing::WorkStealingPool::builder().workers(2).build().unwrap();
    /// let count = AtomicUsize::new(0);
    /// pool.scope(|s| {
    ///     s.spawn(|s| {
    ///         count.fetch_add(1, Ordering::Relaxed);
    ///         s.spawn(|_| { count.fetch_add(1, Ordering::Relaxed); });
    ///     });
    /// });
    /// assert_eq!(count.into_inner(), 2);
    /// ```
    pub fn spawn<F>(&self, f: F)
    where
        F: FnOnce(&Scope<'scope>) + Send + 'scope,
    {
        // Relaxed: the job is published by the push below (a release), and the decrement
        // that may end the scope is an AcqRel RMW after it.
        self.pending.fetch_add(1, Ordering::Relaxed);
        let scope = ScopePtr(self as *const Scope<'scope>);
        let run = move |worker: &WorkerThread| {
            let scope = scope;
            // SAFETY: the scope is live: its owner waits until `pending` is zero, and this
            // job's decrement (in `job_completed` below) has not happened yet.
            let scope_ref = unsafe { &*scope.0 };
            if let Err(payload) = catch_unwind(AssertUnwindSafe(|| f(scope_ref))) {
                scope_ref.store_panic(payload);
            }
            // SAFETY: as above, the scope is live until this call's decrement; `worker`
            // belongs to the scope's pool because the job was queued there.
            unsafe { Scope::job_completed(scope.0, worker) };
        };
        // SAFETY: what `f` borrows outlives 'scope, and the scope's owner does not return
        // before this job has run (it waits for `pending` to reach zero).
        let job = unsafe { HeapJob::into_job_ref(run) };
        match WorkerThread::current_of(&self.registry) {
            Some(worker) => worker.push(job),
            None => self.registry.inject(job),
        }
    }

    fn store_panic(&self, payload: Box<dyn Any + Send>) {
        let mut slot = self.panic.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.is_none() {
            *slot = Some(payload);
        }
    }

    /// Counts one job of the scope finished; the last one sets the latch.
    ///
    /// # Safety
    /// `this` points to a live scope in which this job was counted, and `worker` is a
    /// worker of the scope's pool.
    unsafe fn job_completed(this: *const Scope<'scope>, worker: &WorkerThread) {
        // SAFETY: live until this decrement (the caller's contract). AcqRel: the last
        // decrement acquires every job's effects and releases them to the owner.
        let before = unsafe { (*this).pending.fetch_sub(1, Ordering::AcqRel) };
        if before == 1 {
            // SAFETY: the count is zero but the owner waits for the latch, so the scope is
            // live until the set; `worker` is of the latch's pool (the caller's contract).
            unsafe { SpinLatch::set(std::ptr::addr_of!((*this).latch), worker) };
        }
    }
}

/// Runs `op` with a [`Scope`] on the current worker and waits for its spawned jobs,
/// running work meanwhile.
pub(crate) fn scope_on<'scope, OP, R>(worker: &WorkerThread, op: OP) -> R
where
    OP: FnOnce(&Scope<'scope>) -> R,
{
    let scope = Scope::new(worker, worker.registry_arc());
    let result = catch_unwind(AssertUnwindSafe(|| op(&scope)));
    // SAFETY: `scope` lives in this frame, which waits on its latch below; we are a worker
    // of its pool.
    unsafe { Scope::job_completed(&scope, worker) };
    worker.wait_until(&scope.latch);
    let spawned_panic = scope
        .panic
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    match (result, spawned_panic) {
        (Err(payload), _) | (Ok(_), Some(payload)) => resume_unwind(payload),
        (Ok(value), None) => value,
    }
}

/// Creates a fork-join scope on the current worker's pool: `op` may spawn jobs that borrow
/// from the caller's stack, and `scope` returns once `op` and every spawned job have
/// finished. The waiting worker runs work meanwhile.
///
/// # Panics
/// - When called on a thread that is not a pool worker; use
///   [`WorkStealingPool::scope`](crate::WorkStealingPool::scope) from outside.
/// - If `op` or a spawned job panics, once everything has finished: `op`'s payload if it
///   panicked, otherwise the first spawned job's.
///
/// ```
/// use pool_work_stealing::{scope, WorkStealingPool};
/// let pool = WorkStealingPool::builder().workers(2).build().unwrap();
/// let total = pool.install(|| {
///     let data = vec![1u64, 2, 3, 4];
///     let mut sums = [0u64; 2];
///     let (left, right) = sums.split_at_mut(1);
///     scope(|s| {
///         s.spawn(|_| left[0] = data[..2].iter().sum());
///         s.spawn(|_| right[0] = data[2..].iter().sum());
///     });
///     sums[0] + sums[1]
/// });
/// assert_eq!(total, 10);
/// ```
pub fn scope<'scope, OP, R>(op: OP) -> R
where
    OP: FnOnce(&Scope<'scope>) -> R + Send,
    R: Send,
{
    WorkerThread::with_current(move |worker| match worker {
        Some(worker) => scope_on(worker, op),
        None => panic!(
            "pool_work_stealing::scope called outside a pool worker; use WorkStealingPool::scope"
        ),
    })
}
