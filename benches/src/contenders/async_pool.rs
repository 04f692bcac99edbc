//! `async` (pool-async): futures on a tokio runtime with `concurrency` of them in flight.
//!
//! Every kind of work goes through pool-async, so its admission (queue bound and run
//! limit) applies to all of it: futures and CPU closures are submitted as futures
//! (`try_submit`), blocking closures through its `pool_core::Pool` impl, which runs them
//! on the runtime's blocking threads. The barrier is the pool's own `wait_idle`, through a
//! [`CorePool`], like the other workpools contenders.

use std::sync::Arc;

use pool_async::AsyncPool;
use pool_core::Outcome;

use crate::contender::{
    Contender, ContenderError, IoMode, Spawner, Task, TaskFuture, Tracker, TreeTask, Work,
};
use crate::contenders::{CorePool, Sizing};

/// An `AsyncPool` with `workers` runtime threads and `concurrency` futures in flight.
#[derive(Debug)]
pub struct Async {
    pool: Arc<AsyncPool>,
    core: CorePool,
    workers: usize,
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
        let pool = Arc::new(pool);
        Ok(Async {
            core: CorePool::new("async", pool.clone()),
            pool,
            workers: sizing.workers,
        })
    }

    /// The pool's counters (every submitted closure and future is counted there).
    pub fn pool_metrics(&self) -> pool_core::Metrics {
        pool_core::Pool::metrics(self.pool.as_ref())
    }

    fn spawn_future(pool: &AsyncPool, fut: TaskFuture) -> Result<(), ContenderError> {
        pool.try_submit(fut)
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
        let guard = Tracker::guard(Arc::clone(&self.tracker));
        let fut: TaskFuture = Box::pin(async move {
            let _guard = guard;
            task(&me);
        });
        if Async::spawn_future(&self.pool, fut).is_err() {
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
            Work::Cpu => Async::spawn_future(
                &self.pool,
                Box::pin(async move {
                    // The job caught its panic; re-raise it so the pool counts it.
                    if task.run() == Outcome::Panicked {
                        std::panic::resume_unwind(Box::new("a submitted job panicked"));
                    }
                }),
            ),
            Work::Blocking => self.core.submit(task, work),
        }
    }
    fn submit_async(&self, fut: TaskFuture) -> Result<(), ContenderError> {
        Async::spawn_future(&self.pool, fut)
    }
    fn wait(&self) -> Result<(), ContenderError> {
        self.core.wait()
    }
    fn spawn_tree(&self, root: TreeTask) -> Result<(), ContenderError> {
        let spawner = AsyncSpawner {
            pool: Arc::clone(&self.pool),
            tracker: Arc::new(Tracker::new()),
        };
        spawner.spawn(root);
        spawner.tracker.wait()
    }
}
