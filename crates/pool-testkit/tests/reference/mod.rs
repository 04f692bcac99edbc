//! A deliberately plain pool (one mutex-guarded deque, two condvars) that keeps the whole
//! `Pool` contract, used to check the conformance suite itself. `Bug` switches on one
//! deliberate contract violation at a time, to show the suite catches it.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use pool_core::sync::lock;
use pool_core::{
    spawn_workers, Counters, Job, Metrics, OverflowPolicy, Pool, PoolConfig, PoolId, Quiescence,
    ShutdownError, ShutdownMode, ShutdownReport, SubmitError, ValidConfig, WaitIdleError,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(dead_code)] // each test binary uses some of the variants
pub enum Bug {
    None,
    /// Silently drops every 1000th accepted job.
    LosesJobs,
    /// Ignores the queue bound.
    IgnoresBound,
}

struct State {
    queue: VecDeque<Job>,
    closed: bool,
    accepted: u64,
}

struct Inner {
    state: Mutex<State>,
    work: Condvar,
    space: Condvar,
    counters: Counters,
    idle: Quiescence,
    id: PoolId,
    config: ValidConfig,
    bug: Bug,
}

pub struct ReferencePool {
    inner: Arc<Inner>,
    threads: Mutex<Vec<JoinHandle<()>>>,
    report: Mutex<Option<ShutdownReport>>,
}

impl ReferencePool {
    pub fn new(config: PoolConfig, bug: Bug) -> ReferencePool {
        let config = config.validate().expect("valid config");
        let inner = Arc::new(Inner {
            state: Mutex::new(State {
                queue: VecDeque::new(),
                closed: false,
                accepted: 0,
            }),
            work: Condvar::new(),
            space: Condvar::new(),
            counters: Counters::new(config.workers.get()),
            idle: Quiescence::new(),
            id: PoolId::new(),
            config,
            bug,
        });
        let threads = spawn_workers(
            &inner.config,
            |_| {
                let inner = inner.clone();
                move || inner.work_loop()
            },
            || {},
        )
        .expect("threads start");
        ReferencePool {
            inner,
            threads: Mutex::new(threads),
            report: Mutex::new(None),
        }
    }

    fn enqueue(&self, job: Job, may_wait: bool) -> Result<(), SubmitError<Job>> {
        let inner = &*self.inner;
        let mut state = lock(&inner.state);
        loop {
            if state.closed {
                inner.counters.rejected(1);
                return Err(SubmitError::Closed(job));
            }
            let full = match inner.config.queue_bound {
                Some(bound) if inner.bug != Bug::IgnoresBound => state.queue.len() >= bound.get(),
                _ => false,
            };
            if !full {
                break;
            }
            let inside = inner.id.is_current();
            match inner.config.overflow {
                OverflowPolicy::Block if may_wait && !inside => {
                    state = inner.space.wait(state).unwrap_or_else(|p| p.into_inner());
                }
                OverflowPolicy::CallerRuns if may_wait => {
                    inner.idle.add(1);
                    inner.counters.accepted(1);
                    drop(state);
                    inner.counters.run(job);
                    inner.idle.done(1);
                    return Ok(());
                }
                _ => {
                    inner.counters.rejected(1);
                    return Err(SubmitError::Full(job));
                }
            }
        }
        state.accepted += 1;
        inner.counters.accepted(1);
        if inner.bug == Bug::LosesJobs && state.accepted % 1000 == 0 {
            // The bug: accepted, counted, never run.
            inner.counters.started();
            inner.counters.finished(pool_core::Outcome::Completed);
            return Ok(());
        }
        inner.idle.add(1);
        state.queue.push_back(job);
        drop(state);
        inner.work.notify_one();
        Ok(())
    }
}

impl Inner {
    fn work_loop(&self) {
        let _mark = self.id.enter();
        let mut state = lock(&self.state);
        loop {
            if let Some(job) = state.queue.pop_front() {
                drop(state);
                self.space.notify_one();
                self.counters.run(job);
                self.idle.done(1);
                state = lock(&self.state);
            } else if state.closed {
                return;
            } else {
                state = self.work.wait(state).unwrap_or_else(|p| p.into_inner());
            }
        }
    }

    fn close(&self) -> Vec<Job> {
        let mut state = lock(&self.state);
        state.closed = true;
        std::mem::take(&mut state.queue).into()
    }
}

impl Pool for ReferencePool {
    fn submit(&self, job: Job) -> Result<(), SubmitError<Job>> {
        self.enqueue(job, true)
    }

    fn try_submit(&self, job: Job) -> Result<(), SubmitError<Job>> {
        self.enqueue(job, false)
    }

    fn wait_idle(&self) -> Result<(), WaitIdleError> {
        if self.inner.id.is_current() {
            return Err(WaitIdleError::InsideWorker);
        }
        self.inner.idle.wait();
        Ok(())
    }

    fn wait_idle_timeout(&self, timeout: Duration) -> Result<(), WaitIdleError> {
        if self.inner.id.is_current() {
            return Err(WaitIdleError::InsideWorker);
        }
        if self.inner.idle.wait_timeout(timeout) {
            Ok(())
        } else {
            Err(WaitIdleError::TimedOut)
        }
    }

    fn shutdown(&self, mode: ShutdownMode) -> Result<ShutdownReport, ShutdownError> {
        let inner = &*self.inner;
        if inner.id.is_current() {
            let queued: Vec<Job> = inner.close();
            // Closed, not joined: put the queue back so an outside shutdown decides its fate.
            lock(&inner.state).queue.extend(queued);
            inner.work.notify_all();
            inner.space.notify_all();
            return Err(ShutdownError::InsideWorker);
        }
        let mut report = lock(&self.report);
        if let Some(report) = *report {
            return Ok(report);
        }
        let queued = inner.close();
        if mode == ShutdownMode::Immediate {
            let n = queued.len();
            inner.counters.cancelled(n as u64);
            drop(queued);
            inner.idle.done(n);
        } else {
            for job in queued {
                inner.counters.run(job);
                inner.idle.done(1);
            }
        }
        inner.work.notify_all();
        inner.space.notify_all();
        for t in std::mem::take(&mut *lock(&self.threads)) {
            let _ = t.join();
        }
        // Jobs run on their callers (`CallerRuns`) count until they finish.
        inner.idle.wait();
        let done = ShutdownReport::from(inner.counters.snapshot());
        *report = Some(done);
        Ok(done)
    }

    fn metrics(&self) -> Metrics {
        self.inner.counters.snapshot()
    }

    fn workers(&self) -> usize {
        self.inner.config.workers.get()
    }
}

impl Drop for ReferencePool {
    fn drop(&mut self) {
        let _ = self.shutdown(ShutdownMode::Graceful);
    }
}
