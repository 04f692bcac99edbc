//! The Findings lines of the downstream-capacity workloads: where bounding stops
//! protecting the service, with the run's numbers (503s, the service's longest queue,
//! p99 latency) for the pools within the capacity `K`, the pools beyond it, and each
//! unbounded contender.

use crate::fixtures::DOWNSTREAM_CAPACITY;
use crate::record::RunData;
use crate::workloads::Family;

use super::aggregate::{config_label, CellStats};
use super::choose::of_workload;
use super::format::secs;

/// The workload whose service answers 503 beyond `K` instead of queueing.
const REFUSING: &str = "downstream-refuse";

/// The median of a per-repetition count, 0 when absent.
pub(super) fn median(v: Option<crate::stats::Summary>) -> f64 {
    v.map_or(0.0, |s| s.median)
}

/// Whether the cell cost the service something: a 503 or a queue. A refusing service
/// never queues, so there the 503s tell it all. `None` when a queueing service gave no
/// 503 and the cell did not read its queue (a Go cell before the Go program read
/// `/stats`): whether it queued requests is not known.
pub(super) fn costs(c: &CellStats) -> Option<bool> {
    if median(c.refusals) > 0.0 {
        return Some(true);
    }
    let refusing = c.first.workload == REFUSING;
    c.queue_max
        .map(|q| q.median > 0.0)
        .or(refusing.then_some(false))
}

/// The service's longest queue in words: its median, or that it was not measured.
fn queue_words(c: &CellStats) -> String {
    c.queue_max
        .map_or_else(|| "not measured".into(), |q| format!("{:.0}", q.median))
}

/// The cell's median p99 latency of served requests, or `-`.
pub(super) fn p99(c: &CellStats) -> String {
    c.latency.map_or_else(|| "-".into(), |l| secs(l[2] / 1e9))
}

/// One group of bounded cells: their worst 503s and queue, and their best p99.
fn bounded_words(cells: &[&CellStats]) -> Option<String> {
    let worst = |f: fn(&CellStats) -> f64| cells.iter().map(|c| f(c)).fold(0.0, f64::max);
    let best = cells.iter().min_by(|a, b| {
        let p = |c: &CellStats| c.latency.map_or(f64::MAX, |l| l[2]);
        p(a).total_cmp(&p(b))
    })?;
    let queue = if cells.iter().any(|c| c.queue_max.is_some()) {
        format!("{:.0}", worst(|c| median(c.queue_max)))
    } else {
        "not measured".into()
    };
    Some(format!(
        "at most {:.0} 503s and a service queue of {queue}, best p99 {} ({}, {})",
        worst(|c| median(c.refusals)),
        p99(best),
        best.first.contender,
        config_label(best)
    ))
}

/// The smallest bound among `cells` that cost the service a 503 or a queue.
pub(super) fn first_cost(cells: &[&CellStats]) -> Option<usize> {
    cells
        .iter()
        .filter(|c| c.first.workers.is_some() && costs(c) == Some(true))
        .filter_map(|c| c.first.concurrency)
        .min()
}

/// `unbounded tokio-unbounded: 40 503s, service queue max 0, p99 2.00 ms` (medians per
/// repetition; the workload's request count is on its page).
pub(super) fn unbounded_words(c: &CellStats) -> String {
    format!(
        "unbounded {}: {:.0} 503s, service queue max {}, p99 {}",
        c.first.contender,
        median(c.refusals),
        queue_words(c),
        p99(c)
    )
}

/// One line per downstream workload of the run.
pub fn findings(data: &RunData, all: &[CellStats]) -> Vec<String> {
    let k = DOWNSTREAM_CAPACITY;
    let mut lines = Vec::new();
    for w in data
        .workloads
        .iter()
        .filter(|w| w.family == Family::Downstream)
    {
        let ok: Vec<&CellStats> = of_workload(all, &w.name)
            .into_iter()
            .filter(|c| c.makespan().is_some())
            .collect();
        let bounded = |within: bool| -> Vec<&CellStats> {
            ok.iter()
                .copied()
                .filter(|c| c.first.workers.is_some())
                .filter(|c| c.first.concurrency.is_some_and(|x| x <= k) == within)
                .collect()
        };
        let first_cost = first_cost(&ok).map_or_else(
            || "no bounded cell cost the service a 503 or a queue".to_owned(),
            |c| format!("the smallest bound that cost the service a 503 or a queue: c = {c}"),
        );
        let mut parts = Vec::new();
        if let Some(words) = bounded_words(&bounded(true)) {
            parts.push(format!("pools at c <= K: {words}"));
        }
        if let Some(words) = bounded_words(&bounded(false)) {
            parts.push(format!("pools at c > K: {words}"));
        }
        for c in ok.iter().filter(|c| c.first.workers.is_none()) {
            parts.push(unbounded_words(c));
        }
        parts.push(first_cost);
        lines.push(format!("`{}` (K = {k}): {}.", w.name, parts.join("; ")));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contender::IoMode;
    use crate::record::{Cell, Sample, Status, WorkloadInfo};

    fn reps(contender: &str, c: Option<usize>, refused: u64, queue: u64) -> Vec<Sample> {
        let cell = Cell {
            workload: "downstream-refuse".into(),
            family: Family::Downstream,
            contender: contender.into(),
            io_mode: IoMode::Blocking,
            workers: c,
            concurrency: c,
            oversubscribed: false,
        };
        (1..=3)
            .map(|rep| {
                let mut s = Sample::empty(&cell, Status::Ok, "");
                s.rep = rep;
                s.wall_ns = Some(10_000_000);
                s.jobs = Some(64 - refused);
                s.refusals = Some(refused);
                s.downstream_queue_max = Some(queue);
                [s.p50_ns, s.p90_ns, s.p99_ns, s.p999_ns, s.max_ns] = [Some(2_000_000); 5];
                s
            })
            .collect()
    }

    #[test]
    fn the_line_names_the_bound_where_refusals_start_and_the_unbounded_cost() {
        let samples = [
            reps("finite", Some(8), 0, 0),
            reps("finite", Some(32), 5, 0),
            reps("tokio-unbounded", None, 40, 0),
        ]
        .concat();
        let data = RunData {
            workloads: vec![WorkloadInfo {
                name: "downstream-refuse".into(),
                family: Family::Downstream,
                hypothesis: String::new(),
                params: String::new(),
            }],
            samples,
            ..RunData::default()
        };
        let all = super::super::aggregate::cells(&data.samples);
        let lines = findings(&data, &all);
        assert_eq!(lines.len(), 1);
        let line = &lines[0];
        assert!(line.contains("pools at c <= K: at most 0 503s"), "{line}");
        assert!(line.contains("pools at c > K: at most 5 503s"), "{line}");
        assert!(line.contains("tokio-unbounded: 40 503s"), "{line}");
        assert!(line.contains("c = 32"), "{line}");
    }
}
