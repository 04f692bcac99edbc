//! `recursive` (pool-recursive): tasks submit tasks, termination detected. Flat work goes
//! through `pool_core::Pool`; trees through its own `run` and `Scope::spawn`.

use std::convert::Infallible;
use std::sync::Arc;

use pool_core::PoolConfig;
use pool_recursive::{RecursivePool, Scope};

use crate::contender::{Contender, ContenderError, Spawner, Task, TreeTask, Work};
use crate::contenders::{CorePool, Sizing};

/// A `RecursivePool`.
#[derive(Debug)]
pub struct Recursive {
    pool: Arc<RecursivePool>,
    core: CorePool,
}

impl Recursive {
    /// Builds it with `sizing.workers` workers.
    ///
    /// # Errors
    /// [`ContenderError::Failed`] when the pool cannot be built.
    pub fn new(sizing: Sizing) -> Result<Recursive, ContenderError> {
        let config = PoolConfig::new()
            .workers(sizing.workers)
            .thread_name("recursive");
        let pool = Arc::new(
            RecursivePool::from_config(config)
                .map_err(|e| ContenderError::Failed(e.to_string()))?,
        );
        Ok(Recursive {
            core: CorePool::new("recursive", pool.clone()),
            pool,
        })
    }
}

struct RecSpawner<'a, 'b>(&'a Scope<'b, Infallible>);

impl Spawner for RecSpawner<'_, '_> {
    fn spawn(&self, task: TreeTask) {
        self.0
            .spawn(move |s: &Scope<'_, Infallible>| task(&RecSpawner(s)));
    }
}

impl Contender for Recursive {
    fn name(&self) -> &'static str {
        "recursive"
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
        self.pool
            .run(move |s: &Scope<'_, Infallible>| root(&RecSpawner(s)))
            .map_err(|e| {
                let n = e.failures().len() as u64;
                if n > 0 {
                    ContenderError::Panicked(n)
                } else {
                    ContenderError::Failed(e.to_string())
                }
            })
    }
}
