//! Knowing whether the current thread is one of a given pool's workers.
//!
//! `wait_idle`, `shutdown` and blocking submission must not wait for the pool from inside
//! it; each pool takes a [`PoolId`] and marks its worker threads with [`PoolId::enter`].

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

std::thread_local! {
    static CURRENT: Cell<u64> = const { Cell::new(0) };
}

/// A process-unique pool identity.
///
/// ```
/// use pool_core::PoolId;
/// let id = PoolId::new();
/// assert!(!id.is_current());
/// let _mark = id.enter();
/// assert!(id.is_current());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PoolId(u64);

impl PoolId {
    /// A fresh identity, never equal to any other.
    pub fn new() -> PoolId {
        PoolId(NEXT_ID.fetch_add(1, Ordering::Relaxed))
    }

    /// Marks the current thread as one of this pool's workers until the guard drops.
    pub fn enter(self) -> WorkerMark {
        let previous = CURRENT.with(|c| c.replace(self.0));
        WorkerMark { previous }
    }

    /// Whether the current thread is one of this pool's workers.
    pub fn is_current(self) -> bool {
        CURRENT.with(|c| c.get() == self.0)
    }
}

impl Default for PoolId {
    fn default() -> PoolId {
        PoolId::new()
    }
}

/// Restores the thread's previous mark when dropped; see [`PoolId::enter`].
#[must_use = "the mark is removed when the guard drops"]
#[derive(Debug)]
pub struct WorkerMark {
    previous: u64,
}

impl Drop for WorkerMark {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.previous));
    }
}
