//! `chili` (crates.io `chili`, the Rust port of Spice): heartbeat-scheduled `join` on a
//! `Scope` that its closures receive. The harness's `Forker` has no scope argument, so the
//! adapter keeps the current thread's scope in a thread-local, set around every closure
//! chili runs (a few loads and stores per fork, paid by this contender only).
//!
//! chili's calling thread works too: `chili::ThreadPool::scope` runs the closures on the
//! caller, and the pool's threads take promoted forks. So `workers` threads here are the
//! caller plus `workers - 1` pool threads; one worker has no pool thread to give chili (its
//! thread count is non-zero), which is recorded as unsupported.

use std::cell::Cell;
use std::num::NonZeroUsize;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use chili::{Config, Scope, ThreadPool};

use crate::contender::{Contender, ContenderError, Forker, Task, TreeTask, Work};
use crate::contenders::join_tree::spawn_tree_with_join;
use crate::contenders::Sizing;

thread_local! {
    /// The chili scope of the closure running on this thread (a `*mut Scope<'_>`), or null.
    static SCOPE: Cell<*mut ()> = const { Cell::new(std::ptr::null_mut()) };
}

/// Makes `scope` the thread's current scope until dropped, then restores the previous one.
struct Current(*mut ());

impl Current {
    fn enter(scope: &mut Scope<'_>) -> Current {
        let ptr = (scope as *mut Scope<'_>).cast::<()>();
        Current(SCOPE.with(|c| c.replace(ptr)))
    }
}

impl Drop for Current {
    fn drop(&mut self) {
        SCOPE.with(|c| c.set(self.0));
    }
}

/// A `chili::ThreadPool` with `workers - 1` threads plus the caller.
pub struct Chili {
    pool: ThreadPool,
    workers: usize,
}

impl std::fmt::Debug for Chili {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chili")
            .field("workers", &self.workers)
            .finish()
    }
}

impl Chili {
    /// Builds it for `sizing.workers` threads in all (the caller included).
    ///
    /// # Errors
    /// [`ContenderError::Unsupported`] for one worker (chili needs a pool thread).
    pub fn new(sizing: Sizing) -> Result<Chili, ContenderError> {
        let threads = NonZeroUsize::new(sizing.workers.saturating_sub(1)).ok_or(
            ContenderError::Unsupported(
                "one worker (chili's pool needs a thread besides the caller)",
            ),
        )?;
        let pool = ThreadPool::with_config(Config {
            thread_count: Some(threads),
            heartbeat_interval: Duration::from_micros(100),
        });
        Ok(Chili {
            pool,
            workers: sizing.workers,
        })
    }
}

struct ChiliForker;

impl Forker for ChiliForker {
    fn join(&self, a: &mut (dyn FnMut() + Send), b: &mut (dyn FnMut() + Send)) {
        let scope = SCOPE.with(Cell::get).cast::<Scope<'static>>();
        // SAFETY: `fork_join` and every closure chili runs set SCOPE (through `Current`) to
        // the scope chili handed them on this thread, which lives until they return; this
        // join runs inside one of them, so the pointer is live and no other reference to
        // that scope is in use while chili borrows it here.
        let scope = unsafe { &mut *scope };
        scope.join(
            |s| {
                let _current = Current::enter(s);
                a();
            },
            |s| {
                let _current = Current::enter(s);
                b();
            },
        );
    }
}

impl Contender for Chili {
    fn name(&self) -> &'static str {
        "chili"
    }
    fn workers(&self) -> Option<usize> {
        Some(self.workers)
    }
    fn submit(&self, task: Task, work: Work) -> Result<(), ContenderError> {
        let _ = (task, work);
        Err(ContenderError::Unsupported(
            "flat submission (chili only joins)",
        ))
    }
    fn wait(&self) -> Result<(), ContenderError> {
        Ok(())
    }
    /// Children are forked with `join` (see `join_tree`).
    fn spawn_tree(&self, root: TreeTask) -> Result<(), ContenderError> {
        spawn_tree_with_join(self, root)
    }
    fn fork_join(&self, f: &(dyn Fn(&dyn Forker) -> u64 + Sync)) -> Result<u64, ContenderError> {
        catch_unwind(AssertUnwindSafe(|| {
            let mut scope = self.pool.scope();
            let _current = Current::enter(&mut scope);
            f(&ChiliForker)
        }))
        .map_err(|_| ContenderError::Panicked(1))
    }
}
