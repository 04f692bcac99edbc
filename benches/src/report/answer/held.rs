//! What one in-flight task holds in each model of concurrency (an OS thread, a tokio
//! task, a job queued in a pool, a goroutine), from the `held-*` workloads, and what the
//! fd limit did to the bounded and the unbounded cells.

use crate::contender::IoMode;
use crate::contenders::THREAD_PER_TASK;
use crate::record::RunData;
use crate::report::aggregate::{config_label, CellStats};
use crate::report::choose::{format_figure, is_multi_worker_pool, of_workload, pick};
use crate::report::format::interval;
use crate::report::held::{fd_errors, FdErrors};
use crate::workloads::Family;

use super::{measured, missing, Lang};

/// The held-resources workloads: timer waits, and connections under an fd limit.
pub(super) const WORKLOADS: [&str; 2] = ["held-sleep", "held-conn"];

/// A model of concurrency and the contender that stands for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Model {
    /// One OS thread per task (`thread-per-task`).
    Thread,
    /// One tokio task per job, never capped (`tokio-unbounded`).
    TokioTask,
    /// A job queued in a bounded blocking pool (the best such Rust cell).
    PooledJob,
    /// One goroutine per task (`go-per-task`).
    Goroutine,
}

impl Model {
    const ALL: [Model; 4] = [
        Model::Thread,
        Model::TokioTask,
        Model::PooledJob,
        Model::Goroutine,
    ];

    pub(super) fn words(self) -> &'static str {
        match self {
            Model::Thread => "an OS thread",
            Model::TokioTask => "a tokio task",
            Model::PooledJob => "a pooled job",
            Model::Goroutine => "a goroutine",
        }
    }

    /// The model's cell with the lowest figure, or why there is none.
    fn cell<'a>(self, all: &'a [CellStats], workload: &str) -> Result<&'a CellStats, String> {
        let by_name = |name: &str| {
            measured(all, workload, name)
                .and_then(|cells| pick(cells.into_iter()).ok_or_else(|| "no figure".into()))
        };
        match self {
            Model::Thread => by_name(THREAD_PER_TASK),
            Model::TokioTask => by_name("tokio-unbounded"),
            Model::Goroutine => by_name("go-per-task"),
            Model::PooledJob => pick(of_workload(all, workload).into_iter().filter(|c| {
                Lang::of(&c.first.contender) == Lang::Rust
                    && c.first.io_mode == IoMode::Blocking
                    && is_multi_worker_pool(c)
                    && c.figure().is_some()
            }))
            .ok_or_else(|| "not measured".into()),
        }
    }
}

/// One `held-*` workload of the run.
#[derive(Clone, Debug)]
pub(super) struct Held<'a> {
    /// The workload.
    pub(super) workload: &'static str,
    /// Each model's cell, or why there is none.
    pub(super) models: Vec<(Model, Result<&'a CellStats, String>)>,
    /// The fd errors on each side of the fd limit (`held-conn`).
    pub(super) fds: Option<FdErrors>,
}

/// The `held-*` workloads the run has.
pub(super) fn models<'a>(data: &RunData, all: &'a [CellStats]) -> Vec<Held<'a>> {
    WORKLOADS
        .iter()
        .filter(|w| data.workloads.iter().any(|x| x.name == **w))
        .map(|&workload| Held {
            workload,
            models: Model::ALL
                .iter()
                .map(|&m| (m, m.cell(all, workload)))
                .collect(),
            fds: fd_errors(data, &of_workload(all, workload)),
        })
        .collect()
}

/// `an OS thread (thread-per-task, unbounded) 20510 B [20400 B, 20600 B], 1.00 threads`.
pub(super) fn model_words(m: Model, c: &CellStats) -> String {
    format!(
        "{} ({}, {}) {} {}, {:.2} threads",
        m.words(),
        c.first.contender,
        config_label(c),
        format_figure(Family::Held, c.figure().unwrap_or(f64::NAN)),
        interval(Family::Held, c.figure_ci),
        c.threads_per_job.unwrap_or(0.0)
    )
}

/// `at the fd limit of 4096: 0 fd errors in bounded cells, 5904 unbounded`.
pub(super) fn fd_words(f: &FdErrors) -> String {
    format!(
        "at the fd limit of {}: {} fd errors in cells bounded below it, {} unbounded",
        f.limit, f.bounded, f.unbounded
    )
}

/// One sub-item per workload, or the workloads the run lacks.
pub(super) fn words(held: &[Held]) -> String {
    if held.is_empty() {
        return format!(" {}.", missing(&WORKLOADS));
    }
    held.iter()
        .map(|h| {
            let mut parts: Vec<String> = h
                .models
                .iter()
                .map(|(m, c)| match c {
                    Ok(c) => model_words(*m, c),
                    Err(why) => format!("{} {why}", m.words()),
                })
                .collect();
            parts.extend(h.fds.as_ref().map(fd_words));
            format!(
                "\n  - `{}`, per pending task: {}.",
                h.workload,
                parts.join("; ")
            )
        })
        .collect()
}
