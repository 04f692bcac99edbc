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
    pub use std::thread::{current, park, park_timeout, spawn, yield_now, JoinHandle, Thread};

    #[cfg(loom)]
    pub use loom::thread::{current, park, spawn, yield_now, JoinHandle, Thread};

    /// Loom has no timed park. `park_timeout` may return early anyway, so a yield is a
    /// faithful model of it: the caller rechecks its condition and its deadline.
    #[cfg(loom)]
    pub fn park_timeout(_: std::time::Duration) {
        loom::thread::yield_now();
    }
}

/// A cell whose every access goes through a closure, so that loom can check it for data
/// races: `std::cell::UnsafeCell` behind loom's `with`/`with_mut` API, or loom's own.
pub mod cell {
    #[cfg(loom)]
    pub use loom::cell::UnsafeCell;

    /// `std::cell::UnsafeCell` with loom's access API.
    ///
    /// ```
    /// use pool_core::sync::cell::UnsafeCell;
    /// let c = UnsafeCell::new(1);
    /// // SAFETY: no other reference to the cell's contents exists.
    /// c.with_mut(|p| unsafe { *p = 2 });
    /// // SAFETY: as above.
    /// assert_eq!(c.with(|p| unsafe { *p }), 2);
    /// ```
    #[cfg(not(loom))]
    #[derive(Debug, Default)]
    pub struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

    #[cfg(not(loom))]
    impl<T> UnsafeCell<T> {
        /// Wraps a value.
        pub const fn new(value: T) -> UnsafeCell<T> {
            UnsafeCell(std::cell::UnsafeCell::new(value))
        }

        /// Calls `f` with a shared pointer to the contents.
        #[inline(always)]
        pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }

        /// Calls `f` with a mutable pointer to the contents.
        #[inline(always)]
        pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }
    }
}

/// `std::hint::spin_loop`, or loom's (which yields to the model's scheduler).
pub mod hint {
    #[cfg(not(loom))]
    pub use std::hint::spin_loop;

    #[cfg(loom)]
    pub use loom::hint::spin_loop;
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
