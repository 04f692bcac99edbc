//! The data model of a run: one [`Sample`] per repetition (or per failed cell), and the
//! [`RunData`] that `results.json` holds and every report is rendered from.

use serde::{Deserialize, Serialize};

use crate::contender::IoMode;
use crate::workloads::{Family, Scale};

/// How a cell ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Measured, and the result checked out.
    Ok,
    /// The result differed from the reference: fails the run.
    WrongAnswer,
    /// The contender could not be built, refused work, a task panicked, or I/O failed.
    Failed,
    /// The cell did not finish within the timeout and was killed.
    Timeout,
    /// The contender lacks a capability the workload needs.
    Unsupported,
}

impl Status {
    /// The status as written in reports.
    pub fn label(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::WrongAnswer => "WRONG ANSWER",
            Status::Failed => "failed",
            Status::Timeout => "timeout",
            Status::Unsupported => "unsupported",
        }
    }
}

/// One repetition of one (workload, contender, workers, concurrency) cell, or the single
/// record of a cell that did not produce measurements.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// Workload name.
    pub workload: String,
    /// Workload family.
    pub family: Family,
    /// Contender name.
    pub contender: String,
    /// How the contender does I/O.
    pub io_mode: IoMode,
    /// Worker threads; `None` for one thread per task (unbounded).
    pub workers: Option<usize>,
    /// I/O concurrency `c` (in-flight cap); `None` when unbounded.
    pub concurrency: Option<usize>,
    /// More workers than cores.
    pub oversubscribed: bool,
    /// How the cell ended.
    pub status: Status,
    /// Repetition number, from 1 (0 for a cell without measurements).
    pub rep: u32,
    /// Makespan of the measured region, ns.
    pub wall_ns: Option<u64>,
    /// User CPU time of the cell's process during the region, ns.
    pub cpu_user_ns: Option<u64>,
    /// System CPU time during the region, ns.
    pub cpu_sys_ns: Option<u64>,
    /// Jobs (tasks, nodes, requests) completed.
    pub jobs: Option<u64>,
    /// Jobs per second.
    pub throughput: Option<f64>,
    /// Peak resident memory of the cell's process, KiB (process-wide high-water mark).
    pub peak_rss_kib: Option<u64>,
    /// Heap bytes per queued job.
    pub heap_bytes_per_job: Option<f64>,
    /// Resident bytes per queued job.
    pub rss_bytes_per_job: Option<f64>,
    /// Little's-law lower bound on the makespan, ns.
    pub bound_ns: Option<u64>,
    /// Latency percentiles (open loop), ns.
    pub p50_ns: Option<u64>,
    /// 90th percentile.
    pub p90_ns: Option<u64>,
    /// 99th percentile.
    pub p99_ns: Option<u64>,
    /// 99.9th percentile.
    pub p999_ns: Option<u64>,
    /// Maximum.
    pub max_ns: Option<u64>,
    /// The checked result.
    pub witness: String,
    /// Why the cell did not end `ok`.
    pub error: String,
    // Issue 11 items 4 and 5 (latency sweep, memory held per queued job, model floors).
    // No `skip_serializing_if`: raw.csv needs the same columns on every row (the csv
    // writer rejects records of unequal length), so absent values serialise as `null`.
    /// Latency histogram of this repetition (open loop): its non-empty buckets as
    /// `value:count` pairs separated by spaces, values in ns at 2 significant digits
    /// ([`crate::workloads::LatencyHistogram`]); merged across repetitions by the latency
    /// report. Empty for other workloads.
    #[serde(default)]
    pub latency_hist: String,
    /// The load generator's lateness (actual submit time minus intended), p50, ns.
    #[serde(default)]
    pub lateness_p50_ns: Option<u64>,
    /// Its 99th percentile, ns.
    #[serde(default)]
    pub lateness_p99_ns: Option<u64>,
    /// Its maximum, ns.
    #[serde(default)]
    pub lateness_max_ns: Option<u64>,
    /// Mapped (virtual) bytes per queued job: growth of the process's address space,
    /// which counts each thread's whole stack mapping.
    #[serde(default)]
    pub mapped_bytes_per_job: Option<f64>,
    /// Threads alive per queued job (growth of `Threads:` in `/proc/self/status`).
    #[serde(default)]
    pub threads_per_job: Option<f64>,
    /// Bytes the process really holds per queued job: the larger of the heap and the
    /// resident figures (resident counts touched thread stacks, heap does not).
    #[serde(default)]
    pub held_bytes_per_job: Option<f64>,
    /// One operation's time measured alone (concurrency 1, sequentially, outside the
    /// timed region), ns: the floor the model bound is checked against.
    #[serde(default)]
    pub floor_ns: Option<u64>,
    /// The model bound built on that floor, `ceil(N / c) * floor`, ns.
    #[serde(default)]
    pub floor_bound_ns: Option<u64>,
}

impl Sample {
    /// A record with the cell's identity and no measurements.
    pub fn empty(cell: &Cell, status: Status, error: impl Into<String>) -> Sample {
        Sample {
            workload: cell.workload.clone(),
            family: cell.family,
            contender: cell.contender.clone(),
            io_mode: cell.io_mode,
            workers: cell.workers,
            concurrency: cell.concurrency,
            oversubscribed: cell.oversubscribed,
            status,
            rep: 0,
            wall_ns: None,
            cpu_user_ns: None,
            cpu_sys_ns: None,
            jobs: None,
            throughput: None,
            peak_rss_kib: None,
            heap_bytes_per_job: None,
            rss_bytes_per_job: None,
            bound_ns: None,
            p50_ns: None,
            p90_ns: None,
            p99_ns: None,
            p999_ns: None,
            max_ns: None,
            witness: String::new(),
            error: error.into(),
            latency_hist: String::new(),
            lateness_p50_ns: None,
            lateness_p99_ns: None,
            lateness_max_ns: None,
            mapped_bytes_per_job: None,
            threads_per_job: None,
            held_bytes_per_job: None,
            floor_ns: None,
            floor_bound_ns: None,
        }
    }

    /// CPU time (user + sys), ns.
    pub fn cpu_ns(&self) -> Option<u64> {
        Some(self.cpu_user_ns? + self.cpu_sys_ns?)
    }
}

/// One cell of the matrix: what the parent asks a child process to measure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// Workload name.
    pub workload: String,
    /// Its family.
    pub family: Family,
    /// Contender name.
    pub contender: String,
    /// Its I/O mode.
    pub io_mode: IoMode,
    /// Workers to build the contender with (`None`: unbounded contender).
    pub workers: Option<usize>,
    /// I/O concurrency (`None`: unbounded).
    pub concurrency: Option<usize>,
    /// More workers than cores.
    pub oversubscribed: bool,
}

impl Cell {
    /// A short label for progress output: `workload/contender w=2 c=16`.
    pub fn label(&self) -> String {
        let w = self
            .workers
            .map_or("unbounded".to_owned(), |w| w.to_string());
        match self.concurrency {
            Some(c) if self.family.is_io() => {
                format!("{}/{} w={w} c={c}", self.workload, self.contender)
            }
            _ => format!("{}/{} w={w}", self.workload, self.contender),
        }
    }
}

/// A workload's stated hypothesis and parameters, copied into the reports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WorkloadInfo {
    /// Name.
    pub name: String,
    /// Family.
    pub family: Family,
    /// One-sentence hypothesis.
    pub hypothesis: String,
    /// Parameters at this run's scale.
    pub params: String,
}

/// How, where and on what a run was made (the run README).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    /// The exact command line.
    pub command: String,
    /// UTC start time, `YYYY-MM-DD HH:MM:SS`.
    pub date: String,
    /// Host name.
    pub host: String,
    /// Git commit (short hash, `-dirty` when the tree had changes).
    pub commit: String,
    /// `rustc -V`.
    pub rustc: String,
    /// Versions of the peer crates, from Cargo.lock.
    pub crates: Vec<(String, String)>,
    /// CPU model.
    pub cpu: String,
    /// Logical cores.
    pub cores: usize,
    /// Memory, KiB.
    pub mem_kib: u64,
    /// Kernel release.
    pub kernel: String,
    /// Build profile of the harness binary.
    pub profile: String,
    /// The run's scale.
    pub scale: Option<Scale>,
    /// The contender ratios are computed against.
    pub baseline: String,
    /// Measured `spin_work` speed, ns per iteration.
    pub spin_ns_per_iter: f64,
    /// Per-cell timeout, seconds.
    pub timeout_s: f64,
    /// Total wall time of the run, seconds.
    pub elapsed_s: f64,
}

/// Everything `results.json` holds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunData {
    /// The run's provenance.
    pub meta: Meta,
    /// The workloads in the run.
    pub workloads: Vec<WorkloadInfo>,
    /// Every sample, including failed, timed-out and unsupported cells.
    pub samples: Vec<Sample>,
}
