//! The "which pool for which workload" table, derived from the measurements: for each
//! workload, the contender and configuration with the best figure, the runner-up (best
//! cell of another contender) and the margin, and what bounding the workers gained against
//! one thread per task.
//!
//! The figure is the median makespan for throughput workloads, p99 latency for the
//! latency workloads, CPU time over wall time for `idle`, and heap bytes per queued job
//! (else resident bytes) for `queue-memory`. Lower is better for all of them.

use crate::record::WorkloadInfo;
use crate::workloads::Family;

use super::aggregate::{config_label, CellStats};

/// One row of the table.
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    /// Workload name.
    pub workload: String,
    /// What was compared (`makespan`, `p99`, ...).
    pub metric: &'static str,
    /// Best contender.
    pub best: String,
    /// Its configuration label.
    pub config: String,
    /// Its figure, formatted.
    pub figure: String,
    /// Best cell of another contender, if any.
    pub runner_up: Option<String>,
    /// Runner-up figure over best figure (>= 1).
    pub margin: Option<f64>,
    /// thread-per-task figure over the best bounded figure (> 1: bounding wins).
    pub bounded_gain: Option<f64>,
    /// The best multi-worker bounded pool (neither sequential nor unbounded), with its
    /// configuration and its figure over the best figure (>= 1), when it is not the best.
    pub best_pool: Option<(String, f64)>,
}

fn metric(family: Family) -> &'static str {
    match family {
        Family::Latency => "p99 latency",
        Family::Idle => "CPU/wall",
        Family::QueueMemory => "bytes/queued job",
        _ => "makespan",
    }
}

/// The figure a cell is ranked by (lower is better); `None` if it has none.
pub fn figure(c: &CellStats) -> Option<f64> {
    c.makespan()?;
    match c.first.family {
        Family::Latency => c.latency.map(|l| l[2]),
        Family::Idle => c.cpu_util(),
        Family::QueueMemory => c.heap_per_job.or(c.rss_per_job),
        _ => c.makespan(),
    }
}

/// Formats a figure of `family` for tables.
pub fn format_figure(family: Family, v: f64) -> String {
    match family {
        Family::Latency => format!("{:.1} us", v / 1e3),
        Family::Idle => format!("{:.1} %", v * 100.0),
        Family::QueueMemory => format!("{v:.0} B"),
        _ => super::markdown::secs(v),
    }
}

fn best<'a>(cells: impl Iterator<Item = &'a CellStats>) -> Option<(&'a CellStats, f64)> {
    cells
        .filter_map(|c| figure(c).map(|f| (c, f)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
}

/// Derives one [`Choice`] per workload that has at least one `ok` cell.
pub fn choices(workloads: &[WorkloadInfo], cells: &[CellStats]) -> Vec<Choice> {
    let mut out = Vec::new();
    for w in workloads {
        let mine: Vec<&CellStats> = cells
            .iter()
            .filter(|c| c.first.workload == w.name)
            .collect();
        let Some((win, fig)) = best(mine.iter().copied()) else {
            continue;
        };
        let other = best(
            mine.iter()
                .copied()
                .filter(|c| c.first.contender != win.first.contender),
        );
        let unbounded = best(mine.iter().copied().filter(|c| c.first.workers.is_none()));
        let bounded = best(mine.iter().copied().filter(|c| c.first.workers.is_some()));
        let pool = best(
            mine.iter()
                .copied()
                .filter(|c| c.first.workers.is_some_and(|w| w > 1)),
        );
        out.push(Choice {
            workload: w.name.clone(),
            metric: metric(w.family),
            best: win.first.contender.clone(),
            config: config_label(win),
            figure: format_figure(w.family, fig),
            runner_up: other.map(|(c, _)| format!("{} ({})", c.first.contender, config_label(c))),
            margin: other.map(|(_, f)| if fig > 0.0 { f / fig } else { 1.0 }),
            bounded_gain: bounded
                .zip(unbounded)
                .map(|((_, b), (_, u))| if b > 0.0 { u / b } else { 1.0 }),
            best_pool: pool.filter(|(c, _)| !std::ptr::eq(*c, win)).map(|(c, f)| {
                let ratio = if fig > 0.0 { f / fig } else { 1.0 };
                (
                    format!("{} ({})", c.first.contender, config_label(c)),
                    ratio,
                )
            }),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contender::IoMode;
    use crate::record::{Cell, Sample, Status};

    fn sample(contender: &str, workers: Option<usize>, wall_ms: u64) -> Sample {
        let cell = Cell {
            workload: "spin-100us".into(),
            family: Family::CpuFlat,
            contender: contender.into(),
            io_mode: IoMode::Blocking,
            workers,
            concurrency: workers,
            oversubscribed: false,
        };
        let mut s = Sample::empty(&cell, Status::Ok, "");
        s.rep = 1;
        s.wall_ns = Some(wall_ms * 1_000_000);
        s
    }

    #[test]
    fn best_runner_up_and_bounded_gain_come_from_the_data() {
        let samples = vec![
            sample("rayon", Some(2), 10),
            sample("rayon", Some(1), 20),
            sample("threadpool", Some(2), 15),
            sample("thread-per-task", None, 40),
        ];
        let cells = super::super::aggregate::cells(&samples);
        let info = vec![WorkloadInfo {
            name: "spin-100us".into(),
            family: Family::CpuFlat,
            hypothesis: String::new(),
            params: String::new(),
        }];
        let c = &choices(&info, &cells)[0];
        assert_eq!(c.best, "rayon");
        assert_eq!(c.config, "w=2");
        assert_eq!(c.runner_up.as_deref(), Some("threadpool (w=2)"));
        assert!((c.margin.expect("margin") - 1.5).abs() < 1e-9);
        assert!((c.bounded_gain.expect("gain") - 4.0).abs() < 1e-9);
        assert_eq!(c.best_pool, None, "the best is already a pool");
    }

    #[test]
    fn failed_cells_never_win() {
        let mut bad = sample("rayon", Some(2), 1);
        bad.status = Status::Timeout;
        let samples = vec![bad, sample("threadpool", Some(2), 15)];
        let cells = super::super::aggregate::cells(&samples);
        let info = vec![WorkloadInfo {
            name: "spin-100us".into(),
            family: Family::CpuFlat,
            hypothesis: String::new(),
            params: String::new(),
        }];
        assert_eq!(choices(&info, &cells)[0].best, "threadpool");
    }

    #[test]
    fn the_best_pool_is_named_when_sequential_wins() {
        let samples = vec![
            sample("sequential", Some(1), 5),
            sample("rayon", Some(2), 10),
            sample("thread-per-task", None, 1),
        ];
        let cells = super::super::aggregate::cells(&samples);
        let info = vec![WorkloadInfo {
            name: "spin-100us".into(),
            family: Family::CpuFlat,
            hypothesis: String::new(),
            params: String::new(),
        }];
        let c = &choices(&info, &cells)[0];
        assert_eq!(c.best, "thread-per-task");
        let (pool, ratio) = c.best_pool.clone().expect("a pool");
        assert_eq!(pool, "rayon (w=2)");
        assert!((ratio - 10.0).abs() < 1e-9);
    }
}
