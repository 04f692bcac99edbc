//! The workloads: each states its hypothesis, runs against any [`Contender`], and checks
//! its result against a sequential reference (a wrong answer is recorded as
//! `wrong-answer` and fails the run).
//!
//! | Family | Workloads | Swept over |
//! |---|---|---|
//! | CPU flat | `empty`, `spin-1us`, `spin-100us`, `spin-10ms` | workers |
//! | CPU recursive | `fib-join`, `fib-join-nocut`, `fib-spawn`, `uts-t3`, `nqueens`, `tree-sum-small`, `tree-sum-large` | workers |
//! | I/O flat | `sleep`, `tcp-rr`, `files` | concurrency |
//! | I/O recursive | `crawl`, `dirwalk` | concurrency |
//! | Mixed | `mixed` | concurrency |
//! | Downstream capacity | `downstream-queue`, `downstream-refuse` | concurrency, with `K`'s neighbours |
//! | Latency | `latency-10`, `-30`, `-50`, `-70`, `-90` (open loop, % of capacity) | fixed workers |
//! | Idle | `idle` | fixed workers |
//! | Queue memory | `queue-memory` | fixed workers |
//! | Held while waiting | `held-sleep`, `held-conn` | a few bounds `c` below the fd limit |
//!
//! For I/O workloads the concurrency `c` is the number of worker threads of a blocking
//! contender, and the cap on in-flight futures of an async one (whose runtime keeps
//! `min(c, cores)` threads): both then allow `c` operations in flight, and the Little's-law
//! bound on the makespan is `ceil(N / c) * D`.

mod cpu_flat;
mod cpu_recursive;
mod downstream;
mod fd_limit;
mod footprint;
mod held;
mod histogram;
mod idle;
mod io;
mod io_flat;
mod io_recursive;
mod latency;
mod limit;
mod mixed;
mod queue_memory;
mod shard;
mod tree_sum;

use std::time::Duration;

use pool_testkit::kernels::SpinCalibration;
use serde::{Deserialize, Serialize};

use crate::contender::{Contender, ContenderError};
use crate::external::ExternalJob;
use crate::fixtures::FixtureSpec;
use crate::measure::Clock;
use crate::record::{Cell, Sample};

pub use downstream::DOWNSTREAM_SWEEP;
pub use held::{
    concurrency as held_concurrency, fd_limit as held_fd_limit, pending as held_pending,
};
pub use histogram::{HistogramError, LatencyHistogram};
pub use limit::{InFlight, Permit};
pub use shard::ShardedCounter;

/// The size of a run: tiny for CI, small for the default run, large for reference runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Scale {
    /// Tiny sizes: every contender and workload in well under a minute.
    Smoke,
    /// The default: the whole matrix in under ten minutes on two cores.
    Quick,
    /// Reference sizes and the full sweeps: 40-45 minutes on two cores (see
    /// `pool-bench run --full --dry-run`).
    Full,
}

impl Scale {
    /// Picks the value for this scale.
    pub fn pick<T>(self, smoke: T, quick: T, full: T) -> T {
        match self {
            Scale::Smoke => smoke,
            Scale::Quick => quick,
            Scale::Full => full,
        }
    }
}

/// The family a workload belongs to, which decides its sweep and its report section.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    /// Independent CPU jobs submitted from outside.
    CpuFlat,
    /// CPU jobs that fork or spawn children.
    CpuRecursive,
    /// Independent I/O waits.
    IoFlat,
    /// I/O jobs that discover more I/O jobs.
    IoRecursive,
    /// CPU and I/O in each job.
    Mixed,
    /// Per-job latency at a fixed arrival rate (open loop).
    Latency,
    /// CPU burnt while nearly idle.
    Idle,
    /// Memory per queued job.
    QueueMemory,
    /// Requests to a service that serves at most `K` at once.
    Downstream,
    /// Memory, threads and fds held by tasks pending at once.
    Held,
}

impl Family {
    /// Whether the family is swept over I/O concurrency (else over workers, or fixed).
    pub fn is_io(self) -> bool {
        matches!(
            self,
            Family::IoFlat | Family::IoRecursive | Family::Mixed | Family::Downstream
        )
    }

    /// Whether the family's cells are configured by an I/O concurrency `c` (the I/O
    /// families and the held resources), so reports label them by it.
    pub fn by_concurrency(self) -> bool {
        self.is_io() || self == Family::Held
    }

    /// Whether the family is swept over CPU workers.
    pub fn is_cpu(self) -> bool {
        matches!(self, Family::CpuFlat | Family::CpuRecursive)
    }

    /// The family's name in reports.
    pub fn label(self) -> &'static str {
        match self {
            Family::CpuFlat => "CPU flat",
            Family::CpuRecursive => "CPU recursive",
            Family::IoFlat => "I/O flat",
            Family::IoRecursive => "I/O recursive",
            Family::Mixed => "Mixed CPU and I/O",
            Family::Latency => "Latency (open loop)",
            Family::Idle => "Idle CPU",
            Family::QueueMemory => "Memory per queued job",
            Family::Downstream => "Downstream capacity",
            Family::Held => "Resources held while waiting",
        }
    }
}

/// What a cell's workload needs from its surroundings.
#[derive(Clone, Debug)]
pub struct Env {
    /// Number of cores of the machine.
    pub cores: usize,
    /// I/O concurrency `c` (see the module docs); equals the workers for CPU workloads.
    pub concurrency: usize,
    /// Speed of `spin_work`, measured once per run so every cell does the same work.
    pub spin: SpinCalibration,
    /// Addresses and paths of the loopback servers and generated files.
    pub fixtures: FixtureSpec,
}

/// What one repetition produced.
#[derive(Clone, Debug, Default)]
pub struct Output {
    /// Jobs (or tasks, nodes, requests) completed, for throughput.
    pub jobs: u64,
    /// The checked result, e.g. `fib(32)=2178309`.
    pub witness: String,
    /// Per-job latencies in nanoseconds (latency and downstream workloads).
    pub latencies_ns: Vec<u64>,
    /// Heap bytes per queued job (queue-memory workload).
    pub heap_bytes_per_job: Option<f64>,
    /// Resident bytes per queued job (queue-memory workload).
    pub rss_bytes_per_job: Option<f64>,
    /// The Little's-law lower bound on the makespan, in nanoseconds (I/O workloads).
    pub bound_ns: Option<u64>,
    /// The measurements of issue 11 items 4 and 5, copied into the sample as they are.
    pub extra: Extra,
}

/// What the latency sweep, the memory workloads and the I/O model bounds add to a
/// repetition's [`Output`]; the fields of [`Sample`]'s last block, of the same names.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Extra {
    /// See [`Sample::latency_hist`].
    pub latency_hist: String,
    /// The load generator's lateness `[p50, p99, max]`, ns.
    pub lateness_ns: Option<[u64; 3]>,
    /// See [`Sample::mapped_bytes_per_job`].
    pub mapped_bytes_per_job: Option<f64>,
    /// See [`Sample::threads_per_job`].
    pub threads_per_job: Option<f64>,
    /// See [`Sample::held_bytes_per_job`].
    pub held_bytes_per_job: Option<f64>,
    /// See [`Sample::floor_ns`].
    pub floor_ns: Option<u64>,
    /// See [`Sample::floor_bound_ns`].
    pub floor_bound_ns: Option<u64>,
    /// See [`Sample::refusals`].
    pub refusals: Option<u64>,
    /// See [`Sample::downstream_queue_max`].
    pub downstream_queue_max: Option<u64>,
    /// See [`Sample::fd_errors`].
    pub fd_errors: Option<u64>,
    /// See [`Sample::refused`].
    pub refused: Option<u64>,
    /// See [`Sample::peak_fds`].
    pub peak_fds: Option<u64>,
    /// See [`Sample::peak_threads`].
    pub peak_threads: Option<u64>,
    /// See [`Sample::peak_pending`].
    pub peak_pending: Option<u64>,
}

impl Extra {
    /// Copies these measurements into `s`.
    pub fn fill(self, s: &mut Sample) {
        s.latency_hist = self.latency_hist;
        [s.lateness_p50_ns, s.lateness_p99_ns, s.lateness_max_ns] = match self.lateness_ns {
            Some(l) => l.map(Some),
            None => [None; 3],
        };
        s.mapped_bytes_per_job = self.mapped_bytes_per_job;
        s.threads_per_job = self.threads_per_job;
        s.held_bytes_per_job = self.held_bytes_per_job;
        s.floor_ns = self.floor_ns;
        s.floor_bound_ns = self.floor_bound_ns;
        s.refusals = self.refusals;
        s.downstream_queue_max = self.downstream_queue_max;
        s.fd_errors = self.fd_errors;
        s.refused = self.refused;
        s.peak_fds = self.peak_fds;
        s.peak_threads = self.peak_threads;
        s.peak_pending = self.peak_pending;
    }
}

/// Why a repetition produced no [`Output`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkloadError {
    /// The contender lacked a capability, failed, or a task panicked.
    #[error(transparent)]
    Contender(#[from] ContenderError),
    /// The result differs from the sequential reference.
    #[error("wrong answer: expected {expected}, got {got}")]
    WrongAnswer {
        /// The reference value.
        expected: String,
        /// What the contender produced.
        got: String,
    },
    /// The workload could not set itself up (fixture missing, I/O error).
    #[error("setup: {0}")]
    Setup(String),
}

/// Compares `got` with `expected`, producing the witness or a wrong-answer error.
///
/// # Errors
/// [`WorkloadError::WrongAnswer`] when they differ.
pub fn check<T: PartialEq + std::fmt::Display>(
    what: &str,
    expected: T,
    got: T,
) -> Result<String, WorkloadError> {
    if expected == got {
        Ok(format!("{what}={got}"))
    } else {
        Err(WorkloadError::WrongAnswer {
            expected: expected.to_string(),
            got: got.to_string(),
        })
    }
}

/// One workload of the matrix.
pub trait Workload: Send + Sync {
    /// The name used in reports and on the command line.
    fn name(&self) -> &'static str;
    /// Its family.
    fn family(&self) -> Family;
    /// The hypothesis it tests, one sentence.
    fn hypothesis(&self) -> &'static str;
    /// Its parameters at this scale, stated in reports.
    fn params(&self, env: &Env) -> String;
    /// Runs one repetition and checks its result. The workload calls `clock.start()` and
    /// `clock.stop()` around the region it measures, keeping setup and checking outside.
    ///
    /// # Errors
    /// See [`WorkloadError`].
    fn run(
        &self,
        contender: &dyn Contender,
        env: &Env,
        clock: &mut Clock,
    ) -> Result<Output, WorkloadError>;
    /// An estimate of one repetition's wall time in `cell` on `env.cores` cores, from the
    /// parameters and the per-job costs in [`crate::estimate`]; it errs long. Used by
    /// `pool-bench run --dry-run`.
    fn rep_estimate(&self, env: &Env, cell: &Cell) -> Duration;
    /// The repetition described as data, with the parameters [`Workload::run`] uses,
    /// for contenders that run outside this process (the Go program); `None` when the
    /// workload has no such description.
    ///
    /// # Errors
    /// `Some(Err(_))` when the description needs a fixture the run did not start.
    fn external(&self, env: &Env) -> Option<Result<ExternalJob, WorkloadError>> {
        let _ = env;
        None
    }
}

/// Every workload at `scale`, in report order.
pub fn all(scale: Scale) -> Vec<Box<dyn Workload>> {
    let mut v: Vec<Box<dyn Workload>> = Vec::new();
    v.extend(cpu_flat::all(scale));
    v.extend(cpu_recursive::all(scale));
    v.extend(tree_sum::all(scale));
    v.extend(io_flat::all(scale));
    v.extend(io_recursive::all(scale));
    v.push(Box::new(mixed::Mixed::new(scale)));
    v.extend(downstream::all(scale));
    v.extend(latency::all(scale));
    v.push(Box::new(idle::Idle::new(scale)));
    v.push(Box::new(queue_memory::QueueMemory::new(scale)));
    v.extend(held::all(scale));
    v
}

/// The workload named `name` at `scale`.
pub fn find(scale: Scale, name: &str) -> Option<Box<dyn Workload>> {
    all(scale).into_iter().find(|w| w.name() == name)
}

/// Formats a duration compactly for parameter strings (`1us`, `100us`, `10ms`).
pub fn short(d: Duration) -> String {
    let ns = d.as_nanos();
    if ns == 0 {
        "0".into()
    } else if ns % 1_000_000 == 0 {
        format!("{}ms", ns / 1_000_000)
    } else if ns % 1_000 == 0 {
        format!("{}us", ns / 1_000)
    } else {
        format!("{ns}ns")
    }
}

#[cfg(test)]
mod tests;
