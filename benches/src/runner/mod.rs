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

use std::path::PathBuf;

use pool_testkit::kernels::SpinCalibration;

use crate::contenders::{self, Program};
use crate::external::{ExternalSpec, GoProgram};
use crate::fixtures::FixtureSpec;
use crate::matrix::Plan;
use crate::record::{Cell, Sample, Status};
use crate::workloads::{self, Env, Scale};

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

/// How a cell's process is started.
#[derive(Clone, Debug)]
pub enum Launch {
    /// `pool-bench cell --spec <spec>` (this same binary).
    Harness(CellSpec),
    /// An external program speaking the same protocol: `<program> --spec <spec>`.
    External {
        /// The program.
        program: PathBuf,
        /// Its spec.
        spec: ExternalSpec,
    },
    /// Not started: the cell's only record (e.g. `unsupported` when Go is missing).
    Refused(Box<Sample>),
}

/// How to start `cell` under `plan`: a harness cell, the Go program with the workload's
/// external description, or the record of why it cannot start (`go` is the result of
/// building the Go program, `None` when the plan has no Go cells).
pub fn launch_for(
    cell: &Cell,
    plan: &Plan,
    cores: usize,
    spin_ns_per_iter: f64,
    fixtures: &FixtureSpec,
    go: Option<&GoProgram>,
) -> Launch {
    let program = contenders::find(&cell.contender).map_or(Program::InProcess, |e| e.program);
    if program == Program::InProcess {
        return Launch::Harness(spec_for(cell, plan, cores, spin_ns_per_iter, fixtures));
    }
    let refuse = |status, why: String| Launch::Refused(Box::new(Sample::empty(cell, status, why)));
    let Some(workload) = workloads::find(plan.scale, &cell.workload) else {
        return refuse(Status::Failed, "unknown workload".into());
    };
    let env = Env {
        cores,
        concurrency: cell.concurrency.unwrap_or(cores),
        spin: SpinCalibration::from_nanos_per_iteration(spin_ns_per_iter),
        fixtures: fixtures.clone(),
    };
    let job = match workload.external(&env) {
        None => return refuse(Status::Unsupported, "no external description".into()),
        Some(Err(e)) => return refuse(Status::Failed, e.to_string()),
        Some(Ok(job)) => job,
    };
    match go {
        Some(GoProgram::Built(path)) => Launch::External {
            program: path.clone(),
            spec: ExternalSpec {
                cell: cell.clone(),
                c: cell.workers,
                warmup: plan.warmup,
                job,
            },
        },
        Some(GoProgram::Unavailable(why)) => refuse(Status::Unsupported, why.clone()),
        None => refuse(Status::Failed, "the Go program was not built".into()),
    }
}
