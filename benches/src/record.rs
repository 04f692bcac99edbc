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
    /// Busy CPU time of the whole host (all CPUs, from `/proc/stat`) during the measured
    /// region, ns; it includes this cell's own CPU time and the fixtures'.
    #[serde(default)]
    pub host_busy_ns: Option<u64>,
    /// CPU time the hypervisor gave to other guests while this host wanted it ("steal",
    /// all CPUs, `/proc/stat`) during the measured region, ns.
    #[serde(default)]
    pub steal_ns: Option<u64>,
    /// The smallest amount `host_busy_ns` and `steal_ns` can resolve, ns: `/proc/stat`
    /// counts in clock ticks per CPU, so each figure may be off by one tick per CPU.
    #[serde(default)]
    pub stat_resolution_ns: Option<u64>,
    /// CPU time of the parent process (the loopback fixtures) during the repetition, ns.
    /// Measured around the whole request to the cell's process, so it errs high.
    #[serde(default)]
    pub fixture_cpu_ns: Option<u64>,
    /// Requests the downstream service refused with 503 (downstream workloads), as the
    /// client counted them.
    #[serde(default)]
    pub refusals: Option<u64>,
    /// The most requests waiting in the downstream service's own queue at once during
    /// the repetition (downstream workloads; the service's gauge, read over `/stats`).
    #[serde(default)]
    pub downstream_queue_max: Option<u64>,
    // Issue 13 item 2 (resources held while waiting, `held-*` workloads).
    /// Tasks that found no file descriptor (`EMFILE`/`ENFILE` on connect), counted and
    /// not retried (`held-conn`).
    #[serde(default)]
    pub fd_errors: Option<u64>,
    /// Tasks the contender refused to take (thread-per-task when the OS refuses a
    /// thread), counted and not retried.
    #[serde(default)]
    pub refused: Option<u64>,
    /// Most file descriptors open at once in the cell's process (sampled).
    #[serde(default)]
    pub peak_fds: Option<u64>,
    /// Most threads alive at once in the cell's process (sampled).
    #[serde(default)]
    pub peak_threads: Option<u64>,
    /// Most tasks pending at once (handed to the contender and not finished: queued or
    /// waiting); the per-task figures of `held-*` are divided by it.
    #[serde(default)]
    pub peak_pending: Option<u64>,
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
            host_busy_ns: None,
            steal_ns: None,
            stat_resolution_ns: None,
            fixture_cpu_ns: None,
            refusals: None,
            downstream_queue_max: None,
            fd_errors: None,
            refused: None,
            peak_fds: None,
            peak_threads: None,
            peak_pending: None,
        }
    }

    /// CPU time (user + sys), ns.
    pub fn cpu_ns(&self) -> Option<u64> {
        Some(self.cpu_user_ns? + self.cpu_sys_ns?)
    }

    /// CPU time other processes used during the measured region, ns: the host's busy
    /// time minus this cell's own CPU time and the fixtures' (0 when those exceed it).
    /// `None` when the host figure was not recorded (runs before it existed).
    pub fn foreign_cpu_ns(&self) -> Option<u64> {
        let own = self.cpu_ns()? + self.fixture_cpu_ns.unwrap_or(0);
        Some(self.host_busy_ns?.saturating_sub(own))
    }

    /// Whether this repetition was measured on a busy machine, and why.
    ///
    /// The rule: other processes used more than [`BUSY_FOREIGN_SHARE`] of one core over
    /// the region's wall time, or the hypervisor stole more than [`BUSY_STEAL_SHARE`] of
    /// it; in both cases only when the amount also exceeds what `/proc/stat` can resolve
    /// (`stat_resolution_ns`), so short repetitions are not flagged on rounding alone.
    /// Steal is reported first: a frozen VM stalls every thread at once.
    pub fn busy(&self) -> Option<BusyReason> {
        let wall_ns = self.wall_ns?;
        let floor = self.stat_resolution_ns.unwrap_or(0);
        let over = |ns: u64, share: f64| ns > floor && ns as f64 > share * wall_ns as f64;
        if let Some(steal_ns) = self.steal_ns.filter(|&ns| over(ns, BUSY_STEAL_SHARE)) {
            return Some(BusyReason::Steal { steal_ns, wall_ns });
        }
        self.foreign_cpu_ns()
            .filter(|&ns| over(ns, BUSY_FOREIGN_SHARE))
            .map(|foreign_ns| BusyReason::ForeignCpu {
                foreign_ns,
                wall_ns,
            })
    }
}

/// Foreign CPU time, as a share of one core over the repetition's wall time, above which
/// [`Sample::busy`] flags it.
pub const BUSY_FOREIGN_SHARE: f64 = 0.25;

/// Steal time, as a share of the repetition's wall time, above which [`Sample::busy`]
/// flags it.
pub const BUSY_STEAL_SHARE: f64 = 0.05;

/// Why [`Sample::busy`] flags a repetition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BusyReason {
    /// Other processes on the host used CPU time during the region.
    ForeignCpu {
        /// Their CPU time, ns.
        foreign_ns: u64,
        /// The region's wall time, ns.
        wall_ns: u64,
    },
    /// The hypervisor ran other guests on this VM's CPUs during the region.
    Steal {
        /// Steal time, all CPUs, ns.
        steal_ns: u64,
        /// The region's wall time, ns.
        wall_ns: u64,
    },
}

impl std::fmt::Display for BusyReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            BusyReason::ForeignCpu {
                foreign_ns,
                wall_ns,
            } => write!(
                f,
                "other processes used {:.2} cores",
                foreign_ns as f64 / wall_ns.max(1) as f64
            ),
            BusyReason::Steal { steal_ns, wall_ns } => write!(
                f,
                "steal was {:.0} % of wall time",
                100.0 * steal_ns as f64 / wall_ns.max(1) as f64
            ),
        }
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
    /// The seed of the per-round cell orders (`--seed` replays them).
    #[serde(default)]
    pub seed: u64,
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
    /// Per workload, the order its cells ran in, round by round.
    #[serde(default)]
    pub rounds: Vec<WorkloadRounds>,
    /// Per workload, the machine's load before and after it ran.
    #[serde(default)]
    pub conditions: Vec<WorkloadConditions>,
    /// Per workload, the winner an earlier run on the same machine named: the
    /// replication check of the "which pool" verdicts (see `report::replication`).
    #[serde(default)]
    pub earlier: Vec<EarlierVerdict>,
}

/// What an earlier run of the same host, cores and scale concluded about one workload.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct EarlierVerdict {
    /// Workload name.
    pub workload: String,
    /// The earlier run's folder name.
    pub run: String,
    /// The contender it named the winner; `None`: a tie.
    pub winner: Option<String>,
}

impl EarlierVerdict {
    /// `<winner> won in <run>`.
    ///
    /// ```
    /// use pool_bench::record::EarlierVerdict;
    /// let e = EarlierVerdict { workload: "empty".into(), run: "r1".into(), winner: Some("finite".into()) };
    /// assert_eq!(e.words(), "not replicated: finite won in r1");
    /// ```
    pub fn words(&self) -> String {
        format!(
            "not replicated: {} won in {}",
            self.winner.as_deref().unwrap_or("no contender"),
            self.run
        )
    }
}

/// The order in which one workload's cells ran their repetitions: one list of cell
/// labels ([`Cell::label`]) per round, shuffled each round.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkloadRounds {
    /// Workload name.
    pub workload: String,
    /// The seed the orders were drawn with (from the run seed and the workload name).
    pub seed: u64,
    /// Cell labels in running order, one list per round.
    pub orders: Vec<Vec<String>>,
}

/// The machine's load around one workload.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkloadConditions {
    /// Workload name.
    pub workload: String,
    /// 1-minute load average before the workload's first cell started.
    pub load1_before: Option<f64>,
    /// 1-minute load average after its last cell ended.
    pub load1_after: Option<f64>,
    /// Cumulative steal time of the host (all CPUs) before, ns.
    pub steal_before_ns: Option<u64>,
    /// Cumulative steal time after, ns.
    pub steal_after_ns: Option<u64>,
    /// Wall time the workload took, seconds.
    pub elapsed_s: f64,
}

impl WorkloadConditions {
    /// Steal time during the workload, ns.
    pub fn steal_ns(&self) -> Option<u64> {
        Some(self.steal_after_ns?.saturating_sub(self.steal_before_ns?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contender::IoMode;

    fn rep(wall_ms: u64, own_ms: u64, host_ms: u64, steal_ms: u64) -> Sample {
        let cell = Cell {
            workload: "w".into(),
            family: Family::CpuFlat,
            contender: "c".into(),
            io_mode: IoMode::Blocking,
            workers: Some(2),
            concurrency: Some(2),
            oversubscribed: false,
        };
        let ms = 1_000_000;
        let mut s = Sample::empty(&cell, Status::Ok, "");
        s.wall_ns = Some(wall_ms * ms);
        s.cpu_user_ns = Some(own_ms * ms);
        s.cpu_sys_ns = Some(0);
        s.host_busy_ns = Some(host_ms * ms);
        s.steal_ns = Some(steal_ms * ms);
        s.stat_resolution_ns = Some(20 * ms);
        s.fixture_cpu_ns = Some(10 * ms);
        s
    }

    #[test]
    fn foreign_cpu_is_the_host_minus_the_cell_and_the_fixtures() {
        assert_eq!(rep(1000, 300, 500, 0).foreign_cpu_ns(), Some(190_000_000));
        assert_eq!(rep(1000, 600, 500, 0).foreign_cpu_ns(), Some(0));
        let mut old = rep(1000, 300, 500, 0);
        old.host_busy_ns = None;
        assert_eq!(old.foreign_cpu_ns(), None);
        assert_eq!(old.busy(), None);
    }

    #[test]
    fn a_quiet_repetition_is_not_busy() {
        assert_eq!(rep(1000, 1900, 1950, 10).busy(), None);
    }

    #[test]
    fn foreign_cpu_over_a_quarter_core_is_busy() {
        let busy = rep(1000, 1000, 1300, 0).busy();
        assert_eq!(
            busy,
            Some(BusyReason::ForeignCpu {
                foreign_ns: 290_000_000,
                wall_ns: 1_000_000_000
            })
        );
        assert_eq!(
            busy.map(|b| b.to_string()).as_deref(),
            Some("other processes used 0.29 cores")
        );
        assert_eq!(rep(1000, 1000, 1250, 0).busy(), None, "240 ms < 250 ms");
    }

    #[test]
    fn steal_over_five_percent_is_busy_and_reported_first() {
        let busy = rep(1000, 1000, 1500, 60).busy();
        assert_eq!(
            busy,
            Some(BusyReason::Steal {
                steal_ns: 60_000_000,
                wall_ns: 1_000_000_000
            })
        );
        assert_eq!(
            busy.map(|b| b.to_string()).as_deref(),
            Some("steal was 6 % of wall time")
        );
        assert_eq!(rep(1000, 1000, 1000, 50).busy(), None, "exactly 5 %");
    }

    #[test]
    fn amounts_within_the_stat_resolution_are_not_flagged() {
        // 10 ms of a 20 ms repetition is half a core, but one tick of rounding.
        assert_eq!(rep(20, 5, 25, 10).busy(), None);
        assert!(rep(20, 5, 45, 0).busy().is_some());
    }

    #[test]
    fn samples_without_the_new_fields_still_load() {
        let mut json = serde_json::to_value(rep(1, 1, 1, 1)).expect("to json");
        let map = json.as_object_mut().expect("object");
        for f in [
            "host_busy_ns",
            "steal_ns",
            "stat_resolution_ns",
            "fixture_cpu_ns",
            "fd_errors",
            "refused",
            "peak_fds",
            "peak_threads",
            "peak_pending",
        ] {
            map.remove(f);
        }
        let back: Sample = serde_json::from_value(json).expect("loads");
        assert_eq!(back.host_busy_ns, None);
        assert_eq!(back.busy(), None);
    }
}
