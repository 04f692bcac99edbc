//! `sequential`: every task runs on the calling thread, in order: the single-core reference.

use std::cell::RefCell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};

use pool_core::Outcome;

use crate::contender::{Contender, ContenderError, Forker, Spawner, Task, TreeTask, Work};

/// Runs each task inline when it is submitted; trees depth-first from a local stack.
#[derive(Debug, Default)]
pub struct Sequential {
    panicked: AtomicU64,
}

impl Sequential {
    /// The inline contender.
    pub fn new() -> Sequential {
        Sequential::default()
    }
}

struct StackSpawner {
    stack: RefCell<Vec<TreeTask>>,
}

impl Spawner for StackSpawner {
    fn spawn(&self, task: TreeTask) {
        self.stack.borrow_mut().push(task);
    }
}

struct InlineForker;

impl Forker for InlineForker {
    fn join(&self, a: &mut (dyn FnMut() + Send), b: &mut (dyn FnMut() + Send)) {
        a();
        b();
    }
}

impl Contender for Sequential {
    fn name(&self) -> &'static str {
        "sequential"
    }

    fn workers(&self) -> Option<usize> {
        Some(1)
    }

    fn queues(&self) -> bool {
        false
    }

    fn submit(&self, task: Task, _work: Work) -> Result<(), ContenderError> {
        if task.run() == Outcome::Panicked {
            self.panicked.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }

    fn wait(&self) -> Result<(), ContenderError> {
        match self.panicked.swap(0, Ordering::Relaxed) {
            0 => Ok(()),
            n => Err(ContenderError::Panicked(n)),
        }
    }

    fn spawn_tree(&self, root: TreeTask) -> Result<(), ContenderError> {
        let spawner = StackSpawner {
            stack: RefCell::new(vec![root]),
        };
        loop {
            let next = spawner.stack.borrow_mut().pop();
            let Some(task) = next else { return Ok(()) };
            catch_unwind(AssertUnwindSafe(|| task(&spawner)))
                .map_err(|_| ContenderError::Panicked(1))?;
        }
    }

    fn fork_join(&self, f: &(dyn Fn(&dyn Forker) -> u64 + Sync)) -> Result<u64, ContenderError> {
        catch_unwind(AssertUnwindSafe(|| f(&InlineForker))).map_err(|_| ContenderError::Panicked(1))
    }
}
