//! A worker thread: its local LIFO deque, its loop, and the [`Sink`] its tasks submit to.
//!
//! Order of search: own deque (LIFO: depth-first, cache-warm, memory bounded by the tree's
//! depth times its fan-out) → the injector (outside submissions, in batches) → the other
//! workers' deques (FIFO end: the oldest, largest subtrees). With nothing found the worker
//! spins briefly, then sleeps by the protocol in `sleep/README.md`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use crossbeam_deque::{Steal, Worker};
use pool_core::sync::Arc;
use pool_core::TaskId;

use crate::registry::Registry;
use crate::task::{Sink, Task};

/// Cap on the CPU pauses between two fruitless searches (the pause doubles up to it).
const SPIN_ROUNDS: u32 = 64;

/// How long a worker keeps searching (pausing, then yielding) before it sleeps. Waking a
/// parked thread costs 4–27 µs on this VM, and the *pusher* pays for the wake-up system
/// call; a worker that naps through short gaps between bursts of stealable work would
/// make the busy worker pay it again and again.
const SEARCH_BEFORE_SLEEP: Duration = Duration::from_micros(100);

/// How deep caller-runs may nest on one worker before a submission goes to the deque
/// anyway (over the bound), so that the inline fallback cannot overflow the stack.
const MAX_INLINE_DEPTH: u32 = 64;

/// Bits of a [`TaskId`] below the worker slot: worker `i` numbers the tasks it starts in
/// slot `i + 1`, so ids are unique within the pool without any shared counter.
const ID_SLOT_SHIFT: u32 = 40;

std::thread_local! {
    /// The worker running on this thread, if any (for `Pool::submit` and `run` from inside).
    static CURRENT: RefCell<Option<Rc<Local>>> = const { RefCell::new(None) };
}

/// A worker's own state; lives on its thread only. Aligned to 128 bytes so that no other
/// heap block shares its cache lines: task boxes are allocated next to it by this worker
/// and freed by thieves, whose `free` writes the block headers.
#[repr(align(128))]
pub(crate) struct Local {
    index: usize,
    deque: Worker<Task>,
    registry: Arc<Registry>,
    next_seq: Cell<u64>,
    inline_depth: Cell<u32>,
}

/// The worker of `registry` running on this thread, if this thread is one.
pub(crate) fn current(registry: &Arc<Registry>) -> Option<Rc<Local>> {
    CURRENT.with(|c| {
        c.borrow()
            .as_ref()
            .filter(|local| Arc::ptr_eq(&local.registry, registry))
            .cloned()
    })
}

/// The body of worker thread `index`.
pub(crate) fn main(registry: Arc<Registry>, index: usize, deque: Worker<Task>) {
    let _mark = registry.id.enter();
    let local = Rc::new(Local {
        index,
        deque,
        registry,
        next_seq: Cell::new(0),
        inline_depth: Cell::new(0),
    });
    CURRENT.with(|c| *c.borrow_mut() = Some(local.clone()));
    local.run_loop();
    CURRENT.with(|c| c.borrow_mut().take());
}

impl Local {
    fn run_loop(&self) {
        let registry = &*self.registry;
        let mut backoff = Backoff::new();
        loop {
            if let Some(task) = self.find_task() {
                self.execute(task);
                backoff = Backoff::new();
                continue;
            }
            if registry.stop.load(Ordering::SeqCst) {
                return;
            }
            if backoff.pause() {
                continue;
            }
            registry.sleep.sleep(|| registry.ready());
            backoff = Backoff::new();
        }
    }

    /// Own deque first, then the injector, then the other workers.
    fn find_task(&self) -> Option<Task> {
        self.deque.pop().or_else(|| self.steal())
    }

    fn steal(&self) -> Option<Task> {
        let registry = &*self.registry;
        let n = registry.stealers.len();
        loop {
            let mut retry = false;
            match registry.injector.steal_batch_and_pop(&self.deque) {
                Steal::Success(task) => return Some(task),
                Steal::Retry => retry = true,
                Steal::Empty => {}
            }
            for k in 1..n {
                match registry.stealers[(self.index + k) % n].steal() {
                    Steal::Success(task) => return Some(task),
                    Steal::Retry => retry = true,
                    Steal::Empty => {}
                }
            }
            if !retry {
                return None;
            }
        }
    }

    /// Runs a task (or, during an immediate shutdown, discards it) and tallies the outcome.
    pub(crate) fn execute(&self, task: Task) {
        let stats = &self.registry.stats[self.index];
        if self.registry.discard.load(Ordering::Relaxed) {
            stats.cancelled();
            self.registry.discard_task(task);
            return;
        }
        stats.started();
        match task {
            Task::Body(body) => body.run(self, self.fresh_id(), stats),
            Task::Job(job) => job.run(stats, &self.registry.idle, self.registry.bound.as_deref()),
        }
    }

    /// A fresh id in this worker's slot of the id space.
    fn fresh_id(&self) -> TaskId {
        let seq = self.next_seq.get();
        self.next_seq.set(seq + 1);
        TaskId::new(((self.index as u64 + 1) << ID_SLOT_SHIFT) | seq)
    }

    /// Pushes onto this worker's deque without the bound (roots and `Pool` jobs from
    /// inside, which the caller counted already).
    pub(crate) fn push_unbounded(&self, task: Task) {
        self.deque.push(task);
        self.registry.sleep.local_work_pushed();
    }

    /// Whether this worker's deque is at the configured bound.
    pub(crate) fn is_full(&self) -> bool {
        self.registry
            .local_bound
            .is_some_and(|bound| self.deque.len() >= bound)
    }

    /// Tallies a submission made on this worker.
    pub(crate) fn count_submission(&self) {
        self.registry.stats[self.index].submitted();
    }
}

impl Sink for Local {
    fn push(&self, task: Task) {
        self.count_submission();
        if self.is_full() && self.inline_depth.get() < MAX_INLINE_DEPTH {
            // Caller runs: the child runs now, on this stack, before `spawn` returns.
            self.inline_depth.set(self.inline_depth.get() + 1);
            self.execute(task);
            self.inline_depth.set(self.inline_depth.get() - 1);
            return;
        }
        self.push_unbounded(task);
    }

    fn next_id(&self) -> TaskId {
        self.fresh_id()
    }

    fn help_until(&self, done: &dyn Fn() -> bool) {
        let mut backoff = Backoff::new();
        while !done() {
            if let Some(task) = self.find_task() {
                self.execute(task);
                backoff = Backoff::new();
            } else {
                // A waiter never sleeps: the child may finish on another worker any moment.
                backoff.pause();
            }
        }
    }
}

/// Pauses between fruitless searches: CPU pauses doubling up to [`SPIN_ROUNDS`], then
/// yields, for [`SEARCH_BEFORE_SLEEP`] in all.
struct Backoff {
    pauses: u32,
    since: Option<Instant>,
}

impl Backoff {
    fn new() -> Backoff {
        Backoff {
            pauses: 1,
            since: None,
        }
    }

    /// Pauses once; returns `false` once the search has lasted long enough to sleep.
    fn pause(&mut self) -> bool {
        if self.pauses < SPIN_ROUNDS {
            for _ in 0..self.pauses {
                std::hint::spin_loop();
            }
            self.pauses *= 2;
            return true;
        }
        let since = *self.since.get_or_insert_with(Instant::now);
        std::thread::yield_now();
        since.elapsed() < SEARCH_BEFORE_SLEEP
    }
}
