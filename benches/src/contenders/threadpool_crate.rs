//! `threadpool`: the `threadpool` crate's fixed pool (one shared channel, `execute`).
//!
//! A flat job is `execute`d as a closure holding the workload's `Job` (which the crate
//! boxes, as it would any closure that captures something), and the barrier is the
//! crate's own `join`, as `pool_core::Pool::wait_idle` is for the workpools pools: no
//! harness counter on the job path. Panics are caught by the `Job` itself and counted
//! here, on the panic path only. Trees are counted by a per-tree [`Tracker`], since a
//! `join` from inside a worker would wait for itself.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use pool_core::Outcome;

use crate::contender::{Contender, ContenderError, Spawner, Task, Tracker, TreeTask, Work};

/// A `threadpool::ThreadPool` with `workers` threads.
#[derive(Debug)]
pub struct ThreadpoolCrate {
    pool: threadpool::ThreadPool,
    workers: usize,
    /// Flat jobs that panicked since the last `wait` (leaked: the jobs outlive no borrow).
    panicked: &'static AtomicU64,
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
            panicked: Box::leak(Box::new(AtomicU64::new(0))),
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
        let panicked = self.panicked;
        self.pool.execute(move || {
            if task.run() == Outcome::Panicked {
                panicked.fetch_add(1, Ordering::Relaxed);
            }
        });
        Ok(())
    }

    /// The crate's `join`: it returns once no job is queued or running, and its SeqCst
    /// counters order every finished job's effects before the return.
    fn wait(&self) -> Result<(), ContenderError> {
        self.pool.join();
        match self.panicked.swap(0, Ordering::Relaxed) {
            0 => Ok(()),
            n => Err(ContenderError::Panicked(n)),
        }
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
