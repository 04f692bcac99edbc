//! `tokio`: a multi-thread runtime; CPU closures and futures go to `spawn`, blocking
//! closures to `spawn_blocking` (its blocking pool is capped at `workers` threads). A flat
//! job is a closure (or future) holding the workload's `Job` and a reference to the
//! contender's [`Tracker`].

use std::sync::Arc;

use crate::contender::{
    Contender, ContenderError, IoMode, Spawner, Task, TaskFuture, Tracker, TreeTask, Work,
};

/// A tokio multi-thread runtime with `workers` worker threads.
#[derive(Debug)]
pub struct TokioRuntime {
    rt: tokio::runtime::Runtime,
    workers: usize,
    tracker: &'static Tracker,
}

impl TokioRuntime {
    /// Builds the runtime (timers and I/O enabled).
    ///
    /// # Errors
    /// [`ContenderError::Failed`] when the runtime cannot start.
    pub fn new(workers: usize) -> Result<TokioRuntime, ContenderError> {
        TokioRuntime::with_blocking_threads(workers, workers)
    }

    /// Builds the runtime with `workers` worker threads and at most `blocking` threads
    /// for `spawn_blocking` (`tokio-unbounded` passes tokio's own default).
    ///
    /// # Errors
    /// [`ContenderError::Failed`] when the runtime cannot start.
    pub fn with_blocking_threads(
        workers: usize,
        blocking: usize,
    ) -> Result<TokioRuntime, ContenderError> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .max_blocking_threads(blocking)
            .thread_name("tokio-worker")
            .enable_all()
            .build()
            .map_err(|e| ContenderError::Failed(e.to_string()))?;
        Ok(TokioRuntime {
            rt,
            workers,
            tracker: Tracker::leaked(),
        })
    }
}

#[derive(Clone)]
struct TokioSpawner {
    handle: tokio::runtime::Handle,
    tracker: Arc<Tracker>,
}

impl Spawner for TokioSpawner {
    fn spawn(&self, task: TreeTask) {
        let me = self.clone();
        let guard = Tracker::guard(Arc::clone(&self.tracker));
        self.handle.spawn(async move {
            let _guard = guard;
            task(&me);
        });
    }
}

impl Contender for TokioRuntime {
    fn name(&self) -> &'static str {
        "tokio"
    }

    fn workers(&self) -> Option<usize> {
        Some(self.workers)
    }

    fn io_mode(&self) -> IoMode {
        IoMode::Async
    }

    fn submit(&self, task: Task, work: Work) -> Result<(), ContenderError> {
        let tracker = self.tracker;
        tracker.add();
        match work {
            Work::Cpu => drop(self.rt.spawn(async move { tracker.run(task) })),
            Work::Blocking => drop(self.rt.spawn_blocking(move || tracker.run(task))),
        }
        Ok(())
    }

    fn submit_async(&self, fut: TaskFuture) -> Result<(), ContenderError> {
        let guard = Tracker::guard(self.tracker);
        self.rt.spawn(async move {
            let _guard = guard;
            fut.await;
        });
        Ok(())
    }

    fn wait(&self) -> Result<(), ContenderError> {
        self.tracker.wait()
    }

    fn spawn_tree(&self, root: TreeTask) -> Result<(), ContenderError> {
        let spawner = TokioSpawner {
            handle: self.rt.handle().clone(),
            tracker: Arc::new(Tracker::new()),
        };
        spawner.spawn(root);
        spawner.tracker.wait()
    }
}
