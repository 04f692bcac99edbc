//! Loom models of the termination protocol, run with the real task bodies over a
//! model-checked queue: `RUSTFLAGS="--cfg loom" cargo test -p pool-recursive --release --lib loom`.

use std::collections::VecDeque;
use std::convert::Infallible;

use loom::sync::atomic::{AtomicUsize, Ordering};
use pool_core::sync::{lock, Arc, Mutex};
use pool_core::{Quiescence, TaskId};

use crate::stats::WorkerStats;
use crate::task::{Sink, Task};
use crate::termination::Tree;
use crate::tree::{Scope, TreeTask};

/// A shared FIFO standing in for the deques; workers poll it.
#[derive(Default)]
struct Queue {
    tasks: Mutex<VecDeque<Task>>,
    next: AtomicUsize,
    stats: WorkerStats,
}

impl Sink for Queue {
    fn push(&self, task: Task) {
        lock(&self.tasks).push_back(task);
    }

    fn next_id(&self) -> TaskId {
        TaskId::new(self.next.fetch_add(1, Ordering::Relaxed) as u64 + 1)
    }

    fn help_until(&self, _done: &dyn Fn() -> bool) {
        unreachable!("the models do not wait for children")
    }
}

impl Queue {
    /// Runs queued tasks until `idle` reports the pool has no pending unit.
    fn work(&self, idle: &Quiescence) -> usize {
        let mut ran = 0;
        while !idle.is_idle() {
            let task = lock(&self.tasks).pop_front();
            match task {
                Some(task) => {
                    run(task, self, self.next_id(), &self.stats);
                    ran += 1;
                }
                None => loom::thread::yield_now(),
            }
        }
        ran
    }
}

/// Runs a tree task (the models queue no `Pool` jobs).
fn run(task: Task, sink: &dyn Sink, id: TaskId, stats: &WorkerStats) {
    match task {
        Task::Body(body) => body.run(sink, id, stats),
        Task::Job(_) => unreachable!("the models queue only tree tasks"),
    }
}

/// Panics; returns `()` as far as the type checker knows, like any task body.
fn boom() {
    panic!("child")
}

/// The root submits a child as its very last act and the child panics; two workers race to
/// run them. At the moment the tree completes, both tasks must have finished (checked by a
/// counter each bumps at its end), the panic must be reported with the child's id, and the
/// pool's pending count must reach zero exactly once, after the completion.
#[test]
fn loom_last_act_submit_and_panicking_child_two_workers() {
    loom::model(|| {
        let queue = Arc::new(Queue::default());
        let idle = Arc::new(Quiescence::new());
        let finished = Arc::new(AtomicUsize::new(0));
        idle.add(1);
        let (tree, completion) = Tree::<Infallible>::new(false, Some(idle.clone()));
        let f = finished.clone();
        let root = move |s: &Scope<'_, Infallible>| {
            let f2 = f.clone();
            f.fetch_add(1, Ordering::Release);
            // Last act: the child (which panics after counting itself).
            s.spawn(move |_: &Scope<'_, Infallible>| {
                f2.fetch_add(1, Ordering::Release);
                boom();
            });
        };
        queue.push(Task::new(Box::new(TreeTask { f: root, tree })));
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let (queue, idle) = (queue.clone(), idle.clone());
                loom::thread::spawn(move || queue.work(&idle))
            })
            .collect();
        let outcome = completion.wait();
        // Never early: both tasks had finished their bodies when the tree completed.
        assert_eq!(finished.load(Ordering::Acquire), 2);
        let err = outcome.expect_err("the child panicked");
        assert_eq!(err.failures().len(), 1);
        let failure = &err.failures()[0];
        // Ids are handed out as tasks start: the root is 1, its child 2.
        assert_eq!(failure.id, TaskId::new(2));
        assert_eq!(err.skipped(), 0);
        assert!(failure.error.is_panic());
        // Never late: the workers stop by themselves once the pool unit is released.
        let ran: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
        assert_eq!(ran, 2);
        assert!(idle.is_idle());
    });
}

/// Fail fast, two workers: the root fails after submitting a child, which the other worker
/// may run concurrently. The child is either skipped (taken after the cancellation) or run,
/// never lost, and the tree completes after both.
#[test]
fn loom_fail_fast_child_skipped_or_run_never_lost() {
    loom::model(|| {
        let queue = Arc::new(Queue::default());
        let idle = Arc::new(Quiescence::new());
        let child_ran = Arc::new(AtomicUsize::new(0));
        idle.add(1);
        let (tree, completion) = Tree::<&'static str>::new(true, Some(idle.clone()));
        let c = child_ran.clone();
        let root = move |s: &Scope<'_, &'static str>| -> Result<(), &'static str> {
            s.spawn(move |_: &Scope<'_, &'static str>| {
                c.fetch_add(1, Ordering::Relaxed);
            });
            Err("root failed")
        };
        queue.push(Task::new(Box::new(TreeTask { f: root, tree })));
        let workers: Vec<_> = (0..2)
            .map(|_| {
                let (queue, idle) = (queue.clone(), idle.clone());
                loom::thread::spawn(move || {
                    let mut handled = 0;
                    while !idle.is_idle() {
                        let task = lock(&queue.tasks).pop_front();
                        match task {
                            Some(task) => {
                                run(task, &*queue, queue.next_id(), &queue.stats);
                                handled += 1;
                            }
                            None => loom::thread::yield_now(),
                        }
                    }
                    handled
                })
            })
            .collect();
        let err = completion.wait().expect_err("the root failed");
        assert_eq!(err.failures().len(), 1);
        assert_eq!(err.skipped() + child_ran.load(Ordering::Relaxed) as u64, 1);
        let handled: usize = workers.into_iter().map(|w| w.join().unwrap()).sum();
        assert_eq!(handled, 2);
    });
}
