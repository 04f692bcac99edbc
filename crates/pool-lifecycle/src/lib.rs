//! # pool-lifecycle: the lifecycle the workpools thread pools share
//!
//! Each thread-pool strategy (pool-finite, pool-recursive, pool-work-stealing) keeps its own
//! queue and worker loop; what they promise about closing and shutting down is the same, so
//! it lives here once:
//!
//! - [`Gate`]: the closed bit and the attempts in flight. Shutdown closes the gate and waits
//!   until no attempt is in flight, so every attempt is counted as accepted or rejected
//!   before the report is read, and nothing is accepted after.
//! - [`ShutdownOnce`]: the one holder of the workers-or-final-report. Concurrent and
//!   repeated `shutdown` calls, in any modes, all return, with the same report.
//! - [`barrier`]: asymmetric fences, for a close protocol whose hot side (one check per
//!   job) must not pay a full fence: a compiler fence there, one `membarrier` system call
//!   on the closing side. pool-finite's submitter ledger uses it.
//!
//! Not for pool-async, whose admission, permits and pending count share one word (see its
//! `admission` module), nor for a caller outside a pool implementation.
//!
//! ## Guarantees
//! - After [`Gate::close`] then [`Gate::wait_settled`] return, every attempt that entered
//!   the gate before the close has dropped its [`Pass`], and every attempt after is
//!   refused: a count of accepted attempts read then is final.
//! - [`ShutdownOnce::run`] runs its stop procedure at most once to completion; every call
//!   returns that run's report.
//! - Every protocol here uses `pool_core::sync`, so `--cfg loom` model-checks it
//!   (`scripts/loom.sh`).
//!
//! ## Example
//! A pool's shutdown, in the order the thread pools use:
//! ```
//! use std::sync::atomic::{AtomicU64, Ordering};
//! use pool_core::ShutdownReport;
//! use pool_lifecycle::{Gate, ShutdownOnce};
//!
//! let (gate, accepted, rejected) = (Gate::new(), AtomicU64::new(0), AtomicU64::new(0));
//! let life = ShutdownOnce::new(Vec::<std::thread::JoinHandle<()>>::new());
//! let submit = || match gate.enter() {
//!     Some(_pass) => accepted.fetch_add(1, Ordering::Relaxed), // count while inside
//!     None => rejected.fetch_add(1, Ordering::Relaxed),        // one step: never half-counted
//! };
//! submit();
//! let shutdown = || {
//!     gate.close();
//!     gate.wait_settled();
//!     life.run(|threads| {
//!         for t in threads.drain(..) {
//!             t.join().unwrap();
//!         }
//!         let (a, r) = (accepted.load(Ordering::Relaxed), rejected.load(Ordering::Relaxed));
//!         ShutdownReport { submitted: a + r, rejected: r, completed: a, ..Default::default() }
//!     })
//! };
//! let report = shutdown();
//! submit();
//! assert_eq!(shutdown(), report, "a second shutdown returns the first one's report");
//! assert!(report.is_balanced());
//! ```

#![deny(unsafe_code)]
#![deny(missing_docs)]

// The one system call behind the heavy fence; every block carries its SAFETY comment.
#[allow(unsafe_code)]
pub mod barrier;
mod gate;
mod shutdown;

pub use gate::{Gate, Pass};
pub use shutdown::ShutdownOnce;
