//! One adapter per contender, and the registry the CLI and the runner pick from.
//!
//! Adding a pool is mechanical: one file here implementing [`Contender`], and one
//! [`Entry`] line in [`all`].

mod rayon_pool;
mod sequential;
mod thread_per_task;
mod threadpool_crate;
mod tokio_rt;

use crate::contender::{Contender, ContenderError, IoMode};

pub use rayon_pool::RayonPool;
pub use sequential::Sequential;
pub use thread_per_task::ThreadPerTask;
pub use threadpool_crate::ThreadpoolCrate;
pub use tokio_rt::TokioRuntime;

/// Builds a contender with the given number of workers.
pub type Build = fn(workers: usize) -> Result<Box<dyn Contender>, ContenderError>;

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
    /// The constructor.
    pub build: Build,
}

/// Every contender, in report order.
pub fn all() -> Vec<Entry> {
    vec![
        Entry {
            name: "rayon",
            io_mode: IoMode::Blocking,
            bounded: true,
            single: false,
            build: |w| Ok(Box::new(RayonPool::new(w)?)),
        },
        Entry {
            name: "tokio",
            io_mode: IoMode::Async,
            bounded: true,
            single: false,
            build: |w| Ok(Box::new(TokioRuntime::new(w)?)),
        },
        Entry {
            name: "threadpool",
            io_mode: IoMode::Blocking,
            bounded: true,
            single: false,
            build: |w| Ok(Box::new(ThreadpoolCrate::new(w)?)),
        },
        Entry {
            name: "thread-per-task",
            io_mode: IoMode::Blocking,
            bounded: false,
            single: false,
            build: |_| Ok(Box::new(ThreadPerTask::new())),
        },
        Entry {
            name: "sequential",
            io_mode: IoMode::Blocking,
            bounded: true,
            single: true,
            build: |_| Ok(Box::new(Sequential::new())),
        },
    ]
}

/// The entry named `name`.
pub fn find(name: &str) -> Option<Entry> {
    all().into_iter().find(|e| e.name == name)
}

#[cfg(test)]
mod tests;
