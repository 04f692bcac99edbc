//! A task its joiner may run: the queue holds a shell and the [`JoinHandle`](crate::JoinHandle)
//! a claim on the same task; whichever takes it first runs it, exactly once.
//!
//! This is how `spawn(..).join()` inside a task avoids deadlock on pools that opt in
//! ([`Pool::inline_joins`](crate::Pool::inline_joins)): a joiner on a worker of the task's
//! pool runs the task itself if no worker has taken it; otherwise the task is running on
//! another thread, and blocking for it cannot deadlock (following "waits for" from a blocked
//! joiner always reaches a running task, unless the program's own joins form a cycle).
//! It runs nothing else while it waits: an unrelated task run on top of the joiner could
//! itself join the joiner's task and never return.

use std::any::Any;

use crate::sync::{lock, Arc, Mutex};
use crate::{Job, Outcome, PoolId, Runnable};

/// The task, until the queue's shell or the handle's claim takes it.
type Cell = Arc<Mutex<Option<Job>>>;

/// The handle's side: may run the task on a worker of its pool.
pub(crate) struct Claim {
    owner: PoolId,
    task: Cell,
}

impl Claim {
    /// Runs the task here if this thread is a worker of the task's pool and no worker took
    /// it yet.
    pub(crate) fn run_if_unstarted(self) {
        if !self.owner.is_current() {
            return;
        }
        let task = lock(&self.task).take();
        if let Some(job) = task {
            job.run();
        }
    }
}

/// The queue's side: runs the task unless its joiner did.
struct Shell(Cell);

impl Shell {
    fn take(&self) -> Option<Job> {
        lock(&self.0).take()
    }
}

impl Runnable for Shell {
    fn run(self: Box<Self>) -> Outcome {
        match self.take() {
            Some(job) => job.run(),
            // Its joiner ran it (see `Pool::inline_joins` for how it is tallied).
            None => Outcome::Completed,
        }
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any + Send> {
        // A rejected shell was never visible to a joiner: the task is still here.
        match self.take() {
            Some(job) => job.into_any(),
            None => Box::new(()),
        }
    }
}

impl Drop for Shell {
    /// A shell dropped unrun (an immediate shutdown) drops the task unless its joiner took
    /// it, so the handle learns it was cancelled.
    fn drop(&mut self) {
        drop(self.take());
    }
}

/// Splits `job` into the shell to queue and the claim for its handle.
pub(crate) fn split(job: Job, owner: PoolId) -> (Job, Claim) {
    let task: Cell = Arc::new(Mutex::new(Some(job)));
    let shell = Job::from_runnable(Box::new(Shell(task.clone())));
    (shell, Claim { owner, task })
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn claim_off_the_owner_pool_leaves_the_task_to_the_queue() {
        let (shell, claim) = split(Job::new(|| {}), PoolId::new());
        claim.run_if_unstarted();
        assert_eq!(shell.run(), Outcome::Completed);
    }

    #[test]
    fn claimed_task_runs_once() {
        let ran = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let r = ran.clone();
        let owner = PoolId::new();
        let (shell, claim) = split(
            Job::new(move || {
                r.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }),
            owner,
        );
        let _mark = owner.enter();
        claim.run_if_unstarted();
        assert_eq!(shell.run(), Outcome::Completed);
        assert_eq!(ran.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[test]
    fn rejected_shell_hands_back_the_closure() {
        fn work() {}
        let (shell, _claim) = split(Job::new(work as fn()), PoolId::new());
        let f: fn() = shell.downcast().expect("made from fn()");
        f();
    }
}
