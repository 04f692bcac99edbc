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
            let fds = fd_errors(data, &mine).map_or_else(String::new, |f| {
                format!(
                    "; fd errors (most in one cell): {} bounded below the fd limit of {}, {} unbounded (or capped at every task)",
                    f.bounded, f.limit, f.unbounded
                )
            });
            Some(format!(
                "`{}` ({}): per pending task, {}{fds}.",
                w.name,
                w.params,
                parts.join("; ")
            ))
        })
        .collect()
}

/// The most fd errors in one cell, for cells bounded below the fd limit and for the
/// others (unbounded, or capped at every task).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct FdErrors {
    /// The fd soft limit the cells ran under.
    pub limit: u64,
    /// Bounded below the limit.
    pub bounded: u64,
    /// Unbounded, or bounded at or above the limit.
    pub unbounded: u64,
}

/// The fd errors of `cells` (one `held-*` workload's) on each side of the fd limit of
/// the run's scale; `None` when a side has no recorded count or the scale is custom.
pub(super) fn fd_errors(data: &RunData, cells: &[&CellStats]) -> Option<FdErrors> {
    let limit = data.meta.scale.map(held_fd_limit)?;
    let below = |c: &CellStats| {
        c.first.workers.is_some() && c.first.concurrency.is_some_and(|k| (k as u64) < limit)
    };
    let errors = |bounded: bool| {
        cells
            .iter()
            .filter(|c| below(c) == bounded)
            .filter_map(|c| c.held.fd_errors)
            .max()
    };
    Some(FdErrors {
        limit,
        bounded: errors(true)?,
        unbounded: errors(false)?,
    })
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
