//! [`CorePool`]: drives any `pool_core::Pool` (the workpools contract) as a contender.
//!
//! This is the shared half of the workpools adapters. Flat submission is the strategy's
//! own way: the workload's [`Job`] is the very box the pool queues (no wrapper, no
//! harness counter on the job path), and the barrier is the pool's `wait_idle`, with
//! panics read as the growth of `metrics().panicked` since the last wait. Recursive
//! spawning submits each child as a `Job` to the same pool from inside a worker, counted
//! by a per-tree [`Tracker`]. A strategy's own adapter wraps a `CorePool`, delegates
//! these, and adds what the `Pool` trait cannot express: `join` for work-stealing, futures
//! for async. See [`crate::contenders`] for the recipe.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use pool_core::{Job, Pool};

use crate::contender::{Contender, ContenderError, Spawner, Task, Tracker, TreeTask, Work};

/// A `pool_core::Pool` under a report name.
pub struct CorePool {
    name: &'static str,
    pool: Arc<dyn Pool>,
    /// `metrics().panicked` at the last `wait`, so each wait reports only new panics.
    panicked_seen: AtomicU64,
}

impl std::fmt::Debug for CorePool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CorePool")
            .field("name", &self.name)
            .field("workers", &self.pool.workers())
            .finish()
    }
}

impl CorePool {
    /// Wraps `pool`, reported as `name`.
    pub fn new(name: &'static str, pool: Arc<dyn Pool>) -> CorePool {
        let panicked_seen = AtomicU64::new(pool.metrics().panicked);
        CorePool {
            name,
            pool,
            panicked_seen,
        }
    }

    /// The wrapped pool.
    pub fn pool(&self) -> &Arc<dyn Pool> {
        &self.pool
    }
}

struct CoreSpawner {
    pool: Arc<dyn Pool>,
    tracker: Arc<Tracker>,
}

impl Spawner for CoreSpawner {
    /// Submits `task` to the pool; a job the pool hands back (`Full` from inside a worker
    /// of a bounded pool) runs on the spawning thread, like `CallerRuns`, so a tree never
    /// deadlocks on a full queue.
    fn spawn(&self, task: TreeTask) {
        let child = CoreSpawner {
            pool: Arc::clone(&self.pool),
            tracker: Arc::clone(&self.tracker),
        };
        self.tracker.add();
        let job = Job::new(move || {
            let tracker = Arc::clone(&child.tracker);
            tracker.run_fn(|| task(&child));
        });
        if let Err(handed_back) = self.pool.submit(job) {
            handed_back.into_inner().run();
        }
    }
}

impl Contender for CorePool {
    fn name(&self) -> &'static str {
        self.name
    }

    fn workers(&self) -> Option<usize> {
        Some(self.pool.workers())
    }

    fn submit(&self, task: Task, _work: Work) -> Result<(), ContenderError> {
        self.pool.submit(task).map_err(|e| {
            let msg = format!("submit: {e}");
            drop(e.into_inner());
            ContenderError::Failed(msg)
        })
    }

    fn wait(&self) -> Result<(), ContenderError> {
        self.pool
            .wait_idle()
            .map_err(|e| ContenderError::Failed(format!("wait_idle: {e}")))?;
        let now = self.pool.metrics().panicked;
        match now.saturating_sub(self.panicked_seen.swap(now, Ordering::Relaxed)) {
            0 => Ok(()),
            n => Err(ContenderError::Panicked(n)),
        }
    }

    fn spawn_tree(&self, root: TreeTask) -> Result<(), ContenderError> {
        let spawner = CoreSpawner {
            pool: Arc::clone(&self.pool),
            tracker: Arc::new(Tracker::new()),
        };
        spawner.spawn(root);
        spawner.tracker.wait()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::Duration;

    use pool_core::{
        Metrics, ShutdownError, ShutdownMode, ShutdownReport, SubmitError, WaitIdleError,
    };

    use super::*;

    /// Runs every job on the caller, or hands every job back as `Full`.
    struct Toy {
        full: bool,
    }

    impl Pool for Toy {
        fn submit(&self, job: Job) -> Result<(), SubmitError<Job>> {
            if self.full {
                return Err(SubmitError::Full(job));
            }
            job.run();
            Ok(())
        }
        fn try_submit(&self, job: Job) -> Result<(), SubmitError<Job>> {
            self.submit(job)
        }
        fn wait_idle(&self) -> Result<(), WaitIdleError> {
            Ok(())
        }
        fn wait_idle_timeout(&self, _: Duration) -> Result<(), WaitIdleError> {
            Ok(())
        }
        fn shutdown(&self, _: ShutdownMode) -> Result<ShutdownReport, ShutdownError> {
            Ok(ShutdownReport::default())
        }
        fn metrics(&self) -> Metrics {
            Metrics::default()
        }
        fn workers(&self) -> usize {
            3
        }
    }

    fn tree(depth: u32, n: Arc<AtomicU64>) -> TreeTask {
        Box::new(move |s: &dyn Spawner| {
            n.fetch_add(1, Ordering::Relaxed);
            if depth > 0 {
                s.spawn(tree(depth - 1, Arc::clone(&n)));
                s.spawn(tree(depth - 1, n));
            }
        })
    }

    #[test]
    fn submit_and_spawn_tree_go_through_the_pool() {
        let c = CorePool::new("toy", Arc::new(Toy { full: false }));
        assert_eq!((c.name(), c.workers()), ("toy", Some(3)));
        let n = Arc::new(AtomicU64::new(0));
        let m = Arc::clone(&n);
        c.submit(
            Job::new(move || {
                m.fetch_add(1, Ordering::Relaxed);
            }),
            Work::Cpu,
        )
        .expect("submit");
        c.wait().expect("wait");
        c.spawn_tree(tree(5, Arc::clone(&n))).expect("tree");
        assert_eq!(n.load(Ordering::Relaxed), 1 + 63);
    }

    #[test]
    fn submit_errors_with_failed_when_handed_back_and_wait_still_returns() {
        let c = CorePool::new("full", Arc::new(Toy { full: true }));
        assert!(matches!(
            c.submit(Job::new(|| {}), Work::Cpu),
            Err(ContenderError::Failed(_))
        ));
        assert_eq!(c.wait(), Ok(()));
    }

    #[test]
    fn spawned_children_handed_back_run_on_the_spawner() {
        let c = CorePool::new("full", Arc::new(Toy { full: true }));
        let n = Arc::new(AtomicU64::new(0));
        c.spawn_tree(tree(4, Arc::clone(&n))).expect("tree");
        assert_eq!(n.load(Ordering::Relaxed), 31);
    }
}
