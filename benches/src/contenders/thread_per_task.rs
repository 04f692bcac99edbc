//! `thread-per-task`: one new `std::thread` per task, no bound (the pattern pools replace).

use std::sync::Arc;

use crate::contender::{Contender, ContenderError, Forker, Spawner, Task, Tracker, TreeTask, Work};

/// Spawns one OS thread per task; `join` spawns one scoped thread per fork.
#[derive(Debug)]
pub struct ThreadPerTask {
    tracker: &'static Tracker,
}

impl ThreadPerTask {
    /// A contender with nothing running.
    pub fn new() -> ThreadPerTask {
        ThreadPerTask {
            tracker: Tracker::leaked(),
        }
    }
}

impl Default for ThreadPerTask {
    fn default() -> ThreadPerTask {
        ThreadPerTask::new()
    }
}

/// Counts one task on `tracker` and spawns a thread that runs `body`, which must count it
/// done ([`Tracker::run`] or [`Tracker::run_fn`]).
fn spawn_thread<T>(
    tracker: T,
    body: impl FnOnce(&Tracker) + Send + 'static,
) -> Result<(), ContenderError>
where
    T: std::ops::Deref<Target = Tracker> + Clone + Send + 'static,
{
    tracker.add();
    let me = tracker.clone();
    match std::thread::Builder::new().spawn(move || body(&me)) {
        Ok(_detached) => Ok(()),
        Err(e) => {
            tracker.done();
            Err(ContenderError::Failed(format!("thread spawn failed: {e}")))
        }
    }
}

struct ThreadSpawner {
    tracker: Arc<Tracker>,
}

impl Spawner for ThreadSpawner {
    fn spawn(&self, task: TreeTask) {
        let child = ThreadSpawner {
            tracker: Arc::clone(&self.tracker),
        };
        let spawned = spawn_thread(Arc::clone(&self.tracker), move |t: &Tracker| {
            t.run_fn(|| task(&child));
        });
        if spawned.is_err() {
            panic!("thread-per-task could not spawn a thread for a child task");
        }
    }
}

struct ThreadForker;

impl Forker for ThreadForker {
    fn join(&self, a: &mut (dyn FnMut() + Send), b: &mut (dyn FnMut() + Send)) {
        std::thread::scope(|s| {
            let left = s.spawn(a);
            b();
            if let Err(payload) = left.join() {
                std::panic::resume_unwind(payload);
            }
        });
    }
}

impl Contender for ThreadPerTask {
    fn name(&self) -> &'static str {
        "thread-per-task"
    }

    fn workers(&self) -> Option<usize> {
        None
    }

    fn submit(&self, task: Task, _work: Work) -> Result<(), ContenderError> {
        spawn_thread(self.tracker, move |t: &Tracker| t.run(task))
    }

    fn wait(&self) -> Result<(), ContenderError> {
        self.tracker.wait()
    }

    fn spawn_tree(&self, root: TreeTask) -> Result<(), ContenderError> {
        let spawner = ThreadSpawner {
            tracker: Arc::new(Tracker::new()),
        };
        spawner.spawn(root);
        spawner.tracker.wait()
    }

    fn fork_join(&self, f: &(dyn Fn(&dyn Forker) -> u64 + Sync)) -> Result<u64, ContenderError> {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&ThreadForker)))
            .map_err(|_| ContenderError::Panicked(1))
    }
}
