//! Helpers shared by the integration tests (`mod common;` in each; not a test itself).
#![allow(dead_code)] // each test file uses a subset of the helpers

use std::time::Duration;

use pool_recursive::RecursivePool;

/// How long any one test may run before it counts as a deadlock.
pub const LIMIT: Duration = Duration::from_secs(20);

/// A pool of `workers` workers, unbounded.
pub fn pool(workers: usize) -> RecursivePool {
    RecursivePool::builder()
        .workers(workers)
        .thread_name("test")
        .build()
        .expect("valid config")
}

/// Panics; typed as returning `()`, like a task body.
pub fn boom(message: &'static str) {
    std::panic::panic_any(message)
}
