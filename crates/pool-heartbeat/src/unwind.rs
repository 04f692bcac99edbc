//! Keeping unwinding away from the scheduler's own bookkeeping.
//!
//! User code always runs under `catch_unwind`. The guard here covers the few places where a
//! panic in our own code would leave a job pointer behind (a stack job whose owner unwound
//! away, a `done` flag never set): there the only sound reaction is to abort.

/// Aborts the process if dropped during unwinding; `mem::forget` it on the normal path.
pub(crate) struct AbortIfPanic;

impl Drop for AbortIfPanic {
    fn drop(&mut self) {
        eprintln!("pool-heartbeat: unexpected panic inside the scheduler; aborting");
        std::process::abort();
    }
}
