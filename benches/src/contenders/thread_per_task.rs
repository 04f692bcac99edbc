//! `thread-per-task`: one new `std::thread` per task, no bound (the pattern pools replace).
//!
//! **Out of threads.** When the OS refuses a thread (`ulimit -u`, `kernel.threads-max`,
//! memory), `spawn` fails and the task is refused with [`ContenderError::Failed`]. One
//! limit does not fail cleanly: each std thread maps about [`MAPS_PER_THREAD`] memory
//! regions (stack, guard page, signal stack and its guard), and once the process reaches
//! `vm.max_map_count` a new thread's signal-stack mapping fails inside std, which aborts
//! the whole process (seen here past about 16,000 threads). So the adapter refuses a
//! task the same clean way while [`map_budget`] threads are alive.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

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

/// Memory mappings a std thread adds (stack, guard page, signal stack and its guard).
const MAPS_PER_THREAD: usize = 4;

/// Threads of this adapter alive now, in the whole process.
static ALIVE: AtomicUsize = AtomicUsize::new(0);

/// The threads alive at once that stay clear of `vm.max_map_count`: an eighth of the
/// mappings is left to the rest of the process. Unlimited where the setting is unreadable.
fn map_budget() -> usize {
    static BUDGET: OnceLock<usize> = OnceLock::new();
    *BUDGET.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/vm/max_map_count")
            .ok()
            .and_then(|s| s.trim().parse::<usize>().ok())
            .map_or(usize::MAX, |maps| maps / MAPS_PER_THREAD / 8 * 7)
    })
}

/// Counts a live thread until dropped (on the thread, after its task).
struct Alive;

impl Drop for Alive {
    fn drop(&mut self) {
        ALIVE.fetch_sub(1, Ordering::Relaxed);
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
    let alive = ALIVE.fetch_add(1, Ordering::Relaxed);
    let alive_guard = Alive;
    if alive >= map_budget() {
        return Err(ContenderError::Failed(format!(
            "thread spawn refused: {alive} threads alive, at the budget of vm.max_map_count (past it std aborts the process)"
        )));
    }
    tracker.add();
    let me = tracker.clone();
    match std::thread::Builder::new().spawn(move || {
        let _alive = alive_guard;
        body(&me);
    }) {
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
