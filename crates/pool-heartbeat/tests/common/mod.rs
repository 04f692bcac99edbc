//! Helpers the behaviour tests share.

use pool_heartbeat::{join, HeartbeatPool};

/// A pool of `workers` workers with the default tuning.
pub fn pool(workers: usize) -> HeartbeatPool {
    HeartbeatPool::builder()
        .workers(workers)
        .build()
        .expect("pool")
}

/// Naive fib with a `join` at every level.
pub fn fib(n: u64) -> u64 {
    if n < 2 {
        return n;
    }
    let (a, b) = join(|| fib(n - 1), || fib(n - 2));
    a + b
}
