//! `threadpool`: the `threadpool` crate's fixed pool (one shared channel, `execute`).
//!
//! A flat job is `execute`d as a closure holding the workload's `Job` and a reference to
//! the contender's [`Tracker`], which the crate boxes as it would any closure.

use std::sync::Arc;

use crate::contender::{Contender, ContenderError, Spawner, Task, Tracker, TreeTask, Work};

/// A `threadpool::ThreadPool` with `workers` threads.
#[derive(Debug)]
pub struct ThreadpoolCrate {
    pool: threadpool::ThreadPool,
    workers: usize,
    tracker: &'static Tracker,
}

impl ThreadpoolCrate {
    /// Builds the pool.
    ///
    /// # Errors
    /// [`ContenderError::Failed`] for zero workers (the crate would panic).
    pub fn new(workers: usize) -> Result<ThreadpoolCrate, ContenderError> {
        if workers == 0 {
            return Err(ContenderError::Failed(
                "threadpool needs at least one worker".into(),
            ));
        }
        let pool = threadpool::Builder::new()
            .num_threads(workers)
            .thread_name("threadpool".into())
            .build();
        Ok(ThreadpoolCrate {
            pool,
            workers,
            tracker: Tracker::leaked(),
        })
    }
}

struct PoolSpawner {
    pool: threadpool::ThreadPool,
    tracker: Arc<Tracker>,
}

impl Spawner for PoolSpawner {
    fn spawn(&self, task: TreeTask) {
        let child = PoolSpawner {
            pool: self.pool.clone(),
            tracker: Arc::clone(&self.tracker),
        };
        self.tracker.add();
        self.pool
            .execute(move || child.tracker.clone().run_fn(|| task(&child)));
    }
}

impl Contender for ThreadpoolCrate {
    fn name(&self) -> &'static str {
        "threadpool"
    }

    fn workers(&self) -> Option<usize> {
        Some(self.workers)
    }

    fn submit(&self, task: Task, _work: Work) -> Result<(), ContenderError> {
        let tracker = self.tracker;
        tracker.add();
        self.pool.execute(move || tracker.run(task));
        Ok(())
    }

    fn wait(&self) -> Result<(), ContenderError> {
        self.tracker.wait()
    }

    fn spawn_tree(&self, root: TreeTask) -> Result<(), ContenderError> {
        let spawner = PoolSpawner {
            pool: self.pool.clone(),
            tracker: Arc::new(Tracker::new()),
        };
        spawner.spawn(root);
        spawner.tracker.wait()
    }
}
