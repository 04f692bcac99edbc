//! Samples grouped into cells, with medians and spreads: the numbers every table and
//! figure shows.

use std::collections::BTreeMap;

use crate::record::{Sample, Status};
use crate::stats::{median_ci, outliers, seed_of, Interval, Summary};
use crate::workloads::Family;

/// Identifies a cell: `(workload, contender, workers, concurrency)`.
pub type Key = (String, String, Option<usize>, Option<usize>);

/// The aggregated figures of one cell.
#[derive(Clone, Debug)]
pub struct CellStats {
    /// A sample of the cell, for its identity.
    pub first: Sample,
    /// How it ended (`ok` only when every sample is `ok`).
    pub status: Status,
    /// Why not `ok`.
    pub error: String,
    /// Makespan over repetitions, seconds.
    pub wall: Option<Summary>,
    /// Median jobs per second.
    pub throughput: Option<f64>,
    /// Median CPU time (user + sys), seconds.
    pub cpu: Option<f64>,
    /// Peak RSS, KiB.
    pub peak_rss_kib: Option<u64>,
    /// Median latency percentiles `[p50, p90, p99, p99.9, max]`, ns.
    pub latency: Option<[f64; 5]>,
    /// Median heap bytes per queued job.
    pub heap_per_job: Option<f64>,
    /// Median resident bytes per queued job.
    pub rss_per_job: Option<f64>,
    /// Median mapped (virtual) bytes per queued job: whole thread stacks included.
    pub mapped_per_job: Option<f64>,
    /// Median threads alive per queued job.
    pub threads_per_job: Option<f64>,
    /// Little's-law bound, seconds.
    pub bound: Option<f64>,
    /// 503s per repetition (downstream workloads), over `ok` repetitions.
    pub refusals: Option<Summary>,
    /// The downstream service's longest queue per repetition, over `ok` repetitions.
    pub queue_max: Option<Summary>,
    /// Held resources (`held-*`): the most fd errors, refused tasks, open fds, threads
    /// and tasks pending at once over the repetitions.
    pub held: HeldPeaks,
    /// The witness of the last sample.
    pub witness: String,
    /// The ranked figure (see [`sample_figure`]) of each `ok` repetition, in run order.
    pub figures: Vec<f64>,
    /// 95 % bootstrap interval of the figure's median (`None` under 3 repetitions).
    pub figure_ci: Option<Interval>,
    /// Repetitions whose figure exceeds 3x the cell's median (flagged, still counted).
    pub outliers: usize,
    /// `ok` repetitions measured on a busy machine ([`Sample::busy`]), with the reason of
    /// the first (flagged, still counted).
    pub busy: (usize, Option<String>),
}

/// The most of each held resource over a cell's repetitions (see [`Sample::peak_fds`]
/// and its neighbours).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HeldPeaks {
    /// Tasks that found no fd.
    pub fd_errors: Option<u64>,
    /// Tasks the contender refused.
    pub refused: Option<u64>,
    /// Open fds.
    pub fds: Option<u64>,
    /// Threads alive.
    pub threads: Option<u64>,
    /// Tasks pending (queued or waiting).
    pub pending: Option<u64>,
}

/// The figure a repetition is ranked by (lower is better): p99 latency (ns) for the
/// latency family, CPU time over wall time for `idle`, the bytes the process really holds
/// per queued job for `queue-memory` (runs before that figure existed: heap, else
/// resident) and the resident bytes per pending task for `held-*`, the makespan (s) for everything else.
pub fn sample_figure(s: &Sample) -> Option<f64> {
    match s.family {
        Family::Latency => s.p99_ns.map(|v| v as f64),
        Family::Idle => Some(s.cpu_ns()? as f64 / s.wall_ns?.max(1) as f64),
        Family::Held => s.held_bytes_per_job,
        Family::QueueMemory => s
            .held_bytes_per_job
            .or(s.heap_bytes_per_job)
            .or(s.rss_bytes_per_job),
        _ => s.wall_ns.map(|n| n as f64 / 1e9),
    }
}

/// A stable text form of a cell's identity, used to seed its bootstrap.
pub fn cell_label(s: &Sample) -> String {
    format!(
        "{}/{}/{:?}/{:?}",
        s.workload, s.contender, s.workers, s.concurrency
    )
}

impl CellStats {
    /// CPU time over wall time (1.0 = one core busy).
    pub fn cpu_util(&self) -> Option<f64> {
        Some(self.cpu? / self.wall?.median.max(1e-12))
    }

    /// Median of the ranked figure over repetitions, for `ok` cells.
    pub fn figure(&self) -> Option<f64> {
        self.makespan()?;
        Summary::of(&self.figures).map(|s| s.median)
    }

    /// Median makespan in seconds, for `ok` cells.
    pub fn makespan(&self) -> Option<f64> {
        (self.status == Status::Ok).then_some(self.wall?.median)
    }
}

fn median(v: Vec<f64>) -> Option<f64> {
    Summary::of(&v).map(|s| s.median)
}

/// `samples` grouped by cell, in the order in which cells first appear.
pub fn groups<'a>(samples: impl IntoIterator<Item = &'a Sample>) -> Vec<Vec<&'a Sample>> {
    let mut order: Vec<Key> = Vec::new();
    let mut groups: BTreeMap<Key, Vec<&Sample>> = BTreeMap::new();
    for s in samples {
        let key = (
            s.workload.clone(),
            s.contender.clone(),
            s.workers,
            s.concurrency,
        );
        let g = groups.entry(key.clone()).or_default();
        if g.is_empty() {
            order.push(key);
        }
        g.push(s);
    }
    order
        .into_iter()
        .filter_map(|k| groups.remove(&k))
        .collect()
}

/// Groups `samples` by cell, keeping the order in which cells first appear.
pub fn cells(samples: &[Sample]) -> Vec<CellStats> {
    groups(samples).iter().map(|g| stats(g)).collect()
}

fn stats(g: &[&Sample]) -> CellStats {
    let bad = g.iter().find(|s| s.status != Status::Ok);
    let ok: Vec<&&Sample> = g.iter().filter(|s| s.status == Status::Ok).collect();
    let col = |f: &dyn Fn(&Sample) -> Option<f64>| -> Vec<f64> {
        ok.iter().filter_map(|s| f(s)).collect()
    };
    let walls = col(&|s| s.wall_ns.map(|n| n as f64 / 1e9));
    let lat = |f: fn(&Sample) -> Option<u64>| median(col(&|s| f(s).map(|v| v as f64)));
    let latency = match (
        lat(|s| s.p50_ns),
        lat(|s| s.p90_ns),
        lat(|s| s.p99_ns),
        lat(|s| s.p999_ns),
        lat(|s| s.max_ns),
    ) {
        (Some(a), Some(b), Some(c), Some(d), Some(e)) => Some([a, b, c, d, e]),
        _ => None,
    };
    let figures = if bad.is_some() {
        Vec::new()
    } else {
        col(&sample_figure)
    };
    CellStats {
        figure_ci: median_ci(&figures, seed_of(&cell_label(g[0]))),
        outliers: outliers(&figures),
        busy: {
            let reasons: Vec<String> = ok
                .iter()
                .filter_map(|s| s.busy())
                .map(|r| r.to_string())
                .collect();
            (reasons.len(), reasons.into_iter().next())
        },
        figures,
        first: g[0].clone(),
        status: bad.map_or(Status::Ok, |s| s.status),
        error: bad.map(|s| s.error.clone()).unwrap_or_default(),
        wall: if bad.is_some() {
            None
        } else {
            Summary::of(&walls)
        },
        throughput: median(col(&|s| s.throughput)),
        cpu: median(col(&|s| s.cpu_ns().map(|n| n as f64 / 1e9))),
        peak_rss_kib: g.iter().filter_map(|s| s.peak_rss_kib).max(),
        latency,
        heap_per_job: median(col(&|s| s.heap_bytes_per_job)),
        rss_per_job: median(col(&|s| s.rss_bytes_per_job)),
        mapped_per_job: median(col(&|s| s.mapped_bytes_per_job)),
        threads_per_job: median(col(&|s| s.threads_per_job)),
        bound: median(col(&|s| s.bound_ns.map(|n| n as f64 / 1e9))),
        refusals: Summary::of(&col(&|s| s.refusals.map(|n| n as f64))),
        queue_max: Summary::of(&col(&|s| s.downstream_queue_max.map(|n| n as f64))),
        held: HeldPeaks {
            fd_errors: g.iter().filter_map(|s| s.fd_errors).max(),
            refused: g.iter().filter_map(|s| s.refused).max(),
            fds: g.iter().filter_map(|s| s.peak_fds).max(),
            threads: g.iter().filter_map(|s| s.peak_threads).max(),
            pending: g.iter().filter_map(|s| s.peak_pending).max(),
        },
        witness: g
            .iter()
            .rev()
            .map(|s| s.witness.clone())
            .find(|w| !w.is_empty())
            .unwrap_or_default(),
    }
}

/// The cell of `contender` to compare a cell of `workload` at `(workers, concurrency)`
/// against: the same point if measured, else its fastest `ok` cell.
pub fn baseline_for<'a>(
    all: &'a [CellStats],
    workload: &str,
    contender: &str,
    point: (Option<usize>, Option<usize>),
) -> Option<&'a CellStats> {
    let mine = || {
        all.iter()
            .filter(|c| c.first.workload == workload && c.first.contender == contender)
    };
    mine()
        .find(|c| (c.first.workers, c.first.concurrency) == point && c.makespan().is_some())
        .or_else(|| {
            mine().filter(|c| c.makespan().is_some()).min_by(|a, b| {
                a.makespan()
                    .unwrap_or(f64::MAX)
                    .total_cmp(&b.makespan().unwrap_or(f64::MAX))
            })
        })
}

/// A human label for a cell's configuration: `w=4 (oversubscribed)`, `c=128 on 2 threads`,
/// `unbounded`, or `any` for an unsupported capability.
pub fn config_label(c: &CellStats) -> String {
    let s = &c.first;
    if c.status == Status::Unsupported {
        return "any".into();
    }
    let Some(w) = s.workers else {
        return "unbounded".into();
    };
    let over = if s.oversubscribed {
        " (oversubscribed)"
    } else {
        ""
    };
    if s.family.by_concurrency() {
        let conc = s.concurrency.unwrap_or(w);
        if conc == w {
            format!("c={conc}{over}")
        } else {
            format!("c={conc} on {w} threads")
        }
    } else {
        format!("w={w}{over}")
    }
}
