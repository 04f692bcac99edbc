//! Shared test helpers.
#![allow(dead_code)]

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use pool_async::AsyncPool;

/// A pool with its own runtime: `limit` running at most, `threads` runtime workers.
pub fn pool(limit: usize, threads: usize) -> AsyncPool {
    AsyncPool::builder()
        .concurrency(limit)
        .worker_threads(threads)
        .build()
        .expect("valid settings")
}

/// Runs a test body under the testkit's watchdog, so a deadlock fails instead of hanging.
pub fn guarded(name: &str, body: impl FnOnce() + Send + 'static) {
    pool_testkit::with_watchdog(name, pool_testkit::DEADLOCK, body);
}

/// An independent witness of how many tasks run at once.
#[derive(Default)]
pub struct Peak {
    now: AtomicUsize,
    max: AtomicUsize,
}

impl Peak {
    pub fn new() -> Arc<Peak> {
        Arc::new(Peak::default())
    }

    /// Wraps a future so it counts as running while it is polled to completion.
    pub fn wrap<F: Future>(self: &Arc<Self>, fut: F) -> impl Future<Output = F::Output> {
        let peak = self.clone();
        async move {
            let running = peak.now.fetch_add(1, Ordering::SeqCst) + 1;
            peak.max.fetch_max(running, Ordering::SeqCst);
            let out = fut.await;
            peak.now.fetch_sub(1, Ordering::SeqCst);
            out
        }
    }

    pub fn max(&self) -> usize {
        self.max.load(Ordering::SeqCst)
    }
}

/// Counts its own drops, to check every task's future is dropped exactly once.
pub struct DropCount(pub Arc<AtomicUsize>);

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}
