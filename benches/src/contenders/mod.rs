//! One adapter per contender, and the registry the CLI and the runner pick from.
//!
//! Adding a pool is mechanical: one file here implementing [`Contender`], and one
//! [`Entry`] line in [`all`]. For a workpools strategy (anything implementing
//! `pool_core::Pool`), wrap it in a [`CorePool`], which already does flat submission and
//! recursive spawning, and add only what the strategy has beyond `Pool`:
//!
//! ```
//! use std::sync::Arc;
//! use pool_bench::contender::{Contender, ContenderError, Task, TreeTask, Work};
//! use pool_bench::contenders::CorePool;
//!
//! /// `finite` (sketch): everything through pool_core::Pool.
//! struct Finite(CorePool);
//!
//! impl Contender for Finite {
//!     fn name(&self) -> &'static str { self.0.name() }
//!     fn workers(&self) -> Option<usize> { self.0.workers() }
//!     fn submit(&self, task: Task, work: Work) -> Result<(), ContenderError> { self.0.submit(task, work) }
//!     fn wait(&self) -> Result<(), ContenderError> { self.0.wait() }
//!     fn spawn_tree(&self, root: TreeTask) -> Result<(), ContenderError> { self.0.spawn_tree(root) }
//!     // work-stealing also overrides `fork_join` (its `join` inside the pool);
//!     // async overrides `io_mode` (-> IoMode::Async) and `submit_async`.
//! }
//! ```
//!
//! Its registry line, e.g.
//! `Entry { name: "finite", io_mode: IoMode::Blocking, bounded: true, single: false,
//! flat_only: false, only: None, build: |s| Ok(Box::new(Finite(CorePool::new("finite", Arc::new(FinitePool::from_config(PoolConfig::new().workers(s.workers)).map_err(|e| ContenderError::Failed(e.to_string()))?))))) }`.

mod async_pool;
mod chili_pool;
mod core_pool;
mod finite;
mod floor;
mod heartbeat;
mod join_tree;
mod rayon_pool;
mod recursive;
mod sequential;
mod thread_per_task;
mod threadpool_crate;
mod tokio_rt;
mod tokio_unbounded;
mod work_stealing;

use crate::contender::{Contender, ContenderError, IoMode};
use crate::workloads::Family;

pub use async_pool::Async;
pub use chili_pool::Chili;
pub use core_pool::CorePool;
pub use floor::Floor;
pub use heartbeat::Heartbeat;
pub use rayon_pool::RayonPool;
pub use recursive::Recursive;
pub use sequential::Sequential;
pub use thread_per_task::ThreadPerTask;
pub use threadpool_crate::ThreadpoolCrate;
pub use tokio_rt::TokioRuntime;
pub use tokio_unbounded::TokioUnbounded;
pub use work_stealing::WorkStealing;

/// The name of the harness-floor contender: a reference line in reports, never ranked
/// against the pools.
pub const HARNESS_FLOOR: &str = "floor";

/// The name of the one-OS-thread-per-task contender, which the claims about "a thread
/// per task" compare against (other unbounded contenders are not threads).
pub const THREAD_PER_TASK: &str = "thread-per-task";

/// How big to build a contender.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizing {
    /// Worker threads (runtime threads for an async contender).
    pub workers: usize,
    /// I/O operations allowed in flight: equal to `workers` for CPU cells; for an async
    /// contender in an I/O cell, the concurrency `c` (the harness also caps in-flight
    /// futures at `c` for every contender that reports a worker bound, so a contender may
    /// ignore it).
    pub concurrency: usize,
}

impl Sizing {
    /// `workers` threads and as many operations in flight.
    pub fn workers(workers: usize) -> Sizing {
        Sizing {
            workers,
            concurrency: workers,
        }
    }
}

/// Builds a contender of the given size.
pub type Build = fn(Sizing) -> Result<Box<dyn Contender>, ContenderError>;

/// A contender the harness knows how to build.
#[derive(Clone, Copy, Debug)]
pub struct Entry {
    /// The name used in reports and on the command line.
    pub name: &'static str,
    /// How it does I/O (decides how I/O workloads drive it).
    pub io_mode: IoMode,
    /// Whether `workers` bounds its threads (false for one thread per task).
    pub bounded: bool,
    /// Whether it is the single-threaded reference (run at one worker only).
    pub single: bool,
    /// Whether it is measured on CPU-flat workloads only (the harness floor, which has no
    /// queue, concurrency or trees to offer).
    pub flat_only: bool,
    /// The families it is measured on, when not all: the fork-join libraries (heartbeat,
    /// chili) are measured where fork-join is the question, not across the I/O sweeps.
    pub only: Option<&'static [Family]>,
    /// Where it runs: in the harness's own cell process, or as an external program.
    pub program: Program,
    /// The constructor (of an in-process contender; an external one answers
    /// `unsupported` here).
    pub build: Build,
}

/// Where a contender runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Program {
    /// In `pool-bench cell`, driven through [`Contender`].
    InProcess,
    /// In the Go program of `benches/go/` ([`crate::external`]), on workloads that
    /// describe themselves as data ([`crate::workloads::Workload::external`]).
    Go,
}

/// The constructor of a contender that runs outside this process.
fn external_only(_: Sizing) -> Result<Box<dyn Contender>, ContenderError> {
    Err(ContenderError::Unsupported(
        "in-process runs (it is an external program)",
    ))
}

impl Entry {
    /// What kind of contender it is, as `pool-bench list` shows it.
    pub fn kind(&self) -> &'static str {
        match (self.program, self.bounded) {
            (Program::Go, true) => "bounded, Go goroutines",
            (Program::Go, false) => "unbounded, Go goroutines",
            _ if self.flat_only => "harness floor",
            _ if self.single => "single thread",
            _ if self.bounded => "bounded",
            _ => "unbounded",
        }
    }
}

/// Every contender, in report order.
pub fn all() -> Vec<Entry> {
    vec![
        Entry {
            name: "finite",
            io_mode: IoMode::Blocking,
            bounded: true,
            single: false,
            flat_only: false,
            only: None,
            program: Program::InProcess,
            build: |s| Ok(Box::new(finite::build(s)?)),
        },
        Entry {
            name: "recursive",
            io_mode: IoMode::Blocking,
            bounded: true,
            single: false,
            flat_only: false,
            only: None,
            program: Program::InProcess,
            build: |s| Ok(Box::new(Recursive::new(s)?)),
        },
        Entry {
            name: "work-stealing",
            io_mode: IoMode::Blocking,
            bounded: true,
            single: false,
            flat_only: false,
            only: None,
            program: Program::InProcess,
            build: |s| Ok(Box::new(WorkStealing::new(s)?)),
        },
        Entry {
            name: "heartbeat",
            io_mode: IoMode::Blocking,
            bounded: true,
            single: false,
            flat_only: false,
            only: Some(&[Family::CpuRecursive, Family::Idle]),
            program: Program::InProcess,
            build: |s| Ok(Box::new(Heartbeat::new(s)?)),
        },
        Entry {
            name: "async",
            io_mode: IoMode::Async,
            bounded: true,
            single: false,
            flat_only: false,
            only: None,
            program: Program::InProcess,
            build: |s| Ok(Box::new(Async::new(s)?)),
        },
        Entry {
            name: "rayon",
            io_mode: IoMode::Blocking,
            bounded: true,
            single: false,
            flat_only: false,
            only: None,
            program: Program::InProcess,
            build: |s| Ok(Box::new(RayonPool::new(s.workers)?)),
        },
        Entry {
            name: "chili",
            io_mode: IoMode::Blocking,
            bounded: true,
            single: false,
            flat_only: false,
            only: Some(&[Family::CpuRecursive]),
            program: Program::InProcess,
            build: |s| Ok(Box::new(Chili::new(s)?)),
        },
        Entry {
            name: "tokio",
            io_mode: IoMode::Async,
            bounded: true,
            single: false,
            flat_only: false,
            only: None,
            program: Program::InProcess,
            build: |s| Ok(Box::new(TokioRuntime::new(s.workers)?)),
        },
        Entry {
            name: "threadpool",
            io_mode: IoMode::Blocking,
            bounded: true,
            single: false,
            flat_only: false,
            only: None,
            program: Program::InProcess,
            build: |s| Ok(Box::new(ThreadpoolCrate::new(s.workers)?)),
        },
        Entry {
            name: THREAD_PER_TASK,
            io_mode: IoMode::Blocking,
            bounded: false,
            single: false,
            flat_only: false,
            only: None,
            program: Program::InProcess,
            build: |_| Ok(Box::new(ThreadPerTask::new())),
        },
        Entry {
            name: "tokio-unbounded",
            io_mode: IoMode::Async,
            bounded: false,
            single: false,
            flat_only: false,
            only: None,
            program: Program::InProcess,
            build: |s| Ok(Box::new(TokioUnbounded::new(s.workers)?)),
        },
        Entry {
            name: "sequential",
            io_mode: IoMode::Blocking,
            bounded: true,
            single: true,
            flat_only: false,
            only: None,
            program: Program::InProcess,
            build: |_| Ok(Box::new(Sequential::new())),
        },
        Entry {
            name: HARNESS_FLOOR,
            io_mode: IoMode::Blocking,
            bounded: true,
            single: true,
            flat_only: true,
            only: None,
            program: Program::InProcess,
            build: |_| Ok(Box::new(Floor::new())),
        },
        // The blog post's own alternatives, in Go: its finite pool (c goroutines ranging
        // over one channel) and one goroutine per task.
        Entry {
            name: "go-pool",
            io_mode: IoMode::Blocking,
            bounded: true,
            single: false,
            flat_only: false,
            only: None,
            program: Program::Go,
            build: external_only,
        },
        Entry {
            name: "go-per-task",
            io_mode: IoMode::Blocking,
            bounded: false,
            single: false,
            flat_only: false,
            only: None,
            program: Program::Go,
            build: external_only,
        },
    ]
}

/// The entry named `name`.
pub fn find(name: &str) -> Option<Entry> {
    all().into_iter().find(|e| e.name == name)
}

#[cfg(test)]
mod tests;
