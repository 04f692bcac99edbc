//! # pool-core: the contract of every workpools strategy
//!
//! This crate has no threads of its own. It defines what a worker pool promises, so that a
//! benchmark harness can hold any strategy as an `Arc<dyn Pool>` and one conformance suite
//! (`pool-testkit`) can check them all:
//!
//! - [`Pool`]: object-safe submission of type-erased [`Job`]s (`submit`, `try_submit`),
//!   quiescence (`wait_idle`), shutdown with an accounting ([`ShutdownReport`]), and one
//!   [`Metrics`] snapshot for every strategy;
//! - [`PoolExt`]: typed `spawn` returning a [`JoinHandle`] whose `join` yields
//!   `Result<T, TaskError>`;
//! - [`TaskGroup`] with the error policies [`CollectAll`] and [`FailFast`], a layer that works
//!   over any `Pool`;
//! - [`PoolConfig`]: the builder settings every strategy shares (workers, queue bound,
//!   [`OverflowPolicy`], thread names, stack size), validated into errors, never panics;
//! - the pieces strategies share so they behave alike: [`Counters`], [`Quiescence`],
//!   [`PoolId`] (am I on this pool's worker?), [`spawn_workers`] (all threads or none),
//!   and the std-or-loom [`sync`] shim.
//!
//! ## Guarantees every `Pool` makes
//! - **Nothing is lost.** Every accepted job runs exactly once, or is discarded by an
//!   immediate shutdown (its handle reports [`TaskError::is_cancelled`]). A job that is not
//!   accepted comes back to its submitter inside [`SubmitError`]. After shutdown,
//!   `submitted == completed + panicked + discarded + rejected`.
//! - **Panics are contained.** A panicking job never kills a worker; the payload goes to the
//!   job's handle ([`TaskError::into_panic`]) or, for a job without one, is counted.
//! - **No self-deadlock on waiting.** `wait_idle` and `shutdown` called from one of the
//!   pool's own workers return an error instead of waiting for themselves.
//! - **Joining inside a task.** Where a pool has [`Pool::inline_joins`] (pool-recursive,
//!   pool-work-stealing), a task may join a handle of a task of the same pool: the joiner
//!   runs it if no worker has started it, so this never deadlocks at any worker count.
//!   Elsewhere such a join blocks its worker (see [`JoinHandle::join`]).
//! - **Happens-before.** What a submitter did before `submit` is visible to the job; what a
//!   job did is visible after `wait_idle`, `shutdown` or its handle's `join` returns.
//!
//! ## Example
//! ```
//! use pool_core::{Job, Pool, PoolExt, PoolConfig};
//! # use pool_core::{Metrics, ShutdownMode, ShutdownReport, ShutdownError, SubmitError, WaitIdleError};
//! # use std::time::Duration;
//! // Strategies live in their own crates; here, a toy pool that runs jobs on the caller.
//! struct Inline;
//! impl Pool for Inline {
//!     fn submit(&self, job: Job) -> Result<(), SubmitError<Job>> { job.run(); Ok(()) }
//!     fn try_submit(&self, job: Job) -> Result<(), SubmitError<Job>> { self.submit(job) }
//!     fn wait_idle(&self) -> Result<(), WaitIdleError> { Ok(()) }
//!     fn wait_idle_timeout(&self, _: Duration) -> Result<(), WaitIdleError> { Ok(()) }
//!     fn shutdown(&self, _: ShutdownMode) -> Result<ShutdownReport, ShutdownError> { Ok(Default::default()) }
//!     fn metrics(&self) -> Metrics { Metrics::default() }
//!     fn workers(&self) -> usize { 1 }
//! }
//! let pool: std::sync::Arc<dyn Pool> = std::sync::Arc::new(Inline);
//! let sum = pool.spawn(|| (1..=10).sum::<u32>()).unwrap().join().unwrap();
//! assert_eq!(sum, 55);
//! assert!(PoolConfig::new().workers(0).validate().is_err());
//! ```

mod config;
mod error;
mod ext;
mod group;
mod handle;
mod idle;
mod job;
mod metrics;
mod pool;
pub mod sync;
mod threads;
mod worker;

pub use config::{check_thread_count, OverflowPolicy, PoolConfig, ValidConfig};
pub use error::{BuildError, BuildErrorKind, ShutdownError, SubmitError, TaskError, WaitIdleError};
pub use ext::PoolExt;
pub use group::{CancelToken, CollectAll, ErrorPolicy, FailFast, GroupError, TaskGroup};
pub use handle::{Completer, JoinHandle};
pub use idle::Quiescence;
pub use job::{DowncastError, Job, Outcome, Runnable};
pub use metrics::{Counters, Metrics};
pub use pool::{Pool, ShutdownMode, ShutdownReport, TaskId};
pub use threads::spawn_workers;
pub use worker::{PoolId, WorkerMark};
