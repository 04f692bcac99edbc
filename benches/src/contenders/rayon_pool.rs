//! `rayon`: its own `ThreadPool` (never the global one); `spawn`, `scope`, `join`.
//!
//! A flat job is `spawn`ed as a closure holding the workload's `Job` and a reference to
//! the contender's [`Tracker`], which rayon boxes as it would any closure.

use crate::contender::{Contender, ContenderError, Forker, Spawner, Task, Tracker, TreeTask, Work};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// A dedicated `rayon::ThreadPool` with `workers` threads.
#[derive(Debug)]
pub struct RayonPool {
    pool: rayon::ThreadPool,
    workers: usize,
    tracker: &'static Tracker,
}

impl RayonPool {
    /// Builds the pool.
    ///
    /// # Errors
    /// [`ContenderError::Failed`] when rayon cannot start its threads.
    pub fn new(workers: usize) -> Result<RayonPool, ContenderError> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(workers)
            .thread_name(|i| format!("rayon-{i}"))
            .build()
            .map_err(|e| ContenderError::Failed(e.to_string()))?;
        Ok(RayonPool {
            pool,
            workers,
            tracker: Tracker::leaked(),
        })
    }
}

struct RayonSpawner<'a, 's>(&'a rayon::Scope<'s>);

impl Spawner for RayonSpawner<'_, '_> {
    fn spawn(&self, task: TreeTask) {
        self.0.spawn(move |s| task(&RayonSpawner(s)));
    }
}

struct RayonForker;

impl Forker for RayonForker {
    fn join(&self, a: &mut (dyn FnMut() + Send), b: &mut (dyn FnMut() + Send)) {
        rayon::join(a, b);
    }
}

impl Contender for RayonPool {
    fn name(&self) -> &'static str {
        "rayon"
    }

    fn workers(&self) -> Option<usize> {
        Some(self.workers)
    }

    fn submit(&self, task: Task, _work: Work) -> Result<(), ContenderError> {
        let tracker = self.tracker;
        tracker.add();
        self.pool.spawn(move || tracker.run(task));
        Ok(())
    }

    fn wait(&self) -> Result<(), ContenderError> {
        self.tracker.wait()
    }

    fn spawn_tree(&self, root: TreeTask) -> Result<(), ContenderError> {
        catch_unwind(AssertUnwindSafe(|| {
            self.pool.scope(|s| root(&RayonSpawner(s)))
        }))
        .map_err(|_| ContenderError::Panicked(1))
    }

    fn fork_join(&self, f: &(dyn Fn(&dyn Forker) -> u64 + Sync)) -> Result<u64, ContenderError> {
        catch_unwind(AssertUnwindSafe(|| self.pool.install(|| f(&RayonForker))))
            .map_err(|_| ContenderError::Panicked(1))
    }
}
