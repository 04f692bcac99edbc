//! Running the matrix: each cell in a child process of this same binary
//! (`pool-bench cell --spec <json>`), kept alive for the duration of its workload, so that
//!
//! - CPU time (`getrusage(RUSAGE_SELF)`) and peak memory (`VmHWM`, process-wide and
//!   monotone) belong to that cell alone;
//! - a hung or crashed contender is killed after the timeout and recorded as `timeout` or
//!   `failed`, never dropped, and cannot disturb the other cells;
//! - the repetitions of one workload's cells run in rounds, in a shuffled order each
//!   round ([`rounds`]), so drift of a shared machine hits every contender alike;
//! - the parent, which owns the loopback fixtures and the progress bar, stays idle (blocked
//!   on the child's pipe) while a child measures: nothing draws inside a timed region.
//!
//! [`child`] is the cell's side of the conversation, [`process`] the parent's.

pub mod child;
pub mod process;
pub mod rounds;

use serde::{Deserialize, Serialize};

use crate::fixtures::FixtureSpec;
use crate::matrix::Plan;
use crate::record::{Cell, Sample};
use crate::workloads::Scale;

/// What the parent hands a child: one cell and everything needed to run it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CellSpec {
    /// The cell.
    pub cell: Cell,
    /// Sizes.
    pub scale: Scale,
    /// Unrecorded warm-ups, run once when the process starts.
    pub warmup: u32,
    /// Cores of the machine.
    pub cores: usize,
    /// `spin_work` speed measured by the parent, ns per iteration.
    pub spin_ns_per_iter: f64,
    /// The fixtures.
    pub fixtures: FixtureSpec,
}

/// One line a cell's process writes to the parent, as JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reply {
    /// The contender is built and warmed up; send `rep` lines.
    Ready,
    /// One repetition, or why the cell cannot go on (then the process exits).
    Sample(Box<Sample>),
}

/// The parent's request for one repetition (one line on the child's stdin).
pub const REP: &str = "rep";
/// The parent's request to exit.
pub const DONE: &str = "done";

/// Builds the spec of `cell` under `plan`.
pub fn spec_for(
    cell: &Cell,
    plan: &Plan,
    cores: usize,
    spin_ns_per_iter: f64,
    fixtures: &FixtureSpec,
) -> CellSpec {
    CellSpec {
        cell: cell.clone(),
        scale: plan.scale,
        warmup: plan.warmup,
        cores,
        spin_ns_per_iter,
        fixtures: fixtures.clone(),
    }
}
