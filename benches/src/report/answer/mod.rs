//! The section of `summary.md` that answers the blog post this project finishes, *An
//! Exploration of the Worker Pool Pattern in Go*: goroutines are cheap, so why bound the
//! workers? Its draft says a pool "is still a helpful tool when the tasks are heavy in
//! file or network I/O" and leaves the research as a TODO; this section is that research,
//! from the run's own cells.
//!
//! One module per claim, each a sentence or two with the run's numbers, Rust and Go side
//! by side: `io` (throughput against concurrency, the Little's-law line, the measured
//! saturation point, the unbounded models against the best pool), `held` (what a
//! pending task holds in each model, and the fd limit), `downstream` (the bound that
//! protects a service of capacity `K`), and `bottom_line` (the answer in words, derived
//! from those three). A claim whose cells the run lacks says which are missing: a quick
//! run without Go, or a run folder from before the workloads existed, still renders.

mod bottom_line;
mod downstream;
mod held;
mod io;
#[cfg(test)]
mod tests;

use crate::contenders::{find, Program};
use crate::record::{RunData, Status};

use super::aggregate::CellStats;
use super::pages::file_name;
use crate::workloads::Family;

/// The section's heading: the post's question, in its words.
pub const HEADING: &str = "## Does a worker pool help when tasks are heavy in file or network I/O?";

/// The language of a contender: the post's Go program, or this workspace's Rust.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lang {
    /// In-process contenders.
    Rust,
    /// The Go program's contenders (`go-pool`, `go-per-task`).
    Go,
}

impl Lang {
    fn of(contender: &str) -> Lang {
        if find(contender).is_some_and(|e| e.program == Program::Go) {
            Lang::Go
        } else {
            Lang::Rust
        }
    }

    fn label(self) -> &'static str {
        match self {
            Lang::Rust => "Rust",
            Lang::Go => "Go",
        }
    }

    /// The unbounded models the post weighs a pool against: a task per job, never
    /// capped.
    fn unbounded(self) -> &'static [&'static str] {
        match self {
            Lang::Rust => &["tokio-unbounded", crate::contenders::THREAD_PER_TASK],
            Lang::Go => &["go-per-task"],
        }
    }
}

/// What the run holds of the Go contenders, said once in the section rather than on
/// every line.
#[derive(Clone, Debug, PartialEq, Eq)]
enum GoCells {
    /// Some Go cell is `ok`: the lines carry a Go part.
    Measured,
    /// No Go cell at all (a run before them, or one restricted to other contenders).
    Absent,
    /// Go cells exist and none is `ok`: the first one's status and reason.
    NotOk(String),
}

impl GoCells {
    fn of(all: &[CellStats]) -> GoCells {
        let mut go = all
            .iter()
            .filter(|c| Lang::of(&c.first.contender) == Lang::Go);
        if go.clone().any(|c| c.status == Status::Ok) {
            return GoCells::Measured;
        }
        match go.next() {
            None => GoCells::Absent,
            Some(c) => GoCells::NotOk(format!("{}: {}", c.status.label(), c.error)),
        }
    }

    /// Whom the section compares: ` for Rust and Go side by side`, or Rust only and why.
    fn words(&self) -> String {
        match self {
            GoCells::Measured => " for Rust and Go side by side".into(),
            GoCells::Absent => {
                " for Rust only (Go not measured in this run: no `go-pool` or `go-per-task` cells)"
                    .into()
            }
            GoCells::NotOk(why) => {
                format!(" for Rust only (Go cells not measured in this run: {why})")
            }
        }
    }
}

/// One workload's figures per language: Rust, then Go when the run measured Go.
#[derive(Clone, Debug)]
pub(super) struct PerLang<S> {
    /// The workload.
    pub(super) workload: &'static str,
    /// Rust's side, then Go's.
    pub(super) sides: Vec<S>,
}

/// Of `workloads`, those the run has, each with `side` built for Rust and, where the
/// run measured Go, for Go.
fn per_lang<S>(
    data: &RunData,
    workloads: &[&'static str],
    go: &GoCells,
    side: impl Fn(&'static str, Lang) -> S,
) -> Vec<PerLang<S>> {
    let langs: &[Lang] = if *go == GoCells::Measured {
        &[Lang::Rust, Lang::Go]
    } else {
        &[Lang::Rust]
    };
    workloads
        .iter()
        .filter(|w| data.workloads.iter().any(|x| x.name == **w))
        .map(|&workload| PerLang {
            workload,
            sides: langs.iter().map(|&l| side(workload, l)).collect(),
        })
        .collect()
}

/// A contender's `ok` cells of one workload, or why there are none: not in the run, or
/// the status and reason of its cells.
fn measured<'a>(
    all: &'a [CellStats],
    workload: &str,
    contender: &str,
) -> Result<Vec<&'a CellStats>, String> {
    let mine: Vec<&CellStats> = all
        .iter()
        .filter(|c| c.first.workload == workload && c.first.contender == contender)
        .collect();
    let ok: Vec<&CellStats> = mine
        .iter()
        .copied()
        .filter(|c| c.figure().is_some())
        .collect();
    match (ok.is_empty(), mine.first()) {
        (false, _) => Ok(ok),
        (true, None) => Err("not measured".into()),
        (true, Some(c)) => Err(c.status.label().to_owned()),
    }
}

/// `not measured in this run: no `held-sleep` or `held-conn` cells`, for a claim whose
/// workloads the run lacks.
fn missing(workloads: &[&str]) -> String {
    let names: Vec<String> = workloads.iter().map(|w| format!("`{w}`")).collect();
    format!("not measured in this run: no {} cells", names.join(" or "))
}

/// Links to the pages of those of `families` the run has: ` ([I/O flat](family-io-flat.md))`.
fn pages(data: &RunData, families: &[Family]) -> String {
    let links: Vec<String> = families
        .iter()
        .filter(|f| data.workloads.iter().any(|w| w.family == **f))
        .map(|f| format!("[{}]({})", f.label(), file_name(*f)))
        .collect();
    if links.is_empty() {
        String::new()
    } else {
        format!(" ({})", links.join(", "))
    }
}

/// The section, from the run's cells `all` ([`super::aggregate::cells`] of its samples).
pub fn answer(data: &RunData, all: &[CellStats]) -> String {
    let go = GoCells::of(all);
    let sweeps = io::sweeps(data, all, &go);
    let models = held::models(data, all);
    let bounds = downstream::bounds(data, all, &go);
    let mut s = format!("{HEADING}\n\n");
    s.push_str(&format!(
        "The blog post this project finishes, *An Exploration of the Worker Pool Pattern in Go*, asks why one would bound the workers when goroutines are cheap, and answers that a worker pool \"is still a helpful tool when the tasks are heavy in file or network I/O\", with a TODO to research it. This run's cells answer it{}. Medians with 95 % intervals; `unbounded / pool` is an unbounded model's makespan over the best pool's (above 1: the pool is faster).\n\n",
        go.words()
    ));
    s.push_str(&format!(
        "- **In short**: {}\n",
        bottom_line::words(&sweeps, &models, &bounds)
    ));
    s.push_str(&format!(
        "- **Throughput against concurrency**{}:{}\n",
        pages(data, &[Family::IoFlat, Family::IoRecursive]),
        io::words(&sweeps)
    ));
    s.push_str(&format!(
        "- **Memory per in-flight task**{}:{}\n",
        pages(data, &[Family::Held]),
        held::words(&models)
    ));
    s.push_str(&format!(
        "- **A downstream of capacity K = {}**{}:{}\n",
        crate::fixtures::DOWNSTREAM_CAPACITY,
        pages(data, &[Family::Downstream]),
        downstream::words(&bounds)
    ));
    s
}
