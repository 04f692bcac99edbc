//! `work-stealing` (pool-work-stealing): per-worker deques, stealing, `join` and `scope`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use pool_core::PoolConfig;
use pool_work_stealing::{Scope, WorkStealingPool};

use crate::contender::{Contender, ContenderError, Forker, Spawner, Task, TreeTask, Work};
use crate::contenders::{CorePool, Sizing};

/// A `WorkStealingPool`.
#[derive(Debug)]
pub struct WorkStealing {
    pool: Arc<WorkStealingPool>,
    core: CorePool,
}

impl WorkStealing {
    /// Builds it with `sizing.workers` workers.
    ///
    /// # Errors
    /// [`ContenderError::Failed`] when the pool cannot be built.
    pub fn new(sizing: Sizing) -> Result<WorkStealing, ContenderError> {
        let config = PoolConfig::new()
            .workers(sizing.workers)
            .thread_name("work-stealing");
        let pool = Arc::new(
            WorkStealingPool::from_config(config)
                .map_err(|e| ContenderError::Failed(e.to_string()))?,
        );
        Ok(WorkStealing {
            core: CorePool::new("work-stealing", pool.clone()),
            pool,
        })
    }
}

struct WsSpawner<'a, 's>(&'a Scope<'s>);

impl Spawner for WsSpawner<'_, '_> {
    fn spawn(&self, task: TreeTask) {
        self.0.spawn(move |s: &Scope<'_>| task(&WsSpawner(s)));
    }
}

struct WsForker;

impl Forker for WsForker {
    fn join(&self, a: &mut (dyn FnMut() + Send), b: &mut (dyn FnMut() + Send)) {
        pool_work_stealing::join(a, b);
    }
}

impl Contender for WorkStealing {
    fn name(&self) -> &'static str {
        "work-stealing"
    }
    fn workers(&self) -> Option<usize> {
        self.core.workers()
    }
    fn submit(&self, task: Task, work: Work) -> Result<(), ContenderError> {
        self.core.submit(task, work)
    }
    fn wait(&self) -> Result<(), ContenderError> {
        self.core.wait()
    }
    fn spawn_tree(&self, root: TreeTask) -> Result<(), ContenderError> {
        catch_unwind(AssertUnwindSafe(|| {
            self.pool.scope(|s| root(&WsSpawner(s)))
        }))
        .map_err(|_| ContenderError::Panicked(1))
    }
    fn fork_join(&self, f: &(dyn Fn(&dyn Forker) -> u64 + Sync)) -> Result<u64, ContenderError> {
        catch_unwind(AssertUnwindSafe(|| self.pool.install(|| f(&WsForker))))
            .map_err(|_| ContenderError::Panicked(1))
    }
}
