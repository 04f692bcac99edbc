//! The Findings lines of the held-resources workloads (`held-*`): per model, what a
//! pending task holds, and what the fd limit did to each.

use crate::record::RunData;
use crate::workloads::{held_fd_limit, Family};

use super::aggregate::{config_label, CellStats};
use super::choose::of_workload;

/// One line per `held-*` workload of the run: for each contender, its cell with the most
/// tasks in flight (unbounded, else the largest `c`), and the fd errors of bounded cells
/// against unbounded ones.
pub fn findings(data: &RunData, all: &[CellStats]) -> Vec<String> {
    data.workloads
        .iter()
        .filter(|w| w.family == Family::Held)
        .filter_map(|w| {
            let mine: Vec<&CellStats> = of_workload(all, &w.name)
                .into_iter()
                .filter(|c| c.figure().is_some())
                .collect();
            let mut models: Vec<&CellStats> = Vec::new();
            for c in &mine {
                match models
                    .iter_mut()
                    .find(|m| m.first.contender == c.first.contender)
                {
                    Some(m) if most_in_flight(c) > most_in_flight(m) => *m = c,
                    Some(_) => {}
                    None => models.push(c),
                }
            }
            if models.is_empty() {
                return None;
            }
            let parts: Vec<String> = models.iter().map(|c| model_words(c)).collect();
            let limit = data.meta.scale.map(held_fd_limit);
            let below = |c: &CellStats| {
                c.first.workers.is_some()
                    && limit.is_some_and(|l| c.first.concurrency.is_some_and(|k| (k as u64) < l))
            };
            let errors = |bounded: bool| {
                mine.iter()
                    .filter(|c| below(c) == bounded)
                    .filter_map(|c| c.held.fd_errors)
                    .max()
            };
            let fds = match (errors(true), errors(false), limit) {
                (Some(b), Some(u), Some(l)) => format!(
                    "; fd errors (most in one cell): {b} bounded below the fd limit of {l}, {u} unbounded (or capped at every task)"
                ),
                _ => String::new(),
            };
            Some(format!(
                "`{}` ({}): per pending task, {}{fds}.",
                w.name,
                w.params,
                parts.join("; ")
            ))
        })
        .collect()
}

/// Tasks a cell lets wait at once: unbounded counts as the most.
fn most_in_flight(c: &CellStats) -> usize {
    match c.first.workers {
        None => usize::MAX,
        Some(w) => c.first.concurrency.unwrap_or(w),
    }
}

/// `tokio (c=1024): 310 B, 0.00 threads (peak 1024 tasks pending, 4 threads, 1030 fds, 0 fd
/// errors)`.
fn model_words(c: &CellStats) -> String {
    let h = &c.held;
    let mut s = format!(
        "{} ({}): {:.0} B, {:.2} threads",
        c.first.contender,
        config_label(c),
        c.figure().unwrap_or(0.0),
        c.threads_per_job.unwrap_or(0.0)
    );
    let mut peaks = Vec::new();
    if let Some(p) = h.pending {
        peaks.push(format!("{p} tasks pending"));
    }
    if let Some(t) = h.threads {
        peaks.push(format!("{t} threads"));
    }
    if let Some(f) = h.fds {
        peaks.push(format!("{f} fds"));
    }
    if let Some(e) = h.fd_errors {
        peaks.push(format!("{e} fd errors"));
    }
    if let Some(r) = h.refused.filter(|&r| r > 0) {
        peaks.push(format!("{r} refused"));
    }
    if !peaks.is_empty() {
        s.push_str(&format!(" (peak {})", peaks.join(", ")));
    }
    s
}
