//! `async` (pool-async): futures on a tokio runtime with `concurrency` of them in flight;
//! blocking closures go to the runtime's `spawn_blocking`.

use std::sync::Arc;

use pool_async::AsyncPool;

use crate::contender::{
    Contender, ContenderError, IoMode, Spawner, Task, TaskFuture, Tracker, TreeTask, Work,
};
use crate::contenders::Sizing;

/// An `AsyncPool` with `workers` runtime threads and `concurrency` futures in flight.
#[derive(Debug)]
pub struct Async {
    pool: Arc<AsyncPool>,
    workers: usize,
    tracker: Arc<Tracker>,
}

impl Async {
    /// Builds it.
    ///
    /// # Errors
    /// [`ContenderError::Failed`] when the pool cannot be built.
    pub fn new(sizing: Sizing) -> Result<Async, ContenderError> {
        let pool = AsyncPool::builder()
            .worker_threads(sizing.workers)
            .concurrency(sizing.concurrency)
            .thread_name("async")
            .build()
            .map_err(|e| ContenderError::Failed(e.to_string()))?;
        Ok(Async {
            pool: Arc::new(pool),
            workers: sizing.workers,
            tracker: Tracker::new(),
        })
    }

    fn spawn_future(
        pool: &AsyncPool,
        tracker: &Arc<Tracker>,
        fut: TaskFuture,
    ) -> Result<(), ContenderError> {
        let guard = tracker.guard();
        pool.try_submit(async move {
            let _guard = guard;
            fut.await;
        })
        .map(drop)
        .map_err(|e| ContenderError::Failed(format!("submit: {e}")))
    }
}

#[derive(Clone)]
struct AsyncSpawner {
    pool: Arc<AsyncPool>,
    tracker: Arc<Tracker>,
}

impl Spawner for AsyncSpawner {
    fn spawn(&self, task: TreeTask) {
        let me = self.clone();
        let fut: TaskFuture = Box::pin(async move { task(&me) });
        if Async::spawn_future(&self.pool, &self.tracker, fut).is_err() {
            panic!("the async pool refused a child task");
        }
    }
}

impl Contender for Async {
    fn name(&self) -> &'static str {
        "async"
    }
    fn workers(&self) -> Option<usize> {
        Some(self.workers)
    }
    fn io_mode(&self) -> IoMode {
        IoMode::Async
    }
    fn submit(&self, task: Task, work: Work) -> Result<(), ContenderError> {
        match work {
            Work::Cpu => {
                Async::spawn_future(&self.pool, &self.tracker, Box::pin(async move { task() }))
            }
            Work::Blocking => {
                let task = self.tracker.wrap(task);
                drop(self.pool.handle().spawn_blocking(task));
                Ok(())
            }
        }
    }
    fn submit_async(&self, fut: TaskFuture) -> Result<(), ContenderError> {
        Async::spawn_future(&self.pool, &self.tracker, fut)
    }
    fn wait(&self) -> Result<(), ContenderError> {
        self.tracker.wait()
    }
    fn spawn_tree(&self, root: TreeTask) -> Result<(), ContenderError> {
        let spawner = AsyncSpawner {
            pool: Arc::clone(&self.pool),
            tracker: Tracker::new(),
        };
        spawner.spawn(root);
        spawner.tracker.wait()
    }
}
