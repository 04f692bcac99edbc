//! Dropping user values without letting their destructors unwind into a worker.

use std::panic::{catch_unwind, AssertUnwindSafe};

/// Drops `value` (an unrun closure, a discarded job) on the calling worker, catching a
/// panic from its destructor. The payload of such a panic is leaked, not dropped: a value
/// whose destructor panicked once is likely to panic again.
pub(crate) fn drop_quietly<T>(value: T) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(move || drop(value))) {
        std::mem::forget(payload);
    }
}
