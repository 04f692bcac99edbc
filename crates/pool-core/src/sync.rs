//! A std-or-loom shim: every protocol in workpools imports its primitives from here, so that
//! building with `RUSTFLAGS="--cfg loom"` swaps in loom's model-checked versions.
//!
//! ```
//! use pool_core::sync::atomic::{AtomicUsize, Ordering};
//! let n = AtomicUsize::new(1);
//! assert_eq!(n.fetch_add(1, Ordering::Relaxed), 1);
//! ```

#[cfg(not(loom))]
pub use std::sync::{Arc, Condvar, Mutex, MutexGuard};

#[cfg(loom)]
pub use loom::sync::{Arc, Condvar, Mutex, MutexGuard};

/// Atomics: `std::sync::atomic`, or loom's under `cfg(loom)`.
pub mod atomic {
    #[cfg(not(loom))]
    pub use std::sync::atomic::{fence, AtomicBool, AtomicU64, AtomicUsize, Ordering};

    #[cfg(loom)]
    pub use loom::sync::atomic::{fence, AtomicBool, AtomicU64, AtomicUsize, Ordering};
}

/// Threads: `std::thread`, or loom's under `cfg(loom)`.
pub mod thread {
    #[cfg(not(loom))]
    pub use std::thread::{current, park, spawn, yield_now, JoinHandle, Thread};

    #[cfg(loom)]
    pub use loom::thread::{current, park, spawn, yield_now, JoinHandle, Thread};
}

/// Locks a mutex, ignoring poisoning.
///
/// User code never runs while a workpools lock is held, so a poisoned lock can only come from
/// a panic inside our own bookkeeping, which leaves the guarded state consistent (every
/// critical section is a handful of assignments). Ignoring the poison keeps one bad job from
/// turning every later call into a panic.
///
/// ```
/// use pool_core::sync::{lock, Mutex};
/// let m = Mutex::new(3);
/// assert_eq!(*lock(&m), 3);
/// ```
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// Waits on a condition variable, ignoring poisoning (see [`lock`]).
pub fn wait<'a, T>(condvar: &Condvar, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
    match condvar.wait(guard) {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}
