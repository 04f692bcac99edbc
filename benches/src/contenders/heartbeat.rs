//! `heartbeat` (pool-heartbeat): heartbeat-scheduled `join`; spawn trees through `join`.
//!
//! Fork-join runs in place (`HeartbeatPool::run_here`), as chili's does: the calling thread
//! works, and a second pool of `workers - 1` threads takes promoted forks, so a fork-join
//! cell uses `workers` threads in all, like every other contender's (at one worker, the
//! caller hands the work to the one-worker pool with `install`). Flat submission (the
//! `idle` workload) goes to a pool of `workers` threads.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use pool_core::PoolConfig;
use pool_heartbeat::HeartbeatPool;

use crate::contender::{Contender, ContenderError, Forker, Task, TreeTask, Work};
use crate::contenders::join_tree::spawn_tree_with_join;
use crate::contenders::{CorePool, Sizing};

/// A `HeartbeatPool` of `workers` threads, and one of `workers - 1` for fork-join in place.
#[derive(Debug)]
pub struct Heartbeat {
    pool: Arc<HeartbeatPool>,
    /// The pool the caller joins in place; `None` at one worker.
    helpers: Option<HeartbeatPool>,
    core: CorePool,
}

impl Heartbeat {
    /// Builds it with `sizing.workers` workers.
    ///
    /// # Errors
    /// [`ContenderError::Failed`] when the pool cannot be built.
    pub fn new(sizing: Sizing) -> Result<Heartbeat, ContenderError> {
        let config = PoolConfig::new()
            .workers(sizing.workers)
            .thread_name("heartbeat");
        let pool = Arc::new(
            HeartbeatPool::from_config(config)
                .map_err(|e| ContenderError::Failed(e.to_string()))?,
        );
        let helpers = match sizing.workers {
            0 | 1 => None,
            w => Some(
                HeartbeatPool::from_config(
                    PoolConfig::new().workers(w - 1).thread_name("heartbeat"),
                )
                .map_err(|e| ContenderError::Failed(e.to_string()))?,
            ),
        };
        Ok(Heartbeat {
            core: CorePool::new("heartbeat", pool.clone()),
            pool,
            helpers,
        })
    }
}

struct HbForker;

impl Forker for HbForker {
    fn join(&self, a: &mut (dyn FnMut() + Send), b: &mut (dyn FnMut() + Send)) {
        pool_heartbeat::join(a, b);
    }
}

impl Contender for Heartbeat {
    fn name(&self) -> &'static str {
        "heartbeat"
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
    /// Children are forked with `join` (see `join_tree`): the pool has no `spawn` beyond
    /// its `'static` queue, which every node would cross.
    fn spawn_tree(&self, root: TreeTask) -> Result<(), ContenderError> {
        spawn_tree_with_join(self, root)
    }
    fn fork_join(&self, f: &(dyn Fn(&dyn Forker) -> u64 + Sync)) -> Result<u64, ContenderError> {
        catch_unwind(AssertUnwindSafe(|| match &self.helpers {
            Some(helpers) => helpers.run_here(|| f(&HbForker)),
            None => self.pool.install(|| f(&HbForker)),
        }))
        .map_err(|_| ContenderError::Panicked(1))
    }
}
